#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl save and apply (issue 12, item 4). save prints the whole
# configuration (hot backup, service-locations, groups with weights,
# instances with every setting, timeouts, pools with their SL) as a batch
# that -b replays: save, flush, replay, save again gives the same bytes,
# and so does applying it to an empty namespace. apply changes only what
# differs: an identical file sends nothing and a live UDP session through
# dsl0 (a real B4 softwire, topo.sh) keeps its public port; one changed
# timeout changes that timeout only; a removed pool and a new instance are
# exactly a pool del and an instance add; a bad line or a change the
# kernel cannot make in place is refused (exit 1) before anything
# changes. Keys: save has none (a comment says so) unless --with-keys,
# which asks the kernel for each (a dump never carries one) and writes
# them; apply keeps the running key for a key-less line and refuses a
# different key; "file PATH" is mode 0600 whatever the umask.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
topo_begin
S1=$TOPO_SRV
KEY=0123456789abcdef-save-apply-key

srv_start nt udpd udp-echo "$S1:7000"
srv_ready

ip -n "$AFTR" link add sync0 type dummy && ip -n "$AFTR" link set sync0 up &&
	ip -n "$AFTR" addr add 192.0.2.1/24 dev sync0 &&
	ip -n "$AFTR" addr add 2001:db8:99::1/64 dev sync0 nodad &&
	ip -n "$AFTR" link add acc0 type dummy || topo_die "sync0, acc0"

# save_now FILE: the running configuration into FILE
save_now() { D save >"$1"; }
# udp_pub: one datagram from b4a's inner port 4000; the public endpoint
# the server saw
udp_pub() {
	nt "$B4A" udp-send --bind :4000 --to "$S1:7000" >"$T/udp.json" &&
		json 'j[0]["reply"]["seen"] if j[0]["replies"] else ""' <"$T/udp.json"
}
# survives DESC: the session made before is still there (no traffic in
# between: not a new one) with the same public endpoint
survives() {
	assert_eq "$1: the live UDP session is still there, same public endpoint" \
		"$(session_pub "$TOPO_B4A6" udp 4000)" "$PUB" "$(_where)"
}

# --- a configuration with every kind of object ------------------------------
section "a configuration with every kind of object"
check "HA objects and a second instance by -b (comments and blank lines too)" \
	D -b - <<-EOF
	# a comment line, and a blank one next

	ha set hot-backup on
	service-location add 1 remote-backup interface sync0 peer 192.0.2.2 authentication none vrrp vrid 10 interface acc0 aftr 2001:db8::10
	service-location add 2 remote-backup interface sync0 peer 2001:db8:99::2 port 8287 authentication none   # trailing comment
	service-instance-group add g1 service-location 1 weight 3 service-location 2
	instance add dsl1 id 7 aftr 2001:db8::10 port-block-size 256 port-range 2000-60000 max-blocks-per-user 8 max-sessions-per-user 500 max-sessions 5000 filtering apdf hold-down 30 mss 1360 mtu 1400 service-instance-group g1
	timeout set dsl1 udp 77 tcp-est 3000 tcp-trans 200 icmp 30 tcp-syn 5
	pool add dsl1 198.51.100.64/28 service-location 1
	pool add dsl1 198.51.100.80/28 service-location 2
	EOF

PUB=$(udp_pub)
in_pool "${PUB%:*}" && ok "a UDP session from b4a through dsl0 ($PUB)" ||
	fail "a UDP session from b4a through dsl0" "seen '$PUB'"
IFX=$(ip -n "$AFTR" -o link show dsl0 | cut -d: -f1)

