#!/usr/bin/env python3
# sshd_gen.py — random sshd_config generator for the differential oracle test
# (tests/integration/sshd_oracle.sh). Owned by the "oracle" helper.
#
#   sshd_gen.py --seed S --count N --out DIR [--specs K] [--hostkey FILE] [--error-rate P]
#               [--plain-globs]
#
# Writes DIR/cases.tsv and one directory per case, DIR/cNNNN/, holding
# sshd_config and its Include files (all Include paths absolute, inside DIR, except
# for rare relative ones that resolve against the host's /etc/ssh for sshd and
# keyward alike). Each line of cases.tsv is
#   CASE-DIR <TAB> SPEC1 <TAB> SPEC2 ...
# where a SPEC is a -C argument or "-" for "no -C at all", optionally followed by
# "|o:K=V" (an -o option) and "|h:PATH" (an extra -h) fields.
#
# Each case has its own random.Random("SEED/INDEX"), so one case can be regenerated
# alone and the same arguments always give the same files.
#
# The generator does not decide what is valid: real sshd does. It only steers the mix
# so that roughly half to two thirds of the runs are accepted and the rest fail, mostly
# for one reason (bad values, unknown keywords, missing/extra arguments, bad quoting,
# global-only keywords inside Match, bad Match lines, duplicate Subsystem, Include
# loops). Values are drawn from pools of good, bad and edge values per keyword type
# (boundaries such as LLONG_MAX rekey limits, empty list elements, case variants);
# now and then a line carries hostile bytes (NUL, 0xff, \v, \f, a BOM, 60 KB lines).
# Everything is synthetic: no secrets, no host data beyond user/group names.
import argparse
import os
import random
import sys

HOSTKEY = "/tmp/sx/hk"

# -- -C material: users and groups that exist on a Debian 12 host and some that do not --
USERS = ["root", "nobody", "postgres", "www-data", "sshd", "daemon", "alice", "bob", "Root"]
GROUPS = ["root", "postgres", "nogroup", "www-data", "sudo", "ssl-cert", "users", "staff",
          "daemon", "wheel", "nosuchgroup"]
HOSTS = ["h.example.com", "web1.example.org", "localhost", "db.internal", "x", "H.Example.COM"]
ADDRS = ["192.0.2.5", "10.1.2.3", "203.0.113.9", "2001:db8::5", "127.0.0.1", "10.200.0.1"]
LADDRS = ["10.0.0.2", "192.168.1.1", "::1", "172.16.5.4"]
LPORTS = ["22", "2222", "443"]
RDOMAINS = ["r1", "rdom0", "vrf-blue"]

# -o values for some runs (sshd parses them before the file: they win)
OPTS_GOOD = ["PermitRootLogin=no", "Port=2222", "MaxAuthTries=3", "Ciphers=+aes128-cbc",
             "Ciphers=-chacha*", "AllowUsers=root bob", "PasswordAuthentication no",
             "LogLevel=VERBOSE", "X11Forwarding=yes", "Subsystem=sftp /bin/x", "AcceptEnv=LANG",
             "KexAlgorithms=^curve25519-sha256", "PermitUserEnvironment=TZ",
             "ListenAddress=127.0.0.1", "ClientAliveInterval=5m", "pubkeyauthentication=No",
             "AuthorizedKeysFile=/etc/ssh/keys/%u", "Banner /etc/issue.net"]
OPTS_BAD = ["Match=all", "Include=/tmp/none.conf", "MaxAuthTries=x", "bogus=1",
            "AuthorizedKeysFile", "Ciphers=nope"]

SUPPORTED = {
    "cipher": "3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc,aes128-ctr,aes192-ctr,aes256-ctr,"
              "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com",
    "mac": "hmac-sha1,hmac-sha1-96,hmac-sha2-256,hmac-sha2-512,hmac-md5,hmac-md5-96,"
           "umac-64@openssh.com,umac-128@openssh.com,hmac-sha1-etm@openssh.com,"
           "hmac-sha1-96-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
           "hmac-sha2-512-etm@openssh.com,hmac-md5-etm@openssh.com,hmac-md5-96-etm@openssh.com,"
           "umac-64-etm@openssh.com,umac-128-etm@openssh.com",
    "kex": "diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group14-sha256,"
           "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
           "diffie-hellman-group-exchange-sha1,diffie-hellman-group-exchange-sha256,"
           "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,curve25519-sha256,"
           "curve25519-sha256@libssh.org,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com",
    "key": "ssh-ed25519,sk-ssh-ed25519@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
           "ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com,"
           "webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,ssh-rsa,rsa-sha2-256,rsa-sha2-512,"
           "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
           "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,"
           "ssh-rsa-cert-v01@openssh.com,ssh-dss-cert-v01@openssh.com,"
           "sk-ssh-ed25519-cert-v01@openssh.com",
    "gss": "gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,"
           "gss-group14-sha1-,gss-gex-sha1-,gss-group1-sha1-",
}
SUPPORTED = {k: v.split(",") for k, v in SUPPORTED.items()}
WILDCARDS = {
    "cipher": ["aes*", "*-cbc", "aes*-ctr", "*gcm*", "chacha*", "3des-cbc", "*"],
    "mac": ["*sha1*", "umac-64*", "*-etm@openssh.com", "hmac-md5*", "hmac-sha2-*", "*"],
    "kex": ["ecdh-*", "*sha1", "diffie-hellman-*", "sntrup*", "curve25519-sha256*", "*"],
    "key": ["ecdsa-*", "*-cert-v01@openssh.com", "sk-*", "ssh-rsa*", "rsa-sha2-*", "*"],
    "gss": ["gss-group1*", "*sha1-", "gss-*"],
}
UNKNOWN_ALGS = ["aes512-ctr", "AES128-CTR", "hmac-sha3", "blowfish-cbc", "foo@example.com",
                "Curve25519-sha256", "ssh-ed448", "none"]

