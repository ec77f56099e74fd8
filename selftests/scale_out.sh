#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scale-out (docs/scale-out.md, issue 12 item 7): two 1:1 hot-backup pairs
# behind ONE anycast AFTR address, 2001:db8::1. The access router spreads
# the B4s over the pairs by ECMP hashed on the B4's source address only;
# each pair owns a partition of the pool, announced by BGP from its master
# (keepalived from the shipped keepalived-1to1{,-b}.conf, dslite-notify
# --routes, FRR from the shipped frr-aftr-{a,b}.conf with the prefix-list
# narrowed to the partition), as in ha_bgp.sh:
#
#   B4 bridge:     8 B4s 2001:db8:100::N (ipip6 to 2001:db8::1, 192.0.0.2
#                  inside), access router 2001:db8:100::1
#   access router: 2001:db8::1/128 nexthop via 2001:db8:1::100 dev p1
#                  nexthop via 2001:db8:2::100 dev p2, hash policy 3,
#                  fields 0x0001 (source address only)
#   pair k bridge: access router 2001:db8:k::1, ka (2001:db8:k::11),
#                  kb (::12); VRRP (vrid 10 on both bridges: they share
#                  no link) puts 2001:db8::1/128 and a second VIP,
#                  2001:db8:k::100/64, the pair's ECMP next hop, on the
#                  pair's master
#   sync links:    ka 192.0.2.1 -- kb 192.0.2.2, a veth per pair
#   uplink bridge: srv 203.0.113.9 (AS 64500, FRR, the upstream), 1a .11,
#                  1b .12 (AS 64501), 2a .21, 2b .22 (AS 64502); pair 2's
#                  excluded VIP .2 (pair 1's the shipped .1)
#   pools:         pair 1 198.51.100.0/25, pair 2 198.51.100.128/25
#
# The 8 B4 addresses are the first 4 per pair, among 2001:db8:100::2..41,
# whose ping the access router forwards to that pair (a probe: its hash
# is random per boot), so the spread is never too thin to mean something;
# that each B4's softwire lands on the same pair as its ping is asserted
# on the AFTRs (the hash is on the source address only). Needs hash
# policy 3 (5.12). Asserts:
#  - every B4's user is on its pair's master only (dslitectl user show on
#    the four routers; the backups hold their master's users by sync),
#    each pair has >= 2 B4s, none has a B4 of the other;
#  - every B4's UDP echo comes back with a source in its pair's partition;
#  - the upstream routes each partition via its pair's master only;
#  - pair 1's master's keepalived stops: pair 1's VIP moves to 1b (the
#    access router's neighbour entry for it), its partition's route moves
#    to 1b, its B4s' flows keep their public endpoints; pair 2 sees
#    nothing: roles, VRRP transitions, its route (BGP lastUpdate) and its
#    B4s' flows (no silence over 1 s, one public endpoint each);
#  - 1a's keepalived again: it preempts, everything moves back, the same.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
source "$(dirname "$0")/ha_topo.sh"
ha_begin
FRR=${FRR_DIR:-/usr/lib/frr}
if [[ ! -x $FRR/zebra || ! -x $FRR/bgpd ]] || ! id frr >/dev/null 2>&1; then
	skip "$(basename "$0")" "FRR (zebra, bgpd, user frr) not installed"
	ksft_finish
fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
EXAMPLES=${DSLITE_EXAMPLES:-$REPO/keepalived-scripts}
S=${DSLITE_TIME_SCALE:-1}
SRV4=203.0.113.9
KEY=dslite-scale-out-test-key-0123456789ab
NB4=${SCALE_B4S:-8}	# B4s, half per pair
PAIRS="1 2"
declare -A KA_PID POOL NH VIP MB4
POOL[1]=198.51.100.0/25 POOL[2]=198.51.100.128/25
VIP[1]=2001:db8:1::100 VIP[2]=2001:db8:2::100
ACC=${NS_PREFIX}_acc
for k in $PAIRS; do
	for r in a b; do
		declare "NS_$k$r=${NS_PREFIX}_p$k$r"
	done