save_now "$T/s1"
for want in \
	'ha set hot-backup on' \
	'service-location add 1 remote-backup interface sync0 peer 192.0.2.2 port 8286 authentication none vrrp vrid 10 interface acc0 aftr 2001:db8::10' \
	'service-location add 2 remote-backup interface sync0 peer 2001:db8:99::2 port 8287 authentication none' \
	'service-instance-group add g1 service-location 1 weight 3 service-location 2 weight 1' \
	"instance add dsl0 id 1 aftr $TOPO_AFTR6 port-block-size 512 port-range 1024-65535 max-blocks-per-user 4 max-sessions-per-user 2048 max-sessions 1000000 filtering eif hold-down 120 mss 0 mtu 1500" \
	'timeout set dsl0 udp 300 tcp-est 7440 tcp-trans 240 icmp 60 tcp-syn 6' \
	'instance add dsl1 id 7 aftr 2001:db8::10 port-block-size 256 port-range 2000-60000 max-blocks-per-user 8 max-sessions-per-user 500 max-sessions 5000 filtering apdf hold-down 30 mss 1360 mtu 1400 service-instance-group g1' \
	'timeout set dsl1 udp 77 tcp-est 3000 tcp-trans 200 icmp 30 tcp-syn 5' \
	"pool add dsl0 $TOPO_POOL" \
	'pool add dsl1 198.51.100.64/28 service-location 1' \
	'pool add dsl1 198.51.100.80/28 service-location 2'; do
	grep -qxF -- "$want" "$T/s1" && ok "save: $want" ||
		fail "save: $want" "not in: $(grep -v '^#' "$T/s1" | tr '\n' '|')"
done
assert_eq "save: SLs before groups before instances before pools" \
	"$(grep -v '^#' "$T/s1" | awk 'NF { print $1 }' | uniq | tr '\n' ' ')" \
	"ha service-location service-instance-group instance timeout instance timeout pool "
assert_eq "save: no role (keepalived's) and no date" \
	"$(grep -cE '\brole\b|20[0-9]{2}-[0-9]{2}-[0-9]{2}' "$T/s1")" 0

# --- apply of the same configuration: nothing --------------------------------
section "apply of the same configuration changes nothing"
check_rc "apply dry-run of the saved file" 0 D apply "$T/s1" dry-run
assert_eq "dry-run: no command" "$LAST_OUT" ""
check "apply of the saved file" D apply "$T/s1"
survives "identical apply"
assert_eq "identical apply: dsl0 is the same device" \
	"$(ip -n "$AFTR" -o link show dsl0 | cut -d: -f1)" "$IFX"
save_now "$T/s1b"
check "identical apply: save is byte-identical" cmp "$T/s1" "$T/s1b"

# --- one changed timeout ------------------------------------------------------
section "one changed timeout"
sed 's/^timeout set dsl0 udp 300 /timeout set dsl0 udp 250 /' "$T/s1" >"$T/f_to"
check_rc "dry-run of a changed timeout" 0 D apply --dry-run "$T/f_to"
assert_eq "dry-run: exactly that timeout" "$LAST_OUT" "timeout set dsl0 udp 250"
check "apply of a changed timeout" D apply "$T/f_to"
survives "timeout apply"
save_now "$T/s2"
check "timeout apply: the running configuration is the file" cmp "$T/f_to" "$T/s2"
assert_eq "timeout apply: only that line differs from before" \
	"$(diff "$T/s1" "$T/s2" | grep -c '^[<>]')" 2

# --- every instance setting that can change at runtime ------------------------
section "every runtime instance setting changed at once: sessions kept"
sed 's/^\(instance add dsl0 .*\) max-blocks-per-user 4 max-sessions-per-user 2048 max-sessions 1000000 filtering eif hold-down 120 mss 0 mtu 1500$/\1 max-blocks-per-user 8 max-sessions-per-user 1000 max-sessions 500000 filtering apdf hold-down 60 mss 1400 mtu 1480/' \
	"$T/s2" >"$T/f_set"
check "  the file changes all seven (the sed matched)" bash -c "! cmp -s '$T/s2' '$T/f_set'"
check_rc "dry-run: one instance set with the seven" 0 D apply "$T/f_set" dry-run
assert_eq "  the command" "$LAST_OUT" \
	"instance set dsl0 max-blocks-per-user 8 max-sessions-per-user 1000 max-sessions 500000 filtering apdf hold-down 60 mss 1400 mtu 1480"
