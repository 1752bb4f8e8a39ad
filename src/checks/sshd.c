/* sshd.c — checks on the OpenSSH server configuration as sshd will really apply it.
 *
 * Every rule is a row: an option, what makes its value weak, and the check it raises.
 * Rules run on the global values and on every Match witness and user view the collector
 * evaluated (see collect/sshd.c): a view is reported only where it is weak and the global
 * value is not, so a `Match Address` block that turns passwords back on is reported with
 * its condition, once. Algorithm lists are graded with the ratings table (data/), and
 * lines that lose to an earlier line (first value wins) are reported as shadowed when they
 * concern a rule's option. R_SET rules report options that are set at all (key sources
 * outside authorized_keys files), as information.
 */
#include "checks/checks.h"

#include "base/buf.h"
#include "sshd/algos.h"
#include "sshd/moduli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	C_REFUSED,
	C_ROOT, C_PASSWORD, C_KBDINT, C_EMPTY, C_HOSTBASED, C_RHOSTS, C_USER_KNOWN_HOSTS,
	C_GSSAPI, C_KERBEROS, C_USERENV, C_STRICTMODES, C_USEPAM, C_X11, C_TCPFWD, C_AGENTFWD,
	C_GATEWAY, C_TUNNEL, C_AUTHTRIES, C_GRACE, C_GRACE_ZERO, C_SESSIONS, C_ALIVE, C_LOGLEVEL,
	C_COMPRESSION,
	C_ALGO_FAIL, C_ALGO_WARN, C_TERRAPIN, C_SHADOWED, C_ALLOWUSERS, C_PERMS, C_WARNING,
	C_MODULI_SMALL, C_MODULI_NONE, C_KEYS_COMMAND, C_USER_CA,
	C_HK_DSA, C_HK_RSA_SMALL, C_HK_PERMS, C_HK_MISMATCH, C_CHROOT_PERMS, C_CHROOT_RECIPE,
	C_AUTHMETHODS, C_MAXSTARTUPS, C_SYSLOG, C_PUBKEY, C_DEBIANBANNER, C_HK_UNREADABLE,
	C_SHADOWED_HARDEN,
	C__COUNT
};

#define REF_CIS(t) "CIS Debian Linux 12: " t
#define REF_LYNIS "Lynis SSH-7408"
#define REF_DEVSEC(n) "dev-sec ssh-baseline " n
#define REF_AWS "AWS EC2 User Guide: Guidelines for shared Linux AMIs"

