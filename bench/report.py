#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one VM run's output (bench/run.sh's stdout) into the results.

    report.py VM_OUTPUT RESULTS_DIR

Writes RESULTS_DIR/latest.json (date, commit, kernel, per scenario the
median/min/max pps and the ratio to its baseline), latest.md (the goals of
issue 11 beside the results) and latest.png (per-packet cost per scenario;
rate versus table size), and prints the markdown.
"""
import datetime, json, os, re, subprocess, sys

src, outdir = sys.argv[1], sys.argv[2]
text = open(src, errors='replace').read()
m = re.search(r'^BENCH-JSON-BEGIN\r?\n(.*?)\r?\nBENCH-JSON-END', text, re.S | re.M)
if not m:
    sys.exit('report.py: no BENCH-JSON block in %s (the run failed before its end)' % src)
res = json.loads(m.group(1))
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git(*a):
    return subprocess.run(['git', '-C', repo] + list(a), capture_output=True, text=True).stdout.strip()


res['date'] = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
res['commit'] = os.environ.get('BENCH_COMMIT') or git('rev-parse', '--short', 'HEAD') + ('-dirty' if git('status', '--porcelain', '--', 'kmod', 'include', 'bench') else '')
hb = re.search(r'^HA-BULK: (.*)$', text, re.M)
if hb:
    line = hb.group(1).strip()
    res['ha_bulk'] = {'line': line}
    x = re.search(r'(\d+) sessions in (\d+) ms; (\d+) bytes in (\d+) packets', line)
    if x:
        n, ms, b, p = map(int, x.groups())
        res['ha_bulk'].update(sessions=n, ms=ms, bytes=b, packets=p, bytes_per_session=round(b / n, 1))
tk = re.search(r'^TAKEOVER: (\{.*\})\s*$', text, re.M)
if tk:
    res['takeover'] = json.loads(tk.group(1))
    res['takeover_variants'] = [json.loads(x) for x in re.findall(r'^TAKEOVER-VARIANT \S+: (\{.*\})\s*$', text, re.M)]
tap = re.findall(r'^(ok|not ok) \d+ (.*)$', text, re.M)
res['checks'] = {'pass': sum(1 for r, _ in tap if r == 'ok'), 'fail': [d for r, d in tap if r != 'ok']}

A = res['phases'].get('A', {})
B = res['phases'].get('B', {})
C = res['phases'].get('C', {})
D = res['phases'].get('D', {})
BASE_D = {'est_nf': 'up', 'est_full': 'est_nf', 'mix_full': 'est_nf', 'up_sync': 'up', 'new_sync': 'new',
          'B1_rps2': 'B1', 'up_rps2': 'up', 'new_rps2': 'new', 'up': 'B1', 'new': 'up'}
BASE = {'B2': ('B1', A), 'B3': ('B1', A), 'up': ('B1', A), 'down': ('B0', A),
        'new': ('up', A), 'hairpin': ('up', A), 'B3new': ('B3', A), 'B1': ('B0', A)}


def med(ph, n):
    return ph[n]['pps']['median'] if n in ph else None


def paired(ph, a, b):
    """the per-rep ratio a/b (runs are interleaved: rep i of each)"""
    ra, rb = ph[a]['runs'], ph[b]['runs']
    v = sorted(x['pps'] / y['pps'] for x, y in zip(ra, rb) if y['pps'])
    return (v[0], v[-1]) if v else (None, None)


for ph in (A, B, C, D):
    for n, s in ph.items():
        if not isinstance(s, dict) or 'pps' not in s:
            continue
        if ph is D:
            if n in BASE_D and BASE_D[n] in D:
                base = BASE_D[n]
                lo, hi = paired(D, n, base)
                s['ratio'] = dict(baseline=base + ' (phase D)', median=med(D, n) / med(D, base),
                                  paired_min=lo, paired_max=hi)
        elif ph is A and n in BASE:
            base, _ = BASE[n]
            if base in A and med(A, base):
                lo, hi = paired(A, n, base)
                s['ratio'] = dict(baseline=base, median=med(A, n) / med(A, base), paired_min=lo, paired_max=hi)
        elif ph is not A and n != 'B1' and 'B1' in ph:
            lo, hi = paired(ph, n, 'B1')
            s['ratio'] = dict(baseline='B1 (phase %s)' % ('B' if ph is B else 'C'),
                              median=med(ph, n) / med(ph, 'B1'), paired_min=lo, paired_max=hi)
        s['ns_per_packet'] = 1e9 / s['pps']['median'] if s['pps']['median'] else None


def r(a, b, ph=A):
    if med(ph, a) and med(ph, b):
        lo, hi = paired(ph, a, b)
        return med(ph, a) / med(ph, b), lo, hi
    return None


def fmt(x):
    if x is None:
        return 'not measured'
    v, lo, hi = x
    return '%.2fx (%.2f-%.2f)' % (v, lo, hi)


goals = []


def goal(name, got, want, ok, note=''):
    goals.append(dict(path=name, result=got, goal=want, met=ok, note=note))


def ratio_goal(name, x, want):
    goal(name, fmt(x), '>= %.2fx' % want, None if x is None else x[0] >= want)


ratio_goal('B4 -> Internet, established (decap + NAT) vs plain IPv6 forwarding of the same frame', r('up', 'B1'), 0.90)
ratio_goal('the same vs ip6tnl decap + nftables masquerade', r('up', 'B3'), 1.5)
ratio_goal('Internet -> B4, established (NAT + encap) vs plain IPv4 forwarding', r('down', 'B0'), 0.85)
ratio_goal('a new session on every packet vs an established packet', r('new', 'up'), 0.5)
ratio_goal('new sessions per second vs conntrack + masquerade new flows', r('new', 'B3new'), 2.0)
if B and 'up_big' in B and 'up' in A and 'B1' in A:
    big = (B['up_big']['pps']['median'] / B['B1']['pps']['median']) / (A['up']['pps']['median'] / A['B1']['pps']['median'])
    raw = B['up_big']['pps']['median'] / A['up']['pps']['median']
    goal('%d live sessions (traffic over all) vs 1k, each relative to B1 in its phase' % B.get('live_sessions', 0),
         '%.2fx (raw %.2fx)' % (big, raw), '>= 0.90x (at 1M)', big >= 0.90,
         '1M not run: %d' % B.get('live_sessions', 0))
else:
    goal('1M live sessions vs 1k', 'not measured', '>= 0.90x', None)
if C and 'up_last' in C and 'up' in C:
    goal('through the last of %d instances vs the first (same run, interleaved)' % C.get('instances', 0),
         fmt(r('up_last', 'up', C)), '-', None,
         'an O(1) AFTR lookup makes them equal; a walk makes the last pay for the others')
    if 'up' in A and 'B1' in A:
        goal('upstream with %d instances vs with 2, each relative to B1 in its phase' % C.get('instances', 0),
             '%.2fx' % ((C['up']['pps']['median'] / C['B1']['pps']['median']) /
                        (A['up']['pps']['median'] / A['B1']['pps']['median'])), '-', None)
else:
    goal('1 vs 1024 instances', 'not measured', '-', None)
if 'mix_full' in D and 'est_nf' in D:
    ratio_goal('table full: established packets delivered while 1 new-flow packet in 5 is refused, vs '
               'established alone with the table not full (phase D)', r('mix_full', 'est_nf', D), 0.80)
    runs = D['mix_full']['runs']
    hand = sorted((x['delivered'] + x['drops'].get('drop_table_full', 0)) / x['secs'] for x in runs)
    goal('the same, packets handled (delivered + refused) per second vs established alone',
         '%.2fx (%.0f pps handled, median)' % (hand[len(hand) // 2] / med(D, 'est_nf'), hand[len(hand) // 2]),
         '-', None, 'the refused packets cost the forwarder CPU too')
    goal('table full, established only vs not full (phase D)', fmt(r('est_full', 'est_nf', D)), '>= 0.95x',
         r('est_full', 'est_nf', D)[0] >= 0.95)
if 'up_sync' in D:
    ratio_goal('sync on vs off: upstream established (phase D)', r('up_sync', 'up', D), 0.95)
if 'new_sync' in D:
    ratio_goal('sync on vs off: a new session on every packet (phase D)', r('new_sync', 'new', D), 0.80)
if 'up_rps2' in D:
    goal('upstream over 2 forwarder vCPUs vs 1 (RPS; phase D)', fmt(r('up_rps2', 'up', D)), '~2x (scales)',
         r('up_rps2', 'up', D)[0] >= 1.8, 'plain IPv6 forwarding the same way: %s' % fmt(r('B1_rps2', 'B1', D)))
if 'new_rps2' in D:
    goal('new sessions over 2 forwarder vCPUs vs 1 (RPS; phase D)', fmt(r('new_rps2', 'new', D)), '~2x (scales)',
         r('new_rps2', 'new', D)[0] >= 1.8)
ex = res.get('expiry')
if ex and ex.get('reps'):
    # against the mean of the windows before and after: a host whose speed
    # drifts (other VMs, compiles) moves both, a cost of the expiry only
    # the window during it
    for x in ex['reps']:
        ba = (x['before_pps'] + x['after_pps']) / 2
        x['ratio_ba'] = x['during_pps'] / ba if ba else None
    ex['ratio_ba'] = stats_ = sorted(x['ratio_ba'] for x in ex['reps'] if x['ratio_ba'])
    rb = dict(median=stats_[len(stats_) // 2], min=stats_[0], max=stats_[-1]) if stats_ else None
    rt = ex['ratio']
    goal('expiry of %d sessions while forwarding: established rate during the mass expiry vs before' % ex['sessions'],
         '%.2fx (%.2f-%.2f); table drained in %.1f s (%.1f-%.1f)' % (
             rt['median'], rt['min'], rt['max'], ex['drain_secs']['median'], ex['drain_secs']['min'],
             ex['drain_secs']['max']), '>= 0.90x', rt['median'] >= 0.90,
         'before %.0f pps, during %.0f pps (medians of %d reps)' % (
             ex['before_pps']['median'], ex['during_pps']['median'], len(ex['reps'])))
    if rb:
        goal('the same, during vs the mean of the windows before and after (host drift cancels)',
             '%.2fx (%.2f-%.2f)' % (rb['median'], rb['min'], rb['max']), '>= 0.90x', rb['median'] >= 0.90)
mem = res.get('memory', {})
if 'dslite' in mem:
    d, c = mem['dslite'], mem.get('conntrack', {})
    cs = d['caches'].get('dslite_session', {})
    cc = c.get('caches', {}).get('nf_conntrack', {})
    got = '%.0f B (session slab %.0f B; conntrack+masquerade: %.0f B, its slab %.0f B)' % (
        d['total_per'], cs.get('per', 0), c.get('total_per', 0), cc.get('per', 0))
    goal('memory per session at %d, both indexes (slab + hash buckets)' % d['n'], got, '<= 96 B (at 1M)',
         d['total_per'] <= 96, 'unreclaimable slab + vmalloc growth / sessions; includes %d users' % d.get('users_added', 0))
else:
    goal('memory per session', 'not measured', '<= 96 B', None)
if res.get('ha_bulk', {}).get('bytes_per_session'):
    h = res['ha_bulk']
    goal('sync bytes per session on the wire (bench/ha_bulk.sh, %d sessions)' % h['sessions'],
         '%.1f B (bulk of %d sessions in %d ms)' % (h['bytes_per_session'], h['sessions'], h['ms']), '<= 32 B',
         h['bytes_per_session'] <= 32)
else:
    goal('sync bytes per session on the wire', 'not measured', '<= 32 B', None)


def takeover_goal(tk, name):
    st, pa = tk.get('stages', {}), tk.get('parts', {})
    g = st['gap_ms']

    def med(d, k):
        return '%.0f' % d[k]['median'] if k in d else '?'
    goal('%s (bench/takeover.sh, variant %s, %d crashes)' % (name, tk.get('variant', '?'), g['n']),
         '%.2f s (%.2f-%.2f); from the last echo: backup\'s first advert %s ms, role master %s ms '
         '(advert -> role %s ms); Master_Down measured %s ms'
         % (g['median'] / 1000, g['min'] / 1000, g['max'] / 1000, med(st, 'vrrp_ms'), med(st, 'role_ms'),
            med(pa, 'aftr2 advert -> role master'), med(st, 'master_down_ms')),
         '<= 0.4 s', g['median'] <= 400, 'median (min-max) of the flow\'s silence; the stages are medians')


if res.get('takeover', {}).get('stages', {}).get('gap_ms'):
    takeover_goal(res['takeover'], 'takeover gap of a steady UDP flow, VRRPv3 adverts 100 ms')
    for v in res.get('takeover_variants', []):
        if v.get('stages', {}).get('gap_ms'):
            takeover_goal(v, 'the same')
else:
    goal('takeover gap of a steady UDP flow, VRRPv3 adverts 100 ms', 'not measured', '<= 0.4 s', None)
res['goals'] = goals

os.makedirs(outdir, exist_ok=True)
md = ['# dslite benchmark: %s, commit %s, kernel %s, %d vCPUs (qemu TCG)' % (
    res['date'], res['commit'], res['kernel'], res.get('ncpus', 0)), '',
    '%d reps of %g s per scenario, interleaved; UDP, 18-byte payload; ratios are of medians, '
    '(min-max) of the per-rep paired ratios.%s' % (res['reps'], res['secs'], ' QUICK run: not for figures.' if res.get('quick') else ''),
    '', '| path | measured | goal | met |', '|---|---|---|---|']
for g in goals:
    met = {True: 'yes', False: '**no**', None: '-'}[g['met']]
    md.append('| %s | %s | %s | %s |' % (g['path'], g['result'], g['goal'], met))
md += ['', '| scenario | median pps | min | max | ns/packet | offered pps (median) | ratio |', '|---|---|---|---|---|---|---|']
for phn, ph in (('A', A), ('B', B), ('C', C), ('D', D)):
    for n, s in ph.items():
        if not isinstance(s, dict) or 'pps' not in s:
            continue
        p = s['pps']
        rt = s.get('ratio')
        md.append('| %s%s: %s | %.0f | %.0f | %.0f | %.0f | %.0f | %s |' % (
            n, ' (phase %s)' % phn if phn != 'A' else '', s['desc'], p['median'], p['min'], p['max'],
            s['ns_per_packet'] or 0, s['offered_pps']['median'],
            '%.2fx %s' % (rt['median'], rt['baseline']) if rt else ''))
if ex and ex.get('reps'):
    md += ['', '| expiry rep (%d sessions) | filled in | drained in | established pps before | during | after | '
           'during / before | during / mean(before, after) | offered during | VM CPUs busy during |' % ex['sessions'],
           '|---|---|---|---|---|---|---|---|---|---|']
    for k, x in enumerate(ex['reps']):
        md.append('| %d | %.1f s | %.1f s | %.0f | %.0f | %.0f | %.2fx | %.2fx | %.0f | %s |' % (
            k + 1, x['fill_secs'], x['drain_secs'], x['before_pps'], x['during_pps'], x['after_pps'],
            x['ratio'] or 0, x['ratio_ba'] or 0, x['during_offered'],
            ', '.join('%s %.0f%%' % (c, 100 * (v or 0)) for c, v in x['cpu_busy_during'].items())))
md += ['', 'checks: %d passed, %d failed%s' % (res['checks']['pass'], len(res['checks']['fail']),
                                              (': ' + '; '.join(res['checks']['fail'])) if res['checks']['fail'] else '')]
open(os.path.join(outdir, 'latest.json'), 'w').write(json.dumps(res, indent=1, sort_keys=True) + '\n')
open(os.path.join(outdir, 'latest.md'), 'w').write('\n'.join(md) + '\n')
print('\n'.join(md))

try:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
except ImportError:
    print('report.py: no matplotlib (scripts/deps.sh installs python3-matplotlib): no plot', file=sys.stderr)
    sys.exit(0)
fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={'width_ratios': [2, 1]})
names = [n for n in A if isinstance(A[n], dict) and 'pps' in A[n]]
cost = [1e9 / A[n]['pps']['median'] for n in names]
lo = [c - 1e9 / A[n]['pps']['max'] for c, n in zip(cost, names)]
hi = [1e9 / A[n]['pps']['min'] - c for c, n in zip(cost, names)]
a1.bar(names, cost, yerr=[lo, hi], capsize=3, color=['#888' if n.startswith('B') else '#37c' for n in names])
a1.set_ylabel('ns per packet (one forwarder vCPU, TCG)')
a1.set_title('per-packet cost per scenario (grey: Linux baselines)')
if B and 'up_big' in B and 'B1' in B and 'up' in A and 'B1' in A:
    # each relative to B1 of its own phase: the VM's speed drifts between phases
    nb, na = B['B1']['pps']['median'], A['B1']['pps']['median']
    xs = [1000, B.get('live_sessions', 0)]
    ys = [A['up']['pps']['median'] / na, B['up_big']['pps']['median'] / nb]
    a2.plot(xs, ys, 'o-', label='upstream, traffic over all sessions')
    a2.plot([B.get('live_sessions', 0)], [B['up']['pps']['median'] / nb], 's', label='upstream, 1k flows among them')
    a2.set_xscale('log')
    a2.set_ylim(0, 1.1)
    a2.legend(fontsize=8)
a2.set_xlabel('live sessions')
a2.set_ylabel('rate / plain IPv6 forwarding (B1) of its phase')
a2.set_title('rate vs table size')
fig.suptitle('dslite %s, %s, %s' % (res['commit'], res['kernel'], res['date']), fontsize=9)
fig.tight_layout()
fig.savefig(os.path.join(outdir, 'latest.png'), dpi=100)