check "apply: set in place (exit 0)" D apply "$T/f_set"
assert_eq "  show: the new values" \
	"$(D -d -j instance show dsl0 | json '[j[0][k] for k in ("max_blocks_per_user", "max_sessions_per_user", "max_sessions", "filtering", "hold_down", "mss", "mtu")]')" \
	'[8, 1000, 500000, "apdf", 60, 1400, 1480]'
assert_eq "  the device's MTU too" "$(ip -n "$AFTR" -j link show dsl0 | json 'j[0]["mtu"]')" 1480
survives "seven instance settings changed"
check "apply the file before: the settings back" D apply "$T/s2"
survives "the settings back"

# --- a pool removed, an instance added ----------------------------------------
section "a pool removed, an instance added"
{
	grep -vxF 'pool add dsl1 198.51.100.80/28 service-location 2' "$T/s2"
	echo "instance add dsl2 id 9 aftr 2001:db8::20 max-sessions 100"
	echo "timeout set dsl2 icmp 20"
	echo "pool add dsl2 198.51.100.96/28"
} >"$T/f_pool"
check_rc "dry-run: pool removed, instance added" 0 D apply "$T/f_pool" dry-run
assert_eq "dry-run: a pool del, an instance add, its timeout, its pool" "$LAST_OUT" \
	"pool del dsl1 198.51.100.80/28
instance add dsl2 id 9 aftr 2001:db8::20 max-sessions 100
timeout set dsl2 icmp 20
pool add dsl2 198.51.100.96/28"
check "apply: pool removed, instance added" D apply "$T/f_pool"
survives "pool/instance apply"
assert_eq "dsl1 has one pool left, dsl2 its new one" \
	"$(D -j pool show | json '[[p["instance"], p["prefix"]] for p in j]')" \
	"[[\"dsl0\", \"$TOPO_POOL\"], [\"dsl1\", \"198.51.100.64/28\"], [\"dsl2\", \"198.51.100.96/28\"]]"
check_rc "the file is now the running configuration (dry-run empty)" 0 \
	D apply "$T/f_pool" dry-run
assert_eq "dry-run after apply: no command" "$LAST_OUT" ""

# --- refusals: nothing changes ------------------------------------------------
section "refusals change nothing"
save_now "$T/s3"
sed 's/^timeout set dsl0 udp 250 /timeout set dsl0 udp 111 /' "$T/s3" >"$T/f_bad"
echo "pool add dsl9 10.9.0.0/24" >>"$T/f_bad"
check_err "a bad line: exit 1, names the line" 1 "f_bad:[0-9]+: pool add dsl9 before its instance add" \
	D apply "$T/f_bad"
sed 's/^timeout set dsl0 udp 250 /timeout set dsl0 udp 111 /; s/^\(instance add dsl1 id 7 aftr\) 2001:db8::10 /\1 2001:db8::11 /' \
	"$T/s3" >"$T/f_aftr"
check_err "a changed aftr: exit 1, names instance and setting" 1 \
	"instance dsl1: its aftr differs" D apply "$T/f_aftr"
sed 's/^timeout set dsl0 udp 250 /timeout set dsl0 udp 111 /; s/port 8287 authentication none/port 8287 authentication-key k-0123456789abcdef hash-algorithm hmac-sha256/' \
	"$T/s3" >"$T/f_slauth"
check_err "a keyless SL given a key: exit 1, names SL and setting" 1 \
	"service-location 2: its authentication differs" D apply "$T/f_slauth"
sed 's/^\(instance add dsl1 .*\) port-block-size 256 /\1 port-block-size 128 /' "$T/s3" >"$T/f_blk"
check_err "port-block-size of an instance that keeps its pool: exit 1" 1 \
	"instance dsl1: port-block-size or port-range differs" D apply "$T/f_blk"
sed 's/service-location 2 weight 1$/service-location 2 weight 2/' "$T/s3" >"$T/f_sig"
check_err "a group's weight: exit 1" 1 "service-instance-group g1: .*differ" D apply "$T/f_sig"
save_now "$T/s4"
check "after the refusals the configuration is unchanged" cmp "$T/s3" "$T/s4"
survives "refused applies"