static const kw_check_def defs[] = {
	[C_REFUSED] = { "sshd.config-refused", KW_SEV_CRITICAL, "sshd would refuse this configuration",
		"sshd checks its configuration when it starts: with this one it exits, so after the "
		"next reboot or restart nobody can log in over SSH.",
		"Fix the line named in the evidence; check with `sshd -t` (or `keyward sshd -t --root DIR`).",
		{ "sshd(8) -t", "sshd_config(5)" } },
	[C_ROOT] = { "sshd.permit-root-login", KW_SEV_HIGH, "root may log in with a password",
		"PermitRootLogin yes lets anyone who learns or guesses root's password in directly.",
		"Set `PermitRootLogin prohibit-password` (keys only) or `no`.",
		{ REF_CIS("Ensure sshd PermitRootLogin is disabled"), REF_AWS, REF_DEVSEC("sshd-06") } },
	[C_PASSWORD] = { "sshd.password-authentication", KW_SEV_HIGH, "password logins are enabled",
		"Passwords can be guessed and reused; keys cannot. Cloud images are expected to admit "
		"keys only.",
		"Set `PasswordAuthentication no` after confirming that a key login works.",
		{ REF_AWS, "AWS Marketplace AMI policy: key pair access only", REF_DEVSEC("sshd-27") } },
	[C_KBDINT] = { "sshd.kbd-interactive", KW_SEV_HIGH, "keyboard-interactive logins are enabled",
		"With UsePAM yes, keyboard-interactive is a second way to log in with a password.",
		"Set `KbdInteractiveAuthentication no` unless PAM does multi-factor authentication.",
		{ REF_DEVSEC("sshd-29"), "sshd_config(5)" } },
	[C_EMPTY] = { "sshd.permit-empty-passwords", KW_SEV_CRITICAL, "empty passwords are accepted",
		"Accounts without a password can log in over the network.",
		"Set `PermitEmptyPasswords no`.",
		{ REF_CIS("Ensure sshd PermitEmptyPasswords is disabled"), REF_DEVSEC("sshd-28") } },
	[C_HOSTBASED] = { "sshd.hostbased-authentication", KW_SEV_MEDIUM, "host-based authentication is enabled",
		"Trusting the client host's identity extends every login to whoever controls that host.",
		"Set `HostbasedAuthentication no`.",
		{ REF_CIS("Ensure sshd HostbasedAuthentication is disabled"), REF_DEVSEC("sshd-25") } },
	[C_RHOSTS] = { "sshd.ignore-rhosts", KW_SEV_MEDIUM, ".rhosts and .shosts files are honoured",
		"Users can grant logins to other hosts with files sshd should ignore.",
		"Set `IgnoreRhosts yes`.",
		{ REF_CIS("Ensure sshd IgnoreRhosts is enabled"), REF_DEVSEC("sshd-23") } },
	[C_USER_KNOWN_HOSTS] = { "sshd.ignore-user-known-hosts", KW_SEV_LOW, "users' known_hosts are trusted for host-based logins",
		"A user's ~/.ssh/known_hosts can add hosts for host-based authentication.",
		"Set `IgnoreUserKnownHosts yes`.",
		{ REF_DEVSEC("sshd-24") } },
	[C_GSSAPI] = { "sshd.gssapi-authentication", KW_SEV_LOW, "GSSAPI authentication is enabled",
		"An extra authentication path (Kerberos) that cloud images rarely need.",
		"Set `GSSAPIAuthentication no` unless the host is in a Kerberos realm.",
		{ REF_CIS("Ensure sshd GSSAPIAuthentication is disabled"), REF_DEVSEC("sshd-33") } },
	[C_KERBEROS] = { "sshd.kerberos-authentication", KW_SEV_LOW, "Kerberos password authentication is enabled",
		"Passwords checked against a KDC are still passwords.",
		"Set `KerberosAuthentication no`.",
		{ REF_DEVSEC("sshd-30") } },
	[C_USERENV] = { "sshd.permit-user-environment", KW_SEV_HIGH, "users may set environment variables for sshd",
		"~/.ssh/environment and environment= options can set LD_PRELOAD and similar, which "
		"bypasses forced commands.",
		"Set `PermitUserEnvironment no`.",
		{ REF_CIS("Ensure sshd PermitUserEnvironment is disabled"), REF_DEVSEC("sshd-17") } },
	[C_STRICTMODES] = { "sshd.strict-modes", KW_SEV_MEDIUM, "sshd does not check home and key file permissions",
		"Without StrictModes, a world-writable authorized_keys is accepted.",
		"Set `StrictModes yes`.",
		{ REF_DEVSEC("sshd-11"), REF_LYNIS } },
	[C_USEPAM] = { "sshd.use-pam", KW_SEV_LOW, "sshd does not use PAM",
		"Debian's account policy (expiry, pam_faillock, limits) applies through PAM.",
		"Set `UsePAM yes`.",
		{ REF_CIS("Ensure sshd UsePAM is enabled") } },
	[C_X11] = { "sshd.x11-forwarding", KW_SEV_MEDIUM, "X11 forwarding is enabled",
		"Servers rarely need X11; forwarding exposes the client's display to the server.",
		"Set `X11Forwarding no` (Debian's stock sshd_config turns it on).",
		{ REF_CIS("Ensure sshd X11Forwarding is disabled"), REF_DEVSEC("sshd-42"), REF_LYNIS } },
	[C_TCPFWD] = { "sshd.tcp-forwarding", KW_SEV_LOW, "TCP forwarding is enabled",
		"Forwarding turns an SSH login into a tunnel into the network behind the server.",
		"Set `AllowTcpForwarding no` (or `DisableForwarding yes`) where tunnels are not needed.",
		{ REF_DEVSEC("sshd-39"), REF_LYNIS } },
	[C_AGENTFWD] = { "sshd.agent-forwarding", KW_SEV_LOW, "agent forwarding is enabled",
		"A forwarded agent can be used by root on the server to log in elsewhere as the user.",
		"Set `AllowAgentForwarding no`.",
		{ REF_DEVSEC("sshd-40"), REF_LYNIS } },
	[C_GATEWAY] = { "sshd.gateway-ports", KW_SEV_MEDIUM, "forwarded ports may listen on every address",
		"Remote forwards then open ports to the whole network, not just the server itself.",
		"Set `GatewayPorts no`.",
		{ REF_DEVSEC("sshd-41"), REF_LYNIS } },
	[C_TUNNEL] = { "sshd.permit-tunnel", KW_SEV_LOW, "tun/tap tunnelling is allowed",
		"A layer-2/3 tunnel through SSH bypasses network controls.",
		"Set `PermitTunnel no`.",
		{ REF_DEVSEC("sshd-38") } },
	[C_AUTHTRIES] = { "sshd.max-auth-tries", KW_SEV_LOW, "more than 4 authentication attempts per connection",
		"Each connection may try many passwords or keys before it is dropped.",
		"Set `MaxAuthTries 4` or less.",
		{ REF_CIS("Ensure sshd MaxAuthTries is configured (4)"), REF_LYNIS } },
	[C_GRACE] = { "sshd.login-grace-time", KW_SEV_LOW, "unauthenticated connections may wait more than 60 s",
		"Long grace times let unauthenticated connections tie up MaxStartups slots.",
		"Set `LoginGraceTime 60` or less.",
		{ REF_CIS("Ensure sshd LoginGraceTime is configured (60)"), REF_LYNIS } },
	[C_GRACE_ZERO] = { "sshd.login-grace-time-zero", KW_SEV_INFO, "LoginGraceTime 0 (regreSSHion workaround)",
		"0 disables the timeout: it was the advised workaround for CVE-2024-6387 on unpatched "
		"servers, at the cost of letting unauthenticated connections stay open.",
		"Keep it only while the server runs an OpenSSH without the CVE-2024-6387 fix.",
		{ "CVE-2024-6387 (regreSSHion) advisory" } },
	[C_SESSIONS] = { "sshd.max-sessions", KW_SEV_LOW, "more than 10 sessions per connection",
		"Many multiplexed sessions on one connection ease abuse of a stolen connection.",
		"Set `MaxSessions 10` or less.",
		{ REF_CIS("Ensure sshd MaxSessions is configured (10)") } },
	[C_ALIVE] = { "sshd.client-alive", KW_SEV_LOW, "idle sessions are never timed out",
		"Without ClientAliveInterval, abandoned sessions stay logged in.",
		"Set `ClientAliveInterval 300` and `ClientAliveCountMax 3` or less.",
		{ REF_CIS("Ensure sshd ClientAliveInterval and ClientAliveCountMax are configured") } },
	[C_LOGLEVEL] = { "sshd.log-level", KW_SEV_LOW, "sshd logs too little",
		"Below INFO, logins and key fingerprints are not logged; VERBOSE logs the key used.",
		"Set `LogLevel VERBOSE` (or INFO).",
		{ REF_CIS("Ensure sshd LogLevel is configured"), REF_DEVSEC("sshd-13") } },
	[C_COMPRESSION] = { "sshd.compression", KW_SEV_INFO, "compression before authentication",
		"Compression is attack surface; `delayed` (the default) waits for authentication.",
		"Set `Compression no` or `delayed`.",
		{ REF_LYNIS } },
	[C_ALGO_FAIL] = { "sshd.weak-algorithms", KW_SEV_HIGH, "weak algorithms offered",
		"SHA-1 key exchange and signatures, CBC and 3DES ciphers, MD5/SHA-1/96-bit MACs and "
		"DSA keys are broken or deprecated (ssh-audit FAIL class).",
		"Remove them with the keyword's '-' form or list only strong algorithms; see "
		"docs/algorithms.md.",
		{ "ssh-audit algorithm database", "data/algorithms.ratings", REF_CIS("Ensure sshd Ciphers/MACs/KexAlgorithms are configured") } },
	[C_ALGO_WARN] = { "sshd.discouraged-algorithms", KW_SEV_LOW, "discouraged algorithms offered",
		"NIST curves, 2048-bit groups, encrypt-and-MAC and 64-bit-tag MACs are graded WARN.",
		"Prefer the hardened lists in docs/algorithms.md.",
		{ "ssh-audit algorithm database", "data/algorithms.ratings" } },
	[C_TERRAPIN] = { "sshd.terrapin", KW_SEV_MEDIUM, "exposed to the Terrapin attack (CVE-2023-48795)",
		"chacha20-poly1305 or an -etm MAC with a CBC cipher, without strict key exchange, let "
		"a network attacker drop messages at the start of the session.",
		"Upgrade OpenSSH (strict kex), or remove chacha20-poly1305@openssh.com and the CBC ciphers.",
		{ "CVE-2023-48795" } },
	[C_SHADOWED] = { "sshd.shadowed-directive", KW_SEV_MEDIUM, "a setting has no effect: an earlier line wins",
		"sshd keeps the first value it reads. A drop-in such as 50-cloud-init.conf, included "
		"near the top of sshd_config, silently beats the main file's settings.",
		"Remove the line that is in force, or change it; `keyward sshd -T` shows the result.",
		{ "sshd_config(5): first obtained value is used", "cloud-init ssh_util.py (50-cloud-init.conf)" } },
	[C_SHADOWED_HARDEN] = { "sshd.overridden-by-harden", KW_SEV_INFO, "a line is overridden by keyward harden's settings",
		"keyward harden writes its settings where sshd reads them first, so a later line that "
		"sets the same keyword keeps its text but has no effect. That is intended; the line "
		"only misleads whoever reads it.",
		"Delete or align the overridden line so the file reads as sshd behaves; `keyward sshd "
		"-T` shows what is in force.",
		{ "sshd_config(5): first obtained value is used", "docs/harden.md" } },
	[C_ALLOWUSERS] = { "sshd.allow-users", KW_SEV_LOW, "no AllowUsers or AllowGroups",
		"Any account with a key or password can log in; a list limits it to the intended users.",
		"Set `AllowGroups` (or AllowUsers) to the groups that should log in over SSH.",
		{ REF_CIS("Ensure sshd access is configured"), "Lynis SSH-7440" } },
	[C_PERMS] = { "sshd.config-permissions", KW_SEV_HIGH, "sshd configuration writable by others",
		"Whoever can write sshd_config or a drop-in can grant themselves root logins.",
		"`chown root:root FILE; chmod 600 FILE` (CIS asks for 0600; 0644 is Debian's default).",
		{ REF_CIS("Ensure permissions on /etc/ssh/sshd_config are configured") } },
	[C_MODULI_SMALL] = { "sshd.moduli-small", KW_SEV_LOW, "small Diffie-Hellman groups in the moduli file",
		"Group exchange may pick a group below the profile's minimum (baseline: the seed's "
		"`awk '$5 > 2000'`, i.e. 2048-bit; strict: 3072-bit, as ssh-audit and Mozilla ask).",
		"Filter the file: `awk '$5 >= 3071' /etc/ssh/moduli > moduli.tmp && mv moduli.tmp "
		"/etc/ssh/moduli`.",
		{ "Mozilla OpenSSH guidelines (moduli >= 3071)", REF_DEVSEC("sshd-48"), "moduli(5)" } },
	[C_MODULI_NONE] = { "sshd.moduli-none-left", KW_SEV_MEDIUM, "no usable group left in the moduli file",
		"With no group sshd can offer, every group exchange falls back to one fixed RFC 3526 "
		"group: usually an over-zealous filter emptied the file.",
		"Restore Debian's /etc/ssh/moduli and filter it with a threshold that keeps groups, "
		"or generate new ones with `ssh-keygen -M generate` and `-M screen`.",
		{ "OpenSSH dh.c (dh_new_group_fallback)", "moduli(5)" } },
	[C_KEYS_COMMAND] = { "sshd.authorized-keys-command", KW_SEV_INFO, "keys come from AuthorizedKeysCommand",
		"sshd asks a program for each user's keys: who can log in is decided outside the image's "
		"files, and an offline audit cannot list those keys.",
		"Make sure the command and the service behind it are meant to ship with the image.",
		{ "sshd_config(5): AuthorizedKeysCommand" } },
	[C_USER_CA] = { "sshd.trusted-user-ca-keys", KW_SEV_INFO, "a user CA is trusted for logins",
		"Any certificate signed by a TrustedUserCAKeys key logs in (limited by principals): the "
		"CA's private key is a login credential for every instance of the image.",
		"Keep the CA offline, use AuthorizedPrincipalsFile, and make sure the CA is meant to ship.",
		{ "sshd_config(5): TrustedUserCAKeys" } },
	[C_HK_DSA] = { "sshd.host-key-dsa", KW_SEV_MEDIUM, "DSA host key",
		"DSA (ssh-dss) is limited to 1024 bits and SHA-1; OpenSSH disabled it by default in 7.0 "
		"and removed it in 10.0.",
		"Delete the DSA host key and its HostKey line; keep Ed25519 and RSA >= 3072.",
		{ "ssh-audit: ssh-dss FAIL", REF_DEVSEC("sshd-14") } },
	[C_HK_RSA_SMALL] = { "sshd.host-key-rsa-small", KW_SEV_MEDIUM, "RSA host key below 3072 bits",
		"RSA keys under 3072 bits fall short of current guidance (NIST SP 800-57: 128-bit "
		"security); ssh-audit's hardened policy asks for 4096.",
		"Make a new one: `ssh-keygen -t rsa -b 4096 -f /etc/ssh/ssh_host_rsa_key -N ''`.",
		{ "ssh-audit hardened policy (RSA 4096)", REF_DEVSEC("sshd-50") } },
	[C_HK_PERMS] = { "sshd.host-key-permissions", KW_SEV_HIGH, "host private key readable by others or not owned by root",
		"Anyone who can read a host key can impersonate the server; sshd also refuses keys "
		"that are group- or world-readable.",
		"`chown root:root KEY; chmod 600 KEY`.",
		{ REF_CIS("Ensure permissions on SSH private host key files are configured") } },
	[C_HK_MISMATCH] = { "sshd.host-key-mismatch", KW_SEV_MEDIUM, "host key .pub does not match the private key",
		"Tools that read the .pub (ssh-keyscan alternatives, cloud consoles, known_hosts "
		"provisioning) publish a fingerprint the server never presents.",
		"Regenerate the .pub: `ssh-keygen -y -f KEY > KEY.pub`.",
		{ "ssh-keygen(1) -y" } },
	[C_CHROOT_PERMS] = { "sshd.chroot-permissions", KW_SEV_MEDIUM, "ChrootDirectory not root-owned or writable by others",
		"sshd requires every component of the chroot path to be owned by root and not writable "
		"by group or others; otherwise it refuses the login, and a writable chroot lets the "
		"user plant files sshd and the sftp server trust.",
		"`chown root:root DIR && chmod 755 DIR` for every component; give users a writable "
		"subdirectory inside the chroot.",
		{ "sshd_config(5): ChrootDirectory", "Debian/Ubuntu chroot SFTP guides" } },
	[C_CHROOT_RECIPE] = { "sshd.chroot-sftp-recipe", KW_SEV_MEDIUM, "chrooted accounts can do more than SFTP",
		"A chroot SFTP block should also force internal-sftp and turn forwarding off; "
		"otherwise the accounts get a shell (if the chroot has one) or tunnels out of it.",
		"In the Match block: `ForceCommand internal-sftp`, `DisableForwarding yes` (or "
		"AllowTcpForwarding no, X11Forwarding no, AllowAgentForwarding no).",
		{ "sshd_config(5): ChrootDirectory, ForceCommand", "the SFTP-only recipe of the seed guides" } },
	[C_AUTHMETHODS] = { "sshd.authentication-methods", KW_SEV_MEDIUM, "a password alone completes authentication",
		"AuthenticationMethods lists a chain made only of password or keyboard-interactive: "
		"whatever the other settings intend, that chain lets a password in without a key.",
		"Require a key in every chain: `AuthenticationMethods publickey` (or "
		"`publickey,keyboard-interactive` for multi-factor logins).",
		{ "Mozilla OpenSSH guidelines (AuthenticationMethods publickey)", "sshd_config(5)" } },
	[C_MAXSTARTUPS] = { "sshd.max-startups", KW_SEV_LOW, "MaxStartups allows many unauthenticated connections",
		"Beyond 10:30:60, floods of unauthenticated connections keep more slots busy before "
		"sshd starts dropping them.",
		"Set `MaxStartups 10:30:60` (or stricter).",
		{ REF_CIS("Ensure sshd MaxStartups is configured (10:30:60)"), REF_DEVSEC("sshd-21") } },
	[C_SYSLOG] = { "sshd.syslog-facility", KW_SEV_INFO, "sshd logs to an unusual syslog facility",
		"Log collection and intrusion detection (and keyward guard) look for sshd in the auth "
		"facility.",
		"Set `SyslogFacility AUTH` (or AUTHPRIV).",
		{ REF_DEVSEC("sshd-12") } },
	[C_PUBKEY] = { "sshd.pubkey-authentication", KW_SEV_INFO, "public key logins are disabled",
		"Without public keys, logins need passwords or another method; cloud images are "
		"expected to admit keys.",
		"Set `PubkeyAuthentication yes`.",
		{ REF_DEVSEC("sshd-22"), REF_AWS } },
	[C_DEBIANBANNER] = { "sshd.debian-banner", KW_SEV_INFO, "the SSH version string names the Debian release",
		"Debian's sshd appends its package version to the protocol banner (DebianBanner yes "
		"is the default), telling every scanner the exact patch level.",
		"Set `DebianBanner no`.",
		{ REF_DEVSEC("sshd-47") } },
	[C_HK_UNREADABLE] = { "sshd.host-key-unreadable", KW_SEV_MEDIUM, "a HostKey file is not a private key sshd can load",
		"sshd skips host keys it cannot load (\"Unable to load host key\"); if none is left it "
		"does not start at all.",
		"Regenerate it (`ssh-keygen -A`, or delete it in an image so first boot makes a new one) "
		"or remove the HostKey line.",
		{ "sshd(8): HostKey", "ssh-keygen(1) -A" } },
	[C_WARNING] = { "sshd.config-warning", KW_SEV_INFO, "sshd warns about a line",
		"Deprecated and unsupported keywords are ignored: they do not do what they say.",
		"Remove or replace the line.",
		{ "sshd_config(5)" } },
};

