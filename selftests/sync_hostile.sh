#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The sync port against a hostile or broken peer: aftr1 is under test, a
# scripted peer (syncpeer.py, in aftr2's namespace at 192.0.2.2, speaking
# kmod/sync_codec.h's format with the fingerprint it learns from aftr1) is
# on the other end of the sync link. Every case checks what happened AND
# the counter that says why (dslitectl -j service-location show: "sync").
#  1. a packet not from the SL's peer address and sync port: drop_foreign,
#     nothing installed (also when its header names no SL);
#  2. a keyless SL needs "authentication none";
#  3. keyless, from the right source, forged records are applied (that is
#     what keyless means: the positive controls); with a key anything
#     without the right HMAC is refused (drop_auth) and changes nothing: a
#     forged session, a forged DELETE of a live session, an empty bulk;
#  4. a HELLO with an epoch more than a day ahead: drop_epoch, the peer's
#     stream still followed; keyed, an unauthenticated HELLO of any epoch:
#     drop_auth (the real-peer recovery case is in sync_flood.sh);
#  5. DATA while the configurations differ or before any HELLO: not
#     applied, drop_mismatch, and it does not keep the peer up; one DATA
#     sent 20 times: applied once, the rest rx_duplicate (not drop_replay);
#  7. records outside the local limits (B4, instance, pool and SL, port
#     range, protocol and state, lifetime, max sessions, max blocks, block
#     index, a block another user holds): drop_refused, nothing installed;
#  8. malformed packets: drop_malformed (keyed: or drop_auth), nothing
#     installed; among them runs whose count and length disagree; a
#     well-formed run installs its sessions.
# The NACK, never-acking, flood and real-peer cases: sync_flood.sh.
# shellcheck disable=SC2154 # snap, send, ctl, pstatus set their variables by eval
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sync_topo.sh"
sync_begin
vip_to "$A1"

# ===========================================================================
section "2. a keyless SL needs the explicit 'authentication none'"
D1 ha set hot-backup on
check_err "no key and no 'authentication none': refused (exit 2, Error:)" 2 "Error:" \
	D1 service-location add 9 remote-backup interface sy0 peer 192.0.2.2
check_rc "  and nothing was added" 2 D1 service-location show 9
D1 service-location del 9 2>/dev/null	# (if it was not refused)
check "with 'authentication none': accepted" \
	D1 service-location add 9 remote-backup interface sy0 peer 192.0.2.2 authentication none
out=$(D1 service-location show 9)
[[ $out == *"authentication none"* ]] && ok "  show says 'authentication none'" ||
	fail "  show says 'authentication none'" "$out"
assert_eq "  JSON: \"authentication\": false" \
	"$(D1 -j service-location show 9 | json 'j[0]["authentication"]')" False
D1 service-location del 9

# ===========================================================================
section "keyless: aftr1 backup of SLs 1-3, the scripted peer at 192.0.2.2"
check "aftr1 configured (keyless SLs)" a1_conf
check "the scripted peer runs" peer_start
eval "$(P '{"op": "wait", "sl": 1, "timeout": 8, "sh": "w"}')"
check "the peer learnt aftr1's fingerprint and aftr1 follows the peer's stream" test "$w_ok" == True
P '{"op": "wait", "sl": 2, "timeout": 4}' >/dev/null
check "aftr1 sees the peer (SL 1 up)" wait_state 1 hello in-sync

# --- 1 ---------------------------------------------------------------------------
section "1. foreign source: another address, another port, no SL named"
F1=$(SESS 201 $P1.1 1024)
snap a 201
send 1 '"src": ["192.0.2.66", 8286], "repeat": 5' "$F1"
ctl 1 '"type": 1, "count": 3, "src": ["192.0.2.66", 8286]'
send 1 '"src": ["192.0.2.2", 9999], "repeat": 4, "settle": 0.3' "$F1"
snap b 201
assert_eq "from 192.0.2.66:8286 (5 DATA, 3 HELLO) and 192.0.2.2:9999 (4 DATA): drop_foreign +12 on SL 1" \
	"$(dl sl1_drop_foreign)" 12
assert_eq "  nothing installed (the B4's sessions, all sessions, records applied)" \
	"$(v b_b4_0) $(dl sessions) $(dl sum_rx_records)" "0 0 0"
snap a
send 1 '"src": ["192.0.2.66", 8286], "sl_id": 77, "repeat": 2, "settle": 0.3' "$F1"
snap b
assert_eq "naming no SL (77), from 192.0.2.66: drop_foreign +2 on the socket's SLs" \
	"$(dl sum_drop_foreign)" 2
