#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hot backup, 1:1, with real keepalived (VRRPv3) driving the roles through
# keepalived-scripts/dslite-notify (keepalived's notify fifo reader) and
# dslite-track:
#
#   access bridge: b4a 2001:db8:1::a, b4b 2001:db8:1::b (ipip6 t0, inner
#                  192.0.0.2, to 2001:db8::1), aftr1 acc 2001:db8:1::11,
#                  aftr2 acc 2001:db8:1::12
#   uplink bridge: aftr1 upl 203.0.113.11, aftr2 upl 203.0.113.12,
#                  srv 203.0.113.2 (routes 198.51.100.0/24 via 203.0.113.1)
#   sync link:     aftr1 192.0.2.1 -- aftr2 192.0.2.2 (the remote-backup
#                  interface of SL 1)
#
# The AFTR address 2001:db8::1 (access) and 203.0.113.1 (uplink, the
# pool's next hop) are keepalived's virtual addresses; keepalived.conf is
# generated from keepalived-scripts/keepalived-1to1.conf (interface names,
# script paths, a notify fifo per router, and on aftr2 state BACKUP /
# priority 100). Both routers
# run hot backup on with SL 1, group sig1 and instance dsl0 with pool
# 198.51.100.0/24. A logger on keepalived's PATH records what dslite-notify
# logs (there is no syslog in the VM), shown when something fails.
#
# Sessions surviving a failover (the state sync channel) are not checked
# here: only roles and NEW flows. After each change the SL role must also
# match keepalived's own state (its log), which catches transitions applied
# out of order.
#  1. convergence: aftr1 master, aftr2 backup, the VIPs on aftr1
#  2. UDP and ping from both B4s reach srv from a pool address via aftr1
#  3. what reaches aftr2 (backup) is dropped and counted (drop_standby),
#     both ways
#  4. aftr1 dies (keepalived SIGKILLed, links down): aftr2 master, VIPs
#     move, new flows via aftr2; aftr1's fifo reader sees keepalived gone
#     and sets SL 1 backup
#  5. aftr1 comes back: preempts (150), new flows via aftr1
#  6. dslite-track fails on aftr1 (dsl0 down): its priority drops by the
#     track weight and aftr2 must take over; then restored (aftr1 preempts)
#  7. keepalived on the master stops cleanly (SIGTERM): aftr2 takes over,
#     the stopped router's SL is backup (the STOP keepalived writes to the
#     fifo after SIGTERMing the script's process group) and its reader ends
#
# Knobs (DSLITE_* so that vm/run passes them in):
#   DSLITE_HA_TRACK_INTERVAL / DSLITE_HA_TRACK_TIMEOUT (seconds, default 1,
#   the template's interval, and 5) replace the template's "interval 1";
#   the timeout is added as keepalived's default (the interval) fails a
#   check that the loaded TCG VM runs in over 1 s. They were 10 and 30
#   while dslite-track started python3 three times; with rise 2 that held
#   a router that had just become healthy at reduced priority for up to
#   20 s, long enough for the backup to preempt it at start;
#   DSLITE_HA_TEMPLATE: another keepalived template (to try a fix).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
source "$(dirname "$0")/ha_topo.sh"
ha_begin

# T: topo.sh's TOPO_TMP; BR, A1, A2: ha_topo.sh's names; B4A, B4B, SRV: topo.sh's
VIP6=2001:db8::1
VIP4=203.0.113.1
SRV4=203.0.113.2
POOL=198.51.100.0/24
KEY=dslite-ha-roles-test-key-0123456789
TRACK_INTERVAL=${DSLITE_HA_TRACK_INTERVAL:-1}
TRACK_TIMEOUT=${DSLITE_HA_TRACK_TIMEOUT:-5}
declare -A KA_PID KA_LOG
KA_STARTS=0

