#!/usr/bin/env bash
# windows_image.sh — `keyward windows` and `keyward audit` on Windows system volumes whose
# hives were built by hivex's own hivexregedit (tests/data/windows/mkimage.py):
#  - the "bad" image: every finding expected, exactly (tests/data/windows/bad/expected;
#    reviewed by reading it against bad/README, bad/*.reg, bad/accounts.txt and
#    ../answers/README), with the hives spelled WINDOWS/system32/CONFIG;
#  - the current control set is the one SYSTEM\Select names (ControlSet001 says the
#    opposite and is ignored); Group Policy values win over the listener's own (the
#    "clean" image says NLA off and native security in RDP-Tcp, policy says NLA and TLS);
#  - the clean image: no finding above low, exit 0 with --fail-on medium;
#  - keyward audit on the same volume finds the same Windows findings and no Linux
#    check complains of a missing /etc/passwd;
#  - no secret ever reaches a report: the autologon password, the answer files'
#    passwords (plain and encoded), the history line, in text, JSON, SARIF, HTML;
#  - a dirty hive is reported; a missing SAM makes exit 3 naming it; a folder that is not
#    a Windows volume is refused with exit 2; --list-checks lists the windows checks.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
W=$SRC/tests/data/windows
has() { grep -q -- "$1" "$2"; }

img=$TMP/bad
python3 "$W/mkimage.py" "$W/bad" "$img" --config-dir WINDOWS/system32/CONFIG || exit 1
# made at run time: keys by ssh-keygen, answer files from ../answers, a UTF-16 .rdp file
mkdir -p "$img/ProgramData/ssh" "$img/Users/builder/.ssh" "$img/Users/builder/Documents" \
	"$img/WINDOWS/Panther" "$img/WINDOWS/system32/Sysprep" "$img/WINDOWS/Temp" \
	"$img/ProgramData/Microsoft/Group Policy/History/{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/Preferences/Groups"
ssh-keygen -q -t ed25519 -N '' -C builder@build -f "$TMP/builder" || exit 1
ssh-keygen -q -t ed25519 -N '' -C '' -f "$img/ProgramData/ssh/ssh_host_ed25519_key" || exit 1
cp "$TMP/builder.pub" "$img/ProgramData/ssh/administrators_authorized_keys"
cp "$TMP/builder.pub" "$img/Users/builder/.ssh/authorized_keys"
cp "$W/answers/unattend-plain.xml" "$img/WINDOWS/Panther/unattend.xml"
cp "$W/answers/unattend-clean.xml" "$img/WINDOWS/system32/Sysprep/unattend.xml"
cp "$W/answers/unattend-utf16.xml" "$img/WINDOWS/Temp/build-answers.xml"  # SYSTEM\Setup!UnattendFile
cp "$W/answers/sysprep.inf" "$img/sysprep.inf"
cp "$W/answers/Groups.xml" "$img/ProgramData/Microsoft/Group Policy/History/{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/Preferences/Groups/Groups.xml"
python3 -c 'import sys; open(sys.argv[1], "wb").write("\ufefffull address:s:jump.example\r\npassword 51:b:01000000D08C9DDF0115D1118C7A00C04FC297EB\r\n".encode("utf-16-le"))' \
	"$img/Users/builder/Documents/jump.rdp"

timeout 60 "$KW" windows --root "$img" --format json --output "$TMP/bad.json" --fail-on critical 2>"$TMP/err"
rc=$?
expect "the bad image fails --fail-on critical (exit 1)" [ "$rc" -eq 1 ]
expect "no errors on the bad image" [ ! -s "$TMP/err" ]
findings "$TMP/bad.json" | cut -f1,2 >"$TMP/bad.findings"
expect "the bad image's findings are exactly the expected ones" diff -u "$W/bad/expected" "$TMP/bad.findings"
jget "$TMP/bad.json" '[f["evidence"] for f in r["findings"] if f["id"] == "windows.rdp-nla-off"][0]' >"$TMP/nla"
expect "NLA is read from the current control set (2), not ControlSet001" has "UserAuthentication=0 (registry)" "$TMP/nla"
jget "$TMP/bad.json" 'r["command"]' >"$TMP/cmd"
expect "the report says it is the windows command" has windows "$TMP/cmd"

# every format, then no secret anywhere
for fmt in text sarif html junit markdown; do
	timeout 60 "$KW" windows --root "$img" --format "$fmt" -v >"$TMP/bad.$fmt" 2>/dev/null
