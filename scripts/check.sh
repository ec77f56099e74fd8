#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test. Installs what is missing, builds, runs the host
# unit tests, then the selftests inside a VM on Debian's kernel. Ends with
# one line "N passed, N failed, N skipped" counting every test point, and
# exits non-zero if anything failed, including a kernel oops/WARN in the VM
# (the VM runner fails on those even when the tests passed).
#
# Environment: KVER=<version> picks one kernel (default: every installed
# kernel with headers, i.e. Debian's 6.1 and 6.12);
# SELFTESTS="a.sh b.sh" runs a subset; PLANT=warn (etc.) plants a bug to
# prove a kernel WARN fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
LOGDIR=${LOGDIR:-$REPO/build/check}
mkdir -p "$LOGDIR"
PASS=0 FAIL=0 SKIP=0
FAILED_NAMES=()

# --deb: what unit/install.sh needs to build the packages (make deb)
bash scripts/deps.sh --deb || { echo "deps failed"; echo "0 passed, 1 failed"; exit 1; }
make -s all || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# count the kselftest "# Totals:" lines of a log; $2 names the run
count() {
	local log=$1 name=$2 rc=$3 p f s line
	local got=0
	while read -r line; do
		p=$(sed -n 's/.*pass:\([0-9]*\).*/\1/p' <<<"$line")
		f=$(sed -n 's/.*fail:\([0-9]*\).*/\1/p' <<<"$line")
		s=$(sed -n 's/.*skip:\([0-9]*\).*/\1/p' <<<"$line")
		PASS=$((PASS + ${p:-0})) FAIL=$((FAIL + ${f:-0})) SKIP=$((SKIP + ${s:-0}))
		got=$((got + ${f:-0}))
	done < <(grep -E '^(# )*# Totals: pass:' "$log")
	# a run that failed without a counted failure (crash, timeout, a
	# script that died) is still one failure; exit 3 is the kernel log's
	# verdict, counted on its own below
	if [[ $rc -ne 0 && $rc -ne 3 && $got -eq 0 ]]; then
		FAIL=$((FAIL + 1))
		FAILED_NAMES+=("$name (exit $rc)")
	elif [[ $got -gt 0 ]]; then
		FAILED_NAMES+=("$name")
	fi
}

echo "== host unit tests"
make -s -C selftests/unit all >/dev/null || { FAIL=$((FAIL + 1)); FAILED_NAMES+=("unit build"); }
for t in selftests/unit/test_validate selftests/unit/test_logic selftests/unit/test_parse selftests/unit/test_sync selftests/unit/test_print selftests/unit/test_ipfix selftests/unit/cli.sh selftests/unit/who.sh selftests/unit/notify.sh selftests/unit/nlspec.sh selftests/unit/pyfork.sh \
	selftests/unit/completion.sh selftests/unit/manpages.sh selftests/unit/install.sh; do
	log="$LOGDIR/unit-$(basename "$t").log"
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	count "$log" "unit/$(basename "$t")" "$rc"
done

echo "== kernel style (checkpatch, W=1, sparse)"
log="$LOGDIR/lint.log"
bash scripts/lint.sh >"$log" 2>&1
rc=$?
cat "$log"
count "$log" "lint" "$rc"

# every installed Debian kernel with headers: 6.1 and 6.12 (see deps.sh)
if [[ -n "${KVER:-}" ]]; then
	KVERS=("$KVER")
else
	mapfile -t KVERS < <(for d in /lib/modules/*/build; do
		v=${d#/lib/modules/}; v=${v%/build}
		[[ -e /boot/vmlinuz-$v ]] && echo "$v"
	done | sort -V)
fi
# The full suite runs on the first (oldest: Debian's default 6.1) kernel;
# later ones run a cross-section that exercises every kernel interface the
# module uses where 6.1 and 6.12 differ or may (kmod/compat.h: genl ops and
# dumps, multicast permissions, netdev flags; and tunnel6, defrag, ICMP,
# the IPv6 route cache, UDP tunnel sockets with crypto (ha_diag.sh: a
# pair syncing, bulk, HMAC with two keys; half ha_sync.sh's time), unload),
# to keep CI within its time. The rest on 6.12 (ha_sync, the fuzz tests,
# churn, the keepalived failover) is `make check-full` (FULL_ON_ALL=1:
# everything on every kernel), run and reported by hand.
SUBSET_LATER="netns.sh perm.sh translate.sh icmp.sh frag.sh route_cache.sh ha_diag.sh
	nl_spec.sh unload.sh"
first=1
for kv in "${KVERS[@]}"; do
	sel=${SELFTESTS:-}
	if [[ -z "$sel" && $first -eq 0 && -z "${FULL_ON_ALL:-}" ]]; then
		sel=$SUBSET_LATER
	fi
	first=0
	echo "== module for $kv (W=1)"
	B=$REPO/build/k/$kv
	rm -rf "$B" && mkdir -p "$B" && cp -r kmod include "$B/"
	out=$(make -C "/lib/modules/$kv/build" M="$B/kmod" W=1 ${PLANT:+PLANT=$PLANT} modules 2>&1)
	if [[ $? -eq 0 ]] && ! grep -q "warning:" <<<"$out"; then
		PASS=$((PASS + 1))
	else
		echo "$out" | grep -E "warning:|error:" | head -20
		FAIL=$((FAIL + 1)); FAILED_NAMES+=("module build on $kv")
		continue
	fi
	echo "== selftests in a VM (kernel $kv)"
	log="$LOGDIR/selftests-$kv.log"
	selftests/vm/run --kernel "$kv" --module "$B/kmod/dslite.ko" \
		--log "$LOGDIR/kernel-$kv.log" --timeout 2400 -- \
		"$REPO/selftests/run_tests.sh" $sel 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count "$log" "selftests on $kv" "$rc"
	# the kernel log verdict is a test of its own: the runner exits 3
	# when the log shows an oops/WARN/BUG, 0/1 are the tests' verdict
	case $rc in
	0 | 1) PASS=$((PASS + 1)) ;;
	3) FAIL=$((FAIL + 1)); FAILED_NAMES+=("kernel log on $kv (see $LOGDIR/kernel-$kv.log)") ;;
	*) FAIL=$((FAIL + 1)); FAILED_NAMES+=("VM run on $kv (runner exit $rc)") ;;
	esac
done

echo
if [[ ${#FAILED_NAMES[@]} -gt 0 ]]; then
	echo "FAILED: ${FAILED_NAMES[*]}"
fi
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[[ $FAIL -eq 0 ]]
