#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslite-logd, the NAT log (RFC 6888 REQ-12, RFC 8158) and the metrics:
#  - a burst of USERS B4s (crafted softwire packets, two flows each with
#    a quota of one session per user): every block the module allocated
#    (user show, its blocks gauge) reaches the IPFIX collector as one
#    natEvent 16 record decoded by tshark (B4, public address, ports,
#    natInstanceID), every release as natEvent 17, the quota hits as
#    natEvent 13 / natQuotaExceededEvent 3; no event lost (the module's
#    events_lost and the daemon's overruns stay 0) and the IPFIX
#    sequence numbers have no gap; each record's
#    observationTimeMilliseconds is its event's time to the millisecond
#    (the JSON log's time_ms, from the module's EVENT_TIME_MS), not whole
#    seconds;
#  - the syslog lines are the same events, in the documented form only
#    (no destination address or port);
#  - dslite-who names the B4 of ADDR:PORT at TIME from the daemon's JSON
#    log, and nobody after the release;
#  - Debian's prometheus-node-exporter serves the daemon's metrics file
#    (textfile collector): HELP/TYPE for each documented name, the values
#    of `dslitectl -j stats show`, the daemon's own counters;
#  - a listener that stops reading loses events: the module counts them
#    (events_lost), that listener counts its overruns, the other one
#    still gets every event.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
require_root
require_module
trap 'logd_cleanup; topo_cleanup' EXIT

LOGD=${DSLITE_LOGD:-$REPO/tools/dslite-logd}
WHO=$REPO/tools/dslite-who
EDGE_TOOL=$LIB_DIR/lib/edgetool.py
USERS=400
BASE=2001:db8:a::1:0	# the burst's B4s: BASE+0 .. BASE+USERS-1
BASE2=2001:db8:a::2:0	# the second burst's
USERS2=100
BLACKHOLE=192.0.2.1
PORT=4739
PROM_PORT=19100
SYSLOG_SOCK=/dev/log
SYSLOG_MADE=0
logd_cleanup() {
	[[ $SYSLOG_MADE == 1 ]] && rm -f "$SYSLOG_SOCK"
	return 0
}
for cmd in tshark prometheus-node-exporter curl; do
	command -v "$cmd" >/dev/null || { skip "$(basename "$0")" "$cmd missing (scripts/deps.sh)"; ksft_finish; }
done
[[ -x $LOGD ]] || { fail "dslite-logd built ($LOGD)"; ksft_finish; }

topo_setup
T=$TOPO_TMP
ip -n "$AFTR" route add blackhole 192.0.2.0/24 || fail "blackhole route"
MAC=$(ip -n "$AFTR" -j link show a0 | json 'j[0]["address"]')
check "hold-down 1 s, one session per user" \
	D instance set "$TOPO_INST" hold-down 1 max-sessions-per-user 1
check "timeout set udp 2" D timeout set "$TOPO_INST" udp 2

# --- the collector, syslog, the daemon, node_exporter -----------------------
section "the collector, syslog, dslite-logd, node_exporter"
mkdir -p "$T/prom"
ns_bg "$AFTR" "$T/sink.err" python3 "$LIB_DIR/lib/ipfix_sink.py" "127.0.0.1:$PORT" "$T/ipfix.pcap" --ready "$T/sink.rdy"
if [[ ! -e $SYSLOG_SOCK ]]; then
	python3 "$EDGE_TOOL" syslog-sink "$SYSLOG_SOCK" "$T/syslog.txt" --ready "$T/syslog.rdy" 2>"$T/syslog.err" &
	TOPO_PIDS+=("$!")
	SYSLOG_MADE=1
	wait_for 20 test -e "$T/syslog.rdy" || fail "syslog stand-in started" "$(cat "$T/syslog.err")"
fi
wait_for 20 test -e "$T/sink.rdy" || { fail "IPFIX collector started" "$(cat "$T/sink.err")"; ksft_finish; }
ns_bg "$AFTR" "$T/logd.err" "$LOGD" --ipfix "127.0.0.1:$PORT" --syslog --log "$T/blocks.jsonl" \
	--metrics "$T/prom/dslite.prom" --metrics-interval 1 --template-interval 2
