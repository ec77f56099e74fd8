#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The selftests' python fork server (selftests/lib/pyforkd.py, client
# selftests/lib/pyfork) must behave as /usr/bin/python3 does: each case
# runs through both and compares exit status and output; the child must
# really be the server's (not the client's fallback), take the caller's
# network namespace, die with a killed client, and a capability-dropped
# caller must get python3 itself.
source "$(dirname "$0")/../lib.sh"
PF=$REPO/selftests/lib/pyfork
PY=/usr/bin/python3
make -s -C "$REPO/selftests" all || { fail "build pyfork"; ksft_finish; }
W=$(mktemp -d)
SOCK=$W/pf.sock
$PY "$REPO/selftests/lib/pyforkd.py" "$SOCK" >"$W/server.log" 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null; ip netns del pfu$$ 2>/dev/null; rm -rf "$W"' EXIT
wait_for 60 test -S "$SOCK" || { fail "the server is listening" "$(cat "$W/server.log")"; ksft_finish; }
export DSLITE_PYFORK=$SOCK

# same DESC ARGS...: python3 ARGS and pyfork ARGS (stdin from $W/in)
# print the same and exit alike
same() {
	local desc=$1 a b ra rb
	shift
	a=$(cd "$W" && $PY "$@" <"$W/in" 2>&1)
	ra=$?
	b=$(cd "$W" && "$PF" "$@" <"$W/in" 2>&1)
	rb=$?
	assert_eq "$desc" "$rb|$b" "$ra|$a"
}
echo '{"x": [1, 2]}' >"$W/in"
mkdir -p "$W/m"
printf 'import sys, os\nprint(__name__, os.path.basename(__file__), sys.argv[1:], os.path.basename(sys.path[0]))\n' >"$W/m/s.py"
printf 'import sys\nprint("module", __name__, sys.argv[1:])\n' >"$W/m/mod.py"

same "arguments as given" -c 'import sys; print(sys.argv)' a "b c" "" "é"
same "sys.exit(7)" -c 'import sys; sys.exit(7)'
same "sys.exit with a message" -c 'import sys; sys.exit("bye")'
same "an uncaught exception: traceback, status 1" -c 'raise ValueError("boom")'
same "stdin" -c 'import json, sys; print(json.load(sys.stdin)["x"])'
same "a script by relative path: __main__, __file__, argv, sys.path[0]" m/s.py one two
same "a subprocess of the child" -c 'import os, subprocess, sys; sys.exit(subprocess.call([sys.executable, "-c", "pass"]))'
PYTHONPATH=$W/m same "-m MODULE found through PYTHONPATH" -m mod x
X_TEST=42 same "the environment" -c 'import os; print(os.environ.get("X_TEST"))'
same "the cwd" -c 'import os; print(os.getcwd())'
same "threads joined and atexit run at exit" -c 'import atexit, threading, time
atexit.register(lambda: print("atexit"))
threading.Thread(target=lambda: (time.sleep(0.3), print("thread"))).start()
print("main")'
same "a tool that closes its stdout (json.tool)" -m json.tool "$W/in"
same "stdout closed by the script" -c 'import sys; print("x"); sys.stdout.close()'
same "-u" -u -c 'import sys; sys.stdout.write("x"); sys.stderr.write("y")'

assert_eq "the child is the server's (no fallback)" \
	"$("$PF" -c 'import os; print(os.getppid())')" "$SRV"
r1=$("$PF" -c 'import random; print(random.random())')
r2=$("$PF" -c 'import random; print(random.random())')
check "each child has its own random sequence" test "$r1" != "$r2"

"$PF" -c 'import time; time.sleep(30)' &
p=$!
sleep 0.5
kill "$p"
wait "$p"
assert_eq "SIGTERM to the client ends the child: 143" "$?" 143
"$PF" -c 'import signal, sys, time
signal.signal(signal.SIGTERM, lambda *a: sys.exit(5))
time.sleep(30)' &
p=$!
sleep 0.5
kill "$p"
wait "$p"
assert_eq "SIGTERM reaches the child's handler" "$?" 5
F=$W/pid2 "$PF" -c 'import os, time; open(os.environ["F"], "w").write(str(os.getpid())); time.sleep(30)' &
p=$!
wait_for 10 test -s "$W/pid2"
{ kill -9 "$p"; wait "$p"; } 2>/dev/null
child=$(cat "$W/pid2")
gone() { ! kill -0 "$child" 2>/dev/null; }
check "a SIGKILLed client takes its child with it" wait_for 5 gone

if ip netns add "pfu$$" 2>/dev/null; then
	ip -n "pfu$$" link add pfu0 type veth peer name pfu1
	same_ns() {
		ip netns exec "pfu$$" "$1" -c 'import socket; print(sorted(n for _, n in socket.if_nameindex()))'
	}
	assert_eq "the child takes the caller's network namespace" "$(same_ns "$PF")" "$(same_ns $PY)"
	assert_eq "... which has its veth pair" "$(same_ns "$PF")" "['lo', 'pfu0', 'pfu1']"
else
	skip "network namespace" "cannot create one here"
fi
if command -v setpriv >/dev/null; then
	assert_eq "a caller without root's capabilities gets python3 itself" \
		"$(S=$SRV setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all "$PF" -c 'import os; print(os.getuid(), os.getppid() == int(os.environ["S"]))' 2>&1)" \
		"65534 False"
else
	skip "unprivileged caller" "setpriv missing"
fi
unset DSLITE_PYFORK
assert_eq "without DSLITE_PYFORK: python3 itself" "$("$PF" -c 'print("plain")')" plain
ksft_finish
