#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hot backup failover with live flows and real keepalived (VRRPv3, the
# shipped configs with this topology's names), roles set through
# dslite-notify's fifo reader, priorities through dslite-track:
#
#   access bridge: b4a 2001:db8:1::a, b4b 2001:db8:1::b (ipip6, 192.0.0.2
#                  inside), aftr1 2001:db8:1::11, aftr2 2001:db8:1::12
#   uplink bridge: aftr1 203.0.113.11, aftr2 203.0.113.12, srv 203.0.113.9
#   sync link:     aftr1 192.0.2.1 -- aftr2 192.0.2.2 (ha_topo.sh)
#
# 1:1 (SL 1, AFTR address 2001:db8::1, pool next hop 203.0.113.1):
#  - both B4s run a TCP transfer (content checked) and a steady UDP flow
#    (a datagram every 50 ms, the server echoes the source it saw);
#  - the master dies (keepalived SIGKILLed, its links down): the backup
#    takes over; the transfers complete; each UDP flow keeps its public
#    address and port; every session the master had a second before is
#    on the new master;
#  - the dead router comes back: it is not healthy until its bulk is
#    complete, then preempts (priority 150); no flow breaks on failback.
# Rolling upgrade (docs/router.md): backup first, then a switch, then the
# old master, each router's dslite state wiped and its saved file applied
# as a module reload and dslite-boot leave it; no session is lost and the
# flows keep their public endpoints.
# 1+1 (SL 1 on 2001:db8::1 for b4a, SL 2 on 2001:db8::2 for b4b, each
# with its own half of the pool): each router translates for its B4 at
# the same time; then aftr2's whole namespace is deleted: aftr1 is master
# of both and b4b's flows continue through it.
# At the end, each part prints the flows' longest silence and the sync
# counters (make demo shows the same).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
source "$(dirname "$0")/ha_topo.sh"
source "$(dirname "$0")/ha_flows.sh"
ha_begin

REPO=$(cd "$(dirname "$0")/.." && pwd)
# the shipped keepalived (and FRR) files: the build tree's, or the installed
# examples (pkg_install.sh runs this test from the packages)
EXAMPLES=${DSLITE_EXAMPLES:-$REPO/keepalived-scripts}
# DSLITE_TIME_SCALE (check-debug sets it) stretches the waits
S=${DSLITE_TIME_SCALE:-1}
SRV4=203.0.113.9
KEY=dslite-ha-failover-test-key-0123456789

die() { fail "$1" "${2:-}"; ksft_finish; }
ha_cleanup() {
	pids_stop "${KA_PID[@]}"
	topo_cleanup
}
trap ha_cleanup EXIT

# --- topology --------------------------------------------------------------------
section "topology"
ha_topo "$SRV4" || die "topology"
srv_echo

# (the rolling upgrade part, "upgrade", runs in make check-router, from the
# installed packages: selftests/pkg_install.sh)
PARTS=${DSLITE_HA_PARTS:-1to1 1plus1}

TPL1=$EXAMPLES/keepalived-1to1.conf

if [[ $PARTS == *1to1* ]]; then
# =============================================================================
section "1:1: configuration"
check "aftr1: dslite 1:1" cfg_1to1 "$A1" 192.0.2.2
check "aftr2: dslite 1:1" cfg_1to1 "$A2" 192.0.2.1
ip -n "$SRV" route add 198.51.100.0/24 via 203.0.113.1
softwire "$B4A" 2001:db8:1::a 2001:db8::1 && softwire "$B4B" 2001:db8:1::b 2001:db8::1 ||
	die "softwires"
ka_start 1 "$TPL1"
ka_start 2 "$TPL1"
check "keepalived: aftr1 master of SL 1" wait_for $((40 * S)) is_role "$A1" 1 master
check "keepalived: aftr2 backup of SL 1" wait_for $((20 * S)) is_role "$A2" 1 backup
check "aftr2 in sync and healthy" wait_for $((20 * S)) dslitectl -n "$A2" service-location check 1

