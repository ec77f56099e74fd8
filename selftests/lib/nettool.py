#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# The traffic tool: exact, scriptable probes (python3 standard library).
import argparse, hashlib, json, os, select, socket, struct, time
from pktlib import ep, eps, out, ready, csum  # noqa: E402


def udp_sock(bind, reuseport=False):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if bind:
        s.bind(ep(bind))
    return s

class Rounds:
    """round numbers 0, 1, ...: until the file UNTIL exists when it is
    given, else COUNT of them; .done is how many were started"""

    def __init__(self, until, count):
        self.until, self.count, self.done = until, count, 0

    def __iter__(self):
        while not (os.path.exists(self.until) if self.until else self.done >= self.count):
            self.done += 1
            yield self.done - 1

def parse_reply(data):
    try:
        return json.loads(data)
    except Exception:
        return data.decode(errors='replace')

# udp-echo EP...: answer each datagram with what was seen (JSON)
def cmd_udp_echo(a):
    socks = [udp_sock(e) for e in a.eps]
    log = open(a.log, 'a', buffering=1) if a.log else None
    ready(a)
    while True:
        r, _, _ = select.select(socks, [], [])
        for s in r:
            data, peer = s.recvfrom(65535)
            rec = {'seen': eps(peer), 'server': eps(s.getsockname()),
                   'data': data[:200].decode(errors='replace')}
            if log:
                log.write(json.dumps(rec) + '\n')
            s.sendto(json.dumps(rec).encode(), peer)

# udp-send: from one socket, to each --to in turn, wait for its answer
def cmd_udp_send(a):
    s = udp_sock(a.bind, a.reuseport)
    res = []
    for t in a.to:
        dst = ep(t)
        got = 0
        last = None
        others = []
        seen_all = set()
        n = Rounds(a.until, a.count)
        for i in n:
            for _ in range(a.tries):
                s.sendto(('%s %d' % (a.data, i)).encode(), dst)
                end = time.time() + a.timeout
                ans = None
                while ans is None:
                    rem = end - time.time()
                    if rem <= 0 or not select.select([s], [], [], rem)[0]:
                        break
                    data, frm = s.recvfrom(65535)
                    if frm == dst:
                        ans = data
                    else:
                        others.append({'from': eps(frm), 'data': parse_reply(data)})
                if ans is not None:
                    got += 1
                    last = parse_reply(ans)
                    if isinstance(last, dict) and 'seen' in last:
                        seen_all.add(last['seen'])
                    break
            if a.interval:
                time.sleep(a.interval)
        res.append({'to': t, 'sent': n.done, 'replies': got, 'reply': last,
                    'others': others, 'seen_all': sorted(seen_all)})
    out(res)

# udp-inject FROM,TO,DATA...: one datagram each, from its own socket
def cmd_udp_inject(a):
    for spec in a.specs:
        frm, to, data = spec.split(',', 2)
        s = udp_sock(frm)
        s.sendto(data.encode(), ep(to))
        s.close()
    out({'sent': len(a.specs)})

# udp-recv: wait for datagrams on one socket, optionally answer them
def cmd_udp_recv(a):
    s = udp_sock(a.bind, a.reuseport)
    ready(a)
    res = []
    end = time.time() + a.timeout
    while len(res) < a.count:
        rem = end - time.time()
        if a.until:
            # until the file exists (then drain what is queued), at most
            # --timeout seconds
            if rem <= 0:
                break
            if not select.select([s], [], [], min(rem, 0.1))[0]:
                if os.path.exists(a.until):
                    break
                continue
        elif rem <= 0 or not select.select([s], [], [], rem)[0]:
            break
        data, frm = s.recvfrom(65535)
        res.append({'from': eps(frm), 'data': parse_reply(data)})
        if a.answer:
            s.sendto(json.dumps({'seen': eps(frm), 'data': a.answer}).encode(), frm)
    out(res)

