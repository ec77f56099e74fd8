#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The forwarding benchmark, run inside the VM by bench/run.sh.

    bench.py GEN FD FL FM      (four empty network namespaces)

GEN holds the generator (bench/blast, pinned to CPU 0), one veth into each
forwarder namespace; each forwarder's ingress veth steers its packets to
CPU 1 (RPS), so the generator and the forwarder never share a CPU. Every
forwarder's output goes to a dummy device (ds4 for IPv4, ds6 for IPv6):
the sink, whose tx counter is what arrived. FD holds dslite (instance dsl0
for established traffic, dsl1 for the new-session scenario, so one can be
flushed without touching the other) and the plain-forwarding baselines;
FL holds Linux's ip6tnl decap; FM the same plus nftables masquerade.

Scenarios are run interleaved (rep 1 of each, rep 2 of each, ...). Each
run: a short warm-up of the same traffic, then SECS seconds measured;
counters before and after. Prints "CHECK<TAB>ok|fail<TAB>desc<TAB>detail"
lines (bench/run.sh turns them into TAP), progress as "# ..." and the
results as one JSON document between BENCH-JSON-BEGIN and BENCH-JSON-END.
Knobs (environment): BENCH_REPS, BENCH_SECS, BENCH_BIG (the large table),
BENCH_QUICK=1 (3 reps of 1 s, B1 and upstream only, no large table),
BENCH_SCEN (a comma list of phase A's scenarios, or all), BENCH_INST (phase
C's instance count, default 1024, 0: no phase C), BENCH_PERF (a
comma list of phase A's scenarios to profile after the measurement: perf
record of the forwarder's CPU, its top symbols printed as "# perf ..." lines
and kept in the JSON; a profiled run is never one of the measured ones).
"""
import ctypes, ipaddress, json, os, select, socket, struct, subprocess, sys, time

GEN, FD, FL, FM = sys.argv[1:5]
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BLAST = os.environ.get('BENCH_BLAST', os.path.join(REPO, 'build', 'bench', 'blast'))
CTL = os.environ.get('DSLITECTL', os.path.join(REPO, 'tools', 'dslitectl'))
QUICK = os.environ.get('BENCH_QUICK', '0') == '1'
REPS = int(os.environ.get('BENCH_REPS', 3 if QUICK else 5))
SECS = float(os.environ.get('BENCH_SECS', 1 if QUICK else 2))
BIG = int(os.environ.get('BENCH_BIG', 0 if QUICK else 100000))
INSTANCES = int(os.environ.get('BENCH_INST', 0 if QUICK else 1024))
TMP = os.environ.get('BENCH_TMP', '/tmp/bench')
# phase D and E (knobs: 0 skips; the defaults run them, a quick run does not)
FULL = int(os.environ.get('BENCH_FULL', 0 if QUICK else 1))
SYNC = int(os.environ.get('BENCH_SYNC', 0 if QUICK else 1))
SMP = int(os.environ.get('BENCH_SMP_SCEN', 1))    # with >= 3 vCPUs: 1 vs 2 forwarder CPUs
EXPIRE = int(os.environ.get('BENCH_EXPIRE', 0 if QUICK else (BIG or 100000)))
EXPIRE_REPS = int(os.environ.get('BENCH_EXPIRE_REPS', REPS))
SCEN_FRAMES = {}
PAYLOAD = b'x' * 18
AFTR, AFTR_NEW, TNL = '2001:db8::1', '2001:db8::3', '2001:db8::2'
POOL, POOL_NEW = '198.51.100.0/24', '198.51.101.0/24'
AFTR_Z, POOL_Z = '2001:db8::4', '198.51.102.0/24'     # phase C's last instance
T0 = time.time()
os.makedirs(TMP, exist_ok=True)


def log(msg):
    print('# [%5.1fs] %s' % (time.time() - T0, msg), flush=True)


def check(desc, cond, detail=''):
    print('CHECK\t%s\t%s\t%s' % ('ok' if cond else 'fail', desc, detail), flush=True)
    return cond


def sh(*args, ok=False):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode and not ok:
        raise RuntimeError('%s: rc=%d %s' % (' '.join(args), r.returncode, r.stderr.strip()))
    return r.stdout


def ip(ns, *a, **kw):
    return sh('ip', '-n', ns, *a, **kw)


def nsx(ns, *a, **kw):
    return sh('ip', 'netns', 'exec', ns, *a, **kw)


def ctl(*a, ns=FD):
    return sh(CTL, '-n', ns, *a)


def links(ns):
    """every link's counters in NS: name -> stats64 (rx/tx dicts)"""
    return {l['ifname']: l.get('stats64', {}) for l in json.loads(ip(ns, '-j', '-s', 'link', 'show'))}


def inst_stats(name):
    return json.loads(ctl('-j', 'stats', 'show', 'instance', name))[0]


def softnet_drops():
    tot = 0
    for line in open('/proc/net/softnet_stat'):
        tot += int(line.split()[1], 16)
    return tot


def cpu_times():
    """per CPU: (busy, total) jiffies from /proc/stat"""
    out = {}
    for line in open('/proc/stat'):
        f = line.split()
        if f[0].startswith('cpu') and f[0] != 'cpu':
            v = list(map(int, f[1:]))
            out[f[0]] = (sum(v) - v[3] - v[4], sum(v))
    return out


def busy(a, b, cpu):
    db, dt = b[cpu][0] - a[cpu][0], b[cpu][1] - a[cpu][1]
    return round(db / dt, 3) if dt else None


def mac(ns, dev):
    return json.loads(ip(ns, '-j', 'link', 'show', dev))[0]['address']


# ---- frames -----------------------------------------------------------------

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, sport, dport):
    udp = struct.pack('!HHHH', sport, dport, 8 + len(PAYLOAD), 0) + PAYLOAD
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + udp


def ipv6(src, dst, inner):
    return struct.pack('!IHBB', 0x60000000, len(inner), 4, 64) + \
        socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + inner


def eth(dmac, smac, etype, payload):
    return bytes.fromhex(dmac.replace(':', '')) + bytes.fromhex(smac.replace(':', '')) + \
        struct.pack('!H', etype) + payload


def b4(net, u):
    return str(ipaddress.ip_address(net) + u + 1)


def frames6(emac, net, dst6, dst4, pairs):
    """IPv4-in-IPv6 UDP frames for (user, inner sport) PAIRS: one prefix per
    user (Ethernet, IPv6, IPv4 with its checksum), the UDP header per packet
    (TCG python is slow: 300k frames must not take minutes)"""
    pre = {}
    out = []
    tail = struct.pack('!HH', 8 + len(PAYLOAD), 0) + PAYLOAD
    for u, p in pairs:
        if u not in pre:
            f = emac(ipv6(b4(net, u), dst6, ipv4('192.0.0.2', dst4(u), 0, 9)))
            pre[u] = f[:-len(PAYLOAD) - 8]
        out.append(pre[u] + struct.pack('!HH', p, 9) + tail)
    return out


def write_frames(name, frames):
    path = os.path.join(TMP, name + '.bin')
    n = len(frames[0])
    assert all(len(f) == n for f in frames)
    with open(path, 'wb') as f:
        f.write(b''.join(frames))
    return path, n