section "1:1: flows from both B4s"
udp_flow "$B4A" "$T/udp-a.json"; pa=$NT_PID
udp_flow "$B4B" "$T/udp-b.json"; pb=$NT_PID
tcp_flow "$B4A" 8001 15000000
tcp_flow "$B4B" 8002 15000000
sleep 4	# every flow's session is older than the 20 ms flush deadline
before=$(sessions "$A1")
check "the master has the flows' sessions (2 UDP, 2 TCP)" test "$(grep -c . <<<"$before")" -ge 4
dslitectl -n "$A1" -j session show proto udp | json '{s["b4"]: "%s:%d" % (s["public_addr"], s["public_port"]) for s in j}' >"$T/pub-udp.json"

section "1:1: the master dies (keepalived SIGKILLed, links down)"
t_kill=$(date +%s.%N)
ka_kill 1
ip -n "$A1" link set acc down; ip -n "$A1" link set upl down; ip -n "$A1" link set sync down
check "aftr2 becomes master" wait_for $((30 * S)) is_role "$A2" 1 master
echo "# failover: aftr2 master $(awk -v a="$t_kill" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the kill"
sleep 3
after=$(sessions "$A2")
lost=$(comm -23 <(echo "$before") <(echo "$after"))
assert_eq "every session of the master is on the new master (none lost)" "$lost" ""
running "${SRC[8001]}" && running "${SRC[8002]}" && ok "both TCP transfers span the failover" ||
	fail "both TCP transfers span the failover" "a transfer ended before the failover: make it longer"

section "1:1: the dead router comes back empty; it waits for the state, then preempts"
# as after a reboot: its links come back, its dslite configuration is new
dslitectl -n "$A1" -b - <<-EOF >/dev/null
	instance del dsl0
	service-instance-group del sig1
	service-location del 1
EOF
ip -n "$A1" link set acc up; ip -n "$A1" link set upl up; ip -n "$A1" link set sync up
# (a link going down takes its IPv6 addresses with it: put them back)
ip -n "$A1" -6 addr add 2001:db8:1::11/64 dev acc nodad 2>/dev/null
# its service-location first: until it has heard from aftr2 (master) and
# holds its state it is not healthy (checked at once: it cannot have a
# bulk before its instance exists)
dslitectl -n "$A1" service-location add 1 remote-backup interface sync peer 192.0.2.2 \
	authentication-key "$KEY" hash-algorithm hmac-sha256 vrrp vrid 10 interface acc
out=$(dslitectl -n "$A1" service-location check 1)
[[ $out == *"not healthy"* ]] && ok "back: aftr1 not healthy at first ($out)" ||
	fail "back: aftr1 not healthy at first" "$out"
dslitectl -n "$A1" service-location del 1
check "back: aftr1 configured again" cfg_1to1 "$A1" 192.0.2.2
ka_start 1 "$TPL1"
check "back: aftr1 is master again (preempted once in sync)" wait_for $((60 * S)) is_role "$A1" 1 master
check "back: aftr2 backup again" wait_for $((20 * S)) is_role "$A2" 1 backup
assert_eq "back: aftr1 took over with every session aftr2 had" \
	"$(comm -23 <(echo "$after") <(sessions "$A1"))" ""

section "1:1: the flows"
check "b4a's TCP transfer completed intact" tcp_done 8001 || diag
check "b4b's TCP transfer completed intact" tcp_done 8002
udp_stop "$pa" "$pb"
for b in a b; do
	b6=2001:db8:1::$b
	pub=$(pyq 'j.get("'"$b6"'")' "$T/pub-udp.json")
	assert_eq "b4$b's UDP flow: one public endpoint all along, the one it had ($pub)" \
		"$(pyq 'j["sources"]' "$T/udp-$b.json")" "[\"$pub\"]"
	echo "# b4$b UDP: $(cat "$T/udp-$b.json")"
	check "b4$b's UDP flow was answered until the end" \
		test "$(pyq 'j["last_ago_ms"] is not None and j["last_ago_ms"] < 1000' "$T/udp-$b.json")" = True ||
		diag
done
echo "# sync aftr1 (SL 1): $(sync_line "$A1" 1)"
echo "# sync aftr2 (SL 1): $(sync_line "$A2" 1)"
ka_stop_all
for ns in "$A1" "$A2"; do
	dslitectl -n "$ns" -b - <<-EOF >/dev/null
		instance del dsl0
		service-instance-group del sig1
		service-location del 1
	EOF
done

fi

