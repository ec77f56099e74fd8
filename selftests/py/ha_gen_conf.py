#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# ha_failover.sh, ha_bgp.sh: a router's keepalived.conf from the shipped
# files, for the test topology. Router 1 gets TEMPLATE (router A's file),
# router 2 its router B file (TEMPLATE with -b before .conf) when there is
# one, else TEMPLATE with every instance's state and priority swapped.
# The hooks named in the files (/usr/local/sbin or /usr/sbin: the build
# tree's or the installed examples) become DSLITE_HOOKS's (default: the
# repository's keepalived-scripts), run with this test's dslitectl.
import os, re, sys
tpl, r, repo, ctl, T = sys.argv[1:6]
hooks = os.environ.get("DSLITE_HOOKS") or os.path.join(repo, "keepalived-scripts")
btpl = re.sub(r"\.conf$", "-b.conf", tpl)
swap_needed = False
if r == "2" and os.path.exists(btpl):
    c = open(btpl).read()
else:
    c = open(tpl).read()
    swap_needed = r == "2"
c = c.replace("interface eth0", "interface acc").replace("dev eth1", "dev upl")
for h in ("dslite-notify", "dslite-track"):
    c = re.sub(r"/usr(/local)?/sbin/" + h, "%s/%s --dslitectl %s" % (hooks, h, ctl), c)
c = re.sub(r"vrrp_notify_fifo\s+\S+", "vrrp_notify_fifo %s/ka-%s.fifo" % (T, r), c)
if swap_needed:
    def swap(m):
        b = m.group(0)
        st = re.search(r"state (MASTER|BACKUP)", b).group(1)
        pr = int(re.search(r"priority (\d+)", b).group(1))
        b = re.sub(r"state (MASTER|BACKUP)", "state " + ("BACKUP" if st == "MASTER" else "MASTER"), b)
        return re.sub(r"priority \d+", "priority %d" % (100 if pr == 150 else 150), b)
    c = re.sub(r"vrrp_instance \S+ \{.*?\n\}", swap, c, flags=re.S)
print(c)