def parse_icmp_err(pkt):
    ihl = (pkt[0] & 15) * 4
    t, c = pkt[ihl], pkt[ihl + 1]
    r = {'src': socket.inet_ntoa(pkt[12:16]), 'type': t, 'code': c}
    q = pkt[ihl + 8:]
    if t in (3, 11, 12) and len(q) >= 28:
        qihl = (q[0] & 15) * 4
        r['qproto'] = q[9]
        r['qsrc'] = socket.inet_ntoa(q[12:16])
        r['qdst'] = socket.inet_ntoa(q[16:20])
        r['qsport'], r['qdport'] = struct.unpack('!HH', q[qihl:qihl + 4])
    return r

# udp-flows: one socket per source port, one datagram each to --to;
# answers and ICMP errors (raw socket) are collected
def cmd_udp_flows(a):
    lo, hi = map(int, a.ports.split('-'))
    ic = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    socks = {}
    for p in range(lo, hi + 1):
        s = udp_sock('0.0.0.0:%d' % p)
        socks[s.fileno()] = (p, s)
    dst = ep(a.to)
    for p, s in socks.values():
        s.sendto(('flow %d' % p).encode(), dst)
        if a.gap:
            time.sleep(a.gap)
    replied, icmp = {}, []
    fds = [s for _, s in socks.values()] + [ic]
    end = time.time() + a.timeout
    while len(replied) + len(icmp) < len(socks):
        rem = end - time.time()
        if rem <= 0:
            break
        r = select.select(fds, [], [], rem)[0]
        for s in r:
            if s is ic:
                e = parse_icmp_err(ic.recv(65535))
                if e['type'] != 0 and e['type'] != 8:
                    icmp.append(e)
                continue
            data, frm = s.recvfrom(65535)
            rep = parse_reply(data)
            replied[str(socks[s.fileno()][0])] = rep.get('seen') if isinstance(rep, dict) else rep
    out({'replied': replied, 'icmp': icmp})

def sha(b):
    return hashlib.sha256(b).hexdigest()

def readn(f, n):
    h = hashlib.sha256()
    got = 0
    while got < n:
        b = f.read(min(65536, n - got))
        if not b:
            break
        h.update(b)
        got += len(b)
    return got, h.hexdigest()

def serve_conn(c, peer, log):
    seen = eps(peer)
    f = c.makefile('rwb')
    if log:
        log.write(json.dumps({'seen': seen, 'server': eps(c.getsockname())}) + '\n')
    while True:
        line = f.readline().decode().split()
        if not line:
            break
        if line[0] == 'PUT':
            got, h = readn(f, int(line[1]))
            f.write(('%s %s %d\n' % (seen, h, got)).encode())
        elif line[0] == 'GET':
            data = os.urandom(int(line[1]))
            f.write(('%s %s\n' % (seen, sha(data))).encode())
            f.write(data)
        elif line[0] == 'ECHO':
            f.write(('%s\n' % seen).encode())
        elif line[0] == 'PING':
            f.write(('PONG %s %s\n' % (line[1], seen)).encode())
        f.flush()
    c.close()

# tcp-server EP...: PUT n / GET n (sha256 checked) / ECHO / PING, threaded
def cmd_tcp_server(a):
    import threading
    log = open(a.log, 'a', buffering=1) if a.log else None
    ls = []
    for e in a.eps:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if a.reuseport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(ep(e))
        s.listen(128)
        ls.append(s)
    ready(a)
    n = 0
    while True:
        for s in select.select(ls, [], [])[0]:
            c, peer = s.accept()
            threading.Thread(target=serve_conn, args=(c, peer, log), daemon=True).start()
            n += 1
            if a.once and n >= a.once:
                time.sleep(a.linger)
                return

