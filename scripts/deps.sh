#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything dslite needs to build, test and demo on Debian 12.
# Idempotent: when every package is present it does nothing and touches no
# network. Usage: scripts/deps.sh [--debug]   (--debug adds the packages
# needed to build the debug kernel).
set -euo pipefail

PKGS=(
	build-essential make gcc pkg-config bc kmod cpio
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	qemu-system-x86 busybox-static
	libmnl-dev iproute2 nftables keepalived
	python3 python3-scapy iperf3 socat tshark iputils-ping traceroute coturn
	util-linux procps man-db
	linux-source-6.1 sparse xz-utils
	python3-matplotlib
)
DEBUG_PKGS=(flex bison libelf-dev libssl-dev dwarves ccache)

want=("${PKGS[@]}")
[[ "${1:-}" == --debug ]] && want+=("${DEBUG_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[[ "$s" == installed ]] || missing+=("$p")
done
# the kernel meta package must also have produced a usable headers tree
if ! ls -d /lib/modules/*/build >/dev/null 2>&1; then
	missing+=(linux-headers-amd64)
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q || echo "deps.sh: apt-get update reported errors; continuing" >&2
apt-get install -y -q --no-install-recommends "${missing[@]}"
