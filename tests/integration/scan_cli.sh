#!/usr/bin/env bash
# scan_cli.sh — `keyward scan` against real SSH servers on 127.0.0.1 (scanpeers.sh: sshd
# profiles default, hardened, legacy, rsa-only, terrapin, gex-weak; dropbear; tinysshd):
#  - per peer, the kex / host key / cipher / MAC lists of `--format json` equal what
#    `ssh-audit -j` reports, and so does the banner's software;
#  - with --hostkeys every key is verified and its fingerprint (and size and type) equals
#    `ssh-keyscan -t TYPE | ssh-keygen -lf -` and `ssh-keygen -lf` of the peer's .pub files;
#    the set of key types is the peer's; --md5 equals `ssh-keygen -E md5 -lf`;
#  - --gex: gex-weak hands out only 2048-bit groups (scan.gex-small-group under --profile
#    strict, none under baseline), default several sizes;
#  - findings: legacy (weak algorithms, DSA, small RSA), hardened (none weak), tinysshd
#    (Terrapin) and the terrapin profile (not Terrapin: it offers strict kex);
#  - --expect right / wrong (scan.host-key-mismatch, critical, exit 1 with --fail-on high);
#  - exit codes 0 / 1 / 2 (usage) / 3 (a refused target, the others complete);
#  - target forms (host:port, [::1]:port, @FILE with comments, --targets -, a /30 CIDR on a
#    closed port), input order, text output, --output FILE (atomic), JSON keys.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/scanpeers.sh"
peers_init "$TMP/peers" || exit 1

PEERS="default hardened legacy rsa-only terrapin gex-weak dropbear tinysshd"
start=$SECONDS
if ! peers_start $PEERS; then
	echo "not ok - the peers start"
	exit 1
fi
expect "the peers started within 30 s ($((SECONDS - start)) s)" test $((SECONDS - start)) -lt 30
declare -A PORT
for n in $PEERS; do PORT[$n]=$(peers_port "$n"); done

# kw ARGS...: keyward scan, bounded; stdout/stderr to $TMP/out, $TMP/err; $RC is its status
kw() {
	timeout 60 "$KW" scan "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	cat "$TMP/err" >>"$TMP/stderr.all"
}

# kt FILE.json DESCRIPTION EXPR [NAME=VALUE|NAME=@FILE.json]...: queue a check, a python
# expression over the report r; kt_flush evaluates the queue in one python run and reports
# each as a test (false: what was seen is printed). Helpers: T(port) the target, F(port[,
# id]) its findings, NAMES(list) the names of an ssh-audit list, EQ(a, b) equal or say both.
cat >"$TMP/kt.py" <<'PY'
import json, sys
cache = {}
def load(path):
    if path not in cache:
        cache[path] = json.load(open(path))
    return cache[path]
def NAMES(l):
    return [x if isinstance(x, str) else x["algorithm"] for x in l]
notes = []
def EQ(a, b):
    if a != b:
        notes.append("keyward:  %s" % (a,))
        notes.append("expected: %s" % (b,))
    return a == b
for rec in open(sys.argv[1], encoding="utf-8").read().split("\x1e"):
    if not rec.strip():
        continue
    path, desc, expr, *vs = rec.split("\x1f")
    notes.clear()
    try:
        r = load(path)
        env = {"r": r, "NAMES": NAMES, "EQ": EQ}
        for a in vs:
            k, v = a.split("=", 1)
            env[k] = load(v[1:]) if v.startswith("@") else v
        def T(port, r=r):
            for t in r["targets"]:
                if t["port"] == int(port):
                    return t
            raise KeyError("no target with port %s" % port)
        def F(port, fid=None, r=r):
            return [f for f in r["findings"] if f["target"].endswith(":%s" % port) and (fid is None or f["id"] == fid)]
        env.update(T=T, F=F)
        ok = bool(eval("(" + expr.strip() + "\n)", env))
        if not ok and not notes:
            notes.append("false: " + " ".join(expr.split()))
    except Exception as e:
        ok = False
        notes.append("error: %r" % (e,))
    print("%s\t%s" % ("PASS" if ok else "FAIL", desc.replace("\n", " ")))
    for n in notes:
        print("#\t    " + n.replace("\n", " "))
PY
kt() {
	local f=$1 d=$2 e=$3
	shift 3
	{ printf '%s\x1f%s\x1f%s' "$f" "$d" "$e"; for v in "$@"; do printf '\x1f%s' "$v"; done; printf '\x1e'; } >>"$TMP/kt.queue"
}
kt_flush() {
	[ -s "$TMP/kt.queue" ] || return 0
	local res desc
	while IFS=$'\t' read -r res desc; do
		case $res in
		'#') echo "$desc" ;;
		*) expect "$desc" test "$res" = PASS ;;
		esac
	done < <(python3 "$TMP/kt.py" "$TMP/kt.queue")
	: >"$TMP/kt.queue"
}
json_ok() { python3 -m json.tool "$1" >/dev/null; }

