#!/usr/bin/env bash
# keys_store.sh — `keyward keys snapshot` and `keyward keys diff` end to end on an image
# root built here with real ssh-keygen keys: a snapshot, then authorized_keys edited (a key
# added, one removed, one's options changed, one key given to a second account, one moved
# a line down), and the diff shows exactly those, in text and JSON, with diff(1)'s exit
# codes; --since by number, latest~N and date; --to between stored snapshots; --list;
# the audit trail has one line per snapshot, re-verified by an independent Python
# checker of the hash chain, with the authorized fingerprints ssh-keygen computes; a
# symbolic-link --db, a newer schema and a database edited behind keyward's back are
# refused; a hostile comment is escaped; an unreadable file makes the snapshot exit 3
# and the next diff says so; --image (and stdin with --name); two snapshots at once.
. "$(dirname "$0")/lib.sh"
command -v ssh-keygen >/dev/null || { echo "not ok - ssh-keygen is required (openssh-client)"; exit 1; }
command -v python3 >/dev/null || { echo "not ok - python3 is required"; exit 1; }

R=$TMP/root
K=$TMP/keys
DB=$TMP/state/keys.db
LOG=$TMP/audit/keys-audit.log
mkdir -p "$R/etc/ssh" "$R/root/.ssh" "$R/home/alice/.ssh" "$R/home/bob/.ssh" "$K"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000::/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/bash
EOF
cat >"$R/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
alice:!:19000:0:99999:7:::
bob:!:19000:0:99999:7:::
EOF
for k in k1 k2 k3 k4 k5; do ssh-keygen -q -t ed25519 -N "" -C "$k comment" -f "$K/$k" </dev/null; done
fp() { ssh-keygen -lf "$K/$1.pub" | awk '{print $2}'; }
FP1=$(fp k1) FP2=$(fp k2) FP3=$(fp k3) FP4=$(fp k4) FP5=$(fp k5)

# before: root has k1 (from=), k2, k3; alice has k4; bob has k5 (hostile comment)
{
	printf 'from="10.0.0.0/8" %s\n' "$(cat "$K/k1.pub")"
	cat "$K/k2.pub" "$K/k3.pub"
} >"$R/root/.ssh/authorized_keys"
cat "$K/k4.pub" >"$R/home/alice/.ssh/authorized_keys"
printf '%s \033]0;pwned\007bob\n' "$(cut -d' ' -f1,2 "$K/k5.pub")" >"$R/home/bob/.ssh/authorized_keys"

kw() { "$KW" keys "$@" -q; }
snap() { kw snapshot --root "$R" --db "$DB" --audit-log "$LOG" "$@"; }
kdiff() { kw diff --root "$R" --db "$DB" "$@"; }
rc() { "$@" >/dev/null 2>&1; echo $?; }

# ---- usage ----
expect "snapshot --help teaches --db and --name" sh -c '"$1" keys snapshot --help | grep -q -- "--name NAME"' _ "$KW"
expect "diff --help explains latest~N and exit codes" sh -c '"$1" keys diff --help | grep -q "latest~N" && "$1" keys diff --help | grep -q "1 changes found"' _ "$KW"
expect "a bad --format is a usage error (2)" test "$(rc kw snapshot --format xml --db "$DB")" -eq 2
expect "--image - without --name is a usage error (2)" test "$(rc kw snapshot --image - --db "$DB" </dev/null)" -eq 2
expect "a bad --since is a usage error (2)" test "$(rc kdiff --since yesterday)" -eq 2
expect "an unknown option is a usage error (2)" test "$(rc kdiff --frobnicate)" -eq 2

# ---- nothing stored yet ----
kdiff >"$TMP/out" 2>"$TMP/err"
expect "diff before any snapshot exits 2" test $? -eq 2
expect "... and says to take a snapshot" grep -q "keyward keys snapshot" "$TMP/err"
expect "... without creating the database" test ! -e "$DB"

# ---- snapshot 1 ----
snap >"$TMP/out" 2>"$TMP/err"
expect "snapshot exits 0" test $? -eq 0
expect "snapshot prints its number, target and counts" grep -q "^snapshot 1 of $R: 5 authorized keys open 3 accounts" "$TMP/out"
expect "the database is 0600 in a 0700 folder" test "$(stat -c %a "$DB") $(stat -c %a "$TMP/state")" = "600 700"
expect "the audit log was created" test -s "$LOG"
kdiff >"$TMP/out"
expect "diff right after the snapshot exits 0" test $? -eq 0
expect "... and says no change" grep -q "^no change" "$TMP/out"

