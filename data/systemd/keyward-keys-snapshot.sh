#!/bin/sh
# keys-snapshot — what keyward-keys-snapshot.service runs (installed as
# /usr/libexec/keyward/keys-snapshot): store a snapshot of this host's SSH keys, then
# print what changed since the snapshot before it. Its output goes to the journal:
#   journalctl -u keyward-keys-snapshot.service
#
#   keys-snapshot [--root DIR] [--db FILE|URI] [--audit-log FILE] [--keep N]
#
# Defaults: this host, keyward's own database and audit trail (/var/lib/keyward/keys.db,
# /var/lib/keyward/keys-audit.log), the newest 90 snapshots kept. $KEYWARD names the
# binary (default /usr/bin/keyward); $KEYWARD_KEYS_DB the database when --db is not given
# (a file, or a fleet's postgresql:// URI: docs/fleet.md).
#
# `keyward keys diff --to latest` compares the last two snapshots; it exits 2 when there
# is only one, so the first run says so itself instead of failing.
# Exit: 0 stored (changes or not: the diff is information, not an error); 2 usage, the
# snapshot or the diff failed; 3 stored, but something could not be read (keys it holds
# are missing from the snapshot: see the messages above).
set -u
kw=${KEYWARD:-/usr/bin/keyward}
root=/ db=${KEYWARD_KEYS_DB:-} log='' keep=90
while [ $# -gt 0 ]; do
	case $1 in
	--root|--db|--audit-log|--keep)
		[ $# -ge 2 ] || { echo "keys-snapshot: $1 needs a value" >&2; exit 2; }
		case $1 in
		--root) root=$2 ;; --db) db=$2 ;; --audit-log) log=$2 ;; --keep) keep=$2 ;;
		esac
		shift 2 ;;
	*) echo "usage: keys-snapshot [--root DIR] [--db FILE|URI] [--audit-log FILE] [--keep N]" >&2
	   exit 2 ;;
	esac
done

# the target and database options, the same for all three commands
set -- --root "$root"
[ -z "$db" ] || set -- "$@" --db "$db"

if [ -n "$log" ]; then
	"$kw" keys snapshot "$@" --audit-log "$log" --keep "$keep" -q
else
	"$kw" keys snapshot "$@" --keep "$keep" -q
fi
rc=$?
# 3: stored without what could not be read; still worth comparing
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || exit "$rc"

list=$("$kw" keys snapshot --list --format json "$@") || exit 2
# one "snapshot": member per stored snapshot of this target
n=$(printf '%s\n' "$list" | grep -c '"snapshot":')
if [ "$n" -lt 2 ]; then
	echo "keys-snapshot: the first snapshot of this target: nothing to compare it with yet"
	exit "$rc"
fi
"$kw" keys diff --to latest "$@"
d=$?
# keys diff: 0 no change, 1 changes (both shown above), 2 error
[ "$d" -le 1 ] || exit "$d"
exit "$rc"
