#!/usr/bin/env bash
# package_units.sh KEYWARD SRCROOT — what the package installs besides the binary, checked
# with systemd's own tools and the built keyward (about 2 s):
#   - every unit of data/systemd passes `systemd-analyze verify` with its program paths
#     pointed at this build (a unit's program must exist), with no warning at all, and a
#     misspelt setting is caught (the check can fail);
#   - the sandbox settings each service needs and relies on, and `systemd-analyze security`
#     ratings no worse than the reviewed ones; timers: calendars, delay, persistence;
#     which units may be enabled;
#   - keyward-audit.service's command line, run as written against the fixture images:
#     exit 1 on findings (SuccessExitStatus), the JSON report, and a Prometheus textfile
#     that Prometheus' own parser reads, readable by node_exporter, nothing else left in
#     its folder;
#   - the key snapshot script: first run, a new key in the second run's diff, no change,
#     --keep, the audit trail, error exits;
#   - the tmpfiles line: creates the textfile folder, leaves an existing one alone;
#   - the example configs in data/etc: accepted as installed, and their commented-out
#     examples, uncommented, accepted and doing what they say;
#   - every keyward option used in docs/integrations.md and docs/packaging.md exists in
#     that command's --help;
#   - meson.build installs every unit and example file.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
UNITS=$SRC/data/systemd
SCRIPT=$UNITS/keyward-keys-snapshot.sh
SYSPY=/usr/bin/python3   # Debian's python: python3-prometheus-client is installed for it

for tool in systemd-analyze systemd-tmpfiles ssh-keygen python3 "$SYSPY"; do
	if ! command -v "$tool" > /dev/null; then
		echo "not ok - package_units.sh needs $tool (scripts/bootstrap installs it)"
		exit 1
	fi
done

bash "$SRC/tests/integration/mkimage.sh" clean "$TMP/clean" "$SRC"
bash "$SRC/tests/integration/mkimage.sh" dirty "$TMP/dirty" "$SRC"

# ---- systemd-analyze verify ----------------------------------------------------------
# The units name /usr/bin/keyward and /usr/libexec/keyward/keys-snapshot, which do not
# exist here: verify copies whose Exec lines point at this build and at the script in
# the tree. First, those two are the only programs they run, so the copies are complete.
mkdir -p "$TMP/units" "$TMP/bad"
units=()
for f in "$UNITS"/*.service "$UNITS"/*.timer; do
	units+=("${f##*/}")
	sed -e "s|/usr/bin/keyward|$KW|g" -e "s|/usr/libexec/keyward/keys-snapshot|$SCRIPT|g" \
		"$f" > "$TMP/units/${f##*/}"