# ---- topology ---------------------------------------------------------------

def setup():
    for m in ('ip6_tunnel', 'dummy', 'nf_conntrack_netlink'):   # the tunnel ioctl does not autoload
        sh('modprobe', m, ok=True)
    for ns in (FD, FL, FM):
        nsx(ns, 'sh', '-c', 'sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 '
            'net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.all.forwarding=1 '
            'net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 '
            'net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0')
        for d in ('ds4', 'ds6'):
            ip(ns, 'link', 'add', d, 'type', 'dummy')
            ip(ns, 'link', 'set', d, 'up')
        ip(ns, 'addr', 'add', '203.0.113.1/24', 'dev', 'ds4')
        ip(ns, 'route', 'add', '192.0.2.0/24', 'dev', 'ds4')
        ip(ns, '-6', 'route', 'add', '2001:db8:b4::/48', 'dev', 'ds6')
        ip(ns, '-6', 'route', 'add', '2001:db8:ff::/48', 'dev', 'ds6')
    nsx(GEN, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1')
    for g, i, ns in (('g0', 'i0', FD), ('g1', 'i1', FL), ('g2', 'i2', FM)):
        sh('ip', 'link', 'add', g, 'netns', GEN, 'type', 'veth', 'peer', 'name', i, 'netns', ns)
        ip(GEN, 'link', 'set', g, 'up')
        ip(ns, 'addr', 'add', '10.1.0.1/24', 'dev', i)
        ip(ns, '-6', 'addr', 'add', '2001:db8:a::1/64', 'dev', i, 'nodad')
        ip(ns, 'link', 'set', i, 'up')
        # the forwarder's work goes to CPU 1, the generator runs on CPU 0
        nsx(ns, 'sh', '-c', 'for q in /sys/class/net/%s/queues/rx-*; do echo 2 > $q/rps_cpus; done' % i)
    # dslite
    ip(FD, '-6', 'addr', 'add', AFTR + '/128', 'dev', 'lo')
    ip(FD, '-6', 'addr', 'add', AFTR_NEW + '/128', 'dev', 'lo')
    for name, iid, aftr, pool in (('dsl0', '1', AFTR, POOL), ('dsl1', '2', AFTR_NEW, POOL_NEW)):
        ctl('instance', 'add', name, 'id', iid, 'aftr', aftr)
        ip(FD, 'link', 'set', name, 'up')
        ctl('timeout', 'set', name, 'udp', '3600')
        ctl('pool', 'add', name, pool)
        ip(FD, 'route', 'add', pool, 'dev', name)
    # Linux: ip6tnl (any remote) decap, + masquerade in FM
    for ns in (FL, FM):
        ip(ns, '-6', 'addr', 'add', TNL + '/128', 'dev', 'lo')
        ip(ns, '-6', 'tunnel', 'add', 'tl0', 'mode', 'ipip6', 'local', TNL)
        ip(ns, 'link', 'set', 'tl0', 'up')
    nft = 'table ip bnat { chain post { type nat hook postrouting priority srcnat; oifname "ds4" masquerade; }; }'
    nsx(FM, 'nft', nft)
    sh('sysctl', '-qw', 'net.netfilter.nf_conntrack_max=2000000', ok=True)


# ---- one measured run ---------------------------------------------------------

SCEN = {}   # name -> dict(gen, ns, frames, sink, desc, ...)


def scen(name, desc, g, ns, frames, sink, inst=None, new=False, flush=None, pre=None, post=None,
         rps='2', extra=None):
    """PRE runs before the warm-up (a setting the scenario needs), POST
    after the counters are read (letting a sync queue drain); RPS is the
    forwarder's ingress CPU mask (hex); EXTRA() returns more counters,
    read before and after the run (their difference is kept)"""
    path, flen = write_frames(name, frames)
    SCEN[name] = dict(desc=desc, g=g, ns=ns, path=path, flen=flen, n=len(frames), sink=sink,
                      inst=inst, new=new, flush=flush, pre=pre, post=post, rps=rps, extra=extra)


RPS = {}    # ingress device -> its current rps_cpus mask


def set_rps(ns, dev, mask):
    if RPS.get(dev) != mask:
        nsx(ns, 'sh', '-c', 'for q in /sys/class/net/%s/queues/rx-*; do echo %s > $q/rps_cpus; done' % (dev, mask))
        RPS[dev] = mask


def fwd_cpus(mask):
    m = int(mask, 16)
    return ['cpu%d' % c for c in range(os.cpu_count() or 1) if m >> c & 1]


def blast(g, path, flen, secs=None, count=None, start=0):
    a = ['ip', 'netns', 'exec', GEN, BLAST, g, path, str(flen), '--cpu', '0', '--start', str(start)]
    if secs:
        a += ['--secs', str(secs)]
    if count:
        a += ['--count', str(count)]
    return json.loads(sh(*a))


DROPS = None


def dsl_drops(st):
    return sum(v for k, v in st.items() if k.startswith('drop_') and isinstance(v, int))


def ct_flush(ns):
    """flush NS's conntrack table (ctnetlink IPCTNL_MSG_CT_DELETE, no tuple)"""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    me = os.open('/proc/self/ns/net', os.O_RDONLY)
    libc.setns(fd, 0x40000000)
    try:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
        msg = struct.pack('=IHHII', 20, (1 << 8) | 2, 1 | 4, 1, 0) + struct.pack('=BBH', 2, 0, 0)
        s.send(msg)
        s.settimeout(5)
        ack = s.recv(4096)
        s.close()
        err = struct.unpack('=i', ack[16:20])[0] if len(ack) >= 20 else -1
        if err:
            raise RuntimeError('conntrack flush in %s: error %d' % (ns, err))
    finally:
        libc.setns(me, 0x40000000)
        os.close(fd)
        os.close(me)


def ct_count(ns):
    return int(nsx(ns, 'cat', '/proc/sys/net/netfilter/nf_conntrack_count').strip() or 0)


def run(name):
    s = SCEN[name]
    i = 'i' + s['g'][1]
    set_rps(s['ns'], i, s['rps'])
    if s['pre']:
        s['pre']()
    if s['flush']:
        s['flush']()
    elif not s['new']:
        blast(s['g'], s['path'], s['flen'], secs=0.2)     # warm-up: caches, conntrack, ARP
        time.sleep(0.2)
    l0, g0 = links(s['ns']), links(GEN)
    sd0 = softnet_drops()
    st0 = inst_stats(s['inst']) if s['inst'] else None
    x0 = s['extra']() if s['extra'] else None
    c0 = cpu_times()
    b = blast(s['g'], s['path'], s['flen'], secs=SECS)
    c1 = cpu_times()
    time.sleep(0.3)     # let the backlog drain
    l1, g1 = links(s['ns']), links(GEN)
    sd1 = softnet_drops()
    st1 = inst_stats(s['inst']) if s['inst'] else None
    x1 = s['extra']() if s['extra'] else None
    d = lambda a, b_, dev, dirn, k: b_[dev][dirn][k] - a[dev][dirn][k]
    r = dict(offered=b['sent'], secs=b['secs'], wrapped=b['wrapped'],
             accepted=d(l0, l1, i, 'rx', 'packets'),
             ingress_dropped=d(g0, g1, s['g'], 'tx', 'dropped') + d(l0, l1, i, 'rx', 'dropped'),
             softnet_dropped=sd1 - sd0,
             delivered=d(l0, l1, s['sink'], 'tx', 'packets'),
             # the generator is paced by its socket buffer (the skbs keep
             # their socket across the veth), so nothing is dropped at the
             # ingress: the forwarder is the bottleneck when its CPU is busy
             gen_cpu_busy=busy(c0, c1, 'cpu0'),
             # several forwarder CPUs (RPS over 2): the mean of their busy shares
             fwd_cpu_busy=round(sum(busy(c0, c1, c) for c in fwd_cpus(s['rps'])) / len(fwd_cpus(s['rps'])), 3),
             cpu_busy={c: busy(c0, c1, c) for c in sorted(c1)})
    if st0:
        dev = s['inst']
        r.update(dslite_drops=dsl_drops(st1) - dsl_drops(st0),
                 dev_rx_dropped=d(l0, l1, dev, 'rx', 'dropped'),
                 dev_tx_dropped=d(l0, l1, dev, 'tx', 'dropped'),
                 out_packets=st1['out_packets'] - st0['out_packets'],
                 in_packets=st1['in_packets'] - st0['in_packets'],
                 hairpin_packets=st1['hairpin_packets'] - st0['hairpin_packets'],
                 sessions_created=st1['sessions_created'] - st0['sessions_created'],
                 sessions=st1['sessions'],
                 drops={k: st1[k] - st0[k] for k in st1
                        if k.startswith('drop_') and isinstance(st1[k], int) and st1[k] != st0.get(k)})
    if x0 is not None:
        r['extra'] = {k: x1[k] - x0[k] for k in x1 if isinstance(x1[k], int) and isinstance(x0.get(k), int)}
    if s['post']:
        r.update(s['post']() or {})
    r['pps'] = r['delivered'] / r['secs'] if r['secs'] else 0
    r['lost_in_forwarder'] = r['accepted'] - r['delivered']
    return r


def profile(name, top=25):
    """perf record (cpu-clock: TCG has no PMU) on the forwarder's CPU
    while the scenario runs; the top symbols, self time."""
    s = SCEN[name]
    set_rps(s['ns'], 'i' + s['g'][1], s['rps'])
    if s['pre']:
        s['pre']()
    if s['flush']:
        s['flush']()
    data = os.path.join(TMP, 'perf-%s.data' % name)
    # perf starts the generator itself once it is recording (its start-up
    # in TCG takes seconds: a recording beside the traffic caught an idle
    # CPU), and records CPU 1 for as long as the generator runs
    a = ['ip', 'netns', 'exec', GEN, BLAST, s['g'], s['path'], str(s['flen']), '--cpu', '0',
         '--secs', str(SECS)]
    cpus = ','.join(c[3:] for c in fwd_cpus(s['rps']))
    subprocess.run(['perf', 'record', '-q', '-e', 'cpu-clock', '-C', cpus, '-g',
                    '-o', data, '--'] + a, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rep = subprocess.run(['perf', 'report', '-i', data, '--stdio', '--no-children',
                          '--sort', 'symbol', '-g', 'none', '--percent-limit', '0.8'],
                         capture_output=True, text=True).stdout
    lines = [l.rstrip() for l in rep.splitlines() if l.strip() and not l.startswith('#')][:top]
    for l in lines:
        log('perf %s | %s' % (name, l))
    if os.environ.get('BENCH_PERF_CHILDREN'):     # inclusive time too
        rep = subprocess.run(['perf', 'report', '-i', data, '--stdio', '--children',
                              '--sort', 'symbol', '-g', 'none', '--percent-limit', '1'],
                             capture_output=True, text=True).stdout
        for l in [l.rstrip() for l in rep.splitlines() if l.strip() and not l.startswith('#')][:60]:
            log('perf %s children | %s' % (name, l))
    if s['post']:
        s['post']()
    return lines


def stats(vals):
    v = sorted(vals)
    n = len(v)
    med = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    return dict(median=med, min=v[0], max=v[-1], n=n)


def measure(names, reps, phase):
    res = {n: [] for n in names}
    for rep in range(reps):
        for n in names:
            r = run(n)
            res[n].append(r)
            log('%s rep %d %-10s %8.0f pps (offered %.0f/s, ingress drops %d, lost in fwd %d, '
                'cpu busy gen %s fwd %s)' %
                (phase, rep + 1, n, r['pps'], r['offered'] / r['secs'], r['ingress_dropped'],
                 r['lost_in_forwarder'], r['gen_cpu_busy'], r['fwd_cpu_busy']))
    out = {}
    for n in names:
        pps = [r['pps'] for r in res[n]]
        off = [r['offered'] / r['secs'] for r in res[n]]
        out[n] = dict(desc=SCEN[n]['desc'], pps=stats(pps), offered_pps=stats(off), runs=res[n])
    return out


# ---- memory -------------------------------------------------------------------

def meminfo():
    m = {}
    for line in open('/proc/meminfo'):
        k, v = line.split(':')
        m[k] = int(v.split()[0]) * 1024
    return m


def slab_bytes(cache):
    p = '/sys/kernel/slab/' + cache
    try:
        slabs = int(open(p + '/slabs').read().split()[0])
        order = int(open(p + '/order').read())
        objs = int(open(p + '/objects').read().split()[0])
        size = int(open(p + '/slab_size').read())
        return dict(bytes=slabs * (4096 << order), objects=objs, slab_size=size,
                    alias=os.path.basename(os.path.realpath(p)))
    except OSError:
        return None


def mem_snapshot(caches):
    m = meminfo()
    return dict(sunreclaim=m['SUnreclaim'], vmalloc=m.get('VmallocUsed', 0),
                caches={c: slab_bytes(c) for c in caches})


def mem_delta(a, b, n):
    n = max(n, 1)
    out = dict(n=n, sunreclaim_per=(b['sunreclaim'] - a['sunreclaim']) / n,
               vmalloc_per=(b['vmalloc'] - a['vmalloc']) / n, caches={})
    for c, v in b['caches'].items():
        if v and a['caches'].get(c):
            out['caches'][c] = dict(per=(v['bytes'] - a['caches'][c]['bytes']) / n,
                                    slab_size=v['slab_size'], alias=v['alias'])
    out['total_per'] = out['sunreclaim_per'] + out['vmalloc_per']
    return out


# ---- translation checks (slow, before the timed runs) ---------------------------

def sniff_during(ns, dev, g, path, flen, count):
    """frames seen leaving DEV in NS while COUNT frames of PATH are sent"""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    me = os.open('/proc/self/ns/net', os.O_RDONLY)
    libc.setns(fd, 0x40000000)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((dev, 0))
    libc.setns(me, 0x40000000)
    os.close(fd)
    os.close(me)
    blast(g, path, flen, count=count)
    got = []
    end = time.time() + 2
    while time.time() < end and len(got) < count:
        if select.select([s], [], [], 0.2)[0]:
            got.append(s.recv(2048)[14:])     # without the Ethernet header
    s.close()
    return got


def udp4(p):
    ihl = (p[0] & 15) * 4
    return (socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20])) + struct.unpack('!HH', p[ihl:ihl + 4])




