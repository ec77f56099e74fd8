#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The pools announced by BGP from their service-location's master only
# (docs/ha.md, Routing): keepalived (VRRPv3, the shipped configs) drives
# dslite-notify --routes, which installs a route per pool of each SL this
# router is master of (proto 242 metric 4242) and deletes it on BACKUP,
# FAULT, STOP; FRR (zebra + bgpd per AFTR, the shipped
# keepalived-scripts/frr/frr-aftr-{a,b}.conf) redistributes exactly those
# to the upstream router, which is srv (FRR too, maximum-paths 8, so a
# router announcing a pool it is not master of shows as a second next hop):
#
#   access bridge: b4a 2001:db8:1::a, b4b 2001:db8:1::b (ipip6, 192.0.0.2
#                  inside), aftr1 2001:db8:1::11, aftr2 2001:db8:1::12
#   uplink bridge: aftr1 203.0.113.11 (AS 64501), aftr2 203.0.113.12
#                  (AS 64501), srv 203.0.113.9 (AS 64500, the upstream)
#   sync link:     aftr1 192.0.2.1 -- aftr2 192.0.2.2 (ha_topo.sh)
#
# No static pool route on either AFTR, only a blackhole of the highest
# metric (not announced). Each step asserts the upstream's route (its
# only next hop is the master's uplink address) and UDP and TCP through
# the B4's softwire:
# 1:1 (SL 1, 198.51.100.0/24; dslite-notify one dslitectl per line):
#  - aftr1 master: the route via aftr1; the backup holds no route of ours;
#  - a route put by hand on the backup shows as a second next hop (the
#    check can fail), removed again;
#  - aftr1's keepalived stopped: the route moves to aftr2, traffic flows;
#  - aftr1's keepalived started again: it preempts, the route moves back.
# 1+1 (SL 1 198.51.100.0/25 on aftr1, SL 2 198.51.100.128/25 on aftr2;
# dslite-notify --batch):
#  - each pool's route via its own master, both B4s' traffic flows;
#  - aftr2's access link down (keepalived FAULT): SL 2's route moves to
#    aftr1, SL 1's stays; b4b's traffic flows through aftr1;
#  - the link back: aftr2 preempts SL 2, its route moves back.
# A clean stop of both keepalived leaves no route announced.
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
# the shipped keepalived (and FRR) files: the build tree's, or the installed
# examples (pkg_install.sh runs this test from the packages)
EXAMPLES=${DSLITE_EXAMPLES:-$REPO/keepalived-scripts}
S=${DSLITE_TIME_SCALE:-1}
SRV4=203.0.113.9
KEY=dslite-ha-bgp-test-key-0123456789abcd
declare -A KA_PID

die() { fail "$1" "${2:-}"; ksft_finish; }
ha_cleanup() {
	pids_stop "${KA_PID[@]}"
	topo_cleanup
	[[ -n ${SYSLOG_OWN:-} ]] && rm -f /dev/log
}
trap ha_cleanup EXIT
role() {	# NS SL
	dslitectl -n "$1" -j service-location show "$2" 2>/dev/null |
		sed -n 's/.*"role":"\([a-z-]*\)".*/\1/p'
}
is_role() { [[ $(role "$1" "$2") == "$3" ]]; }
# via PREFIX: the upstream's next hops for exactly PREFIX, sorted
via() {
	ip -n "$SRV" -4 -o route show exact "$1" proto bgp | grep -o 'via [0-9.]*' |
		awk '{print $2}' | sort | xargs
}
route_is() { [[ $(via "$1") == "$2" ]]; }	# PREFIX NEXTHOPS ("" none)
ours() { ip -n "$1" -4 -o route show table main proto 242 | awk '{print $1}' | xargs; }

section "topology"
ha_topo "$SRV4" || die "topology"
softwire() {	# NS LOCAL AFTR
	ip -n "$1" link del t0 2>/dev/null
	ip -n "$1" -6 tunnel add t0 mode ipip6 local "$2" remote "$3" dev veth0 &&
		ip -n "$1" link set t0 up && ip -n "$1" addr add 192.0.0.2/32 dev t0 &&
		ip -n "$1" route add default dev t0
}
# the upstream's services: a UDP echo of the source seen, a TCP echo
ns_bg "$SRV" "$T/srv.log" python3 -c '
import socket, threading
def echo(c):
    c.settimeout(10)
    try:
        while True:
            d = c.recv(65536)
            if not d: break
            c.sendall(d)
    except OSError: pass
    c.close()
