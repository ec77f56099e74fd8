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
check_err "man page renders with EXIT STATUS" 0 "EXIT STATUS" bash -c "MANWIDTH=80 man -l '$REPO/tools/dslitectl.8' 2>/dev/null"
ksft_finish
