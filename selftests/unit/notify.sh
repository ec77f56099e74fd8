#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the keepalived hooks (keepalived-scripts/dslite-notify and
# dslite-track) against fake dslitectl, ip and logger commands that record
# their arguments: which role each VRRP state sets on which service-location,
# what is refused (and then nothing is sent), that every outcome is logged,
# and when the track check calls a router healthy.
source "$(dirname "$0")/../lib.sh"
NOTIFY=$REPO/keepalived-scripts/dslite-notify
TRACK=$REPO/keepalived-scripts/dslite-track

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
FAKE=$W/bin
mkdir -p "$FAKE"

# fake dslitectl: one line per call in $W/calls ("ARGS..."); answers the
# show commands dslite-track makes from $W/sl.json, $W/sig.json and
# $W/inst.json; exits with the contents of $W/rc (default 0)
cat >"$FAKE/dslitectl" <<'EOF'
#!/bin/bash
W=${FAKE_W:?}
echo "$*" >>"$W/calls"
rc=$(cat "$W/rc" 2>/dev/null || echo 0)
a=("$@")
while [[ ${a[0]:-} == -* ]]; do
	case ${a[0]} in
	-n) a=("${a[@]:2}") ;;
	*) a=("${a[@]:1}") ;;
	esac
done
case "${a[*]}" in
"service-location show"*)
	[[ -e $W/sl.missing ]] && { echo "Error: no service-location with this id" >&2; exit 2; }
	cat "$W/sl.json" ;;
