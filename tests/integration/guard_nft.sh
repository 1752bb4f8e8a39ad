#!/bin/bash
# guard_nft.sh — end to end: `keyward guard ban` really drops traffic. Two network
# namespaces made here (nothing touches the host's network): NS runs a TCP listener and
# keyward, CL is the attacker, joined by a veth pair (10.231.X.1 <-> 10.231.X.2 and
# fd00:231:X::1 <-> fd00:231:X::2). Each case first shows the connection works, then
# that it fails (2 s timeout) while banned and works again after the unban: an IPv4
# host, an IPv6 host, a /24, a ban that the kernel expires by itself, a permanent ban
# restored into an emptied firewall by `guard --follow` at start, and a ban that
# `guard --follow` decides from sshd log lines written while it runs.
. "$(dirname "$0")/lib.sh" "$@"

if [ "$(id -u)" != 0 ]; then
	echo "guard_nft.sh: needs root (network namespaces, nftables)"
	exit 1
fi
for tool in ip nft timeout python3; do
	if ! command -v "$tool" > /dev/null; then
		echo "guard_nft.sh: needs $tool"
		exit 1
	fi
done

X=$(( $$ % 200 + 20 ))
NS=kwg-$$
CL=kwgc-$$
V4S=10.231.$X.2 V4C=10.231.$X.1
V6S=fd00:231:$X::2 V6C=fd00:231:$X::1
PORT=8080
DB=$TMP/g.db
CONF=$TMP/guard.conf
: > "$CONF"
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2> /dev/null
	done
	wait 2> /dev/null
	ip netns del "$NS" 2> /dev/null
	ip netns del "$CL" 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# ---- the two namespaces ----
ip netns add "$NS" && ip netns add "$CL" || exit 1
ip -n "$NS" link add veth0 type veth peer name veth1 netns "$CL" || exit 1
ip -n "$NS" link set lo up
ip -n "$CL" link set lo up
ip -n "$NS" addr add "$V4S/24" dev veth0
ip -n "$CL" addr add "$V4C/24" dev veth1
ip -n "$NS" addr add "$V6S/64" dev veth0 nodad
ip -n "$CL" addr add "$V6C/64" dev veth1 nodad
ip -n "$NS" link set veth0 up
ip -n "$CL" link set veth1 up

# listeners inside NS, one per family
for a in "$V4S" "$V6S"; do
	ip netns exec "$NS" python3 -m http.server --bind "$a" "$PORT" \
		> /dev/null 2>&1 < /dev/null &
	PIDS+=($!)
done

# connect ADDR: a TCP connection from CL to the listener within 2 s
connect() {
	ip netns exec "$CL" timeout 2 bash -c 'exec 3<> "/dev/tcp/$0/$1"' "$1" "$PORT" 2> /dev/null
}
blocked() { ! connect "$1"; }

# wait for the listeners
for _ in $(seq 50); do
	connect "$V4S" && connect "$V6S" && break
	sleep 0.1
done
expect "the IPv4 listener answers before any ban" connect "$V4S"
expect "the IPv6 listener answers before any ban" connect "$V6S"

kwg() { ip netns exec "$NS" "$KW" guard "$@" --db "$DB" --config "$CONF"; }
nft_ns() { ip netns exec "$NS" nft "$@"; }

# ---- IPv4 host ----
kwg ban "$V4C" --time 1h --action nft > "$TMP/out" 2>&1
expect "guard ban $V4C exits 0" test $? -eq 0
expect "the nft set v4 holds $V4C with a timeout" \
	bash -c "ip netns exec '$NS' nft list set inet keyward v4 | grep -q '$V4C timeout 1h'"
expect "a connection from the banned $V4C fails" blocked "$V4S"
expect "IPv6 from the same client still works" connect "$V6S"
kwg list --format json > "$TMP/list.json" 2> /dev/null
expect "guard list shows the ban" \
	bash -c "python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if [b for b in r[\"bans\"] if b[\"addr\"]==sys.argv[2]] else 1)' '$TMP/list.json' '$V4C'"
