#!/usr/bin/env bash
# keys_cli.sh — `keyward keys scan` end to end on an image root built here with real
# ssh-keygen keys: every fingerprint, type and size equals what `ssh-keygen -lf` prints for
# the same key; keys are found where sshd would look for each account (the default
# .ssh/authorized_keys and authorized_keys2, a custom AuthorizedKeysFile with %u, a Match
# User block giving one account another file); a private key is linked to the authorized
# key it opens and a key opening two accounts is linked to both; AuthorizedKeysCommand and
# TrustedUserCAKeys are named; a hostile comment is escaped; --root and --image (a tarball
# of the same tree) give the same inventory; usage errors exit 2.
. "$(dirname "$0")/lib.sh"
command -v ssh-keygen >/dev/null || { echo "not ok - ssh-keygen is required (openssh-client)"; exit 1; }

R=$TMP/root
mkdir -p "$R/etc/ssh/keys" "$R/root/.ssh" "$R/home/alice/.ssh" "$R/home/bob/.ssh" "$R/srv/carol/.ssh"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000::/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/bash
carol:x:1002:1002::/srv/carol:/bin/bash
EOF
cat >"$R/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
alice:!:19000:0:99999:7:::
bob:!:19000:0:99999:7:::
carol:!:19000:0:99999:7:::
EOF
cat >"$R/etc/ssh/sshd_config" <<'EOF'
AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /etc/ssh/keys/%u
AuthorizedKeysCommand /usr/local/bin/fetch-keys %u
AuthorizedKeysCommandUser nobody
TrustedUserCAKeys /etc/ssh/user_ca.pub
Match User carol
	AuthorizedKeysFile /srv/carol/.ssh/granted
EOF

K=$TMP/keys
mkdir -p "$K"
gen() { ssh-keygen -q -t "$1" ${2:+-b "$2"} -N "" -C "$3" -f "$K/$4" </dev/null; }
gen ed25519 "" "root@builder" root_ed
gen rsa 3072 "alice laptop 2024" alice_rsa
gen ecdsa 384 "bob" bob_ecdsa
gen ecdsa 521 "carol" carol_ecdsa
gen rsa 2048 "shared deploy key" shared
gen ed25519 "" "alice's own" alice_own
gen ed25519 "" "host" ssh_host_ed25519_key
gen rsa 3072 "host" ssh_host_rsa_key
cp "$K/ssh_host_ed25519_key" "$K/ssh_host_ed25519_key.pub" "$K/ssh_host_rsa_key" "$K/ssh_host_rsa_key.pub" "$R/etc/ssh/"

{
	printf 'from="10.0.0.0/8",no-agent-forwarding %s\n' "$(cat "$K/root_ed.pub")"
	printf '# a comment line\n\n'
	printf '%s\n' "$(cat "$K/shared.pub")"
	# two lines sshd ignores: a type prefix that is not the key's, and two command= options
	printf 'ssh-rsa %s typed-wrong\n' "$(cut -d' ' -f2 "$K/root_ed.pub")"
	printf 'command="a",command="b" %s two-commands\n' "$(cat "$K/alice_own.pub")"
} >"$R/root/.ssh/authorized_keys"
printf 'command="/usr/bin/backup --only \\"x\\"",restrict %s\n' "$(cat "$K/alice_rsa.pub")" >"$R/home/alice/.ssh/authorized_keys2"
cat "$K/alice_own.pub" >"$R/home/alice/.ssh/authorized_keys"
cp "$K/alice_own" "$R/home/alice/.ssh/id_ed25519"
# bob's key lives in the custom file; its comment carries an ESC sequence
printf '%s \033[31mEVIL\033]0;title\007\n' "$(cut -d' ' -f1,2 "$K/bob_ecdsa.pub")" >"$R/etc/ssh/keys/bob"
# carol's only file is the Match block's; her default file must NOT be listed
cat "$K/carol_ecdsa.pub" "$K/shared.pub" >"$R/srv/carol/.ssh/granted"
cat "$K/root_ed.pub" >"$R/srv/carol/.ssh/authorized_keys"

# ---- usage ----
expect "keys --help teaches scan" sh -c '"$1" keys --help | grep -q "AuthorizedKeysFile"' _ "$KW"
expect "keys without a subcommand is a usage error (2)" sh -c '"$1" keys >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW"
expect "an unknown subcommand is a usage error (2)" sh -c '"$1" keys frobnicate >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW"
expect "--root and --image together are refused (2)" sh -c '"$1" keys scan --root / --image x >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW"
expect "a bad --format is refused (2)" sh -c '"$1" keys scan --format xml >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW"

# ---- scan, JSON ----
"$KW" keys scan -q --root "$R" --format json >"$TMP/inv.json"
expect "scan --root exits 0" test $? -eq 0