# ---- help ----
kw --help
expect "scan --help exits 0 and names the options" bash -c '[ "$1" = 0 ] && grep -q -- "--hostkeys" "$2" && grep -q -- "--expect FP" "$2" && grep -q -- "--fail-on" "$2"' _ "$RC" "$TMP/out"

# ---- one run over every peer, with ssh-audit and ssh-keyscan as oracles ----
audit_pids=()
for n in $PEERS; do
	timeout 60 ssh-audit -j -p "${PORT[$n]}" 127.0.0.1 >"$TMP/audit-$n.json" 2>/dev/null &
	audit_pids+=($!)
done
targets=()
for n in $PEERS; do targets+=("127.0.0.1:${PORT[$n]}"); done
kw "${targets[@]}" --hostkeys --format json
cp "$TMP/out" "$TMP/all.json"
wait "${audit_pids[@]}" # not a bare wait: the daemons are children of this shell too
expect "scan of every peer with --hostkeys: exit 0 (complete, no --fail-on)" test "$RC" = 0
expect "its JSON is valid (python3 -m json.tool)" json_ok "$TMP/all.json"
kt "$TMP/all.json" "its header: format keyward-scan, version 1, profile baseline, not interrupted" 'r["format"] == "keyward-scan" and r["version"] == 1 and r["profile"] == "baseline" and r["interrupted"] is False and r["exit_code"] == 0'
for n in $PEERS; do
	p=${PORT[$n]}
	A="$TMP/audit-$n.json"
	kt "$A" "ssh-audit -j reads $n" 'r["banner"]["software"] and r["kex"] and r["key"] and r["enc"] and r["mac"]'
	kt "$TMP/all.json" "$n: scanned, phase done, one connection per host key" 'T(p)["status"] == "scanned" and T(p)["phase"] == "done" and T(p)["error"] is None and T(p)["connections"] == len(T(p)["host_keys"])' p="$p"
	kt "$TMP/all.json" "$n: kex list equals ssh-audit's, in the server's order" 'EQ(T(p)["kexinit"]["kex"], NAMES(A["kex"]))' p="$p" A="@$A"
	kt "$TMP/all.json" "$n: host key algorithms equal ssh-audit's (as sets: ssh-audit 2.5 has its own order)" 'EQ(sorted(T(p)["kexinit"]["hostkey"]), sorted(NAMES(A["key"])))' p="$p" A="@$A"
	kt "$TMP/all.json" "$n: ciphers (both directions) equal ssh-audit's" 'EQ(T(p)["kexinit"]["enc_sc"], A["enc"]) and EQ(T(p)["kexinit"]["enc_cs"], A["enc"])' p="$p" A="@$A"
	kt "$TMP/all.json" "$n: MACs (both directions) equal ssh-audit's" 'EQ(T(p)["kexinit"]["mac_sc"], A["mac"]) and EQ(T(p)["kexinit"]["mac_cs"], A["mac"])' p="$p" A="@$A"
	kt "$TMP/all.json" "$n: banner software equals ssh-audit's" 'EQ(T(p)["banner"]["software"], A["banner"]["software"]) and T(p)["banner"]["protocol"] == "2.0"' p="$p" A="@$A"
	if [ "$n" = tinysshd ]; then
		# tinysshd ends its banner with a random comment, new on every connection
		kt "$TMP/all.json" "$n: banner is tinyssh's, with a comment (random per connection, so not compared)" 'T(p)["banner"]["software"].startswith("tinyssh_") and T(p)["banner"]["comments"]' p="$p"
	else
		kt "$TMP/all.json" "$n: whole banner line equals ssh-audit's" 'EQ(T(p)["banner"]["raw"], A["banner"]["raw"])' p="$p" A="@$A"
	fi
	# The pseudo-algorithms are not key exchanges but both tools list them as the server
	# sent them (that is why the kex lists compare equal): kex-strict-s-v00@openssh.com
	# (OpenSSH 9.2 in Debian and dropbear 2022.83 have the Terrapin backport; tinysshd
	# 20230101 does not) and dropbear's kexguess2@matt.ucc.asn.au. keyward also turns the
	# first into strict_kex.
	case $n in
	tinysshd) want_strict=0 ;;
	*) want_strict=1 ;;
	esac
	kt "$TMP/all.json" "$n: kex-strict-s-v00@openssh.com in both lists ($([ $want_strict = 1 ] && echo yes || echo no)) and strict_kex says the same" \
		'EQ(("kex-strict-s-v00@openssh.com" in T(p)["kexinit"]["kex"], "kex-strict-s-v00@openssh.com" in NAMES(A["kex"]), T(p)["kexinit"]["strict_kex"]), (w == "1",) * 3)' p="$p" A="@$A" w="$want_strict"