LOGD_PID=$NT_PID
check "dslite-logd is listening" wait_for 10 grep -q listening "$T/logd.err"
ns_bg "$AFTR" "$T/nodeexp.err" prometheus-node-exporter --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$T/prom" --web.listen-address="127.0.0.1:$PROM_PORT"
scrape() { ip netns exec "$AFTR" curl -sf "http://127.0.0.1:$PROM_PORT/metrics"; }
check "node_exporter answers" wait_for 10 scrape

# --- the burst ----------------------------------------------------------------
section "a burst: $USERS B4s, two flows each (the second over quota)"
t_before=$(date +%s)
nt "$B4A" blast --iface veth0 --dst-mac "$MAC" --b4-base "$BASE" --users $USERS \
	--flows 2 --aftr "$TOPO_AFTR6" --dst $BLACKHOLE >"$T/blast.json"
allocated() { [[ $(ctr users) -ge $USERS ]]; }
check "$USERS users have a block" wait_for 5 allocated
D -j user show >"$T/users.json"
D -j stats show instance "$TOPO_INST" >"$T/stats1.json"
t_during=$(date +%s)
assert_eq "every blast packet sent" "$(pyq 'j["sent"]' "$T/blast.json")" $((USERS * 2))
released() { [[ $(ctr blocks) -eq 0 && $(ctr users) -eq 0 ]]; }
check "every block released (udp 2 s)" wait_for 20 released
t_free=$(date +%s)
got_all() { [[ $(grep -c '"block-free"' "$T/blocks.jsonl") -ge $USERS ]]; }
check "the daemon's log has every release" wait_for 10 got_all
sleep 1.1
t_later=$(date +%s)
sleep 1.1

# --- metrics, while the counters stand still -----------------------------------
section "metrics: node_exporter scraping the daemon's file"
# a scrape of a file written after the last event
fresh() { scrape >"$T/scrape.txt" && grep -q "^dslite_logd_events_total{event=\"block-free\"} $USERS\$" "$T/scrape.txt"; }
check "a scrape with every release counted" wait_for 5 fresh
sleep 1.2
scrape >"$T/scrape.txt"
D -j stats show instance "$TOPO_INST" >"$T/stats2.json"
py_checks "metrics" '
import re
T, users = sys.argv[1], int(sys.argv[2])
st = load(T + "/stats2.json")[0]
text = open(T + "/scrape.txt").read()
types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
helps = dict(re.findall(r"^# HELP (\S+) (.+)$", text, re.M))
samples = {}
for name, labels, v in re.findall(r"^(dslite_\w+)(\{[^}]*\})? (\S+)$", text, re.M):
    samples[(name, labels)] = float(v)
gauges = {"sessions", "sessions_peak", "users", "users_peak", "blocks", "blocks_peak"}
want_types, got_vals, want_vals = {}, {}, {}
for k, v in st.items():
    if k == "instance":
        continue
    n = "dslite_" + k + ("" if k in gauges else "_total")
    want_types[n] = "gauge" if k in gauges else "counter"
    got_vals[n] = samples.get((n, "{instance=\"dsl0\"}"))
    want_vals[n] = float(v)
check("a TYPE line per counter of stats show, gauge or counter as documented",
      {n: types.get(n) for n in want_types}, want_types)