# the oracle: ssh-keygen -lf over every public key written into the tree
for f in root_ed alice_rsa bob_ecdsa carol_ecdsa shared alice_own ssh_host_ed25519_key ssh_host_rsa_key; do
	ssh-keygen -lf "$K/$f.pub" | awk -v n="$f" '{ t=$NF; gsub(/[()]/, "", t); print n, $1, $2, t }'
done >"$TMP/oracle.txt"
for f in root_ed alice_rsa bob_ecdsa carol_ecdsa shared alice_own ssh_host_ed25519_key ssh_host_rsa_key; do
	ssh-keygen -E md5 -lf "$K/$f.pub" | awk -v n="$f" '{ t=$NF; gsub(/[()]/, "", t); print n, $1, $2, t }'
done >"$TMP/oracle-md5.txt"

python3 - "$TMP/inv.json" "$TMP/oracle.txt" >"$TMP/check.txt" <<'PY'
import json, sys
inv = json.load(open(sys.argv[1]))
oracle = {}
for line in open(sys.argv[2]):
    name, bits, fp, label = line.split()
    oracle[name] = (int(bits), fp, label)
keys = inv["keys"]
def find(role, path, account=None):
    return [k for k in keys if k["role"] == role and k["path"] == path and (account is None or k["account"] == account)]
out = []
def check(what, ok):
    out.append(("ok " if ok else "BAD ") + what)
def same(k, name):
    b, fp, label = oracle[name]
    return k["bits"] == b and k["fingerprint"] == fp and k["label"] == label
a = find("authorized", "/root/.ssh/authorized_keys", "root")
ign = [k for k in a if k["sshd_ignores"]]
a = [k for k in a if not k["sshd_ignores"]]
check("root has 2 keys in /root/.ssh/authorized_keys", len(a) == 2)
check("the 2 lines sshd ignores are listed as such (lines 5 and 6)", [k["line"] for k in ign] == [5, 6])
check("root's ed25519 matches ssh-keygen", len(a) == 2 and same(a[0], "root_ed") and a[0]["line"] == 1)
check("root's options kept as written", len(a) == 2 and a[0]["options"] == 'from="10.0.0.0/8",no-agent-forwarding')
check("root's second key is the shared RSA 2048, line 4", len(a) == 2 and same(a[1], "shared") and a[1]["line"] == 4)
a = find("authorized", "/home/alice/.ssh/authorized_keys2", "alice")
check("alice's authorized_keys2 RSA 3072 matches ssh-keygen", len(a) == 1 and same(a[0], "alice_rsa"))
check("a comment with spaces is whole", len(a) == 1 and a[0]["comment"] == "alice laptop 2024")
a = find("authorized", "/home/alice/.ssh/authorized_keys", "alice")
check("alice's own ed25519 in authorized_keys", len(a) == 1 and same(a[0], "alice_own"))
a = find("authorized", "/etc/ssh/keys/bob", "bob")
check("bob's key found through AuthorizedKeysFile /etc/ssh/keys/%u", len(a) == 1 and same(a[0], "bob_ecdsa"))
check("bob's hostile comment is escaped", len(a) == 1 and "\x1b" not in a[0]["comment"] and "\\x1b" in a[0]["comment"].lower())
a = find("authorized", "/srv/carol/.ssh/granted", "carol")
check("carol's Match User file holds ecdsa-521 and the shared key", len(a) == 2 and same(a[0], "carol_ecdsa") and same(a[1], "shared"))
check("carol's default file is not read (the Match block replaces it): listed as unread", not find("authorized", "/srv/carol/.ssh/authorized_keys") and len(find("unread", "/srv/carol/.ssh/authorized_keys", "carol")) == 1)
shared = [k for k in keys if k["fingerprint"] == oracle["shared"][1]]
check("the shared key is linked across root and carol", len(shared) == 2 and all(k["same_key_count"] == 2 for k in shared))
p = find("private", "/home/alice/.ssh/id_ed25519")
check("alice's private key listed by its public fingerprint", len(p) == 1 and same(p[0], "alice_own") and p[0]["encrypted"] is False)
# alice's own key: her authorized key, her private key, and root's ignored line 6
check("the private key is linked to the authorized key it opens", len(p) == 1 and p[0]["same_key_count"] == 3)
h = [k for k in keys if k["role"] == "host"]
check("both host keys, matching ssh-keygen", sorted(k["fingerprint"] for k in h) == sorted([oracle["ssh_host_ed25519_key"][1], oracle["ssh_host_rsa_key"][1]]))
src = {(s["keyword"], s["value"]) for s in inv["sources"]}
check("AuthorizedKeysCommand named", ("AuthorizedKeysCommand", "/usr/local/bin/fetch-keys %u") in src)
check("TrustedUserCAKeys named", ("TrustedUserCAKeys", "/etc/ssh/user_ca.pub") in src)
s = inv["summary"]
check("summary: 7 authorized keys open 4 accounts, 1 unread, 2 ignored, 2 host keys, 1 private key",
      (s["authorized"], s["accounts"], s["unread"], s["ignored"], s["host"], s["private"]) == (7, 4, 1, 2, 2, 1))
