#!/usr/bin/env bash
# audit_fixtures.sh KEYWARD SRCROOT — keyward audit against fixture images: a clean one
# with nothing to report, a dirty one with every problem, the same dirty image packed as
# tar, tar.gz, tar.xz, tar.zst and streamed on stdin (identical findings), --deep, waivers,
# exit codes, bad input. Golden files: tests/data/golden/ (reviewed by reading them).
source "$(dirname "$0")/lib.sh"
GOLDEN=$SRC/tests/data/golden
bash "$SRC/tests/integration/mkimage.sh" clean "$TMP/clean" "$SRC"
bash "$SRC/tests/integration/mkimage.sh" dirty "$TMP/dirty" "$SRC"

# ---- clean image: nothing to report ----
"$KW" audit --root "$TMP/clean" --format json --output "$TMP/clean.json"
rc=$?
expect "clean image exits 0" test "$rc" -eq 0
expect "clean image has no findings" test "$(jget "$TMP/clean.json" 'len(r["findings"])')" -eq 0
expect "clean image has no errors" test "$(jget "$TMP/clean.json" 'len(r["errors"])')" -eq 0

# ---- dirty image, folder backend ----
"$KW" audit --root "$TMP/dirty" --format json --output "$TMP/dirty.json" --today 2026-11-21
rc=$?
expect "dirty image exits 1 (findings at or above high)" test "$rc" -eq 1
findings "$TMP/dirty.json" > "$TMP/dirty.ids"
if [ -n "${KEYWARD_UPDATE_GOLDEN:-}" ]; then
	cp "$TMP/dirty.ids" "$GOLDEN/dirty.ids"
	normalise "$TMP/dirty.json" > "$GOLDEN/dirty.json"
fi
expect "dirty image findings match tests/data/golden/dirty.ids" diff -u "$GOLDEN/dirty.ids" "$TMP/dirty.ids"
expect "dirty image JSON report matches tests/data/golden/dirty.json" \
	diff -u "$GOLDEN/dirty.json" <(normalise "$TMP/dirty.json")

# no secret from the fixture may appear in any report
"$KW" audit --root "$TMP/dirty" --deep -v > "$TMP/dirty.txt"
for secret in 'Passw0rd' 'SuperSecret' 'WhLzh68Kginxs3' 'Lrm./uNavNp49' '2dX8jfPq' 'kT9sQm2vXp8' \
	'Y2k6c2VjcmV0' 'ZmFrZS10b2tlbg' 'hunter2' 'ghp_FakeToken' 'fake-db-password' \
	'fake-mysql-password' 'vJ3kL9mQ2x' 'BEGIN OPENSSH PRIVATE KEY' 'import os' 'sVheoXpHpm'; do
	expect "reports never contain the secret '$secret'" \
		bash -c "! grep -qF -- '$secret' '$TMP/dirty.txt' '$TMP/dirty.json'"
done

# ---- the same image through the tar backend: identical findings ----
tar -C "$TMP/dirty" -cf "$TMP/dirty.tar" .
tar -C "$TMP/dirty" -czf "$TMP/dirty.tar.gz" .
tar -C "$TMP/dirty" -cJf "$TMP/dirty.tar.xz" .
tar -C "$TMP/dirty" --zstd -cf "$TMP/dirty.tar.zst" .
for t in tar tar.gz tar.xz tar.zst; do
	"$KW" audit --image "$TMP/dirty.$t" --format json --output "$TMP/t.json" --today 2026-11-21
	expect "dirty.$t exits 1" test $? -eq 1
	expect "dirty.$t gives the same findings as the folder" diff -u "$TMP/dirty.ids" <(findings "$TMP/t.json")
	expect "dirty.$t gives the same evidence as the folder" \
		diff -u <(normalise "$TMP/dirty.json") <(normalise "$TMP/t.json")
