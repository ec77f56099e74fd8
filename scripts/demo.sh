#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot a VM with Debian's kernel, load dslite, create an
# instance in a network namespace and show it in text and JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -s all
exec selftests/vm/run --timeout 300 -- bash -c '
set -e
D=tools/dslitectl
run() { echo "\$ $*"; "$@"; }
echo "== kernel $(uname -r), module: $(grep ^dslite /proc/modules | cut -d" " -f1-2)"
run ip netns add aftr
run $D -n aftr instance add dsl0 id 1 aftr 2001:db8::1
run $D -n aftr instance add dsl1 id 2 aftr 2001:db8::2
run $D -n aftr instance show
run $D -n aftr -j -p instance show
echo "== refused requests say why:"
run $D -n aftr instance add dsl0 id 3 || true
run $D -n aftr instance add averyveryverylongname id 3 || true
run $D -n aftr instance del dsl1
run $D -n aftr -j instance show
'
