#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the dslite debug kernel: Debian's linux-source-6.1,
# `make tinyconfig` + dslite-debug.config (KASAN, UBSAN, lockdep, kmemleak,
# KUnit, and the networking the tests need, all built in).
#
# Usage:
#   build.sh                 build or reuse; progress on stderr; the last
#                            stdout line is the cache directory
#   build.sh --print-kdir    print the KDIR (prepared tree for out-of-tree
#                            module builds) if cached and complete, else exit 1
#   build.sh --print-image   same for the bzImage
#   build.sh --check         exit 0 if a complete kernel for the current key
#                            is cached, 1 otherwise
#   build.sh --rebuild       discard the cached kernel for the current key
#                            and build it again
#   build.sh --prune         delete cached kernels of every other key
#                            (a build keeps the 3 most recent ones)
#
# The --print-*/--check modes never build and never take the lock.
#
# Cache: $DSLITE_CACHE_DIR (default /var/cache/dslite)/debug-kernel/<KEY>/
#   src/            the built source tree: use it as KDIR
#   bzImage config System.map Module.symvers kernelrelease key.txt build.log
#   COMPLETE        stamp, written last; a directory without it is garbage
# KEY = first 16 hex digits of the sha256 over: this script, the fragment,
# the linux-source package version, and the gcc and ld versions.
# ccache: $DSLITE_CACHE_DIR/ccache.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
FRAGMENT="$HERE/dslite-debug.config"
SRC_PKG=linux-source-6.1
SRC_TARBALL=/usr/src/$SRC_PKG.tar.xz
CACHE_BASE=${DSLITE_CACHE_DIR:-/var/cache/dslite}
CACHE_ROOT=$CACHE_BASE/debug-kernel
JOBS=2

log() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
	sed -n '/^# Usage:/,/^# The --print/p' "$SELF" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# The inputs of the cache key, one per line (also saved as key.txt).
key_inputs() {
	local srcver gccver ldver
	srcver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) || return 1
	[[ -n "$srcver" ]] || return 1
	gccver=$(gcc --version 2>/dev/null | head -n1) || return 1
	ldver=$(ld --version 2>/dev/null | head -n1) || return 1
	printf 'build.sh %s\n' "$(sha256sum <"$SELF" | cut -d' ' -f1)"
	printf 'fragment %s\n' "$(sha256sum <"$FRAGMENT" | cut -d' ' -f1)"
	printf 'source %s %s\n' "$SRC_PKG" "$srcver"
	printf 'gcc %s\n' "$gccver"
	printf 'ld %s\n' "$ldver"
}

compute_key() {
	local inputs
	inputs=$(key_inputs) || return 1
	printf '%s\n' "$inputs" | sha256sum | cut -c1-16
}

is_complete() {
	local d=$1
	[[ -f "$d/COMPLETE" && -f "$d/bzImage" && -f "$d/src/Module.symvers" &&
		-f "$d/src/vmlinux" && -f "$d/src/include/generated/autoconf.h" ]]
}

mode=build
case "${1:-}" in
"") ;;
--print-kdir) mode=kdir ;;
--print-image) mode=image ;;
--check) mode=check ;;
--rebuild) mode=rebuild ;;
--prune) mode=prune ;;
-h | --help) usage ;;
*) log "unknown argument: $1"; usage ;;
esac
[[ $# -le 1 ]] || usage

# ------------------------------------------------------- read-only modes --
if [[ $mode == kdir || $mode == image || $mode == check ]]; then
	KEY=$(compute_key 2>/dev/null) || exit 1
	DIR=$CACHE_ROOT/$KEY
	is_complete "$DIR" || exit 1
	case $mode in
	kdir) echo "$DIR/src" ;;
	image) echo "$DIR/bzImage" ;;
	esac
	exit 0
fi

# ---------------------------------------------------------- build modes --
[[ -f "$FRAGMENT" ]] || die "missing $FRAGMENT"
missing=()
for t in make gcc ld flex bison bc tar xz perl flock sha256sum dpkg-query; do
	command -v "$t" >/dev/null || missing+=("$t")
