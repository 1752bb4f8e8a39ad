# scanpeers.sh — real SSH servers on 127.0.0.1 for the scanner's tests and benchmark
# (sourced by tests/integration/scan_*.sh and bench/scan.sh; needs bash).
#
#   . "$SRC/tests/integration/scanpeers.sh"
#   peers_init                    # state folder + EXIT/INT/TERM traps (optional: implied)
#   peers_start default hardened legacy dropbear tinysshd evil || exit 1
#   port=$(peers_port hardened); peers_keys hardened | xargs -n1 ssh-keygen -lf
#   peers_evil_port bigpkt
#   peers_stop                    # also run by the EXIT trap; safe to call twice
#
# Peers. A NAME is PROFILE or PROFILE.TAG (two instances of one profile: hardened.a,
# hardened.b; they share the profile's host keys). sshd profiles (/usr/sbin/sshd -D -e -f):
#   default    Debian's algorithm defaults; ed25519, ecdsa-256, rsa-3072 host keys
#   hardened   kex sntrup761x25519/curve25519 only; chacha20, aes-gcm, aes-ctr; etm MACs;
#              ed25519 + rsa-4096; DebianBanner no
#   legacy     + CBC and 3des ciphers, hmac-sha1(-96)/hmac-md5(-96), group1/group14-sha1/
#              gex-sha1 kex, ssh-rsa + ssh-dss host key algorithms; rsa-2048 + dsa keys
#              (OpenSSH 9.2 would also load an rsa-1024 key: RequiredRSASize is 1024)
#   rsa-only   one rsa-2048 host key
#   terrapin   chacha20-poly1305 and CBC ciphers with etm MACs (Debian's 9.2 still offers
#              kex-strict-s-v00@openssh.com, which is the mitigation a scanner must see)
#   gex-weak   diffie-hellman-group-exchange-sha256/sha1 only, ModuliFile holding only
#              the 2048-bit groups of /etc/ssh/moduli (Debian ships no 1536-bit group, and
#              sshd refuses to serve under 2048 anyway)
# and three other kinds:
#   dropbear   /usr/sbin/dropbear -F -E -s -w -j -k, dropbearkey ed25519/ecdsa/rsa-2048
#   tinysshd   systemd-socket-activate -a --inetd /usr/sbin/tinysshd (ed25519 key from
#              tinysshd-makekey; its .pub is made here for fingerprint comparison)
#   evil       tests/integration/evil_sshd.py: one port per hostile scenario
#
# Every sshd config is checked with `sshd -t` before start. Common sshd settings: only
# 127.0.0.1, PidFile none, UsePAM no, DenyUsers *, no password or keyboard-interactive
# auth, LoginGraceTime 5, MaxStartups 100:30:200 (a concurrent scan is not dropped),
# LogLevel VERBOSE (one "Connection from" line per TCP connection), and
# PerSourcePenalties no where `sshd -T` knows the keyword (OpenSSH 9.8+).
#
# Layout of $PEERS_DIR (a fresh /tmp/kwpeers.XXXXXX unless the caller sets it first):
#   keys/PROFILE/...        host keys, generated once per profile and shared
#                           ($PEERS_KEY_CACHE, when set, is used instead and kept)
#   NAME/PORT NAME/PID      the peer's port and daemon PID
#   NAME/config NAME/log    its configuration and its stderr (the daemon's log)
#   NAME/stdout             its stdout (stdin is /dev/null: pipelines get EOF)
#   NAME/KEYS NAME/check    its .pub files (peers_keys), `sshd -t` output
#   evil/ports evil/pid     written by evil_sshd.py
#   farm.txt                "NAME PORT PROFILE" per farm peer (peers_farm)
#   farm_targets.txt        "127.0.0.1:PORT" per farm peer
#
# Functions (all return 0 or 1 and print problems on stderr):
#   peers_init [DIR]          choose the state folder, install the traps
#   peers_profiles            the names peers_start knows
#   peers_start NAME...       start peers (ports chosen free; bounded wait until each
#                             accepts; a port lost to a race is retried)
#   peers_farm K              K sshd instances cycling through the sshd profiles, plus
#                             dropbear.farm and tinysshd.farm (the benchmark's targets)
#   peers_port NAME           its port           peers_pid NAME    its daemon PID
#   peers_keys NAME           its host .pub files, one per line (evil: the key of the
#                             scenarios that run a real key exchange)
#   peers_dir NAME            its folder         peers_log NAME    its log file
#   peers_names               running peers      peers_targets [NAME...]  127.0.0.1:PORT lines
#   peers_evil_port SCENARIO  the evil server's port for a scenario
#   peers_accepts PORT        does 127.0.0.1:PORT accept a TCP connection now?
#   peers_stop                TERM every daemon and its descendants, KILL what is left
#                             after $PEERS_STOP_WAIT seconds (default 3), reap, and remove
#                             the state folder if peers_init made it (PEERS_KEEP=1 keeps it)
#
# Tunables: PEERS_WAIT (seconds a peer may take to accept, default 10), PEERS_STOP_WAIT,
# PEERS_EVIL_LIFETIME (default 120), PEERS_KEEP, PEERS_KEY_CACHE.

