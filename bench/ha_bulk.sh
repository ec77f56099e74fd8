#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark: the bulk sync of N sessions (default 100,000: 200 B4s x 500
# inner ports) from a master to a backup that joins, with HMAC-SHA256.
# Prints the time from the sync link coming up to the backup being in
# sync with every session, the bytes and packets on the wire, and the
# bytes per session. In a TCG VM the time is only meaningful as a ratio
# to the other times printed by the same run (session creation, a full
# dump); the bytes are exact anywhere.
#
#   selftests/vm/run -- "$PWD/bench/ha_bulk.sh"      (USERS=, FLOWS= to scale)
cd "$(dirname "$0")/../selftests" || exit 1
source ./lib.sh
source ./topo.sh
require_root
require_module
trap topo_cleanup EXIT

USERS=${USERS:-200}
FLOWS=${FLOWS:-500}
N=$((USERS * FLOWS))
BASE=2001:db8:a::1:0
KEY=bench-key-0123456789abcdef
ms() { echo $(($(date +%s%N) / 1000000)); }

TOPO_NO_INSTANCE=1 topo_setup
A2=$(ns_add aftr2) || { fail "netns aftr2"; ksft_finish; }
ip link add sy0 netns "$AFTR" type veth peer name sy0 netns "$A2"
ip -n "$AFTR" addr add 192.0.2.1/24 dev sy0
ip -n "$A2" addr add 192.0.2.2/24 dev sy0
ip -n "$AFTR" link set sy0 up
ip -n "$AFTR" route add blackhole 192.0.2.128/25
cfg() {	# NS PEER
	dslitectl -n "$1" ha set hot-backup on &&
	dslitectl -n "$1" service-location add 1 remote-backup interface sy0 peer "$2" \
		authentication-key "$KEY" hash-algorithm hmac-sha256 &&
	dslitectl -n "$1" service-instance-group add sig1 service-location 1 &&
	dslitectl -n "$1" instance add dsl0 id 1 aftr "$TOPO_AFTR6" service-instance-group sig1 &&
	ip -n "$1" link set dsl0 up &&
	dslitectl -n "$1" timeout set dsl0 udp 3600 &&
	dslitectl -n "$1" pool add dsl0 "$TOPO_POOL" service-location 1 &&
	ip -n "$1" route add "$TOPO_POOL" dev dsl0
}
check "master configured" cfg "$AFTR" 192.0.2.2
check "master role" D service-location set 1 role master
MAC=$(ip -n "$AFTR" -j link show a0 | json 'j[0]["address"]')

section "creating $N sessions on the master (the backup is not there yet)"
t=$(ms)
for _ in 1 2 3; do
	nt "$B4A" blast --iface veth0 --dst-mac "$MAC" --b4-base "$BASE" --users "$USERS" \
		--flows "$FLOWS" --sport 10000 --aftr "$TOPO_AFTR6" --dst 192.0.2.200 >/dev/null
	settled() { [[ $(ctr sessions) -ge $N ]]; }
	wait_for 10 settled && break
done
create_ms=$(($(ms) - t))
check "the master holds $N sessions" test "$(ctr sessions)" -ge "$N"
t=$(ms)
D -j session show >/dev/null
dump_ms=$(($(ms) - t))

section "the backup joins"
check "backup configured" cfg "$A2" 192.0.2.1
check "backup role" dslitectl -n "$A2" service-location set 1 role backup
txb() { ip -n "$AFTR" -j -s link show sy0 | json 'j[0]["stats64"]["tx"]["'"$1"'"]'; }
b0=$(txb bytes) p0=$(txb packets)
t=$(ms)
ip -n "$A2" link set sy0 up
done_ms=
for _ in $(seq 1 3000); do
	st=$(dslitectl -n "$A2" -j service-location show 1 | json 'j[0]["peer_state"]')
	if [[ $st == in-sync ]] &&
		[[ $(dslitectl -n "$A2" -j stats show | json 'j[0]["sessions"]') -ge $N ]]; then
		done_ms=$(($(ms) - t))
		break
	fi
	sleep 0.1
done
b1=$(txb bytes) p1=$(txb packets)
check "the backup is in sync with every session" test -n "$done_ms"
assert_eq "the backup's sessions = the master's" \
	"$(dslitectl -n "$A2" -j stats show | json 'j[0]["sessions"]')" "$(ctr sessions)"
sync=$(D -j service-location show 1 | json 'j[0]["sync"]')
bytes=$((b1 - b0)) pkts=$((p1 - p0))
echo "# bulk: $N sessions in ${done_ms:-?} ms; $bytes bytes in $pkts packets on the wire" \
	"(Ethernet frames, HMAC included): $((bytes / N)).$(((bytes * 10 / N) % 10)) bytes/session"
echo "# same run, for scale: creating the sessions took $create_ms ms, one full 'session show -j' $dump_ms ms"
echo "# master sync counters: $sync"
ksft_finish
