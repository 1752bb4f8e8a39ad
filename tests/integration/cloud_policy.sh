#!/usr/bin/env bash
# cloud_policy.sh — `keyward cloud policy` (the deny policies of data/policies/):
#  - --name NAME prints that document byte for byte as data/policies/NAME.json holds it,
#    for every one of the six, and `jq -e` accepts it as a complete policy (Version, a
#    Statement list of Deny statements with Action and Resource);
#  - --provider alibaba prints the four Alibaba documents and no AWS one, --provider aws
#    the two AWS ones and no Alibaba one, each followed by the provider's limits; every
#    line that is not part of a document is a comment, and what is left once comments
#    and blank lines are dropped is exactly the documents, in order;
#  - --format json parses with jq: format/version/provider, the policies asked for with
#    each "document" equal to the data file, limits only for the providers asked for;
#    with --name only that policy;
#  - errors: an unknown name exits 2 naming every known policy; an unknown provider and
#    a stray argument exit 2; a name of the other provider exits 2; nothing on stdout.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"

POL=$SRC/data/policies
ALI="alibaba-deny-password-inherit alibaba-deny-password-logon alibaba-deny-root-logon alibaba-deny-internet-rules"
AWS="aws-deny-key-pairs aws-require-launch-template"

kw() {
	timeout 30 "$KW" cloud policy "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

have_jq=1
command -v jq >/dev/null || have_jq=0

# a complete deny policy document
jq_policy() {
	jq -e --arg v "$2" '
		(.Version == $v) and (.Statement | type == "array" and length > 0) and
		all(.Statement[]; .Effect == "Deny" and has("Action") and has("Resource"))' "$1" >/dev/null
}

for n in $ALI $AWS; do
	kw --name "$n"
	expect "--name $n: exit 0" test "$RC" = 0
	expect "--name $n: byte for byte data/policies/$n.json" cmp -s "$TMP/out" "$POL/$n.json"
	case $n in alibaba-*) v=1 ;; *) v=2012-10-17 ;; esac
	if [ $have_jq = 1 ]; then
		expect "--name $n: jq -e: Version $v, Deny statements with Action and Resource" jq_policy "$TMP/out" "$v"
	fi
	cp "$TMP/out" "$TMP/$n.json"
done
if [ $have_jq = 1 ]; then
	expect "the seed denies exactly RunInstances, CreateInstance, ReplaceSystemDisk when ecs:PasswordInherit is true" \
		jq -e '.Statement | length == 1 and (.[0].Action == ["ecs:RunInstances","ecs:CreateInstance","ecs:ReplaceSystemDisk"])
			and (.[0].Condition.Bool["ecs:PasswordInherit"] == ["true"])' "$TMP/alibaba-deny-password-inherit.json" >/dev/null
fi

# documents only, once comment and blank lines are dropped
docs_of() { grep -v '^#' "$1" | grep -v '^$'; }
for prov in alibaba aws; do
	kw --provider "$prov"
	expect "--provider $prov: exit 0" test "$RC" = 0
	cp "$TMP/out" "$TMP/$prov.txt"
	if [ $prov = alibaba ]; then want=$ALI; other=$AWS; else want=$AWS; other=$ALI; fi
	: >"$TMP/want"
	for n in $want; do cat "$POL/$n.json" >>"$TMP/want"; done
	docs_of "$TMP/$prov.txt" >"$TMP/docs"
	expect "--provider $prov: without comments it is exactly its documents, in order" cmp -s "$TMP/docs" "$TMP/want"
	for n in $want; do
		expect "--provider $prov: names $n in a comment header" grep -q "^# $n: " "$TMP/$prov.txt"
	done
	for n in $other; do
		expect "--provider $prov: does not print $n" bash -c '! grep -q "$1" "$2"' _ "$n" "$TMP/$prov.txt"
	done
	expect "--provider $prov: ends with the limits of policy" grep -q '^# What policy cannot enforce' "$TMP/$prov.txt"
done
expect "aws limits name the detective controls (restricted-ssh / INCOMING_SSH_DISABLED, Firewall Manager)" \
	bash -c 'grep -q INCOMING_SSH_DISABLED "$1" && grep -q restricted-ssh "$1" && grep -q "Firewall Manager" "$1"' _ "$TMP/aws.txt"
expect "alibaba limits say there is no port condition key and no IPv6 key" \
	bash -c 'grep -q "no port condition key" "$1" && grep -q "IPv6" "$1"' _ "$TMP/alibaba.txt"
expect "derived documents carry a DERIVED note (alibaba: 2)" test "$(grep -c '^# DERIVED:' "$TMP/alibaba.txt")" = 2
kw
expect "no --provider: all six documents" bash -c 'test "$(grep -c "^# [a-z-]*: " "$1")" -ge 6 && test "$(grep -c "^  \"Version\"" "$1")" = 6' _ "$TMP/out"

if [ $have_jq = 1 ]; then
	kw --format json
	expect "--format json: exit 0" test "$RC" = 0
	expect "--format json: header, six policies, limits for both providers" \
		jq -e >/dev/null '.format == "keyward-cloud-policy" and .version == 1 and .provider == "all" and
			(.policies | length == 6) and (.limits | keys == ["alibaba","aws"]) and
			all(.policies[]; (.document | type == "object") and (.derived | type == "boolean")
				and (.attach | length > 0) and (.explain | length > 0) and (.source | test("^https://")))' "$TMP/out"
	cp "$TMP/out" "$TMP/all.json"
	for n in $ALI $AWS; do
		expect "--format json: $n's document equals data/policies/$n.json" \
			bash -c 'diff <(jq -S --arg n "$1" ".policies[] | select(.name == \$n) | .document" "$2") <(jq -S . "$3") >/dev/null' \
			_ "$n" "$TMP/all.json" "$POL/$n.json"
	done
	kw --format json --provider aws
	expect "--format json --provider aws: exit 0" test "$RC" = 0
	expect "--format json --provider aws: the two aws policies, aws limits only" \
		jq -e >/dev/null '.provider == "aws" and ([.policies[].name] == ["aws-deny-key-pairs","aws-require-launch-template"])
			and (.limits | keys == ["aws"])' "$TMP/out"
	kw --format json --name alibaba-deny-password-inherit
	expect "--format json --name: exit 0" test "$RC" = 0
	expect "--format json --name: only that policy, derived, alibaba limits" \
		jq -e >/dev/null '.provider == "alibaba" and (.policies | length == 1) and .policies[0].name == "alibaba-deny-password-inherit"
			and .policies[0].derived == true and (.limits | keys == ["alibaba"])
			and .policies[0].document.Statement[0].Condition.Bool["ecs:PasswordInherit"] == ["true"]' "$TMP/out"
fi

kw --name no-such-policy
expect "unknown name: exit 2" test "$RC" = 2
expect "unknown name: nothing on stdout" test ! -s "$TMP/out"
expect "unknown name: the message names every known policy" \
	bash -c 'for n in $1; do grep -q -- "$n" "$2" || exit 1; done' _ "$ALI $AWS" "$TMP/err"
kw --provider gcp
expect "unknown provider: exit 2" test "$RC" = 2
expect "unknown provider: nothing on stdout, a message" bash -c 'test ! -s "$1" && test -s "$2"' _ "$TMP/out" "$TMP/err"
kw --provider aws --name alibaba-deny-root-logon
expect "a name of the other provider: exit 2, nothing printed" bash -c 'test "$1" = 2 && test ! -s "$2"' _ "$RC" "$TMP/out"
kw stray
expect "a stray argument: exit 2" test "$RC" = 2

finish