# tcp-client: one connection, then the requested exchanges
def cmd_tcp_client(a):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if a.bind:
        s.bind(ep(a.bind))
    s.settimeout(a.timeout)
    r = {'ok': False}
    try:
        s.connect(ep(a.to))
        r['local'] = eps(s.getsockname())
        f = s.makefile('rwb')
        if a.echo:
            f.write(b'ECHO\n'); f.flush()
            r['seen'] = f.readline().decode().strip()
        if a.put:
            data = os.urandom(a.put)
            f.write(('PUT %d\n' % a.put).encode()); f.write(data); f.flush()
            seen, h, got = f.readline().decode().split()
            r['seen'] = seen
            r['put_ok'] = (h == sha(data) and int(got) == a.put)
        if a.get:
            f.write(('GET %d\n' % a.get).encode()); f.flush()
            seen, h = f.readline().decode().split()
            got, mine = readn(f, a.get)
            r['seen'] = seen
            r['get_ok'] = (mine == h and got == a.get)
        if a.ping or a.until:
            pongs = 0
            n = Rounds(a.until, a.ping)
            for i in n:
                f.write(('PING %d\n' % i).encode()); f.flush()
                l = f.readline().decode().split()
                if l[:2] == ['PONG', str(i)]:
                    pongs += 1
                    r['seen'] = l[2]
                if a.interval:
                    time.sleep(a.interval)
            r['pings'] = n.done
            r['pongs'] = pongs
        if a.hold:
            time.sleep(a.hold)
        while a.wait_file and not os.path.exists(a.wait_file):
            time.sleep(0.1)
        r['ok'] = True
    except Exception as e:
        r['error'] = repr(e)
    s.close()
    out(r)

