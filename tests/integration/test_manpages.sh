#!/usr/bin/env bash
# test_manpages.sh - the manual pages in packaging/man against the code they describe:
#  - edgelb.conf(5) documents every key the configuration loader accepts, under its section, and
#    nothing else: the keys come from control/conf/'s own lists (config_for_each_key, printed
#    by $BUILD/packaging/man/config_keys), and every list check_keys() uses must be in that table;
#    each key's entry says what a reload does with it; the page's example passes edgelbd --check;
#  - edgelbctl(8) documents every command of `edgelbctl --help`, which lists the same commands as
#    edgelbctl.c's table of known commands and edgelbd's dispatch (control/api/api.c);
#  - each program's page documents every option of its --help and of its source (getopt's long
#    options and short option letters), and documents no option the program lacks;
#  - each page renders without a single warning (man --warnings, groff -ww), has a .TH of its
#    own name and cross-references the other four pages.
# Needs the programs built (make); no root, no network. Every check runs; exit 1 if any failed.
# MAN_DIR, CONFIG_KEYS and SRC_DIR override where pages, key lister and sources are (the
# test's own failure checks use them).
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
MAN_DIR=${MAN_DIR:-packaging/man}
CONFIG_KEYS=${CONFIG_KEYS:-$BUILD/packaging/man/config_keys}
SRC_DIR=${SRC_DIR:-.}
PAGES="edgelbd.8 edgelbctl.8 edgelb-dp.8 edgelb-decap.8 edgelb.conf.5"