kwg ban "$V4C" --time 1h --action nft > /dev/null 2>&1
expect "banning it again is fine" test $? -eq 0
nft_ns -j list ruleset > "$TMP/rs.json"
expect "one table, two sets, one chain, two rules after two bans" python3 - "$TMP/rs.json" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))["nftables"]
count = lambda k: sum(1 for i in items if k in i and i[k].get("table", i[k].get("name")) == "keyward")
sys.exit(0 if (count("table"), count("set"), count("chain"), count("rule")) == (1, 2, 1, 2) else 1)
PY
kwg unban "$V4C" --action nft > /dev/null 2>&1
expect "guard unban $V4C exits 0" test $? -eq 0
expect "after the unban $V4C connects again" connect "$V4S"

# ---- IPv6 host ----
kwg ban "$V6C" --time 10m --action nft > /dev/null 2>&1
expect "guard ban $V6C exits 0" test $? -eq 0
expect "a connection from the banned $V6C fails" blocked "$V6S"
expect "IPv4 from the same client still works" connect "$V4S"
kwg unban "$V6C" --action nft > /dev/null 2>&1
expect "after the unban $V6C connects again" connect "$V6S"

# ---- a /24 ----
kwg ban "10.231.$X.0/24" --time 10m --action nft > /dev/null 2>&1
expect "guard ban 10.231.$X.0/24 exits 0" test $? -eq 0
expect "a connection from inside the banned /24 fails" blocked "$V4S"
kwg unban "10.231.$X.0/24" --action nft > /dev/null 2>&1
expect "after the unban of the /24 the client connects again" connect "$V4S"

# ---- the kernel drops an element whose time is up ----
kwg ban "$V4C" --time 2s --action nft > /dev/null 2>&1
expect "a 2 s ban blocks at first" blocked "$V4S"
sleep 2.5
expect "once the 2 s are over the client connects again" connect "$V4S"

# ---- a permanent ban survives losing the firewall: --follow restores it ----
kwg ban "$V4C" --time 0 --action nft > /dev/null 2>&1
expect "a permanent ban has no timeout in the set" \
	bash -c "ip netns exec '$NS' nft list set inet keyward v4 | grep -qE 'elements = \\{ $V4C \\}'"
nft_ns delete table inet keyward
expect "with the table gone (a reboot) the client connects" connect "$V4S"
: > "$TMP/auth.log"
ip netns exec "$NS" "$KW" guard --follow "$TMP/auth.log" --action nft --db "$DB" \
	--config "$CONF" --rules '*:3/1h' --bantime 10m > "$TMP/follow.out" 2>&1 &
FOLLOW=$!
PIDS+=($FOLLOW)
restored=1
for _ in $(seq 50); do
	if ip netns exec "$NS" nft list set inet keyward v4 2> /dev/null | grep -q "$V4C"; then
		restored=0
		break
	fi
	sleep 0.1
done
expect "guard --follow re-applies the live ban from the database at start" test $restored -eq 0
expect "the restored ban blocks the client" blocked "$V4S"
kwg unban "$V4C" --action nft > /dev/null 2>&1
expect "after the unban the client connects again" connect "$V4S"

# ---- a ban decided from the log while following ----
now=$(date '+%b %e %H:%M:%S')
for i in 1 2 3 4; do
	echo "$now kwtest sshd[$((4000 + i))]: Failed password for root from $V6C port $((40000 + i)) ssh2"
done >> "$TMP/auth.log"
banned=1
for _ in $(seq 50); do
	if ip netns exec "$NS" nft list set inet keyward v6 2> /dev/null | grep -q "$V6C"; then
		banned=0
		break
	fi
	sleep 0.1
done
expect "four failed passwords from $V6C get it banned by --follow" test $banned -eq 0
expect "the source the log named cannot connect" blocked "$V6S"
expect "the other family of the same client still can" connect "$V4S"
kill "$FOLLOW" 2> /dev/null
wait "$FOLLOW" 2> /dev/null
kwg list --format json > "$TMP/list2.json" 2> /dev/null
expect "the database records the log-driven ban" \
	bash -c "python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if [b for b in r[\"bans\"] if b[\"addr\"]==sys.argv[2]] else 1)' '$TMP/list2.json' '$V6C'"
kwg unban "$V6C" --action nft > /dev/null 2>&1
expect "after its unban $V6C connects again" connect "$V6S"

if [ "$T_FAIL" -ne 0 ]; then
	echo "--- follow output:"
	cat "$TMP/follow.out"
fi
finish
