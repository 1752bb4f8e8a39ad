#!/usr/bin/env bash
# bench/sanitize.sh — how long `keyward sanitize` takes on a large image tree, and its undo.
#
#   an image tree of ~200,000 files (BENCH_FILES; the dirty fixture plus filler, with
#   BENCH_TMP_FILES of them under /tmp and /var/tmp as build leftovers):
#     keyward sanitize --root T                 dry run (plan + diffs)
#     keyward sanitize --root T --apply         journaled apply (fresh copy each run)
#     keyward undo JOURNAL                      restore (after each apply)
#   and, when virt-sysprep is installed (package guestfs-tools), the same tree as a raw
#   ext4 disk made with virt-make-fs, cleaned by `virt-sysprep -a disk.img` (its default
#   operations, TCG appliance): the tool a user would otherwise run. The ratio printed is
#   virt-sysprep time / keyward apply time on the same content.
#
# Usage: bench/sanitize.sh [WORKDIR]   (default /tmp/keyward-bench-sanitize; reused)
# Needs: build-release/keyward (built here), hyperfine. Runs as root (the tree has
# root-owned files, like an image).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap bench
[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release -Dtests=false >/dev/null
ninja -C build-release >/dev/null
KW=$PWD/build-release/keyward
W=${1:-/tmp/keyward-bench-sanitize}
FILES=${BENCH_FILES:-200000}
TMPFILES=${BENCH_TMP_FILES:-20000}
RUNS=${BENCH_RUNS:-3}
export KEYWARD_NO_PROGRESS=1

if [ ! -f "$W/tree.done" ]; then
	echo "building a $FILES-file image tree in $W/tree ..."
	rm -rf "$W"
	mkdir -p "$W"
	bash tests/integration/mkimage.sh dirty "$W/tree" "$PWD"
	python3 - "$W/tree" "$FILES" "$TMPFILES" <<'PY'
import os, random, sys
root, n, ntmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(42)
words = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor\n"
made = 0
tops = ["usr/share/doc", "usr/lib/python3", "var/lib/app", "opt/vendor", "srv/www"]
per_top = (n - ntmp) // len(tops)
for top in tops:
    for d in range(per_top // 100):
        p = os.path.join(root, top, "d%04d" % d)
        os.makedirs(p, exist_ok=True)
        for f in range(100):
            with open(os.path.join(p, "f%03d.txt" % f), "wb") as fh:
                fh.write(words * random.randint(1, 40))
            made += 1
for i in range(ntmp // 100):
    p = os.path.join(root, "tmp" if i % 2 else "var/tmp", "build%03d" % i)
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        with open(os.path.join(p, "o%03d.o" % f), "wb") as fh:
            fh.write(words * random.randint(1, 10))
        made += 1
print("made", made, "files")
PY
	touch "$W/tree.done"
fi
nfiles=$(find "$W/tree" -xdev -type f | wc -l)
echo "tree: $nfiles files"

mean() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print("%.3f" % r[int(sys.argv[2])]["mean"])' "$1" "$2"; }

# one apply to count what is touched
rm -rf "$W/work" "$W/j"
cp -a "$W/tree" "$W/work"
"$KW" sanitize --root "$W/work" --apply --no-audit -q --journal "$W/j" > "$W/apply.out"
changes=$(grep -oE '^[0-9]+ changes? made' "$W/apply.out" | grep -oE '^[0-9]+')
entries=$(ls "$W/j" | grep -c '\.meta$')
jsize=$(du -sh "$W/j" | cut -f1)
"$KW" undo "$W/j" > /dev/null

hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$W/dry.json" \
	"$KW sanitize --root $W/work --no-audit -q" >/dev/null
# apply and undo on a fresh copy each time (the copy is not timed)
hyperfine --runs "$RUNS" --export-json "$W/apply.json" \
	--prepare "rm -rf $W/work $W/j && cp -a $W/tree $W/work" \
	"$KW sanitize --root $W/work --apply --no-audit -q --journal $W/j" >/dev/null
hyperfine --runs "$RUNS" --export-json "$W/undo.json" \
	--prepare "rm -rf $W/work $W/j && cp -a $W/tree $W/work && $KW sanitize --root $W/work --apply --no-audit -q --journal $W/j" \
	"$KW undo $W/j" >/dev/null

dry=$(mean "$W/dry.json" 0)
apply=$(mean "$W/apply.json" 0)
undo=$(mean "$W/undo.json" 0)
echo
echo "sanitize on $nfiles files: $changes actions, $entries journal entries ($jsize journal)"
printf '  dry run   %8.3f s\n  apply     %8.3f s\n  undo      %8.3f s\n' "$dry" "$apply" "$undo"

if command -v virt-sysprep >/dev/null && command -v virt-make-fs >/dev/null; then
	echo "virt-sysprep found: making a raw ext4 disk of the same tree ..."
	rm -f "$W/disk.img"
	printf '/dev/sda / ext4 defaults 0 1\n' > "$W/tree/etc/fstab"
	mkdir -p "$W/tree/bin"
	# ext4 makes one inode per 16 KiB: size the (sparse) disk for the file count
	virt-make-fs --format=raw --type=ext4 --size=+$((nfiles * 18 / 1000))M "$W/tree" "$W/disk.img"
	cp "$W/disk.img" "$W/disk.orig"
	export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}
	hyperfine --runs 1 --export-json "$W/sysprep.json" \
		--prepare "cp $W/disk.orig $W/disk.img" \
		"virt-sysprep --format raw -a $W/disk.img -q" >/dev/null
	vs=$(mean "$W/sysprep.json" 0)
	printf '  virt-sysprep -a (defaults) %8.3f s  -> keyward apply is %.1fx faster\n' "$vs" \
		"$(python3 -c "print($vs / $apply)")"
else
	echo "virt-sysprep is not installed (package guestfs-tools): no comparison run"
fi