FLAG_GOOD = ["yes", "no", "YES", "No", "nO"]
FLAG_BAD = ["maybe", "1", "true", "no#c", "y", "on"]

# kind -> (good values, bad values); each value is the raw text after the keyword
T = {}
T["flag"] = (FLAG_GOOD, FLAG_BAD)
T["addressfamily"] = (["inet", "inet6", "any", "INET", "Any"], ["ipv4", "all"])
T["permitrootlogin"] = (["yes", "no", "without-password", "prohibit-password",
                         "forced-commands-only", "Prohibit-Password", "NO"], ["nope", "without_password"])
T["ignorerhosts"] = (["yes", "no", "shosts-only", "Shosts-Only"], ["rhosts-only"])
T["compression"] = (["yes", "no", "delayed", "Delayed"], ["zlib", "lz4"])
T["gatewayports"] = (["yes", "no", "clientspecified", "ClientSpecified"], ["client"])
T["tcpfwd"] = (["yes", "no", "all", "local", "remote", "Local", "ALL"], ["both", "none"])
T["permittunnel"] = (["yes", "no", "point-to-point", "ethernet"], ["Yes", "NO", "tun", "ptp"])
T["permituserenvironment"] = (["yes", "no", "LANG,LC_*", "TZ", "YES", "No"], [])
T["time"] = (["120", "0", "30", "2m", "1h30m", "90s", "1m30s", "5M", "1w", "2d", "45S", "600"],
             ["abc", "-1", "10x", "1h-5", "1.5m", "2mm"])
T["int"] = (["0", "1", "3", "6", "10", "2048", "007", "4"], ["3x", "x", "99999999999", "1.5", "-1"])
T["port"] = (["22", "2222", "8022", "65535", "1"], ["0", "65536", "-1", "22a", "ssh"])
T["listen"] = (["0.0.0.0", "[::]:2222", "127.0.0.1:22", "::1", "10.0.0.1", "localhost",
                "192.168.7.7:2200", "[127.0.0.2]", "::"],
               ["1.2.3.4:99999", "10.0.0.1 rdomain", "10.0.0.1 vrf r1", "[::1]:0",
                "10.0.0.9 rdomain r1"])
T["hostkey"] = (["@HOSTKEY", "/etc/ssh/ssh_host_ed25519_key", "@CASE/missing_key",
                 "ssh_host_relative_key"], [])
T["hostcert"] = (["@CASE/missing-cert.pub"], [])
T["path"] = (["/run/sshd-x.pid", "none", "/etc/issue.net", "/etc/ssh/moduli", "relative/file",
              "~/thing", "/srv/%u", "%h/jail", "NONE", "/usr/bin/xauth"], [])
T["chroot"] = (["/srv/%u", "none", "%h", "/var/empty", "/jail/%%x"], [])
T["skprov"] = (["internal", "Internal", "/usr/lib/sk.so", "libsk.so"], [])
T["agent"] = (["SSH_AUTH_SOCK", "/run/agent.sock"], [])
T["syslogfacility"] = (["AUTH", "AUTHPRIV", "DAEMON", "USER", "LOCAL0", "local7", "auth", "Local3"],
                       ["KERN", "LOCAL8", "syslog"])
T["loglevel"] = (["QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2",
                  "DEBUG3", "verbose", "Info"], ["TRACE", "DEBUG4", "warn"])
T["logverbose"] = (["kex.c:*:1000", "none", "sshd.c:*", "auth.c:*:* kex.c:*:*", "NONE"],
                   ["none kex.c:*", "kex.c:* none"])
T["rekeylimit"] = (["1G 1h", "default none", "512M", "0 0", "16", "1K 30m", "default",
                    "4G 2h", "100M none", "2g"], ["15", "1X", "1G x", "-5"])
T["users"] = (["root", "alice bob", "*", "alice@10.0.0.0/8", "bob@*.example.com", "!root *",
               '"bob smith" carol', "post*", "r?ot", "www-data@192.0.2.*", "nobody root postgres",
               "bob\\ smith", "'it\\'s' x", '"a\\"b"', "root@!10.0.0.0/8"],
              ["alice@10.0.0.0/33", "bob@1.2.3.4/99"])
