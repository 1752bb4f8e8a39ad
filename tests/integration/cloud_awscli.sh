#!/usr/bin/env bash
# cloud_awscli.sh — `keyward cloud` against the real AWS CLI's own shapes (/usr/bin/aws,
# Debian awscli 2.x; no network: --generate-cli-skeleton works offline):
#  - the output skeletons of describe-security-groups, describe-security-group-rules,
#    describe-instances and describe-launch-template-versions and the input skeleton of
#    run-instances, with their placeholder values filled by jq (protocols, ports, CIDRs,
#    group ids, a Platform, user data), each read as its kind (`--format json` inputs[])
#    and giving exactly the records expected (`--records`, checked with jq), with no
#    problem reported; the skeletons' own NextToken marks the groups partial and the
#    instance listing paged;
#  - the JSON output examples in awscli's documentation
#    (awscli/examples/ec2/{describe-security-groups,describe-security-group-rules,
#    describe-instances,describe-launch-template-versions}.rst, AWS's own sample outputs),
#    extracted from their "Output::" blocks: each is read without a problem and gives the
#    concrete records read in the file (ids, ports, sources, origins). One of AWS's samples
#    (describe-security-groups example 1) has a trailing comma, which no JSON parser
#    accepts: the test checks keyward refuses it as such, then reads it with the comma
#    removed.
# A missing aws or jq fails the test: it never skips.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"

AWS=/usr/bin/aws
EXAMPLES=/usr/lib/python3/dist-packages/awscli/examples/ec2
if [ ! -x "$AWS" ]; then
	echo "not ok - the AWS CLI is installed as $AWS (apt-get install awscli)"
	exit 1
fi
if ! command -v jq >/dev/null; then
	echo "not ok - jq is installed"
	exit 1
fi
mkdir -p "$TMP/home"

# aws ec2 ARGS...: the real CLI with nothing from this environment (no credentials, no
# config); skeletons need none.
awsc() {
	timeout 60 env -i PATH=/usr/bin:/bin HOME="$TMP/home" AWS_REGION=us-east-1 "$AWS" ec2 "$@"
}

# kwrec NAME FILE: keyward cloud --records FILE into $TMP/NAME.rec, stderr $TMP/NAME.err,
# and the input's kind (from --format json) into $TMP/NAME.kind; $RC is --records' status.
kwrec() {
	timeout 60 "$KW" cloud --records "$2" >"$TMP/$1.rec" 2>"$TMP/$1.err"
	RC=$?
	timeout 60 "$KW" cloud --format json "$2" 2>/dev/null | jq -r '.inputs[0].kind' >"$TMP/$1.kind"
}

# recs NAME JQ-EXPR: the records (slurped into an array) satisfy the expression; on failure
# the records are shown.
recs() {
	if jq -e -s "$2" "$TMP/$1.rec" >/dev/null 2>"$TMP/jq.err"; then
		return 0
	fi
	echo "#   jq: $2"
	sed 's/^/#   jq error: /' "$TMP/jq.err"
	sed 's/^/#   record: /' "$TMP/$1.rec" | head -30
	return 1
}

kind_is() { [ "$(cat "$TMP/$1.kind")" = "$2" ] || { echo "#   kind: $(cat "$TMP/$1.kind")"; return 1; }; }
clean() { [ "$RC" -eq 0 ] && [ ! -s "$TMP/$1.err" ] || { echo "#   status $RC"; sed 's/^/#   stderr: /' "$TMP/$1.err"; return 1; }; }

# ---- the CLI works offline ----

for op in describe-security-groups describe-security-group-rules describe-instances \
	describe-launch-template-versions; do
	expect "aws ec2 $op --generate-cli-skeleton output works offline" \
		eval 'awsc $op --generate-cli-skeleton output >"$TMP/skel-$op.json" && jq -e . "$TMP/skel-$op.json" >/dev/null'