typedef enum {
	R_EQ,             /* weak if the value is one of bad[] */
	R_NOT_IN,         /* weak if the value is none of bad[] */
	R_INT_GT,         /* weak if the number is above limit */
	R_SET,            /* weak (notable) if set at all (not "none") */
	R_PASSWORD_CHAIN, /* AuthenticationMethods: a chain of password-type methods only */
	R_MAXSTARTUPS,    /* start:rate:full looser than 10:30:limit */
} rule_kind;

typedef struct rule {
	int check;            /* index into defs */
	kw_sshd_opt opt;
	rule_kind kind;
	const char *bad[4];   /* R_EQ: weak values (case-insensitive) */
	long limit;           /* R_INT_GT: weak above */
	const char *also;     /* name of a second condition (see weak()) */
} rule;

static const rule rules[] = {
	{ C_ROOT, KW_SO_PERMITROOTLOGIN, R_EQ, { "yes" }, 0, NULL },
	{ C_PASSWORD, KW_SO_PASSWORDAUTHENTICATION, R_EQ, { "yes" }, 0, NULL },
	{ C_KBDINT, KW_SO_KBDINTERACTIVEAUTHENTICATION, R_EQ, { "yes" }, 0, "usepam" },
	{ C_EMPTY, KW_SO_PERMITEMPTYPASSWORDS, R_EQ, { "yes" }, 0, NULL },
	{ C_HOSTBASED, KW_SO_HOSTBASEDAUTHENTICATION, R_EQ, { "yes" }, 0, NULL },
	{ C_RHOSTS, KW_SO_IGNORERHOSTS, R_EQ, { "no", "shosts-only" }, 0, NULL },
	{ C_USER_KNOWN_HOSTS, KW_SO_IGNOREUSERKNOWNHOSTS, R_EQ, { "no" }, 0, "hostbased" },
	{ C_GSSAPI, KW_SO_GSSAPIAUTHENTICATION, R_EQ, { "yes" }, 0, NULL },
	{ C_KERBEROS, KW_SO_KERBEROSAUTHENTICATION, R_EQ, { "yes" }, 0, NULL },
	{ C_USERENV, KW_SO_PERMITUSERENVIRONMENT, R_EQ, { "yes" }, 0, "userenv" },
	{ C_STRICTMODES, KW_SO_STRICTMODES, R_EQ, { "no" }, 0, NULL },
	{ C_USEPAM, KW_SO_USEPAM, R_EQ, { "no" }, 0, NULL },
	{ C_X11, KW_SO_X11FORWARDING, R_EQ, { "yes" }, 0, "forwarding" },
	{ C_TCPFWD, KW_SO_ALLOWTCPFORWARDING, R_EQ, { "yes", "all", "local", "remote" }, 0, "forwarding" },
	{ C_AGENTFWD, KW_SO_ALLOWAGENTFORWARDING, R_EQ, { "yes" }, 0, "forwarding" },
	{ C_GATEWAY, KW_SO_GATEWAYPORTS, R_EQ, { "yes", "clientspecified" }, 0, NULL },
	{ C_TUNNEL, KW_SO_PERMITTUNNEL, R_EQ, { "yes", "point-to-point", "ethernet" }, 0, NULL },
	{ C_AUTHTRIES, KW_SO_MAXAUTHTRIES, R_INT_GT, { NULL }, 4, NULL },
	{ C_GRACE, KW_SO_LOGINGRACETIME, R_INT_GT, { NULL }, 60, NULL },
	{ C_GRACE_ZERO, KW_SO_LOGINGRACETIME, R_EQ, { "0" }, 0, NULL },
	{ C_SESSIONS, KW_SO_MAXSESSIONS, R_INT_GT, { NULL }, 10, NULL },
	{ C_ALIVE, KW_SO_CLIENTALIVEINTERVAL, R_EQ, { "0" }, 0, NULL },
	{ C_LOGLEVEL, KW_SO_LOGLEVEL, R_EQ, { "QUIET", "FATAL", "ERROR" }, 0, NULL },
	{ C_COMPRESSION, KW_SO_COMPRESSION, R_EQ, { "yes" }, 0, NULL },
	{ C_KEYS_COMMAND, KW_SO_AUTHORIZEDKEYSCOMMAND, R_SET, { NULL }, 0, NULL },
	{ C_USER_CA, KW_SO_TRUSTEDUSERCAKEYS, R_SET, { NULL }, 0, NULL },
	{ C_PUBKEY, KW_SO_PUBKEYAUTHENTICATION, R_EQ, { "no" }, 0, NULL },
	{ C_AUTHMETHODS, KW_SO_AUTHENTICATIONMETHODS, R_PASSWORD_CHAIN, { NULL }, 0, NULL },
	{ C_MAXSTARTUPS, KW_SO_MAXSTARTUPS, R_MAXSTARTUPS, { NULL }, 60, NULL },
	{ C_SYSLOG, KW_SO_SYSLOGFACILITY, R_NOT_IN, { "AUTH", "AUTHPRIV" }, 0, NULL },
	/* never printed by -T; unset means Debian's default, yes */
	{ C_DEBIANBANNER, KW_SO_DEBIANBANNER, R_EQ, { "yes", "" }, 0, NULL },
};

