#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the keepalived hooks (keepalived-scripts/dslite-notify and
# dslite-track) against fake dslitectl and logger commands that record
# their arguments: which role each VRRP state sets on which service-location,
# what is refused (and then nothing is sent), that every outcome is logged;
# dslite-notify's fifo mode (keepalived's vrrp_notify_fifo_script): lines
# applied in order, skipped lines, the end of the fifo (keepalived gone,
# reloading, or still there), keepalived's stop sequence (SIGTERM to the
# script's process group, then STOP lines), the lock between an old and a
# new reader; --batch (one long-lived dslitectl, a failed set redone
# one-shot); and that dslite-track passes the kernel's health verdict on.
source "$(dirname "$0")/../lib.sh"
NOTIFY=$REPO/keepalived-scripts/dslite-notify
TRACK=$REPO/keepalived-scripts/dslite-track

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
FAKE=$W/bin
mkdir -p "$FAKE"

# fake dslitectl: one line per call in $W/calls ("ARGS...", all of them,
# written when the call is done); exits with the contents of $W/rc (default 0).
# `service-location set N role R` fails (2) while $W/fail.N exists, and
# takes 0.3 s for role master while $W/slow exists;
# `service-location check N` prints $W/check.msg and exits $W/check.rc.
# With -b - (dslite-notify --batch) it is one process that runs each line
# of its stdin as such a call ("-b: LINE" in $W/calls) and appends its own
# arguments to $W/batches when it starts; like dslitectl, a failed line
# ends the batch
cat >"$FAKE/dslitectl" <<'EOF'
#!/bin/bash
W=${FAKE_W:?}
a=("$@") batch=0
while [[ ${a[0]:-} == -* ]]; do
	case ${a[0]} in
	-n) a=("${a[@]:2}") ;;
	-b) batch=1 a=("${a[@]:2}") ;;
	*) a=("${a[@]:1}") ;;
	esac
done
one() {	# ARGS...: one call; its exit status
	local a=("$@") rc sep out f
	[[ ${a[*]} == "service-location set "*" role master" && -e $W/slow ]] && sleep 0.3
	echo "$CALL_PREFIX${REC:-${a[*]}}" >>"$W/calls"
	rc=$(cat "$W/rc" 2>/dev/null || echo 0)
	case "${a[*]}" in
	"service-location set "*)
		[[ -e $W/fail.${a[2]} ]] && { echo "Error: no service-location with this id" >&2; return 2; } ;;
	"service-location check "*)
		cat "$W/check.msg" 2>/dev/null
		return "$(cat "$W/check.rc" 2>/dev/null || echo 0)" ;;
	esac
	# for --routes: a set is kept in $W/role.N; `service-location show`
	# lists those (`show N` that one), `pool show` prints $W/pool.json
	# (fails while $W/fail.pool exists)
	case "${a[*]}" in
	"service-location set "*) echo "${a[4]}" >"$W/role.${a[2]}" ;;
	"service-location show" | "service-location show "*)
		sep='' out='['
		for f in "$W"/role.*; do
			[[ -e $f ]] || continue
			[[ -z ${a[2]:-} || ${a[2]} == "${f##*.}" ]] || continue
			out+="$sep{\"id\":${f##*.},\"role\":\"$(cat "$f")\"}" sep=,
		done
		echo "$out]" ;;
	"pool show")
		[[ -e $W/fail.pool ]] && { echo "Error: no module" >&2; return 2; }
		cat "$W/pool.json" 2>/dev/null || echo '[]' ;;
	esac
	return "$rc"
}
CALL_PREFIX=''
if [[ $batch == 1 ]]; then
	echo "$*" >>"$W/batches"
	CALL_PREFIX='-b: '
	while read -r line; do
		# shellcheck disable=SC2086 # a batch line is words
		one $line || exit
	done
	exit 0
