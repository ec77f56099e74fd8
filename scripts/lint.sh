#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel-style checks of the module, as TAP with a "# Totals:" line:
# checkpatch.pl --strict (taken from Debian's linux-source package), a W=1
# build with zero warnings, and sparse (C=2) with zero reports.
source "$(dirname "$0")/../selftests/lib.sh"
# lint the real module, never a planted-bug build
unset PLANT
cd "$REPO" || exit 1

KVER=${KVER:-$(ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | sort -V | tail -1)}
KDIR=${KDIR:-/lib/modules/$KVER/build}
CP_DIR=/var/cache/dslite/checkpatch

get_checkpatch() {
	local tar
	# pinned: 6.1's checkpatch, not the newest source's (deps.sh also
	# installs linux-source-6.12, for YNL), so a machine's verdict does
	# not depend on which tarballs it has; the stamp names the tarball
	tar=/usr/src/linux-source-6.1.tar.xz
	[[ -f $tar ]] || tar=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -1)
	[[ -n "$tar" ]] || return 1
	if [[ ! -x "$CP_DIR/scripts/checkpatch.pl" || "$tar" -nt "$CP_DIR/stamp" ||
		"$(cat "$CP_DIR/stamp" 2>/dev/null)" != "$tar" ]]; then
		rm -rf "$CP_DIR" && mkdir -p "$CP_DIR" || return 1
		local top
		top=$(tar -tJf "$tar" | head -1 | cut -d/ -f1)
		tar -xJf "$tar" -C "$CP_DIR" --strip-components=1 \
			"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
			"$top/scripts/const_structs.checkpatch" || return 1
		echo "$tar" >"$CP_DIR/stamp"
	fi
}

mapfile -t files < <(git ls-files 'kmod/*.c' 'kmod/*.h' 'include/uapi/linux/*.h')
if get_checkpatch; then
	out=$("$CP_DIR/scripts/checkpatch.pl" --strict --no-tree --terse \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "${files[@]}" 2>&1)
	if grep -Eq "(ERROR|WARNING|CHECK):" <<<"$out"; then
		fail "checkpatch --strict clean" "$(grep -E '(ERROR|WARNING|CHECK):' <<<"$out" | head -40)"
	else
		ok "checkpatch --strict clean (${#files[@]} files)"
	fi
else
	skip "checkpatch --strict clean" "linux-source package missing"
fi

# SPDX first line on every source file of the project
missing=$(git ls-files '*.c' '*.h' '*.sh' '*Makefile' '*Kbuild' 'Kconfig' | xargs grep -L "SPDX-License-Identifier")
if [[ -z "$missing" ]]; then ok "SPDX header on every source file"; else fail "SPDX header on every source file" "$missing"; fi

build=$(mktemp -d)
cp -r kmod include "$build/"
out=$(make -C "$KDIR" M="$build/kmod" W=1 modules 2>&1)
rc=$?
if [[ $rc -eq 0 ]] && ! grep -q "warning:" <<<"$out"; then
	ok "W=1 build without warnings"
else
	fail "W=1 build without warnings" "$(grep -E 'warning:|error:' <<<"$out" | head -20)"
fi
if command -v sparse >/dev/null; then
	make -C "$KDIR" M="$build/kmod" clean >/dev/null 2>&1
	out=$(make -C "$KDIR" M="$build/kmod" C=2 CF="-D__CHECK_ENDIAN__" modules 2>&1)
	# sparse prints "file:line:col: warning|error: ..." for our files only
	rep=$(grep -E "$build/kmod/.*: (warning|error):" <<<"$out")
	if [[ -z "$rep" ]]; then
		ok "sparse clean"
	else
		fail "sparse clean" "$rep"
	fi
else
	skip "sparse clean" "sparse missing"
fi
rm -rf "$build"
ksft_finish