static const char *val(const kw_sshd_result *r, kw_sshd_opt o)
{
	const char *v = kw_sshd_value(r, o);
	return v ? v : "";
}

/* Does some AuthenticationMethods chain consist of password-type methods only (password,
 * keyboard-interactive[:...])? "any" is judged by the PasswordAuthentication rules. */
static bool password_chain(const kw_sshd_result *r)
{
	const char *const *v;
	size_t n = kw_sshd_values(r, KW_SO_AUTHENTICATIONMETHODS, &v);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i], "any"))
			continue;
		bool only_pw = true;
		const char *p = v[i];
		while (*p && only_pw) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			/* the method name, without a ":submethod" suffix */
			const char *colon = memchr(p, ':', len);
			size_t mlen = colon ? (size_t)(colon - p) : len;
			only_pw = (mlen == 8 && !strncmp(p, "password", 8)) ||
				  (mlen == 20 && !strncmp(p, "keyboard-interactive", 20));
			p = e ? e + 1 : p + len;
		}
		if (only_pw)
			return true;
	}
	return false;
}

/* Is the rule's value weak in this view? Conditions that make an option moot: forwarding
 * options under DisableForwarding yes; keyboard-interactive without PAM (no password
 * path); user known_hosts only matter with host-based logins; PermitUserEnvironment
 * given as a pattern list ("LANG,LC_*") is weak only when it is "yes". */