T["groups"] = (["root", "sudo wheel", "*", "!nogroup", "post*", "users staff", "ssl-cert"], [])
T["acceptenv"] = (["LANG LC_*", "XMODIFIERS", "GIT_*", "TZ", "LANG", "COLORTERM"], ["A=B", "LANG X=Y"])
T["setenv"] = (["FOO=bar", "A=1 B=2", '"MSG=hello world"', "LANG=C A=2", "A=1 A=2"], ["FOO", "=x"])
T["subsystem"] = (["sftp /usr/lib/openssh/sftp-server",
                   "sftp internal-sftp -f AUTHPRIV -l INFO",
                   "backup /bin/true --flag  two",
                   "Sftp /usr/lib/sftp-server", "x11 /bin/cat"], ["sftp"])
T["maxstartups"] = (["10:30:100", "10", "5:50:20", "10:30:60", "1:1:1", "100"],
                    ["10:101:20", "20:30:10", "0", "10:30", "x"])
T["persourcemaxstartups"] = (["none", "5", "1", "100"], ["x", "5x"])
T["persourcenetblocksize"] = (["32:128", "24", "24:56", "0:0", "16:64"], ["33", "24:129", "x"])
T["authkeysfile"] = ([".ssh/authorized_keys", "/etc/ssh/keys/%u", ".ssh/a .ssh/b", "none",
                      "~/.ssh/keys", "~root/k",
                      "%h/.ssh/authorized_keys %h/.ssh/ak2", "/etc/ssh/keys/%u/keys"], [])
T["permitopen"] = (["any", "none", "host.example.com:22", "[::1]:80", "*:*", "localhost:*",
                    "10.0.0.1:443 10.0.0.2:443", "Any"], ["host", "host:99999", "any none"])
T["permitlisten"] = (["any", "none", "8080", "localhost:8080", "*:2222", "[::1]:80 9000"],
                     ["host:x", "99999"])
T["rest"] = (["internal-sftp", "/bin/echo hi # not a comment", "none",
              "/usr/bin/run  --two   spaces"], [])
T["command"] = (["none", "none", "NONE", "/usr/bin/keys %u", "/bin/true"], ["relative/cmd", "keys"])
T["user"] = (["nobody", "root", "alice"], [])
T["versionaddendum"] = (["none", "hello world", "x # comment", "Debian"], [])
T["authmethods"] = (["any", "publickey", "publickey,password publickey,keyboard-interactive",
                     "keyboard-interactive:pam", "publickey,publickey", "password"],
                    ["foo", "any publickey", "publickey any"])
T["mask"] = (["0177", "077", "0", "0777", "644"], ["0999", "x", "01000"])
T["fingerprinthash"] = (["sha256", "SHA256", "md5", "MD5"], ["sha3", "x"])
T["ipqos"] = (["lowdelay throughput", "af21 cs1", "none", "ef", "AF21", "0x10",
               "cs0 le"], ["foo", "af21 bar"])
T["rdomain"] = (["%D", "none", "r1"], [])
T["pubkeyauthoptions"] = (["none", "touch-required", "verify-required touch-required",
                           "Touch-Required"], ["x", "touch"])
T["channeltimeout"] = (["session=5m", "agent-connection=1h direct-tcpip=30s", "none",
                        "*=10m", "x11-connection=0"], ["session", "none x", "session=x"])
T["unusedtimeout"] = (["none", "5m", "0", "1h", "NONE"], ["x"])
T["deprecated"] = (["yes", "no", "768", "whatever"], [])
T["protocol"] = (["2", "1,2", "2,1"], [])

# edge values: boundaries and oddities sshd is picky about; drawn now and then and
# left to sshd to judge (some are accepted, some refused)
EDGE = {
    "int": ["2147483647", "2147483648", "0x10", "-0", " 5", "00"],
    "time": ["2147483647", "2147483648", "1M1S", "1h1h", "0x10", "100000w", "3W", "-0", "1s1"],
    "port": ["022", "0x16", "99999999999999", "65535"],
    "rekeylimit": ["9223372036854775807", "9223372036854775808", "9223372036854775800",
                   "8E", "7E", "1T", "1P", "1.5G", "0 1s", "none", "1g 1H", "4096K default"],
    "maxstartups": ["10:30:100:5", "10:0:100", "1:100:1", "2147483647", "10x", "10:30:100x"],
    "persourcenetblocksize": ["24:", "24x", ":64", "32:0"],
    "persourcemaxstartups": ["0", "-1", "NONE"],
    "mask": ["0o77", "8", "00000000077", "-1"],
    "fingerprinthash": ["SHA1", "sha512", "Md5", "sha384"],
    "ipqos": ["af11 af12 af13", "256", "63", "0xff", "cs7 va", "LOWDELAY", "0"],
    "channeltimeout": ["session:foo=5m", "session=", "=5m", "session=1w2d3h",
                       "x11-connection=5m session=1h global=2m", "NONE"],
    "authmethods": ["publickey,,password", "publickey:x", "keyboard-interactive:bsdauth",
                    "gssapi-with-mic", "hostbased", "none", '"any"', "ANY"],
    "permitopen": ["*:22", "host:0", "host:65536", "1.2.3.4", "[::1]", "a:1 any"],
    "permitlisten": ["0", "*", "localhost:*", "none 80"],
    "authkeysfile": ["none other", "~nobody/x", "~nosuchuser/x"],
    "users": ["root@10.0.0.0/8/1", "@host", "root@", "a\\\\b", 'a"b c"d'],
    "listen": ["127.0.0.1:022", "[127.0.0.1]:2222", "127.0.0.1:", "[::1]", "::ffff:127.0.0.1",
               "0.0.0.0 rdomain"],
    "pubkeyauthoptions": ["NONE", "none none", "touch-required touch-required"],
    "logverbose": ["a b c", '""'],
    "permituserenvironment": ['"yes"', "Yes", "LANG,", "*"],
    "subsystem": ['sftp ""', '"" /x', "sftp /x\\ y"],
    "setenv": ['"A=b c"', "A==", "A=1 B=2 A=3"],
}
EDGE_ALG = {
    "cipher": ["aes128-ctr,", ",aes128-ctr", "-aes128-ctr,,", "+aes128-ctr,aes128-ctr,aes128-cbc",
               "^aes128-cbc,aes128-ctr", "^3des-cbc,chacha20-poly1305@openssh.com", "+", "-", "^"],
    "mac": ["+hmac-sha1-96,hmac-md5", "^hmac-sha2-512", "-hmac-sha2-512*,*64*", "hmac-sha1,hmac-sha1"],
    "kex": ["+sntrup761x25519-sha512@openssh.com", "^ecdh-sha2-nistp256,curve25519-sha256",
            "-*,curve25519-sha256", "curve25519-sha256,kex-strict-s-v00@openssh.com", "+ext-info-s"],
    "key": ["+ssh-rsa-cert-v01@openssh.com,ssh-rsa", "^ssh-rsa", "-*cert*", "*", "ssh-*", "ecdsa*",
            "+ssh-rsa,ssh-dss,webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
            "ssh-ed25519-cert-v01@openssh.com", "-ssh-dss,*", "-*"],
    "gss": ["gss-group14-sha256-,", "gss-group14-sha256-,,gss-gex-sha1-", ",gss-group14-sha256-",
            "-gss-group1*", "+gss-group1-sha1-"],
}