done
expect "aws ec2 run-instances --generate-cli-skeleton input works offline" \
	eval 'awsc run-instances --generate-cli-skeleton input >"$TMP/skel-run-instances.json" && jq -e . "$TMP/skel-run-instances.json" >/dev/null'

# ---- describe-security-groups ----

jq '.SecurityGroups[0] |= (.GroupId = "sg-0skel" | .GroupName = "skel" | .VpcId = "vpc-0skel"
      | .IpPermissions[0] |= (.IpProtocol = "tcp" | .FromPort = 22 | .ToPort = 22
          | .IpRanges[0].CidrIp = "0.0.0.0/0" | .Ipv6Ranges[0].CidrIpv6 = "::/0"
          | .PrefixListIds[0].PrefixListId = "pl-0skel" | .UserIdGroupPairs[0].GroupId = "sg-0peer")
      | .IpPermissionsEgress[0] |= (.IpProtocol = "-1" | del(.FromPort, .ToPort)
          | .IpRanges[0].CidrIp = "0.0.0.0/0" | .Ipv6Ranges[0].CidrIpv6 = "::/0"
          | .PrefixListIds = [] | .UserIdGroupPairs = []))' \
	"$TMP/skel-describe-security-groups.json" >"$TMP/sg-paged.json"
jq 'del(.NextToken)' "$TMP/sg-paged.json" >"$TMP/sg.json"
kwrec sg "$TMP/sg.json"
expect "security-groups skeleton: read without a problem" clean sg
expect "security-groups skeleton: kind" kind_is sg "aws describe-security-groups"
expect "security-groups skeleton: one group, complete, its name and VPC" recs sg '
	[.[] | select(.record == "group")] | length == 1 and (.[0] | .id == "sg-0skel" and .name == "skel"
	  and .vpc == "vpc-0skel" and .has_rules and (.partial | not) and (.origin | endswith("#/SecurityGroups/0")))'
expect "security-groups skeleton: one rule per source (4 in, 2 out)" recs sg '
	[.[] | select(.record == "rule")] | (map(select(.dir == "ingress")) | length) == 4
	  and (map(select(.dir == "egress")) | length) == 2'
expect "security-groups skeleton: tcp 22 from 0.0.0.0/0 at IpRanges/0" recs sg '
	any(.[]; .record == "rule" and .proto == "tcp" and .ports == "22-22" and .src == "0.0.0.0/0"
	  and .action == "allow" and .unknown == null and (.origin | endswith("#/SecurityGroups/0/IpPermissions/0/IpRanges/0")))'
expect "security-groups skeleton: tcp 22 from ::/0 at Ipv6Ranges/0" recs sg '
	any(.[]; .record == "rule" and .ports == "22-22" and .src == "::/0"
	  and (.origin | endswith("/SecurityGroups/0/IpPermissions/0/Ipv6Ranges/0")))'
expect "security-groups skeleton: the prefix list is unresolved, with its why" recs sg '
	any(.[]; .record == "rule" and .src == "prefix-list:pl-0skel" and (.unknown | test("pl-0skel")))'
expect "security-groups skeleton: the group pair is a group reference" recs sg '
	any(.[]; .record == "rule" and .src == "group:sg-0peer" and .ports == "22-22")'
expect "security-groups skeleton: egress -1 without ports is every protocol and port" recs sg '
	[.[] | select(.record == "rule" and .dir == "egress")] | all(.proto == "all" and .ports == "all")'
kwrec sgp "$TMP/sg-paged.json"
expect "security-groups skeleton with its NextToken: the group is partial" recs sgp '
	any(.[]; .record == "group" and .id == "sg-0skel" and .partial)'
# the skeleton's own placeholders: "IpProtocol": "IpProtocol", "CidrIp": "CidrIp"
kwrec sgraw "$TMP/skel-describe-security-groups.json"
expect "the raw skeleton (placeholder values): problems reported, nothing dropped" eval '
	grep -q "IpProtocol .IpProtocol. is not a protocol" "$TMP/sgraw.err" &&
	grep -q "CidrIp. is not a CIDR" "$TMP/sgraw.err" &&
	recs sgraw "[.[] | select(.record == \"rule\")] | length == 8 and all(.proto == \"unknown\")"'

