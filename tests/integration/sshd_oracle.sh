#!/bin/bash
# sshd_oracle.sh — differential test: `keyward sshd -T` against the real OpenSSH 9.2 sshd.
# Owned by the "oracle" helper. Args: KEYWARD_BINARY SRC_ROOT (see lib.sh).
#
# What it does
#   1. Replays the hand-written regression configs in tests/data/sshd_oracle/*.conf
#      (each once differed, or pins a case of the spec; its header says what real sshd
#      prints; "@DIR@" in it stands for that directory, for absolute Includes of the
#      files under tests/data/sshd_oracle/inc/). A line
#      "# spec: user=..,host=.." in such a file adds a -C spec ("# spec: -" = no -C);
#      without one, the file runs with the default specs below. A spec may carry
#      command-line options: "SPEC|o:K=V|h:PATH" adds -o K=V and -h PATH.
#      tests/data/sshd_oracle/probes.txt holds a few hundred more such configs in one
#      file (blocks separated by "----" lines; a block without "# spec:" runs without -C).
#   2. Generates ORACLE_COUNT random configs (default 200) with
#      tests/integration/sshd_gen.py --seed ORACLE_SEED (default 1): keyword mixes with
#      good and bad values, duplicates, case variants, `=` forms, quoting, comments,
#      Include with globs/nesting/loops (absolute paths inside a temp dir), Include in
#      Match, Match blocks with every criterion, algorithm + - ^ lists, errors of every
#      kind. Each config comes with 3 -C specs (users that exist here such as root and
#      postgres, and ones that do not; Match Group uses this host's groups since the
#      target is /); some specs add -o K=V options or a second -h.
#   3. For each config and spec runs
#        /usr/sbin/sshd -T -f CONF -h HOSTKEY [-C SPEC] [-o K=V]... [-h KEY2]
#        keyward sshd -T -f CONF -h HOSTKEY [-C SPEC] [-o K=V]... [-h KEY2]
#      in the same working directory (sshd makes relative paths absolute against it) and
#      compares
#        - the exit class: success (0) vs refused (sshd 255 or 1, keyward non-zero);
#        - on success, the sorted output lines (a multiset: duplicates count; order free);
#        - on refusal, when sshd names "FILE line N:" for its first error, keyward's
#          stderr must name the same "FILE:N:" (ORACLE_LOCATIONS=0 turns this off).
#        - keyward must never crash: an exit status above 2 or a sanitizer report on
#          its stderr is a difference too (run it with an ASan/UBSan build).
#      Each difference is printed with the config (and its included files), the -C spec
#      and a unified diff; then a summary "N configs, M -C specs, K differences".
#      The test fails on any difference.
#
# The only tolerated difference: OpenSSH 9.2 dies with "'Match LocalPort' in
# configuration but 'lport' not in connection test specification." whenever a config
# has Match LocalPort and -C lacks lport= (even with no -C). If keyward reproduces it,
# it agrees like any refusal; if it does not, the case is counted as an "lport
# exception" and not compared.
#
# Environment: ORACLE_COUNT (configs, default 200), ORACLE_SEED (default 1),
# ORACLE_SPECS (-C specs per config, default 3), ORACLE_KEEP=DIR (copy the generated
# cases there), ORACLE_MAXSHOW (print at most this many differences in full, default 30),
# ORACLE_LOCATIONS (1/0), ORACLE_GEN_ARGS (extra sshd_gen.py arguments, e.g.
# --plain-globs to look past a known glob difference), ORACLE_SSHD (the oracle binary).
# Runs in about 15-40 s with the defaults on 2 cores. To hunt: ORACLE_COUNT=2000
# ORACLE_SEED=7 ORACLE_KEEP=/tmp/cases bash sshd_oracle.sh BUILD/keyward SRC.
# Needs root (sshd -T insists on /run/sshd for uid 0; the script creates it) or a
# readable host key for a non-root run.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

SSHD=${ORACLE_SSHD:-/usr/sbin/sshd}
COUNT=${ORACLE_COUNT:-200}
SEED=${ORACLE_SEED:-1}
NSPECS=${ORACLE_SPECS:-3}
MAXSHOW=${ORACLE_MAXSHOW:-30}
LOCATIONS=${ORACLE_LOCATIONS:-1}
DEFAULT_SPECS=("user=root,host=h.example.com,addr=10.1.2.3,laddr=10.0.0.2,lport=22,rdomain=r1"
	"user=alice,host=web1.example.org,addr=192.0.2.5,lport=2222" "-")

