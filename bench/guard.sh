#!/usr/bin/env bash
# bench/guard.sh — `keyward guard` against fail2ban, sshguard, grep and wc on one generated
# auth.log: speed, memory and what each detects.
#
#   the log: bench/gen_authlog.py -n BENCH_LINES (default 1,000,000) --seed 1
#   --injection-victims 5 (five addresses that appear only inside hostile user names),
#   with --labels and --stats (the truth bench/score.py scores against).
#
#   speed (lines/s, hyperfine -N --output=pipe: output goes through a pipe, as a reader
#   would consume it; GNU grep would stop at the first match with --output=null) and peak
#   RSS (/usr/bin/time -f %M, stdout to a pipe) of the commands below. The machine is
#   shared: its speed drifts by tens of percent over a minute. So the fast commands run in
#   three rounds (before sshg-parser, between sshg-parser and fail2ban, after fail2ban), and
#   each is scored by the median of all its runs; sshg-parser by the median of its runs,
#   fail2ban by its one run per mode. Ratios are of those figures.
#     keyward guard parse FILE                     every event as JSON
#     keyward guard --replay FILE --format json    parse + engine + report
#     fail2ban-regex -o ip FILE sshd.conf          normal and mode=aggressive (once each: ~25 s per 1M lines)
#     sshg-parser < FILE                           sshguard's parser
#     grep -c 'Failed password' FILE
#     wc -l FILE
#   ratios keyward/fail2ban (target >= 200), keyward/sshg-parser (>= 10), keyward/grep (>= 0.25);
#   detection (bench/score.py): attackers found, legitimate clients, injection victims and
#   the server's own addresses flagged, for keyward --mode aggressive and normal (its
#   default rules '*:10/1h,30/1d' on log time, and '*:1/30d' = any counted failure),
#   fail2ban normal / aggressive (any failure, and maxretry 5) and sshguard (any attack,
#   and THRESHOLD 30); time windows of fail2ban and sshguard are not applied, so their
#   "any" rows compare with keyward's "any failure" rows.
#
# Every keyward row goes through the same functions as the other tools; while
# `keyward guard` is not in the build, those rows say so and the rest still runs.
#
# Usage: bench/guard.sh [WORKDIR]   (default /tmp/keyward-bench-guard; the log is reused)
# Env: BENCH_LINES (1000000), BENCH_RUNS (10, the fast commands), BENCH_SLOW_RUNS (3, sshg-parser).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
W=${1:-/tmp/keyward-bench-guard}
LINES=${BENCH_LINES:-1000000}
RUNS=${BENCH_RUNS:-10}
SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
SSHG=/usr/libexec/sshguard/sshg-parser
F2B=/etc/fail2ban/filter.d/sshd.conf
mkdir -p "$W"
LOG=$W/auth-$LINES.log
LABELS=$W/auth-$LINES.tsv
STATS=$W/auth-$LINES.json
R=$W/results
rm -rf "$R"
mkdir -p "$R"

genkey="$LINES $(md5sum < bench/gen_authlog.py)"
if [ ! -s "$LOG" ] || [ "$(cat "$W/auth-$LINES.key" 2>/dev/null)" != "$genkey" ]; then
	echo "generating $LINES lines ..."
	t0=$(date +%s.%N)
	python3 bench/gen_authlog.py -n "$LINES" --seed 1 --injection-victims 5 \
		-o "$LOG" --labels "$LABELS" --stats "$STATS"
	t1=$(date +%s.%N)
	echo "$genkey" > "$W/auth-$LINES.key"
	python3 -c "print('generated in %.1f s' % ($t1 - $t0))"
fi
python3 - "$LOG" "$STATS" <<'PY'
import hashlib, json, os, sys
log, st = sys.argv[1], json.load(open(sys.argv[2]))
h = hashlib.md5()
with open(log, "rb") as f:
    for b in iter(lambda: f.read(1 << 20), b""):
        h.update(b)
print("log: %s, %d lines, %.1f MB (md5 %s), %d attack lines, %d attackers, %d legitimate clients, "
      "%d injection victims, %s .. %s" % (log, st["lines"], os.path.getsize(log) / 1e6, h.hexdigest(),
      st["attack_lines"], len(st["attackers"]), len(st["legit"]), len(st["victims"]), st["first"], st["last"]))