static bool weak(const rule *ru, const kw_sshd_result *r, long limit)
{
	const char *v = val(r, ru->opt);
	if (ru->also) {
		if (!strcmp(ru->also, "forwarding") && !strcasecmp(val(r, KW_SO_DISABLEFORWARDING), "yes"))
			return false;
		if (!strcmp(ru->also, "usepam") && strcasecmp(val(r, KW_SO_USEPAM), "yes"))
			return false;
		if (!strcmp(ru->also, "hostbased") && strcasecmp(val(r, KW_SO_HOSTBASEDAUTHENTICATION), "yes"))
			return false;
	}
	if (ru->kind == R_INT_GT)
		return *v && strtol(v, NULL, 10) > limit;
	if (ru->kind == R_SET)
		return *v && strcasecmp(v, "none") != 0;
	if (ru->kind == R_PASSWORD_CHAIN)
		return password_chain(r);
	if (ru->kind == R_MAXSTARTUPS) {
		unsigned long st = 0, rate = 0, full = 0;
		if (sscanf(v, "%lu:%lu:%lu", &st, &rate, &full) != 3)
			return false;
		return st > 10 || rate < 30 || full > (unsigned long)limit;
	}
	if (ru->kind == R_NOT_IN) {
		for (size_t i = 0; i < 4 && ru->bad[i]; i++)
			if (!strcasecmp(v, ru->bad[i]))
				return false;
		return *v != '\0';
	}
	for (size_t i = 0; i < 4 && ru->bad[i]; i++)
		if (!strcasecmp(v, ru->bad[i]))
			return true;
	return false;
}

