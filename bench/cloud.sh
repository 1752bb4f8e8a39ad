#!/usr/bin/env bash
# bench/cloud.sh — `keyward cloud` on 200,000-rule exports, against the jq filter a user would
# otherwise run (the rule Steampipe's compliance mods apply), in one run.
#
#   the inputs (bench/gen_cloud.py, fixed seed; made once, remade when the generator changes):
#     aws-sg.json         aws ec2 describe-security-groups: 20,000 groups x 10 rule records
#                         (9 inbound, one source each: CIDR, group pair or prefix list; and
#                         the default outbound rule), as the AWS CLI prints it
#     aws-instances.json  aws ec2 describe-instances: 5,000 instances in those groups, 40 %
#                         with a public address
#     ali.json            a JSON array of 20,000 Alibaba DescribeSecurityGroupAttribute
#                         responses x 10 rules (Priority "1".."100", Accept and Drop, ""
#                         in unused fields)
#     Most groups are a web tier (443/80 open to all, SSH from a private range); 18 % of the
#     AWS groups and 32 % of the Alibaba ones carry a variant that matters for remote logon
#     (see gen_cloud.py): SSH from anywhere, ranges holding 22, all protocols on ::/0, RDP,
#     the internet in two /1 halves, prefix lists, Alibaba Drop rules before or after.
#
#   timed (hyperfine -N --warmup 1, BENCH_RUNS runs each, medians), all in one hyperfine run
#   so the shared machine's noise falls on every command alike:
#     keyward cloud aws-sg.json --format json --output /dev/null
#     keyward cloud aws-sg.json aws-instances.json --format json --output /dev/null
#     keyward cloud ali.json --format json --output /dev/null
#     jq -r -f aws.jq aws-sg.json   groups with an inbound permission of protocol -1, or tcp
#                                   with FromPort <= 22|3389 <= ToPort, from exactly
#                                   "0.0.0.0/0" or "::/0" (Steampipe's / Prowler's rule)
#     jq -r -f ali.jq ali.json      groups with an ingress Accept from exactly "0.0.0.0/0"
#                                   whose PortRange is -1/-1 or holds 22 (Steampipe-alicloud)
#   peak memory: /usr/bin/time -f %M, one run of each (those runs also write the reports the
#   checks below read).
#   correctness (the script fails otherwise): keyward exits 0; its JSON parses and counts
#   200,000 rules and 20,000 groups per file (and 5,000 instances), with no problems; its
#   --records output holds 200,000 rule and 20,000 group records for the AWS file.
#   printed: sizes, rules, seconds (wall median, CPU mean) and MB for both, the ratios
#   jq/keyward, and per kind of group planted how many groups each flags: keyward is
#   stricter on purpose (it finds the split halves, UDP RDP, IPv6, unresolved prefix lists
#   as unknown, and honours Alibaba Drop rules), so the counts are shown, not compared for
#   equality.
#
# Usage: bench/cloud.sh [WORKDIR]   (default /tmp/keyward-bench-cloud; the inputs are reused)
# Env: BENCH_RUNS (5)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
bench_workdir /tmp/keyward-bench-cloud 5 "$@"
R=$W/results
rm -rf "$R"
mkdir -p "$R"

bench_cloud_exports "$W"

# The baselines. AWS: Steampipe's vpc_security_group_remote_administration (one row per CIDR:
# ip_protocol -1, or from_port <= 22|3389 <= to_port, and cidr_ipv4 = '0.0.0.0/0' or
# cidr_ipv6 = '::/0', compared as strings), limited to tcp as Prowler does.
cat >"$W/aws.jq" <<'JQ'
.SecurityGroups[]
| select(any(.IpPermissions[]?;
	(.IpProtocol == "-1"
	 or (.IpProtocol == "tcp"
	     and ((.FromPort <= 22 and .ToPort >= 22) or (.FromPort <= 3389 and .ToPort >= 3389))))
	and (any(.IpRanges[]?; .CidrIp == "0.0.0.0/0") or any(.Ipv6Ranges[]?; .CidrIpv6 == "::/0"))))