if [[ $PARTS == *upgrade* ]]; then
# =============================================================================
# docs/router.md's rolling upgrade, step by step, with the flows running:
# each router in turn is "upgraded" the way a module reload leaves it (its
# dslite state gone, /etc/dslite/dslite.conf applied again by dslite-boot):
# first the backup (keepalived stopped, the state wiped, the saved file
# applied, keepalived started, the bulk awaited), then a switch (the
# master's keepalived stopped: the upgraded backup takes over), then the
# old master the same way; it preempts once it holds the state again.
# Both AFTRs share this VM's one kernel, so the module itself is not
# swapped: the wire versions' side of an upgrade is sync_compat.sh's.
section "upgrade: configuration from saved files, as at boot"
cfg_1to1 "$A1" 192.0.2.2 >/dev/null && cfg_1to1 "$A2" 192.0.2.1 >/dev/null ||
	die "upgrade: configuration"
dslitectl -n "$A1" timeout set dsl0 udp 600 && dslitectl -n "$A2" timeout set dsl0 udp 600
for n in 1 2; do
	check "aftr$n: save --with-keys file (its /etc/dslite/dslite.conf)" \
		dslitectl -n "${NS_PREFIX}_aftr$n" save --with-keys file "$T/dslite-$n.conf"
done
ip -n "$SRV" route replace 198.51.100.0/24 via 203.0.113.1
softwire "$B4A" 2001:db8:1::a 2001:db8::1 && softwire "$B4B" 2001:db8:1::b 2001:db8::1 ||
	die "softwires"
ka_start 1 "$TPL1"
ka_start 2 "$TPL1"
check "upgrade: aftr1 master" wait_for $((40 * S)) is_role "$A1" 1 master
check "upgrade: aftr2 in sync" wait_for $((30 * S)) dslitectl -n "$A2" service-location check 1
udp_flow "$B4A" "$T/udp3-a.json"; pa=$NT_PID
udp_flow "$B4B" "$T/udp3-b.json"; pb=$NT_PID
tcp_flow "$B4A" 8005 12000000
tcp_flow "$B4B" 8006 12000000
sleep 3
dslitectl -n "$A1" -j session show proto udp | json '{s["b4"]: "%s:%d" % (s["public_addr"], s["public_port"]) for s in j}' >"$T/pub-udp3.json"
start=$(sessions "$A1")
check "upgrade: the master has the flows' sessions" test "$(grep -c . <<<"$start")" -ge 4

# reload N: what `modprobe -r dslite; dslite-boot start` leaves: nothing,
# then dslite-boot's own steps (the saved file applied, devices up, pool
# routes; SL_POOL_ROUTES=static, the default)
BOOT=${DSLITE_BOOT:-$REPO/tools/dslite-boot}
reload() {
	local ns=${NS_PREFIX}_aftr$1
	dslitectl -n "$ns" -b - <<-EOF >/dev/null
		instance del dsl0
		service-instance-group del sig1
		service-location del 1
	EOF
	[[ -z $(dslitectl -n "$ns" session show) ]] || return 1
	DSLITECTL=$DSLITECTL DSLITE_DEFAULTS=/nonexistent \
		"$BOOT" -n "$ns" -c "$T/dslite-$1.conf" reload
}
ka_term() {	# N: a clean stop (systemctl stop keepalived)
	kill -TERM "${KA_PID[$1]}" 2>/dev/null
	wait "${KA_PID[$1]}" 2>/dev/null
	unset "KA_PID[$1]"
}

section "upgrade: 1-3. the backup (aftr2)"
ka_term 2
check "aftr2 stays backup with keepalived stopped" is_role "$A2" 1 backup
check "aftr2 reloaded: empty, then dslite-boot with its saved file" reload 2
assert_eq "aftr2's configuration is the saved one" \
	"$(dslitectl -n "$A2" save --with-keys)" "$(cat "$T/dslite-2.conf")"
ka_start 2 "$TPL1"
check "aftr2 healthy again: its bulk from aftr1 is complete" \
	wait_for $((60 * S)) dslitectl -n "$A2" service-location check 1
assert_eq "aftr2 holds every session aftr1 has" \
	"$(comm -23 <(sessions "$A1") <(sessions "$A2") | grep -c .)" 0

