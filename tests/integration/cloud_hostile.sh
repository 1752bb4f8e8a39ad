#!/usr/bin/env bash
# cloud_hostile.sh — `keyward cloud` on hostile files: clear errors, bounded memory, clean
# output.
#  - a 100 MB file (a real describe-security-groups document padded with whitespace) is
#    read under the default limits, and refused with --max-input 50M before it is parsed;
#  - a 30 MB export of 120,000 rules is refused with --max-memory 64M, the message naming
#    the option, and peak memory stays under the limit plus the file and a margin
#    (/usr/bin/time); the same file is read with the default limit;
#  - nesting a million deep, duplicate keys, UTF-16, an empty file, a lone string, NUL in
#    a string: exit 3, a problem that says what, no crash;
#  - wrong types in every field (Priority as an object, as "high", FromPort as "ssh",
#    IpRanges as a string): problems listed, the rules kept as unknown, never as safe
#    (the group is reported as possibly open);
#  - names, ids and descriptions carrying ESC/OSC sequences, C1 controls, bidi overrides,
#    HTML and newlines: no raw control character in text, JSON or records output, and the
#    JSON still parses.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
D=$SRC/tests/data/cloud

kw() {
	timeout 120 "$KW" cloud "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}
has() { grep -q -- "$1" "$2"; }
jqe() { jq -e "$@" >/dev/null; }
clean() { ! LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$@"; }

python3 - "$TMP" <<'PY'
import json, os, sys
t = sys.argv[1]
doc = {"SecurityGroups": [{"GroupId": "sg-0pad", "GroupName": "padded", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
body = json.dumps(doc)
with open(os.path.join(t, "pad100.json"), "w") as f:
    f.write(body[:-1])
    f.write(" " * (100 * 1000 * 1000))
    f.write("}")
groups = []
for g in range(12000):
    groups.append({"GroupId": "sg-%06d" % g, "GroupName": "g%d" % g, "VpcId": "vpc-1",
                   "IpPermissions": [{"IpProtocol": "tcp", "FromPort": p, "ToPort": p,
                                      "IpRanges": [{"CidrIp": "10.%d.%d.0/24" % (g % 250, p % 250)}],
                                      "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
                                     for p in range(1000, 1010)]})
json.dump({"SecurityGroups": groups}, open(os.path.join(t, "rules120k.json"), "w"))
with open(os.path.join(t, "deep.json"), "w") as f:
    f.write("[" * 1000000 + "]" * 1000000)
open(os.path.join(t, "dup.json"), "w").write('{"SecurityGroups":[{"GroupId":"sg-1","GroupId":"sg-2"}]}')
open(os.path.join(t, "utf16.json"), "wb").write(json.dumps(doc).encode("utf-16"))
open(os.path.join(t, "empty.json"), "w").write("")
open(os.path.join(t, "string.json"), "w").write('"SecurityGroups"')
open(os.path.join(t, "nul.json"), "w").write('{"SecurityGroups":[{"GroupId":"sg-\\u0000"}]}')
evil = "\x1b]8;;http://evil\x07click\x1b]8;;\x07 \x1b[2J\x9b31m \u202egnp.exe <script>alert(1)</script>\nline2"
hostile = {"SecurityGroups": [{"GroupId": "sg-" + evil, "GroupName": evil, "Description": evil,
  "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                     "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": evil}],
                     "UserIdGroupPairs": [{"GroupId": evil}], "PrefixListIds": [{"PrefixListId": evil}]}]}]}
json.dump(hostile, open(os.path.join(t, "evil.json"), "w"))
json.dump({"Reservations": [{"Instances": [{"InstanceId": "i-" + evil, "Tags": [{"Key": "Name", "Value": evil}],
  "PublicIpAddress": "198.51.100.1", "SecurityGroups": [{"GroupId": "sg-" + evil}]}]}]},
  open(os.path.join(t, "evil-inst.json"), "w"))
PY

kw "$TMP/pad100.json" --format json
expect "a 100 MB file is read under the default limits" test $RC -eq 0
expect "a 100 MB file: its open SSH is found" \
	test "$(jq '[.findings[] | select(.id == "cloud.ssh-internet")] | length' "$TMP/out")" -eq 1
kw "$TMP/pad100.json" --max-input 50M --format json
expect "--max-input 50M refuses it: exit 3" test $RC -eq 3
expect "--max-input 50M: the message names the limit" \
	test "$(jq -r '.problems[0].message' "$TMP/out")" = "the file is larger than 50 MiB (--max-input)"

size=$(stat -c %s "$TMP/rules120k.json")
/usr/bin/time -f %M -o "$TMP/rss" timeout 120 "$KW" cloud "$TMP/rules120k.json" --max-memory 64M --format json >"$TMP/out" 2>"$TMP/err"
RC=$?
expect "--max-memory 64M refuses a 120,000-rule tree: exit 3" test $RC -eq 3
expect "--max-memory: the message names the option" \
	test "$(jq -r '.problems[0].message' "$TMP/out")" = "the JSON tree needs more than 64 MiB of memory (--max-memory)"
rss=$(($(tail -1 "$TMP/rss") * 1024))
# ASan builds carry their own shadow memory: the bound applies to plain builds. (grep -c
# reads all its input: grep -q would exit at the first match, ldd or nm would then die of
# SIGPIPE, and under pipefail an ASan build looked plain about one run in several.)
asan=$({ ldd "$KW"; nm -a "$KW"; } 2>/dev/null | grep -c -e libasan -e __asan_init)
if [ "${asan:-0}" -eq 0 ]; then
	expect "--max-memory: peak RSS $((rss >> 20)) MiB stays under 64 MiB + the file ($((size >> 20)) MiB) + 48 MiB" \
		test "$rss" -lt $(((64 << 20) + size + (48 << 20)))
fi
kw "$TMP/rules120k.json" --format json
expect "the same file under the default limit: exit 0" test $RC -eq 0
expect "the same file: 120,000 rules" test "$(jq '.counts.rules' "$TMP/out")" -eq 120000

for f in deep dup utf16 empty string nul; do
	kw "$TMP/$f.json" --format json
	expect "$f.json: exit 3, no crash" test $RC -eq 3
	expect "$f.json: a fatal problem is reported" test "$(jq '[.problems[] | select(.fatal)] | length' "$TMP/out")" -ge 1
done
kw "$TMP/deep.json" --format json
expect "deep.json: a parse error with a position" has "line 1 column" "$TMP/out"
kw "$TMP/dup.json" --format json
expect "dup.json: duplicate keys are named" has "duplicate" "$TMP/out"
kw "$TMP/utf16.json" --format json
expect "utf16.json: the iconv command is given" has "iconv -f UTF-16 -t UTF-8" "$TMP/out"

kw "$D/aws/bad_types.json" "$D/alibaba/priority_forms.json" "$D/alibaba/bad_types.json" --format json
expect "wrong types: read (exit 0)" test $RC -eq 0
expect "wrong types: each is a problem" test "$(jq '.problems | length' "$TMP/out")" -ge 10
expect "wrong types: a rule read as unknown still counts as possibly open" \
	test "$(jq '[.findings[] | select(.id == "cloud.exposure-unknown" or .id == "cloud.ssh-internet")] | length' "$TMP/out")" -ge 1

for fmt in text json; do
	kw "$TMP/evil.json" "$TMP/evil-inst.json" --format $fmt
	expect "hostile names ($fmt): exit 0" test $RC -eq 0
	expect "hostile names ($fmt): the instance is judged" has "cloud.ssh-internet" "$TMP/out"
	expect "hostile names ($fmt): no raw control character" clean "$TMP/out" "$TMP/err"
	expect "hostile names ($fmt): no raw C1 CSI" bash -c "! grep -qF \$'\xc2\x9b' '$TMP/out'"
	expect "hostile names ($fmt): no raw bidi override" bash -c "! grep -qF \$'\xe2\x80\xae' '$TMP/out'"
done
kw "$TMP/evil.json" "$TMP/evil-inst.json" --format json
expect "hostile names: the JSON parses" jq -e -c ".findings | length > 0" "$TMP/out"
kw --records "$TMP/evil.json" "$TMP/evil-inst.json"
expect "hostile names (records): no raw control character" clean "$TMP/out" "$TMP/err"
finish
