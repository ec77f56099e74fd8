#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hot-backup diagnostics and changes without downtime (issue 13, items 1
# and 2), on sync_topo.sh's pair (1:1, aftr1 master):
#  1. the key rotated on a live pair while a TCP transfer runs: each
#     router is given the new key in turn (`service-location set 1
#     authentication-key ...`); no sync packet is refused (drop_auth 0),
#     no stream restarts (resyncs, bulk_sent unchanged), the peer state
#     stays in-sync, each side switched once (key_switches 1, key state
#     overlap), the backup's sessions equal the master's, a session made
#     after the rotation reaches the backup, the transfer is intact, and
#     the switch is an event (monitor) and a kernel log line;
#  1b. aftr2's acks lost for 1 s while sessions are made: aftr1's resends
#     count as rx_duplicate on aftr2, never drop_replay;
#  2. a timeout changed on one router only (udp 600 against 3600): both
#     report config-mismatch naming "timeout udp" with both values, in
#     show -j and in `check` (exit 3) and dslite-track fails; records
#     still apply meanwhile (a new session reaches the backup); the same
#     value on both: in-sync and healthy again; event and log line;
#  2b. the sync port moved in place on both routers (`set 1 port 8300`):
#     in sync again, the backup's sessions kept, a resync (bulk), a new
#     session synced over the new port;
#  3. a backup rebuilt with another key: both sides auth-failed (not
#     down), check unhealthy on both, an event;
#  4. a role change is an event.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sync_topo.sh"
PROBE_TIMEOUT=3
sync_begin

D() { dslitectl "$@"; }
sj() { D -n "$1" -j service-location show 1 | json "j[0]$2"; }
KEY=0123456789abcdef-test-key
KEY2=fedcba9876543210-next-key
TRACK=$REPO/keepalived-scripts/dslite-track

setup_aftr() {	# NS PEER KEY
	# shellcheck disable=SC2046
	D -n "$1" ha set hot-backup on &&
	D -n "$1" service-location add 1 remote-backup interface sy0 peer "$2" $(auth_of "$3") &&
	D -n "$1" service-instance-group add sig1 service-location 1 &&
	D -n "$1" instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1 &&
	ip -n "$1" link set dsl0 up &&
	D -n "$1" pool add dsl0 198.51.100.0/28 service-location 1 &&
	ip -n "$1" route add 198.51.100.0/28 dev dsl0
}
teardown_aftr() {
	D -n "$1" instance del dsl0; D -n "$1" service-instance-group del sig1
	D -n "$1" service-location del 1
}
state_is() {	# NS STATE [SECONDS]: that router's SL 1 reaches STATE
	local i
	for i in $(seq 1 $((${3:-10} * 4))); do
		[[ "$(sj "$1" '["peer_state"]')" == "$2" ]] && return 0
		sleep 0.25
	done
	echo "# $1: peer_state $(sj "$1" '["peer_state"]'), wanted $2"
	return 1
}
sessions() { D -n "$1" -j session show | json 'sorted((s["proto"], s["inner_port"], s["public_addr"], s["public_port"], s["remote_port"], s["state"]) for s in j)'; }
tables_equal() {
	for _ in $(seq 1 40); do
		[[ $(sessions "$A1") == "$(sessions "$A2")" ]] && return 0
		sleep 0.25
	done
	return 1
}
synced() {	# PORT: the backup holds a UDP session of inner port PORT
	for _ in $(seq 1 20); do
		D -n "$A2" -j session show proto udp | json "[s for s in j if s['inner_port'] == $1]" |
			grep -q inner_port && return 0
		sleep 0.25
	done
	return 1
}
# ev FILE EVENT [FIELD VALUE]: the monitor log has that event (with that field)
ev() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    try:
        e = json.loads(l)
    except ValueError:
        continue
    if e.get("event") == sys.argv[2] and (len(sys.argv) < 4 or sys.argv[4] in str(e.get(sys.argv[3]))):
        sys.exit(0)
sys.exit(1)' "$@"
}
wait_eq() {	# NS EXPR WANT: sj NS EXPR becomes WANT (in 5 s)
	for _ in $(seq 1 20); do
		[[ "$(sj "$1" "$2")" == "$3" ]] && return 0
		sleep 0.25
	done
	echo "# got '$(sj "$1" "$2")'"
	return 1
}
counters() { sj "$1" '["sync"]' | json '[j["drop_auth"], j["resyncs"], j["bulk_sent"], j["drop_malformed"]]'; }

