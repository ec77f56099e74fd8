#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module state is per network namespace: each namespace sees only its own
# instances, the same name/id/AFTR may exist in several, and deleting a
# namespace frees its instances.
source "$(dirname "$0")/lib.sh"
require_root
require_module
trap cleanup_ns EXIT

A=$(ns_add a) && B=$(ns_add b) || { fail "create netns"; ksft_finish; }

check "add in A" dslitectl -n "$A" instance add dsl0 id 1 aftr 2001:db8::1
check "add in B, same name/id/aftr" dslitectl -n "$B" instance add dsl0 id 1 aftr 2001:db8::1
check "add second in B" dslitectl -n "$B" instance add dsl1 id 2
assert_eq "A sees only its own" "$(dslitectl -n "$A" -j instance show | json '[i["name"] for i in j]')" '["dsl0"]'
assert_eq "B sees only its own" "$(dslitectl -n "$B" -j instance show | json '[i["name"] for i in j]')" '["dsl0", "dsl1"]'
assert_eq "init namespace sees none" "$(dslitectl -j instance show)" "[]"
check "ip netns exec works as well as -n" \
	bash -c "[ \"\$(ip netns exec '$A' '$DSLITECTL' -j instance show)\" = \"\$('$DSLITECTL' -n '$A' -j instance show)\" ]"
check "del in A" dslitectl -n "$A" instance del dsl0
assert_eq "B untouched by del in A" "$(dslitectl -n "$B" -j instance show | json 'len(j)')" 2
check_err "-n with a missing namespace" 2 "cannot open network namespace" \
	dslitectl -n "${NS_PREFIX}_nosuch" instance show

# events stay in their namespace
ev=$(mktemp)
dslitectl -n "$A" -j monitor >"$ev" 2>&1 &
mon=$!
sleep 1
dslitectl -n "$B" instance add other id 9
dslitectl -n "$A" instance add mine id 9
sleep 1
kill $mon; wait $mon 2>/dev/null
assert_eq "monitor in A saw only A's event" \
	"$(python3 -c 'import json,sys; print([e["name"] for e in map(json.loads, open(sys.argv[1]))])' "$ev")" "['mine']"
rm -f "$ev"

# deleting a namespace frees what it held; the module's leak check at
# unload (unload.sh, and the VM runner's log scan) proves nothing stayed
check "delete namespace B with instances" ip netns del "$B"
sleep 1
check "A still works after B is gone" dslitectl -n "$A" instance show mine

ksft_finish
