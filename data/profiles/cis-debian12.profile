# keyward profile: cis-debian12
#
# baseline, with the sshd rules of the CIS Debian Linux 12 Benchmark, section 5.1 (SSH
# Server), as the SCAP Security Guide maps them (controls/cis_debian12.yml). CIS accepts
# the whole OpenSSH 9.2 default key exchange list, NIST curves included.

include baseline.profile
profile cis-debian12
description CIS Debian Linux 12 Benchmark 5.1 (SSH server), via the SCAP Security Guide

set sshd-algorithms baseline             # 5.1.6/5.1.12/5.1.15: the 9.2 defaults minus weak ones
threshold sshd.max-auth-tries 4          # 5.1.16
threshold sshd.login-grace-time 60       # 5.1.13
threshold sshd.max-sessions 10           # 5.1.17
threshold sshd.max-startups 60           # 5.1.18: 10:30:60
severity sshd.allow-users medium         # 5.1.4: configure sshd access
severity sshd.x11-forwarding medium      # SSG disable_x11_forwarding
severity sshd.client-alive medium        # 5.1.7
severity sshd.log-level medium           # 5.1.14: INFO or VERBOSE
severity sshd.config-permissions high    # 5.1.1
severity sshd.host-key-permissions high  # 5.1.2
