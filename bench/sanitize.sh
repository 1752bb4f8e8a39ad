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
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
W=${1:-/tmp/keyward-bench-sanitize}
FILES=${BENCH_FILES:-200000}
TMPFILES=${BENCH_TMP_FILES:-20000}
RUNS=${BENCH_RUNS:-3}

if [ ! -f "$W/tree.done" ]; then
	echo "building a $FILES-file image tree in $W/tree ..."
	rm -rf "$W"
	mkdir -p "$W"
	bench_tree "$W/tree" "$FILES" "$TMPFILES"
	touch "$W/tree.done"
fi
nfiles=$(find "$W/tree" -xdev -type f | wc -l)
echo "tree: $nfiles files"


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

dry=$(bench_mean "$W/dry.json" 0)
apply=$(bench_mean "$W/apply.json" 0)
undo=$(bench_mean "$W/undo.json" 0)
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
	vs=$(bench_mean "$W/sysprep.json" 0)
	printf '  virt-sysprep -a (defaults) %8.3f s  -> keyward apply is %.1fx faster\n' "$vs" \
		"$(python3 -c "print($vs / $apply)")"
else
	echo "virt-sysprep is not installed (package guestfs-tools): no comparison run"
fi
