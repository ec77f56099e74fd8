#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion (tools/completion/dslitectl), sourced here with a
# stub dslitectl and a stub ip first on PATH, so no kernel is needed:
# what it offers after each kind of word (objects, verbs, keywords, values,
# instance/service-location/group names, network namespaces, options,
# abbreviations, files), and that its tables match the real dslitectl:
# every object, verb and keyword `dslitectl help` and `dslitectl OBJECT
# help` print is in them, and everything in them is accepted, so the
# completion cannot silently go stale.
source "$(dirname "$0")/../lib.sh"
COMPLETION=$REPO/tools/completion/dslitectl
REAL=$DSLITECTL
# the completion must reach the stubs, not lib.sh's dslitectl function
unset -f dslitectl
unset DSLITECTL

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bin" "$W/files"
# stub dslitectl: records its arguments in $W/calls, answers the shows
# with JSON like the real one's (a group name that is shell syntax too)
cat >"$W/bin/dslitectl" <<EOF
#!/bin/bash
echo "\$*" >>"$W/calls"
case "\$*" in
*"instance show"*) echo '[{"name":"dsl0","id":1,"aftr":"2001:db8::1"},{"name":"dsl1","id":2}]' ;;
*"service-location show"*) echo '[{"id":1,"role":"master","sync":{"tx_packets":3}},{"id":20,"role":"backup"}]' ;;
*"service-instance-group show"*) echo '[{"name":"sig1","service_locations":[{"id":7,"weight":50}]},{"name":"g\$(touch $W/pwned)","service_locations":[]}]' ;;
*"pool show dsl0"*) echo '[{"prefix":"198.51.100.0/24","instance":"dsl0","blocks":126}]' ;;
*) exit 2 ;;
esac
EOF
cat >"$W/bin/ip" <<'EOF'
#!/bin/bash
case "$*" in
"netns list") printf 'aftr1 (id: 0)\naftr2\n' ;;
*"-o link show") printf '1: lo: <LOOPBACK,UP> mtu 65536\n2: eth0@if5: <UP> mtu 1500\n3: eth2: <UP> mtu 1500\n' ;;
esac
EOF
chmod +x "$W/bin/"*
touch "$W/files/roles.batch" "$W/files/other.conf"
PATH=$W/bin:$PATH

# shellcheck source=../../tools/completion/dslitectl
if ! source "$COMPLETION"; then
	fail "the completion sources" "$COMPLETION"
	ksft_finish
fi
ok "the completion sources"
# compopt works only inside a real completion: record what it is asked
COMPOPT=
# shellcheck disable=SC2317 # called by the completion
compopt() { COMPOPT+=" $*"; }

