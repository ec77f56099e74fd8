#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The dslite netlink spec's generator and checker.

  nlspec-gen.py [--out DIR]   write nl_policy.c and nl_policy.h (default
                              kmod/) from Documentation/netlink/specs/
                              dslite.yaml: one policy per command (do and
                              dump share it), sized to the highest
                              attribute it takes, and one per nest a
                              request carries.
  nlspec-gen.py --check       TAP: the spec is valid against the kernel's
                              schema (genetlink-legacy.yaml, from the YNL
                              cache scripts/deps.sh fills), the committed
                              kmod/nl_policy.[ch] are what the spec makes,
                              and every command, attribute, enum and
                              constant value of the spec is the UAPI
                              header's (a C program built against
                              include/uapi/linux/dslite.h prints them).

Only the spec is edited by hand; the generated files are committed so the
module builds without Python.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(REPO, 'Documentation', 'netlink', 'specs', 'dslite.yaml')
UAPI = os.path.join(REPO, 'include', 'uapi', 'linux', 'dslite.h')
YNL = os.environ.get('DSLITE_YNL', '/var/cache/dslite/ynl')
SCHEMA_DIR = os.path.join(YNL, 'Documentation', 'netlink')

# kernel-scope constants the spec states as numbers, and the kernel
# expression each must equal (asserted at build time in nl_policy.c)
KERNEL_EXPR = {
    'ifname-max': 'IFNAMSIZ - 1',
    'mtu-max': 'IP_MAX_MTU - sizeof(struct ipv6hdr)',
}
S16_MIN, S16_MAX = -32768, 32767
NLA_INT = {'u8': 'NLA_U8', 'u16': 'NLA_U16', 'u32': 'NLA_U32', 'u64': 'NLA_U64'}


def c_name(s):
    return s.upper().replace('-', '_')


def low(s):
    return s.replace('-', '_')


class Spec:
    def __init__(self, path):
        with open(path) as f:
            self.y = yaml.safe_load(f)
        self.fam = self.y['name']
        self.consts = {}
        self.enums = {}
        for d in self.y.get('definitions', []):
            if d['type'] == 'const':
                self.consts[d['name']] = d
            elif d['type'] == 'enum':
                self.enums[d['name']] = d
        self.sets = {s['name']: s for s in self.y['attribute-sets']}
        self.attrs = {}		# set name -> [(name, value, spec)]
        for s in self.y['attribute-sets']:
            if 'subset-of' in s:
                continue
            val, out = 1, []
            for a in s['attributes']:
                val = a.get('value', val)
                out.append((a['name'], val, a))
                val += 1
            self.attrs[s['name']] = out
        self.ops = []
        val = 1
        for op in self.y['operations']['list']:
            val = op.get('value', val)
            self.ops.append((op['name'], val, op))
            val += 1

    def set_prefix(self, sname):
        s = self.sets[sname]
        if 'subset-of' in s:
            return self.set_prefix(s['subset-of'])
        return s.get('name-prefix', '%s-%s-a-' % (self.fam, sname))

    def root(self, sname):
        s = self.sets[sname]
        return self.root(s['subset-of']) if 'subset-of' in s else sname

    def attr(self, sname, name):
        for n, v, a in self.attrs[self.root(sname)]:
            if n == name:
                return v, a
        raise KeyError('attribute %s not in set %s' % (name, sname))

    def attr_c(self, sname, name):
        return c_name(self.set_prefix(sname) + name)

    def enum_entries(self, ename):
        e = self.enums[ename]
        val, out = e.get('value-start', 0), []
        for ent in e['entries']:
            n = ent if isinstance(ent, str) else ent['name']
            if not isinstance(ent, str) and 'value' in ent:
                val = ent['value']
            out.append((n, val))
            val += 1
        return out

    def enum_c(self, ename, entry):
        e = self.enums[ename]
        return c_name(e.get('name-prefix', '%s-%s-' % (self.fam, ename)) + entry)

    def const_c(self, name):
        return c_name('%s-%s' % (self.fam, name))

    def limit(self, v):
        """(value, C text) of a check's limit: a number or a constant."""
        if isinstance(v, int):
            return v, str(v)
        m = re.match(r'^(u8|u16|u32|s8|s16|s32)-(min|max)$', v)
        if m:
            bits = int(m.group(1)[1:])
            signed = m.group(1)[0] == 's'
            if m.group(2) == 'max':
                n = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
            else:
                n = -(1 << (bits - 1)) if signed else 0
            return n, str(n)
        if re.match(r'^[0-9]+$', v):
            return int(v), v
        c = self.consts[v]
        return int(c['value']), self.const_c(v)

    def request(self, op):
        """The attributes of the op's request: do and dump must agree."""
        lists = []
        for mode in ('do', 'dump'):
            if mode in op:
                lists.append(op[mode].get('request', {}).get('attributes', []))
        if not lists:
            return None
        for other in lists[1:]:
            if sorted(other) != sorted(lists[0]):
                raise SystemExit('%s: do and dump requests differ, but the policy is per '
                                 'command (kernel-policy: per-op)' % op['name'])
        return lists[0]