# ka_reaped ROUTER: its keepalived is gone; topo_cleanup must not signal
# that pid again
ka_reaped() {
	local p keep=()
	for p in "${TOPO_PIDS[@]}"; do
		[[ $p != "${KA_PID[$1]}" ]] && keep+=("$p")
	done
	TOPO_PIDS=("${keep[@]}")
	unset "KA_PID[$1]"
}
ha_cleanup() {
	local r
	pids_stop "${KA_PID[@]}"
	for r in "${!KA_PID[@]}"; do
		ka_reaped "$r"
	done
	topo_cleanup
}
trap ha_cleanup EXIT

die() { fail "$1" "${2:-}"; ksft_finish; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# role NS: SL 1's role there (no python: this is polled)
role() {
	dslitectl -n "$1" -j service-location show 1 2>/dev/null |
		sed -n 's/.*"role":"\([a-z-]*\)".*/\1/p'
}
is_role() { [[ $(role "$1") == "$2" ]]; }
# snap VAR: every counter of dsl0 on both routers into the associative
# array VAR, keyed ROUTER.COUNTER (aftr1.out_packets); one dslitectl call
# per router, as the VM is slow
snap() {
	local -n _s=$1
	local ns k v
	_s=()
	for ns in "$A1" "$A2"; do
		while IFS=: read -r k v; do
			_s[${ns##*_}.${k//\"/}]=$v
		done < <(dslitectl -n "$ns" -j stats show instance dsl0 | grep -oE '"[a-z_]+":[0-9]+')
	done
}
# d BEFORE AFTER ROUTER COUNTER: how much it grew
d() {
	local -n _b=$1 _a=$2
	echo $((${_a[$3.$4]:-0} - ${_b[$3.$4]:-0}))
}
# moved BEFORE AFTER: the counters that changed, as one line
moved() {
	local -n _b=$1 _a=$2
	local k
	for k in $(printf '%s\n' "${!_a[@]}" | sort); do
		[[ ${_a[$k]} != "${_b[$k]:-0}" && $k != *peak* && $k != *bytes* ]] &&
			echo -n "$k+$((${_a[$k]} - ${_b[$k]:-0})) "
	done
}
# S0, S1: counter snapshots (filled and read through namerefs)
# shellcheck disable=SC2034
declare -A S0 S1
has_vips() {
	ip -n "$1" -6 addr show dev acc | grep -q "inet6 $VIP6/128" &&
		ip -n "$1" -4 addr show dev upl | grep -q "inet $VIP4/24"
}
no_vips() {
	! ip -n "$1" -6 addr show | grep -q "inet6 $VIP6/" &&
		! ip -n "$1" -4 addr show | grep -q "inet $VIP4/"
}
roles_are() { is_role "$A1" "$1" && is_role "$A2" "$2"; }
show_state() {
	local ns
	for ns in "$A1" "$A2"; do
		echo "#   ${ns##*_}: role $(role "$ns"), VIPs: $(ip -n "$ns" -br addr show 2>/dev/null |
			awk '/^(acc|upl)/ {print $1": "$3" "$4" "$5}' | tr '\n' ' ')"
	done
}
ka_log() {	# ROUTER [REGEX [N]]: keepalived's last log lines, as TAP comments
	cat "$T/ka-$1".*.log 2>/dev/null | grep -E "${2:-.}" | tail -n "${3:-15}" |
		sed 's/^/#   ka-'"$1"' | /'
}
# converge DESC SECS CMD...: CMD holds within SECS s: ok DESC (saying how
# long after t0), else fail DESC and show both routers' roles, VIPs and
# keepalived logs
converge() {
	local desc=$1 secs=$2
	shift 2
	if wait_for "$secs" "$@"; then
		ok "$desc (after $(since "$t0") s)"
	else
		fail "$desc" "not within $secs s"
		show_state; ka_log aftr1; ka_log aftr2
		return 1
	fi
}

# --- topology ----------------------------------------------------------------
section "topology"
ha_topo "$SRV4" || die "topology"
for b in a b; do	# each B4's softwire to the VIP
	ns=$B4A
	[[ $b == b ]] && ns=$B4B
	ip -n "$ns" -6 tunnel add t0 mode ipip6 local "2001:db8:1::$b" remote "$VIP6" dev veth0 &&
		ip -n "$ns" link set t0 up &&
		ip -n "$ns" addr add 192.0.0.2/32 dev t0 &&
		ip -n "$ns" route add default dev t0 || die "softwire in b4$b"
done
ip -n "$SRV" route add "$POOL" via "$VIP4" || die "srv route"

aftr() {	# NS PEER4: dslite on a router
	local ns=$1
	dslitectl -n "$ns" -b - <<-EOF || return 1
		ha set hot-backup on
		service-location add 1 remote-backup interface sync peer $2 authentication-key $KEY hash-algorithm hmac-sha256 vrrp vrid 10 interface acc
		service-instance-group add sig1 service-location 1
		instance add dsl0 id 1 aftr $VIP6 service-instance-group sig1
		pool add dsl0 $POOL service-location 1
	EOF
	ip -n "$ns" link set dsl0 up && ip -n "$ns" route add "$POOL" dev dsl0
}
aftr "$A1" 192.0.2.2 || die "aftr1 setup"
aftr "$A2" 192.0.2.1 || die "aftr2 setup"
assert_eq "before keepalived: both roles init" "$(role "$A1") $(role "$A2")" "init init"

# --- keepalived ----------------------------------------------------------------
# The shipped 1:1 config with this topology's names (eth0 -> acc, eth1 ->
# upl), the repo's scripts, the notify fifo in the router's run directory
# (both keepalived share one file system), and on aftr2 state BACKUP /
# priority 100. The
# checks below make sure every substitution hit, so a reshaped template
# fails here instead of silently testing something else.
TPL=${DSLITE_HA_TEMPLATE:-$REPO/keepalived-scripts/keepalived-1to1.conf}
gen_conf() {	# ROUTER: print keepalived.conf for aftr1 or aftr2
	local s=(
		-e "s|/usr/local/sbin/dslite-notify|$REPO/keepalived-scripts/dslite-notify --dslitectl $DSLITECTL|g"
		-e "s|/usr/local/sbin/dslite-track|$REPO/keepalived-scripts/dslite-track --dslitectl $DSLITECTL|g"
		-e "s|/run/dslite-vrrp.fifo|$T/run-$1/vrrp.fifo|g"
		-e "s/^\( *\)interval 1\( .*\)\?\$/\1interval $TRACK_INTERVAL\n\1timeout $TRACK_TIMEOUT/"
		-e "s/\beth0\b/acc/g" -e "s/\beth1\b/upl/g")
	[[ $1 == aftr2 ]] && s+=(-e "s/state MASTER/state BACKUP/" -e "s/priority 150/priority 100/")
	sed "${s[@]}" "$TPL"
}
gen_conf aftr1 >"$T/ka-aftr1.conf"
gen_conf aftr2 >"$T/ka-aftr2.conf"
py_checks "keepalived configs" '
import re
tpl, c1, c2 = (re.sub(r"#.*", "", open(f).read()) for f in sys.argv[1:4])
repo, ctl, ival, vip6, vip4, T = sys.argv[4:10]
for name, c, st, pr in (("aftr1", c1, "MASTER", "150"), ("aftr2", c2, "BACKUP", "100")):
    n = len(re.findall(r"^\s*vrrp_instance\s", c, re.M))
    check(name + " conf: has a vrrp_instance", n >= 1, True)
    check(name + " conf: no notify script (roles come through the fifo, in order)",
          re.findall(r"^\s*(notify\w*)\s", c, re.M), [])
    check(name + " conf: the fifo script is the repo dslite-notify, SL 1 mapped, --fifo",
          re.findall(r"^\s*vrrp_notify_fifo_script\s+\"(.*)\"", c, re.M),
          [repo + "/keepalived-scripts/dslite-notify --dslitectl " + ctl + " --map access_sl1=1 --batch --fifo"])
    check(name + " conf: the fifo is in the run directory of " + name,
          re.findall(r"^\s*vrrp_notify_fifo\s+(\S+)", c, re.M), [T + "/run-" + name + "/vrrp.fifo"])
    check(name + " conf: --map maps every vrrp_instance, to SL 1",
          sorted(re.findall(r"--map (\S+)=(\d+)", c)), sorted((i, "1") for i in re.findall(r"^\s*vrrp_instance\s+(\S+)", c, re.M)))
    check(name + " conf: every track script is the repo dslite-track --sl 1",
          sorted(set(re.findall(r"^\s*script\s+\"(.*)\"", c, re.M))), [repo + "/keepalived-scripts/dslite-track --dslitectl " + ctl + " --sl 1"])
    check(name + " conf: no installed path or eth* name left",
          re.findall(r"/usr/local/sbin\S*|/run/\S*|\beth\d\b", c), [])
    check(name + " conf: the track interval is the test one", sorted(set(re.findall(r"interval\s+(\d+)", c))), [ival])
    check(name + " conf: every instance is " + st + ", priority " + pr,
          (sorted(set(re.findall(r"^\s*state\s+(\S+)", c, re.M))), sorted(set(re.findall(r"priority\s+(\d+)", c)))), ([st], [pr]))
    check(name + " conf: track weight is the template one", re.findall(r"weight\s+(\S+)", c),
          re.findall(r"weight\s+(\S+)", tpl))
    check(name + " conf: VRRPv3, advert_int 1",
          ("vrrp_version 3" in c, sorted(set(re.findall(r"advert_int\s+(\d+)", c)))), (True, ["1"]))
    check(name + " conf: the VIPs are the ones of this topology (%s, %s)" % (vip6, vip4),
          (vip6 + "/" in c, vip4 + "/" in c), (True, True))
# a failing track script must take the master below the backup, or the
# backup (which preempts only a lower priority) never takes over
w = [int(x) for x in re.findall(r"weight\s+(-?\d+)", c1)]
p1, p2 = int(re.findall(r"priority\s+(\d+)", c1)[0]), int(re.findall(r"priority\s+(\d+)", c2)[0])
check("confs: master priority + track weight (%d%+d) is below the backup priority (%d)" % (p1, w[0] if w else 0, p2),
      bool(w) and p1 + w[0] < p2, True)
' "$TPL" "$T/ka-aftr1.conf" "$T/ka-aftr2.conf" "$REPO" "$DSLITECTL" "$TRACK_INTERVAL" "$VIP6" "$VIP4" "$T"
for r in aftr1 aftr2; do
	ns=${NS_PREFIX}_$r
	if out=$(ip netns exec "$ns" keepalived -t -f "$T/ka-$r.conf" 2>&1); then
		ok "$r: keepalived -t accepts the config"
	else
		fail "$r: keepalived -t accepts the config" "$(sed '2,$s/^/#   | /' <<<"$out")"
	fi
done

# There is no syslog in the VM: a logger on keepalived's PATH records what
# dslite-notify logs (every call it gets, with its outcome) per router
mkdir -p "$T/bin"
cat >"$T/bin/logger" <<'EOF'
#!/bin/sh
echo "$(date +%T.%N | cut -c1-12) $*" >>"${DSLITE_HA_NOTIFY_LOG:-/dev/null}"
EOF
chmod 755 "$T/bin/logger"
notify_log() {	# ROUTER: the notify calls it got, as TAP comments
	sed 's/^/#   notify-'"$1"' | /' "$T/notify-$1.log" 2>/dev/null
}
ka_start() {	# ROUTER
	local r=$1 ns=${NS_PREFIX}_$1
	KA_STARTS=$((KA_STARTS + 1))
	mkdir -p "$T/run-$r"
	rm -f "$T/run-$r"/*.pid
	KA_LOG[$r]=$T/ka-$r.$KA_STARTS.log
	ns_bg "$ns" "${KA_LOG[$r]}" env PATH="$T/bin:$PATH" \
		DSLITE_HA_NOTIFY_LOG="$T/notify-$r.log" keepalived -n -l -D -G -P -f "$T/ka-$r.conf" \
		-p "$T/run-$r/k.pid" -r "$T/run-$r/v.pid" -c "$T/run-$r/c.pid"
	KA_PID[$r]=$NT_PID
}
# vrrp_role ROUTER: the role keepalived's last transition there implies
vrrp_role() {
	local st
	st=$(grep -oE "Entering [A-Z]+ STATE" "${KA_LOG[$1]}" 2>/dev/null | tail -n 1 | cut -d' ' -f2)
	case $st in MASTER) echo master ;; BACKUP | FAULT) echo backup ;; *) echo "none" ;; esac
}
# agree STEP ROUTER...: the module role follows keepalived's state (a
# mismatch is what out-of-order notify scripts leave behind)
agree() {
	local step=$1 r ns want got
	shift
	for r in "$@"; do
		ns=${NS_PREFIX}_$r
		want=$(vrrp_role "$r") got=$(role "$ns")
		if [[ $got == "$want" ]]; then
			ok "$step: $r: the SL role follows keepalived's state ($want)"
		else
			fail "$step: $r: the SL role follows keepalived's state" "role $got, keepalived $want"
			ka_log "$r" "Entering" 4
			notify_log "$r" | tail -n 4
		fi
	done
}
# ka_crash ROUTER: SIGKILL keepalived and its VRRP child (no goodbye)
ka_crash() {
	local r=$1 child
	child=$(cat "$T/run-$r/v.pid" 2>/dev/null)
	kill -STOP "${KA_PID[$r]}"	# no respawn of the child
	[[ -n $child ]] && kill -KILL "$child"
	kill -KILL "${KA_PID[$r]}"
	wait "${KA_PID[$r]}" 2>/dev/null
	ka_reaped "$r"
}

section "1. convergence"
t0=$(now)
ka_start aftr1
ka_start aftr2
converge "1: aftr1 is master, aftr2 backup" 60 roles_are master backup
wait_for 10 has_vips "$A1"
check "1: the VIPs ($VIP6, $VIP4) are on aftr1" has_vips "$A1"
check "1: no VIP on aftr2" no_vips "$A2"
sleep 2	# let the fifo readers apply the last lines
agree 1 aftr1 aftr2
echo "# [1] converged in $(since "$t0") s; peer states (informational): $(for ns in "$A1" "$A2"; do
	dslitectl -n "$ns" -j service-location show 1 | grep -o '"peer_state":"[a-z-]*"'; done | tr '\n' ' ')"

# --- traffic ---------------------------------------------------------------------
nt_bg "$SRV" "$T/udpd.err" udp-echo "$SRV4:7000" --ready "$T/udp.rdy"
wait_for 30 test -e "$T/udp.rdy" || die "udp echo server started"

# flows STEP VIA OTHER PORT: UDP (3 datagrams) and ping (3) from both B4s,
# new flows (inner source port PORT); they must reach srv from a pool
# address, be translated by VIA and not touch OTHER
flows() {
	local step=$1 via=${2##*_} other=${3##*_} port=$4 b ns pa pb qa qb fails=$KSFT_FAIL
	snap S0
	for b in a b; do
		ns=${NS_PREFIX}_b4$b
		nt "$ns" udp-send --bind ":$port" --to "$SRV4:7000" --data "$step-b4$b" \
			--count 3 --interval 0.1 --timeout 1 --tries 3 >"$T/udp-$step-$b.json" 2>&1 &
		eval "p$b=\$!"
		ip netns exec "$ns" ping -n -q -c 3 -i 0.3 -W 2 "$SRV4" >"$T/ping-$step-$b.txt" 2>&1 &
		eval "q$b=\$!"
	done
	wait "$pa" "$pb" "$qa" "$qb"
	snap S1
	py_checks "$step: flows" '
import re
T, step, pool = sys.argv[1], sys.argv[2], ipaddress.ip_network(sys.argv[3])
for b in "ab":
    f = "%s/udp-%s-%s.json" % (T, step, b)
    try:
        r = load(f)[0]
    except Exception:
        print(open(f).read())
        r = {"replies": 0, "reply": None}
    rep = r["reply"] or {}
    check("%s: udp from b4%s: 3 of 3 answered" % (step, b), r["replies"], 3)
    check("%s: udp from b4%s: srv saw a pool address" % (step, b),
          ipaddress.ip_address((rep.get("seen") or "0.0.0.0:0").split(":")[0]) in pool, True)
    p = open("%s/ping-%s-%s.txt" % (T, step, b)).read()
    m = re.search(r"(\d+) received", p)
    check("%s: ping from b4%s: 3 of 3 answered" % (step, b), int(m.group(1)) if m else p.strip(), 3)
' "$T" "$step" "$POOL"
	local o
	o=$(d S0 S1 "$via" out_packets)
	if [[ $o -ge 12 ]]; then ok "$step: translated by $via (out_packets +$o)"
	else fail "$step: translated by $via" "out_packets +$o, want >= 12"; fi
	assert_eq "$step: not by $other (its out_packets +0)" "+$(d S0 S1 "$other" out_packets)" "+0"
	assert_eq "$step: nothing dropped as standby on $via" "+$(d S0 S1 "$via" drop_standby)" "+0"
	if [[ $KSFT_FAIL -gt $fails ]]; then
		echo "#   diagnostics of step $step: counters moved: $(moved S0 S1)"
		show_state
		echo "#   srv neigh: $(ip -n "$SRV" neigh show | tr '\n' ';')"
		echo "#   b4a neigh: $(ip -n "$B4A" -6 neigh show | tr '\n' ';')"
		echo "#   $via IPv6 routes: $(ip -n "${NS_PREFIX}_$via" -6 route show | tr '\n' ';')"
	fi
}

# flow_ok: one UDP datagram from b4a is answered (polled after a change)
flow_ok() {
	FLOW_TRIES=$((FLOW_TRIES + 1))
	nt "$B4A" udp-send --to "$SRV4:7000" --count 1 --timeout 1 --tries 1 |
		grep -q '"replies": 1'
}
# wait_flow STEP T0: poll flow_ok for up to 30 s; say when it worked and
# which counters the attempts moved (e.g. drop_standby on the old master)
wait_flow() {
	local rc=0
	snap S0
	FLOW_TRIES=0
	if wait_for 30 flow_ok; then
		echo -n "# [$1] a new flow was answered $(since "$2") s after the change (attempt $FLOW_TRIES);"
	else
		echo -n "# [$1] no flow answered within 30 s ($FLOW_TRIES attempts);"
		rc=1
	fi
	snap S1
	echo " counters moved: $(moved S0 S1)"
	return $rc
}

section "2. new flows through the master (aftr1)"
flows 2 "$A1" "$A2" 4100

section "3. the backup (aftr2) drops what reaches it: drop_standby"
# B4 side: aftr2 holds the AFTR address locally for a moment (on lo, where
# it is not answered for on the access link) and b4a's route points at it
snap S0
ip -n "$A2" -6 addr add "$VIP6/128" dev lo &&
	ip -n "$B4A" -6 route replace "$VIP6/128" via 2001:db8:1::12 dev veth0 ||
	fail "3: steer b4a to aftr2"
out=$(ip netns exec "$B4A" ping -n -q -c 3 -i 0.3 -W 1 "$SRV4" 2>&1)
assert_eq "3: ping from b4a through aftr2 gets no answer" "$(grep -o '[0-9]* received' <<<"$out")" "0 received"
ip -n "$B4A" -6 route replace "$VIP6/128" dev veth0
ip -n "$A2" -6 addr del "$VIP6/128" dev lo
snap S1
n=$(d S0 S1 aftr2 drop_standby)
if [[ $n -ge 3 ]]; then ok "3: aftr2 counted them in drop_standby (+$n)"
else fail "3: aftr2 counted them in drop_standby" "drop_standby +$n, want >= 3; moved: $(moved S0 S1)"; fi
assert_eq "3: aftr2 translated nothing out (out_packets +0)" "+$(d S0 S1 aftr2 out_packets)" "+0"
assert_eq "3: aftr1 saw none of it (out_packets +0)" "+$(d S0 S1 aftr1 out_packets)" "+0"
# return side: srv sends to a pool address via aftr2's own uplink address
snap S0
ip -n "$SRV" route add 198.51.100.200/32 via 203.0.113.12 || fail "3: steer srv to aftr2"
ip netns exec "$SRV" ping -n -q -c 3 -i 0.3 -W 1 198.51.100.200 >/dev/null 2>&1
ip -n "$SRV" route del 198.51.100.200/32 via 203.0.113.12
snap S1
n=$(d S0 S1 aftr2 drop_standby)
if [[ $n -ge 3 ]]; then ok "3: return traffic to the pool via aftr2 is counted in drop_standby (+$n)"
else fail "3: return traffic to the pool via aftr2 is counted in drop_standby" "drop_standby +$n, want >= 3; moved: $(moved S0 S1)"; fi
assert_eq "3: aftr2 sent nothing to the B4s (in_packets +0)" "+$(d S0 S1 aftr2 in_packets)" "+0"
assert_eq "3: roles unchanged" "$(role "$A1") $(role "$A2")" "master backup"

section "4. aftr1 dies: keepalived SIGKILLed, links down"
t0=$(now)
ka_crash aftr1
for l in acc upl sync; do ip -n "$A1" link set "$l" down; done
converge "4: aftr2 becomes master" 30 is_role "$A2" master
wait_for 10 has_vips "$A2"
check "4: the VIPs moved to aftr2" has_vips "$A2"
agree 4 aftr2
# the fifo closed without a STOP: aftr1's reader sees keepalived gone
if wait_for 10 is_role "$A1" backup; then
	ok "4: aftr1 (keepalived dead) is backup: its fifo reader saw keepalived gone"
else
	fail "4: aftr1 (keepalived dead) is backup: its fifo reader saw keepalived gone" "role $(role "$A1")"
	notify_log aftr1 | tail -n 4
fi
wait_flow 4 "$t0"
flows 4 "$A2" "$A1" 4200

section "5. aftr1 comes back and preempts"
t0=$(now)
for l in acc upl sync; do ip -n "$A1" link set "$l" up; done
# link down flushed aftr1's static IPv6 access address (keep_addr_on_down
# 0): a rebooted router gets its configuration back, so re-add it. What is
# left of the VIPs and the role from before the crash is kept, as found.
ip -n "$A1" -6 addr replace 2001:db8:1::11/64 dev acc nodad
echo "# [5] aftr1 before keepalived starts: role $(role "$A1"), stale VIPs: $(ip -n "$A1" addr show |
	grep -oE "inet6? ($VIP6|$VIP4)/[0-9]+" | awk '{print $2}' | tr '\n' ' ')"
ka_start aftr1
converge "5: aftr1 is master again, aftr2 backup" 60 roles_are master backup
wait_for 10 has_vips "$A1"
check "5: the VIPs are back on aftr1" has_vips "$A1"
wait_for 10 no_vips "$A2"
check "5: aftr2 released them" no_vips "$A2"
agree 5 aftr1 aftr2
wait_flow 5 "$t0"
flows 5 "$A1" "$A2" 4300

section "6. dslite-track fails on aftr1 (dsl0 down): aftr2 must take over"
t0=$(now)
ip -n "$A1" link set dsl0 down
lim=$((2 * TRACK_INTERVAL + TRACK_TIMEOUT / 2 + 10))
if wait_for "$lim" is_role "$A2" master; then
	ok "6: aftr2 becomes master (after $(since "$t0") s)"
	wait_for 10 is_role "$A1" backup
	assert_eq "6: aftr1 is backup" "$(role "$A1")" backup
	wait_for 10 has_vips "$A2"
	check "6: the VIPs moved to aftr2" has_vips "$A2"
	if wait_flow 6 "$t0"; then
		ok "6: a new flow from b4a is answered"
	else
		fail "6: a new flow from b4a is answered"
	fi
else
	fail "6: aftr2 becomes master" "not within $lim s; aftr1 role $(role "$A1"), aftr2 role $(role "$A2")"
	show_state
	ka_log aftr1 "chk_sl1|priority|Entering"
	ka_log aftr2 "chk_sl1|priority|Entering"
	snap S0
	echo "#   aftr1 meanwhile (dsl0 down, still master): drop_not_for_us ${S0[aftr1.drop_not_for_us]}"
fi
ip -n "$A1" link set dsl0 up
t0=$(now)
lim=$((3 * TRACK_INTERVAL + TRACK_TIMEOUT + 10))
converge "6: restored: aftr1 master, aftr2 backup" "$lim" roles_are master backup
agree 6 aftr1 aftr2

section "7. keepalived on the master (aftr1) stops cleanly"
t0=$(now)
n7=$(wc -l <"$T/notify-aftr1.log")
kill -TERM "${KA_PID[aftr1]}"
converge "7: aftr2 becomes master" 15 is_role "$A2" master
wait "${KA_PID[aftr1]}" 2>/dev/null
ka_reaped aftr1
wait_for 10 no_vips "$A1"
check "7: aftr1 released the VIPs" no_vips "$A1"
wait_for 5 is_role "$A1" backup
r=$(role "$A1")
if [[ $r == backup ]]; then
	ok "7: the stopped router does not claim master any more (role backup)"
else
	fail "7: the stopped router does not claim master any more" "aftr1 role $r (want backup), aftr2 $(role "$A2")"
	ka_log aftr1 "Stopping|STOP|notify|Entering|stop|fifo" 8
	notify_log aftr1 | tail -n 4
fi
check_err "7: it was keepalived's STOP line that set it" 0 "INSTANCE access_sl1 STOP: service-location 1 role backup" \
	tail -n +"$((n7 + 1))" "$T/notify-aftr1.log"
# the reader ends once keepalived is gone (it has a session of its own:
# look for it by its fifo's path; a function, so that no process but
# pgrep has the pattern on its command line)
no_reader() { ! pgrep -f "dslite-notify .*--fifo.* $T/run-$1/vrrp\.fifo\$" >/dev/null; }
if wait_for 10 no_reader aftr1; then
	ok "7: aftr1's fifo reader ended with keepalived"
else
	fail "7: aftr1's fifo reader ended with keepalived" "$(pgrep -af "dslite-notify .*--fifo.* $T/run-aftr1/" | tr '\n' ';')"
fi
# informational: how each keepalived went, for comparing runs
for r in aftr1 aftr2; do
	echo "# [end] $r: $(cat "$T/ka-$r".*.log 2>/dev/null | grep -oE 'Entering [A-Z]+ STATE|effective priority from [0-9]+ to [0-9]+|^.*Stopping$' |
		sed -E 's/Entering ([A-Z]+) STATE/\1/; s/effective priority from [0-9]+ to ([0-9]+)/prio \1/; s/.*Stopping$/stop/' | tr '\n' ' ')"
done
if [[ $KSFT_FAIL -gt 0 ]]; then
	echo "# keepalived transitions and track results, for the failures above:"
	ka_log aftr1 "Entering|effective priority|VRRP_Script|Script .chk|Stopp" 40
	ka_log aftr2 "Entering|effective priority|VRRP_Script|Script .chk|Stopp" 40
	echo "# the notify calls (as dslite-notify logged them):"
	notify_log aftr1
	notify_log aftr2
fi
ksft_finish
