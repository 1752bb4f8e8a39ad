#!/bin/bash
# fleet_ansible.sh — docs/ansible (the playbook keyward.yml and its role) run by the real
# ansible-playbook (ansible-core from Debian) against eight inventory hosts on this
# machine, each with its own image root, binary folder, database and reports:
#   plain    connection local, the clean fixture, an extra Markdown report, a snapshot
#   remote   over real SSH: a real sshd on 127.0.0.1 (its own config, host key and root
#            key, all in the temp folder), the dirty fixture, a sanitize dry run, a snapshot
#   scrub    connection local, keyward already there, a copy of the dirty fixture,
#            sanitize --apply
#   gate     connection local, keyward already there, the dirty fixture with
#            keyward_fail_on=high
#   bare     connection local, no install source and no keyward: the role's message
#   broken   keyward already there, an audit that exits 2: keyward's message, what ran
#            before it fetched, the temporary folder still removed
#   live     keyward_sanitize on "/": refused before anything runs
#   strargs  keyward_audit_args as a string: refused (lists only)
# First run: the binary is installed where each host says (over SSH too), the reports of
# every host that got that far are on the controller (valid JSON, the findings of its own
# fixture), the snapshots are in each database, the dry run changed nothing, --apply
# removed files and says "changed", gate's report is fetched and then gate fails naming
# the counts, the three early failures say why, the fleet view merges the two
# inventories (plain, remote). Second run (plain, remote, scrub): changed=0 everywhere (install, audit,
# snapshot, and sanitize with nothing left to do), one more snapshot per database.
# Nothing is read from or written to ~/.ansible (ANSIBLE_HOME, the config and every temp
# folder are in the test's own folder); /usr/local/bin, /usr/bin and /var/lib/keyward are
# never touched. KW_FLEET_KEEP=DIR keeps ansible-playbook's outputs there.
# Args: KEYWARD_BINARY SRC_ROOT (see lib.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh" "$@"
# shellcheck source=tests/integration/pglib.sh
. "$(dirname "$0")/pglib.sh"
KW=$(readlink -f "$KW") # the inventory and the controller need it absolute

if [ "$(id -u)" != 0 ] || ! command -v ansible-playbook >/dev/null || [ ! -x /usr/sbin/sshd ]; then
	echo "not ok - fleet_ansible.sh needs root, ansible-playbook and /usr/sbin/sshd (scripts/bootstrap installs ansible-core and openssh-server)"
	exit 1
fi

