#!/usr/bin/env bash
# keys_fleet.sh — `keyward keys merge` end to end: three image roots built here with real
# ssh-keygen keys are scanned with `keyward keys scan --format json --fleet-key FILE` (one
# key file of 32 random bytes for the whole fleet), and the merge must report exactly what
# was planted: an admin key opening root on two hosts, one key in alice's and bob's
# accounts, a host key cloned onto two hosts, a private key on one host that opens another,
# a uid-0 account other than root, and the same shadow hash on two hosts (a different one
# on the third is not reported) from keyed password digests; the hash itself appears in no
# inventory and no report. Also: --hosts, a folder argument and stdin give the same view;
# a second inventory of one host is refused, or the newest kept with --newest, or both
# named by file with --name-by-file; malformed and oversized inventories are refused naming
# the file and the member; hostile strings come out escaped in text and JSON; usage errors
# exit 2.
. "$(dirname "$0")/lib.sh"
command -v ssh-keygen >/dev/null || { echo "not ok - ssh-keygen is required (openssh-client)"; exit 1; }
command -v openssl >/dev/null || { echo "not ok - openssl is required"; exit 1; }

K=$TMP/keys
mkdir -p "$K"
gen() { ssh-keygen -q -t "$1" -N "" -C "$2" -f "$K/$3" </dev/null; }
gen ed25519 "admin@ops" admin
gen ed25519 "alice laptop" alice
gen ed25519 "host" host_ed
gen ecdsa "deploy" deploy
fpr() { ssh-keygen -lf "$K/$1.pub" | awk '{ print $2 }'; }

H_SAME=$(openssl passwd -6 -salt fleetsalt1 hunter2)
H_OTHER=$(openssl passwd -6 -salt fleetsalt2 hunter2)

# mkroot DIR ROOT_HASH: passwd, shadow and empty .ssh folders
mkroot() {
	local r=$1
	mkdir -p "$r/etc/ssh" "$r/root/.ssh" "$r/home/alice/.ssh" "$r/home/bob/.ssh" "$r/home/ops/.ssh"
	printf 'AuthorizedKeysFile .ssh/authorized_keys\n' >"$r/etc/ssh/sshd_config"
	cat >"$r/etc/passwd" <<-EOF
	root:x:0:0:root:/root:/bin/bash
	alice:x:1000:1000::/home/alice:/bin/bash
	bob:x:1001:1001::/home/bob:/bin/bash
	ops:x:0:0::/home/ops:/bin/bash
	EOF
	printf 'root:%s:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\nbob:*:19000:0:99999:7:::\nops:*:19000:0:99999:7:::\n' \
		"$2" >"$r/etc/shadow"
}
mkroot "$TMP/a" "$H_SAME"
mkroot "$TMP/b" "$H_SAME"
mkroot "$TMP/c" "$H_OTHER"
cat "$K/admin.pub" >"$TMP/a/root/.ssh/authorized_keys"
cat "$K/admin.pub" >"$TMP/b/root/.ssh/authorized_keys"
cat "$K/alice.pub" >"$TMP/a/home/alice/.ssh/authorized_keys"
cat "$K/alice.pub" >"$TMP/c/home/bob/.ssh/authorized_keys"
cp "$K/alice" "$TMP/a/home/alice/.ssh/id_ed25519"
cat "$K/deploy.pub" >"$TMP/c/home/ops/.ssh/authorized_keys"   # ops is uid 0
for h in a b; do cp "$K/host_ed" "$TMP/$h/etc/ssh/ssh_host_ed25519_key"; cp "$K/host_ed.pub" "$TMP/$h/etc/ssh/ssh_host_ed25519_key.pub"; done

head -c 32 /dev/urandom >"$TMP/fleet.key"
mkdir -p "$TMP/inv"
"$KW" keys scan --help | grep -q -- '--fleet-key' || { echo "not ok - keys scan has no --fleet-key"; exit 1; }
for h in a b c; do
	"$KW" keys scan -q --root "$TMP/$h" --format json --fleet-key "$TMP/fleet.key" --output "$TMP/inv/$h.json"
done
expect "every inventory written" test -s "$TMP/inv/a.json" -a -s "$TMP/inv/b.json" -a -s "$TMP/inv/c.json"
expect "no inventory holds a password hash" sh -c '! grep -qF -e "$1" -e "$2" "$3"/*.json' _ "$H_SAME" "$H_OTHER" "$TMP/inv"

# ---- usage ----
expect "merge --help explains the sections" sh -c '"$1" keys merge --help | grep -q "host keys on several hosts"' _ "$KW"
expect "merge without inventories is a usage error (2)" sh -c '"$1" keys merge >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW"
expect "a bad --hosts is refused (2)" sh -c '"$1" keys merge --hosts -1 "$2" >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW" "$TMP/inv/a.json"
expect "a bad --format is refused (2)" sh -c '"$1" keys merge --format xml "$2" >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW" "$TMP/inv/a.json"
expect "a missing file is an input error (2)" sh -c '"$1" keys merge "$2" /nonexistent.json >/dev/null 2>&1; [ $? -eq 2 ]' _ "$KW" "$TMP/inv/a.json"