ip netns exec "$A1" "$DSLITECTL" -j monitor >"$T/mon1" 2>&1 &
PIDS+=($!)
ip netns exec "$A2" "$DSLITECTL" -j monitor >"$T/mon2" 2>&1 &
PIDS+=($!)
dmesg -c >/dev/null 2>&1

check "aftr1 configured (keyed SL 1)" setup_aftr "$A1" 192.0.2.2 "$KEY"
check "aftr2 configured (keyed SL 1)" setup_aftr "$A2" 192.0.2.1 "$KEY"
vip_to "$A1"
check "aftr1 role master" D -n "$A1" service-location set 1 role master
check "aftr2 role backup" D -n "$A2" service-location set 1 role backup
check "in sync (aftr1)" state_is "$A1" in-sync
check "in sync (aftr2)" state_is "$A2" in-sync
assert_eq "key state: stable (aftr1)" "$(sj "$A1" '["key_state"]')" stable

# --- 1. key rotation with a TCP transfer running -----------------------------------
head -c 2000000 /dev/urandom >"$T/tx"
ip netns exec "$SRV" socat -u TCP-LISTEN:8000,reuseaddr OPEN:"$T/rx",creat,trunc &
TCPSRV=$!
PIDS+=("$TCPSRV")
sleep 0.5
ip netns exec "$B4" bash -c "tc qdisc add dev b0 root tbf rate 3mbit burst 32k latency 400ms 2>/dev/null;
	socat -u OPEN:$T/tx TCP:203.0.113.2:8000" &
TCPPID=$!
PIDS+=("$TCPPID")
has_tcp() { [[ $(D -n "$A2" -j session show proto tcp | json 'len(j)') -ge 1 ]]; }
for _ in $(seq 1 40); do has_tcp && break; sleep 0.25; done
check "the transfer's session is on the backup" has_tcp
c1=$(counters "$A1") c2=$(counters "$A2")
check "aftr1 takes the new key" D -n "$A1" service-location set 1 authentication-key "$KEY2" hash-algorithm hmac-sha256
assert_eq "aftr1: key pending (the peer has not shown it has it)" "$(sj "$A1" '["key_state"]')" pending
sleep 1.2
assert_eq "aftr1 still sends the old key: aftr2 took every packet" \
	"$(sj "$A2" '["sync"]["drop_auth"]') $(sj "$A2" '["peer_state"]')" "0 in-sync"
check "aftr2 takes the new key" D -n "$A2" service-location set 1 authentication-key "$KEY2" hash-algorithm hmac-sha256
switched() { [[ $(sj "$A1" '["key_state"]') == overlap && $(sj "$A2" '["key_state"]') == overlap ]]; }
for _ in $(seq 1 20); do switched && break; sleep 0.25; done
check "both switched to the new key (key state overlap)" switched
assert_eq "one switch each (key_switches)" \
	"$(sj "$A1" '["sync"]["key_switches"]') $(sj "$A2" '["sync"]["key_switches"]')" "1 1"
assert_eq "the new key authenticated the peer's packets (rx_new_key > 0 both sides)" \
	"$(sj "$A1" '["sync"]["rx_new_key"] > 0') $(sj "$A2" '["sync"]["rx_new_key"] > 0')" "True True"
echo "# aftr2 drop_key_probe (aftr1's probes before aftr2 had the key): $(sj "$A2" '["sync"]["drop_key_probe"]')"
sleep 1
assert_eq "aftr1: nothing refused, no resync, no new bulk (drop_auth resyncs bulk_sent drop_malformed)" \
	"$(counters "$A1")" "$c1"
assert_eq "aftr2: nothing refused, no resync, no new bulk" "$(counters "$A2")" "$c2"
assert_eq "the pair stayed in sync" "$(sj "$A1" '["peer_state"]') $(sj "$A2" '["peer_state"]')" "in-sync in-sync"
check "the backup's sessions equal the master's" tables_equal
probe 5601 >/dev/null
check "a session made after the rotation reaches the backup" synced 5601
srv_done() {
	local i
	for _ in $(seq 1 150); do
		kill -0 "$TCPSRV" 2>/dev/null || return 0
		sleep 0.2
	done
	return 1
}
if wait $TCPPID && srv_done && cmp -s "$T/tx" "$T/rx"; then
	ok "the 2 MB TCP transfer across the rotation completed intact"
else
	fail "the 2 MB TCP transfer across the rotation completed intact" \
		"received $(stat -c %s "$T/rx" 2>/dev/null) bytes"