SSHD_PID=
cleanup() {
	local sock
	# the SSH connection masters Ansible left (ControlPersist), then sshd
	for sock in "$TMP"/ansible/cp/*; do
		[ -S "$sock" ] && timeout 5 ssh -F /dev/null -o ControlPath="$sock" -O exit remote >/dev/null 2>&1
	done
	if [ -n "$SSHD_PID" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
	fi
	[ -n "${KW_FLEET_KEEP:-}" ] && cp "$TMP"/*.out "$TMP/inventory.yml" "$KW_FLEET_KEEP"/
	pg_cleanup
}
trap cleanup EXIT
fail_setup() {
	echo "not ok - setup: $1"
	exit 1
}

PLAYBOOK=$SRC/docs/ansible/keyward.yml
# remote's snapshots go to a real PostgreSQL server, the password in a PGPASSFILE passed
# through keyward_environment (never in the URI, the inventory or a log)
pg_start || exit 1
printf '*:*:*:keyward:%s\n' "$PG_PASS" >"$TMP/pgpass" && chmod 600 "$TMP/pgpass"

# ---- fixtures -----------------------------------------------------------------------------
for kind in clean dirty; do
	bash "$SRC/tests/integration/mkimage.sh" "$kind" "$TMP/$kind" "$SRC" || fail_setup "mkimage $kind"
done
cp -a "$TMP/dirty" "$TMP/scrub" || fail_setup "copy of the dirty root"

# ---- a real sshd for the host "remote" ------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey" || fail_setup "host key"
ssh-keygen -q -t ed25519 -N '' -C ansible-test -f "$TMP/rootkey" || fail_setup "root key"
cp "$TMP/rootkey.pub" "$TMP/authorized_keys"
cat >"$TMP/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $TMP/hostkey
PidFile $TMP/sshd.pid
AuthorizedKeysFile $TMP/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 50
Subsystem sftp internal-sftp
LogLevel ERROR
# root's own ~/.bashrc (whatever this machine has in it) would run for every command
# Ansible sends: a home of its own keeps the sessions fast and independent of it
SetEnv HOME=$TMP/remote-home
EOF
mkdir -p "$TMP/remote-home" "$TMP/remote-tmp"
touch -d @946684800 "$TMP/remote-tmp" # its mtime shows the role used it
mkdir -p /run/sshd # sshd's privilege separation folder (the package's tmpfiles.d makes it at boot)
/usr/sbin/sshd -D -e -f "$TMP/sshd_config" </dev/null >"$TMP/sshd.log" 2>&1 &
SSHD_PID=$!
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" || fail_setup "sshd does not listen on 127.0.0.1:$PORT: $(cat "$TMP/sshd.log")"

# ---- Ansible, kept inside $TMP ------------------------------------------------------------
mkdir -p "$TMP/ansible/tmp" "$TMP/ansible/remote-tmp" "$TMP/ansible/cp" "$TMP/run"
printf '[defaults]\n' >"$TMP/ansible.cfg"
export ANSIBLE_CONFIG=$TMP/ansible.cfg ANSIBLE_HOME=$TMP/ansible \
	ANSIBLE_LOCAL_TEMP=$TMP/ansible/tmp ANSIBLE_REMOTE_TEMP=$TMP/ansible/remote-tmp \
	ANSIBLE_SSH_CONTROL_PATH_DIR=$TMP/ansible/cp ANSIBLE_COLLECTIONS_PATH=$TMP/ansible/collections \
	ANSIBLE_ROLES_PATH=$TMP/ansible/roles ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
	ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_TIMEOUT=10 \
	ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_FORKS=10 ANSIBLE_PIPELINING=1 \
	ANSIBLE_SSH_ARGS='-o ControlMaster=auto -o ControlPersist=60s' ANSIBLE_STDOUT_CALLBACK=default
unset ANSIBLE_LOG_PATH ANSIBLE_INVENTORY

# keyward_report_dir is left at its default, "reports", relative to where ansible-playbook
# is started: $TMP/run.
cat >"$TMP/inventory.yml" <<EOF
keyward:
  vars:
    keyward_become: false   # the test runs as root already (become's default, sudo, is not exercised)
    keyward_binary: $KW
  hosts:
    plain:
      ansible_connection: local
      keyward_root: $TMP/clean
      keyward_bin_dir: $TMP/bin-plain
      keyward_db: $TMP/plain.db
      keyward_snapshot_audit_log: $TMP/plain-keys-audit.log
      keyward_audit_formats: [markdown]
    remote:
      ansible_host: 127.0.0.1
      ansible_port: $PORT
      ansible_user: root
      ansible_ssh_private_key_file: $TMP/rootkey
      ansible_ssh_common_args: -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes
      keyward_root: $TMP/dirty
      keyward_bin_dir: $TMP/bin-remote
      keyward_db: "$PGURI_NOPASS"
      keyward_environment: { PGPASSFILE: $TMP/pgpass }
      keyward_host_id: remote-host
      keyward_snapshot_audit_log: $TMP/remote-keys-audit.log
      keyward_remote_tmp: $TMP/remote-tmp
      keyward_sanitize: true
    scrub:
      ansible_connection: local
      keyward_binary: ""
      keyward_command: $KW
      keyward_root: $TMP/scrub
      keyward_keys_scan: false
      keyward_sanitize: true
      keyward_sanitize_apply: true
      keyward_sanitize_journal: $TMP/journal-scrub
    gate:
      ansible_connection: local
      keyward_binary: ""
      keyward_command: $KW
      keyward_root: $TMP/dirty
      keyward_fail_on: high
      keyward_keys_scan: false
    bare:
      ansible_connection: local
      keyward_binary: ""
      keyward_command: $TMP/nowhere/keyward
      keyward_root: $TMP/clean
    broken:
      ansible_connection: local
      keyward_binary: ""
      keyward_command: $KW
      keyward_root: $TMP/dirty
      keyward_sanitize: true
      keyward_audit_args: [--profile, no-such-profile]
    live:
      ansible_connection: local
      keyward_bin_dir: $TMP/bin-live
      keyward_sanitize: true
    strargs:
      ansible_connection: local
      keyward_root: $TMP/clean
      keyward_bin_dir: $TMP/bin-strargs
      keyward_audit_args: --deep
EOF

# play [EXTRA ARGS...] > OUT: ansible-playbook from $TMP/run, bounded
play() {
	(cd "$TMP/run" && timeout -k 5 120 ansible-playbook -i "$TMP/inventory.yml" "$PLAYBOOK" \
		-e keyward_controller_command="$KW" "$@")
}

# recap OUT HOST FIELD: a number from the PLAY RECAP line of HOST
recap() { sed -n "s/^$2 *:.* $3=\([0-9]*\).*/\1/p" "$1"; }
# status OUT TASK HOST: ok / changed / skipping / fatal of HOST in the task named TASK
status() {
	python3 - "$@" <<'PY'
import re, sys
out, task, host = sys.argv[1:]
cur = None
for line in open(out):
    m = re.match(r"TASK \[(?:keyward : )?(.*)\] \*+", line)
    if m:
        cur = m.group(1)
        continue
    m = re.match(r"(ok|changed|skipping|fatal): \[([^]]*)\]", line)
    if cur == task and m and m.group(2).split(" ->")[0] == host:
        print(m.group(1))
        break
PY
}
# fatal_msg OUT HOST [FIELD]: the msg (or FIELD) of HOST's failure
fatal_msg() {
	python3 - "$@" <<'PY'
import json, sys
out, host, field = (sys.argv[1:] + ["msg"])[:3]
for line in open(out):
    p = "fatal: [%s]: FAILED! => " % host
    if line.startswith(p):
        print(json.loads(line[len(p):]).get(field, ""))
PY
}
ids() { python3 -c 'import json,sys; print(" ".join(sorted({f["id"] for f in json.load(open(sys.argv[1]))["findings"]})))' "$1"; }
contains() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
starts() { case $1 in "$2"*) return 0 ;; esac; return 1; }
nsnap() { "$KW" keys snapshot --list --db "$1" --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r["snapshots"]), " ".join(s["target"] for s in r["snapshots"]))'; }