done
kt "$TMP/all.json" "dropbear: kexguess2@matt.ucc.asn.au is listed by both" '"kexguess2@matt.ucc.asn.au" in T(p)["kexinit"]["kex"] and "kexguess2@matt.ucc.asn.au" in NAMES(A["kex"])' p="${PORT[dropbear]}" A="@$TMP/audit-dropbear.json"
kt "$TMP/all.json" "hardened: no Debian comment in the banner (DebianBanner no)" 'T(p)["banner"]["comments"] is None and T(p)["banner"]["raw"] == "SSH-2.0-OpenSSH_9.2p1"' p="${PORT[hardened]}"
kt_flush

# ---- host keys: verified, and what ssh-keyscan and the .pub files say ----
# "bits fingerprint TYPE" of keyward's verified keys, of ssh-keyscan per type, of the files
# (keys-PORT files, one python run for all targets)
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for t in r["targets"]:
    with open("%s/keys-%d" % (sys.argv[2], t["port"]), "w") as f:
        for k in sorted("%s %s %s %s" % (k["bits"], k["fingerprint"], k["type"], "verified" if k["verified"] is True else "NOT-VERIFIED")
                        for k in t["host_keys"]):
            print(k, file=f)' "$TMP/all.json" "$TMP"
scan_fp() { ssh-keyscan -T 5 -p "$1" -t "$2" 127.0.0.1 2>/dev/null | ssh-keygen -lf - 2>/dev/null | awk '{ t = $NF; gsub(/[()]/, "", t); print $1, $2, t }'; }
file_fps() { local k; for k in $(peers_keys "$1"); do ssh-keygen -lf "$k"; done | awk '{ t = $NF; gsub(/[()]/, "", t); print $1, $2, t }' | sort; }
for n in $PEERS; do
	p=${PORT[$n]}
	cp "$TMP/keys-$p" "$TMP/keys-$n" 2>/dev/null || : >"$TMP/keys-$n"
	file_fps "$n" >"$TMP/files-$n"
	: >"$TMP/scan-$n"
	while read -r _ _ type _; do
		scan_fp "$p" "$(echo "$type" | tr 'A-Z' 'a-z')" >>"$TMP/scan-$n"
	done <"$TMP/keys-$n"
	sort -o "$TMP/scan-$n" "$TMP/scan-$n"
	expect "$n: every host key is verified ($(wc -l <"$TMP/keys-$n") keys)" bash -c '[ -s "$1" ] && ! grep -q NOT-VERIFIED "$1"' _ "$TMP/keys-$n"
	expect "$n: fingerprints, sizes and types equal ssh-keyscan -t TYPE | ssh-keygen -lf -" \
		bash -c '[ -s "$2" ] && diff -u <(cut -d" " -f1-3 "$1") "$2"' _ "$TMP/keys-$n" "$TMP/scan-$n"
	expect "$n: fingerprints, sizes and types equal ssh-keygen -lf of its .pub files (the same set of keys)" \
		bash -c 'diff -u <(cut -d" " -f1-3 "$1") "$2"' _ "$TMP/keys-$n" "$TMP/files-$n"
done
types() { awk '{print $3}' "$TMP/keys-$1" | sort | tr '\n' ' '; }
expect "default: ECDSA ED25519 RSA" test "$(types default)" = "ECDSA ED25519 RSA "
expect "hardened: ED25519 RSA (4096)" bash -c 'test "$1" = "ED25519 RSA " && grep -q "^4096 .* RSA" "$2"' _ "$(types hardened)" "$TMP/keys-hardened"
expect "legacy: DSA + RSA" test "$(types legacy)" = "DSA RSA "
expect "rsa-only: RSA (2048) only" bash -c 'test "$1" = "RSA " && grep -q "^2048 " "$2"' _ "$(types rsa-only)" "$TMP/keys-rsa-only"
expect "dropbear: ECDSA ED25519 RSA" test "$(types dropbear)" = "ECDSA ED25519 RSA "
expect "tinysshd: ED25519 only" test "$(types tinysshd)" = "ED25519 "
kt "$TMP/all.json" "legacy: the DSA key was proved with ssh-dss, the RSA key with an rsa-sha2 signature" \
	'sorted(k["algorithm"] for k in T(p)["host_keys"]) == ["rsa-sha2-512", "ssh-dss"]' p="${PORT[legacy]}"