# ---- edit authorized_keys ----
# root: k1 loses from= (options change), k2 removed, k3 stays and moves from line 3 to 2;
# alice: k4 stays, k2 added (a key new to alice); bob: k1 added (same key, second account)
{
	cat "$K/k1.pub" "$K/k3.pub"
} >"$R/root/.ssh/authorized_keys"
cat "$K/k4.pub" "$K/k2.pub" >"$R/home/alice/.ssh/authorized_keys"
cat "$K/k1.pub" >>"$R/home/bob/.ssh/authorized_keys"

kdiff --format json --output "$TMP/diff.json"
expect "diff after the edit exits 1" test $? -eq 1
python3 - "$TMP/diff.json" "$FP1" "$FP2" "$FP3" "$FP4" "$FP5" >"$TMP/check.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
fp1, fp2, fp3, fp4, fp5 = sys.argv[2:7]
out = []
def check(what, ok):
    out.append(("ok " if ok else "BAD ") + what)
check("format keyward-keys-diff v1", d["format"] == "keyward-keys-diff" and d["version"] == 1)
check("from snapshot 1 to now", d["from"]["snapshot"] == 1 and d["to"]["snapshot"] is None)
added = sorted((k["account"], k["fingerprint"], k["line"]) for k in d["added"])
check("added: k2 for alice (line 2) and k1 for bob (line 2)",
      added == sorted([("alice", fp2, 2), ("bob", fp1, 2)]))
removed = [(k["account"], k["fingerprint"], k["line"]) for k in d["removed"]]
check("removed: k2 of root, line 2", removed == [("root", fp2, 2)])
ch = {k["after"]["fingerprint"]: k for k in d["changed"]}
check("changed: k1 and k3 of root only", sorted(ch) == sorted([fp1, fp3]))
check("k1: options only, from= gone", ch.get(fp1, {}).get("changes") == ["options"] and
      ch[fp1]["before"]["options"] == 'from="10.0.0.0/8"' and ch[fp1]["after"]["options"] is None)
check("k3: moved from line 3 to 2", ch.get(fp3, {}).get("changes") == ["line"] and
      ch[fp3]["before"]["line"] == 3 and ch[fp3]["after"]["line"] == 2)
s = d["summary"]
check("summary 2 added, 1 removed, 2 changed, 1 moved",
      (s["added"], s["removed"], s["changed"], s["moved"]) == (2, 1, 2, 1))
check("no unchanged key is listed (k4, k5)", all(fp not in json.dumps(d) for fp in (fp4, fp5)))
print("\n".join(out))
PY
while read -r status what; do
	expect "diff JSON: $what" test "$status" = ok
done <"$TMP/check.txt"

kdiff >"$TMP/diff.txt"
expect "diff text exits 1" test $? -eq 1
expect "diff text summarises" grep -q "^2 new, 1 removed, 2 changed (1 only moved to another line)" "$TMP/diff.txt"
expect "diff text shows the options change" grep -qF 'options: from="10.0.0.0/8" -> (none)' "$TMP/diff.txt"
expect "diff text shows the move" grep -qF 'line: 3 -> 2' "$TMP/diff.txt"
want=$(printf '  authorized  %-12s %-10s %5u  %s  %s' bob ED25519 256 "$FP1" /home/bob/.ssh/authorized_keys:2)
expect "diff text lists the new key with account, type, bits, fingerprint and file:line" grep -qxF "$want" "$TMP/diff.txt"
expect "diff text holds no raw control byte" sh -c '! LC_ALL=C grep -q "$(printf "\033")" "$1"' _ "$TMP/diff.txt"