expect "ansible-playbook --syntax-check accepts the playbook" \
	bash -c 'cd "$0" && timeout 60 ansible-playbook --syntax-check -i "$1" "$2" >"$0/syntax.out" 2>&1' "$TMP/run" "$TMP/inventory.yml" "$PLAYBOOK"

SECONDS=0
play >"$TMP/run1.out" 2>&1
rc1=$?
t1=$SECONDS
R=$TMP/run/reports
expect "run 1: ansible-playbook exits 2 (hosts failed: gate, bare, broken, live, strargs), not with an error of its own (rc $rc1, ${t1} s)" [ "$rc1" = 2 ]
for h in plain remote scrub; do
	expect "run 1: $h ran every task without a failure or an unreachable" \
		[ "$(recap "$TMP/run1.out" "$h" failed).$(recap "$TMP/run1.out" "$h" unreachable)" = 0.0 ]
done
[ "$(recap "$TMP/run1.out" remote ok)" -gt 10 ] 2>/dev/null || sed 's/^/    /' "$TMP/run1.out" | tail -40

# installed where each host said, from keyward_binary, over SSH too (scrub and gate use
# keyward_command: a keyward already there)
for h in plain remote; do
	expect "run 1: the binary is installed in $h's keyward_bin_dir (changed)" \
		bash -c 'cmp -s "$0" "$1" && [ -x "$1" ] && [ "$(stat -c %a "$1")" = 755 ]' "$KW" "$TMP/bin-$h/keyward"
	expect "run 1: $h's copy task says changed" [ "$(status "$TMP/run1.out" "Copy the binary" "$h")" = changed ]
