#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The port-block log (RFC 6888 REQ-12) and the "who had it" query:
#  - `dslitectl -j monitor` prints block-alloc when a B4's first flow gets a
#    block and block-free when GC gives it back, one JSON object a line with
#    exactly the documented fields (time, time_unix, time_ms, instance, b4,
#    public_addr, port_first, port_last), matching `user show`/`session
#    show`; the same events reach syslog with `monitor syslog`;
#  - dslite-who, fed the captured log, names the B4 for a public port a
#    flow really used at a time inside the block's life, and nobody after
#    the release, before the allocation, or for a port outside the block;
#  - a quota hit gives one "limit" event with reason "quota".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo_edge.sh"
require_root
require_module
trap 'logging_cleanup; topo_cleanup' EXIT

WHO=$REPO/tools/dslite-who
SYSLOG_SOCK=/dev/log
SYSLOG_MADE=0
logging_cleanup() {
	[[ $SYSLOG_MADE == 1 ]] && rm -f "$SYSLOG_SOCK"
	return 0
}

# the network first, the instance once the monitor listens (so that the
# instance-add event proves the monitor is subscribed)
TOPO_NO_INSTANCE=1 edge_setup
T=$TOPO_TMP
S=$TOPO_SRV
MON=$T/blocks.log
"$DSLITECTL" -n "$AFTR" -j monitor >"$MON" 2>"$T/mon.err" &
MON_PID=$!
TOPO_PIDS+=("$MON_PID")
# syslog: a stand-in /dev/log (the VM has no syslog daemon)
if [[ ! -e $SYSLOG_SOCK ]]; then
	ed_bg "$AFTR" "$T/sink.err" syslog-sink "$SYSLOG_SOCK" "$T/syslog.txt" --ready "$T/sink.rdy"
	SYSLOG_MADE=1
	wait_for 20 test -e "$T/sink.rdy" || fail "syslog stand-in started" "$(cat "$T/sink.err")"
	"$DSLITECTL" -n "$AFTR" monitor syslog >"$T/monsys.err" 2>&1 &
	MONSYS_PID=$!
	TOPO_PIDS+=("$MONSYS_PID")
else
	skip "monitor syslog" "$SYSLOG_SOCK exists here: not replacing a real syslog"
fi
sleep 1
D instance add "$TOPO_INST" id 1 aftr "$TOPO_AFTR6" || topo_die "instance add"
ip -n "$AFTR" link set "$TOPO_INST" up
topo_pool_add "$TOPO_POOL" || topo_die "pool add"
check "the monitor is listening (instance-add seen)" wait_for 10 grep -q instance-add "$MON"
check "timeout set dsl0 udp 2" D timeout set "$TOPO_INST" udp 2
check "instance set dsl0 hold-down 2" D instance set "$TOPO_INST" hold-down 2

ed_bg "$SRV" "$T/u.err" udp-answer "$S:7000" --ready "$T/u.rdy"
wait_for 20 test -e "$T/u.rdy" || { fail "server started"; ksft_finish; }

# --- a flow from each B4: blocks allocated ----------------------------------
section "a flow from each B4: block-alloc"
t_before=$(date +%s)
# both flows keep sending for ~4 s, the tables are read while they live
nt_bg "$B4A" "$T/a.json" udp-send --bind :4000 --to "$S:7000" --count 8 --interval 0.5
pa=$NT_PID
nt_bg "$B4B" "$T/b.json" udp-send --bind :4000 --to "$S:7000" --count 8 --interval 0.5
pb=$NT_PID
two_users() { [[ $(D -j user show | json 'sum(len(u["blocks"]) for u in j)') -ge 2 ]]; }
check "both B4s have a block while their flows run" wait_for 10 two_users
D -j session show >"$T/sess.json"
D -j user show >"$T/users.json"
t_during=$(date +%s)
wait "$pa" "$pb"
alloc2() { [[ $(grep -c '"block-alloc"' "$MON") -ge 2 ]]; }
check "two block-alloc events" wait_for 10 alloc2

# --- the flows stop: sessions expire, blocks are given back -----------------
section "the flows stop: sessions expire (udp 2 s), GC frees the blocks"
free2() { [[ $(grep -c '"block-free"' "$MON") -ge 2 ]]; }
check "two block-free events within 15 s" wait_for 15 free2
t_after=$(($(date +%s) + 1))
N_FIRST=$(wc -l <"$MON")
sleep 1.1	# strictly after the release second
t_later=$(date +%s)
sleep 1.1	# and strictly before anything allocated next
assert_eq "no session and no block left" "$(D -j stats show instance "$TOPO_INST" | json '[j[0]["sessions"], j[0]["blocks"]]')" "[0, 0]"

