#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslite-who answers "who had ADDR:PORT at TIME" from a block log.
source "$(dirname "$0")/../lib.sh"
WHO=$REPO/tools/dslite-who
log=$(mktemp)
cat >"$log" <<'L'
{"event":"instance-add","name":"dsl0","id":1}
{"event":"block-alloc","time":"2026-11-25T13:00:00Z","time_unix":1795611600,"instance":"dsl0","b4":"2001:db8:a::a","public_addr":"198.51.100.7","port_first":40000,"port_last":40511}
{"event":"block-free","time":"2026-11-25T14:00:00Z","time_unix":1795615200,"instance":"dsl0","b4":"2001:db8:a::a","public_addr":"198.51.100.7","port_first":40000,"port_last":40511}
{"event":"block-alloc","time":"2026-11-25T14:01:00Z","time_unix":1795615260,"instance":"dsl0","b4":"2001:db8:a::b","public_addr":"198.51.100.7","port_first":40000,"port_last":40511}
{"event":"block-alloc","time":"2026-11-25T14:01:30Z","time_unix":1795615290,"instance":"dsl0","b4":"2001:db8:a::c","public_addr":"198.51.100.8","port_first":40000,"port_last":40511}
L
check_err "who had it at 14:02: the second B4" 0 "^2001:db8:a::b .*from 2026-11-25T14:01:00Z until -" \
	"$WHO" 198.51.100.7:40123 2026-11-25T14:02:00Z "$log"
check_err "who had it at 13:30: the first B4, with its release" 0 "^2001:db8:a::a .*until 2026-11-25T14:00:00Z" \
	"$WHO" 198.51.100.7:40123 2026-11-25T13:30:00Z "$log"
check_err "nobody in the gap between the two" 1 "nobody had" \
	"$WHO" 198.51.100.7:40123 2026-11-25T14:00:30Z "$log"
check_err "a port outside the block" 1 "nobody had" \
	"$WHO" 198.51.100.7:39999 2026-11-25T14:02:00Z "$log"
check_err "the other address" 0 "^2001:db8:a::c" "$WHO" 198.51.100.8:40000 1795615300 "$log"
assert_eq "JSON answer" "$("$WHO" --json 198.51.100.7:40511 2026-11-25T14:05:00Z <"$log" | json '[h["b4"] for h in j]')" '["2001:db8:a::b"]'
check_err "bad time is a usage error" 2 "time must be" "$WHO" 198.51.100.7:1 yesterday "$log"
# a block event missing a field (a truncated or foreign line) is skipped, said, not a crash
printf '{"event":"block-alloc","time_unix":1795615200,"instance":"dsl0","b4":"2001:db8:a::d"}\n' >>"$log"
check_err "a block event without public_addr: skipped with its line, the rest answered" 0 \
	"without 'public_addr', skipped" "$WHO" 198.51.100.8:40000 1795615300 "$log"
rm -f "$log"
ksft_finish
