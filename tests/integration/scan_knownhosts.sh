#!/usr/bin/env bash
# scan_knownhosts.sh — `keyward scan --known-hosts FILE` against real sshd peers on
# 127.0.0.1 (scanpeers.sh: default and hardened), with files made by ssh-keyscan and
# hashed by ssh-keygen -H:
#  - the server's own entries (plain, hashed, ECDSA only): no mismatch; --known-hosts
#    implies --hostkeys, so a file holding one key type is enough;
#  - another server's keys under this server's name: scan.host-key-mismatch naming
#    known_hosts FILE:LINE; two targets, one file, each with its own entries;
#  - no entry for the target, or entries for port 22 only: no expectation;
#  - @revoked for a key the server proves: scan.host-key-revoked (critical), also through
#    a wildcard; @cert-authority lines set no expectation;
#  - --expect adds to the file's keys;
#  - a missing file exits 2; lines ssh ignores are reported as FILE:LINE (escaped) and the
#    scan goes on.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/scanpeers.sh"
peers_init "$TMP/peers" || exit 1

expect "the default and hardened peers start" peers_start default hardened
pd=$(peers_port default) || exit 1
ph=$(peers_port hardened) || exit 1
keyscan() { ssh-keyscan -T 5 -p "$1" "${@:2}" 127.0.0.1 2>/dev/null; }
KH=$TMP/known_hosts
keyscan "$pd" >"$KH"
expect "ssh-keyscan wrote the default peer's three keys" test "$(wc -l <"$KH")" -eq 3

scan() {
	rm -f "$TMP/out.json"
	"$KW" scan -q "$@" --format json --output "$TMP/out.json" 2>"$TMP/err"
	echo $? >"$TMP/rc"
}
rc() { cat "$TMP/rc"; }
ids() { python3 -c 'import json,sys; print("\n".join(sorted({f["id"] for f in json.load(open(sys.argv[1]))["findings"]})))' "$TMP/out.json"; }
evidence() { python3 -c 'import json,sys; [print(f["evidence"]) for f in json.load(open(sys.argv[1]))["findings"] if f["id"] == sys.argv[2]]' "$TMP/out.json" "$1"; }
has_id() { grep -qx "$1" <<<"$(ids)"; }
lacks_id() { ! has_id "$1"; }
no_key_findings() { [ -s "$TMP/out.json" ] && ! grep -qE '^scan\.host-key-(mismatch|revoked)$' <<<"$(ids)"; }
verified() { jget "$TMP/out.json" "sum(1 for k in r['targets'][$1]['host_keys'] if k['verified'])"; }
fp_of() { ssh-keygen -lf "$(peers_keys "$1" | grep "_$2_key.pub")" | awk '{print $2}'; }
ED_FP=$(fp_of default ed25519)

scan "127.0.0.1:$pd" --known-hosts "$KH" --fail-on critical
expect "the server's own keys: exit 0" test "$(rc)" = 0
expect "the server's own keys: no mismatch, nothing revoked" no_key_findings
expect "--known-hosts implies --hostkeys: three keys verified" test "$(verified 0)" -eq 3
expect "a clean file: nothing on stderr" test ! -s "$TMP/err"

cp "$KH" "$TMP/hashed"
ssh-keygen -q -H -f "$TMP/hashed" >/dev/null 2>&1
expect "ssh-keygen -H hashed the file" grep -q '^|1|' "$TMP/hashed"
scan "127.0.0.1:$pd" --known-hosts "$TMP/hashed" --fail-on critical
expect "hashed entries: exit 0" test "$(rc)" = 0
expect "hashed entries: no mismatch" no_key_findings

keyscan "$pd" -t ecdsa >"$TMP/ecdsa-only"
scan "127.0.0.1:$pd" --known-hosts "$TMP/ecdsa-only" --fail-on critical
expect "an ECDSA-only file: no mismatch (the ECDSA key is proved too)" no_key_findings
expect "an ECDSA-only file: exit 0" test "$(rc)" = 0

