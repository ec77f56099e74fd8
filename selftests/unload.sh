#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading the module with instances present in several namespaces frees
# everything: the module WARNs at unload if any object is still allocated
# (and the VM runner fails on any WARN), kmemleak checks it on the debug
# kernel. The module then loads again, clean.
source "$(dirname "$0")/lib.sh"
require_root
require_module
trap cleanup_ns EXIT

A=$(ns_add ua) && B=$(ns_add ub) || { fail "create netns"; ksft_finish; }
for ns in "$A" "$B"; do
	for i in 1 2 3; do
		dslitectl -n "$ns" instance add u$i id $i aftr 2001:db8::$i || fail "add u$i in $ns"
	done
done
check "instance in init namespace too" dslitectl instance add u0 id 100

dmesg_mark
check "rmmod with instances present" rmmod dslite
check "module gone" bash -c '! grep -q "^dslite " /proc/modules'
log=$(dmesg_since)
if grep -Eq "leak|WARNING|BUG" <<<"$log"; then
	fail "unload left no leak" "$log"
else
	ok "unload left no leak"
fi
check_err "dslitectl says the module is not loaded" 2 "module is not loaded" \
	dslitectl instance show
check "insmod again" insmod "$DSLITE_KO"
assert_eq "fresh module has no instances" "$(dslitectl -n "$A" -j instance show)" "[]"
check "and works" dslitectl -n "$A" instance add again id 1

ksft_finish
