#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The abuse-desk question at carrier scale: among N sessions (default
# 100,000; DSLITE_SCALE=1000000 for the 1M run, not in make check), who
# had public ADDR:PORT? `session show public ADDR:PORT` must find the one
# subscriber (the kernel filters: one record crosses to userspace), count
# must be right without listing, limit must stop, remote/proto/b4 filter,
# a missing instance is exit 2 with the kernel's message, and the CLI's
# peak memory must not grow with the table (a full -j dump of N sessions
# peaks no higher than a dump limited to 1,000, give or take 2 MB).
# Sessions come from crafted IPv4-in-IPv6 UDP (nettool blast) sent
# straight onto the access link, as sessions_scale.sh makes them.
# Measured (6.12, TCG, 2 vCPUs, 3 GiB; 2026-12-02): 100k 32/32 in 52 s,
# public A:P 204 ms, count 195 ms; 1M 31/31 in 202 s (1M sessions sent in
# 44 s), public A:P 632 ms, count 645 ms, the full -j dump streamed in
# 65 s with the CLI's peak RSS 10,372 KB (limit 1000: 10,336 KB).
source "$(dirname "$0")/lib.sh"
TOPO_POOL=198.51.100.0/26	# 64 addresses x 126 blocks: room for 1M
source "$(dirname "$0")/topo.sh"
require_root
require_module
trap topo_cleanup EXIT

N=${DSLITE_SCALE:-100000}
FLOWS=500
USERS=$(((N + FLOWS - 1) / FLOWS))
N=$((USERS * FLOWS))
BASE=2001:db8:a::1:0	# B4 addresses BASE+0 .. BASE+USERS-1 (on b4a's link)
SPORT=10000
BLACKHOLE=192.0.2.1

topo_setup
T=$TOPO_TMP
S1=$TOPO_SRV
ip -n "$AFTR" route add blackhole 192.0.2.0/24 || fail "blackhole route"
MAC=$(ip -n "$AFTR" -j link show a0 | json 'j[0]["address"]')
check "timeouts an hour: nothing expires however slow the kernel" \
	D timeout set "$TOPO_INST" udp 3600 icmp 3600 tcp-trans 3600
check "room for $N sessions" D instance set "$TOPO_INST" max-sessions $((N + 1000))

# the subscriber the abuse desk asks about: b4b, one UDP flow to S1:7000
nt_bg "$SRV" "$T/udpd.err" udp-echo "$S1:7000" --ready "$T/udp.rdy"
wait_for 20 test -e "$T/udp.rdy" || { fail "server started"; ksft_finish; }
nt "$B4B" udp-send --bind :7777 --to "$S1:7000" >/dev/null
nt "$B4B" ping --to "$S1" --id 1 --count 1 >/dev/null
EXTRA=$(ctr sessions)
check "b4b's sessions are there (1 udp, 1 icmp)" test "$EXTRA" -eq 2

section "creating $N sessions ($USERS B4s x $FLOWS ports)"
start=$(date +%s%N)
for pass in 1 2 3 4; do
	nt "$B4A" blast --iface veth0 --dst-mac "$MAC" --b4-base "$BASE" --users $USERS \
		--flows $FLOWS --sport $SPORT --aftr "$TOPO_AFTR6" --dst $BLACKHOLE >/dev/null
	settled() { [[ $(ctr sessions) -eq $((N + EXTRA)) ]]; }
	wait_for 20 settled && break
	echo "# pass $pass: $(ctr sessions) sessions, sending again"
done
echo "# $N sessions created in $((($(date +%s%N) - start) / 1000000)) ms (pass $pass)"
TOTAL=$((N + EXTRA))
assert_eq "the gauge: $TOTAL sessions" "$(ctr sessions)" "$TOTAL"

# ms CMD...: run CMD (stdout to $T/out), its wall time in $MS (ms)
ms() {
	local t0
	t0=$(date +%s%N)
	"$@" >"$T/out" 2>"$T/err"
	MS=$((($(date +%s%N) - t0) / 1000000))
}

section "public ADDR:PORT: the one subscriber"
# where b4b's UDP flow went out (a small dump: the b4 filter)
D -j session show b4 "$TOPO_B4B6" proto udp >"$T/b.json"
PUB=$(json 'j[0]["public_addr"] + ":" + str(j[0]["public_port"])' <"$T/b.json")
PADDR=${PUB%:*}
echo "# b4b's UDP flow left as $PUB"
ms D -j session show public "$PUB"
echo "# session show public $PUB among $TOTAL sessions: $MS ms"
cp "$T/out" "$T/pub.json"
assert_eq "public $PUB: exactly one session, b4b's, to $S1:7000" \
	"$(json '[(s["b4"], s["proto"], s["remote_addr"], s["remote_port"]) for s in j]' <"$T/pub.json")" \
	"[[\"$TOPO_B4B6\", \"udp\", \"$S1\", 7000]]"
assert_eq "... in text, one line" "$(D session show public "$PUB" | wc -l)" 1
assert_eq "public $PUB proto udp: the same one" \
	"$(D -j session show public "$PUB" proto udp | json 'len(j)')" 1
