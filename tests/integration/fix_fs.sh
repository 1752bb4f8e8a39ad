#!/bin/bash
# fix_fs.sh — `keyward sanitize --apply` where the file system says no: a read-only mount,
# immutable files (chattr +i on a real ext4 loop mount), a full file system, and a full
# journal. Each gives a clear error for the files concerned, leaves them exactly as they
# were (never half written), and the journal still undoes what was done.
# Needs root (mount, losetup, chattr); the test creates and removes its own mounts.
# Args: KEYWARD_BINARY SRC_ROOT (see lib.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

if [ "$(id -u)" != 0 ]; then
	echo "not ok - fix_fs.sh needs root (mounts, chattr); run the suite as root"
	exit 1
fi
SNAP="python3 $SRC/tests/integration/treesnap.py"
MNT=$TMP/mnt
mkdir -p "$MNT"
cleanup() {
	chattr -R -i "$MNT" 2>/dev/null
	umount "$MNT" 2>/dev/null
	umount "$TMP/jmnt" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

mkext4() { # SIZE_MB
	rm -f "$TMP/fs.img"
	dd if=/dev/zero of="$TMP/fs.img" bs=1M count="$1" status=none &&
		mkfs.ext4 -q -F "$TMP/fs.img" && mount -o loop "$TMP/fs.img" "$MNT"
}

# --- read-only file system ------------------------------------------------------------
mkext4 32 || { echo "not ok - cannot make an ext4 loop mount"; exit 1; }
bash "$SRC/tests/integration/mkimage.sh" dirty "$MNT/img" "$SRC" >/dev/null
mount -o remount,ro "$MNT"
$SNAP "$MNT/img" > "$TMP/ro.snap"
"$KW" sanitize --root "$MNT/img" --apply --no-audit --journal "$TMP/jro" > "$TMP/ro.out" 2>&1
rc=$?
expect "read-only: apply exits 1" [ "$rc" = 1 ]
expect "read-only: the error names the cause" grep -q "read-only file system" "$TMP/ro.out"
expect "read-only: nothing changed" bash -c "$SNAP '$MNT/img' | cmp -s - '$TMP/ro.snap'"
"$KW" undo "$TMP/jro" > "$TMP/ro-undo.out" 2>&1
expect "read-only: undo has nothing to restore and succeeds" [ $? = 0 ]
umount "$MNT"

# --- immutable files --------------------------------------------------------------------
mkext4 32 || exit 1
bash "$SRC/tests/integration/mkimage.sh" dirty "$MNT/img" "$SRC" >/dev/null
$SNAP "$MNT/img" > "$TMP/imm.snap"
cp -a "$MNT/img/etc/shadow" "$TMP/shadow.orig"
chattr +i "$MNT/img/etc/shadow" "$MNT/img/root/.bash_history"
"$KW" sanitize --root "$MNT/img" --apply --no-audit --journal "$TMP/jimm" > "$TMP/imm.out" 2>&1
rc=$?
expect "immutable: apply exits 1" [ "$rc" = 1 ]
expect "immutable: the failures are named with a hint" grep -q "FAILED /root/.bash_history: .*immutable" "$TMP/imm.out"
expect "immutable: shadow is untouched" cmp -s "$MNT/img/etc/shadow" "$TMP/shadow.orig"
expect "immutable: the other changes were made" [ ! -e "$MNT/img/home/alice/.aws/credentials" ]
chattr -i "$MNT/img/etc/shadow" "$MNT/img/root/.bash_history"
"$KW" undo "$TMP/jimm" > "$TMP/imm-undo.out" 2>&1
expect "immutable: undo succeeds" [ $? = 0 ]
expect "immutable: undo restores the tree exactly" bash -c "$SNAP '$MNT/img' | cmp -s - '$TMP/imm.snap'"
umount "$MNT"

# --- full file system -----------------------------------------------------------------
# (tmpfs: no delayed allocation, so a full one refuses the very next page)
mount -t tmpfs -o size=8m tmpfs "$MNT" || exit 1
bash "$SRC/tests/integration/mkimage.sh" dirty "$MNT/img" "$SRC" >/dev/null
# fill it up to the last block (a 64k write that fails leaves up to 60k free)
dd if=/dev/zero of="$MNT/filler" bs=64k status=none 2>/dev/null
dd if=/dev/zero of="$MNT/filler2" bs=4k status=none 2>/dev/null
sync
dd if=/dev/zero of="$MNT/filler3" bs=4k status=none 2>/dev/null
$SNAP "$MNT/img" > "$TMP/full.snap"
cp -a "$MNT/img/etc/shadow" "$TMP/shadow.orig"
"$KW" sanitize --root "$MNT/img" --ops passwords --apply --no-audit --journal "$TMP/jfull" > "$TMP/full.out" 2>&1
rc=$?
expect "full: apply exits 1" [ "$rc" = 1 ]
expect "full: the error says the file system is full" grep -q "file system full" "$TMP/full.out"
expect "full: shadow is exactly as it was" cmp -s "$MNT/img/etc/shadow" "$TMP/shadow.orig"
expect "full: no temp file is left behind" bash -c "! ls -a '$MNT/img/etc' | grep -q '\\.kw\\.'"
expect "full: the tree is unchanged" bash -c "$SNAP '$MNT/img' | cmp -s - '$TMP/full.snap'"
rm -f "$MNT/filler" "$MNT/filler2" "$MNT/filler3"
"$KW" undo "$TMP/jfull" > /dev/null 2>&1
expect "full: undo succeeds and the tree is unchanged" bash -c "$SNAP '$MNT/img' | cmp -s - '$TMP/full.snap'"
umount "$MNT"

# --- full journal -----------------------------------------------------------------------
mkext4 32 || exit 1
bash "$SRC/tests/integration/mkimage.sh" dirty "$MNT/img" "$SRC" >/dev/null
head -c 200000 /dev/urandom > "$MNT/img/root/.bash_history"   # bigger than the journal fs
$SNAP "$MNT/img" > "$TMP/jf.snap"
mkdir -p "$TMP/jmnt"
mount -t tmpfs -o size=64k tmpfs "$TMP/jmnt"
"$KW" sanitize --root "$MNT/img" --ops histories --apply --no-audit --journal "$TMP/jmnt/j" > "$TMP/jf.out" 2>&1
rc=$?
expect "full journal: apply exits 1" [ "$rc" = 1 ]
expect "full journal: the history that could not be journaled is still there" [ -s "$MNT/img/root/.bash_history" ]
"$KW" undo "$TMP/jmnt/j" > /dev/null 2>&1
expect "full journal: undo restores what was done; the tree is as before" bash -c "$SNAP '$MNT/img' | cmp -s - '$TMP/jf.snap'"
umount "$TMP/jmnt"
umount "$MNT"

finish
