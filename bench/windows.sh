#!/usr/bin/env bash
# bench/windows.sh — `keyward windows --root` on a large Windows system volume, against what
# an auditor would otherwise run offline on Linux: RegRipper (Debian's regripper, one process
# per hive and plugin, as a user scripts it), hivexget for the Winlogon key (Debian's
# RegRipper 3.0 has no winlogon plugin, only winlogon_tln, which prints no values) and a grep
# of the volume for answer-file passwords, in one run.
#
#   the input (bench/gen_windows.py, fixed seed; made once, remade when the generator, the
#   test image builder or the sizes change; hives through hivex's hivexregedit):
#     SAM       BENCH_ACCOUNTS accounts (1,000: RegRipper's samparse looks each account's
#               Names key up by a linear search, so its time grows with the square of the
#               count: on 5,000 accounts it had listed 3,881 after 12 CPU minutes)
#     SYSTEM    two control sets (002 current) of BENCH_SERVICES services (2,000) each, an
#               Enum tree; RDP allowed, NLA on in the listener
#     SOFTWARE  BENCH_SOFTWARE_KEYS keys (40,000): Classes, vendors' trees, Uninstall;
#               autologon with a DefaultPassword; a Terminal Services policy turning NLA off
#     SECURITY  LSA secrets, DefaultPassword among them
#     tree      BENCH_PROFILES profiles (300) + Administrator, Public, Default (~25 files
#               each, credentials, .rdp files, authorized_keys, PowerShell histories
#               planted), ~6,000 Windows / Program Files filler files, the five answer files
#               of tests/data/windows/answers, a RegBack copy of SAM, a sparse pagefile.sys
#     hivex never reuses freed cells: keys with thousands of subkeys make the hives larger
#     than Windows would (printed below).
#
#   timed (hyperfine -N --warmup 1, BENCH_RUNS runs each, medians), all in one hyperfine run
#   so the shared machine's noise falls on every command alike:
#     keyward windows --root VOL --format json --output /dev/null
#     regripper -r SAM -p samparse              accounts, flags, logon counts
#     regripper -r SYSTEM -p termserv           fDenyTSConnections, SecurityLayer,
#                                               UserAuthentication, PortNumber (current set)
#     regripper -r SOFTWARE -p termserv         the Terminal Services policy
#     regripper -r SYSTEM -p svc                every service of the current set, Start type
#     hivexget SOFTWARE '...\Winlogon'          AutoAdminLogon, DefaultUserName, DefaultPassword
#     grep -rlIiE --include=*.xml,*.inf,*.txt '<(Administrator)?Password>|cpassword=|AdminPassword' VOL
#   The competitor's time is the sum of the six medians (a script running them one after
#   the other), its peak memory the largest of the six.
#   peak memory: /usr/bin/time -f %M, one run of each (those runs also write the outputs the
#   checks below read).
#   correctness (the script fails otherwise): keyward exits 1 (findings) with no errors and
#   reports exactly what was planted: one local-account finding per enabled account from
#   RID 1000, blank-password and password-not-required per such account, the four automatic
#   and two manual watched services of the current control set (none from ControlSet001),
#   RDP enabled with NLA off from the policy, both autologon findings, 7 answer-file
#   passwords, 1 cpassword, 1 blanked answer file, the credential, .rdp, authorized_keys,
#   history, RegBack and pagefile leftovers. RegRipper lists every account and every
#   service of the current set, and its output (grep) holds fDenyTSConnections = 0, the
#   listener's UserAuthentication 1 and the policy's 0; hivexget shows AutoAdminLogon "1"
#   and a DefaultPassword.
#   printed: hive sizes, seconds (wall median, CPU mean) and MB for each command, the ratios
#   competitor/keyward, and what each side reports about the same facts, side by side (the
#   tools report different things: the counts are shown, not compared for equality).
#   keyward copies each hive into an anonymous memory file before hivex opens it, so its
#   peak memory follows the hives' sizes (inflated here, see above); RegRipper reads on
#   demand.
#   BENCH_CALLGRIND=1 adds keyward's instruction count under valgrind --tool=callgrind.
#
# Usage: bench/windows.sh [WORKDIR]   (default /tmp/keyward-bench-windows; the volume is reused)
#        about 3 minutes on two cores, two of them samparse (10 s more to generate the volume)
# Env: BENCH_RUNS (3), BENCH_ACCOUNTS (1000), BENCH_SERVICES (2000), BENCH_SOFTWARE_KEYS
#      (40000), BENCH_PROFILES (300), BENCH_CALLGRIND (0)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup
bench_workdir /tmp/keyward-bench-windows 3 "$@"
SIZES="${BENCH_ACCOUNTS:-1000} ${BENCH_SERVICES:-2000} ${BENCH_SOFTWARE_KEYS:-40000} ${BENCH_PROFILES:-300}"
R=$W/results
rm -rf "$R"
mkdir -p "$R"