# ---- describe-security-group-rules ----

jq 'del(.NextToken) | .SecurityGroupRules[0] |= (.SecurityGroupRuleId = "sgr-0skel" | .GroupId = "sg-0skel"
      | .IsEgress = false | .IpProtocol = "-1" | .FromPort = -1 | .ToPort = -1
      | .CidrIpv4 = "0.0.0.0/0" | .CidrIpv6 = "::/0" | .PrefixListId = "pl-0skel"
      | .ReferencedGroupInfo.GroupId = "sg-0peer")' \
	"$TMP/skel-describe-security-group-rules.json" >"$TMP/sgr.json"
kwrec sgr "$TMP/sgr.json"
expect "security-group-rules skeleton: read without a problem" clean sgr
expect "security-group-rules skeleton: kind" kind_is sgr "aws describe-security-group-rules"
expect "security-group-rules skeleton: -1 with -1/-1 is all ports, one rule per source" recs sgr '
	[.[] | select(.record == "rule")] | length == 4 and all(.proto == "all" and .ports == "all"
	  and .id == "sgr-0skel" and .group == "sg-0skel" and .dir == "ingress")
	  and (map(.src) | sort) == ["0.0.0.0/0", "::/0", "group:sg-0peer", "prefix-list:pl-0skel"]'
expect "security-group-rules skeleton: origins name the source field" recs sgr '
	any(.[]; .src == "0.0.0.0/0" and (.origin | endswith("#/SecurityGroupRules/0/CidrIpv4")))
	  and any(.[]; .src == "group:sg-0peer" and (.origin | endswith("#/SecurityGroupRules/0/ReferencedGroupInfo")))'
jq '.SecurityGroupRules[0] |= (.IsEgress = true | .IpProtocol = "udp" | .FromPort = 3389 | .ToPort = 3389)' \
	"$TMP/sgr.json" >"$TMP/sgr2.json"
kwrec sgr2 "$TMP/sgr2.json"
expect "security-group-rules skeleton: IsEgress true, udp 3389" recs sgr2 '
	[.[] | select(.record == "rule")] | all(.dir == "egress" and .proto == "udp" and .ports == "3389-3389")'

# ---- describe-instances ----

jq 'del(.NextToken) | .Reservations[0].Instances[0] |= (.InstanceId = "i-0skel" | .Platform = "windows"
      | .PlatformDetails = "Windows" | .PublicIpAddress = "198.51.100.9"
      | .Tags = [{"Key": "Name", "Value": "skel-host"}]
      | .SecurityGroups[0].GroupId = "sg-0a"
      | .NetworkInterfaces[0].Groups[0].GroupId = "sg-0b"
      | .NetworkInterfaces[0].Association.PublicIp = "198.51.100.9"
      | .NetworkInterfaces[0].Ipv6Addresses = [] | del(.Ipv6Address))' \
	"$TMP/skel-describe-instances.json" >"$TMP/inst.json"
kwrec inst "$TMP/inst.json"
expect "describe-instances skeleton: read without a problem" clean inst
expect "describe-instances skeleton: kind" kind_is inst "aws describe-instances"
expect "describe-instances skeleton: a public Windows instance with both groups" recs inst '
	[.[] | select(.record == "instance")] | length == 1 and (.[0] | .id == "i-0skel" and .name == "skel-host"
	  and .os == "windows" and .public_ip == "true" and (.public_why | test("198.51.100.9"))
	  and .groups == ["sg-0a", "sg-0b"] and (.origin | endswith("#/Reservations/0/Instances/0")))'
expect "describe-instances skeleton: its groups are placeholders" recs inst '
	[.[] | select(.record == "group")] | length == 2 and all(.has_rules | not)'
