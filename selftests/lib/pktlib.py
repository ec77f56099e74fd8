#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What the selftests' packet tools share (python3 standard library):
endpoints, one-line JSON output, ready files, the Internet checksum and
entering a named network namespace. Tools in selftests/lib import it
directly; scripts in selftests/py put ../lib on sys.path first."""
import ctypes
import json
import os
import struct
import sys


def ep(s):
    """'ADDR:PORT' (ADDR may be empty: any) -> (addr, port)"""
    a, _, p = s.rpartition(':')
    return (a or '0.0.0.0', int(p))


def eps(a):
    return '%s:%d' % (a[0], a[1])


def out(o):
    sys.stdout.write(json.dumps(o) + '\n')
    sys.stdout.flush()


def ready(a):
    if getattr(a, 'ready', None):
        open(a.ready, 'w').close()


def csum_sum(b):
    """the folded one's complement sum of b (RFC 1071): 0xffff when b
    holds its own valid checksum"""
    if len(b) % 2:
        b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return t


def csum(b):
    """the Internet checksum (RFC 1071) of b, ready to store"""
    return ~csum_sum(b) & 0xffff


CLONE_NEWNET = 0x40000000


def setns_to(ns):
    """move this process into the named network namespace NS (a socket
    keeps the namespace it was created in)"""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns ' + ns)
    finally:
        os.close(fd)