send 1 '"wait_ack": 3' "$F1"
snap c 201
assert_eq "positive control: the same DATA from the peer's address and port is applied" \
	"$r_acked $c_b4_0" "True 1"

# --- 3, keyless --------------------------------------------------------------------
section "3. keyless: what comes from the peer's address and port is trusted (controls)"
send 1 '"wait_ack": 3' "$(DELS 201 $P1.1 1024)"
snap b 201
assert_eq "keyless: a DELETE of a live session is applied" "$r_acked $b_b4_0" "True 0"
send 1 '"wait_ack": 3' "$(SESS 202 $P1.1 1536)" "$(SESS 203 $P1.1 2048)"
snap a 202 203
send 1 '"wait_ack": 3' begin:0 end:0
for _ in $(seq 1 15); do
	snap w 202 203
	[[ $w_b4_0$w_b4_1 == 00 ]] && break
	sleep 0.2
done
assert_eq "keyless: an empty bulk (BULK_BEGIN + BULK_END) wipes the SL's sessions (bulk_received +1)" \
	"$a_b4_0$a_b4_1 $w_b4_0$w_b4_1 $((w_sl1_bulk_received - a_sl1_bulk_received))" "11 00 1"

# --- 5 -------------------------------------------------------------------------------
section "5. DATA before any HELLO, while the configurations differ; a replayed DATA"
snap a 205
send 3 '"count": 8, "interval": 0.4, "settle": 0.3' "$(SESS 205 $P1.1 2560)"
snap b 205
assert_eq "SL 3, never a HELLO: 8 DATA over 3 s: drop_mismatch +8, nothing applied" \
	"$(dl sl3_drop_mismatch) $b_b4_0 $(dl sl3_rx_records)" "8 0 0"
assert_eq "  not counted as the peer's packets (rx_packets +0), the peer stays down" \
	"$(dl sl3_rx_packets) $b_sl3_state" "0 down"
pset 3 '"hello": true, "fp_mode": "bad"'
check "SL 3, the peer's HELLOs show another configuration: config-mismatch" wait_state 3 config-mismatch
snap a 206
send 3 '"repeat": 3, "settle": 0.3' "$(SESS 206 $P1.1 3072)" "$(SESS 206 $P1.1 3073 1001)"
snap b 206
assert_eq "  3 DATA while the configurations differ: drop_mismatch +3, nothing applied" \
	"$(dl sl3_drop_mismatch) $b_b4_0 $(dl sl3_rx_records)" "3 0 0"
pset 3 '"hello": false'
P '{"op": "pump", "sl": 3, "secs": 0.6}' >/dev/null	# the last HELLO is in
snap a
t0=$SECONDS
send 3 '"count": 12, "interval": 0.4, "settle": 0.1' "$(SESS 206 $P1.1 3075 1003)"
snap b
assert_eq "  HELLOs stop, DATA goes on (12 in $((SECONDS - t0)) s): rx_packets +0, drop_mismatch +12" \
	"$(dl sl3_rx_packets) $(dl sl3_drop_mismatch)" "0 12"
assert_eq "  > 3 s after the last HELLO, with DATA still coming, the peer is down" "$b_sl3_state" down
snap a 207
send 1 '"repeat": 20, "wait_ack": 3, "settle": 0.3' "$(SESS 207 $P1.1 3584)"
snap b 207
assert_eq "SL 1 (configurations match): one DATA sent 20 times: applied once (1 session, rx_records +1), rx_duplicate +19, drop_replay +0" \
	"$b_b4_0 $(dl sl1_rx_records) $(dl sl1_rx_duplicate) $(dl sl1_drop_replay)" "1 1 19 0"

# --- 8 ---------------------------------------------------------------------------------
section "8. malformed: truncated, lengths past the end, oversized, bad version"
M=$(SESS 240 $P1.3 1536)
mal() {	# DESC 'JSON FIELDS' SPEC...: one packet, drop_malformed +1, nothing installed
	local desc=$1 extra=$2
	shift 2
	snap a 240 241 300
	send 1 "\"consume\": false, \"settle\": 0.3${extra:+, $extra}" "$@"
	snap b 240 241 300
	assert_eq "$desc: drop_malformed +1, nothing installed" \
		"$(dl sum_drop_malformed) $(dl b4_0)$(dl b4_1)$(dl b4_2) $(dl sessions) $(dl sum_rx_records)" \
		"1 000 0 0"
}
mal "a 20-byte header (of a DATA naming SL 1)" '"truncate": 20' "$M"
mal "a 5-byte packet (no SL named)" '"truncate": 5' "$M"
mal "a valid session record, then a truncated one (type 1, length 44, 8 bytes)" "" \
	"$M" "raw:012c$(printf '00%.0s' $(seq 1 8))"