jq '.Reservations[0].Instances[0] |= (del(.PublicIpAddress, .Platform) | .PlatformDetails = "Linux/UNIX"
      | .NetworkInterfaces[0] |= del(.Association))' "$TMP/inst.json" >"$TMP/inst2.json"
kwrec inst2 "$TMP/inst2.json"
expect "describe-instances skeleton: private Linux instance" recs inst2 '
	[.[] | select(.record == "instance")] | .[0] | .os == "linux" and .public_ip == "false"'
jq '.Reservations[0].Instances[0].NetworkInterfaces[0].Ipv6Addresses = [{"Ipv6Address": "2001:db8::9"}]' \
	"$TMP/inst2.json" >"$TMP/inst3.json"
kwrec inst3 "$TMP/inst3.json"
expect "describe-instances skeleton: an IPv6 address makes the public IP unknown" recs inst3 '
	[.[] | select(.record == "instance")] | .[0] | .public_ip == "unknown" and (.public_why | test("2001:db8::9"))'
jq '.NextToken = "NextToken"' "$TMP/inst.json" >"$TMP/inst4.json"
kwrec inst4 "$TMP/inst4.json"
expect "describe-instances skeleton with its NextToken: the listing is said to be paged" \
	grep -q "paged (NextToken)" "$TMP/inst4.err"

# ---- describe-launch-template-versions ----

UD=$(printf '#cloud-config\nssh_pwauth: true\n' | base64 -w0)
jq --arg ud "$UD" 'del(.NextToken) | .LaunchTemplateVersions[0] |= (.LaunchTemplateId = "lt-0skel" | .VersionNumber = 4
      | .LaunchTemplateData |= (.ImageId = "ami-0skel" | .KeyName = "skel-key" | .UserData = $ud
          | .SecurityGroupIds = ["sg-0c"] | .NetworkInterfaces[0].Groups = ["sg-0d", "sg-0c"]
          | .NetworkInterfaces[0].AssociatePublicIpAddress = true))' \
	"$TMP/skel-describe-launch-template-versions.json" >"$TMP/lt.json"
kwrec lt "$TMP/lt.json"
expect "launch-template-versions skeleton: read without a problem" clean lt
expect "launch-template-versions skeleton: kind" kind_is lt "aws describe-launch-template-versions"
expect "launch-template-versions skeleton: the version's settings" recs lt '
	[.[] | select(.record == "launch")] | length == 1 and (.[0] | .kind == "template"
	  and .name == "lt-0skel version 4" and .image == "ami-0skel" and .key_pair == "true"
	  and .public_ip == "true" and .user_data == "true" and .user_data_hits == ["pwauth"]
	  and .groups == ["sg-0c", "sg-0d"] and .password == "absent"
	  and (.origin | endswith("#/LaunchTemplateVersions/0")))'
jq '.LaunchTemplateVersions[0].LaunchTemplateData |= (del(.KeyName) | .UserData = "IyEvYmluL3NoCmVjaG8gaGkK"
      | .NetworkInterfaces[0].AssociatePublicIpAddress = false)' "$TMP/lt.json" >"$TMP/lt2.json"
kwrec lt2 "$TMP/lt2.json"
expect "launch-template-versions skeleton: no key, no public IP, harmless user data" recs lt2 '
	[.[] | select(.record == "launch")] | .[0] | .key_pair == "false" and .public_ip == "false"
	  and .user_data == "true" and .user_data_hits == []'

# ---- run-instances --cli-input-json ----

jq '.ImageId = "ami-0run" | .SecurityGroupIds = ["sg-0e"] | .NetworkInterfaces[0].Groups = ["sg-0f"]
      | .UserData = "#cloud-config\nssh_pwauth: true\n"' \
	"$TMP/skel-run-instances.json" >"$TMP/run.json"
kwrec run "$TMP/run.json"
expect "run-instances skeleton: read without a problem" clean run
expect "run-instances skeleton: kind" kind_is run "aws run-instances request"
expect "run-instances skeleton: KeyName \"\" is no key, plain user data is judged" recs run '
	[.[] | select(.record == "launch")] | length == 1 and (.[0] | .kind == "request"
	  and .name == "RunInstances request" and .image == "ami-0run" and .key_pair == "false"
	  and .public_ip == "true" and .user_data == "true" and .user_data_hits == ["pwauth"]
	  and .groups == ["sg-0e", "sg-0f"] and .template == null)'
