#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot a VM with Debian's kernel, load dslite, and show an
# AFTR at work: a B4 (a real Linux ip6tnl ipip6 tunnel, 192.0.0.2 inside)
# reaches an IPv4 server through the AFTR namespace; the server sees only
# the public pool address; dslitectl shows the session, the user's block,
# and the counters.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -s all
mkdir -p build
cat >build/demo-vm.sh <<'VM'
#!/bin/bash
set -e
D=$PWD/tools/dslitectl
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { echo "\$ $*"; "$@"; }
say "kernel $(uname -r); module: $(grep ^dslite /proc/modules | cut -d' ' -f1-2)"
for n in b4 aftr srv; do ip netns add $n; ip -n $n link set lo up; done
ip link add b0 netns b4 type veth peer name acc0 netns aftr
ip link add up0 netns aftr type veth peer name s0 netns srv
ip -n b4 addr add 2001:db8:a::a/64 dev b0 nodad; ip -n b4 link set b0 up
ip -n aftr addr add 2001:db8:a::1/64 dev acc0 nodad; ip -n aftr link set acc0 up
ip -n aftr addr add 203.0.113.1/24 dev up0; ip -n aftr link set up0 up
ip -n srv addr add 203.0.113.2/24 dev s0; ip -n srv link set s0 up
ip -n srv route add default via 203.0.113.1
ip -n b4 -6 route add 2001:db8::1 via 2001:db8:a::1
ip netns exec aftr sysctl -qw net.ipv4.ip_forward=1
say "the B4: a plain Linux ipip6 tunnel to the AFTR address, 192.0.0.2 inside"
run ip -n b4 -6 tunnel add t0 mode ipip6 local 2001:db8:a::a remote 2001:db8::1 dev b0
ip -n b4 link set t0 up; ip -n b4 addr add 192.0.0.2/32 dev t0; ip -n b4 route add default dev t0
say "the AFTR (namespace aftr)"
run ip -n aftr -6 addr add 2001:db8::1/128 dev lo
run $D -n aftr instance add dsl0 id 1 aftr 2001:db8::1
run ip -n aftr link set dsl0 up
run $D -n aftr pool add dsl0 198.51.100.0/28
run ip -n aftr route add 198.51.100.0/28 dev dsl0
run $D -n aftr -d instance show
say "traffic: ping, and a UDP probe whose server answers with the source it saw"
ip netns exec srv python3 -c '
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0",7777)); s.settimeout(10)
d,a=s.recvfrom(100); s.sendto(("server saw %s:%d" % a).encode(),a)' &
sleep 1
run ip netns exec b4 ping -c 2 203.0.113.2
ip netns exec b4 python3 -c '
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5); s.bind(("192.0.0.2",5555))
s.sendto(b"hi",("203.0.113.2",7777)); print("B4 192.0.0.2:5555 got:", s.recv(100).decode())'
say "the NAT state"
run $D -n aftr session show
run $D -n aftr user show
run $D -n aftr -j -p stats show
say "refused requests say why (exit 2)"
run $D -n aftr instance add dsl0 id 3 || true
run $D -n aftr pool add dsl0 198.51.100.0/24 || true
VM
chmod +x build/demo-vm.sh
exec selftests/vm/run --timeout 300 -- build/demo-vm.sh