static const char *keyword_name(kw_sshd_opt o)
{
	return kw_sshd_optdef_get(o)->tname;
}

static void source_text(const kw_sshd_result *r, kw_sshd_opt o, char *buf, size_t n)
{
	const char *file;
	unsigned line;
	if (kw_sshd_value_source(r, o, &file, &line) == 0)
		snprintf(buf, n, "%s:%u", file, line);
	else
		snprintf(buf, n, "default");
}

static void run_rules(kw_check_ctx *x, const kw_sshd_view *g, const kw_sshd_view *v)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		const rule *ru = &rules[i];
		long limit = (long)kw_profile_threshold(x->p, &defs[ru->check], ru->limit);
		if (!weak(ru, v->res, limit))
			continue;
		char src[512];
		source_text(v->res, ru->opt, src, sizeof src);
		const char *value = val(v->res, ru->opt);
		if (!*value)
			value = "(not set: the compiled-in default)";
		if (v == g) {
			kw_emit(x, &defs[ru->check], "sshd", NULL, 0, NULL, "%s %s (%s)",
				keyword_name(ru->opt), value, src);
			continue;
		}
		if (weak(ru, g->res, limit))
			continue; /* already reported for everyone */
		kw_emit(x, &defs[ru->check], v->label, v->block_file, v->block_line, v->user,
			"%s %s for connections matching %s (set at %s), while the global value is %s; tested as -C %s",
			keyword_name(ru->opt), value, v->label, src, val(g->res, ru->opt), v->conn);
	}
}

static const kw_sshd_opt algo_opts[] = {
	KW_SO_CIPHERS, KW_SO_MACS, KW_SO_KEXALGORITHMS, KW_SO_HOSTKEYALGORITHMS,
	KW_SO_PUBKEYACCEPTEDALGORITHMS, KW_SO_CASIGNATUREALGORITHMS,
};