# ---- the fleet, JSON ----
"$KW" keys merge "$TMP/inv/a.json" "$TMP/inv/b.json" "$TMP/inv/c.json" --format json --output "$TMP/fleet.json"
expect "findings exit 1" test $? -eq 1
python3 - "$TMP/fleet.json" "$(fpr admin)" "$(fpr alice)" "$(fpr host_ed)" "$(fpr deploy)" "$TMP" >"$TMP/check.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
admin, alice, host, deploy, tmp = sys.argv[2:7]
out = []
def check(what, ok):
    out.append(("ok " if ok else "BAD ") + what)
def fps(section):
    return [k["fingerprint"] for k in r[section]]
def short(h):
    return h.replace("folder " + tmp + "/", "")
check("format keyward-keys-fleet version 1", r["format"] == "keyward-keys-fleet" and r["version"] == 1)
check("three hosts, none superseded", r["summary"]["hosts"] == 3 and r["summary"]["superseded"] == 0)
check("widespread: the admin key and alice's key (each on two hosts), nothing else", sorted(fps("widespread")) == sorted([admin, alice]))
k = [k for k in r["widespread"] if k["fingerprint"] == admin]
check("the admin key opens root on a and b", k and sorted((short(p["host"]), p["account"]) for p in k[0]["places"]) == [("a", "root"), ("b", "root")])
check("the admin key keeps its comment and type", k and k[0]["comment"] == "admin@ops" and k[0]["label"] == "ED25519" and k[0]["bits"] == 256)
check("root: the admin key by name and deploy through ops, uid 0", sorted(fps("root")) == sorted([admin, deploy]))
check("people: alice's key in alice@a and bob@c", fps("people") == [alice] and r["people"][0]["accounts"] == ["alice", "bob"])
check("host keys: the cloned host key on a and b", fps("host_keys") == [host] and r["host_keys"][0]["hosts"]["host"] == 2)
check("private keys on several hosts: none", r["private_keys"] == [])
check("hops: alice's private key on a opens bob on c", fps("hops") == [alice])
pw = r["passwords"]
check("passwords compared under one fleet key", pw["compared"] and len(pw["fleet_keys"]) == 1 and pw["fleet_keys"][0]["hosts"] == 3)
check("one shared password: root on a and b, not c", len(pw["shared"]) == 1 and sorted((short(a["host"]), a["account"]) for a in pw["shared"][0]["accounts"]) == [("a", "root"), ("b", "root")])
check("no digest in the report", all("digest" not in k for g in pw["shared"] for a in g["accounts"] for k in a))
check("summary counts", r["summary"]["findings"] == {"widespread": 2, "root": 2, "people": 1, "host_keys": 1, "private_keys": 0, "hops": 1, "passwords": 1})
print("\n".join(out))
PY
while read -r verdict what; do
	expect "$what" test "$verdict" = ok
done <"$TMP/check.txt"
expect "no password hash in the report" sh -c '! grep -qF -e "$1" -e "$2" "$3"' _ "$H_SAME" "$H_OTHER" "$TMP/fleet.json"

# ---- text ----
"$KW" keys merge "$TMP/inv/a.json" "$TMP/inv/b.json" "$TMP/inv/c.json" >"$TMP/fleet.txt"
expect "text: exit 1" test $? -eq 1
expect "text: the summary line" grep -q "^fleet of 3 hosts: 5 authorized keys (3 distinct)" "$TMP/fleet.txt"
expect "text: the admin key's fingerprint, as ssh-keygen prints it" grep -qF "$(fpr admin)" "$TMP/fleet.txt"
expect "text: ops is marked uid 0" grep -q "ops (uid 0)" "$TMP/fleet.txt"
expect "text: the cloned host key section" grep -q "one host key on several hosts" "$TMP/fleet.txt"
expect "text: the shared password group" grep -q "group 1: 2 accounts on 2 hosts" "$TMP/fleet.txt"

# ---- --hosts, folder, stdin ----
"$KW" keys merge --hosts 2 "$TMP/inv" --format json --output "$TMP/h2.json"
expect "--hosts 2: no key opens more than two hosts" test "$(jget "$TMP/h2.json" 'len(r["widespread"])')" = 0
"$KW" keys merge "$TMP/inv" --format json --output "$TMP/dir.json"
expect "a folder gives the same view as its files" python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    for i in r["inventories"]: i.pop("file")
sys.exit(0 if a == b else 1)' "$TMP/fleet.json" "$TMP/dir.json"
expect "- reads an inventory from stdin" sh -c '"$1" keys merge "$2" - --format json <"$3" | python3 -c "import json,sys; r=json.load(sys.stdin); sys.exit(0 if r[\"summary\"][\"hosts\"] == 2 and r[\"inventories\"][1][\"file\"] == \"-\" else 1)"' _ "$KW" "$TMP/inv/a.json" "$TMP/inv/b.json"

