#!/usr/bin/env bash
# mkimage.sh KIND DIR SRCROOT — build a fixture image root for keyward's tests.
#
#   clean    a minimal Debian-like root with nothing to report
#   dirty    the clean root plus one instance of every problem the audit looks for
#
# Content is fixed (keys from tests/data/keys, hashes made once with openssl/crypt) so
# reports are the same on every run and can be compared with golden files.
set -euo pipefail
kind=$1 dir=$2 src=$3
keys=$src/tests/data/keys

mk() { mkdir -p "$dir/$(dirname "$1")"; cat > "$dir/$1"; }

base() {
	mkdir -p "$dir"/{etc/ssh/sshd_config.d,etc/sudoers.d,etc/cloud/cloud.cfg.d,home,root,tmp,var/lib/dbus,var/lib/systemd,var/lib/cloud,var/log,usr/sbin,srv,opt}
	mk etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
EOF
	mk etc/shadow <<'EOF'
root:*:19700:0:99999:7:::
daemon:*:19700:0:99999:7:::
bin:*:19700:0:99999:7:::
sys:*:19700:0:99999:7:::
sync:*:19700:0:99999:7:::
www-data:*:19700:0:99999:7:::
nobody:*:19700:0:99999:7:::
_apt:*:19700:0:99999:7:::
sshd:!:19700::::::
EOF
	chmod 640 "$dir/etc/shadow"
	mk etc/group <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
sudo:x:27:
www-data:x:33:
users:x:100:
nogroup:x:65534:
EOF
	mk etc/login.defs <<'EOF'
# excerpt of Debian 12's login.defs
UID_MIN			 1000
UID_MAX			60000
SYS_UID_MAX		  999
ENCRYPT_METHOD SHA512
EOF
	mk etc/sudoers <<'EOF'
# Debian 12's default sudoers
Defaults	env_reset
Defaults	mail_badpass
Defaults	secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults	use_pty
root	ALL=(ALL:ALL) ALL
%sudo	ALL=(ALL:ALL) ALL
@includedir /etc/sudoers.d
EOF
	mk etc/sudoers.d/README <<'EOF'
#
# Files in this directory are read by sudo; names with a '.' or ending in '~' are skipped.
#
EOF
	: > "$dir/etc/machine-id"
	mk etc/ssh/sshd_config <<'EOF'
# Debian's layout, hardened: keys only, no forwarding, strong algorithms only
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
AllowGroups ssh-users
MaxAuthTries 4
LoginGraceTime 60
ClientAliveInterval 300
MaxStartups 10:30:60
DebianBanner no
Compression no
LogLevel VERBOSE
KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr
MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-128-etm@openssh.com
HostKeyAlgorithms ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-256
PubkeyAcceptedAlgorithms ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,rsa-sha2-512,rsa-sha2-256
CASignatureAlgorithms ssh-ed25519,sk-ssh-ed25519@openssh.com,rsa-sha2-512,rsa-sha2-256
PrintMotd no
AcceptEnv LANG LC_*
Subsystem	sftp	/usr/lib/openssh/sftp-server
EOF
	echo 'ssh-users:x:998:' >> "$dir/etc/group"
	mk etc/cloud/cloud.cfg <<'EOF'
# excerpt of Debian's cloud.cfg: nothing secret
users:
   - default
disable_root: true
system_info:
   default_user:
     name: debian
     lock_passwd: True
     sudo: ["ALL=(ALL) NOPASSWD:ALL"]
     shell: /bin/bash
ssh_pwauth: false
EOF
	mk etc/os-release <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
EOF
	: > "$dir/root/.zsh_history"     # empty history: nothing to report
	chmod 700 "$dir/root"
}