# ---- snapshot 2, --since, --to, --list ----
snap >/dev/null
expect "snapshot 2 exits 0" test $? -eq 0
expect "diff now against snapshot 2: no change (0)" test "$(rc kdiff)" -eq 0
expect "--since 1 sees the edit (1)" test "$(rc kdiff --since 1)" -eq 1
expect "--since latest~1 is snapshot 1 (1)" test "$(rc kdiff --since latest~1)" -eq 1
expect "--since latest~2 does not exist (2)" test "$(rc kdiff --since latest~2)" -eq 2
expect "--since today picks the newest (0)" test "$(rc kdiff --since "$(date -u +%Y-%m-%d)")" -eq 0
expect "--since a day before the first snapshot: none (2)" test "$(rc kdiff --since 2000-01-01)" -eq 2
kw diff --db "$DB" --root "$R" --to latest --format json >"$TMP/to.json"
expect "--to latest compares snapshots 1 and 2 without scanning (1)" test $? -eq 1
expect "... from 1 to 2, the same changes" test "$(jget "$TMP/to.json" '(r["from"]["snapshot"], r["to"]["snapshot"], r["summary"]["added"], r["summary"]["changed"])')" = "(1, 2, 2, 2)"
expect "--to 2 --since 2: no change (0)" test "$(rc kw diff --db "$DB" --to 2 --since 2)" -eq 0
expect "--to 1: nothing before it (2)" test "$(rc kw diff --db "$DB" --to 1)" -eq 2
kw snapshot --list --db "$DB" >"$TMP/list.txt"
expect "--list exits 0 and shows both snapshots" test "$(grep -cE "^ +[12]  [0-9-]+T" "$TMP/list.txt")" -eq 2
kw snapshot --list --db "$DB" --format json >"$TMP/list.json"
expect "--list JSON: ids 1, 2 with their counts" test "$(jget "$TMP/list.json" '[(s["snapshot"], s["summary"]["authorized"]) for s in r["snapshots"]]')" = "[(1, 5), (2, 6)]"
expect "--list of another name: none" sh -c '"$1" keys snapshot --list --db "$2" --name elsewhere | grep -q "^no snapshots"' _ "$KW" "$DB"

# ---- the audit trail ----
kw snapshot --root "$R" --db "$DB" --audit-log "$LOG" --no-audit >/dev/null
expect "--no-audit stores snapshot 3 without an audit line" test "$(wc -l <"$LOG")" -eq 2
kw scan --root "$R" --format json >"$TMP/inv.json" 2>/dev/null
python3 - "$LOG" "$TMP/inv.json" "$DB" "$R" >"$TMP/audit.txt" <<'PY'
import hashlib, json, sys
log, inv, db, root = sys.argv[1:5]
out = []
def check(what, ok):
    out.append(("ok " if ok else "BAD ") + what)
prev, data, n = "0" * 64, open(log, "rb").read(), 0
chain = True
lines = []
for n, raw in enumerate(data.split(b"\n")[:-1], 1):
    o = json.loads(raw)
    lines.append(o)
    chain &= o["seq"] == n and o["prev"] == prev
    chain &= raw.endswith(b',"hash":"' + o["hash"].encode() + b'"}')
    chain &= hashlib.sha256(prev.encode() + raw[:-75] + b"}").hexdigest() == o["hash"]
    prev = hashlib.sha256(raw).hexdigest()
h = json.load(open(log + ".head"))
check("two lines whose hash chain and head file verify",
      n == 2 and chain and (h["lines"], h["bytes"], h["head"]) == (n, len(data), prev))
check("action snapshot, snapshots 1 and 2",
      [(o["action"], o["detail"]["snapshot"]) for o in lines] == [("snapshot", 1), ("snapshot", 2)])
check("detail names the database, the target and a digest",
      all(o["detail"]["db"] == db and o["detail"]["target"] == root and len(o["detail"]["digest"]) == 64
          for o in lines))
check("root is the image root", all(o["root"] == root for o in lines))
auth = sorted({k["fingerprint"] for k in json.load(open(inv))["keys"] if k["role"] == "authorized"})
check("line 2 names exactly the authorized fingerprints keys scan lists", lines[1]["fingerprints"] == auth)
check("counts: 6 authorized keys, 3 accounts", lines[1]["detail"]["counts"]["authorized"] == 6 and
      lines[1]["detail"]["counts"]["accounts"] == 3)
print("\n".join(out))
PY
while read -r status what; do
	expect "audit log: $what" test "$status" = ok
done <"$TMP/audit.txt"

