#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two builds of the module in one VM boot, so that their figures share the
# boot, the host's state and the baselines: bench/run.sh once per round,
# the module swapped (rmmod, insmod) between the rounds A B A B. Runs in
# the VM; the modules must be under the repository (the VM sees the host
# through it), e.g.
#
#   cp old/kmod/dslite.ko build/ab/a.ko && cp kmod/dslite.ko build/ab/b.ko
#   selftests/vm/run --module build/ab/b.ko --timeout 2700 -- \
#       env AB_A=$PWD/build/ab/a.ko AB_B=$PWD/build/ab/b.ko \
#       BENCH_SCEN=up,new,B3new BENCH_PERF=new BENCH_BIG=0 BENCH_INST=0 \
#       BENCH_HA=0 BENCH_TAKEOVER=0 "$PWD/bench/ab.sh" [SELFTEST...]
#
# Each round's output is bench/run.sh's, between "=== ROUND A1" (A2, B1,
# B2) and "=== END ROUND"; its JSON line is what bench/report.py reads.
# Selftests named after the options run on B at the end.
HERE=$(cd "$(dirname "$0")" && pwd)
: "${AB_A:?AB_A=path of module A}" "${AB_B:?AB_B=path of module B}"
# bench/bench.sh builds the generator on the host; a bare ab.sh run needs it
[[ -x $HERE/../build/bench/blast ]] || {
	echo "=== no build/bench/blast: gcc -O2 -o build/bench/blast bench/blast.c on the host"
	exit 1
}
swap() {
	for _ in $(seq 1 60); do
		grep -q '^dslite ' /proc/modules || break
		rmmod dslite 2>/dev/null && break
		sleep 1
	done
	grep -q '^dslite ' /proc/modules && { echo "=== rmmod failed"; return 1; }
	insmod "$1" || { echo "=== insmod $1 failed"; return 1; }
	echo "=== loaded $1 ($(md5sum <"$1" | cut -c1-8))"
}
for r in ${AB_ROUNDS:-A1 B1 A2 B2}; do
	case $r in
	A*) swap "$AB_A" || exit 1 ;;
	*) swap "$AB_B" || exit 1 ;;
	esac
	echo "=== ROUND $r"
	bash "$HERE/run.sh"
	echo "=== END ROUND $r"
done
[[ $# -gt 0 ]] || exit 0
swap "$AB_B" || exit 1
echo "=== SELFTESTS"
"$HERE/../selftests/run_tests.sh" "$@"