stamp=$( (cat bench/gen_windows.py tests/data/windows/mkimage.py tests/data/windows/mkhive.py; echo "$SIZES") \
	| sha256sum | cut -c1-16)
if [ "$(cat "$W/.generated" 2>/dev/null)" != "$stamp" ]; then
	echo "generating the volume in $W/vol (fixed seed; sizes $SIZES) ..."
	rm -f "$W/.generated"
	# shellcheck disable=SC2086 # SIZES is four numbers
	python3 bench/gen_windows.py "$W" $SIZES
	echo "$stamp" >"$W/.generated"
fi
V=$W/vol
C=$V/Windows/System32/config
WINLOGON='Microsoft\Windows NT\CurrentVersion\Winlogon'
GREP_RE='<(Administrator)?Password>|cpassword=|AdminPassword'

cmds=(
	"$KW windows --root $V --format json --output /dev/null"
	"regripper -r $C/SAM -p samparse"
	"regripper -r $C/SYSTEM -p termserv"
	"regripper -r $C/SOFTWARE -p termserv"
	"regripper -r $C/SYSTEM -p svc"
	"hivexget $C/SOFTWARE '$WINLOGON'"
	"grep -rlIiE --include=*.xml --include=*.inf --include=*.txt '$GREP_RE' $V"
)
echo "timing ${#cmds[@]} commands ($RUNS runs each after one warm-up; samparse dominates) ..."
# keyward exits 1 (it has findings): failures are allowed here and checked below
hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$R/hf.json" "${cmds[@]}" \
	>"$R/hf.log" 2>&1 || { cat "$R/hf.log"; exit 1; }

echo "peak memory (one run each) and the outputs ..."
# peak NAME WANT_RC CMD...: run CMD under /usr/bin/time; peak RSS (KB) to R/NAME.kb, its
# output to R/NAME.out; fail unless it exits WANT_RC
peak() {
	local name=$1 want=$2 rc=0
	shift 2
	/usr/bin/time -f %M -o "$R/$name.kb" "$@" >"$R/$name.out" 2>"$R/$name.err" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "bench: $name exited $rc (want $want):" >&2
		tail -5 "$R/$name.err" >&2
		exit 1
	fi
}
peak kw 1 "$KW" windows --root "$V" --format json --output "$R/kw.json"
peak rr-sam 0 regripper -r "$C/SAM" -p samparse
peak rr-ts-system 0 regripper -r "$C/SYSTEM" -p termserv
peak rr-ts-software 0 regripper -r "$C/SOFTWARE" -p termserv
peak rr-svc 0 regripper -r "$C/SYSTEM" -p svc
peak hivexget 0 hivexget "$C/SOFTWARE" "$WINLOGON"
peak grep 0 grep -rlIiE --include='*.xml' --include='*.inf' --include='*.txt' "$GREP_RE" "$V"

