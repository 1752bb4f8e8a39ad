#!/bin/bash
# sanitize.sh — `keyward sanitize` and `keyward undo` on the dirty fixture image:
# the dry run changes nothing and shows no secret; --apply removes what the audit found,
# re-audits, and a second --apply is a no-op; undo restores the tree exactly (content,
# owner, mode, mtimes of files and folders, xattrs); --keep-key, --remove-user, the
# journal-inside-the-root refusal and the live-host guard.
# Args: KEYWARD_BINARY SRC_ROOT (see lib.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

SNAP="python3 $SRC/tests/integration/treesnap.py"
IMG=$TMP/img
bash "$SRC/tests/integration/mkimage.sh" dirty "$IMG" "$SRC" || { echo "not ok - mkimage"; exit 1; }
# things only sanitize cares about: /tmp content, an xattr to keep, a log
mkdir -p "$IMG/tmp/build/sub" "$IMG/var/tmp"
echo leftover > "$IMG/tmp/build/sub/file"
mkfifo "$IMG/tmp/build/fifo"
ln -s /etc/shadow "$IMG/tmp/build/link"
echo x > "$IMG/var/tmp/y"
setfattr -n user.keyward-test -v keep-me "$IMG/etc/shadow" 2>/dev/null || true
touch -d '2020-01-02 03:04:05' "$IMG/tmp/build" "$IMG/tmp" "$IMG/etc"
$SNAP "$IMG" > "$TMP/orig.snap"

# --- dry run --------------------------------------------------------------------------
"$KW" sanitize --root "$IMG" > "$TMP/dry.out" 2> "$TMP/dry.err"
rc=$?
expect "dry run exits 0" [ "$rc" = 0 ]
$SNAP "$IMG" > "$TMP/after-dry.snap"
expect "dry run changes nothing (tree listing identical)" cmp -s "$TMP/orig.snap" "$TMP/after-dry.snap"
expect "dry run says so" grep -q "dry run: nothing changed" "$TMP/dry.out"
expect "dry run shows a unified diff of /etc/shadow" grep -q -- "--- a/etc/shadow" "$TMP/dry.out"
expect "password hashes are shown as <hash>" grep -q -- "-root:<hash>:" "$TMP/dry.out"
expect "no hash reaches the output" bash -c "! grep -q -E '\\\$(6|5|y|1)\\\$' '$TMP/dry.out'"
expect "no credential reaches the output" bash -c "! grep -q -E 'AKIAZ7|2dX8jf|SuperSecret|hunter2' '$TMP/dry.out'"
expect "the plan removes the history" grep -q "remove /root/.bash_history" "$TMP/dry.out"
expect "the plan empties authorized_keys" grep -q "edit   /root/.ssh/authorized_keys" "$TMP/dry.out"
expect "the plan empties /tmp" grep -q "empty  /tmp" "$TMP/dry.out"
expect "the plan empties machine-id" grep -q "edit   /etc/machine-id" "$TMP/dry.out"
expect "the plan removes the host keys" grep -q "remove /etc/ssh/ssh_host_ed25519_key" "$TMP/dry.out"
expect "the plan warns that nothing regenerates host keys" grep -q "WARNING: nothing in the image regenerates SSH host keys" "$TMP/dry.out"
expect "the plan keeps the cloud-init seed (off by default)" bash -c "! grep -q '/var/lib/cloud/seed' '$TMP/dry.out'"
expect "the plan removes cloud-init instance state" grep -q "remove /var/lib/cloud/instances" "$TMP/dry.out"
expect "the plan names cloud.cfg.d files to edit by hand" grep -q "99-builder.cfg" "$TMP/dry.out"
expect "logs are off by default" bash -c "! grep -q '^logs' '$TMP/dry.out'"

# --- list-ops -------------------------------------------------------------------------
"$KW" sanitize --list-ops > "$TMP/ops.out"
for op in passwords passwd-backups authorized-keys histories private-keys encrypted-keys \
	credentials host-keys machine-id host-secrets cloud-init cloud-init-seed dhcp-leases tmp logs remove-user; do
	expect "--list-ops lists $op" grep -q "^$op " "$TMP/ops.out"
done