class Gen:
    def __init__(self, spec):
        self.s = spec
        self.ranges = []	# (C name, min text, max text)
        self.asserts = []

    def entry(self, sname, name):
        s = self.s
        _, a = s.attr(sname, name)
        t = a['type']
        ck = dict(a.get('checks', {}))
        if t in NLA_INT:
            mn = mx = None
            if 'enum' in a:
                ents = s.enum_entries(a['enum'])
                lo = min(ents, key=lambda x: x[1])
                hi = max(ents, key=lambda x: x[1])
                if 'min' not in ck and lo[1] != 0:
                    mn = (lo[1], s.enum_c(a['enum'], lo[0]))
                if 'max' not in ck:
                    mx = (hi[1], s.enum_c(a['enum'], hi[0]))
            if 'min' in ck:
                mn = s.limit(ck['min'])
            if 'max' in ck:
                mx = s.limit(ck['max'])
            nt = NLA_INT[t]
            if mn is None and mx is None:
                return '{ .type = %s }' % nt
            fits = all(x is None or S16_MIN <= x[0] <= S16_MAX for x in (mn, mx))
            if fits and mn is None:
                return 'NLA_POLICY_MAX(%s, %s)' % (nt, mx[1])
            if fits and mx is None:
                return 'NLA_POLICY_MIN(%s, %s)' % (nt, mn[1])
            if fits:
                return 'NLA_POLICY_RANGE(%s, %s, %s)' % (nt, mn[1], mx[1])
            lo, hi = str(mn[0]) if mn else '0', str(mx[0]) if mx else 'U64_MAX'
            rn = 'dslite_nl_range_%s_%s' % (mn[0] if mn else 0, mx[0] if mx else 'max')
            if rn not in [r[0] for r in self.ranges]:
                self.ranges.append((rn, lo, hi))
            return 'NLA_POLICY_FULL_RANGE(%s, &%s)' % (nt, rn)
        if t == 'string':
            if 'max-len' in ck:
                return '{ .type = NLA_NUL_STRING, .len = %s }' % s.limit(ck['max-len'])[1]
            return '{ .type = NLA_NUL_STRING }'
        if t == 'binary':
            if 'exact-len' in ck:
                return 'NLA_POLICY_EXACT_LEN(%s)' % s.limit(ck['exact-len'])[1]
            if 'min-len' in ck and 'max-len' in ck:
                return 'NLA_POLICY_RANGE(NLA_BINARY, %s, %s)' % (
                    s.limit(ck['min-len'])[1], s.limit(ck['max-len'])[1])
            if 'max-len' in ck:
                return 'NLA_POLICY_MAX_LEN(%s)' % s.limit(ck['max-len'])[1]
            if 'min-len' in ck:
                return 'NLA_POLICY_MIN_LEN(%s)' % s.limit(ck['min-len'])[1]
            return '{ .type = NLA_BINARY }'
        if t == 'flag':
            return '{ .type = NLA_FLAG }'
        if t == 'nest':
            return 'NLA_POLICY_NESTED(dslite_nl_%s_policy)' % low(a['nested-attributes'])
        raise SystemExit('%s: type %s cannot be in a request' % (name, t))

    @staticmethod
    def line(key, val):
        """One initializer, broken at the first argument past 100 columns."""
        txt = '\t%s = %s,' % (key, val)
        if len(txt.expandtabs(8)) <= 100 or '(' not in val:
            return [txt]
        head, rest = val.split('(', 1)
        args = rest[:-1].split(', ')
        first = '\t%s = %s(%s,' % (key, head, args[0])
        pad = len(first.expandtabs(8)) - len(args[0]) - 1
        indent = '\t' * (pad // 8) + ' ' * (pad % 8)
        return [first, indent + ', '.join(args[1:]) + '),']

    def policy(self, cname, sname, names, comment):
        s = self.s
        if names:
            top = max(names, key=lambda n: s.attr(sname, n)[0])
            size = s.attr_c(sname, top)
        else:
            size = s.attr_c(sname, s.attrs[s.root(sname)][1][0])
        out = ['/* %s */' % comment] if comment else []
        out.append('const struct nla_policy %s[%s + 1] = {' % (cname, size))
        if not names:
            out.append('\t/*')
            out.append('\t * No attribute: each one is refused (a maxattr of 0 would')
            out.append('\t * make the genetlink core ignore them unparsed).')
            out.append('\t */')
        for n in sorted(names, key=lambda n: s.attr(sname, n)[0]):
            out += self.line('[%s]' % s.attr_c(sname, n), self.entry(sname, n))
        out.append('};')
        return cname, size, out

    def nests(self):
        """Nest sets that requests carry, innermost first."""
        s, seen = self.s, []

        def walk(sname, names):
            for n in names:
                _, a = s.attr(sname, n)
                if a['type'] == 'nest':
                    sub = a['nested-attributes']
                    walk(sub, [x['name'] for x in s.sets[sub]['attributes']])
                    if sub not in seen:
                        seen.append(sub)
        for _, _, op in s.ops:
            req = s.request(op)
            if req:
                walk(op['attribute-set'], req)
        return seen

    def render(self):
        s = self.s
        pols = []
        for sub in self.nests():
            names = [x['name'] for x in s.sets[sub]['attributes']]
            pols.append(self.policy('dslite_nl_%s_policy' % low(sub), sub, names,
                                    'nest %s' % sub))
        for name, _, op in s.ops:
            req = s.request(op)
            if req is None:
                continue
            modes = '/'.join(m for m in ('do', 'dump') if m in op)
            pols.append(self.policy('dslite_nl_%s_policy' % low(name), op['attribute-set'], req,
                                    '%s (%s)' % (name, modes)))
        for k, v in sorted(s.consts.items()):
            if k in KERNEL_EXPR:
                self.asserts.append('static_assert(%s == %s);' % (KERNEL_EXPR[k], s.const_c(k)))
            elif v.get('header') == 'dslite.h':
                self.asserts.append('static_assert(%s == %s);' % (s.const_c(k), v['value']))
        banner = ['/* Do not edit: generated by scripts/nlspec-gen.py from',
                  ' * Documentation/netlink/specs/dslite.yaml (make check compares).',
                  ' */']
        c = ['// SPDX-License-Identifier: GPL-2.0'] + banner + [
            '#include <linux/if.h>', '#include <linux/ipv6.h>', '#include <net/ip.h>', '',
            '#include "dslite.h"', '']
        c += self.asserts + ['']
        if self.ranges:
            c += ['/*', ' * u16/u32 bounds past the policy\'s s16 min/max (not const: 6.1\'s',
                  ' * NLA_POLICY_FULL_RANGE takes a plain pointer)', ' */']
        for rn, mn, mx in self.ranges:
            c += ['static struct netlink_range_validation %s = {' % rn,
                  '\t.min = %s,' % mn, '\t.max = %s,' % mx, '};', '']
        for _, _, body in pols:
            c += body + ['']
        h = ['/* SPDX-License-Identifier: GPL-2.0 */'] + banner + [
            '#ifndef _DSLITE_NL_POLICY_H', '#define _DSLITE_NL_POLICY_H', '',
            '#include <net/netlink.h>', '#include <uapi/linux/dslite.h>', '']
        kconsts = [(k, v) for k, v in sorted(s.consts.items())
                   if v.get('scope') == 'kernel' and 'header' not in v]
        for k, v in kconsts:
            h.append('#define %s\t%s' % (s.const_c(k), v['value']))
        if kconsts:
            h.append('')
        for cname, size, _ in pols:
            h.append('extern const struct nla_policy %s[%s + 1];' % (cname, size))
        h += ['', '#endif /* _DSLITE_NL_POLICY_H */']
        return '\n'.join(c).rstrip('\n') + '\n', '\n'.join(h) + '\n'


def write(out):
    c, h = Gen(Spec(SPEC)).render()
    with open(os.path.join(out, 'nl_policy.c'), 'w') as f:
        f.write(c)
    with open(os.path.join(out, 'nl_policy.h'), 'w') as f:
        f.write(h)


# ---- --check ---------------------------------------------------------------

class Tap:
    def __init__(self):
        self.n = self.fails = 0

    def check(self, ok, what, detail=''):
        self.n += 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.n, what))
        if not ok:
            self.fails += 1
            for ln in str(detail).splitlines()[:40]:
                print('#   ' + ln)

    def finish(self):
        print('1..%d' % self.n)
        print('# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0' %
              (self.n - self.fails, self.fails))
        return 1 if self.fails else 0


