#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pyforkd: a fork server for the selftests' python tools.

Under TCG a python3 start costs the tests about a second (the interpreter,
its imports, every stat over 9p), and a test starts dozens of tools. This
server starts once per VM run (run_tests.sh), imports what the tools
import, and forks a child per request from selftests/lib/pyfork (the
client the helpers run instead of python3). The child takes the client's
network namespace, standard fds, working directory, environment and
arguments, and runs the script (or -c CODE, or -m MODULE) as python3
would; its exit status goes back to the client, which exits with it.

The client forwards the signals it can catch (TERM, INT, HUP, QUIT, USR1,
USR2, ALRM) to the child; if the client dies (SIGKILL), the child is
killed. SIGSTOP/SIGCONT do not reach the child: a test that stops a
python tool runs it with python3 itself.

Refused (the client then execs python3 itself): a peer that is not root
with this server's capabilities (perm.sh and nl_fuzz.sh run tools as
nobody), options other than -u/-B, no script (stdin or interactive), a
script that does not exist.

Nothing here is shipped; it only makes the suite faster.
"""
import io
import os
import select
import signal
import socket
import struct
import sys
import traceback
import types

import atexit
import ctypes
import importlib
import threading

# what the tools import, loaded once and shared by every child
PRELOAD = ('argparse', 'errno', 'fcntl', 'hashlib', 'hmac', 'ipaddress',
           'json', 'random', 'shlex', 'subprocess', 'time')
# scapy takes 6-9 s to import under TCG; its routes and interfaces are
# read again in a child that runs in another namespace (see child())
SCAPY = ('scapy.packet', 'scapy.utils', 'scapy.layers.l2',
         'scapy.layers.inet', 'scapy.layers.inet6')
for _m in PRELOAD:
    importlib.import_module(_m)

LIB = os.path.dirname(os.path.abspath(__file__))
CLONE_NEWNET = 0x40000000
NFDS = 4			# stdin, stdout, stderr, the client's netns
SIGS_OK = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
           signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM}


def own_caps():
    with open('/proc/self/status') as f:
        return [ln for ln in f if ln.startswith('CapEff:')]


def peer_ok(conn, caps):
    """the client is root with the capabilities this server has"""
    pid, uid, _gid = struct.unpack('3i', conn.getsockopt(
        socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i')))
    if uid != 0:
        return False
    try:
        with open('/proc/%d/status' % pid) as f:
            return [ln for ln in f if ln.startswith('CapEff:')] == caps
    except OSError:
        return False


def parse_argv(argv):
    """python3's command line -> (kind, target, args, unbuffered), or None
    when this server does not run it"""
    unbuffered = False
    i = 0
    while i < len(argv) and argv[i].startswith('-') and argv[i] != '-':
        a = argv[i]
        if a in ('-c', '-m'):
            if i + 1 >= len(argv):
                return None
            return a[1], argv[i + 1], argv[i + 2:], unbuffered
        if a == '-u':
            unbuffered = True
        elif a != '-B':
            return None
        i += 1
    if i >= len(argv) or argv[i] == '-':
        return None
    return 's', argv[i], argv[i + 1:], unbuffered


def recv_request(conn):
    """(fds, cwd, argv, env, ignored signals) sent by the client"""
    msg, anc, _flags, _addr = conn.recvmsg(4, socket.CMSG_SPACE(NFDS * 4))
    fds = []
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            n = len(data) // 4
            fds.extend(struct.unpack('%di' % n, data[:n * 4]))
    if len(msg) != 4 or len(fds) != NFDS:
        for fd in fds:
            os.close(fd)
        return None
    (length,) = struct.unpack('I', msg)
    body = b''
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) != length:
        for fd in fds:
            os.close(fd)
        return None
    f = body.split(b'\0')
    cwd = os.fsdecode(f[0])
    ign = int(f[1])
    nargs = int(f[2])
    argv = [os.fsdecode(a) for a in f[3:3 + nargs]]
    env = {}
    for e in f[3 + nargs:]:
        k, sep, v = e.partition(b'=')
        if sep:
            env[os.fsdecode(k)] = os.fsdecode(v)
    return fds, cwd, argv, env, ign


BASE_PATH = [p for p in sys.path[1:]
             if p not in os.environ.get('PYTHONPATH', '').split(':')]
CODE = {}			# script path -> (mtime, code): compiled once


def compiled(path):
    st = os.stat(path)
    c = CODE.get(path)
    if c and c[0] == st.st_mtime_ns:
        return c[1]
    with open(path, 'rb') as f:
        code = compile(f.read(), path, 'exec')
    CODE[path] = (st.st_mtime_ns, code)
    return code


def stdio(unbuffered):
    """new sys.std* on fds 0-2, as python3 makes them at its start"""
    def text(fd, mode, errors, line):
        raw = io.FileIO(fd, mode, closefd=False)
        buf = raw if unbuffered and mode == 'w' else (
            io.BufferedReader(raw) if mode == 'r' else io.BufferedWriter(raw))
        return io.TextIOWrapper(buf, encoding='utf-8', errors=errors,
                                line_buffering=line,
                                write_through=unbuffered and mode == 'w')
    sys.stdin = sys.__stdin__ = text(0, 'r', 'surrogateescape', False)
    sys.stdout = sys.__stdout__ = text(1, 'w', 'surrogateescape',
                                       os.isatty(1))
    sys.stderr = sys.__stderr__ = text(2, 'w', 'backslashreplace', True)


def child(req, parsed):
    """in the forked child: become the client's python3 and run"""
    fds, cwd, _argv, env, ign = req
    kind, target, args, unbuffered = parsed
    signal.set_wakeup_fd(-1)
    for s in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for s in SIGS_OK:		# what the client ignores, python3 would too
        if ign & (1 << s):
            signal.signal(s, signal.SIG_IGN)
    libc = ctypes.CDLL(None, use_errno=True)
    moved = os.fstat(fds[3]).st_ino != os.stat('/proc/self/ns/net').st_ino
    if moved and libc.setns(fds[3], CLONE_NEWNET) != 0:
        os.write(fds[2], b'pyforkd: setns failed\n')
        os._exit(1)
    if moved and 'scapy.config' in sys.modules:
        # what scapy read at its import, read again in this namespace
        conf = sys.modules['scapy.config'].conf
        conf.ifaces.reload()
        conf.route.resync()
        conf.route6.resync()
        conf.ifaces.load_confiface()
    for i in range(3):
        os.dup2(fds[i], i)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    if 'random' in sys.modules:	# not the server's sequence in every child
        sys.modules['random'].seed()
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    stdio(unbuffered)
    pp = [p for p in env.get('PYTHONPATH', '').split(':') if p]
    if kind == 's':
        path = os.path.abspath(target)
        sys.argv = [target] + args
        sys.path[:] = [os.path.dirname(os.path.realpath(path))] + pp + BASE_PATH
        mod = types.ModuleType('__main__')
        mod.__file__ = path
        mod.__builtins__ = __builtins__
        sys.modules['__main__'] = mod
        exec(compiled(path), mod.__dict__)
    elif kind == 'c':
        sys.argv = ['-c'] + args
        sys.path[:] = [''] + pp + BASE_PATH
        mod = types.ModuleType('__main__')
        mod.__builtins__ = __builtins__
        sys.modules['__main__'] = mod
        exec(compile(target, '<string>', 'exec'), mod.__dict__)
    else:
        import runpy
        sys.argv = [target] + args
        sys.path[:] = [os.getcwd()] + pp + BASE_PATH
        runpy.run_module(target, run_name='__main__', alter_sys=True)