if [ ! -x "$SSHD" ]; then
	echo "not ok - $SSHD is not installed (package openssh-server); the oracle cannot run"
	exit 1
fi
if [ "$(id -u)" = 0 ]; then
	mkdir -p /run/sshd
fi

HK=$TMP/hostkey
ssh-keygen -q -t ed25519 -N '' -C oracle -f "$HK" >"$TMP/keygen.log" 2>&1 ||
	{ echo "not ok - ssh-keygen failed"; cat "$TMP/keygen.log"; exit 1; }
CWD=$TMP/cwd
mkdir -p "$CWD"

N_CONF=0 N_SPEC=0 N_DIFF=0 N_LPORT=0 N_SSHD_OK=0 N_SSHD_REFUSE=0 N_SHOWN=0

show_config() {
	local conf=$1 dir f
	dir=$(dirname "$conf")
	echo "    --- $conf"
	cut -c1-400 "$conf" | sed 's/^/    | /'
	# included files of a generated case live under the case directory
	if [ -f "$dir/.generated" ]; then
		find "$dir" -type f ! -name sshd_config ! -name .generated | sort | while read -r f; do
			echo "    --- $f"
			cut -c1-400 "$f" | sed 's/^/    | /'
		done
	fi
}

# first "FILE line N:" of sshd's stderr that is an error (not a deprecation notice)
sshd_location() {
	grep -v -e 'Deprecated option' -e 'Unsupported option' -e 'Unable to load host key' \
		-e 'Could not load host certificate' -e 'Could not connect to agent' "$1" |
		sed -n -E 's/^(\/[^ ]*[^ :]):? line ([0-9]+): .*/\1:\2/p' | head -n 1
}

# compare CONF SPEC: runs both, prints a difference, updates the counters
compare() {
	local conf=$1 spec=$2 sr kr loc why='' f
	local -a carg=() fields
	# SPEC is "CSPEC[|o:K=V][|h:PATH]..."; CSPEC "-" means no -C
	IFS='|' read -r -a fields <<<"$spec"
	[ "${fields[0]}" != "-" ] && carg=(-C "${fields[0]}")
	for f in "${fields[@]:1}"; do
		case $f in
		o:*) carg+=(-o "${f#o:}") ;;
		h:*) carg+=(-h "${f#h:}") ;;
		esac
	done
	N_SPEC=$((N_SPEC + 1))
	(cd "$CWD" && "$SSHD" -T -f "$conf" -h "$HK" "${carg[@]}" >"$TMP/s.out" 2>"$TMP/s.err")
	sr=$?
	(cd "$CWD" && "$KW" sshd -T -f "$conf" -h "$HK" "${carg[@]}" >"$TMP/k.out" 2>"$TMP/k.err")
	kr=$?
	if [ "$sr" -ne 0 ] && grep -q "'Match LocalPort' in configuration but 'lport' not in connection test specification" "$TMP/s.err"; then
		N_SSHD_REFUSE=$((N_SSHD_REFUSE + 1))
		[ "$kr" -ne 0 ] && return 0        # reproduced: agreement
		N_LPORT=$((N_LPORT + 1))
		return 0
	fi
	if [ "$sr" -eq 0 ]; then N_SSHD_OK=$((N_SSHD_OK + 1)); else N_SSHD_REFUSE=$((N_SSHD_REFUSE + 1)); fi
	if [ "$kr" -gt 2 ] || grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/k.err"; then
		why="keyward crashed or tripped a sanitizer (exit $kr)"
	elif [ "$sr" -eq 0 ] && [ "$kr" -ne 0 ]; then
		why="sshd accepts, keyward exits $kr"
	elif [ "$sr" -ne 0 ] && [ "$kr" -eq 0 ]; then
		why="sshd refuses (exit $sr), keyward accepts"
	elif [ "$sr" -eq 0 ]; then
		LC_ALL=C sort "$TMP/s.out" >"$TMP/s.sorted"
		LC_ALL=C sort "$TMP/k.out" >"$TMP/k.sorted"
		cmp -s "$TMP/s.sorted" "$TMP/k.sorted" || why="output differs"
	elif [ "$LOCATIONS" = 1 ]; then
		loc=$(sshd_location "$TMP/s.err")
		if [ -n "$loc" ] && ! grep -qF -- "$loc:" "$TMP/k.err"; then
			why="both refuse, but keyward does not name $loc"
		fi
	fi
	[ -z "$why" ] && return 0
	N_DIFF=$((N_DIFF + 1))
	echo "DIFFERENCE $N_DIFF: $why"
	echo "  config: $conf"
	echo "  -C: $spec"
	if [ "$N_SHOWN" -ge "$MAXSHOW" ]; then
		return 0
	fi
	N_SHOWN=$((N_SHOWN + 1))
	show_config "$conf"
	# notices about deprecated/unsupported keywords are noise here
	echo "  sshd stderr (exit $sr):"
	grep -v -e 'Deprecated option' -e 'Unsupported option' "$TMP/s.err" | head -n 5 | sed 's/^/    /'
	echo "  keyward stderr (exit $kr):"
	grep -v -e 'Deprecated option' -e 'Unsupported option' "$TMP/k.err" | head -n 5 | sed 's/^/    /'
	if [ "$sr" -eq 0 ] && [ "$kr" -eq 0 ]; then
		echo "  diff -u sshd keyward (sorted):"
		diff -u --label sshd --label keyward "$TMP/s.sorted" "$TMP/k.sorted" | sed 's/^/    /'
	fi
}