# ---- refusals ----
ln -s "$TMP/elsewhere.log" "$TMP/audit/link.log"
n_before=$(jget <(kw snapshot --list --db "$DB" --format json) 'len(r["snapshots"])')
snap --audit-log "$TMP/audit/link.log" >/dev/null 2>"$TMP/err"
expect "an audit log that cannot be written fails the snapshot (2)" test $? -eq 2
expect "... and nothing is stored without its audit line" test "$(jget <(kw snapshot --list --db "$DB" --format json) 'len(r["snapshots"])')" -eq "$n_before"
expect "... saying so" grep -q "nothing stored: the audit trail" "$TMP/err"
ln -s "$DB" "$TMP/state/link.db"
snap --db "$TMP/state/link.db" >/dev/null 2>"$TMP/err"
expect "a symlinked --db is refused (2)" test $? -eq 2
expect "... saying it is a symbolic link" grep -q "symbolic link" "$TMP/err"
expect "diff refuses it too (2)" test "$(rc kdiff --db "$TMP/state/link.db")" -eq 2
cp "$DB" "$TMP/newer.db"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 7"); c.commit()' "$TMP/newer.db"
kdiff --db "$TMP/newer.db" >/dev/null 2>"$TMP/err"
expect "a newer schema version is refused (2)" test $? -eq 2
expect "... with a clear message" grep -q "schema version 7" "$TMP/err"
cp "$DB" "$TMP/edited.db"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE keys SET comment = ? WHERE snapshot = 2", ("forged",)); c.commit()' "$TMP/edited.db"
kw diff --db "$TMP/edited.db" --to 2 --since 1 >/dev/null 2>"$TMP/err"
expect "a snapshot edited behind keyward's back does not load (3)" test $? -eq 3
expect "... the digest says so" grep -q "does not match its digest" "$TMP/err"

# ---- incomplete scans, hostile text ----
mkfifo "$R/home/alice/.ssh/authorized_keys2"
snap >"$TMP/out" 2>"$TMP/err"
expect "a snapshot with an unreadable file exits 3" test $? -eq 3
expect "... and says it is incomplete" grep -q "incomplete" "$TMP/out"
kdiff --since 1 >"$TMP/out" 2>"$TMP/err"
expect "a diff whose scan is incomplete exits 3" test $? -eq 3
rm "$R/home/alice/.ssh/authorized_keys2"
kdiff >"$TMP/out" 2>"$TMP/err"
expect "a diff against an incomplete snapshot warns" grep -q "was incomplete" "$TMP/err"
printf '%s\n' "$(cat "$K/k3.pub")" >"$R/home/bob/.ssh/authorized_keys"
kdiff >"$TMP/hostile.txt" 2>/dev/null
expect "the removed key's hostile comment is escaped" sh -c 'grep -qF "\\x1b]0;pwned\\x07bob" "$1" && ! LC_ALL=C grep -q "$(printf "\033")" "$1"' _ "$TMP/hostile.txt"

# ---- images ----
tar -C "$R" -cf "$TMP/img.tar" .
kw snapshot --image "$TMP/img.tar" --db "$DB" --no-audit >"$TMP/out"
expect "an image is filed under its absolute path" grep -q "^snapshot [0-9]* of $TMP/img.tar:" "$TMP/out"
expect "diff --image against it: no change (0)" test "$(rc kw diff --image "$TMP/img.tar" --db "$DB")" -eq 0
kw snapshot --image - --name web-image --db "$DB" --no-audit <"$TMP/img.tar" >/dev/null
expect "stdin with --name: stored" test $? -eq 0
expect "diff --image - --name: no change (0)" test "$(rc kw diff --image - --name web-image --db "$DB" <"$TMP/img.tar")" -eq 0
expect "the folder and the tarball are different targets" test "$(rc kw diff --image "$TMP/img.tar" --db "$DB" --since latest~1)" -eq 2

# ---- --keep ----
kw snapshot --image "$TMP/img.tar" --db "$DB" --no-audit --keep 1 >"$TMP/out"
expect "--keep 1 deletes the older snapshot of the same target" grep -q "deleted 1 older snapshot of this target" "$TMP/out"
expect "... and leaves the other targets' alone" test "$(rc kw diff --db "$DB" --root "$R" --since 1)" -eq 1
expect "--keep 0 is a usage error (2)" test "$(rc kw snapshot --db "$DB" --keep 0)" -eq 2

# ---- two snapshots at once ----
before=$(jget <(kw snapshot --list --db "$DB" --format json) 'len(r["snapshots"])')
snap --no-audit >/dev/null 2>&1 & p1=$!
snap --no-audit >/dev/null 2>&1 & p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
after=$(jget <(kw snapshot --list --db "$DB" --format json) 'len(r["snapshots"])')
expect "two concurrent snapshots both exit 0" test "$s1$s2" = 00
expect "... and both are stored" test "$after" -eq $((before + 2))

finish
