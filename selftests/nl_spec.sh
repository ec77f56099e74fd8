#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module against Documentation/netlink/specs/dslite.yaml, through the
# kernel's YNL library (py/nl_spec.py does the netlink; scripts/deps.sh
# puts YNL in /var/cache/dslite/ynl). Asserted:
#  - service-locations, a group, an instance, a pool, stats, sessions and
#    users (after traffic) created, read (do and dump), changed and
#    deleted through the spec; every reply and event parses with the spec
#    and carries only the attributes the spec lists for its operation,
#    and every attribute those lists name was sent at least once;
#  - the module's per-operation policies (CTRL_CMD_GETPOLICY) are the
#    spec's: do and dump share one, the attributes are the request's,
#    types and bounds are the spec's, nests included;
#  - each operation refuses an attribute it does not list, with a message.
# The host side (the spec valid, the generated policies and the UAPI
# header agreeing with it) is selftests/unit/nlspec.sh.
source "$(dirname "$0")/lib.sh"
require_root
require_module
trap cleanup_ns EXIT

YNL=${DSLITE_YNL:-/var/cache/dslite/ynl}
if [[ ! -f $YNL/tools/net/ynl/lib/ynl.py ]]; then
	skip "nl_spec" "no YNL in $YNL (run scripts/deps.sh)"
	ksft_finish
fi
# the interpreter scripts/deps.sh provisions (python3-yaml, -jsonschema)
PY=/usr/bin/python3
SPEC_PY="$LIB_DIR/py/nl_spec.py"

# py/nl_spec.py prints PASS:/FAIL: lines: one TAP point each
run_py() {
	local line out rc
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		PASS:*) ok "${line#PASS: }" ;;
		FAIL:*) fail "${line#FAIL: }" ;;
		*) echo "#   $line" ;;
		esac
	done <<<"$out"
	[[ $rc -eq 0 ]] || grep -q '^FAIL:' <<<"$out" || fail "$* exited $rc"
}

NS=$(ns_add spec) || { fail "create netns"; ksft_finish; }
ip -n "$NS" -6 addr add 2001:db8:5::1/128 dev lo
for i in 1 2; do ip -n "$NS" -6 addr add 2001:db8:b4::$i/128 dev lo nodad; done
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS" route add blackhole 192.0.2.0/24

echo "# [${SECONDS}s] objects, replies and events"
run_py ip netns exec "$NS" "$PY" "$SPEC_PY" objects --ynl "$YNL" --inst spec0 \
	--aftr 2001:db8:5::1 --pool 198.51.100.0/28 --dst 192.0.2.1 \
	--b4 2001:db8:b4::1 --b4 2001:db8:b4::2
echo "# [${SECONDS}s] policies"
run_py ip netns exec "$NS" "$PY" "$SPEC_PY" policy --ynl "$YNL"
echo "# [${SECONDS}s] done"
ksft_finish