ALG = "alg"
# keyword -> (kind, allowed inside a non-matching Match block). Spelling is the
# canonical CamelCase; the case is varied at output.
KEYWORDS = [
    ("UsePAM", "flag", False), ("PAMAuthenticationViaKbdInt", "deprecated", False),
    ("Port", "port", False), ("HostKey", "hostkey", False), ("HostDSAKey", "hostkey", False),
    ("HostKeyAgent", "agent", False), ("PidFile", "path", False), ("ModuliFile", "path", False),
    ("ServerKeyBits", "deprecated", False), ("LoginGraceTime", "time", False),
    ("KeyRegenerationInterval", "deprecated", False), ("PermitRootLogin", "permitrootlogin", True),
    ("SyslogFacility", "syslogfacility", False), ("LogLevel", "loglevel", True),
    ("LogVerbose", "logverbose", True), ("RhostsAuthentication", "deprecated", False),
    ("RhostsRSAAuthentication", "deprecated", True), ("HostbasedAuthentication", "flag", True),
    ("HostbasedUsesNameFromPacketOnly", "flag", True),
    ("HostbasedAcceptedAlgorithms", (ALG, "key"), True),
    ("HostbasedAcceptedKeyTypes", (ALG, "key"), True),
    ("HostKeyAlgorithms", (ALG, "key"), False), ("RSAAuthentication", "deprecated", True),
    ("PubkeyAuthentication", "flag", True), ("PubkeyAcceptedAlgorithms", (ALG, "key"), True),
    ("PubkeyAcceptedKeyTypes", (ALG, "key"), True), ("PubkeyAuthOptions", "pubkeyauthoptions", True),
    ("DSAAuthentication", "flag", False), ("KerberosAuthentication", "flag", True),
    ("KerberosOrLocalPasswd", "flag", False), ("KerberosTicketCleanup", "flag", False),
    ("KerberosGetAFSToken", "deprecated", False), ("KerberosTgtPassing", "deprecated", False),
    ("AFSTokenPassing", "deprecated", False), ("GSSAPIAuthentication", "flag", True),
    ("GSSAPICleanupCredentials", "flag", False), ("GSSAPIStrictAcceptorCheck", "flag", False),
    ("GSSAPIKeyExchange", "flag", False), ("GSSAPIStoreCredentialsOnRekey", "flag", False),
    ("GSSAPIKexAlgorithms", (ALG, "gss"), False), ("PasswordAuthentication", "flag", True),
    ("KbdInteractiveAuthentication", "flag", True),
    ("ChallengeResponseAuthentication", "flag", True), ("SkeyAuthentication", "flag", True),
    ("CheckMail", "deprecated", False), ("ListenAddress", "listen", False),
    ("AddressFamily", "addressfamily", False), ("PrintMotd", "flag", False),
    ("PrintLastLog", "flag", False), ("IgnoreRhosts", "ignorerhosts", True),
    ("IgnoreUserKnownHosts", "flag", False), ("X11Forwarding", "flag", True),
    ("X11DisplayOffset", "int", True), ("X11UseLocalhost", "flag", True),
    ("XAuthLocation", "path", False), ("StrictModes", "flag", False),
    ("PermitEmptyPasswords", "flag", True), ("PermitUserEnvironment", "permituserenvironment", False),
    ("UseLogin", "deprecated", False), ("Compression", "compression", False),
    ("RekeyLimit", "rekeylimit", True), ("TCPKeepAlive", "flag", False), ("KeepAlive", "flag", False),
    ("AllowTcpForwarding", "tcpfwd", True), ("AllowAgentForwarding", "flag", True),
    ("AllowUsers", "users", True), ("DenyUsers", "users", True), ("AllowGroups", "groups", True),
    ("DenyGroups", "groups", True), ("Ciphers", (ALG, "cipher"), False),
    ("MACs", (ALG, "mac"), False), ("Protocol", "protocol", False),
    ("GatewayPorts", "gatewayports", True), ("Subsystem", "subsystem", False),
    ("MaxStartups", "maxstartups", False), ("PerSourceMaxStartups", "persourcemaxstartups", False),
    ("PerSourceNetBlockSize", "persourcenetblocksize", False), ("MaxAuthTries", "int", True),
    ("MaxSessions", "int", True), ("Banner", "path", True), ("UseDNS", "flag", False),
    ("VerifyReverseMapping", "deprecated", False), ("ReverseMappingCheck", "deprecated", False),
    ("ClientAliveInterval", "time", True), ("ClientAliveCountMax", "int", True),
    ("AuthorizedKeysFile", "authkeysfile", True), ("AuthorizedKeysFile2", "deprecated", True),
    ("UsePrivilegeSeparation", "deprecated", False), ("AcceptEnv", "acceptenv", True),
    ("SetEnv", "setenv", True), ("PermitTunnel", "permittunnel", True), ("PermitTTY", "flag", True),
    ("PermitUserRC", "flag", True), ("PermitOpen", "permitopen", True),
    ("PermitListen", "permitlisten", True), ("ForceCommand", "rest", True),
    ("ChrootDirectory", "chroot", True), ("HostCertificate", "hostcert", False),
    ("RevokedKeys", "path", True), ("TrustedUserCAKeys", "path", True),
    ("AuthorizedPrincipalsFile", "path", True), ("KexAlgorithms", (ALG, "kex"), False),
    ("IPQoS", "ipqos", True), ("AuthorizedKeysCommand", "command", True),
    ("AuthorizedKeysCommandUser", "user", True), ("AuthorizedPrincipalsCommand", "command", True),
    ("AuthorizedPrincipalsCommandUser", "user", True), ("VersionAddendum", "versionaddendum", False),
    ("AuthenticationMethods", "authmethods", True), ("StreamLocalBindMask", "mask", True),
    ("StreamLocalBindUnlink", "flag", True), ("AllowStreamLocalForwarding", "tcpfwd", True),
    ("FingerprintHash", "fingerprinthash", False), ("DisableForwarding", "flag", True),
    ("ExposeAuthInfo", "flag", True), ("RDomain", "rdomain", True),
    ("CASignatureAlgorithms", (ALG, "key"), True), ("SecurityKeyProvider", "skprov", False),
    ("RequiredRSASize", "int", True), ("ChannelTimeout", "channeltimeout", True),
    ("UnusedConnectionTimeout", "unusedtimeout", True), ("DebianBanner", "flag", False),
]
# keywords drawn more often: the security-relevant ones the checks read
HOT = {"PermitRootLogin", "PasswordAuthentication", "KbdInteractiveAuthentication",
       "PubkeyAuthentication", "X11Forwarding", "AllowTcpForwarding", "MaxAuthTries",
       "Ciphers", "MACs", "KexAlgorithms", "AllowUsers", "AcceptEnv", "Subsystem",
       "AuthorizedKeysFile", "LogLevel", "Port", "ListenAddress", "PermitEmptyPasswords",
       "ClientAliveInterval", "Banner", "AuthenticationMethods", "MaxStartups"}
