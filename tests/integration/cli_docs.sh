#!/usr/bin/env bash
# cli_docs.sh KEYWARD SRCROOT — the documentation generated from the option tables, seen
# from outside: every command's --help runs and equals `keyward help COMMAND`; every option
# its help shows is accepted and handled (never "unknown option", never the internal
# error 70); the man pages the build made are all there, render in man(1) without
# warnings and document every option; the bash completion offers every option and the
# right values; the zsh completion does too, driven through a real interactive zsh (zpty).
# KW_BUILD (set by meson) is the build folder holding docs/man and data/completion.
source "$(dirname "$0")/lib.sh"
BUILD=${KW_BUILD:?KW_BUILD: the build folder}
MANDIR=$BUILD/docs/man
COMP=$BUILD/data/completion

# pages: keyward, keyward-audit, keyward-keys-scan, ...
mapfile -t pages < <("$KW" help --pages)
expect "help --pages names the overview and at least 15 command pages" test "${#pages[@]}" -ge 16

# ---- help and options, per command ------------------------------------------------
# the options a help text shows: "--name" or "-x", and whether a value follows
options_of() { # help file -> "flag<TAB>value|none|optional"
	grep -E '^  (-[A-Za-z0-9](, |  | [A-Z]|$)|--[a-z])' "$1" | sed -E 's/^  //' | while read -r first rest; do
		first=${first%,}
		if [[ $first == -? && $rest == --* ]]; then first=${rest%% *}; rest=${rest#"$first"}; rest=${rest# }; fi
		case $first in
		--*\[=*) echo "${first%%\[*}	optional" ;;
		*) if [[ $rest =~ ^[A-Z][A-Za-z0-9_|:.=-]*(\[[^]]*\])?([[:space:]]|$) || $rest =~ ^(all|ID|\[) ]]; then echo "$first	value"; else echo "$first	none"; fi ;;
		esac
	done
}

bad_help=0 bad_same=0 bad_opt=0 n_opts=0
for page in "${pages[@]}"; do
	[ "$page" = keyward ] && continue
	words=${page#keyward-}
	read -r -a cmd <<<"${words//-/ }"
	"$KW" "${cmd[@]}" --help >"$TMP/h" 2>"$TMP/e"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$TMP/e" ] || ! grep -q "^usage: keyward ${cmd[*]} " "$TMP/h" || ! grep -q '^Examples:' "$TMP/h"; then
		echo "# ${cmd[*]} --help: exit $rc" >&2
		bad_help=$((bad_help + 1))
	fi
	"$KW" help "${cmd[@]}" >"$TMP/h2" 2>&1
	cmp -s "$TMP/h" "$TMP/h2" || { echo "# keyward help ${cmd[*]} differs from --help" >&2; bad_same=$((bad_same + 1)); }
	cp "$TMP/h" "$TMP/help.$page"
	# every option shown is accepted and handled: OPT [VALUE] then --help, which stops
	# before anything runs; a usage error about the value (2) is fine, 70 or "unknown" is not
	while IFS=$'\t' read -r flag kind; do
		n_opts=$((n_opts + 1))
		case $kind in
		value) args=("$flag" "x") ;;
		optional) args=("$flag=x") ;;
		*) args=("$flag") ;;
		esac
		help=--help
		[ "$flag" = --help ] || [ "$flag" = -h ] && help=
		(cd "$TMP" && HOME=$TMP timeout 10 "$KW" "${cmd[@]}" "${args[@]}" ${help:+"$help"}) >"$TMP/o" 2>"$TMP/e" </dev/null
		rc=$?
		if [ $rc -eq 70 ] || [ $rc -eq 124 ] || grep -qiE 'internal error|unknown (or ambiguous )?option' "$TMP/e"; then
			echo "# ${cmd[*]} ${args[*]}: exit $rc: $(head -c 200 "$TMP/e")" >&2
			bad_opt=$((bad_opt + 1))
		fi
	done < <(options_of "$TMP/h")
done
expect "every command's --help exits 0 with usage and examples" test $bad_help -eq 0
expect "keyward help COMMAND prints exactly COMMAND --help" test $bad_same -eq 0
expect "every option a help shows is accepted and handled ($n_opts options)" test $bad_opt -eq 0
expect "the options were found in the helps (at least 150)" test $n_opts -ge 150
"$KW" audit --no-such-option >/dev/null 2>"$TMP/e"
expect "an unknown option is exit 2 with a pointer to --help" \
	bash -c "[ $? -eq 2 ] && grep -q \"Try 'keyward audit --help'\" '$TMP/e'"
