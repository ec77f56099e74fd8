#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 100,000+ sessions: crafted IPv4-in-IPv6 UDP sent straight onto the
# access link (AF_PACKET) from 200 B4 addresses x 512 inner source ports
# (one mapping each) to a blackholed remote. Then: the gauges say so,
# `session show -j` returns every session exactly once (the dump resumes
# across thousands of netlink messages), no public endpoint is given
# twice, each user's sessions sit on its own address and block, filtered
# dumps (b4, proto, instance) return exactly the right subset, user show
# lists every user once, and a flush empties it all (one B4's sessions
# freed through the fallback of sess_free.c) and gives the memory back.
# The memory cost per session is printed as TAP comments.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
require_root
require_module
trap topo_cleanup EXIT

USERS=200
FLOWS=512
N=$((USERS * FLOWS))
BASE=2001:db8:a::1:0	# B4 addresses BASE+0 .. BASE+USERS-1 (on b4a's link)
SPORT=10000
BLACKHOLE=192.0.2.1

topo_setup
T=$TOPO_TMP
S1=$TOPO_SRV
ip -n "$AFTR" route add blackhole 192.0.2.0/24 || fail "blackhole route"
MAC=$(ip -n "$AFTR" -j link show a0 | json 'j[0]["address"]')

# nothing may expire while the test runs, however slow the kernel
check "timeout set: every timeout an hour or more" \
	D timeout set "$TOPO_INST" udp 3600 icmp 3600 tcp-trans 3600 tcp-est 7440

# the session indexes grow to max-sessions rounded up to a power of two at
# most (load <= 1 when full), and no further: rhashtable alone grows past
# 75 %, here at 98,304 sessions to 262,144 buckets per index
check "instance set max-sessions 110000" D instance set "$TOPO_INST" max-sessions 110000
buckets() { D -j -d instance show "$TOPO_INST" | json '[j[0]["session_buckets"], j[0]["session_buckets_max"]]'; }
assert_eq "instance show -d: session-buckets 64 (the least) max 131072 (110000 rounded up)" \
	"$(buckets)" "[64, 131072]"

# a few real sessions of other kinds, from b4b, for the proto filters
nt_bg "$SRV" "$T/udpd.err" udp-echo "$S1:7000" --ready "$T/udp.rdy"
nt_bg "$SRV" "$T/tcpd.err" tcp-server "$S1:5001" --ready "$T/tcp.rdy"
wait_for 20 test -e "$T/udp.rdy" -a -e "$T/tcp.rdy" || { fail "servers started"; ksft_finish; }
nt "$B4B" tcp-client --to "$S1:5001" --echo >/dev/null
nt "$B4B" tcp-client --to "$S1:5001" --echo >/dev/null
nt "$B4B" ping --to "$S1" --id 1 --count 1 >/dev/null
nt "$B4B" udp-send --bind :7777 --to "$S1:7000" >/dev/null
EXTRA=$(ctr sessions)
check "b4b's real sessions are there (2 tcp, 1 icmp, 1 udp)" test "$EXTRA" -eq 4

# kernel memory: unreclaimable slab (kmalloc of the hash tables included)
sunreclaim() { awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo; }
slabf() { cat "/sys/kernel/slab/dslite_session/$1" 2>/dev/null; }
mem0=$(sunreclaim)

section "creating $N sessions ($USERS B4s x $FLOWS ports)"
start=$(date +%s%N)
for pass in 1 2 3; do
	nt "$B4A" blast --iface veth0 --dst-mac "$MAC" --b4-base "$BASE" --users $USERS \
		--flows $FLOWS --sport $SPORT --aftr "$TOPO_AFTR6" --dst $BLACKHOLE >"$T/blast$pass.json"
	# a packet lost on the way is sent again: the same 5-tuples only hit
	# the sessions that exist
	settled() { [[ $(ctr sessions) -eq $((N + EXTRA)) ]]; }
	wait_for 10 settled && break
	echo "# pass $pass: $(ctr sessions) sessions, sending again"
done
secs=$((($(date +%s%N) - start) / 1000000))
echo "# $N sessions created in $secs ms ($(pyq 'j["secs"]' "$T/blast1.json") s of sending, pass $pass)"
stats_json >"$T/stats.json"
assert_eq "gauges: sessions, users, blocks" \
	"$(pyq '[j["sessions"], j["users"], j["blocks"]]' "$T/stats.json")" "[$((N + EXTRA)), $((USERS + 1)), $((USERS + 1))]"
assert_eq "sessions_created = sessions, nothing dropped" \
	"$(pyq '[j["sessions_created"] == j["sessions"], {k: v for k, v in j.items() if k.startswith("drop_") and v}]' "$T/stats.json")" \
	"[true, {}]"