done

# the reports: each host's own fixture
expect "run 1: plain's audit.json is the clean root's report: no finding" \
	[ "$(jget "$R/plain/audit.json" "(r['target'], r['summary']['total'])")" = "('folder $TMP/clean', 0)" ]
expect "run 1: remote's audit.json, fetched over SSH, is the dirty root's report" \
	[ "$(jget "$R/remote/audit.json" "r['target']")" = "folder $TMP/dirty" ]
remote_ids=" $(ids "$R/remote/audit.json") "
for id in accounts.extra-uid0 keys.authorized-keys secrets.private-key image.ssh-host-keys sudo.nopasswd; do
	expect "run 1: remote's audit.json has $id" [ "${remote_ids#* $id }" != "$remote_ids" ]
done
"$KW" audit --root "$TMP/dirty" --format json --output "$TMP/dirty-direct.json" -q
expect "run 1: remote's findings are exactly those of keyward audit run here on the dirty root" \
	[ "$(findings "$R/remote/audit.json")" = "$(findings "$TMP/dirty-direct.json")" ]
expect "run 1: plain's extra format was fetched (audit.md)" grep -q '^### keyward audit: nothing at or above high' "$R/plain/audit.md"
expect "run 1: the key inventories are keyward-keys-inventory v1 (plain: none authorized, remote: 4)" \
	[ "$(jget "$R/plain/keys-inventory.json" "(r['format'], r['version'], len([k for k in r['keys'] if k['role'] == 'authorized']))").$(jget "$R/remote/keys-inventory.json" "len([k for k in r['keys'] if k['role'] == 'authorized'])")" = "('keyward-keys-inventory', 1, 0).4" ]

# snapshots
expect "run 1: plain's database holds one snapshot, of the clean root" [ "$(nsnap "$TMP/plain.db")" = "1 $TMP/clean" ]
expect "run 1: remote's snapshot is in PostgreSQL: one, of the dirty root, as host remote-host" \
	[ "$(pg_sql "SELECT count(*), min(convert_from(target, 'UTF8')), min(convert_from(host_id, 'UTF8')) FROM keyward.snapshots")" = "1|$TMP/dirty|remote-host" ]
expect "run 1: keys query answers from it" \
	sh -c '"$1" keys query --db "$2" --shared-by 1 --format json >/dev/null' _ "$KW" "$PGURI"
expect "run 1: the database's password is in no output of ansible-playbook" \
	bash -c '! grep -qF "$1" "$2"' _ "$PG_PASS" "$TMP/run1.out"
expect "run 1: each snapshot appended to its own audit trail, in the temp folder" \
	bash -c '[ "$(wc -l <"$0")" = 1 ] && [ "$(wc -l <"$1")" = 1 ]' "$TMP/plain-keys-audit.log" "$TMP/remote-keys-audit.log"
expect "run 1: no keyward_db, no snapshot task (scrub, gate)" \
	[ "$(status "$TMP/run1.out" "keyward keys snapshot" scrub).$(status "$TMP/run1.out" "keyward keys snapshot" gate)" = skipping.skipping ]

# sanitize: a dry run on remote, --apply on scrub
expect "run 1: remote's sanitize was a dry run (ok, not changed)" \
	[ "$(status "$TMP/run1.out" "keyward sanitize (a dry run unless keyward_sanitize_apply)" remote)" = ok ]
expect "run 1: remote's plan was fetched (sanitize.txt)" \
	bash -c 'grep -q "^dry run: nothing changed in $1" "$0/remote/sanitize.txt" && grep -q "remove /root/.bash_history" "$0/remote/sanitize.txt"' "$R" "$TMP/dirty"
expect "run 1: the dry run left the dirty root alone" \
	bash -c '[ -e "$0/root/.bash_history" ] && [ -e "$0/etc/ssh/ssh_host_ed25519_key" ] && grep -q "^root:\\\$" "$0/etc/shadow"' "$TMP/dirty"