def tcp():
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("0.0.0.0", 7778)); l.listen(16)
    while True:
        threading.Thread(target=echo, args=(l.accept()[0],), daemon=True).start()
threading.Thread(target=tcp, daemon=True).start()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 7777))
while True:
    d, a = s.recvfrom(200); s.sendto(d + b" " + ("%s:%d" % a).encode(), a)'
# flows NS POOL: a UDP echo (the public source in POOL) and 20 kB echoed
# over TCP, from the B4 in NS through its softwire
flows() {
	ip netns exec "$1" python3 -c '
import ipaddress, socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1)
u.sendto(b"ping", (sys.argv[1], 7777)); d = u.recv(100).decode()
src = d.split()[1].split(":")[0]
assert ipaddress.ip_address(src) in ipaddress.ip_network(sys.argv[2]), d
t = socket.create_connection((sys.argv[1], 7778), timeout=2); t.settimeout(3)
t.sendall(b"x" * 20000); t.shutdown(socket.SHUT_WR); got = b""
while True:
    c = t.recv(65536)
    if not c: break
    got += c
assert got == b"x" * 20000, len(got)' "$SRV4" "$2"
}

# --- FRR: zebra + bgpd per router, each with its own sockets in $T ------------
# (run as user frr: FRR wants its vty group; the VM's /run is empty)
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
cat >"$T/upstream.conf" <<EOF
frr defaults traditional
hostname upstream
router bgp 64500
 bgp router-id $SRV4
 no bgp ebgp-requires-policy
 timers bgp 1 3
 neighbor AFTR peer-group
 neighbor AFTR remote-as 64501
 neighbor AFTR advertisement-interval 0
 neighbor AFTR timers connect 1
 neighbor 203.0.113.11 peer-group AFTR
 neighbor 203.0.113.12 peer-group AFTR
 address-family ipv4 unicast
  maximum-paths 8
 exit-address-family
exit
EOF
section "FRR"
check "aftr1: zebra and bgpd (frr-aftr-a.conf)" frr_start a1 "$A1" "$EXAMPLES/frr/frr-aftr-a.conf"
check "aftr2: zebra and bgpd (frr-aftr-b.conf)" frr_start a2 "$A2" "$EXAMPLES/frr/frr-aftr-b.conf"
check "upstream: zebra and bgpd" frr_start up "$SRV" "$T/upstream.conf"
established() { [[ $(vty up "show bgp summary json" | grep -cE '"state": ?"Established"') -eq 2 ]]; }
check "upstream: both sessions established" wait_for $((30 * S)) established ||
	echo "# $(vty up "show bgp summary" | tr '\n' ';')"