fi
ip netns exec "$B4" tc qdisc del dev b0 root 2>/dev/null
assert_eq "aftr1 still drops nothing by authentication" "$(sj "$A1" '["sync"]["drop_auth"]')" 0
ev "$T/mon1" sl-key-switch && ok "event sl-key-switch (aftr1)" ||
	fail "event sl-key-switch (aftr1)" "$(cat "$T/mon1")"
dmesg | grep -q 'dslite: service-location 1, peer 192.0.2.2: the peer has the new key' &&
	ok "kernel log: the key switch" || fail "kernel log: the key switch" "$(dmesg | grep dslite | tail -5)"

# --- 1b. lost acks: the master's resends are duplicates, not replays ------------------
# aftr2's acks (and hellos) are dropped for 1 s while new sessions are
# synced: aftr1 resends what it has not seen acked every 200 ms, and
# aftr2 receives DATA it already applied. Those count as rx_duplicate;
# drop_replay is left to real replays (before, each resend counted there,
# so a healthy backup showed drop_replay rising).
syncj() { sj "$1" '["sync"]'; }
sd() {	# NS KEY BEFORE: how much sync counter KEY grew since BEFORE (a syncj)
	python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]] - json.loads(sys.argv[3])[sys.argv[2]])' \
		"$(syncj "$1")" "$2" "$3"
}
s1=$(syncj "$A1") s2=$(syncj "$A2") c2=$(counters "$A2")
check "aftr2's sync output dropped (nft)" ip netns exec "$A2" nft -f - <<'EOF'
table inet dslite_ackloss {
	chain out { type filter hook output priority 0; udp dport 8286 counter drop; }
}
EOF
# 20 new sessions in one burst (bash, not a python tool: on a slow VM a
# tool spreads them over seconds, each record restarts the resend timer,
# and aftr2's silence passes DSLITE_SYNC_DEAD, 3 s, before any resend);
# the loss ends once aftr1 resent, within 2 s
ip netns exec "$B4" bash -c 'for p in $(seq 20100 20119); do echo x >/dev/udp/203.0.113.2/$p; done'
resent() { [[ $(sd "$A1" retransmits "$s1") -gt 0 ]]; }
wait_for 2 resent
ip netns exec "$A2" nft delete table inet dslite_ackloss
check "in sync after the lost acks (aftr1)" state_is "$A1" in-sync 5
sleep 0.5
r1=$(sd "$A1" retransmits "$s1") u2=$(sd "$A2" rx_duplicate "$s2") p2=$(sd "$A2" drop_replay "$s2")
echo "# aftr1 retransmits +$r1, aftr2 rx_duplicate +$u2, drop_replay +$p2"
check "aftr1 resent what was not acked (retransmits +$r1)" test "$r1" -gt 0
check "aftr2 counted the resends as duplicates (rx_duplicate +$u2)" test "$u2" -gt 0
assert_eq "aftr2: no resend counted as a replay (drop_replay +0)" "$p2" 0
assert_eq "aftr2: nothing refused, no resync (drop_auth resyncs bulk_sent drop_malformed)" "$(counters "$A2")" "$c2"
check "the backup's sessions equal the master's (the 20 new ones too)" tables_equal

# --- 2. a timeout changed on one router only ---------------------------------------
check "aftr1: timeout udp 600" D -n "$A1" timeout set dsl0 udp 600
check "aftr2: timeout udp 3600" D -n "$A2" timeout set dsl0 udp 3600
check "config-mismatch (aftr1)" state_is "$A1" config-mismatch 5
check "config-mismatch (aftr2)" state_is "$A2" config-mismatch 5
check "show -j names the setting and both values (aftr1)" wait_eq "$A1" '["mismatch"]' \
	"instance dsl0 (id 1): timeout udp 600 here, 3600 on the peer"
check "show -j names the setting (aftr2)" wait_eq "$A2" '["mismatch"]' \
	"instance dsl0 (id 1): timeout udp 3600 here, 600 on the peer"
out=$(D -n "$A2" service-location check 1); rc=$?
assert_eq "check: unhealthy (exit 3), naming timeout udp" \
	"$rc $(grep -c 'not healthy: the peer.s configuration differs: instance dsl0 (id 1): timeout udp' <<<"$out")" "3 1"