jq '.KeyName = "deploy" | .ImageId = "" | .LaunchTemplate = {"LaunchTemplateId": "lt-0run", "Version": "7"}
      | .UserData = "" | .NetworkInterfaces[0].AssociatePublicIpAddress = false' \
	"$TMP/run.json" >"$TMP/run2.json"
kwrec run2 "$TMP/run2.json"
expect "run-instances skeleton: a key pair and a launch template" recs run2 '
	[.[] | select(.record == "launch")] | .[0] | .key_pair == "true" and .template == "lt-0run version 7"
	  and .user_data == "absent" and .public_ip == "false" and .image == null'

# ---- AWS's own sample outputs ----

# extract FILE.rst KEY OUTPREFIX: every "Output::" block whose JSON is an object with KEY,
# into OUTPREFIX-N.json (N from 1); prints how many, and how many needed a trailing comma
# removed ("N fixed"): the raw text of those goes to OUTPREFIX-N.raw.
extract() {
	python3 - "$@" <<'PY'
import json, re, sys
src, key, out = sys.argv[1:4]
lines = open(src, encoding="utf-8").read().split("\n")
blocks, i = [], 0
while i < len(lines):
    if lines[i].rstrip().endswith("Output::"):
        i += 1
        block = []
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
            block.append(lines[i])
            i += 1
        blocks.append("\n".join(block))
    else:
        i += 1
n = fixed = 0
for b in blocks:
    try:
        doc, raw = json.loads(b), None
    except ValueError:
        repaired = re.sub(r",(\s*[}\]])", r"\1", b)
        try:
            doc, raw = json.loads(repaired), b
        except ValueError:
            continue
        b = repaired
    if not isinstance(doc, dict) or key not in doc:
        continue
    n += 1
    open("%s-%d.json" % (out, n), "w").write(b)
    if raw is not None:
        fixed += 1
        open("%s-%d.raw" % (out, n), "w").write(raw)
print(n, fixed)
PY
}

read -r n fixed < <(extract "$EXAMPLES/describe-security-groups.rst" SecurityGroups "$TMP/ex-sg")
expect "describe-security-groups.rst: one sample output, with a trailing comma ($n, $fixed fixed)" \
	test "$n $fixed" = "1 1"
expect "describe-security-groups.rst: keyward refuses the trailing comma as a parse error" eval '
	timeout 60 "$KW" cloud --records "$TMP/ex-sg-1.raw" >/dev/null 2>"$TMP/exraw.err"; [ $? -eq 3 ] &&
	grep -q "ex-sg-1.raw" "$TMP/exraw.err"'
kwrec exsg "$TMP/ex-sg-1.json"
expect "describe-security-groups.rst sample: read without a problem" clean exsg
expect "describe-security-groups.rst sample: kind" kind_is exsg "aws describe-security-groups"
expect "describe-security-groups.rst sample: sg-903004f8, MySecurityGroup in vpc-1a2b3c4d" recs exsg '
	[.[] | select(.record == "group")] == [.[] | select(.record == "group" and .id == "sg-903004f8"
	  and .name == "MySecurityGroup" and .vpc == "vpc-1a2b3c4d" and .has_rules)] and
	([.[] | select(.record == "group")] | length) == 1'
expect "describe-security-groups.rst sample: -1 from its own group, SSH from 203.0.113.0/24, all out" recs exsg '
	[.[] | select(.record == "rule")] | length == 3
	  and any(.[]; .proto == "all" and .ports == "all" and .src == "group:sg-903004f8" and .dir == "ingress"
	      and (.origin | endswith("#/SecurityGroups/0/IpPermissions/0/UserIdGroupPairs/0")))
	  and any(.[]; .proto == "tcp" and .ports == "22-22" and .src == "203.0.113.0/24"
	      and (.origin | endswith("#/SecurityGroups/0/IpPermissions/1/IpRanges/0")))
	  and any(.[]; .dir == "egress" and .proto == "all" and .src == "0.0.0.0/0")'