"$KW" audit --color sometimes >/dev/null 2>&1
expect "--color takes auto, always or never (else exit 2)" test $? -eq 2
"$KW" help no-such-command >/dev/null 2>&1
expect "help for an unknown command is exit 2" test $? -eq 2

# ---- colour and progress, on a pseudo-terminal (script(1)) and off it ---------------
mkdir -p "$TMP/img/etc" "$TMP/img/root"
printf 'root::0:0:root:/root:/bin/bash\n' >"$TMP/img/etc/passwd"
printf 'root::19000:0:99999:7:::\n' >"$TMP/img/etc/shadow"
mkdir -p "$TMP/img/usr/share/doc/x" # enough files for --deep's walk to report progress
for i in $(seq 1 2100); do : >"$TMP/img/usr/share/doc/x/f$i"; done
ESC=$'\e['
"$KW" audit --root "$TMP/img" --color always >"$TMP/c.always" 2>/dev/null
"$KW" audit --root "$TMP/img" --color never >"$TMP/c.never" 2>/dev/null
"$KW" audit --root "$TMP/img" >"$TMP/c.auto" 2>/dev/null
expect "--color always colours a pipe" grep -qF "$ESC" "$TMP/c.always"
expect "--color never and auto (not a terminal) do not" bash -c "! grep -qF '$ESC' '$TMP/c.never' && ! grep -qF '$ESC' '$TMP/c.auto'"
expect "the coloured and plain reports say the same" \
	bash -c "diff <(sed 's/\x1b\[[0-9;]*m//g' '$TMP/c.always') '$TMP/c.never'"
# on a terminal: colour unless NO_COLOR or --no-color; progress on stderr unless -q or
# --no-progress (lib.sh sets KEYWARD_NO_PROGRESS for every other test)
tty_run() { # OUTFILE ARGS... : keyward on a pseudo-terminal, stdout and stderr both to it
	local out=$1
	shift
	env -u KEYWARD_NO_PROGRESS TERM=dumb timeout 30 script -qec "$(printf '%q ' "$KW" "$@")" /dev/null >"$out" 2>&1 </dev/null
}
tty_run "$TMP/t.auto" audit --root "$TMP/img" --deep
NO_COLOR=1 tty_run "$TMP/t.nocolor" audit --root "$TMP/img"
tty_run "$TMP/t.flag" audit --root "$TMP/img" --no-color
tty_run "$TMP/t.quiet" audit --root "$TMP/img" --deep -q
tty_run "$TMP/t.noprog" audit --root "$TMP/img" --deep --no-progress
expect "on a terminal: colour by default" grep -qF "$ESC" "$TMP/t.auto"
# (the progress line's own erase-line sequence, ESC [ K, is not colour)
nocolour() { sed 's/\x1b\[K//g' "$1" >"$1.stripped" && ! grep -aqF "$ESC" "$1.stripped"; }
expect "on a terminal: NO_COLOR turns colour off" nocolour "$TMP/t.nocolor"
expect "on a terminal: --no-color turns colour off" nocolour "$TMP/t.flag"
expect "on a terminal: a progress line ('deep scan: N files')" grep -aq 'deep scan: [0-9]* files' "$TMP/t.auto"
expect "-q and --no-progress: no progress line" \
	bash -c "! grep -aq 'deep scan:' '$TMP/t.quiet' && ! grep -aq 'deep scan:' '$TMP/t.noprog'"

# ---- man pages -------------------------------------------------------------------
missing=0 warned=0 undocumented=0
for page in "${pages[@]}"; do
	f=$MANDIR/$page.1
	if [ ! -s "$f" ]; then
		echo "# missing man page $f" >&2
		missing=$((missing + 1))
		continue
	fi
	# man's own lint (groff warnings) and the text a reader sees
	MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=all -l "$f" >"$TMP/man.txt" 2>"$TMP/man.err"
	if [ -s "$TMP/man.err" ]; then
		echo "# $page: $(head -3 "$TMP/man.err")" >&2
		warned=$((warned + 1))
	fi
	[ "$page" = keyward ] && continue
	# man renders hyphens as U+2010 sometimes: compare with hyphens folded (into a file:
	# grep -q's early exit under pipefail would fail the pipe)
	sed 's/‐/-/g' "$TMP/man.txt" >"$TMP/man.folded"
	while IFS=$'\t' read -r flag kind; do
		grep -qF -- "$flag" "$TMP/man.folded" || { echo "# $page lacks $flag" >&2; undocumented=$((undocumented + 1)); }
	done < <(options_of "$TMP/help.$page")
