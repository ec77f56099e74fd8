#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests listed in TEST_PROGS of the Makefile (or given as
# arguments) as kselftest does: TAP, one top-level result per script with
# its own TAP indented as comments. Runs inside the VM (selftests/vm/run).
# Exit 0 only when every script passed or skipped.
cd "$(dirname "$0")" || exit 1
if [[ $# -gt 0 ]]; then
	tests=("$@")
else
	read -ra tests <<<"$(make -s --no-print-directory print-tests)"
fi
timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
# a longer one for slow runs (make check-router: DKMS builds under TCG)
timeout=${DSLITE_TEST_TIMEOUT:-$timeout}
echo "TAP version 13"
echo "1..${#tests[@]}"
n=0 failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	echo "# selftests: dslite: $t"
	start=$(date +%s)
	timeout "${timeout:-300}" ./"$t" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	case $rc in
	0) echo "ok $n selftests: dslite: $t (${secs}s)" ;;
	4) echo "ok $n selftests: dslite: $t # SKIP" ;;
	124) echo "not ok $n selftests: dslite: $t # TIMEOUT ${timeout:-300}s"; failed=1 ;;
	*) echo "not ok $n selftests: dslite: $t # exit=$rc"; failed=1 ;;
	esac
done
exit $failed
