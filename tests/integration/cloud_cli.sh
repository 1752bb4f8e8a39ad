#!/usr/bin/env bash
# cloud_cli.sh — `keyward cloud` as a user meets it:
#  - --help teaches (every input kind named), usage errors exit 2 with a message: no
#    file, an unknown option, a bad --fail-on, a bad size, an unknown provider;
#  - options after the files are options (not files);
#  - exit codes: 0; 1 with --fail-on high on an open group and 0 with --fail-on critical;
#    3 for an unreadable or unknown file while the good one is still judged and reported;
#  - stdin ("-" named "(stdin)"), a JSON array of documents read one by one, a top-level
#    array with one bad element (the others read, the bad one a problem);
#  - --output writes atomically (no temp file left; an unwritable folder fails with exit 2
#    and leaves nothing), JSON parses, --records gives one valid JSON object per record
#    whose count equals the report's counts;
#  - --list-checks names the 14 checks; --profile disables a check and changes a
#    severity; a profile naming an unknown check id is refused;
#  - a launch request whose keys do not tell the provider: refused with a pointer to
#    --provider, read with --provider aws / alibaba;
#  - the plaintext password of a request never appears in text, JSON or records output;
#  - --max-input refuses a big file with the limit named.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
D=$SRC/tests/data/cloud

