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
# Every python3 the tests start (through PATH) goes to one fork server
# (lib/pyforkd.py, its client lib/pyfork, which runs /usr/bin/python3
# itself whenever the server cannot): under TCG a python3 start costs
# about a second, a fork a few milliseconds. DSLITE_PYFORK=0: no server.
PYFORKD_PID=
if [[ ${DSLITE_PYFORK:-} != 0 && $(id -u) == 0 ]]; then
	[[ lib/pyfork -nt lib/pyfork.c ]] || cc -O2 -o lib/pyfork lib/pyfork.c 2>/dev/null
	sock=/run/dslite-pyfork.sock
	rm -f "$sock"
	if [[ -x lib/pyfork ]]; then
		/usr/bin/python3 lib/pyforkd.py "$sock" >/run/dslite-pyforkd.log 2>&1 &
		PYFORKD_PID=$!
		for _ in $(seq 100); do
			[[ -S $sock ]] && break
			sleep 0.1
		done
	fi
	if [[ -S $sock ]]; then
		export DSLITE_PYFORK=$sock
		mkdir -p /run/dslite-pyfork-bin
		ln -sf "$PWD/lib/pyfork" /run/dslite-pyfork-bin/python3
		export PATH=/run/dslite-pyfork-bin:$PATH
	else
		echo "# no python fork server: tools start as python3"
		unset DSLITE_PYFORK
	fi
else
	unset DSLITE_PYFORK
fi
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
[[ -n $PYFORKD_PID ]] && kill "$PYFORKD_PID" 2>/dev/null
exit $failed