# ---- phase D: table full, sync on vs off, 1 vs 2 forwarder CPUs -------------

AFTR_F, POOL_F = '2001:db8::6', '198.51.104.0/24'     # dslf: the table-full instance
AFTR_S, POOL_S = '2001:db8::5', '198.51.103.0/24'     # dsl2: the synced instance
AFTR_E, POOL_E = '2001:db8::7', '198.51.105.0/24'     # dsle: the expiring sessions
SYNC_KEY = 'bench-key-0123456789abcdef'
PEER = 'bench-peer-%d' % os.getpid()
FULL_MIX = 4        # mix_full: one new-flow packet per FULL_MIX established ones


def add_inst(name, iid, aftr, pool, ns=FD, more=(), sl=None):
    ip(ns, '-6', 'addr', 'add', aftr + '/128', 'dev', 'lo')
    ctl('instance', 'add', name, 'id', str(iid), 'aftr', aftr, *more, ns=ns)
    ip(ns, 'link', 'set', name, 'up')
    ctl('timeout', 'set', name, 'udp', '3600', ns=ns)
    ctl('pool', 'add', name, pool, *(('service-location', sl) if sl else ()), ns=ns)
    ip(ns, 'route', 'add', pool, 'dev', name)


def del_inst(name, aftr, ns=FD):
    ctl('instance', 'del', name, ns=ns)
    ip(ns, '-6', 'addr', 'del', aftr + '/128', 'dev', 'lo', ok=True)


