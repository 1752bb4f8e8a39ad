# keyward profile: paranoid
#
# baseline, with every leftover treated as a release blocker: per-instance identity and
# state become high, and locked-but-revivable hashes become medium. For images published
# to a marketplace or to the public.

include baseline.profile
profile paranoid
description baseline, with every leftover a release blocker (public and marketplace images)

severity accounts.locked-hash medium
severity accounts.weak-hash high
severity image.machine-id high
severity image.dbus-machine-id high
severity image.credential-secret high
severity image.cloud-init-instance high
severity image.dhcp-leases medium
severity image.random-seed medium
severity secrets.history high
severity secrets.private-key-encrypted high
severity sudo.nopasswd critical

# sshd algorithms graded with the strict column of data/algorithms.ratings
# (ssh-audit's hardened policies: NIST curves and 2048-bit groups fail too)
set sshd-algorithms strict
threshold sshd.host-key-rsa-small 4096   # ssh-audit hardened policy: RSA 4096
threshold sshd.moduli-small 3072         # ssh-audit / Mozilla: DH groups of 3072 bits or more

# keyward keys scan: 3072-bit RSA (NIST SP 800-57, 128-bit security) and from= on every
# authorized key (each key names the hosts it may come from)
set keys-rsa-min-bits 3072
set keys-require-from all