PEERS_SSHD=${PEERS_SSHD:-/usr/sbin/sshd}
PEERS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEERS_SSHD_PROFILES="default hardened legacy rsa-only terrapin gex-weak"
_peers_made_dir=
_peers_prev_exit=
_peers_traps=

peers_profiles() { echo "$PEERS_SSHD_PROFILES dropbear tinysshd evil"; }

# ---- state folder and traps ----

_peers_exit_trap() {
	peers_stop
	if [ -n "$_peers_prev_exit" ]; then eval "$_peers_prev_exit"; fi
}

peers_init() {
	if [ -n "${1:-}" ]; then
		PEERS_DIR=$1
		mkdir -p "$PEERS_DIR" || return 1
	elif [ -z "${PEERS_DIR:-}" ]; then
		PEERS_DIR=$(mktemp -d /tmp/kwpeers.XXXXXX) || return 1
		_peers_made_dir=$PEERS_DIR
	else
		mkdir -p "$PEERS_DIR" || return 1
	fi
	export PEERS_DIR
	if [ -z "$_peers_traps" ]; then
		# keep the caller's EXIT trap and run it after ours
		local prev
		prev=$(trap -p EXIT)
		if [ -n "$prev" ]; then
			prev=${prev#"trap -- "}
			prev=${prev%" EXIT"}
			eval "_peers_prev_exit=$prev"
		fi
		trap _peers_exit_trap EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		_peers_traps=1
	fi
	return 0
}

_peers_need_init() {
	if [ -n "$_peers_traps" ] && [ -n "${PEERS_DIR:-}" ] && [ -d "$PEERS_DIR" ]; then return 0; fi
	peers_init ${PEERS_DIR:+"$PEERS_DIR"}
}

# ---- small helpers ----

peers_accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

peers_dir() { echo "$PEERS_DIR/$1"; }
peers_log() { echo "$PEERS_DIR/$1/log"; }

peers_port() {
	local f=$PEERS_DIR/$1/PORT
	[ -s "$f" ] || { echo "scanpeers: no peer $1" >&2; return 1; }
	cat "$f"
}

peers_pid() {
	local f=$PEERS_DIR/$1/PID
	[ -s "$f" ] || { echo "scanpeers: no peer $1" >&2; return 1; }
	cat "$f"
}

peers_names() {
	local d
	[ -n "${PEERS_DIR:-}" ] && [ -d "$PEERS_DIR" ] || return 0
	for d in "$PEERS_DIR"/*/PID; do
		[ -e "$d" ] || continue
		d=${d%/PID}
		echo "${d##*/}"
	done
}

peers_targets() {
	local n names=()
	if [ $# -eq 0 ]; then mapfile -t names < <(peers_names); set -- "${names[@]}"; fi
	local p
	for n in "$@"; do
		[ "$n" = evil ] && continue
		p=$(peers_port "$n") || return 1
		echo "127.0.0.1:$p"
	done
}

peers_keys() {
	local f=$PEERS_DIR/$1/KEYS
	[ -s "$f" ] || { echo "scanpeers: no keys for $1" >&2; return 1; }
	cat "$f"
}

peers_evil_port() {
	local f=$PEERS_DIR/evil/ports
	[ -s "$f" ] || { echo "scanpeers: the evil server is not running" >&2; return 1; }
	awk -v s="$1" '$1 == s { print $2; found = 1 } END { exit !found }' "$f" ||
		{ echo "scanpeers: no evil scenario $1" >&2; return 1; }
}

# N free TCP ports on 127.0.0.1, chosen by the kernel (all bound at once, so distinct).
_peers_free_ports() {
	python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
}

_peers_kind() {
	case ${1%%.*} in
	default | hardened | legacy | rsa-only | terrapin | gex-weak) echo sshd ;;
	dropbear | tinysshd | evil) echo "${1%%.*}" ;;
	*) return 1 ;;
	esac
}