"service-instance-group show"*) cat "$W/sig.json" ;;
"instance show"*) cat "$W/inst.json" ;;
esac
exit "$rc"
EOF
# fake logger: its arguments, one call a line, in $W/logger
cat >"$FAKE/logger" <<'EOF'
#!/bin/bash
echo "$*" >>"${FAKE_W:?}/logger"
EOF
# fake ip: `ip [-n NS] link show DEV` prints DEV up unless $W/down.DEV
# exists; no device when $W/gone.DEV exists; calls in $W/ipcalls
cat >"$FAKE/ip" <<'EOF'
#!/bin/bash
W=${FAKE_W:?}
echo "$*" >>"$W/ipcalls"
dev=${!#}
[[ -e $W/gone.$dev ]] && { echo "Device \"$dev\" does not exist." >&2; exit 1; }
if [[ -e $W/down.$dev ]]; then
	echo "7: $dev: <POINTOPOINT,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000"
else
	echo "7: $dev: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000"
fi
EOF
chmod +x "$FAKE"/*
export FAKE_W=$W
export PATH=$FAKE:$PATH
unset DSLITECTL

reset() { rm -f "$W/calls" "$W/logger" "$W/ipcalls" "$W/rc" "$W"/*.missing "$W"/down.* "$W"/gone.*; }
calls() { cat "$W/calls" 2>/dev/null; }
ncalls() { calls | wc -l; }

# notify CASE WANT_RC WANT_CALL ARGS...: run dslite-notify, assert its exit
# status and the one dslitectl call it made (WANT_CALL empty: no call)
notify() {
	local desc=$1 want_rc=$2 want_call=$3 rc
	shift 3
	reset
	"$NOTIFY" "$@" >"$W/out" 2>&1
	rc=$?
	if [[ $rc -eq $want_rc && "$(calls)" == "$want_call" ]]; then
		ok "notify: $desc"
	else
		fail "notify: $desc" "rc=$rc (want $want_rc), dslitectl calls: '$(calls)' (want '$want_call')"
		sed 's/^/#   | /' "$W/out"
	fi
}

# --- dslite-notify: state -> role ------------------------------------------
notify "MASTER sets role master" 0 "service-location set 1 role master" \
	--sl 1 GROUP aftr_sl1 MASTER
notify "BACKUP sets role backup" 0 "service-location set 1 role backup" \
	--sl 1 GROUP aftr_sl1 BACKUP
notify "FAULT sets role backup" 0 "service-location set 1 role backup" \
	--sl 1 GROUP aftr_sl1 FAULT
notify "STOP sets role backup" 0 "service-location set 1 role backup" \
	--sl 1 INSTANCE access_sl1 STOP 150
notify "DELETED sets role backup" 0 "service-location set 1 role backup" \
	--sl 1 INSTANCE access_sl1 DELETED 150
notify "an instance notify with its priority appended" 0 "service-location set 1 role master" \
	--sl 1 INSTANCE access_sl1 MASTER 150

# --- which service-location ------------------------------------------------
notify "no --sl: the SL comes from a name *_sl3" 0 "service-location set 3 role master" \
	GROUP aftr_sl3 MASTER
notify "no --sl: a multi-digit suffix (*_sl12)" 0 "service-location set 12 role backup" \
	INSTANCE access_sl12 BACKUP 100
notify "--sl wins over the name's suffix" 0 "service-location set 5 role master" \
	--sl 5 GROUP aftr_sl3 MASTER
notify "no --sl and no *_sl<ID> name: refused, nothing sent" 1 "" \
	GROUP aftr MASTER
notify "a name with _sl in the middle is not an id (aftr_sl3x)" 1 "" \
	GROUP aftr_sl3x MASTER
notify "a non-numeric --sl: refused, nothing sent" 1 "" \
	--sl one GROUP aftr_sl1 MASTER

# --- refusals: role unchanged ------------------------------------------------
notify "unknown state: exit 1, role unchanged (nothing sent)" 1 "" \
	--sl 1 GROUP aftr_sl1 PANIC
notify "lower-case state is unknown too (keepalived sends upper case)" 1 "" \
	--sl 1 GROUP aftr_sl1 master
notify "too few arguments: exit 1, nothing sent" 1 "" \
	--sl 1 GROUP aftr_sl1
check_err "notify: too few arguments: the usage is printed" 1 "usage: dslite-notify" \
	"$NOTIFY" --sl 1 GROUP

# --- options ---------------------------------------------------------------
notify "-n NETNS is passed to dslitectl" 0 "-n aftr1 service-location set 1 role master" \
	--sl 1 -n aftr1 GROUP aftr_sl1 MASTER
notify "-- ends the options" 0 "service-location set 2 role backup" \
	--sl 2 -- GROUP aftr_sl1 BACKUP

# another fake (calls in $W/othercalls) for --dslitectl and $DSLITECTL
sed 's|"\$W/calls"|"$W/othercalls"|' "$FAKE/dslitectl" >"$W/other-ctl"
chmod +x "$W/other-ctl"
other() { cat "$W/othercalls" 2>/dev/null; rm -f "$W/othercalls"; }
reset
"$NOTIFY" --dslitectl "$W/other-ctl" --sl 1 GROUP aftr_sl1 MASTER >/dev/null 2>&1
assert_eq "notify: --dslitectl PATH is the one called" "$(other)|$(calls)" "service-location set 1 role master|"
reset
DSLITECTL=/bin/false "$NOTIFY" --dslitectl "$W/other-ctl" --sl 1 GROUP aftr_sl1 BACKUP >/dev/null 2>&1
assert_eq "notify: --dslitectl wins over \$DSLITECTL" "$(other)|$(calls)" "service-location set 1 role backup|"
reset
DSLITECTL=$W/other-ctl "$NOTIFY" --sl 1 GROUP aftr_sl1 MASTER >/dev/null 2>&1
assert_eq "notify: \$DSLITECTL is used without --dslitectl" "$(other)|$(calls)" "service-location set 1 role master|"

# --- logging ---------------------------------------------------------------
reset
"$NOTIFY" --sl 1 GROUP aftr_sl1 MASTER >/dev/null 2>&1
check_err "notify: success is logged with tag dslite-notify" 0 \
	"^-t dslite-notify -- GROUP aftr_sl1 MASTER: service-location 1 role master$" cat "$W/logger"
reset
"$NOTIFY" --sl 1 GROUP aftr_sl1 PANIC >/dev/null 2>&1
check_err "notify: an unknown state is logged" 0 "^-t dslite-notify -- .*unknown state PANIC" cat "$W/logger"
reset
"$NOTIFY" GROUP aftr MASTER >/dev/null 2>&1
check_err "notify: a missing SL is logged" 0 "^-t dslite-notify -- .*no service-location" cat "$W/logger"
reset
echo 2 >"$W/rc"
"$NOTIFY" --sl 1 GROUP aftr_sl1 BACKUP >"$W/out" 2>&1
rc=$?
assert_eq "notify: dslitectl failing makes notify exit 1" "$rc" 1
check_err "notify: the failure is logged" 0 "^-t dslite-notify -- .*setting service-location 1 role backup failed" cat "$W/logger"
check_err "notify: the failure is printed on stderr too" 0 "failed" cat "$W/out"

# idempotent and order-safe: each call sets what its state implies
reset
for s in BACKUP MASTER MASTER BACKUP FAULT MASTER; do
	"$NOTIFY" --sl 1 GROUP aftr_sl1 $s >/dev/null 2>&1
done
assert_eq "notify: repeated and out-of-order calls each set their role" \
	"$(calls | awk '{print $NF}' | tr '\n' ' ')" "backup master master backup backup master "

# --- dslite-track --------------------------------------------------------------
# a healthy 1:1 router: SL 1 peer down (no sync channel yet), sig1 = {1},
# dsl0 bound to sig1 and up; dsl9 bound to another group, dslx unbound
sl_state() { echo "[{\"id\":1,\"role\":\"master\",\"peer_state\":\"$1\",\"interface\":\"r0\",\"peer\":\"192.0.2.2\",\"port\":8286,\"authentication\":true}]" >"$W/sl.json"; }
sl_state down
echo '[{"name":"sig1","service_locations":[{"id":1,"weight":1}]},{"name":"sig2","service_locations":[{"id":2,"weight":1}]}]' >"$W/sig.json"
echo '[{"name":"dsl0","id":1,"aftr":"2001:db8::1","service_instance_group":"sig1"},{"name":"dsl9","id":9,"aftr":"2001:db8::9","service_instance_group":"sig2"},{"name":"dslx","id":3,"aftr":"2001:db8::3"}]' >"$W/inst.json"

# track DESC WANT_RC ARGS...
track() {
	local desc=$1 want_rc=$2 rc
	shift 2
	"$TRACK" "$@" >"$W/out" 2>&1
	rc=$?
	if [[ $rc -eq $want_rc ]]; then
		ok "track: $desc"
	else
		fail "track: $desc" "rc=$rc, want $want_rc"
		sed 's/^/#   | /' "$W/out"
	fi
}

reset
track "healthy: exit 0" 0 --sl 1
assert_eq "track: it looked at the SL, the groups and the instances" \
	"$(calls | tr '\n' ';')" "-j service-location show 1;-j service-instance-group show;-j instance show;"
assert_eq "track: only the device of the instance bound to the SL's group is checked" \
	"$(cat "$W/ipcalls" 2>/dev/null)" "link show dsl0"
assert_eq "track: a check changes nothing (no set command)" "$(calls | grep -c ' set ')" 0
for s in hello in-sync down; do
	reset; sl_state $s
	track "peer state $s: healthy" 0 --sl 1
done
for s in bulk-syncing config-mismatch; do
	reset; sl_state $s
	track "peer state $s: unhealthy" 1 --sl 1
done
sl_state down
reset; touch "$W/down.dsl0"
track "the bound instance's device down: unhealthy" 1 --sl 1
check_err "track: ... and it says which" 0 "instance dsl0 device is down" cat "$W/out"
reset; touch "$W/gone.dsl0"
track "the bound instance's device missing: unhealthy" 1 --sl 1
reset; touch "$W/down.dsl9" "$W/down.dslx"
track "devices of other groups' or unbound instances down: still healthy" 0 --sl 1
reset; touch "$W/down.dsl9"
track "SL 2's instance down: SL 2 unhealthy" 1 --sl 2
reset; touch "$W/sl.missing"
track "no such service-location (or no module): unhealthy" 1 --sl 1
reset
track "-n NETNS: healthy" 0 --sl 1 -n aftr1
assert_eq "track: -n NETNS goes to every dslitectl call" \
	"$(calls | grep -vc '^-n aftr1 ')" 0
assert_eq "track: -n NETNS goes to ip too" "$(cat "$W/ipcalls" 2>/dev/null)" "-n aftr1 link show dsl0"
reset
track "--dslitectl PATH" 0 --sl 1 --dslitectl "$W/other-ctl"
assert_eq "track: --dslitectl PATH is the one called" "$(other | wc -l)|$(calls)" "3|"
reset
track "no --sl: usage error (2)" 2
track "a non-numeric --sl: usage error (2)" 2 --sl x
track "an unknown option: usage error (2)" 2 --sl 1 --bogus
ksft_finish
