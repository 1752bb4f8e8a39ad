#!/usr/bin/env bash
# bench/sshd.sh — `keyward sshd -T` against the real `sshd -T` on the same large config, in
# one run, ratio printed (target: keyward <= 1x sshd).
#
# The config: about 5,000 lines, 100 Match blocks and 20 Include files (generated,
# deterministic), evaluated with and without a -C spec. Both programs read the same files
# and print the effective configuration; the outputs are compared too (same line set).
#
# Usage: bench/sshd.sh [WORKDIR]   (default /tmp/keyward-bench-sshd)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
W=${1:-/tmp/keyward-bench-sshd}
mkdir -p "$W/conf.d" /run/sshd
[ -f "$W/hk" ] || ssh-keygen -q -t ed25519 -N '' -f "$W/hk"

python3 - "$W" <<'PY'
import os, random, sys
w = sys.argv[1]
random.seed(7)
flags = ["PasswordAuthentication", "X11Forwarding", "AllowAgentForwarding", "PermitTTY",
         "PubkeyAuthentication", "KbdInteractiveAuthentication", "GSSAPIAuthentication",
         "PermitEmptyPasswords", "HostbasedAuthentication", "AllowStreamLocalForwarding"]
ints = ["MaxAuthTries", "MaxSessions", "ClientAliveCountMax"]
def body(n, match_ok):
    out = []
    for _ in range(n):
        r = random.random()
        if r < 0.5:
            out.append("%s %s" % (random.choice(flags), random.choice(["yes", "no"])))
        elif r < 0.8:
            out.append("%s %d" % (random.choice(ints), random.randint(1, 20)))
        elif r < 0.9:
            out.append("AllowUsers u%d g%d" % (random.randint(0, 99), random.randint(0, 99)))
        else:
            out.append("# comment %d" % random.randint(0, 10**6))
    return out
for i in range(20):
    lines = body(100, False)
    open(os.path.join(w, "conf.d", "%02d.conf" % i), "w").write("\n".join(lines) + "\n")
main = ["Include %s/conf.d/*.conf" % w]
main += ["Port 22", "LoginGraceTime 1m", "Ciphers -aes128-ctr", "MACs ^hmac-sha2-512-etm@openssh.com"]
main += body(1000, False)
for b in range(100):
    kind = b % 4
    crit = ["User u%d,adm*" % b, "Group g%d" % b, "Address 10.%d.0.0/16,!10.%d.1.0/24" % (b, b),
            "Host h%d.example.com" % b][kind]
    main.append("Match %s" % crit)
    main += ["\t" + l for l in body(18, True)]
open(os.path.join(w, "sshd_config"), "w").write("\n".join(main) + "\n")
PY
F=$W/sshd_config
total=$(cat "$F" "$W"/conf.d/*.conf | wc -l)
echo "config: $total lines, $(grep -c '^Match ' "$F") Match blocks, $(ls "$W"/conf.d | wc -l) included files"

for spec in "" "user=u3,host=h7.example.com,addr=10.42.3.4,lport=22"; do
	c=(); [ -n "$spec" ] && c=(-C "$spec")
	diff <(/usr/sbin/sshd -T -f "$F" -h "$W/hk" "${c[@]}" | sort) \
	     <("$KW" sshd -T -f "$F" -h "$W/hk" "${c[@]}" | sort) > /dev/null \
		&& echo "outputs identical${spec:+ for -C $spec}" \
		|| echo "OUTPUTS DIFFER${spec:+ for -C $spec}"
done

hyperfine -N --warmup 3 --runs "${BENCH_RUNS:-30}" --export-json "$W/t.json" \
	"/usr/sbin/sshd -T -f $F -h $W/hk" \
	"$KW sshd -T -f $F -h $W/hk" \
	"/usr/sbin/sshd -T -f $F -h $W/hk -C user=u3,host=h7.example.com,addr=10.42.3.4,lport=22" \
	"$KW sshd -T -f $F -h $W/hk -C user=u3,host=h7.example.com,addr=10.42.3.4,lport=22" >/dev/null
python3 - "$W/t.json" <<'PY'
import json, sys
r = [x["mean"] for x in json.load(open(sys.argv[1]))["results"]]
print("sshd -T              %7.2f ms" % (r[0] * 1e3))
print("keyward sshd -T      %7.2f ms   keyward/sshd = %.2fx (target <= 1x)" % (r[1] * 1e3, r[1] / r[0]))
print("sshd -T -C ...       %7.2f ms" % (r[2] * 1e3))
print("keyward sshd -T -C   %7.2f ms   keyward/sshd = %.2fx (target <= 1x)" % (r[3] * 1e3, r[3] / r[2]))
PY