if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
	echo "instruction count under callgrind ..."
	valgrind --tool=callgrind --callgrind-out-file="$R/callgrind.out" \
		"$KW" windows --root "$V" --format json --output /dev/null >/dev/null 2>"$R/callgrind.log" || true
	grep -o 'Collected : [0-9]*' "$R/callgrind.log" | grep -o '[0-9]*' >"$R/callgrind.ir"
fi

echo "checking both sides' outputs against what was planted ..."
python3 - "$W" "$R" "$RUNS" <<'PY'
import collections, json, os, re, statistics, sys
W, R, RUNS = sys.argv[1], sys.argv[2], int(sys.argv[3])
P = json.load(open(os.path.join(W, "planted.json")))
names = ["kw", "rr-sam", "rr-ts-system", "rr-ts-software", "rr-svc", "hivexget", "grep"]
hf = json.load(open(os.path.join(R, "hf.json")))["results"]
t = dict(zip(names, (statistics.median(r["times"]) for r in hf)))
cpu = dict(zip(names, (r["user"] + r["system"] for r in hf)))
mb = {k: int(open(os.path.join(R, k + ".kb")).read().split()[-1]) / 1024 for k in names}
out = {k: open(os.path.join(R, k + ".out"), encoding="utf-8", errors="replace").read() for k in names[1:]}
rep = json.load(open(os.path.join(R, "kw.json")))
fc = collections.Counter(f["id"] for f in rep["findings"])
bad = []

def want(what, got, exp):
    if got != exp:
        bad.append("%s: %r, want %r" % (what, got, exp))

# keyward against the plant
sam, sysp, prof, ans = P["sam"], P["system"], P["profiles"], P["answers"]
want("keyward exit code", rep["exit_code"], 1)
want("keyward errors", len(rep["errors"]) + rep["summary"]["errors"], 0)
want("windows.local-account", fc["windows.local-account"], sam["local_account"])
want("windows.blank-password", fc["windows.blank-password"], sam["blank_password"])
want("windows.password-not-required", fc["windows.password-not-required"], sam["password_not_required"])
want("windows.administrator-password", fc["windows.administrator-password"], 1)
want("windows.guest-enabled", fc["windows.guest-enabled"], 0)
svc = {f["target"]: f["severity"] for f in rep["findings"] if f["id"] == "windows.unneeded-service"}
want("unneeded services (automatic)", sorted(k for k, v in svc.items() if v == "medium"), sysp["unneeded_auto"])
want("unneeded services (manual)", sorted(k for k, v in svc.items() if v == "info"), sysp["unneeded_manual"])
want("windows.rdp-enabled", fc["windows.rdp-enabled"], 1)
nla = [f["evidence"] for f in rep["findings"] if f["id"] == "windows.rdp-nla-off"]
want("windows.rdp-nla-off from the policy", [("policy" in e) for e in nla], [True])
for c in ("windows.rdp-security-layer", "windows.rdp-encryption-low", "windows.rdp-certificate-bound",
          "windows.limit-blank-password-use-off", "windows.hive-dirty"):
    want(c, fc[c], 0)
want("windows.autologon", fc["windows.autologon"], 1)
want("windows.autologon-password", fc["windows.autologon-password"], 1)
want("windows.answer-file-password", fc["windows.answer-file-password"], ans["answer_file_password"])
want("windows.gpp-cpassword", fc["windows.gpp-cpassword"], ans["gpp_cpassword"])
want("windows.answer-file", fc["windows.answer-file"], ans["answer_file"])
want("windows.stored-credentials", fc["windows.stored-credentials"], prof["credman"] + prof["vault"])
want("windows.rdp-file-password", fc["windows.rdp-file-password"], prof["rdp_password"])
want("keys.authorized-keys", fc["keys.authorized-keys"], prof["authorized_keys"])
want("secrets.history", fc["secrets.history"], prof["history"])
want("windows.old-hive-copy", fc["windows.old-hive-copy"], P["leftovers"]["old_hive"])
want("windows.memory-image", fc["windows.memory-image"], P["leftovers"]["memory_image"])
if "Bench-Autologon-4r" in open(os.path.join(R, "kw.json")).read():
    bad.append("keyward's report holds the autologon password")