mal "header length 200, 46 bytes of records" '"len": 200' "$M"
mal "a valid record, then one whose length byte runs past the records" "" "$M" "raw:01ff00000000"
mal "1592 bytes (34 valid session records in one packet, > 1500)" '"room": 1000000' \
	"gen:1:241:1:34:$P1.3:1:2048:512"
mal "60 KB (1300 valid session records in one UDP datagram)" '"room": 1000000' \
	"gen:1:300:26:50:$P1.5:1:1024:512"
mal "version 1" '"version": 1' "$M"
mal "version 9" '"version": 9' "$M"
mal "a valid session record, then a run counting 3 with 2 sessions" "" "$M" "$(RUN 241 $P1.3 2048 2 3)"
mal "a run counting 2 with 3 sessions, then a valid session record" "" "$(RUN 241 $P1.3 2048 3 2)" "$M"
mal "a run counting 0 (no sessions)" "" "$M" "$(RUN 241 $P1.3 2048 0)"
mal "a valid run, then one cut short (type 6, length 57, 20 bytes)" "" \
	"$(RUN 241 $P1.3 2048 2)" "raw:0639$(printf '00%.0s' $(seq 1 20))"
send 1 '"wait_ack": 3' "$(SESS 242 $P1.3 3072)"
snap c 242
assert_eq "after them the peer's stream still applies (acked, installed)" "$r_acked $c_b4_0" "True 1"
# the records of either version decode alike: a run in this peer's version 2
snap a 243
send 1 '"wait_ack": 3' "$(RUN 243 $P1.3 3584 13)"
snap b 243
assert_eq "a well-formed run of 13 sessions: acked, 13 sessions installed, rx_records +13" \
	"$r_acked $b_b4_0 $(dl sl1_rx_records)" "True 13 13"

# --- 7 ---------------------------------------------------------------------------------
section "7. records outside the local limits: refused, counted, nothing installed"
ref() {	# DESC N SPEC...: N records refused, nothing installed for B4 $RB
	local desc=$1 want=$2
	shift 2
	snap a "$RB"
	send 1 '"wait_ack": 3, "settle": 0.2' "$@"
	snap b "$RB"
	assert_eq "$desc: drop_refused +$want, nothing installed (no session, block or user; the packet is acked)" \
		"$(dl sum_drop_refused) $(dl b4_0)$(dl b4blk_0)$(dl b4usr_0) $(dl sessions) $r_acked" \
		"$want 000 0 True"
}
snap a -- --1 ff02--1 fe80--1 --ffff-192.0.2.9
send 1 '"wait_ack": 3, "settle": 0.2' \
	"$(SESS -- $P1.2 1024)" "$(SESS --1 $P1.2 1536)" "$(SESS ff02--1 $P1.2 2048)" \
	"$(SESS fe80--1 $P1.2 2560)" "$(SESS --ffff-192.0.2.9 $P1.2 3072)"
snap b -- --1 ff02--1 fe80--1 --ffff-192.0.2.9
got=""
for i in 0 1 2 3 4; do got+="$(dl b4_$i)$(dl b4blk_$i)$(dl b4usr_$i)"; done
assert_eq "B4 ::, ::1, ff02::1, fe80::1, ::ffff:192.0.2.9: drop_refused +5, nothing installed (no session, block or user; the packet is acked)" \
	"$(dl sum_drop_refused) $got $(dl sessions) $r_acked" "5 000000000000000 0 True"
RB=270
ref "an unknown instance id (99)" 1 "s:99:$RB:192.0.0.2:1000:$P1.2:3584:203.0.113.2:7000:17:0:200"
RB=271
ref "a public address in no pool (203.0.113.99): session and block" 2 \
	"$(SESS $RB 203.0.113.99 1024)" "b:1:$RB:203.0.113.99:0"
RB=272
ref "a public address of SL 2's pool on SL 1's stream: session and block" 2 \
	"$(SESS $RB $P1.17 1024)" "b:1:$RB:$P1.17:1"
RB=273
ref "public port 80 (the port range is 1024-65535)" 1 "$(SESS $RB $P1.2 80)"
RB=274
ref "protocol 47" 1 "$(SESS $RB $P1.2 4096 1000 47 0)"
RB=275
ref "states that do not fit the protocol: UDP/tcp-est, TCP/udp, ICMP/tcp-fin, UDP/state 77" 4 \
	"$(SESS $RB $P1.2 4608 1000 17 4)" "$(SESS $RB $P1.2 4609 1001 6 0)" \
	"$(SESS $RB $P1.2 4610 1002 1 5)" "$(SESS $RB $P1.2 4611 1003 17 77)"
