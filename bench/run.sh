#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark inside the VM (bench/bench.sh boots it: `make bench`):
# bench/bench.py's forwarding scenarios, then bench/ha_bulk.sh's sync cost,
# then bench/takeover.sh's takeover gap.
# TAP; its checks only assert that the work was done right (packets arrived
# translated, sessions exist, the generator outran the forwarder), never a
# speed. The results travel out on stdout as JSON (BENCH-JSON-BEGIN/END)
# and as the HA-BULK and TAKEOVER lines.
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../selftests" || exit 1
source ./lib.sh
require_root
require_module
trap cleanup_ns EXIT

GEN=$(ns_add gen) && FD=$(ns_add fd) && FL=$(ns_add fl) && FM=$(ns_add fm) ||
	{ fail "network namespaces"; ksft_finish; }
while IFS= read -r line; do
	if [[ $line == CHECK$'\t'* ]]; then
		IFS=$'\t' read -r _ res desc detail <<<"$line"
		if [[ $res == ok ]]; then ok "$desc"; else fail "$desc" "$detail"; fi
	else
		echo "$line"
	fi
done < <(DSLITECTL=$DSLITECTL python3 "$HERE/bench.py" "$GEN" "$FD" "$FL" "$FM" 2>&1)
cleanup_ns

if [[ ${BENCH_HA:-1} == 1 ]]; then
	echo "# [${SECONDS}s] bench/ha_bulk.sh (USERS=${USERS:-200} FLOWS=${FLOWS:-500})"
	out=$(bash "$HERE/ha_bulk.sh" 2>&1)
	rc=$?
	sed 's/^/# ha_bulk | /' <<<"$out"
	line=$(grep '^# bulk:' <<<"$out")
	echo "HA-BULK: ${line#\# bulk: }"
	assert_eq "ha_bulk.sh passed" "$rc" 0
fi
if [[ ${BENCH_TAKEOVER:-1} == 1 ]]; then
	# the shipped files, then the setup shipped until 2026-12-01 (a
	# dslitectl per fifo line, the backup at priority 100) for comparison
	export TAKEOVER_VARIANTS=${TAKEOVER_VARIANTS:-shipped oneshot+prio100}
	echo "# [${SECONDS}s] bench/takeover.sh (TAKEOVER_REPS=${TAKEOVER_REPS:-5}, variants $TAKEOVER_VARIANTS)"
	out=$(bash "$HERE/takeover.sh" 2>&1)
	rc=$?
	grep -Ev '^TAKEOVER(-VARIANT [^ ]*)?: ' <<<"$out" | sed 's/^/# takeover | /'
	grep -E '^TAKEOVER(-VARIANT [^ ]*)?: ' <<<"$out"
	assert_eq "takeover.sh passed" "$rc" 0
fi
ksft_finish