kw() {
	timeout 60 "$KW" cloud "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}
has() { grep -q -- "$1" "$2"; }
jqe() { jq -e "$@" >/dev/null; }

kw --help
expect "--help exits 0" test $RC -eq 0
for k in describe-security-groups describe-security-group-rules describe-instances \
	describe-launch-template-versions DescribeSecurityGroupAttribute DescribeInstances \
	DescribeLaunchTemplateVersions "terraform show -json" "--fail-on" "--records"; do
	expect "--help names $k" has "$k" "$TMP/out"
done
kw
expect "no file: exit 2" test $RC -eq 2
expect "no file: says so" has "no input file" "$TMP/err"
kw "$D/aws/minimal.json" --bogus
expect "an unknown option: exit 2" test $RC -eq 2
kw "$D/aws/minimal.json" --fail-on severe
expect "a bad --fail-on: exit 2" test $RC -eq 2
kw "$D/aws/minimal.json" --max-input 12Q
expect "a bad size: exit 2" test $RC -eq 2
kw "$D/aws/minimal.json" --provider gcp
expect "an unknown provider: exit 2" test $RC -eq 2

kw "$D/aws/minimal.json" --fail-on high
expect "an open group with --fail-on high: exit 1" test $RC -eq 1
expect "options after the file are options (no problem with a file named --fail-on)" \
	bash -c "! grep -q 'cannot open' '$TMP/out' '$TMP/err'"
kw "$D/aws/minimal.json" --fail-on critical
expect "no critical finding: exit 0" test $RC -eq 0
expect "text names the finding" has "cloud.ssh-internet" "$TMP/out"

echo '{"Foo": 1, "Bar": [2]}' >"$TMP/foo.json"
kw "$D/aws/minimal.json" "$TMP/foo.json" "$TMP/missing.json" --format json
expect "an unknown and a missing file: exit 3" test $RC -eq 3
expect "the good file is still judged" \
	test "$(jq '[.findings[] | select(.id == "cloud.ssh-internet")] | length' "$TMP/out")" -ge 1
expect "the unknown kind names its keys and the kinds keyward reads" \
	test "$(jq -r '.problems[] | select(.file | endswith("foo.json")) | .message' "$TMP/out" | grep -c 'keys: Foo, Bar.*describe-security-groups')" -eq 1
expect "the missing file is a fatal problem" \
	test "$(jq '[.problems[] | select(.fatal and (.file | endswith("missing.json")))] | length' "$TMP/out")" -eq 1
expect "stderr says how many problems" has "2 problems in the inputs" "$TMP/err"

timeout 60 "$KW" cloud - --format json <"$D/alibaba/minimal.json" >"$TMP/out" 2>"$TMP/err"
expect "stdin is read and named (stdin)" test "$(jq -r '.inputs[0].file' "$TMP/out")" = "(stdin)"
expect "stdin: the Alibaba kind" test "$(jq -r '.inputs[0].kind' "$TMP/out")" = "alibaba DescribeSecurityGroupAttribute"

jq -s . "$D/alibaba/minimal.json" "$D/alibaba/drop_equal_priority.json" >"$TMP/arr.json"
kw "$TMP/arr.json" --format json
expect "an array of documents: exit 0" test $RC -eq 0
expect "an array of documents: both groups" test "$(jq '.counts.groups' "$TMP/out")" -eq 2
expect "an array of documents: origins index the element" \
	test "$(jq -r '[.findings[].path] | map(select(test("arr.json#/0/Permissions"))) | length' "$TMP/out")" -ge 1
jq -s '. + ["not a document"]' "$D/alibaba/minimal.json" >"$TMP/arr2.json"
kw "$TMP/arr2.json" --format json
expect "an array with a bad element: the others are read (exit 0)" test $RC -eq 0
expect "an array with a bad element: the bad one is a problem" \
	test "$(jq '[.problems[] | select(.message | test("^#/1: not an object"))] | length' "$TMP/out")" -eq 1

mkdir -p "$TMP/outdir"
kw "$D/aws/minimal.json" --format json --output "$TMP/outdir/r.json"
expect "--output: exit 0" test $RC -eq 0
expect "--output: the report parses" jqe '.format == "keyward-cloud" and .version == 1' "$TMP/outdir/r.json"
expect "--output: no temp file left" test "$(ls "$TMP/outdir" | wc -l)" -eq 1
kw "$D/aws/minimal.json" --output "$TMP/nodir/r.json"
expect "--output into a missing folder: exit 2" test $RC -eq 2
expect "--output into a missing folder: nothing written" test ! -e "$TMP/nodir"

kw --records "$D/aws/minimal.json" "$D/aws/instances.json" "$D/aws/run_userdata.json"
cp "$TMP/out" "$TMP/records"
kw "$D/aws/minimal.json" "$D/aws/instances.json" "$D/aws/run_userdata.json" --format json
want=$(jq '.counts.groups + .counts.rules + .counts.instances + .counts.launches' "$TMP/out")
expect "--records: one line per record ($want)" test "$(wc -l <"$TMP/records")" -eq "$want"
expect "--records: every line is a JSON object with a record kind" \
	test "$(jq -c 'select(.record == "group" or .record == "rule" or .record == "instance" or .record == "launch")' "$TMP/records" | wc -l)" -eq "$want"

kw --list-checks
expect "--list-checks: 14 checks" test "$(grep -c '^cloud\.' "$TMP/out")" -eq 14
printf 'disable cloud.port-internet\nseverity cloud.ssh-internet critical\n' >"$TMP/p.profile"
kw "$D/aws/minimal.json" --profile "$TMP/p.profile" --format json
expect "a profile disables a check" test "$(jq '[.findings[] | select(.id == "cloud.port-internet")] | length' "$TMP/out")" -eq 0
expect "a profile sets a severity" test "$(jq -r '.findings[] | select(.id == "cloud.ssh-internet") | .severity' "$TMP/out" | sort -u)" = critical
printf 'disable cloud.no-such-check\n' >"$TMP/bad.profile"
kw "$D/aws/minimal.json" --profile "$TMP/bad.profile"
expect "a profile with an unknown check id: exit 2" test $RC -eq 2

echo '{"ImageId": "img-0123", "UserData": "I2Nsb3VkLWNvbmZpZwpzc2hfcHdhdXRoOiB0cnVlCg=="}' >"$TMP/ambiguous.json"
kw "$TMP/ambiguous.json"
expect "an ambiguous launch request: exit 3" test $RC -eq 3
expect "an ambiguous launch request: points to --provider" has "provider" "$TMP/out"
kw "$TMP/ambiguous.json" --provider aws --format json
expect "--provider aws reads it as an AWS request" test "$(jq -r '.inputs[0].kind' "$TMP/out")" = "aws run-instances request"
expect "--provider aws: its user data turns on password logon" \
	test "$(jq '[.findings[] | select(.id == "cloud.user-data-password")] | length' "$TMP/out")" -eq 1
kw "$TMP/ambiguous.json" --provider alibaba --format json
expect "--provider alibaba reads it as an Alibaba request" test "$(jq -r '.inputs[0].kind' "$TMP/out")" = "alibaba RunInstances/CreateInstance request"

secret=$(jq -r .Password "$D/alibaba/request_password.json")
for fmt in text json; do
	kw "$D/alibaba/request_password.json" --format $fmt
	expect "the password is reported ($fmt)" has "cloud.launch-password" "$TMP/out"
	expect "the password's value is not in the $fmt output" bash -c "! grep -qF -- '$secret' '$TMP/out' '$TMP/err'"
done
kw --records "$D/alibaba/request_password.json"
expect "the password's value is not in --records" bash -c "! grep -qF -- '$secret' '$TMP/out' '$TMP/err'"

kw "$D/golden/aws-fleet-sg.json" --max-input 1K
expect "--max-input: exit 3" test $RC -eq 3
expect "--max-input: the limit is named" has "larger than 1024 bytes (--max-input)" "$TMP/out"
finish