done
"$KW" audit --image - --format json --today 2026-11-21 < "$TMP/dirty.tar.gz" > "$TMP/stdin.json"
expect "a tar stream on stdin gives the same findings" diff -u "$TMP/dirty.ids" <(findings "$TMP/stdin.json")
expect "stdin target is named as such" grep -q '"target": "tar <stdin>"' "$TMP/stdin.json"

# ---- --deep: secrets outside the usual places, same on both backends ----
"$KW" audit --root "$TMP/dirty" --deep --format json --output "$TMP/deep.json" --today 2026-11-21
"$KW" audit --image "$TMP/dirty.tar.zst" --deep --format json --output "$TMP/deep-tar.json" --today 2026-11-21
expect "--deep finds the PEM key in /opt/app/conf/signing.txt" \
	grep -qP '^deep.private-key\t/opt/app/conf/signing.txt\t' <(findings "$TMP/deep.json")
expect "--deep finds the AWS key pair in /srv/backup/env.sh" \
	grep -qP '^deep.aws-credentials\t/srv/backup/env.sh\t' <(findings "$TMP/deep.json")
expect "--deep does not report twice what the targeted checks found" \
	bash -c "! grep -qP '^deep\.[a-z-]+\t/home/alice/' <(cat '$TMP/deep.json' | python3 -c 'import json,sys; [print(f[\"id\"]+chr(9)+f[\"target\"]) for f in json.load(sys.stdin)[\"findings\"]]')"
expect "--deep gives the same findings on the tar backend" \
	diff -u <(findings "$TMP/deep.json") <(findings "$TMP/deep-tar.json")
expect "--deep gives the same evidence on the tar backend (sniffed files are classified)" \
	diff -u <(normalise "$TMP/deep.json") <(normalise "$TMP/deep-tar.json")

# ---- waivers ----
"$KW" audit --root "$TMP/dirty" --format json --waive accounts.root-password \
	--waive 'keys.authorized-keys:/srv/*' --today 2026-11-21 > "$TMP/w.json"
expect "--waive ID waives that finding" \
	grep -qP '^accounts.root-password\troot\twaived$' <(findings "$TMP/w.json")
expect "--waive ID:GLOB waives only matching targets" \
	grep -qP '^keys.authorized-keys\t/srv/bob/.ssh/authorized_keys\twaived$' <(findings "$TMP/w.json")
expect "--waive ID:GLOB leaves other targets alone" \
	grep -qP '^keys.authorized-keys\t/home/alice/.ssh/authorized_keys2\t$' <(findings "$TMP/w.json")
cat > "$TMP/waivers" <<'EOF'
# id                      glob   expiry              reason
accounts.empty-password   bob    expires=2026-12-31  reason=bob is a kiosk account (ticket SEC-12)
accounts.extra-uid0       toor   expires=2025-01-01  reason=lapsed
EOF
"$KW" audit --root "$TMP/dirty" --format json --waivers "$TMP/waivers" --today 2026-11-21 > "$TMP/wf.json"
expect "a waiver file entry before its expiry waives" \
	grep -qP '^accounts.empty-password\tbob\twaived$' <(findings "$TMP/wf.json")
expect "an expired waiver does not waive" \
	grep -qP '^accounts.extra-uid0\ttoor\t$' <(findings "$TMP/wf.json")
expect "an expired waiver is reported as expired" \
	test "$(jget "$TMP/wf.json" '[w["expired"] for w in r["waivers"] if w["id"]=="accounts.extra-uid0"][0]')" = True
"$KW" audit --root "$TMP/dirty" --waive no.such-check >/dev/null 2>"$TMP/err"
expect "waiving an unknown check is a usage error (exit 2)" test $? -eq 2
expect "the error names the unknown check" grep -q 'no.such-check' "$TMP/err"
printf 'profile shared\nseverity keys.dsa critical\nseverity accounts.empty-password low\n' >"$TMP/shared.profile"
"$KW" audit --root "$TMP/dirty" --profile "$TMP/shared.profile" --format json >/dev/null 2>"$TMP/err"
expect "a profile shared with keys scan (a keys.* check) is accepted by audit" test $? -ne 2