# 1. regression configs
REGDIR=$SRC/tests/data/sshd_oracle
mkdir -p "$TMP/reg"
for orig in "$REGDIR"/*.conf; do
	[ -f "$orig" ] || continue
	N_CONF=$((N_CONF + 1))
	# @DIR@ stands for the regression directory (Include needs absolute paths)
	conf=$TMP/reg/$(basename "$orig")
	sed "s#@DIR@#$REGDIR#g" "$orig" >"$conf"
	mapfile -t specs < <(sed -n -E 's/^# spec: *//p' "$conf")
	[ "${#specs[@]}" -eq 0 ] && specs=("${DEFAULT_SPECS[@]}")
	for spec in "${specs[@]}"; do
		compare "$conf" "$spec"
	done
done
# 1b. probes: many small configs in one file, blocks separated by "----" lines
if [ -f "$REGDIR/probes.txt" ]; then
	mkdir -p "$TMP/probes"
	sed "s#@DIR@#$REGDIR#g" "$REGDIR/probes.txt" |
		awk -v dir="$TMP/probes" 'BEGIN { n = 0; f = sprintf("%s/p%04d.conf", dir, n) }
			/^----$/ { close(f); n++; f = sprintf("%s/p%04d.conf", dir, n); next }
			{ print > f }'
	for conf in "$TMP"/probes/p*.conf; do
		N_CONF=$((N_CONF + 1))
		mapfile -t specs < <(sed -n -E 's/^# spec: *//p' "$conf")
		[ "${#specs[@]}" -eq 0 ] && specs=("-")
		for spec in "${specs[@]}"; do
			compare "$conf" "$spec"
		done
	done
fi
N_REG=$N_CONF

# 2. generated configs
GEN=$TMP/gen
read -r -a genargs <<<"${ORACLE_GEN_ARGS:-}"
if ! python3 "$SRC/tests/integration/sshd_gen.py" --seed "$SEED" --count "$COUNT" \
	--specs "$NSPECS" --hostkey "$HK" --out "$GEN" "${genargs[@]}" >"$TMP/gen.log" 2>&1; then
	echo "not ok - sshd_gen.py failed"
	cat "$TMP/gen.log"
	exit 1
fi
while IFS=$'\t' read -r -a row; do
	[ "${#row[@]}" -gt 0 ] || continue
	dir=${row[0]}
	: >"$dir/.generated"
	N_CONF=$((N_CONF + 1))
	for spec in "${row[@]:1}"; do
		compare "$dir/sshd_config" "$spec"
	done
done <"$GEN/cases.tsv"
if [ -n "${ORACLE_KEEP:-}" ]; then
	mkdir -p "$ORACLE_KEEP" && cp -a "$GEN/." "$ORACLE_KEEP/"
fi

echo "seed $SEED: $N_REG regression/probe + $((N_CONF - N_REG)) generated configs;" \
	"sshd accepted $N_SSHD_OK and refused $N_SSHD_REFUSE runs; $N_LPORT lport exceptions"
echo "$N_CONF configs, $N_SPEC -C specs, $N_DIFF differences"
expect "keyward sshd -T agrees with $SSHD -T on every config and -C spec" [ "$N_DIFF" -eq 0 ]
expect "the generated mix has accepted and refused configs" test "$N_SSHD_OK" -gt 0 -a "$N_SSHD_REFUSE" -gt 0
finish
