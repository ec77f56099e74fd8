#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the installation: `make install-tools` into a staging
# DESTDIR for the Debian layout (PREFIX=/usr) and the default /usr/local
# one (every shipped file there, executables executable, units and
# examples naming the sbin they were installed to), `make uninstall`
# leaving nothing, `make install-dkms` giving a DKMS tree that builds the
# module, `make deb` building both packages lintian-clean, and dslite-boot
# against fake dslitectl/ip/modprobe (what start, reload and backup-all
# run, and that a failing step does not stop the others).
source "$(dirname "$0")/../lib.sh"
cd "$REPO" || exit 1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
VER=$(cat VERSION)

section "make install-tools PREFIX=/usr"
D=$W/deb
check "install-tools PREFIX=/usr" make -s install-tools DESTDIR="$D" PREFIX=/usr
for f in usr/sbin/dslitectl usr/sbin/dslite-boot usr/sbin/dslite-notify \
	usr/sbin/dslite-track usr/sbin/dslite-who usr/sbin/dslite-logd; do
	check "$f executable" test -x "$D/$f"
done
for p in dslitectl dslite-boot dslite-notify dslite-track dslite-who dslite-logd; do
	check "man page $p.8" test -f "$D/usr/share/man/man8/$p.8"
	check "completion for $p" test -e "$D/usr/share/bash-completion/completions/$p"
done
for f in etc/default/dslite lib/systemd/system/dslite.service lib/systemd/system/dslite-logd.service \
	etc/default/dslite-logd etc/logrotate.d/dslite-logd \
	lib/systemd/system/keepalived.service.d/dslite.conf usr/lib/sysctl.d/60-dslite.conf \
	usr/share/doc/dslite/examples/keepalived-1to1.conf usr/share/doc/dslite/examples/keepalived-1to1-b.conf \
	usr/share/doc/dslite/examples/frr/frr-aftr-a.conf; do
	check "$f" test -f "$D/$f"
done
check "/etc/dslite exists" test -d "$D/etc/dslite"
check "dslite.service runs /usr/sbin/dslite-boot start" \
	grep -qx 'ExecStart=/usr/sbin/dslite-boot start' "$D/lib/systemd/system/dslite.service"

section "make install-tools (PREFIX=/usr/local), then uninstall"
L=$W/local
check "install-tools" make -s install-tools DESTDIR="$L"
check "units under /usr/local/lib/systemd/system" \
	test -f "$L/usr/local/lib/systemd/system/dslite.service"
check "they name /usr/local/sbin/dslite-boot" \
	grep -qx 'ExecStart=/usr/local/sbin/dslite-boot start' "$L/usr/local/lib/systemd/system/dslite.service"
check "no unit, drop-in or example names /usr/sbin" \
	bash -c "! grep -rl '/usr/sbin/' '$L/usr/local/lib/systemd' '$L/usr/local/share/doc'"
check "the examples name /usr/local/sbin's hooks" \
	grep -q '/usr/local/sbin/dslite-notify' "$L/usr/local/share/doc/dslite/examples/keepalived-1to1.conf"
check "uninstall" make -s uninstall DESTDIR="$L" KVER=none
left=$(find "$L" -type f -o -type l)
assert_eq "uninstall leaves no file" "$left" ""

section "make install-dkms: a DKMS source tree that builds"
S=$W/dkms
check "install-dkms" make -s install-dkms DESTDIR="$S"
T=$S/usr/src/dslite-$VER
check "dkms.conf carries VERSION ($VER)" grep -qx "PACKAGE_VERSION=\"$VER\"" "$T/dkms.conf"
check "AUTOINSTALL" grep -qx 'AUTOINSTALL="yes"' "$T/dkms.conf"
KDIR=$(ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -1)
if [[ -n $KDIR ]]; then
	check "the tree builds the module (dkms.conf's MAKE, $KDIR)" \
		make -s -C "$KDIR" M="$T/kmod" modules
	check "with modinfo version $VER" \
		bash -c "[[ \$(modinfo -F version '$T/kmod/dslite.ko') == '$VER' ]]"
else
	skip "the tree builds the module" "no kernel headers"
fi

