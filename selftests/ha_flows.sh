#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The live flows and keepalived helpers of the HA tests on ha_topo.sh's
# topology (ha_failover.sh, rolling_upgrade.sh), sourced after it. Uses
# $T, $SRV, $SRV4 (the server), $KEY (the sync key), $REPO, $DSLITECTL,
# $LIB_DIR; KA_PID (keepalived pids by router), SINK and SRC (the TCP
# transfers' sink and source pids by port).
declare -A KA_PID SINK SRC

role() {	# NS SL
	dslitectl -n "$1" -j service-location show "$2" 2>/dev/null |
		sed -n 's/.*"role":"\([a-z-]*\)".*/\1/p'
}
is_role() { [[ $(role "$1" "$2") == "$3" ]]; }

softwire() {	# NS LOCAL AFTR: (re)point the B4's ipip6 tunnel
	ip -n "$1" link del t0 2>/dev/null
	ip -n "$1" -6 tunnel add t0 mode ipip6 local "$2" remote "$3" dev veth0 &&
		ip -n "$1" link set t0 up && ip -n "$1" addr add 192.0.0.2/32 dev t0 &&
		ip -n "$1" route add default dev t0
}

# srv_echo: on srv, a UDP echo (port 7777) of the datagram and the source seen
srv_echo() {
	ns_bg "$SRV" "$T/udpsrv.log" python3 -c '
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0",7777))
while True:
    d, a = s.recvfrom(200); s.sendto(d + b" " + ("%s:%d" % a).encode(), a)'
}

# udp_flow NS OUT: a datagram every 50 ms until $T/stop-udp exists (at
# most 180 s); OUT: JSON with what came back. Its pid in NT_PID.
udp_flow() {
	ns_bg "$1" "$2" python3 -c '
import json, os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("192.0.0.2", 4444)); s.settimeout(0.05)
end = time.time() + 180; seq = 0; got = []
while time.time() < end and not os.path.exists(sys.argv[2]):
    s.sendto(b"%d" % seq, (sys.argv[1], 7777)); seq += 1
    t = time.time() + 0.05
    while time.time() < t:
        try: d = s.recv(200)
        except OSError: continue
        got.append((time.time(), d.split()[1].decode()))
gaps = [b[0] - a[0] for a, b in zip(got, got[1:])]
print(json.dumps({"sent": seq, "received": len(got), "sources": sorted(set(x[1] for x in got)),
                  "max_gap_ms": int(max(gaps) * 1000) if gaps else None,
                  "last_ago_ms": int((time.time() - got[-1][0]) * 1000) if got else None}))' "$SRV4" "$T/stop-udp"
}
udp_stop() {	# PIDS...: end the flows, wait for their reports
	touch "$T/stop-udp"
	wait "$@" 2>/dev/null
	rm -f "$T/stop-udp"
}
# tcp_flow NS PORT BYTES: start a sink on srv and a transfer from NS
tcp_flow() {
	head -c "$3" /dev/urandom >"$T/tx.$2"
	ns_bg "$SRV" "$T/sink.$2.log" socat -u TCP-LISTEN:"$2",reuseaddr OPEN:"$T/rx.$2",creat,trunc
	SINK[$2]=$NT_PID
	sleep 0.3
	# paced at 300 KB/s, so the transfer outlasts the failovers
	ns_bg "$1" "$T/src.$2.log" python3 -c '
import socket, sys, time
data = open(sys.argv[1], "rb").read(); s = socket.create_connection((sys.argv[2], int(sys.argv[3])))
t0 = time.time(); sent = 0
while sent < len(data):
    s.sendall(data[sent:sent + 8192]); sent += 8192
    ahead = sent / 300000 - (time.time() - t0)
    if ahead > 0: time.sleep(ahead)
s.shutdown(socket.SHUT_WR); s.recv(1); s.close()' "$T/tx.$2" "$SRV4" "$2"
	SRC[$2]=$NT_PID
}
tcp_done() {	# PORT: the sink read the FIN within 60 s, the bytes are the same
	local i
	for i in $(seq 1 $((300 * S))); do
		kill -0 "${SINK[$1]}" 2>/dev/null || break
		sleep 0.2
	done
	! kill -0 "${SINK[$1]}" 2>/dev/null && cmp -s "$T/tx.$1" "$T/rx.$1" && return 0
	echo "#   transfer $1: sent $(stat -c %s "$T/tx.$1"), received $(stat -c %s "$T/rx.$1" 2>/dev/null);" \
		"sender: $(tail -c 300 "$T/src.$1.log" | tr '\n' ' ')"
	return 1
}
running() { kill -0 "$1" 2>/dev/null; }