done
cat "$TMP"/bad.* >"$TMP/all"
# every fixture password contains "Fixture-" (answers/README); the base64 and cpassword
# texts that carry them are taken from the files themselves
grep -ho '<Value>[A-Za-z0-9+/=]\{16,\}</Value>\|cpassword="[^"]\+"' "$W"/answers/*.xml | sed 's/<[^>]*>//g; s/cpassword="//; s/"$//' >"$TMP/carriers"
expect "the fixtures carry encoded passwords to look for" [ "$(wc -l <"$TMP/carriers")" -ge 2 ]
for secret in 'Summer2026!' 'Fixture-' $(cat "$TMP/carriers"); do
	expect "the secret $secret is in no report" bash -c '! grep -q -F -- "$1" "$2"' _ "$secret" "$TMP/all"
done
expect "the text report names the answer file of SYSTEM\\Setup!UnattendFile" has "build-answers.xml" "$TMP/bad.text"

# the clean image: policy overrides the listener's NLA-off, native-security values
clean=$TMP/clean
python3 "$W/mkimage.py" "$W/clean" "$clean" || exit 1
timeout 60 "$KW" windows --root "$clean" --format json --output "$TMP/clean.json" --fail-on medium 2>"$TMP/err"
rc=$?
expect "the clean image passes --fail-on medium (exit 0)" [ "$rc" -eq 0 ]
findings "$TMP/clean.json" | cut -f1,2 >"$TMP/clean.findings"
printf 'windows.rdp-enabled\tRDP\n' >"$TMP/clean.want"
expect "the clean image has only the RDP-enabled note" diff -u "$TMP/clean.want" "$TMP/clean.findings"
jget "$TMP/clean.json" 'r["findings"][0]["evidence"]' >"$TMP/ev"
expect "the effective RDP settings come from policy (NLA required, TLS)" has "NLA required, security layer TLS" "$TMP/ev"

# audit detects Windows: same Windows findings, no Linux complaints
timeout 60 "$KW" audit --root "$img" --format json --output "$TMP/audit.json" 2>"$TMP/err"
findings "$TMP/audit.json" | cut -f1,2 >"$TMP/audit.findings"
expect "keyward audit on a Windows volume finds what keyward windows finds" diff -u "$TMP/bad.findings" "$TMP/audit.findings"
jget "$TMP/audit.json" 'len(r["errors"])' >"$TMP/nerr"
expect "keyward audit reports no error for the missing /etc/passwd" [ "$(cat "$TMP/nerr")" = 0 ]
timeout 60 "$KW" audit --root "$img" --format sarif --output "$TMP/audit.sarif" 2>/dev/null
jget "$TMP/audit.sarif" 'len([c for c in r["runs"][0]["tool"]["driver"]["rules"] if c["id"].startswith("accounts.")])' >"$TMP/nacc"
expect "the Linux account checks are not listed as run on a Windows volume" [ "$(cat "$TMP/nacc")" = 0 ]
jget "$TMP/audit.sarif" 'len([c for c in r["runs"][0]["tool"]["driver"]["rules"] if c["id"].startswith("windows.")])' >"$TMP/nwin"
expect "the windows checks are listed as run" [ "$(cat "$TMP/nwin")" -gt 20 ]

# a dirty hive
dirty=$TMP/dirty
python3 "$W/mkimage.py" "$W/clean" "$dirty" --dirty SOFTWARE || exit 1
timeout 60 "$KW" windows --root "$dirty" --format json --output "$TMP/dirty.json" 2>/dev/null
findings "$TMP/dirty.json" | cut -f1,2 >"$TMP/dirty.findings"
expect "a dirty SOFTWARE hive is reported" has "windows.hive-dirty	/Windows/System32/config/SOFTWARE" "$TMP/dirty.findings"

# a missing SAM: exit 3, the error names it, the other checks still run
rm "$dirty/Windows/System32/config/SAM"
timeout 60 "$KW" windows --root "$dirty" >"$TMP/out" 2>&1
rc=$?
expect "a missing SAM is exit 3" [ "$rc" -eq 3 ]
expect "the error names the SAM hive" has "no SAM hive" "$TMP/out"
expect "the SYSTEM checks still ran" has "windows.rdp-enabled" "$TMP/out"

# not a Windows volume; no --root
mkdir -p "$TMP/linux/etc"
timeout 60 "$KW" windows --root "$TMP/linux" >"$TMP/out" 2>&1
rc=$?
expect "a folder that is not a Windows volume is refused (exit 2)" [ "$rc" -eq 2 ]
expect "the refusal says why" has "not a Windows system volume" "$TMP/out"
timeout 60 "$KW" windows >"$TMP/out" 2>&1
rc=$?
expect "keyward windows without --root is a usage error" [ "$rc" -eq 2 ]
timeout 60 "$KW" windows --list-checks >"$TMP/out" 2>&1
expect "--list-checks lists the windows checks" has "windows.autologon-password" "$TMP/out"
expect "--list-checks leaves out the Linux-only checks" bash -c '! grep -q "^accounts\." "$1"' _ "$TMP/out"

finish