# ---- host keys: one set per profile, generated in parallel, shared by its instances ----

_peers_keyroot() { echo "${PEERS_KEY_CACHE:-$PEERS_DIR/keys}"; }

# "FILE TYPE BITS" lines of the keys a profile needs
_peers_keyspec() {
	local k
	k=$(_peers_keyroot)/$1
	case $1 in
	default) printf '%s\n' "$k/ssh_host_ed25519_key ed25519 0" "$k/ssh_host_ecdsa_key ecdsa 256" "$k/ssh_host_rsa_key rsa 3072" ;;
	hardened) printf '%s\n' "$k/ssh_host_ed25519_key ed25519 0" "$k/ssh_host_rsa_key rsa 4096" ;;
	legacy) printf '%s\n' "$k/ssh_host_rsa_key rsa 2048" "$k/ssh_host_dsa_key dsa 1024" ;;
	rsa-only) printf '%s\n' "$k/ssh_host_rsa_key rsa 2048" ;;
	terrapin | gex-weak) printf '%s\n' "$k/ssh_host_ed25519_key ed25519 0" ;;
	dropbear) printf '%s\n' "$k/dropbear_ed25519_host_key db-ed25519 0" "$k/dropbear_ecdsa_host_key db-ecdsa 256" "$k/dropbear_rsa_host_key db-rsa 2048" ;;
	tinysshd) printf '%s\n' "$k/tinysshd tinyssh 0" ;;
	esac
}

# Make one key (and its .pub) unless it exists. Runs in the background.
_peers_genkey() {
	local f=$1 type=$2 bits=$3
	[ -s "$f.pub" ] && return 0
	mkdir -p "${f%/*}" || return 1
	rm -rf "$f" "$f.pub"
	case $type in
	ed25519 | dsa) ssh-keygen -q -N '' -C scanpeers -t "$type" -f "$f" </dev/null >/dev/null ;;
	ecdsa | rsa) ssh-keygen -q -N '' -C scanpeers -t "$type" -b "$bits" -f "$f" </dev/null >/dev/null ;;
	db-*)
		local t=${type#db-} pub
		if [ "$t" = ed25519 ]; then
			dropbearkey -t "$t" -f "$f" </dev/null >/dev/null 2>&1 || return 1
		else
			dropbearkey -t "$t" -s "$bits" -f "$f" </dev/null >/dev/null 2>&1 || return 1
		fi
		pub=$(dropbearkey -y -f "$f" 2>/dev/null | grep -E '^(ssh-|ecdsa-)') || return 1
		echo "$pub" >"$f.pub.tmp" && mv "$f.pub.tmp" "$f.pub"
		;;
	tinyssh)
		tinysshd-makekey "$f" </dev/null >/dev/null 2>&1 || return 1
		# the OpenSSH public key line: string "ssh-ed25519", string pk (32 bytes)
		{ printf 'ssh-ed25519 '
		  { printf '\0\0\0\013ssh-ed25519\0\0\0\040'; cat "$f/ed25519.pk"; } | base64 -w0
		  printf ' tinysshd\n'; } >"$f.pub.tmp" && mv "$f.pub.tmp" "$f.pub"
		;;
	esac
}

_peers_keys_for() {
	local p line pids=() rc=0 pid
	for p in "$@"; do
		while read -r line; do
			[ -n "$line" ] || continue
			# shellcheck disable=SC2086
			_peers_genkey $line &
			pids+=($!)
		done < <(_peers_keyspec "$p")
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=1
	done
	[ $rc -eq 0 ] || echo "scanpeers: host key generation failed" >&2
	return $rc
}

# ---- configurations ----

_peers_moduli() {
	local f=$PEERS_DIR/keys-moduli
	if [ ! -s "$f" ]; then
		# Size is bits - 1 in the moduli format: 1535 and 2047 are the 1536/2048-bit groups
		awk '!/^#/ && ($5 == 1535 || $5 == 2047)' /etc/ssh/moduli >"$f.tmp" && mv "$f.tmp" "$f"
	fi
	[ -s "$f" ] || { echo "scanpeers: no 1536/2048-bit groups in /etc/ssh/moduli" >&2; return 1; }
	echo "$f"
}

