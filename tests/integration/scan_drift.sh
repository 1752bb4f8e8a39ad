#!/usr/bin/env bash
# scan_drift.sh — `keyward scan --compare-config --root DIR` against a real sshd on
# 127.0.0.1 (scanpeers.sh, profile default): DIR holds the peer's sshd_config and host keys
# copied from the peer, so the wire and the configuration agree (no scan.config-drift).
# Then DIR's sshd_config is edited WITHOUT restarting the server: a cipher added, a cipher
# removed, a host key gone, HostKeyAlgorithms narrowed — each must come out as drift
# naming the algorithm, and go away again once sshd re-reads the same configuration
# (SIGHUP). Also: the configuration side equals what `keyward sshd -T --root DIR` and the
# real `sshd -T` print, and the errors (--root alone, no sshd_config, a config sshd
# refuses) exit 2 with a message.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/scanpeers.sh"
peers_init "$TMP/peers" || exit 1

expect "the default sshd peer starts" peers_start default
port=$(peers_port default) || exit 1
PEER_CONF=$(peers_dir default)/config
D=$TMP/root
mkdir -p "$D/etc/ssh"
# the peer's config with its HostKey lines pointing into the root, and the keys copied
sed -E 's#^HostKey .*/(ssh_host_[a-z0-9]+_key)$#HostKey /etc/ssh/\1#' "$PEER_CONF" >"$D/etc/ssh/sshd_config"
for pub in $(peers_keys default); do cp "${pub%.pub}" "$pub" "$D/etc/ssh/"; done
BASE=$TMP/sshd_config.base
cp "$D/etc/ssh/sshd_config" "$BASE"

expect "the root's HostKey lines point into the root" \
	test "$(grep -c '^HostKey /etc/ssh/ssh_host_' "$D/etc/ssh/sshd_config")" -eq 3

# the configuration side is what sshd -T says
T_names="ciphers macs kexalgorithms hostkeyalgorithms"
kw_T() { "$KW" sshd -T --root "$D" | awk -v k="$1" '$1 == k { print $2 }'; }
real_T() { /usr/sbin/sshd -T -f "$PEER_CONF" 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }
for k in $T_names; do
	expect "keyward sshd -T --root DIR: $k as the running sshd's sshd -T" test "$(kw_T $k)" = "$(real_T $k)"
done

# scan DIR -> $TMP/out.json (exit status in $TMP/rc), the drift sentences one a line
scan() {
	rm -f "$TMP/out.json"
	"$KW" scan -q "127.0.0.1:$port" --compare-config --root "$D" --format json \
		--output "$TMP/out.json" "$@" 2>"$TMP/err"
	echo $? >"$TMP/rc"
}
drift() {
	python3 - "$TMP/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    if f["id"] == "scan.config-drift":
        print(f["evidence"])
PY
}
rc() { cat "$TMP/rc"; }
has_drift() { grep -qxF "$1" <<<"$(drift)"; }
no_drift() { [ -s "$TMP/out.json" ] && [ -z "$(drift)" ]; }

scan
expect "unchanged root: exit 0" test "$(rc)" = 0
expect "unchanged root: no scan.config-drift" no_drift
expect "unchanged root: the target was scanned" test "$(jget "$TMP/out.json" 'r["targets"][0]["status"]')" = scanned
expect "unchanged root: nothing on stderr" test ! -s "$TMP/err"
"$KW" scan -q "127.0.0.1:$port" --compare-config --root "$D" >"$TMP/out.txt" 2>&1
expect "unchanged root, text report: no config-drift" sh -c '! grep -q config-drift "$1"' _ "$TMP/out.txt"

# a cipher added to the file, the server not restarted
{ echo "Ciphers +aes128-cbc"; cat "$BASE"; } >"$D/etc/ssh/sshd_config"
scan --fail-on medium
expect "Ciphers +aes128-cbc: drift naming aes128-cbc" \
	has_drift "ciphers: the configuration lists aes128-cbc, the server does not offer it"
expect "Ciphers +aes128-cbc: the only drift" test "$(drift | wc -l)" -eq 1
expect "Ciphers +aes128-cbc: --fail-on medium exits 1" test "$(rc)" = 1
"$KW" scan -q "127.0.0.1:$port" --compare-config --root "$D" >"$TMP/out.txt" 2>&1
expect "text report: scan.config-drift with the cipher" \
	sh -c 'grep -q "scan.config-drift" "$1" && grep -q "lists aes128-cbc, the server does not offer it" "$1"' _ "$TMP/out.txt"

# chacha20 removed from the file: the server still offers it
{ echo "Ciphers -chacha20-poly1305@openssh.com"; cat "$BASE"; } >"$D/etc/ssh/sshd_config"
scan
expect "Ciphers -chacha20: drift naming chacha20-poly1305@openssh.com" \
	has_drift "ciphers: the server offers chacha20-poly1305@openssh.com, the configuration does not"
