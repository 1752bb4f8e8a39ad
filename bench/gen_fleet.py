#!/usr/bin/env python3
"""gen_fleet.py — the synthetic fleet of bench/fleet.sh (fixed seed).

    gen_fleet.py OUT HOSTS POOL

OUT/pool/kI, kI.pub   POOL real key pairs made by ssh-keygen (kept between runs: remade only
                      when POOL changes): every 20th an RSA key (one in five of those RSA
                      3072, the rest RSA 2048), the others ed25519. Two ssh-keygen at a time.
OUT/hosts/hostN/      HOSTS image roots, N from 0: /etc/passwd (root, two system accounts,
                      deploy, admin), /etc/shadow, /etc/machine-id (distinct), and 20
                      authorized keys split between root's, deploy's and admin's
                      ~/.ssh/authorized_keys; a quarter of the lines carry a from="..." option;
                      /etc/ssh/sshd_config as Debian ships it (UsePAM yes).
OUT/manifest.json     every key's fingerprint, type and the number of hosts it opens, most
                      first; the benchmark's three keys (the most widespread, the median one,
                      one on a single host) and the host count.

Which keys a host holds: 20 different keys drawn from the first POOL - SINGLES keys of the
pool with a Zipf weight 1/rank^1.2 (a handful of keys on nearly every host, the median key on
a few dozen, many on a handful), then each of the last SINGLES keys replaces one draw on one
host (keys that open exactly one host). The files are written directly (no process per host).
"""
import base64
import bisect
import concurrent.futures
import hashlib
import itertools
import json
import os
import random
import shutil
import subprocess
import sys

SEED = 11
KEYS_PER_HOST = 20
ZIPF_S = 1.2
ACCOUNTS = (("root", "/root", 0.2), ("deploy", "/home/deploy", 0.5), ("admin", "/home/admin", 0.3))
PASSWD = ("root:x:0:0:root:/root:/bin/bash\n"
          "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
          "deploy:x:1000:1000:deploy:/home/deploy:/bin/bash\n"
          "admin:x:1001:1001:admin:/home/admin:/bin/bash\n")
SSHD_CONFIG = ("Include /etc/ssh/sshd_config.d/*.conf\n"
               "KbdInteractiveAuthentication no\n"
               "UsePAM yes\n"
               "X11Forwarding yes\n"
               "PrintMotd no\n"
               "AcceptEnv LANG LC_*\n"
               "Subsystem sftp /usr/lib/openssh/sftp-server\n")
SHADOW = ("root:*:19700:0:99999:7:::\n"
          "daemon:*:19700:0:99999:7:::\n"
          "www-data:*:19700:0:99999:7:::\n"
          "deploy:*:19700:0:99999:7:::\n"
          "admin:*:19700:0:99999:7:::\n")


def key_spec(i):
    if i % 20 == 7:
        return ("rsa", "3072" if i % 100 == 7 else "2048")
    return ("ed25519", None)


def make_key(pool, i):
    path = os.path.join(pool, "k%d" % i)
    if os.path.exists(path + ".pub"):
        return
    for p in (path, path + ".pub"):
        if os.path.exists(p):
            os.unlink(p)
    t, bits = key_spec(i)
    cmd = ["ssh-keygen", "-q", "-t", t, "-N", "", "-C", "u%d@ws%d" % (i, i % 97), "-f", path]
    if bits:
        cmd[4:4] = ["-b", bits]
    subprocess.run(cmd, stdin=subprocess.DEVNULL, check=True)


def make_pool(out, n):
    pool = os.path.join(out, "pool")
    stamp = os.path.join(pool, ".done-%d" % n)
    if os.path.exists(stamp):
        return pool
    os.makedirs(pool, exist_ok=True)
    print("  making %d key pairs with ssh-keygen (kept for the next runs) ..." % n, flush=True)
    # the slow RSA keys first, so the two workers finish together
    order = sorted(range(n), key=lambda i: key_spec(i)[0] != "rsa")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for f in [ex.submit(make_key, pool, i) for i in order]:
            f.result()
    open(stamp, "w").close()
    return pool