# the competitor: it must at least show the same facts
rr_users = re.findall(r"^Username\s+: (\S+) \[(\d+)\]", out["rr-sam"], re.M)
rr_disabled = len(re.findall(r"--> Account Disabled", out["rr-sam"]))
rr_pwnotreq = len(re.findall(r"--> Password not required", out["rr-sam"]))
want("samparse accounts", len(rr_users), sam["accounts"])
rows = [l.split(",") for l in out["rr-svc"].splitlines() if re.match(r"^\d{4}-\d\d-\d\d ", l)]
svc_rows = [r for r in rows if "\\" not in r[1]]
want("svc services (current set)", len(svc_rows), sysp["services"])
rr_start = {r[1]: r[5] for r in svc_rows}
for s in sysp["unneeded_auto"]:
    want("svc Start of " + s, rr_start.get(s), "Auto Start")
rr_auto = sum(1 for r in svc_rows if r[5] == "Auto Start")
want("svc automatic services", rr_auto, sysp["auto_other"] + len(sysp["unneeded_auto"]))
for k, pat in (("rr-ts-system", r"fDenyTSConnections = 0\b"),
               ("rr-ts-system", r"ControlSet002\\Control\\Terminal Server"),
               ("rr-ts-system", r"UserAuthentication: 1\b"),
               ("rr-ts-software", r"UserAuthentication value = 0\b"),
               ("hivexget", r'^"AutoAdminLogon"="1"$'),
               ("hivexget", r'^"DefaultPassword"=')):
    if not re.search(pat, out[k], re.M):
        bad.append("%s output lacks %s" % (k, pat))
grep_files = sorted(os.path.relpath(l, os.path.join(W, "vol")) for l in out["grep"].splitlines())
kw_ans = collections.Counter(f["target"] for f in rep["findings"]
                             if f["id"] in ("windows.answer-file-password", "windows.gpp-cpassword"))
if bad:
    print("bench: the checks failed:\n  " + "\n  ".join(bad), file=sys.stderr)
    sys.exit(1)

H = P["hive_bytes"]
print()
print("volume: SAM %.1f MB (%d accounts), SYSTEM %.1f MB (%d + %d services, %d keys), SOFTWARE"
      " %.1f MB (%d keys), SECURITY %.0f kB; %d profiles; generated in %.0f s (hivexregedit %.0f s)"
      % (H["SAM"] / 1e6, sam["accounts"], H["SYSTEM"] / 1e6, sysp["services"], sysp["services"],
         sysp["keys"], H["SOFTWARE"] / 1e6, P["software"]["keys"], H["SECURITY"] / 1e3,
         prof["profiles"], sum(P["seconds"].values()), P["seconds"]["hives"]))
print()
print("%-52s %10s %9s %8s" % ("", "s (median)", "CPU s", "MB peak"))
labels = {"kw": "keyward windows --root VOL",
          "rr-sam": "regripper -r SAM -p samparse",
          "rr-ts-system": "regripper -r SYSTEM -p termserv",
          "rr-ts-software": "regripper -r SOFTWARE -p termserv",
          "rr-svc": "regripper -r SYSTEM -p svc",
          "hivexget": "hivexget SOFTWARE ...\\Winlogon",
          "grep": "grep -rlIiE (answer-file passwords) VOL"}
for k in names:
    print("%-52s %10.3f %9.3f %8.0f" % (labels[k], t[k], cpu[k], mb[k]))
