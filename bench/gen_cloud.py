#!/usr/bin/env python3
"""gen_cloud.py — deterministic synthetic cloud exports for bench/cloud.sh.

    gen_cloud.py OUTDIR [--groups 20000] [--instances 5000] [--seed 42]

Writes, in OUTDIR (the same seed and options give the same bytes):

  aws-sg.json         `aws ec2 describe-security-groups` (as the AWS CLI prints it: 4-space
                      indentation), GROUPS groups of 10 rule records each: 9 inbound
                      (one CIDR, group pair or prefix list per permission) and the default
                      outbound -1 to 0.0.0.0/0.
  aws-instances.json  `aws ec2 describe-instances`: INSTANCES instances, 2 per reservation,
                      each in 1 or 2 of the groups above (SecurityGroups and its primary
                      NetworkInterface), 40 % with a PublicIpAddress, Windows on the RDP groups.
  ali.json            a JSON array of GROUPS Alibaba DescribeSecurityGroupAttribute responses
                      (what `jq -s .` of one response per group prints: 2-space
                      indentation), 10 rules each:
                      Priority as strings "1".."100", Accept and Drop, PortRange "a/b",
                      "" in every unused field as the API returns them.
  planted.json        what was planted: groups per variant, per provider.
  groups.tsv          provider, group id and variant of every group (to tell which kinds of
                      group each tool flags).

Most groups are an ordinary web tier (443/80 from the internet, 22 from a private range,
group pairs, a prefix list, ICMP and DNS from private ranges). A share carries a variant
that matters for remote logon:

  aws:     ssh-world (tcp 22 0.0.0.0/0), range (tcp 0-1024), mgmt-range (tcp 20-30),
           all-v4 (-1 0.0.0.0/0), all-v6 (-1 ::/0), rdp (tcp 3389), rdp-udp (udp 3389),
           split (tcp 22 from 0.0.0.0/1 + 128.0.0.0/1: the whole internet in two halves),
           prefix-ssh (tcp 22 from a prefix list the export does not resolve)
  alibaba: ssh-world (Accept TCP 22/22 0.0.0.0/0), dropped (the same at priority 100 and a
           Drop 22/22 0.0.0.0/0 at priority 1), drop-tie (Accept 22/22 and Drop 1/65535 at
           the same priority), drop-narrow (the Drop only from 198.51.100.0/24), drop-weaker
           (the Drop at a worse priority), range (TCP 1/65535), all-v4 (ALL -1/-1
           0.0.0.0/0), all-v6 (ALL -1/-1 ::/0), ssh-v6 (TCP 22/22 ::/0), rdp (TCP
           3389/3389), icmp-world (ICMP -1/-1 from 0.0.0.0/0: ping, not logon)
"""
import argparse
import json
import os
import random

MULT = 0x9E3779B97F4A7C15 | 1      # odd: i -> i*MULT mod 2^68 is one-to-one


def sg_id(i):
    return "sg-%017x" % ((i * MULT + 0x1234567) % (1 << 68))


def weighted(rng, table):
    x = rng.random()
    acc = 0.0
    for name, w in table:
        acc += w
        if x < acc:
            return name
    return "plain"


AWS_VARIANTS = [("ssh-world", 0.06), ("range", 0.03), ("mgmt-range", 0.01), ("all-v4", 0.01),
                ("all-v6", 0.02), ("rdp", 0.02), ("rdp-udp", 0.01), ("split", 0.01),
                ("prefix-ssh", 0.01)]
ALI_VARIANTS = [("ssh-world", 0.06), ("dropped", 0.04), ("drop-tie", 0.01),
                ("drop-narrow", 0.01), ("drop-weaker", 0.01), ("range", 0.03),
                ("all-v4", 0.01), ("all-v6", 0.02), ("ssh-v6", 0.01), ("rdp", 0.02),
                ("icmp-world", 0.10)]

OWNER = "123456789012"


def aws_perm(proto, lo=None, hi=None, v4=(), v6=(), pairs=(), pls=()):
    p = {}
    if lo is not None:
        p["FromPort"] = lo
    p["IpProtocol"] = proto
    p["IpRanges"] = [dict({"CidrIp": c}, **({"Description": d} if d else {})) for c, d in v4]
    p["Ipv6Ranges"] = [dict({"CidrIpv6": c}, **({"Description": d} if d else {})) for c, d in v6]
    p["PrefixListIds"] = [{"Description": "corp offices", "PrefixListId": pl} for pl in pls]
    if hi is not None:
        p["ToPort"] = hi
    p["UserIdGroupPairs"] = [{"GroupId": g, "UserId": OWNER} for g in pairs]
    return p