section "memory"
sleep 1
mem1=$(sunreclaim)
assert_eq "$((N + EXTRA)) sessions: 131072 buckets per index, not more (load $(((N + EXTRA) * 100 / 131072)) %)" \
	"$(buckets)" "[131072, 131072]"
echo "# memory: the two indexes' bucket arrays: 2 x 131072 x 8 B = $((2 * 131072 * 8 / (N + EXTRA))) B/session"
echo "# memory: SUnreclaim grew $(((mem1 - mem0) / 1024)) MB for $N sessions:" \
	"$(((mem1 - mem0) * 1024 / N)) B/session (session objects, both hash tables, users)"
osz=$(slabf object_size)
if [[ -n $osz ]]; then
	echo "# memory: dslite_session object_size $osz B, slab_size $(slabf slab_size) B," \
		"$(slabf objs_per_slab) objects per order-$(slabf order) slab" \
		"($(((4096 << $(slabf order)) / $(slabf objs_per_slab))) B of slab per session);" \
		"cache $(readlink /sys/kernel/slab/dslite_session || echo "of its own (not merged)")"
	check "a session object is at most 96 bytes (design target, both indexes included)" \
		test "$osz" -le 96
else
	skip "a session object is at most 96 bytes" "no /sys/kernel/slab/dslite_session"
fi

section "full dump"
start=$(date +%s%N)
D -j session show >"$T/all.json" 2>"$T/all.err"
rc=$?
echo "# session show -j: $(($(stat -c %s "$T/all.json") / 1024)) KB of JSON in $((($(date +%s%N) - start) / 1000000)) ms"
check "session show -j succeeds quietly" test $rc -eq 0 -a ! -s "$T/all.err"
D -j user show >"$T/users.json"
py_checks "full dump" '
T, N, extra, users_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
base, sport, flows = int(ipaddress.ip_address(sys.argv[5])), int(sys.argv[6]), int(sys.argv[7])
bh, b4b = sys.argv[8], sys.argv[9]
j = load(T + "/all.json")
check("the dump has every session: %d + %d" % (N, extra), len(j), N + extra)
key = lambda s: (s["b4"], s["proto"], s["inner_addr"], s["inner_port"], s["remote_addr"], s["remote_port"])
check("each session appears exactly once", len({key(s) for s in j}), len(j))
blasted = {(s["b4"], s["inner_port"]) for s in j if s["remote_addr"] == bh}
want = {(str(ipaddress.ip_address(base + u)), p) for u in range(users_n) for p in range(sport, sport + flows)}
check("the blasted sessions are exactly the %d sent (B4 x port)" % N, [len(blasted), blasted == want], [N, True])
maps = {}
for s in j:
    maps.setdefault((s["proto"], s["public_addr"], s["public_port"]), set()).add((s["b4"], s["inner_addr"], s["inner_port"]))
check("no public endpoint is shared by two mappings", [k for k, v in maps.items() if len(v) > 1][:3], [])
check("state and inner address of the blasted sessions",
      sorted({(s["proto"], s["state"], s["inner_addr"], s["remote_port"]) for s in j if s["remote_addr"] == bh}),
      [["udp", "udp", "192.0.0.2", 9]])
u = load(T + "/users.json")
check("user show lists every user once", [len(u), len({x["b4"] for x in u})], [users_n + 1, users_n + 1])
byb4 = {x["b4"]: x for x in u}
bad_addr = bad_block = 0
for s in j:
    x = byb4.get(s["b4"])
    if not x or s["public_addr"] != x["public_addr"]:
        bad_addr += 1
    elif not any(b["first"] <= s["public_port"] <= b["last"] for b in x["blocks"]):
        bad_block += 1
check("every session is on its user public address (paired pooling)", bad_addr, 0)
check("every session port is inside one of its user blocks", bad_block, 0)
check("user session counts add up", sum(x["sessions"] for x in u), len(j))
check("each blasted B4 holds %d sessions in one block" % flows,
      sorted({(x["sessions"], len(x["blocks"])) for x in u if x["b4"] != b4b}), [[flows, 1]])
' "$T" "$N" "$EXTRA" "$USERS" "$BASE" "$SPORT" "$FLOWS" "$BLACKHOLE" "$TOPO_B4B6"