def serve(path):
    caps = own_caps()
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    os.chmod(path, 0o600)
    ls.listen(64)
    rpipe, wpipe = os.pipe()
    os.set_blocking(wpipe, False)
    os.set_blocking(rpipe, False)
    signal.set_wakeup_fd(wpipe)
    signal.signal(signal.SIGCHLD, lambda *a: None)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    kids = {}			# pid -> conn
    conns = {}			# conn fileno -> (conn, pid)
    print('pyforkd: ready on', path, flush=True)
    while True:
        rl = [ls, rpipe] + [c for c, _ in conns.values()]
        try:
            r, _, _ = select.select(rl, [], [])
        except InterruptedError:
            r = []
        if rpipe in r:
            try:
                os.read(rpipe, 512)
            except BlockingIOError:
                pass
        while kids:
            try:
                pid, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = kids.pop(pid, None)
            if conn is None:
                continue
            v = os.waitstatus_to_exitcode(st)
            v = 256 - v if v < 0 else v	# killed by signal -v: 256 + sig
            try:
                conn.sendall(struct.pack('I', v))
            except OSError:
                pass
            conns.pop(conn.fileno(), None)
            conn.close()
        for c in r:
            if c is ls or c == rpipe:
                continue
            conn, pid = conns.get(c.fileno(), (None, None))
            if conn is None:
                continue
            try:
                data = conn.recv(64)
            except OSError:
                data = b''
            if not data:		# the client is gone: so goes its child
                del conns[conn.fileno()]
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                continue
            for s in data:
                if s in SIGS_OK:
                    try:
                        os.kill(pid, s)
                    except ProcessLookupError:
                        pass
        if ls in r:
            conn, _ = ls.accept()
            req = None
            try:
                req = recv_request(conn)
            except (OSError, ValueError, IndexError):
                pass
            parsed = req and parse_argv(req[2])
            if parsed and parsed[0] == 's' and not os.path.isfile(
                    os.path.join(req[1], parsed[1])):
                parsed = None
            if not req or not parsed or not peer_ok(conn, caps):
                if req:
                    for fd in req[0]:
                        os.close(fd)
                try:
                    conn.sendall(b'N')
                except OSError:
                    pass
                conn.close()
                continue
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                ls.close()
                conn.close()
                for c2, _ in conns.values():
                    c2.close()
                os.close(rpipe)
                os.close(wpipe)
                return req, parsed
            for fd in req[0]:
                os.close(fd)
            kids[pid] = conn
            conns[conn.fileno()] = (conn, pid)
            try:
                conn.sendall(b'K')
            except OSError:
                pass