def aws_group(rng, i, n, variant, vpc):
    peer = sg_id(rng.randrange(n))
    pl = "pl-%017x" % rng.getrandbits(68)
    slots = [
        aws_perm("tcp", 443, 443, v4=[("0.0.0.0/0", "HTTPS")]),
        aws_perm("tcp", 80, 80, v4=[("0.0.0.0/0", "")]),
        aws_perm("tcp", 443, 443, v6=[("::/0", "HTTPS v6")]),
        aws_perm("tcp", 22, 22, v4=[("10.0.0.0/8", "VPN")]),
        aws_perm("tcp", 8080, 8080, pairs=[peer]),
        aws_perm("tcp", 5432, 5432, pairs=[sg_id((i + 1) % n)]),
        aws_perm("tcp", 9100, 9100, pls=[pl]),
        aws_perm("icmp", -1, -1, v4=[("10.0.0.0/8", "ping")]),
        aws_perm("udp", 53, 53, v4=[("172.16.0.0/12", "")]),
    ]
    if variant == "ssh-world":
        slots[3] = aws_perm("tcp", 22, 22, v4=[("0.0.0.0/0", "temporary")])
    elif variant == "range":
        slots[3] = aws_perm("tcp", 0, 1024, v4=[("0.0.0.0/0", "")])
    elif variant == "mgmt-range":
        slots[3] = aws_perm("tcp", 20, 30, v4=[("0.0.0.0/0", "ftp ssh telnet")])
    elif variant == "all-v4":
        slots[8] = aws_perm("-1", v4=[("0.0.0.0/0", "debug")])
    elif variant == "all-v6":
        slots[2] = aws_perm("-1", v6=[("::/0", "")])
    elif variant == "rdp":
        slots[3] = aws_perm("tcp", 3389, 3389, v4=[("0.0.0.0/0", "RDP")])
    elif variant == "rdp-udp":
        slots[8] = aws_perm("udp", 3389, 3389, v4=[("0.0.0.0/0", "RDP UDP transport")])
    elif variant == "split":
        slots[3] = aws_perm("tcp", 22, 22, v4=[("0.0.0.0/1", ""), ("128.0.0.0/1", "")])
        del slots[8]
    elif variant == "prefix-ssh":
        slots[3] = aws_perm("tcp", 22, 22, pls=["pl-%017x" % rng.getrandbits(68)])
    name = "%s-%05d" % (rng.choice(["web", "app", "api", "edge", "svc"]), i)
    return {
        "Description": "%s security group" % name,
        "GroupName": name,
        "IpPermissions": slots,
        "OwnerId": OWNER,
        "GroupId": sg_id(i),
        "IpPermissionsEgress": [aws_perm("-1", v4=[("0.0.0.0/0", "")])],
        "Tags": [{"Key": "team", "Value": "t%02d" % (i % 40)}],
        "VpcId": vpc,
        "SecurityGroupArn": "arn:aws:ec2:eu-west-1:%s:security-group/%s" % (OWNER, sg_id(i)),
    }


def ali_perm(rng, direction, policy, prio, proto, ports, src="", src6="", srcgroup="",
             srcpl="", dst=""):
    return {
        "SecurityGroupRuleId": "sgr-%020x" % rng.getrandbits(80),
        "Direction": direction,
        "Policy": policy,
        "Priority": str(prio),
        "IpProtocol": proto,
        "PortRange": ports,
        "PortRangeListId": "",
        "PortRangeListName": "",
        "SourceCidrIp": src,
        "Ipv6SourceCidrIp": src6,
        "SourceGroupId": srcgroup,
        "SourceGroupName": "",
        "SourceGroupOwnerAccount": "",
        "SourcePrefixListId": srcpl,
        "SourcePrefixListName": "",
        "SourcePortRange": "",
        "DestCidrIp": dst,
        "Ipv6DestCidrIp": "",
        "DestGroupId": "",
        "DestGroupName": "",
        "DestGroupOwnerAccount": "",
        "DestPrefixListId": "",
        "DestPrefixListName": "",
        "NicType": "intranet",
        "Description": "",
        "CreateTime": "2024-%02d-%02dT08:%02d:00Z" % (1 + rng.randrange(12), 1 + rng.randrange(28),
                                                      rng.randrange(60)),
    }


