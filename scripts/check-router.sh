#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-router`: the real-router scenarios that are too slow for CI
# (each DKMS build of the module runs under TCG in the VM): the Debian
# packages of `make deb` installed in the VM, DKMS following a second
# kernel, boot restore from /etc/dslite, selftests run from the installed
# packages (translate, the HA pair with its rolling upgrade, BGP), removal;
# then, with the build tree's module, scale_out.sh (two HA pairs behind one
# anycast AFTR address) and ROUTER_SELFTESTS; then rolling_upgrade.sh in two
# VMs (selftests/vm/pair: the module swapped under each router). Ends with "N passed, N failed,
# N skipped". KVER=<version> picks the kernel booted (default: the newest
# installed, 6.12; the other one is the "second kernel").
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
LOGDIR=${LOGDIR:-$REPO/build/check-router}
mkdir -p "$LOGDIR"
PASS=0 FAIL=0 SKIP=0

bash scripts/deps.sh --router || { echo "deps failed"; echo "0 passed, 1 failed"; exit 1; }
make -s all || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
if make -s deb >"$LOGDIR/deb.log" 2>&1; then
	PASS=$((PASS + 1)); echo "ok: make deb (lintian clean)"
else
	FAIL=$((FAIL + 1)); echo "not ok: make deb"; tail -20 "$LOGDIR/deb.log"
fi
KV=${KVER:-$(for d in /lib/modules/*/build; do v=${d#/lib/modules/}; v=${v%/build}
	[[ -e /boot/vmlinuz-$v ]] && echo "$v"; done | sort -V | tail -1)}
# count LOG RC: the TAP totals of one VM run
count() {
local log=$1 rc=$2 line p f s before=$FAIL
while read -r line; do
	p=$(sed -n 's/.*pass:\([0-9]*\).*/\1/p' <<<"$line")
	f=$(sed -n 's/.*fail:\([0-9]*\).*/\1/p' <<<"$line")
	s=$(sed -n 's/.*skip:\([0-9]*\).*/\1/p' <<<"$line")
	PASS=$((PASS + ${p:-0})) FAIL=$((FAIL + ${f:-0})) SKIP=$((SKIP + ${s:-0}))
done < <(grep -E '^(# )*# Totals: pass:' "$log")
# a test that ended without its Totals (timeout, crash) is a failure too
cut_short=$(grep -cE '^not ok [0-9]+ selftests: .*(TIMEOUT|exit=)' "$log")
[[ $cut_short -gt 0 && $FAIL -eq $before ]] && FAIL=$((FAIL + cut_short))
case $rc in
0) PASS=$((PASS + 1)) ;;
1) [[ $FAIL -gt $before ]] || FAIL=$((FAIL + 1)) ;;
*) FAIL=$((FAIL + 1)); echo "VM run on $KV: runner exit $rc (3: the kernel log shows a problem)" ;;
esac
}
# 1. the packages: no module loaded, DKMS builds it
log="$LOGDIR/router-$KV.log"
DSLITE_TEST_TIMEOUT=2200 selftests/vm/run --kernel "$KV" --no-module --log "$LOGDIR/kernel-$KV.log" \
	--timeout 2400 -- "$REPO/selftests/run_tests.sh" pkg_install.sh 2>&1 | tee "$log"
count "$log" "${PIPESTATUS[0]}"
# 2. the build tree's module: two HA pairs behind one anycast address
log="$LOGDIR/router-scale-$KV.log"
selftests/vm/run --kernel "$KV" --log "$LOGDIR/kernel-scale-$KV.log" --timeout 900 -- \
	"$REPO/selftests/run_tests.sh" scale_out.sh ${ROUTER_SELFTESTS:-} 2>&1 | tee "$log"
count "$log" "${PIPESTATUS[0]}"
# 3. two VMs, one router each: the rolling upgrade with the module really
# unloaded and loaded under each router in turn (DSLITE_NEW_KO: the module
# upgraded to; default the build tree's, the one booted)
log="$LOGDIR/router-upgrade-$KV.log"
selftests/vm/pair --kernel "$KV" --module "$REPO/kmod/dslite.ko" --log "$LOGDIR/kernel-upgrade-$KV" \
	--timeout 1200 -- "$REPO/selftests/run_tests.sh" rolling_upgrade.sh 2>&1 | tee "$log"
count "$log" "${PIPESTATUS[0]}"
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[[ $FAIL -eq 0 ]]