section "upgrade: 4. the switch (aftr1's keepalived stopped)"
mid=$(sessions "$A1")
ka_term 1
check "aftr2 becomes master" wait_for $((30 * S)) is_role "$A2" 1 master
check "aftr1 is backup (keepalived's stop)" wait_for $((10 * S)) is_role "$A1" 1 backup
sleep 2
assert_eq "every session is on aftr2" "$(comm -23 <(echo "$mid") <(sessions "$A2"))" ""

section "upgrade: 5. the old master (aftr1)"
check "aftr1 reloaded: empty, then dslite-boot with its saved file" reload 1
ka_start 1 "$TPL1"
check "aftr1 master again once it holds the state (preempts)" \
	wait_for $((90 * S)) is_role "$A1" 1 master
check "aftr2 backup again" wait_for $((20 * S)) is_role "$A2" 1 backup
sleep 2
end=$(sessions "$A1")
assert_eq "aftr1 has every session the flows had at the start" \
	"$(comm -23 <(echo "$start") <(echo "$end"))" ""

section "upgrade: the flows"
running "${SRC[8005]}" && running "${SRC[8006]}" && ok "both TCP transfers span the upgrade" ||
	fail "both TCP transfers span the upgrade" "a transfer ended before the end: make it longer"
check "b4a's TCP transfer completed intact" tcp_done 8005 || diag
check "b4b's TCP transfer completed intact" tcp_done 8006
udp_stop "$pa" "$pb"
for b in a b; do
	pub=$(pyq 'j.get("2001:db8:1::'"$b"'")' "$T/pub-udp3.json")
	assert_eq "b4$b's UDP flow kept its public endpoint through both switches ($pub)" \
		"$(pyq 'j["sources"]' "$T/udp3-$b.json")" "[\"$pub\"]"
	echo "# b4$b UDP: $(cat "$T/udp3-$b.json")"
	check "b4$b's UDP flow was answered until the end" \
		test "$(pyq 'j["last_ago_ms"] is not None and j["last_ago_ms"] < 1000' "$T/udp3-$b.json")" = True
done
ka_stop_all
for ns in "$A1" "$A2"; do
	dslitectl -n "$ns" -b - <<-EOF >/dev/null
		instance del dsl0
		service-instance-group del sig1
		service-location del 1
	EOF
done
fi

if [[ $PARTS == *1plus1* ]]; then
# =============================================================================
section "1+1: configuration"
cfg_1plus1() {	# NS PEER
	dslitectl -n "$1" -b - <<-EOF
		ha set hot-backup on
		service-location add 1 remote-backup interface sync peer $2 authentication-key $KEY hash-algorithm hmac-sha256 vrrp vrid 10 interface acc aftr 2001:db8::1
		service-location add 2 remote-backup interface sync peer $2 authentication-key $KEY hash-algorithm hmac-sha256 vrrp vrid 20 interface acc aftr 2001:db8::2
		service-instance-group add sig1 service-location 1 weight 50 service-location 2 weight 50
		instance add dsl0 id 1 service-instance-group sig1
		pool add dsl0 198.51.100.0/25 service-location 1
		pool add dsl0 198.51.100.128/25 service-location 2
	EOF
	ip -n "$1" link set dsl0 up && ip -n "$1" route add 198.51.100.0/24 dev dsl0
}
check "aftr1: dslite 1+1" cfg_1plus1 "$A1" 192.0.2.2
check "aftr2: dslite 1+1" cfg_1plus1 "$A2" 192.0.2.1
ip -n "$SRV" route del 198.51.100.0/24 2>/dev/null
ip -n "$SRV" route add 198.51.100.0/25 via 203.0.113.1
ip -n "$SRV" route add 198.51.100.128/25 via 203.0.113.2
softwire "$B4A" 2001:db8:1::a 2001:db8::1 && softwire "$B4B" 2001:db8:1::b 2001:db8::2 ||
	die "b4a to the SL 1 address, b4b to the SL 2 one"
TPL2=$EXAMPLES/keepalived-1plus1.conf
ka_start 1 "$TPL2"
ka_start 2 "$TPL2"
check "keepalived: aftr1 master of SL 1" wait_for $((40 * S)) is_role "$A1" 1 master
check "keepalived: aftr2 master of SL 2" wait_for $((40 * S)) is_role "$A2" 2 master
check "keepalived: aftr1 backup of SL 2" wait_for $((20 * S)) is_role "$A1" 2 backup
check "keepalived: aftr2 backup of SL 1" wait_for $((20 * S)) is_role "$A2" 1 backup

