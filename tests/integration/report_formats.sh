#!/usr/bin/env bash
# report_formats — the shared report formats (sarif, junit, markdown, html, prometheus) of
# every finding command, checked by the real consumers' rules:
#   - SARIF against the OASIS SARIF 2.1.0 schema (python3-jsonschema), and its results
#     against the same run's JSON report;
#   - JUnit against the JUnit XSD (xmllint), failures counted from the JSON report;
#   - Markdown through cmark-gfm with GitHub's extensions: one table row per finding,
#     and target text (hostile account names) never becomes a link, image, HTML,
#     mention-looking link or emphasis;
#   - --report FORMAT=FILE writes every file of one run atomically; a failed write is an
#     error (exit 2), never a silent truncation.
. "$(dirname "$0")/lib.sh" "$@"
SCHEMA=$SRC/tests/data/report/schema
PY=python3
for tool in xmllint cmark-gfm; do
	command -v "$tool" >/dev/null || { echo "not ok - $tool is missing (scripts/bootstrap installs it)"; exit 1; }
done
$PY -c 'import jsonschema' 2>/dev/null || { echo "not ok - python3-jsonschema is missing"; exit 1; }

bash "$SRC/tests/integration/mkimage.sh" dirty "$TMP/dirty" "$SRC" >/dev/null
# hostile account names: each would be markup in one format or another
cp -a "$TMP/dirty" "$TMP/evil"
# (no ':' in them: it ends a passwd field)
payloads=('<script>alert(1)</script>' '"><img src=x onerror=alert(1)>' '[x](//evil.example/x)'
	  '@everyone' 'a|b|c' 'www.evil.example' '![i](//evil.example/i.png)' '`code`' '*em*_u_'
	  '~~del~~' '&amp;' ']]><!--' 'see#1234')
uid=3000
for p in "${payloads[@]}"; do
	printf '%s:x:%d:%d::/home/u%d:/bin/bash\n' "$p" "$uid" "$uid" "$uid" >>"$TMP/evil/etc/passwd"
	printf '%s:$6$s$%s:19700:0:99999:7:::\n' "$p" "$(printf 'x%.0s' $(seq 86))" >>"$TMP/evil/etc/shadow"
	uid=$((uid + 1))
done

sarif_valid() { # FILE...
	$PY - "$SCHEMA/sarif-schema-2.1.0.json" "$@" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
V = jsonschema.validators.validator_for(schema)
bad = 0
for f in sys.argv[2:]:
    for e in V(schema).iter_errors(json.load(open(f))):
        print("%s: %s at %s" % (f, e.message[:300], list(e.absolute_path)), file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
}
junit_valid() { xmllint --noout --schema "$SCHEMA/JUnit.xsd" "$@" 2>"$TMP/xmllint.log" || { cat "$TMP/xmllint.log" >&2; return 1; }; }

# SARIF results are the JSON report's findings, in order; JUnit failures are the checks
# with a finding at or above fail-on that is not waived.
cross_check() { # JSON SARIF JUNIT FAIL_ON FINDINGS_JQ_PATH
	$PY - "$@" <<'PY'
import json, sys, re
js, sarif, junit, fail_on, path = sys.argv[1:6]
rank = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4, "never": 9}
doc = json.load(open(js))
for k in path.split("."):
    doc = doc[k]
findings = doc or []
run = json.load(open(sarif))["runs"][0]
res = run["results"]
rules = run["tool"]["driver"]["rules"]
assert len(res) == len(findings), (len(res), len(findings))
for r, f in zip(res, findings):
    assert r["ruleId"] == f["id"], (r["ruleId"], f["id"])
    assert rules[r["ruleIndex"]]["id"] == f["id"]
failing = {f["id"] for f in findings if not f.get("waived") and rank[f["severity"]] >= rank[fail_on]}
x = open(junit).read()
fails = re.findall(r'name="([^"]+)" time="0">\s*<failure ', x)
assert set(fails) == failing, (sorted(fails), sorted(failing))
PY
}

