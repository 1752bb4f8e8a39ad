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
