#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every mutation needs CAP_NET_ADMIN: an unprivileged user is refused with
# a clear message and exit 2, and nothing changes. Reading instances (no
# subscriber data) is allowed, like `ip link show`.
source "$(dirname "$0")/lib.sh"
require_root
require_module

if ! command -v setpriv >/dev/null; then
	skip "perm" "setpriv missing"
	ksft_finish
fi
nobody() { setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all "$@"; }

check "root adds an instance" dslitectl instance add permtest id 4242
check_err "nobody cannot add" 2 "Operation not permitted.*CAP_NET_ADMIN" \
	nobody "$DSLITECTL" instance add evil id 4243
check_err "nobody cannot delete" 2 "Operation not permitted" \
	nobody "$DSLITECTL" instance del permtest
check "nobody may list instances" nobody "$DSLITECTL" instance show permtest
assert_eq "nothing changed" "$(dslitectl -j instance show | json '[i["name"] for i in j]')" '["permtest"]'
check_err "nobody cannot listen to events" 2 "cannot listen to events.*permitted" \
	timeout 5 setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all "$DSLITECTL" monitor
check "root deletes it" dslitectl instance del permtest

ksft_finish
