#!/usr/bin/env bash
# bench/fleet.sh — the keys database of a fleet (issue 11): FLEET_HOSTS host inventories of
# 20 keys each stored with `keyward keys snapshot --db`, then `keyward keys query` asked
# which hosts a key opens, in a SQLite file and in a PostgreSQL server started here.
#
#   the fleet (bench/gen_fleet.py, fixed seed; made once, remade when the generator or the
#   sizes change): a pool of FLEET_POOL real keys (ssh-keygen: ed25519, 5% RSA), and
#   FLEET_HOSTS image roots (passwd, shadow, sshd_config, a distinct machine-id, 20
#   authorized keys over root's, deploy's and admin's authorized_keys) drawn with a Zipf
#   weight: a few keys on nearly every host, the median key on a few dozen, some on one.
#   the servers, both durable: the SQLite file as keyward opens it (WAL, synchronous=FULL:
#   each commit waits for its WAL on disk); PostgreSQL (tests/integration/pglib.sh with
#   PG_DURABLE=1: fsync, synchronous_commit, full_page_writes on, the other settings at
#   their defaults, a Unix socket, scram-sha-256), its data folder under /tmp as $W is.
#   1. loading: every host through the real CLI, FLEET_JOBS (2) at a time (xargs -P):
#        keyward keys snapshot --root H --name hostN --host-id hostN --db DB --no-audit -q
#      each process timed by its shell ($EPOCHREALTIME around it): wall time, snapshots/s,
#      mean/p50/p90/p99/max per snapshot, the p50 of each tenth of the fleet (do snapshots
#      slow down as the tables grow?), the client's CPU (GNU time over the lot) and the
#      PostgreSQL server's (its processes' CPU, read from /proc, before and after).
#      FLEET_ASYNC=1 (default) loads two more stores to show what waiting for the disk
#      costs: PostgreSQL with synchronous_commit=off (a database of its own), SQLite on
#      /dev/shm (tmpfs: fsync returns at once). The stores take turns, a tenth of the fleet
#      each, so the shared machine's changing load falls on all alike. One synced 4 KiB
#      write (fdatasync) is timed before and after: what a durable commit waits for here.
#   2. queries (hyperfine -N, --warmup 3, BENCH_RUNS runs, medians; all in one hyperfine
#      run so the machine's noise falls on both backends alike):
#        keys query --db DB --key FP   the most widespread key, the median key, a key on
#                                      one host
#        keys query --db DB --shared-by 50   (the default --limit 100)
#      the first and the third again in PostgreSQL through a role that logs in without a
#      password (trust): what SCRAM-SHA-256 costs each connection (libpq's PBKDF2);
#      and, for scale, keys scan of one host (what a snapshot does before the database)
#      and keyward --version (a process start). Each answer is checked against the
#      generator's counts first (the script fails otherwise). Printed: the medians, the
#      ratio PostgreSQL/SQLite, and the statements of src/keys/store.c (ST_Q_KEY,
#      ST_Q_SHARED) timed alone: in Python's sqlite3 (the same libsqlite3), and by EXPLAIN
#      ANALYZE in PostgreSQL, before and after an ANALYZE (the plans are in $W/results).
#   3. size: the SQLite file (and its WAL), the keyward tables in PostgreSQL
#      (pg_total_relation_size, indexes and TOAST included).
#   4. callgrind (FLEET_CALLGRIND=1, default): instructions of keyward's process for one more
#      snapshot of host0 into each store (FLEET_HOSTS already there), and of `keys scan` of
#      the same host: the difference is the store's share on keyward's side (the
#      PostgreSQL server's work is not in it). And strace of one more snapshot into the
#      SQLite file: its synced writes, the files it creates and removes.
#   5. history (FLEET_HISTORY older snapshots per host, default 9): keys snapshot keeps every
#      snapshot unless --keep is given; the fleet queries read latest_keys (the keys of
#      each host's newest snapshot), so they should not grow with it; copies of every
#      snapshot (new ids, taken N days
#      earlier, by SQL: loading them through the CLI would take FLEET_HISTORY times the
#      load above), then ANALYZE in PostgreSQL, then the top-key and --shared-by queries
#      again (FLEET_HISTORY_RUNS runs, 5). Each copy adds ~60 MB per 10,000 hosts to each.
#
# Usage: bench/fleet.sh [WORKDIR]   (default /tmp/keyward-bench-fleet; the fleet is reused)
#        about 11 minutes at 10,000 hosts on two shared cores (the four loads 8.5 of them),
#        20 s more when the fleet is generated, 20 s more the first time (the key pool);
#        FLEET_HOSTS=500: about 1.5 minutes. Disk: the 10,000 roots take 240 MB of files'
#        pages (660 MB on ext4, which gives every folder a 4 KiB block), the stores 60-70 MB
#        each, 0.6-0.7 GB each with the history.
# Env: FLEET_HOSTS (10000), FLEET_POOL (2000), FLEET_JOBS (2), BENCH_RUNS (20),
#      FLEET_ASYNC (1), FLEET_CALLGRIND (1), FLEET_HISTORY (9), FLEET_HISTORY_RUNS (5)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
bench_workdir /tmp/keyward-bench-fleet 20 "$@"
HOSTS=${FLEET_HOSTS:-10000}
POOL=${FLEET_POOL:-2000}
JOBS=${FLEET_JOBS:-2}
ASYNC=${FLEET_ASYNC:-1}
CALLGRIND=${FLEET_CALLGRIND:-1}
HISTORY=${FLEET_HISTORY:-9}
HISTORY_RUNS=${FLEET_HISTORY_RUNS:-5}
G=$W/fleet
R=$W/results
rm -rf "$R"
mkdir -p "$R"