_peers_psp=
# Is PerSourcePenalties known to this sshd? (`sshd -T` prints every keyword it has.)
_peers_has_psp() {
	if [ -z "$_peers_psp" ]; then
		if "$PEERS_SSHD" -T -f "$1" 2>/dev/null | grep -q '^persourcepenalties '; then
			_peers_psp=yes
		else
			_peers_psp=no
		fi
	fi
	[ "$_peers_psp" = yes ]
}

_peers_sshd_config() {
	local name=$1 port=$2 profile=${1%%.*} d=$PEERS_DIR/$1 f moduli=
	if [ "$profile" = gex-weak ]; then moduli=$(_peers_moduli) || return 1; fi
	{
		echo "# scanpeers.sh: profile $profile"
		echo "ListenAddress 127.0.0.1:$port"
		echo "PidFile none"
		echo "UsePAM no"
		echo "DenyUsers *"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "PubkeyAuthentication no"
		echo "AuthorizedKeysFile none"
		echo "LoginGraceTime 5"
		echo "MaxStartups 100:30:200"
		echo "LogLevel VERBOSE"
		while read -r f _; do echo "HostKey $f"; done < <(_peers_keyspec "$profile")
		case $profile in
		hardened)
			echo "KexAlgorithms sntrup761x25519-sha512@openssh.com,sntrup761x25519-sha512,curve25519-sha256,curve25519-sha256@libssh.org"
			echo "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"
			echo "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com"
			echo "HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256"
			echo "DebianBanner no"
			;;
		legacy)
			echo "KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1"
			echo "Ciphers +aes128-cbc,aes192-cbc,aes256-cbc,3des-cbc"
			echo "MACs +hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96"
			echo "HostKeyAlgorithms +ssh-rsa,ssh-dss"
			;;
		terrapin)
			echo "Ciphers chacha20-poly1305@openssh.com,aes128-cbc,aes256-cbc"
			echo "MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"
			;;
		gex-weak)
			echo "KexAlgorithms diffie-hellman-group-exchange-sha256,diffie-hellman-group-exchange-sha1"
			echo "ModuliFile $moduli"
			;;
		esac
	} >"$d/config"
	if _peers_has_psp "$d/config"; then
		echo "PerSourcePenalties no" >>"$d/config"
	fi
	return 0
}

# ---- starting ----

# Write the peer's config (sshd) and start its daemon on port; PID into NAME/PID.
_peers_launch() {
	local name=$1 port=$2 kind d=$PEERS_DIR/$1 k
	kind=$(_peers_kind "$name") || return 1
	echo "$port" >"$d/PORT"
	case $kind in
	sshd)
		"$PEERS_SSHD" -D -e -f "$d/config" </dev/null >"$d/stdout" 2>"$d/log" &
		;;
	dropbear)
		k=$(_peers_keyroot)/dropbear
		/usr/sbin/dropbear -F -E -s -w -j -k -I 30 -P "$d/dropbear.pid" -p "127.0.0.1:$port" \
			-r "$k/dropbear_ed25519_host_key" -r "$k/dropbear_ecdsa_host_key" \
			-r "$k/dropbear_rsa_host_key" </dev/null >"$d/stdout" 2>"$d/log" &
		;;
	tinysshd)
		k=$(_peers_keyroot)/tinysshd/tinysshd
		systemd-socket-activate -l "127.0.0.1:$port" -a --inetd /usr/sbin/tinysshd -v "$k" \
			</dev/null >"$d/stdout" 2>"$d/log" &
		;;
	esac
	echo $! >"$d/PID"
}

# Record the .pub files of a peer in NAME/KEYS.
_peers_record_keys() {
	local name=$1 profile=${1%%.*} f _
	while read -r f _; do echo "$f.pub"; done < <(_peers_keyspec "$profile") >"$PEERS_DIR/$name/KEYS"
}