done
expect "data/systemd has the five units" test "${#units[@]}" -eq 5
others=$(grep -hE '^Exec[A-Za-z]*=' "$UNITS"/*.service |
	grep -vE '^Exec[A-Za-z]*=[-+!@:]*(/usr/bin/keyward|/usr/libexec/keyward/keys-snapshot)( |$)')
expect "every Exec line runs /usr/bin/keyward or /usr/libexec/keyward/keys-snapshot" test -z "$others"
expect "the snapshot script is executable in the tree" test -x "$SCRIPT"

verify() { # DIR: every unit in it; output in $TMP/verify.out
	(cd "$1" && systemd-analyze verify --man=no "$PWD"/*.service "$PWD"/*.timer) > "$TMP/verify.out" 2>&1
}
verify "$TMP/units"
rc=$?
expect "systemd-analyze verify accepts every unit" test "$rc" -eq 0
expect "systemd-analyze verify prints no warning" test ! -s "$TMP/verify.out"
[ -s "$TMP/verify.out" ] && sed 's/^/    /' "$TMP/verify.out"
# the same check on a unit with a misspelt setting must complain
cp "$TMP/units"/* "$TMP/bad/"
sed -i 's/^ProtectSystem=strict/ProtectSytem=strict/' "$TMP/bad/keyward-audit.service"
verify "$TMP/bad"
expect "a misspelt setting is reported by verify (the check can fail)" grep -q 'ProtectSytem' "$TMP/verify.out"

# ---- the sandbox -----------------------------------------------------------------------
has() { # UNIT LINE...: every LINE is a line of the shipped unit
	local u=$1 l
	shift
	for l in "$@"; do
		grep -qxF -- "$l" "$UNITS/$u" || { echo "    $u lacks: $l"; return 1; }
	done
}
common=(NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes PrivateDevices=yes
	PrivateMounts=yes ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes
	ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes ProtectProc=invisible
	ProcSubset=pid RestrictNamespaces=yes RestrictRealtime=yes RestrictSUIDSGID=yes
	LockPersonality=yes MemoryDenyWriteExecute=yes SystemCallArchitectures=native
	SystemCallFilter=@system-service IPAddressDeny=any StateDirectory=keyward
	StateDirectoryMode=0700)
expect "every service has the common sandbox" \
	has keyward-guard.service "${common[@]}"
expect "every service has the common sandbox (audit)" has keyward-audit.service "${common[@]}"
expect "every service has the common sandbox (keys snapshot)" has keyward-keys-snapshot.service "${common[@]}"
expect "audit: read-only host, only its folders writable, no network, exit 1 is success" \
	has keyward-audit.service Type=oneshot ProtectHome=read-only PrivateNetwork=yes \
	CapabilityBoundingSet=CAP_DAC_READ_SEARCH RestrictAddressFamilies=AF_UNIX \
	'ReadWritePaths=-/var/lib/prometheus/node-exporter' SuccessExitStatus=1 UMask=0022 \
	'SystemCallFilter=~@privileged @resources'
expect "audit: writes nowhere else" test "$(grep -c '^ReadWritePaths=' "$UNITS/keyward-audit.service")" -eq 1
expect "audit: runs the documented command" test "$(sed -n 's/^ExecStart=//p' "$UNITS/keyward-audit.service")" = \
	"/usr/bin/keyward audit --format json --output /var/lib/keyward/audit.json --report prometheus=/var/lib/prometheus/node-exporter/keyward.prom"
expect "keys snapshot: read-only host, no network, private files, SQLite's fchown allowed" \
	has keyward-keys-snapshot.service Type=oneshot ProtectHome=read-only PrivateNetwork=yes \
	CapabilityBoundingSet=CAP_DAC_READ_SEARCH RestrictAddressFamilies=AF_UNIX UMask=0077 \
	'SystemCallFilter=~@privileged @resources' SystemCallFilter=@chown \
	ExecStart=/usr/libexec/keyward/keys-snapshot
expect "keys snapshot: writes only its state folder" test "$(grep -c '^ReadWritePaths=' "$UNITS/keyward-keys-snapshot.service")" -eq 0
expect "guard: keeps what nftables, ipset and the journal need" \
	has keyward-guard.service 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_DAC_READ_SEARCH' \
	'RestrictAddressFamilies=AF_UNIX AF_NETLINK' ReadWritePaths=/var/lib/keyward ProtectHome=yes \
	UMask=0077 'ExecStart=/usr/bin/keyward guard --journal' Restart=on-failure
# systemd's own rating, 0 (best) to 10; --threshold is in tenths. Reviewed: guard 1.8,
# audit 1.0, keys snapshot 1.1 (@chown). A change that loosens a sandbox fails here.
for u in keyward-guard.service:18 keyward-audit.service:10 keyward-keys-snapshot.service:11; do
	systemd-analyze security --offline=true --threshold="${u#*:}" "$TMP/units/${u%%:*}" > "$TMP/sec.out" 2>&1
	rc=$?
	expect "${u%%:*}: systemd-analyze security exposure at most $((${u#*:} / 10)).$((${u#*:} % 10)) ($(grep -o 'exposure level.*' "$TMP/sec.out"))" test "$rc" -eq 0
done

# ---- timers and what may be enabled ----------------------------------------------------
for t in keyward-audit.timer keyward-keys-snapshot.timer; do
	svc=${t%.timer}.service
	cal=$(sed -n 's/^OnCalendar=//p' "$UNITS/$t")
	expect "$t: OnCalendar=$cal parses (systemd-analyze calendar)" \
		bash -c "systemd-analyze calendar '$cal' > /dev/null"
	expect "$t: once a day" test "$(systemd-analyze calendar "$cal" | sed -n 's/^ *Normalized form: //p')" = '*-*-* 00:00:00'
	delay=$(sed -n 's/^RandomizedDelaySec=//p' "$UNITS/$t")
	expect "$t: RandomizedDelaySec=$delay parses, at most a day" \
		bash -c "us=\$(systemd-analyze timespan '$delay' | sed -n 's/^ *μs: //p'); [ -n \"\$us\" ] && [ \"\$us\" -gt 0 ] && [ \"\$us\" -le 86400000000 ]"
	expect "$t: persistent, fixed per-host offset, started by timers.target" \
		has "$t" Persistent=true FixedRandomDelay=yes WantedBy=timers.target
	expect "$t: activates $svc, which exists" test -f "$UNITS/$svc"
	expect "$svc: no [Install] (only its timer starts it)" bash -c "! grep -q '^\[Install\]' '$UNITS/$svc'"
done
expect "guard: enabled by multi-user.target once an administrator enables it" \
	has keyward-guard.service WantedBy=multi-user.target

# ---- keyward-audit.service's command, as written, on the fixtures ----------------------
read -ra argv <<< "$(sed -n 's/^ExecStart=//p' "$UNITS/keyward-audit.service")"
argv[0]=$KW
for i in "${!argv[@]}"; do
	argv[i]=${argv[i]//\/var\/lib\/keyward\//$TMP/state/}
	argv[i]=${argv[i]//\/var\/lib\/prometheus\/node-exporter\//$TMP/prom/}
done
mkdir -m 0700 "$TMP/state"
mkdir -m 0755 "$TMP/prom"
(umask 0022; exec "${argv[@]}" --root "$TMP/dirty" -q 2> "$TMP/audit.err")
rc=$?
expect "audit command on the dirty image exits 1 (findings: success for the unit)" test "$rc" -eq 1
expect "audit command wrote the JSON report" \
	test "$(jget "$TMP/state/audit.json" 'len(r["findings"]) > 0')" = True
expect "audit command wrote keyward.prom, readable by node_exporter's user (0644)" \
	test "$(stat -c %a "$TMP/prom/keyward.prom" 2>/dev/null)" = 644
expect "nothing but keyward.prom is left in the textfile folder" test "$(ls -A "$TMP/prom")" = keyward.prom
promcheck() { # FILE EXIT: Prometheus' parser reads it; keyward_exit_code is EXIT
	"$SYSPY" - "$1" "$2" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
names = {f.name for f in fams}
codes = [s.value for f in fams for s in f.samples if s.name == "keyward_exit_code"]
ok = "keyward_findings" in names and codes == [float(sys.argv[2])]
if not ok:
    print("    metrics:", sorted(names), "exit codes:", codes)
sys.exit(0 if ok else 1)
PY
}
expect "keyward.prom parses with prometheus_client and says exit code 1" promcheck "$TMP/prom/keyward.prom" 1
(umask 0022; exec "${argv[@]}" --root "$TMP/clean" -q 2>> "$TMP/audit.err")
rc=$?
expect "audit command on the clean image exits 0" test "$rc" -eq 0
expect "keyward.prom replaced: exit code 0" promcheck "$TMP/prom/keyward.prom" 0
rmdir "$TMP/prom" 2> /dev/null || rm -r "$TMP/prom"
"${argv[@]}" --root "$TMP/clean" -q > /dev/null 2>&1
rc=$?
expect "audit command without the textfile folder exits 2 (the unit fails, visibly)" test "$rc" -eq 2

# ---- the key snapshot script -----------------------------------------------------------
cp -a "$TMP/clean" "$TMP/host"
K=$TMP/keys
mkdir -m 0700 "$K"
snap() { KEYWARD=$KW "$SCRIPT" --root "$TMP/host" --db "$K/keys.db" --audit-log "$K/keys-audit.log" --keep 2; }
snap > "$TMP/s1.out" 2>&1
rc=$?
expect "snapshot script, first run: exit 0" test "$rc" -eq 0
expect "snapshot script, first run: says there is nothing to compare yet" grep -q 'first snapshot of this target' "$TMP/s1.out"
expect "snapshot script, first run: no diff" bash -c "! grep -q '^keys of' '$TMP/s1.out'"
ssh-keygen -q -t ed25519 -N '' -C new-key -f "$TMP/newkey"
mkdir -p "$TMP/host/root/.ssh"
cat "$TMP/newkey.pub" >> "$TMP/host/root/.ssh/authorized_keys"
fp=$(ssh-keygen -lf "$TMP/newkey.pub" | awk '{print $2}')
snap > "$TMP/s2.out" 2>&1
rc=$?
expect "snapshot script, a key added: exit 0" test "$rc" -eq 0
expect "snapshot script, a key added: the diff says 1 new" grep -q '^1 new, 0 removed, 0 changed' "$TMP/s2.out"
expect "snapshot script, a key added: the diff names its fingerprint" grep -qF "$fp" "$TMP/s2.out"
snap > "$TMP/s3.out" 2>&1
rc=$?
expect "snapshot script, nothing changed: exit 0, no change" \
	bash -c "[ $rc -eq 0 ] && grep -q '^no change' '$TMP/s3.out'"
expect "snapshot script: --keep 2 kept two snapshots" \
	test "$("$KW" keys snapshot --list --format json --root "$TMP/host" --db "$K/keys.db" | grep -c '"snapshot":')" -eq 2
expect "snapshot script: the audit trail has three lines and is intact" \
	bash -c "'$KW' keys log --verify --audit-log '$K/keys-audit.log' | grep -q 'intact: 3 lines'"
touch "$TMP/notadir"
KEYWARD=$KW "$SCRIPT" --root "$TMP/host" --db "$TMP/notadir/keys.db" --audit-log "$K/x.log" > "$TMP/s4.out" 2>&1
rc=$?
expect "snapshot script, database cannot be made: exit 2, no diff attempted" \
	bash -c "[ $rc -eq 2 ] && ! grep -q 'first snapshot' '$TMP/s4.out'"
KEYWARD=$KW "$SCRIPT" --frobnicate > /dev/null 2>&1
rc=$?
expect "snapshot script, unknown option: exit 2" test "$rc" -eq 2

# ---- tmpfiles ----------------------------------------------------------------------------
mkdir -p "$TMP/tf1" "$TMP/tf2/var/lib/prometheus/node-exporter"
chmod 0750 "$TMP/tf2/var/lib/prometheus/node-exporter"
systemd-tmpfiles --create --root="$TMP/tf1" "$UNITS/keyward.tmpfiles"
rc=$?
expect "tmpfiles: creates /var/lib/prometheus/node-exporter (0755)" \
	bash -c "[ $rc -eq 0 ] && [ \"\$(stat -c %a '$TMP/tf1/var/lib/prometheus/node-exporter')\" = 755 ]"
systemd-tmpfiles --create --root="$TMP/tf2" "$UNITS/keyward.tmpfiles"
expect "tmpfiles: an existing folder keeps its mode" \
	test "$(stat -c %a "$TMP/tf2/var/lib/prometheus/node-exporter")" = 750

# ---- the example configs -----------------------------------------------------------------
examples() { sed -n 's/^#\([^ #!].*\)$/\1/p' "$1"; } # the commented-out entries, uncommented
"$KW" audit --root "$TMP/clean" --waivers "$SRC/data/etc/waivers" -q > /dev/null
rc=$?
expect "waivers as installed: accepted (audit of the clean image exits 0)" test "$rc" -eq 0
examples "$SRC/data/etc/waivers" > "$TMP/waivers"
expect "waivers: five examples" test "$(wc -l < "$TMP/waivers")" -eq 5
"$KW" audit --root "$TMP/dirty" --today 2026-11-21 --waivers "$TMP/waivers" --format json --output "$TMP/w.json" -q
rc=$?
expect "waivers examples: accepted (exit 1: other high findings remain)" test "$rc" -eq 1
expect "waivers examples: every secrets.history finding waived" \
	test "$(jget "$TMP/w.json" 'sorted({bool(f.get("waived")) for f in r["findings"] if f["id"] == "secrets.history"})')" = "[True]"
expect "waivers examples: root's authorized_keys waived" \
	test "$(jget "$TMP/w.json" '[bool(f.get("waived")) for f in r["findings"] if f["id"] == "keys.root-authorized-keys"]')" = "[True]"
expect "waivers examples: nothing else waived" \
	test "$(jget "$TMP/w.json" 'sorted({f["id"] for f in r["findings"] if f.get("waived")})')" = "['keys.root-authorized-keys', 'secrets.history']"

"$KW" keys scan --root "$TMP/clean" --allowed "$SRC/data/etc/allowed_keys" -q > /dev/null
rc=$?
expect "allowed_keys as installed: accepted" test "$rc" -eq 0
examples "$SRC/data/etc/allowed_keys" > "$TMP/allowed"
expect "allowed_keys: four examples" test "$(wc -l < "$TMP/allowed")" -eq 4
ex_key=$(grep '^ssh-ed25519 ' "$TMP/allowed")
ex_fp=$(printf '%s\n' "$ex_key" | ssh-keygen -lf - | awk '{print $2}')
expect "allowed_keys: the fingerprint examples are the key example's (ssh-keygen -lf)" \
	test "$(grep -c -F "$ex_fp" "$TMP/allowed")" -eq 2
cp -a "$TMP/clean" "$TMP/allow"
mkdir -p "$TMP/allow/root/.ssh"
{ printf '%s\n' "$ex_key"; cat "$SRC/tests/data/keys/bob_rsa.pub"; } > "$TMP/allow/root/.ssh/authorized_keys"
other_fp=$(ssh-keygen -lf "$SRC/tests/data/keys/bob_rsa.pub" | awk '{print $2}')
for variant in 1 2 3 4; do
	sed -n "${variant}p" "$TMP/allowed" > "$TMP/allowed.$variant"
	"$KW" keys scan --root "$TMP/allow" --allowed "$TMP/allowed.$variant" --format json --output "$TMP/a.json" -q
	rc=$?
	expect "allowed_keys example $variant: accepted, allows its key, not the other" \
		test "$rc.$(jget "$TMP/a.json" '",".join(sorted(f["fingerprint"] for f in r["findings"] if f["id"] == "keys.not-allowed"))')" = "0.$other_fp"
done

# ---- the docs' command lines against --help ----------------------------------------------
python3 - "$KW" "$SRC/docs/integrations.md" "$SRC/docs/packaging.md" > "$TMP/docs.out" 2>&1 <<'PY'
# The command lines are the code: fenced blocks, and `inline code` in the prose.
import re, subprocess, sys
kw, docs = sys.argv[1], sys.argv[2:]
commands = {"audit", "sshd", "sanitize", "harden", "guard", "keys", "scan", "cloud", "undo"}
keys_subs = {"scan", "snapshot", "diff", "add", "remove", "rotate", "log", "merge"}
helps, bad, seen = {}, [], 0

def snippets(text):
    text = text.replace("\\\n", " ")
    parts = re.split(r"^```[^\n]*$", text, flags=re.M)
    for i, part in enumerate(parts):
        if i % 2:  # inside a fence: one command per line; a line starting with an
            lines = []  # option continues the one above (YAML folded blocks)
            for l in part.split("\n"):
                if lines and l.strip().startswith("--"):
                    lines[-1] += " " + l.strip()
                else:
                    lines.append(l)
            yield from lines
        else:
            yield from (m.group(1) for m in re.finditer(r"`([^`]+)`", part))

for doc in docs:
    for snip in snippets(open(doc).read()):
        tokens = re.sub(r"[\[\],'\"]", " ", snip).split()
        for i, t in enumerate(tokens):
            if t not in ("keyward", "/usr/bin/keyward") or i + 1 == len(tokens) or tokens[i + 1] not in commands:
                continue
            words, rest = [tokens[i + 1]], []
            for u in tokens[i + 2:]:
                if u in ("keyward", "/usr/bin/keyward") or u[0] in ";|&>#":
                    break
                rest.append(u.rstrip(";"))
                if u.endswith(";"):
                    break
            if words[0] == "keys" and rest and rest[0] in keys_subs:
                words.append(rest.pop(0))
            key = " ".join(words)
            if key not in helps:
                p = subprocess.run([kw] + words + ["--help"], capture_output=True, text=True)
                helps[key] = p.stdout if p.returncode == 0 else None
            if helps[key] is None:
                bad.append("%s: keyward %s --help fails" % (doc, key))
                continue
            seen += 1
            for tok in rest:
                if not tok.startswith("-") or tok in ("-", "--"):
                    continue
                opt = tok.split("=", 1)[0]
                if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), helps[key]):
                    bad.append("%s: keyward %s: %s is not in its --help" % (doc, key, opt))
print("%d keyward command lines checked" % seen)
for b in bad:
    print("    " + b)
sys.exit(1 if bad or seen < 20 else 0)
PY
rc=$?
expect "docs: every keyward option in integrations.md and packaging.md is in its --help ($(head -1 "$TMP/docs.out"))" test "$rc" -eq 0
[ "$rc" -eq 0 ] || tail -n +2 "$TMP/docs.out"

# ---- meson installs them ------------------------------------------------------------------
missing=
for f in "$UNITS"/*.service "$UNITS"/*.timer "$UNITS"/keyward-keys-snapshot.sh "$UNITS"/keyward.tmpfiles "$SRC"/data/etc/*; do
	grep -qF "'data/${f#"$SRC"/data/}'" "$SRC/meson.build" || missing="$missing ${f#"$SRC"/}"
done
expect "meson.build installs every unit, script, tmpfiles line and example config${missing:+ (missing:$missing)}" test -z "$missing"

finish