dirty() {
	# accounts: root password, extra UID 0, empty password, weak and locked hashes,
	# passwd/shadow mismatch, NIS compat, login accounts with homes in and out of /home
	cat >> "$dir/etc/passwd" <<'EOF'
toor:x:0:0:backdoor:/root:/bin/sh
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/srv/bob:/bin/bash
carol:abpy.i.hquBqk:1002:1002:Carol:/home/carol:/bin/sh
dave:x:1003:1003:Dave:/home/dave:/bin/bash
ghost:x:1004:1004:no shadow line:/home/ghost:/bin/bash
svc:x:999:999:service:/var/lib/svc:/usr/sbin/nologin
+::::::
EOF
	sed -i 's|^root:\*:|root:$6$rootsalt$WhLzh68Kginxs3WhLXXb5afU9g3sGlEcfR7Nf25KP40fcl4hIct7ZSLL0MgiP8GwncJH6dSfMYvzNLSvA2gij0:|' "$dir/etc/shadow"
	cat >> "$dir/etc/shadow" <<'EOF'
toor:$5$toorsalt$WznjFpUyCyXmihVjgLa9Vq.aioo7onIVDJ0GJQ8Xeu0:19700:0:99999:7:::
alice:$y$j9T$F5Jx5fExrKuPp53xLKQ..1$Lrm./uNavNp49/ausryThT1xU.EWlGfVom1vGW26vK3:0:0:99999:7:::
bob::19700:0:99999:7:::
carol:x:19700:0:99999:7:::
dave:!$1$md5salt$sVheoXpHpmNzHyr5a2r/V0:19700:0:99999:7:::
svc:*:19700:0:99999:7:::
olduser:$6$rootsalt$WhLzh68Kginxs3WhLXXb5afU9g3sGlEcfR7Nf25KP40fcl4hIct7ZSLL0MgiP8GwncJH6dSfMYvzNLSvA2gij0:19700:0:99999:7:::
EOF
	cat >> "$dir/etc/group" <<'EOF'
alice:x:1000:
bob:x:1001:
carol:x:1002:
dave:x:1003:
ghost:x:1004:
svc:x:999:
EOF
	sed -i 's/^sudo:x:27:$/sudo:x:27:dave/' "$dir/etc/group"

	# authorized keys: root, alice, bob (home outside /home, with options)
	mkdir -p "$dir/root/.ssh" "$dir/home/alice/.ssh" "$dir/srv/bob/.ssh" "$dir/home/carol" "$dir/home/dave"
	cp "$keys/root_ed25519.pub" "$dir/root/.ssh/authorized_keys"
	{ echo '# keys for alice'; cat "$keys/alice_ecdsa.pub"; } > "$dir/home/alice/.ssh/authorized_keys2"
	{ printf 'from="10.0.0.0/8",command="/usr/bin/backup --run \\"nightly\\"",no-pty '; cat "$keys/bob_rsa.pub";
	  echo 'ssh-ed25519 AAAA!!notbase64 broken line'; } > "$dir/srv/bob/.ssh/authorized_keys"

	# histories
	echo 'mysql -u root -pSuperSecret' > "$dir/root/.bash_history"
	echo 'SELECT 1;' > "$dir/home/alice/.mysql_history"
	echo 'import os' > "$dir/srv/bob/.python_history"

	# private keys: unencrypted OpenSSH, encrypted OpenSSH, PEM RSA in the home's top level
	cp "$keys/root_ed25519" "$dir/home/alice/.ssh/id_ed25519"
	cp "$keys/alice_enc" "$dir/home/alice/.ssh/id_deploy"
	cp "$keys/deploy_pem" "$dir/root/deploy.pem"

	# cloud and tool credentials (fake but well-formed)
	mk home/alice/.aws/credentials <<'EOF'
[default]
aws_access_key_id = AKIAZ7VQKJ3D4MXTRW5P
aws_secret_access_key = 2dX8jfPq+7Lm3nW0vBz9KcR4tYhE1sUoA6gNiQ5e
EOF
	mk home/alice/.aws/config <<'EOF'
[default]
region = eu-west-1
output = json
EOF
	mk home/alice/.aliyun/config.json <<'EOF'
{
  "current": "default",
  "profiles": [
    { "name": "default", "mode": "AK", "access_key_id": "LTAI5tQ8pZr3Xk9mWv2Ys7Nd",
      "access_key_secret": "kT9sQm2vXp8LwR4nZb6YcJ1hF3dG7a", "region_id": "cn-hangzhou" }
  ]
}
EOF
	mk root/.docker/config.json <<'EOF'
{ "auths": { "registry.example.com": { "auth": "Y2k6c2VjcmV0LXRva2VuLTEyMw==" } } }
EOF
	mk home/alice/.kube/config <<'EOF'
apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://k8s.example.com:6443
  name: prod
users:
- name: admin
  user:
    token: eyJhbGciOiJSUzI1NiJ9.ZmFrZS10b2tlbg.c2lnbmF0dXJl
EOF
	mk srv/bob/.netrc <<'EOF'
machine git.example.com login bob password hunter2-fake
EOF
	mk home/alice/.git-credentials <<'EOF'
https://alice:ghp_FakeTokenFakeTokenFakeToken1234@github.com
EOF
	mk home/alice/.pgpass <<'EOF'
db.example.com:5432:app:app:fake-db-password
EOF
	mk root/.my.cnf <<'EOF'
[client]
user=root
password=fake-mysql-password
EOF

	# per-instance identity and provisioning state
	cp "$keys/host_ed25519" "$dir/etc/ssh/ssh_host_ed25519_key"
	cp "$keys/host_ed25519.pub" "$dir/etc/ssh/ssh_host_ed25519_key.pub"
	# a 2048-bit RSA host key left readable, and an "ecdsa" key whose .pub is another key
	cp "$keys/host_rsa2048" "$dir/etc/ssh/ssh_host_rsa_key"
	cp "$keys/host_rsa2048.pub" "$dir/etc/ssh/ssh_host_rsa_key.pub"
	cp "$keys/root_ed25519" "$dir/etc/ssh/ssh_host_ecdsa_key"
	cp "$keys/alice_enc.pub" "$dir/etc/ssh/ssh_host_ecdsa_key.pub"
	# git keeps no 0600: set every mode the findings depend on
	chmod 600 "$dir/etc/ssh/ssh_host_ed25519_key" "$dir/etc/ssh/ssh_host_ecdsa_key"
	chmod 644 "$dir/etc/ssh/ssh_host_rsa_key" "$dir"/etc/ssh/*.pub
	# an SFTP-only group chrooted into a directory its users' group may write, no forwarding rules
	echo 'sftponly:x:997:carol' >> "$dir/etc/group"
	mkdir -p "$dir/srv/sftp/carol"
	chmod 775 "$dir/srv/sftp"
	printf 'Match Group sftponly\n\tChrootDirectory /srv/sftp/%%u\n\tForceCommand internal-sftp\n' \
		>> "$dir/etc/ssh/sshd_config"
	echo 0123456789abcdef0123456789abcdef > "$dir/etc/machine-id"
	echo 0123456789abcdef0123456789abcdef > "$dir/var/lib/dbus/machine-id"
	head -c 32 /dev/zero > "$dir/var/lib/systemd/credential.secret"
	head -c 512 /dev/zero > "$dir/var/lib/systemd/random-seed"
	mk var/lib/cloud/instances/i-0123456789/user-data.txt <<'EOF'
#cloud-config
chpasswd:
  list: |
    root:Passw0rd
  expire: false
EOF
	ln -s /var/lib/cloud/instances/i-0123456789 "$dir/var/lib/cloud/instance"
	mk var/lib/cloud/seed/nocloud/user-data <<'EOF'
#cloud-config
ssh_pwauth: true
EOF
	mk etc/cloud/cloud.cfg.d/99-builder.cfg <<'EOF'
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx5dGVzdGtleWZvcmtleXdhcmR0ZXN0c29ubHkx builder
EOF
	mk var/lib/dhcp/dhclient.eth0.leases <<'EOF'
lease { interface "eth0"; fixed-address 10.1.2.3; }
EOF

	# sudo: cloud-init's drop-in for alice, a group rule covering dave, a skipped backup
	mk etc/sudoers.d/90-cloud-init-users <<'EOF'
# Created by cloud-init v. 22.4.2 on Thu, 01 Jan 2026 00:00:00 +0000

# User rules for alice
alice ALL=(ALL) NOPASSWD:ALL
EOF
	mk etc/sudoers.d/admins <<'EOF'
User_Alias OPS = dave
OPS ALL=(ALL) NOPASSWD: /usr/bin/systemctl
svc ALL=(root) NOPASSWD: /usr/bin/svc-restart
EOF
	mk etc/sudoers.d/old.bak <<'EOF'
ALL ALL=(ALL) NOPASSWD: ALL
EOF

	# sshd: cloud-init's drop-in turns passwords back on ahead of the main file, and a
	# Match block lets root in with a password from one network
	mk etc/ssh/sshd_config.d/50-cloud-init.conf <<'EOF'
PasswordAuthentication yes
EOF
	printf 'Match Address 10.20.0.0/16\n\tPermitRootLogin yes\nMatch User bob\n\tAllowTcpForwarding yes\n' >> "$dir/etc/ssh/sshd_config"

	# keys outside the homes, named by AuthorizedKeysFile (virt-sysprep misses these)
	mkdir -p "$dir/etc/ssh/keys"
	cp "$keys/alice_enc.pub" "$dir/etc/ssh/keys/carol"
	printf 'AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /etc/ssh/keys/%%u\n' \
		> "$dir/etc/ssh/sshd_config.d/20-keys.conf"

	# DH groups of 1024 bits (made by ssh-keygen -M generate/screen for the moduli tests)
	cp "$src/tests/data/moduli/keygen1024.moduli" "$dir/etc/ssh/moduli"

	# secrets only --deep finds
	mkdir -p "$dir/opt/app/conf" "$dir/srv/backup"
	cp "$keys/deploy_pem" "$dir/opt/app/conf/signing.txt"
	mk srv/backup/env.sh <<'EOF'
export AWS_ACCESS_KEY_ID=AKIAQ4XN7ZK2LP3WBRTM
export AWS_SECRET_ACCESS_KEY=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
EOF
}

case $dir in /tmp/?*) ;; *) echo "mkimage.sh: refusing to build outside /tmp: $dir" >&2; exit 2 ;; esac
rm -rf "$dir"
mkdir -p "$dir"
case $kind in
clean) base ;;
dirty) base; dirty ;;
*) echo "mkimage.sh: unknown kind $kind" >&2; exit 2 ;;
esac