expect "Ciphers -chacha20: the only drift" test "$(drift | wc -l)" -eq 1

# HostKeyAlgorithms narrowed: the ECDSA key and rsa-sha2-256 are no longer offered
{ echo "HostKeyAlgorithms ssh-ed25519,rsa-sha2-512"; cat "$BASE"; } >"$D/etc/ssh/sshd_config"
scan
expect "HostKeyAlgorithms narrowed: ecdsa-sha2-nistp256 is drift" \
	has_drift "host key algorithms: the server offers ecdsa-sha2-nistp256, the configuration does not"
expect "HostKeyAlgorithms narrowed: rsa-sha2-256 is drift" \
	has_drift "host key algorithms: the server offers rsa-sha2-256, the configuration does not"
expect "HostKeyAlgorithms narrowed: two differences" test "$(drift | wc -l)" -eq 2

# a host key gone from the root: sshd would not offer its algorithm
cp "$BASE" "$D/etc/ssh/sshd_config"
mkdir -p "$TMP/moved"
mv "$D/etc/ssh/ssh_host_ecdsa_key" "$D/etc/ssh/ssh_host_ecdsa_key.pub" "$TMP/moved/"
scan
expect "ECDSA host key missing: drift naming ecdsa-sha2-nistp256" \
	has_drift "host key algorithms: the server offers ecdsa-sha2-nistp256, the configuration does not"
expect "ECDSA host key missing: the note names the HostKey" \
	grep -q "HostKey /etc/ssh/ssh_host_ecdsa_key: no such file in the root" "$TMP/err"
# an RSA key whose .pub is gone is still read from the private key (OpenSSH format)
mv "$TMP/moved/"* "$D/etc/ssh/"
mv "$D/etc/ssh/ssh_host_rsa_key.pub" "$TMP/moved/"
scan
expect "RSA .pub missing: the private key says RSA, no drift" no_drift
mv "$TMP/moved/ssh_host_rsa_key.pub" "$D/etc/ssh/"

# sshd re-reads the edited configuration (SIGHUP): the drift is gone
{ echo "Ciphers +aes128-cbc"; cat "$BASE"; } >"$D/etc/ssh/sshd_config"
scan
expect "before the reload: drift" has_drift "ciphers: the configuration lists aes128-cbc, the server does not offer it"
keydir=$(dirname "$(peers_keys default | head -1)")
sed -E "s#^HostKey /etc/ssh/#HostKey $keydir/#" "$D/etc/ssh/sshd_config" >"$PEER_CONF.new" && mv "$PEER_CONF.new" "$PEER_CONF"
expect "the new peer config passes sshd -t" /usr/sbin/sshd -t -f "$PEER_CONF"
kill -HUP "$(peers_pid default)"
offers_cbc() { "$KW" scan -q "127.0.0.1:$port" --format json --output "$TMP/hup.json" 2>/dev/null; jget "$TMP/hup.json" '"aes128-cbc" in r["targets"][0]["kexinit"]["enc_sc"]' | grep -qx True; }
expect "after SIGHUP the server offers aes128-cbc" wait_for 10 offers_cbc
scan
expect "after the reload: no drift" no_drift

# errors
"$KW" scan -q "127.0.0.1:$port" --root "$D" >/dev/null 2>"$TMP/err"
expect "--root without --compare-config: exit 2" test $? -eq 2
expect "--root without --compare-config: says so" grep -q "root goes with --compare-config" "$TMP/err"
"$KW" scan -q "127.0.0.1:$port" --compare-config --root "$TMP/nonexistent" >/dev/null 2>"$TMP/err"
expect "--root that does not exist: exit 2" test $? -eq 2
mkdir -p "$TMP/empty"
"$KW" scan -q "127.0.0.1:$port" --compare-config --root "$TMP/empty" >/dev/null 2>"$TMP/err"
expect "a root without sshd_config: exit 2" test $? -eq 2
expect "a root without sshd_config: says so" grep -q "has no /etc/ssh/sshd_config" "$TMP/err"
{ echo "Ciphers bogus-cipher"; cat "$BASE"; } >"$D/etc/ssh/sshd_config"
"$KW" scan -q "127.0.0.1:$port" --compare-config --root "$D" >/dev/null 2>"$TMP/err"
expect "a config sshd refuses: exit 2" test $? -eq 2
expect "a config sshd refuses: FILE:LINE and sshd's words" grep -q "/etc/ssh/sshd_config:1: Bad SSH2 cipher spec 'bogus-cipher'" "$TMP/err"

peers_stop
finish
