#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Session and user dumps while the tables change under them, with two
# instances in the namespace. A fixed set of UDP sessions (and their
# users) lives through the whole test in both instances; meanwhile ICMP
# sessions are created all the time from other B4s (crafted packets on
# the access link), expire after 1 s, and are flushed in bulk, so the
# hash tables grow, shrink and resize while `session show` and
# `user show` (text and -j) run again and again. Every dump must exit 0
# with nothing on stderr, list every fixed entry exactly once, and list
# no entry twice.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
require_root
require_module
trap topo_cleanup EXIT

AFTR2=2001:db8::2
POOL2=198.51.100.16/28
STABLE_BASE=2001:db8:a::1:0	# fixed B4s: STABLE_USERS x STABLE_FLOWS UDP sessions
STABLE_USERS=150
STABLE_FLOWS=6
CHURN_BASE=2001:db8:a::2:0	# churning B4s: ICMP echo, a new id each time
CHURN_USERS=32
ROUNDS=${DUMP_CHURN_ROUNDS:-8}
BLACKHOLE=192.0.2.1

topo_setup hold-down 0
T=$TOPO_TMP
ip -n "$AFTR" route add blackhole 192.0.2.0/24 || fail "blackhole route"
ip -n "$AFTR" -6 addr add "$AFTR2/128" dev lo || fail "second AFTR address"
check "second instance dsl1" D instance add dsl1 id 2 aftr "$AFTR2" hold-down 0
ip -n "$AFTR" link set dsl1 up
check "dsl1's pool" D pool add dsl1 "$POOL2"
ip -n "$AFTR" route add "$POOL2" dev dsl1
for i in dsl0 dsl1; do
	check "$i: fixed sessions live for an hour, churning ones 1 s" \
		D timeout set "$i" udp 3600 icmp 1
done
MAC=$(ip -n "$AFTR" -j link show a0 | json 'j[0]["address"]')

section "fixed sessions: $STABLE_USERS B4s x $STABLE_FLOWS ports in each instance"
for a in "$TOPO_AFTR6" "$AFTR2"; do
	nt "$B4A" blast --iface veth0 --dst-mac "$MAC" --b4-base "$STABLE_BASE" \
		--users $STABLE_USERS --flows $STABLE_FLOWS --aftr "$a" --dst $BLACKHOLE >/dev/null
done
want=$((STABLE_USERS * STABLE_FLOWS))
settled() {
	[[ $(ctr sessions dsl0) -eq $want && $(ctr sessions dsl1) -eq $want ]]
}
if ! wait_for 20 settled; then
	# a lost packet: the same 5-tuples again only fill the gaps
	for a in "$TOPO_AFTR6" "$AFTR2"; do
		nt "$B4A" blast --iface veth0 --dst-mac "$MAC" --b4-base "$STABLE_BASE" \
			--users $STABLE_USERS --flows $STABLE_FLOWS --aftr "$a" --dst $BLACKHOLE >/dev/null
	done
fi
check "both instances hold the $want fixed sessions" wait_for 20 settled
D -j session show >"$T/fixed.json"


section "churn: ICMP sessions from $CHURN_USERS B4s, 1 s timeout, bulk flushes"
created0=$(($(ctr sessions_created dsl0) + $(ctr sessions_created dsl1)))
expired0=$(($(ctr sessions_expired dsl0) + $(ctr sessions_expired dsl1)))
ns_bg "$B4A" "$T/churn.out" python3 "$LIB_DIR/py/dump_churn.py" veth0 "$MAC" "$CHURN_BASE" $CHURN_USERS \
	$BLACKHOLE "$T/stop" "$TOPO_AFTR6" "$AFTR2"
flusher() {
	local n=0
	while [[ ! -e $T/stop ]]; do
		sleep 0.7
		D session flush instance "dsl$((n % 2))" proto icmp || echo "flush failed" >>"$T/flush.err"
		n=$((n + 1))
	done
}
flusher &
FLUSHER=$!
TOPO_PIDS+=("$FLUSHER")
churning() { [[ $(($(ctr sessions dsl0) + $(ctr sessions dsl1))) -gt $((2 * want + 50)) ]]; }
check "the churn is creating sessions" wait_for 30 churning