md5 = {}
for line in open(sys.argv[2].replace("oracle.txt", "oracle-md5.txt")):
    name, bits, fp, label = line.split()
    md5[name] = fp
check("MD5 fingerprints equal ssh-keygen -E md5", all(k["fingerprint_md5"] == md5[n] for n in oracle for k in keys if k["fingerprint"] == oracle[n][1]))
check("format and version", inv["format"] == "keyward-keys-inventory" and inv["version"] == 1)
check("no private key material in the output", "PRIVATE KEY" not in open(sys.argv[1]).read())
print("\n".join(out))
PY
while read -r verdict what; do
	expect "$what" test "$verdict" = ok
done <"$TMP/check.txt"

# ---- text ----
"$KW" keys scan -q --root "$R" >"$TMP/inv.txt"
expect "text: the summary line" grep -q "7 authorized keys open 4 accounts; 2 host keys; 1 private key; 1 key in files sshd does not read; 2 lines sshd ignores" "$TMP/inv.txt"
expect "text: says why sshd ignores a line" grep -q 'sshd ignores this line (multiple "command" clauses)' "$TMP/inv.txt"
"$KW" keys scan -q --root "$R" --md5 >"$TMP/inv-md5.txt"
expect "text --md5: MD5 fingerprints as ssh-keygen -E md5 prints them" sh -c 'while read -r n b fp l; do grep -qF -- "$fp" "$2" || exit 1; done <"$1"' _ "$TMP/oracle-md5.txt" "$TMP/inv-md5.txt"
expect "text: every fingerprint of the oracle appears" sh -c 'while read -r n b fp l; do grep -qF -- "$fp" "$2" || exit 1; done <"$1"' _ "$TMP/oracle.txt" "$TMP/inv.txt"
expect "text: no raw control character" sh -c '! tr -d "\n" <"$1" | LC_ALL=C grep -q "[[:cntrl:]]"' _ "$TMP/inv.txt"
expect "text: the private key says it is not encrypted" grep -q "NOT encrypted" "$TMP/inv.txt"
expect "text: sources that cannot be listed offline" grep -q "AuthorizedKeysCommand /usr/local/bin/fetch-keys" "$TMP/inv.txt"

# ---- the same tree as a tarball ----
tar -C "$R" -cf "$TMP/image.tar" .
"$KW" keys scan -q --image "$TMP/image.tar" --format json --output "$TMP/inv-tar.json"
expect "scan --image exits 0 and writes --output" test -s "$TMP/inv-tar.json"
expect "--image gives the same keys as --root" python3 -c '
import json, sys
a, b = (json.load(open(p))["keys"] for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)' "$TMP/inv.json" "$TMP/inv-tar.json"
expect "--image reads stdin with -" sh -c '"$1" keys scan -q --image - --format json <"$2" | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)[\"summary\"][\"authorized\"] == 7 else 1)"' _ "$KW" "$TMP/image.tar"

# ---- sshd's compiled-in AuthorizedKeysFile (Debian's sshd_config leaves it commented out):
# both default files are read, each a file of its own ----
D="$TMP/default-root"
mkdir -p "$D/etc/ssh" "$D/home/dave/.ssh"
printf 'root:x:0:0:root:/root:/bin/bash\ndave:x:1000:1000::/home/dave:/bin/bash\n' >"$D/etc/passwd"
printf '#AuthorizedKeysFile     .ssh/authorized_keys .ssh/authorized_keys2\nUsePAM yes\n' >"$D/etc/ssh/sshd_config"
cp "$K/alice_own.pub" "$D/home/dave/.ssh/authorized_keys"
cp "$K/bob_ecdsa.pub" "$D/home/dave/.ssh/authorized_keys2"
"$KW" keys scan -q --root "$D" --format json --output "$TMP/default.json"
expect "default AuthorizedKeysFile: both files grant, none is unread" python3 -c '
import json, sys
inv = json.load(open(sys.argv[1]))
paths = sorted(k["path"] for k in inv["keys"] if k["role"] == "authorized" and k["account"] == "dave")
sys.exit(0 if paths == ["/home/dave/.ssh/authorized_keys", "/home/dave/.ssh/authorized_keys2"] and inv["summary"]["unread"] == 0 else 1)' "$TMP/default.json"

finish