def fill(name, inst, want, tries=6):
    """send scenario NAME's frames once until INST holds WANT sessions"""
    z = SCEN[name]
    for _ in range(tries):
        blast(z['g'], z['path'], z['flen'], count=z['n'])
        time.sleep(0.5)
        if inst_stats(inst)['sessions'] >= want:
            break
    return inst_stats(inst)['sessions']


def sl_sync(ns=FD):
    return json.loads(ctl('-j', 'service-location', 'show', '1', ns=ns))[0]


def sync_setup():
    """a peer namespace (the backup) joined to FD by sy0; in FD dsl2 is
    bound to service-location 1 (master), syncing to the peer"""
    sh('ip', 'netns', 'add', PEER)
    sh('ip', 'link', 'add', 'sy0', 'netns', FD, 'type', 'veth', 'peer', 'name', 'sy0', 'netns', PEER)
    for ns, me, peer in ((FD, '10.9.0.1', '10.9.0.2'), (PEER, '10.9.0.2', '10.9.0.1')):
        ip(ns, 'addr', 'add', me + '/24', 'dev', 'sy0')
        ip(ns, 'link', 'set', 'lo', 'up')
        ctl('ha', 'set', 'hot-backup', 'on', ns=ns)
        ctl('service-location', 'add', '1', 'remote-backup', 'interface', 'sy0', 'peer', peer,
            'authentication-key', SYNC_KEY, 'hash-algorithm', 'hmac-sha256', ns=ns)
        ctl('service-instance-group', 'add', 'sig1', 'service-location', '1', ns=ns)
        add_inst('dsl2', 60002, AFTR_S, POOL_S, ns=ns, more=('service-instance-group', 'sig1'), sl='1')
    ctl('service-location', 'set', '1', 'role', 'master')
    ctl('service-location', 'set', '1', 'role', 'backup', ns=PEER)
    for ns in (FD, PEER):
        ip(ns, 'link', 'set', 'sy0', 'up')
    for _ in range(100):
        if sl_sync(PEER).get('peer_state') == 'in-sync':
            return True
        time.sleep(0.2)
    return False


def peer_sessions():
    return json.loads(ctl('-j', 'stats', 'show', ns=PEER))[0]['sessions']


def sync_settle(limit=20):
    """wait until the peer holds what dsl2 holds (the sync queue has
    drained), so that no sync work spills into the next scenario's run"""
    t0 = time.time()
    want = inst_stats('dsl2')['sessions']
    while time.time() - t0 < limit:
        got = peer_sessions()
        if got == want:
            break
        time.sleep(0.2)
    return dict(peer_sessions=got, master_sessions=want, settle_secs=round(time.time() - t0, 2))


def sync_counters():
    st = sl_sync()
    out = {k: v for k, v in st.get('sync', {}).items() if isinstance(v, int)}
    return out


