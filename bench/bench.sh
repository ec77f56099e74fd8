#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: build the generator, boot the VM once, run bench/run.sh in
# it, then write bench/results/latest.{json,md,png} on the host (the VM's
# writes do not reach the host: the results come out on its stdout).
#
#   BENCH_RESULTS=DIR  write the results there, not over bench/results (trials)
#   BENCH_QUICK=1   3 reps of 1 s, B1 and upstream only, no large table,
#                   a small ha_bulk (for trying the harness, not for figures)
#   BENCH_REPS=, BENCH_SECS=, BENCH_BIG=, BENCH_HA=0, BENCH_TAKEOVER=0,
#   TAKEOVER_REPS=, TAKEOVER_VARIANTS=, BENCH_KERNEL=,
#   BENCH_SCEN=a,b (phase A subset), BENCH_PERF=a,b (profile those),
#   BENCH_INST= (phase C: instances, default 1024; 0 skips it),
#   BENCH_MEM= (the VM's MiB, default 1024; 1M sessions: BENCH_BIG=1000000
#   BENCH_MEM=3072), BENCH_SMP= (the VM's vCPUs, default 2; 3 adds phase D's
#   1 vs 2 forwarder CPUs), BENCH_FULL=0, BENCH_SYNC=0 (skip phase D's
#   table-full, sync scenarios), BENCH_EXPIRE= (phase E's expiring sessions,
#   default BENCH_BIG or 100000; 0 skips), BENCH_EXPIRE_REPS= (default BENCH_REPS)
set -uo pipefail
W=$(cd "$(dirname "$0")/.." && pwd)
cd "$W" || exit 1
# the newest installed kernel with headers, the one `make all` built for
# (Debian's 6.12 point release moves: 6.12.117 became 6.12.118)
KVER=${BENCH_KERNEL:-$(ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | sort -V | tail -1)}
[[ -e /boot/vmlinuz-$KVER ]] || { echo "bench: no /boot/vmlinuz-$KVER (BENCH_KERNEL=)" >&2; exit 1; }
mkdir -p build/bench bench/results
gcc -O2 -Wall -Wextra -o build/bench/blast bench/blast.c || exit 1
envs=()
for v in BENCH_QUICK BENCH_REPS BENCH_SECS BENCH_BIG BENCH_HA BENCH_TAKEOVER BENCH_SCEN \
	BENCH_PERF BENCH_INST TAKEOVER_REPS TAKEOVER_VARIANTS BENCH_FULL BENCH_SYNC BENCH_EXPIRE \
	BENCH_EXPIRE_REPS BENCH_SMP_SCEN BENCH_PERF_CHILDREN; do
	[[ -n ${!v:-} ]] && envs+=("$v=${!v}")
done
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	envs+=(USERS=20 FLOWS=500)
	[[ -z ${TAKEOVER_REPS:-} ]] && envs+=(TAKEOVER_REPS=2)
fi
out=build/bench/vm.out
[[ ${BENCH_QUICK:-0} == 1 ]] && out=build/bench/vm-quick.out
[[ -n ${BENCH_RESULTS:-} ]] && out=build/bench/vm-$(basename "$BENCH_RESULTS").out
selftests/vm/run --kernel "$KVER" --mem "${BENCH_MEM:-1024}" --smp "${BENCH_SMP:-2}" --timeout "${BENCH_TIMEOUT:-3600}" \
	--log build/bench/console.log -- \
	env "${envs[@]}" "$W/bench/run.sh" | tee "$out" | grep --line-buffered -Ev '^(\{|TAKEOVER)'
rc=${PIPESTATUS[0]}
# a quick run tries the harness: it does not replace the figures on record
results=${BENCH_RESULTS:-bench/results}
[[ ${BENCH_QUICK:-0} == 1 ]] && results=build/bench/results-quick
/usr/bin/python3 bench/report.py "$out" "$results" || rc=1
cp "$out" "$results/latest.out"
exit "$rc"