# --md5: the MD5 form equals ssh-keygen -E md5
kw "127.0.0.1:${PORT[hardened]}" --hostkeys --md5
cp "$TMP/out" "$TMP/md5.txt"
md5_files() { local k; for k in $(peers_keys hardened); do ssh-keygen -E md5 -lf "$k" | awk '{print $2}'; done | sort; }
expect "--md5: the text shows the MD5 fingerprints ssh-keygen -E md5 prints" \
	bash -c 'diff -u <(grep -o "MD5:[0-9a-f:]*" "$1" | sort) <(echo "$2")' _ "$TMP/md5.txt" "$(md5_files)"

# ---- findings ----
A=$TMP/all.json
pl=${PORT[legacy]}
kt "$A" "legacy: scan.weak-algorithms (high) names CBC, hmac-sha1, group1 and ssh-dss" '
	all(f["severity"] == "high" for f in F(p, "scan.weak-algorithms")) and
	all(any(w in f["evidence"] for f in F(p, "scan.weak-algorithms"))
	    for w in ("aes128-cbc", "3des-cbc", "hmac-sha1", "diffie-hellman-group1-sha1", "ssh-dss"))' p="$pl"
kt "$A" "legacy: scan.host-key-dsa (medium) with the DSA fingerprint" '[f["severity"] for f in F(p, "scan.host-key-dsa")] == ["medium"] and any(k["type"] == "DSA" and k["fingerprint"] in F(p, "scan.host-key-dsa")[0]["evidence"] for k in T(p)["host_keys"])' p="$pl"
kt "$A" "legacy: scan.host-key-rsa-small (medium: 2048 bits)" '[f["severity"] for f in F(p, "scan.host-key-rsa-small")] == ["medium"] and "2048" in F(p, "scan.host-key-rsa-small")[0]["evidence"]' p="$pl"
kt "$A" "hardened: no scan.weak-algorithms, scan.discouraged-algorithms or host key finding" 'not [f for f in F(p) if f["id"] in ("scan.weak-algorithms", "scan.discouraged-algorithms", "scan.terrapin") or f["id"].startswith("scan.host-key-")]' p="${PORT[hardened]}"
kt "$A" "hardened: no scan.host-key-rsa-small (4096 bits)" 'not F(p, "scan.host-key-rsa-small")' p="${PORT[hardened]}"
kt "$A" "rsa-only: scan.host-key-rsa-small" 'len(F(p, "scan.host-key-rsa-small")) == 1' p="${PORT[rsa-only]}"
kt "$A" "tinysshd: scan.terrapin (chacha20-poly1305 without strict kex)" 'len(F(p, "scan.terrapin")) == 1 and "chacha20-poly1305" in F(p, "scan.terrapin")[0]["evidence"] and not T(p)["kexinit"]["strict_kex"]' p="${PORT[tinysshd]}"
kt "$A" "terrapin: offers chacha20-poly1305, CBC and etm MACs" 'T(p)["kexinit"]["enc_sc"] == ["chacha20-poly1305@openssh.com", "aes128-cbc", "aes256-cbc"] and all(m.endswith("-etm@openssh.com") for m in T(p)["kexinit"]["mac_sc"])' p="${PORT[terrapin]}"
kt "$A" "terrapin: no scan.terrapin (Debian's 9.2 advertises kex-strict-s-v00@openssh.com)" 'not F(p, "scan.terrapin") and T(p)["kexinit"]["strict_kex"] and "kex-strict-s-v00@openssh.com" in T(p)["kexinit"]["kex"]' p="${PORT[terrapin]}"
kt "$A" "terrapin: its CBC ciphers are still scan.weak-algorithms" 'any("aes128-cbc" in f["evidence"] for f in F(p, "scan.weak-algorithms"))' p="${PORT[terrapin]}"
kt "$A" "no target has scan.no-answer, scan.host-key-unverified or scan.host-key-mismatch" 'not [f for f in r["findings"] if f["id"] in ("scan.no-answer", "scan.host-key-unverified", "scan.host-key-mismatch")]'
kt "$A" "findings come in target order" '[f["target"] for f in r["findings"]] == sorted((f["target"] for f in r["findings"]), key=[t["target"] for t in r["targets"]].index)'
kt_flush

