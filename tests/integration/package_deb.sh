#!/usr/bin/env bash
# package_deb.sh KEYWARD SRCROOT — the Debian package, built from a copy of the tree with
# `dpkg-buildpackage -us -uc -b` (about 25 s of the 40 s this takes on two cores):
#   - what the .deb holds: the binary, units, snapshot script, tmpfiles line, profiles,
#     policies, harden sets, example configs (conffiles), docs; the same bytes as the tree;
#     nothing outside /usr, /lib/systemd and /etc/keyward; library dependencies;
#     maintainer scripts that enable the timers and neither enable nor start the guard or
#     the oneshot services; lintian without errors or warnings;
#   - the packaged binary (dpkg-deb -x): its version is debian/changelog's, and it audits
#     the fixture images exactly as the golden file says;
#   as root, also:
#   - `dpkg -i` on this machine: keyward --version, systemd-analyze verify on the installed
#     units, timers enabled and guard not; then `dpkg --purge`, and the machine is as it
#     was (a trap purges on every failure path too);
#   - this machine's root booted read-only (overlay on a tmpfs) in systemd-nspawn, systemd
#     as PID 1, private network: the package installed there and every unit run under its
#     real sandbox (audit, two key snapshots around a new key, the guard banning a source
#     that fails against a real sshd, in nftables, and again after a restart).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
INSTALLED=0 NS_MOUNTED=0 PROM_MADE=
cleanup() {
	if [ "$NS_MOUNTED" = 1 ]; then
		umount -l "$TMP/ns/m" 2> /dev/null
		umount -l "$TMP/ns/t" 2> /dev/null
	fi
	if [ "$INSTALLED" = 1 ]; then
		echo "package_deb.sh: purging the keyward package this test installed"
		dpkg --purge keyward > /dev/null 2>&1
	fi
	if [ -n "$PROM_MADE" ]; then
		rmdir /var/lib/prometheus/node-exporter 2> /dev/null
		[ "$PROM_MADE" = both ] && rmdir /var/lib/prometheus 2> /dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

for tool in dpkg-buildpackage dh dpkg-deb dpkg-parsechangelog dpkg-checkbuilddeps lintian pkg-config python3; do
	if ! command -v "$tool" > /dev/null; then
		echo "not ok - package_deb.sh needs $tool (scripts/bootstrap installs it)"
		exit 1
	fi
done

VERSION=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2> /dev/null)
UNITDIR=${UNITDIR:-/usr/lib/systemd/system}
UNITS=(keyward-guard.service keyward-audit.service keyward-audit.timer
	keyward-keys-snapshot.service keyward-keys-snapshot.timer)

# ---- build from a copy of the tree (no build or obj- folders, no .git) ---------------
TREE=$TMP/src/keyward-$VERSION
mkdir -p "$TREE"
for e in "$SRC"/* "$SRC"/.[!.]*; do
	[ -e "$e" ] || continue
	case ${e##*/} in build* | obj-* | .git) continue ;; esac
	cp -a "$e" "$TREE/"
done
t0=$SECONDS
(cd "$TREE" && DEB_BUILD_OPTIONS="parallel=2" dpkg-buildpackage -us -uc -b) > "$TMP/build.log" 2>&1
rc=$?
expect "dpkg-buildpackage -us -uc -b builds the package ($((SECONDS - t0)) s)" test "$rc" -eq 0
DEB=$TMP/src/keyward_${VERSION}_${ARCH}.deb
if [ "$rc" -ne 0 ] || [ ! -f "$DEB" ]; then
	tail -40 "$TMP/build.log"
	finish
	exit 1
fi
expect "the build ran the smoke test of the binary (dh_auto_test)" grep -q "^keyward $VERSION\$" "$TMP/build.log"