# ---- one host twice ----
cp "$TMP/inv/a.json" "$TMP/a-again.json"
expect "two inventories of one host are refused (2)" sh -c '"$1" keys merge "$2" "$3" 2>"$4" >/dev/null; [ $? -eq 2 ] && grep -q "two inventories of one host" "$4"' _ "$KW" "$TMP/inv/a.json" "$TMP/a-again.json" "$TMP/err.txt"
expect "--name-by-file: two files of one hostname are two hosts" sh -c '"$1" keys merge --name-by-file "$2" "$3" | grep -q "^fleet of 2 hosts"' _ "$KW" "$TMP/inv/a.json" "$TMP/a-again.json"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); r["scanned"] = "2000-01-01T00:00:00Z"
json.dump(r, open(sys.argv[2], "w"))' "$TMP/inv/a.json" "$TMP/a-old.json"
"$KW" keys merge --newest "$TMP/a-old.json" "$TMP/inv/a.json" "$TMP/inv/b.json" >"$TMP/newest.txt"
expect "--newest: the older inventory is named and not counted" sh -c 'grep -q "^fleet of 2 hosts" "$1" && grep -q "a-old.json: an older inventory of" "$1"' _ "$TMP/newest.txt"

# ---- refused inventories ----
python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); r["keys"][0]["fingerprint"] = 5
json.dump(r, open(sys.argv[2], "w"))' "$TMP/inv/a.json" "$TMP/bad.json"
expect "a malformed inventory is refused, naming file and member (2)" sh -c '"$1" keys merge "$2" "$3" 2>"$4" >/dev/null; [ $? -eq 2 ] && grep -q "bad.json: keys\[0\].fingerprint: a string or null is needed" "$4"' _ "$KW" "$TMP/inv/b.json" "$TMP/bad.json" "$TMP/err.txt"
printf '{"format":"keyward-keys-inventory","version":1,"version":1,"keys":[]}' >"$TMP/dup.json"
expect "duplicate members are refused (2)" sh -c '"$1" keys merge "$2" 2>"$3" >/dev/null; [ $? -eq 2 ] && grep -q "duplicate object key" "$3"' _ "$KW" "$TMP/dup.json" "$TMP/err.txt"
truncate -s 65M "$TMP/big.json"
expect "an inventory over 64 MiB is refused (2)" sh -c '"$1" keys merge "$2" 2>"$3" >/dev/null; [ $? -eq 2 ] && grep -q "larger than 64 MiB" "$3"' _ "$KW" "$TMP/big.json" "$TMP/err.txt"
expect "every refused file is named, not only the first" sh -c '"$1" keys merge "$2" "$3" 2>"$4" >/dev/null; grep -q "bad.json" "$4" && grep -q "dup.json" "$4"' _ "$KW" "$TMP/bad.json" "$TMP/dup.json" "$TMP/err.txt"

# ---- hostile strings ----
python3 - "$TMP/inv/a.json" "$TMP/evil.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["host"] = "evil\u001b]0;owned\u0007\u202ehost"
for k in r["keys"]:
    if k["account"]:
        k["account"] = "root\u001b[2J\nfake line"
    k["path"] = "/x\u009b31m"
    if k.get("comment") is not None:
        k["comment"] = "\u001b[31mred"
json.dump(r, open(sys.argv[2], "w"))
PY
"$KW" keys merge "$TMP/evil.json" "$TMP/inv/b.json" >"$TMP/evil.txt"
expect "hostile text: no raw control character reaches the terminal" python3 -c '
import sys
t = open(sys.argv[1], encoding="utf-8").read()
sys.exit(0 if all(c == "\n" or (ord(c) >= 0x20 and not 0x7f <= ord(c) <= 0x9f and c != "\u202e") for c in t) else 1)' "$TMP/evil.txt"
expect "hostile text: shown escaped" grep -qF 'evil\x1b]0;owned\x07\u{202e}host' "$TMP/evil.txt"
"$KW" keys merge "$TMP/evil.json" "$TMP/inv/b.json" --format json --output "$TMP/evil.out.json"
expect "hostile JSON: no decoded string holds a control character" python3 -c '
import json, sys
def walk(v):
    if isinstance(v, str):
        return all(ord(c) >= 0x20 and not 0x7f <= ord(c) <= 0x9f and c != "\u202e" for c in v)
    if isinstance(v, list):
        return all(walk(x) for x in v)
    if isinstance(v, dict):
        return all(walk(x) for x in v.values())
    return True
sys.exit(0 if walk(json.load(open(sys.argv[1]))) else 1)' "$TMP/evil.out.json"

# ---- nothing to report, and no digests ----
mkdir -p "$TMP/plain"
mkroot "$TMP/plain" '*'
"$KW" keys scan -q --root "$TMP/plain" --format json --output "$TMP/plain.json"
"$KW" keys merge "$TMP/plain.json" >"$TMP/plain.txt"
expect "a fleet with nothing to report exits 0" test $? -eq 0
expect "and says so" grep -q "nothing to report" "$TMP/plain.txt"
expect "and says passwords were not compared, and how to scan for them" grep -q "keyward keys scan --fleet-key FILE" "$TMP/plain.txt"

finish