# ---- --gex ----
pg=${PORT[gex-weak]} pd=${PORT[default]}
kw "127.0.0.1:$pg" "127.0.0.1:$pd" --gex --format json
cp "$TMP/out" "$TMP/gex.json"
expect "--gex on gex-weak and default: exit 0" test "$RC" = 0
kt "$TMP/gex.json" "gex-weak: four probes, each a 2048-bit group in range, p odd, g ok" '
	len(T(p)["gex"]) == 4 and all(g["bits"] == 2048 and g["in_range"] and g["p_odd"] and g["g_ok"] and g["error"] is None for g in T(p)["gex"])' p="$pg"
kt "$TMP/gex.json" "gex-weak: 1 + 4 connections (main + one per group request)" 'T(p)["connections"] == 5' p="$pg"
kt "$TMP/gex.json" "gex-weak: no scan.gex-small-group under baseline (2048 is its minimum)" 'not F(p, "scan.gex-small-group")' p="$pg"
kt "$TMP/gex.json" "default: several group sizes (as asked: 2048 3072 4096 8192), all in range" '
	len({g["bits"] for g in T(p)["gex"]}) >= 3 and all(g["in_range"] and g["bits"] >= g["min"] and g["bits"] <= g["max"] for g in T(p)["gex"])' p="$pd"
kt "$TMP/gex.json" "--gex requests are 2048:2048:8192 ... 2048:8192:8192" '[(g["min"], g["n"], g["max"]) for g in T(p)["gex"]] == [(2048, 2048, 8192), (2048, 3072, 8192), (2048, 4096, 8192), (2048, 8192, 8192)]' p="$pd"
kw "127.0.0.1:$pg" --gex --profile strict --format json
cp "$TMP/out" "$TMP/gex-strict.json"
kt "$TMP/gex-strict.json" "gex-weak --profile strict: scan.gex-small-group (2048 < 3072), exit 0 without --fail-on" '
	r["profile"] == "strict" and r["exit_code"] == 0 and len(F(p, "scan.gex-small-group")) == 1 and "smallest group 2048 bits" in F(p, "scan.gex-small-group")[0]["evidence"]' p="$pg"
kt "$A" "without --gex there are no group probes" 'all(t["gex"] == [] for t in r["targets"])'
kt_flush

# ---- --expect ----
ph=${PORT[hardened]}
fp_ed=$(ssh-keygen -lf "$(peers_keys hardened | grep ed25519)" | awk '{print $2}')
fp_rsa=$(ssh-keygen -lf "$(peers_keys hardened | grep rsa)" | awk '{print $2}')
fp_wrong=$(ssh-keygen -lf "$(peers_keys default | grep ed25519)" | awk '{print $2}')
# (--fail-on critical tells right from wrong: nothing else on hardened is critical)
kw "127.0.0.1:$ph" --expect "$fp_ed" --fail-on critical --format json
expect "--expect the right fingerprint: no scan.host-key-mismatch, exit 0 with --fail-on critical" bash -c '[ "$1" = 0 ] && ! grep -q host-key-mismatch "$2"' _ "$RC" "$TMP/out"
kw "127.0.0.1:$ph" --hostkeys --expect "$fp_wrong" --expect "$fp_rsa" --fail-on critical --format json
expect "--expect twice, the RSA key among them, with --hostkeys: no mismatch, exit 0" bash -c '[ "$1" = 0 ] && ! grep -q host-key-mismatch "$2"' _ "$RC" "$TMP/out"
kw "127.0.0.1:$ph" --expect "$fp_wrong" --fail-on critical
expect "--expect a wrong fingerprint: exit 1 with --fail-on critical" test "$RC" = 1
kw "127.0.0.1:$ph" --expect "$fp_wrong" --fail-on high --format json
cp "$TMP/out" "$TMP/mismatch.json"
expect "--expect a wrong fingerprint: exit 1 with --fail-on high" test "$RC" = 1
kt "$TMP/mismatch.json" "... scan.host-key-mismatch, critical, naming the proved key" '[f["severity"] for f in F(p, "scan.host-key-mismatch")] == ["critical"] and fp in F(p, "scan.host-key-mismatch")[0]["evidence"] and r["exit_code"] == 1' p="$ph" fp="$fp_ed"
kt_flush
kw "127.0.0.1:$ph" --expect "$fp_wrong"
expect "... and exit 0 without --fail-on (text says CRITICAL)" bash -c '[ "$1" = 0 ] && grep -q "CRITICAL *scan.host-key-mismatch" "$2"' _ "$RC" "$TMP/out"

