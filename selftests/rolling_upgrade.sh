#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# docs/router.md's rolling upgrade with the module really swapped: two VMs
# (selftests/vm/pair), one router each, so each router's dslite.ko can be
# unloaded and another loaded while the other router carries the
# subscribers. Run by `make check-router`:
#
#   selftests/vm/pair [--module OLD.ko] -- selftests/run_tests.sh rolling_upgrade.sh
#   (DSLITE_NEW_KO=NEW.ko: the module each router is upgraded to; default
#   the one it booted with)
#
# VM a: b4a, b4b, srv and aftr1; VM b: aftr2. The three segments of
# ha_topo.sh (access, uplink, sync) are VLANs 10, 20, 30 of the one link
# between the VMs, bridged in each VM's "br" namespace; VLAN 40 in the
# root namespaces is a control channel: VM b runs a small agent that
# executes what VM a's test sends it, and a's test makes every assertion.
#
# The procedure, with two TCP transfers and two UDP flows running:
#  1-3. the backup (aftr2): keepalived stopped, `rmmod dslite`, the new
#       module loaded, dslite-boot applies its saved file, keepalived
#       started; healthy once its bulk from aftr1 is complete; it holds
#       every session aftr1 has.
#  4.   the switch: aftr1's keepalived stopped; aftr2 master with every
#       session.
#  5.   the old master (aftr1): the same as 1-3; it preempts once it holds
#       the state again.
# No session lost, both transfers intact, each UDP flow keeps its public
# endpoint; each router's module was unloaded (and, with DSLITE_NEW_KO of
# another build, is the new one: its srcversion).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
source "$(dirname "$0")/ha_topo.sh"
source "$(dirname "$0")/ha_flows.sh"

ROLE=${DSLITE_PAIR_ROLE:-}
if [[ $ROLE != a && $ROLE != b ]]; then
	skip "$(basename "$0")" "needs two VMs: selftests/vm/pair -- selftests/run_tests.sh $(basename "$0")"
	ksft_finish
fi
ha_begin

REPO=$(cd "$(dirname "$0")/.." && pwd)
EXAMPLES=${DSLITE_EXAMPLES:-$REPO/keepalived-scripts}
S=${DSLITE_TIME_SCALE:-1}
SRV4=203.0.113.9
KEY=dslite-rolling-upgrade-test-key-0123456789
NEW_KO=${DSLITE_NEW_KO:-$DSLITE_KO}
BOOT=${DSLITE_BOOT:-$REPO/tools/dslite-boot}
TPL1=$EXAMPLES/keepalived-1to1.conf
CTL_B=10.99.0.2
# bytes per TCP transfer, paced at 300 KB/s: it must outlast the upgrade
BYTES=${DSLITE_UPGRADE_BYTES:-36000000}

die() { fail "$1" "${2:-}"; ksft_finish; }

