#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: the selftests on a debug kernel (KASAN, lockdep,
# PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_LIST, UBSAN, kmemleak, KUnit)
# built from Debian's linux-source-6.1 and cached outside the repo (see
# scripts/debug-kernel/). Fails on any KASAN/lockdep/UBSAN/RCU/BUG/WARNING
# line, any kmemleak report after the suite, and any failing KUnit case.
# Ends with "N passed, N failed, N skipped".
#
# PLANT=oob|leak|sleep|warn builds the module with that planted bug (to
# prove this mode catches it); SELFTESTS="a.sh" runs a subset.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
LOGDIR=${LOGDIR:-$REPO/build/check-debug}
mkdir -p "$LOGDIR"

fail_early() { echo "check-debug: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

bash scripts/deps.sh --debug || fail_early "deps failed"
make -s tools || fail_early "tools build failed"
cache=$(scripts/debug-kernel/build.sh | tail -1) || fail_early "debug kernel build failed"
KDIR=$(scripts/debug-kernel/build.sh --print-kdir) || fail_early "no debug KDIR"
IMAGE=$(scripts/debug-kernel/build.sh --print-vmlinux 2>/dev/null ||
	scripts/debug-kernel/build.sh --print-image) || fail_early "no debug image"
echo "check-debug: kernel $(cat "$cache/kernelrelease" 2>/dev/null) from $cache"

# the module, built against the debug tree in its own copy of the sources
B=$REPO/build/debug
rm -rf "$B" && mkdir -p "$B" && cp -r kmod include "$B/"
make -s -C "$KDIR" M="$B/kmod" ${PLANT:+PLANT=$PLANT} modules >"$LOGDIR/module-build.log" 2>&1 ||
	{ cat "$LOGDIR/module-build.log"; fail_early "module build failed"; }

log="$LOGDIR/selftests.log"
# KASAN and lockdep make every step several times slower: the tests that
# measure timeouts stretch them (selftests/timeout.sh)
export DSLITE_TIME_SCALE=${DSLITE_TIME_SCALE:-3}
selftests/vm/run --kernel-image "$IMAGE" --machine q35 --mem 2048 \
	--module "$B/kmod/dslite.ko" --kmemleak --log "$LOGDIR/kernel.log" \
	--timeout 2400 -- "$REPO/selftests/run_tests.sh" ${SELFTESTS:-} 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

PASS=0 FAIL=0 SKIP=0
while read -r line; do
	p=$(sed -n 's/.*pass:\([0-9]*\).*/\1/p' <<<"$line")
	f=$(sed -n 's/.*fail:\([0-9]*\).*/\1/p' <<<"$line")
	s=$(sed -n 's/.*skip:\([0-9]*\).*/\1/p' <<<"$line")
	PASS=$((PASS + ${p:-0})) FAIL=$((FAIL + ${f:-0})) SKIP=$((SKIP + ${s:-0}))
done < <(grep -E '^(# )*# Totals: pass:' "$log")

# KUnit ran at insmod: count its cases from the kernel log
kok=$(grep -cE '^\s*(\[[ 0-9.]+\] )?\s*ok [0-9]+ dslite_test_' "$LOGDIR/kernel.log" 2>/dev/null)
knok=$(grep -cE '^\s*(\[[ 0-9.]+\] )?\s*not ok [0-9]+ dslite_test_' "$LOGDIR/kernel.log" 2>/dev/null)
echo "check-debug: KUnit cases: ${kok:-0} ok, ${knok:-0} not ok"
PASS=$((PASS + ${kok:-0})) FAIL=$((FAIL + ${knok:-0}))
if [[ ${kok:-0} -eq 0 && ${knok:-0} -eq 0 ]]; then
	echo "check-debug: no KUnit results in the kernel log"
	FAIL=$((FAIL + 1))
fi

# the runner's verdict on the kernel log (KASAN, lockdep, kmemleak, ...):
# exit 3 means the log had a problem; 0/1 are the tests' own verdict
case $rc in
0 | 1)
	PASS=$((PASS + 1))
	echo "check-debug: kernel log clean (no KASAN/lockdep/UBSAN/RCU/WARN/BUG, no kmemleak report)" ;;
3)
	FAIL=$((FAIL + 1))
	echo "check-debug: kernel log has problems; see $LOGDIR/kernel.log" ;;
*)
	FAIL=$((FAIL + 1))
	echo "check-debug: the VM run failed (runner exit $rc); see $LOGDIR/kernel.log" ;;
esac
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[[ $FAIL -eq 0 ]]