# ---- audit ----
"$KW" audit --root "$TMP/dirty" --today 2026-11-21 --format json --output "$TMP/a.json" \
	--report sarif="$TMP/a.sarif" --report junit="$TMP/a.xml" --report markdown="$TMP/a.md" \
	--report html="$TMP/a.html" --report prometheus="$TMP/a.prom"
rc=$?
expect "audit with five --report files exits as the audit does (1)" test "$rc" -eq 1
expect "audit: every --report file is written" test -s "$TMP/a.sarif" -a -s "$TMP/a.xml" -a -s "$TMP/a.md" -a -s "$TMP/a.html" -a -s "$TMP/a.prom"
expect "audit: no temporary file is left behind" test -z "$(find "$TMP" -maxdepth 1 -name '*.tmp.*')"
expect "audit SARIF is valid SARIF 2.1.0" sarif_valid "$TMP/a.sarif"
expect "audit JUnit is valid against the XSD" junit_valid "$TMP/a.xml"
expect "audit SARIF and JUnit agree with the JSON report" cross_check "$TMP/a.json" "$TMP/a.sarif" "$TMP/a.xml" high findings
expect "audit SARIF locations are relative to the root" \
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; assert r["originalUriBaseIds"]["ROOT"]["uri"].startswith("file:///"); u=[l["physicalLocation"]["artifactLocation"]["uri"] for x in r["results"] for l in x["locations"] if "physicalLocation" in l]; assert u and all(not s.startswith("/") for s in u) and "etc/shadow" in u' "$TMP/a.sarif"
crit=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["by_severity"]["critical"])' "$TMP/a.json" 2>/dev/null || echo x)
expect "audit prometheus: critical count as in the JSON report ($crit)" grep -q "^keyward_findings{command=\"audit\",target=\"[^\"]*\",severity=\"critical\"} $crit\$" "$TMP/a.prom"
expect "audit prometheus: exit code 1" grep -q '^keyward_exit_code{.*} 1$' "$TMP/a.prom"

# the same run with --format sarif on stdout
"$KW" audit --root "$TMP/dirty" --today 2026-11-21 --format sarif >"$TMP/a2.sarif"
expect "audit --format sarif on stdout is valid too" sarif_valid "$TMP/a2.sarif"

# ---- keys scan, cloud, scan ----
"$KW" keys scan --root "$TMP/dirty" --fail-on medium --format json --output "$TMP/k.json" \
	--report sarif="$TMP/k.sarif" --report junit="$TMP/k.xml" 2>/dev/null
expect "keys scan SARIF is valid" sarif_valid "$TMP/k.sarif"
expect "keys scan JUnit is valid" junit_valid "$TMP/k.xml"
expect "keys scan SARIF and JUnit agree with its JSON" cross_check "$TMP/k.json" "$TMP/k.sarif" "$TMP/k.xml" medium findings

G=$SRC/tests/data/cloud/golden
"$KW" cloud "$G/aws-fleet-sg.json" "$G/aws-fleet-instances.json" --fail-on high --format json \
	--output "$TMP/c.json" --report sarif="$TMP/c.sarif" --report junit="$TMP/c.xml" 2>/dev/null
expect "cloud SARIF is valid" sarif_valid "$TMP/c.sarif"
expect "cloud JUnit is valid" junit_valid "$TMP/c.xml"
expect "cloud SARIF and JUnit agree with its JSON" cross_check "$TMP/c.json" "$TMP/c.sarif" "$TMP/c.xml" high findings
expect "cloud SARIF: the input file is the location, the JSON pointer a logical location" \
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]["results"]; l=[x["locations"][0] for x in r if "physicalLocation" in x["locations"][0]]; assert l and all(x["physicalLocation"]["artifactLocation"]["uri"].endswith(".json") and "#" not in x["physicalLocation"]["artifactLocation"]["uri"] for x in l); assert any(m["kind"] == "member" and m["name"].startswith("/SecurityGroups/") for x in l for m in x["logicalLocations"])' "$TMP/c.sarif"