read -r n fixed < <(extract "$EXAMPLES/describe-security-group-rules.rst" SecurityGroupRules "$TMP/ex-sgr")
expect "describe-security-group-rules.rst: two sample outputs ($n, $fixed fixed)" test "$n $fixed" = "2 0"
kwrec exsgr1 "$TMP/ex-sgr-1.json"
expect "describe-security-group-rules.rst sample 1: read without a problem" clean exsgr1
expect "describe-security-group-rules.rst sample 1: kind" kind_is exsgr1 "aws describe-security-group-rules"
expect "describe-security-group-rules.rst sample 1: the three rules" recs exsgr1 '
	[.[] | select(.record == "rule")] | length == 3
	  and any(.[]; .id == "sgr-abcdef01234567890" and .dir == "ingress" and .proto == "all" and .ports == "all"
	      and .src == "group:sg-1234567890abcdef0" and .group == "sg-1234567890abcdef0"
	      and (.origin | endswith("#/SecurityGroupRules/0/ReferencedGroupInfo")))
	  and any(.[]; .id == "sgr-bcdef01234567890a" and .dir == "egress" and .src == "::/0" and .ports == "all")
	  and any(.[]; .id == "sgr-cdef01234567890ab" and .dir == "egress" and .src == "0.0.0.0/0")'
kwrec exsgr2 "$TMP/ex-sgr-2.json"
expect "describe-security-group-rules.rst sample 2: one egress rule" eval 'clean exsgr2 && recs exsgr2 "
	[.[] | select(.record == \"rule\")] | length == 1 and .[0].id == \"sgr-cdef01234567890ab\" and .[0].dir == \"egress\""'

read -r n fixed < <(extract "$EXAMPLES/describe-instances.rst" Reservations "$TMP/ex-inst")
expect "describe-instances.rst: one sample output ($n, $fixed fixed)" test "$n $fixed" = "1 0"
kwrec exinst "$TMP/ex-inst-1.json"
expect "describe-instances.rst sample: read without a problem" clean exinst
expect "describe-instances.rst sample: kind" kind_is exinst "aws describe-instances"
expect "describe-instances.rst sample: my-instance, public, Linux, one group" recs exinst '
	[.[] | select(.record == "instance")] | length == 1 and (.[0] | .id == "i-1234567890abcdef0"
	  and .name == "my-instance" and .os == "linux" and .public_ip == "true"
	  and .public_why == "public IP 34.253.223.13" and .groups == ["sg-1234567890abcdefg"])'

read -r n fixed < <(extract "$EXAMPLES/describe-launch-template-versions.rst" LaunchTemplateVersions "$TMP/ex-lt")
expect "describe-launch-template-versions.rst: one sample output ($n, $fixed fixed)" test "$n $fixed" = "1 0"
kwrec exlt "$TMP/ex-lt-1.json"
expect "describe-launch-template-versions.rst sample: read without a problem" clean exlt
expect "describe-launch-template-versions.rst sample: kind" kind_is exlt "aws describe-launch-template-versions"
expect "describe-launch-template-versions.rst sample: three versions of lt-068f72b72934aff71" recs exlt '
	[.[] | select(.record == "launch")] | length == 3
	  and (map(.name) == ["lt-068f72b72934aff71 version 3", "lt-068f72b72934aff71 version 2", "lt-068f72b72934aff71 version 1"])
	  and all(.kind == "template" and .key_pair == "true" and .groups == ["sg-7c227019"] and .user_data == "absent")
	  and (map(.public_ip) == ["absent", "absent", "true"])
	  and (map(.image) == ["ami-6057e21a", "ami-6057e21a", "ami-aabbcc11"])'

finish