# --- a service-location's channel moves in place ---------------------------------
section "a service-location's interface, peer and port change in place"
ip -n "$AFTR" link add sync1 type dummy && ip -n "$AFTR" link set sync1 up &&
	ip -n "$AFTR" addr add 2001:db8:97::1/64 dev sync1 nodad
sed 's/^timeout set dsl0 udp 250 /timeout set dsl0 udp 111 /; s/add 2 remote-backup interface sync0 peer 2001:db8:99::2 port 8287/add 2 remote-backup interface sync1 peer 2001:db8:97::2 port 8288/' \
	"$T/s3" >"$T/f_slport"
check_rc "dry-run: one service-location set and the timeout" 0 D apply "$T/f_slport" dry-run
assert_eq "  the commands" "$LAST_OUT" \
	"service-location set 2 remote-backup interface sync1 peer 2001:db8:97::2 port 8288
timeout set dsl0 udp 111"
check "apply: the SL's interface, peer and port changed (exit 0)" D apply "$T/f_slport"
assert_eq "  show: sync1, 2001:db8:97::2, 8288" \
	"$(D -j service-location show 2 | json '[j[0]["interface"], j[0]["peer"], j[0]["port"]]')" \
	'["sync1", "2001:db8:97::2", 8288]'
check_rc "  the file is the running configuration (dry-run empty)" 0 D apply "$T/f_slport" dry-run
assert_eq "  no command" "$LAST_OUT" ""
survives "an SL's channel moved"
check "apply the file before: back to sync0, port 8287" D apply "$T/s3"
save_now "$T/s3b"
check "  the configuration is as before" cmp "$T/s3" "$T/s3b"

# --- a command the kernel refuses after others were made: rolled back ---------
section "a kernel refusal midway is rolled back"
{
	cat "$T/s4"
	echo "instance add dsl3 id 11 aftr 2001:db8::30"
	echo "timeout set dsl3 icmp 21"
	echo "pool add dsl3 $TOPO_POOL"	# dsl0's pool: the kernel refuses the overlap
} >"$T/f_mid"
out=$(D apply "$T/f_mid" 2>&1)
assert_eq "the third command refused by the kernel: exit 2" "$?" 2
check "... with the kernel's reason" grep -q "overlaps" <<<"$out"
check "... and what was made before it undone, said" grep -q "apply: rolled back (" <<<"$out"
save_now "$T/s5"
check "after the rollback the configuration is as before (no dsl3)" cmp "$T/s4" "$T/s5"
survives "rolled-back apply"
(
	flock 8
	check_err "apply while another holds the namespace's lock: exit 2 (after 5 s)" 2 "another apply" \
		D apply "$T/s4"
) 8>"/run/lock/dslite-apply.$(ip netns exec "$AFTR" stat -Lc %i /proc/self/ns/net).lock"

# --- keys ---------------------------------------------------------------------
section "keys"
check "a keyed service-location" D service-location add 3 remote-backup interface sync0 \
	peer 192.0.2.3 authentication-key "$KEY" hash-algorithm hmac-sha256
save_now "$T/k"
assert_eq "save: the key is nowhere in it" "$(grep -c -- "$KEY" "$T/k")" 0
assert_eq "save: the keyed SL without its key" \
	"$(grep '^service-location add 3 ' "$T/k")" \
	"service-location add 3 remote-backup interface sync0 peer 192.0.2.3 port 8286 hash-algorithm hmac-sha256"
check "save: a comment says the key was omitted" \
	grep -q '^# service-location 3: authentication-key omitted' "$T/k"
check_rc "apply of it keeps the running key (nothing to do)" 0 D apply "$T/k" dry-run
assert_eq "apply of a key-less file: no command" "$LAST_OUT" ""
(umask 000 && D save --with-keys file "$T/wk") && ok "save --with-keys file PATH" ||
	fail "save --with-keys file PATH"
