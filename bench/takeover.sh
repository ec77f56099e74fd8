#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark: the takeover gap of a steady UDP flow, 1:1 hot backup, real
# keepalived (VRRPv3) from the shipped template with adverts every 100 ms,
# roles through dslite-notify (fifo), priorities through dslite-track, in
# selftests/ha_topo.sh's topology (b4a, aftr1 master 150, aftr2 backup
# 100, srv). b4a sends a datagram every 5 ms through its softwire; srv
# echoes it. The master crashes: its three links go down (one `ip
# -batch`: from then on it neither forwards nor adverts), then its
# keepalived is SIGKILLed (the VRRP child with its parent: no priority-0
# goodbye). The gap is the flow's silence at b4a; each stage is
# timestamped, in ms from the last echo before the silence:
#   (a) aftr2's first VRRP advert as master, on the wire at b4a (keepalived
#       sends it first when it becomes master; the Master_Down timer ran
#       from aftr1's last advert, also captured)
#   keepalived adds the VIPs (kprobe on inet6_rtm_newaddr), sends the NAs
#       and GARPs, writes the notify fifo (kprobe on pipe_write, comm
#       keepalived)
#   (b) dslite-notify forks and execs dslitectl, the role becomes master
#       in the kernel (ftrace: sched_process_fork/exec, a kprobe on
#       dslite_sl_set_role), dslite-notify logs it
#   (c) the unsolicited NA for the AFTR address at b4a, the gratuitous ARP
#       for the pool next hop at srv (AF_PACKET, kernel timestamps)
#   (d) the first datagram at srv, the first echo back at b4a
# Then aftr1 comes back (links up, keepalived again), waits for aftr2's
# bulk and preempts; the next repetition kills it again. Prints a table
# (median/min/max of each stage) and a TAKEOVER: {json} line (bench/run.sh
# passes it to report.py). In a TCG VM the times are slow and noisy: read
# the parts against each other, not as a router's figures.
#
#   selftests/vm/run -- "$PWD/bench/takeover.sh"
#   TAKEOVER_REPS=5 TAKEOVER_ADVERT=0.1 TAKEOVER_INTERVAL_MS=5
#   TAKEOVER_TEMPLATE=file (another keepalived template, to try a change)
#   TAKEOVER_VARIANTS="shipped batch ..." (default shipped): each in turn,
#     TAKEOVER_REPS crashes each, in the same VM run; a variant is
#     words joined by "+": shipped (the files as they are: router B's
#     -b file, dslite-notify --batch, the backup at priority 149),
#     oneshot (without --batch: a dslitectl per fifo line), batch (with
#     it), prio100 / prio149 (the backup's priority 100, the shipped files
#     until 2026-12-01, or 149: a shorter skew), garp1
#     (vrrp_garp_master_repeat 1). The first
#     variant's figures are the TAKEOVER line, the others' TAKEOVER-VARIANT
#   TAKEOVER_RAW=1 (the raw captures and logs, a base64 tar.gz on stdout
#   between TAKEOVER-RAW-BEGIN and -END lines)
cd "$(dirname "$0")/../selftests" || exit 1
source ./lib.sh
source ./topo.sh
source ./ha_topo.sh
ha_begin

REPO=$(cd .. && pwd)
TP=$REPO/bench/takeover.py
REPS=${TAKEOVER_REPS:-5}
ADVERT=${TAKEOVER_ADVERT:-0.1}
IVAL=${TAKEOVER_INTERVAL_MS:-5}
TPL=${TAKEOVER_TEMPLATE:-$REPO/keepalived-scripts/keepalived-1to1.conf}
SRV4=203.0.113.9
VIP6=2001:db8::1
VIP4=203.0.113.1
KEY=dslite-takeover-bench-key-0123456789
TR=/sys/kernel/tracing
declare -A KA_PID
BGP=()	# the flow, the echo and the sniffers (SIGTERM: they write their files)