def phase_d(out, E6, e6, dst4, B4NET, est, new):
    """table full (dslf), sync on vs off (dsl2 and its peer), and with 3 or
    more vCPUs upstream over 1 vs 2 forwarder CPUs; interleaved with B1,
    up and new"""
    names = ['B1', 'up']
    checks = []
    if FULL:
        add_inst('dslf', 60001, AFTR_F, POOL_F)
        # established: the 1k flows; new: 250 flows of the same B4s never seen
        fest = frames6(e6('g0'), B4NET, AFTR_F, dst4, est)
        fnew = frames6(e6('g0'), B4NET, AFTR_F, dst4, [(u, 30000 + p) for u, p in est[:len(est) // FULL_MIX]])
        mix = []
        for k, f in enumerate(fest):
            mix.append(f)
            if k % FULL_MIX == FULL_MIX - 1:
                mix.append(fnew[k // FULL_MIX])
        lim = lambda n: (lambda: ctl('instance', 'set', 'dslf', 'max-sessions', str(n)))
        scen('est_nf', 'table-full instance, established only, table not full (max-sessions 1000000)',
             'g0', FD, fest, 'ds4', inst='dslf', pre=lim(1000000))
        got = fill('est_nf', 'dslf', len(est))
        check('dslf holds the %d established sessions' % len(est), got == len(est), 'sessions=%d' % got)
        scen('est_full', 'table-full instance, established only, table full (max-sessions = its %d)' % len(est),
             'g0', FD, fest, 'ds4', inst='dslf', pre=lim(len(est)))
        scen('mix_full', 'table full, established + 1 new-flow packet per %d (refused)' % FULL_MIX,
             'g0', FD, mix, 'ds4', inst='dslf', pre=lim(len(est)))
        SCEN['mix_full']['new_share'] = 1 / (FULL_MIX + 1)
        names += ['est_nf', 'est_full', 'mix_full']
    if SYNC:
        ok = sync_setup()
        check('sync: the peer namespace is in sync with dsl2\'s service-location', ok,
              json.dumps(sl_sync(PEER).get('peer_state')))
        scen('up_sync', 'dslite upstream, established, its service-location syncing to a peer',
             'g0', FD, frames6(e6('g0'), B4NET, AFTR_S, dst4, est), 'ds4', inst='dsl2',
             extra=sync_counters, post=sync_settle)
        got = fill('up_sync', 'dsl2', len(est))
        sync_settle()
        check('dsl2 holds the %d established sessions, the peer as many' % len(est),
              got == len(est) and peer_sessions() == len(est), 'sessions=%d peer=%d' % (got, peer_sessions()))
        NEWNET2 = '2001:db8:b4:5::'
        scen('new_sync', 'dslite, a new session on every packet, synced to a peer', 'g0', FD,
             frames6(e6('g0'), NEWNET2, AFTR_S, dst4, new), 'ds4', inst='dsl2', new=True,
             extra=sync_counters, post=sync_settle,
             flush=lambda: ctl('session', 'flush', 'instance', 'dsl2'))
        # the flush also ends the 1k established sessions: refill them after
        # every new_sync run (in its POST), before waiting for the peer
        def post_new():
            fill('up_sync', 'dsl2', len(est))
            return sync_settle()
        SCEN['new_sync']['post'] = post_new
        names += ['new', 'up_sync', 'new_sync']
    if SMP and (os.cpu_count() or 1) >= 3:
        scen('up_rps2', 'dslite upstream, established, RPS over 2 forwarder CPUs (1 and 2)', 'g0', FD,
             frames6(e6('g0'), B4NET, AFTR, dst4, est), 'ds4', inst='dsl0', rps='6')
        scen('B1_rps2', 'plain IPv6 forwarding, RPS over 2 forwarder CPUs', 'g0', FD,
             frames6(e6('g0'), B4NET, '2001:db8:ff::1', dst4, est), 'ds6', rps='6')
        names += ['B1_rps2', 'up_rps2']
        if 'new' not in names:
            names.append('new')
        scen('new_rps2', 'dslite, a new session on every packet, RPS over 2 forwarder CPUs', 'g0', FD,
             SCEN_FRAMES['new'], 'ds4', inst='dsl1', new=True, rps='6',
             flush=lambda: ctl('session', 'flush', 'instance', 'dsl1'))
        names.append('new_rps2')
    elif SMP and os.environ.get('BENCH_SMP_SCEN'):     # asked for, and not possible
        check('1 vs 2 forwarder CPUs: the VM has >= 3 vCPUs (BENCH_SMP=3)', False,
              'ncpus=%d' % (os.cpu_count() or 1))
    elif SMP:
        log('phase D: 1 vs 2 forwarder CPUs skipped: %d vCPUs (BENCH_SMP=3 adds them)' % (os.cpu_count() or 1))
    if names == ['B1', 'up']:
        return
    log('phase D: %s, %d reps of %g s, interleaved' % (' '.join(names), REPS, SECS))
    out['phases']['D'] = D = measure(names, REPS, 'D')
    for n in os.environ.get('BENCH_PERF', '').split(','):
        if n in D and n not in out.get('profiles', {}):
            out.setdefault('profiles', {})[n] = profile(n)
    if 'mix_full' in D:
        runs = D['mix_full']['runs']
        sh_ = SCEN['mix_full']['new_share']
        check('mix_full: no session was created, the table stayed at its limit',
              all(r['sessions_created'] == 0 and r['sessions'] == len(est) for r in runs),
              '%s' % [(r['sessions_created'], r['sessions']) for r in runs])
        check('mix_full: the new flows were refused and counted in drop_table_full '
              '(>= 90%% of the new-flow packets the forwarder took)',
              all(r['drops'].get('drop_table_full', 0) >= 0.9 * sh_ * (r['accepted'] - r['softnet_dropped'])
                  for r in runs),
              '%s' % [(r['drops'].get('drop_table_full', 0), round(sh_ * r['accepted'])) for r in runs])
        check('mix_full: nothing refused as anything else',
              all(set(r['drops']) <= {'drop_table_full'} for r in runs), '%s' % [r['drops'] for r in runs])
        check('mix_full: only established packets reached the sink (delivered <= out_packets, no more than '
              'their share of what was taken)',
              all(r['delivered'] <= r['out_packets'] and
                  r['delivered'] <= (1 - sh_) * r['accepted'] * 1.01 + 10 for r in runs))
    for n in ('est_nf', 'est_full', 'up_sync', 'up_rps2'):
        if n in D:
            check('%s: no session was created by established traffic' % n,
                  all(r['sessions_created'] == 0 for r in D[n]['runs']))
    if 'new_sync' in D:
        runs = D['new_sync']['runs']
        check('new_sync: every delivered packet made a session, the frames never wrapped',
              all(r['sessions_created'] >= r['delivered'] * 0.99 and not r['wrapped'] for r in runs),
              '%s' % [(r['sessions_created'], r['delivered']) for r in runs])
        check('new_sync: the peer received every session (it held what the master held after each run)',
              all(r['peer_sessions'] == r['master_sessions'] for r in runs),
              '%s' % [(r['peer_sessions'], r['master_sessions'], r['settle_secs']) for r in runs])
        # a burst must not overflow the ring into a full resync (the ring
        # grows while the peer acks: kmod/sync_tx.c, ring_grown)
        check('new_sync: the ring never overflowed (drop_queue_full 0, no resync)',
              all(r['extra'].get('drop_queue_full', 0) == 0 and r['extra'].get('resyncs', 0) == 0 for r in runs),
              '%s' % [(r['extra'].get('drop_queue_full'), r['extra'].get('ring_grown')) for r in runs])
        check('new_sync: sync records went out during the run',
              all(r['extra'].get('tx_records', 0) > 0 for r in runs),
              '%s' % [r['extra'].get('tx_records') for r in runs])
    for n in D:
        if n in ('B1', 'up', 'new') or not isinstance(D[n], dict):
            continue
        runs = D[n]['runs']
        check('%s: packets reached the sink in every run' % n, all(r['delivered'] > 0 for r in runs))
        # mix_full: the refused packets were taken too
        took = lambda r: r['delivered'] + r.get('drops', {}).get('drop_table_full', 0)
        check('%s: the forwarder was the bottleneck (more offered than taken, or its CPUs >= 95%% busy)' % n,
              all(r['offered'] > took(r) * 1.05 or (r['fwd_cpu_busy'] or 0) >= 0.95 for r in runs),
              'offered/delivered %s, forwarder CPU busy %s' % (
                  [round(r['offered'] / max(r['delivered'], 1), 2) for r in runs], [r['fwd_cpu_busy'] for r in runs]))
    # the extra instances go: phases B and C count the namespace's instances and sessions
    if FULL:
        del_inst('dslf', AFTR_F)
    if SYNC:
        del_inst('dsl2', AFTR_S)
        sh('ip', 'netns', 'del', PEER, ok=True)


def ctr_tx(ns, dev):
    return links(ns)[dev]['tx']['packets']


def phase_e(out, e6, dst4):
    """EXPIRE sessions of dsle expire at once (udp timeout 3600 -> 1 s)
    while dsl0's 1k established flows run: the established rate before and
    during the mass expiry, and the time until dsle is empty"""
    NU = max(EXPIRE // 1000, 1)
    NP = min(EXPIRE, 1000)
    add_inst('dsle', 60003, AFTR_E, POOL_E, more=('max-sessions', str(EXPIRE + 1000)))
    t0 = time.time()
    scen('exp_fill', 'the sessions that expire', 'g0', FD,
         frames6(e6('g0'), '2001:db8:b4:6::', AFTR_E, dst4, [(u, 10000 + p) for u in range(NU) for p in range(NP)]),
         'ds4', inst='dsle')
    log('phase E: %d frames built in %.1f s' % (NU * NP, time.time() - t0))
    up = SCEN['up']
    set_rps(FD, 'i0', '2')      # the established flows on one forwarder CPU, as in phase A
    res = []
    prof = 'expiry' in os.environ.get('BENCH_PERF', '').split(',')
    for rep in range(EXPIRE_REPS + (1 if prof else 0)):
        profiled = rep == EXPIRE_REPS      # one more rep, profiled, not measured
        ctl('timeout', 'set', 'dsle', 'udp', '3600')
        t0 = time.time()
        n = fill('exp_fill', 'dsle', NU * NP)
        fill_s = time.time() - t0
        check('phase E rep %d: dsle holds its %d sessions' % (rep + 1, NU * NP), n == NU * NP, 'sessions=%d' % n)
        time.sleep(1.5)         # every session is older than the 1 s timeout to come
        blast(up['g'], up['path'], up['flen'], secs=0.2)
        g = subprocess.Popen(['ip', 'netns', 'exec', GEN, BLAST, up['g'], up['path'], str(up['flen']),
                              '--cpu', '0', '--secs', '200'], stdout=subprocess.DEVNULL)
        samples = []        # (t, sink tx, offered tx, dsle sessions)

        def sample():
            samples.append((time.time(), ctr_tx(FD, 'ds4'), ctr_tx(GEN, up['g']), inst_stats('dsle')['sessions']))
        # a sample is three short processes: every 0.5 s, so that the
        # sampling itself takes little of the VM
        time.sleep(0.5)
        sample()
        while time.time() - samples[0][0] < 4:
            time.sleep(0.5)
            sample()
        b_end = len(samples) - 1
        c0 = cpu_times()
        if profiled:
            data = os.path.join(TMP, 'perf-expiry.data')
            pf = subprocess.Popen(['perf', 'record', '-q', '-e', 'cpu-clock', '-a', '-g', '-o', data, '--',
                                   'sleep', '15'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        ctl('timeout', 'set', 'dsle', 'udp', '1')
        t_set = time.time()
        sample()
        s_set = len(samples) - 1
        while samples[-1][3] > 0 and time.time() - t_set < 120:
            time.sleep(0.5)
            sample()
        drain = samples[-1][0] - t_set
        c1 = cpu_times()
        d_end = len(samples) - 1
        while time.time() - samples[d_end][0] < 2:
            time.sleep(0.5)
            sample()
        g.terminate()
        g.wait()
        if profiled:
            pf.wait()
            rep_ = subprocess.run(['perf', 'report', '-i', data, '--stdio', '--no-children', '--sort', 'symbol',
                                   '-g', 'none', '--percent-limit', '0.8'], capture_output=True, text=True).stdout
            lines = [l.rstrip() for l in rep_.splitlines() if l.strip() and not l.startswith('#')][:30]
            for l in lines:
                log('perf expiry | %s' % l)
            out.setdefault('profiles', {})['expiry'] = lines
            log('expiry, profiled rep (not measured): drained in %.1f s' % (samples[-1][0] - t_set))
            continue
        rate = lambda a, b_, k=1: (samples[b_][k] - samples[a][k]) / (samples[b_][0] - samples[a][0])
        r = dict(sessions=n, fill_secs=round(fill_s, 1), drained=samples[d_end][3] == 0,
                 drain_secs=round(drain, 2), before_pps=rate(0, b_end), during_pps=rate(s_set, d_end),
                 after_pps=rate(d_end, len(samples) - 1), before_offered=rate(0, b_end, 2),
                 during_offered=rate(s_set, d_end, 2),
                 cpu_busy_during={c: busy(c0, c1, c) for c in sorted(c1)},
                 series=[(round(t - t_set, 2), tx, left) for t, tx, _, left in samples])
        r['ratio'] = r['during_pps'] / r['before_pps'] if r['before_pps'] else None
        res.append(r)
        log('E rep %d: %d sessions (filled in %.1f s) drained in %.1f s; established %.0f pps before, %.0f '
            'during (%.2fx), %.0f after; offered %.0f / %.0f; cpu busy during %s' % (
                rep + 1, n, fill_s, drain, r['before_pps'], r['during_pps'], r['ratio'] or 0, r['after_pps'],
                r['before_offered'], r['during_offered'], r['cpu_busy_during']))
    if not res:         # BENCH_EXPIRE_REPS=0: the profiled rep only
        ctl('timeout', 'set', 'dsle', 'udp', '3600')
        del_inst('dsle', AFTR_E)
        return
    out['expiry'] = dict(sessions=NU * NP, reps=res, drain_secs=stats([r['drain_secs'] for r in res]),
                         before_pps=stats([r['before_pps'] for r in res]),
                         during_pps=stats([r['during_pps'] for r in res]),
                         ratio=stats([r['ratio'] for r in res if r['ratio']]))
    check('phase E: dsle drained to 0 sessions in every rep', all(r['drained'] for r in res),
          '%s' % [r['drain_secs'] for r in res])
    check('phase E: the forwarder was the bottleneck during the expiry (offered > 1.05 x delivered, '
          'or its CPU >= 95% busy)',
          all(r['during_offered'] > 1.05 * r['during_pps'] or (r['cpu_busy_during'].get('cpu1') or 0) >= 0.95
              for r in res),
          '%s' % [(round(r['during_offered']), round(r['during_pps']), r['cpu_busy_during'].get('cpu1'))
                  for r in res])
    ctl('timeout', 'set', 'dsle', 'udp', '3600')
    del_inst('dsle', AFTR_E)

def phase_b(out, E6, e6, dst4, BIGNET):
    """memory per conntrack entry and per session, then the large table"""
    mem = {}
    ct_flush(FM)
    time.sleep(0.5)
    n = min(BIG, SCEN['B3new']['n'])
    m0 = mem_snapshot(['nf_conntrack'])
    for _ in range(5):
        blast('g2', SCEN['B3new']['path'], SCEN['B3new']['flen'], count=n)
        time.sleep(0.3)
        if ct_count(FM) >= n:
            break
    c = ct_count(FM)
    m1 = mem_snapshot(['nf_conntrack'])
    mem['conntrack'] = mem_delta(m0, m1, c)
    try:
        mem['conntrack']['hash_buckets'] = int(open('/proc/sys/net/netfilter/nf_conntrack_buckets').read())
    except OSError:
        pass
    check('conntrack holds %d entries for the memory figure' % n, c >= n * 0.95, 'count=%d' % c)
    ct_flush(FM)

    BU = BIG // 1000
    big = [(u, 10000 + p) for u in range(BU) for p in range(1000)]
    scen('up_big', 'dslite B4 -> Internet, established, %d more live sessions, traffic over them' % BIG,
         'g0', FD, frames6(e6('g0'), BIGNET, AFTR, dst4, big),
         'ds4', inst='dsl0')
    ctl('session', 'flush', 'instance', 'dsl1')
    s0 = inst_stats('dsl0')['sessions']
    if s0 + BIG > 1000000:     # the instance's default limit
        ctl('instance', 'set', 'dsl0', 'max-sessions', str(s0 + BIG + 1000))
    time.sleep(0.5)
    m0 = mem_snapshot(['dslite_session'])
    s0 = inst_stats('dsl0')['sessions']
    b = SCEN['up_big']
    for _ in range(6):
        blast('g0', b['path'], b['flen'], count=b['n'])
        time.sleep(0.5)
        if inst_stats('dsl0')['sessions'] >= s0 + b['n']:
            break
    s1 = inst_stats('dsl0')['sessions']
    m1 = mem_snapshot(['dslite_session'])
    mem['dslite'] = mem_delta(m0, m1, s1 - s0)
    mem['dslite']['users_added'] = BU
    check('dsl0 holds %d + %d sessions' % (s0, b['n']), s1 == s0 + b['n'], 'sessions=%d' % s1)
    out['memory'] = mem
    log('memory: %s' % json.dumps(mem))
    names_b = ['B1', 'up', 'up_big']
    log('phase B (%d live sessions): %s' % (s1, ' '.join(names_b)))
    out['phases']['B'] = measure(names_b, REPS, 'B')
    out['phases']['B']['live_sessions'] = s1
    B = out['phases']['B']
    check('up_big: no session was created by established traffic',
          all(r['sessions_created'] == 0 for r in B['up_big']['runs']))


def phase_c(out, e6, dst4, B4NET, est):
    """many instances: INSTANCES in the forwarder's namespace. Upstream
    traffic to the first one (dsl0, created first) and to the last one
    (dslz, created last, its own AFTR address and 1k sessions), each
    against B1 in the same phase: with a linear walk of the instances the
    last one pays for all the others."""
    lines = ['instance add dsm%d id %d aftr 2001:db8:c::%x' % (i, 3 + i, i + 1)
             for i in range(INSTANCES - 3)]
    lines.append('instance add dslz id %d aftr %s' % (INSTANCES, AFTR_Z))
    path = os.path.join(TMP, 'instances.batch')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    t0 = time.time()
    ctl('-b', path)
    out['instances_add_secs'] = round(time.time() - t0, 2)
    ip(FD, '-6', 'addr', 'add', AFTR_Z + '/128', 'dev', 'lo')
    ip(FD, 'link', 'set', 'dslz', 'up')
    ctl('timeout', 'set', 'dslz', 'udp', '3600')
    ctl('pool', 'add', 'dslz', POOL_Z)
    ip(FD, 'route', 'add', POOL_Z, 'dev', 'dslz')
    n = len(json.loads(ctl('-j', 'instance', 'show')))
    check('phase C: %d instances in the forwarder\'s namespace' % INSTANCES, n == INSTANCES, 'instances=%d' % n)
    scen('up_last', 'dslite B4 -> Internet, established, through the last of %d instances' % INSTANCES,
         'g0', FD, frames6(e6('g0'), B4NET, AFTR_Z, dst4, est), 'ds4', inst='dslz')
    z = SCEN['up_last']
    for _ in range(5):
        blast('g0', z['path'], z['flen'], count=z['n'])
        time.sleep(0.3)
        if inst_stats('dslz')['sessions'] >= z['n']:
            break
    check('dslz holds its %d sessions' % z['n'], inst_stats('dslz')['sessions'] == z['n'],
          'sessions=%d' % inst_stats('dslz')['sessions'])
    names_c = ['B1', 'up', 'up_last']
    log('phase C (%d instances, added in %.1f s): %s' % (INSTANCES, out['instances_add_secs'], ' '.join(names_c)))
    out['phases']['C'] = measure(names_c, REPS, 'C')
    out['phases']['C']['instances'] = INSTANCES
    check('up_last: no session was created by established traffic',
          all(r['sessions_created'] == 0 for r in out['phases']['C']['up_last']['runs']))


def main():
    setup()
    log('topology up; generator %s' % BLAST)
    gm = {g: mac(GEN, g) for g in ('g0', 'g1', 'g2')}
    im = {'g0': mac(FD, 'i0'), 'g1': mac(FL, 'i1'), 'g2': mac(FM, 'i2')}
    E4 = lambda g, p: eth(im[g], gm[g], 0x0800, p)
    E6 = lambda g, p: eth(im[g], gm[g], 0x86dd, p)
    USERS, PORTS = 10, 100     # the 1k established flows
    est = [(u, 10000 + p) for u in range(USERS) for p in range(PORTS)]
    dst4 = lambda u: '192.0.2.%d' % (10 + u % 200)
    B4NET, NEWNET, BIGNET = '2001:db8:b4::', '2001:db8:b4:1::', '2001:db8:b4:2::'
    scen('B0', 'plain IPv4 forwarding', 'g0', FD,
         [E4('g0', ipv4('10.1.0.2', dst4(u), p, 9)) for u, p in est], 'ds4')
    e6 = lambda g: (lambda p: E6(g, p))
    scen('B1', 'plain IPv6 forwarding of the DS-Lite frame', 'g0', FD,
         frames6(e6('g0'), B4NET, '2001:db8:ff::1', dst4, est), 'ds6')
    scen('B2', 'ip6tnl decap + IPv4 forwarding', 'g1', FL, frames6(e6('g1'), B4NET, TNL, dst4, est), 'ds4')
    scen('B3', 'ip6tnl decap + nftables masquerade (established)', 'g2', FM,
         frames6(e6('g2'), B4NET, TNL, dst4, est), 'ds4')
    scen('up', 'dslite B4 -> Internet, established', 'g0', FD,
         frames6(e6('g0'), B4NET, AFTR, dst4, est), 'ds4', inst='dsl0')
    # new sessions: 200 B4s x up to 1500 ports, each packet a new session
    NU, NP = 200, (300 if QUICK else 1500)
    new = [(u, 1024 + p) for p in range(NP) for u in range(NU)]
    SCEN_FRAMES['new'] = frames6(e6('g0'), NEWNET, AFTR_NEW, dst4, new)
    scen('new', 'dslite, a new session on every packet', 'g0', FD, SCEN_FRAMES['new'], 'ds4',
         inst='dsl1', new=True, flush=lambda: ctl('session', 'flush', 'instance', 'dsl1'))
    scen('B3new', 'ip6tnl + masquerade, a new conntrack entry on every packet', 'g2', FM,
         frames6(e6('g2'), NEWNET, TNL, dst4, new), 'ds4',
         new=True, flush=lambda: ct_flush(FM))

    # the 1k sessions, and what they translate to
    s = SCEN['up']
    for _ in range(5):
        blast('g0', s['path'], s['flen'], count=s['n'])
        time.sleep(0.3)
        if inst_stats('dsl0')['sessions'] >= s['n']:
            break
    st = inst_stats('dsl0')
    check('dsl0 holds the %d established sessions' % s['n'], st['sessions'] == s['n'], 'sessions=%d' % st['sessions'])
    sess = json.loads(ctl('-j', 'session', 'show', 'instance', 'dsl0'))
    pub = {}
    for x in sess:
        pub[(x['b4'], x['inner_port'])] = (x['public_addr'], x['public_port'])
    check('every session has a public endpoint in %s' % POOL,
          len(pub) == s['n'] and all(ipaddress.ip_address(a) in ipaddress.ip_network(POOL) for a, _ in pub.values()),
          'mapped=%d' % len(pub))
    down = []
    for u, p in est:
        a, pp = pub.get((b4(B4NET, u), p), ('198.51.100.255', 1))
        down.append(E4('g0', ipv4(dst4(u), a, 9, pp)))
    scen('down', 'dslite Internet -> B4, established', 'g0', FD, down, 'ds6', inst='dsl0')
    hp = []
    for u, p in est:     # to the next B4's mapping of the same inner port
        a, pp = pub.get((b4(B4NET, (u + 1) % USERS), p), ('198.51.100.255', 1))
        hp.append(E6('g0', ipv6(b4(B4NET, u), AFTR, ipv4('192.0.0.2', a, p, pp))))
    scen('hairpin', "dslite B4 -> another B4's public address, hairpinned", 'g0', FD, hp, 'ds6', inst='dsl0')

    # is the translation right? (a few packets each way, caught at the sink)
    got = sniff_during(FD, 'ds4', 'g0', s['path'], s['flen'], 50)
    ok4 = [udp4(p) for p in got if len(p) >= 28 and p[0] >> 4 == 4]
    check('upstream: packets leave translated (source in the pool, port mapped)',
          len(ok4) >= 40 and all(ipaddress.ip_address(x[0]) in ipaddress.ip_network(POOL) and
                                 (x[0], x[2]) in set(pub.values()) for x in ok4),
          'seen %d of 50, e.g. %s' % (len(ok4), ok4[:1]))
    d = SCEN['down']
    got = sniff_during(FD, 'ds6', 'g0', d['path'], d['flen'], 50)
    good = 0
    for p in got:
        if len(p) >= 68 and p[0] >> 4 == 6 and p[6] == 4:
            src6 = socket.inet_ntop(socket.AF_INET6, p[8:24])
            dst6 = socket.inet_ntop(socket.AF_INET6, p[24:40])
            x = udp4(p[40:])
            if src6 == AFTR and x[1] == '192.0.0.2' and (dst6, x[3]) in pub:
                good += 1
    check('downstream: packets leave encapsulated to their B4, inner destination 192.0.0.2:inner port',
          good >= 40, 'right %d of %d seen (50 sent)' % (good, len(got)))

    names = ['B0', 'B1', 'B2', 'B3', 'up', 'down', 'hairpin', 'new', 'B3new']
    if QUICK:
        names = ['B1', 'up']
    if os.environ.get('BENCH_SCEN'):      # a comma list, or all
        want = os.environ['BENCH_SCEN'].split(',')
        names = [n for n in names if n in want] if want != ['all'] else \
            ['B0', 'B1', 'B2', 'B3', 'up', 'down', 'hairpin', 'new', 'B3new']
    out = dict(reps=REPS, secs=SECS, quick=QUICK, phases={})
    log('phase A: %s, %d reps of %g s, interleaved' % (' '.join(names), REPS, SECS))
    out['phases']['A'] = measure(names, REPS, 'A')
    if os.environ.get('BENCH_PERF'):
        out['profiles'] = {n: profile(n) for n in os.environ['BENCH_PERF'].split(',') if n in SCEN}
    A = out['phases']['A']
    for n in names:
        runs = A[n]['runs']
        check('%s: packets reached the sink in every run' % n, all(r['delivered'] > 0 for r in runs),
              'delivered %s' % [r['delivered'] for r in runs])
        check('%s: the forwarder was the bottleneck (more offered than taken, or its CPU >= 95%% busy)' % n,
              all(r['offered'] > r['delivered'] * 1.05 or (r['fwd_cpu_busy'] or 0) >= 0.95 for r in runs),
              'offered/delivered %s, forwarder CPU busy %s' % (
                  [round(r['offered'] / max(r['delivered'], 1), 2) for r in runs], [r['fwd_cpu_busy'] for r in runs]))
    if 'up' in A:
        check('up: no session was created by established traffic',
              all(r['sessions_created'] == 0 for r in A['up']['runs']))
        check('up: what reached the sink was translated (out_packets >= delivered)',
              all(r['out_packets'] >= r['delivered'] for r in A['up']['runs']))
    if 'down' in A:
        check('down: what reached the sink was translated (in_packets >= delivered)',
              all(r['in_packets'] >= r['delivered'] for r in A['down']['runs']))
    if 'hairpin' in A:
        check('hairpin: what reached the sink was hairpinned (hairpin_packets >= delivered)',
              all(r['hairpin_packets'] >= r['delivered'] for r in A['hairpin']['runs']))
    if 'new' in A:
        check('new: every delivered packet made a session, the frames never wrapped',
              all(r['sessions_created'] >= r['delivered'] * 0.99 and not r['wrapped'] for r in A['new']['runs']),
              'created/delivered %s' % [(r['sessions_created'], r['delivered'], r['wrapped']) for r in A['new']['runs']])
    if 'B3new' in A:
        check('B3new: the frames never wrapped', all(not r['wrapped'] for r in A['B3new']['runs']))

    # table full, sync on vs off, 1 vs 2 forwarder CPUs; then the mass expiry
    if FULL or SYNC or SMP:
        try:
            ctl('session', 'flush', 'instance', 'dsl1')
            phase_d(out, E6, e6, dst4, B4NET, est, new)
        except Exception as e:     # phase A's results still go out
            import traceback
            traceback.print_exc()
            check('phase D (table full, sync, CPUs) ran to its end', False, repr(e))
            out['phase_d_error'] = repr(e)
            sh('ip', 'netns', 'del', PEER, ok=True)     # not one of run.sh's namespaces
    if EXPIRE:
        try:
            ctl('session', 'flush', 'instance', 'dsl1')
            phase_e(out, e6, dst4)
        except Exception as e:
            import traceback
            traceback.print_exc()
            check('phase E (expiry while forwarding) ran to its end', False, repr(e))
            out['phase_e_error'] = repr(e)
    # memory per conntrack entry (masquerade), then per dslite session
    if BIG:
        try:
            phase_b(out, E6, e6, dst4, BIGNET)
        except Exception as e:     # phase A's results still go out
            import traceback
            traceback.print_exc()
            check('phase B (memory, large table) ran to its end', False, repr(e))
            out['phase_b_error'] = repr(e)
    if INSTANCES:
        try:
            phase_c(out, e6, dst4, B4NET, est)
        except Exception as e:     # the other phases' results still go out
            import traceback
            traceback.print_exc()
            check('phase C (many instances) ran to its end', False, repr(e))
            out['phase_c_error'] = repr(e)
    out['kernel'] = os.uname().release
    out['ncpus'] = os.cpu_count()
    out['elapsed'] = round(time.time() - T0, 1)
    print('BENCH-JSON-BEGIN')
    print(json.dumps(out))
    print('BENCH-JSON-END', flush=True)


try:
    main()
except Exception as e:     # a broken bench fails its run, it does not hang
    import traceback
    traceback.print_exc()
    check('the benchmark ran to its end', False, repr(e))
    sys.exit(1)