# scan: two addresses where nothing listens (bounded by --timeout): a suite per server
"$KW" scan 127.0.0.1:1 127.0.0.2:1 --timeout 2s -q --format junit --output "$TMP/s.xml" --report sarif="$TMP/s.sarif"
expect "scan JUnit is valid" junit_valid "$TMP/s.xml"
expect "scan JUnit has one suite per server" test "$(grep -c '<testsuite ' "$TMP/s.xml")" -eq 2
expect "scan SARIF is valid" sarif_valid "$TMP/s.sarif"

# ---- Markdown through GitHub's renderer, with hostile account names ----
"$KW" audit --root "$TMP/evil" --today 2026-11-21 --format markdown --output "$TMP/e.md" --report json="$TMP/e.json"
cmark-gfm -e table -e autolink -e strikethrough -e tagfilter "$TMP/e.md" >"$TMP/e.html"
nfind=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$TMP/e.json")
expect "markdown: one table row per finding ($nfind), four cells each" $PY - "$TMP/e.html" "$nfind" <<'PY'
import sys, html.parser
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.tables = []; s.tags = set(); s.cells = None
    def handle_starttag(s, t, a):
        s.tags.add(t)
        if t == "table": s.tables.append([])
        if t == "tr": s.cells = 0
        if t == "td" and s.cells is not None: s.cells += 1
    def handle_endtag(s, t):
        if t == "tr" and s.cells: s.tables[-1].append(s.cells); s.cells = None
p = P(); p.feed(open(sys.argv[1]).read())
rows = p.tables[1]
assert len(rows) == int(sys.argv[2]), (len(rows), sys.argv[2])
assert set(rows) == {4}, rows
PY
expect "markdown: no link, image, script, strikethrough or raw HTML from target text" $PY - "$TMP/e.html" <<'PY'
import sys, html.parser
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.tags = set()
    def handle_starttag(s, t, a): s.tags.add(t)
p = P(); p.feed(open(sys.argv[1]).read())
allowed = {"h3", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "em", "details", "summary", "ul", "li", "strong"}
assert p.tags <= allowed, p.tags - allowed
PY
for p in "${payloads[@]}"; do
	expect "markdown shows the name ${p} as text" $PY -c 'import sys,html; t=open(sys.argv[1]).read(); import re; txt=html.unescape(re.sub(r"<[^>]+>", "", t)); assert sys.argv[2] in txt, sys.argv[2]' "$TMP/e.html" "$p"
done

# ---- JUnit and SARIF with the hostile names ----
"$KW" audit --root "$TMP/evil" --today 2026-11-21 --format junit --output "$TMP/e.xml" --report sarif="$TMP/e.sarif"
expect "JUnit with hostile names is still valid" junit_valid "$TMP/e.xml"
expect "SARIF with hostile names is still valid" sarif_valid "$TMP/e.sarif"
expect "JUnit carries the names as text (xmllint reads them back)" \
	sh -c 'xmllint --xpath "string(//testcase[@name=\"accounts.usable-password\"]/failure)" "$1" | grep -qF "<script>alert(1)</script>"' _ "$TMP/e.xml"

# ---- errors ----
"$KW" audit --root "$TMP/dirty" --format yaml >/dev/null 2>"$TMP/err"
rc=$?
expect "--format yaml is a usage error (2)" test "$rc" -eq 2
expect "the message lists the formats" grep -q 'text, json, sarif, junit, markdown, html, prometheus' "$TMP/err"
"$KW" audit --root "$TMP/dirty" --report sarif >/dev/null 2>"$TMP/err"
expect "--report without =FILE is a usage error" test $? -eq 2
"$KW" audit --root "$TMP/dirty" --today 2026-11-21 --report sarif=/dev/full >/dev/null 2>"$TMP/err"
rc=$?
expect "a --report that cannot be written fails the run (2)" test "$rc" -eq 2
expect "and says which report" grep -q 'error writing the sarif report (/dev/full)' "$TMP/err"
for f in sarif junit markdown html prometheus; do
	"$KW" audit --root "$TMP/dirty" --today 2026-11-21 --format "$f" >/dev/full 2>"$TMP/err"
	rc=$?
	expect "--format $f to a full disk exits 2" test "$rc" -eq 2
done
"$KW" audit --list-checks --format sarif >/dev/null 2>&1
expect "--list-checks refuses the report formats" test $? -eq 2
finish
