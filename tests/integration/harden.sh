#!/bin/bash
# harden.sh — black-box tests of `keyward harden` on image roots made in /tmp: the dry
# run changes nothing, --apply writes a drop-in (or a block) and moduli.keyward, the real
# /usr/sbin/sshd accepts every config harden writes (sshd -t, run here independently of
# keyward in a private mount namespace with the image's /etc/ssh mounted over /etc/ssh)
# and sshd -T shows the hardened values; a second --apply does nothing; `keyward undo`
# restores the tree byte for byte; refusals (an algorithm sshd does not know, sshd's own
# rejection, the lock-out guard, a moduli filter that leaves nothing) write nothing.
. "$(dirname "$0")/lib.sh" "$@"
DATA=$SRC/tests/data/harden
KEYS=$SRC/tests/data/keys

if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/sshd ]; then
	echo "not ok - harden.sh needs root and /usr/sbin/sshd (scripts/bootstrap installs openssh-server)"
	exit 1
fi

# names, types, modes, owners, sizes, mtimes and contents of a tree: one hash
treehash() {
	(cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | sort &&
	 find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum
}

ssh-keygen -q -t ed25519 -N '' -C harden-test -f "$TMP/hk"

# The real sshd on an image's /etc/ssh, in a private mount namespace: ROOT SSHD-ARGS...
real_sshd() {
	local root=$1
	shift
	unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0/etc/ssh" /etc/ssh &&
		{ [ -d /run/sshd ] || { mount -t tmpfs tmpfs /run && mkdir /run/sshd; }; } &&
		exec /usr/sbin/sshd "$@"' "$root" "$@"
}
sshd_t() { real_sshd "$1" -t -f /etc/ssh/sshd_config -h "$TMP/hk"; }
sshd_T() { real_sshd "$1" -T -f /etc/ssh/sshd_config -h "$TMP/hk"; }

# A Debian 12 image: the packaged sshd_config and moduli, cloud-init's drop-in turning
# passwords on, and an admin with a good key (modes as sshd's StrictModes wants).
debian_image() {
	local img=$1
	bash "$SRC/tests/integration/mkimage.sh" clean "$img" "$SRC" >/dev/null
	cp /usr/share/openssh/sshd_config "$img/etc/ssh/sshd_config"
	cp "$SRC/tests/data/moduli/debian12.moduli" "$img/etc/ssh/moduli"
	printf 'PasswordAuthentication yes\n' > "$img/etc/ssh/sshd_config.d/50-cloud-init.conf"
	mkdir -p "$img/bin" "$img/home/admin/.ssh"
	printf '#!/bin/sh\n' > "$img/bin/bash"
	chmod 755 "$img/bin/bash"
	echo 'admin:x:1000:1000:Admin:/home/admin:/bin/bash' >> "$img/etc/passwd"
	echo 'admin:*:19700:0:99999:7:::' >> "$img/etc/shadow"
	echo 'admin:x:1000:' >> "$img/etc/group"
	cp "$KEYS/root_ed25519.pub" "$img/home/admin/.ssh/authorized_keys"
	chown -R 1000:1000 "$img/home/admin"
	chmod 755 "$img/home/admin"
	chmod 700 "$img/home/admin/.ssh"
	chmod 600 "$img/home/admin/.ssh/authorized_keys"
}

expect "harden --help has usage and examples" \
	bash -c '"$0" harden --help | grep -q "usage: keyward harden" && "$0" harden --help | grep -q "Examples:"' "$KW"
expect "an unknown option is a usage error (exit 2)" bash -c '"$0" harden --bogus >/dev/null 2>&1; [ $? -eq 2 ]' "$KW"

IMG=$TMP/img
debian_image "$IMG"
expect "the stock Debian image passes the real sshd -t before" sshd_t "$IMG"
H0=$(treehash "$IMG")

# ---- dry run
"$KW" harden --root "$IMG" > "$TMP/dry.out" 2> "$TMP/dry.err"; rc=$?
expect "dry run exits 0" [ "$rc" -eq 0 ]
expect "dry run shows the drop-in as a unified diff" \
	grep -qx '+++ b/etc/ssh/sshd_config.d/00-keyward-harden.conf' "$TMP/dry.out"
expect "dry run diff turns passwords off" grep -qx '+PasswordAuthentication no' "$TMP/dry.out"
expect "dry run names the drop-in it overrides" \
	grep -q 'overrides /etc/ssh/sshd_config.d/50-cloud-init.conf:1 (PasswordAuthentication yes)' "$TMP/dry.out"
expect "dry run says sshd -t accepted the staged result" grep -q 'validated: sshd -t accepts' "$TMP/dry.out"
expect "dry run: the guard found admin's key" grep -qE '^  yes  admin: ED25519 key SHA256:' "$TMP/dry.out"
expect "dry run says how to reload (image: nothing to reload)" grep -q 'image root: nothing to reload' "$TMP/dry.out"
expect "dry run changes nothing (tree hash equal)" [ "$H0" = "$(treehash "$IMG")" ]
expect "dry run leaves no staging folder behind" bash -c '! ls -d "$TMPDIR"/keyward-stage.* 2>/dev/null | grep -q .'

# ---- apply
"$KW" harden --root "$IMG" --apply --journal "$TMP/j1" > "$TMP/apply.out" 2>&1; rc=$?
expect "--apply exits 0" [ "$rc" -eq 0 ]
expect "--apply writes the drop-in" [ -f "$IMG/etc/ssh/sshd_config.d/00-keyward-harden.conf" ]
"$KW" audit --root "$IMG" --format json --output "$TMP/audit-after.json" > /dev/null 2>&1
expect "after harden, the audit reports the overridden cloud-init line as intended (info)" \
	[ "$(jget "$TMP/audit-after.json" "sum(1 for f in r['findings'] if f['id']=='sshd.overridden-by-harden' and f['target'].endswith('50-cloud-init.conf:1') and f['severity']=='info')")" = 1 ]
expect "... and no longer as a medium shadowed directive" \
	[ "$(jget "$TMP/audit-after.json" "sum(1 for f in r['findings'] if f['id']=='sshd.shadowed-directive' and f['target'].endswith('50-cloud-init.conf:1'))")" = 0 ]
expect "... nor password authentication" \
	[ "$(jget "$TMP/audit-after.json" "sum(1 for f in r['findings'] if f['id']=='sshd.password-authentication')")" = 0 ]
kept=$(grep -vc '^#' "$IMG/etc/ssh/moduli.keyward")
want=$(awk '$1 !~ /^#/ && $5 >= 3071' "$IMG/etc/ssh/moduli" | wc -l)
expect "--apply writes moduli.keyward with the $want groups of 3072 bits and more (awk's count)" \
	[ "$kept" -eq "$want" -a "$want" -gt 300 ]
expect "--apply leaves the packaged moduli and sshd_config alone" \
	bash -c 'cmp -s "$0/etc/ssh/moduli" "$1/tests/data/moduli/debian12.moduli" && cmp -s "$0/etc/ssh/sshd_config" /usr/share/openssh/sshd_config' "$IMG" "$SRC"
expect "the written config passes the real sshd -t" sshd_t "$IMG"
sshd_T "$IMG" > "$TMP/T1"
for want in 'passwordauthentication no' 'x11forwarding no' 'maxauthtries 4' 'logingracetime 60' \
	'maxstartups 10:30:60' 'loglevel VERBOSE' 'modulifile /etc/ssh/moduli.keyward'; do
	expect "real sshd -T shows '$want'" grep -qx "$want" "$TMP/T1"
done
expect "real sshd -T: hmac-sha1 (graded fail) is gone from MACs" \
	bash -c 'grep "^macs " "$0" | grep -vq "hmac-sha1[,@]\|hmac-sha1$"' "$TMP/T1"
"$KW" sshd -T --root "$IMG" -h "$TMP/hk" > "$TMP/kwT1"
expect "keyward sshd -T agrees with the real sshd -T on the result" \
	bash -c 'diff <(sort "$0") <(sort "$1")' "$TMP/T1" "$TMP/kwT1"
H1=$(treehash "$IMG")

# ---- second apply: nothing
"$KW" harden --root "$IMG" --apply --journal "$TMP/j2" > "$TMP/apply2.out" 2>&1; rc=$?
expect "a second --apply exits 0" [ "$rc" -eq 0 ]
expect "a second --apply says nothing to do" grep -q 'nothing to do' "$TMP/apply2.out"
expect "a second --apply changes nothing" [ "$H1" = "$(treehash "$IMG")" ]
expect "a second --apply writes no journal" [ ! -e "$TMP/j2" ]

# ---- strict on top, then undo both
"$KW" harden --root "$IMG" --profile strict --apply --journal "$TMP/j3" > "$TMP/strict.out" 2>&1; rc=$?
expect "--profile strict --apply exits 0" [ "$rc" -eq 0 ]
expect "strict merges into the same drop-in" \
	bash -c '[ "$(ls "$0/etc/ssh/sshd_config.d")" = "$(printf "00-keyward-harden.conf\n50-cloud-init.conf")" ]' "$IMG"
expect "the strict config passes the real sshd -t" sshd_t "$IMG"
sshd_T "$IMG" > "$TMP/T3"
for want in 'permitrootlogin no' 'disableforwarding yes' 'maxauthtries 3' 'clientaliveinterval 300' \
	'passwordauthentication no'; do
	expect "real sshd -T (strict) shows '$want'" grep -qx "$want" "$TMP/T3"
done
expect "real sshd -T (strict): no NIST curve in kexalgorithms" bash -c '! grep "^kexalgorithms " "$0" | grep -q nistp' "$TMP/T3"
"$KW" undo "$TMP/j3" > /dev/null 2>&1; rc1=$?
"$KW" undo "$TMP/j1" > /dev/null 2>&1; rc2=$?
expect "keyward undo of both journals exits 0" [ "$rc1$rc2" = 00 ]
expect "undo restores the image byte for byte (names, modes, owners, mtimes, contents)" \
	[ "$H0" = "$(treehash "$IMG")" ]

# ---- the marked block: the main file sets a keyword before its Include
BLK=$TMP/blk
debian_image "$BLK"
sed -i '1i PasswordAuthentication yes' "$BLK/etc/ssh/sshd_config"
"$KW" harden --root "$BLK" --apply --journal "$TMP/jb" > "$TMP/blk.out" 2>&1; rc=$?
expect "block placement: --apply exits 0" [ "$rc" -eq 0 ]
expect "block placement: the block is at the top of sshd_config" \
	bash -c 'head -1 "$0/etc/ssh/sshd_config" | grep -q "^# BEGIN keyward harden"' "$BLK"
expect "block placement: no drop-in was written" [ ! -e "$BLK/etc/ssh/sshd_config.d/00-keyward-harden.conf" ]
expect "block placement: the config passes the real sshd -t" sshd_t "$BLK"
sshd_T "$BLK" > "$TMP/Tb"
expect "block placement: real sshd -T shows passwordauthentication no" grep -qx 'passwordauthentication no' "$TMP/Tb"
"$KW" harden --root "$BLK" --profile strict --apply --journal "$TMP/jb2" > /dev/null 2>&1
expect "block placement: a second run replaces the block (one BEGIN line)" \
	[ "$(grep -c '^# BEGIN keyward harden' "$BLK/etc/ssh/sshd_config")" -eq 1 ]
expect "block placement: the strict block passes the real sshd -t" sshd_t "$BLK"

# ---- refusals write nothing
REF=$TMP/ref
debian_image "$REF"
HR=$(treehash "$REF")
"$KW" harden --root "$REF" --profile "$DATA/unknown-cipher.conf" --apply --journal "$TMP/jr1" > "$TMP/r1.out" 2>&1; rc=$?
expect "a harden set with an unknown cipher is refused (exit 2)" [ "$rc" -eq 2 ]
expect "the refusal quotes sshd's words" grep -q "unknown-cipher.conf:4: Bad SSH2 cipher spec 'aes256-gcm@openssh.com,aes256-ctrr'" "$TMP/r1.out"
expect "the refused set wrote nothing" [ "$HR" = "$(treehash "$REF")" ]
# sshd's own verdict: the real sshd run with an -o line it refuses
printf '#!/bin/sh\nexec /usr/sbin/sshd -o KexAlgorithms=no-such-kex "$@"\n' > "$TMP/sshd-strict"
chmod 755 "$TMP/sshd-strict"
KEYWARD_SSHD=$TMP/sshd-strict "$KW" harden --root "$REF" --apply --journal "$TMP/jr2" > "$TMP/r2.out" 2>&1; rc=$?
expect "a config the real sshd -t rejects is refused (exit 2)" [ "$rc" -eq 2 ]
expect "the refusal carries sshd's message" grep -q "sshd -t rejects the new configuration (exit 255): Unsupported KEX algorithm" "$TMP/r2.out"
expect "sshd's rejection wrote nothing" [ "$HR" = "$(treehash "$REF")" ]
expect "no journal for a refused plan" bash -c '[ ! -e "$0" ] && [ ! -e "$1" ]' "$TMP/jr1" "$TMP/jr2"
cp "$SRC/tests/data/moduli/keygen1024.moduli" "$REF/etc/ssh/moduli"
HR=$(treehash "$REF")
"$KW" harden --root "$REF" --apply --journal "$TMP/jr3" > "$TMP/r3.out" 2>&1; rc=$?
expect "a moduli filter that would leave nothing is refused (exit 2)" \
	bash -c '[ "$0" -eq 2 ] && grep -q "would leave nothing (0 of 35 groups)" "$1"' "$rc" "$TMP/r3.out"
expect "the moduli refusal wrote nothing" [ "$HR" = "$(treehash "$REF")" ]
"$KW" harden --root "$REF" --no-moduli > /dev/null 2>&1; rc=$?
expect "--no-moduli leaves the small groups alone and goes on (exit 0)" [ "$rc" -eq 0 ]
"$KW" harden --root "$REF" --reload > /dev/null 2>&1; rc=$?
expect "--reload on an image root is refused (exit 2)" [ "$rc" -eq 2 ]

# ---- the lock-out guard: admin's only key does not count -> refused; console flag -> goes
guard_case() { # NAME SETUP-COMMAND REASON
	local name=$1 setup=$2 reason=$3 g=$TMP/guard-$1
	debian_image "$g"
	bash -c "$setup" _ "$g"
	local h
	h=$(treehash "$g")
	"$KW" harden --root "$g" --apply --journal "$TMP/jg-$name" > "$TMP/g-$name.out" 2>&1
	local rc=$?
	expect "guard ($name): refused (exit 2)" [ "$rc" -eq 2 ]
	expect "guard ($name): says why admin does not count" grep -qF "no   admin: $reason" "$TMP/g-$name.out"
	expect "guard ($name): tells how to go ahead" grep -q -- '--i-have-console-access' "$TMP/g-$name.out"
	expect "guard ($name): nothing written" [ "$h" = "$(treehash "$g")" ]
	"$KW" harden --root "$g" --i-have-console-access --apply --journal "$TMP/jg2-$name" > "$TMP/g2-$name.out" 2>&1
	rc=$?
	expect "guard ($name): --i-have-console-access applies (exit 0)" [ "$rc" -eq 0 ]
	expect "guard ($name): and the result passes the real sshd -t" sshd_t "$g"
}
guard_case malformed 'cp '"$DATA"'/keys.malformed "$1/home/admin/.ssh/authorized_keys"' \
	'/home/admin/.ssh/authorized_keys: no usable key (2 malformed)'
guard_case forced 'cp '"$DATA"'/keys.forced "$1/home/admin/.ssh/authorized_keys"' \
	'/home/admin/.ssh/authorized_keys: no usable key (1 restricted to a forced command)'
guard_case perms 'chmod 775 "$1/home/admin"' \
	'StrictModes refuses /home/admin/.ssh/authorized_keys: folder /home/admin has owner uid 1000, mode 0775'
guard_case allowusers 'sed -i "1i AllowUsers deploy" "$1/etc/ssh/sshd_config"' \
	'not in AllowUsers (deploy)'
guard_case denyusers 'sed -i "1i DenyUsers adm*" "$1/etc/ssh/sshd_config"' \
	'denied by DenyUsers adm*'

# ---- text from the image is escaped in the output
ESC=$TMP/esc
debian_image "$ESC"
printf 'PasswordAuthentication yes\n' > "$ESC/etc/ssh/sshd_config.d/10-"$'\e'"[31mred.conf"
"$KW" harden --root "$ESC" > "$TMP/esc.out" 2>&1
expect "a drop-in name with an escape sequence is printed escaped" grep -qF 'overrides /etc/ssh/sshd_config.d/10-\x1b[31mred.conf:1' "$TMP/esc.out"
expect "no raw escape byte reaches the output" bash -c '! grep -q $'"'"'\e'"'"' "$0"' "$TMP/esc.out"

finish
