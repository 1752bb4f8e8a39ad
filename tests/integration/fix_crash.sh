#!/bin/bash
# fix_crash.sh — crash safety of `keyward sanitize --apply` and `keyward undo`.
#
# A full apply on the dirty fixture image counts its durable steps (journal entry written,
# temp file synced, rename, unlink, folder fsync: KEYWARD_TEST_STEPS). Then, for every step
# k, a fresh copy of the image is sanitized with KEYWARD_TEST_KILL_AT=k, so the process is
# SIGKILLed right after step k. After each kill:
#   - every path holds either its original or its sanitized state (type, mode, owner,
#     content): nothing torn, nothing half written;
#   - `keyward undo JOURNAL` restores the original tree exactly (the treesnap listing:
#     content, owner, mode, file and folder mtimes, xattrs, links, fifos);
# and a kill in the middle of an undo, followed by a second undo, also ends in the
# original tree.
# Args: KEYWARD_BINARY SRC_ROOT (see lib.sh). CRASH_STRIDE=N tests every Nth step only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

SNAP="python3 $SRC/tests/integration/treesnap.py"
P=$TMP/pristine
bash "$SRC/tests/integration/mkimage.sh" dirty "$P" "$SRC" || { echo "not ok - mkimage"; exit 1; }
mkdir -p "$P/tmp/a/b"
echo t > "$P/tmp/a/b/c"
ln -s /etc/passwd "$P/tmp/a/abs-link"
mkfifo "$P/tmp/a/fifo"
echo lease > "$P/var/lib/dhcp/dhclient.eth1.leases"

# the full run: its final state and its number of steps
F=$TMP/full
cp -a "$P" "$F"
KEYWARD_TEST_STEPS=$TMP/steps "$KW" sanitize --root "$F" --apply --no-audit -q \
	--journal "$TMP/jfull" > "$TMP/full.out" 2>&1
expect "the full apply succeeds" [ $? = 0 ]
N=$(cat "$TMP/steps" 2>/dev/null || echo 0)
expect "the apply reports its durable steps (N=$N)" [ "$N" -gt 20 ]

# state of every path without times: "path type mode uid gid content"
state() {
	$SNAP --no-dir-mtime "$1" | awk '{print $1, $2, $3, $4, $5, $8}'
}
state "$P" > "$TMP/p.state"
state "$F" > "$TMP/f.state"

# every path of K is in P's or F's state; no stray file that is in neither
check_torn() {
	python3 - "$TMP/p.state" "$TMP/f.state" "$1" <<'PY'
import sys
def load(f):
    d = {}
    for line in open(f):
        parts = line.split(" ")
        d[parts[0]] = line
    return d
import re
p, f, k = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
# keyward's own temp files (".NAME.kw.<16 hex>") may be left by a kill between writing
# one and renaming it: the real file is intact, and undo must remove them (checked below)
temp = re.compile(r"(^|/)\.[^/]*\.kw\.[0-9a-f]{16}$")
bad = []
for path, line in k.items():
    if temp.search(bytes.fromhex(path).decode("utf-8", "replace")):
        continue
    if line != p.get(path) and line != f.get(path):
        bad.append("neither old nor new: " + bytes.fromhex(path).decode("utf-8", "replace"))
for path in p:
    if path not in k and path in f:
        bad.append("vanished: " + bytes.fromhex(path).decode("utf-8", "replace"))
for b in bad[:5]:
    print(b)
sys.exit(1 if bad else 0)
PY
}

STRIDE=${CRASH_STRIDE:-1}
torn=0 undone_bad=0 not_killed=0 tested=0
for ((k = 1; k <= N; k += STRIDE)); do
	K=$TMP/k
	rm -rf "$K" "$TMP/jk"
	cp -a "$P" "$K"
	$SNAP "$K" > "$TMP/k-orig.snap"
	# (in a child shell: the parent would print "Killed" for each run)
	bash -c 'KEYWARD_TEST_KILL_AT=$1 "$2" sanitize --root "$3" --apply --no-audit -q \
		--journal "$4" > /dev/null 2>&1' _ "$k" "$KW" "$K" "$TMP/jk" 2>/dev/null
	rc=$?
	[ "$rc" = 137 ] || { not_killed=$((not_killed + 1)); echo "# step $k: exit $rc, not killed"; }
	state "$K" > "$TMP/k.state"
	if ! check_torn "$TMP/k.state"; then
		torn=$((torn + 1))
		echo "# step $k: torn state above"
	fi
	if [ -d "$TMP/jk" ]; then
		"$KW" undo "$TMP/jk" > "$TMP/undo.out" 2>&1
	fi
	if ! $SNAP "$K" | cmp -s - "$TMP/k-orig.snap"; then
		undone_bad=$((undone_bad + 1))
		echo "# step $k: undo did not restore the tree:"
		$SNAP "$K" | diff "$TMP/k-orig.snap" - | head -6
	fi
	tested=$((tested + 1))
done
expect "every run was killed at its step ($tested runs)" [ "$not_killed" = 0 ]
expect "after each kill every file is its old or its new state ($torn torn)" [ "$torn" = 0 ]
expect "undo after each kill restores the original tree exactly ($undone_bad differ)" [ "$undone_bad" = 0 ]

# a kill in the middle of undo, then undo again
K=$TMP/k2
rm -rf "$K" "$TMP/jk2"
cp -a "$P" "$K"
$SNAP "$K" > "$TMP/k2-orig.snap"
"$KW" sanitize --root "$K" --apply --no-audit -q --journal "$TMP/jk2" > /dev/null 2>&1
KEYWARD_TEST_STEPS=$TMP/usteps "$KW" undo "$TMP/jk2" > /dev/null 2>&1
U=$(cat "$TMP/usteps" 2>/dev/null || echo 0)
expect "undo has durable steps too (U=$U)" [ "$U" -gt 5 ]
bad=0
for ((k = 1; k <= U; k += (U / 10 > 0 ? U / 10 : 1))); do
	rm -rf "$K" "$TMP/jk2"
	cp -a "$P" "$K"
	"$KW" sanitize --root "$K" --apply --no-audit -q --journal "$TMP/jk2" > /dev/null 2>&1
	bash -c 'KEYWARD_TEST_KILL_AT=$1 "$2" undo "$3" > /dev/null 2>&1' _ "$k" "$KW" "$TMP/jk2" 2>/dev/null
	"$KW" undo "$TMP/jk2" > /dev/null 2>&1
	$SNAP "$K" | cmp -s - "$TMP/k2-orig.snap" || { bad=$((bad + 1)); echo "# undo killed at $k: second undo incomplete"; }
done
expect "an undo killed midway and run again restores the tree" [ "$bad" = 0 ]

finish