section "make deb"
if command -v dpkg-buildpackage >/dev/null && dpkg -s dh-dkms >/dev/null 2>&1 &&
	command -v lintian >/dev/null; then
	check "make deb (both packages, lintian clean)" make -s deb
	for p in dslite-dkms_${VER}_all dslite-tools_${VER}_amd64; do
		check "build/deb/$p.deb" test -f "build/deb/$p.deb"
	done
	check "dslite-dkms holds the DKMS tree" \
		bash -c "dpkg -c build/deb/dslite-dkms_${VER}_all.deb | grep -q './usr/src/dslite-$VER/dkms.conf'"
	check "dslite-tools enables dslite.service (not started at install)" \
		bash -c "dpkg-deb -e build/deb/dslite-tools_${VER}_amd64.deb '$W/ctl' && grep -q 'deb-systemd-helper' '$W/ctl/postinst' && ! grep -q 'deb-systemd-invoke start' '$W/ctl/postinst'"
else
	skip "make deb" "debhelper/dh-dkms/lintian missing (scripts/deps.sh --deb)"
fi

section "dslite-boot against fakes"
F=$W/fake
mkdir -p "$F"
for c in dslitectl ip modprobe sysctl logger; do
	cat >"$F/$c" <<FAKE
#!/bin/bash
echo "$c \$*" >>"$W/calls"
[[ -e "$W/fail.$c" ]] && grep -q -- "\$(cat "$W/fail.$c")" <<<"\$*" && exit 2
if [[ $c == dslitectl ]]; then
	case "\$*" in
	"instance show") printf 'instance dsl0 id 1 aftr 2001:db8::1\ninstance dsl1 id 2 aftr 2001:db8::2\n' ;;
	"pool show") printf 'pool 198.51.100.0/28 instance dsl0 blocks 64 used 0\npool 203.0.113.0/28 instance dsl1 blocks 64 used 0 service-location 1\n' ;;
	"service-location show") printf 'service-location 1 role master peer 192.0.2.2\nservice-location 7 role init peer 192.0.2.3\n' ;;
	esac
fi
exit 0
FAKE
	chmod +x "$F/$c"
done
boot() { : >"$W/calls"; PATH=$F:$PATH "$REPO/tools/dslite-boot" "$@" >/dev/null 2>&1; }
echo "instance add dsl0 id 1" >"$W/conf"
boot -c "$W/conf" start
assert_eq "start: exit 0" "$?" 0
assert_eq "start: what it ran" "$(grep -v '^logger' "$W/calls")" "modprobe dslite
dslitectl apply $W/conf
dslitectl instance show
ip link set dev dsl0 up
ip link set dev dsl1 up
dslitectl pool show
ip route replace 198.51.100.0/28 dev dsl0 proto static
ip route replace 203.0.113.0/28 dev dsl1 proto static"
printf 'SL_POOL_ROUTES=notify\nROUTE_PROTO=99\n' >"$W/defaults"
DSLITE_DEFAULTS=$W/defaults boot -c "$W/conf" routes
assert_eq "SL_POOL_ROUTES=notify: the SL's pool gets only a blackhole" \
	"$(grep '^ip route' "$W/calls")" "ip route replace 198.51.100.0/28 dev dsl0 proto static
ip route replace blackhole 203.0.113.0/28 metric 4294967295"
echo 'SL_POOL_ROUTES=bogus' >"$W/defaults"
DSLITE_DEFAULTS=$W/defaults boot routes
assert_eq "a bad SL_POOL_ROUTES: usage error, nothing done" "$?/$(grep -vc "^logger" "$W/calls")" "1/0"
boot -c "$W/nonexistent" reload
assert_eq "reload without a file: no apply, exit 0" \
	"$?/$(grep -c '^dslitectl apply' "$W/calls")" "0/0"
echo "dsl0" >"$W/fail.ip"
boot -c "$W/conf" reload
rc=$?
assert_eq "a failing step: exit 2" "$rc" 2
check "and the later steps still ran" grep -q 'ip link set dev dsl1 up' "$W/calls"
check "the failure is logged" grep -q 'logger -t dslite-boot -- error: ip link set dsl0 up' "$W/calls"
rm -f "$W/fail.ip"
# (with the module loaded, backup-all's SL walk is checked in the VM:
# selftests/pkg_install.sh)
if [[ ! -d /sys/module/dslite ]]; then
	boot backup-all
	assert_eq "backup-all without the module: nothing sent, exit 0" \
		"$?/$(grep -c '^dslitectl' "$W/calls")" 0/0
fi
check_rc "usage error: exit 1" 1 "$REPO/tools/dslite-boot" bogus
check_rc "-h: exit 0" 0 "$REPO/tools/dslite-boot" -h
ksft_finish