done
ns_of() { local v="NS_$1"; echo "${!v}"; }	# 1a -> its namespace
upl4() { echo "203.0.113.${1:0:1}$([[ ${1:1} == a ]] && echo 1 || echo 2)"; }	# 1a -> .11
NH[1]=$(upl4 1a) NH[2]=$(upl4 2a)

die() { fail "$1" "${2:-}"; ksft_finish; }
scale_cleanup() {
	pids_stop "${KA_PID[@]}"
	topo_cleanup
	[[ -n ${SYSLOG_OWN:-} ]] && rm -f /dev/log
}
trap scale_cleanup EXIT
role() {	# NS SL
	dslitectl -n "$1" -j service-location show "$2" 2>/dev/null |
		sed -n 's/.*"role":"\([a-z-]*\)".*/\1/p'
}
is_role() { [[ $(role "$1" "$2") == "$3" ]]; }
via() {	# PREFIX: the upstream's next hops for exactly PREFIX, sorted
	ip -n "$SRV" -4 -o route show exact "$1" proto bgp | grep -o 'via [0-9.]*' |
		awk '{print $2}' | sort | xargs
}
route_is() { [[ $(via "$1") == "$2" ]]; }
ours() { ip -n "$1" -4 -o route show table main proto 242 | awk '{print $1}' | xargs; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# --- topology ------------------------------------------------------------------------
section "topology"
port() {	# NS IF BRIDGE PEERNAME: a veth from NS into a bridge of $BR
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$BR" &&
		ip -n "$BR" link set "$4" master "$3" up && ip -n "$1" link set "$2" up
}
topology() {
	local n ns k r b
	for n in br acc srv p1a p1b p2a p2b; do
		ns_add "$n" >/dev/null || { echo "# netns $n"; return 1; }
	done
	for ns in "${NS_LIST[@]}"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || { echo "# sysctl in $ns"; return 1; }
	done
	for b in bb4 bacc1 bacc2 bupl; do
		ip -n "$BR" link add "$b" type bridge mcast_snooping 0 &&
			ip -n "$BR" link set "$b" up || { echo "# bridge $b"; return 1; }
	done
	# the access router
	ip netns exec "$ACC" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
		port "$ACC" b4s bb4 acc-b4s && port "$ACC" p1 bacc1 acc-p1 &&
		port "$ACC" p2 bacc2 acc-p2 &&
		ip -n "$ACC" -6 addr add 2001:db8:100::1/64 dev b4s nodad &&
		ip -n "$ACC" -6 addr add 2001:db8:1::1/64 dev p1 nodad &&
		ip -n "$ACC" -6 addr add 2001:db8:2::1/64 dev p2 nodad || { echo "# access router"; return 1; }
	# the upstream
	port "$SRV" veth0 bupl srv && ip -n "$SRV" addr add "$SRV4/24" dev veth0 ||
		{ echo "# srv"; return 1; }
	# the pairs
	for k in $PAIRS; do
		ip link add sync netns "$(ns_of "${k}a")" type veth peer name sync netns "$(ns_of "${k}b")" ||
			{ echo "# sync link $k"; return 1; }
		for r in a b; do
			ns=$(ns_of "$k$r")
			n=1; [[ $r == b ]] && n=2
			ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
				net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
				net.ipv4.conf.all.send_redirects=0 \
				net.ipv4.conf.default.send_redirects=0 &&
				port "$ns" acc "bacc$k" "p$k$r-acc" && port "$ns" upl bupl "p$k$r-upl" &&
				ip -n "$ns" link set sync up &&
				ip -n "$ns" -6 addr add "2001:db8:$k::1$n/64" dev acc nodad &&
				ip -n "$ns" -6 route add 2001:db8:100::/64 via "2001:db8:$k::1" dev acc &&
				ip -n "$ns" addr add "$(upl4 "$k$r")/24" dev upl &&
				ip -n "$ns" addr add "192.0.2.$n/30" dev sync || { echo "# p$k$r"; return 1; }
		done
	done
}
topology || die "topology"

# --- the access router's ECMP -----------------------------------------------------------
section "access router: ECMP over the pairs, hashed on the B4's address"
if ip netns exec "$ACC" sysctl -qw net.ipv6.fib_multipath_hash_policy=3 \
	net.ipv6.fib_multipath_hash_fields=0x0001 2>/dev/null; then
	ok "hash policy 3, fields 0x0001 (source address only)"
else
	# (before 5.12: the L3 policy 0 hashes the next header too, and the
	# ping probe below would not tell where a softwire's packets go)
	skip "$(basename "$0")" "no fib_multipath_hash_policy 3 (custom fields) in this kernel"
	ksft_finish
fi
check "2001:db8::1/128: a nexthop per pair (its VIP)" ip -n "$ACC" -6 route add 2001:db8::1/128 \
	nexthop via "${VIP[1]}" dev p1 nexthop via "${VIP[2]}" dev p2

# --- FRR ----------------------------------------------------------------------------------
mkdir -p /var/run/frr && chown frr:frr /var/run/frr 2>/dev/null
chmod o+x "$T"
frr_start() {	# NAME NS CONF
	local d=$T/frr-$1 i
	mkdir -p "$d" && chmod 777 "$d" && cp "$3" "$d/bgpd.conf" && chmod 644 "$d/bgpd.conf" || return 1
	ns_bg "$2" "$d/zebra.out" "$FRR/zebra" -u frr -g frr -N "$NS_PREFIX$1" -f /dev/null \
		-i "$d/zebra.pid" -z "$d/zserv" --vty_socket "$d" --log "file:$d/zebra.log"
	for i in $(seq 1 $((50 * S))); do
		[[ -S $d/zserv ]] && break
		sleep 0.1
	done
	ns_bg "$2" "$d/bgpd.out" "$FRR/bgpd" -u frr -g frr -N "$NS_PREFIX$1" -f "$d/bgpd.conf" \
		-i "$d/bgpd.pid" -z "$d/zserv" --vty_socket "$d" -p 179 --log "file:$d/bgpd.log"
	[[ -S $d/zserv ]]
}
vty() { vtysh --vty_socket "$T/frr-$1" -c "$2" 2>&1; }	# NAME COMMAND
# frr_conf PAIR ROUTER: the shipped file of router A or B, the prefix-list
# narrowed to the pair's partition; pair 2 in AS 64502 (docs/scale-out.md:
# distinct ASes per pair, so that each takes the other's pool) with its
# own router-ids
frr_conf() {
	local f=$EXAMPLES/frr/frr-aftr-a.conf
	[[ $2 == b ]] && f=$EXAMPLES/frr/frr-aftr-b.conf
	sed -e "s|permit 198.51.100.0/24 le 32|permit ${POOL[$1]} le 32|" \
		-e "s|router bgp 64501|router bgp 6450$1|" \
		-e "s|bgp router-id 203.0.113.1\([12]\)|bgp router-id 203.0.113.$1\1|" \
		-e "s|^hostname aftr-|hostname aftr$1-|" "$f"
}
cat >"$T/upstream.conf" <<EOF
frr defaults traditional
hostname upstream
router bgp 64500
 bgp router-id $SRV4
 no bgp ebgp-requires-policy
 timers bgp 1 3
 neighbor PAIR1 peer-group
 neighbor PAIR1 remote-as 64501
 neighbor PAIR1 advertisement-interval 0
 neighbor PAIR1 timers connect 1
 neighbor PAIR2 peer-group
 neighbor PAIR2 remote-as 64502
 neighbor PAIR2 advertisement-interval 0
 neighbor PAIR2 timers connect 1
 neighbor $(upl4 1a) peer-group PAIR1
 neighbor $(upl4 1b) peer-group PAIR1
 neighbor $(upl4 2a) peer-group PAIR2
 neighbor $(upl4 2b) peer-group PAIR2
 address-family ipv4 unicast
  maximum-paths 8
 exit-address-family
exit
EOF
section "FRR"
for k in $PAIRS; do
	for r in a b; do
		frr_conf "$k" "$r" >"$T/frr-p$k$r.conf"
		check "p$k$r: zebra and bgpd (frr-aftr-$r.conf, prefix-list ${POOL[$k]})" \
			frr_start "p$k$r" "$(ns_of "$k$r")" "$T/frr-p$k$r.conf"
	done
done
check "upstream: zebra and bgpd" frr_start up "$SRV" "$T/upstream.conf"

# --- dslite and keepalived ------------------------------------------------------------------
section "dslite 1:1 on each pair, keepalived"
cfg() {	# NS PEER POOL
	dslitectl -n "$1" -b - <<-EOF
		ha set hot-backup on
		service-location add 1 remote-backup interface sync peer $2 authentication-key $KEY hash-algorithm hmac-sha256 vrrp vrid 10 interface acc
		service-instance-group add sig1 service-location 1
		instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1
		pool add dsl0 $3 service-location 1
	EOF
	ip -n "$1" link set dsl0 up &&
		ip -n "$1" route add blackhole "$3" metric 4294967295
}
for k in $PAIRS; do
	check "p${k}a: dslite 1:1, pool ${POOL[$k]}" cfg "$(ns_of "${k}a")" 192.0.2.2 "${POOL[$k]}"
	check "p${k}b: dslite 1:1, pool ${POOL[$k]}" cfg "$(ns_of "${k}b")" 192.0.2.1 "${POOL[$k]}"
done
# gen_conf PAIR ROUTER(1|2): ha_gen_conf.py's file (the shipped
# keepalived-1to1.conf for router A, -b for B), with --routes, the pair's
# ECMP next hop as a second VIP of the instance and, for pair 2, its own
# excluded uplink VIP (both pairs' masters share the uplink bridge)
TPL=$EXAMPLES/keepalived-1to1.conf
gen_conf() {
	mkdir -p "$T/pair$1"
	python3 "$LIB_DIR/py/ha_gen_conf.py" "$TPL" "$2" "$REPO" "$DSLITECTL" "$T/pair$1" |
		sed -e 's|--fifo"|--routes --fifo"|' \
			-e "s|^\( *\)2001:db8::1/128\$|&\n\1${VIP[$1]}/64|" \
			-e "s|203\.0\.113\.1/24 dev upl|203.0.113.$1/24 dev upl|"
}
ka_start() {	# 1a|1b|2a|2b
	local n=1 ns
	ns=$(ns_of "$1")
	[[ ${1:1} == b ]] && n=2
	gen_conf "${1:0:1}" "$n" >"$T/ka-$1.conf"
	mkdir -p "$T/run-$1"
	rm -f "$T/run-$1"/*.pid
	ns_bg "$ns" "$T/ka-$1.log" keepalived -n -l -D -P -f "$T/ka-$1.conf" \
		-p "$T/run-$1/k.pid" -r "$T/run-$1/v.pid" -c "$T/run-$1/c.pid"
	KA_PID[$1]=$NT_PID
}
ka_stop() {	# 1a...: a clean stop (SIGTERM: STOP lines, the reader withdraws)
	kill "${KA_PID[$1]}" 2>/dev/null
	wait "${KA_PID[$1]}" 2>/dev/null
	unset "KA_PID[$1]"
}
transitions() { grep -c 'Entering [A-Z]* STATE' "$T/ka-$1.log"; }	# 1a...
if [[ ! -e /dev/log ]] && command -v socat >/dev/null; then
	ns_bg "$SRV" "$T/syslog.out" socat -u UNIX-RECV:/dev/log,mode=666 "OPEN:$T/syslog,creat,append"
	SYSLOG_OWN=1
fi
diag() {
	local k r ns
	for k in $PAIRS; do
		for r in a b; do
			ns=$(ns_of "$k$r")
			echo "#   p$k$r: role $(role "$ns" 1) routes $(ip -n "$ns" -4 -o route show | grep -v 'proto kernel' | tr '\n' ';')" \
				"addrs $(ip -n "$ns" -br addr show dev acc | awk '{$1=$2=""; print}')"
		done
	done
	echo "#   upstream: $(ip -n "$SRV" -4 -o route show proto bgp | tr '\n' ';')"
	echo "#   access neighbours: $(ip -n "$ACC" -6 neigh show | grep -v fe80 | tr '\n' ';')"
	grep -a 'dslite-notify' "$T/syslog" 2>/dev/null | tail -n 8 | sed 's/^/#   /'
}
for k in $PAIRS; do
	ka_start "${k}a"
	ka_start "${k}b"
done
established() { [[ $(vty up "show bgp summary json" | grep -cE '"state": ?"Established"') -eq 4 ]]; }
check "upstream: the four sessions established" wait_for $((40 * S)) established ||
	echo "# $(vty up "show bgp summary" | tr '\n' ';')"
for k in $PAIRS; do
	check "p${k}a master of SL 1" wait_for $((40 * S)) is_role "$(ns_of "${k}a")" 1 master
	check "p${k}b backup of SL 1" wait_for $((20 * S)) is_role "$(ns_of "${k}b")" 1 backup
done
for k in $PAIRS; do
	check "the upstream routes ${POOL[$k]} via p${k}a only" \
		wait_for $((15 * S)) route_is "${POOL[$k]}" "${NH[$k]}" || diag
done
for k in $PAIRS; do
	check "p${k}b in sync and healthy" wait_for $((30 * S)) dslitectl -n "$(ns_of "${k}b")" service-location check 1
done

# --- the B4s -------------------------------------------------------------------------------
section "the B4s: a probe picks addresses that spread"
# The access router's hash is random per boot (and ip route get's, on the
# output path, is not the forwarding one), so a probe namespace on the B4
# bridge holds candidates 2001:db8:100::2..41 and pings 2001:db8::1 from
# each (the masters answer): the access router's p1 or p2 tx counter says
# which pair the forwarded ping went to. The first NB4/2 of each pair
# become the B4s; that their softwires (IPv4-in-IPv6, not ICMPv6) land on
# the same pairs is then asserted: the hash is the source address only.
PROBE=${NS_PREFIX}_probe
ns_add probe >/dev/null && ip netns exec "$PROBE" sysctl -qw net.ipv6.conf.all.accept_dad=0 &&
	port "$PROBE" veth0 bb4 probe || die "probe namespace"
for i in $(seq 2 65); do
	echo "addr add 2001:db8:100::$(printf %x "$i")/64 dev veth0 nodad"
done | ip -n "$PROBE" -6 -batch - || die "probe addresses"
ip -n "$PROBE" -6 route add 2001:db8::1/128 via 2001:db8:100::1 dev veth0
txs() { ip netns exec "$ACC" cat /sys/class/net/p1/statistics/tx_packets /sys/class/net/p2/statistics/tx_packets | xargs; }
path_of() {	# ADDR: 1 or 2, the pair a ping from ADDR went to (none: unclear)
	local b a t
	for t in 1 2 3; do
		read -r -a b <<<"$(txs)"
		ip netns exec "$PROBE" ping -6 -c 1 -W 2 -I "$1" 2001:db8::1 >/dev/null 2>&1 || continue
		read -r -a a <<<"$(txs)"
		if ((a[0] > b[0] && a[1] == b[1])); then echo 1; return; fi
		if ((a[1] > b[1] && a[0] == b[0])); then echo 2; return; fi
	done
}
B4S=()
declare -A PAIR_OF
want=$((NB4 / 2))
declare -A have=([1]=0 [2]=0)
for i in $(seq 2 65); do
	a=2001:db8:100::$(printf %x "$i")
	p=$(path_of "$a")
	[[ -n $p && ${have[$p]} -lt $want ]] || continue
	have[$p]=$((have[$p] + 1))
	n=${#B4S[@]}
	B4S+=("b$n")
	PAIR_OF[b$n]=$p
	MB4[b$n]=$a
	[[ ${#B4S[@]} -eq $NB4 ]] && break
done
ip netns del "$PROBE"
echo "# B4s: $(for b in "${B4S[@]}"; do echo -n "$b ${MB4[$b]} pair ${PAIR_OF[$b]}; "; done)"
assert_eq "$NB4 B4 addresses, $want probed to each pair" "${have[1]} ${have[2]}" "$want $want"
b4_add() {	# NAME ADDR
	local ns=${NS_PREFIX}_$1
	ns_add "$1" >/dev/null &&
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 &&
		port "$ns" veth0 bb4 "$1" &&
		ip -n "$ns" -6 addr add "$2/64" dev veth0 nodad &&
		ip -n "$ns" -6 route add 2001:db8::1/128 via 2001:db8:100::1 dev veth0 &&
		ip -n "$ns" -6 tunnel add t0 mode ipip6 local "$2" remote 2001:db8::1 dev veth0 &&
		ip -n "$ns" link set t0 up && ip -n "$ns" addr add 192.0.0.2/32 dev t0 &&
		ip -n "$ns" route add default dev t0
}
for b in "${B4S[@]}"; do
	b4_add "$b" "${MB4[$b]}" || die "B4 $b"
done
ok "the B4s' softwires to 2001:db8::1"

# --- flows ------------------------------------------------------------------------------------
section "a UDP flow from every B4"
ns_bg "$SRV" "$T/udpsrv.log" python3 -c '
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0",7777))
while True:
    d, a = s.recvfrom(200)
    try: s.sendto(d + b" " + ("%s:%d" % a).encode(), a)
    except OSError: pass	# no route to a pool for a moment (BGP moving it)'
specs=()
for b in "${B4S[@]}"; do
	specs+=("$b=/run/netns/${NS_PREFIX}_$b")
done
python3 "$LIB_DIR/py/scale_udp.py" "$SRV4" 7777 0.1 "$T/stop-udp" "$T/udp-status.json" \
	"$T/udp.json" "${specs[@]}" >"$T/udp.log" 2>&1 &
UDP_PID=$!
TOPO_PIDS+=("$UDP_PID")
# answered_since EPOCH B4...: each B4 had an answer after EPOCH
answered_since() {
	local t=$1
	shift
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))["b4"]
sys.exit(0 if all(j[b]["last"] and j[b]["last"] > float(sys.argv[2]) for b in sys.argv[3:]) else 1)' \
		"$T/udp-status.json" "$t" "$@"
}
t_start=$(date +%s.%N)
check "every B4 is answered" wait_for $((20 * S)) answered_since "$t_start" "${B4S[@]}" ||
	{ diag; cat "$T/udp.log"; }
sleep 1
declare -A PUB
for b in "${B4S[@]}"; do
	PUB[$b]=$(pyq 'j["b4"]["'"$b"'"]["src"]' "$T/udp-status.json")
done
# the B4s of a pair, and the B4s the users of a router are of
b4s_of() { local b; for b in "${B4S[@]}"; do [[ ${PAIR_OF[$b]} == "$1" ]] && echo "${MB4[$b]}"; done | LC_ALL=C sort | xargs; }
users_of() { dslitectl -n "$(ns_of "$1")" -j user show | json '" ".join(sorted(u["b4"] for u in j))'; }
in_net() {	# ADDR:PORT PREFIX
	python3 -c 'import ipaddress, sys; sys.exit(0 if ipaddress.ip_address(sys.argv[1].split(":")[0]) in ipaddress.ip_network(sys.argv[2]) else 1)' "$1" "$2"
}
for b in "${B4S[@]}"; do
	k=${PAIR_OF[$b]}
	check "$b (${MB4[$b]}): public source ${PUB[$b]} in pair $k's ${POOL[$k]}" in_net "${PUB[$b]}" "${POOL[$k]}"
done
u1=$(users_of 1a) u2=$(users_of 2a)
echo "# users: p1a [$u1], p2a [$u2]"
assert_eq "p1a (master) has exactly the users of the B4s hashed to pair 1" "$u1" "$(b4s_of 1)"
assert_eq "p2a (master) has exactly the users of the B4s hashed to pair 2" "$u2" "$(b4s_of 2)"
both=$(LC_ALL=C comm -12 <(tr ' ' '\n' <<<"$u1" | LC_ALL=C sort) <(tr ' ' '\n' <<<"$u2" | LC_ALL=C sort) | xargs)
assert_eq "no B4 has a user on both pairs" "$both" ""
n1=$(wc -w <<<"$u1") n2=$(wc -w <<<"$u2")
check "the spread means something: >= 2 B4s on each pair ($n1, $n2)" test "$n1" -ge 2 -a "$n2" -ge 2
for k in $PAIRS; do
	check "p${k}b (backup) holds p${k}a's users (sync)" wait_for $((10 * S)) eval \
		'[[ $(users_of '"${k}b"') == "$(users_of '"${k}a"')" ]]'
done
lladdr() { ip -n "$ACC" -6 neigh show "$1" | grep -o 'lladdr [0-9a-f:]*' | awk '{print $2}'; }
mac() { ip -n "$(ns_of "$1")" -br link show dev acc | awk '{print $3}'; }
neigh_is() { [[ $(lladdr "$1") == "$(mac "$2")" ]]; }	# VIP ROUTER
for k in $PAIRS; do
	check "access router: pair $k's VIP at p${k}a" neigh_is "${VIP[$k]}" "${k}a"
done
lastupdate() {	# PREFIX: the upstream's table version of it and its best path's next hops
	vty up "show bgp ipv4 unicast $1 json" | python3 -c 'import json, sys
j = json.load(sys.stdin)
print(j.get("version"), [[n.get("ip") for n in p.get("nexthops", [])] for p in j.get("paths", []) if p.get("bestpath", {}).get("overall")])'
}
P2_UPD=$(lastupdate "${POOL[2]}")
echo "# upstream: ${POOL[2]} version, best path $P2_UPD"
declare -A TR
TR[2a]=$(transitions 2a) TR[2b]=$(transitions 2b)

# --- pair 1 fails over ------------------------------------------------------------------------
section "pair 1: p1a's keepalived stops"
P1B4S=() P2B4S=()
for b in "${B4S[@]}"; do
	if [[ ${PAIR_OF[$b]} == 1 ]]; then P1B4S+=("$b"); else P2B4S+=("$b"); fi
done
sleep 2
t0=$(date +%s.%N)
ka_stop 1a
check "p1b becomes master" wait_for $((30 * S)) is_role "$NS_1b" 1 master
check "${POOL[1]} moves to p1b" wait_for $((15 * S)) route_is "${POOL[1]}" "$(upl4 1b)" || diag
echo "# ${POOL[1]} via p1b $(since "$t0") s after the stop"
assert_eq "p1a (stopped) withdrew its route" "$(ours "$NS_1a")" ""
check "access router: pair 1's VIP now at p1b" wait_for $((10 * S)) neigh_is "${VIP[1]}" 1b
t1=$(date +%s.%N)
check "pair 1's B4s answered through p1b" wait_for $((10 * S)) answered_since "$t1" "${P1B4S[@]}" || diag
check "${POOL[2]} still via p2a only" route_is "${POOL[2]}" "${NH[2]}"
check "p2a still master, p2b backup" eval 'is_role "$NS_2a" 1 master && is_role "$NS_2b" 1 backup'
check "access router: pair 2's VIP still at p2a" neigh_is "${VIP[2]}" 2a
assert_eq "p2b has no user of pair 1's B4s" "$(users_of 2b)" "$(b4s_of 2)"

# --- and back -------------------------------------------------------------------------------
section "pair 1: p1a's keepalived again: it preempts"
sleep 2
t0=$(date +%s.%N)
ka_start 1a
check "p1a master again" wait_for $((60 * S)) is_role "$NS_1a" 1 master
check "p1b backup again" wait_for $((20 * S)) is_role "$NS_1b" 1 backup
check "${POOL[1]} moves back to p1a" wait_for $((15 * S)) route_is "${POOL[1]}" "${NH[1]}" || diag
echo "# ${POOL[1]} via p1a $(since "$t0") s after the start"
assert_eq "p1b withdrew its route" "$(ours "$NS_1b")" ""
check "access router: pair 1's VIP at p1a again" wait_for $((10 * S)) neigh_is "${VIP[1]}" 1a
t1=$(date +%s.%N)
check "pair 1's B4s answered through p1a" wait_for $((10 * S)) answered_since "$t1" "${P1B4S[@]}" || diag
sleep 2

# --- the flows --------------------------------------------------------------------------------
section "the flows"
touch "$T/stop-udp"
wait "$UDP_PID"
check "the flow tool reported" test -s "$T/udp.json" || cat "$T/udp.log"
for b in "${B4S[@]}"; do
	k=${PAIR_OF[$b]}
	echo "# $b (pair $k): $(pyq 'j["'"$b"'"]' "$T/udp.json")"
	assert_eq "$b (pair $k): one public endpoint all along, ${PUB[$b]}" \
		"$(pyq 'j["'"$b"'"]["sources"]' "$T/udp.json")" "[\"${PUB[$b]}\"]"
	check "$b (pair $k): answered until the end" \
		test "$(pyq 'j["'"$b"'"]["last_ago_ms"] is not None and j["'"$b"'"]["last_ago_ms"] < 1000' "$T/udp.json")" = True
	if [[ $k == 2 ]]; then
		check "$b (pair 2): never disturbed, no silence over 1 s" \
			test "$(pyq 'j["'"$b"'"]["max_gap_ms"] is not None and j["'"$b"'"]["max_gap_ms"] < 1000' "$T/udp.json")" = True
	fi
done
check "${POOL[2]} via p2a only all along" route_is "${POOL[2]}" "${NH[2]}"
assert_eq "the upstream's ${POOL[2]} route never updated (its table version)" "$(lastupdate "${POOL[2]}")" "$P2_UPD"
assert_eq "pair 2's keepalived made no transition" "$(transitions 2a) $(transitions 2b)" "${TR[2a]} ${TR[2b]}"
check "p2a master, p2b backup" eval 'is_role "$NS_2a" 1 master && is_role "$NS_2b" 1 backup'
assert_eq "p1a (master again) has exactly pair 1's users" "$(users_of 1a)" "$(b4s_of 1)"
assert_eq "p2a has exactly pair 2's users" "$(users_of 2a)" "$(b4s_of 2)"

section "all keepalived stop"
for n in 1a 1b 2a 2b; do ka_stop "$n"; done
none_left() { local n; for n in 1a 1b 2a 2b; do [[ -z $(ours "$(ns_of "$n")") ]] || return 1; done; }
check "no route of ours left on the routers" wait_for $((10 * S)) none_left || diag
no_route() { [[ $(via "${POOL[1]}")$(via "${POOL[2]}") == "" ]]; }
check "none announced" wait_for $((10 * S)) no_route || diag
echo "# scale_out: ${SECONDS} s"
ksft_finish
