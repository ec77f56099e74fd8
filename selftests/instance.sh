#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# instance add/show/del through dslitectl and the genl family: round trip
# checked in JSON, every refusal gives a clear message and exit 2 (kernel)
# or 1 (usage), and a refused request changes nothing.
source "$(dirname "$0")/lib.sh"
require_root
require_module
trap cleanup_ns EXIT

NS=$(ns_add inst) || { fail "create netns"; ksft_finish; }
D() { dslitectl -n "$NS" "$@"; }

# --- round trip -------------------------------------------------------
check "add dsl0 id 1 with aftr" D instance add dsl0 id 1 aftr 2001:db8::1
check "add dsl1 id 7 without aftr" D instance add dsl1 id 7
check "add 15-char name" D instance add abcdefghij12345 id 65535 aftr 2001:db8::2

state=$(D -j -d instance show)
assert_eq "show -j lists three instances" "$(json 'len(j)' <<<"$state")" 3
assert_eq "show -j is in id order" "$(json '[i["id"] for i in j]' <<<"$state")" "[1, 7, 65535]"
assert_eq "show -j dsl0 fields" \
	"$(json '{k: v for k, v in [i for i in j if i["id"]==1][0].items() if k in ("aftr", "id", "name")}' <<<"$state")" \
	'{"aftr": "2001:db8::1", "id": 1, "name": "dsl0"}'
assert_eq "show -j carries the RFC default settings" \
	"$(json '[[i["port_block_size"], i["port_range_lo"], i["port_range_hi"], i["filtering"], i["hold_down"], i["timeouts"]] for i in j if i["id"]==1][0]' <<<"$state")" \
	"[512, 1024, 65535, \"eif\", 120, {\"icmp\": 60, \"tcp_est\": 7440, \"tcp_syn\": 6, \"tcp_trans\": 240, \"udp\": 300}]"
check "instance set changes settings" D instance set dsl0 max-sessions-per-user 100 filtering apdf hold-down 5
check "timeout set changes timeouts" D timeout set dsl0 udp 30 tcp-est 600
assert_eq "settings are shown back" \
	"$(D -j -d instance show dsl0 | json '[j[0]["max_sessions_per_user"], j[0]["filtering"], j[0]["hold_down"], j[0]["timeouts"]["udp"], j[0]["timeouts"]["tcp_est"]]')" \
	'[100, "apdf", 5, 30, 600]'
check_err "timeout 0 refused" 2 "Error: .*range.*\"udp\"" D timeout set dsl0 udp 0
check_err "block size 4 refused" 2 "Error: .*range.*\"port-block-size\"" D instance set dsl0 port-block-size 4
check_err "port range smaller than a block refused" 2 "smaller than one port block" \
	D instance set dsl0 port-range 2000-2100
check "restore dsl0 settings" D instance set dsl0 max-sessions-per-user 2048 filtering eif hold-down 120
check "restore dsl0 timeouts" D timeout set dsl0 udp 300 tcp-est 7440
state=$(D -j -d instance show)
assert_eq "instance without aftr has no aftr key" \
	"$(json '"aftr" in [i for i in j if i["id"]==7][0]' <<<"$state")" False
# this namespace never turned IPv4 forwarding on: show warns about it
assert_eq "show NAME" "$(D instance show dsl0)" "instance dsl0 id 1 aftr 2001:db8::1 forwarding off"
assert_eq "show id ID" "$(D instance show id 7)" "instance dsl1 id 7 forwarding off"
assert_eq "show -j NAME" "$(D -j instance show dsl1 | json 'j[0]["name"]')" dsl1
check "the instance has its network device" ip -n "$NS" link show dsl0
check_err "instance named like an existing device refused" 2 "network device with the instance's name exists" \
	D instance add lo id 77
