#!/usr/bin/env python3
"""share_driver.py — drives two `keyward guard --follow --share` processes for
bench/guard_share.sh and prints what it measured.

Guard A follows a.log, guard B follows b.log (nothing is written to it); both share bans
through the PostgreSQL database URI. Both run with --action none, so the figures are the
guards and the database, not a firewall. Each address gets 3 failed passwords in A's log
(the rule is '*:3/1h'); B prints "banned ADDR ... (shared by ...)" once it has recorded
the ban it took; a thread stamps each such line as it arrives.

  latency: N addresses one after the other: the time from writing the third line to B's
           line (the whole path: A reads and decides, commits the ban and its outbox row
           (synchronous=FULL), its thread inserts and NOTIFYs, B is woken, reads, commits
           the ban and its position, prints);
  burst:   M addresses written at once: when A has decided all, when B has taken all.

Usage: share_driver.py KEYWARD WORKDIR URI N M
"""
import os
import statistics
import subprocess
import sys
import threading
import time

kw, work, uri, n_lat, n_burst = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])


class Guard:
    def __init__(self, name, host_id, conf):
        self.log = os.path.join(work, name + ".log")
        open(self.log, "w").close()
        self.seen = {}
        self.connected = threading.Event()
        self.cond = threading.Condition()
        self.out = open(os.path.join(work, name + ".out"), "w")
        self.p = subprocess.Popen(
            [kw, "guard", "--follow", self.log, "--action", "none", "--db", os.path.join(work, name + ".db"),
             "--config", conf, "--rules", "*:3/1h", "--bantime", "1h", "--no-ignore-self",
             "--share", uri, "--host-id", host_id],
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, bufsize=1)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.p.stderr:
            t = time.monotonic()
            self.out.write(line)
            if "share: connected" in line:
                self.connected.set()
            w = line.split()
            if len(w) > 3 and w[2] == "banned":
                with self.cond:
                    self.seen[w[3]] = t
                    self.cond.notify_all()

    def wait(self, addrs, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while not all(a in self.seen for a in addrs):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def stop(self):
        self.p.terminate()
        self.p.wait(30)
        self.out.close()


def lines(addr, k):
    now = time.strftime("%b %e %H:%M:%S")
    return "".join("%s bench sshd[%d]: Failed password for root from %s port %d ssh2\n"
                   % (now, 2000 + k * 3 + i, addr, 40000 + i) for i in range(3))


def addr(i):
    return "100.%d.%d.%d" % (64 + i // 65536 % 64, i // 256 % 256, i % 256)


conf = os.path.join(work, "empty.conf")
open(conf, "w").close()
rate = os.path.join(work, "rate.conf")
with open(rate, "w") as f:
    f.write("share_rate = 1000000\n")
a = Guard("a", "bench-a", conf)
b = Guard("b", "bench-b", rate)
if not (a.connected.wait(30) and b.connected.wait(30)):
    sys.exit("the guards did not connect")
time.sleep(0.5)

lat = []
with open(a.log, "a") as f:
    for i in range(n_lat):
        ad = addr(i)
        f.write(lines(ad, i))
        f.flush()
        t0 = time.monotonic()
        if not b.wait([ad], 20):
            sys.exit("latency: B never took %s" % ad)
        lat.append((b.seen[ad] - t0) * 1000)
        time.sleep(0.02)
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print("latency, %d bans one after the other (ms from A's log line to B's record):" % len(lat))
print("  p50 %.1f   p90 %.1f   p99 %.1f   max %.1f   mean %.1f" % (q(0.5), q(0.9), q(0.99), lat[-1], statistics.mean(lat)))

burst = [addr(n_lat + i) for i in range(n_burst)]
text = "".join(lines(ad, n_lat + i) for i, ad in enumerate(burst))
t0 = time.monotonic()
with open(a.log, "a") as f:
    f.write(text)
ok_a = a.wait(burst, 600)
ok_b = b.wait(burst, 600)
if not (ok_a and ok_b):
    sys.exit("burst: A decided %d, B took %d of %d" % (sum(x in a.seen for x in burst), sum(x in b.seen for x in burst), n_burst))
ta = max(a.seen[x] for x in burst) - t0
tb = max(b.seen[x] for x in burst) - t0
print("burst of %d bans written at once (%d log lines):" % (n_burst, 3 * n_burst))
print("  A decided and recorded all in %.2f s (%.0f bans/s)" % (ta, n_burst / ta))
print("  B took all from the database in %.2f s (%.0f bans/s end to end)" % (tb, n_burst / tb))
a.stop()
b.stop()
for g, name in ((a, "A"), (b, "B")):
    with open(g.out.name) as f:
        last = [l.strip() for l in f if "shared:" in l]
    print("  %s: %s" % (name, last[-1] if last else "(no summary)"))