# --- the link between the VMs and this VM's half of ha_topo.sh ----------------
pair_link() {
	local mac=52:54:00:00:00:0$ROLE dev
	modprobe virtio_net 2>/dev/null
	modprobe 8021q 2>/dev/null
	for _ in $(seq 1 50); do
		dev=$(ip -o link | awk -v m="$mac" '$0 ~ m { sub(":", "", $2); print $2; exit }')
		[[ -n $dev ]] && break
		sleep 0.1
	done
	[[ -n $dev ]] || { echo "# no NIC with $mac"; return 1; }
	ip link set "$dev" name link0 && ip link set link0 up &&
		ip link add link link0 name ctl type vlan id 40 &&
		ip addr add "10.99.0.$([[ $ROLE == a ]] && echo 1 || echo 2)/24" dev ctl &&
		ip link set ctl up
}
pair_topo() {	# this VM's namespaces of ha_topo.sh's topology
	local n ns b v names
	names="br aftr2"
	[[ $ROLE == a ]] && names="br b4a b4b aftr1 srv"
	for n in $names; do
		ns_add "$n" >/dev/null || { echo "# create netns $n"; return 1; }
		ip netns exec "${NS_PREFIX}_$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || return 1
	done
	for b in bacc:10 bupl:20 bsync:30; do
		v=${b#*:}; b=${b%:*}
		ip -n "$BR" link add "$b" type bridge mcast_snooping 0 &&
			ip link add link link0 name "v$v" type vlan id "$v" &&
			ip link set "v$v" netns "$BR" &&
			ip -n "$BR" link set "v$v" master "$b" up &&
			ip -n "$BR" link set "$b" up || { echo "# segment $b"; return 1; }
	done
	if [[ $ROLE == a ]]; then
		for b in a b; do
			ns=$B4A
			[[ $b == b ]] && ns=$B4B
			ha_port "$ns" veth0 bacc "b4$b" &&
				ip -n "$ns" -6 addr add "2001:db8:1::$b/64" dev veth0 nodad &&
				ip -n "$ns" -6 route add 2001:db8::/64 dev veth0 || return 1
		done
		ha_port "$SRV" veth0 bupl srv && ip -n "$SRV" addr add "$SRV4/24" dev veth0 || return 1
		n=1
	else
		n=2
	fi
	ns=${NS_PREFIX}_aftr$n
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 &&
		ha_port "$ns" acc bacc "a$n-acc" && ha_port "$ns" upl bupl "a$n-upl" &&
		ha_port "$ns" sync bsync "a$n-sync" &&
		ip -n "$ns" -6 addr add "2001:db8:1::1$n/64" dev acc nodad &&
		ip -n "$ns" addr add "203.0.113.1$n/24" dev upl &&
		ip -n "$ns" addr add "192.0.2.$n/30" dev sync
}

# --- both routers' steps (b runs them when a asks) -----------------------------
ka_term() {	# N: a clean stop (systemctl stop keepalived)
	local i
	pkill -TERM -f "keepalived .*$T/ka-$1.conf"
	for i in $(seq 1 $((50 * S))); do
		pgrep -f "keepalived .*$T/ka-$1.conf" >/dev/null || return 0
		sleep 0.2
	done
	return 1
}
# upgrade N: the module swapped under router N, as docs/router.md says:
# (keepalived already stopped) rmmod, the new module loaded, dslite-boot
# applies the saved file; then the saved configuration must be running
upgrade() {
	local ns=${NS_PREFIX}_aftr$1
	rmmod dslite || { echo "rmmod dslite failed"; return 1; }
	[[ ! -e /sys/module/dslite ]] || { echo "dslite still loaded"; return 1; }
	insmod "$NEW_KO" || { echo "insmod $NEW_KO failed"; return 1; }
	[[ -z $(dslitectl -n "$ns" session show) ]] || { echo "state survived rmmod"; return 1; }
	DSLITECTL=$DSLITECTL DSLITE_DEFAULTS=/nonexistent \
		"$BOOT" -n "$ns" -c "$T/dslite-$1.conf" reload || return 1
	[[ $(dslitectl -n "$ns" save --with-keys) == "$(cat "$T/dslite-$1.conf")" ]] ||
		{ echo "the running configuration is not the saved one"; return 1; }
}
setup_router() {	# N PEER: dslite 1:1 and its saved file
	local ns=${NS_PREFIX}_aftr$1
	cfg_1to1 "$ns" "$2" >/dev/null &&
		dslitectl -n "$ns" timeout set dsl0 udp 600 &&
		dslitectl -n "$ns" save --with-keys file "$T/dslite-$1.conf"
}

if [[ $ROLE == b ]]; then
	# VM b: its half, then serve VM a's requests until told to stop
	cleanup_b() {
		[[ -s $T/agent.err ]] && sed 's/^/# VM b agent: /' "$T/agent.err"
		pkill -f "keepalived .*$T/ka-" 2>/dev/null
		topo_cleanup
	}
	trap cleanup_b EXIT
	pair_link && pair_topo || { echo "# VM b: setup failed"; exit 1; }
	{
		declare -p T NS_PREFIX NS_LIST BR A1 A2 REPO EXAMPLES S KEY NEW_KO BOOT TPL1 \
			DSLITECTL LIB_DIR TOPO_TOOL ROLE
		declare -f
	} >"$T/env.sh"
	cat >"$T/agent.sh" <<-EOF
		source "$T/env.sh"
		cmd=\$(cat)
		eval "\$cmd" </dev/null 2>&1
		echo "__rc=\$?"
	EOF
	echo "# VM b: serving on $CTL_B:7000"
	# one request at a time; -t: the reply may come long after the request ended
	end=$(($(date +%s) + 1800))
	while [[ ! -e $T/quit && $(date +%s) -lt $end ]]; do
		timeout 900 socat -t 900 TCP-LISTEN:7000,reuseaddr EXEC:"bash $T/agent.sh" 2>>"$T/agent.err"
	done
	[[ -e $T/quit ]] || { echo "# VM b: VM a never said it was done"; exit 1; }
	exit 0
fi

# --- VM a: the test ----------------------------------------------------------------
on_b() {	# SCRIPT: run it on VM b; its output, its status
	local out rc
	out=$(printf '%s\n' "$1" | timeout $((300 * S)) socat -t 300 - "TCP:$CTL_B:7000") ||
		return 125
	[[ $out == *__rc=* ]] || return 125
	rc=${out##*__rc=}
	printf '%s' "${out%__rc=*}"
	return "$rc"
}
cleanup_a() {
	on_b 'touch "$T/quit"' >/dev/null 2>&1
	pids_stop "${KA_PID[@]}"
	topo_cleanup
}
trap cleanup_a EXIT

section "two VMs, one link"
pair_link && pair_topo || die "VM a: the link and its half of the topology"
ok "VM a: the link and its half of the topology"
check "VM b answers on the control VLAN" wait_for $((180 * S)) on_b true
check "VM b runs the same kernel" test "$(on_b 'uname -r')" = "$(uname -r)"
srv_echo
ip -n "$SRV" route add 198.51.100.0/24 via 203.0.113.1
softwire "$B4A" 2001:db8:1::a 2001:db8::1 && softwire "$B4B" 2001:db8:1::b 2001:db8::1 ||
	die "softwires"
check "the access segment spans the VMs (b4a pings aftr2)" \
	wait_for $((20 * S)) ip netns exec "$B4A" ping -6 -c1 -W1 2001:db8:1::12
check "the sync segment spans the VMs (aftr1 pings aftr2)" \
	wait_for $((20 * S)) ip netns exec "$A1" ping -c1 -W1 192.0.2.2

section "both routers configured, as at boot"
check "aftr1: dslite 1:1 and its saved file" setup_router 1 192.0.2.2
check "aftr2: dslite 1:1 and its saved file" on_b 'setup_router 2 192.0.2.1'
ka_start 1 "$TPL1"
check "aftr2: keepalived" on_b 'ka_start 2 "$TPL1"'
check "aftr1 master of SL 1" wait_for $((60 * S)) is_role "$A1" 1 master
check "aftr2 backup, in sync" wait_for $((60 * S)) on_b 'dslitectl -n "$A2" service-location check 1'

section "flows"
udp_flow "$B4A" "$T/udp-a.json"; pa=$NT_PID
udp_flow "$B4B" "$T/udp-b.json"; pb=$NT_PID
tcp_flow "$B4A" 8005 "$BYTES"
tcp_flow "$B4B" 8006 "$BYTES"
sleep 3
dslitectl -n "$A1" -j session show proto udp | json '{s["b4"]: "%s:%d" % (s["public_addr"], s["public_port"]) for s in j}' >"$T/pub-udp.json"
start=$(sessions "$A1")
check "the master has the flows' sessions (2 UDP, 2 TCP)" test "$(grep -c . <<<"$start")" -ge 4
old_b=$(on_b 'cat /sys/module/dslite/srcversion')
old_a=$(cat /sys/module/dslite/srcversion)
new=$(modinfo -F srcversion "$NEW_KO")
echo "# module srcversion: booted a $old_a, b $old_b; upgrading to $new ($NEW_KO)"

section "1-3. the backup (aftr2): its module swapped"
check "aftr2: keepalived stopped, still backup" on_b 'ka_term 2 && is_role "$A2" 1 backup'
t0=$(date +%s)
check "aftr2: rmmod, insmod the new module, dslite-boot reload (saved file)" on_b 'upgrade 2'
assert_eq "aftr2 runs the new module" "$(on_b 'cat /sys/module/dslite/srcversion')" "$new"
check "aftr2: keepalived started" on_b 'ka_start 2 "$TPL1"'
check "aftr2 healthy again: its bulk from aftr1 is complete" \
	wait_for $((90 * S)) on_b 'dslitectl -n "$A2" service-location check 1'
echo "# aftr2 upgraded and in sync $(($(date +%s) - t0)) s after its rmmod"
assert_eq "aftr2 holds every session aftr1 has" \
	"$(comm -23 <(sessions "$A1") <(on_b 'sessions "$A2"') | grep -c .)" 0

section "4. the switch (aftr1's keepalived stopped)"
mid=$(sessions "$A1")
kill -TERM "${KA_PID[1]}" 2>/dev/null
wait "${KA_PID[1]}" 2>/dev/null
unset "KA_PID[1]"
check "aftr2 becomes master" wait_for $((30 * S)) on_b 'is_role "$A2" 1 master'
check "aftr1 is backup (keepalived's stop)" wait_for $((10 * S)) is_role "$A1" 1 backup
sleep 2
assert_eq "every session is on aftr2" "$(comm -23 <(echo "$mid") <(on_b 'sessions "$A2"'))" ""

section "5. the old master (aftr1): its module swapped"
t0=$(date +%s)
check "aftr1: rmmod, insmod the new module, dslite-boot reload (saved file)" upgrade 1
assert_eq "aftr1 runs the new module" "$(cat /sys/module/dslite/srcversion)" "$new"
ka_start 1 "$TPL1"
check "aftr1 master again once it holds the state (preempts)" \
	wait_for $((120 * S)) is_role "$A1" 1 master
echo "# aftr1 upgraded and master again $(($(date +%s) - t0)) s after its rmmod"
check "aftr2 backup again" wait_for $((20 * S)) on_b 'is_role "$A2" 1 backup'
sleep 2
assert_eq "aftr1 has every session the flows had at the start" \
	"$(comm -23 <(echo "$start") <(sessions "$A1"))" ""

section "the flows"
running "${SRC[8005]}" && running "${SRC[8006]}" && ok "both TCP transfers span the upgrade" ||
	fail "both TCP transfers span the upgrade" "a transfer ended before the end: make DSLITE_UPGRADE_BYTES larger"
check "b4a's TCP transfer completed intact" tcp_done 8005
check "b4b's TCP transfer completed intact" tcp_done 8006
udp_stop "$pa" "$pb"
for b in a b; do
	pub=$(pyq 'j.get("2001:db8:1::'$b'")' "$T/pub-udp.json")
	assert_eq "b4$b's UDP flow: one public endpoint all along ($pub)" \
		"$(pyq 'j["sources"]' "$T/udp-$b.json")" "[\"$pub\"]"
	echo "# b4$b UDP: $(cat "$T/udp-$b.json")"
	check "b4$b's UDP flow was answered until the end" \
		test "$(pyq 'j["last_ago_ms"] is not None and j["last_ago_ms"] < 1000' "$T/udp-$b.json")" = True
done
echo "# sync aftr1: $(sync_line "$A1" 1)"
echo "# sync aftr2: $(on_b 'sync_line "$A2" 1')"
ksft_finish
