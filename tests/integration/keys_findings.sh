#!/usr/bin/env bash
# keys_findings.sh — the findings of `keyward keys scan` end to end, on an image root built
# here with one problem of each kind (real ssh-keygen keys; the DSA and RSA-1024 keys are
# fixture strings, since newer ssh-keygen cannot make them): every finding appears with
# the right id, account, path, line and fingerprint, and the clean keys get none; the
# "accounts" array (can_login, why_not, password, authorized_keys); text output groups
# findings by severity and escapes a hostile path; --allowed (fingerprints, ssh-keygen -l
# lines, public key lines; a bad line is a usage error naming file:line); --fail-on exit
# codes; --profile strict raises the RSA size and asks root keys for from=; PermitRootLogin
# yes makes an unrestricted root key critical, no makes it dead weight; a tarball of the
# tree gives the same findings (StrictModes read from the archive's modes); without an
# sshd_config the sshd checks are skipped and said so; --fleet-key gives fleet_key_id and
# a password_digest for hash passwords only (a locked copy matches the unlocked hash).
. "$(dirname "$0")/lib.sh"
command -v ssh-keygen >/dev/null || { echo "not ok - ssh-keygen is required (openssh-client)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "not ok - must run as root (fixture files owned by other uids)"; exit 1; }

DSA_PUB='ssh-dss AAAAB3NzaC1kc3MAAACBAObYFtY/fpaFd4oGulyhLqQASdS3vKXeG/bbQxD7pj8jHZSYWLB0iRHG85XlbJMEiFS1HvXOt+xvCmWTYJD9AENGkUZY3iHc4mV1cyuijuwrhAm1WaCiZvXDjFwU4HWiSjHLVlxQ9HC4snJbfX94gST4+NTu/mP3vuMgs3AuXBTnAAAAFQDJmBO2vrbnBq7e4lGxH3sbTEX4sQAAAIEA4rRpD06HhpYZ9JvOJEAvhDmyazf4LyBRGmUMAilpJYEToXx8tjB4lUm9kDlvB/fHQa6PKX6sJt7SAClEHljeDk7evw1EnwCeW4t17NAUA4BTQszI5Q1HViOa3xXfh6jjhlMuO8YpQSgJKG4t4S+2nPKtqGJPz5xnOHdZBFicyVEAAACBAJxScwtkzyTnXaOqGSjgpkLaSjxbXG3bOSAu1s+DSXWcZUceSde2+3Zr2GaARtpDMS3N+zcBJsTEC5TflJlh4WKn7z9z9WmInSlgIhxTksxlwQUCJOPVQ4zzBw6VMIYYkBiOXZEy02mkwg0ihVcq2z7l4aQvaDfUDLPh5GeEMo0G old-dsa'
RSA1024_PUB='ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDjg1kkRL9qIZe2utPF2L1fQdL6ZyXO9I+rg2+M1n2+dZfcm7HeRn+pe9Ul/D2u4ZGmJVIOWEiULzZl8KNiJNE3jQCZoW39XC6tj0unxJ2sMbOmkI9YYhyQ2nZMm+uygbjTK5s3feJs92P/wBWCzI45VXQUTrLxwKf+f9bOmMQ4wQ== old-rsa'

K=$TMP/keys
mkdir -p "$K"
gen() { ssh-keygen -q -t "$1" ${2:+-b "$2"} -N "" -C "$3" -f "$K/$4" </dev/null; }
gen ed25519 "" "root key" root_ed
gen ed25519 "" "root from" root_from
gen ed25519 "" "alice ok" alice_ok
gen ed25519 "" "alice expired" alice_exp
gen rsa 2048 "shared deploy" shared
gen ed25519 "" "svc" svc
gen ed25519 "" "dan" dan
gen ed25519 "" "eve" eve
gen ecdsa 256 "two commands" twocmd
printf '%s\n' "$DSA_PUB" >"$K/dsa.pub"
printf '%s\n' "$RSA1024_PUB" >"$K/rsa1024.pub"
fp() { ssh-keygen -lf "$K/$1.pub" | awk '{ print $2 }'; }

R=$TMP/root
EVE_HOME=$(printf '/home/eve\033[31mX')
mkdir -p "$R/etc/ssh" "$R/bin" "$R/usr/sbin" "$R/root/.ssh" "$R$EVE_HOME/.ssh"
for u in alice bob svc dan; do mkdir -p "$R/home/$u/.ssh"; done
printf '#!/bin/sh\n' >"$R/bin/bash"
chmod 755 "$R/bin/bash"
printf '#!/bin/sh\n' >"$R/usr/sbin/nologin"
chmod 755 "$R/usr/sbin/nologin"
HASH='$6$saltsalt$iKez3AfrKuShhpF..LHML68g.BtZ2Ob9Nd5iZnx.bJmkt.n1ZlM7la/YJ4kkU7fIATZdMcig3A6ICOM6Pr8TR.' # openssl passwd -6
{
	echo 'root:x:0:0:root:/root:/bin/bash'
	echo 'alice:x:1000:1000::/home/alice:/bin/bash'
	echo 'bob:x:1001:1001::/home/bob:/bin/bash'
	echo 'svc:x:999:999:service:/home/svc:/usr/sbin/nologin'
	echo 'dan:x:1003:1003::/home/dan:/bin/bash'
	printf 'eve:x:1004:1004::%s:/bin/bash\n' "$EVE_HOME"
	echo 'nokeys:x:1005:1005::/nonexistent:/usr/sbin/nologin'
} >"$R/etc/passwd"
{
	echo 'root:*:19000:0:99999:7:::'
	echo 'alice:!:19000:0:99999:7:::'
	echo "bob:$HASH:19000:0:99999:7:::"
	echo 'svc:*:19000:0:99999:7:::'
	echo "dan:!$HASH:19000:0:99999:7:::"
	echo 'eve::19000:0:99999:7:::'
	echo 'nokeys:*:19000:0:99999:7:::'
} >"$R/etc/shadow"
printf 'root:x:0:\nalice:x:1000:\nbob:x:1001:\nsvc:x:999:\ndan:x:1003:\neve:x:1004:\n' >"$R/etc/group"
CFG='UsePAM yes\nDenyUsers dan\nAuthorizedKeysFile .ssh/authorized_keys\n'
printf "$CFG" >"$R/etc/ssh/sshd_config"

{
	cat "$K/root_ed.pub"                                                  # 1 root-unrestricted
	printf 'from="10.0.0.0/8" %s\n' "$(cat "$K/root_from.pub")"          # 2 clean
} >"$R/root/.ssh/authorized_keys"
{
	cat "$K/dsa.pub"                                                      # 1 dsa
	cat "$K/rsa1024.pub"                                                  # 2 rsa-short
	printf 'ssh-rsa %s typed-wrong\n' "$(cut -d' ' -f2 "$K/alice_ok.pub")" # 3 type-mismatch
	printf 'expiry-time="20010101" %s\n' "$(cat "$K/alice_exp.pub")"     # 4 expired
	cat "$K/shared.pub"                                                   # 5 shared (with bob)
	cat "$K/alice_ok.pub"                                                 # 6 clean
	printf 'no-pty %s\n' "$(cat "$K/alice_ok.pub")"                      # 7 duplicate-line
	printf 'ssh-ed25519 !!!not-base64!!!\n'                               # 8 unparsable
	printf 'command="a",command="b" %s\n' "$(cat "$K/twocmd.pub")"       # 9 unparsable (options)
} >"$R/home/alice/.ssh/authorized_keys"
cat "$K/shared.pub" >"$R/home/bob/.ssh/authorized_keys"
cat "$K/svc.pub" >"$R/home/svc/.ssh/authorized_keys"                    # dead-weight (nologin)
cat "$K/dan.pub" >"$R/home/dan/.ssh/authorized_keys"                    # dead-weight (DenyUsers)
cat "$K/eve.pub" >"$R$EVE_HOME/.ssh/authorized_keys"                    # strictmodes (0666)
own() { chown -R "$2:$2" "$R$1"; }
own /home/alice 1000; own /home/bob 1001; own /home/svc 999; own /home/dan 1003; own "$EVE_HOME" 1004
chmod 755 "$R"/home/* "$R/root"
chmod 700 "$R"/home/*/.ssh "$R/root/.ssh"
chmod 600 "$R"/home/*/.ssh/authorized_keys "$R/root/.ssh/authorized_keys"
chmod 666 "$R$EVE_HOME/.ssh/authorized_keys"

for k in root_ed root_from alice_ok alice_exp shared svc dan eve twocmd dsa rsa1024; do
	printf '%s %s\n' "$k" "$(fp "$k")"
done >"$TMP/fps.txt"

# ---- scan, JSON ----
"$KW" keys scan -q --root "$R" --format json >"$TMP/f.json" 2>>"$TMP/err.log"
expect "scan with findings and no --fail-on exits 0" test $? -eq 0

cat >"$TMP/check.py" <<'PY'
import json, sys
inv = json.load(open(sys.argv[1]))
fps = dict(line.split() for line in open(sys.argv[2]))
eve_home = "/home/eve\\x1b[31mX"
out = []
def check(what, ok):
    out.append(("ok " if ok else "BAD ") + what)
F = inv["findings"]
def has(id, account=None, path=None, line=None, fp=None, sev=None):
    return [f for f in F if f["id"] == id and (account is None or f["account"] == account)
            and (path is None or f["path"] == path) and (line is None or f["line"] == line)
            and (fp is None or f["fingerprint"] == fps[fp]) and (sev is None or f["severity"] == sev)]
A = "/home/alice/.ssh/authorized_keys"
check("keys.dsa on alice:1 (high)", len(has("keys.dsa", "alice", A, 1, "dsa", "high")) == 1)
check("keys.rsa-short on alice:2 (high)", len(has("keys.rsa-short", "alice", A, 2, "rsa1024", "high")) == 1)
check("keys.type-mismatch on alice:3", len(has("keys.type-mismatch", "alice", A, 3, "alice_ok", "medium")) == 1)
check("keys.expired on alice:4", len(has("keys.expired", "alice", A, 4, "alice_exp")) == 1)
sh = has("keys.shared-across-accounts", fp="shared")
check("keys.shared-across-accounts once for the shared key, naming alice and bob",
      len(sh) == 1 and "alice" in sh[0]["evidence"] and "bob" in sh[0]["evidence"] and sh[0]["account"] is None)
check("keys.duplicate-line on alice:7, pointing at line 6", len(has("keys.duplicate-line", "alice", A, 7, "alice_ok")) == 1
      and "line 6" in has("keys.duplicate-line")[0]["evidence"])
check("keys.unparsable-line on alice:8 (no key) and alice:9 (two command=)",
      len(has("keys.unparsable-line", "alice", A, 8)) == 1 and has("keys.unparsable-line", "alice", A, 8)[0]["fingerprint"] is None
      and len(has("keys.unparsable-line", "alice", A, 9, "twocmd")) == 1 and "command" in has("keys.unparsable-line", line=9)[0]["evidence"])
check("keys.root-unrestricted on root:1, high under PermitRootLogin prohibit-password",
      len(has("keys.root-unrestricted", "root", "/root/.ssh/authorized_keys", 1, "root_ed", "high")) == 1)
check("keys.dead-weight for svc (no login shell)", len(has("keys.dead-weight", "svc", fp="svc")) == 1
      and "not a login shell" in has("keys.dead-weight", "svc")[0]["evidence"])
check("keys.dead-weight for dan (DenyUsers)", len(has("keys.dead-weight", "dan", fp="dan")) == 1
      and "DenyUsers" in has("keys.dead-weight", "dan")[0]["evidence"])
check("keys.strictmodes-rejects for eve's 0666 file", len(has("keys.strictmodes-rejects", "eve", eve_home + "/.ssh/authorized_keys")) == 1)
clean = [f for f in F if f["fingerprint"] in (fps["root_from"],) or (f["line"] == 6 and f["path"] == A)]
check("the clean keys (root:2 with from=, alice:6) have no finding", clean == [])
check("no keys.from-missing nor keys.not-allowed with baseline and no allowlist",
      not has("keys.from-missing") and not has("keys.not-allowed"))
check("findings sorted by severity", [f["severity"] for f in F] == sorted((f["severity"] for f in F),
      key=["critical", "high", "medium", "low", "info"].index))
check("every finding has id, severity, title, account, path, line, fingerprint, evidence",
      all(set(f) == {"id", "severity", "title", "account", "path", "line", "fingerprint", "evidence"} for f in F))
acc = {a["name"]: a for a in inv["accounts"]}
check("accounts: every passwd account, in passwd order",
      [a["name"] for a in inv["accounts"]] == ["root", "alice", "bob", "svc", "dan", "eve\\x1b[31mX".replace("\\x1b[31mX", ""), "nokeys"]
      or [a["name"] for a in inv["accounts"]] == ["root", "alice", "bob", "svc", "dan", "eve", "nokeys"])
check("accounts: alice can log in, dan cannot (DenyUsers), svc and nokeys cannot (shell)",
      acc["alice"]["can_login"] is True and acc["alice"]["why_not"] is None
      and acc["dan"]["can_login"] is False and "DenyUsers" in acc["dan"]["why_not"]
      and acc["svc"]["can_login"] is False and acc["nokeys"]["can_login"] is False)
check("accounts: password usable / locked / empty / none",
      (acc["bob"]["password"], acc["dan"]["password"], acc["eve"]["password"], acc["alice"]["password"]) == ("usable", "locked", "empty", "none"))
check("accounts: authorized_keys counts the lines sshd uses (alice: 6, bob: 1, nokeys: 0)",
      (acc["alice"]["authorized_keys"], acc["bob"]["authorized_keys"], acc["nokeys"]["authorized_keys"]) == (6, 1, 0))
check("accounts: uid and shell", acc["svc"]["uid"] == 999 and acc["svc"]["shell"] == "/usr/sbin/nologin")
check("without --fleet-key: fleet_key_id and every password_digest are null",
      inv["fleet_key_id"] is None and all(a["password_digest"] is None for a in inv["accounts"]))
check("top-level order: ... sources, accounts, fleet_key_id, findings",
      list(inv)[-4:] == ["sources", "accounts", "fleet_key_id", "findings"])
check("no password hash in the output", "$6$" not in open(sys.argv[1]).read())
print("\n".join(out))
PY
python3 "$TMP/check.py" "$TMP/f.json" "$TMP/fps.txt" >"$TMP/check.txt"
while read -r verdict what; do
	expect "$what" test "$verdict" = ok
done <"$TMP/check.txt"

# ---- text ----
"$KW" keys scan -q --root "$R" >"$TMP/f.txt" 2>>"$TMP/err.log"
expect "text: findings after the key list, counted by severity" grep -q '^findings: [0-9]* (0 critical, 3 high, ' "$TMP/f.txt"
expect "text: HIGH before MEDIUM before LOW" sh -c 'grep -oE "^  (HIGH|MEDIUM|LOW) " "$1" | uniq | tr -d " \n" | grep -qx "HIGHMEDIUMLOW"' _ "$TMP/f.txt"
expect "text: the hostile home path is escaped, no raw control character" sh -c \
	'grep -qF "/home/eve\\x1b[31mX/.ssh/authorized_keys" "$1" && ! tr -d "\n" <"$1" | LC_ALL=C grep -q "[[:cntrl:]]"' _ "$TMP/f.txt"
expect "text: the DenyUsers reason is shown" grep -q "denied by DenyUsers dan" "$TMP/f.txt"
"$KW" keys scan -q --root "$R" --no-findings >"$TMP/nf.txt" 2>>"$TMP/err.log"
expect "--no-findings: the list without findings" sh -c '! grep -q "^findings" "$1" && grep -q "authorized keys" "$1"' _ "$TMP/nf.txt"

# ---- --fail-on ----
"$KW" keys scan -q --root "$R" --fail-on high >/dev/null 2>>"$TMP/err.log"
expect "--fail-on high with high findings exits 1" test $? -eq 1
"$KW" keys scan -q --root "$R" --fail-on critical >/dev/null 2>>"$TMP/err.log"
expect "--fail-on critical without critical findings exits 0" test $? -eq 0
"$KW" keys scan -q --root "$R" --fail-on severe >/dev/null 2>&1
expect "a bad --fail-on is a usage error (2)" test $? -eq 2

# ---- --allowed ----
{
	echo "# the keys meant to be here"
	fp root_ed
	ssh-keygen -lf "$K/alice_ok.pub"                # ssh-keygen -l's line
	printf 'from="10.0.0.0/8" %s\n' "$(cat "$K/root_from.pub")"
	echo
} >"$TMP/allowed"
"$KW" keys scan -q --root "$R" --format json --allowed "$TMP/allowed" >"$TMP/al.json" 2>>"$TMP/err.log"
expect "--allowed: every authorized key not listed is keys.not-allowed (high), the listed ones are not" python3 - "$TMP/al.json" "$TMP/fps.txt" <<'PY'
import json, sys
inv = json.load(open(sys.argv[1]))
fps = dict(line.split() for line in open(sys.argv[2]))
na = {(f["account"], f["line"], f["fingerprint"]) for f in inv["findings"] if f["id"] == "keys.not-allowed"}
want = {("alice", 1, fps["dsa"]), ("alice", 2, fps["rsa1024"]), ("alice", 4, fps["alice_exp"]),
        ("alice", 5, fps["shared"]), ("bob", 1, fps["shared"]), ("svc", 1, fps["svc"]),
        ("dan", 1, fps["dan"]), ("eve", 1, fps["eve"])}
sev = {f["severity"] for f in inv["findings"] if f["id"] == "keys.not-allowed"}
sys.exit(0 if na == want and sev == {"high"} else (print(sorted(na ^ want)) or 1))
PY
printf '%s\nSHA256:tooshort\n' "$(fp root_ed)" >"$TMP/bad-allowed"
"$KW" keys scan -q --root "$R" --allowed "$TMP/bad-allowed" >/dev/null 2>"$TMP/bad-allowed.err"
expect "--allowed with a malformed line exits 2" test $? -eq 2
expect "... naming file:line" grep -qF "$TMP/bad-allowed:2:" "$TMP/bad-allowed.err"

# ---- profiles ----
"$KW" keys scan -q --root "$R" --format json --profile strict >"$TMP/strict.json" 2>>"$TMP/err.log"
expect "--profile strict: RSA 2048 is short (3072), root:1 needs from=, root:2 has it" python3 - "$TMP/strict.json" "$TMP/fps.txt" <<'PY'
import json, sys
F = json.load(open(sys.argv[1]))["findings"]
fps = dict(line.split() for line in open(sys.argv[2]))
short = {f["fingerprint"] for f in F if f["id"] == "keys.rsa-short"}
fm = {(f["account"], f["line"]) for f in F if f["id"] == "keys.from-missing"}
sys.exit(0 if short == {fps["shared"], fps["rsa1024"]} and fm == {("root", 1)} else 1)
PY
printf 'include strict\nset keys-require-from all\nseverity keys.dsa critical\ndisable keys.expired\n' >"$TMP/my.profile"
"$KW" keys scan -q --root "$R" --format json --profile "$TMP/my.profile" >"$TMP/my.json" 2>>"$TMP/err.log"
expect "a profile file: require-from all, a severity and a disabled check apply" python3 - "$TMP/my.json" <<'PY'
import json, sys
F = json.load(open(sys.argv[1]))["findings"]
fm = {f["account"] for f in F if f["id"] == "keys.from-missing"}
ok = fm >= {"alice", "bob", "root"} and [f["severity"] for f in F if f["id"] == "keys.dsa"] == ["critical"] \
     and not [f for f in F if f["id"] == "keys.expired"]
sys.exit(0 if ok else 1)
PY
printf 'severity keys.no-such-check high\n' >"$TMP/bad.profile"
"$KW" keys scan -q --root "$R" --profile "$TMP/bad.profile" >/dev/null 2>&1
expect "a profile naming an unknown check is a usage error (2)" test $? -eq 2

# ---- PermitRootLogin ----
cp "$R/etc/ssh/sshd_config" "$TMP/sshd_config.orig"
printf 'PermitRootLogin yes\n' >>"$R/etc/ssh/sshd_config"
"$KW" keys scan -q --root "$R" --format json --fail-on critical >"$TMP/pryes.json" 2>>"$TMP/err.log"
expect "PermitRootLogin yes: the unrestricted root key is critical (and --fail-on critical exits 1)" sh -c \
	'[ $? -eq 0 ] || true; python3 -c "import json,sys; F=json.load(open(sys.argv[1]))[\"findings\"]; sys.exit(0 if [f[\"severity\"] for f in F if f[\"id\"]==\"keys.root-unrestricted\"]==[\"critical\"] else 1)" "$1"' _ "$TMP/pryes.json"
"$KW" keys scan -q --root "$R" --fail-on critical >/dev/null 2>>"$TMP/err.log"
expect "... --fail-on critical exits 1" test $? -eq 1
printf "${CFG}PermitRootLogin no\n" >"$R/etc/ssh/sshd_config"
"$KW" keys scan -q --root "$R" --format json >"$TMP/prno.json" 2>>"$TMP/err.log"
expect "PermitRootLogin no: both root keys are dead weight, none is root-unrestricted" python3 -c '
import json, sys
F = json.load(open(sys.argv[1]))["findings"]
dead = [f["line"] for f in F if f["id"] == "keys.dead-weight" and f["account"] == "root"]
sys.exit(0 if sorted(dead) == [1, 2] and not [f for f in F if f["id"] == "keys.root-unrestricted"] else 1)' "$TMP/prno.json"
cp "$TMP/sshd_config.orig" "$R/etc/ssh/sshd_config"

# ---- a tarball of the tree ----
tar -C "$R" -cf "$TMP/image.tar" .
"$KW" keys scan -q --image "$TMP/image.tar" --format json >"$TMP/tar.json" 2>>"$TMP/err.log"
expect "--image: the same findings as --root (StrictModes and dead weight included)" python3 -c '
import json, sys
a, b = ([(f["id"], f["account"], f["path"], f["line"], f["fingerprint"]) for f in json.load(open(p))["findings"]] for p in sys.argv[1:3])
sys.exit(0 if a == b and any(x[0] == "keys.strictmodes-rejects" for x in b) else 1)' "$TMP/f.json" "$TMP/tar.json"

# ---- no sshd_config ----
mv "$R/etc/ssh/sshd_config" "$TMP/sshd_config.moved"
"$KW" keys scan -q --root "$R" --format json >"$TMP/nocfg.json" 2>"$TMP/nocfg.err"
expect "no sshd_config: said on stderr" grep -q "no sshd configuration" "$TMP/nocfg.err"
expect "no sshd_config: no dead-weight or StrictModes findings, can_login null, key checks still run" python3 -c '
import json, sys
inv = json.load(open(sys.argv[1]))
ids = {f["id"] for f in inv["findings"]}
ok = "keys.dead-weight" not in ids and "keys.strictmodes-rejects" not in ids and "keys.dsa" in ids \
     and "keys.root-unrestricted" in ids and all(a["can_login"] is None for a in inv["accounts"])
sys.exit(0 if ok else 1)' "$TMP/nocfg.json"
"$KW" keys scan -q --root "$R" >"$TMP/nocfg.txt" 2>/dev/null
expect "no sshd_config: the text says so" grep -q "^note: no sshd configuration" "$TMP/nocfg.txt"
mv "$TMP/sshd_config.moved" "$R/etc/ssh/sshd_config"

# ---- --fleet-key ----
head -c 32 /dev/urandom >"$TMP/fleet.key"
"$KW" keys scan -q --root "$R" --format json --fleet-key "$TMP/fleet.key" >"$TMP/fleet.json" 2>>"$TMP/err.log"
expect "--fleet-key: fleet_key_id, and a password_digest for hash passwords only" python3 - "$TMP/fleet.json" "$TMP/fleet.key" "$HASH" <<'PY'
import hashlib, hmac, json, sys
inv = json.load(open(sys.argv[1]))
key = open(sys.argv[2], "rb").read()
want_id = hashlib.sha256(b"keyward-fleet-key-id\n" + key).digest()[:8].hex()
acc = {a["name"]: a for a in inv["accounts"]}
d = hmac.new(key, sys.argv[3].encode(), hashlib.sha256).hexdigest()
ok = inv["fleet_key_id"] == want_id and acc["bob"]["password_digest"] == d \
     and acc["dan"]["password_digest"] == d \
     and all(acc[n]["password_digest"] is None for n in ("root", "alice", "svc", "eve", "nokeys"))
sys.exit(0 if ok else 1)
PY
head -c 15 /dev/urandom >"$TMP/short.key"
"$KW" keys scan -q --root "$R" --fleet-key "$TMP/short.key" >/dev/null 2>&1
expect "--fleet-key shorter than 16 bytes is refused (2)" test $? -eq 2
head -c 4097 /dev/zero >"$TMP/long.key"
"$KW" keys scan -q --root "$R" --fleet-key "$TMP/long.key" >/dev/null 2>&1
expect "--fleet-key over 4 KiB is refused (2)" test $? -eq 2

# ---- help ----
expect "keys --help lists every subcommand" sh -c 'h=$("$1" keys --help); for s in scan snapshot diff add remove rotate log merge; do printf "%s\n" "$h" | grep -qE "^  $s " || exit 1; done' _ "$KW"
expect "keys scan --help has its own text with the options" sh -c '"$1" keys scan --help | grep -q -- "--allowed FILE"' _ "$KW"

finish
