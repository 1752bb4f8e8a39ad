#!/bin/bash
# fix_hostile.sh — `keyward sanitize --apply` on a hostile image: symlinks (absolute,
# relative, in the middle of a path) and hard links at every kind of path sanitize
# touches, a block device with the host disk's numbers, a FIFO, escape sequences in user
# names. A canary folder outside the root and the host's own files must stay identical;
# hard-linked files are refused, not written through; output carries no raw control
# character; undo restores the image exactly.
# Args: KEYWARD_BINARY SRC_ROOT (see lib.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

SNAP="python3 $SRC/tests/integration/treesnap.py"
IMG=$TMP/img
CAN=$TMP/canary
bash "$SRC/tests/integration/mkimage.sh" dirty "$IMG" "$SRC" || { echo "not ok - mkimage"; exit 1; }
mkdir -p "$CAN/sshdir" "$CAN/cloud" "$CAN/tmpdir"
echo "canary secret" > "$CAN/secret"
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx5dGVzdGtleWZvcmtleXdhcmR0ZXN0c29ubHkx canary" > "$CAN/sshdir/authorized_keys"
echo "state" > "$CAN/cloud/obj.pkl"
echo "tmp" > "$CAN/tmpdir/file"

# symlinks out of the root where sanitize looks
ln -sf "$CAN/secret" "$IMG/home/alice/.mysql_history"                  # absolute, to the host
ln -sf "../../../../../../../../../$CAN/secret" "$IMG/srv/bob/.python_history"   # relative escape
rm -rf "$IMG/srv/bob/.ssh" && ln -s "$CAN/sshdir" "$IMG/srv/bob/.ssh"    # folder in the middle
rm -rf "$IMG/var/lib/cloud/instances" && ln -s "$CAN/cloud" "$IMG/var/lib/cloud/instances"
ln -s "$CAN/tmpdir" "$IMG/tmp/escape"
ln -s /etc "$IMG/tmp/etc-link"
ln -sf /etc/shadow "$IMG/var/lib/dhcp/dhclient.eth9.leases"
# a hard link between a history and the image's shadow
ln -f "$IMG/etc/shadow" "$IMG/root/.bash_history"
# a block device with the host disk's numbers, a FIFO, a socket-like name
mknod "$IMG/tmp/sda" b 8 0
mkfifo "$IMG/tmp/fifo"
# control characters in a user name and a file name
printf 'ev\033[2Jil:x:1010:1010::/home/evil:/bin/bash\n' >> "$IMG/etc/passwd"
hash=$(grep '^root:' "$IMG/etc/shadow" | cut -d: -f2)
printf 'ev\033[2Jil:%s:19700:0:99999:7:::\n' "${hash/rootsalt/evilsalt}" >> "$IMG/etc/shadow"
touch "$IMG/tmp/$(printf 'name\033]0;pwned\007')"

$SNAP "$IMG" > "$TMP/orig.snap"
$SNAP "$CAN" > "$TMP/canary.snap"
host_shadow=$(sha256sum /etc/shadow /etc/passwd | sha256sum)

"$KW" sanitize --root "$IMG" > "$TMP/dry.out" 2>&1
expect "dry run on the hostile image exits 0" [ $? = 0 ]
"$KW" sanitize --root "$IMG" --apply --journal "$TMP/j" > "$TMP/apply.out" 2>&1
rc=$?
expect "apply exits 1 (the hard-linked history is refused)" [ "$rc" = 1 ]
expect "the refusal names the hard link" grep -q "FAILED /etc/shadow\|FAILED /root/.bash_history" "$TMP/apply.out"
expect "... and says why" grep -q "hard link" "$TMP/apply.out"
expect "the canary outside the root is identical" bash -c "$SNAP '$CAN' | cmp -s - '$TMP/canary.snap'"
expect "the host's passwd and shadow are identical" [ "$(sha256sum /etc/shadow /etc/passwd | sha256sum)" = "$host_shadow" ]
expect "the history hard-linked to shadow still holds shadow's content" cmp -s "$IMG/root/.bash_history" "$IMG/etc/shadow"
expect "the symlinks in /tmp are removed as links" [ ! -L "$IMG/tmp/escape" ] && [ ! -L "$IMG/tmp/etc-link" ]
expect "the device node is removed without being opened (host disk untouched)" [ ! -e "$IMG/tmp/sda" ]
expect "the cloud-init symlink is removed as a link" [ ! -L "$IMG/var/lib/cloud/instances" ]
expect "shadow, hard-linked to the history, is refused rather than written through" grep -q "FAILED /etc/shadow: .*hard link" "$TMP/apply.out"
expect "... so its content is unchanged" grep -q 'evilsalt' "$IMG/etc/shadow"
for f in dry apply; do
	expect "no raw escape character in the $f output" bash -c "! grep -q \$'\\033' '$TMP/$f.out'"
	expect "no BEL character in the $f output" bash -c "! grep -q \$'\\007' '$TMP/$f.out'"
done
expect "the escaped user name is shown" grep -q 'ev\\x1b\[2Jil\|ev\\033\[2Jil\|ev\\e\[2Jil' "$TMP/dry.out"

"$KW" undo "$TMP/j" > "$TMP/undo.out" 2>&1
expect "undo exits 0" [ $? = 0 ]
expect "undo restores the hostile image exactly (device node and fifo included)" bash -c "$SNAP '$IMG' | cmp -s - '$TMP/orig.snap'"
$SNAP "$IMG" | diff "$TMP/orig.snap" - | head -10
expect "the canary is still identical after undo" bash -c "$SNAP '$CAN' | cmp -s - '$TMP/canary.snap'"

finish