PY

# keyward guard present in this build?
: > "$R/empty.log"
KW_OK=0
if "$KW" guard parse "$R/empty.log" > /dev/null 2>&1; then
	KW_OK=1
else
	echo "note: '$KW guard' is not in this build: keyward rows are marked n/a"
fi

# speed NAME RUNS MODE CMD [ROUND]: hyperfine (MODE: -N = no shell, sh = through sh for
# '<'); writes $R/NAME[.ROUND].json; marks it failed when the command does not run
speed() {
	local name=$1${5:+.$5} runs=$2 mode=$3 cmd=$4 nflag=()
	[ "$mode" = -N ] && nflag=(-N)
	if ! hyperfine "${nflag[@]}" -i --output=pipe --warmup 1 --runs "$runs" \
		--export-json "$R/$name.json" "$cmd" > "$R/$name.hf" 2>&1; then
		echo "  $name: hyperfine failed (see $R/$name.hf)"
		rm -f "$R/$name.json"
	fi
}
# rss NAME CMD...: peak RSS in KiB of CMD (stdin /dev/null unless RSS_IN is set), stdout to a pipe
rss() {
	local name=$1
	shift
	/usr/bin/time -f '%M %e' -o "$R/$name.rss" "$@" < "${RSS_IN:-/dev/null}" | cat > /dev/null || true
}

# fast_round K: wc, grep and keyward, RUNS runs each
fast_round() {
	speed wc "$RUNS" -N "wc -l $LOG" "$1"
	speed grep "$RUNS" -N "grep -c 'Failed password' $LOG" "$1"
	if [ "$KW_OK" = 1 ]; then
		speed kw-parse "$RUNS" -N "$KW guard parse $LOG" "$1"
		speed kw-replay "$RUNS" -N "$KW guard --replay $LOG --format json" "$1"
	fi
}

echo "timing (hyperfine: 3 rounds of $RUNS runs of the fast commands; sshg-parser $SLOW_RUNS; fail2ban once per mode) ..."
fast_round 1
rss wc wc -l "$LOG"
rss grep grep -c 'Failed password' "$LOG"
speed sshg "$SLOW_RUNS" sh "$SSHG < $LOG"
RSS_IN=$LOG rss sshg "$SSHG"
"$SSHG" < "$LOG" > "$R/sshg.out"
fast_round 2
if [ "$KW_OK" = 1 ]; then
	rss kw-parse "$KW" guard parse "$LOG"
	rss kw-replay "$KW" guard --replay "$LOG" --format json
	for m in aggressive normal; do
		"$KW" guard --replay "$LOG" --format json --mode "$m" > "$R/kw-$m.json" || [ $? -eq 1 ]
		"$KW" guard --replay "$LOG" --format json --mode "$m" --rules '*:1/30d' \
			> "$R/kw-$m-any.json" || [ $? -eq 1 ]
	done
	# a setting for real use: two attempts in 30 days, a login clears the window (so a
	# client that mistypes once and then logs in is never banned)
	printf 'host_rule = *:2/30d\nreset_on_success = yes\n' > "$R/two.conf"
	"$KW" guard --replay "$LOG" --format json --config "$R/two.conf" > "$R/kw-two.json" || [ $? -eq 1 ]
fi
for m in normal aggressive; do
	filter=$F2B
	[ "$m" = aggressive ] && filter="${F2B}[mode=aggressive]"
	/usr/bin/time -f '%M %e' -o "$R/f2b-$m.rss" fail2ban-regex -o ip "$LOG" "$filter" > "$R/f2b-$m.ip"
done
fast_round 3

python3 - "$R" "$LINES" "$KW_OK" <<'PY'
import glob, json, os, statistics, sys
R, lines, kw_ok = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
def hf(name):
    """median, lowest and highest of every run of NAME, over all its rounds"""
    times = []
    for p in [os.path.join(R, name + ".json")] + sorted(glob.glob(os.path.join(R, name + ".[0-9].json"))):
        if os.path.exists(p):
            times += json.load(open(p))["results"][0]["times"]
    if not times:
        return None
    return statistics.median(times), min(times), max(times), len(times)