# --- keepalived: the shipped templates, dslite-notify --routes ------------------
gen_conf() {	# TEMPLATE ROUTER NOTIFY-ARGS
	python3 "$LIB_DIR/py/ha_gen_conf.py" "$1" "$2" "$REPO" "$DSLITECTL" "$T" |
		sed "s|--fifo\"|$3 --fifo\"|"
}
ka_start() {	# N TEMPLATE NOTIFY-ARGS
	local n=$1 ns=${NS_PREFIX}_aftr$1
	gen_conf "$2" "$n" "$3" >"$T/ka-$n.conf"
	mkdir -p "$T/run-$n"
	rm -f "$T/run-$n"/*.pid
	ns_bg "$ns" "$T/ka-$n.log" keepalived -n -l -D -P -f "$T/ka-$n.conf" \
		-p "$T/run-$n/k.pid" -r "$T/run-$n/v.pid" -c "$T/run-$n/c.pid"
	KA_PID[$n]=$NT_PID
}
ka_stop() {	# N: a clean stop (SIGTERM: STOP lines, the reader withdraws)
	kill "${KA_PID[$1]}" 2>/dev/null
	wait "${KA_PID[$1]}" 2>/dev/null
	unset "KA_PID[$1]"
}
# dslite-notify logs through logger: with no syslog (the VM), a listener
# on /dev/log keeps its lines for diag
if [[ ! -e /dev/log ]] && command -v socat >/dev/null; then
	ns_bg "$SRV" "$T/syslog.out" socat -u UNIX-RECV:/dev/log,mode=666 "OPEN:$T/syslog,creat,append"
	SYSLOG_OWN=1
fi
diag() {
	local ns n
	for ns in "$A1" "$A2"; do
		echo "#   ${ns##*_}: roles $(dslitectl -n "$ns" -j service-location show | json '[(s["id"], s["role"]) for s in j]')" \
			"routes $(ip -n "$ns" -4 -o route show | grep -v 'proto kernel' | tr '\n' ';')"
	done
	echo "#   upstream: $(ip -n "$SRV" -4 -o route show proto bgp | tr '\n' ';')"
	grep -a 'dslite-notify' "$T/syslog" 2>/dev/null | tail -n 12 | sed 's/^/#   /'
	for n in a1 a2 up; do
		echo "#   $n: $(vty "$n" "show ip route kernel" | grep -E '^K' | tr '\n' ';') |" \
			"$(vty "$n" "show bgp ipv4 unicast" | grep -E '^ *[*>]' | tr -s ' ' | tr '\n' ';')"
	done
}
P1=198.51.100.0/24
NH1=203.0.113.11 NH2=203.0.113.12

# =============================================================================
section "1:1: configuration"
cfg_1to1() {	# NS PEER
	dslitectl -n "$1" -b - <<-EOF
		ha set hot-backup on
		service-location add 1 remote-backup interface sync peer $2 authentication-key $KEY hash-algorithm hmac-sha256 vrrp vrid 10 interface acc
		service-instance-group add sig1 service-location 1
		instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1
		pool add dsl0 $P1 service-location 1
	EOF
	ip -n "$1" link set dsl0 up &&
		ip -n "$1" route add blackhole 198.51.100.0/24 metric 4294967295
}
check "aftr1: dslite 1:1 (no pool route)" cfg_1to1 "$A1" 192.0.2.2
check "aftr2: dslite 1:1 (no pool route)" cfg_1to1 "$A2" 192.0.2.1
check "no router announces the pool before keepalived runs" route_is "$P1" ""
softwire "$B4A" 2001:db8:1::a 2001:db8::1 || die "softwire"
TPL1=$EXAMPLES/keepalived-1to1.conf
ka_start 1 "$TPL1" --routes
ka_start 2 "$TPL1" --routes
check "aftr1 master of SL 1" wait_for $((40 * S)) is_role "$A1" 1 master
check "aftr2 backup of SL 1" wait_for $((20 * S)) is_role "$A2" 1 backup
check "the upstream routes $P1 via aftr1 only" wait_for $((15 * S)) route_is "$P1" "$NH1" || diag
assert_eq "aftr1 holds the pool route (proto 242)" "$(ours "$A1")" "$P1"
assert_eq "aftr2 (backup) holds none" "$(ours "$A2")" ""
check "b4a: UDP and TCP through aftr1" wait_for $((10 * S)) flows "$B4A" "$P1" || diag

section "1:1: the route check sees a backup that announces"
ip -n "$A2" route replace "$P1" dev dsl0 proto 242 metric 4242
check "a route left on the backup: a second next hop upstream" \
	wait_for $((10 * S)) route_is "$P1" "$NH1 $NH2"
ip -n "$A2" route del "$P1" dev dsl0 proto 242 metric 4242
check "deleted: via aftr1 only again" wait_for $((10 * S)) route_is "$P1" "$NH1"

section "1:1: aftr1's keepalived stops"
t0=$(date +%s.%N)
ka_stop 1
check "aftr2 becomes master" wait_for $((30 * S)) is_role "$A2" 1 master
check "the route moves to aftr2" wait_for $((15 * S)) route_is "$P1" "$NH2" || diag
echo "# the route via aftr2 $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the stop"
assert_eq "aftr1 (stopped) withdrew its route" "$(ours "$A1")" ""
check "b4a: UDP and TCP through aftr2" wait_for $((10 * S)) flows "$B4A" "$P1" || diag

section "1:1: aftr1's keepalived again: it preempts"
ka_start 1 "$TPL1" --routes
check "aftr1 master again" wait_for $((60 * S)) is_role "$A1" 1 master
check "aftr2 backup again" wait_for $((20 * S)) is_role "$A2" 1 backup
check "the route moves back to aftr1" wait_for $((15 * S)) route_is "$P1" "$NH1" || diag
assert_eq "aftr2 withdrew its route" "$(ours "$A2")" ""
check "b4a: UDP and TCP through aftr1 after the failback" wait_for $((10 * S)) flows "$B4A" "$P1" || diag

section "1:1: both keepalived stop"
ka_stop 1
ka_stop 2
none_left() { [[ $(ours "$A1")/$(ours "$A2") == / ]]; }
check "no route of ours left on the routers" wait_for $((10 * S)) none_left || diag
check "none announced" wait_for $((10 * S)) route_is "$P1" "" || diag
for ns in "$A1" "$A2"; do
	dslitectl -n "$ns" -b - <<-EOF >/dev/null
		instance del dsl0
		service-instance-group del sig1
		service-location del 1
	EOF
done

# =============================================================================
section "1+1: configuration"
PA=198.51.100.0/25 PB=198.51.100.128/25
cfg_1plus1() {	# NS PEER
	dslitectl -n "$1" -b - <<-EOF
		service-location add 1 remote-backup interface sync peer $2 authentication-key $KEY hash-algorithm hmac-sha256 vrrp vrid 10 interface acc aftr 2001:db8::1
		service-location add 2 remote-backup interface sync peer $2 authentication-key $KEY hash-algorithm hmac-sha256 vrrp vrid 20 interface acc aftr 2001:db8::2
		service-instance-group add sig1 service-location 1 weight 50 service-location 2 weight 50
		instance add dsl0 id 1 service-instance-group sig1
		pool add dsl0 $PA service-location 1
		pool add dsl0 $PB service-location 2
	EOF
	ip -n "$1" link set dsl0 up
}
check "aftr1: dslite 1+1" cfg_1plus1 "$A1" 192.0.2.2
check "aftr2: dslite 1+1" cfg_1plus1 "$A2" 192.0.2.1
softwire "$B4A" 2001:db8:1::a 2001:db8::1 && softwire "$B4B" 2001:db8:1::b 2001:db8::2 ||
	die "softwires"
TPL2=$EXAMPLES/keepalived-1plus1.conf
ka_start 1 "$TPL2" "--routes --batch"
ka_start 2 "$TPL2" "--routes --batch"
check "aftr1 master of SL 1" wait_for $((40 * S)) is_role "$A1" 1 master
check "aftr2 master of SL 2" wait_for $((40 * S)) is_role "$A2" 2 master
check "the upstream routes $PA via aftr1" wait_for $((15 * S)) route_is "$PA" "$NH1" || diag
check "the upstream routes $PB via aftr2" wait_for $((15 * S)) route_is "$PB" "$NH2" || diag
check "b4a (SL 1): UDP and TCP through aftr1" wait_for $((10 * S)) flows "$B4A" "$PA" || diag
check "b4b (SL 2): UDP and TCP through aftr2" wait_for $((10 * S)) flows "$B4B" "$PB" || diag

section "1+1: aftr2's access link fails (keepalived FAULT)"
t0=$(date +%s.%N)
ip -n "$A2" link set acc down
check "aftr1 master of SL 2 too" wait_for $((30 * S)) is_role "$A1" 2 master
check "$PB moves to aftr1" wait_for $((15 * S)) route_is "$PB" "$NH1" || diag
echo "# $PB via aftr1 $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the link went down"
check "$PA stays on aftr1" route_is "$PA" "$NH1"
assert_eq "aftr2 (FAULT) withdrew its route" "$(ours "$A2")" ""
check "b4b: UDP and TCP through aftr1" wait_for $((10 * S)) flows "$B4B" "$PB" || diag

section "1+1: the link back: aftr2 preempts SL 2"
ip -n "$A2" link set acc up
ip -n "$A2" -6 addr add 2001:db8:1::12/64 dev acc nodad 2>/dev/null
check "aftr2 master of SL 2 again" wait_for $((60 * S)) is_role "$A2" 2 master
check "aftr1 backup of SL 2 again" wait_for $((20 * S)) is_role "$A1" 2 backup
check "$PB moves back to aftr2" wait_for $((15 * S)) route_is "$PB" "$NH2" || diag
check "$PA still on aftr1" route_is "$PA" "$NH1"
check "b4b: UDP and TCP through aftr2 after the failback" wait_for $((10 * S)) flows "$B4B" "$PB" || diag
check "b4a: UDP and TCP through aftr1 all along" flows "$B4A" "$PA" || diag

section "1+1: both keepalived stop"
t0=$(date +%s.%N)
ka_stop 1
ka_stop 2
check "no route of ours left on the routers" wait_for $((10 * S)) none_left || diag
echo "# none left $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the stops began"
no_route() { [[ $(via "$PA")$(via "$PB") == "" ]]; }
check "none announced" wait_for $((10 * S)) no_route || diag
echo "# ha_bgp: ${SECONDS} s"
ksft_finish
