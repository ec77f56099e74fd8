#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/takeover.sh's helpers: the flow, its echo, the wire, the analysis.

    takeover.py echo PORT OUT              UDP echo; OUT: the seq and time of each datagram
    takeover.py flow DST PORT MS OUT       a datagram every MS ms from 192.0.0.2:4444; OUT:
                                           each seq's send time and echo time
    takeover.py sniff IFACE access|uplink OUT
                                           AF_PACKET with kernel timestamps: VRRP adverts and
                                           neighbour adverts (access), ARP (uplink)
    takeover.py clock                      CLOCK_REALTIME - CLOCK_MONOTONIC (for the trace)
    takeover.py analyze DIR KILLS LABEL    the stages of every repetition in KILLS (lines
                                           "REP T_CRASH T_LINKS_DOWN"), median/min/max, and
                                           the TAKEOVER JSON line

Each of the first three runs until SIGTERM, then writes OUT (JSON). Every time is
CLOCK_REALTIME in seconds (the trace's CLOCK_MONOTONIC is converted).
"""
import ctypes, json, os, re, select, signal, socket, statistics, struct, sys, time


def on_term(*_):
    raise SystemExit(0)


def dump(path, obj):
    with open(path + '.tmp', 'w') as f:
        json.dump(obj, f)
    os.rename(path + '.tmp', path)


def echo(port, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('0.0.0.0', int(port)))
    got = []
    try:
        while True:
            d, a = s.recvfrom(200)
            got.append((int(d.split()[0]), time.time()))
            s.sendto(d, a)
    finally:
        dump(out, got)


def flow(dst, port, ms, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('192.0.0.2', 4444))
    s.setblocking(False)
    iv = float(ms) / 1000
    sent, got = [], []
    seq = 0
    nxt = time.time()
    try:
        while True:
            now = time.time()
            if now >= nxt:
                try:
                    s.sendto(b'%d' % seq, (dst, int(port)))
                except OSError:
                    pass	# no route for a moment (a softwire being re-pointed)
                sent.append((seq, now))
                seq += 1
                nxt += iv
                if nxt < now:	# descheduled: no burst to catch up
                    nxt = now + iv
            r, _, _ = select.select([s], [], [], max(0, nxt - time.time()))
            while r:
                try:
                    d = s.recv(200)
                except BlockingIOError:
                    break
                got.append((int(d.split()[0]), time.time()))
    finally:
        dump(out, {'interval_ms': float(ms), 'sent': sent, 'got': got})


SO_TIMESTAMPNS = 35
SO_ATTACH_FILTER = 26
# classic BPF: accept 0x40000 bytes or drop
ACCEPT, DROP = (0x06, 0, 0, 0x40000), (0x06, 0, 0, 0)
FILTERS = {
    # IPv6 (no extension header) with next header VRRP (112) or ICMPv6 (58)
    'access': [(0x28, 0, 0, 12), (0x15, 0, 4, 0x86dd), (0x30, 0, 0, 20),
               (0x15, 1, 0, 112), (0x15, 0, 1, 58), ACCEPT, DROP],
    # ARP
    'uplink': [(0x28, 0, 0, 12), (0x15, 0, 1, 0x0806), ACCEPT, DROP],
}


def mac(b):
    return ':'.join('%02x' % x for x in b)


def sniff(iface, kind, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    prog = FILTERS[kind]
    buf = ctypes.create_string_buffer(b''.join(struct.pack('HBBI', *i) for i in prog))
    fprog = struct.pack('HL', len(prog), ctypes.addressof(buf))
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    s.bind((iface, 0))
    # what came before the filter was attached
    s.setblocking(False)
    try:
        while s.recv(2000):
            pass
    except BlockingIOError:
        pass
    s.setblocking(True)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    ev = []
    try:
        while True:
            d, anc, _, _ = s.recvmsg(2000, 64)
            t = time.time()
            for lvl, typ, data in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                    sec, ns = struct.unpack('qq', data[:16])
                    t = sec + ns / 1e9
            src = mac(d[6:12])
            et = struct.unpack('!H', d[12:14])[0]
            if et == 0x86dd and d[20] == 112:
                ev.append(dict(t=t, k='vrrp', mac=src, prio=d[56] if len(d) > 56 else None))
            elif et == 0x86dd and d[20] == 58 and d[54] == 136:
                ev.append(dict(t=t, k='na', mac=src, target=socket.inet_ntop(socket.AF_INET6, d[62:78]),
                               flags=d[58]))
            elif et == 0x0806:
                ev.append(dict(t=t, k='arp', mac=src, op=struct.unpack('!H', d[20:22])[0],
                               sip=socket.inet_ntoa(d[28:32]), tip=socket.inet_ntoa(d[38:42])))
    finally:
        dump(out, ev)


def clock():
    best = None
    for _ in range(20):
        a = time.clock_gettime(time.CLOCK_REALTIME)
        m = time.clock_gettime(time.CLOCK_MONOTONIC)
        b = time.clock_gettime(time.CLOCK_REALTIME)
        if best is None or b - a < best[0]:
            best = (b - a, (a + b) / 2 - m)
    print('%.6f' % best[1])


# --- analysis ----------------------------------------------------------------------


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def trace_events(path, offset):
    """(time, pid, comm, what) from the trace: the kprobes, fork and exec"""
    ev = []
    try:
        lines = open(path, errors='replace').read().splitlines()
    except OSError:
        return ev
    for ln in lines:
        m = re.match(r'\s*(.+?)-(\d+)\s+\[\d+\].*?\s(\d+\.\d+):\s+(\S+):\s*(.*)$', ln)
        if not m:
            continue
        comm, pid, ts, name, rest = m.groups()
        t = float(ts) + offset
        if name == 'dslrole':
            r = re.search(r'role=(\d+)', rest)
            ev.append((t, int(pid), comm, 'role=%s' % (r.group(1) if r else '?')))
        elif name in ('kafifo', 'kaaddr6'):
            ev.append((t, int(pid), comm, name))
        elif name == 'sched_process_exec':
            f = re.search(r'filename=(\S+)', rest)
            ev.append((t, int(pid), comm, 'exec ' + (f.group(1) if f else '?')))
        elif name == 'sched_process_fork':
            c = re.search(r'child_pid=(\d+)', rest)
            ev.append((t, int(pid), comm, 'fork %s' % (c.group(1) if c else '?')))
    return sorted(ev)


def first(evs, t0, pred):
    for e in evs:
        if e['t'] >= t0 and pred(e):
            return e['t']
    return None


def analyze(d, kills_path):
    macs = load(os.path.join(d, 'macs.json'), {})
    off = float(open(os.path.join(d, 'clock')).read().strip()) if os.path.exists(os.path.join(d, 'clock')) else 0.0
    fl = load(os.path.join(d, 'flow.json'), {'sent': [], 'got': []})
    srv = load(os.path.join(d, 'echo.json'), [])
    acc = sorted(load(os.path.join(d, 'sniff-acc.json'), []), key=lambda e: e['t'])
    upl = sorted(load(os.path.join(d, 'sniff-upl.json'), []), key=lambda e: e['t'])
    tr = trace_events(os.path.join(d, 'trace'), off)
    notify = []
    try:
        for ln in open(os.path.join(d, 'notify-2.log')):
            t, msg = ln.split(' ', 1)
            notify.append((float(t), msg.strip()))
    except (OSError, ValueError):
        pass
    kills = []
    for ln in open(kills_path):
        x = ln.split()
        kills.append((int(x[0]), float(x[1]), float(x[2])))
    sent = dict(fl['sent'])
    got = sorted(t for _, t in fl['got'])
    seq_at = {t: s for s, t in fl['got']}
    srvt = sorted(t for _, t in srv)
    a1, a2, u2 = macs.get('a1acc'), macs.get('a2acc'), macs.get('a2upl')
    reps = []
    for rep, tk, tdown in kills:
        r = dict(rep=rep, links_down_ms=(tdown - tk) * 1000)
        # the flow's silence: the longest gap between echoes from the kill to 3 s after
        win = [t for t in got if tk - 0.2 <= t <= tk + 3]
        gaps = [(b - a, a, b) for a, b in zip(win, win[1:]) if b > tk]
        if not gaps:
            r['error'] = 'no echoes around the kill'
            reps.append(r)
            continue
        gap, t0, g_first = max(gaps)

        def ms(t, t0=t0):
            return (t - t0) * 1000 if t is not None else None
        r['kill_ms'] = ms(tk)
        r['links_down_done_ms'] = ms(tdown)
        r['first_echo_ms'] = ms(g_first)
        s = seq_at.get(g_first)
        if s is not None and s in sent:
            r['first_echo_sent_ms'] = ms(sent[s])
        # upstream at the server: the first datagram after its silence
        sw = [t for t in srvt if tk - 0.2 <= t <= tk + 3]
        sg = max(((b - a, b) for a, b in zip(sw, sw[1:]) if b > tk), default=None)
        if sg:
            r['srv_first_ms'] = ms(sg[1])
        adv1 = [e['t'] for e in acc if e['k'] == 'vrrp' and e['mac'] == a1 and tk - 1 <= e['t'] <= tdown + 0.01]
        if adv1:
            r['last_advert_ms'] = ms(max(adv1))
        tv = first(acc, tk, lambda e: e['k'] == 'vrrp' and e['mac'] == a2)
        r['vrrp_ms'] = ms(tv)
        r['prio0_seen'] = any(e['k'] == 'vrrp' and e['mac'] == a1 and e.get('prio') == 0 and tk - 0.01 <= e['t'] <= tk + 1
                              for e in acc)
        r['na_ms'] = ms(first(acc, tk, lambda e: e['k'] == 'na' and e['mac'] == a2 and e.get('target') == macs.get('vip6')))
        r['garp_ms'] = ms(first(upl, tk, lambda e: e['k'] == 'arp' and e['mac'] == u2 and e.get('sip') == macs.get('vip4')))
        roles = [e for e in tr if e[0] >= tk and e[3] == 'role=1']
        if tv is not None:
            x = [e for e in tr if tv <= e[0] and e[3] == 'kaaddr6']
            if x:
                r['vip_ms'] = ms(x[0][0])
        if roles:
            tr_role = roles[0]
            r['role_ms'] = ms(tr_role[0])
            lo = tv if tv is not None else tk
            fk = [e for e in tr if e[3] == 'fork %d' % tr_role[1] and lo <= e[0] <= tr_role[0]]
            if fk:
                r['fork_ms'] = ms(fk[-1][0])
            ex = [e for e in tr if e[1] == tr_role[1] and e[3].startswith('exec') and lo <= e[0] <= tr_role[0]]
            if ex:
                r['exec_ms'] = ms(ex[-1][0])
            # keepalived's fifo write: its last pipe write before the reader acted
            upto = fk[-1][0] if fk else tr_role[0]
            ff = [e for e in tr if e[3] == 'kafifo' and lo <= e[0] <= upto]
            if ff:
                r['fifo_ms'] = ms(ff[-1][0])
        nm = [t for t, m in notify if t >= tk and 'MASTER: service-location' in m and 'role master' in m]
        if nm:
            r['notify_log_ms'] = ms(nm[0])
        if r.get('last_advert_ms') is not None and r['vrrp_ms'] is not None:
            r['master_down_ms'] = r['vrrp_ms'] - r['last_advert_ms']
        r['gap_ms'] = gap * 1000
        reps.append(r)
    return reps


STAGES = [
    ('last_advert_ms', "aftr1's last VRRP advert (the Master_Down timer runs from it)"),
    ('kill_ms', 'the crash began (links going down)'),
    ('links_down_done_ms', "the links are down ('ip -batch' returned)"),
    ('vrrp_ms', "(a) aftr2's first advert as master (VRRP detection)"),
    ('vip_ms', 'keepalived adds the VIP'),
    ('na_ms', '(c) unsolicited NA for the AFTR address at the B4'),
    ('garp_ms', '(c) gratuitous ARP for the pool next hop at the server'),
    ('fifo_ms', "keepalived writes the notify fifo"),
    ('fork_ms', '(b) dslite-notify forks dslitectl'),
    ('exec_ms', '(b) dslitectl exec'),
    ('role_ms', '(b) role master set in the kernel'),
    ('notify_log_ms', '(b) dslite-notify logs it'),
    ('first_echo_sent_ms', 'the first answered datagram leaves the B4'),
    ('srv_first_ms', 'it reaches the server'),
    ('first_echo_ms', '(d) its echo is back at the B4: the gap'),
    ('master_down_ms', "aftr1's last advert -> aftr2's first (Master_Down_Interval, 361 ms at 100 ms / prio 100)"),
]


def summary(vals):
    v = sorted(x for x in vals if x is not None)
    if not v:
        return None
    return dict(median=round(statistics.median(v), 1), min=round(v[0], 1), max=round(v[-1], 1), n=len(v))


def report(d, kills, label):
    reps = analyze(d, kills)
    ok = [r for r in reps if 'error' not in r]
    print('# takeover (%s): %d repetitions, %d measured; ms from the last echo before the silence' % (label, len(reps), len(ok)))
    for r in reps:
        print('# rep %d: %s' % (r['rep'], ' '.join(
            '%s=%s' % (k[:-3] if k.endswith('_ms') else k, ('%.1f' % r[k]) if isinstance(r[k], float) else r[k])
            for k in [k for k, _ in STAGES] + ['gap_ms', 'links_down_ms', 'prio0_seen', 'error'] if k in r)))
    summ = {}
    print('# %-20s %8s %8s %8s' % ('stage', 'median', 'min', 'max'))
    for k, desc in STAGES + [('gap_ms', "the flow's silence")]:
        s = summary(r.get(k) for r in ok)
        if s:
            summ[k] = s
            print('# %-20s %8.1f %8.1f %8.1f  %s' % (k[:-3], s['median'], s['min'], s['max'], desc))
    # the parts, each from the previous stage (per repetition, then median/min/max)
    parts = [('silence start -> aftr2 advert', None, 'vrrp_ms'),
             ('aftr2 advert -> fifo written (VIPs, NA/GARP)', 'vrrp_ms', 'fifo_ms'),
             ('fifo written -> role master (dslite-notify)', 'fifo_ms', 'role_ms'),
             ('  fifo -> fork', 'fifo_ms', 'fork_ms'),
             ('  fork -> exec', 'fork_ms', 'exec_ms'),
             ('  exec -> role set', 'exec_ms', 'role_ms'),
             ('aftr2 advert -> role master', 'vrrp_ms', 'role_ms'),
             ('aftr2 advert -> NA at the B4', 'vrrp_ms', 'na_ms'),
             ('role master -> first echo at the B4', 'role_ms', 'first_echo_ms')]
    pm = {}
    for name, a, b in parts:
        s = summary((r[b] - (r[a] if a else 0)) if r.get(b) is not None and (a is None or r.get(a) is not None)
                    else None for r in ok)
        if s:
            pm[name] = s
            print('# part %-46s %8.1f %8.1f %8.1f' % (name, s['median'], s['min'], s['max']))
    js = dict(variant=label, reps=len(reps), measured=len(ok), stages=summ, parts=pm, runs=reps)
    print('TAKEOVER: ' + json.dumps(js, sort_keys=True))


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, on_term)
    cmd, args = sys.argv[1], sys.argv[2:]
    {'echo': echo, 'flow': flow, 'sniff': sniff, 'clock': clock, 'analyze': report}[cmd](*args)