def rss(name):
    p = os.path.join(R, name + ".rss")
    try:   # the last line; time writes "Command exited with non-zero status N" first
        f = open(p).read().strip().split("\n")[-1].split()
        return int(f[0]) / 1024.0, float(f[1])
    except (OSError, ValueError, IndexError):
        return None
rows = [("wc", "wc -l FILE"), ("grep", "grep -c 'Failed password' FILE"),
        ("kw-parse", "keyward guard parse FILE"), ("kw-replay", "keyward guard --replay FILE --format json"),
        ("sshg", "sshg-parser < FILE"), ("f2b-normal", "fail2ban-regex -o ip FILE sshd.conf"),
        ("f2b-aggressive", "fail2ban-regex -o ip FILE 'sshd.conf[mode=aggressive]'")]
mean = {}
print()
print("%-52s %5s %24s %12s %10s %10s" % ("command (%d lines)" % lines, "runs", "median (min .. max) s", "lines/s", "vs wc -l", "peak RSS"))
for key, label in rows:
    t, m = hf(key), rss(key)
    if key.startswith("f2b") and m:
        t = (m[1], m[1], m[1], 1)
    if t is None:
        why = "n/a (keyward guard not built)" if key.startswith("kw") and not kw_ok else "n/a (failed)"
        print("%-52s %5s %22s" % (label, "-", why))
        continue
    mean[key] = t[0]
    lps = lines / t[0] if t[0] > 0 else float("inf")
    vs = "%.4f" % (mean["wc"] / t[0]) if "wc" in mean and t[0] > 0 else "-"
    print("%-52s %5d %24s %12s %10s %10s" % (label, t[3], "%.4f (%.4f .. %.4f)" % (t[0], t[1], t[2]),
          "{:,.0f}".format(lps), vs, "%.1f MB" % m[0] if m else "-"))
print()
print("ratios (lines/s of keyward / lines/s of the other; higher is better)")
targets = (("f2b-normal", "fail2ban-regex -o ip (normal)", 200.0), ("sshg", "sshg-parser", 10.0), ("grep", "grep -c", 0.25))
for kk, kl in (("kw-parse", "keyward guard parse"), ("kw-replay", "keyward guard --replay")):
    for ok, ol, target in targets:
        if kk in mean and ok in mean:
            r = mean[ok] / mean[kk]
            print("  %-24s / %-30s %10.2f   target >= %-6g %s" % (kl, ol, r, target, "met" if r >= target else "NOT MET"))
        else:
            print("  %-24s / %-30s %10s   target >= %g" % (kl, ol, "n/a", target))
PY

echo
echo "detection on the same log (bench/score.py; whole-log counts, no time windows):"
runs=()
if [ "$KW_OK" = 1 ]; then
	runs+=(--run "keyward aggressive, default rules=keyward:$R/kw-aggressive.json"
	       --run "keyward normal, default rules=keyward:$R/kw-normal.json"
	       --run "keyward aggressive, any failure=keyward:$R/kw-aggressive-any.json"
	       --run "keyward normal, any failure=keyward:$R/kw-normal-any.json"
	       --run "keyward aggressive, 2/30d + reset on login=keyward:$R/kw-two.json")
fi
runs+=(--run "fail2ban normal, any failure=f2b:$R/f2b-normal.ip"
       --run "fail2ban normal, maxretry 5=f2b:$R/f2b-normal.ip:5"
       --run "fail2ban aggressive, any failure=f2b:$R/f2b-aggressive.ip"
       --run "fail2ban aggressive, maxretry 5=f2b:$R/f2b-aggressive.ip:5"
       --run "sshguard, any attack=sshg:$R/sshg.out"
       --run "sshguard, THRESHOLD 30=sshg:$R/sshg.out:30")
python3 bench/score.py --stats "$STATS" "${runs[@]}"
[ "$KW_OK" = 1 ] || echo "(keyward rows n/a: '$KW guard' is not in this build)"