# --- pools ----------------------------------------------------------------
check "pool add" D pool add dsl0 198.51.100.0/24
check "second, non-contiguous pool" D pool add dsl0 203.0.113.64/26
assert_eq "pool show -j" "$(D -j pool show dsl0 | json '[(p["prefix"], p["blocks"], p["blocks_used"]) for p in j]')" \
	'[["198.51.100.0/24", 32256, 0], ["203.0.113.64/26", 8064, 0]]'
check_err "overlapping pool refused" 2 "pool overlaps" D pool add dsl1 198.51.100.128/25
check_err "host bits are a usage error" 1 "without host bits" D pool add dsl0 198.51.100.1/24
check_err "pool /8 refused by the kernel" 2 "Error: .*\"prefix length\"" D pool add dsl0 10.0.0.0/8
check_err "block size cannot change with pools" 2 "cannot change while the instance has pools" \
	D instance set dsl0 port-block-size 256
check "pool del" D pool del dsl0 203.0.113.64/26
check_err "pool del of a missing pool" 2 "no such pool" D pool del dsl0 203.0.113.64/26
assert_eq "stats show -j starts at zero" \
	"$(D -j stats show dsl0 | json '[j[0]["sessions"], j[0]["out_packets"], j[0]["drop_no_session"]]')" '[0, 0, 0]'
check_rc "session show is empty" 0 D session show instance dsl0
assert_eq "user show -j is empty" "$(D -j user show)" "[]"
check "-p pretty JSON parses" bash -c "'$DSLITECTL' -n '$NS' -j -p instance show | python3 -m json.tool >/dev/null"
assert_eq "text show lists three lines" "$(D instance show | wc -l)" 3

# --- refusals: clear message, exit 2, nothing changed -------------------
check_err "duplicate name refused" 2 "Error: an instance with this name exists" \
	D instance add dsl0 id 2
check_err "duplicate id refused" 2 "Error: an instance with this id exists" \
	D instance add other id 1
check_err "id 0 refused" 2 "Error: .*range.*\"id\"|Error: instance id must be" \
	D instance add zero id 0
check_err "id 65536 refused" 2 "Error: .*range.*\"id\"|Error: instance id must be" \
	D instance add big id 65536
check_err "16-char name refused" 2 "Error: instance name longer than 15 characters" \
	D instance add abcdefghij123456 id 3
check_err "name with a slash refused" 2 "Error: instance name may only use" \
	D instance add a/b id 3
check_err "empty name refused" 2 "Error: instance name is empty" \
	D instance add "" id 3
check_err "multicast AFTR refused" 2 "Error: AFTR address must not be multicast" \
	D instance add m id 3 aftr ff02::1
check_err "unspecified AFTR refused" 2 "Error: AFTR address must not be the unspecified" \
	D instance add u id 3 aftr ::
check_err "loopback AFTR refused" 2 "Error: AFTR address must not be loopback" \
	D instance add l id 3 aftr ::1
check_err "link-local AFTR refused" 2 "Error: AFTR address must not be link-local" \
	D instance add ll id 3 aftr fe80::1
check_err "AFTR in use refused" 2 "Error: AFTR address is used by another instance" \
	D instance add dup id 3 aftr 2001:db8::1
check_err "malformed IPv6 is a usage error" 1 "is not an IPv6 address" \
	D instance add bad id 3 aftr 2001:db8::zz
check_err "missing id is a usage error" 1 "\"id ID\" is required" \
	D instance add noid
check_err "unknown keyword is a usage error" 1 "unknown argument \"colour\"" \
	D instance add x id 4 colour blue
check_err "del of a missing instance" 2 "Error: no instance with this name" \
	D instance del nosuch
check_err "show of a missing id" 2 "Error: no instance with this id" \
	D instance show id 999
assert_eq "nothing changed after refusals" "$(D -j -d instance show)" "$state"

# --- service-locations that can never work are refused -----------------
check_err "a keyless service-location without 'authentication none' refused" 2 \
	"needs authentication-key KEY hash-algorithm hmac-sha256, or \"authentication none\"" \
	D service-location add 9 remote-backup interface lo peer 192.0.2.2