assert_eq "public $PUB proto tcp: none" "$(D -j session show public "$PUB" proto tcp | json 'len(j)')" 0
assert_eq "public $PUB b4 of another B4: none" \
	"$(D -j session show public "$PUB" b4 "$BASE" | json 'len(j)')" 0
assert_eq "public 203.0.113.9:1 (no such mapping): none" \
	"$(D -j session show public 203.0.113.9:1 | json 'len(j)')" 0

section "count"
ms D -j session show count
echo "# session show count of $TOTAL sessions: $MS ms"
assert_eq "count: every session" "$(json '[(x["instance"], x["sessions"]) for x in j]' <"$T/out")" \
	"[[\"$TOPO_INST\", $TOTAL]]"
assert_eq "count in text" "$(D session show count)" "$TOPO_INST sessions $TOTAL"
D -j session show public "$PADDR" >"$T/paddr.json"
assert_eq "public $PADDR count = the length of its dump (all on $PADDR)" \
	"$(D -j session show public "$PADDR" count | json 'j[0]["sessions"]')" \
	"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(len(j) if all(s["public_addr"] == sys.argv[2] for s in j) else -1)' "$T/paddr.json" "$PADDR")"
ONE=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]) + 7)' "$BASE")
assert_eq "b4 $ONE count: its $FLOWS" "$(D -j session show b4 "$ONE" count | json 'j[0]["sessions"]')" "$FLOWS"
assert_eq "remote $BLACKHOLE:9 count: the $N blasted" \
	"$(D -j session show remote "$BLACKHOLE:9" count | json 'j[0]["sessions"]')" "$N"
assert_eq "remote $S1:7000: b4b's flow" \
	"$(D -j session show remote "$S1:7000" | json '[s["b4"] for s in j]')" "[\"$TOPO_B4B6\"]"
assert_eq "remote $S1 proto icmp: b4b's ping" \
	"$(D -j session show remote "$S1" proto icmp | json '[s["b4"] for s in j]')" "[\"$TOPO_B4B6\"]"

section "limit"
assert_eq "limit 10: ten sessions (-j)" "$(D -j session show limit 10 | json 'len(j)')" 10
assert_eq "limit 10: ten lines (text)" "$(D session show limit 10 | wc -l)" 10
assert_eq "limit 3 with a filter: the first 3 of that B4, in key order" \
	"$(D -j session show b4 "$ONE" limit 3 | json '[s["inner_port"] for s in j]')" \
	"[$SPORT, $((SPORT + 1)), $((SPORT + 2))]"

section "refusals"
check_err "session show instance nosuch: exit 2, the kernel's message" 2 \
	"no instance with this name" D session show instance nosuch
check_err "session show instance nosuch count: the same" 2 \
	"no instance with this name" D session show instance nosuch count
check_err "user show instance nosuch: exit 2" 2 "no instance with this name" D user show instance nosuch
check_err "pool show nosuch: exit 2" 2 "no instance with this name" D pool show nosuch
check_err "stats show instance nosuch: exit 2 (as before)" 2 "no instance" D stats show instance nosuch
check_err "public with a bad port: usage error" 1 "not an IPv4 address" D session show public 1.2.3.4:65536
check_err "count with limit: usage error" 1 "exclude" D session show count limit 2
check_err "an ambiguous abbreviation (s): usage error naming the candidates" 1 \
	"ambiguous: session, stats" D s show

section "memory: the CLI streams"
# maxrss KB of a dslitectl run, its output thrown away
maxrss() {
	python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if r == 0 else -r)' \
		"$DSLITECTL" -n "$AFTR" "$@"
}
small=$(maxrss -j session show limit 1000)
# the full dump, read as a stream (1M sessions are 200 MB of JSON): its
# sessions counted, its first and last bytes the array's
start=$(date +%s%N)
D -j session show | python3 -c 'import sys
n, first, last, tail = 0, b"", b"", b""
for chunk in iter(lambda: sys.stdin.buffer.read(1 << 20), b""):
    first = first or chunk[:1]
    buf = tail + chunk
    n += buf.count(b"{\"instance\":")
    tail = buf[-16:]
    n -= tail.count(b"{\"instance\":")
    last = (last + chunk)[-8:]
n += tail.count(b"{\"instance\":")
print(n, first.decode(), last.strip().decode()[-1:])' >"$T/stream" 2>&1
rc=${PIPESTATUS[0]}
full_ms=$((($(date +%s%N) - start) / 1000000))
full=$(maxrss -j session show)
echo "# session show -j of $TOTAL sessions: streamed in $full_ms ms;" \
	"CLI peak RSS $full KB (limit 1000: $small KB)"
check "the full dump succeeds" test "$rc" -eq 0
assert_eq "the full -j dump: one array of every session" "$(cat "$T/stream")" "$TOTAL [ ]"
if [[ $TOTAL -le 200000 ]]; then
	assert_eq "... valid JSON (parsed whole)" \
		"$(D -j session show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" "$TOTAL"
fi
check "CLI peak RSS of the full dump ($full KB) within 2 MB of limit 1000's ($small KB)" \
	test "$small" -gt 0 -a "$full" -gt 0 -a "$full" -le $((small + 2048))

ksft_finish
