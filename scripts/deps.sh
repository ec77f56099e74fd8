#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything dslite needs to build, test and demo on Debian 12.
# Idempotent: when every package is present it does nothing and touches no
# network. Usage: scripts/deps.sh [--debug | --bench]   (--debug adds the
# packages needed to build the debug kernel, --bench those of make bench,
# --deb those of make deb, --router those of make check-router).
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
	linux-source-6.12 python3-yaml python3-jsonschema
	# selftests/logd.sh: node_exporter scraped with curl (tshark decodes the IPFIX)
	prometheus-node-exporter curl
)
DEBUG_PKGS=(flex bison libelf-dev libssl-dev dwarves ccache)
BENCH_PKGS=(python3-matplotlib)
# make deb, make check-router: packaging, DKMS, FRR
DEB_PKGS=(debhelper dh-dkms dkms lintian pkgconf fakeroot)
# make check-router: the packages, and FRR (ha_bgp.sh, scale_out.sh)
ROUTER_PKGS=("${DEB_PKGS[@]}" frr)

want=("${PKGS[@]}")
[[ "${1:-}" == --debug ]] && want+=("${DEBUG_PKGS[@]}")
[[ "${1:-}" == --bench ]] && want+=("${BENCH_PKGS[@]}")
[[ "${1:-}" == --deb ]] && want+=("${DEB_PKGS[@]}")
[[ "${1:-}" == --router ]] && want+=("${ROUTER_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[[ "$s" == installed ]] || missing+=("$p")
done
# the kernel meta package must also have produced a usable headers tree
if ! ls -d /lib/modules/*/build >/dev/null 2>&1; then
	missing+=(linux-headers-amd64)
fi
if [[ ${#missing[@]} -gt 0 ]]; then
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
fi

# The kernel's YNL library and netlink spec schemas (selftests/nl_spec.sh,
# scripts/nlspec-gen.py --check): only tools/net/ynl and
# Documentation/netlink of linux-source-6.12, into a cache the VM sees.
YNL_CACHE=/var/cache/dslite/ynl
YNL_TAR=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -1)
if [[ -n $YNL_TAR && ! -e $YNL_CACHE/.from-$(basename "$YNL_TAR") ]]; then
	if [[ $(id -u) -ne 0 ]]; then
		echo "deps.sh: $YNL_CACHE is missing (run as root)" >&2
		exit 1
	fi
	echo "deps.sh: extracting YNL from $YNL_TAR into $YNL_CACHE"
	top=$(tar -tJf "$YNL_TAR" 2>/dev/null | head -1 | cut -d/ -f1) || true
	mkdir -p /var/cache/dslite
	tmp=$(mktemp -d /var/cache/dslite/.ynl.XXXXXX)
	tar -xJf "$YNL_TAR" -C "$tmp" --strip-components=1 \
		"$top/tools/net/ynl" "$top/Documentation/netlink"
	touch "$tmp/.from-$(basename "$YNL_TAR")"
	rm -rf "$YNL_CACHE"
	mv "$tmp" "$YNL_CACHE"
	chmod 755 "$YNL_CACHE"
fi