_peers_start_evil() {
	local d=$PEERS_DIR/evil n
	mkdir -p "$d" && rm -f "$d/ports" "$d/pid"
	python3 "$PEERS_LIB_DIR/evil_sshd.py" --base-port 0 --dir "$d" \
		--lifetime "${PEERS_EVIL_LIFETIME:-120}" </dev/null >"$d/stdout" 2>"$d/log" &
	echo $! >"$d/PID"
	n=$((${PEERS_WAIT:-10} * 20))
	while [ $n -gt 0 ]; do
		[ -s "$d/pid" ] && [ -s "$d/ports" ] && break
		kill -0 "$(cat "$d/PID")" 2>/dev/null || break
		sleep 0.05
		n=$((n - 1))
	done
	if [ ! -s "$d/ports" ]; then
		echo "scanpeers: the evil server did not start; its log:" >&2
		sed 's/^/  /' "$d/log" >&2
		return 1
	fi
	head -1 "$d/ports" | awk '{print $2}' >"$d/PORT"
	[ -s "$d/ssh_host_ed25519_key.pub" ] && echo "$d/ssh_host_ed25519_key.pub" >"$d/KEYS"
	return 0
}

peers_start() {
	_peers_need_init || return 1
	local name kind names=() profiles=() evil=0 rc=0
	for name in "$@"; do
		case $name in
		'' | .* | *[!A-Za-z0-9._-]*) echo "scanpeers: bad peer name '$name'" >&2; return 1 ;;
		esac
		kind=$(_peers_kind "$name") || { echo "scanpeers: unknown peer '$name' (peers_profiles lists them)" >&2; return 1; }
		if [ -e "$PEERS_DIR/$name/PID" ] && kill -0 "$(cat "$PEERS_DIR/$name/PID")" 2>/dev/null; then
			echo "scanpeers: $name is already running" >&2
			return 1
		fi
		if [ "$kind" = evil ]; then evil=1; continue; fi
		names+=("$name")
		profiles+=("${name%%.*}")
	done
	if [ ${#names[@]} -gt 0 ]; then
		mapfile -t profiles < <(printf '%s\n' "${profiles[@]}" | sort -u)
		_peers_keys_for "${profiles[@]}" || return 1
		_peers_start_batch "${names[@]}" || rc=1
	fi
	if [ $evil -eq 1 ]; then
		_peers_start_evil || rc=1
	fi
	return $rc
}

# Start names in one batch: ports, configs, `sshd -t` (in parallel), launch, then one
# bounded wait for all. A peer whose daemon died (a port taken in between) gets a fresh
# port, up to three attempts.
_peers_start_batch() {
	local names=("$@") todo=() ports name i pids=() pid bad=0 deadline
	todo=("${names[@]}")
	for _ in 1 2 3; do
		[ ${#todo[@]} -gt 0 ] || break
		read -r -a ports < <(_peers_free_ports ${#todo[@]}) || return 1
		pids=()
		for i in "${!todo[@]}"; do
			name=${todo[$i]}
			mkdir -p "$PEERS_DIR/$name" || return 1
			rm -f "$PEERS_DIR/$name/PID" "$PEERS_DIR/$name/PORT"
			_peers_record_keys "$name"
			if [ "$(_peers_kind "$name")" = sshd ]; then
				_peers_sshd_config "$name" "${ports[$i]}" || return 1
				"$PEERS_SSHD" -t -f "$PEERS_DIR/$name/config" >"$PEERS_DIR/$name/check" 2>&1 &
				pids+=($!)
			fi
		done
		for i in "${!pids[@]}"; do
			wait "${pids[$i]}" || bad=1
		done
		if [ $bad -ne 0 ]; then
			for name in "${todo[@]}"; do
				if [ -s "$PEERS_DIR/$name/check" ]; then
					echo "scanpeers: sshd -t refused the config of $name:" >&2
					sed 's/^/  /' "$PEERS_DIR/$name/check" >&2
				fi
			done
			return 1
		fi
		for i in "${!todo[@]}"; do
			_peers_launch "${todo[$i]}" "${ports[$i]}" || return 1
		done
		# one bounded wait for the whole batch
		deadline=$((SECONDS + ${PEERS_WAIT:-10}))
		local waiting=("${todo[@]}") still
		while [ ${#waiting[@]} -gt 0 ] && [ $SECONDS -lt $deadline ]; do
			still=()
			for name in "${waiting[@]}"; do
				pid=$(cat "$PEERS_DIR/$name/PID")
				if ! _peers_alive "$pid"; then
					continue # died: handled below
				fi
				peers_accepts "$(cat "$PEERS_DIR/$name/PORT")" || still+=("$name")
			done
			waiting=("${still[@]}")
			[ ${#waiting[@]} -gt 0 ] && sleep 0.05
		done
		if [ ${#waiting[@]} -gt 0 ]; then
			echo "scanpeers: ${waiting[*]} did not accept within ${PEERS_WAIT:-10} s" >&2
			return 1
		fi
		# the dead ones: a lost port is retried, anything else is an error
		local retry=()
		for name in "${todo[@]}"; do
			pid=$(cat "$PEERS_DIR/$name/PID")
			_peers_alive "$pid" && continue
			wait "$pid" 2>/dev/null || true
			if grep -qiE 'address already in use|cannot bind|bind.*failed' "$PEERS_DIR/$name/log"; then
				retry+=("$name")
			else
				echo "scanpeers: $name exited at start; its log:" >&2
				sed 's/^/  /' "$PEERS_DIR/$name/log" >&2
				return 1
			fi
		done
		todo=("${retry[@]}")
	done
	if [ ${#todo[@]} -gt 0 ]; then
		echo "scanpeers: no free port for ${todo[*]} after 3 attempts" >&2
		return 1
	fi
	return 0
}

peers_farm() {
	local k=${1:?peers_farm K} i names=() profiles=() p n
	read -r -a profiles <<<"$PEERS_SSHD_PROFILES"
	for ((i = 0; i < k; i++)); do
		names+=("${profiles[$((i % ${#profiles[@]}))]}.$i")
	done
	names+=(dropbear.farm tinysshd.farm)
	peers_start "${names[@]}" || return 1
	: >"$PEERS_DIR/farm.txt"
	: >"$PEERS_DIR/farm_targets.txt"
	for n in "${names[@]}"; do
		p=$(peers_port "$n") || return 1
		echo "$n $p ${n%%.*}" >>"$PEERS_DIR/farm.txt"
		echo "127.0.0.1:$p" >>"$PEERS_DIR/farm_targets.txt"
	done
	return 0
}

# ---- stopping ----

# Alive and not a zombie (a daemon we started stays a zombie until this shell waits).
_peers_alive() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# Every descendant of a PID (children first listed, then theirs).
_peers_descendants() {
	local kids k
	kids=$(pgrep -P "$1" 2>/dev/null) || return 0
	for k in $kids; do
		echo "$k"
		_peers_descendants "$k"
	done
}

peers_stop() {
	[ -n "${PEERS_DIR:-}" ] && [ -d "$PEERS_DIR" ] || return 0
	local f pid all=() mains=() n p left
	for f in "$PEERS_DIR"/*/PID "$PEERS_DIR"/evil/pid; do
		[ -s "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null)
		case $pid in '' | *[!0-9]*) continue ;; esac
		_peers_alive "$pid" || continue
		mains+=("$pid")
		# descendants first: sshd's connection children call setsid and would outlive
		# the listener (until LoginGraceTime) once reparented
		mapfile -t -O "${#all[@]}" all < <(_peers_descendants "$pid")
		all+=("$pid")
	done
	if [ ${#all[@]} -gt 0 ]; then
		kill -TERM "${all[@]}" 2>/dev/null || true
		n=$((${PEERS_STOP_WAIT:-3} * 20))
		while [ $n -gt 0 ]; do
			left=()
			for p in "${all[@]}"; do
				_peers_alive "$p" && left+=("$p")
			done
			[ ${#left[@]} -eq 0 ] && break
			sleep 0.05
			n=$((n - 1))
		done
		left=()
		for p in "${all[@]}"; do
			_peers_alive "$p" && left+=("$p")
		done
		if [ ${#left[@]} -gt 0 ]; then kill -KILL "${left[@]}" 2>/dev/null || true; fi
		# reap the daemons this shell started (others were started elsewhere: init reaps)
		for p in "${mains[@]}"; do
			n=40
			while [ $n -gt 0 ] && _peers_alive "$p"; do sleep 0.05; n=$((n - 1)); done
			wait "$p" 2>/dev/null || true
		done
	fi
	rm -f "$PEERS_DIR"/*/PID
	if [ -n "$_peers_made_dir" ] && [ "${PEERS_KEEP:-}" != 1 ]; then
		rm -rf "$_peers_made_dir"
		_peers_made_dir=
		PEERS_DIR=
	fi
	return 0
}
