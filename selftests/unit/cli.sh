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
check_err "man page renders with EXIT STATUS" 0 "EXIT STATUS" bash -c "MANWIDTH=80 man -l '$REPO/tools/dslitectl.8' 2>/dev/null"
ksft_finish