expect "run 1: scrub's sanitize --apply is reported changed" [ "$(status "$TMP/run1.out" "keyward sanitize (a dry run unless keyward_sanitize_apply)" scrub)" = changed ]
expect "run 1: --apply really removed and edited files in scrub's root" \
	bash -c '[ ! -e "$0/root/.bash_history" ] && [ ! -e "$0/etc/ssh/ssh_host_ed25519_key" ] && [ ! -e "$0/home/alice/.aws/credentials" ] && ! grep -q "^root:\\\$" "$0/etc/shadow"' "$TMP/scrub"
expect "run 1: the journal is where keyward_sanitize_journal says and its path is in sanitize.txt" \
	bash -c '[ -s "$0/000001.meta" ] && grep -qx "journal: $0" "$1/scrub/sanitize.txt" && grep -q "^[1-9][0-9]* changes made in " "$1/scrub/sanitize.txt"' "$TMP/journal-scrub" "$R"
expect "run 1: scrub's audit ran after sanitize: fewer findings than the dirty root's, no shadow password" \
	[ "$(jget "$R/scrub/audit.json" "(r['summary']['total'] < $(jget "$R/remote/audit.json" "r['summary']['total']"), any(f['id'] == 'accounts.usable-password' for f in r['findings']))")" = "(True, False)" ]

# gate: the report is fetched, then the host fails naming the counts
expect "run 1: gate failed" [ "$(recap "$TMP/run1.out" gate failed)" = 1 ]
expect "run 1: gate's audit.json was fetched before it failed (exit_code 1, fail_on high)" \
	[ "$(jget "$R/gate/audit.json" "(r['exit_code'], r['fail_on'])")" = "(1, 'high')" ]
crit=$(jget "$R/gate/audit.json" "r['summary']['by_severity']['critical']")
high=$(jget "$R/gate/audit.json" "r['summary']['by_severity']['high']")
expect "run 1: gate's failure is the verdict, with the counts and the report's path" \
	[ "$(fatal_msg "$TMP/run1.out" gate)" = "keyward audit: findings at or above high ($crit critical, $high high); report: $R/gate/audit.json" ]
expect "run 1: no host left its temporary folder (local hosts: \$TMPDIR; remote: keyward_remote_tmp)" \
	[ -z "$(find "$TMPDIR" "$TMP/remote-tmp" -maxdepth 1 -name 'ansible.*.keyward')" ]
expect "run 1: remote's temporary folder was made (and removed) in its keyward_remote_tmp" \
	[ "$(stat -c %Y "$TMP/remote-tmp")" -gt 946684800 ]

# bare: no keyward, no install source
msg=$(fatal_msg "$TMP/run1.out" bare)
ok=no
starts "$msg" "keyward is not installed on bare: '$TMP/nowhere/keyward --version' failed (" &&
	contains "$msg" "). Set keyward_deb (a .deb on the controller) or keyward_binary" && ok=yes
expect "run 1: bare fails with the role's message" [ $ok = yes ]
[ $ok = yes ] || echo "    $msg"
expect "run 1: bare ran no keyward step" [ "$(status "$TMP/run1.out" "keyward audit" bare)" = "" ]
expect "run 1: bare has no reports" [ ! -e "$R/bare" ]

# broken: the audit exits 2 (an unknown profile): the host stops there with keyward's
# message, what ran before (the sanitize dry run) is on the controller, no audit.json
ok=no
[ "$(status "$TMP/run1.out" "keyward audit" broken)" = fatal ] && [ "$(fatal_msg "$TMP/run1.out" broken rc)" = 2 ] &&
	contains "$(fatal_msg "$TMP/run1.out" broken stderr)" "no built-in profile no-such-profile" && ok=yes
expect "run 1: broken fails at the audit (exit 2) with keyward's message" [ $ok = yes ]
expect "run 1: broken: the sanitize plan made before is on the controller, no audit.json, no keys scan" \
	[ "$(grep -c "^dry run: nothing changed" "$R/broken/sanitize.txt").$(ls "$R/broken" | tr '\n' ' ').$(status "$TMP/run1.out" "keyward keys scan" broken)" = "1.sanitize.txt ." ]