section "1+1: an error before any session goes back through the right softwire"
# a TTL-1 packet is answered before a user exists: from the address the B4
# tunnels to (SL 2's), or its ip6tnl would drop the answer
for b in a b; do
	ns=$B4A; [[ $b == b ]] && ns=$B4B
	out=$(ip netns exec "$ns" ping -c 1 -W $((3 * S)) -t 1 "$SRV4" 2>&1)
	[[ $out == *"From 192.0.0.1"*"Time to live exceeded"* ]] &&
		ok "b4$b: TTL exceeded from 192.0.0.1 through its softwire" ||
		fail "b4$b: TTL exceeded from 192.0.0.1 through its softwire" "$out"
done

section "1+1: both routers translate at once"
udp_flow "$B4A" "$T/udp2-a.json"; pa=$NT_PID
udp_flow "$B4B" "$T/udp2-b.json"; pb=$NT_PID
tcp_flow "$B4B" 8003 4500000
sleep 3
o1=$(dslitectl -n "$A1" -j stats show | json 'j[0]["out_packets"]')
o2=$(dslitectl -n "$A2" -j stats show | json 'j[0]["out_packets"]')
check "aftr1 translates (b4a) and aftr2 translates (b4b) at the same time" test "$o1" -gt 0 -a "$o2" -gt 0
u1=$(dslitectl -n "$A1" -j stats show | json 'j[0]["in_packets"]')
check "and both get the replies (in_packets: aftr1 $u1)" test "$u1" -gt 0 || diag
pub_b=$(dslitectl -n "$A2" -j session show b4 2001:db8:1::b proto udp | json '"%s:%d" % (j[0]["public_addr"], j[0]["public_port"])')
[[ $(python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1].split(":")[0]) in ipaddress.ip_network("198.51.100.128/25"))' "$pub_b" 2>&1) == True ]] &&
	ok "b4b's public address is in SL 2's half of the pool ($pub_b)" ||
	fail "b4b's public address is in SL 2's half of the pool" "$pub_b"
before=$(sessions "$A2")
# the backup of SL 2 should hold them by now (sessions older than the
# flush deadline); shown, so a failure below says which side lost them
echo "# before the deletion, aftr1 holds of b4b: $(sessions "$A1" | grep -c 2001:db8:1::b)" \
	"of aftr2's $(grep -c 2001:db8:1::b <<<"$before"); aftr1 SL 2: $(sync_line "$A1" 2)"

section "1+1: aftr2's namespace is deleted"
t_kill=$(date +%s.%N)
for p in $(ip netns pids "$A2"); do kill -9 "$p" 2>/dev/null; done
unset "KA_PID[2]"
ip netns del "$A2"
check "aftr1 becomes master of SL 2 too" wait_for $((30 * S)) is_role "$A1" 2 master
echo "# failover: aftr1 master of SL 2 $(awk -v a="$t_kill" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the deletion"
assert_eq "every SL 2 session aftr2 had is on aftr1" "$(comm -23 <(grep 2001:db8:1::b <<<"$before") <(sessions "$A1"))" ""
check "b4b's TCP transfer completed intact through aftr1" tcp_done 8003
udp_stop "$pa" "$pb"
assert_eq "b4b's UDP flow kept its public endpoint" "$(pyq 'j["sources"]' "$T/udp2-b.json")" "[\"$pub_b\"]"
check "b4b's UDP flow was answered until the end" \
	test "$(pyq 'j["last_ago_ms"] is not None and j["last_ago_ms"] < 1000' "$T/udp2-b.json")" = True || diag
check "b4a's UDP flow was never interrupted (longest silence under 1 s)" \
	test "$(pyq 'j["max_gap_ms"] is not None and j["max_gap_ms"] < 1000' "$T/udp2-a.json")" = True
echo "# b4a UDP: $(cat "$T/udp2-a.json")"
echo "# b4b UDP: $(cat "$T/udp2-b.json")"
echo "# sync aftr1 (SL 2): $(sync_line "$A1" 2)"
ka_stop_all
fi
ksft_finish