# --- refusals -------------------------------------------------------------------------
"$KW" sanitize --root "$IMG" --apply --journal "$IMG/var/lib/kwj" > "$TMP/inroot.out" 2>&1
expect "a journal inside the root is refused (exit 2)" [ $? = 2 ]
expect "... with a reason" grep -q "inside the image root" "$TMP/inroot.out"
expect "... and nothing changed" bash -c "$SNAP '$IMG' | cmp -s - '$TMP/orig.snap'"
"$KW" sanitize --root / > "$TMP/live.out" 2>&1
expect "the running host is refused without --live" [ $? = 2 ]
"$KW" sanitize --live --confirm not-this-host > "$TMP/live2.out" 2>&1
expect "--live with the wrong --confirm is refused" [ $? = 2 ]
"$KW" sanitize --root "$IMG" --ops passwords,nonsense > /dev/null 2>&1
expect "an unknown operation is a usage error" [ $? = 2 ]
"$KW" sanitize --root "$IMG" --remove-user root > "$TMP/rmroot.out" 2>&1
expect "--remove-user root is refused" [ $? = 2 ]
"$KW" sanitize --root "$IMG" --remove-user svc > "$TMP/rmsvc.out" 2>&1
expect "--remove-user of a system account (uid 999) is refused" [ $? = 2 ]
expect "... saying why" grep -q "system accounts and root are never removed" "$TMP/rmsvc.out"
expect "refusals changed nothing" bash -c "$SNAP '$IMG' | cmp -s - '$TMP/orig.snap'"

# --- apply ----------------------------------------------------------------------------
J1=$TMP/journal1
"$KW" audit --root "$IMG" --as-image --format json --output "$TMP/before.json" > /dev/null 2>&1
"$KW" sanitize --root "$IMG" --apply --journal "$J1" > "$TMP/apply.out" 2> "$TMP/apply.err"
rc=$?
expect "apply exits 0" [ "$rc" = 0 ]
[ "$rc" = 0 ] || { cat "$TMP/apply.out" "$TMP/apply.err"; }
expect "apply prints the journal" grep -q "^journal: $J1" "$TMP/apply.out"
expect "apply prints the undo command" grep -q "undo: keyward undo $J1" "$TMP/apply.out"
expect "apply prints the audit before and after" grep -q "after: " "$TMP/apply.out"
expect "no hash left in /etc/shadow" bash -c "! grep -q '\\\$' '$IMG/etc/shadow'"
expect "root's password field is '*'" grep -q '^root:\*:19700:' "$IMG/etc/shadow"
expect "bob's empty password is gone" grep -q '^bob:\*:' "$IMG/etc/shadow"
expect "other shadow fields are kept" grep -q '^alice:\*:0:0:99999:7:::$' "$IMG/etc/shadow"
expect "carol's hash in passwd became x" grep -q '^carol:x:1002:' "$IMG/etc/passwd"
expect "shadow keeps its mode 0640" [ "$(stat -c %a "$IMG/etc/shadow")" = 640 ]
if getfattr -n user.keyward-test "$IMG/etc/shadow" > /dev/null 2>&1; then
	expect "shadow keeps its xattr" bash -c "getfattr --only-values -n user.keyward-test '$IMG/etc/shadow' 2>/dev/null | grep -q keep-me"
fi
expect "root's authorized_keys is empty" [ -f "$IMG/root/.ssh/authorized_keys" ] && [ ! -s "$IMG/root/.ssh/authorized_keys" ]
expect "carol's key file under /etc/ssh/keys is empty" [ ! -s "$IMG/etc/ssh/keys/carol" ]
expect "histories are gone" [ ! -e "$IMG/root/.bash_history" ] && [ ! -e "$IMG/srv/bob/.python_history" ]
expect "the unencrypted private key is gone" [ ! -e "$IMG/home/alice/.ssh/id_ed25519" ]
expect "the encrypted private key stays (encrypted-keys is off)" [ -e "$IMG/home/alice/.ssh/id_deploy" ]
expect "cloud credentials are gone" [ ! -e "$IMG/home/alice/.aws/credentials" ] && [ ! -e "$IMG/root/.docker/config.json" ]
expect "the harmless aws config stays" [ -e "$IMG/home/alice/.aws/config" ]
expect "host keys are gone" bash -c "! ls '$IMG'/etc/ssh/ssh_host_* 2>/dev/null | grep -q ."
expect "sshd_config and moduli stay" [ -f "$IMG/etc/ssh/sshd_config" ] && [ -f "$IMG/etc/ssh/moduli" ]
expect "/etc/machine-id is kept and empty" [ -f "$IMG/etc/machine-id" ] && [ ! -s "$IMG/etc/machine-id" ]
expect "/var/lib/dbus/machine-id is gone" [ ! -e "$IMG/var/lib/dbus/machine-id" ]
expect "cloud-init instance state is gone, seed stays" [ ! -e "$IMG/var/lib/cloud/instances" ] && [ ! -L "$IMG/var/lib/cloud/instance" ] && [ -e "$IMG/var/lib/cloud/seed/nocloud/user-data" ]
expect "/tmp is empty but exists" [ -d "$IMG/tmp" ] && [ -z "$(ls -A "$IMG/tmp")" ]
expect "/var/tmp is empty" [ -z "$(ls -A "$IMG/var/tmp")" ]
expect "the DHCP lease is gone" [ ! -e "$IMG/var/lib/dhcp/dhclient.eth0.leases" ]
expect "the host's /etc/shadow was not touched through the /tmp symlink" [ -s /etc/shadow ]
expect "the journal folder is private (0700)" [ "$(stat -c %a "$J1")" = 700 ]
"$KW" audit --root "$IMG" --as-image --format json --output "$TMP/after.json" > /dev/null 2>&1
for id in accounts.usable-password accounts.empty-password accounts.root-password accounts.passwd-hash accounts.locked-hash secrets.history keys.authorized-keys keys.root-authorized-keys \
	secrets.private-key secrets.cloud-credentials image.ssh-host-keys image.machine-id image.dbus-machine-id image.dhcp-leases image.cloud-init-instance image.credential-secret image.random-seed secrets.tool-credentials; do
	b=$(jget "$TMP/before.json" "sum(1 for f in r['findings'] if f['id']=='$id')")
	a=$(jget "$TMP/after.json" "sum(1 for f in r['findings'] if f['id']=='$id')")
	expect "audit: $id findings gone after sanitize (before $b, after $a)" [ "$a" = 0 ]