# the hardened peer's keys written under the default peer's name
keyscan "$ph" | sed "s/^\[127\.0\.0\.1\]:$ph /[127.0.0.1]:$pd /" >"$TMP/other"
scan "127.0.0.1:$pd" --known-hosts "$TMP/other" --fail-on critical
expect "another server's keys: scan.host-key-mismatch" has_id scan.host-key-mismatch
expect "another server's keys: --fail-on critical exits 1" test "$(rc)" = 1
expect "the mismatch names known_hosts FILE:LINE" sh -c 'echo "$1" | grep -qF "(known_hosts $2:1)"' _ "$(evidence scan.host-key-mismatch)" "$TMP/other"
# two targets, one file holding both servers' own entries
{ cat "$KH"; keyscan "$ph"; } >"$TMP/both"
scan "127.0.0.1:$pd" "127.0.0.1:$ph" --known-hosts "$TMP/both" --fail-on critical
expect "two targets, one file: no mismatch" no_key_findings
expect "two targets, one file: exit 0" test "$(rc)" = 0

# no entry for the target, or entries for port 22 only (ssh writes [host]:port otherwise)
scan "127.0.0.1:$ph" --known-hosts "$KH" --fail-on critical
expect "no entry for the target: no expectation" no_key_findings
sed 's/^\[127\.0\.0\.1\]:[0-9]* /127.0.0.1 /' "$TMP/other" >"$TMP/port22"
scan "127.0.0.1:$pd" --known-hosts "$TMP/port22" --fail-on critical
expect "entries for port 22 do not apply to another port" no_key_findings

# @revoked
ED_PUB=$(cut -d' ' -f1,2 "$(peers_keys default | grep _ed25519_key.pub)")
{ echo "@revoked [127.0.0.1]:$pd $ED_PUB"; cat "$KH"; } >"$TMP/revoked"
scan "127.0.0.1:$pd" --known-hosts "$TMP/revoked" --fail-on critical
expect "@revoked key proved: scan.host-key-revoked" has_id scan.host-key-revoked
expect "@revoked: critical, exit 1" test "$(rc)" = 1
expect "@revoked: the evidence names the key and the line" \
	sh -c 'echo "$1" | grep -qF "ED25519 256 $2 (@revoked in known_hosts $3:1)"' _ "$(evidence scan.host-key-revoked)" "$ED_FP" "$TMP/revoked"
expect "@revoked: critical severity" test "$(jget "$TMP/out.json" '[f["severity"] for f in r["findings"] if f["id"] == "scan.host-key-revoked"][0]')" = critical
{ echo "@revoked * $ED_PUB"; } >"$TMP/revoked-any"
scan "127.0.0.1:$pd" --known-hosts "$TMP/revoked-any"
expect "@revoked through a wildcard: scan.host-key-revoked" has_id scan.host-key-revoked
expect "@revoked only: no expectation, so no mismatch" lacks_id scan.host-key-mismatch
{ echo "@cert-authority * $ED_PUB"; } >"$TMP/ca"
scan "127.0.0.1:$pd" --known-hosts "$TMP/ca" --fail-on critical
expect "@cert-authority only: no expectation, no key finding" no_key_findings

# --expect adds to the file
scan "127.0.0.1:$pd" --known-hosts "$TMP/other" --expect "$ED_FP" --fail-on critical
expect "--expect of the right key + a file of other keys: no mismatch" no_key_findings
scan "127.0.0.1:$ph" --known-hosts "$KH" --expect "$ED_FP" --fail-on critical
expect "--expect of another key, no entry in the file: mismatch naming --expect" \
	sh -c 'echo "$1" | grep -qF "(--expect)"' _ "$(evidence scan.host-key-mismatch)"

# errors and bad lines
"$KW" scan -q "127.0.0.1:$pd" --known-hosts "$TMP/missing" >/dev/null 2>"$TMP/err"
expect "a missing file: exit 2" test $? -eq 2
expect "a missing file: says which" grep -qF "cannot read the known_hosts file $TMP/missing" "$TMP/err"
BAD=$TMP/$'bad\033name'
{ echo "host-a ssh-ed25519 AAAAbad"; echo "@bogus * $ED_PUB"; cat "$KH"; } >"$BAD"
scan "127.0.0.1:$pd" --known-hosts "$BAD" --fail-on critical
expect "lines ssh ignores: the scan goes on (exit 0)" test "$(rc)" = 0
expect "lines ssh ignores: FILE:1 and FILE:2 on stderr, the name escaped" \
	sh -c 'grep -qF "bad\\x1bname:1: malformed key" "$1" && grep -qF "bad\\x1bname:2: invalid marker" "$1"' _ "$TMP/err"
expect "lines ssh ignores: no raw escape on stderr" sh -c '! grep -q $'"'"'\033'"'"' "$1"' _ "$TMP/err"
expect "lines ssh ignores: the good lines still count (no mismatch)" no_key_findings

peers_stop
finish