def uapi_names(spec):
    """(C name, value the spec says) of everything the UAPI header holds."""
    out = [('DSLITE_GENL_VERSION', spec.y.get('version', 1))]
    for name, val, _ in spec.ops:
        out.append((c_name(spec.y['operations']['name-prefix'] + name), val))
    for sname, attrs in spec.attrs.items():
        for n, v, _ in attrs:
            out.append((spec.attr_c(sname, n), v))
    for e in spec.enums:
        for n, v in spec.enum_entries(e):
            out.append((spec.enum_c(e, n), v))
    for k, v in spec.consts.items():
        if v.get('scope', 'uapi') == 'uapi':
            out.append((spec.const_c(k), v['value']))
    return out


def uapi_enums(spec):
    """(enum name, [entry C names]) the spec defines, for completeness."""
    out = []
    for sname, attrs in spec.attrs.items():
        out.append((spec.sets[sname]['enum-name'], [spec.attr_c(sname, n) for n, _, _ in attrs]))
    for e in spec.enums:
        out.append((spec.enums[e]['enum-name'], [spec.enum_c(e, n) for n, _ in
                                                 spec.enum_entries(e)]))
    pre = spec.y['operations']['name-prefix']
    out.append((spec.y['operations']['enum-name'],
                [c_name(pre + 'unspec')] + [c_name(pre + n) for n, _, _ in spec.ops]))
    return out


