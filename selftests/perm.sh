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
for what in "ha show" "service-location show" "service-instance-group show" "session show" "user show"; do
	# shellcheck disable=SC2086
	check_err "nobody cannot read: $what (admin only)" 2 "Operation not permitted" \
		nobody "$DSLITECTL" $what
done
check "root can read the hot-backup state" dslitectl ha show
check "nobody may read pools and counters" bash -c \
	"setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all '$DSLITECTL' pool show &&
	 setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all '$DSLITECTL' stats show"
check_err "nobody cannot set hot backup" 2 "Operation not permitted" nobody "$DSLITECTL" ha set hot-backup on
assert_eq "hot backup still off" "$(dslitectl -j ha show | json 'j["hot_backup"]')" False

# Privilege is CAP_NET_ADMIN in the initial user namespace: the root of a
# container (a child user namespace) may not configure the NAT, not even
# in a network namespace it owns.
if unshare --user --map-root-user --net true 2>/dev/null; then
	check_err "root of a child user namespace cannot add an instance in its own netns" 2 \
		"Operation not permitted" unshare --user --map-root-user --net "$DSLITECTL" instance add uns id 4244
	check_err "...nor read the hot-backup state" 2 "Operation not permitted" \
		unshare --user --map-root-user --net "$DSLITECTL" ha show
else
	# e.g. in a chroot (the VM runs the tests in one): CLONE_NEWUSER is refused there
	skip "child user namespace refused" "cannot create a user namespace here (chroot?)"
fi
check "root deletes it" dslitectl instance del permtest

ksft_finish