# rare: always fatal here (RDomain: not supported on Linux) or file-loading side effects
RARE = {"RDomain", "HostCertificate", "HostKeyAgent", "HostDSAKey", "KerberosGetAFSToken"}
MATCH_OK = [k for k in KEYWORDS if k[2]]
UNKNOWN_KEYWORDS = ["Bogus x", "PasswordAuth yes", "Port2222", "UseRoaming no", "Ciphers2 aes128-ctr",
                    "GSSAPIEnablek5users yes", "PubkeyAcceptedKeyTypez ssh-ed25519",
                    "PerSourcePenalties yes", "PerSourcePenaltyExemptList 10.0.0.0/8",
                    "RefuseConnection yes", "PAMServiceName sshd", "SshdSessionPath /x",
                    "StrictHostKeyChecking no", "IdentityFile ~/.ssh/id"]
GLOB_CORNERS = True


class Gen:
    def __init__(self, rnd, casedir):
        self.r = rnd
        self.casedir = casedir
        self.files = {}        # relative path -> list of lines
        self.error_left = 0    # how many deliberate errors may still be injected

    # -- small helpers --
    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def kwcase(self, name):
        c = self.r.random()
        if c < 0.55:
            return name
        if c < 0.8:
            return name.lower()
        if c < 0.9:
            return name.upper()
        return "".join(ch.upper() if self.chance(0.5) else ch.lower() for ch in name)

    def sep(self):
        return self.pick([" ", " ", " ", "\t", "=", " = ", "= ", " =", "  \t "])

    def quote_tokens(self, value):
        """Sometimes quote the single-token value: "v", 'v', or with a \\ escape."""
        if " " in value or "\t" in value or '"' in value or "'" in value or "#" in value:
            return value
        c = self.r.random()
        if c < 0.08:
            return '"' + value + '"'
        if c < 0.12:
            return "'" + value + "'"
        return value

    def want_error(self, p):
        if self.error_left > 0 and self.chance(p):
            self.error_left -= 1
            return True
        return False

    # -- values --
    def alg_value(self, kind):
        names = SUPPORTED[kind]
        if self.chance(0.06):
            return self.pick(EDGE_ALG[kind])
        c = self.r.random()
        if kind == "gss" and 0.3 <= c < 0.8 and not self.chance(0.1):
            c = 0.0                       # GSSAPIKexAlgorithms takes plain lists only
        if c < 0.3:       # plain list
            items = self.r.sample(names, self.r.randint(1, min(5, len(names))))
            if kind == "key" and self.chance(0.15):
                items.append(self.pick(WILDCARDS[kind]))
            v = ",".join(items)
        elif c < 0.55:    # append
            v = "+" + ",".join(self.r.sample(names, self.r.randint(1, 3)))
        elif c < 0.8:     # remove, wildcards allowed
            pool = names + WILDCARDS[kind] + ["nonexistent-alg"]
            v = "-" + ",".join(self.r.sample(pool, self.r.randint(1, 3)))
        else:             # move to front
            v = "^" + ",".join(self.r.sample(names, self.r.randint(1, 3)))
        if self.want_error(0.15):
            bad = self.r.random()
            if bad < 0.4:
                v = v + "," + self.pick(UNKNOWN_ALGS)
            elif bad < 0.6:
                v = self.pick(["", "+", "^", "-"]) + self.pick(WILDCARDS[kind])
            elif bad < 0.8:
                v = v + ", " + self.pick(names)     # lists are one token
            else:
                v = v + ",,"
        return v

    def value(self, kind):
        if isinstance(kind, tuple):
            return self.alg_value(kind[1])
        good, bad = T[kind]
        if bad and self.want_error(0.12):
            v = self.pick(bad)
        elif kind in EDGE and self.chance(0.06):
            v = self.pick(EDGE[kind])
        else:
            v = self.pick(good)
        v = v.replace("@CASE", self.casedir).replace("@HOSTKEY", HOSTKEY)
        return self.quote_tokens(v)

    def directive(self, kw, kind, indent=""):
        v = self.value(kind)
        line = indent + self.kwcase(kw) + self.sep() + v
        if kind == "command" and v.lower() != "none" and not self.chance(0.1):
            # sshd refuses a command without its user; mostly give it one
            line += "\n" + indent + kw + "User " + self.pick(T["user"][0])
        if self.want_error(0.04):
            e = self.r.random()
            if e < 0.2:
                line = indent + self.kwcase(kw)                          # no argument
            elif e < 0.35:
                line = indent + self.kwcase(kw) + self.pick(["=", ' ""', " ''", ' "" x', " = "])
            elif e < 0.65 and kind not in ("rest", "versionaddendum", "command", "subsystem",
                                            "users", "groups", "acceptenv", "setenv",
                                            "authkeysfile", "logverbose", "channeltimeout",
                                            "deprecated", "protocol", "authmethods",
                                            "pubkeyauthoptions", "permitopen",
                                            "permitlisten"):
                line += " extra"                                        # extra argument
            else:
                line += ' "unbalanced'                                   # bad quotes
        elif self.chance(0.07):
            line += self.pick([" # trailing comment", "\t#c", "   ", " \f", "\r"])
        return line

    def random_directive(self, in_match, indent=""):
        pool = MATCH_OK if in_match else KEYWORDS
        while True:
            kw, kind, mok = self.pick(pool)
            if kw in RARE and not self.chance(0.03):
                continue
            if kw not in HOT and self.chance(0.35):
                continue
            break
        if in_match and self.want_error(0.03):
            kw, kind, mok = self.pick([k for k in KEYWORDS if not k[2]])   # forbidden in Match
        elif self.want_error(0.02):
            # unknown to 9.2: typos, client-only options, keywords of later versions
            return indent + self.pick(UNKNOWN_KEYWORDS)
        return self.directive(kw, kind, indent)

    # -- Match --
    def match_line(self):
        r = self.r
        if self.want_error(0.08):
            return self.pick(["Match", "Match foo bar", "Match all user root", "Match user",
                              "Match address 10.0.0.0/33", "Match LocalPort x",
                              "Match User root Bogus x", "Match localaddress 1.2.3.4/99",
                              "Match User root #", "Match address 10.0.0.0/8,2001:db8::/129",
                              "Match Invalid-User yes", "Match Version OpenSSH_9.2*",
                              "Match User root,", "Match LocalPort 22,23", "Match LocalPort 0"])
        if self.chance(0.12):
            return self.kwcase("Match") + " " + self.pick(["all", "All", "ALL", "all # everyone"])
        crits = []
        n = r.choice([1, 1, 1, 2, 2, 3])
        names = r.sample(["User", "Group", "Host", "Address", "LocalAddress", "LocalPort",
                          "RDomain", "User", "Address", "Group", "User", "LocalAddress",
                          "Host", "RDomain"], n)
        if "LocalPort" in names and self.chance(0.5):
            names.remove("LocalPort")          # 9.2 dies on it without lport=: keep it rarer
        if not names:
            names = ["User"]
        for name in names:
            val = self.criterion(name)
            if self.chance(0.06):
                val = '"' + val + '"'
            crits.append(self.kwcase(name) + self.pick([" ", " ", "\t", "="]) + val)
        line = self.kwcase("Match") + " " + " ".join(crits)
        if self.chance(0.08):
            line += " # match comment"
        return line

    def plist(self, pool, extra):
        items = []
        for _ in range(self.r.choice([1, 1, 1, 2, 3])):
            c = self.r.random()
            if c < 0.6:
                it = self.pick(pool)
            elif c < 0.8:
                it = self.pick(extra)
            else:
                it = "!" + self.pick(pool)
            items.append(it)
        return ",".join(items)

    def criterion(self, name):
        if name == "User":
            return self.plist(USERS, ["*", "r*", "?oot", "post*", "*a*"])
        if name == "Group":
            return self.plist(GROUPS, ["*", "s*", "post*", "nogr?up"])
        if name == "Host":
            return self.plist(HOSTS, ["*.example.com", "*", "h.*", "10.*"])
        if name == "Address":
            return self.plist(ADDRS, ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "127.0.0.1/32",
                                      "0.0.0.0/0", "10.1.2.*", "203.0.113.0/25", "::/0"])
        if name == "LocalAddress":
            return self.plist(LADDRS, ["10.0.0.0/24", "192.168.0.0/16", "::1/128", "172.16.*"])
        if name == "LocalPort":
            return self.pick(LPORTS + ["8022"])
        if name == "RDomain":
            return self.plist(RDOMAINS, ["r*", "*", "vrf-*"])
        raise ValueError(name)

    # -- files and Include --
    def include_line(self, depth, in_match):
        """Create included files and return the Include directive for them."""
        args = []
        for _ in range(self.r.choice([1, 1, 1, 2, 3])):
            c = self.r.random()
            sub = "d%d_%d" % (depth, len(self.files))
            if c < 0.55:                                         # glob over a drop-in directory
                names = sorted(self.r.sample(["10-early.conf", "50-cloud-init.conf", "60-x.conf",
                                              "99-late.conf", "00-first.conf", "a.conf",
                                              "notes.txt", "Z.conf"], self.r.randint(1, 4)))
                for n in names:
                    self.make_file(sub + "/" + n, depth + 1, in_match)
                if self.chance(0.1):                              # a directory among the files
                    self.make_file(sub + "/sub.d/x.conf", depth + 1, in_match)
                pat = self.pick(["*.conf", "*", "[0-9]*.conf", "?0-*.conf", "*.conf", "*"])
                if GLOB_CORNERS and self.chance(0.1):             # glob(3) corners
                    pat = self.pick(["*/", "[^9]*", "[!9]*.conf", "\\1*.conf", "*.con[f]",
                                     "*/*.conf", "[[:digit:]]*", "*.{conf,txt}", ".*"])
                args.append("%s/%s/%s" % (self.casedir, sub, pat))
            elif c < 0.8:                                        # one plain file
                self.make_file(sub + ".conf", depth + 1, in_match)
                args.append("%s/%s.conf" % (self.casedir, sub))
            elif c < 0.985 or "loop.conf" in self.files:         # matches nothing
                args.append(self.pick(["%s/nothing/*.conf" % self.casedir, "%s/none.conf" % self.casedir,
                                       "keyward-oracle-nonexistent/*.conf"]))
            else:                                                # self/loop: deep nesting
                args.append("%s/loop.conf" % self.casedir)
                if "loop.conf" not in self.files:
                    self.files["loop.conf"] = ["# includes itself: depth limit",
                                               "MaxSessions 4",
                                               "Include %s/loop.conf" % self.casedir]
                    self.error_left = 0
        if self.want_error(0.05):
            return self.kwcase("Include")
        return self.kwcase("Include") + self.sep() + " ".join(args)

    def body(self, depth, in_match, nlines):
        """Lines of one file; in_match: the text is inside a Match block (Include in Match)."""
        lines = []
        cur_match = in_match
        for _ in range(nlines):
            c = self.r.random()
            if c < 0.06:
                lines.append(self.pick(["", "# a comment", "   # indented comment", "\t", "#Port 9999"]))
            elif c < 0.0625:
                lines.append(self.pick(["Port 2222\0junk", "\0MaxSessions 3", "AllowUsers \xff\xfe",
                                        "Banner /a\xffb", "Port\x0b2222", "MaxAuthTries 3\0",
                                        "\ufeffPort 2222", "Port 2222\f", "X11Forwarding\fyes",
                                        "AllowUsers " + "u" * self.pick([200, 5000, 60000]),
                                        "# " + "c" * 70000]))
            elif c < 0.13 and depth < 3:
                lines.append(self.include_line(depth, cur_match))
            elif c < 0.22:
                ml = self.match_line()
                lines.append(ml)
                cur_match = "all" not in ml.lower().split("#")[0].split()[1:2]
            elif c < 0.3 and self.chance(0.5):
                # duplicate of an earlier directive with another value (first-wins)
                prev = [l for l in lines if l.strip() and not l.lstrip().startswith(("#", "Match", "match",
                                                                            "Include", "include"))]
                if prev:
                    first = self.pick(prev).strip().split(None, 1)[0].split("=")[0]
                    kwd = [k for k in KEYWORDS if k[0].lower() == first.lower()]
                    if kwd and (not cur_match or kwd[0][2]):
                        lines.append(self.directive(kwd[0][0], kwd[0][1], "  " if cur_match else ""))
                        continue
                lines.append(self.random_directive(cur_match, "  " if cur_match else ""))
            else:
                lines.append(self.random_directive(cur_match, "  " if cur_match and self.chance(0.7) else ""))
        return lines

    def make_file(self, rel, depth, in_match):
        self.files[rel] = []          # reserve the name before recursing
        self.files[rel] = self.body(depth, in_match, self.r.randint(1, 6))

    def config(self, error):
        self.error_left = 1 if error else 0
        main = []
        if self.chance(0.3):
            main.append("# generated by sshd_gen.py")
        if self.chance(0.4):
            main.append(self.include_line(0, False))
        main += self.body(0, False, self.r.randint(3, 18))
        # Debian-like tail: a few Match blocks
        for _ in range(self.r.choice([0, 0, 1, 1, 2, 3])):
            ml = self.match_line()
            main.append(ml)
            # after "Match all" every keyword is allowed: the block is active in pass 1
            restricted = "all" not in ml.lower().split("#")[0].split()[1:2]
            for _ in range(self.r.randint(1, 4)):
                if self.chance(0.1):
                    main.append("  " + self.include_line(1, restricted))
                else:
                    main.append(self.random_directive(restricted, self.pick(["", "  ", "\t"])))
        self.files["sshd_config"] = main
        return self.files


