#!/usr/bin/env bash
# keys_edit.sh — `keyward keys add | remove | rotate | log` end to end on an image root
# built here, with real ssh-keygen keys:
#   - usage: --help teaches each subcommand; missing arguments, a tarball, options sshd
#     rejects (with sshd's reason), a private key, a certificate: exit 2, nothing changed;
#   - a dry run changes nothing (tree snapshot identical), shows the diff, writes no audit;
#   - --apply: a first key makes ~/.ssh 0700 and authorized_keys 0600 owned by the account;
#     a second add of the same key does nothing; CRLF lines, a missing final newline,
#     comments and hostile lines are kept byte for byte by add, remove and rotate; rotate
#     keeps the line's place and options; remove takes SHA256, MD5 and a .pub file;
#   - `keyward undo` of the shared journal restores the original tree exactly (owners,
#     modes, mtimes: treesnap), the made folder included;
#   - the last-key guard refuses (2, naming why) and --force goes ahead;
#   - a symlinked authorized_keys (pointing out of the root) is refused with a clear reason;
#   - two processes adding 20 keys each to the same file at once: all 40 land, the file
#     parses (ssh-keygen -lf), 40 audit lines chain, the journal undoes every one;
#   - the audit trail: one line per applied change, none for dry runs or no-ops; `keys
#     log --verify` ok, then one edited line is found (exit 1, its number), and a broken
#     trail stops the next edit before it changes anything;
#   - a kill at every durable step of a first `keys add --apply`, then undo: the tree is
#     back exactly.
. "$(dirname "$0")/lib.sh"
command -v ssh-keygen >/dev/null || { echo "not ok - ssh-keygen is required (openssh-client)"; exit 1; }
SNAP="python3 $SRC/tests/integration/treesnap.py"

P=$TMP/pristine
mkdir -p "$P/etc/ssh" "$P/bin" "$P/root" "$P/home/alice" "$P/home/bob/.ssh" "$P/home/carol/.ssh" "$P/tmp"
printf '#!/bin/sh\n' >"$P/bin/bash"
chmod 755 "$P/bin/bash"
cat >"$P/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000::/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/bash
carol:x:1002:1002::/home/carol:/bin/bash
EOF
cat >"$P/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
alice:*:19000:0:99999:7:::
bob:*:19000:0:99999:7:::
carol:*:19000:0:99999:7:::
EOF
printf 'PermitRootLogin prohibit-password\nStrictModes yes\n' >"$P/etc/ssh/sshd_config"

K=$TMP/keys
mkdir -p "$K"
gen() { ssh-keygen -q -t "$1" -N "" -C "$2" -f "$K/$3" </dev/null; }
gen ed25519 "alice laptop" a
gen ed25519 "bob desk" b
gen ecdsa "bob phone" c
gen ed25519 "bob new" d
fp() { ssh-keygen -lf "$K/$1.pub" | cut -d' ' -f2; }
md5() { ssh-keygen -E md5 -lf "$K/$1.pub" | cut -d' ' -f2; }
key() { cut -d' ' -f1,2 "$K/$1.pub"; }

# bob: CRLF lines, a hostile line, options, no final newline
printf '# bob\r\n\r\n%s\r\n\033[31mred\xff\r\nno-pty %s' "$(cat "$K/b.pub")" "$(cat "$K/c.pub")" \
	>"$P/home/bob/.ssh/authorized_keys"
# carol: a link out of the root
mkdir -p "$TMP/outside"
printf '%s\n' "$(cat "$K/b.pub")" >"$TMP/outside/ak"
ln -s "$TMP/outside/ak" "$P/home/carol/.ssh/authorized_keys"
chown -R 1000:1000 "$P/home/alice"
chown -R 1001:1001 "$P/home/bob"
chown -h -R 1002:1002 "$P/home/carol"
chmod 755 "$P/home/alice" "$P/home/bob" "$P/home/carol"
chmod 700 "$P/home/bob/.ssh" "$P/home/carol/.ssh"
chmod 600 "$P/home/bob/.ssh/authorized_keys"
$SNAP "$P" >"$TMP/p.snap"