done
expect "a man page for every command and subcommand (${#pages[@]})" test $missing -eq 0
expect "every man page renders without groff warnings" test $warned -eq 0
expect "every option of every --help is in its man page" test $undocumented -eq 0
expect "keyward(1) lists every command page" bash -c 'for p in $("$0" help --pages); do [ "$p" = keyward ] || MANWIDTH=200 man -l "$1/keyward.1" 2>/dev/null | grep -q "^ *$p(1)" || { echo "# keyward(1) lacks $p" >&2; exit 1; }; done' "$KW" "$MANDIR"
# the page for a hostile-looking option text: scdoc must not have eaten '*' or '_'
expect "man pages keep literal underscores and asterisks (scdoc escaping)" \
	bash -c "MANWIDTH=200 man -l '$MANDIR/keyward-audit.1' 2>/dev/null | grep -q 'keys.authorized-keys:/home/ci/\*'"

# ---- bash completion ---------------------------------------------------------------
bc() { # WORDS... (the last is being completed) -> one candidate a line
	(cd "$TMP/ct" && bash --norc -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _keyward; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP/keyward" "$@")
}
mkdir -p "$TMP/ct/somedir" && : >"$TMP/ct/somefile"
expect "bash: the script parses" bash -n "$COMP/keyward"
export -f bc; export COMP TMP
expect "bash: 'keyward au' completes to audit" bash -c '[ "$(bc keyward au)" = audit ]'
expect "bash: 'keyward audit --fo' completes to --format" bash -c '[ "$(bc keyward audit --fo)" = --format ]'
expect "bash: --format offers sarif and html" bash -c 'o=$(bc keyward audit --format ""); grep -qx sarif <<<"$o" && grep -qx html <<<"$o"'
expect "bash: --format=s completes to sarif" bash -c '[ "$(bc keyward audit --format = s)" = sarif ]'
expect "bash: --root offers folders only" bash -c 'o=$(bc keyward audit --root so); grep -qx somedir <<<"$o" && ! grep -q somefile <<<"$o"'
expect "bash: --image offers files" bash -c 'bc keyward audit --image so | grep -qx somefile'
expect "bash: keys offers its subcommands" bash -c 'o=$(bc keyward keys ""); for s in scan snapshot diff add remove rotate log merge; do grep -qx $s <<<"$o" || exit 1; done'
expect "bash: help offers the commands" bash -c '[ "$(bc keyward help sa)" = sanitize ]'
expect "bash: completion offers the shells" bash -c '[ "$(bc keyward completion z)" = zsh ]'
bad=0
for page in "${pages[@]}"; do
	[ "$page" = keyward ] && continue
	read -r -a cmd <<<"$(tr - ' ' <<<"${page#keyward-}")"
	bc keyward "${cmd[@]}" - >"$TMP/offered"
	while IFS=$'\t' read -r flag kind; do
		[[ $flag == --* ]] || grep -qE -- "^  $flag  " "$TMP/help.$page" || continue # -q also has --quiet
		grep -qxF -- "$flag" "$TMP/offered" || { echo "# bash: ${cmd[*]} - does not offer $flag" >&2; bad=$((bad + 1)); }
	done < <(options_of "$TMP/help.$page")
done
expect "bash: every command offers every option its help shows" test $bad -eq 0

# ---- zsh completion, in a real interactive zsh -------------------------------------
zc() { # "COMMAND LINE" -> the completions zsh lists for it, one a line
	ZDOTDIR=$TMP/zdot TERM=dumb timeout 20 zsh -f "$SRC/tests/integration/zsh_complete.zsh" "$COMP" "$1" 2>/dev/null | tr -d '\r'
}
mkdir -p "$TMP/zdot"
export -f zc; export SRC
expect "zsh: the script parses" zsh -n "$COMP/_keyward"
expect "zsh: 'keyward au' completes to audit" bash -c 'zc "keyward au" | grep -qx audit'
expect "zsh: 'keyward audit --fo' offers --format" bash -c 'zc "keyward audit --fo" | grep -qx -- --format'
expect "zsh: 'keyward audit --format ' offers sarif" bash -c 'zc "keyward audit --format " | grep -qx sarif'
expect "zsh: 'keyward keys ' offers rotate" bash -c 'zc "keyward keys " | grep -qx rotate'
expect "zsh: 'keyward keys add --' offers --apply" bash -c 'zc "keyward keys add --" | grep -qx -- --apply'
expect "zsh: 'keyward sshd -' offers -T" bash -c 'zc "keyward sshd -" | grep -qx -- -T'

finish