section "$ROUNDS rounds of session show, session show -j, user show, user show -j"
for r in $(seq 1 "$ROUNDS"); do
	D session show >"$T/s$r.txt" 2>"$T/s$r.err"; echo $? >"$T/s$r.rc"
	D -j session show >"$T/s$r.json" 2>"$T/sj$r.err"; echo $? >"$T/sj$r.rc"
	D user show >"$T/u$r.txt" 2>"$T/u$r.err"; echo $? >"$T/u$r.rc"
	D -j user show >"$T/u$r.json" 2>"$T/uj$r.err"; echo $? >"$T/uj$r.rc"
done
created1=$(($(ctr sessions_created dsl0) + $(ctr sessions_created dsl1)))
expired1=$(($(ctr sessions_expired dsl0) + $(ctr sessions_expired dsl1)))
touch "$T/stop"
wait "$FLUSHER" 2>/dev/null
echo "# churn while dumping: $((created1 - created0)) sessions created, $((expired1 - expired0)) expired (plus flushes)"
check "sessions were created during the dumps" test $((created1 - created0)) -gt 100
check "sessions expired during the dumps" test $((expired1 - expired0)) -gt 0
check "every flush worked" test ! -s "$T/flush.err"

bad=""
for f in "$T"/*.rc; do
	[[ $(cat "$f") == 0 ]] || bad+=" $(basename "$f" .rc)=$(cat "$f")"
done
assert_eq "every dump exited 0" "$bad" ""
errs=$(cat "$T"/*.err 2>/dev/null | sort | uniq -c | head -5)
assert_eq "no dump printed anything on stderr" "$errs" ""

py_checks "dump contents" '
T, rounds, users, flows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
base = int(ipaddress.ip_address(sys.argv[5]))
fixed_b4 = {str(ipaddress.ip_address(base + u)) for u in range(users)}
fixed = [s for s in load(T + "/fixed.json") if s["b4"] in fixed_b4]
check("the fixed set: %d sessions in 2 instances" % (2 * users * flows), len(fixed), 2 * users * flows)
skey = lambda s: (s["instance"], s["b4"], s["proto"], s["inner_addr"], s["inner_port"], s["remote_addr"], s["remote_port"])
fixed_keys = {skey(s) for s in fixed}
fixed_users = {(s["instance"], s["b4"]) for s in fixed}
def text_sessions(f):
    out = []
    for line in open(f):
        w = line.split()
        # NAME PROTO b4 B4 inner A:P public A:P remote A:P STATE expires Ns
        ia, ip_ = w[5].rsplit(":", 1)
        ra, rp = w[9].rsplit(":", 1)
        out.append((w[0], w[3], w[1], ia, int(ip_), ra, int(rp)))
    return out
def text_users(f):
    return [(l.split()[0], l.split()[2]) for l in open(f)]
bad = []
for r in range(1, rounds + 1):
    for name, keys in (("session show", text_sessions(T + "/s%d.txt" % r)),
                       ("session show -j", [skey(s) for s in load(T + "/s%d.json" % r)])):
        dup = len(keys) - len(set(keys))
        missing = len(fixed_keys - set(keys))
        if dup or missing:
            bad.append("round %d %s: %d entries, %d listed twice, %d fixed ones missing" % (r, name, len(keys), dup, missing))
    for name, keys in (("user show", text_users(T + "/u%d.txt" % r)),
                       ("user show -j", [(u["instance"], u["b4"]) for u in load(T + "/u%d.json" % r)])):
        dup = len(keys) - len(set(keys))
        missing = len(fixed_users - set(keys))
        if dup or missing:
            bad.append("round %d %s: %d users, %d listed twice, %d fixed ones missing" % (r, name, len(keys), dup, missing))
check("every fixed entry exactly once and no entry twice, in all %d dumps" % (4 * rounds), bad, [])
sizes = sorted(len(load(T + "/s%d.json" % r)) for r in range(1, rounds + 1))
print("session dump sizes: %s" % sizes)
check("the dumps saw churning sessions besides the fixed ones", sizes[-1] > len(fixed), True)
' "$T" "$ROUNDS" "$STABLE_USERS" "$STABLE_FLOWS" "$STABLE_BASE"

ksft_finish
