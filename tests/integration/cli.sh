#!/usr/bin/env bash
# cli.sh KEYWARD SRCROOT — the command line: help for every command, --list-checks in both
# formats, usage errors, and a real audit of this host (the README's main job).
source "$(dirname "$0")/lib.sh"

"$KW" --help > "$TMP/help" 2>&1
expect "keyward --help exits 0" test $? -eq 0
expect "keyward --help lists the audit command" grep -q '^  audit ' "$TMP/help"
for cmd in $(awk '/^Commands:/{f=1;next} f && /^  [a-z]/{print $1} /^$/{if(f)exit}' "$TMP/help"); do
	"$KW" "$cmd" --help > "$TMP/h.$cmd" 2>&1
	expect "keyward $cmd --help exits 0" test $? -eq 0
	expect "keyward $cmd --help shows usage and examples" \
		bash -c "grep -q '^usage: keyward $cmd' '$TMP/h.$cmd' && grep -q '^Examples:' '$TMP/h.$cmd'"
done
"$KW" > /dev/null 2>&1
expect "keyward with no command is a usage error (2)" test $? -eq 2
"$KW" frobnicate > /dev/null 2>&1
expect "an unknown command is a usage error (2)" test $? -eq 2
"$KW" audit --no-such-option > /dev/null 2>&1
expect "an unknown option is a usage error (2)" test $? -eq 2
"$KW" --version | grep -qE '^keyward [0-9]+\.[0-9]+\.[0-9]+$'
expect "--version prints the version" test $? -eq 0

"$KW" audit --list-checks > "$TMP/checks.txt"
expect "--list-checks exits 0" test $? -eq 0
"$KW" audit --list-checks --format json > "$TMP/checks.json"
n=$(jget "$TMP/checks.json" 'len(r)')
expect "--list-checks --format json lists at least 30 checks" test "$n" -ge 30
expect "every check id is a dotted slug and unique" python3 - "$TMP/checks.json" <<'PY'
import json, re, sys
c = json.load(open(sys.argv[1]))
ids = [x["id"] for x in c]
assert len(ids) == len(set(ids)), "duplicate ids"
for x in c:
    assert re.fullmatch(r"[a-z0-9]+(\.[a-z0-9-]+)+", x["id"]), x["id"]
    assert x["severity"] in ("info", "low", "medium", "high", "critical"), x
    assert x["title"] and x["remediation"] and x["references"], x["id"]
PY
expect "every JSON check appears in the text list" bash -c \
	"for id in \$(python3 -c 'import json,sys; [print(x[\"id\"]) for x in json.load(open(sys.argv[1]))]' '$TMP/checks.json'); do grep -qF \"\$id\" '$TMP/checks.txt' || exit 1; done"

# the main job: an audit of this very host, as the README's first command runs it
"$KW" audit --format json --output "$TMP/host.json" 2> "$TMP/host.err"
rc=$?
expect "auditing this host finishes with 0, 1 or 3 (not a usage error or crash): got $rc" \
	bash -c "[ $rc -eq 0 ] || [ $rc -eq 1 ] || [ $rc -eq 3 ]"
expect "the host audit names its target 'host /'" grep -q '"target": "host /"' "$TMP/host.json"
expect "on the running host, host keys and machine-id are advice (info), not findings" python3 - "$TMP/host.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    if f["id"] in ("image.ssh-host-keys", "image.machine-id", "image.dhcp-leases"):
        assert f["severity"] == "info", f
PY
"$KW" audit --as-image --format json --output "$TMP/asimage.json" 2>/dev/null
expect "--as-image judges / as an image (host keys are high if present)" python3 - "$TMP/asimage.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    if f["id"] == "image.ssh-host-keys":
        assert f["severity"] == "high", f
PY
# --output onto a device writes through it; it must never replace the device node
mknod "$TMP/null" c 1 3
"$KW" audit --root "$SRC/tests/data" --output "$TMP/null" >/dev/null 2>&1
expect "--output to a character device keeps the device node" test -c "$TMP/null"
"$KW" audit --root "$SRC/tests/data" --output "$TMP/report.txt" >/dev/null 2>&1
expect "--output to a new file writes the report there" grep -q 'keyward' "$TMP/report.txt"
expect "--output leaves no temporary file behind" bash -c "! ls '$TMP' | grep -q 'report.txt.tmp'"
finish