WORK=$(mktemp -d /tmp/edgelb-manpages.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
note() { echo "note: $*"; }

for tool in man groff; do
	command -v "$tool" >/dev/null || {
		echo "FAIL: $tool missing (scripts/deps.sh test installs man-db and groff-base)" >&2
		exit 1
	}
done
for bin in "$CONFIG_KEYS" "$BUILD/edgelbd" "$BUILD/edgelbctl" "$BUILD/edgelb-decap" \
	"$BUILD/edgelb-dp"; do
	[ -x "$bin" ] || {
		echo "FAIL: $bin not built (run make BUILD=$BUILD)" >&2
		exit 1
	}
done

# roff text to plain text: \- to -, \e to \, font escapes and quotes dropped.
unroff() { sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\f[BIRP]//g' -e 's/\\f([A-Z][A-Z]//g'; }

# The tag lines (the line after each .TP) of section $2 (.SH name) of page $1, as plain text.
tags_of() {
	awk -v want="$2" '
		/^\.SH/ { sub(/^\.SH[ \t]+/, ""); gsub(/"/, ""); in_sh = ($0 == want); next }
		in_sh && /^\.TP/ { tag = 1; next }
		in_sh && tag { print; tag = 0 }' "$1" | unroff
}

# Options (-x, --long) in text on stdin, one a line, sorted.
options_in() {
	grep -oE -- '(^|[^A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[^-]*//' | sort -u
}

# ---- every page renders cleanly, is named right, cross-references the others ----------------

for page in $PAGES; do
	f=$MAN_DIR/$page
	[ -f "$f" ] || { fail "$f missing"; continue; }
	out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 "$f" \
		2>&1 >/dev/null)
	[ -z "$out" ] || fail "$page: man --warnings: $out"
	out=$(groff -man -ww -z -Tutf8 "$f" 2>&1)
	[ -z "$out" ] || fail "$page: groff -ww: $out"
	name=${page%.*} section=${page##*.}
	th=$(grep -m1 '^\.TH' "$f" | unroff | awk '{ print $2, $3 }')
	want=$(echo "$name" | tr '[:lower:]' '[:upper:]')
	[ "$th" = "$want $section" ] || fail "$page: .TH says '$th', expected '$want $section'"
	see=$(sed -n '/^\.SH SEE ALSO/,/^\.SH/p' "$f" | unroff)
	for other in $PAGES; do
		[ "$other" = "$page" ] && continue
		oname=${other%.*} osec=${other##*.}
		grep -qE "^\.BR $oname \($osec\)" <<<"$see" ||
			fail "$page: SEE ALSO does not name $oname($osec)"
	done
	[ "$out" ] || pass "$page renders without warnings"
done

# ---- edgelb.conf(5): every key the loader accepts, under its section --------------------------

conf=$MAN_DIR/edgelb.conf.5
"$CONFIG_KEYS" >"$WORK/loader" || fail "$CONFIG_KEYS failed"
awk -F'\t' '$1 == "" { print $2 } $1 != "" { print $1 }' "$WORK/loader" | sort -u \
	>"$WORK/sections"
# The page: "S<TAB>section" per .SS of .SH SECTIONS, "K<TAB>section<TAB>key<TAB>reload" per entry
# (reload 1 when the entry says what a reload does), "X<TAB>section<TAB>tag" for an entry whose
# tag is not ".B key".
awk '
	function flush() {
		if (key != "")
			printf "K\t%s\t%s\t%d\n", section, key, reload
		key = ""
	}
	/^\.SH/ { flush(); in_sh = ($0 ~ /^\.SH[ \t]+"?SECTIONS"?[ \t]*$/); next }
	!in_sh { next }
	/^\.SS/ {
		flush(); section = $0
		sub(/^\.SS[ \t]+/, "", section); gsub(/"|\\/, "", section)
		printf "S\t%s\n", section; next
	}
	/^\.TP/ { flush(); tag = 1; next }
	tag {
		tag = 0
		if ($1 == ".B" && NF == 2) { key = $2; gsub(/"|\\/, "", key); reload = 0 }
		else printf "X\t%s\t%s\n", section, $0
		next
	}
	key != "" && tolower($0) ~ /reload|next start/ { reload = 1 }
	END { flush() }' "$conf" >"$WORK/page"

n_keys=0
# (tab is whitespace to read: an empty first field would vanish)
while IFS='|' read -r section key; do
	n_keys=$((n_keys + 1))
	if [ -z "$section" ]; then
		grep -qxF "S	$key" "$WORK/page" || fail "edgelb.conf.5: no .SS $key for top-level section '$key'"
	else
		grep -qE "^K	$(printf '%s' "$section" | sed 's/\./\\./g')	$key	" "$WORK/page" ||
			fail "edgelb.conf.5: key '$key' not documented under .SS $section"
	fi
done < <(tr '\t' '|' <"$WORK/loader")
while IFS='|' read -r kind section key reload; do
	case $kind in
	S) grep -qxF "$section" "$WORK/sections" ||
		fail "edgelb.conf.5: .SS $section is no section of the loader" ;;
	K)
		grep -qxF "$section	$key" "$WORK/loader" ||
			fail "edgelb.conf.5: documents '$key' under $section, which the loader does not accept"
		[ "$reload" = 1 ] || fail "edgelb.conf.5: $section.$key does not say what a reload does"
		;;
	X) fail "edgelb.conf.5: entry under $section has tag '$key', expected '.B key'" ;;
	esac
done < <(tr '\t' '|' <"$WORK/page")
dups=$(awk -F'\t' '$1 == "K" { print $2 "." $3 }' "$WORK/page" | sort | uniq -d)
[ -z "$dups" ] || fail "edgelb.conf.5: documented twice: $dups"
# The key table must name every list check_keys() checks groups against.
cfg_src=$(ls "$SRC_DIR"/control/conf/*.c 2>/dev/null)
checked=$(cat /dev/null $cfg_src | grep -oE 'check_keys\([^,()]*, *[a-z_]+\)' | sed -E 's/.*, *([a-z_]+)\)/\1/' |
	sort -u)
tabled=$(cat /dev/null $cfg_src | sed -n '/key_tables\[\] = {/,/^};/p' | grep -oE '[a-z_]+_keys' | sort -u)
if [ -z "$checked" ] || [ -z "$tabled" ]; then
	fail "control/conf/*.c: found no check_keys() calls or no key_tables[]; update this test"
else
	for list in $checked; do
		grep -qxF "$list" <<<"$tabled" ||
			fail "control/conf/*.c: check_keys() uses $list, which key_tables[] does not list"
	done
fi
# The page's example is a valid configuration.
awk '/^\.SH EXAMPLES/ { f = 1 } f && /^\.EX/ { p = 1; next } f && /^\.EE/ { exit } p' "$conf" |
	unroff >"$WORK/example.conf"
out=$("$BUILD/edgelbd" -c "$WORK/example.conf" --check 2>&1) ||
	fail "edgelb.conf.5: the EXAMPLES configuration does not pass edgelbd --check: $out"
[ "$n_keys" -gt 0 ] && pass "edgelb.conf.5 checked against $n_keys keys of the loader"

# ---- edgelbctl(8): every command ----------------------------------------------------------------

"$BUILD/edgelbctl" --help >"$WORK/ctl-help" 2>&1 || fail "edgelbctl --help exited $?"
awk '/^commands:/ { c = 1; next } c && /^[^ ]/ { c = 0 } c && /^  [a-z]/ { print $1 }' \
	"$WORK/ctl-help" | sort -u >"$WORK/cmd-help"
sed -n '/cmds\[\] = {/,/};/p' "$SRC_DIR/tools/edgelbctl.c" | grep -oE '"[a-z-]+"' | tr -d '"' |
	sort -u >"$WORK/cmd-table"
sed -n '/^static int run_request/,/^}/p' "$SRC_DIR/control/api/api.c" |
	grep -oE 'strcmp\(c, "[a-z-]+"\)' | sed -E 's/.*"(.*)".*/\1/' | sort -u >"$WORK/cmd-daemon"
for list in cmd-help cmd-table cmd-daemon; do
	[ -s "$WORK/$list" ] || fail "no commands found in $list (edgelbctl --help, edgelbctl.c's cmds[], api.c's run_request); update this test"
done
d=$(diff "$WORK/cmd-help" "$WORK/cmd-table") ||
	fail "edgelbctl --help and edgelbctl.c's command table differ: $(tr '\n' ' ' <<<"$d")"
d=$(diff "$WORK/cmd-table" "$WORK/cmd-daemon") ||
	fail "edgelbctl.c's command table and edgelbd's dispatch (api.c) differ: $(tr '\n' ' ' <<<"$d")"
tags_of "$MAN_DIR/edgelbctl.8" COMMANDS | awk '{ print $2 }' | tr -d '"' | sort >"$WORK/cmd-page"
while read -r cmd; do
	grep -qxF "$cmd" "$WORK/cmd-page" || fail "edgelbctl.8: command '$cmd' not in COMMANDS"
done <"$WORK/cmd-help"
while read -r cmd; do
	grep -qxF "$cmd" "$WORK/cmd-help" ||
		fail "edgelbctl.8: COMMANDS documents '$cmd', which edgelbctl --help does not list"
done <"$WORK/cmd-page"
dups=$(uniq -d "$WORK/cmd-page")
[ -z "$dups" ] || fail "edgelbctl.8: documented twice: $dups"
pass "edgelbctl.8 checked against $(wc -l <"$WORK/cmd-help") commands"

# ---- every program's options ----------------------------------------------------------------------

# program, page, sources
check_options() {
	local bin=$1 name=$2 page=$MAN_DIR/$2 help_opts src_opts page_opts opt
	shift 2
	# --help's text (any exit status), without DPDK's lines and options (edgelb-dp: EAL's log
	# lines, its own usage if EAL answered, and the line that says where EAL's options are)
	timeout 20 "$BUILD/$bin" --help </dev/null 2>&1 |
		awk '/^EAL common options/ { exit } /^EAL/ { next } { print }' >"$WORK/$bin-help"
	help_opts=$(options_in <"$WORK/$bin-help")
	# the source: getopt's long options and short letters, and options compared by strcmp
	src_opts=$(
		{
			cat "$@" | grep -oE '\{"[a-z][a-z0-9-]*", *(no|required|optional)_argument' |
				sed -E 's/\{"([^"]*)".*/--\1/'
			cat "$@" | grep -oE '"--[a-z][a-z0-9-]*"' | tr -d '"'
			cat "$@" | grep -oE 'getopt_long\([^,]*, *[^,]*, *"[^"]*"' |
				sed -E 's/.*"([^"]*)"$/\1/' | tr -d ':+' | grep -oE '[A-Za-z]' | sed 's/^/-/'
		} | sort -u
	)
	page_opts=$(tags_of "$page" OPTIONS | options_in)
	[ -n "$help_opts" ] || fail "$bin --help printed no options"
	[ -n "$src_opts" ] || fail "$bin: no options found in $*; update this test"
	for opt in $help_opts $src_opts; do
		grep -qxF -- "$opt" <<<"$page_opts" || fail "$name: option $opt of $bin not in OPTIONS"
	done
	for opt in $page_opts; do
		grep -qxF -- "$opt" <<<"$help_opts"$'\n'"$src_opts" ||
			fail "$name: OPTIONS documents $opt, which $bin neither accepts nor lists in --help"
	done
	for opt in $src_opts; do
		grep -qxF -- "$opt" <<<"$help_opts" || note "$bin accepts $opt but its --help does not show it"
	done
	pass "$name checked against the options of $bin"
}
check_options edgelbd edgelbd.8 "$SRC_DIR/control/edgelbd.c"
check_options edgelbctl edgelbctl.8 "$SRC_DIR/tools/edgelbctl.c"
check_options edgelb-decap edgelb-decap.8 "$SRC_DIR/tools/edgelb_decap.c"
check_options edgelb-dp edgelb-dp.8 "$SRC_DIR/dataplane/dpdk/dp_main.c"

echo
if [ "$failures" -gt 0 ]; then
	echo "test_manpages: $failures failure(s)"
	exit 1
fi
echo "test_manpages: all checks passed"