# ---- exit codes and --fail-on ----
"$KW" audit --root "$TMP/clean" --fail-on info >/dev/null
expect "clean image with --fail-on info exits 0" test $? -eq 0
"$KW" audit --root "$TMP/dirty" --profile paranoid --fail-on critical >/dev/null
expect "paranoid profile, --fail-on critical exits 1" test $? -eq 1
"$KW" audit --root "$TMP/nonexistent" >/dev/null 2>&1
expect "a missing root is an input error (exit 2)" test $? -eq 2
"$KW" audit --root "$TMP/clean" --image "$TMP/dirty.tar" >/dev/null 2>&1
expect "--root with --image is a usage error (exit 2)" test $? -eq 2
"$KW" audit --root "$TMP/clean" --fail-on severe >/dev/null 2>&1
expect "a bad --fail-on is a usage error (exit 2)" test $? -eq 2

# ---- bad input: corrupt archives, malformed account files ----
# a tarball cut off inside its last member: what came before is audited, exit 3
mkdir -p "$TMP/big/zzz"
cp -a "$TMP/dirty/." "$TMP/big/"
head -c 3000000 /dev/urandom > "$TMP/big/zzz/blob"
tar -C "$TMP/big" --sort=name -czf "$TMP/big.tar.gz" .
head -c 2000000 "$TMP/big.tar.gz" > "$TMP/trunc.tar.gz"
"$KW" audit --image "$TMP/trunc.tar.gz" --format json > "$TMP/trunc.json" 2>"$TMP/trunc.err"
rc=$?
expect "a truncated tar.gz exits 3 (some checks could not run)" test "$rc" -eq 3
expect "the truncated archive is named in the errors" grep -q 'trunc.tar.gz' "$TMP/trunc.json"
expect "what came before the cut is still audited" \
	grep -qP '^accounts.root-password\troot\t' <(findings "$TMP/trunc.json")
head -c 3000 "$TMP/dirty.tar.gz" > "$TMP/trunc-early.tar.gz"
"$KW" audit --image "$TMP/trunc-early.tar.gz" >/dev/null 2>"$TMP/early.err"
rc=$?
expect "a tar.gz cut off early exits 2 or 3, not a crash" bash -c "[ $rc -eq 2 ] || [ $rc -eq 3 ]"
head -c 4096 /dev/urandom > "$TMP/junk.tar"
"$KW" audit --image "$TMP/junk.tar" >/dev/null 2>&1
rc=$?
expect "random bytes as an image are an input error, not a crash (exit 2 or 3)" \
	bash -c "[ $rc -eq 2 ] || [ $rc -eq 3 ]"

cp -a "$TMP/dirty" "$TMP/bad"
printf 'evil\033[31mred:x:1005:1005::/home/evil:/bin/bash\nbroken line without colons\nnul:x:1\000:1::/:/bin/sh\n' >> "$TMP/bad/etc/passwd"
printf 'evil\033[31mred::19700:0:99999:7:::\n' >> "$TMP/bad/etc/shadow"
"$KW" audit --root "$TMP/bad" --no-color > "$TMP/bad.txt" 2>&1
expect "malformed passwd lines are reported with file and line" grep -q '/etc/passwd:19' "$TMP/bad.txt"
expect "the audit goes on past malformed lines" grep -q 'accounts.root-password' "$TMP/bad.txt"
expect "an escape sequence in a user name never reaches the output raw" \
	bash -c "! grep -q $'\033' '$TMP/bad.txt'"
expect "the escape sequence is shown escaped" grep -qF 'evil\x1b[31mred' "$TMP/bad.txt"

# ---- sshd as sshd reads it: drop-ins, first value wins, Match blocks, per-user ----
expect "a cloud-init drop-in that beats the main file is reported with its file:line" \
	grep -q 'passwordauthentication yes (/etc/ssh/sshd_config.d/50-cloud-init.conf:1)' "$TMP/dirty.json"