check_rc "check -j on aftr1: unhealthy too" 3 D -n "$A1" service-location check 1
check_rc "dslite-track fails (keepalived lowers the priority)" 1 "$TRACK" --dslitectl "$DSLITECTL" -n "$A2" --sl 1
probe 5602 >/dev/null
check "records still apply meanwhile: a new session reaches the backup" synced 5602
ev "$T/mon2" sl-config-mismatch mismatch "timeout udp" && ok "event sl-config-mismatch with the setting (aftr2)" ||
	fail "event sl-config-mismatch with the setting (aftr2)" "$(cat "$T/mon2")"
dmesg | grep -q 'service-location 1, peer 192.0.2.1: the peer.s configuration differs: instance dsl0 (id 1): timeout udp' &&
	ok "kernel log: the mismatch and its setting" || fail "kernel log: the mismatch" "$(dmesg | grep dslite | tail -5)"
check "aftr1: timeout udp 3600 too" D -n "$A1" timeout set dsl0 udp 3600
check "in sync again (aftr1)" state_is "$A1" in-sync 5
check "in sync again (aftr2)" state_is "$A2" in-sync 5
check "check healthy again (aftr2)" D -n "$A2" service-location check 1
assert_eq "no mismatch shown any more" "$(sj "$A2" '.get("mismatch")')" None

# --- 2b. the sync port moved in place on both routers ------------------------------
held=$(sessions "$A2")
br=$(sj "$A2" '["sync"]["bulk_received"]')
check "aftr1: sync port 8300, in place" D -n "$A1" service-location set 1 port 8300
check "aftr2: sync port 8300, in place" D -n "$A2" service-location set 1 port 8300
assert_eq "show says port 8300" "$(sj "$A1" '["port"]') $(sj "$A2" '["port"]')" "8300 8300"
check "in sync again on the new port (aftr1)" state_is "$A1" in-sync 10
check "in sync again on the new port (aftr2)" state_is "$A2" in-sync 10
assert_eq "the backup got a new bulk (a resync)" "$(sj "$A2" "[\"sync\"][\"bulk_received\"] > $br")" True
assert_eq "the backup kept every session meanwhile" \
	"$(python3 -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(all(x in b for x in a))' "$held" "$(sessions "$A2")")" True
probe 5603 >/dev/null
check "a new session reaches the backup over the new port" synced 5603
check_rc "an unknown interface is refused, nothing changed" 2 D -n "$A1" service-location set 1 port 8300 remote-backup interface nosuchdev
assert_eq "  still port 8300 on sy0" "$(sj "$A1" '["port"]') $(sj "$A1" '["interface"]')" "8300 sy0"
check "aftr1 back to port 8286 (aftr2 is rebuilt there next)" D -n "$A1" service-location set 1 port 8286

# --- 3. a backup rebuilt with another key ------------------------------------------
teardown_aftr "$A2"
check "aftr2 rebuilt with another key" setup_aftr "$A2" 192.0.2.1 "another-key-0123456789"
D -n "$A2" service-location set 1 role backup
check "auth-failed, not down (aftr2)" state_is "$A2" auth-failed 6
check "auth-failed, not down (aftr1)" state_is "$A1" auth-failed 6
check_rc "check: unhealthy on aftr2" 3 D -n "$A2" service-location check 1
assert_eq "check says why" "$(D -n "$A1" -j service-location check 1 | json 'j["health"]')" \
	"the peer's packets fail authentication (another key?)"
ev "$T/mon1" sl-auth-failed && ok "event sl-auth-failed (aftr1)" ||
	fail "event sl-auth-failed (aftr1)" "$(cat "$T/mon1")"

# --- 4. roles --------------------------------------------------------------------
D -n "$A1" service-location set 1 role backup
sleep 0.3
ev "$T/mon1" sl-role role backup && ok "event sl-role (aftr1 backup)" ||
	fail "event sl-role (aftr1 backup)" "$(grep sl-role "$T/mon1")"
check "a keyless SL 2 (port 8287)" D -n "$A1" service-location add 2 remote-backup interface sy0 peer 192.0.2.2 port 8287 authentication none
check_rc "a keyless SL cannot rotate a key (refused)" 2 D -n "$A1" service-location set 2 authentication-key "$KEY2" hash-algorithm hmac-sha256
check_rc "a key without its hash-algorithm: usage error" 1 D -n "$A1" service-location set 1 authentication-key "$KEY2"
D -n "$A1" service-location del 2
echo "# events aftr1:"; sed 's/^/#   /' "$T/mon1" | head -30
teardown_aftr "$A1"; teardown_aftr "$A2"
ksft_finish