def specs(rnd, nspecs):
    def full():
        return "user=%s,host=%s,addr=%s,laddr=%s,lport=%s,rdomain=%s" % (
            rnd.choice(USERS), rnd.choice(HOSTS), rnd.choice(ADDRS), rnd.choice(LADDRS),
            rnd.choice(LPORTS), rnd.choice(RDOMAINS))

    def partial():
        fields = ["user=" + rnd.choice(USERS)]
        if rnd.random() < 0.7:
            fields.append("host=" + rnd.choice(HOSTS))
        if rnd.random() < 0.7:
            fields.append("addr=" + rnd.choice(ADDRS))
        if rnd.random() < 0.4:
            fields.append("laddr=" + rnd.choice(LADDRS))
        fields.append("lport=" + rnd.choice(LPORTS))   # without lport 9.2 dies on Match LocalPort
        rnd.shuffle(fields)
        return ",".join(fields)

    def extras(spec):
        # command-line options: -o K=V (parsed before the file, so they win) and extra -h
        for _ in range(rnd.choice([0, 0, 0, 0, 0, 1, 1, 2])):
            spec += "|o:" + rnd.choice(OPTS_GOOD if rnd.random() < 0.85 else OPTS_BAD)
        if rnd.random() < 0.04:
            spec += "|h:" + rnd.choice(["/nonexistent/oracle_key", HOSTKEY])
        return spec

    out = [full(), partial()]
    c = rnd.random()
    if c < 0.35:
        out.append("-")                                                     # no -C at all
    elif c < 0.55:
        out.append("user=%s,host=%s,addr=%s" % (rnd.choice(USERS), rnd.choice(HOSTS),
                                                rnd.choice(ADDRS)))          # Lynis-like, no lport
    else:
        out.append(full())
    while len(out) < nspecs:
        out.append(full() if rnd.random() < 0.6 else partial())
    return [extras(x) for x in out[:nspecs]]


