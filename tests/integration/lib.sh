# lib.sh — a tiny harness for keyward's black-box tests (sourced).
#   expect "what it checks" CONDITION-COMMAND...   run the command; pass if it exits 0
#   finish                                          print "N passed, N failed", exit status
# Every failure prints the description so a failing case reads like a sentence.
set -uo pipefail
KW=${1:?keyward binary}
SRC=${2:?source root}
T_PASS=0 T_FAIL=0
TMP=$(mktemp -d /tmp/kwtest.XXXXXX) || exit 1
case $TMP in /tmp/kwtest.*) ;; *) echo "lib.sh: bad temp dir" >&2; exit 1 ;; esac
trap 'rm -rf "$TMP"' EXIT
# keyward's own temporary folders (staging for sshd -t, ...) go here, not to a /tmp that
# tests running in parallel share
export TMPDIR=$TMP/tmpdir
mkdir "$TMPDIR" || exit 1
export KEYWARD_NO_PROGRESS=1

expect() {
	local what=$1
	shift
	if "$@"; then
		T_PASS=$((T_PASS + 1))
		echo "ok - $what"
	else
		T_FAIL=$((T_FAIL + 1))
		echo "not ok - $what"
	fi
}

# wait_for SECONDS COMMAND...: run the command every 0.1 s until it succeeds (0), or give
# up after SECONDS (1). Bounded waits for daemons and followers in the tests.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

# findings FILE.json -> sorted "id<TAB>target<TAB>waived" lines
findings() {
	python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for f in sorted(r["findings"], key=lambda f: (f["id"], f["target"])):
    print("%s\t%s\t%s" % (f["id"], f["target"], "waived" if f.get("waived") else ""))
PY
}

# jget FILE.json EXPR  (python expression on r)
jget() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# normalise a JSON report for golden comparison: drop what changes from run to run
normalise() {
	python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("started", "seconds"):
    r.pop(k, None)
r["tool"].pop("version", None)
r["target"] = "<target>"
print(json.dumps(r, indent=2, sort_keys=False))
PY
}
