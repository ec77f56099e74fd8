#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""py_checks (selftests/topo.sh): run a test's python checks.

    python3 -m pychecks FILE LINE CODE [ARGS...]

CODE is the python text that starts on line LINE of the shell test FILE;
it runs with sys.argv[1:] = ARGS and compiled as if it stood at that line
of FILE, so a traceback and every check name the test's own file:line.
check(desc, got, want) prints one assertion for the shell side (JSON
compared there); load(f) reads a JSON file or says what is in it.
"""
import ipaddress  # noqa: F401  (the checks use these without importing)
import json
import os
import sys


def _where():
    f = sys._getframe(2)
    return "%s:%d" % (os.path.basename(f.f_code.co_filename), f.f_lineno)


def check(desc, got, want):
    print("%s\t%s\t%s\t%s" % (desc, json.dumps(got, sort_keys=True),
                              json.dumps(want, sort_keys=True), _where()),
          flush=True)


def load(f):
    try:
        return json.load(open(f))
    except Exception as e:
        raise SystemExit("cannot read JSON from %s: %r (content: %r)" %
                         (f, e, open(f).read(300) if os.path.exists(f) else None))


def main():
    path, line, code = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sys.argv = [path] + sys.argv[4:]
    env = {"__name__": "__checks__", "check": check, "load": load,
           "ipaddress": ipaddress, "json": json, "os": os, "sys": sys}
    exec(compile("\n" * (line - 1) + code, path, "exec"), env)
    print("__done__")


if __name__ == "__main__":
    main()
