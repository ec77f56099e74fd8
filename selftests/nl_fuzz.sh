#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz the generic netlink family (nl_fuzz.py does the requests): every
# command, doit and dump, with every attribute missing, oversized, short,
# of the wrong type, out of range, nested wrongly, duplicated, foreign
# attributes and random bytes, then seeded random stacks of those, as
# root and as an unprivileged user, in a namespace holding an instance
# with a pool and sessions, a service-location and a group. The commands,
# their request attributes and each attribute's kind and range come from
# Documentation/netlink/specs/dslite.yaml; a request attribute of the
# spec that no template of its command sends fails the root pass.
# Asserted:
#  - after each refused request the whole state is as before, and every
#    refusal carries an extack message (nl_fuzz.py, per request);
#  - an unprivileged user is refused everything but the three readable
#    commands;
#  - the full dslitectl view (instance, pool, service-location, group,
#    ha, stats, users, sessions) is the same before and after each pass;
#  - nothing leaked: the gauges are back, `rmmod dslite` works, leaves
#    no dslite slab cache and no WARN (the module WARNs on leaked
#    objects), and the kernel log stays clean.
# The seed is printed; NL_FUZZ_SEED=S reproduces a run, NL_FUZZ_RANDOM=N
# sets the number of random requests per pass (default 1000).
source "$(dirname "$0")/lib.sh"
require_root
require_module
trap cleanup_ns EXIT

SEED=${NL_FUZZ_SEED:-$(( $(date +%s) % 1000000 ))}
RANDOM_N=${NL_FUZZ_RANDOM:-1000}
FUZZ="$LIB_DIR/py/nl_fuzz.py"
echo "# seed $SEED (NL_FUZZ_SEED=$SEED reproduces this run), $RANDOM_N random requests per pass"

NS=$(ns_add fuzz) || { fail "create netns"; ksft_finish; }
D() { dslitectl -n "$NS" "$@"; }
ip -n "$NS" -6 addr add 2001:db8::1/128 dev lo
for i in 1 2 3; do ip -n "$NS" -6 addr add 2001:db8:b4::$i/128 dev lo nodad; done
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS" route add blackhole 192.0.2.0/24

check "baseline: service-location 7" \
	D service-location add 7 remote-backup interface lo peer 192.0.2.2 authentication none
check "baseline: group sig1" D service-instance-group add sig1 service-location 7
check "baseline: instance dsl0" \
	D instance add dsl0 id 4321 aftr 2001:db8::1 service-instance-group sig1
ip -n "$NS" link set dsl0 up
check "baseline: udp timeout an hour" D timeout set dsl0 udp 3600
check "baseline: pool" D pool add dsl0 198.51.100.0/28
ip -n "$NS" route add 198.51.100.0/28 dev dsl0
ip netns exec "$NS" python3 "$FUZZ" traffic --aftr 2001:db8::1 --dst 192.0.2.1 \
	--b4 2001:db8:b4::1 --b4 2001:db8:b4::2 --b4 2001:db8:b4::3 --flows 4 >/dev/null
sessions() { [[ $(D -j stats show instance dsl0 | json 'j[0]["sessions"]') == 12 ]]; }
check "baseline: 12 sessions of 3 users" wait_for 10 sessions

# the whole state as dslitectl shows it, without what changes by itself
snap() {
	local c
	for c in "instance show" "pool show" "service-location show" \
		"service-instance-group show" "ha show" "stats show" "user show" "session show"; do
		# shellcheck disable=SC2086
		echo "$c: $(D -j $c)"
	done | python3 -c '
import json, sys
for line in sys.stdin:
    what, _, js = line.partition(": ")
    j = json.loads(js)
    for o in (j if isinstance(j, list) else [j]):
        for k in ("peer_state", "healthy", "health", "sync", "expires"):
            o.pop(k, None)
    print(what, json.dumps(j, sort_keys=True))'
}
slab() { grep -E '^dslite' /proc/slabinfo | awk '{ print $1, $2 }' | tr '\n' ' '; }

before=$(snap)
check "the snapshot holds the baseline" grep -q '"sessions": 12' <<<"$before"
echo "# slab before: $(slab)"
dmesg_mark

# fuzz_pass WHO DESC CMD...: one pass of nl_fuzz.py (CMD); its log is shown
# without the FAIL lines, which are the failure's detail; DESC holds when it
# exits 0, and the dslitectl view must be the same after it
fuzz_pass() {
	local who=$1 desc=$2 log=/tmp/nl_fuzz_$1.$$ rc
	shift 2
	"$@" >"$log" 2>&1
	rc=$?
	sed 's/^/#   /' "$log" | grep -v '^#   FAIL' | head -40
	if [[ $rc -eq 0 ]]; then
		ok "$who: $desc"
	else
		fail "$who: $desc" "$(grep -E '^FAIL|Error|Traceback|line [0-9]+' "$log" | head -30)"
	fi
	assert_eq "$who: the dslitectl view is the same after the pass" "$(snap)" "$before"
	rm -f "$log"
}

section "as root"
fuzz_pass root "refused requests changed nothing and all carried a message" \
	ip netns exec "$NS" python3 "$FUZZ" root --seed "$SEED" --random "$RANDOM_N"

section "as nobody"
if command -v setpriv >/dev/null; then
	fuzz_pass nobody "refused all but the readable commands, with messages" \
		ip netns exec "$NS" setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all \
		python3 "$FUZZ" unpriv --seed "$SEED" --random "$RANDOM_N"
else
	skip "nobody pass" "setpriv missing"
fi

section "leaks"
echo "# slab after: $(slab)"
cleanup_ns
dmesg_clean "the kernel log stayed clean"
dmesg_mark
check "rmmod dslite" rmmod dslite
log=$(dmesg_since)
if grep -Eq "leak|WARNING|BUG|remaining" <<<"$log"; then
	fail "unload found no leaked object" "$log"
else
	ok "unload found no leaked object"
fi
assert_eq "no dslite slab cache is left" "$(slab)" ""
check "the module loads again" insmod "$DSLITE_KO"

ksft_finish