def main():
    global HOSTKEY, GLOB_CORNERS
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--specs", type=int, default=3)
    ap.add_argument("--error-rate", type=float, default=0.2)
    ap.add_argument("--hostkey", default=HOSTKEY, help="host key path used in HostKey lines")
    ap.add_argument("--plain-globs", action="store_true",
                    help="leave out glob(3) corner patterns (*/, [^x], \\x) in Include lines")
    a = ap.parse_args()
    HOSTKEY = a.hostkey
    GLOB_CORNERS = not a.plain_globs
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    rows = []
    for i in range(a.count):
        # one generator per case, seeded from (seed, i): a case can be regenerated alone
        rnd = random.Random("%d/%d" % (a.seed, i))
        casedir = os.path.join(out, "c%05d" % i)
        os.makedirs(casedir, exist_ok=True)
        g = Gen(rnd, casedir)
        files = g.config(rnd.random() < a.error_rate)
        for rel in sorted(files):
            p = os.path.join(casedir, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            text = "\n".join(files[rel]) + "\n"
            with open(p, "wb") as f:
                # \x80-\xff stand for single raw bytes; other text is UTF-8
                f.write(b"".join(bytes([ord(ch)]) if 0x80 <= ord(ch) <= 0xff else ch.encode()
                                 for ch in text))
        rows.append("\t".join([casedir] + specs(rnd, a.specs)))
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
