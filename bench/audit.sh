#!/usr/bin/env bash
# bench/audit.sh — how fast `keyward audit` is, against the tools a user would otherwise
# run on the same input, in one run, as ratios (the machine is shared and noisy: only
# ratios measured side by side mean anything).
#
#   1. an image tree of ~200,000 files (BENCH_FILES) with a few secrets in it:
#        keyward audit --root T          the default, targeted audit (target: well < 1 s)
#        keyward audit --root T --deep   vs  find T -xdev -type f | wc -l   (target <= 1.5x)
#                                        vs  grep -rlI -- '-----BEGIN' T    (target <= 1x)
#   2. the same tree plus ~1 GB of incompressible data as a .tar.gz (BENCH_TAR_MB):
#        keyward audit --image T.tar.gz  vs  tar -tzf T.tar.gz  (throughput target >= 0.8x)
#
# Usage: bench/audit.sh [WORKDIR]   (default /tmp/keyward-bench; reused if present)
# Needs: a built build-release/keyward (scripts/audit-this-host builds it), hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
W=${1:-/tmp/keyward-bench}
FILES=${BENCH_FILES:-200000}
TAR_MB=${BENCH_TAR_MB:-1000}

if [ ! -f "$W/tree.done" ]; then
	echo "building a $FILES-file image tree in $W/tree ..."
	rm -rf "$W"
	mkdir -p "$W"
	bench_tree "$W/tree" "$FILES"
	cp tests/data/keys/deploy_pem "$W/tree/srv/www/d0007/leaked.key"
	touch "$W/tree.done"
fi
if [ ! -f "$W/tar.done" ]; then
	echo "building a ~${TAR_MB} MB tar.gz ..."
	mkdir -p "$W/tree/var/lib/blobs"
	# real binaries, so the gzip stream compresses like a root file system does
	# (random bytes would be stored uncompressed and make decompression look free)
	find /usr/lib /usr/bin -xdev -type f -size +100k 2>/dev/null | head -2000 | xargs cat 2>/dev/null \
		| head -c 100M > "$W/blob.src" || true
	for i in $(seq 1 $((TAR_MB / 100))); do
		cp "$W/blob.src" "$W/tree/var/lib/blobs/blob$i.bin"
		printf '%d' "$i" >> "$W/tree/var/lib/blobs/blob$i.bin"
	done
	rm -f "$W/blob.src"
	tar -C "$W/tree" -czf "$W/image.tar.gz" .
	rm -rf "$W/tree/var/lib/blobs"
	touch "$W/tar.done"
fi

nfiles=$(find "$W/tree" -xdev -type f | wc -l)
size=$(du -m "$W/image.tar.gz" | cut -f1)
echo "tree: $nfiles files; tarball: ${size} MB"

run() { # name json-out commands...
	local out=$1
	shift
	hyperfine -N --warmup 1 --runs "${BENCH_RUNS:-5}" --ignore-failure --export-json "$out" "$@" >/dev/null
}

run "$W/walk.json" \
	"$KW audit --root $W/tree --format json --output /dev/null" \
	"$KW audit --root $W/tree --deep --format json --output /dev/null" \
	"bash -c 'find $W/tree -xdev -type f | wc -l'" \
	"grep -rlI -- -----BEGIN $W/tree"
t_audit=$(bench_mean "$W/walk.json" 0)
t_deep=$(bench_mean "$W/walk.json" 1)
t_find=$(bench_mean "$W/walk.json" 2)
t_grep=$(bench_mean "$W/walk.json" 3)

run "$W/tar.json" \
	"$KW audit --image $W/image.tar.gz --format json --output /dev/null" \
	"tar -tzf $W/image.tar.gz"
t_tar_kw=$(bench_mean "$W/tar.json" 0)
t_tar=$(bench_mean "$W/tar.json" 1)

python3 - "$t_audit" "$t_deep" "$t_find" "$t_grep" "$t_tar_kw" "$t_tar" "$nfiles" "$size" <<'PY'
import sys
a, d, f, g, tk, t = map(float, sys.argv[1:7])
n, mb = int(sys.argv[7]), int(sys.argv[8])
print()
print("keyward audit (targeted)      %8.3f s   target: well under 1 s" % a)
print("keyward audit --deep          %8.3f s   %d files" % (d, n))
print("find -xdev -type f | wc -l    %8.3f s   deep/find = %.2fx (target <= 1.5x)" % (f, d / f))
print("grep -rlI -- -----BEGIN       %8.3f s   deep/grep = %.2fx (target <= 1x)" % (g, d / g))
print("keyward audit --image tar.gz  %8.3f s   %.0f MB/s" % (tk, mb / tk))
print("tar -tzf                      %8.3f s   %.0f MB/s; throughput keyward/tar = %.2fx (target >= 0.8x)" % (t, mb / t, t / tk))
PY
