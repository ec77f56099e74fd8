#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot a VM with Debian's kernel, load dslite, and show
#  1. an AFTR at work: a B4 (a real Linux ip6tnl ipip6 tunnel, 192.0.0.2
#     inside) reaches an IPv4 server through the AFTR namespace; the
#     server sees only the public pool address; dslitectl shows the
#     session, the user's block, and the counters;
#  2. the hot-backup story: two B4s, two AFTRs paired by keepalived (the
#     shipped 1:1 config), an IPv4 server; TCP transfers and UDP flows
#     run; the master is killed (keepalived SIGKILLed, its links down);
#     the backup takes over; the demo prints that the flows continued and
#     what the sync counters say. (This is selftests/ha_failover.sh's 1:1
#     part, whose checks make the claims; DEMO_HA=0 skips it.)
#
# DEMO_INSTALLED=1 runs it from the Debian packages instead of the build
# tree: `make deb`, then in the VM dpkg -i (DKMS builds the module, a few
# minutes under TCG), modprobe dslite, and /usr/sbin's dslitectl and
# keepalived hooks throughout.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -s all
mkdir -p build
VMARGS=(--timeout 900)
if [[ ${DEMO_INSTALLED:-0} == 1 ]]; then
	make -s deb >build/demo-deb.log 2>&1 || { tail -20 build/demo-deb.log; exit 1; }
	VMARGS=(--timeout 1800 --no-module)
fi
cat >build/demo-vm.sh <<'VM'
#!/bin/bash
set -e
D=$PWD/tools/dslitectl
TOOLS=$PWD/tools
if [[ ${DSLITE_DEMO_INSTALLED:-0} == 1 ]]; then
	printf '\n\033[1m== %s\033[0m\n' "installing build/deb's packages (DKMS builds the module)"
	dpkg -i build/deb/dslite-tools_*.deb build/deb/dslite-dkms_*.deb >/dev/null
	dkms status dslite
	modprobe dslite
	D=/usr/sbin/dslitectl TOOLS=/usr/sbin
	export DSLITECTL=$D
fi
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
for n in b4 aftr srv; do ip netns del $n; done
[[ ${DEMO_HA:-1} == 1 ]] || exit 0

say "hot backup: two AFTRs with keepalived, two B4s with TCP and UDP flows; the master is killed"
echo "(selftests/ha_failover.sh, 1:1 part: every line starting 'ok' is a check that passed)"
export PATH=$TOOLS:$PATH
DSLITE_HA_PARTS=1to1 selftests/ha_failover.sh | tee build/demo-ha.tap |
	grep -E '^(not )?ok|^# (\[|failover|b4|sync)' | sed 's/^# //'
say "what happened"
python3 - build/demo-ha.tap <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
ok = len(re.findall(r"^ok ", t, re.M)); bad = len(re.findall(r"^not ok ", t, re.M))
fo = re.search(r"failover: aftr2 master ([\d.]+) s", t)
print("checks: %d passed, %d failed" % (ok, bad))
if fo:
    print("the backup was master %s s after the master was killed" % fo.group(1))
for b in "ab":
    m = re.search(r"^# b4%s UDP: (\{.*\})" % b, t, re.M)
    if m:
        u = json.loads(m.group(1))
        print("b4%s: UDP flow %d sent, %d answered, one public endpoint %s, longest silence %d ms"
              % (b, u["sent"], u["received"], u["sources"], u["max_gap_ms"] or -1))
for l in re.findall(r"^ok \d+ (.*TCP transfer completed intact.*)$", t, re.M):
    print(l)
for l in re.findall(r"^ok \d+ (every session .*)$", t, re.M):
    print(l)
for m in re.finditer(r"^# sync (aftr\d) \(SL 1\): (\{.*\})", t, re.M):
    s = json.loads(m.group(2))
    print("%s sync: %d packets sent, %d received, %d records sent, %d bulks sent, %d received, "
          "%d retransmits, drops auth/replay/malformed/queue %d/%d/%d/%d"
          % (m.group(1), s["tx_packets"], s["rx_packets"], s["tx_records"], s["bulk_sent"],
             s["bulk_received"], s["retransmits"], s["drop_auth"], s["drop_replay"],
             s["drop_malformed"], s["drop_queue_full"]))
sys.exit(1 if bad or not ok else 0)
PY
VM
chmod +x build/demo-vm.sh
exec env DSLITE_DEMO_INSTALLED="${DEMO_INSTALLED:-0}" selftests/vm/run "${VMARGS[@]}" -- "$PWD/build/demo-vm.sh"
