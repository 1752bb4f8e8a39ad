#!/usr/bin/env python3
"""score.py — how well a brute-force detector did on a log made by gen_authlog.py.

    score.py (--stats S.json | --labels L.tsv) --run NAME=FORMAT:FILE[:MIN] [--run ...] [--json]

FORMAT says what FILE holds:
  keyward  `keyward guard --replay ... --format json`: the addresses its "bans" cover
           (a ban of a prefix covers every known address inside it)
  f2b      `fail2ban-regex -o ip`: one address per failure line; flagged once an address
           has MIN lines (default 1; fail2ban's default maxretry is 5)
  sshg     `sshg-parser` output "service address addrkind danger": flagged once an
           address's danger adds up to MIN (default 1; sshguard's default THRESHOLD is 30)
  list     one address per line
Time windows are not applied (fail2ban's findtime, sshguard's DETECTION_TIME): MIN is a
count over the whole log, so a slow attacker counts as found.

Prints per run: attackers found / all attackers (addresses that were the true source of an
attack line), legitimate clients flagged, injection victims flagged (addresses that appear
only inside user names), the server's own addresses flagged, and flagged addresses that
are none of these (a parser that invents addresses).
"""
import argparse
import collections
import ipaddress
import json
import sys


def norm(a):
	try:
		return str(ipaddress.ip_address(a.strip().strip("[]")))
	except ValueError:
		return None


def load_truth(a):
	t = {"attackers": set(), "legit": set(), "victims": set(), "server": set()}
	if a.stats:
		s = json.load(open(a.stats))
		for k in t:
			t[k] = {norm(x) for x in s.get(k, [])} - {None}
	else:
		for line in open(a.labels):
			f = line.rstrip("\n").split("\t")
			if len(f) != 4 or f[2] == "-":
				continue
			(t["attackers"] if f[3] == "1" else t["legit"]).add(norm(f[2]))
		t["legit"] -= t["attackers"]
	return t


def flagged_keyward(path, known):
	r = json.load(open(path))
	nets = []
	for b in r.get("bans", []):
		addr = b["addr"]
		bits = b.get("bits", 128 if ":" in addr else 32)
		nets.append(ipaddress.ip_network("%s/%s" % (addr, bits), strict=False))
	out = set()
	for n in nets:
		if n.prefixlen == n.max_prefixlen:
			out.add(str(n.network_address))
	wide = [n for n in nets if n.prefixlen < n.max_prefixlen]
	if wide:
		for k in known:
			ip = ipaddress.ip_address(k)
			if any(ip.version == n.version and ip in n for n in wide):
				out.add(k)
		# a prefix ban that covers no known address still counts once as "other"
		for n in wide:
			if not any(ipaddress.ip_address(k) in n for k in known if ipaddress.ip_address(k).version == n.version):
				out.add(str(n))
	return out


def flagged_counts(path, fmt, minimum):
	score = collections.Counter()
	for line in open(path, errors="replace"):
		f = line.split()
		if not f:
			continue
		if fmt == "sshg":
			if len(f) < 4:
				continue
			a, w = norm(f[1]), int(f[3])
		else:
			a, w = norm(f[0]), 1
		if a:
			score[a] += w
	return {a for a, s in score.items() if s >= minimum}


def main():
	p = argparse.ArgumentParser(description="score a detector against gen_authlog.py's truth")
	g = p.add_mutually_exclusive_group(required=True)
	g.add_argument("--stats", help="gen_authlog.py --stats JSON")
	g.add_argument("--labels", help="gen_authlog.py --labels TSV (no victim set)")
	p.add_argument("--run", action="append", required=True, metavar="NAME=FORMAT:FILE[:MIN]")
	p.add_argument("--json", action="store_true", help="print JSON instead of a table")
	a = p.parse_args()
	t = load_truth(a)
	known = t["attackers"] | t["legit"] | t["victims"] | t["server"]
	rows = []
	for spec in a.run:
		name, _, rest = spec.partition("=")
		fmt, _, rest = rest.partition(":")
		path, _, minimum = rest.partition(":")
		if fmt not in ("keyward", "f2b", "sshg", "list") or not path:
			p.error("bad --run %r" % spec)
		if fmt == "keyward":
			fl = flagged_keyward(path, known)
		else:
			fl = flagged_counts(path, fmt, int(minimum or 1))
		rows.append({
			"name": name,
			"attackers_found": len(fl & t["attackers"]), "attackers": len(t["attackers"]),
			"legit_flagged": len(fl & t["legit"]), "legit": len(t["legit"]),
			"victims_flagged": len(fl & t["victims"]), "victims": len(t["victims"]),
			"victims_flagged_list": sorted(fl & t["victims"]),
			"server_flagged": len(fl & t["server"]),
			"other_flagged": len(fl - known),
		})
	if a.json:
		json.dump(rows, sys.stdout, indent=1)
		print()
		return
	w = max([len(r["name"]) for r in rows] + [8])
	print("%-*s  %-22s  %-13s  %-15s  %-6s  %s" % (w, "detector", "attackers found", "legit flagged",
						     "victims flagged", "server", "other"))
	for r in rows:
		pct = 100.0 * r["attackers_found"] / r["attackers"] if r["attackers"] else 0.0
		print("%-*s  %-22s  %-13s  %-15s  %-6d  %d" % (
			w, r["name"], "%d/%d (%.1f%%)" % (r["attackers_found"], r["attackers"], pct),
			"%d/%d" % (r["legit_flagged"], r["legit"]),
			"%d/%d" % (r["victims_flagged"], r["victims"]), r["server_flagged"], r["other_flagged"]))


if __name__ == "__main__":
	main()