# comp LINE [FUNCTION]: the replies completing at the end of LINE, sorted,
# one space between them (as bash calls FUNCTION: COMP_LINE, COMP_POINT,
# COMP_WORDS split at COMP_WORDBREAKS like readline)
comp() {
	local line=$1 f=${2:-_dslitectl}
	COMP_LINE=$line COMP_POINT=${#line}
	read -ra COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=('')
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=() COMPOPT=
	"$f" dslitectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}
# expect DESC LINE WANT [FUNCTION]
expect() { assert_eq "$1" "$(comp "$2" "${4:-}")" "$3" "${BASH_SOURCE[0]##*/}:${BASH_LINENO[0]}"; }
calls() { cat "$W/calls" 2>/dev/null; }

section "objects, verbs, keywords"
expect "objects after 'dslitectl '" "dslitectl " \
	"apply ha help instance monitor pool save service-instance-group service-location session stats timeout user"
expect "objects by prefix" "dslitectl se" "service-instance-group service-location session"
expect "verbs of instance" "dslitectl instance " "add delete help set show"
expect "verbs of service-location" "dslitectl service-location " "add check delete help set show"
expect "keywords of instance add after NAME" "dslitectl instance add dsl0 " \
	"aftr filtering hold-down id max-blocks-per-user max-sessions max-sessions-per-user mss mtu port-block-size port-range service-instance-group"
expect "a keyword given is not offered again" "dslitectl instance add dsl0 id 1 mtu 1400 " \
	"aftr filtering hold-down max-blocks-per-user max-sessions max-sessions-per-user mss port-block-size port-range service-instance-group"
expect "after a keyword, its value (free: nothing)" "dslitectl instance add dsl0 mtu " ""
expect "filtering eif|adf|apdf" "dslitectl instance add dsl0 filtering " "adf apdf eif"
expect "timeout set keywords" "dslitectl timeout set dsl0 " "icmp tcp-est tcp-syn tcp-trans udp"
expect "session keywords" "dslitectl session flush " "b4 instance proto"
expect "proto tcp|udp|icmp" "dslitectl session show proto " "icmp tcp udp"
expect "an IPv6 address is one word" "dslitectl session show b4 2001:db8::a " "count instance limit proto public remote"
expect "session show public ADDR: the rest" "dslitectl session show public 198.51.100.1:1024 " "b4 count instance limit proto remote"
expect "role master|backup|init" "dslitectl service-location set 1 role " "backup init master"
expect "hash-algorithm hmac-sha256" "dslitectl service-location add 1 hash-algorithm " "hmac-sha256"
expect "service-location add keywords" "dslitectl service-location add 1 remote-backup interface eth2 peer 192.0.2.2 " \
	"aftr authentication authentication-key hash-algorithm port vrrp"
expect "remote-backup interface IF: interfaces" "dslitectl service-location add 1 remote-backup interface e" "eth0 eth2"
expect "vrrp vrid N interface" "dslitectl service-location add 1 vrrp vrid 10 " "interface"
expect "ha set hot-backup on|off" "dslitectl ha set hot-backup " "off on"
expect "group members repeat" "dslitectl service-instance-group add g service-location 1 weight 2 " "service-location weight"
expect "monitor [syslog]" "dslitectl monitor " "help syslog"
expect "save [--with-keys] [file PATH]" "dslitectl save " "--with-keys file"
expect "save file PATH: files" "dslitectl save file $W/files/r" "$W/files/roles.batch"

section "abbreviations, resolved as dslitectl resolves them"
expect "inst ad = instance add" "dslitectl inst ad dsl0 " \
	"aftr filtering hold-down id max-blocks-per-user max-sessions max-sessions-per-user mss mtu port-block-size port-range service-instance-group"
expect "inst s is ambiguous (set, show): nothing" "dslitectl inst s dsl0 " ""
expect "inst se = instance set (unique)" "dslitectl inst se dsl0 " \
	"filtering hold-down max-blocks-per-user max-sessions max-sessions-per-user mss mtu port-block-size port-range service-instance-group"
expect "s is ambiguous (session, stats, ...): nothing" "dslitectl s sh " ""
expect "sess = session (unique)" "dslitectl sess sh " "b4 count instance limit proto public remote"
expect "list = show (accepted, not offered)" "dslitectl user list " "b4 instance"
expect "an unknown object: nothing" "dslitectl frobnicate " ""
if [[ -x $REAL ]]; then
	check_err "the real dslitectl: s is ambiguous" 1 "\"s\" is ambiguous: session, stats, service-location" "$REAL" s help
	check_err "the real dslitectl: sess = session" 0 "dslitectl session show" "$REAL" sess help
	check_err "the real dslitectl: inst s is ambiguous" 1 "\"s\" is ambiguous: set, show" "$REAL" inst s
	check_err "the real dslitectl: inst se = instance set" 1 "instance set: NAME is missing" "$REAL" inst se
else
	skip "the real dslitectl: s is ambiguous" "no $REAL"
	skip "the real dslitectl: sess = session" "no $REAL"
	skip "the real dslitectl: inst s is ambiguous" "no $REAL"
	skip "the real dslitectl: inst se = instance set" "no $REAL"
fi

section "names from the module"
rm -f "$W/calls"
expect "instance names after 'session show instance'" "dslitectl session show instance " "dsl0 dsl1"
assert_eq "... from 'dslitectl -j instance show'" "$(calls)" "-j instance show"
expect "instance names by prefix" "dslitectl stats show instance dsl1" "dsl1"
expect "instance set: a name or id" "dslitectl instance set " "dsl0 dsl1 id"
expect "instance set id: the ids" "dslitectl instance set id " "1 2"
expect "instance set id ID: the options" "dslitectl instance set id 2 " \
	"filtering hold-down max-blocks-per-user max-sessions max-sessions-per-user mss mtu port-block-size port-range service-instance-group"
expect "pool del INSTANCE: its pools" "dslitectl pool del dsl0 " "198.51.100.0/24"
expect "service-location ids" "dslitectl service-location check " "1 20"
expect "service-location ids for a pool" "dslitectl pool add dsl0 198.51.100.0/24 service-location " "1 20"
expect "group names, and none" "dslitectl instance set dsl0 service-instance-group " "g\$(touch $W/pwned) none sig1"
expect "group names for del" "dslitectl service-instance-group del s" "sig1"
assert_eq "a name is data: nothing it spells runs" "$([[ -e $W/pwned ]] && echo ran)" ""
rm -f "$W/calls"
expect "the line's -n goes to the look-up" "dslitectl -jn aftr1 session show instance " "dsl0 dsl1"
assert_eq "... as 'dslitectl -n aftr1 -j instance show'" "$(calls)" "-n aftr1 -j instance show"
rm -f "$W/calls"
expect "--netns=NS too" "dslitectl --netns=aftr2 user show instance d" "dsl0 dsl1"
assert_eq "... as 'dslitectl -n aftr2 -j instance show'" "$(calls)" "-n aftr2 -j instance show"
rm -f "$W/calls"
expect "no answer, no names" "dslitectl -n gone ha set hot-backup o" "off on"

section "options, namespaces, files"
expect "options" "dslitectl -" \
	"--batch --details --force --help --json --netns --pretty --version -V -b -d -f -h -j -n -p"
expect "long options" "dslitectl --" "--batch --details --force --help --json --netns --pretty --version"
expect "-n NETNS: from 'ip netns list'" "dslitectl -n " "aftr1 aftr2"
expect "--netns NETNS" "dslitectl --netns a" "aftr1 aftr2"
expect "--netns=NETNS: after the '=' readline replaces" "dslitectl --netns=aftr" "aftr1 aftr2"
expect "an abbreviated long option takes its value" "dslitectl --net " "aftr1 aftr2"
expect "objects after options" "dslitectl -j -p -d i" "instance"
expect "-b FILE: files" "dslitectl -b $W/files/" "$W/files/other.conf $W/files/roles.batch"
comp "dslitectl -b $W/files/" >/dev/null
assert_eq "... as filenames" "$COMPOPT" " -o filenames"
expect "nothing after -b FILE" "dslitectl -b x " ""
expect "apply FILE: files" "dslitectl apply $W/files/o" "$W/files/other.conf"
expect "apply FILE: --dry-run or dry-run" "dslitectl apply x " "--dry-run dry-run"

section "the helper scripts"
expect "dslite-who options" "dslite-who -" "--help --json -h" _dslite_who
expect "dslite-who: no guess at ADDRESS:PORT" "dslite-who " "" _dslite_who
expect "dslite-who: logs after ADDRESS:PORT TIME" "dslite-who 198.51.100.7:1 0 $W/files/r" "$W/files/roles.batch" _dslite_who
expect "dslite-notify options" "dslite-notify --" \
	"-- --batch --dslitectl --eof-wait --fifo --foreground --keepalived-pid --map --route-metric --route-proto --routes --sl" _dslite_notify
expect "dslite-notify -n NETNS" "dslite-notify -n " "aftr1 aftr2" _dslite_notify
expect "dslite-notify --sl ID" "dslite-notify --sl " "1 20" _dslite_notify
expect "dslite-notify --fifo PATH" "dslite-notify --fifo $W/files/r" "$W/files/roles.batch" _dslite_notify
expect "dslite-notify one-shot TYPE" "dslite-notify --sl 1 " "GROUP INSTANCE" _dslite_notify
expect "dslite-notify one-shot STATE" "dslite-notify INSTANCE access_sl1 " "BACKUP DELETED FAULT MASTER STOP" _dslite_notify
expect "dslite-track options" "dslite-track -" "--dslitectl --sl -n" _dslite_track
expect "dslite-track --sl ID" "dslite-track -n aftr1 --sl " "1 20" _dslite_track
expect "dslite-boot commands" "dslite-boot -n aftr1 " "backup-all reload routes start" _dslite_boot
expect "dslite-boot options" "dslite-boot --" "--config --help --netns" _dslite_boot
expect "dslite-boot -c FILE" "dslite-boot -c $W/files/o" "$W/files/other.conf" _dslite_boot
expect "dslite-boot: one command" "dslite-boot start " "" _dslite_boot
expect "dslite-logd options" "dslite-logd --m" "--metrics --metrics-interval" _dslite_logd
expect "dslite-logd --log FILE" "dslite-logd --syslog --log $W/files/o" "$W/files/other.conf" _dslite_logd
expect "dslite-logd --ipfix HOST: nothing guessed" "dslite-logd --ipfix " "" _dslite_logd
# every shipped binary (as unit/manpages.sh finds them) has a completion,
# and a file of its name in tools/completion for the loader
for b in $( (cd "$REPO" && { echo tools/dslitectl; find tools keepalived-scripts -maxdepth 1 -type f -perm -u+x ! -name '*.o'; }) | sort -u); do
	b=${b##*/}
	if complete -p "$b" >/dev/null 2>&1; then ok "$b has a completion"; else fail "$b has a completion" "complete -p $b: none"; fi
	if [[ -e $REPO/tools/completion/$b ]]; then ok "tools/completion/$b exists"; else fail "tools/completion/$b exists" "the loader finds a completion by its command's name"; fi
done

section "the tables against the real dslitectl"
if [[ ! -x $REAL ]]; then
	make -s -C "$REPO/tools" >/dev/null 2>&1
fi
if [[ ! -x $REAL ]]; then
	skip "tables against dslitectl" "no $REAL (make -C tools)"
	ksft_finish
fi
# a netns that cannot exist: a command that got past its parser stops
# there, so nothing reaches a kernel (session flush would flush)
NONS=/nonexistent/dslite-completion-test
# the words of a help text's grammar: Usage lines and their continuations,
# and "X := [ ... ]" / "X := { ... }" definitions with theirs
grammar() {
	awk '
		/^Usage:/ || /^ +dslitectl / || /^[A-Z]+ +:= +[[{]/ { g = 1; print; next }
		/^[ \t]/ && g { print; next }
		{ g = 0 }'
}
words_of() { tr -s '[:space:][]{}|.' '\n' | grep -E '^-{0,2}[a-z][a-z0-9-]*$' | sort -u; }
# the literal words of a spec: keywords, flags, literal values
spec_words() {
	local tok v
	for tok in $1; do
		tok=${tok/+:/:}
		for v in ${tok//[:,|]/ }; do
			[[ $v == @* ]] || echo "$v"
		done
	done | sort -u
}

objs_help=$("$REAL" help | sed -n '/^OBJECT/,/}/p' | tr -d '{}|' | sed 's/OBJECT *:=//' | tr -s ' \n' '\n' | sed '/^$/d' | sort)
assert_eq "dslitectl help lists objects" "$([[ -n $objs_help ]] && echo yes)" "yes"
for o in $objs_help; do
	if [[ " $(tr -s '[:space:]' ' ' <<<"$_DSLITECTL_OBJECTS") " == *" $o "* ]]; then ok "object $o is in the completion"; else fail "object $o (dslitectl help) is not in _DSLITECTL_OBJECTS"; fi
done
for o in $_DSLITECTL_OBJECTS; do
	out=$("$REAL" "$o" help 2>&1)
	rc=$?
	if [[ $o == save || $o == apply ]] && grep -q "unknown object" <<<"$out"; then
		skip "dslitectl knows object $o" "not in this dslitectl yet"
		continue
	fi
	if [[ $rc -eq 0 ]]; then ok "dslitectl knows object $o"; else fail "dslitectl $o help: rc=$rc" "$out"; fi
done

for o in $objs_help; do
	help=$("$REAL" "$o" help 2>&1)
	# verbs: the word after "dslitectl OBJECT" in each usage line
	verbs_help=$(grep -oE "dslitectl $o +(\[ +)?[a-z][a-z-]*" <<<"$help" | awk '{print $NF}' | sort -u)
	table=${_DSLITECTL_VERBS[$o]-}
	for v in $verbs_help; do
		if [[ -z $table ]]; then
			# verbless: a word of the usage is an argument
			if [[ " $(spec_words "${_DSLITECTL_ARGS[$o]-}" | tr '\n' ' ')" == *" $v "* ]]; then
				ok "$o: argument $v is in the completion"
			else
				fail "$o: argument $v (dslitectl $o help) is not in _DSLITECTL_ARGS[$o]"
			fi
		elif _dslitectl_resolve "$v" "$table" && [[ -n ${_DSLITECTL_ARGS["$o $_dsl_r"]+x} || $_dsl_r == help ]]; then
			ok "$o: verb $v is in the completion"
		else
			fail "$o: verb $v (dslitectl $o help) is not in _DSLITECTL_VERBS/_ARGS"
		fi
	done
	for v in $table; do
		[[ $v == help ]] && continue
		out=$("$REAL" -n "$NONS" "$o" "${v%%=*}" 2>&1)
		if grep -q "unknown command" <<<"$out"; then
			fail "$o: dslitectl refuses the completion's verb ${v%%=*}" "$out"
		else
			ok "$o: dslitectl accepts verb ${v%%=*}"
		fi
	done
	# keywords and literal values: the help's grammar against the specs
	hw=$(grammar <<<"$help" | words_of | grep -vxE "dslitectl|$o|help")
	tw=$(for k in "${!_DSLITECTL_ARGS[@]}"; do
		[[ $k == "$o" || $k == "$o "* ]] && spec_words "${_DSLITECTL_ARGS[$k]}"
	done | sort -u | grep -vx help)
	for v in $table ${table:+$verbs_help}; do hw=$(grep -vx -- "${v%%=*}" <<<"$hw"); done
	miss=$(comm -23 <(echo "$hw" | sed '/^$/d') <(echo "$tw" | sed '/^$/d') | tr '\n' ' ')
	extra=$(comm -13 <(echo "$hw" | sed '/^$/d') <(echo "$tw" | sed '/^$/d') | tr '\n' ' ')
	assert_eq "$o: every keyword of its help is in the completion" "$miss" ""
	assert_eq "$o: every keyword of the completion is in its help" "$extra" ""
done

# global options: "-j[son]" is -j and --json; -V[ersion] is --Version,
# which dslitectl also takes as --version (the table has that one)
opts_help=$("$REAL" help | sed -n '/^OPTIONS/,/}/p' | grep -oE -- '-[a-zA-Z](\[[a-z]+\])?')
assert_eq "dslitectl help lists options" "$([[ -n $opts_help ]] && echo yes)" "yes"
for o in $opts_help; do
	short=${o:0:2}
	long=${o//[\[\]]/}
	long=-${long,,}
	for x in "$short" "$long"; do
		[[ ${#x} -le 2 && $x != "$short" ]] && continue
		if [[ -n ${_DSLITECTL_OPTS[$x]+x} ]]; then ok "option $x is in the completion"; else fail "option $x (dslitectl help) is not in _DSLITECTL_OPTS"; fi
	done
done
for o in "${!_DSLITECTL_OPTS[@]}"; do
	case ${_DSLITECTL_OPTS[$o]} in
	@netns) args=("$o" x help) ;;
	@file) args=("$o" /dev/null) ;;
	*) args=("$o" help) ;;
	esac
	check_rc "dslitectl takes option $o" 0 "$REAL" "${args[@]}"
done
ksft_finish
