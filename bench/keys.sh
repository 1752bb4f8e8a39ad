#!/usr/bin/env bash
# bench/keys.sh — `keyward keys scan` against what a user would otherwise run: a shell loop
# of `ssh-keygen -lf` over every authorized_keys file, on the same image root.
#
#   the root: BENCH_ACCOUNTS accounts (default 10,000) in /etc/passwd, each with a home
#   holding .ssh/authorized_keys of 5 keys drawn from a pool of 60 keys made by ssh-keygen
#   (ed25519, RSA 2048/3072, ECDSA 256/384/521), every third line with options and every
#   line with a comment; sshd_config as Debian ships it in effect (UsePAM yes, password
#   logins off) and an executable /bin/bash, so every account can log in with its keys.
#
#   timed: keyward keys scan --root R --format json (hyperfine, BENCH_RUNS runs, median)
#          for f in R/home/*/.ssh/authorized_keys; do ssh-keygen -lf "$f"; done (once)
#   printed: both times, keys/s, the ratio (target >= 100), and a check that both found
#   the same multiset of fingerprints.
#
# Usage: bench/keys.sh [WORKDIR]   (default /tmp/keyward-bench-keys; the tree is reused)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
W=${1:-/tmp/keyward-bench-keys}
N=${BENCH_ACCOUNTS:-10000}
RUNS=${BENCH_RUNS:-5}
R=$W/root-$N
mkdir -p "$W"

if [ ! -f "$R/.done-2" ]; then
	echo "building $R ($N accounts x 5 keys) ..."
	rm -rf "$R" "$W/pool"
	mkdir -p "$W/pool" "$R/etc/ssh" "$R/home"
	i=0
	for spec in "ed25519:" "rsa:2048" "rsa:3072" "ecdsa:256" "ecdsa:384" "ecdsa:521"; do
		t=${spec%%:*} b=${spec#*:}
		for k in $(seq 10); do
			ssh-keygen -q -t "$t" ${b:+-b "$b"} -N "" -C "pool-$i" -f "$W/pool/k$i" </dev/null
			i=$((i + 1))
		done
	done
	printf 'AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2\nUsePAM yes\nPasswordAuthentication no\n' >"$R/etc/ssh/sshd_config"
	mkdir -p "$R/bin"
	printf '#!/bin/sh\n' >"$R/bin/bash"
	chmod 0755 "$R/bin/bash"
	python3 - "$R" "$N" "$W/pool" <<'PY'
import os, sys
root, n, pool = sys.argv[1], int(sys.argv[2]), sys.argv[3]
keys = [open(os.path.join(pool, "k%d.pub" % i)).read().split()[:2] for i in range(60)]
with open(os.path.join(root, "etc/passwd"), "w") as pw, open(os.path.join(root, "etc/shadow"), "w") as sh:
    pw.write("root:x:0:0:root:/root:/bin/bash\n")
    sh.write("root:*:19000:0:99999:7:::\n")
    for u in range(n):
        name = "u%05d" % u
        pw.write("%s:x:%d:%d::/home/%s:/bin/bash\n" % (name, 10000 + u, 10000 + u, name))
        sh.write("%s:!:19000:0:99999:7:::\n" % name)
        d = os.path.join(root, "home", name, ".ssh")
        os.makedirs(d)
        with open(os.path.join(d, "authorized_keys"), "w") as f:
            for j in range(5):
                t, b = keys[(u * 7 + j * 13) % 60]
                opt = 'from="10.%d.0.0/16",no-agent-forwarding ' % (u % 250) if j % 3 == 0 else ""
                f.write("%s%s %s %s@host%d\n" % (opt, t, b, name, j))
PY
	touch "$R/.done-2"
fi

echo "timing keyward keys scan ($RUNS runs) ..."
hyperfine -N -i --output=pipe --warmup 1 --runs "$RUNS" --export-json "$W/kw.json" \
	"$KW keys scan -q --root $R --format json" >"$W/kw.hf" 2>&1 || { cat "$W/kw.hf"; exit 1; }
"$KW" keys scan -q --root "$R" --format json >"$W/kw-inv.json"

echo "timing the ssh-keygen -lf loop (once) ..."
t0=$(date +%s.%N)
for f in "$R"/home/*/.ssh/authorized_keys; do ssh-keygen -lf "$f"; done >"$W/keygen.txt"
t1=$(date +%s.%N)

python3 - "$W/kw.json" "$t0" "$t1" "$W/kw-inv.json" "$W/keygen.txt" "$N" <<'PY'
import collections, json, statistics, sys
kw = statistics.median(json.load(open(sys.argv[1]))["results"][0]["times"])
loop = float(sys.argv[3]) - float(sys.argv[2])
inv = json.load(open(sys.argv[4]))
a = collections.Counter(k["fingerprint"] for k in inv["keys"] if k["role"] == "authorized")
b = collections.Counter(line.split()[1] for line in open(sys.argv[5]) if line.strip())
n = int(sys.argv[6])
keys = sum(a.values())
print()
print("%d accounts, %d authorized keys" % (n, keys))
print("  keyward keys scan --format json   %8.3f s (median)   %10.0f keys/s" % (kw, keys / kw))
print("  ssh-keygen -lf loop               %8.3f s (one run)  %10.0f keys/s" % (loop, keys / loop))
r = loop / kw
print("  ratio: keyward is %.1fx the loop   target >= 100   %s" % (r, "met" if r >= 100 else "NOT MET"))
print("  same fingerprints found by both: %s" % ("yes" if a == b else "NO (%d vs %d)" % (sum(a.values()), sum(b.values()))))
PY