for p in :: ::1 ff02::1 fe80::1 ::ffff:192.0.2.2 0.0.0.0 127.0.0.1 224.0.0.1 255.255.255.255 240.0.0.1; do
	check_err "sync peer $p refused" 2 "Error: peer must" \
		D service-location add 9 remote-backup interface lo peer "$p" authentication none
done
check_err "an interface name with a space refused" 2 "printable ASCII" \
	D service-location add 9 remote-backup interface "l o" peer 192.0.2.2 authentication none
assert_eq "none of them was added" "$(D -j service-location show | json 'len(j)')" 0

# --- a refused request changes nothing, not even in part ---------------
check "a service-location to bind groups to" \
	D service-location add 1 remote-backup interface lo peer 192.0.2.2 authentication none
check "a keyless service-location is shown so" \
	grep -q " authentication none" <<<"$(D service-location show 1)"
check "a service-instance-group" D service-instance-group add sig1 service-location 1
before=$(D -j -d instance show dsl0)
check_err "set with mtu 65535 refused (the device's maximum is 65495)" 2 "Error: .*\"mtu\"" \
	D instance set dsl0 service-instance-group sig1 max-sessions-per-user 77 mss 1400 mtu 65535
assert_eq "the refused set changed nothing: no group bound, settings kept" \
	"$(D -j -d instance show dsl0)" "$before"
check_err "set with a missing group refused" 2 "no service-instance-group with this name" \
	D instance set dsl0 max-sessions-per-user 77 mtu 1400 service-instance-group nosuch
assert_eq "...and changed nothing either (mtu kept)" "$(D -j -d instance show dsl0)" "$before"
check "set mtu 65495, the device's maximum, with a group" \
	D instance set dsl0 mtu 65495 service-instance-group sig1
assert_eq "both applied" \
	"$(D -j -d instance show dsl0 | json '[j[0]["mtu"], j[0]["service_instance_group"]]')/$(ip -n "$NS" -j link show dsl0 | json 'j[0]["mtu"]')" \
	'[65495, "sig1"]/65495'
check "unbind and restore the mtu" D instance set dsl0 mtu 1500 service-instance-group none
assert_eq "back as before" "$(D -j -d instance show dsl0)" "$before"
check_err "add with mtu 65535 refused" 2 "Error: .*\"mtu\"" \
	D instance add m1 id 50 mtu 65535 service-instance-group sig1
check_err "add with a missing group refused" 2 "no service-instance-group with this name" \
	D instance add m2 id 51 mtu 1400 service-instance-group nosuch
assert_eq "the refused adds created no instance" "$(D -j instance show | json 'sorted(i["name"] for i in j)')" \
	'["abcdefghij12345", "dsl0", "dsl1"]'
check_rc "...and no device" 1 ip -n "$NS" link show m2

# --- names that can never work: printable ASCII, no spaces, not empty ---
check_err "a group named \"\" (which means none) refused" 2 "Error: name is empty" \
	D service-instance-group add "" service-location 1
check_err "a group name with a space refused" 2 "Error: name may only use printable ASCII" \
	D service-instance-group add "a b" service-location 1
check_err "a group name with bytes 0xff 0xfe refused" 2 "Error: name may only use printable ASCII" \
	D service-instance-group add $'\xff\xfe' service-location 1
check_err "a group name with a newline refused" 2 "Error: name may only use printable ASCII" \
	D service-instance-group add $'g\nh' service-location 1
assert_eq "only sig1 exists" "$(D -j service-instance-group show | json '[g["name"] for g in j]')" '["sig1"]'
check_err "a session dump filter with an impossible instance name refused" 2 \
	"Error: instance name longer than 15 characters" D session show instance abcdefghij12345xyz
check "sig1 and the service-location go" \
	bash -c "'$DSLITECTL' -n '$NS' service-instance-group del sig1 && '$DSLITECTL' -n '$NS' service-location del 1"