RB=276
ref "block index 126 (the last is 125) and 65535" 2 "b:1:$RB:$P1.2:126" "b:1:$RB:$P1.2:65535"

snap a 251
send 1 '"wait_ack": 3, "settle": 0.2' "$(SESS 251 $P1.2 6656 1000 17 0 7429)"
snap b 251
if [[ $b_b4_0 == 1 ]]; then
	assert_eq "UDP with 7429 s left (udp timeout 300): installed, expires clamped <= 300 ($b_b4exp_0)" \
		"$((b_b4exp_0 <= 300))" 1
else
	assert_eq "UDP with 7429 s left (udp timeout 300): refused (drop_refused +1)" \
		"$b_b4_0 $(dl sum_drop_refused)" "0 1"
fi

# from a clean table: what the cases above left (a module that took what
# it should have refused leaves much) does not count against the limits
D1 session flush
for _ in $(seq 1 20); do
	snap c
	[[ $c_users == 0 ]] && break
	sleep 0.25
done
D1 instance set dsl0 max-sessions-per-user 50 max-sessions 1000 max-blocks-per-user 2
snap a 252
send 1 '"wait_ack": 5, "settle": 0.2' "gen:1:252:1:120:$P1.3:1:3584:512"
snap b 252
n=$b_b4_0
assert_eq "one user, 120 sessions, max-sessions-per-user 50: 1..50 installed ($n), the rest drop_refused" \
	"$((n >= 1 && n <= 50)) $(dl sum_drop_refused)" "1 $((120 - n))"
snap a
t0=$SECONDS
send 1 '"wait_ack": 30, "window": 32, "reliable": true, "settle": 0.2' "gen:1:10000:960:50:$P1.4:9:1024:512"
snap b
inst=$(dl sessions)
echo "# 48,000 records in $r_packets packets, $((SECONDS - t0)) s, acked $r_acked; sessions now $b_sessions"
assert_eq "960 users x 50 sessions, max-sessions 1000: at most 1000 in all, the rest drop_refused" \
	"$((b_sessions <= 1000 && inst >= 1)) $(dl sum_drop_refused) $r_acked" "1 $((48000 - inst)) True"
assert_eq "  no user above 50 sessions or 2 blocks; the pools' blocks_used = the blocks users hold" \
	"$((b_user_max_sessions <= 50 && b_user_max_blocks <= 2)) $b_blocks_used" "1 $b_held_blocks"
D1 session flush
D1 instance set dsl0 max-sessions 1000000
for _ in $(seq 1 20); do
	snap c
	[[ $c_users == 0 ]] && break
	sleep 0.25
done

snap a 253
send 1 '"wait_ack": 3, "settle": 0.2' "b:1:253:$P1.14:0" "$(SESS 253 $P1.14 1024 1000)" \
	"b:1:253:$P1.14:1" "$(SESS 253 $P1.14 1536 1001)" "b:1:253:$P1.14:2" "$(SESS 253 $P1.14 2048 1002)"
snap b 253
assert_eq "max-blocks-per-user 2, three blocks each with a session: 2 blocks, 2 sessions, the third refused" \
	"$b_b4blk_0 $b_b4_0 $(($(dl sum_drop_refused) >= 1 && $(dl sum_drop_refused) <= 2))" "2 2 1"

snap a 254 255
send 1 '"wait_ack": 3, "settle": 0.2' "b:1:254:$P1.13:7" "$(SESS 254 $P1.13 $((1024 + 7 * 512)))" \
	"b:1:255:$P1.13:7" "$(SESS 255 $P1.13 $((1024 + 7 * 512 + 1)))"
snap b 254 255
assert_eq "two users claim block 7 of $P1.13 (each with a session): the first holds it, the second is refused" \
	"$b_b4blk_0$b_b4_0 $b_b4blk_1$b_b4_1 $(($(dl sum_drop_refused) >= 1))" "11 00 1"
assert_eq "  the pools' blocks_used = the distinct blocks users hold" "$b_blocks_used" "$b_held_blocks"
snap a 256 257
send 1 '"wait_ack": 3, "settle": 0.2' "b:1:256:$P1.13:9" "b:1:257:$P1.13:9"
snap b 256 257
assert_eq "two users claim block 9 (idle) of $P1.13: the second is refused (drop_refused +1)" \
	"$(dl sum_drop_refused)" 1