| .GroupId
JQ
# Alibaba: Steampipe-alicloud's ecs_security_group_restrict_ingress_ssh_all (Policy 'Accept',
# Direction 'ingress', SourceCidrIp '0.0.0.0/0', PortRange '-1/-1' or '22/22' or a range
# holding 22; neither protocol, priority, Drop rules nor IPv6 are looked at).
cat >"$W/ali.jq" <<'JQ'
.[]
| select(any(.Permissions.Permission[]?;
	.Policy == "Accept" and .Direction == "ingress" and .SourceCidrIp == "0.0.0.0/0"
	and (.PortRange as $p
	     | $p == "-1/-1" or $p == "22/22"
	       or ($p | split("/") | map(tonumber) | .[0] <= 22 and 22 <= .[1]))))
| .SecurityGroupId
JQ

AWS=$W/aws-sg.json INST=$W/aws-instances.json ALI=$W/ali.json
kw_aws="$KW cloud $AWS --format json --output /dev/null"
kw_awsi="$KW cloud $AWS $INST --format json --output /dev/null"
kw_ali="$KW cloud $ALI --format json --output /dev/null"
jq_aws="jq -r -f $W/aws.jq $AWS"
jq_ali="jq -r -f $W/ali.jq $ALI"

echo "timing 5 commands ($RUNS runs each after one warm-up) ..."
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$R/hf.json" \
	"$kw_aws" "$kw_awsi" "$kw_ali" "$jq_aws" "$jq_ali" >"$R/hf.log" 2>&1 || { cat "$R/hf.log"; exit 1; }

echo "peak memory (one run each) and the reports ..."
# peak NAME CMD...: run CMD under /usr/bin/time; its peak RSS (KB) to R/NAME.kb; exit 0 or fail
peak() {
	local name=$1 rc=0
	shift
	/usr/bin/time -f %M -o "$R/$name.kb" "$@" >"$R/$name.stdout" 2>"$R/$name.stderr" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "bench: $name exited $rc:" >&2
		tail -5 "$R/$name.stderr" >&2
		exit 1
	fi
}
peak kw-aws "$KW" cloud "$AWS" --format json --output "$R/kw-aws.json"
peak kw-awsi "$KW" cloud "$AWS" "$INST" --format json --output "$R/kw-awsi.json"
peak kw-ali "$KW" cloud "$ALI" --format json --output "$R/kw-ali.json"
peak jq-aws jq -r -f "$W/aws.jq" "$AWS"
peak jq-ali jq -r -f "$W/ali.jq" "$ALI"

echo "checking keyward's reports and records ..."
check() {
	jq -e "$2" "$1" >/dev/null || { echo "bench: $1 fails: $2" >&2; exit 1; }
}
base='.exit_code == 0 and (.problems | length) == 0 and .counts.rules == 200000 and .counts.groups == 20000'
check "$R/kw-aws.json" "$base and .inputs[0].records == 200000"
check "$R/kw-awsi.json" "$base and .counts.instances == 5000 and .inputs[0].records == 200000 and .inputs[1].records == 5000"
check "$R/kw-ali.json" "$base and .inputs[0].records == 200000"
"$KW" cloud --records "$AWS" --output "$R/records.jsonl"
nrule=$(grep -c '^{"record":"rule"' "$R/records.jsonl" || true)
ngroup=$(grep -c '^{"record":"group"' "$R/records.jsonl" || true)
if [ "$nrule" != 200000 ] || [ "$ngroup" != 20000 ]; then
	echo "bench: --records gave $nrule rules and $ngroup groups (want 200000 and 20000)" >&2
	exit 1
fi

python3 - "$W" "$R" <<'PY'
import collections, json, os, statistics, sys
W, R = sys.argv[1], sys.argv[2]
hf = json.load(open(os.path.join(R, "hf.json")))["results"]
names = ["kw-aws", "kw-awsi", "kw-ali", "jq-aws", "jq-ali"]
t = dict(zip(names, (statistics.median(r["times"]) for r in hf)))
cpu = dict(zip(names, (r["user"] + r["system"] for r in hf)))
mb = {k: int(open(os.path.join(R, k + ".kb")).read().split()[-1]) / 1024 for k in t}
size = lambda f: os.path.getsize(os.path.join(W, f)) / 1e6
planted = json.load(open(os.path.join(W, "planted.json")))
variant = {}
for line in open(os.path.join(W, "groups.tsv")):
    p, gid, v = line.split()
    variant[(p, gid)] = v

def kw_groups(report, services):
    """groups keyward reports open (and unknown) for any of services, by id"""
    rep = json.load(open(os.path.join(R, report)))
    openg, unk = set(), set()
    for s in rep["exposure"]:
        if s["kind"] != "group":
            continue
        gid = s["name"].split()[0]
        st = [s[v][f] for v in services for f in ("ipv4", "ipv6")]
        if "open" in st:
            openg.add(gid)
        elif "unknown" in st:
            unk.add(gid)
    return rep, openg, unk