# ---- exit codes ----
kw "127.0.0.1:$pl"
expect "legacy without --fail-on: exit 0" test "$RC" = 0
kw "127.0.0.1:$pl" --fail-on high
expect "legacy --fail-on high: exit 1" test "$RC" = 1
kw "127.0.0.1:$pl" --fail-on critical
expect "legacy --fail-on critical: exit 0 (nothing critical)" test "$RC" = 0
usage() { # usage DESCRIPTION ARGS...: exit 2, nothing on stdout, a message on stderr
	local what=$1
	shift
	kw "$@"
	expect "usage error: $what -> exit 2, a message, no report" bash -c '[ "$1" = 2 ] && [ ! -s "$2" ] && grep -q "keyward scan" "$3"' _ "$RC" "$TMP/out" "$TMP/err"
}
usage "unknown option" --no-such-option "127.0.0.1:$ph"
usage "--timeout 0" --timeout 0 "127.0.0.1:$ph"
usage "--timeout 5x" --timeout 5x "127.0.0.1:$ph"
usage "--timeout 2h (over 1 h)" --timeout 2h "127.0.0.1:$ph"
usage "--expect without SHA256:" --expect "${fp_ed#SHA256:}" "127.0.0.1:$ph"
usage "--expect too short" --expect SHA256:abc "127.0.0.1:$ph"
usage "no target"
usage "a CIDR over --max-targets" --max-targets 100 10.0.0.0/24
expect "the CIDR error names the spec and its size" grep -q "10.0.0.0/24.*254 endpoints, over the cap of 100" "$TMP/err"
usage "--port 0" --port 0 127.0.0.1
usage "--format xml" --format xml "127.0.0.1:$ph"
usage "--fail-on nonsense" --fail-on severe "127.0.0.1:$ph"
usage "a bad target" "127.0.0.1:99999"
usage "a missing @FILE" "@$TMP/no-such-file"

# a closed port: the kernel hands out a free one, nothing listens there
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
closed=$(free_port)
closed_now() { ! peers_accepts "$1"; }
expect "the free-port probe found a closed port ($closed)" closed_now "$closed"
kw "127.0.0.1:${PORT[default]}" "127.0.0.1:$closed" "127.0.0.1:${PORT[dropbear]}" --hostkeys --format json
cp "$TMP/out" "$TMP/refused.json"
expect "a refused target: exit 3" test "$RC" = 3
kt "$TMP/refused.json" "... its error says connect: Connection refused (status failed, phase connect)" 'T(p)["status"] == "failed" and T(p)["phase"] == "connect" and T(p)["error"] == "connect: Connection refused" and T(p)["banner"] is None and T(p)["kexinit"] is None' p="$closed"
kt "$TMP/refused.json" "... scan.no-answer (info) for it" '[f["severity"] for f in F(p, "scan.no-answer")] == ["info"]' p="$closed"
kt "$TMP/refused.json" "... the other targets of the run are complete and verified" 'all(T(q)["status"] == "scanned" and T(q)["phase"] == "done" and len(T(q)["host_keys"]) == 3 and all(k["verified"] for k in T(q)["host_keys"]) for q in (a, b))' a="${PORT[default]}" b="${PORT[dropbear]}"
kt "$TMP/refused.json" "... exit_code 3 in the report" 'r["exit_code"] == 3'
kt_flush

# ---- target forms ----
# [::1]:PORT: sshd listens on 127.0.0.1 only, so a clean connect error (refused, or
# unreachable where the host has no IPv6 loopback)
kw "[::1]:${PORT[default]}" --timeout 3s --format json
cp "$TMP/out" "$TMP/v6.json"
kt "$TMP/v6.json" "[::1]:PORT: exit 3, target [::1]:PORT, a clean connect error" '
	r["exit_code"] == 3 and r["targets"][0]["target"] == "[::1]:" + p and r["targets"][0]["address"] == "::1" and
	r["targets"][0]["status"] == "failed" and r["targets"][0]["phase"] == "connect" and r["targets"][0]["error"].startswith("connect: ")' p="${PORT[default]}"
cat >"$TMP/fleet.txt" <<EOF
# a fleet file: comments, blank lines, trailing comments

127.0.0.1:${PORT[tinysshd]}   # tinysshd
   # an indented comment
127.0.0.1:${PORT[legacy]}
127.0.0.1:${PORT[dropbear]}
EOF
kw "@$TMP/fleet.txt" --format json
cp "$TMP/out" "$TMP/fleet.json"
kt "$TMP/fleet.json" "@FILE with comments: its three targets, in file order, scanned" '
	[t["port"] for t in r["targets"]] == [int(x) for x in order.split()] and all(t["status"] == "scanned" for t in r["targets"])' order="${PORT[tinysshd]} ${PORT[legacy]} ${PORT[dropbear]}"
