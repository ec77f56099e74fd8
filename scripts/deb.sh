#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: the Debian packages dslite-dkms and dslite-tools, built from
# a copy of the git-tracked tree in build/deb/ (dpkg-buildpackage writes
# into the parent directory, which must not be outside the checkout), then
# checked by lintian. The .deb files end up in build/deb/.
# Exit 0 when both packages were built and lintian reported no error or
# warning (the overrides in debian/*.lintian-overrides say why each one is
# accepted).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --deb
VER=$(cat VERSION)
OUT=build/deb
SRC=$OUT/dslite-$VER
rm -rf "$OUT" && mkdir -p "$SRC"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -z | xargs -0 cp --parents -t "$SRC"
	# files not committed yet would be missing: say so rather than build a
	# package that differs from the tree silently
	untracked=$(git ls-files --others --exclude-standard -- debian tools kmod include keepalived-scripts)
	[[ -z $untracked ]] || echo "deb.sh: not packaged (untracked): $untracked" >&2
else
	tar -c --exclude=./build --exclude='*.o' --exclude='*.ko' . | tar -x -C "$SRC"
fi
(cd "$SRC" && dpkg-buildpackage -us -uc -b --no-sign) >"$OUT/build.log" 2>&1 || {
	tail -40 "$OUT/build.log"
	echo "deb.sh: dpkg-buildpackage failed (log: $OUT/build.log)" >&2
	exit 1
}
ls "$OUT"/*.deb
changes=$(ls "$OUT"/dslite_"$VER"_*.changes)
lintian --fail-on error,warning --info "$changes"
echo "deb.sh: lintian clean"