static void run_algorithms(kw_check_ctx *x, const kw_sshd_view *g)
{
	const char *policy = x->p->sshd_policy[0] ? x->p->sshd_policy : "baseline";
	for (size_t i = 0; i < sizeof algo_opts / sizeof algo_opts[0]; i++) {
		kw_alg_kind kind;
		const char *kw = keyword_name(algo_opts[i]);
		if (kw_algos_kind_from_keyword(kw, &kind) < 0)
			continue;
		const char *list = val(g->res, algo_opts[i]);
		kw_sb fail, warn;
		kw_sb_init(&fail);
		kw_sb_init(&warn);
		if (kw_algos_grade_list(kind, list, policy, &fail, &warn) == -ENOMEM)
			x->err = -ENOMEM;
		char src[512];
		source_text(g->res, algo_opts[i], src, sizeof src);
		if (fail.len)
			kw_emit(x, &defs[C_ALGO_FAIL], kw, NULL, 0, NULL, "%s (%s, policy %s): %s", kw, src,
				policy, fail.s);
		if (warn.len)
			kw_emit(x, &defs[C_ALGO_WARN], kw, NULL, 0, NULL, "%s (%s, policy %s): %s", kw, src,
				policy, warn.s);
		kw_sb_release(&fail);
		kw_sb_release(&warn);
	}
	const char *why = NULL;
	if (kw_algos_terrapin_exposed(val(g->res, KW_SO_CIPHERS), val(g->res, KW_SO_MACS),
				      val(g->res, KW_SO_KEXALGORITHMS), &why))
		kw_emit(x, &defs[C_TERRAPIN], "sshd", NULL, 0, NULL, "%s", why ? why : "exposed");
}

static bool rule_option(kw_sshd_opt o)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (rules[i].opt == o)
			return true;
	for (size_t i = 0; i < sizeof algo_opts / sizeof algo_opts[0]; i++)
		if (algo_opts[i] == o)
			return true;
	return false;
}

static void run_moduli(kw_check_ctx *x, const kw_sshd_facts *s)
{
	if (!s->have_moduli)
		return;
	const char *mf = s->moduli_file ? s->moduli_file : "/etc/ssh/moduli";
	bool strict = !strcmp(x->p->sshd_policy, "strict");
	/* the threshold is in bits (3072); the file's SIZE field is bits - 1 */
	int64_t bits = kw_profile_threshold(x->p, &defs[C_MODULI_SMALL],
		(strict ? KW_MODULI_MIN_STRICT : KW_MODULI_MIN_BASELINE) + 1);
	uint32_t min = bits > 1 ? (uint32_t)(bits - 1) : 0;
	kw_moduli_filter f;
	kw_moduli_filter_check(&s->moduli, min, &f);
	if (f.removed) {
		kw_moduli_summary sum;
		kw_sb sizes;
		kw_sb_init(&sizes);
		if (kw_moduli_summarize(&s->moduli, &sum) == 0) {
			for (size_t i = 0; i < sum.n; i++)
				if (sum.v[i].size < min)
					kw_sb_printf(&sizes, "%s%zu of size %u", sizes.len ? ", " : "",
						     sum.v[i].count, sum.v[i].size);
			kw_moduli_summary_release(&sum);
		}
		kw_emit(x, &defs[C_MODULI_SMALL], mf, mf, 0, NULL,
			"%zu of %zu groups have SIZE below %u (%s policy): %s", f.removed,
			s->moduli.n, min, strict ? "strict" : "baseline", sizes.s);
		kw_sb_release(&sizes);
	}
	kw_moduli_filter_check(&s->moduli, 0, &f);
	if (f.falls_back)
		kw_emit(x, &defs[C_MODULI_NONE], mf, mf, 0, NULL,
			"%zu groups, none that sshd can offer (2048-8192 bits): clients get %s",
			s->moduli.n, kw_dh_fixed_name(f.fallback));
}

static void run_hostkeys(kw_check_ctx *x, const kw_sshd_facts *s)
{
	bool strict = !strcmp(x->p->sshd_policy, "strict");
	unsigned rsa_min = (unsigned)kw_profile_threshold(x->p, &defs[C_HK_RSA_SMALL], strict ? 4096 : 3072);
	for (size_t i = 0; i < s->n_hostkeys; i++) {
		const kw_sshd_hostkey *hk = &s->hostkeys[i];
		const kw_pubkey *pk = hk->priv.has_pub ? &hk->priv.pub : hk->has_pub ? &hk->pub : NULL;
		bool dsa = hk->priv.format == KW_PK_PEM_DSA || (pk && !strcmp(pk->label, "DSA"));
		if (dsa)
			kw_emit(x, &defs[C_HK_DSA], hk->path, hk->path, 0, NULL, "%s is a DSA key%s%s",
				hk->path, pk ? " " : "", pk ? pk->fp : "");
		if (pk && !strcmp(pk->label, "RSA") && pk->bits < rsa_min)
			kw_emit(x, &defs[C_HK_RSA_SMALL], hk->path, hk->path, 0, NULL,
				"%s: RSA %u bits (%s policy asks for %u) %s", hk->path, pk->bits,
				strict ? "strict" : "baseline", rsa_min, pk->fp);
		if (hk->st.uid != 0 || (hk->st.mode & 077))
			kw_emit(x, &defs[C_HK_PERMS], hk->path, hk->path, 0, NULL,
				"%s: owner uid %u, mode %04o", hk->path, hk->st.uid, hk->st.mode & 07777);
		if (!hk->readable)
			kw_emit(x, &defs[C_HK_UNREADABLE], hk->path, hk->path, 0, NULL,
				"%s (%llu bytes) is not a private key keyward or sshd can read", hk->path,
				(unsigned long long)hk->st.size);
		if (hk->mismatch)
			kw_emit(x, &defs[C_HK_MISMATCH], hk->path, hk->path, 0, NULL,
				"%s.pub is %s, the private key's public half is %s", hk->path, hk->pub.fp,
				hk->priv.pub.fp);
	}
}