# ---- what the package holds -----------------------------------------------------------
dpkg-deb -c "$DEB" | awk '{p = substr($6, 2); if (p != "/") sub(/\/$/, "", p); print $1, p}' > "$TMP/contents"
haspath() { # MODE-PREFIX PATH...
	local m=$1 p
	shift
	for p in "$@"; do
		grep -qE "^${m}[^ ]* ${p//./\\.}\$" "$TMP/contents" || { echo "    missing: $p"; return 1; }
	done
}
expect "the .deb holds /usr/bin/keyward, executable" haspath -rwxr-xr-x /usr/bin/keyward
expect "the .deb holds the units in $UNITDIR" haspath -rw-r--r-- "${UNITS[@]/#/$UNITDIR/}"
expect "the .deb holds the snapshot script, executable" haspath -rwxr-xr-x /usr/libexec/keyward/keys-snapshot
expect "the .deb holds the tmpfiles line" haspath -rw-r--r-- /usr/lib/tmpfiles.d/keyward.conf
expect "the .deb holds the example configs" haspath -rw-r--r-- /etc/keyward/guard.conf /etc/keyward/waivers /etc/keyward/allowed_keys
data=()
for f in "$SRC"/data/profiles/*.profile "$SRC"/data/policies/*.json "$SRC"/data/harden/*.conf; do
	data+=("/usr/share/keyward/${f#"$SRC"/data/}")
done
expect "the .deb holds every profile, policy and harden set under /usr/share/keyward (${#data[@]})" \
	haspath -rw-r--r-- "${data[@]}"
expect "the .deb holds the copyright and the integration and packaging docs" \
	bash -c "grep -q ' /usr/share/doc/keyward/copyright\$' '$TMP/contents' &&
		grep -qE ' /usr/share/doc/keyward/integrations\.md(\.gz)?\$' '$TMP/contents' &&
		grep -qE ' /usr/share/doc/keyward/packaging\.md(\.gz)?\$' '$TMP/contents'"
outside=$(awk '{print $2}' "$TMP/contents" | grep -vE "^(/|/usr(/.*)?|/etc|/etc/keyward(/.*)?|/lib|/lib/systemd|${UNITDIR}(/.*)?)\$")
expect "nothing outside /usr, $UNITDIR and /etc/keyward${outside:+: $outside}" test -z "$outside"

mkdir "$TMP/ctl"
dpkg-deb -e "$DEB" "$TMP/ctl"
expect "conffiles: the three files of /etc/keyward" \
	test "$(sort "$TMP/ctl/conffiles" | tr '\n' ' ')" = "/etc/keyward/allowed_keys /etc/keyward/guard.conf /etc/keyward/waivers "
deps=$(dpkg-deb -f "$DEB" Depends)
expect "Depends names the libraries keyward links (${deps})" \
	bash -c "for l in libarchive13 libjansson4 libnftables1 libsqlite3-0 libssl3 libsystemd0; do [[ '$deps' == *\$l* ]] || exit 1; done"
expect "postinst enables both timers" \
	bash -c "grep -q \"deb-systemd-helper enable 'keyward-audit.timer'\" '$TMP/ctl/postinst' &&
		grep -q \"deb-systemd-helper enable 'keyward-keys-snapshot.timer'\" '$TMP/ctl/postinst'"
# the guard's block only re-enables a unit the administrator had enabled (--no-enable)
expect "postinst enables the guard only where it was enabled before" \
	bash -c "awk '/enable .keyward-guard.service./ && !inside {bad=1} /was-enabled .keyward-guard.service./ {inside=1} END {exit bad}' '$TMP/ctl/postinst'"
expect "the maintainer scripts never start the oneshot services" \
	bash -c "! grep -E \"deb-systemd-invoke .*'keyward-(audit|keys-snapshot)\\.service'\" '$TMP/ctl/postinst' '$TMP/ctl/prerm'"
# a man page for every page `keyward help --pages` names, and both completions
missing=
for page in $("$KW" help --pages); do
	grep -q " /usr/share/man/man1/$page\.1\.gz\$" "$TMP/contents" || missing="$missing $page"
done
expect "the package has every man page (missing:${missing:- none})" test -z "$missing"
expect "the package has the bash and zsh completions" \
	bash -c "grep -q ' /usr/share/bash-completion/completions/keyward\$' '$TMP/contents' &&
		grep -q ' /usr/share/zsh/vendor-completions/_keyward\$' '$TMP/contents'"
man=yes
lintian_args=(--fail-on 'error,warning')
t0=$SECONDS
lintian "${lintian_args[@]}" "$TMP/src/keyward_${VERSION}_${ARCH}.changes" > "$TMP/lintian.out" 2>&1
rc=$?
expect "lintian: no error or warning ($((SECONDS - t0)) s)" test "$rc" -eq 0
grep -E '^[EW]:' "$TMP/lintian.out" | sed 's/^/    /'

# ---- the packaged binary ----------------------------------------------------------------
X=$TMP/x
dpkg-deb -x "$DEB" "$X"
expect "packaged keyward --version is debian/changelog's ($VERSION)" \
	test "$("$X/usr/bin/keyward" --version)" = "keyward $VERSION"
bash "$SRC/tests/integration/mkimage.sh" clean "$TMP/clean" "$SRC"
bash "$SRC/tests/integration/mkimage.sh" dirty "$TMP/dirty" "$SRC"
"$X/usr/bin/keyward" audit --root "$TMP/clean" -q > /dev/null
rc=$?
expect "packaged keyward: the clean image exits 0" test "$rc" -eq 0
"$X/usr/bin/keyward" audit --root "$TMP/dirty" --today 2026-11-21 --format json --output "$TMP/dirty.json" -q
rc=$?
expect "packaged keyward: the dirty image exits 1" test "$rc" -eq 1
expect "packaged keyward: the dirty image's findings match tests/data/golden/dirty.ids" \
	diff -u "$SRC/tests/data/golden/dirty.ids" <(findings "$TMP/dirty.json")
same=1
for p in "${data[@]}"; do cmp -s "$X$p" "$SRC/data/${p#/usr/share/keyward/}" || { echo "    differs: $p"; same=0; }; done
for u in "${UNITS[@]}"; do cmp -s "$X$UNITDIR/$u" "$SRC/data/systemd/$u" || { echo "    differs: $u"; same=0; }; done
cmp -s "$X/usr/libexec/keyward/keys-snapshot" "$SRC/data/systemd/keyward-keys-snapshot.sh" || { echo "    differs: keys-snapshot"; same=0; }
cmp -s "$X/usr/lib/tmpfiles.d/keyward.conf" "$SRC/data/systemd/keyward.tmpfiles" || { echo "    differs: tmpfiles"; same=0; }
cmp -s "$X/etc/keyward/guard.conf" "$SRC/data/guard/guard.conf" || { echo "    differs: guard.conf"; same=0; }
for f in waivers allowed_keys; do cmp -s "$X/etc/keyward/$f" "$SRC/data/etc/$f" || { echo "    differs: $f"; same=0; }; done
expect "every data file, unit and config in the package is the tree's, byte for byte" test "$same" = 1

if [ "$(id -u)" != 0 ]; then
	echo "not ok - installing the package (dpkg -i, and in a container) needs root; run the suite as root"
	T_FAIL=$((T_FAIL + 1))
	finish
	exit 1
fi

# ---- dpkg -i on this machine, then purge ------------------------------------------------
machine_state() {
	{
		dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' keyward 2>&1
		for p in /usr/bin/keyward /usr/libexec/keyward /usr/share/keyward /usr/share/doc/keyward \
			/etc/keyward /usr/lib/tmpfiles.d/keyward.conf /var/lib/prometheus "${UNITS[@]/#/$UNITDIR/}"; do
			[ -e "$p" ] && echo "exists $p"
		done
		find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
			/var/lib/systemd/deb-systemd-helper-masked -name '*keyward*' 2> /dev/null
	} | sort
}
pre_ok=1
if dpkg-query -W keyward > /dev/null 2>&1 || [ -e /usr/bin/keyward ] || [ -e /etc/keyward ]; then
	echo "not ok - keyward is already installed on this machine (package, /usr/bin/keyward or /etc/keyward): this test will not touch an installation it did not make"
	T_FAIL=$((T_FAIL + 1))
	pre_ok=0
fi
if [ "$pre_ok" = 1 ]; then
	machine_state > "$TMP/state.before"
	[ -d /var/lib/prometheus/node-exporter ] || PROM_MADE=dir
	[ -d /var/lib/prometheus ] || PROM_MADE=both
	INSTALLED=1
	for _ in 1 2 3 4 5 6; do # another dpkg may hold the lock for a moment
		dpkg -i "$DEB" > "$TMP/dpkg.out" 2>&1
		rc=$?
		[ "$rc" -ne 0 ] && grep -qi 'lock' "$TMP/dpkg.out" && { sleep 5; continue; }
		break
	done
	expect "dpkg -i installs the package" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || sed 's/^/    /' "$TMP/dpkg.out"
	expect "installed: /usr/bin/keyward --version" test "$(/usr/bin/keyward --version)" = "keyward $VERSION"
	(cd / && systemd-analyze verify --man="$man" "${UNITS[@]/#/$UNITDIR/}") > "$TMP/verify.out" 2>&1
	rc=$?
	expect "installed: systemd-analyze verify (man=$man) accepts the units without a warning" \
		test "$rc.$(wc -c < "$TMP/verify.out")" = 0.0
	sed 's/^/    /' "$TMP/verify.out"
	expect "installed: both timers enabled (timers.target.wants)" \
		test -L /etc/systemd/system/timers.target.wants/keyward-audit.timer -a \
		-L /etc/systemd/system/timers.target.wants/keyward-keys-snapshot.timer
	expect "installed: the guard not enabled" \
		test ! -e /etc/systemd/system/multi-user.target.wants/keyward-guard.service
	expect "installed: the oneshot services not enabled" \
		bash -c "! find /etc/systemd/system -name 'keyward-*.service' | grep -q ."
	expect "installed: the tmpfiles line made /var/lib/prometheus/node-exporter" \
		test -d /var/lib/prometheus/node-exporter
	expect "installed: dpkg knows the three conffiles" \
		test "$(dpkg-query -W -f='${Conffiles}\n' keyward | grep -c '/etc/keyward/')" -eq 3
	dpkg --purge keyward > "$TMP/purge.out" 2>&1
	rc=$?
	expect "dpkg --purge removes the package" test "$rc" -eq 0
	[ "$rc" -eq 0 ] && INSTALLED=0
	# the folder systemd-tmpfiles made stays after a purge (it may be node_exporter's);
	# this test made it, so it takes it back
	if [ -n "$PROM_MADE" ]; then
		rmdir /var/lib/prometheus/node-exporter 2> /dev/null
		[ "$PROM_MADE" = both ] && rmdir /var/lib/prometheus 2> /dev/null
		PROM_MADE=
	fi
	machine_state > "$TMP/state.after"
	expect "after the purge, the machine is as it was (package, files, unit links)" \
		diff -u "$TMP/state.before" "$TMP/state.after"
fi

# ---- the units under a real systemd: this root, read-only, in systemd-nspawn -------------
if ! command -v systemd-nspawn > /dev/null || [ ! -x /lib/systemd/systemd ] || [ ! -x /usr/sbin/sshd ]; then
	echo "not ok - the container part needs systemd-nspawn (systemd-container), /lib/systemd/systemd and sshd (openssh-server)"
	T_FAIL=$((T_FAIL + 1))
	finish
	exit 1
fi
NS=$TMP/ns
mkdir -p "$NS/t" "$NS/m" "$NS/kwtest"
cp "$DEB" "$NS/kwtest/keyward.deb"
ssh-keygen -q -t ed25519 -N '' -C kw-first -f "$NS/kwtest/k1"
ssh-keygen -q -t ed25519 -N '' -C kw-second -f "$NS/kwtest/k2"
ssh-keygen -lf "$NS/kwtest/k2.pub" | awk '{print $2}' > "$NS/kwtest/k2.fp"
cat > "$NS/kwtest/run.sh" <<'EOF'
#!/bin/bash
# Runs in the container, as kwtest.service, with systemd as PID 1. One "PASS|FAIL what"
# line per check in results; the rest of the output in out.log.
exec > /kwtest/out.log 2>&1
set -x
check() { local what=$1; shift; if "$@"; then echo "PASS $what" >> /kwtest/results; else echo "FAIL $what" >> /kwtest/results; fi; }
waitfor() { local n=$(($1 * 10)); shift; while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
prop() { systemctl show -P "$1" "$2"; }
check "container: systemd is PID 1" test "$(ps -p 1 -o comm=)" = systemd
dpkg -i /kwtest/keyward.deb
check "container: dpkg -i under systemd" test "$(dpkg-query -W -f='${db:Status-Abbrev}' keyward)" = "ii "
check "container: timers enabled, guard disabled and stopped" \
	test "$(systemctl is-enabled keyward-audit.timer keyward-keys-snapshot.timer keyward-guard.service | tr '\n' ' ')" = "enabled enabled disabled "
check "container: guard not running" test "$(prop ActiveState keyward-guard.service)" = inactive
# an account whose key only CAP_DAC_READ_SEARCH lets root read
useradd -m -s /bin/bash kwuser
install -d -m 700 -o kwuser -g kwuser /home/kwuser/.ssh
install -m 600 -o kwuser -g kwuser /kwtest/k1.pub /home/kwuser/.ssh/authorized_keys
chmod 700 /home/kwuser
systemctl start keyward-audit.service
check "container: keyward-audit.service succeeds with findings (exit 1)" \
	test "$(prop Result keyward-audit.service) $(prop ExecMainStatus keyward-audit.service)" = "success 1"
check "container: the audit read a 0600 key in a 0700 home" grep -q '/home/kwuser/.ssh/authorized_keys' /var/lib/keyward/audit.json
check "container: /var/lib/keyward is 0700" test "$(stat -c %a /var/lib/keyward)" = 700
check "container: keyward.prom written, 0644" test "$(stat -c %a /var/lib/prometheus/node-exporter/keyward.prom)" = 644
systemctl start keyward-keys-snapshot.service
check "container: first key snapshot succeeds" test "$(prop Result keyward-keys-snapshot.service)" = success
cat /kwtest/k2.pub >> /home/kwuser/.ssh/authorized_keys
systemctl start keyward-keys-snapshot.service
check "container: second key snapshot succeeds" test "$(prop Result keyward-keys-snapshot.service)" = success
journalctl -u keyward-keys-snapshot.service -o cat --no-pager > /kwtest/snap.journal
check "container: the journal says the first run had nothing to compare" grep -q 'first snapshot' /kwtest/snap.journal
check "container: the journal names the new key (1 new, its fingerprint)" \
	bash -c 'grep -q "^1 new, 0 removed" /kwtest/snap.journal && grep -qF "$(cat /kwtest/k2.fp)" /kwtest/snap.journal'
check "container: the snapshots' audit trail is intact" keyward keys log --verify
printf 'host_rule = *:2/1h\nignore_self = no\n' > /etc/keyward/guard.conf
systemctl start keyward-guard.service
check "container: the guard runs" waitfor 5 systemctl -q is-active keyward-guard.service
mkdir -p /run/sshd
/usr/sbin/sshd -p 2222 -o ListenAddress=127.0.0.1 -o PidFile=/run/kwtest-sshd.pid
banned() { nft list set inet keyward v4 2> /dev/null | grep -q 'elements = { 127.0.0.1'; }
for i in 1 2 3 4 5 6; do
	banned && break
	timeout 10 ssh -p 2222 -o BatchMode=yes -o ConnectTimeout=3 -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i /kwtest/k1 "nosuchuser$i@127.0.0.1" true
	waitfor 2 banned
done
check "container: the guard banned 127.0.0.1 in nftables after failed logins to sshd" waitfor 5 banned
nft flush set inet keyward v4
systemctl restart keyward-guard.service
check "container: a restarted guard re-applies the live ban" waitfor 5 banned
check "container: the guard is still running" systemctl -q is-active keyward-guard.service
systemctl stop keyward-guard.service
kill "$(cat /run/kwtest-sshd.pid)"
dpkg --purge keyward
check "container: dpkg --purge removes it" test ! -e /usr/bin/keyward -a ! -e /etc/keyward
echo DONE >> /kwtest/results
systemctl poweroff --no-block
EOF
chmod +x "$NS/kwtest/run.sh"
t0=$SECONDS
if mount -t tmpfs kwtest "$NS/t" && mkdir "$NS/t/upper" "$NS/t/work" &&
	mount -t overlay kwtest -o "lowerdir=/,upperdir=$NS/t/upper,workdir=$NS/t/work" "$NS/m"; then
	NS_MOUNTED=1
	printf '[Unit]\nDescription=keyward package test\nRequires=basic.target\nAfter=basic.target\n[Service]\nType=oneshot\nExecStart=/kwtest/run.sh\n' \
		> "$NS/m/etc/systemd/system/kwtest.service"
	printf '[Unit]\nDescription=keyward package test\nRequires=basic.target kwtest.service\nAfter=basic.target kwtest.service\nAllowIsolate=yes\n' \
		> "$NS/m/etc/systemd/system/kwtest.target"
	timeout -k 10 240 systemd-nspawn -q -D "$NS/m" --boot --register=no --keep-unit --private-network \
		--bind="$NS/kwtest:/kwtest" --console=passive systemd.unit=kwtest.target > "$NS/nspawn.log" 2>&1
	umount "$NS/m" && umount "$NS/t" && NS_MOUNTED=0
fi
expect "container: booted and ran every check ($((SECONDS - t0)) s)" grep -qx DONE "$NS/kwtest/results"
while read -r verdict what; do
	[ "$verdict" = DONE ] && continue
	expect "$what" test "$verdict" = PASS
done < <(cat "$NS/kwtest/results" 2> /dev/null)
if ! grep -qx DONE "$NS/kwtest/results" 2> /dev/null || grep -q '^FAIL' "$NS/kwtest/results"; then
	tail -30 "$NS/nspawn.log" 2> /dev/null | sed 's/^/    nspawn: /'
	tail -40 "$NS/kwtest/out.log" 2> /dev/null | sed 's/^/    run.sh: /'
fi

finish
