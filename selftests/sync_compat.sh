#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The wire rule of upgrades (issue 12: N and N-1 interoperate), the
# sender's side, end to end: aftr1 is master of SL 1, its peer the
# scripted peer (syncpeer.py, in aftr2's namespace at 192.0.2.2, keyed)
# playing a router of the previous release: it advertises no version 3
# (max_version 0), drops a version 3 packet whole and skips run records,
# as that release does. The peer decodes the session and run records it
# would apply into the set of sessions it has been told of, per stream of
# aftr1, and counts every DATA packet by header version and its records
# by type; that set is compared with aftr1's `dslitectl -j session show`
# (every session, the same public address and port).
#  1. 3 users x 40 UDP sessions through real B4 softwires, then the peer
#     appears: aftr1's bulk reaches it in version 2 only, without a run
#     record, and the peer's set equals aftr1's sessions;
#  2. sessions created after the bulk come in version 2 too;
#  3. the peer is upgraded (advertises 3): aftr1 starts a new stream (a
#     new epoch, bulk_sent +1) in version 3, its sessions in runs, and
#     the set (of the new stream only) is complete again; live sessions
#     after it come as runs;
#  4. the peer is rolled back (advertises 0 again): a new stream in
#     version 2 without runs, complete again.
# The other direction (a version 2 peer's session records are installed)
# is sync_hostile.sh's: its peer is this one, advertising max_version 0 in
# version 2 packets, and its positive controls (sections 1, 3 keyless and
# keyed, 7) assert that aftr1 installs and acks what it sends; a run in a
# version 2 packet too (section 8).
# shellcheck disable=SC2154,SC2317 # pstatus and snap set variables by eval;
# the helpers are called through holds, wait_for and eval
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sync_topo.sh"
sync_begin
vip_to "$A1"
KEY=0123456789abcdef-compat-key

# b4_add NAME ADDR6: another B4 on the access bridge, its softwire up
b4_add() {
	local ns=${NS_PREFIX}_$1
	ns_add "$1" >/dev/null &&
	ip link add b0 netns "$ns" type veth peer name "p-$1" netns "$SW" &&
	ip -n "$SW" link set "p-$1" master acc up &&
	ip -n "$ns" addr add "$2/64" dev b0 nodad && ip -n "$ns" link set b0 up &&
	ip -n "$ns" -6 route add 2001:db8::1/128 dev b0 &&
	ip -n "$ns" -6 tunnel add t0 mode ipip6 local "$2" remote 2001:db8::1 dev b0 &&
	ip -n "$ns" link set t0 up && ip -n "$ns" addr add 192.0.0.2/32 dev t0 &&
	ip -n "$ns" route add default dev t0
}
# udp_from NS N PORT: N UDP sessions from the B4 of NS (each datagram from
# a new socket: a new inner port) to srv, remote ports PORT..
# shellcheck disable=SC2016 # $1, $2: of the inner bash
udp_from() {
	ip netns exec "$1" bash -c \
		'for ((i = 0; i < $1; i++)); do echo x >/dev/udp/203.0.113.2/$(($2 + i)); done' \
		- "$2" "$3" 2>/dev/null
}
compat_peer() {	# the keyed peer for SL 1, a router of the previous release
	ip netns exec "$A2" python3 "$PEER" serve --ctl "$SOCK" --local 192.0.2.2 \
		--aftr 192.0.2.1 --sl 1 --no-auto-restart --max-version 0 \
		--key "$KEY" --dslitectl "$DSLITECTL" >>"$T/peer.log" 2>&1 &
	PEER_PID=$!
	PIDS+=("$PEER_PID")
	for _ in $(seq 1 50); do [[ -S $SOCK ]] && return 0; sleep 0.1; done
	return 1
}
# same: "N equal" when the peer's decoded sessions are aftr1's, else what differs
same() {
	P '{"op": "status", "sl": 1, "sessions": true}' >"$T/peer.json"
	D1 -j session show >"$T/aftr.json"
	python3 - "$T/peer.json" "$T/aftr.json" <<-'EOF'
		import json, sys
		peer = json.load(open(sys.argv[1])).get("sessions", {})
		proto = {"udp": 17, "tcp": 6, "icmp": 1}
		aftr = {"%d %s %s:%d %s:%d %d" % ({"dsl0": 1}[s["instance"]], s["b4"],
		                                  s["inner_addr"], s["inner_port"],
		                                  s["remote_addr"], s["remote_port"],
		                                  proto[s["proto"]]):
		        "%s:%d" % (s["public_addr"], s["public_port"])
		        for s in json.load(open(sys.argv[2]))}
		n = len(json.load(open(sys.argv[2])))
		if len(aftr) != n:
		    print("%d sessions, %d keys: the key is not one per session" % (n, len(aftr)))
		elif peer == aftr:
		    print("%d equal" % len(aftr))
		else:
		    miss = sorted(set(aftr) - set(peer))
		    extra = sorted(set(peer) - set(aftr))
		    moved = sorted(k for k in set(aftr) & set(peer) if aftr[k] != peer[k])
		    print("aftr %d, peer %d: missing %d %s, extra %d %s, other public %d %s"
		          % (len(aftr), len(peer), len(miss), miss[:2], len(extra),
		             extra[:2], len(moved), moved[:2]))
	EOF
}
# holds DESC CMD...: check, in this shell (CMD sets variables)
holds() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else
		fail "$desc" "failed: $* (${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]})"; fi
}
state1() { D1 -j service-location show 1 | json 'j[0]["peer_state"]'; }
# synced N [EPOCH]: the peer knows N sessions (of a stream after EPOCH)
# and aftr1 says in-sync
synced() {
	pstatus 1 s
	[[ $s_known_sessions == "$1" && ${s_aftr_epoch:-0} -gt ${2:-0} &&
		$(state1) == in-sync ]]
}
# wait_synced N [EPOCH]: synced within 15 s; says where it stopped if not
wait_synced() {
	wait_for 15 synced "$@" && return 0
	pstatus 1 s
	echo "# peer: $s_known_sessions sessions, AFTR epoch $s_aftr_epoch; aftr1: $(state1)"
	return 1
}
# v2only DESC PFX: every DATA packet PFX (tot: all; cur: the newest
# stream's) in version 2, no run record, the sessions as session records
v2only() {
	assert_eq "$1: version 2 only (of $(v "$2_pkts") DATA packets)" \
		"$(($(v "$2_pkts") > 0)) $(v "$2_v3") $(v "$2_vother")" "1 0 0"
	assert_eq "  no run record; session records: $(v "$2_rec_session")" \
		"$(v "$2_rec_run") $(($(v "$2_rec_session") > 0))" "0 1"
}