fi
REC=$*
one "${a[@]}"
EOF
# fake ip (for --routes): its calls in $W/ipcalls; the main table's routes
# of proto 242 as `ip -o route show` prints them in $W/routes; replace and
# del change it; both fail while $W/fail.ip exists
cat >"$FAKE/ip" <<'EOF'
#!/bin/bash
W=${FAKE_W:?}
echo "$*" >>"$W/ipcalls"
a=("$@") p='' dev='' m='' op=''
for ((i = 0; i < ${#a[@]}; i++)); do
	case ${a[i]} in
	replace | del) op=${a[i]} p=${a[i + 1]} ;;
	dev) dev=${a[i + 1]} ;;
	metric) m=${a[i + 1]} ;;
	esac
done
case "$*" in
*"route show"*) cat "$W/routes" 2>/dev/null; exit 0 ;;
esac
[[ -e $W/fail.ip ]] && { echo "Error: Device for nexthop is not up." >&2; exit 2; }
touch "$W/routes"
grep -v "^${p%/32} dev $dev scope link metric $m \$" "$W/routes" >"$W/routes.new"
[[ $op == replace ]] && echo "${p%/32} dev $dev scope link metric $m " >>"$W/routes.new"
mv "$W/routes.new" "$W/routes"
EOF
# fake logger: its arguments, one call a line, in $W/logger
cat >"$FAKE/logger" <<'EOF'
#!/bin/bash
echo "$*" >>"${FAKE_W:?}/logger"
EOF
chmod +x "$FAKE"/*
export FAKE_W=$W
export PATH=$FAKE:$PATH
unset DSLITECTL

reset() {
	rm -f "$W/calls" "$W/logger" "$W/rc" "$W"/fail.* "$W/slow" "$W"/check.* \
		"$W"/role.* "$W/pool.json" "$W/ipcalls" "$W/routes" "$W/batches"
}
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

# --- dslite-notify --fifo: keepalived's vrrp_notify_fifo_script ----------------
# until_ok SECS CMD...: poll CMD every 0.1 s until it succeeds
until_ok() {
	local end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@"; do
		[[ $(date +%s%N) -lt $end ]] || return 1
		sleep 0.1
	done
}
has_calls() { [[ $(ncalls) -ge $1 ]]; }
# ended PID: not running (gone, or a zombie nobody reaped yet)
ended() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 0
	s=${s##*) }
	[[ ${s%% *} == [ZX] ]]
}
logged() { sed -n 's/^-t dslite-notify -- //p' "$W/logger" 2>/dev/null; }
# feed LINE...: the reader on stdin (each LINE and a newline), with the
# options in FEED_OPTS; exit status in $FRC, its stderr in $W/out
feed() {
	printf '%s\n' "$@" | timeout 20 "$NOTIFY" "${FEED_OPTS[@]}" --fifo >"$W/out" 2>&1
	FRC=${PIPESTATUS[1]}
}
# keepalived's VRRP process for the reader to watch: ALIVE runs, DEAD ended
sleep 300 &
ALIVE=$!
true &
DEAD=$!
wait "$DEAD"
trap 'kill "$ALIVE" 2>/dev/null; rm -rf "$W"' EXIT
# keepalived still there when the input ends: the roles stay as the lines
# left them (no wait), so that only the lines' calls are seen
STAY=(--keepalived-pid "$ALIVE" --eof-wait 0)

reset
lines=() want=()
for i in $(seq 1 40); do
	for sl in 1 2; do
		if (((i + sl) % 2)); then
			lines+=("INSTANCE \"access_sl$sl\" MASTER 150") want+=("service-location set $sl role master")
		else
			lines+=("INSTANCE \"access_sl$sl\" BACKUP 100") want+=("service-location set $sl role backup")
		fi
	done
done
FEED_OPTS=("${STAY[@]}")
feed "${lines[@]}"
assert_eq "fifo: a burst of 80 lines: exit 0" "$FRC" 0
assert_eq "fifo: ... each line applied once, in the order written" "$(calls)" "$(printf '%s\n' "${want[@]}")"
assert_eq "fifo: ... each outcome logged, in that order" \
	"$(logged | head -n 3 | tr '\n' ';')" \
	"INSTANCE access_sl1 BACKUP: service-location 1 role backup;INSTANCE access_sl2 MASTER: service-location 2 role master;INSTANCE access_sl1 MASTER: service-location 1 role master;"

# a slow set (0.3 s for role master) is not overtaken by the next line,
# as concurrent notify scripts would be
reset
touch "$W/slow"
feed 'INSTANCE "access_sl1" MASTER 150' 'INSTANCE "access_sl1" BACKUP 150' \
	'INSTANCE "access_sl1" MASTER 150' 'INSTANCE "access_sl1" BACKUP 150'
assert_eq "fifo: MASTER, BACKUP, MASTER, BACKUP with a slow master set: done in order, backup last" \
	"$(calls | awk '{print $NF}' | tr '\n' ' ')" "master backup master backup "

reset
feed 'INSTANCE "access_sl1" MASTER 150' 'INSTANCE "access_sl1" STOP 150' \
	'INSTANCE "access_sl2" MASTER 100' 'INSTANCE "access_sl2" FAULT 100' \
	'INSTANCE "access_sl3" DELETED 100' 'GROUP "sg_sl5" MASTER 0' 'GROUP "sg_sl5" BACKUP 0'
assert_eq "fifo: STOP, FAULT, DELETED set backup; GROUP lines too" "$(calls | tr '\n' ';')" \
	"service-location set 1 role master;service-location set 1 role backup;service-location set 2 role master;service-location set 2 role backup;service-location set 3 role backup;service-location set 5 role master;service-location set 5 role backup;"

reset
feed 'INSTANCE "access" MASTER 150' 'INSTANCE "access_sl3x" MASTER 150' 'GROUP "aftr" BACKUP 0' \
	'INSTANCE "access_sl4" MASTER 150'
assert_eq "fifo: names without an SL are skipped, the next line is applied" "$(calls)" "service-location set 4 role master"
assert_eq "fifo: ... and each skipped name is logged" \
	"$(logged | grep -c 'no service-location for this name.*skipped')" 3
check_err "fifo: ... by name and state" 0 '^INSTANCE access_sl3x MASTER: no service-location' logged
assert_eq "fifo: ... and the reader goes on (exit 0)" "$FRC" 0

reset
feed 'INSTANCE "access_sl1" MASTER_RX_LOWER_PRI 150' 'INSTANCE "access_sl1" MASTER_PRIORITY 90' \
	'INSTANCE "access_sl1" BACKUP_PRIORITY 90' 'INSTANCE "access_sl1" PANIC 150' \
	'INSTANCE "access_sl1" master 150' 'INSTANCE access_sl1 MASTER 150' \
	'VS [192.0.2.1]:tcp:80 UP' '' 'INSTANCE "access_sl1" BACKUP 150'
assert_eq "fifo: events, unknown states and other lines change nothing; the next line is applied" \
	"$(calls)" "service-location set 1 role backup"
assert_eq "fifo: ... events that are no state are logged as such" "$(logged | grep -c 'not a state change, role unchanged')" 3
assert_eq "fifo: ... unknown states are logged" "$(logged | grep -cE 'unknown state (PANIC|master), role unchanged')" 2
assert_eq "fifo: ... lines of another format are logged" "$(logged | grep -c 'not a VRRP notify line, skipped')" 3

reset
FEED_OPTS=(--map access_sl1=7 --map uplink=8 "${STAY[@]}")
feed 'INSTANCE "access_sl1" MASTER 150' 'INSTANCE "uplink" BACKUP 100' 'INSTANCE "access_sl2" MASTER 100'
assert_eq "fifo: --map NAME=ID wins over the name's _sl<ID>, names any instance" "$(calls | tr '\n' ';')" \
	"service-location set 7 role master;service-location set 8 role backup;service-location set 2 role master;"

reset
FEED_OPTS=(-n aftr1 "${STAY[@]}")
feed 'INSTANCE "access_sl1" MASTER 150'
assert_eq "fifo: -n NETNS is passed to dslitectl" "$(calls)" "-n aftr1 service-location set 1 role master"
reset
FEED_OPTS=(--dslitectl "$W/other-ctl" "${STAY[@]}")
feed 'INSTANCE "access_sl1" MASTER 150'
assert_eq "fifo: --dslitectl PATH is the one called" "$(other)|$(calls)" "service-location set 1 role master|"

reset
touch "$W/fail.1"
FEED_OPTS=("${STAY[@]}")
feed 'INSTANCE "access_sl1" MASTER 150' 'INSTANCE "access_sl2" MASTER 150'
assert_eq "fifo: a failing set does not stop the reader" "$FRC|$(calls | tr '\n' ';')" \
	"0|service-location set 1 role master;service-location set 2 role master;"
check_err "fifo: ... the failure is logged" 0 '^INSTANCE access_sl1 MASTER: setting service-location 1 role master failed' logged

reset
printf 'INSTANCE "access_sl1" MASTER 150' | timeout 20 "$NOTIFY" "${STAY[@]}" --fifo - >"$W/out" 2>&1
assert_eq "fifo: --fifo - reads stdin; a last line without newline is applied" "$(calls)" "service-location set 1 role master"

# --batch: the roles go through one long-lived `dslitectl -j -b -`; each
# set is read back by a `service-location show ID` in the same batch
reset
lines=() want=()
for i in $(seq 1 10); do
	for sl in 1 2; do
		if (((i + sl) % 2)); then
			lines+=("INSTANCE \"access_sl$sl\" MASTER 150") r=master
		else
			lines+=("INSTANCE \"access_sl$sl\" BACKUP 100") r=backup
		fi
		want+=("-b: service-location set $sl role $r" "-b: service-location show $sl")
	done
done
FEED_OPTS=(-n aftr1 --batch "${STAY[@]}")
feed "${lines[@]}"
assert_eq "batch: 20 lines: exit 0" "$FRC" 0
assert_eq "batch: ... one dslitectl for all of them, -n, JSON, batch from stdin" "$(cat "$W/batches" 2>/dev/null)" \
	"-n aftr1 -j -b -"
assert_eq "batch: ... each line set then read back through it, in order, nothing one-shot" \
	"$(calls | grep -v '^-b: service-location show$')" "$(printf '%s\n' "${want[@]}")"
assert_eq "batch: ... each outcome logged as without --batch" \
	"$(logged | grep -c ': service-location [12] role \(master\|backup\)$')" 20

# a set that fails in the batch ends it; that line is redone the one-shot
# way (whose error is logged), and the next line starts a new batch
reset
touch "$W/fail.2"
FEED_OPTS=(--batch "${STAY[@]}")
feed 'INSTANCE "access_sl1" MASTER 150' 'INSTANCE "access_sl2" MASTER 150' 'INSTANCE "access_sl1" BACKUP 150'
assert_eq "batch: a failing set: exit 0 (the reader goes on)" "$FRC" 0
assert_eq "batch: ... the failed line is redone one-shot, the next runs in a new batch" \
	"$(calls | grep -v '^-b: service-location show$' | tr '\n' ';')" \
	"-b: service-location set 1 role master;-b: service-location show 1;-b: service-location set 2 role master;service-location set 2 role master;-b: service-location set 1 role backup;-b: service-location show 1;"
assert_eq "batch: ... two batches were started" "$(wc -l <"$W/batches")" 2
check_err "batch: ... the one-shot failure is logged with dslitectl's message" 0 \
	'^INSTANCE access_sl2 MASTER: setting service-location 2 role master failed: Error: no service-location with this id' logged
assert_eq "batch: ... SL 1 ends backup" "$(cat "$W/role.1")" backup

# the end of the fifo with keepalived gone: every SL set backup, through the batch
reset
FEED_OPTS=(--batch --keepalived-pid "$DEAD")
feed 'INSTANCE "access_sl1" MASTER 150' 'INSTANCE "access_sl2" MASTER 150'
assert_eq "batch: EOF, keepalived gone: both SLs set backup through the batch" \
	"$FRC|$(calls | grep -c '^-b: service-location set [12] role backup$')|$(cat "$W/role.1" "$W/role.2" | tr '\n' ' ')" \
	"0|2|backup backup "
assert_eq "batch: ... no one-shot call" "$(calls | grep -vc '^-b: ')" 0

# --- the end of the fifo ---------------------------------------------------------
reset
FEED_OPTS=(--map uplink=5)
feed 'INSTANCE "access_sl1" MASTER 150' 'INSTANCE "access_sl2" BACKUP 100' \
	'INSTANCE "access_sl3" MASTER 100' 'INSTANCE "access_sl3" STOP 100'
assert_eq "EOF, keepalived gone (stdin, no --keepalived-pid): every SL seen or mapped and not backup is set backup" \
	"$FRC|$(calls | tr '\n' ';')" \
	"0|service-location set 1 role master;service-location set 2 role backup;service-location set 3 role master;service-location set 3 role backup;service-location set 1 role backup;service-location set 5 role backup;"
check_err "EOF: ... logged" 0 '^fifo closed and keepalived gone' logged
check_err "EOF: ... each SL it sets" 0 '^keepalived gone: service-location 5 role backup$' logged
reset
FEED_OPTS=(--keepalived-pid "$DEAD")
feed 'INSTANCE "access_sl1" MASTER 150'
assert_eq "EOF, --keepalived-pid of an ended process: keepalived gone, backup" "$(calls | tr '\n' ';')" \
	"service-location set 1 role master;service-location set 1 role backup;"
reset
FEED_OPTS=(--keepalived-pid "$ALIVE" --eof-wait 1)
t0=$(date +%s%N)
feed 'INSTANCE "access_sl1" MASTER 150'
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq "EOF, keepalived still running after --eof-wait: roles unchanged, exit 0" "$FRC|$(calls)" \
	"0|service-location set 1 role master"
if [[ $ms -ge 900 && $ms -lt 10000 ]]; then ok "EOF: ... after waiting --eof-wait 1 s (${ms} ms)"
else fail "EOF: ... after waiting --eof-wait 1 s" "took ${ms} ms"; fi
check_err "EOF: ... logged" 0 '^fifo closed but keepalived \(pid [0-9]+\) still runs after 1 s: roles unchanged$' logged
reset
touch "$W/fail.1"
FEED_OPTS=()
feed 'INSTANCE "access_sl1" MASTER 150'
assert_eq "EOF: a failed set is tried again (backup) and a failure then is exit 1" "$FRC|$(calls | tr '\n' ';')" \
	"1|service-location set 1 role master;service-location set 1 role backup;"

# --- keepalived's stop, on a real fifo -----------------------------------------
# keepalived starts the script in a process group of its own with the fifo's
# path appended, opens the fifo read-write; on SIGTERM it SIGTERMs that
# process group, writes STOP lines, SIGKILLs the group 1 s later, closes
# the fifo and exits
reset
F=$W/vrrp.fifo
mkfifo "$F"
sleep 300 &
KA=$!
setsid "$NOTIFY" --keepalived-pid "$KA" --fifo "$F" >"$W/fg.out" 2>&1 &
FG=$!
exec {KW}<>"$F"
echo 'INSTANCE "access_sl1" BACKUP 150' >&"$KW"
echo 'INSTANCE "access_sl1" MASTER 150' >&"$KW"
until_ok 10 has_calls 2
assert_eq "stop: the lines on the fifo are applied" "$(calls | tr '\n' ';')" \
	"service-location set 1 role backup;service-location set 1 role master;"
READER=$(pgrep -f -- "--fifo --foreground .* $F\$" | head -n 1)
if [[ -n $READER ]] && [[ $(ps -o sid= -p "$READER" | tr -d ' ') == "$READER" ]]; then
	ok "stop: the reader runs in a session of its own"
else
	fail "stop: the reader runs in a session of its own" "reader '$READER': $(ps -o pid,pgid,sid,args -p "${READER:-1}" | tail -n 1)"
fi
kill -TERM -- -"$FG"
wait "$FG"
assert_eq "stop: the script keepalived started ends at SIGTERM to its group (exit 0)" "$?" 0
echo 'INSTANCE "access_sl1" STOP 150' >&"$KW"
kill -KILL -- -"$FG" 2>/dev/null
until_ok 10 has_calls 3
assert_eq "stop: the STOP written after SIGTERM and SIGKILL of the group is applied" "$(calls | tail -n 1)" \
	"service-location set 1 role backup"
check "stop: the reader still runs" test -n "$READER" -a -d "/proc/$READER"
kill "$KA"
wait "$KA" 2>/dev/null
exec {KW}>&-
if until_ok 10 ended "$READER"; then
	ok "stop: the reader ends once keepalived closed the fifo and exited"
else
	fail "stop: the reader ends once keepalived closed the fifo and exited"
fi
assert_eq "stop: ... with no further call (SL 1 is backup already)" "$(ncalls)" 3
check_err "stop: ... having logged keepalived gone" 0 '^fifo closed and keepalived gone' logged
check "stop: the lock file is next to the fifo" test -f "$F.lock"

# --- reload: keepalived closes and unlinks the fifo, makes a new one, starts
# a new reader on it; the old one ends, roles unchanged --------------------------
reset
rm -f "$F"
mkfifo "$F"
sleep 300 &
KA=$!
"$NOTIFY" --foreground --keepalived-pid "$KA" --fifo "$F" >"$W/old.out" 2>&1 &
OLD=$!
exec {KW}<>"$F"
echo 'INSTANCE "access_sl1" MASTER 150' >&"$KW"
until_ok 10 has_calls 1
rm "$F"
exec {KW}>&-
sleep 0.3
mkfifo "$F"
"$NOTIFY" --foreground --keepalived-pid "$KA" --fifo "$F" >"$W/new.out" 2>&1 &
NEW=$!
exec {KW}<>"$F"
wait "$OLD"
assert_eq "reload: the old reader ends, exit 0" "$?" 0
check_err "reload: ... seeing the fifo replaced, roles unchanged" 0 '^fifo closed and replaced \(keepalived reloads\): roles unchanged$' logged
echo 'INSTANCE "access_sl2" BACKUP 100' >&"$KW"
until_ok 10 has_calls 2
assert_eq "reload: no role changed by the reload; the new reader applies the new lines" "$(calls | tr '\n' ';')" \
	"service-location set 1 role master;service-location set 2 role backup;"
# a reader that finds the lock taken waits: lines on the new fifo wait
# until the old reader is done
reset
mv "$F" "$W/old.fifo"
mkfifo "$F"
# (not inheriting our end of the first fifo: keepalived's is close-on-exec)
"$NOTIFY" --foreground --keepalived-pid "$KA" --fifo "$F" >"$W/third.out" 2>&1 {KW}>&- &
THIRD=$!
exec {KW3}<>"$F"
echo 'INSTANCE "access_sl3" MASTER 100' >&"$KW3"
sleep 0.5
assert_eq "lock: a second reader waits while the first still reads" "$(ncalls)" 0
exec {KW}>&-
wait "$NEW"
until_ok 10 has_calls 1
assert_eq "lock: ... and applies its lines once the first ended" "$(calls)" "service-location set 3 role master"
kill "$KA"
wait "$KA" 2>/dev/null
exec {KW3}>&-
wait "$THIRD"
assert_eq "lock: ... and ends with keepalived (SL 3 backup)" "$?|$(calls | tail -n 1)" "0|service-location set 3 role backup"

# --- usage ---------------------------------------------------------------------
reset
check_err "fifo: --sl is refused (--map in fifo mode)" 1 "usage: .*--sl is for one-shot mode" \
	"$NOTIFY" --sl 1 --fifo -
check_err "fifo: two paths are refused" 1 "usage: .*--fifo takes one path" "$NOTIFY" --fifo a b
check_err "fifo: a bad --map is refused" 1 "usage: .*--map NAME=ID, not x" "$NOTIFY" --map x --fifo -
check_err "fifo: a bad --eof-wait is refused" 1 "usage: .*--eof-wait" "$NOTIFY" --eof-wait x --fifo -
check_err "an unknown option is refused, not taken for TYPE" 1 "usage: .*unknown option --bogus" \
	"$NOTIFY" --bogus INSTANCE vi_sl1 MASTER
check_err "fifo: an unknown option is refused" 1 "usage: .*unknown option --fifo-path" "$NOTIFY" --fifo-path x
assert_eq "fifo: usage errors call nothing" "$(calls)" ""

# --- dslite-track --------------------------------------------------------------
# the kernel decides (`service-location check ID`: 0 healthy, 3 not, 2 no
# such SL or no module); dslite-track passes it on as 0 or 1
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
echo "service-location 1: healthy" >"$W/check.msg"
track "healthy: exit 0" 0 --sl 1
assert_eq "track: one check request, nothing set" "$(calls)" "service-location check 1"
reset
echo 3 >"$W/check.rc"
echo "service-location 1: not healthy: instance dsl0 device is down" >"$W/check.msg"
track "not healthy (check exits 3): exit 1" 1 --sl 1
check_err "track: ... and it says why" 0 "^dslite-track: service-location 1: not healthy: instance dsl0 device is down$" cat "$W/out"
reset
echo 2 >"$W/check.rc"
track "no such service-location, or no module (check exits 2): exit 1" 1 --sl 1
reset
track "-n NETNS: healthy" 0 --sl 2 -n aftr1
assert_eq "track: -n NETNS goes to dslitectl" "$(calls)" "-n aftr1 service-location check 2"
reset
track "--dslitectl PATH" 0 --sl 1 --dslitectl "$W/other-ctl"
assert_eq "track: --dslitectl PATH is the one called" "$(other)|$(calls)" "service-location check 1|"
reset
track "no --sl: usage error (2)" 2
track "a non-numeric --sl: usage error (2)" 2 --sl x
track "an unknown option: usage error (2)" 2 --sl 1 --bogus
track "--sl without its ID: usage error (2), not an unbound variable" 2 --sl
track "-n without its NETNS: usage error (2)" 2 --sl 1 -n
assert_eq "track: usage errors call nothing" "$(calls)" ""
# --- dslite-notify --routes ---------------------------------------------------
# pools: SL 1 and SL 2 a /25 each, one of no SL, one /32 of SL 1
POOLS='[{"prefix":"198.51.100.0/25","instance":"dsl0","blocks":2,"blocks_used":0,"service_location":1},{"prefix":"10.9.0.0/24","instance":"dsl0","blocks":4,"blocks_used":0},{"prefix":"198.51.100.128/25","instance":"dsl0","blocks":2,"blocks_used":0,"service_location":2},{"prefix":"192.0.2.9/32","instance":"dsl1","blocks":1,"blocks_used":0,"service_location":1}]'
ipchanges() { grep -E ' (replace|del) ' "$W/ipcalls" 2>/dev/null | sed 's/ table main proto 242 metric 4242$//'; }
routes() { sort "$W/routes" 2>/dev/null | awk '{print $1, $3}' | xargs; }
rreset() { reset; echo "$POOLS" >"$W/pool.json"; }

rreset
"$NOTIFY" --sl 1 INSTANCE access_sl1 BACKUP 100 >"$W/out" 2>&1
assert_eq "routes: without --routes no route is touched (nor read)" "$(cat "$W/ipcalls" 2>/dev/null)|$(calls)" \
	"|service-location set 1 role backup"
rreset
check_rc "routes: MASTER of SL 1: exit 0" 0 "$NOTIFY" --routes --sl 1 INSTANCE access_sl1 MASTER 150
assert_eq "routes: MASTER of SL 1: its two pools installed, on their instances' devices" "$(ipchanges)" \
	"-4 route replace 192.0.2.9/32 dev dsl1
-4 route replace 198.51.100.0/25 dev dsl0"
check_err "routes: ... each logged" 0 "route 198.51.100.0/25 dev dsl0 installed" cat "$W/logger"
: >"$W/ipcalls"
check_rc "routes: MASTER again: exit 0" 0 "$NOTIFY" --routes --sl 1 INSTANCE access_sl1 MASTER 150
assert_eq "routes: MASTER again: nothing changed (idempotent)" "$(ipchanges)" ""
check_err "routes: ... and that is logged" 0 "routes unchanged \(2 of" cat "$W/logger"
"$NOTIFY" --routes --sl 2 INSTANCE access_sl2 MASTER 150 >/dev/null 2>&1
assert_eq "routes: MASTER of SL 2 as well: SL 2's pool added, SL 1's stay" "$(routes)" \
	"192.0.2.9 dsl1 198.51.100.0/25 dsl0 198.51.100.128/25 dsl0"
: >"$W/ipcalls"
"$NOTIFY" --routes --sl 1 INSTANCE access_sl1 FAULT 150 >/dev/null 2>&1
assert_eq "routes: FAULT of SL 1: its pools deleted, in address order" "$(ipchanges)" \
	"-4 route del 192.0.2.9/32 dev dsl1
-4 route del 198.51.100.0/25 dev dsl0"
assert_eq "routes: FAULT of SL 1: what is left" "$(routes)" "198.51.100.128/25 dsl0"
echo "198.51.100.64/26 dev dsl0 scope link metric 100 " >>"$W/routes"
"$NOTIFY" --routes --sl 2 INSTANCE access_sl2 STOP 150 >/dev/null 2>&1
assert_eq "routes: STOP of SL 2: its pool deleted; a route of another metric is not ours, stays" \
	"$(routes)" "198.51.100.64/26 dsl0"
rreset
touch "$W/fail.ip"
check_rc "routes: the route cannot be installed: exit 1" 1 "$NOTIFY" --routes --sl 1 INSTANCE access_sl1 MASTER 150
check_err "routes: ... and it says why" 0 "installing route 198.51.100.0/25 dev dsl0 failed: Error: Device for nexthop is not up" cat "$W/logger"
assert_eq "routes: ... the role is set all the same" "$(cat "$W/role.1")" master
rreset
touch "$W/fail.pool"
check_rc "routes: pool show fails: exit 1" 1 "$NOTIFY" --routes --sl 1 INSTANCE access_sl1 MASTER 150
check_err "routes: ... said, routes left alone" 0 "routes unchanged: pool show failed: Error: no module" cat "$W/logger"
assert_eq "routes: ... no route changed" "$(ipchanges)" ""
rreset
"$NOTIFY" --routes -n aftr1 --sl 1 INSTANCE access_sl1 MASTER 150 >/dev/null 2>&1
check_err "routes: -n NETNS goes to ip as well" 0 "^-n aftr1 -4 route replace 198.51.100.0/25 dev dsl0" cat "$W/ipcalls"
rreset
"$NOTIFY" --routes --route-metric 77 --route-proto 99 --sl 1 INSTANCE access_sl1 MASTER 150 >/dev/null 2>&1
check_err "routes: --route-metric and --route-proto" 0 "^-4 route replace 198.51.100.0/25 dev dsl0 table main proto 99 metric 77$" cat "$W/ipcalls"
check_rc "routes: a non-numeric --route-metric: usage error" 1 "$NOTIFY" --routes --route-metric x --sl 1 INSTANCE access_sl1 MASTER
# fifo mode: at start the routes follow the kernel's roles (a stale one
# of a killed reader goes), then each line; keepalived gone: none left
rreset
echo master >"$W/role.2"
echo "198.51.100.0/25 dev dsl0 scope link metric 4242 " >"$W/routes"
printf '%s\n' 'INSTANCE "access_sl1" MASTER 150' 'INSTANCE "access_sl1" BACKUP 100' >"$W/lines"
"$NOTIFY" --routes --map access_sl2=2 --fifo - <"$W/lines" >/dev/null 2>&1 &
FPID=$!
wait "$FPID"
assert_eq "routes: fifo: at start SL 1's stale route goes, SL 2's is put; MASTER, BACKUP; at the end (stdin closed, keepalived gone, SL 2 managed by --map) none" \
	"$(ipchanges | tr '\n' ';')" \
	"-4 route del 198.51.100.0/25 dev dsl0;-4 route replace 198.51.100.128/25 dev dsl0;-4 route replace 192.0.2.9/32 dev dsl1;-4 route replace 198.51.100.0/25 dev dsl0;-4 route del 192.0.2.9/32 dev dsl1;-4 route del 198.51.100.0/25 dev dsl0;-4 route del 198.51.100.128/25 dev dsl0;"
assert_eq "routes: fifo: no route left" "$(routes)" ""
ksft_finish
