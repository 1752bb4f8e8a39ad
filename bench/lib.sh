# bench/lib.sh — what the benchmark scripts share (sourced from the repository root):
# set-up (packages, a release build, $KW), the synthetic image tree and hyperfine means.

# Install the bench packages, build build-release (optimised, link-time optimisation: the
# way a package would be built) and set KW to its keyward.
bench_setup() {
	scripts/bootstrap bench
	[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release -Dtests=false -Db_lto=true >/dev/null
	meson configure build-release -Db_lto=true >/dev/null
	local log
	log=$(ninja -C build-release 2>&1) || { printf '%s\n' "$log" >&2; echo "bench: build failed" >&2; exit 1; }
	KW=$PWD/build-release/keyward
	export KEYWARD_NO_PROGRESS=1
}

# bench_workdir DEFAULT_DIR DEFAULT_RUNS (after bench_setup): W, the work folder (the
# script's first argument, else DEFAULT_DIR), made and absolute; RUNS, $BENCH_RUNS or
# DEFAULT_RUNS. The script passes "$@" after them.
bench_workdir() {
	W=${3:-$1}
	RUNS=${BENCH_RUNS:-$2}
	mkdir -p "$W"
	W=$(cd "$W" && pwd)
}

# bench_tree DIR FILES [TMPFILES]: the dirty fixture image plus FILES-TMPFILES filler
# files in five top folders (100 per folder, fixed seed) and TMPFILES build leftovers
# split between /tmp and /var/tmp.
bench_tree() {
	bash tests/integration/mkimage.sh dirty "$1" "$PWD"
	python3 - "$1" "$2" "${3:-0}" <<'PY'
import os, random, sys
root, n, ntmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(42)
words = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor\n"
made = 0
def fill(p, count, name, reps):
    global made
    os.makedirs(p, exist_ok=True)
    for f in range(count):
        with open(os.path.join(p, name % f), "wb") as fh:
            fh.write(words * random.randint(1, reps))
        made += 1
for top in ("usr/share/doc", "usr/lib/python3", "var/lib/app", "opt/vendor", "srv/www"):
    for d in range((n - ntmp) // 5 // 100):
        fill(os.path.join(root, top, "d%04d" % d), 100, "f%03d.txt", 40)
for i in range(ntmp // 100):
    fill(os.path.join(root, "tmp" if i % 2 else "var/tmp", "build%03d" % i), 100, "o%03d.o", 10)
print("made", made, "files")
PY
}

# bench_cloud_exports DIR: the cloud exports of bench/gen_cloud.py (fixed seed) in DIR,
# generated again only when the generator changed since (bench/cloud.sh, bench/reports.sh).
bench_cloud_exports() {
	local stamp
	stamp=$(sha256sum bench/gen_cloud.py | cut -c1-16)
	if [ "$(cat "$1/.generated" 2>/dev/null)" != "$stamp" ]; then
		echo "generating the exports in $1 (fixed seed) ..."
		rm -f "$1/.generated"
		python3 bench/gen_cloud.py "$1"
		echo "$stamp" >"$1/.generated"
	fi
}

# bench_mean FILE.json INDEX: the mean time of hyperfine's result INDEX, in seconds.
bench_mean() {
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print("%.4f" % r[int(sys.argv[2])]["mean"])' "$1" "$2"
}
