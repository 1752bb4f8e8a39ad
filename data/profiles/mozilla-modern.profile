# keyward profile: mozilla-modern
#
# baseline, adjusted to Mozilla's "Modern" OpenSSH guidelines (infosec.mozilla.org,
# docs/guidelines/openssh.md): Mozilla accepts the NIST curves and encrypt-and-MAC
# hmac-sha2 (baseline grading) but removes DH groups below 3072 bits.

include baseline.profile
profile mozilla-modern
description Mozilla Modern OpenSSH guidelines (OpenSSH 6.7+)

set sshd-algorithms baseline             # Mozilla Modern lists ecdh-sha2-nistp* and hmac-sha2-*
threshold sshd.moduli-small 3072         # Mozilla: awk '$5 >= 3071' /etc/ssh/moduli
severity sshd.password-authentication high   # Mozilla: AuthenticationMethods publickey
severity sshd.authentication-methods high
severity sshd.log-level medium           # Mozilla: LogLevel VERBOSE
