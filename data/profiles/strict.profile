# keyward profile: strict
#
# baseline, with sshd graded against ssh-audit's "Hardened OpenSSH Server v9.2" policy and
# Lynis's "good" thresholds: algorithms that ssh-audit marks FAIL or WARN in its hardened
# policies fail, RSA host keys need 4096 bits, DH groups 3072.

include baseline.profile
profile strict
description ssh-audit hardened policies and Lynis good thresholds for OpenSSH 9.2

set sshd-algorithms strict               # ssh-audit hardened v9.2: NIST curves, 2048-bit groups, E&M MACs fail
threshold sshd.host-key-rsa-small 4096   # ssh-audit hardened policy: RSA 4096
threshold sshd.moduli-small 3072         # ssh-audit hardened policy: GEX moduli 3072 and up
threshold sshd.max-auth-tries 3          # Lynis SSH-7408 good: MaxAuthTries 3 or less
threshold sshd.max-sessions 2            # Lynis SSH-7408 good: MaxSessions 2 or less
threshold sshd.login-grace-time 30       # dev-sec ssh-baseline sshd-18: 30 s
set keys-rsa-min-bits 3072               # NIST SP 800-57: 3072-bit RSA for 128-bit security
set keys-require-from root               # keys that open root name the hosts they come from
severity sshd.discouraged-algorithms medium
severity sshd.tcp-forwarding medium      # Lynis SSH-7408: AllowTcpForwarding no
severity sshd.agent-forwarding medium    # Lynis SSH-7408: AllowAgentForwarding no
severity sshd.ignore-user-known-hosts medium