def read_pool(pool, n):
    keys = []
    for i in range(n):
        with open(os.path.join(pool, "k%d.pub" % i)) as f:
            t, b, c = f.read().split(None, 2)
        fp = "SHA256:" + base64.b64encode(hashlib.sha256(base64.b64decode(b)).digest()).decode().rstrip("=")
        keys.append({"type": t, "blob": b, "comment": c.strip(), "fp": fp})
    return keys


def main():
    out, nhosts, npool = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if npool < 2 * KEYS_PER_HOST:
        sys.exit("gen_fleet.py: the pool needs at least %d keys" % (2 * KEYS_PER_HOST))
    os.makedirs(out, exist_ok=True)
    keys = read_pool(make_pool(out, npool), npool)

    singles = max(1, min(50, npool // 40))
    zipf = npool - singles
    cw = list(itertools.accumulate(1.0 / (r + 1) ** ZIPF_S for r in range(zipf)))
    total = cw[-1]
    single_host = {j * nhosts // singles: zipf + j for j in range(singles) if j * nhosts // singles < nhosts}

    rng = random.Random(SEED)
    hosts_dir = os.path.join(out, "hosts")
    if os.path.exists(hosts_dir):
        shutil.rmtree(hosts_dir)
    os.makedirs(hosts_dir)
    count = [0] * npool
    lines_written = 0
    for h in range(nhosts):
        got = []
        seen = set()
        while len(got) < KEYS_PER_HOST:
            k = bisect.bisect_left(cw, rng.random() * total)
            if k < zipf and k not in seen:
                seen.add(k)
                got.append(k)
        if h in single_host:
            got[-1] = single_host[h]
        per_account = {name: [] for name, _, _ in ACCOUNTS}
        for k in got:
            x = rng.random()
            for name, _, w in ACCOUNTS:
                if x < w:
                    break
                x -= w
            key = keys[k]
            opt = 'from="10.%d.0.0/16" ' % rng.randrange(256) if rng.random() < 0.25 else ""
            per_account[name].append("%s%s %s %s\n" % (opt, key["type"], key["blob"], key["comment"]))
            count[k] += 1
        root = os.path.join(hosts_dir, "host%d" % h)
        os.makedirs(os.path.join(root, "etc/ssh"))
        with open(os.path.join(root, "etc/ssh/sshd_config"), "w") as f:
            f.write(SSHD_CONFIG)
        with open(os.path.join(root, "etc/passwd"), "w") as f:
            f.write(PASSWD)
        with open(os.path.join(root, "etc/shadow"), "w") as f:
            f.write(SHADOW)
        os.chmod(os.path.join(root, "etc/shadow"), 0o640)
        with open(os.path.join(root, "etc/machine-id"), "w") as f:
            f.write("%032x\n" % rng.getrandbits(128))
        for name, home, _ in ACCOUNTS:
            if not per_account[name]:
                continue
            d = os.path.join(root, home.lstrip("/"), ".ssh")
            os.makedirs(d, mode=0o700)
            with open(os.path.join(d, "authorized_keys"), "w") as f:
                f.writelines(per_account[name])
            lines_written += len(per_account[name])

    listed = sorted((i for i in range(npool) if count[i]), key=lambda i: (-count[i], keys[i]["fp"]))
    by_count = sorted(listed, key=lambda i: count[i])
    median = by_count[len(by_count) // 2]
    one = next(i for i in range(zipf, npool) if count[i] == 1)
    manifest = {
        "hosts": nhosts,
        "pool": npool,
        "lines": lines_written,
        "keys": [{"fp": keys[i]["fp"], "type": keys[i]["type"], "hosts": count[i]} for i in listed],
        "top": {"fp": keys[listed[0]]["fp"], "hosts": count[listed[0]], "pub": "pool/k%d.pub" % listed[0]},
        "median": {"fp": keys[median]["fp"], "hosts": count[median], "pub": "pool/k%d.pub" % median},
        "one": {"fp": keys[one]["fp"], "hosts": 1, "pub": "pool/k%d.pub" % one},
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("  %d hosts, %d authorized lines, %d distinct keys; the most widespread key on %d hosts, "
          "the median one on %d" % (nhosts, lines_written, len(listed), count[listed[0]], count[median]))


if __name__ == "__main__":
    main()
