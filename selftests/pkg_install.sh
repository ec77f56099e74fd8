#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A router installed from the Debian packages of `make deb` (build/deb, or
# DSLITE_DEBS): dpkg -i of dslite-dkms and dslite-tools builds the module
# with DKMS for the running kernel; `modprobe dslite` pulls in tunnel6,
# udp_tunnel and ip6_udp_tunnel; a second kernel's headers being
# installed (the hook linux-headers' postinst runs) rebuilds it for that
# kernel; the systemd units verify; a saved configuration survives a
# "reboot" (module unloaded, dslite.service's ExecStart run); translate.sh
# passes with the installed dslitectl and module, and so do an HA pair's
# tests with the installed hooks, dslite-boot and example files
# (ha_failover.sh's failover and rolling upgrade, ha_bgp.sh's FRR);
# dpkg -r removes it all.
# Run in the VM with --no-module (the VM's root is a tmpfs overlay of the
# host's, so nothing is installed on the host). Part of `make check-router`.
source "$(dirname "$0")/lib.sh"
require_root
DEBS=${DSLITE_DEBS:-$REPO/build/deb}
CTL=/usr/sbin/dslitectl
K=$(uname -r)
VER=$(cat "$REPO/VERSION")

if ! ls "$DEBS"/dslite-dkms_*.deb "$DEBS"/dslite-tools_*.deb >/dev/null 2>&1; then
	skip "packages" "no packages in $DEBS (make deb)"
	ksft_finish
fi
if ! command -v dkms >/dev/null; then
	skip "dkms" "dkms not installed (scripts/deps.sh --deb)"
	ksft_finish
fi
if grep -q '^dslite ' /proc/modules; then
	fail "no dslite module loaded before the packages (run with --no-module)"
	ksft_finish
fi
trap 'cleanup_ns; ip link del dsl0 2>/dev/null' EXIT

section "install the packages (DKMS builds for $K)"
t0=$SECONDS
check "dpkg -i dslite-tools dslite-dkms" \
	dpkg -i "$DEBS"/dslite-tools_*.deb "$DEBS"/dslite-dkms_*.deb
echo "# dpkg -i took $((SECONDS - t0)) s"
check "dkms status: installed for $K" \
	bash -c "dkms status dslite/$VER -k $K | grep -q installed"
check "the module is under /lib/modules/$K/updates/dkms" \
	bash -c "ls /lib/modules/$K/updates/dkms/dslite.ko*"
assert_eq "modinfo dslite: version" "$(modinfo -F version dslite 2>&1)" "$VER"
check "modprobe dslite (dependencies resolved by modprobe)" modprobe dslite
for m in tunnel6 udp_tunnel ip6_udp_tunnel; do
	check "$m loaded with it" grep -q "^$m " /proc/modules
done
check "installed dslitectl talks to it" "$CTL" instance show
check "man pages installed" bash -c 'for p in dslitectl dslite-boot dslite-notify dslite-track dslite-who; do man -w $p >/dev/null || exit 1; done'