def print_tb(e):
    """the traceback python3 would print: without this file's frames"""
    tb = e.__traceback__
    while tb and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    traceback.print_exception(type(e), e, tb)
    sys.stderr.flush()


def main():
    if len(sys.argv) != 2:
        sys.stderr.write('usage: pyforkd.py SOCKET\n')
        sys.exit(2)
    sys.path.insert(0, LIB)
    importlib.import_module('pktlib')
    importlib.import_module('pychecks')
    for t in ('nettool.py', 'edgetool.py', 'syncpeer.py'):
        compiled(os.path.join(LIB, t))	# the tools run most
    if os.environ.get('PYFORKD_SCAPY', '1') != '0':
        try:
            for m in SCAPY:
                importlib.import_module(m)
        except ImportError:
            pass
    req, parsed = serve(sys.argv[1])
    # the child: run, then leave as python3 leaves (threads joined,
    # atexit handlers, streams flushed) but without tearing down every
    # module the server loaded (that alone costs a python3 start)
    code = 0
    try:
        child(req, parsed)
    except SystemExit as e:
        code = exit_code(e.code)
    except KeyboardInterrupt as e:
        print_tb(e)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException as e:
        print_tb(e)
        code = 1
    try:
        threading._shutdown()
    except BaseException as e:
        print_tb(e)
    atexit._run_exitfuncs()
    for f in (sys.stdout, sys.stderr):
        if f is None or f.closed:	# a tool may close them (json.tool)
            continue
        try:
            f.flush()
        except BaseException:
            code = code or 120	# as python3 when it cannot flush
    os._exit(code)


def exit_code(c):
    """sys.exit(c) -> the status python3 leaves with"""
    if c is None:
        return 0
    if isinstance(c, int):
        return c & 0xff
    try:
        print(c, file=sys.stderr)
        sys.stderr.flush()
    except BaseException:
        pass
    return 1


if __name__ == '__main__':
    main()