# ===========================================================================
section "setup: aftr1 master of SL 1 (keyed), three B4s"
holds "two more B4 softwires" eval 'b4_add b4b 2001:db8:a::b && b4_add b4c 2001:db8:a::c'
B4B=${NS_PREFIX}_b4b B4C=${NS_PREFIX}_b4c
check "aftr1 configured" dslitectl -n "$A1" -b - <<EOF
ha set hot-backup on
service-location add 1 remote-backup interface sy0 peer 192.0.2.2 $(auth_of "$KEY")
service-instance-group add sig1 service-location 1
instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1
pool add dsl0 $P1.0/28 service-location 1
service-location set 1 role master
EOF
ip -n "$A1" link set dsl0 up && ip -n "$A1" route add "$P1.0/28" dev dsl0
for ns in "$B4" "$B4B" "$B4C"; do udp_from "$ns" 40 20000; done
n=$(D1 -j session show | json 'len(j)')
assert_eq "3 users x 40 UDP sessions on aftr1 (no peer yet)" "$n" 120

# --- 1 ---------------------------------------------------------------------------
section "1. a peer of the previous release appears: the bulk"
holds "the version 2 peer runs" compat_peer
holds "aftr1 in-sync with it, the peer told of 120 sessions" wait_synced 120
e1=$s_aftr_epoch n1=$s_aftr_streams
v2only "the bulk" s_tot
assert_eq "  none dropped for its version (the peer acked them all)" "$s_dropped_version" 0
assert_eq "  one bulk (BULK_BEGIN, BULK_END) in one stream of aftr1" \
	"$s_tot_rec_begin $s_tot_rec_end $s_data_epochs" "1 1 1"
assert_eq "the peer's sessions are aftr1's (same public address and port)" "$(same)" "120 equal"

# --- 2 ---------------------------------------------------------------------------
section "2. sessions after the bulk"
udp_from "$B4" 10 21000
holds "the peer told of 130" wait_synced 130
v2only "bulk and live updates" s_tot
assert_eq "  the same stream" "$s_aftr_epoch $s_data_epochs" "$e1 1"
assert_eq "the peer's sessions are aftr1's" "$(same)" "130 equal"

# --- 3 ---------------------------------------------------------------------------
section "3. the peer is upgraded: it advertises version 3"
snap a
pset 1 '"max_version": 3'
holds "aftr1 in-sync again, in a new stream, the peer told of 130" wait_synced 130 "$e1"
e2=$s_aftr_epoch
snap b
assert_eq "a new stream of aftr1 (epoch $e1 -> $e2), a new bulk (bulk_sent +1)" \
	"$((e2 > e1)) $((s_aftr_streams - n1)) $(dl sl1_bulk_sent)" "1 1 1"
assert_eq "  its DATA in version 3 only ($s_cur_pkts packets)" \
	"$((s_cur_pkts > 0)) $s_cur_v2 $s_cur_vother" "1 0 0"
assert_eq "  its sessions in runs ($s_cur_rec_run), no session record" \
	"$((s_cur_rec_run > 0)) $s_cur_rec_session" "1 0"
assert_eq "the peer's sessions (of the new stream) are aftr1's" "$(same)" "130 equal"
r0=$s_cur_rec_run
udp_from "$B4B" 10 21000
holds "live sessions after it: the peer told of 140" wait_synced 140 "$e1"
assert_eq "  as runs of version 3 ($((s_cur_rec_run - r0)) more), in the same stream" \
	"$s_aftr_epoch $s_cur_v2 $s_cur_rec_session $((s_cur_rec_run > r0))" "$e2 0 0 1"
assert_eq "the peer's sessions are aftr1's" "$(same)" "140 equal"

# --- 4 ---------------------------------------------------------------------------
section "4. the peer is rolled back: it advertises version 2 again"
snap a
pset 1 '"max_version": 0'
holds "aftr1 in-sync again, in a new stream, the peer told of 140" wait_synced 140 "$e2"
snap b
assert_eq "a new stream of aftr1, a new bulk (bulk_sent +1)" \
	"$((s_aftr_epoch > e2)) $(dl sl1_bulk_sent)" "1 1"
v2only "the new stream" s_cur
assert_eq "the peer's sessions are aftr1's" "$(same)" "140 equal"

peer_stop
ksft_finish