def ali_group(rng, i, n, variant):
    P = lambda *a, **k: ali_perm(rng, *a, **k)   # noqa: E731
    gid = "sg-bp1%016x" % ((i * MULT) % (1 << 64))
    peer = "sg-bp1%016x" % ((rng.randrange(n) * MULT) % (1 << 64))
    slots = [
        P("ingress", "Accept", 1, "TCP", "443/443", src="0.0.0.0/0"),
        P("ingress", "Accept", 1, "TCP", "80/80", src="0.0.0.0/0"),
        P("ingress", "Accept", 1, "TCP", "22/22", src="192.168.0.0/16"),
        P("ingress", "Accept", 1, "TCP", "3306/3306", srcgroup=peer),
        P("ingress", "Accept", 100, "ICMP", "-1/-1", src="172.16.0.0/12"),
        P("ingress", "Accept", 1, "TCP", "443/443", src6="::/0"),
        P("ingress", "Accept", 10, "TCP", "8000/8080", src="172.16.0.0/12"),
        P("ingress", "Accept", 1, "UDP", "53/53", src="172.16.0.0/12"),
        P("ingress", "Drop", 1, "TCP", "23/23", src="0.0.0.0/0"),
        P("egress", "Accept", 1, "ALL", "-1/-1", dst="0.0.0.0/0"),
    ]
    if variant == "ssh-world":
        slots[2] = P("ingress", "Accept", 1, "TCP", "22/22", src="0.0.0.0/0")
    elif variant == "dropped":
        slots[2] = P("ingress", "Accept", 100, "TCP", "22/22", src="0.0.0.0/0")
        slots[8] = P("ingress", "Drop", 1, "TCP", "22/22", src="0.0.0.0/0")
    elif variant == "drop-tie":
        slots[2] = P("ingress", "Accept", 50, "TCP", "22/22", src="0.0.0.0/0")
        slots[8] = P("ingress", "Drop", 50, "TCP", "1/65535", src="0.0.0.0/0")
    elif variant == "drop-narrow":
        slots[2] = P("ingress", "Accept", 100, "TCP", "22/22", src="0.0.0.0/0")
        slots[8] = P("ingress", "Drop", 1, "TCP", "22/22", src="198.51.100.0/24")
    elif variant == "drop-weaker":
        slots[2] = P("ingress", "Accept", 1, "TCP", "22/22", src="0.0.0.0/0")
        slots[8] = P("ingress", "Drop", 10, "TCP", "22/22", src="0.0.0.0/0")
    elif variant == "range":
        slots[6] = P("ingress", "Accept", 1, "TCP", "1/65535", src="0.0.0.0/0")
    elif variant == "all-v4":
        slots[6] = P("ingress", "Accept", 1, "ALL", "-1/-1", src="0.0.0.0/0")
    elif variant == "all-v6":
        slots[6] = P("ingress", "Accept", 1, "ALL", "-1/-1", src6="::/0")
    elif variant == "ssh-v6":
        slots[6] = P("ingress", "Accept", 1, "TCP", "22/22", src6="::/0")
    elif variant == "rdp":
        slots[6] = P("ingress", "Accept", 1, "TCP", "3389/3389", src="0.0.0.0/0")
    elif variant == "icmp-world":
        slots[4] = P("ingress", "Accept", 100, "ICMP", "-1/-1", src="0.0.0.0/0")
    return {
        "RequestId": "%08X-%04X-%04X-%04X-%012X" % (rng.getrandbits(32), rng.getrandbits(16),
                                                    rng.getrandbits(16), rng.getrandbits(16),
                                                    rng.getrandbits(48)),
        "RegionId": "cn-hangzhou",
        "SecurityGroupId": gid,
        "SecurityGroupName": "sg-app-%05d" % i,
        "Description": "",
        "VpcId": "vpc-bp1%017x" % (i % 50),
        "InnerAccessPolicy": "Accept",
        "Permissions": {"Permission": slots},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--groups", type=int, default=20000)
    ap.add_argument("--instances", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    rng = random.Random(a.seed)
    n = a.groups
    planted = {"aws": {}, "alibaba": {}, "aws_rules": 0, "alibaba_rules": 0}

    vpcs = ["vpc-%017x" % rng.getrandbits(68) for _ in range(20)]
    groups, variants = [], []
    tsv = open(os.path.join(a.outdir, "groups.tsv"), "w")
    for i in range(n):
        v = weighted(rng, AWS_VARIANTS)
        variants.append(v)
        planted["aws"][v] = planted["aws"].get(v, 0) + 1
        g = aws_group(rng, i, n, v, vpcs[i % len(vpcs)])
        tsv.write("aws\t%s\t%s\n" % (g["GroupId"], v))
        for p in g["IpPermissions"] + g["IpPermissionsEgress"]:
            planted["aws_rules"] += (len(p["IpRanges"]) + len(p["Ipv6Ranges"]) +
                                     len(p["PrefixListIds"]) + len(p["UserIdGroupPairs"]))
        groups.append(g)
    with open(os.path.join(a.outdir, "aws-sg.json"), "w") as f:
        json.dump({"SecurityGroups": groups}, f, indent=4)
        f.write("\n")

    # instances: two per reservation, in one or two groups; Windows on the RDP groups
    rdp = [i for i, v in enumerate(variants) if v in ("rdp", "rdp-udp")]
    res = []
    used = set()
    for k in range(a.instances):
        gi = [rng.randrange(n)]
        if k % 10 == 0 and rdp:
            gi = [rng.choice(rdp)]
        if rng.random() < 0.3:
            gi.append(rng.randrange(n))
        gi = sorted(set(gi))
        used.update(gi)
        win = any(variants[x] in ("rdp", "rdp-udp") for x in gi)
        sgs = [{"GroupName": groups[x]["GroupName"], "GroupId": groups[x]["GroupId"]} for x in gi]
        iid = "i-%017x" % ((k * MULT + 77) % (1 << 68))
        priv = "10.%d.%d.%d" % (k // 65536 % 256, k // 256 % 256, k % 256)
        inst = {
            "AmiLaunchIndex": 0,
            "ImageId": "ami-%017x" % rng.getrandbits(68),
            "InstanceId": iid,
            "InstanceType": rng.choice(["t3.micro", "t3.small", "m5.large", "c6i.xlarge"]),
            "KeyName": "deploy",
            "LaunchTime": "2024-05-%02dT10:00:00+00:00" % (1 + k % 28),
            "Monitoring": {"State": "disabled"},
            "Placement": {"AvailabilityZone": "eu-west-1a", "GroupName": "", "Tenancy": "default"},
            "PrivateDnsName": "ip-%s.eu-west-1.compute.internal" % priv.replace(".", "-"),
            "PrivateIpAddress": priv,
            "ProductCodes": [],
            "State": {"Code": 16, "Name": "running"},
            "SubnetId": "subnet-%017x" % (k % 64),
            "VpcId": groups[gi[0]]["VpcId"],
            "Architecture": "x86_64",
            "NetworkInterfaces": [{
                "Groups": sgs,
                "NetworkInterfaceId": "eni-%017x" % ((k * MULT + 5) % (1 << 68)),
                "PrivateIpAddress": priv,
                "Status": "in-use",
            }],
            "SecurityGroups": sgs,
            "Tags": [{"Key": "Name", "Value": "host-%05d" % k}],
            "PlatformDetails": "Windows" if win else "Linux/UNIX",
        }
        if win:
            inst["Platform"] = "windows"
        if rng.random() < 0.4:
            pub = "203.0.%d.%d" % (k // 256 % 256, k % 256)
            inst["PublicIpAddress"] = pub
            inst["PublicDnsName"] = "ec2-%s.eu-west-1.compute.amazonaws.com" % pub.replace(".", "-")
            inst["NetworkInterfaces"][0]["Association"] = {"PublicIp": pub, "IpOwnerId": "amazon"}
        if k % 2 == 0:
            res.append({"Groups": [], "Instances": [inst], "OwnerId": OWNER,
                        "ReservationId": "r-%017x" % ((k * MULT + 9) % (1 << 68))})
        else:
            res[-1]["Instances"].append(inst)
    with open(os.path.join(a.outdir, "aws-instances.json"), "w") as f:
        json.dump({"Reservations": res}, f, indent=4)
        f.write("\n")
    planted["aws_instances"] = a.instances
    planted["aws_groups_used"] = len(used)

    with open(os.path.join(a.outdir, "ali.json"), "w") as f:
        f.write("[\n")
        for i in range(n):
            v = weighted(rng, ALI_VARIANTS)
            planted["alibaba"][v] = planted["alibaba"].get(v, 0) + 1
            g = ali_group(rng, i, n, v)
            tsv.write("alibaba\t%s\t%s\n" % (g["SecurityGroupId"], v))
            planted["alibaba_rules"] += len(g["Permissions"]["Permission"])
            f.write("  " + json.dumps(g, indent=2).replace("\n", "\n  "))
            f.write(",\n" if i + 1 < n else "\n")
        f.write("]\n")

    tsv.close()
    with open(os.path.join(a.outdir, "planted.json"), "w") as f:
        json.dump(planted, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
