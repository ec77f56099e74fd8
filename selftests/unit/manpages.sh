#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every shipped binary (dslitectl, and every executable file in tools/ and
# keepalived-scripts/) has a section 8 page next to it, BINARY.8, which
# renders without a groff or man warning, which lexgrog reads the NAME of,
# with the usual sections; and its OPTIONS agree with the option parser
# both ways: each option the parser takes is described in the page's
# OPTIONS section, each option described there is taken by the parser.
# The parsers: for dslitectl the OPTIONS line of `dslitectl help`, for
# dslite-who its argparse --help, for the bash scripts the case arms of
# their option loop.
source "$(dirname "$0")/../lib.sh"
REAL=$DSLITECTL
cd "$REPO" || exit 1

# Gaps that are known, in files this test's author may not change: a skip
# (visible) while the gap is there, a failure once it is gone, so that
# the list cannot outlive them. "PAGE OPTION" each.
KNOWN_GAPS=(
)

[[ -x $REAL ]] || make -s -C tools >/dev/null 2>&1
mapfile -t BINS < <({
	echo tools/dslitectl
	find tools keepalived-scripts -maxdepth 1 -type f -perm -u+x ! -name '*.o'
} | sort -u)
for b in tools/dslitectl tools/dslite-who keepalived-scripts/dslite-notify keepalived-scripts/dslite-track; do
	assert_eq "$b is one of the shipped binaries found" "$(printf '%s\n' "${BINS[@]}" | grep -cx "$b")" 1
done

# render PAGE: the page as plain ASCII text, one paragraph a line (wide
# enough that no option is hyphenated or broken)
render() { MANWIDTH=1000 man -E ascii -l "$1" 2>/dev/null; }
# has TEXT WORD: WORD (an option) is in TEXT as a word of its own
has() { grep -qE -- "(^|[^-[:alnum:]])$2([^-[:alnum:]]|$)" <<<"$1"; }
# page_options PAGE: the options the tags (.TP) of its OPTIONS section
# name, read from the roff source ("\-\-eof\-wait" is --eof-wait)
page_options() {
	sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$1" | sed -n '/^\.TP/{n;p}' |
		grep -oE '(\\-){1,2}[[:alpha:]]([[:alnum:]]|\\-)*' | sed 's/\\-/-/g' | sort -u
}
# parser_options BINARY: the options its parser takes, one a line
parser_options() {
	case $1 in
	tools/dslitectl)
		# "-j[son]" is -j and --json (-V[ersion]: --Version, which it
		# also takes spelt --version, the page's spelling)
		"$REAL" help | sed -n '/^OPTIONS/,/}/p' | grep -oE -- '-[a-zA-Z](\[[a-z]+\])?' |
			while read -r o; do
				printf '%s\n' "${o:0:2}"
				[[ $o == *\[* ]] && { o=${o//[\[\]]/}; printf -- '-%s\n' "${o,,}"; }
			done ;;
	tools/dslite-logd)
		# the long options of its getopt_long table, the short ones of
		# its optstring
		grep -oE '^[[:space:]]*\{ "[a-z-]+", ' tools/logd.c | grep -oE '"[a-z-]+"' | tr -d '"' | sed 's/^/--/'
		grep -oE 'getopt_long\(argc, argv, "[^"]*"' tools/logd.c | sed 's/.*, "//; s/"$//; s/://g' |
			grep -o . | sed 's/^/-/' ;;
	*.py | tools/dslite-who)
		python3 "$1" --help | sed -n '/^options:/,/^$/p' | grep -oE '^  -[^ ,]+(, -[^ ,]+)*' |
			tr -s ', ' '\n' | sed '/^$/d' ;;
	*)
		# the case arms of the script's `while [[ $# -gt 0 ]]` loop
		sed -n '/^while \[\[ \$# -gt 0 \]\]/,/^done/p' "$1" |
			grep -oE '^[[:space:]]+-[^)]*\)' | tr -d ' \t)' | tr '|' '\n' |
			grep -v '[*?[]' ;;	# not the catch-all -*)
	esac | sort -u
}
known_gap() {
	local g
	for g in "${KNOWN_GAPS[@]}"; do
		[[ $g == "$1 $2" ]] && return 0
	done
	return 1
}

for bin in "${BINS[@]}"; do
	page=$bin.8 name=${bin##*/}
	section "$page"
	if [[ ! -f $page ]]; then
		fail "$name has a man page" "no $page"
		continue
	fi
	ok "$name has a man page"
	assert_eq "$page: man --warnings is silent" "$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)" ""
	assert_eq "$page: groff -man -ww is silent" "$(groff -man -ww -z "$page" 2>&1)" ""
	check_err "$page: lexgrog reads its NAME" 0 "^$page: \"$name - " lexgrog "$page"
	assert_eq "$page: .TH is $name in section 8" "$(grep -m1 '^\.TH' "$page" | awk '{print $2, $3}')" "${name^^} 8"
	text=$(render "$page")
	for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		if grep -qx "$s" <<<"$text"; then ok "$page: has $s"; else fail "$page: has $s"; fi
	done
	# a dslite page it refers to exists
	while read -r ref; do
		ref=${ref%(8)}
		if [[ -n $(find tools keepalived-scripts -maxdepth 1 -name "$ref.8") ]]; then
			ok "$page: $ref(8) exists"
		else
			fail "$page: $ref(8) exists" "no $ref.8"
		fi
	done < <(grep -oE 'dslite[-a-z]*\(8\)' <<<"$text" | sort -u)
	popts=$(parser_options "$bin")
	if [[ -z $popts ]]; then
		fail "$name: its parser's options are found" "parser_options $bin is empty"
		continue
	fi
	tags=$(page_options "$page")
	# each one a tag of OPTIONS ("--", the end of options, in the text)
	for o in $popts; do
		if { [[ $o == -- ]] && has "$text" "$o"; } || grep -qx -- "$o" <<<"$tags"; then
			if known_gap "$page" "$o"; then
				fail "$page: $o is documented now: drop it from KNOWN_GAPS"
			else
				ok "$page: documents $o"
			fi
		elif known_gap "$page" "$o"; then
			skip "$page: documents $o" "known gap: $page does not document $o"
		else
			fail "$page: documents $o" "$name takes $o; $page does not describe it under OPTIONS"
		fi
	done
	for o in $tags; do
		if grep -qix -- "$o" <<<"$popts"; then
			ok "$page: $o is an option of $name"
		else
			fail "$page: $o is an option of $name" "the page's OPTIONS describe $o; the parser takes: $(tr '\n' ' ' <<<"$popts")"
		fi
	done
done
ksft_finish