kt "$TMP/fleet.json" "@FILE: the specs are the lines without their comments" 'r["targets"][0]["spec"] == "127.0.0.1:" + p' p="${PORT[tinysshd]}"
printf '127.0.0.1:%s\n# comment\n127.0.0.1:%s\n' "${PORT[rsa-only]}" "${PORT[hardened]}" | timeout 60 "$KW" scan --targets - --format json >"$TMP/stdin.json" 2>"$TMP/err"
RC=$?
cat "$TMP/err" >>"$TMP/stderr.all"
kt "$TMP/stdin.json" "--targets -: both targets from stdin, in order, exit 0" '[t["port"] for t in r["targets"]] == [int(a), int(b)] and r["exit_code"] == 0' a="${PORT[rsa-only]}" b="${PORT[hardened]}"
kt_flush
expect "--targets -: exit status 0" test "$RC" = 0
printf '127.0.0.1:1\n127.0.0.1:99999\n' >"$TMP/bad-fleet.txt"
kw "@$TMP/bad-fleet.txt"
expect "@FILE with a bad line: exit 2 naming FILE:LINE" bash -c '[ "$1" = 2 ] && grep -q "bad-fleet.txt:2" "$2"' _ "$RC" "$TMP/err"
closed=$(free_port)
t0=$(date +%s%N)
kw 127.0.0.0/30 --port "$closed" --timeout 2s --format json
ms=$((($(date +%s%N) - t0) / 1000000))
cp "$TMP/out" "$TMP/cidr.json"
kt "$TMP/cidr.json" "127.0.0.0/30 --port CLOSED: 127.0.0.1 and 127.0.0.2 (no network/broadcast), both connect errors, exit 3" '
	[t["target"] for t in r["targets"]] == ["127.0.0.1:" + p, "127.0.0.2:" + p] and
	all(t["status"] == "failed" and t["phase"] == "connect" and t["error"].startswith("connect: ") and t["spec"] == "127.0.0.0/30" for t in r["targets"]) and r["exit_code"] == 3' p="$closed"
kt_flush
expect "... in bounded time (${ms} ms < the 2 s timeout + 1 s)" test "$ms" -lt 3000

# ---- input order, text, --output ----
order=(tinysshd legacy default dropbear hardened gex-weak)
ot=()
for n in "${order[@]:0:2}"; do ot+=("127.0.0.1:${PORT[$n]}"); done
ot+=("127.0.0.1:$closed")
for n in "${order[@]:2}"; do ot+=("127.0.0.1:${PORT[$n]}"); done
kw "${ot[@]}" --format json
cp "$TMP/out" "$TMP/order.json"
kt "$TMP/order.json" "results in input order (a slow tinysshd first, a refused port in the middle)" '[t["target"] for t in r["targets"]] == want.split()' want="${ot[*]}"
kt_flush
kw "${ot[@]}"
cp "$TMP/out" "$TMP/order.txt"
expect "text: one block per target, in input order" bash -c 'diff <(grep -o "^127\.0\.0\.1:[0-9]*" "$1") <(printf "%s\n" "${@:2}")' _ "$TMP/order.txt" "${ot[@]}"
expect "text: the refused target says connect: Connection refused" grep -q "not scanned: connect: connect: Connection refused" "$TMP/order.txt"
expect "text: summary line scanned 6 of 7 targets" grep -q "^scanned 6 of 7 targets in " "$TMP/order.txt"
expect "text: the lists, the keys (verified) and the findings" bash -c 'grep -q "^  kex " "$1" && grep -q "^  host key " "$1" && grep -q "^  ciphers " "$1" && grep -q "^  MACs " "$1" && grep -q "verified (ssh-ed25519, " "$1" && grep -q "^findings: " "$1"' _ "$TMP/order.txt"

