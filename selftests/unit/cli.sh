#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dslitectl on the host, without the module: help works at every level,
# usage errors exit 1 and send nothing, and a missing module is a clear
# kernel-side error (exit 2).
source "$(dirname "$0")/../lib.sh"

check_rc "help exits 0" 0 dslitectl help
check_rc "-h exits 0" 0 dslitectl -h
check_rc "instance help exits 0" 0 dslitectl instance help
check_rc "instance add help exits 0" 0 dslitectl instance add help
check_rc "monitor help exits 0" 0 dslitectl monitor help
check_err "help lists objects" 0 "OBJECT  := \{ instance" dslitectl help
check_rc "-V prints a version" 0 dslitectl -V
check_err "no arguments is a usage error" 1 "Usage:" dslitectl
check_err "unknown object" 1 "unknown object \"frobnicate\"" dslitectl frobnicate
check_err "unknown command" 1 "unknown command \"fly\"" dslitectl instance fly
check_err "unknown option" 1 "Usage:" dslitectl --colour
check_err "bad address is caught before the kernel" 1 "not an IPv6 address" \
	dslitectl instance add x id 1 aftr 1.2.3.4
check_err "missing batch file" 1 "cannot open batch file" dslitectl -b /nonexistent
if [[ -e /proc/modules ]] && grep -q '^dslite ' /proc/modules; then
	skip "module-missing error" "module is loaded here"
else
	check_err "no module: clear error, exit 2" 2 "dslite kernel module is not loaded" \
		dslitectl instance show
fi
# save and apply: what is refused before the kernel is asked
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
check_rc "save help exits 0" 0 dslitectl save help
check_rc "apply help exits 0" 0 dslitectl apply help
check_err "help lists save and apply" 0 "save \| apply" dslitectl help
check_err "save: unknown argument" 1 "save: unknown argument \"--bogus\"" dslitectl save --bogus
check_err "save: file needs a PATH" 1 "save: unknown argument \"file\"" dslitectl save file
check_err "apply: FILE is required" 1 "apply: FILE is missing" dslitectl apply
check_err "apply: a missing FILE" 1 "cannot open \"/nonexistent\"" dslitectl apply /nonexistent
check_err "apply: one FILE only" 1 "apply: unknown argument \"b\"" dslitectl apply a b
printf '# only a comment\n\n   \t\n' >"$TMPD/empty"
check_rc "-b: comments and blank lines only, nothing sent" 0 dslitectl -b "$TMPD/empty"
printf 'instance add x id 1\n# fine so far\npool add y 192.0.2.0/24\n' >"$TMPD/order"
check_err "apply: a pool before its instance, line named" 1 "order:3: pool add y before its instance add" \
	dslitectl apply "$TMPD/order"
printf 'instance add x id 1\nsession flush\n' >"$TMPD/verb"
check_err "apply: a line that is not configuration" 1 "verb:2: \"session\" does not describe a configuration" \
	dslitectl apply "$TMPD/verb"
printf 'instance add x id 1 service-instance-group g\n' >"$TMPD/sig"
check_err "apply: a group the file does not have" 1 "service-instance-group g is not in the file" \
	dslitectl apply "$TMPD/sig"
printf 'service-location add 1 remote-backup interface e peer 192.0.2.2\n' >"$TMPD/auth"
check_err "apply: an SL without authentication" 1 "needs authentication-key KEY .* or \"authentication none\"" \
	dslitectl apply "$TMPD/auth"
printf 'instance add x id 1\ninstance add x id 2\n' >"$TMPD/dup"
check_err "apply: an instance twice" 1 "dup:2: instance x is added twice" dslitectl apply "$TMPD/dup"
printf 'instance add x id 1\ntimeout set x udp soon\n' >"$TMPD/to"
check_err "apply: a bad timeout value" 1 "to:2: bad timeout set" dslitectl apply "$TMPD/to"
check_err "a saved key-less SL line (as -b reads it) is refused before the kernel" 1 "put the key back" \
	dslitectl service-location add 3 remote-backup interface e peer 192.0.2.3 port 8286 hash-algorithm hmac-sha256
# abbreviations: unique prefixes only; an ambiguous one names the candidates
check_err "s is ambiguous: a usage error naming the objects" 1 \
	'object "s" is ambiguous: session, stats, service-location, service-instance-group, save' dslitectl s show
check_err "se is ambiguous" 1 'object "se" is ambiguous: session, service-location, service-instance-group' \
	dslitectl se show
check_err "inst s is ambiguous (set, show)" 1 'instance command "s" is ambiguous: set, show' dslitectl inst s
check_err "h is ambiguous (ha, help)" 1 'object "h" is ambiguous: ha, help' dslitectl h
check_err "sess he: session help (unique prefixes)" 0 "dslitectl session show" dslitectl sess he
check_err "inst se: instance set (unique), its own error" 1 "instance set: NAME is missing" dslitectl inst se
check_err "service-location l: list (show)" 0 "Usage: dslitectl service-location" dslitectl service-location l help
check_err "an exact word wins over the longer ones it prefixes" 0 "Usage: dslitectl \[OPTIONS\]" dslitectl help
# session show's filters, checked before the kernel is asked
check_err "public: a bad address" 1 'public "1.2.3" is not an IPv4 address' dslitectl session show public 1.2.3
check_err "public: a port beyond 65535" 1 'public "1.2.3.4:65536"' dslitectl session show public 1.2.3.4:65536
check_err "remote: an empty port" 1 'remote "1.2.3.4:"' dslitectl session show remote 1.2.3.4:
check_err "limit 0 is refused" 1 'limit "0" is not a number of 1 or more' dslitectl session show limit 0
check_err "count and limit exclude each other" 1 "count and limit exclude each other" \
	dslitectl session show count limit 5
check_err "flush takes no public filter" 1 'unknown argument "public"' dslitectl session flush public 1.2.3.4
check_err "user show takes no public filter" 1 'unknown argument "public"' dslitectl user show public 1.2.3.4
# -f: a batch goes on past a failed line; the status is the first failure's
printf 'frobnicate\nhelp\ninstance fly\n' >"$TMPD/bad"
check_err "-b stops at the first failing line" 1 "Command failed .*bad:1" dslitectl -b "$TMPD/bad"
out=$(dslitectl -b "$TMPD/bad" 2>&1)
assert_eq "... and runs nothing after it" "$(grep -c "Usage: dslitectl \[OPTIONS\]" <<<"$out")" 0
out=$(dslitectl -f -b "$TMPD/bad" 2>&1)
rc=$?
assert_eq "-f -b: every line runs, both failures reported, exit 1" \
	"$rc $(grep -c "Usage: dslitectl \[OPTIONS\]" <<<"$out") $(grep -o "bad:[0-9]" <<<"$out" | tr '\n' ' ')" \
	"1 1 bad:1 bad:3 "
printf 'help\ninstance show\ninstance fly\n' >"$TMPD/bad2"
if [[ -e /proc/modules ]] && grep -q '^dslite ' /proc/modules; then
	skip "-f: the status is the first failure's (2, not 1)" "module is loaded here"
else
	check_rc "-f: the status is the first failure's (2, not the later 1)" 2 dslitectl --force -b "$TMPD/bad2"
fi
check_err "man page renders with EXIT STATUS" 0 "EXIT STATUS" bash -c "MANWIDTH=80 man -l '$REPO/tools/dslitectl.8' 2>/dev/null"
ksft_finish