# ping: ICMP echo with a chosen id over a raw socket
def cmd_ping(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    got = 0
    for seq in range(a.count):
        body = struct.pack('!BBHHH', 8, 0, 0, a.id, seq) + b'dslite-ping-%d' % seq
        body = body[:2] + struct.pack('!H', csum(body)) + body[4:]
        s.sendto(body, (a.to, 0))
        end = time.time() + a.timeout
        while True:
            rem = end - time.time()
            if rem <= 0 or not select.select([s], [], [], rem)[0]:
                break
            pkt, frm = s.recvfrom(65535)
            ihl = (pkt[0] & 15) * 4
            t, _, _, i, sq = struct.unpack('!BBHHH', pkt[ihl:ihl + 8])
            if t == 0 and i == a.id and sq == seq and frm[0] == a.to:
                got += 1
                break
        if a.interval:
            time.sleep(a.interval)
    out({'sent': a.count, 'received': got})

# sniff IFACE: one JSON line per IPv4 packet seen (until killed)
def cmd_sniff(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((a.iface, 0))
    f = open(a.out, 'w', buffering=1)
    ready(a)
    while True:
        pkt, addr = s.recvfrom(65535)
        if pkt[12:14] != b'\x08\x00':
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        r = {'dir': 'out' if addr[2] == 4 else 'in',
             'src': socket.inet_ntoa(ip[12:16]), 'dst': socket.inet_ntoa(ip[16:20]),
             'proto': ip[9]}
        l4 = ip[ihl:]
        if ip[9] in (6, 17) and len(l4) >= 4:
            r['sport'], r['dport'] = struct.unpack('!HH', l4[:4])
        elif ip[9] == 1 and len(l4) >= 8:
            r['type'], r['code'] = l4[0], l4[1]
            r['id'] = struct.unpack('!H', l4[4:6])[0]
        f.write(json.dumps(r) + '\n')

# blast: crafted IPv4-in-IPv6 UDP straight onto the access link, many B4
# addresses x many inner source ports (one session each)
def cmd_blast(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    smac = s.getsockname()[4]
    dmac = bytes.fromhex(a.dst_mac.replace(':', ''))
    payload = b'x' * 4
    ulen = 8 + len(payload)
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ulen, 0, 0, 64, 17, 0,
                      socket.inet_aton(a.inner), socket.inet_aton(a.dst))
    iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
    base = int.from_bytes(socket.inet_pton(socket.AF_INET6, a.b4_base), 'big')
    aftr = socket.inet_pton(socket.AF_INET6, a.aftr)
    sent = 0
    t0 = time.time()
    for u in range(a.users):
        src6 = (base + u).to_bytes(16, 'big')
        pre = dmac + smac + b'\x86\xdd' + struct.pack('!IHBB', 0x60000000, 20 + ulen, 4, 64) \
            + src6 + aftr + iph
        for p in range(a.sport, a.sport + a.flows):
            while True:
                try:
                    s.send(pre + struct.pack('!HHHH', p, a.dport, ulen, 0) + payload)
                    break
                except OSError:
                    time.sleep(0.01)
            sent += 1
        if a.pause:
            time.sleep(a.pause)
    out({'sent': sent, 'secs': round(time.time() - t0, 2)})

p = argparse.ArgumentParser()
sp = p.add_subparsers(dest='cmd', required=True)
c = sp.add_parser('udp-echo'); c.add_argument('eps', nargs='+'); c.add_argument('--log'); c.add_argument('--ready')
c.set_defaults(f=cmd_udp_echo)
c = sp.add_parser('udp-send'); c.add_argument('--bind', default='0.0.0.0:0'); c.add_argument('--to', action='append', required=True)
c.add_argument('--data', default='hello'); c.add_argument('--timeout', type=float, default=2); c.add_argument('--tries', type=int, default=3)
c.add_argument('--count', type=int, default=1); c.add_argument('--interval', type=float, default=0); c.add_argument('--reuseport', action='store_true')
c.add_argument('--until', help='repeat (instead of --count) until this file exists')
c.set_defaults(f=cmd_udp_send)
c = sp.add_parser('udp-recv'); c.add_argument('--bind', required=True); c.add_argument('--timeout', type=float, default=3)
c.add_argument('--count', type=int, default=1000); c.add_argument('--answer'); c.add_argument('--ready'); c.add_argument('--reuseport', action='store_true')
c.add_argument('--until', help='receive until this file exists (--timeout: at most)')
c.set_defaults(f=cmd_udp_recv)
c = sp.add_parser('udp-inject'); c.add_argument('specs', nargs='+')
c.set_defaults(f=cmd_udp_inject)
c = sp.add_parser('udp-flows'); c.add_argument('--ports', required=True); c.add_argument('--to', required=True)
c.add_argument('--timeout', type=float, default=3); c.add_argument('--gap', type=float, default=0)
c.set_defaults(f=cmd_udp_flows)
c = sp.add_parser('tcp-server'); c.add_argument('eps', nargs='+'); c.add_argument('--log'); c.add_argument('--ready')
c.add_argument('--reuseport', action='store_true'); c.add_argument('--once', type=int, default=0); c.add_argument('--linger', type=float, default=5)
c.set_defaults(f=cmd_tcp_server)
c = sp.add_parser('tcp-client'); c.add_argument('--to', required=True); c.add_argument('--bind'); c.add_argument('--reuseport', action='store_true')
c.add_argument('--timeout', type=float, default=20); c.add_argument('--echo', action='store_true')
c.add_argument('--put', type=int, default=0); c.add_argument('--get', type=int, default=0)
c.add_argument('--ping', type=int, default=0); c.add_argument('--interval', type=float, default=0); c.add_argument('--hold', type=float, default=0)
c.add_argument('--until', help='ping (instead of --ping N times) until this file exists')
c.add_argument('--wait-file', help='then stay connected (idle) until this file exists')
c.set_defaults(f=cmd_tcp_client)
c = sp.add_parser('ping'); c.add_argument('--to', required=True); c.add_argument('--id', type=int, default=0x4242)
c.add_argument('--count', type=int, default=3); c.add_argument('--timeout', type=float, default=2); c.add_argument('--interval', type=float, default=0)
c.set_defaults(f=cmd_ping)
c = sp.add_parser('sniff'); c.add_argument('--iface', required=True); c.add_argument('--out', required=True); c.add_argument('--ready')
c.set_defaults(f=cmd_sniff)
c = sp.add_parser('blast'); c.add_argument('--iface', required=True); c.add_argument('--dst-mac', required=True)
c.add_argument('--b4-base', required=True); c.add_argument('--users', type=int, required=True); c.add_argument('--flows', type=int, required=True)
c.add_argument('--sport', type=int, default=10000); c.add_argument('--aftr', required=True); c.add_argument('--inner', default='192.0.0.2')
c.add_argument('--dst', required=True); c.add_argument('--dport', type=int, default=9); c.add_argument('--pause', type=float, default=0)
c.set_defaults(f=cmd_blast)
a = p.parse_args()
a.f(a)