# --output FILE: the same report, written atomically (a new file renamed over the old)
ft=("127.0.0.1:${PORT[hardened]}" "127.0.0.1:${PORT[legacy]}" "127.0.0.1:${PORT[default]}")
no_timing() { sed -E 's/\([0-9]+\.[0-9]{3} s, /(T s, /; s/^(scanned [0-9]+ of [0-9]+ targets?) in [0-9.]+ s/\1 in T s/' "$1"; }
no_timing_json() { python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r.pop("started"); r.pop("ms")
for t in r["targets"]:
    t.pop("ms")
print(json.dumps(r, indent=1))' "$1"; }
mkdir -p "$TMP/outdir"
echo "old report" >"$TMP/outdir/report.txt"
ino_before=$(stat -c %i "$TMP/outdir/report.txt")
kw "${ft[@]}"
cp "$TMP/out" "$TMP/stdout.txt"
kw "${ft[@]}" --output "$TMP/outdir/report.txt"
expect "--output FILE: exit 0, nothing on stdout" bash -c '[ "$1" = 0 ] && [ ! -s "$2" ]' _ "$RC" "$TMP/out"
expect "--output FILE (text) equals stdout but for the timings" diff -u <(no_timing "$TMP/stdout.txt") <(no_timing "$TMP/outdir/report.txt")
expect "--output replaced the old file by rename (a new inode), no temp file left" \
	bash -c '[ "$(stat -c %i "$1/report.txt")" != "$2" ] && [ "$(ls -A "$1")" = report.txt ]' _ "$TMP/outdir" "$ino_before"
kw "${ft[@]}" --format json
cp "$TMP/out" "$TMP/stdout.json"
kw "${ft[@]}" --format json --output "$TMP/outdir/report.json"
expect "--output FILE (JSON) equals stdout but for started and ms" diff -u <(no_timing_json "$TMP/stdout.json") <(no_timing_json "$TMP/outdir/report.json")
kw "${ft[@]}" --output "$TMP/no-such-dir/report.txt"
expect "--output into a missing folder: exit 2, a message, nothing written" bash -c '[ "$1" = 2 ] && grep -q "cannot write" "$2" && [ ! -e "$3" ]' _ "$RC" "$TMP/err" "$TMP/no-such-dir"
kw "${ft[@]}" --output "$TMP/outdir"
expect "--output naming a folder: exit 2, the folder untouched" bash -c '[ "$1" = 2 ] && [ "$(ls -A "$2" | sort | tr "\n" " ")" = "report.json report.txt " ]' _ "$RC" "$TMP/outdir"

# ---- JSON: valid, the documented keys (docs/scan.md) in every object ----
for f in gex gex-strict mismatch refused v6 fleet stdin cidr order; do
	kt "$TMP/$f.json" "$f.json is valid JSON (json.load), format keyward-scan" 'r["format"] == "keyward-scan" and r["version"] == 1'
done
kt_flush
cat >"$TMP/keys.py" <<'PY'
import json, sys
TOP = {"format", "version", "keyward", "started", "ms", "profile", "interrupted", "targets", "findings", "exit_code"}
TARGET = {"target", "spec", "address", "port", "status", "phase", "error", "ms", "connections", "banner", "kexinit", "host_keys", "gex"}
BANNER = {"raw", "protocol", "software", "comments", "lines_before", "lines_before_kept", "bare_lf"}
KEXINIT = {"kex", "hostkey", "enc_cs", "enc_sc", "mac_cs", "mac_sc", "comp_cs", "comp_sc", "lang_cs", "lang_sc",
           "malformed_names", "dropped_names", "strict_kex", "ext_info", "first_kex_packet_follows"}
KEY = {"algorithm", "kex", "type", "bits", "fingerprint", "fingerprint_md5", "verified", "error"}
GEX = {"min", "n", "max", "kex", "bits", "in_range", "p_odd", "g_ok", "error"}
FINDING = {"id", "severity", "title", "target", "evidence"}
bad = []
def need(what, obj, keys, exact=True):
    have = set(obj)
    if not keys <= have or (exact and have != keys):
        bad.append("%s: missing %s, extra %s" % (what, sorted(keys - have), sorted(have - keys)))
for path in sys.argv[1:]:
    r = json.load(open(path))
    need(path, r, TOP)
    for t in r["targets"]:
        w = "%s %s" % (path, t.get("target"))
        need(w, t, TARGET)
        if t["status"] not in ("scanned", "failed", "not scanned"):
            bad.append(w + ": status " + t["status"])
        if t["banner"] is not None:
            need(w + " banner", t["banner"], BANNER)
        if t["kexinit"] is not None:
            need(w + " kexinit", t["kexinit"], KEXINIT)
        for k in t["host_keys"]:
            need(w + " host key", k, KEY)
        for g in t["gex"]:
            need(w + " gex", g, GEX)
    for f in r["findings"]:
        need(path + " finding", f, FINDING, exact=False)
for b in bad:
    print("   ", b)
sys.exit(1 if bad else 0)
PY
expect "every object of every report has exactly the documented keys" python3 "$TMP/keys.py" "$TMP"/{all,gex,gex-strict,mismatch,refused,v6,fleet,cidr,order}.json

expect "no sanitizer report on keyward's stderr in any run (ASan/UBSan builds)" \
	bash -c '! grep -aE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$1"' _ "$TMP/stderr.all"
peers_stop
no_procs() { ! pgrep -f "$1" >/dev/null; }
expect "peers_stop leaves no peer process" no_procs "$PEERS_DIR"
expect "the test took under 60 s ($SECONDS s)" test "$SECONDS" -lt 60
finish