# --- keepalived from the shipped templates --------------------------------------
# gen_conf TEMPLATE ROUTER: eth0/eth1 -> acc/upl, the repo's scripts, a fifo
# and pid files of the router's own (two keepalived share /run in one
# kernel); router 2 swaps every instance's state and priority (1:1: backup
# with 100; 1+1: each router master of one SL)
gen_conf() {
	python3 "$LIB_DIR/py/ha_gen_conf.py" "$1" "$2" "$REPO" "$DSLITECTL" "$T"
}
ka_start() {	# N TEMPLATE
	local n=$1 ns=${NS_PREFIX}_aftr$1
	gen_conf "$2" "$n" >"$T/ka-$n.conf"
	mkdir -p "$T/run-$n"
	rm -f "$T/run-$n"/*.pid
	ns_bg "$ns" "$T/ka-$n.log" keepalived -n -l -D -P -f "$T/ka-$n.conf" \
		-p "$T/run-$n/k.pid" -r "$T/run-$n/v.pid" -c "$T/run-$n/c.pid"
	KA_PID[$n]=$NT_PID
}
ka_kill() {	# N: SIGKILL keepalived (its fifo reader sees the fifo end)
	kill -9 "${KA_PID[$1]}" 2>/dev/null
	wait "${KA_PID[$1]}" 2>/dev/null
	pkill -9 -f "keepalived .*$T/ka-$1.conf" 2>/dev/null
	unset "KA_PID[$1]"
}
ka_stop_all() {
	pids_stop "${KA_PID[@]}"
	KA_PID=()
	pkill -f "keepalived .*$T/ka-" 2>/dev/null
	sleep 1
}
sessions() {	# NS: what both tables must agree on, a line each
	dslitectl -n "$1" -j session show 2>/dev/null | python3 -c '
import json, sys
for s in sorted("%s %s %d %s:%d %d" % (s["b4"], s["proto"], s["inner_port"], s["public_addr"], s["public_port"], s["remote_port"]) for s in json.load(sys.stdin)):
    print(s)'
}
sync_line() { dslitectl -n "$1" -j service-location show "$2" | json 'j[0]["sync"]'; }
diag() {	# what a failed flow check needs to be understood
	local ns
	for ns in "$A1" "$A2"; do
		ip netns list | grep -q "^$ns\b" || continue
		echo "#   ${ns##*_}: roles $(dslitectl -n "$ns" -j service-location show | json '[(s["id"], s["role"], s["peer_state"]) for s in j]')" \
			"stats $(dslitectl -n "$ns" -j stats show | json '{k: v for k, v in j[0].items() if v and (k.startswith("drop_") or k.endswith("_packets"))}')" \
			"addrs $(ip -n "$ns" -br addr show | awk '{$2=""; print}' | tr '\n' ';')" \
			"macs $(ip -n "$ns" -br link show | awk '$1 ~ /^(acc|upl)/ {print $1, $3}' | tr '\n' ';')"
	done
	for ns in "$B4A" "$B4B" "$SRV"; do
		echo "#   ${ns##*_} neighbours: $(ip -n "$ns" neigh show | tr '\n' ';')"
	done
}

# the 1:1 parts' dslite (1to1 and upgrade)
cfg_1to1() {	# NS PEER
	dslitectl -n "$1" -b - <<-EOF
		ha set hot-backup on
		service-location add 1 remote-backup interface sync peer $2 authentication-key $KEY hash-algorithm hmac-sha256 vrrp vrid 10 interface acc
		service-instance-group add sig1 service-location 1
		instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1
		pool add dsl0 198.51.100.0/24 service-location 1
	EOF
	ip -n "$1" link set dsl0 up && ip -n "$1" route add 198.51.100.0/24 dev dsl0
}
