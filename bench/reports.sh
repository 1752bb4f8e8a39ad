#!/usr/bin/env bash
# bench/reports.sh — what the shared report formats cost on a large finding list.
#
# Input: the AWS exports of bench/cloud.sh (bench/gen_cloud.py, fixed seed: 200,000 rules,
# thousands of findings). Three ways to get JSON, SARIF, JUnit, Markdown and HTML:
#   json       one run, JSON only (the baseline: reading and judging the exports)
#   --report   one run writing all five (--format json plus four --report files)
#   5 runs     one run per format, what a user does without --report
# Prints each mean, the size of each report, and the ratios.
# Usage: bench/reports.sh [WORKDIR]   (default /tmp/keyward-bench-cloud; inputs reused)
# Env: BENCH_RUNS (5)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
bench_workdir /tmp/keyward-bench-cloud 5 "$@"
bench_cloud_exports "$W"
O=$W/reports
rm -rf "$O"
mkdir -p "$O"
IN="$W/aws-sg.json $W/aws-instances.json"
one="$KW cloud $IN --format json --output $O/r.json"
all="$one --report sarif=$O/r.sarif --report junit=$O/r.xml --report markdown=$O/r.md --report html=$O/r.html"
five="for f in json sarif junit markdown html; do $KW cloud $IN --format \$f --output $O/five.\$f; done"
hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$O/h1.json" "$one" "$all" >/dev/null
hyperfine --runs "$RUNS" --export-json "$O/h2.json" "$five" >/dev/null
t1=$(bench_mean "$O/h1.json" 0)
t2=$(bench_mean "$O/h1.json" 1)
t5=$(bench_mean "$O/h2.json" 0)
nf=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$O/r.json")
echo "findings: $nf"
for f in r.json r.sarif r.xml r.md r.html; do printf '  %-8s %8d KiB\n' "$f" $(( $(stat -c %s "$O/$f") / 1024 )); done
printf 'json only            %.3f s\n' "$t1"
printf 'json + 4 --report    %.3f s   (%.2fx the json-only run)\n' "$t2" "$(python3 -c "print($t2/$t1)")"
printf '5 runs, one a format %.3f s   (%.2fx the one --report run)\n' "$t5" "$(python3 -c "print($t5/$t2)")"
