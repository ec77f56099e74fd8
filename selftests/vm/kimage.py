#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Kernel image helpers for selftests/vm/run.

  kimage.py version IMAGE        print the kernel release of a bzImage or
                                 ELF vmlinux (empty output if unknown)
  kimage.py extract BZIMAGE OUT  unpack the xz-compressed ELF vmlinux from a
                                 bzImage into OUT; succeeds only if the result
                                 is an ELF with a PVH entry note (so qemu can
                                 boot it with -kernel)
"""

import lzma
import os
import re
import struct
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"
ELF_MAGIC = b"\x7fELF"
XEN_ELFNOTE_PHYS32_ENTRY = 18


def version(path):
    with open(path, "rb") as f:
        data = f.read()
    # bzImage: boot protocol header "HdrS" at 0x202, kernel_version at 0x20e
    if data[0x202:0x206] == b"HdrS":
        ptr = struct.unpack_from("<H", data, 0x20E)[0]
        if ptr:
            s = data[ptr + 0x200:ptr + 0x200 + 256].split(b"\0")[0]
            if s:
                return s.split()[0].decode(errors="replace")
    m = re.search(rb"Linux version (\S+) \(", data)
    return m.group(1).decode(errors="replace") if m else ""


def has_pvh_note(elf):
    """True if the ELF64 file has a Xen PHYS32_ENTRY note (PVH entry)."""
    if elf[:4] != ELF_MAGIC or elf[4] != 2:  # ELFCLASS64
        return False
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", elf, phoff + i * phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        off, end = p_offset, p_offset + p_filesz
        while off + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, off)
            name = elf[off + 12:off + 12 + namesz].rstrip(b"\0")
            if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                return True
            off += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    return False


def extract(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    start = 0
    while True:
        off = data.find(XZ_MAGIC, start)
        if off < 0:
            sys.exit("kimage: no usable xz stream in %s" % src)
        start = off + 1
        try:
            elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(
                data[off:])
        except lzma.LZMAError:
            continue
        if has_pvh_note(elf):
            break
        sys.exit("kimage: %s holds no ELF vmlinux with a PVH entry" % src)
    tmp = "%s.tmp.%d" % (dst, os.getpid())
    with open(tmp, "wb") as f:
        f.write(elf)
    os.rename(tmp, dst)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "version":
        print(version(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "extract":
        extract(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