# --- a quota hit: one limit event -------------------------------------------
section "a quota hit: limit event"
# (a long UDP timeout now: nothing is freed before the monitors stop)
check "timeout set dsl0 udp 60" D timeout set "$TOPO_INST" udp 60
check "instance set dsl0 max-sessions-per-user 1" D instance set "$TOPO_INST" max-sessions-per-user 1
ed "$B4A" udp-probe --bind :4001 --to "$S:7000" >"$T/q1.json"
ed "$B4A" udp-probe --bind :4002 --to "$S:7000" --timeout 2 >"$T/q2.json"
limit1() { grep -q '"limit"' "$MON"; }
check "a limit event" wait_for 5 limit1
sleep 0.5
nt_stop "$MON_PID"
[[ -n ${MONSYS_PID:-} ]] && nt_stop "$MONSYS_PID"

section "the events and the tables"
py_checks "block log" '
import re, time
T, B4A, B4B, pool = sys.argv[1], sys.argv[2], sys.argv[3], ipaddress.ip_network(sys.argv[4])
t_before, t_during, t_after = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
ev = [json.loads(l) for l in open(T + "/blocks.log") if l.strip()]
n_first = int(sys.argv[8])
# the flows of both B4s until their blocks were freed
blk = [e for e in ev[:n_first] if e.get("event") in ("block-alloc", "block-free")]
keys = ["b4", "event", "instance", "port_first", "port_last", "public_addr", "time", "time_ms", "time_unix"]
check("every block event has exactly the documented fields", sorted({",".join(sorted(e)) for e in blk}), [",".join(keys)])
sess, users = load(T + "/sess.json"), load(T + "/users.json")
for b, b4 in (("a", B4A), ("b", B4B)):
    s = [x for x in sess if x["b4"] == b4 and x["proto"] == "udp" and x["inner_port"] == 4000]
    u = [x for x in users if x["b4"] == b4]
    al = [e for e in blk if e["b4"] == b4 and e["event"] == "block-alloc"]
    fr = [e for e in blk if e["b4"] == b4 and e["event"] == "block-free"]
    check("b4%s: one block-alloc, then one block-free for the same block" % b,
          [len(al), len(fr), [(e["public_addr"], e["port_first"], e["port_last"]) for e in fr]],
          [1, 1, [(e["public_addr"], e["port_first"], e["port_last"]) for e in al]])
    check("b4%s: listed by session show and user show during its flow" % b, [len(s), len(u)], [1, 1])
    if not (al and s and u):
        continue
    a, s, u = al[0], s[0], u[0]
    check("b4%s: alloc event: instance dsl0, public address = user show, block = user show" % b,
          [a["instance"], a["public_addr"], [{"first": a["port_first"], "last": a["port_last"]}]],
          ["dsl0", u["public_addr"], [{"first": x["first"], "last": x["last"]} for x in u["blocks"]]])
    check("b4%s: the session public endpoint lies in the logged block" % b,
          [s["public_addr"] == a["public_addr"], a["port_first"] <= s["public_port"] <= a["port_last"]], [True, True])
    check("b4%s: a 512-port block aligned in 1024-65535, on a pool address" % b,
          [a["port_last"] - a["port_first"] + 1, (a["port_first"] - 1024) % 512, ipaddress.ip_address(a["public_addr"]) in pool],
          [512, 0, True])
    for e in [a] + fr[:1]:
        check("b4%s: %s time is ISO-8601 UTC of time_unix" % (b, e["event"]),
              e["time"], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(e["time_unix"])))
        check("b4%s: %s time_ms is in the second of time_unix" % (b, e["event"]),
              e["time_ms"] // 1000, e["time_unix"])
    check("b4%s: allocated while its flow started" % b, t_before <= a["time_unix"] <= t_during, True)
    if fr:
        check("b4%s: freed at least 2 s (the UDP timeout) after the allocation" % b,
              fr[0]["time_unix"] - a["time_unix"] >= 2, True)
check("block events later on have the same fields", sorted({",".join(sorted(e)) for e in ev[n_first:]
      if e.get("event") in ("block-alloc", "block-free")} | {",".join(keys)}), [",".join(keys)])
lim = [e for e in ev if e.get("event") == "limit"]
check("one limit event: instance dsl0, b4a, reason quota",
      [[e.get("instance"), e.get("b4"), e.get("reason")] for e in lim], [["dsl0", B4A, "quota"]])
if lim:
    check("limit event: time is ISO-8601 UTC of time_unix",
          lim[0].get("time"), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(lim[0].get("time_unix", 0))))
    check("limit event: time_ms is in the second of time_unix",
          lim[0].get("time_ms", -1000) // 1000, lim[0].get("time_unix"))
check("instance-add was the first event", ev[0].get("event"), "instance-add")
' "$T" "$TOPO_B4A6" "$TOPO_B4B6" "$TOPO_POOL" "$t_before" "$t_during" "$t_after" "$N_FIRST"
assert_eq "the refused flow got ICMP 3/13 from 192.0.0.1" \
	"$(pyq '[(j.get("ee") or {}).get(k) for k in ("type", "code", "offender")]' "$T/q2.json")" \
	'[3, 13, "192.0.0.1"]'

# --- dslite-who on the captured log -----------------------------------------
section "dslite-who answers from the log"
read -r PA PPA <<<"$(pyq '" ".join([[s["public_addr"], str(s["public_port"])] for s in j if s["b4"] == "'"$TOPO_B4A6"'" and s["inner_port"] == 4000][0])' "$T/sess.json")"
read -r PB PPB <<<"$(pyq '" ".join([[s["public_addr"], str(s["public_port"])] for s in j if s["b4"] == "'"$TOPO_B4B6"'" and s["inner_port"] == 4000][0])' "$T/sess.json")"
# a port on b4a's address that no logged block of that address covers
OUTSIDE=$(python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cov = [(e["port_first"], e["port_last"]) for e in ev if e.get("public_addr") == sys.argv[2]]
print(next(p for p in range(1024, 65536) if not any(a <= p <= b for a, b in cov)))' "$T/blocks.log" "$PA")
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
L=$T/blocks.log

check_err "who $PA:$PPA at $(iso "$t_during") (during b4a's flow): b4a" 0 "^$TOPO_B4A6 instance dsl0 had $PA" \
	"$WHO" "$PA:$PPA" "$(iso "$t_during")" "$L"
out=$("$WHO" --json "$PA:$PPA" "$t_during" "$L")
assert_eq "who --json (unix time): exactly b4a, from its block" \
	"$(json '[[h["b4"], h["public_addr"], h["port_first"] <= '"$PPA"' <= h["port_last"]] for h in j]' <<<"$out")" \
	"[[\"$TOPO_B4A6\", \"$PA\", true]]"
check_err "who $PB:$PPB during: b4b (and not b4a)" 0 "^$TOPO_B4B6 instance dsl0 had $PB" \
	"$WHO" "$PB:$PPB" "$t_during" "$L"
[[ $("$WHO" "$PB:$PPB" "$t_during" "$L") != *"$TOPO_B4A6"* ]] && ok "who for b4b's port does not name b4a" ||
	fail "who for b4b's port does not name b4a"
check_err "who $PA:$PPA after the release: nobody" 1 "^nobody had $PA:$PPA" \
	"$WHO" "$PA:$PPA" "$(iso "$t_later")" "$L"
check_err "who $PA:$PPA before the allocation: nobody" 1 "^nobody had" \
	"$WHO" "$PA:$PPA" "$((t_before - 60))" "$L"
check_err "who $PA:$OUTSIDE (outside any block) during: nobody" 1 "^nobody had" \
	"$WHO" "$PA:$OUTSIDE" "$t_during" "$L"
check_err "who on standard input works too" 0 "^$TOPO_B4A6 " \
	bash -c '"$0" "$1" "$2" <"$3"' "$WHO" "$PA:$PPA" "$t_during" "$L"

# --- syslog -----------------------------------------------------------------
if [[ $SYSLOG_MADE == 1 ]]; then
	section "monitor syslog"
	py_checks "syslog lines" '
T, B4A, B4B = sys.argv[1], sys.argv[2], sys.argv[3]
ev = [json.loads(l) for l in open(T + "/blocks.log") if l.strip()]
lines = [l.rstrip("\n") for l in open(T + "/syslog.txt") if l.strip()]
check("syslog: every line is facility daemon, severity info, tag dslite",
      sorted({l.split(">")[0] + ">" + ("dslite[" in l and "]: " in l and "tag" or "no tag") for l in lines}),
      ["<30>tag"])
want = ["%s %s instance %s b4 %s public %s ports %d-%d" % (e["time"], e["event"], e["instance"], e["b4"],
        e["public_addr"], e["port_first"], e["port_last"]) for e in ev if e.get("event", "").startswith("block-")]
want += ["%s limit instance %s b4 %s reason %s" % (e["time"], e["instance"], e["b4"], e["reason"])
         for e in ev if e.get("event") == "limit"]
got = [l.split("]: ", 1)[1] for l in lines if "]: " in l]
check("syslog: the same events as the JSON log, as text", sorted(got), sorted(want))
' "$T" "$TOPO_B4A6" "$TOPO_B4B6"
fi

ksft_finish
