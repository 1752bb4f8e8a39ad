# keyward profile: baseline
#
# The practices of the cloud image guides keyward starts from: an image that will be
# shared or launched many times must hold no preset logon credential (usable or empty
# password, authorized key, private key, cloud or tool credential), no history, and no
# per-instance identity (SSH host keys, machine-id, cloud-init instance state).
# Syntax: docs/profiles.md. Copy this file, edit it, and pass it with --profile FILE.

profile baseline
description Preset logon credentials and secrets in hosts and images (cloud image guides)

# Accounts with a UID from uid-min to uid-max are "login accounts" reviewed by
# accounts.login-account. 0 = take UID_MIN / UID_MAX from the image's /etc/login.defs.
set uid-min 0
set uid-max 0

# Largest file read for a targeted check, and largest file sniffed by --deep.
set max-file-size 16M
set deep-max-size 64M

# "!<hash>" (a locked password that `usermod -U` revives) is reported as low.
set report-locked-hash yes

# Which column of data/algorithms.ratings grades sshd's algorithms: baseline or strict.
set sshd-algorithms baseline

# keyward keys scan: keys.rsa-short for authorized RSA keys below this size (NIST SP
# 800-131A: 2048 bits at least), and which authorized keys must carry from= (none, root:
# keys of uid 0 accounts, all).
set keys-rsa-min-bits 2048
set keys-require-from none

# sshd thresholds: a finding when the effective value is above (below, for key and group
# sizes) the number. Each cites where it comes from; change them with `threshold`.
threshold sshd.max-auth-tries 4          # CIS Debian 12 5.1.16: MaxAuthTries 4 or less
threshold sshd.login-grace-time 60       # CIS Debian 12 5.1.13: LoginGraceTime 60 or less
threshold sshd.max-sessions 10           # CIS Debian 12 5.1.17: MaxSessions 10 or less
threshold sshd.max-startups 60           # CIS Debian 12 5.1.18: MaxStartups 10:30:60
threshold sshd.host-key-rsa-small 3072   # NIST SP 800-57: 3072-bit RSA for 128-bit security
threshold sshd.moduli-small 2002         # the seed guides' filter: awk '$5 > 2000' (bits)