static void run_chroot(kw_check_ctx *x, const kw_sshd_facts *s)
{
	for (size_t i = 0; i < s->n_views; i++) {
		const kw_sshd_view *v = &s->views[i];
		if (!v->chroot)
			continue;
		if (v->chroot_bad && !v->chroot_missing)
			kw_emit(x, &defs[C_CHROOT_PERMS], v->label, v->block_file, v->block_line, v->user,
				"ChrootDirectory %s: component %s has owner uid %u, mode %04o%s",
				v->chroot, v->chroot_bad, v->chroot_bad_st.uid,
				v->chroot_bad_st.mode & 07777,
				v->chroot_bad_st.type != KW_FT_DIR ? " and is not a directory" : "");
		const char *fc = val(v->res, KW_SO_FORCECOMMAND);
		bool forced = !strcmp(fc, "internal-sftp") || !strncmp(fc, "internal-sftp ", 14);
		bool fwd_off = !strcasecmp(val(v->res, KW_SO_DISABLEFORWARDING), "yes") ||
			       (!strcasecmp(val(v->res, KW_SO_ALLOWTCPFORWARDING), "no") &&
				!strcasecmp(val(v->res, KW_SO_X11FORWARDING), "no"));
		if (!forced || !fwd_off)
			kw_emit(x, &defs[C_CHROOT_RECIPE], v->label, v->block_file, v->block_line, v->user,
				"ChrootDirectory %s with ForceCommand %s and %s", v->chroot, fc,
				fwd_off ? "forwarding off" : "forwarding allowed");
	}
}

static void run(kw_check_ctx *x)
{
	const kw_sshd_facts *s = &x->f->sshd;
	run_moduli(x, s);
	run_hostkeys(x, s);
	run_chroot(x, s);
	if (!s->present)
		return;
	if (s->refused) {
		kw_emit(x, &defs[C_REFUSED], "/etc/ssh/sshd_config", "/etc/ssh/sshd_config", 0, NULL,
			"%s", s->refusal ? s->refusal : "sshd -t would fail");
		return;
	}
	if (!s->n_views)
		return;
	const kw_sshd_view *g = &s->views[0];
	for (size_t i = 0; i < s->n_views; i++)
		run_rules(x, g, &s->views[i]);
	if (strcmp(val(g->res, KW_SO_CLIENTALIVEINTERVAL), "0") != 0 &&
	    strtol(val(g->res, KW_SO_CLIENTALIVECOUNTMAX), NULL, 10) > 3)
		kw_emit(x, &defs[C_ALIVE], "sshd", NULL, 0, NULL, "ClientAliveCountMax %s (more than 3)",
			val(g->res, KW_SO_CLIENTALIVECOUNTMAX));
	run_algorithms(x, g);
	const char *const *v;
	if (kw_sshd_values(g->res, KW_SO_ALLOWUSERS, &v) == 0 &&
	    kw_sshd_values(g->res, KW_SO_ALLOWGROUPS, &v) == 0)
		kw_emit(x, &defs[C_ALLOWUSERS], "sshd", NULL, 0, NULL,
			"neither AllowUsers nor AllowGroups is set");

	const kw_sshd_shadow *sh;
	size_t nsh = kw_sshd_shadowed(s->cfg, &sh);
	for (size_t i = 0; i < nsh; i++) {
		if (!rule_option(sh[i].opt))
			continue;
		char target[600];
		snprintf(target, sizeof target, "%s:%u", sh[i].file, sh[i].line);
		/* the winner is keyward harden's drop-in: overridden on purpose */
		const char *wf = sh[i].win_file ? sh[i].win_file : "";
		const char *wb = strrchr(wf, '/');
		bool by_harden = strstr(wb ? wb + 1 : wf, "keyward-harden") != NULL;
		kw_emit(x, &defs[by_harden ? C_SHADOWED_HARDEN : C_SHADOWED], target, sh[i].file,
			sh[i].line, NULL,
			"%s at %s:%u has no effect: %s:%u set it first (in force: %s)",
			keyword_name(sh[i].opt), sh[i].file, sh[i].line, sh[i].win_file, sh[i].win_line,
			val(g->res, sh[i].opt));
	}

	for (size_t i = 0; i < s->n_files; i++) {
		const kw_sshd_file *f = &s->files[i];
		if (f->st.uid != 0 || (f->st.mode & 022))
			kw_emit(x, &defs[C_PERMS], f->path, f->path, 0, NULL,
				"%s: owner uid %u, mode %04o", f->path, f->st.uid, f->st.mode & 07777);
	}
	for (size_t i = 0; i < s->diags.n; i++) {
		const kw_diag *d = &s->diags.v[i];
		if (d->fatal)
			continue;
		char target[600];
		snprintf(target, sizeof target, "%s:%u", d->file ? d->file : "", d->line);
		kw_emit(x, &defs[C_WARNING], target, d->file, d->line, NULL, "%s", d->msg);
	}
}

const kw_check_area kw_area_sshd = { "sshd", defs, sizeof defs / sizeof defs[0], run };
