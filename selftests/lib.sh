#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the dslite selftests (kselftest style, TAP output).
# A test script sources this, calls `ksft_plan` (optional), then `check`,
# `check_fail`, `ok`, `fail`, `skip` for each assertion, then `ksft_finish`,
# which prints the kselftest "# Totals:" line and exits 0 (all passed),
# 1 (something failed) or 4 (ksft_skip: nothing could run).

ksft_skip=4
KSFT_PASS=0
KSFT_FAIL=0
KSFT_SKIP=0
KSFT_NUM=0

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LIB_DIR/.." && pwd)
DSLITECTL=${DSLITECTL:-$REPO/tools/dslitectl}
DSLITE_KO=${DSLITE_KO:-$REPO/kmod/dslite.ko}
# a per-test prefix so namespaces of different tests never collide
NS_PREFIX="dsl$$"

dslitectl() { "$DSLITECTL" "$@"; }

_tap() {
	KSFT_NUM=$((KSFT_NUM + 1))
	echo "$1 $KSFT_NUM $2"
}

# _where: file:line of the first caller outside lib.sh (a failure says it)
_where() {
	local i
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [[ ${BASH_SOURCE[i]} != "${BASH_SOURCE[0]}" ]]; then
			echo "$(basename "${BASH_SOURCE[i]}"):${BASH_LINENO[i - 1]}"
			return
		fi
	done
}

ok() { KSFT_PASS=$((KSFT_PASS + 1)); _tap ok "$1"; }
# fail DESC [DETAIL]: called by a test (not through check & co, which say
# where themselves) it also says where
fail() {
	KSFT_FAIL=$((KSFT_FAIL + 1))
	_tap "not ok" "$1"
	[[ -n "${2:-}" ]] && echo "#   $2"
	[[ ${BASH_SOURCE[1]} != "${BASH_SOURCE[0]}" ]] && echo "#   at $(_where)"
	return 0
}
skip() { KSFT_SKIP=$((KSFT_SKIP + 1)); _tap ok "$1 # SKIP ${2:-}"; }

# check DESC CMD...: passes when CMD exits 0; its output is shown on failure
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [[ $rc -eq 0 ]]; then
		ok "$desc"
	else
		fail "$desc" "command failed (rc=$rc) at $(_where): $*"
		[[ -n "$out" ]] && sed 's/^/#   | /' <<<"$out"
	fi
}

# check_rc DESC RC CMD...: passes when CMD exits with exactly RC
check_rc() {
	local desc=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [[ $rc -eq $want ]]; then
		ok "$desc"
	else
		fail "$desc" "expected rc=$want, got rc=$rc at $(_where): $*"
		[[ -n "$out" ]] && sed 's/^/#   | /' <<<"$out"
	fi
	LAST_OUT=$out
}

# check_err DESC RC REGEX CMD...: exit status RC and stderr/stdout match REGEX
check_err() {
	local desc=$1 want=$2 re=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [[ $rc -eq $want ]] && grep -Eq -- "$re" <<<"$out"; then
		ok "$desc"
	else
		fail "$desc" "expected rc=$want and /$re/, got rc=$rc at $(_where): $*"
		sed 's/^/#   | /' <<<"$out"
	fi
}

# assert_eq DESC GOT WANT [WHERE]: WHERE (file:line) is shown on failure;
# by default the caller's
assert_eq() {
	if [[ "$2" == "$3" ]]; then
		ok "$1"
	else
		fail "$1" "got '$2', want '$3' (${4:-$(_where)})"
	fi
}

# ok_if DESC "A -op B" DETAIL: an arithmetic test ([ A -op B ]); DETAIL on failure
ok_if() {
	if [ $2 ]; then ok "$1"; else fail "$1" "$3"; fi
}

# wait_for SECS CMD...: retry CMD every 0.2 s for up to SECS seconds
wait_for() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) + secs * 1000000000))
	while ! "$@" >/dev/null 2>&1; do
		[[ $(date +%s%N) -lt $end ]] || return 1
		sleep 0.2
	done
}

# section TITLE: a TAP comment with the seconds since the test started
section() { echo "# [${SECONDS}s] $*"; }

ksft_finish() {
	echo "# Totals: pass:$KSFT_PASS fail:$KSFT_FAIL skip:$KSFT_SKIP"
	if [[ $KSFT_FAIL -gt 0 ]]; then
		exit 1
	elif [[ $KSFT_PASS -eq 0 && $KSFT_SKIP -gt 0 ]]; then
		exit $ksft_skip
	fi
	exit 0
}

require_root() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "# needs root"
		skip "$(basename "$0")" "needs root"
		ksft_finish
	fi
}

# the module must be loaded (the VM runner does that); skip otherwise
require_module() {
	if ! grep -q '^dslite ' /proc/modules 2>/dev/null; then
		if [[ -f "$DSLITE_KO" ]] && insmod "$DSLITE_KO" 2>/dev/null; then
			return 0
		fi
		skip "$(basename "$0")" "dslite module not loaded"
		ksft_finish
	fi
}

# network namespaces created through ns_add are deleted at exit
NS_LIST=()
ns_add() {
	local ns="${NS_PREFIX}_$1"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	NS_LIST+=("$ns")
	echo "$ns"
}

cleanup_ns() {
	local ns
	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	NS_LIST=()
}

# json QUERY: evaluate a python expression on the JSON read from stdin
# (bound to `j`), print the result
json() {
	python3 -c 'import json,sys; j=json.load(sys.stdin); r=eval(sys.argv[1]); print(r if not isinstance(r,(list,dict)) else json.dumps(r, sort_keys=True))' "$1"
}

# the kernel log since the mark, to assert on module messages
DMESG_MARK=""
dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }
dmesg_since() { dmesg | tail -n +"$((DMESG_MARK + 1))"; }
# dmesg_clean DESC [RE]: the kernel log since dmesg_mark has no warning,
# BUG, Oops, leak report or call trace (nor a line matching RE); the
# offending lines on failure
dmesg_clean() {
	local re="WARNING|BUG|Oops|leak|Call Trace${2:+|$2}" log
	log=$(dmesg_since)
	if grep -Eq "$re" <<<"$log"; then
		fail "$1" "$(grep -E -m 20 "$re" <<<"$log")"
	else
		ok "$1"
	fi
}