die() { fail "$1" "${2:-}"; ksft_finish; }
trace_off() {
	local k
	[[ -w $TR/kprobe_events ]] || return 0
	echo 0 >"$TR/tracing_on"
	echo 0 >"$TR/events/enable" 2>/dev/null
	for k in dslrole kafifo kaaddr6; do
		echo "-:$k" >>"$TR/kprobe_events" 2>/dev/null
	done
	echo local >"$TR/trace_clock" 2>/dev/null
}
bench_cleanup() {
	local n
	for n in "${!KA_PID[@]}"; do
		ka_crash "$n"
	done
	pids_stop "${BGP[@]}"
	trace_off
	topo_cleanup
}
trap bench_cleanup EXIT
role() {
	dslitectl -n "$1" -j service-location show 1 2>/dev/null |
		sed -n 's/.*"role":"\([a-z-]*\)".*/\1/p'
}
is_role() { [[ $(role "$1") == "$2" ]]; }
roles_are() { is_role "$A1" "$1" && is_role "$A2" "$2"; }

section "topology"
ha_topo "$SRV4" || die "topology"
cfg_1to1() {	# NS PEER
	dslitectl -n "$1" -b - <<-EOF
		ha set hot-backup on
		service-location add 1 remote-backup interface sync peer $2 authentication-key $KEY hash-algorithm hmac-sha256 vrrp vrid 10 interface acc
		service-instance-group add sig1 service-location 1
		instance add dsl0 id 1 aftr $VIP6 service-instance-group sig1
		pool add dsl0 198.51.100.0/24 service-location 1
	EOF
	ip -n "$1" link set dsl0 up && ip -n "$1" route add 198.51.100.0/24 dev dsl0
}
check "aftr1: dslite 1:1" cfg_1to1 "$A1" 192.0.2.2
check "aftr2: dslite 1:1" cfg_1to1 "$A2" 192.0.2.1
ip -n "$SRV" route add 198.51.100.0/24 via "$VIP4"
ip -n "$B4A" -6 tunnel add t0 mode ipip6 local 2001:db8:1::a remote "$VIP6" dev veth0 &&
	ip -n "$B4A" link set t0 up && ip -n "$B4A" addr add 192.0.0.2/32 dev t0 &&
	ip -n "$B4A" route add default dev t0 || die "softwire"