# --- pools that can never be public addresses --------------------------
for p in 0.0.0.0/30:0.0.0.0/8 255.0.0.0/30:240.0.0.0/4 255.255.255.255/32:240.0.0.0/4 \
	240.0.0.0/16:240.0.0.0/4 127.0.0.0/24:127.0.0.0/8 224.0.0.0/24:224.0.0.0/4 \
	169.254.1.0/24:169.254.0.0/16 192.0.0.0/29:192.0.0.0/29; do
	check_err "pool ${p%%:*} refused" 2 "Error: pool must not .*${p#*:}.*\"prefix\"" \
		D pool add dsl1 "${p%%:*}"
done
check "a pool in shared address space (100.64.0.0/10) is fine" D pool add dsl1 100.64.0.0/30
check "a pool in RFC 1918 space is fine" D pool add dsl1 10.1.0.0/30
assert_eq "exactly those pools exist" \
	"$(D -j pool show | json 'sorted(p["prefix"] for p in j)')" '["10.1.0.0/30", "100.64.0.0/30", "198.51.100.0/24"]'
check "del them" bash -c "'$DSLITECTL' -n '$NS' pool del dsl1 100.64.0.0/30 && '$DSLITECTL' -n '$NS' pool del dsl1 10.1.0.0/30"

# --- delete -----------------------------------------------------------
check "del by name" D instance del dsl0
check "del by id" D instance del id 7
assert_eq "one left" "$(D -j instance show | json '[i["name"] for i in j]')" '["abcdefghij12345"]'
check "AFTR address reusable after del" D instance add again id 1 aftr 2001:db8::1
check "del rest" D instance del abcdefghij12345
check "del again" D instance del again
assert_eq "empty after del" "$(D -j instance show)" "[]"

# --- batch --------------------------------------------------------------
batch=$(mktemp)
printf '# comment\ninstance add b1 id 11\n\ninstance add b2 id 12 aftr 2001:db8::12\n' >"$batch"
check "batch of two adds" D -b "$batch"
assert_eq "batch created both" "$(D -j instance show | json '[i["id"] for i in j]')" "[11, 12]"
printf 'instance add b3 id 13\ninstance add b4 id 11\ninstance add b5 id 15\n' >"$batch"
check_err "batch stops at the failing line" 2 "Command failed .*:2" D -b "$batch"
assert_eq "batch kept lines before the failure, none after" \
	"$(D -j instance show | json '[i["id"] for i in j]')" "[11, 12, 13]"
rm -f "$batch"

# --- events -------------------------------------------------------------
ev=$(mktemp)
D -j monitor >"$ev" 2>&1 &
mon=$!
sleep 1
D instance add ev1 id 21 aftr 2001:db8::21
D instance del ev1
sleep 1
kill $mon 2>/dev/null; wait $mon 2>/dev/null
assert_eq "monitor saw add then del" \
	"$(python3 -c 'import json,sys; print([(e["event"],e["name"],e["id"]) for e in map(json.loads, open(sys.argv[1]))])' "$ev")" \
	"[('instance-add', 'ev1', 21), ('instance-del', 'ev1', 21)]"
rm -f "$ev"

# --- dump resumes across many messages ----------------------------------
batch=$(mktemp)
for i in $(seq 100 1099); do echo "instance add i$i id $i aftr 2001:db8:1::$i"; done >"$batch"
check "add 1000 instances in batch" D -b "$batch"
rm -f "$batch"
dump=$(D -j instance show)
assert_eq "dump returns every instance once, in order" \
	"$(json 'len(j)==1003 and [i["id"] for i in j]==sorted(set(i["id"] for i in j))' <<<"$dump")" True
check_err "instance limit is enforced per namespace" 2 "too many instances" \
	bash -c "for i in \$(seq 2000 2030); do '$DSLITECTL' -n '$NS' instance add j\$i id \$i || exit \$?; done"

ksft_finish