def check(tap):
    import jsonschema
    spec = Spec(SPEC)
    schema = os.path.join(SCHEMA_DIR, '%s.yaml' % spec.y.get('protocol', 'genetlink'))
    if not os.path.exists(schema):
        tap.check(False, 'the kernel schema is there', '%s missing: run scripts/deps.sh' % schema)
    else:
        with open(schema) as f:
            sch = yaml.safe_load(f)
        try:
            jsonschema.validate(spec.y, sch)
            tap.check(True, 'the spec is valid against %s' % os.path.basename(schema))
        except jsonschema.ValidationError as e:
            tap.check(False, 'the spec is valid against %s' % os.path.basename(schema),
                      '%s at %s' % (e.message, '/'.join(str(p) for p in e.absolute_path)))

    with tempfile.TemporaryDirectory() as tmp:
        write(tmp)
        for fn in ('nl_policy.c', 'nl_policy.h'):
            with open(os.path.join(tmp, fn)) as f:
                want = f.readlines()
            try:
                with open(os.path.join(REPO, 'kmod', fn)) as f:
                    have = f.readlines()
            except OSError:
                have = []
            d = ''.join(difflib.unified_diff(have, want, 'kmod/' + fn, 'generated'))
            tap.check(not d, 'kmod/%s is what the spec generates' % fn,
                      d + '\nrun scripts/nlspec-gen.py and commit')

        # the values, as the C compiler sees the header
        names = uapi_names(spec)
        prog = ['#include <stdio.h>', '#include <linux/dslite.h>', 'int main(void)', '{']
        for n, _ in names:
            prog.append('\tprintf("%%s %%lld\\n", "%s", (long long)(%s));' % (n, n))
        for sname, attrs in spec.attrs.items():
            mx = c_name(spec.set_prefix(sname) + 'max')
            prog.append('\tprintf("__%s %%lld\\n", (long long)(__%s - 1));' % (mx, mx))
        prog.append('\tprintf("DSLITE_GENL_NAME %s\\n", DSLITE_GENL_NAME);')
        for g in spec.y.get('mcast-groups', {}).get('list', []):
            cn = g.get('c-define-name', c_name('%s-mcgrp-%s' % (spec.fam, g['name'])))
            prog.append('\tprintf("%s %%s\\n", %s);' % (cn, cn))
        prog += ['\treturn 0;', '}']
        src = os.path.join(tmp, 'uapi.c')
        with open(src, 'w') as f:
            f.write('\n'.join(prog) + '\n')
        exe = os.path.join(tmp, 'uapi')
        r = subprocess.run(['cc', '-Wall', '-Werror', '-I', os.path.join(REPO, 'include', 'uapi'),
                            '-o', exe, src], capture_output=True, text=True)
        if r.returncode:
            tap.check(False, 'every spec name is in the UAPI header', r.stderr)
            return
        got = {}
        for ln in subprocess.run([exe], capture_output=True, text=True, check=True).stdout.splitlines():
            k, v = ln.split(' ', 1)
            got[k] = v
        bad = ['%s: spec %s, header %s' % (n, v, got[n]) for n, v in names if int(got[n]) != v]
        tap.check(not bad, 'every command, attribute, enum and constant value (%d) is the '
                  'header\'s' % len(names), '\n'.join(bad))
        bad = []
        for sname, attrs in spec.attrs.items():
            mx = '__' + c_name(spec.set_prefix(sname) + 'max')
            if int(got[mx]) != attrs[-1][1]:
                bad.append('%s - 1 is %s, the spec ends at %d' % (mx, got[mx], attrs[-1][1]))
        tap.check(not bad, 'no attribute set of the header goes past the spec\'s', '\n'.join(bad))
        bad = []
        if got['DSLITE_GENL_NAME'] != spec.fam:
            bad.append('family %s, spec %s' % (got['DSLITE_GENL_NAME'], spec.fam))
        for g in spec.y.get('mcast-groups', {}).get('list', []):
            cn = g.get('c-define-name', c_name('%s-mcgrp-%s' % (spec.fam, g['name'])))
            if got[cn] != g['name']:
                bad.append('%s is %s, spec %s' % (cn, got[cn], g['name']))
        tap.check(not bad, 'family and multicast group names are the header\'s', '\n'.join(bad))

    # completeness: no enum entry of the header is missing from the spec
    with open(UAPI) as f:
        hdr = f.read()
    bad = []
    for enum, entries in uapi_enums(spec):
        m = re.search(r'enum %s \{(.*?)\};' % enum, hdr, re.S)
        if not m:
            bad.append('enum %s is not in the header' % enum)
            continue
        body = re.sub(r'/\*.*?\*/', '', m.group(1), flags=re.S)
        have = [x.split('=')[0].strip() for x in body.split(',') if x.strip()]
        have = [x for x in have if not x.startswith('__')]
        if have != entries:
            bad.append('enum %s: header %s, spec %s' % (
                enum, [x for x in have if x not in entries], [x for x in entries if x not in have]))
    tap.check(not bad, 'every enum of the spec has the header\'s entries, in order',
              '\n'.join(bad))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default=os.path.join(REPO, 'kmod'))
    p.add_argument('--check', action='store_true')
    a = p.parse_args()
    if a.check:
        tap = Tap()
        check(tap)
        sys.exit(tap.finish())
    write(a.out)


if __name__ == '__main__':
    main()