done
$SNAP "$IMG" > "$TMP/applied.snap"

# --- second apply is a no-op ----------------------------------------------------------
"$KW" sanitize --root "$IMG" --apply --journal "$TMP/journal2" > "$TMP/apply2.out" 2>&1
expect "a second --apply exits 0" [ $? = 0 ]
expect "... says there is nothing to do" grep -q "nothing to do" "$TMP/apply2.out"
expect "... and changes nothing" bash -c "$SNAP '$IMG' | cmp -s - '$TMP/applied.snap'"

# --- undo -----------------------------------------------------------------------------
"$KW" undo "$J1" > "$TMP/undo.out" 2>&1
expect "undo exits 0" [ $? = 0 ]
$SNAP "$IMG" > "$TMP/undone.snap"
expect "undo restores the tree exactly (content, owner, mode, mtimes, xattrs, links, fifo)" cmp -s "$TMP/orig.snap" "$TMP/undone.snap"
cmp -s "$TMP/orig.snap" "$TMP/undone.snap" || diff "$TMP/orig.snap" "$TMP/undone.snap" | head -20
"$KW" undo "$J1" > "$TMP/undo2.out" 2>&1
expect "a second undo exits 0 and restores nothing" grep -q "^0 entries restored" "$TMP/undo2.out"
"$KW" undo "$TMP/no-such-journal" > /dev/null 2>&1
expect "undo of a missing journal is an error (exit 2)" [ $? = 2 ]

# --- --keep-key -----------------------------------------------------------------------
FP=$(ssh-keygen -lf "$SRC/tests/data/keys/alice_ecdsa.pub" | awk '{print $2}')
"$KW" sanitize --root "$IMG" --ops authorized-keys --keep-key "$FP" --apply --journal "$TMP/journal3" > "$TMP/keep.out" 2>&1
expect "--keep-key apply exits 0" [ $? = 0 ]
expect "alice's kept key is still there" grep -q "$(awk '{print $2}' "$SRC/tests/data/keys/alice_ecdsa.pub")" "$IMG/home/alice/.ssh/authorized_keys2"
expect "... and only it" [ "$(grep -c . "$IMG/home/alice/.ssh/authorized_keys2")" = 1 ]
expect "root's key is gone" [ ! -s "$IMG/root/.ssh/authorized_keys" ]
expect "--ops limited the run: histories untouched" [ -e "$IMG/root/.bash_history" ]
"$KW" sanitize --root "$IMG" --keep-key SHA256:short > /dev/null 2>&1
expect "a malformed --keep-key is a usage error" [ $? = 2 ]
"$KW" undo "$TMP/journal3" > /dev/null 2>&1
expect "undo of the --keep-key run restores the tree" bash -c "$SNAP '$IMG' | cmp -s - '$TMP/orig.snap'"

# --- --remove-user --------------------------------------------------------------------
"$KW" sanitize --root "$IMG" --ops passwords --remove-user alice --apply --journal "$TMP/journal4" > "$TMP/rm.out" 2>&1
expect "--remove-user alice exits 0" [ $? = 0 ]
expect "alice is gone from passwd, shadow and group" bash -c "! grep -q '^alice:' '$IMG/etc/passwd' '$IMG/etc/shadow' '$IMG/etc/group'"
expect "alice's home is gone" [ ! -e "$IMG/home/alice" ]
expect "other accounts stay" grep -q '^bob:' "$IMG/etc/passwd"
"$KW" undo "$TMP/journal4" > /dev/null 2>&1
expect "undo brings alice back exactly" bash -c "$SNAP '$IMG' | cmp -s - '$TMP/orig.snap'"

finish