P '{"op": "pump", "secs": 2.5}' >/dev/null	# the GC gives idle blocks back (hold-down 0)
snap c
assert_eq "  once the GC gave it back: blocks_used = the blocks held, within the pools ($c_blocks_used of $c_pool_blocks)" \
	"$c_blocks_used $((c_max_pool_used <= c_pool_blocks))" "$c_held_blocks 1"

# --- 4, keyless ----------------------------------------------------------------------------
section "4. a HELLO from the peer's address with an epoch 10 years ahead"
far=$(($(date +%s) + 10 * 365 * 86400))
snap a
ctl 1 "\"type\": 1, \"epoch\": $far, \"seq\": 1"
P '{"op": "pump", "secs": 0.3}' >/dev/null
snap b
assert_eq "refused: drop_epoch +1" "$(dl sl1_drop_epoch)" 1
send 1 '"wait_ack": 3' "$(SESS 258 $P1.1 4096)"
snap c 258
assert_eq "  the peer's stream is still followed: its next DATA applies" "$r_acked $c_b4_0" "True 1"

peer_stop
a1_unconf

# ===========================================================================
section "3. keyed: anything without the right HMAC changes nothing"
KEY=0123456789abcdef-hostile-key
check "aftr1 configured (keyed SLs)" a1_conf "$KEY"
check "the keyed peer runs" peer_start "$KEY"
eval "$(P '{"op": "wait", "sl": 1, "timeout": 8, "sh": "w"}')"
check "the keyed peer and aftr1 follow each other" test "$w_ok" == True
send 1 '"wait_ack": 3' "$(SESS 260 $P1.1 1024)"
snap c 260
assert_eq "keyed: a session with the right HMAC is installed (the live session)" "$r_acked $c_b4_0" "True 1"
snap a 260 261
send 1 '"auth": "none"' "$(SESS 261 $P1.1 1536)"
send 1 '"auth": "bad"' "$(SESS 261 $P1.1 1536)"
send 1 '"auth": "wrongkey"' "$(SESS 261 $P1.1 1536)"
send 1 '"auth": "none"' "$(DELS 260 $P1.1 1024)"
send 1 '"auth": "bad"' "$(DELS 260 $P1.1 1024)"
send 1 '"auth": "none"' begin:0 end:0
send 1 '"auth": "wrongkey"' begin:0 end:0
ctl 1 "\"type\": 1, \"auth\": \"none\", \"epoch\": $far, \"seq\": 1"
ctl 1 "\"type\": 1, \"auth\": \"bad\", \"epoch\": $(($(date +%s) + 3600)), \"seq\": 1"
P '{"op": "pump", "secs": 1.5}' >/dev/null	# a sweep after a bulk would have run
snap b 260 261
assert_eq "7 DATA (a forged session x3, a forged DELETE x2, an empty bulk x2) and 2 HELLOs (epoch +10 years, +1 hour) without the right HMAC: drop_auth +9" \
	"$(dl sl1_drop_auth)" 9
assert_eq "  the live session is still there, the forged one is not; no bulk, no record applied, no epoch taken" \
	"$b_b4_0 $b_b4_1 $(dl sl1_bulk_received) $(dl sl1_rx_records) $(dl sl1_drop_epoch)" "1 0 0 0 0"
assert_eq "  the peer state did not change ($b_sl1_state)" "$b_sl1_state" "$a_sl1_state"
send 1 '"wait_ack": 3' "$(SESS 262 $P1.1 2048)"
snap c 262
assert_eq "  the peer's next authenticated DATA applies" "$r_acked $c_b4_0" "True 1"
snap a 263
send 1 '"consume": false, "truncate": 20' "$(SESS 263 $P1.1 2560)"
send 1 '"consume": false, "version": 9' "$(SESS 263 $P1.1 2560)"
send 1 '"consume": false, "room": 1000000, "settle": 0.3' "gen:1:263:1:34:$P1.3:1:2048:512"
snap b 263
assert_eq "keyed, malformed (20-byte header, version 9, 1592 bytes with the right HMAC): drop_malformed + drop_auth +3, nothing installed" \
	"$(($(dl sum_drop_malformed) + $(dl sum_drop_auth))) $b_b4_0 $(dl sessions)" "3 0 0"
send 1 '"wait_ack": 3' "$(DELS 260 $P1.1 1024)"
snap c 260
assert_eq "positive control: the DELETE with the right HMAC removes the live session" \
	"$r_acked $c_b4_0" "True 0"
peer_stop

ksft_finish
