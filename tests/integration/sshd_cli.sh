#!/bin/bash
# sshd_cli.sh — black-box tests of `keyward sshd`: --help, -T against the real sshd -T on
# Debian's stock config, --root resolving Include inside the image, -t exit codes.
# Owner: helper "engine".
. "$(dirname "$0")/lib.sh" "$@"

expect "sshd --help has usage and examples" \
	bash -c '"$0" sshd --help | grep -q "usage: keyward sshd" && "$0" sshd --help | grep -q "Examples:"' "$KW"
expect "no -T/-t is a usage error (exit 2)" bash -c '"$0" sshd >/dev/null 2>&1; [ $? -eq 2 ]' "$KW"
expect "a bad -C spec is a usage error (exit 2)" \
	bash -c '"$0" sshd -T -f none -C foo=1 >/dev/null 2>&1; [ $? -eq 2 ]' "$KW"

ssh-keygen -q -t ed25519 -N '' -f "$TMP/hk" >/dev/null
STOCK=/usr/share/openssh/sshd_config
if [ -x /usr/sbin/sshd ] && [ -f "$STOCK" ] && [ "$(id -u)" = 0 ]; then
	mkdir -p /run/sshd
	cp "$STOCK" "$TMP/stock.conf"
	/usr/sbin/sshd -T -f "$TMP/stock.conf" -h "$TMP/hk" | sort > "$TMP/real.T"
	"$KW" sshd -T -f "$TMP/stock.conf" -h "$TMP/hk" | sort > "$TMP/kw.T"
	expect "-T on Debian's stock sshd_config equals real sshd -T (line set)" cmp -s "$TMP/real.T" "$TMP/kw.T"
	printf 'PasswordAuthentication no\nMatch User alice\n PasswordAuthentication yes\n' > "$TMP/m.conf"
	/usr/sbin/sshd -T -f "$TMP/m.conf" -h "$TMP/hk" -C user=alice | sort > "$TMP/real2.T"
	"$KW" sshd -T -f "$TMP/m.conf" -h "$TMP/hk" -C user=alice | sort > "$TMP/kw2.T"
	expect "-C user=alice applies the Match block like real sshd" cmp -s "$TMP/real2.T" "$TMP/kw2.T"
fi

# an image whose drop-in enables passwords; the host's drop-ins must not count
IMG=$TMP/img
mkdir -p "$IMG/etc/ssh/sshd_config.d"
printf 'Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\nPermitRootLogin no\n' > "$IMG/etc/ssh/sshd_config"
printf 'PasswordAuthentication yes\n' > "$IMG/etc/ssh/sshd_config.d/50-cloud-init.conf"
printf 'MaxAuthTries 3\n' > "$IMG/etc/ssh/sshd_config.d/10-early.conf"
"$KW" sshd -T --root "$IMG" > "$TMP/img.T"
expect "--root: the image's drop-in wins (passwordauthentication yes)" grep -qx 'passwordauthentication yes' "$TMP/img.T"
expect "--root: earlier drop-in wins (maxauthtries 3)" grep -qx 'maxauthtries 3' "$TMP/img.T"
expect "--root: the main file still applies after the Include" grep -qx 'permitrootlogin no' "$TMP/img.T"
expect "--root: default host keys are printed when none is set" grep -qx 'hostkey /etc/ssh/ssh_host_ed25519_key' "$TMP/img.T"
tar -C "$IMG" -cf "$TMP/img.tar" .
"$KW" sshd -T --image "$TMP/img.tar" > "$TMP/tar.T"
expect "--image reads the same configuration as --root" cmp -s "$TMP/img.T" "$TMP/tar.T"

# -t: syntax check
expect "-t on a good config prints nothing and exits 0" \
	bash -c '[ -z "$("$0" sshd -t --root "$1")" ]' "$KW" "$IMG"