expect "run 1: broken: the temporary folder was still removed (always:)" \
	[ "$(status "$TMP/run1.out" "Remove the temporary folder on the host" broken)" = ok ]

# refused before anything runs
ok=no
contains "$(fatal_msg "$TMP/run1.out" live)" 'keyward_sanitize needs keyward_root set to an image root on the host, not "/"' &&
	[ "$(status "$TMP/run1.out" "The folder keyward_bin_dir" live)" = "" ] && [ ! -e "$TMP/bin-live" ] && ok=yes
expect "run 1: live: sanitize of / is refused before anything runs" [ $ok = yes ]
ok=no
contains "$(fatal_msg "$TMP/run1.out" strargs)" "keyward_sanitize_args are lists" && [ ! -e "$TMP/bin-strargs" ] && ok=yes
expect "run 1: strargs: a string for keyward_audit_args is refused (lists only: nothing is split by a shell)" [ $ok = yes ]

# the fleet view on the controller
expect "run 1: fleet.json merges the 2 inventories fetched (scrub and gate do no keys scan), named by inventory name" \
	[ "$(jget "$R/fleet.json" "(r['format'], sorted(i['host'] for i in r['inventories']))")" = "('keyward-keys-fleet', ['plain', 'remote'])" ]
expect "run 1: fleet.txt is the text view" grep -q '^fleet of 2 hosts' "$R/fleet.txt"
expect "run 1: no keys scan, no inventory fetched (scrub, gate)" \
	[ "$(status "$TMP/run1.out" "keyward keys scan" scrub).$(status "$TMP/run1.out" "keyward keys scan" gate).$(ls "$R/scrub" "$R/gate" | grep -c keys-inventory)" = skipping.skipping.0 ]
expect "run 1: keyward_command with no install source: nothing installed, keyward found (scrub, gate)" \
	[ "$(status "$TMP/run1.out" "Copy the binary" scrub).$(status "$TMP/run1.out" "keyward runs on the host" gate)" = skipping.ok ]

started1=$(jget "$R/remote/audit.json" "r['started']")
journal1=$(ls -l --time-style=full-iso "$TMP/journal-scrub")

# ---- second run: nothing changes ----------------------------------------------------------
# (the hosts that failed would fail again just as they did)
SECONDS=0
play -l plain,remote,scrub,localhost >"$TMP/run2.out" 2>&1
rc2=$?
t2=$SECONDS
expect "run 2: exits 0 (${t2} s)" [ "$rc2" = 0 ]
for h in plain remote scrub localhost; do
	expect "run 2: $h reports changed=0, failed=0" [ "$(recap "$TMP/run2.out" "$h" changed).$(recap "$TMP/run2.out" "$h" failed)" = 0.0 ]
done
expect "run 2: the install is idempotent (the copy task is ok on plain and remote)" \
	[ "$(status "$TMP/run2.out" "Copy the binary" plain).$(status "$TMP/run2.out" "Copy the binary" remote)" = ok.ok ]
expect "run 2: scrub's second --apply is ok (not changed): nothing to do" \
	[ "$(status "$TMP/run2.out" "keyward sanitize (a dry run unless keyward_sanitize_apply)" scrub)" = ok ]
expect "run 2: sanitize.txt says so, and the journal was not touched" \
	[ "$(grep -c "^nothing to do: $TMP/scrub needs no change" "$R/scrub/sanitize.txt").$(ls -l --time-style=full-iso "$TMP/journal-scrub")" = "1.$journal1" ]
expect "run 2: one more snapshot in each database" \
	[ "$(nsnap "$TMP/plain.db" | cut -d' ' -f1).$(pg_sql 'SELECT count(*) FROM keyward.snapshots')" = 2.2 ]
expect "run 2: the reports are this run's (remote's audit.json is newer than run 1's)" \
	[ "$(jget "$R/remote/audit.json" "r['started']")" '>' "$started1" ]

echo "# ansible-playbook: run 1 ${t1} s, run 2 ${t2} s"
finish