section "filtered dumps"
ONE=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]) + 137)' "$BASE")
D -j session show b4 "$ONE" >"$T/one.json"
D -j session show proto tcp >"$T/tcp.json"
D -j session show proto icmp >"$T/icmp.json"
D -j session show b4 "$TOPO_B4B6" proto udp >"$T/b_udp.json"
D -j session show instance "$TOPO_INST" proto udp >"$T/udp.json"
D -j user show b4 "$ONE" >"$T/one_user.json"
D -j session show b4 2001:db8:ffff::1 >"$T/none.json"
py_checks "filtered dumps" '
T, one, b4b = sys.argv[1], sys.argv[2], sys.argv[3]
j = load(T + "/all.json")
canon = lambda l: sorted(json.dumps(s, sort_keys=True) for s in l)
strip = lambda l: [{k: v for k, v in s.items() if k != "expires"} for s in l]
sub = lambda f: canon(strip([s for s in j if f(s)]))
check("b4 %s: its %d sessions, as in the full dump" % (one, 512),
      [len(load(T + "/one.json")), canon(strip(load(T + "/one.json"))) == sub(lambda s: s["b4"] == one)], [512, True])
check("proto tcp: exactly the 2 tcp sessions", canon(strip(load(T + "/tcp.json"))), sub(lambda s: s["proto"] == "tcp"))
check("proto icmp: exactly the icmp session", canon(strip(load(T + "/icmp.json"))), sub(lambda s: s["proto"] == "icmp"))
check("b4 + proto: b4b udp only", canon(strip(load(T + "/b_udp.json"))), sub(lambda s: s["b4"] == b4b and s["proto"] == "udp"))
check("instance + proto udp: every udp session", len(load(T + "/udp.json")), len([s for s in j if s["proto"] == "udp"]))
ou = load(T + "/one_user.json")
check("user show b4: one user with 512 sessions", [(x["b4"], x["sessions"]) for x in ou], [[one, 512]])
check("a B4 without sessions: empty dump", load(T + "/none.json"), [])
' "$T" "$ONE" "$TOPO_B4B6"
assert_eq "text output: one line per session" "$(D session show | wc -l)" "$((N + EXTRA))"

section "raising max-sessions raises the cap"
check "instance set max-sessions 300000" D instance set "$TOPO_INST" max-sessions 300000
assert_eq "session-buckets max 524288 (300000 rounded up), the tables as they were" \
	"$(buckets)" "[131072, 524288]"
# the next insert past 75 % grows the tables
nt "$B4B" udp-send --bind :7778 --to "$S1:7000" >/dev/null
EXTRA=$((EXTRA + 1))
grown() { [[ $(buckets) == "[262144, 524288]" ]]; }
check "one more session: the tables grow to 262144 buckets" wait_for 10 grown
assert_eq "  and hold $((N + EXTRA)) sessions" "$(ctr sessions)" "$((N + EXTRA))"
check "instance set max-sessions 110000 (lower again)" D instance set "$TOPO_INST" max-sessions 110000
assert_eq "lowered: the cap is 131072 again, the tables keep their buckets under their sessions" \
	"$(buckets)" "[262144, 131072]"

section "flush"
# one B4's sessions through sess_free.c's fallback (the path taken when no
# batch page can be had): each counted, and freed (the memory check below,
# the leak check at unload)
MP=/sys/module/dslite/parameters
fb0=$(cat "$MP/sess_free_fallbacks")
echo N >"$MP/sess_free_batches"
start=$(date +%s%N)
check "session flush b4 $ONE" D session flush b4 "$ONE"
echo Y >"$MP/sess_free_batches"
assert_eq "sess_free_batches=N: each of that B4's $FLOWS sessions was freed through the fallback" \
	"$(($(cat "$MP/sess_free_fallbacks") - fb0))" "$FLOWS"
assert_eq "that B4 has no session left, the others keep theirs" \
	"$(D -j session show b4 "$ONE" | json 'len(j)')/$(ctr sessions)" "0/$((N + EXTRA - FLOWS))"
check "session flush (all)" D session flush
echo "# flushing $N sessions took $((($(date +%s%N) - start) / 1000000)) ms"
assert_eq "no session left" "$(ctr sessions)" 0
gone() { [[ $(stats_json | json '[j["users"], j["blocks"]]') == "[0, 0]" ]]; }
check "users and blocks released by GC" wait_for 20 gone
# the flushed sessions' memory comes back (sess_free.c: freed in batches
# after a grace period, partial batches handed on by every GC run): at
# least their 72-byte objects, N x 64 B, within 10 s
freed() { [[ $(((mem1 - $(sunreclaim)) * 1024)) -ge $((N * 64)) ]]; }
check "the flushed sessions' memory is returned (SUnreclaim at least N x 64 B lower)" wait_for 10 freed
echo "# memory: SUnreclaim $(((mem1 - $(sunreclaim)) / 1024)) MB lower after the flush"

ksft_finish