section "a second kernel: its headers' postinst hook makes DKMS build for it"
OTHER=
for d in /lib/modules/*/build; do
	v=${d#/lib/modules/}; v=${v%/build}
	[[ $v != "$K" && -e /boot/vmlinuz-$v ]] && OTHER=$v
done
if [[ -z $OTHER ]]; then
	skip "second kernel" "only $K has headers"
else
	# dpkg -i may have built for every kernel with headers already; undo
	# that for $OTHER so the hook is what builds it
	dkms remove "dslite/$VER" -k "$OTHER" >/dev/null 2>&1
	check "not built for $OTHER before the hook" \
		bash -c "! ls /lib/modules/$OTHER/updates/dkms/dslite.ko* 2>/dev/null"
	t0=$SECONDS
	check "/etc/kernel/header_postinst.d/dkms $OTHER" \
		/etc/kernel/header_postinst.d/dkms "$OTHER"
	echo "# the rebuild took $((SECONDS - t0)) s"
	check "built and installed for $OTHER" \
		bash -c "dkms status dslite/$VER -k $OTHER | grep -q installed"
	got=$(modinfo -k "$OTHER" -F vermagic dslite 2>&1)
	check "its vermagic is $OTHER's" grep -q "^$OTHER " <<<"$got"
fi

section "systemd units"
for u in dslite.service dslite-logd.service; do
	check "systemd-analyze verify $u" systemd-analyze verify --man=no \
		"/lib/systemd/system/$u"
done
check "keepalived's drop-in is installed and names dslite-boot backup-all" \
	grep -q '^ExecStopPost=-/usr/sbin/dslite-boot backup-all' \
	/lib/systemd/system/keepalived.service.d/dslite.conf

section "boot: the saved configuration comes back after a reboot"
ip link add acc0 type dummy && ip link set acc0 up && ip addr add 192.0.2.1/24 dev acc0
ip -6 addr add 2001:db8::1/128 dev lo
"$CTL" -b - <<'CONF'
ha set hot-backup on
service-location add 1 remote-backup interface acc0 peer 192.0.2.2 authentication-key pkg-install-test-key-0123 hash-algorithm hmac-sha256
service-instance-group add sig1 service-location 1
instance add dsl0 id 1 aftr 2001:db8::1 port-block-size 256 max-sessions-per-user 500
timeout set dsl0 udp 600 tcp-est 3600
pool add dsl0 198.51.100.0/28
instance add dsl1 id 2 aftr 2001:db8::2 service-instance-group sig1
pool add dsl1 203.0.113.0/28 service-location 1
CONF
check "configured" test $? -eq 0
before=$("$CTL" save --with-keys)
check "dslitectl save --with-keys file /etc/dslite/dslite.conf" \
	"$CTL" save --with-keys file /etc/dslite/dslite.conf
check "the file is mode 0600" bash -c '[[ $(stat -c %a /etc/dslite/dslite.conf) == 600 ]]'
check "the file holds the key" grep -q pkg-install-test-key-0123 /etc/dslite/dslite.conf
assert_eq "the file holds what save prints" "$(cat /etc/dslite/dslite.conf)" "$before"
check "the module unloads (the reboot)" modprobe -r dslite
check "and is gone" bash -c '! grep -q "^dslite " /proc/modules'
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/dslite.service)
assert_eq "dslite.service's ExecStart" "$exec_start" "/usr/sbin/dslite-boot start"
check "dslite.service's ExecStart ($exec_start)" $exec_start
assert_eq "save after the reboot is save before it" "$("$CTL" save --with-keys 2>&1)" "$before"
check "instance devices up" bash -c 'ip -o link show dsl0 | grep -q "[<,]UP[,>]" && ip -o link show dsl1 | grep -q "[<,]UP[,>]"'
check "the pool of no service-location is routed to its instance" \
	bash -c 'ip route show 198.51.100.0/28 | grep -q "dev dsl0"'
check "the service-location's pool too (SL_POOL_ROUTES=static, the default)" \
	bash -c 'ip route show 203.0.113.0/28 | grep -q "dev dsl1"'
check "ExecReload (dslite-boot reload) with nothing changed" /usr/sbin/dslite-boot reload
assert_eq "and nothing changed" "$("$CTL" save --with-keys 2>&1)" "$before"
check "dslite-boot backup-all" /usr/sbin/dslite-boot backup-all
check "sl 1 is backup" bash -c "$CTL service-location show 1 | grep -q 'role backup'"
"$CTL" instance del dsl1 >/dev/null 2>&1; "$CTL" instance del dsl0 >/dev/null 2>&1
"$CTL" service-instance-group del sig1 >/dev/null 2>&1
"$CTL" service-location del 1 >/dev/null 2>&1
ip link del acc0; ip -6 addr del 2001:db8::1/128 dev lo

section "a selftest with the installed dslitectl and module"
out=$(DSLITECTL=$CTL DSLITE_KO=/nonexistent "$REPO/selftests/translate.sh" 2>&1)
rc=$?
tot=$(grep '^# Totals' <<<"$out")
echo "# translate.sh: $tot"
if [[ $rc -eq 0 ]] && grep -q 'pass:[1-9]' <<<"$tot"; then
	ok "translate.sh passes with /usr/sbin/dslitectl and the DKMS module"
else
	fail "translate.sh with the installed packages (rc=$rc)"
	grep '^not ok' <<<"$out" | sed 's/^/#   | /'
fi

section "the HA pair from the packages: keepalived with the installed files and hooks"
# ha_failover.sh's 1:1 failover and rolling upgrade (dslite-boot reloads
# each router from its saved file) and ha_bgp.sh (FRR announcing each pool
# from its master), with /usr/sbin's dslitectl, dslite-notify,
# dslite-track and dslite-boot and the examples of dslite-tools
for t in "ha_failover.sh:1to1 upgrade" "ha_bgp.sh:"; do
	name=${t%%:*}
	out=$(DSLITECTL=$CTL DSLITE_KO=/nonexistent DSLITE_HOOKS=/usr/sbin \
		DSLITE_BOOT=/usr/sbin/dslite-boot DSLITE_HA_PARTS=${t#*:} \
		DSLITE_EXAMPLES=/usr/share/doc/dslite-tools/examples \
		"$REPO/selftests/$name" 2>&1)
	rc=$?
	tot=$(grep '^# Totals' <<<"$out")
	echo "# $name: $tot"
	if [[ $rc -eq 0 ]] && grep -q 'pass:[1-9]' <<<"$tot"; then
		ok "$name passes from the installed packages"
	elif [[ $rc -eq 4 ]]; then
		skip "$name from the installed packages" "$(grep -m1 SKIP <<<"$out")"
	else
		fail "$name from the installed packages (rc=$rc)"
		grep -E '^not ok|^#   ' <<<"$out" | head -20 | sed 's/^/#   | /'
	fi
done

section "remove"
check "modprobe -r dslite" modprobe -r dslite
check "dpkg -r dslite-tools dslite-dkms" dpkg -r dslite-tools dslite-dkms
check "no module left for $K" bash -c "! ls /lib/modules/$K/updates/dkms/dslite.ko* 2>/dev/null"
check "no dslitectl left" test ! -e "$CTL"
ksft_finish