ct = sum(t[k] for k in names[1:])
cc = sum(cpu[k] for k in names[1:])
cm = max(mb[k] for k in names[1:])
print("%-52s %10.3f %9.3f %8.0f" % ("the six above, one after the other (sum; max MB)", ct, cc, cm))
print("%-52s %10.3f %9.3f %8.0f" % ("  the same without samparse", ct - t["rr-sam"],
                                      cc - cpu["rr-sam"], max(mb[k] for k in names[2:])))
print()
print("competitor/keyward: time %.1fx (CPU %.1fx), memory %.2fx; without samparse: time %.2fx"
      "   (above 1: keyward is faster / smaller)"
      % (ct / t["kw"], cc / cpu["kw"], cm / mb["kw"], (ct - t["rr-sam"]) / t["kw"]))
print("(CPU s: hyperfine's mean user + system time over %d runs, which the other load on the"
      " machine disturbs less than the wall clock)" % RUNS)
if os.path.exists(os.path.join(R, "callgrind.ir")):
    ir = open(os.path.join(R, "callgrind.ir")).read().split()
    if ir:
        print("keyward under callgrind: %.0f million instructions" % (int(ir[0]) / 1e6))

print()
print("the same facts, side by side (planted / keyward / RegRipper, hivexget, grep):")
row = "  %-34s %10s %14s %26s"
print(row % ("", "planted", "keyward", "competitor"))
print(row % ("accounts listed", sam["accounts"], "-", "%d (samparse)" % len(rr_users)))
print(row % ("  disabled", sam["disabled"], "skipped", "%d flagged" % rr_disabled))
print(row % ("  enabled local accounts (RID>=1000)", sam["local_account"],
             fc["windows.local-account"], "not judged"))
print(row % ("  enabled, no NT hash", sam["blank_password"] + 0, fc["windows.blank-password"],
             "not read"))
print(row % ("  PASSWD_NOTREQD (all, any state)", "-", "-", "%d flagged" % rr_pwnotreq))
print(row % ("  enabled, hash and PASSWD_NOTREQD", sam["password_not_required"],
             fc["windows.password-not-required"], "(in the line above)"))
print(row % ("services, current set", sysp["services"], "8 watched", "%d (svc)" % len(svc_rows)))
print(row % ("  automatic", sysp["auto_other"] + len(sysp["unneeded_auto"]),
             "%d of them" % len(sysp["unneeded_auto"]), "%d listed" % rr_auto))
print(row % ("  watched, manual", len(sysp["unneeded_manual"]), "%d (info)" % len(sysp["unneeded_manual"]), "listed"))
print(row % ("RDP NLA in force", "off (policy)", "off (policy)", "listener 1 + policy 0"))
print(row % ("autologon + DefaultPassword", "yes", "2 findings", "values (password shown)"))
print(row % ("answer files with passwords", 4, len(kw_ans), "%d files (grep)" % len(grep_files)))
print(row % ("  password elements", ans["answer_file_password"] + ans["gpp_cpassword"],
             sum(kw_ans.values()), "-"))
kw_files = {k.lstrip("/").lower() for k in kw_ans}
g_files = {g.lower() for g in grep_files}
print("    grep matched %d of keyward's %d files with a password (missed: %s) and %d without one"
      " (%s)" % (len(kw_files & g_files), len(kw_files), ", ".join(sorted(kw_files - g_files)) or "none",
                 len(g_files - kw_files), ", ".join(sorted(g_files - kw_files)) or "none"))
print(row % ("profile leftovers (creds, .rdp, keys, hist)",
             prof["credman"] + prof["vault"] + prof["rdp_password"] + prof["authorized_keys"] + prof["history"],
             fc["windows.stored-credentials"] + fc["windows.rdp-file-password"]
             + fc["keys.authorized-keys"] + fc["secrets.history"], "not covered"))
print()
print("checked: keyward exit 1, no errors, every planted finding and nothing from ControlSet001;"
      " RegRipper lists every account and service and shows the RDP and autologon values")
PY
