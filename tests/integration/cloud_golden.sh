#!/usr/bin/env bash
# cloud_golden.sh — `keyward cloud` on fixture sets against reviewed golden findings.
#
# Each case is a list of input files (tests/data/cloud/...) judged together; its golden
# file tests/data/cloud/golden/CASE.expected holds, from the JSON report:
#   exposure lines  "EXPOSE kind name ssh=v4/v6 rdp=v4/v6 rdp_udp=v4/v6"
#   finding lines   "SEVERITY check-id | target | path"
# and nothing else (no times, no versions). The golden files were written by running
# this script with KW_GOLDEN_UPDATE=1 and then read line by line against the fixtures
# (docs/cloud.md says why each line is what it is); a change in output fails here until
# someone reads the difference and updates them the same way.
# Usage: cloud_golden.sh KEYWARD SRCROOT
set -euo pipefail
KW=$1
SRC=$2
D=$SRC/tests/data/cloud
G=$D/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

declare -A cases=(
	[aws-research]="aws/minimal.json"
	[aws-fleet]="golden/aws-fleet-sg.json golden/aws-fleet-instances.json"
	[alibaba-research]="alibaba/minimal.json"
	[alibaba-pooled]="golden/alibaba-pooled.json"
	[alibaba-priorities]="alibaba/drop_equal_priority.json alibaba/accept_better_priority.json alibaba/priority_forms.json"
	[launches]="alibaba/request_inherit.json alibaba/request_password.json alibaba/request_nocred.json aws/run_key.json aws/run_userdata.json aws/run_nokey_template.json"
	[terraform-plan]="terraform/minimal_plan.json terraform/aws_plan.json terraform/alicloud_plan.json"
)

summarise() {
	jq -r '
	  (.exposure[] | "EXPOSE \(.kind) \(.name) ssh=\(.ssh.ipv4)/\(.ssh.ipv6) rdp=\(.rdp.ipv4)/\(.rdp.ipv6) rdp_udp=\(.rdp_udp.ipv4)/\(.rdp_udp.ipv6)"),
	  (.findings[] | "\(.severity) \(.id) | \(.target) | \(.path // "-")")' "$1"
}

for c in $(printf '%s\n' "${!cases[@]}" | sort); do
	args=()
	for f in ${cases[$c]}; do
		[ -f "$D/$f" ] || { echo "FAIL $c: fixture $f missing"; fail=1; continue 2; }
		args+=("$D/$f")
	done
	# paths in the report are as given: run from the data folder so they are stable
	rc=0
	(cd "$D" && "$KW" cloud "${args[@]/#$D\//}" --format json --output "$tmp/$c.json") 2>"$tmp/$c.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $c: exit $rc"; cat "$tmp/$c.err"; fail=1; continue
	fi
	summarise "$tmp/$c.json" >"$tmp/$c.got"
	if [ "${KW_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$tmp/$c.got" "$G/$c.expected"
		echo "updated $c"
	elif ! diff -u "$G/$c.expected" "$tmp/$c.got"; then
		echo "FAIL $c: findings differ from the golden file"
		fail=1
	else
		echo "ok $c ($(wc -l <"$tmp/$c.got") lines)"
	fi
done
exit $fail