printf 'PermitRootLogin no\nX11Forwarding no yes\n' > "$IMG/etc/ssh/sshd_config.d/60-broken.conf"
"$KW" sshd -t --root "$IMG" > /dev/null 2> "$TMP/err"; rc=$?
expect "-t on a broken drop-in exits 1" [ "$rc" -eq 1 ]
expect "-t names the file and line of the error" grep -q '/etc/ssh/sshd_config.d/60-broken.conf:2: keyword X11Forwarding extra arguments at end of line' "$TMP/err"
rm "$IMG/etc/ssh/sshd_config.d/60-broken.conf"
printf 'Match LocalPort 22\n X11Forwarding yes\n' > "$IMG/etc/ssh/sshd_config.d/70-lport.conf"
"$KW" sshd -T --root "$IMG" > /dev/null 2>&1; rc=$?
expect "9.2: Match LocalPort without lport= is fatal (exit 1)" [ "$rc" -eq 1 ]
expect "Match LocalPort with lport=22 applies" \
	bash -c '"$0" sshd -T --root "$1" -C lport=22 | grep -qx "x11forwarding yes"' "$KW" "$IMG"
rm "$IMG/etc/ssh/sshd_config.d/70-lport.conf"

# --moduli: Debian's real file, a filter, 1024-bit groups made by ssh-keygen, --verify
cp "$SRC/tests/data/moduli/debian12.moduli" "$IMG/etc/ssh/moduli"
"$KW" sshd --moduli --root "$IMG" > "$TMP/mod.txt"; rc=$?
expect "--moduli on Debian's file keeps every group with the default filter (exit 0)" [ "$rc" -eq 0 ]
expect "--moduli counts groups per size like awk does (60 of size 2047)" \
	grep -qE '^2047 +2048 +60  yes$' "$TMP/mod.txt"
"$KW" sshd --moduli --root "$IMG" --min-bits 3072 > "$TMP/mod3072.txt"; rc=$?
expect "--moduli --min-bits 3072 reports the 60 smaller groups (exit 1)" \
	bash -c '[ "$0" -eq 1 ] && grep -q "363 kept with at least 3072 bits, 60 below" "$1"' "$rc" "$TMP/mod3072.txt"
cp "$SRC/tests/data/moduli/keygen1024.moduli" "$IMG/etc/ssh/moduli"
"$KW" sshd --moduli --root "$IMG" --verify --rounds 8 > "$TMP/mod1024.txt" 2>&1; rc=$?
expect "1024-bit groups: none left after the filter, sshd falls back to group18" \
	grep -q 'every client gets group18' "$TMP/mod1024.txt"
expect "--verify passes ssh-keygen's own safe primes" grep -q 'verified 35 groups .*: 0 bad' "$TMP/mod1024.txt"
awk 'NR == 5 { $7 = substr($7, 1, length($7) - 1) (substr($7, length($7)) == "3" ? "5" : "3") } { print }' \
	"$SRC/tests/data/moduli/keygen1024.moduli" > "$IMG/etc/ssh/moduli"
"$KW" sshd --moduli --root "$IMG" --min-bits 1024 --verify --rounds 8 > "$TMP/modbad.txt" 2>&1; rc=$?
expect "--verify catches a modulus with a changed last digit (exit 1)" \
	bash -c '[ "$0" -eq 1 ] && grep -qE "^line [0-9]+: size 1023: .*not prime" "$1"' "$rc" "$TMP/modbad.txt"
"$KW" sshd --verify > /dev/null 2>&1; rc=$?
expect "--verify without --moduli is a usage error (2)" [ "$rc" -eq 2 ]

# a config that Includes a secret file: its lines are bad keywords, never echoed
SEC=$TMP/secret-root
mkdir -p "$SEC/etc/ssh"
printf 'root:$6$saltsalt$SECRETHASHVALUE:19700:0:99999:7:::\nalice:\n' > "$SEC/etc/shadow"
printf 'Include /etc/shadow\n' > "$SEC/etc/ssh/sshd_config"
"$KW" sshd -t --root "$SEC" > "$TMP/sec.out" 2>&1; rc=$?
expect "a config including /etc/shadow is refused" [ "$rc" -ne 0 ]
expect "... naming the file and line" grep -q "/etc/shadow:1" "$TMP/sec.out"
expect "... without echoing the hash" bash -c "! grep -q 'SECRETHASH' '$TMP/sec.out'"
expect "... or the token with no argument" bash -c "! grep -q 'alice:' '$TMP/sec.out'"

finish
