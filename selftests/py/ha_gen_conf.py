#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# ha_failover.sh: a router's keepalived.conf from the shipped template, for the test topology
import re, sys
tpl, r, repo, ctl, T = sys.argv[1:6]
c = open(tpl).read()
c = c.replace("interface eth0", "interface acc").replace("dev eth1", "dev upl")
c = c.replace("/usr/local/sbin/dslite-notify", "%s/keepalived-scripts/dslite-notify --dslitectl %s" % (repo, ctl))
c = c.replace("/usr/local/sbin/dslite-track", "%s/keepalived-scripts/dslite-track --dslitectl %s" % (repo, ctl))
c = re.sub(r"vrrp_notify_fifo\s+\S+", "vrrp_notify_fifo %s/ka-%s.fifo" % (T, r), c)
if r == "2":
    def swap(m):
        b = m.group(0)
        st = re.search(r"state (MASTER|BACKUP)", b).group(1)
        pr = int(re.search(r"priority (\d+)", b).group(1))
        b = re.sub(r"state (MASTER|BACKUP)", "state " + ("BACKUP" if st == "MASTER" else "MASTER"), b)
        return re.sub(r"priority \d+", "priority %d" % (100 if pr == 150 else 150), b)
    c = re.sub(r"vrrp_instance \S+ \{.*?\n\}", swap, c, flags=re.S)
print(c)