expect "the main file's line that lost is reported as shadowed" \
	grep -qP '^sshd.shadowed-directive\t/etc/ssh/sshd_config:4\t' "$TMP/dirty.ids"
expect "a Match block that re-enables root logins is reported with its condition" \
	grep -qP '^sshd.permit-root-login\tMatch Address 10.20.0.0/16 ' "$TMP/dirty.ids"
expect "keys in a custom AuthorizedKeysFile (/etc/ssh/keys/%u) are found" \
	grep -qP '^keys.authorized-keys\t/etc/ssh/keys/carol\t' "$TMP/dirty.ids"
"$KW" audit --root "$TMP/dirty" --match-users all --format json > "$TMP/mu.json"
expect "--match-users all evaluates every account (bob may forward TCP)" \
	grep -qP '^sshd.tcp-forwarding\tuser bob\t' <(findings "$TMP/mu.json")
expect "without --match-users the per-user view is not reported" \
	bash -c "! grep -qP '^sshd.tcp-forwarding\tuser bob' '$TMP/dirty.ids'"
"$KW" audit --root "$TMP/dirty" --match-users some >/dev/null 2>&1
expect "--match-users takes only 'all' (exit 2 otherwise)" test $? -eq 2
cp -a "$TMP/clean" "$TMP/refused"
echo 'PermitRootLogin maybe' >> "$TMP/refused/etc/ssh/sshd_config.d/10-bad.conf"
"$KW" audit --root "$TMP/refused" --format json > "$TMP/refused.json"
expect "a config sshd would refuse is a critical finding naming file and line" \
	grep -q '10-bad.conf:1' "$TMP/refused.json"
expect "... with the id sshd.config-refused" \
	grep -qP '^sshd.config-refused\t' <(findings "$TMP/refused.json")

cp -a "$TMP/dirty" "$TMP/am"
echo 'AuthenticationMethods publickey,password password' > "$TMP/am/etc/ssh/sshd_config.d/40-am.conf"
"$KW" audit --root "$TMP/am" --format json > "$TMP/am.json"
expect "an AuthenticationMethods chain of a password alone is reported" \
	grep -qP '^sshd.authentication-methods\tsshd\t' <(findings "$TMP/am.json")
cp -a "$TMP/clean" "$TMP/hk"
head -c 300 /dev/urandom > "$TMP/hk/etc/ssh/ssh_host_ed25519_key"
chmod 600 "$TMP/hk/etc/ssh/ssh_host_ed25519_key"
"$KW" audit --root "$TMP/hk" --format json > "$TMP/hk.json"
expect "a HostKey file that is not a private key is reported" \
	grep -qP '^sshd.host-key-unreadable\t/etc/ssh/ssh_host_ed25519_key\t' <(findings "$TMP/hk.json")
cp -a "$TMP/clean" "$TMP/ca"
printf 'TrustedUserCAKeys /etc/ssh/user_ca.pub\nAuthorizedKeysCommand /usr/bin/sss_ssh_authorizedkeys\nAuthorizedKeysCommandUser nobody\n' \
	> "$TMP/ca/etc/ssh/sshd_config.d/30-ca.conf"
"$KW" audit --root "$TMP/ca" --format json > "$TMP/ca.json"
expect "key sources outside files (AuthorizedKeysCommand, TrustedUserCAKeys) are shown" \
	bash -c "grep -q 'sshd.authorized-keys-command' '$TMP/ca.json' && grep -q '30-ca.conf:1' '$TMP/ca.json'"

# ---- the running-host mode caps image state at info ----
"$KW" audit --root "$TMP/dirty" --format json > "$TMP/img.json"
expect "as an image, SSH host keys are high" \
	test "$(jget "$TMP/img.json" '[f["severity"] for f in r["findings"] if f["id"]=="image.ssh-host-keys"][0]')" = high

finish