R=$TMP/root
cp -a "$P" "$R"
J=$TMP/journal
LOG=$TMP/audit/keys.log
kw() { "$KW" keys "$@" --root "$R" --audit-log "$LOG"; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# ---- usage ----
for s in add remove rotate log; do
	expect "keys $s --help teaches with examples" sh -c '"$1" keys "$2" --help | grep -q "^Examples:"' _ "$KW" "$s"
done
rc() { "$@" >"$TMP/out" 2>&1; echo $?; }
expect "add without --key is a usage error" [ "$(rc kw add alice)" = 2 ]
expect "add without USER is a usage error" [ "$(rc kw add --key "$K/a.pub")" = 2 ]
expect "remove needs USER or --all-users" [ "$(rc kw remove --fingerprint "$(fp a)")" = 2 ]
expect "an image tarball is refused" [ "$(rc "$KW" keys add alice --key "$K/a.pub" --image x.tar)" = 2 ]
expect "  ... saying tarballs cannot be edited" grep -q "cannot be edited" "$TMP/out"
expect "options sshd rejects are refused" [ "$(rc kw add alice --key "$K/a.pub" --options 'frobnicate')" = 2 ]
expect "  ... with sshd's reason" grep -q "unknown key option" "$TMP/out"
expect "a blank outside quotes in the options is refused" \
	[ "$(rc kw add alice --key "$K/a.pub" --options 'from="10.0.0.0/8", no-pty')" = 2 ]
expect "a private key is refused" [ "$(rc kw add alice --key "$K/a")" = 2 ]
expect "  ... naming it a private key" grep -q "PRIVATE key" "$TMP/out"
ssh-keygen -q -s "$K/a" -I cert -n alice "$K/b.pub"
expect "a certificate is refused, pointing at cert-authority" \
	sh -c '[ "$("$@" >"$0" 2>&1; echo $?)" = 2 ] && grep -q cert-authority "$0"' "$TMP/out" \
	"$KW" keys add alice --key "$K/b-cert.pub" --root "$R"
expect "an unknown account is an error (2)" [ "$(rc kw add mallory --key "$K/a.pub")" = 2 ]
expect "nothing changed by the refusals" sh -c '$1 "$2" | cmp -s - "$3"' _ "$SNAP" "$R" "$TMP/p.snap"

# ---- dry run ----
expect "a dry run of a first key exits 0" [ "$(rc kw add alice --key "$K/a.pub")" = 0 ]
expect "  ... and shows the diff of the new file" grep -q "^+$(key a)" "$TMP/out"
expect "  ... and the folder it makes" grep -q "/home/alice/.ssh is made first: mode 0700" "$TMP/out"
expect "  ... and changes nothing" sh -c '$1 "$2" | cmp -s - "$3"' _ "$SNAP" "$R" "$TMP/p.snap"
expect "  ... and records nothing" [ ! -e "$LOG" ]

# ---- apply: a first key ----
expect "add --apply exits 0" [ "$(rc kw add alice --key "$K/a.pub" --apply --journal "$J")" = 0 ]
expect "  ... ~/.ssh is 0700, owned by alice" [ "$(stat -c '%a %u %g' "$R/home/alice/.ssh")" = "700 1000 1000" ]
expect "  ... authorized_keys is 0600, owned by alice" \
	[ "$(stat -c '%a %u %g' "$R/home/alice/.ssh/authorized_keys")" = "600 1000 1000" ]
expect "  ... holding exactly the key line" cmp -s "$R/home/alice/.ssh/authorized_keys" "$K/a.pub"
expect "  ... one audit line" [ "$(lines "$LOG")" = 1 ]
expect "the same key again: nothing to do, exit 0" [ "$(rc kw add alice --key "$K/a.pub" --apply --journal "$J")" = 0 ]
expect "  ... says so" grep -q "nothing to do: alice already has" "$TMP/out"
expect "  ... and records nothing" [ "$(lines "$LOG")" = 1 ]
expect "the key from stdin, with options, to bob" \
	sh -c '"$1" keys add bob --key - --options "from=\"10.0.0.0/8\"" --root "$2" --audit-log "$3" --apply --journal "$4" -q <"$5" >/dev/null' \
	_ "$KW" "$R" "$LOG" "$J" "$K/a.pub"
printf '# bob\r\n\r\n%s\r\n\033[31mred\xff\r\nno-pty %s\r\nfrom="10.0.0.0/8" %s\r\n' \
	"$(cat "$K/b.pub")" "$(cat "$K/c.pub")" "$(cat "$K/a.pub")" >"$TMP/want"
expect "  ... appended with CRLF, the missing newline completed, the rest byte for byte" \
	cmp -s "$R/home/bob/.ssh/authorized_keys" "$TMP/want"
expect "  ... owner and mode of bob's file kept" [ "$(stat -c '%a %u' "$R/home/bob/.ssh/authorized_keys")" = "600 1001" ]

# ---- remove, rotate ----
kw remove bob --fingerprint "$(md5 c)" >"$TMP/out" 2>&1
expect "remove by MD5, dry run: the diff escapes the hostile line" grep -qF '\x1b[31mred\xff' "$TMP/out"
expect "  ... and no raw escape reaches the output" sh -c '! grep -q "$(printf "\033")" "$1"' _ "$TMP/out"
expect "remove --apply (a .pub file) exits 0" [ "$(rc kw remove bob --fingerprint "$K/c.pub" --apply --journal "$J")" = 0 ]
printf '# bob\r\n\r\n%s\r\n\033[31mred\xff\r\nfrom="10.0.0.0/8" %s\r\n' "$(cat "$K/b.pub")" "$(cat "$K/a.pub")" >"$TMP/want"
expect "  ... only that line went" cmp -s "$R/home/bob/.ssh/authorized_keys" "$TMP/want"
expect "a key no file holds: exit 1" [ "$(rc kw remove bob --fingerprint "$(fp c)" --apply --journal "$J")" = 1 ]
expect "  ... says no line holds it" grep -q "no line holds" "$TMP/out"
expect "rotate bob's key in place (SHA256 --old)" \
	[ "$(rc kw rotate bob --old "$(fp a)" --new "$K/d.pub" --apply --journal "$J")" = 0 ]
printf '# bob\r\n\r\n%s\r\n\033[31mred\xff\r\nfrom="10.0.0.0/8" %s\r\n' "$(cat "$K/b.pub")" "$(cat "$K/d.pub")" >"$TMP/want"
expect "  ... same place, same options, same line end" cmp -s "$R/home/bob/.ssh/authorized_keys" "$TMP/want"
expect "four audit lines so far" [ "$(lines "$LOG")" = 4 ]
expect "the rotate line lists the old key, then the new" \
	[ "$(tail -1 "$LOG" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["fingerprints"]))')" = "$(fp a) $(fp d)" ]
expect "keys log --verify: intact (0)" [ "$(rc "$KW" keys log --audit-log "$LOG" --verify)" = 0 ]
expect "keys log lists the four operations" [ "$("$KW" keys log --audit-log "$LOG" | grep -c '^#')" = 4 ]
expect "keys log --format json passes the lines through" \
	sh -c '"$1" keys log --audit-log "$2" --format json | cmp -s - "$2"' _ "$KW" "$LOG"

# ---- links ----
expect "adding to a symlinked authorized_keys is refused (2)" \
	[ "$(rc kw add carol --key "$K/a.pub" --apply --journal "$J")" = 2 ]
expect "  ... saying it is a symbolic link" grep -q "symbolic link" "$TMP/out"
expect "  ... the file outside is untouched" cmp -s "$TMP/outside/ak" "$K/b.pub"
expect "  ... and so is the link" [ "$(readlink "$R/home/carol/.ssh/authorized_keys")" = "$TMP/outside/ak" ]

# ---- undo ----
"$KW" undo "$J" >"$TMP/out" 2>&1
expect "undo of the shared journal exits 0" [ $? = 0 ]
expect "  ... and the tree is the original again (owners, modes, mtimes, ~/.ssh gone)" \
	sh -c '$1 "$2" | cmp -s - "$3"' _ "$SNAP" "$R" "$TMP/p.snap"

# ---- the last-key guard ----
G=$TMP/guard
cp -a "$P" "$G"
gk() { "$KW" keys "$@" --root "$G" --audit-log "$TMP/glog" --journal "$TMP/gj"; }
gk add alice --key "$K/a.pub" --apply -q >/dev/null
expect "removing a key when another account still logs in: allowed" \
	[ "$(rc gk remove alice --fingerprint "$(fp a)")" = 0 ]
expect "removing every key that logs in anyone: refused (2)" \
	[ "$(rc gk remove --all-users --fingerprint "$(fp a)" --fingerprint "$(fp b)" --fingerprint "$(fp c)" --apply)" = 2 ]
expect "  ... naming the accounts that can log in now" grep -q "yes  alice: ED25519 key" "$TMP/out"
expect "  ... and changes nothing" grep -q "$(key b)" "$G/home/bob/.ssh/authorized_keys"
expect "--force goes ahead" \
	[ "$(rc gk remove --all-users --fingerprint "$(fp a)" --fingerprint "$(fp b)" --fingerprint "$(fp c)" --apply --force)" = 0 ]
expect "  ... every file of every account edited" \
	sh -c '! grep -q ssh- "$1/home/bob/.ssh/authorized_keys" && ! grep -q ssh- "$1/home/alice/.ssh/authorized_keys"' _ "$G"
expect "  ... the audit line says forced, and names both accounts" \
	[ "$(tail -1 "$TMP/glog" | python3 -c 'import json,sys; d=json.load(sys.stdin)["detail"]; print(d["forced"], sorted(d["accounts"]))')" = "True ['alice', 'bob']" ]

# ---- concurrent adds ----
C=$TMP/conc
cp -a "$P" "$C"
for i in $(seq 1 40); do gen ed25519 "k$i" "k$i"; done
cat "$C/home/bob/.ssh/authorized_keys" >"$TMP/bob.before"
adder() {
	for i in $(seq "$1" "$2"); do
		"$KW" keys add bob --key "$K/k$i.pub" --root "$C" --audit-log "$TMP/clog" \
			--journal "$TMP/cj" --apply -q >/dev/null 2>>"$TMP/cerr" || echo "fail $i" >>"$TMP/cerr"
	done
}
adder 1 20 &
p1=$!
adder 21 40 &
p2=$!
wait $p1 $p2
expect "two concurrent adders: no run failed" [ ! -s "$TMP/cerr" ]
missing=0
for i in $(seq 1 40); do grep -qF "$(key "k$i")" "$C/home/bob/.ssh/authorized_keys" || missing=$((missing + 1)); done
expect "  ... all 40 keys landed ($missing missing)" [ "$missing" = 0 ]
expect "  ... the file parses: ssh-keygen lists 42 keys" \
	[ "$(tr -d '\r' <"$C/home/bob/.ssh/authorized_keys" | ssh-keygen -lf - 2>/dev/null | wc -l)" = 42 ]
expect "  ... 40 audit lines, chain intact" \
	sh -c '[ "$(wc -l <"$1")" = 40 ] && "$2" keys log --audit-log "$1" --verify >/dev/null' _ "$TMP/clog" "$KW"
"$KW" undo "$TMP/cj" >/dev/null 2>&1
expect "  ... and one undo of the shared journal restores the file byte for byte" \
	cmp -s "$C/home/bob/.ssh/authorized_keys" "$TMP/bob.before"

# ---- a tampered trail ----
cp "$LOG" "$TMP/log.orig"
sed -i '2s/"bob"/"eve"/' "$LOG"
"$KW" keys log --audit-log "$LOG" --verify >"$TMP/out" 2>&1
expect "an edited line: --verify exits 1" [ $? = 1 ]
expect "  ... naming line 2" grep -q "line 2 (bad-hash)" "$TMP/out"
cp -a "$P" "$R.t"
expect "an edit with a trail that does not verify is refused (2)" \
	[ "$("$KW" keys add alice --key "$K/a.pub" --root "$R.t" --audit-log "$LOG" --apply --journal "$TMP/tj" >"$TMP/out" 2>&1; echo $?)" = 2 ]
expect "  ... before changing anything" [ ! -e "$R.t/home/alice/.ssh" ]
head -3 "$TMP/log.orig" >"$LOG"
expect "lines cut off the end are found by the head file" [ "$(rc "$KW" keys log --audit-log "$LOG" --verify)" = 1 ]
expect "a missing trail: --verify exits 2" [ "$(rc "$KW" keys log --audit-log "$TMP/none.log" --verify)" = 2 ]

# ---- crash at every step of a first key ----
S=$TMP/crash
cp -a "$P" "$S"
KEYWARD_TEST_STEPS=$TMP/steps "$KW" keys add alice --key "$K/a.pub" --root "$S" --audit-log "$TMP/xlog" \
	--journal "$TMP/xj" --apply -q >/dev/null 2>&1
N=$(cat "$TMP/steps" 2>/dev/null || echo 0)
expect "a first key counts its durable steps (N=$N)" [ "$N" -ge 8 ]
bad=0 torn=0
for ((k = 1; k <= N; k++)); do
	rm -rf "$S" "$TMP/xj" "$TMP/xlog" "$TMP/xlog.head"
	cp -a "$P" "$S"
	bash -c 'KEYWARD_TEST_KILL_AT=$1 "$2" keys add alice --key "$3" --root "$4" --audit-log "$5" --journal "$6" --apply -q >/dev/null 2>&1' \
		_ "$k" "$KW" "$K/a.pub" "$S" "$TMP/xlog" "$TMP/xj" 2>/dev/null
	f=$S/home/alice/.ssh/authorized_keys
	if [ -e "$f" ] && [ -s "$f" ] && ! cmp -s "$f" "$K/a.pub"; then torn=$((torn + 1)); fi
	[ -d "$TMP/xj" ] && "$KW" undo "$TMP/xj" >/dev/null 2>&1
	$SNAP "$S" | cmp -s - "$TMP/p.snap" || { bad=$((bad + 1)); echo "# kill at step $k: undo left a difference"; }
done
expect "after a kill the file is absent, empty or whole ($torn torn)" [ "$torn" = 0 ]
expect "undo after a kill at each of the $N steps restores the tree ($bad differ)" [ "$bad" = 0 ]

finish