stamp=$( (cat bench/gen_fleet.py; echo "$HOSTS $POOL") | sha256sum | cut -c1-16)
if [ "$(cat "$G/.generated" 2>/dev/null)" != "$stamp" ]; then
	echo "generating the fleet in $G ($HOSTS hosts, a pool of $POOL keys; fixed seed) ..."
	rm -f "$G/.generated"
	t0=$SECONDS
	nice -n 10 python3 bench/gen_fleet.py "$G" "$HOSTS" "$POOL"
	echo "  $((SECONDS - t0)) s"
	echo "$stamp" >"$G/.generated"
fi
M=$G/manifest.json
mget() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$M" "$1"; }
FP_TOP=$(mget 'r["top"]["fp"]') FP_MED=$(mget 'r["median"]["fp"]') FP_ONE=$(mget 'r["one"]["fp"]')

# the PostgreSQL server (pglib.sh's, durable); pg_cleanup stops it and removes $TMP
TMP=$(mktemp -d /tmp/kwbench-fleet.XXXXXX)
PG_DURABLE=1
# shellcheck source=tests/integration/pglib.sh
. tests/integration/pglib.sh
trap pg_cleanup EXIT
pg_start >"$R/pg_start.out" || { cat "$R/pg_start.out"; exit 1; }
# a second role, member of keyward, logging in to the same tables without a password
# (trust, for this role and database only): its queries show what the SCRAM exchange of
# each connection costs
pg_sql "CREATE ROLE keyward_trust LOGIN IN ROLE keyward"
{ echo "local keyward keyward_trust trust"; cat "$PGROOT/data/pg_hba.conf"; } >"$TMP/hba"
cat "$TMP/hba" >"$PGROOT/data/pg_hba.conf"
pg_sql "SELECT pg_reload_conf()" >/dev/null
PGURI_TRUST=postgresql://keyward_trust@${PGURI#*@}
SQ=$W/fleet.db
rm -f "$SQ" "$SQ-wal" "$SQ-shm"
SHM=
if [ "$ASYNC" = 1 ]; then
	runuser -u postgres -- "$PGBIN/psql" -h "$PGSOCK" -d postgres -v ON_ERROR_STOP=1 -q \
		-c "CREATE DATABASE keyward_async OWNER keyward" \
		-c "ALTER DATABASE keyward_async SET synchronous_commit = off" >/dev/null
	PGURI_ASYNC=${PGURI%/keyward}/keyward_async
	SHM=$(mktemp -d /dev/shm/kwbench-fleet.XXXXXX)
	trap 'rm -rf "$SHM"; pg_cleanup' EXIT
fi