def jq_groups(name):
    return set(l.strip() for l in open(os.path.join(R, name + ".stdout")) if l.strip())

print()
print("inputs: aws-sg.json %.1f MB (%d rules, 20000 groups), aws-instances.json %.1f MB (5000"
      " instances), ali.json %.1f MB (%d rules, 20000 groups)"
      % (size("aws-sg.json"), planted["aws_rules"], size("aws-instances.json"),
         size("ali.json"), planted["alibaba_rules"]))
print()
print("%-44s %10s %9s %9s %10s" % ("", "s (median)", "CPU s", "MB peak", "rules/s"))
rows = [("keyward cloud aws-sg.json", "kw-aws"),
        ("keyward cloud aws-sg.json aws-instances.json", "kw-awsi"),
        ("jq (Steampipe's rule) aws-sg.json", "jq-aws"),
        ("keyward cloud ali.json", "kw-ali"),
        ("jq (Steampipe-alicloud's rule) ali.json", "jq-ali")]
for label, k in rows:
    print("%-44s %10.3f %9.3f %9.0f %10.0f" % (label, t[k], cpu[k], mb[k], 200000 / t[k]))
print()
for prov, a, b in (("aws", "kw-aws", "jq-aws"), ("alibaba", "kw-ali", "jq-ali")):
    print("%-8s jq/keyward: time %.2fx (CPU %.2fx), memory %.2fx   (above 1: keyward is faster"
          " / smaller)" % (prov, t[b] / t[a], cpu[b] / cpu[a], mb[b] / mb[a]))
print("(CPU s: hyperfine's mean user + system time, which the other load on the machine"
      " disturbs less than the wall clock)")

def table(prov, report, services, jqname, what):
    rep, kopen, kunk = kw_groups(report, services)
    jqset = jq_groups(jqname)
    per = collections.defaultdict(lambda: [0, 0, 0, 0])
    for (p, gid), v in variant.items():
        if p != prov:
            continue
        c = per[v]
        c[0] += 1
        c[1] += gid in jqset
        c[2] += gid in kopen
        c[3] += gid in kunk
    fc = collections.Counter(f["id"] for f in rep["findings"])
    print()
    print("%s: groups flagged for %s (keyward: open / unknown; the same groups judged alone)"
          % (prov, what))
    print("  %-12s %7s %7s %9s %9s" % ("planted", "groups", "jq", "keyward", "unknown"))
    for v in sorted(per, key=lambda v: (v != "plain", v)):
        c = per[v]
        print("  %-12s %7d %7d %9d %9d" % (v, c[0], c[1], c[2], c[3]))
    tot = [sum(c[i] for c in per.values()) for i in range(4)]
    print("  %-12s %7d %7d %9d %9d" % ("total", *tot))
    print("  only jq: %d   only keyward: %d   both: %d"
          % (len(jqset - kopen), len(kopen - jqset), len(jqset & kopen)))
    print("  keyward findings: " + ", ".join("%s %d" % kv for kv in sorted(fc.items())))

table("aws", "kw-aws.json", ("ssh", "rdp", "rdp_udp"), "jq-aws", "SSH or RDP")
table("alibaba", "kw-ali.json", ("ssh",), "jq-ali", "SSH")
rep = json.load(open(os.path.join(R, "kw-awsi.json")))
kinds = collections.Counter(s["kind"] for s in rep["exposure"]
                            if any(s[v][f] == "open" for v in ("ssh", "rdp", "rdp_udp")
                                   for f in ("ipv4", "ipv6")))
fc = collections.Counter(f["id"] for f in rep["findings"])
print()
print("aws with aws-instances.json: SSH or RDP open on %d instances (%d with a public address)"
      " and %d groups no instance uses"
      % (kinds["instance"], sum(1 for s in rep["exposure"] if s["kind"] == "instance"
                                and s.get("public_ip") == "true"
                                and any(s[v][f] == "open" for v in ("ssh", "rdp", "rdp_udp")
                                        for f in ("ipv4", "ipv6"))), kinds["group"]))
print("  keyward findings: " + ", ".join("%s %d" % kv for kv in sorted(fc.items())))
print()
print("checked: keyward exit 0, no problems, 200000 rules and 20000 groups read per file, 5000"
      " instances, --records complete")
PY
