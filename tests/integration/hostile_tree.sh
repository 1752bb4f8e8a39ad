#!/usr/bin/env bash
# hostile_tree.sh KEYWARD SRCROOT — an image root that tries to make keyward read outside
# it: absolute and relative symlinks to a canary directory, a symlinked intermediate
# directory, a home that is a symlink to /etc, symlink loops, a FIFO and a device node
# where files are expected, hostile file names. An inotify watch on the canary must stay
# silent, the canary's key must never be reported, and nothing may hang or crash.
source "$(dirname "$0")/lib.sh"
R=$TMP/root
C=$TMP/canary
[ -n "$TMP" ] && [ -d "$TMP" ] || { echo "no temp dir"; exit 1; }
bash "$SRC/tests/integration/mkimage.sh" clean "$R" "$SRC"
mkdir -p "$C/.ssh"
cp "$SRC/tests/data/keys/canary.pub" "$C/.ssh/authorized_keys"
cp "$SRC/tests/data/keys/canary.pub" "$C/authorized_keys"
echo 'canary-history-line' > "$C/.bash_history"
printf 'root:$6$canary$canarycanarycanary:19700:0:99999:7:::\n' > "$C/shadow"
CANARY_FP=$(ssh-keygen -lf "$C/authorized_keys" | awk '{print $2}')

{
	echo "abs:x:2001:2001::/home/abs:/bin/bash"
	echo "rel:x:2002:2002::/home/rel:/bin/bash"
	echo "mid:x:2003:2003::/home/mid:/bin/bash"
	echo "etc:x:2004:2004::/home/etc:/bin/bash"
	echo "loop:x:2005:2005::/home/loop:/bin/bash"
	echo "fifo:x:2006:2006::/home/fifo:/bin/bash"
	echo "dev:x:2007:2007::/home/dev:/bin/bash"
	echo "outside:x:2008:2008::$C:/bin/bash"
	echo "dotdot:x:2009:2009::/../../../../..$C:/bin/bash"
} >> "$R/etc/passwd"
ln -s "$C" "$R/home/abs"                                   # absolute link to the canary
ln -s "../../../../../../../../..$C" "$R/home/rel"         # relative escape
mkdir -p "$R/home/mid"
ln -s "$C" "$R/home/mid/.ssh"                              # symlinked intermediate directory
ln -s /etc "$R/home/etc"                                   # home is the image's /etc
ln -s loop "$R/home/loop"                                  # loop
mkdir -p "$R/home/fifo/.ssh" "$R/home/dev/.ssh"
mkfifo "$R/home/fifo/.bash_history" "$R/home/fifo/.ssh/authorized_keys"
mknod "$R/home/dev/.bash_history" c 1 3
mknod "$R/home/dev/.ssh/authorized_keys" c 1 5
mkdir -p "$R/root/.ssh"
ln -s "$C/authorized_keys" "$R/root/.ssh/authorized_keys"  # absolute file link
ln -s /etc/shadow "$R/root/.bash_history"                  # resolves to the IMAGE's shadow
ln -s a "$R/tmp/b"
ln -s b "$R/tmp/a"
mkdir -p "$R/srv/$(printf 'name\nwith\033[2Jescape')"
touch "$R/srv/$(printf 'bad\xff\xfeutf8')"

inotifywait -m -r -q -e open,access --format '%w%f %e' "$C" > "$TMP/inotify.log" 2>/dev/null &
IW=$!
sleep 0.5
timeout 60 "$KW" audit --root "$R" --format json --output "$TMP/h.json"
rc=$?
timeout 60 "$KW" audit --root "$R" --deep --no-color > "$TMP/h.txt" 2>&1
rc2=$?
tar -C "$R" -cf "$TMP/h.tar" . 2>/dev/null
timeout 60 "$KW" audit --image "$TMP/h.tar" --deep --format json --output "$TMP/ht.json"
rc3=$?
sleep 0.5
kill "$IW" 2>/dev/null
wait "$IW" 2>/dev/null

expect "the audit of a hostile root finishes (no hang, no crash)" bash -c "[ $rc -le 3 ]"
expect "the deep audit of a hostile root finishes" bash -c "[ $rc2 -le 3 ]"
expect "the tar audit of the hostile root finishes" bash -c "[ $rc3 -le 3 ]"
expect "nothing in the canary directory was opened or read (inotify)" test ! -s "$TMP/inotify.log"
for f in "$TMP/h.json" "$TMP/h.txt" "$TMP/ht.json"; do
	expect "the canary key is not reported in ${f##*/}" bash -c "! grep -qF -- '$CANARY_FP' '$f'"
	expect "the canary history is not reported in ${f##*/}" bash -c "! grep -q 'canary-history' '$f'"
done
expect "a home symlinked to /etc is the image's /etc (the clean image has no host keys)" \
	bash -c "! grep -q 'ssh_host_' '$TMP/h.json'"
expect "/root/.bash_history -> /etc/shadow is reported as a symlinked history" \
	grep -q 'the name is a symlink' "$TMP/h.json"
expect "FIFOs and devices where files are expected are refused, not opened" \
	grep -q 'not a regular file' "$TMP/h.txt"
expect "no raw escape sequence from file names reaches the output" bash -c "! grep -q $'\033' '$TMP/h.txt'"
cat "$TMP/inotify.log"
finish