# the CPU seconds the PostgreSQL server has used: the postmaster, its children that have
# exited (the backends of finished connections) and those still running
pg_cpu() {
	python3 - "$PGROOT/data/postmaster.pid" <<'PY'
import os, sys
pm = int(open(sys.argv[1]).readline())
hz = os.sysconf("SC_CLK_TCK")
def fields(pid):
    return open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
f = fields(pm)
ticks = sum(int(x) for x in f[11:15])          # utime stime cutime cstime
for d in os.listdir("/proc"):
    if d.isdigit() and int(d) != pm:
        try:
            c = fields(int(d))
        except OSError:
            continue
        if int(c[1]) == pm:                     # ppid
            ticks += int(c[11]) + int(c[12])
print("%.2f" % (ticks / hz))
PY
}

# dsync: the median and p99 latency of one synced 4 KiB write (fdatasync) in $W, in ms,
# appended to $R/dsync.txt (before and after the loads: this disk's flushes vary)
dsync() {
	python3 - "$W/dsync.test" <<'PY' >>"$R/dsync.txt"
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
block = b"x" * 4096
os.write(fd, block * 64)
os.fsync(fd)
t = []
for i in range(200):
    os.pwrite(fd, block, (i % 64) * 4096)
    s = time.perf_counter()
    os.fdatasync(fd)
    t.append(time.perf_counter() - s)
os.close(fd)
os.unlink(sys.argv[1])
t.sort()
print("%.3f %.3f" % (t[len(t) // 2] * 1e3, t[int(len(t) * 0.99)] * 1e3))
PY
}

# load LABEL DB FIRST COUNT: the snapshots of hosts FIRST.. into DB, JOBS at a time; one
# "n rc start end" line per snapshot appended to $R/load-LABEL.txt, "wall user sys" of the
# lot to $R/load-LABEL.time, the server's CPU seconds before and after to .server
load() {
	local label=$1
	export KW G DB=$2 ERR=$R/load-$label.err
	local c0=0 c1=0
	case $2 in postgresql:*) c0=$(pg_cpu) ;; esac
	# shellcheck disable=SC2016 # the inner bash expands them
	seq "$3" $(($3 + $4 - 1)) | /usr/bin/time -a -f '%e %U %S' -o "$R/load-$label.time" \
		xargs -P "$JOBS" -n "$BATCH" bash -c '
		for n; do
			s=$EPOCHREALTIME
			"$KW" keys snapshot --root "$G/hosts/host$n" --name "host$n" --host-id "host$n" \
				--db "$DB" --no-audit -q >/dev/null 2>>"$ERR"
			rc=$?
			echo "$n $rc $s $EPOCHREALTIME"
		done' _ >>"$R/load-$label.txt"
	case $2 in postgresql:*) c1=$(pg_cpu) ;; esac
	echo "$c0 $c1" >>"$R/load-$label.server"
	if [ -s "$ERR" ] || awk '$2 != 0 { bad = 1 } END { exit !bad }' "$R/load-$label.txt"; then
		echo "bench: some snapshots into $label failed:" >&2
		head -20 "$ERR" >&2
		exit 1
	fi
}

# check LABEL DB: the answers match the generator's counts
check() {
	python3 - "$KW" "$2" "$M" "$1" <<'PY'
import json, subprocess, sys
kw, db, manifest, label = sys.argv[1:5]
m = json.load(open(manifest))
def q(*args):
    p = subprocess.run([kw, "keys", "query", "--db", db, *args, "--format", "json"],
                       capture_output=True, check=True)
    return json.loads(p.stdout)
bad = []
for which in ("top", "median", "one"):
    r = q("--key", m[which]["fp"])
    if r["hosts"] != m[which]["hosts"] or len({p["target"] for p in r["places"]}) != m[which]["hosts"]:
        bad.append("%s key: %d hosts, expected %d" % (which, r["hosts"], m[which]["hosts"]))
want = [(k["fp"], k["hosts"]) for k in m["keys"] if k["hosts"] >= 50]
r = q("--shared-by", "50", "--limit", "0")
got = [(k["fingerprint"], k["hosts"]) for k in r["keys"]]
if got != want:
    bad.append("--shared-by 50: %d keys, expected %d" % (len(got), len(want)))
if r["fleet_hosts"] != m["hosts"]:
    bad.append("fleet_hosts %d, expected %d" % (r["fleet_hosts"], m["hosts"]))
for b in bad:
    print("bench: %s: %s" % (label, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >"$R/loadavg.txt"
dsync
# the stores take turns, a tenth of the fleet each time, so that the shared machine's
# changing load falls on all of them alike
stores=(sqlite "$SQ" postgresql "$PGURI")
[ "$ASYNC" = 1 ] && stores+=(postgresql-async "$PGURI_ASYNC" sqlite-tmpfs "$SHM/fleet.db")
labels=()
for ((i = 0; i < ${#stores[@]}; i += 2)); do labels+=("${stores[i]}"); done
echo "loading $HOSTS snapshots into each of: ${labels[*]}; $JOBS at a time, in 10 turns ..."
for l in "${labels[@]}"; do : >"$R/load-$l.txt"; : >"$R/load-$l.err"; : >"$R/load-$l.time"; : >"$R/load-$l.server"; done
chunk=$(((HOSTS + 9) / 10))
BATCH=$((chunk / JOBS / 4))         # hosts per shell: small enough that the jobs end together
[ "$BATCH" -ge 1 ] || BATCH=1
[ "$BATCH" -le 50 ] || BATCH=50
for ((first = 0; first < HOSTS; first += chunk)); do
	n=$((HOSTS - first < chunk ? HOSTS - first : chunk))
	for ((i = 0; i < ${#stores[@]}; i += 2)); do load "${stores[i]}" "${stores[i + 1]}" "$first" "$n"; done
	printf '  %d/%d\n' $((first + n)) "$HOSTS"
done
[ -n "$SHM" ] && rm -rf "$SHM"
dsync

echo "checking the answers against the generator's counts ..."
check sqlite "$SQ"
check postgresql "$PGURI"

echo "timing the queries ($RUNS runs each) ..."
hf=()
for b in sqlite postgresql; do
	db=$SQ
	[ "$b" = postgresql ] && db=$PGURI
	hf+=(-n "$b top" "$KW keys query --db $db --key $FP_TOP"
	     -n "$b median" "$KW keys query --db $db --key $FP_MED"
	     -n "$b one" "$KW keys query --db $db --key $FP_ONE"
	     -n "$b shared-by 50" "$KW keys query --db $db --shared-by 50")
done
hf+=(-n "postgresql-trust top" "$KW keys query --db $PGURI_TRUST --key $FP_TOP"
     -n "postgresql-trust one" "$KW keys query --db $PGURI_TRUST --key $FP_ONE"
     -n "keys scan host0" "$KW keys scan -q --root $G/hosts/host0 --format json"
     -n "keyward --version" "$KW --version")
hyperfine -N --output=pipe --warmup 3 --runs "$RUNS" --export-json "$R/query.json" "${hf[@]}" \
	>"$R/query.hf" 2>&1 || { cat "$R/query.hf"; exit 1; }

# sizes
sq_main=$(stat -c %s "$SQ")
sq_wal=$(stat -c %s "$SQ-wal" 2>/dev/null || echo 0)
sqlite3 "$SQ" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC" >"$R/sqlite-sizes.txt" 2>/dev/null || true
pg_sql "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid)
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'keyward' AND c.relkind = 'r' ORDER BY 2 DESC" >"$R/pg-sizes.txt"
pg_sql "SELECT relname, n_live_tup, coalesce(last_autoanalyze::text, 'never'), coalesce(last_autovacuum::text, 'never')
	FROM pg_stat_user_tables WHERE schemaname = 'keyward' ORDER BY 1" >"$R/pg-stats.txt"
pg_wal=$(runuser -u postgres -- du -sb "$PGROOT/data/pg_wal" | cut -f1)

# plans: the statements of src/keys/store.c (ST_Q_KEY, ST_Q_SHARED) with the top key,
# read from the source (the C string literals after "[ST_Q_KEY] ="), so they are the
# statements keyward runs
store_sql() { # NAME $1 $2: the statement with its parameters written in
	python3 - "$1" "${2:-}" "${3:-}" src/keys/store.c <<'PY'
import re, sys
name, p1, p2, src = sys.argv[1:5]
text = open(src).read()
m = re.search(r"\[%s\] =((?:\s*\"(?:[^\"\\]|\\.)*\")+)" % re.escape(name), text)
if not m:
    sys.exit("bench: %s not found in %s" % (name, src))
sql = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
print(sql.replace("$1", p1).replace("$2", p2))
PY
}
Q_KEY=$(store_sql ST_Q_KEY "'$FP_TOP'")
Q_SHARED=$(store_sql ST_Q_SHARED 50 100)
for q in key shared; do
	sql=$Q_KEY
	[ $q = shared ] && sql=$Q_SHARED
	pg_sql "SET search_path = keyward; EXPLAIN (ANALYZE, BUFFERS) $sql" >"$R/plan-pg-$q.txt"
	# and with fresh statistics (what autovacuum's ANALYZE would give once it has run)
	pg_sql "SET search_path = keyward; ANALYZE keys, host_latest, latest_keys, snapshots;
		EXPLAIN (ANALYZE, BUFFERS) $sql" >"$R/plan-pg-$q-analyzed.txt"
	sqlite3 "$SQ" "EXPLAIN QUERY PLAN $sql" >"$R/plan-sqlite-$q.txt"
	# the same statement run in Python's sqlite3 module (the same libsqlite3; no process
	# start, no output formatting): the median of 5 runs, in ms
	python3 - "$SQ" "$sql" >"$R/time-sqlite-$q.txt" <<'PY'
import sqlite3, statistics, sys, time
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
t = []
for i in range(6):
    s = time.perf_counter()
    db.execute(sys.argv[2]).fetchall()
    t.append(time.perf_counter() - s)
print("%.2f" % (statistics.median(t[1:]) * 1e3))
PY
done

if [ "$CALLGRIND" = 1 ]; then
	echo "callgrind: one more snapshot of host0 into each store, and keys scan of it ..."
	snap=(keys snapshot --root "$G/hosts/host0" --name host0 --host-id host0 --no-audit -q)
	for b in sqlite postgresql scan; do
		case $b in
		sqlite) cmd=("$KW" "${snap[@]}" --db "$SQ") ;;
		postgresql) cmd=("$KW" "${snap[@]}" --db "$PGURI") ;;
		scan) cmd=("$KW" keys scan -q --root "$G/hosts/host0" --format json) ;;
		esac
		valgrind --tool=callgrind --callgrind-out-file="$R/callgrind-$b.out" "${cmd[@]}" \
			>/dev/null 2>"$R/callgrind-$b.err" || { cat "$R/callgrind-$b.err"; exit 1; }
		callgrind_annotate --inclusive=yes --threshold=100 "$R/callgrind-$b.out" >"$R/callgrind-$b.txt" 2>/dev/null
	done
fi

# what one snapshot asks of the disk: the synced writes and removals of one more snapshot
# of host0 into the SQLite file
strace -f -o "$R/strace-sqlite.txt" -e trace=fsync,fdatasync,unlink,unlinkat,openat \
	"$KW" keys snapshot --root "$G/hosts/host0" --name host0 --host-id host0 --db "$SQ" --no-audit -q >/dev/null

if [ "$HISTORY" -gt 0 ]; then
	echo "history: $HISTORY older snapshots of every host (SQL copies), then the growing queries again ..."
	cols="taken, host, target, target_desc, complete, n_keys, n_sources, n_authorized, n_accounts,
		n_unread, n_ignored, n_host, n_private, digest, host_id"
	kcols="seq, role, account, path, line, has_pub, type, label, bits, fingerprint, fingerprint_md5,
		comment, options, sshd_ignores, format, encrypted"
	# copy n of snapshot i is i + n * 10,000,000, taken n days earlier; host_latest is not touched
	sqlite3 "$SQ" "BEGIN;
		WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < $HISTORY)
		INSERT INTO snapshots(id, $cols) SELECT s.id + c.n * 10000000, s.taken - c.n * 86400,
			${cols#taken, } FROM snapshots s, c WHERE s.id < 10000000;
		WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < $HISTORY)
		INSERT INTO keys(snapshot, $kcols) SELECT k.snapshot + c.n * 10000000, $kcols
			FROM keys k, c WHERE k.snapshot < 10000000;
		COMMIT;"
	pg_sql "SET search_path = keyward;
		INSERT INTO snapshots(id, $cols) OVERRIDING SYSTEM VALUE SELECT s.id + c.n * 10000000,
			s.taken - c.n * 86400, ${cols#taken, } FROM snapshots s, generate_series(1, $HISTORY) c(n)
			WHERE s.id < 10000000;
		INSERT INTO keys(snapshot, $kcols) SELECT k.snapshot + c.n * 10000000, $kcols
			FROM keys k, generate_series(1, $HISTORY) c(n) WHERE k.snapshot < 10000000"
	# what autovacuum would do in the next minute
	pg_sql "ANALYZE keyward.snapshots, keyward.keys" >/dev/null
	stat -c %s "$SQ" >"$R/history-sizes.txt"
	pg_sql "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n
		ON n.oid = c.relnamespace WHERE n.nspname = 'keyward' AND c.relkind = 'r'" >>"$R/history-sizes.txt"
	hf=()
	for b in sqlite postgresql; do
		db=$SQ
		[ "$b" = postgresql ] && db=$PGURI
		hf+=(-n "$b top" "$KW keys query --db $db --key $FP_TOP"
		     -n "$b shared-by 50" "$KW keys query --db $db --shared-by 50")
	done
	hyperfine -N --output=pipe --warmup 1 --runs "$HISTORY_RUNS" --export-json "$R/history.json" "${hf[@]}" \
		>"$R/history.hf" 2>&1 || { cat "$R/history.hf"; exit 1; }
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$R/loadavg.txt"
python3 - "$R" "$M" "$HOSTS" "$JOBS" "$ASYNC" "$CALLGRIND" "$sq_main" "$sq_wal" "$pg_wal" "$HISTORY" <<'PY'
import json, os, re, statistics, sys
R, manifest = sys.argv[1], json.load(open(sys.argv[2]))
hosts, jobs, asyncrun, cg = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1", sys.argv[6] == "1"
sq_main, sq_wal, pg_wal = (int(x) for x in sys.argv[7:10])
history = int(sys.argv[10])
MB = 1024 * 1024

def rd(f):
    p = os.path.join(R, f)
    return open(p).read() if os.path.exists(p) else ""

def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p))]

def load(label):
    rows = [l.split() for l in open(os.path.join(R, "load-%s.txt" % label))]
    rows.sort(key=lambda r: float(r[2]))
    d = [(float(r[3]) - float(r[2])) * 1e3 for r in rows]
    # GNU time -a: one "wall user sys" line per turn (it may add a "Command exited" line)
    t = [[float(x) for x in l.split()] for l in rd("load-%s.time" % label).split("\n")
         if re.match(r"^[\d.]+ [\d.]+ [\d.]+$", l)]
    wall, user, sys_ = (sum(c) for c in zip(*t))
    turn_cpu = [(u + s_) / max(1, len(d) // len(t)) * 1e3 for _, u, s_ in t]
    server = sum(float(b) - float(a) for a, b in (l.split() for l in rd("load-%s.server" % label).split("\n") if l))
    # the median of each turn (a turn is a tenth of the hosts, by number)
    by_host = sorted(rows, key=lambda r: int(r[0]))
    tenth = max(1, len(d) // 10)
    turns = [statistics.median((float(r[3]) - float(r[2])) * 1e3 for r in by_host[i:i + tenth])
             for i in range(0, len(by_host), tenth)]
    s = sorted(d)
    return dict(n=len(d), wall=wall, rate=len(d) / wall, mean=statistics.mean(d), p50=pct(s, .5),
                p90=pct(s, .9), p99=pct(s, .99), max=s[-1], turns=turns, turn_cpu=turn_cpu,
                cpu=(user + sys_) / len(d) * 1e3, server=server / len(d) * 1e3)

keys = manifest["keys"]
print()
print("fleet: %d hosts x 20 keys (%d authorized lines), %d distinct keys (pool %d, %d RSA)"
      % (hosts, manifest["lines"], len(keys), manifest["pool"], sum(k["type"] == "ssh-rsa" for k in keys)))
print("  keys by hosts: the top one %d, the 10th %d, the 100th %d, the median %d; %d keys on <= 5 hosts"
      % (keys[0]["hosts"], keys[min(9, len(keys) - 1)]["hosts"], keys[min(99, len(keys) - 1)]["hosts"],
         manifest["median"]["hosts"], sum(k["hosts"] <= 5 for k in keys)))
print("  " + rd("loadavg.txt").strip().replace("\n", "; ") + " (2 cores, shared)")
ds = [l.split() for l in rd("dsync.txt").split("\n") if l]
print("  this disk: one synced 4 KiB write (fdatasync) %s ms median, %s ms p99 (before / after the loads)"
      % (" / ".join(d[0] for d in ds), " / ".join(d[1] for d in ds)))

print()
print("1. loading: keys snapshot per host, %d at a time (ms per snapshot, wall of each process)" % jobs)
print("   %-36s %7s %6s %6s %6s %6s %6s %6s  %10s  %10s"
      % ("store", "total s", "snap/s", "mean", "p50", "p90", "p99", "max", "client CPU", "server CPU"))
labels = [("sqlite", "SQLite file (WAL, synchronous=FULL)"), ("postgresql", "PostgreSQL (fsync, sync commit)")]
if asyncrun:
    labels += [("postgresql-async", "PostgreSQL synchronous_commit=off"), ("sqlite-tmpfs", "SQLite file on tmpfs (no fsync)")]
L = {}
for label, what in labels:
    x = L[label] = load(label)
    print("   %-36s %7.1f %6.1f %6.1f %6.1f %6.1f %6.1f %6.0f  %7.1f ms  %10s"
          % (what, x["wall"], x["rate"], x["mean"], x["p50"], x["p90"], x["p99"], x["max"], x["cpu"],
             "%7.1f ms" % x["server"] if label.startswith("postgresql") else "-"))
print("   p50 of each tenth of the hosts, in load order (do snapshots slow down as the tables grow?):")
for label, what in labels:
    print("   %-36s %s" % (what, " ".join("%5.1f" % v for v in L[label]["turns"])))
print("   the client's CPU per snapshot in each tenth (keyward's work does not grow with the tables,"
      " see callgrind: where it rises, the machine got busier):")
for label, what in labels:
    print("   %-36s %s" % (what, " ".join("%5.1f" % v for v in L[label]["turn_cpu"])))
print("   ratio PostgreSQL/SQLite: total time %.2f, p50 %.2f, p99 %.2f"
      % (L["postgresql"]["wall"] / L["sqlite"]["wall"], L["postgresql"]["p50"] / L["sqlite"]["p50"],
         L["postgresql"]["p99"] / L["sqlite"]["p99"]))

res = {r["command"]: r for r in json.load(open(os.path.join(R, "query.json")))["results"]}
def med(name):
    return statistics.median(res[name]["times"]) * 1e3
print()
print("2. queries: keys query, median of the runs (ms; hyperfine -N, warm cache)")
print("   %-28s %10s %12s %8s" % ("question", "SQLite", "PostgreSQL", "PG/SQLite"))
for q, what in (("top", "--key, the top key (%d hosts)" % manifest["top"]["hosts"]),
                ("median", "--key, the median key (%d)" % manifest["median"]["hosts"]),
                ("one", "--key, a key on 1 host"), ("shared-by 50", "--shared-by 50 (limit 100)")):
    a, b = med("sqlite " + q), med("postgresql " + q)
    print("   %-28s %10.1f %12.1f %8.2f" % (what, a, b, b / a))
print("   PostgreSQL through a role without password (trust): top key %.1f ms, key on 1 host %.1f ms"
      % (med("postgresql-trust top"), med("postgresql-trust one")))
print("   for scale: keys scan of one host %.1f ms, keyward --version %.1f ms"
      % (med("keys scan host0"), med("keyward --version")))
def pg_exec(f):
    m = re.search(r"Execution Time: ([\d.]+) ms", rd(f))
    return float(m.group(1)) if m else float("nan")
def sq_exec(f):
    try:
        return float(rd(f))
    except ValueError:
        return float("nan")
print("   the SQL alone (no process, no output): top key SQLite %.1f ms, PostgreSQL %.1f ms"
      " (%.1f after ANALYZE); shared-by SQLite %.1f ms, PostgreSQL %.1f ms (%.1f after ANALYZE)"
      % (sq_exec("time-sqlite-key.txt"), pg_exec("plan-pg-key.txt"), pg_exec("plan-pg-key-analyzed.txt"),
         sq_exec("time-sqlite-shared.txt"), pg_exec("plan-pg-shared.txt"), pg_exec("plan-pg-shared-analyzed.txt")))
st = {l.split("|")[0]: l.split("|")[2] for l in rd("pg-stats.txt").split("\n") if l.count("|") >= 3}
print("   PostgreSQL's statistics when the queries ran: keys last analyzed by autovacuum %s, host_latest %s"
      % (st.get("keys", "?")[:19], st.get("host_latest", "?")[:19]))

print()
print("3. size on disk")
print("   SQLite: %.1f MB file + %.1f MB WAL  (%s)" % (sq_main / MB, sq_wal / MB, ", ".join(
    "%s %.1f" % (l.split("|")[0], int(l.split("|")[1]) / MB) for l in rd("sqlite-sizes.txt").split("\n")[:6] if "|" in l)))
pg = [l.split("|") for l in rd("pg-sizes.txt").split("\n") if l]
print("   PostgreSQL: %.1f MB in the keyward tables with their indexes (%s); pg_wal %.0f MB"
      % (sum(int(r[1]) for r in pg) / MB, ", ".join("%s %.1f" % (r[0], int(r[1]) / MB) for r in pg), pg_wal / MB))
print("   per host: SQLite %.1f KB, PostgreSQL %.1f KB" % (sq_main / hosts / 1024, sum(int(r[1]) for r in pg) / hosts / 1024))

if cg:
    def ir(label, fn=None):
        t = rd("callgrind-%s.txt" % label)
        if fn is None:
            m = re.search(r"^\s*([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", t, re.M)
        else:   # LTO's copies: name.constprop.0, name.lto_priv.0
            m = re.search(r"^\s*([\d,]+) \([\d. ]+%\)\s+\S*:" + re.escape(fn) + r"(\.\S+)? ", t, re.M)
        return int(m.group(1).replace(",", "")) if m else None
    print()
    print("4. callgrind: instructions of keyward's process, one snapshot of host0 with %d hosts stored" % hosts)
    scan = ir("scan")
    for b, what in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        tot = ir(b)
        parts = []
        for fn in ("kw_db_open", "PQconnectdbParams", "kw_keystore_save"):
            v = ir(b, fn)
            if v is not None:
                parts.append("%s %.2f M" % (fn, v / 1e6))
        op = ir(b, "kw_db_open")
        rest = "; the rest (saving, committing, closing) %.2f M" % ((tot - scan - op) / 1e6) if op else ""
        print("   %-11s %7.2f M in all; minus keys scan of the host (%.2f M): %.2f M%s%s"
              % (what, tot / 1e6, scan / 1e6, (tot - scan) / 1e6, ("; " + ", ".join(parts)) if parts else "", rest))
        hmac = sum(ir(b, f) or 0 for f in ("HMAC_Init_ex", "HMAC_Update", "HMAC_Final"))
        if hmac:
            print("   %-11s of which HMAC (libpq's SCRAM-SHA-256: PBKDF2, 4096 rounds): %.2f M" % ("", hmac / 1e6))

st = [l for l in rd("strace-sqlite.txt").split("\n") if "ENOENT" not in l]
syncs = [l for l in st if re.search(r"\b(fsync|fdatasync)\(", l)]
unl = [re.search(r'"([^"]*)"', l).group(1) for l in st if re.search(r"\bunlink(at)?\(", l)]
created = [re.search(r'"([^"]*)"', l).group(1) for l in st if "O_CREAT" in l and re.search(r"\.db-(wal|shm)", l)]
print("   SQLite, the disk (strace of one more snapshot): %d fsync/fdatasync calls, creates %s, removes %s"
      % (len(syncs), ", ".join(os.path.basename(x) for x in created) or "nothing",
         ", ".join(os.path.basename(x) for x in unl) or "nothing"))

if history:
    hres = {r["command"]: r for r in json.load(open(os.path.join(R, "history.json")))["results"]}
    def hmed(name):
        return statistics.median(hres[name]["times"]) * 1e3
    sz = [int(x) for x in rd("history-sizes.txt").split()]
    print()
    print("5. history: %d snapshots of every host (the newest as loaded, %d older copies: what a daily"
          " timer leaves after %d days without --keep); medians of %d runs, ms"
          % (history + 1, history, history + 1, len(hres["sqlite top"]["times"])))
    print("   %-28s %10s %12s %8s" % ("question", "SQLite", "PostgreSQL", "PG/SQLite"))
    for q, what in (("top", "--key, the top key"), ("shared-by 50", "--shared-by 50")):
        a, b = hmed("sqlite " + q), hmed("postgresql " + q)
        print("   %-28s %10.1f %12.1f %8.2f   (x%.1f and x%.1f the single-snapshot time)"
              % (what, a, b, b / a, a / med("sqlite " + q), b / med("postgresql " + q)))
    print("   size: SQLite %.0f MB, PostgreSQL %.0f MB" % (sz[0] / MB, sz[1] / MB))
PY
echo
echo "(details in $R: per-snapshot times, hyperfine's JSON, sizes, plans, callgrind)"