# keepalived: the template with this topology's names (ha_gen_conf.py, as
# ha_failover.sh), adverts every $ADVERT s, the variant's changes; a logger
# per router on its PATH records dslite-notify's lines with the time (no
# syslog in the VM)
gen_confs() {	# VARIANT
	local n v e
	for n in 1 2; do
		e=(-e "s/^\( *\)advert_int .*/\1advert_int $ADVERT/")
		for v in ${1//+/ }; do
			case $v in
			shipped) ;;
			batch) e+=(-e '/--batch --fifo"$/!s/^\( *vrrp_notify_fifo_script .*\) --fifo"$/\1 --batch --fifo"/') ;;
			oneshot) e+=(-e 's/^\( *vrrp_notify_fifo_script .*\) --batch --fifo"$/\1 --fifo"/') ;;
			prio149) [[ $n == 2 ]] && e+=(-e 's/priority 100$/priority 149/') ;;
			prio100) [[ $n == 2 ]] && e+=(-e 's/priority 149$/priority 100/') ;;
			garp1) e+=(-e 's/^\( *\)vrrp_version 3$/&\n\1vrrp_garp_master_repeat 1/') ;;
			*) echo "# unknown variant word $v"; return 1 ;;
			esac
		done
		python3 "$LIB_DIR/py/ha_gen_conf.py" "$TPL" "$n" "$REPO" "$DSLITECTL" "$T" |
			sed "${e[@]}" >"$T/ka-$n.conf" || return 1
		mkdir -p "$T/bin-$n" "$T/run-$n"
		printf '#!/bin/bash\necho "$EPOCHREALTIME $*" >>%s\n' "$T/notify-$n.log" >"$T/bin-$n/logger"
		chmod 755 "$T/bin-$n/logger"
	done
	grep -q "advert_int $ADVERT\$" "$T/ka-1.conf" && grep -q "advert_int $ADVERT\$" "$T/ka-2.conf" &&
		{ [[ $1 != *batch* ]] || grep -q '^ *vrrp_notify_fifo_script .* --batch --fifo"$' "$T/ka-1.conf"; } &&
		{ [[ $1 != *oneshot* ]] || ! grep -q '^ *vrrp_notify_fifo_script .*--batch' "$T/ka-1.conf" "$T/ka-2.conf"; } &&
		{ [[ $1 != *prio149* ]] || grep -q 'priority 149$' "$T/ka-2.conf"; } &&
		{ [[ $1 != *prio100* ]] || ! grep -q 'priority 149$' "$T/ka-2.conf"; } &&
		{ [[ $1 != *garp1* ]] || grep -q 'vrrp_garp_master_repeat 1$' "$T/ka-1.conf"; }
}
ka_start() {	# N
	local n=$1
	rm -f "$T/run-$n"/*.pid
	ns_bg "${NS_PREFIX}_aftr$n" "$T/ka-$n.log" env PATH="$T/bin-$n:$PATH" \
		keepalived -n -l -D -G -P -f "$T/ka-$n.conf" \
		-p "$T/run-$n/k.pid" -r "$T/run-$n/v.pid" -c "$T/run-$n/c.pid"
	KA_PID[$n]=$NT_PID
}
# ka_crash N: keepalived's VRRP child and its parent SIGKILLed (a crash:
# no priority-0 advert, the VIPs stay), the parent stopped first so that
# it does not respawn the child
ka_crash() {
	local child
	child=$(cat "$T/run-$1/v.pid" 2>/dev/null)
	kill -STOP "${KA_PID[$1]}"
	[[ -n $child ]] && kill -KILL "$child"
	kill -KILL "${KA_PID[$1]}"
	wait "${KA_PID[$1]}" 2>/dev/null
	unset "KA_PID[$1]"
}
# ftrace: fork/exec (dslite-notify's dslitectl) and the role being set,
# in CLOCK_MONOTONIC (takeover.py clock converts)
TRACE=0
if [[ -w $TR/kprobe_events ]] &&
	echo 'p:dslrole dslite_sl_set_role role=%si:u8' >>"$TR/kprobe_events" 2>/dev/null; then
	echo 'p:kafifo pipe_write' >>"$TR/kprobe_events"
	echo 'p:kaaddr6 inet6_rtm_newaddr' >>"$TR/kprobe_events"
	echo 0 >"$TR/tracing_on"
	echo >"$TR/trace"
	echo mono >"$TR/trace_clock"
	for k in kafifo kaaddr6; do
		echo 'comm == "keepalived"' >"$TR/events/kprobes/$k/filter"
	done
	echo 1 >"$TR/events/kprobes/enable"
	echo 1 >"$TR/events/sched/sched_process_exec/enable"
	echo 1 >"$TR/events/sched/sched_process_fork/enable"
	echo 4096 >"$TR/buffer_size_kb"
	echo 1 >"$TR/tracing_on"
	TRACE=1
fi
[[ $TRACE == 1 ]] && ok "ftrace: kprobe on dslite_sl_set_role" ||
	skip "ftrace: kprobe on dslite_sl_set_role" "no kprobe events: stage (b) from dslite-notify's log only"
python3 "$TP" clock >"$T/clock"

mac_of() { ip -n "$1" -j link show "$2" | json 'j[0]["address"]'; }
printf '{"a1acc": "%s", "a2acc": "%s", "a2upl": "%s", "vip6": "%s", "vip4": "%s"}\n' \
	"$(mac_of "$A1" acc)" "$(mac_of "$A2" acc)" "$(mac_of "$A2" upl)" "$VIP6" "$VIP4" >"$T/macs.json"
ns_bg "$SRV" "$T/echo.err" python3 "$TP" echo 7777 "$T/echo.json"; BGP+=("$NT_PID")
ns_bg "$B4A" "$T/sniff-acc.err" python3 "$TP" sniff veth0 access "$T/sniff-acc.json"; BGP+=("$NT_PID")
ns_bg "$SRV" "$T/sniff-upl.err" python3 "$TP" sniff veth0 uplink "$T/sniff-upl.json"; BGP+=("$NT_PID")
sleep 1
ns_bg "$B4A" "$T/flow.err" python3 "$TP" flow "$SRV4" 7777 "$IVAL" "$T/flow.json"; BGP+=("$NT_PID")

# have_flow NS: the flow's session is there (a session is synced within
# its 20 ms flush)
have_flow() { [[ $(dslitectl -n "$1" -j session show proto udp | json 'len(j)') -ge 1 ]]; }
VARIANTS=${TAKEOVER_VARIANTS:-shipped}
for var in $VARIANTS; do
	section "variant $var: keepalived"
	check "$var: keepalived configs" gen_confs "$var"
	echo "# $var: aftr1's keepalived.conf, without comments:"
	grep -v '^\s*#' "$T/ka-1.conf" | grep . | sed 's/^/#   | /'
	[[ $var == *prio149* ]] && echo "# $var: aftr2: $(grep -o 'priority [0-9]*' "$T/ka-2.conf" | sort -u | tr '\n' ' ')"
	ka_start 1
	ka_start 2
	check "$var: aftr1 master, aftr2 backup" wait_for 60 roles_are master backup
	check "$var: aftr2 in sync and healthy" wait_for 30 dslitectl -n "$A2" service-location check 1
	check "$var: the master has the flow's session" wait_for 10 have_flow "$A1"
	check "$var: the backup has it too" wait_for 10 have_flow "$A2"
	: >"$T/kills-$var"
	for rep in $(seq 1 "$REPS"); do
		section "$var, repetition $rep: aftr1 crashes"
		t_kill=$EPOCHREALTIME
		ip -n "$A1" -batch - <<-EOF
			link set acc down
			link set upl down
			link set sync down
		EOF
		t_down=$EPOCHREALTIME
		ka_crash 1
		echo "$rep $t_kill $t_down" >>"$T/kills-$var"
		check "$var, rep $rep: aftr2 becomes master" wait_for 30 is_role "$A2" master
		sleep 2	# the flow runs through aftr2
		section "$var, repetition $rep: aftr1 comes back, preempts once it holds aftr2's state"
		ip -n "$A1" link set acc up; ip -n "$A1" link set upl up; ip -n "$A1" link set sync up
		ip -n "$A1" -6 addr add 2001:db8:1::11/64 dev acc nodad 2>/dev/null
		ka_start 1
		check "$var, rep $rep: aftr1 master again, aftr2 backup" wait_for 90 roles_are master backup
		check "$var, rep $rep: aftr2 in sync and healthy" wait_for 30 dslitectl -n "$A2" service-location check 1
		sleep 2
	done
	for n in "${!KA_PID[@]}"; do
		ka_crash "$n"
	done
	sleep 1	# the readers see keepalived gone
done
pids_stop "${BGP[@]}"
BGP=()
if [[ $TRACE == 1 ]]; then
	echo 0 >"$TR/tracing_on"
	cp "$TR/trace" "$T/trace"
fi
if [[ ${TAKEOVER_RAW:-0} == 1 ]]; then	# the raw files, out on stdout (the VM's writes stay in the VM)
	echo "TAKEOVER-RAW-BEGIN"
	tar -C "$T" -czf - --exclude 'bin-*' --exclude 'run-*' --exclude '*.fifo*' . | base64 -w 0
	echo
	echo "TAKEOVER-RAW-END"
fi
echo "# dslite-notify on aftr2 (the last lines):"
sed 's/^/#   | /' "$T/notify-2.log" 2>/dev/null | tail -n 10
first=1
for var in $VARIANTS; do
	python3 "$TP" analyze "$T" "$T/kills-$var" "$var" >"$T/analysis-$var" 2>&1
	if [[ $first == 1 ]]; then
		cat "$T/analysis-$var"
	else
		sed 's/^TAKEOVER: /TAKEOVER-VARIANT '"$var"': /' "$T/analysis-$var"
	fi
	first=0
	check "$var: every repetition measured" grep -q "^# takeover ($var): $REPS repetitions, $REPS measured" "$T/analysis-$var"
done
ksft_finish