assert_eq "save --with-keys: mode 0600" "$(stat -c %a "$T/wk" 2>/dev/null)" 600
assert_eq "save --with-keys: the keyed SL with its key" \
	"$(grep '^service-location add 3 ' "$T/wk")" \
	"service-location add 3 remote-backup interface sync0 peer 192.0.2.3 port 8286 authentication-key $KEY hash-algorithm hmac-sha256"
assert_eq "save --with-keys: no 'omitted' comment" "$(grep -c 'omitted' "$T/wk")" 0
assert_eq "... and otherwise the same lines as save" \
	"$(diff <(grep -v '^service-location add 3 \|^#' "$T/k") <(grep -v '^service-location add 3 \|^#' "$T/wk"))" ""
check_rc "apply of the --with-keys file: nothing to do" 0 D apply "$T/wk" dry-run
assert_eq "apply of the same key: no command" "$LAST_OUT" ""
sed "s/$KEY/another-key-0123456789abcdef/" "$T/wk" >"$T/wk-other"
check_rc "apply of another key: dry-run shows the rotation (key hidden)" 0 D apply "$T/wk-other" dry-run
assert_eq "  one command" "$LAST_OUT" "service-location set 3 authentication-key KEY hash-algorithm hmac-sha256"
check "apply of another key: rotated in place (exit 0)" D apply "$T/wk-other"
assert_eq "  key state pending (no peer has shown it has it)" \
	"$(D -j service-location show 3 | json 'j[0]["key_state"]')" pending
D save --with-keys file "$T/wk2"
check "  save --with-keys: the new key" grep -q '^service-location add 3 .*authentication-key another-key-0123456789abcdef ' "$T/wk2"
check "apply of the first key: rotated back" D apply "$T/wk"
assert_eq "a dump never carries a key" \
	"$(D -j service-location show | grep -c -- "$KEY")" 0
(umask 000 && D save file "$T/mode") && ok "save file PATH under umask 000" ||
	fail "save file PATH under umask 000"
assert_eq "save file PATH: mode 0600" "$(stat -c %a "$T/mode" 2>/dev/null)" 600
check "save file PATH: the same bytes as stdout" cmp "$T/k" "$T/mode"
NS2=$(ns_add replay) && ip -n "$NS2" link add sync0 type dummy &&
	ip -n "$NS2" link add acc0 type dummy || topo_die "netns replay"
check_err "apply elsewhere of a key-less file: refused, names the SL" 1 \
	"service-location 3 .*put its key back" dslitectl -n "$NS2" apply "$T/k"
assert_eq "... and nothing was created there" \
	"$(dslitectl -n "$NS2" save | grep -v '^#')" "ha set hot-backup off"
check_err "-b of a key-less line: refused until the key is back" 1 "put the key back" \
	dslitectl -n "$NS2" -b "$T/k"
check "with the --with-keys file, apply builds it all there" dslitectl -n "$NS2" apply "$T/wk"
dslitectl -n "$NS2" save --with-keys >"$T/k3"
check "... which saves to the same file, key included" cmp "$T/wk" "$T/k3"
check "the keyed SL goes" D service-location del 3

# --- round trip ---------------------------------------------------------------
section "round trip: save, flush, replay, save"
save_now "$T/r1"
check "flush: apply of an empty configuration" D apply /dev/null
assert_eq "flush: only the header and ha are left" \
	"$(D save | grep -v '^#')" "ha set hot-backup off"
# the control: a flush does end the session (so survives can fail)
if has_session "$TOPO_B4A6" udp 4000; then
	fail "flush ended the UDP session (the survival checks can fail)"
else
	ok "flush ended the UDP session (the survival checks can fail)"
fi
check "replay the saved file with -b" D -b "$T/r1"
save_now "$T/r2"
check "round trip by -b: byte-identical" cmp "$T/r1" "$T/r2"
check "flush by hand" D -b - <<-EOF
	instance del dsl0
	instance del dsl1
	instance del dsl2
	service-instance-group del g1
	service-location del 1
	service-location del 2
	ha set hot-backup off
	EOF
check "apply the saved file to the empty namespace" D apply "$T/r1"
save_now "$T/r3"
check "round trip by apply: byte-identical" cmp "$T/r1" "$T/r3"

ksft_finish