check("a HELP line for each of them", sorted(n for n in want_types if helps.get(n)), sorted(want_types))
check("each value is stats show'"'"'s (instance=\"dsl0\")", got_vals, want_vals)
check("the daemon: events by kind, no overrun, no send error, stats read",
      [int(samples.get(("dslite_logd_events_total", "{event=\"%s\"}" % e), -1)) for e in ("block-alloc", "block-free")] +
      [int(samples.get((n, ""), -1)) for n in ("dslite_logd_overruns_total", "dslite_logd_ipfix_send_errors_total",
                                      "dslite_logd_log_errors_total", "dslite_logd_stats_ok")],
      [users, users, 0, 0, 0, 1])
check("the daemon: its types", [types.get(n) for n in ("dslite_logd_events_total", "dslite_logd_overruns_total",
      "dslite_logd_ipfix_messages_total", "dslite_logd_ipfix_records_total", "dslite_logd_stats_ok")],
      ["counter"] * 4 + ["gauge"])
check("records exported = events with an RFC 8158 template",
      samples.get(("dslite_logd_ipfix_records_total", "")),
      samples.get(("dslite_logd_events_total", "{event=\"block-alloc\"}"), 0) +
      samples.get(("dslite_logd_events_total", "{event=\"block-free\"}"), 0) +
      samples.get(("dslite_logd_events_total", "{event=\"limit\"}"), 0))
page = open(sys.argv[3]).read()
doc = set(re.findall(r"^\.BR (dslite_[a-z_]+) ", page[page.index(".SH METRICS"):], re.M))
check("the scraped metric names are exactly those dslite-logd(8) documents",
      sorted(n for n in types if n.startswith("dslite_")), sorted(doc))
check("and with the type it gives them", {n: types.get(n) for n in doc},
      {n: re.search(r"^\.BR " + n + r" \"? ?\(([a-z]+)", page, re.M).group(1) for n in doc})
m = re.search(r"^node_textfile_scrape_error (\S+)$", text, re.M)
check("node_exporter read the file without error", m and m.group(1), "0")
check("nothing lost by the module, the burst is in the counters",
      [st["events_lost"], st["users_peak"] >= users, st["drop_quota"] >= users], [0, True, True])
' "$T" "$USERS" "$REPO/tools/dslite-logd.8"

# --- the IPFIX the collector received ---------------------------------------------
section "IPFIX: what the collector received, decoded by tshark"
sleep 2.2	# a template refresh (every 2 s) with no data
tshark -n -r "$T/ipfix.pcap" -T json -J cflow >"$T/ipfix.json" 2>"$T/tshark.err"
check "tshark decodes the capture" test -s "$T/ipfix.json"
py_checks "ipfix" '
T, users, b4base = sys.argv[1], int(sys.argv[2]), ipaddress.ip_address(sys.argv[3])
t_before, t_free = int(sys.argv[4]), int(sys.argv[5])
pk = json.load(open(T + "/ipfix.json"))
def walk(o, recs, notmpl):
    if isinstance(o, dict):
        if "cflow.nat_event" in o:
            recs.append({k: v for k, v in o.items() if isinstance(v, str)})
        for k, v in o.items():
            if "no template" in k.lower():
                notmpl.append(k)
            walk(v, recs, notmpl)
    elif isinstance(o, list):
        for v in o:
            walk(v, recs, notmpl)
recs, notmpl, hdrs, gaps, n, tmpl = [], [], [], [], 0, 0
for p in pk:
    c = p["_source"]["layers"].get("cflow", {})
    mine = []
    walk(c, mine, notmpl)
    hdrs.append((c.get("cflow.version"), c.get("cflow.od_id")))
    if int(c.get("cflow.sequence", -1)) != n:
        gaps.append((c.get("cflow.sequence"), n))
    n += len(mine)
    recs += mine
    tmpl += any("[id=2]" in k for k in c)
users_now = load(T + "/users.json")
check("%d IPFIX messages: version 10, observation domain 1" % len(pk), sorted(set(hdrs)), [["10", "1"]])
check("no data set without its template", notmpl, [])
check("sequence numbers count the records before: no gap", gaps, [])
check("the templates were sent again (every 2 s): in more than one message", tmpl >= 2, True)
al = [r for r in recs if r["cflow.nat_event"] == "16"]
fr = [r for r in recs if r["cflow.nat_event"] == "17"]
qu = [r for r in recs if r["cflow.nat_event"] == "13"]
key = lambda r: (r["cflow.srcaddrv6"], r["cflow.post_natsource_ipv4_address"],
                 int(r["cflow.port_range_start"]), int(r["cflow.port_range_end"]))
blocks = sorted((u["b4"], u["public_addr"], b["first"], b["last"]) for u in users_now for b in u["blocks"])
check("%d users, one block each, in user show" % users, len(blocks), users)
check("natEvent 16: exactly the blocks the module allocated", sorted(map(list, map(key, al))), [list(b) for b in blocks])
check("natEvent 17: the same blocks released, once each", sorted(map(list, map(key, fr))), [list(b) for b in blocks])
check("the B4s are the burst'"'"'s", sorted({int(ipaddress.ip_address(r["cflow.srcaddrv6"])) - int(b4base) for r in al}),
      list(range(users)))
check("block records: natInstanceID 1, step 1, 512 ports",
      sorted({(r["cflow.nat_instanceid"], r["cflow.port_range_step_size"], r["cflow.port_range_num_ports"]) for r in al + fr}),
      [["1", "1", "512"]])
check("quota hits: natEvent 13, natQuotaExceededEvent 3, a burst B4, instance 1",
      [len(qu) >= 1, sorted({(r.get("cflow.nat_quota_exceeded_event"), r.get("cflow.nat_instanceid")) for r in qu}),
       all(0 <= int(ipaddress.ip_address(r["cflow.srcaddrv6"])) - int(b4base) < users for r in qu)],
      [True, [["3", "1"]], True])
ev = [json.loads(l) for l in open(T + "/blocks.jsonl") if l.strip()]
check("as many quota records as limit events in the log", len(qu), len([e for e in ev if e["event"] == "limit"]))
import calendar, time as tm
def ms(r):
    s = " ".join(r["cflow.observation_time_milliseconds"].split())
    d, frac = s.rsplit(".", 1)
    return calendar.timegm(tm.strptime(d, "%b %d, %Y %H:%M:%S")) + float("0." + frac.split()[0])
check("observation times lie in the burst", all(t_before <= ms(r) <= t_free + 1 for r in recs), True)
# observationTimeMilliseconds to the millisecond (tshark prints nanoseconds)
def exact_ms(r):
    s = " ".join(r["cflow.observation_time_milliseconds"].split())
    d, frac = s.rsplit(".", 1)
    return calendar.timegm(tm.strptime(d, "%b %d, %Y %H:%M:%S")) * 1000 + int(frac.split()[0][:3])
# distinct times: a GC run frees many blocks in one millisecond, so counting
# records would weigh one instant many times; seconds*1000 makes them all whole
times = {exact_ms(r) for r in recs}
whole = {t for t in times if t % 1000 == 0}
check("%d records, %d distinct times: not all on a whole second (%d are)" % (len(recs), len(times), len(whole)),
      [len(recs) >= 2 * users, len(whole) < len(times)], [True, True])
check("every event in the JSON log has time_ms, in the second of its time_unix",
      [e for e in ev if "time_ms" not in e or e["time_ms"] // 1000 != e["time_unix"]], [])
bykey = {(e["event"], e["b4"], e["public_addr"], e["port_first"], e["port_last"]): e.get("time_ms")
         for e in ev if e["event"].startswith("block-")}
name = {"16": "block-alloc", "17": "block-free"}
check("each block record'"'"'s time is its event'"'"'s time_ms in the JSON log",
      [key(r) for r in al + fr if exact_ms(r) != bykey.get((name[r["cflow.nat_event"]],) + key(r))], [])
check("the quota records'"'"' times are the limit events'"'"' time_ms",
      sorted(exact_ms(r) for r in qu), sorted(e.get("time_ms") for e in ev if e["event"] == "limit"))
' "$T" "$USERS" "$BASE" "$t_before" "$t_free"

# --- the JSON log and dslite-who ------------------------------------------------
section "the daemon's JSON log answers dslite-who"
read -r B4 PA PFIRST <<<"$(pyq '" ".join(str(x) for x in [j[7]["b4"], j[7]["public_addr"], j[7]["blocks"][0]["first"]])' "$T/users.json")"
PP=$((PFIRST + 5))
check_err "who $PA:$PP during the burst: $B4" 0 "^$B4 instance dsl0 had $PA ports $PFIRST-" \
	"$WHO" "$PA:$PP" "$t_during" "$T/blocks.jsonl"
assert_eq "who --json: exactly that B4" \
	"$("$WHO" --json "$PA:$PP" "$t_during" "$T/blocks.jsonl" | json '[h["b4"] for h in j]')" "[\"$B4\"]"
check_err "who $PA:$PP after the release: nobody" 1 "^nobody had" \
	"$WHO" "$PA:$PP" "$t_later" "$T/blocks.jsonl"

# --- syslog -------------------------------------------------------------------------
if [[ $SYSLOG_MADE == 1 ]]; then
	section "syslog"
	py_checks "syslog" '
import re
T, users = sys.argv[1], int(sys.argv[2])
lines = [l.rstrip("\n") for l in open(T + "/syslog.txt") if l.strip()]
ev = [json.loads(l) for l in open(T + "/blocks.jsonl") if l.strip()]
check("syslog: facility daemon, severity info, tag dslite-logd",
      sorted({l.split(">")[0] + ">" + ("dslite-logd[" in l and "]: " in l and "tag" or "no tag") for l in lines}), ["<30>tag"])
got = [l.split("]: ", 1)[1] for l in lines if "]: " in l]
blk = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ block-(alloc|free) instance dsl0 b4 [0-9a-f:]+ public [0-9.]+ ports \d+-\d+$")
lim = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ limit instance dsl0 b4 [0-9a-f:]+ reason quota$")
check("every line is a block or limit line, nothing else (no destination)",
      [l for l in got if not (blk.match(l) or lim.match(l))], [])
check("no line names the destination", [l for l in got if "192.0.2." in l], [])
check("one line per block event: %d allocations and releases" % (2 * users),
      [len([l for l in got if " block-alloc " in l]), len([l for l in got if " block-free " in l])], [users, users])
want = ["%s %s instance %s b4 %s public %s ports %d-%d" % (e["time"], e["event"], e["instance"], e["b4"],
        e["public_addr"], e["port_first"], e["port_last"]) for e in ev if e["event"].startswith("block-")]
want += ["%s limit instance %s b4 %s reason %s" % (e["time"], e["instance"], e["b4"], e["reason"]) for e in ev if e["event"] == "limit"]
check("the same events as the JSON log", sorted(got), sorted(want))
' "$T" "$USERS"
else
	skip "syslog lines" "$SYSLOG_SOCK exists here: not replacing a real syslog"
fi

# --- a listener that does not read: its loss is counted ------------------------------
section "a listener that stops reading: loss counted by the module and by it"
ns_bg "$AFTR" "$T/slow.err" "$LOGD" --log "$T/slow.jsonl" --metrics "$T/slow.prom" --metrics-interval 1 --rcvbuf 4096
SLOW_PID=$NT_PID
check "the slow listener is listening" wait_for 10 grep -q listening "$T/slow.err"
# stop the daemon itself (ip netns exec execs it: the pid is its)
kill -STOP "$SLOW_PID"
nt "$B4A" blast --iface veth0 --dst-mac "$MAC" --b4-base "$BASE2" --users $USERS2 \
	--flows 1 --aftr "$TOPO_AFTR6" --dst $BLACKHOLE >"$T/blast2.json"
allocated2() { [[ $(grep -c '"block-alloc"' "$T/blocks.jsonl") -ge $((USERS + USERS2)) ]]; }
check "the reading daemon still logs every allocation of the second burst" wait_for 10 allocated2
lost=$(D -j stats show instance "$TOPO_INST" | json 'j[0]["events_lost"]')
check "the module counted lost events ($lost)" test "$lost" -gt 0
kill -CONT "$SLOW_PID"
overrun() { grep -Eq '^dslite_logd_overruns_total [1-9]' "$T/slow.prom"; }
check "the slow listener counts its overrun" wait_for 5 overrun
check "and says so on standard error" grep -q "events lost" "$T/slow.err"
nt_stop "$SLOW_PID"

# --- stop ---------------------------------------------------------------------------
section "the daemon stops on SIGTERM"
kill "$LOGD_PID"
wait "$LOGD_PID"
assert_eq "exit status 0" "$?" 0
ksft_finish
