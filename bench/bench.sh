#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: build the generator, boot the VM once, run bench/run.sh in
# it, then write bench/results/latest.{json,md,png} on the host (the VM's
# writes do not reach the host: the results come out on its stdout).
#
#   BENCH_QUICK=1   3 reps of 1 s, B1 and upstream only, no large table,
#                   a small ha_bulk (for trying the harness, not for figures)
#   BENCH_REPS=, BENCH_SECS=, BENCH_BIG=, BENCH_HA=0, BENCH_TAKEOVER=0,
#   TAKEOVER_REPS=, TAKEOVER_VARIANTS=, BENCH_KERNEL=,
#   BENCH_SCEN=a,b (phase A subset), BENCH_PERF=a,b (profile those),
#   BENCH_INST= (phase C: instances, default 1024; 0 skips it),
#   BENCH_MEM= (the VM's MiB, default 1024; 1M sessions: BENCH_BIG=1000000
#   BENCH_MEM=3072)
set -uo pipefail
W=$(cd "$(dirname "$0")/.." && pwd)
cd "$W" || exit 1
KVER=${BENCH_KERNEL:-6.12.117+deb12-amd64}
mkdir -p build/bench bench/results
gcc -O2 -Wall -Wextra -o build/bench/blast bench/blast.c || exit 1
envs=()
for v in BENCH_QUICK BENCH_REPS BENCH_SECS BENCH_BIG BENCH_HA BENCH_TAKEOVER BENCH_SCEN \
	BENCH_PERF BENCH_INST TAKEOVER_REPS TAKEOVER_VARIANTS; do
	[[ -n ${!v:-} ]] && envs+=("$v=${!v}")
done
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	envs+=(USERS=20 FLOWS=500)
	[[ -z ${TAKEOVER_REPS:-} ]] && envs+=(TAKEOVER_REPS=2)
fi
out=build/bench/vm.out
[[ ${BENCH_QUICK:-0} == 1 ]] && out=build/bench/vm-quick.out
selftests/vm/run --kernel "$KVER" --mem "${BENCH_MEM:-1024}" --timeout 2400 \
	--log build/bench/console.log -- \
	env "${envs[@]}" "$W/bench/run.sh" | tee "$out" | grep --line-buffered -Ev '^(\{|TAKEOVER)'
rc=${PIPESTATUS[0]}
# a quick run tries the harness: it does not replace the figures on record
results=bench/results
[[ ${BENCH_QUICK:-0} == 1 ]] && results=build/bench/results-quick
/usr/bin/python3 bench/report.py "$out" "$results" || rc=1
cp "$out" "$results/latest.out"
exit "$rc"