done
[[ -f "$SRC_TARBALL" ]] || missing+=("$SRC_TARBALL")
[[ -f /usr/include/libelf.h ]] || missing+=(libelf-dev)
[[ -f /usr/include/openssl/opensslv.h ]] || missing+=(libssl-dev)
[[ ${#missing[@]} -eq 0 ]] ||
	die "missing: ${missing[*]} (run scripts/deps.sh --debug as root)"

KEY=$(compute_key) || die "cannot compute the cache key ($SRC_PKG not installed?)"
DIR=$CACHE_ROOT/$KEY
SRC=$DIR/src
LOG=$DIR/build.log

if [[ $mode == build ]] && is_complete "$DIR"; then
	log "cached: $DIR"
	echo "$DIR"
	exit 0
fi

if ! mkdir -p "$CACHE_ROOT" 2>/dev/null || [[ ! -w "$CACHE_ROOT" ]]; then
	die "$CACHE_ROOT is not writable (run as root or set DSLITE_CACHE_DIR)"
fi
exec 9>"$CACHE_ROOT/.lock"
if ! flock -n 9; then
	log "another build holds $CACHE_ROOT/.lock; waiting for it"
	flock 9
fi

# Under the lock, any directory without a stamp is a dead partial build.
for d in "$CACHE_ROOT"/*/; do
	d=${d%/}
	[[ -d "$d" && "$d" != "$DIR" ]] || continue
	if [[ ! -f "$d/COMPLETE" ]]; then
		log "removing incomplete build $d"
		rm -rf "$d"
	elif [[ $mode == prune ]]; then
		log "pruning $d"
		rm -rf "$d"
	fi
done
if [[ $mode == prune ]]; then
	exit 0
fi
if [[ $mode == rebuild ]]; then
	rm -f "$DIR/COMPLETE"
elif is_complete "$DIR"; then
	# someone else built it while we waited for the lock
	log "cached: $DIR"
	echo "$DIR"
	exit 0
fi

t_start=$SECONDS
rm -rf "$DIR"
mkdir -p "$SRC"
key_inputs >"$DIR/key.txt"
: >"$LOG"
log "building $KEY in $DIR (log: $LOG)"

# Kbuild must not see variables of a calling make (MAKEFLAGS carries the
# caller's jobserver and command-line overrides such as V= or M=) nor a
# cross or out-of-tree setup from the environment.
CLEANENV=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u GNUMAKEFLAGS
	-u ARCH -u SRCARCH -u SUBARCH -u CROSS_COMPILE -u O -u KBUILD_OUTPUT
	-u M -u KBUILD_EXTMOD -u CC -u HOSTCC -u LD -u LLVM -u LLVM_IAS
	-u KCFLAGS -u KCPPFLAGS -u KAFLAGS -u KBUILD_CFLAGS -u CFLAGS
	-u CPPFLAGS -u LDFLAGS -u W -u C -u V -u KCONFIG_CONFIG
	-u LOCALVERSION -u KBUILD_BUILD_VERSION)
KMAKE=("${CLEANENV[@]}" make -C "$SRC" ARCH=x86)

# Long steps run in the background (a simple command, so $! is the process
# itself, not a subshell) and are waited for: a signal to this script then
# runs the trap at once, and the trap stops the step (make passes SIGTERM on
# to its children). The unfinished directory has no stamp; the next build
# removes it.
child=
on_signal() {
	trap - INT TERM HUP
	log "interrupted; stopping the build"
	if [[ -n $child ]]; then
		kill -TERM "$child" 2>/dev/null
		wait "$child" 2>/dev/null
	fi
	exit 143
}
trap on_signal INT TERM HUP
start() { # start "$@" in the background with output to the log
	"$@" >>"$LOG" 2>&1 </dev/null &
	child=$!
}
finish() { # wait for the started step, return its status
	local rc=0
	wait "$child" || rc=$?
	child=
	return "$rc"
}
run() { # run "$@" (output to the log) and return its status
	start "$@"
	finish
}

# ccache through Debian's masquerade directory, so CC stays plain "gcc" in
# the tree's .cmd files and include/config/auto.conf.cmd: the kept tree is
# then consistent with a later `make -C KDIR M=... modules` run without
# ccache (CC="ccache gcc" would be recorded and differ from it).
export CCACHE_DIR=${DSLITE_CCACHE_DIR:-$CACHE_BASE/ccache}
export CCACHE_BASEDIR=$SRC
mkdir -p "$CCACHE_DIR"
ORIG_PATH=$PATH
if [[ -x /usr/lib/ccache/gcc ]]; then
	export PATH=/usr/lib/ccache:$PATH
	CCARG=()
elif command -v ccache >/dev/null; then
	CCARG=(CC="ccache gcc")
else
	log "ccache not installed: building without it"
	CCARG=()
fi

log "extracting $SRC_TARBALL"
run tar -C "$SRC" --strip-components=1 -xf "$SRC_TARBALL" ||
	die "cannot extract $SRC_TARBALL"

log "configuring: tinyconfig + $(basename "$FRAGMENT")"
if ! run "${KMAKE[@]}" tinyconfig ||
	! run env -C "$SRC" scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" ||
	! run "${KMAKE[@]}" olddefconfig; then
	tail -n 30 "$LOG" >&2
	die "configuration failed"
fi

# Everything the tests need is built in; the kernel installs no modules of
# its own, so turn options that default to =m off rather than build them.
mods=$(grep -E '^CONFIG_[A-Za-z0-9_]+=m$' "$SRC/.config" | cut -d= -f1 | tr '\n' ' ' || true)
if [[ -n "$mods" ]]; then
	log "disabling default-m options: $mods"
	sed -i -E 's/^(CONFIG_[A-Za-z0-9_]+)=m$/# \1 is not set/' "$SRC/.config"
	run "${KMAKE[@]}" olddefconfig || die "olddefconfig failed"
fi

# Every line of the fragment must have survived: Kconfig silently drops an
# option whose dependencies are not met.
bad=()
while IFS= read -r line; do
	if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
		sym=${BASH_REMATCH[1]}
		grep -qxF -- "$line" "$SRC/.config" && continue
		got=$(grep -E "^$sym=|^# $sym is not set" "$SRC/.config" || true)
		bad+=("$line  (got: ${got:-absent})")
	elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
		sym=${BASH_REMATCH[1]}
		got=$(grep -E "^$sym=" "$SRC/.config" || true)
		[[ -z "$got" ]] || bad+=("$line  (got: $got)")
	fi
done <"$FRAGMENT"
if [[ ${#bad[@]} -gt 0 ]]; then
	log "these options of $(basename "$FRAGMENT") did not make it into .config"
	log "(missing dependency or unknown symbol; fix the fragment):"
	printf '  %s\n' "${bad[@]}" >&2
	die "config verification failed (.config kept in $SRC)"
fi
log "config verified: all $(grep -cE '^(CONFIG_|# CONFIG_.* is not set$)' "$FRAGMENT") fragment lines present"

# bzImage, vmlinux and the modpost pass that writes Module.symvers
# (`all` = vmlinux + bzImage + modules; there are no in-tree modules).
log "compiling with -j$JOBS (about 10 min cold, less with a warm ccache)"
start "${KMAKE[@]}" -j"$JOBS" "${CCARG[@]}" all modules_prepare
while kill -0 "$child" 2>/dev/null; do
	for _ in $(seq 60); do
		kill -0 "$child" 2>/dev/null || break
		sleep 1
	done
	kill -0 "$child" 2>/dev/null || break
	n=$(grep -c '^  CC ' "$LOG" || true)
	log "  ... $(((SECONDS - t_start) / 60)) min, $n files compiled"
done
rc=0
finish || rc=$?
if [[ $rc -ne 0 ]]; then
	grep -E 'error|Error' "$LOG" | tail -n 20 >&2 || true
	tail -n 20 "$LOG" >&2
	die "kernel build failed (rc $rc), full log: $LOG"
fi

for f in arch/x86/boot/bzImage vmlinux System.map Module.symvers .config; do
	[[ -s "$SRC/$f" ]] || die "build finished but $f is missing"
done
KREL=$(cat "$SRC/include/config/kernel.release")
cp "$SRC/arch/x86/boot/bzImage" "$DIR/bzImage"
cp "$SRC/.config" "$DIR/config"
cp "$SRC/System.map" "$SRC/Module.symvers" "$DIR/"
echo "$KREL" >"$DIR/kernelrelease"

# Prove the tree works as KDIR the way the project uses it: a plain
# environment (no ccache, no CC=), `make -C KDIR M=... modules`.
log "checking that $SRC works as KDIR for an out-of-tree module"
st=$DIR/kdir-selftest
mkdir -p "$st"
cat >"$st/kdir_selftest.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <crypto/hash.h>
static int __init kdir_selftest_init(void)
{
	struct crypto_shash *t = crypto_alloc_shash("hmac(sha256)", 0, 0);

	if (IS_ERR(t))
		return PTR_ERR(t);
	crypto_free_shash(t);
	return 0;
}
module_init(kdir_selftest_init);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := kdir_selftest.o' >"$st/Makefile"
if ! run env PATH="$ORIG_PATH" "${CLEANENV[@]}" make -C "$SRC" M="$st" modules; then
	tail -n 20 "$LOG" >&2
	die "out-of-tree module build against $SRC failed"
fi
vermagic=$(modinfo -F vermagic "$st/kdir_selftest.ko" 2>/dev/null ||
	strings "$st/kdir_selftest.ko" | sed -n 's/^vermagic=//p')
[[ "$vermagic" == "$KREL "* ]] ||
	die "test module vermagic '$vermagic' does not match kernel release $KREL"
rm -rf "$st"

t_build=$((SECONDS - t_start))
{
	echo "key=$KEY"
	echo "kernelrelease=$KREL"
	echo "vermagic=$vermagic"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "build_seconds=$t_build"
} >"$DIR/COMPLETE.tmp"
mv "$DIR/COMPLETE.tmp" "$DIR/COMPLETE"

# Keep the three most recently built kernels (about 2 GB each).
# shellcheck disable=SC2012 # cache dir names are hex keys
ls -1dt "$CACHE_ROOT"/*/COMPLETE 2>/dev/null | tail -n +4 | while read -r f; do
	log "removing old cached kernel ${f%/COMPLETE}"
	rm -rf "${f%/COMPLETE}"
done
log "done in $((t_build / 60))m$((t_build % 60))s: $KREL, $(du -sh "$DIR" | cut -f1) in $DIR"
echo "$DIR"
