#!/usr/bin/env python3
# make_broken.py — writes broken.moduli (hand-broken moduli(5) lines around one real
# ssh-keygen 1024-bit safe prime) and broken.expect ("LINE VERDICT": ok, quiet, or the
# start of the diagnostic sshd 9.2's dh.c parse_prime would log for it). Owned by "moduli".
src = [l for l in open("keygen1024.moduli") if not l.startswith("#")][0].split()
T, HEX = src[0], src[6]
G2 = "2"
cases = [
    (b"# Time Type Tests Tries Size Generator Modulus", "quiet"),
    (b"", "quiet"),
    (f"{T} 2 6 100 1023 2 {HEX}".encode(), "ok"),
    (f"   {T} 2 6 100 1023 2 {HEX}".encode(), "ok"),                 # leading blanks
    (f"{T}=2 6 100 1023 2 {HEX}".encode(), "ok"),                    # '=' ends the time
    (f"{T} = 2 6 100 1023 2 {HEX}".encode(), "ok"),
    (f"{T}\t2 6 100 1023 2 {HEX}".encode(), "ok"),                   # tab after time only
    (f"{T} 2 6 100 1023 2 XYZ{HEX}".encode(), "could not parse prime"),
    (f"{T} 2 6 100 1023 2 {HEX[:100]}G{HEX[101:]}".encode(), "prime has wrong size"),
    (f"{T} 1 6 100 1023 2 {HEX}".encode(), "type is not 2"),
    (f"{T} +2 6 100 1023 2 {HEX}".encode(), "ok"),                   # strtonum takes a sign
    (f"{T} 2x 6 100 1023 2 {HEX}".encode(), "type is not 2"),
    (f"{T} 2 7 100 1023 2 {HEX}".encode(), "invalid tests flag"),    # composite bit
    (f"{T} 2 0 100 1023 2 {HEX}".encode(), "invalid tests flag"),    # untested
    (f"{T} 2 32 100 1023 2 {HEX}".encode(), "invalid tests flag"),
    (f"{T} 2 6 0 1023 2 {HEX}".encode(), "invalid primality trial count"),
    (f"{T} 2 6 2147483648 1023 2 {HEX}".encode(), "invalid primality trial count"),
    (f"{T} 2 6 100 0 2 {HEX}".encode(), "invalid prime length"),
    (f"{T} 2 6 100 70000 2 {HEX}".encode(), "invalid prime length"),
    (f"{T} 2 6 100 99999999999999999999999999 2 {HEX}".encode(), "invalid prime length"),
    (f"{T} 2 6 100 1023 2".encode(), "truncated"),                   # too few fields
    (f"{T} 2 6 100 1023".encode(), "invalid prime length"),          # sshd's order of checks
    (f"{T}".encode(), "truncated"),
    (f"{T} 2  6 100 1023 2 {HEX}".encode(), "truncated"),            # two spaces
    (f"{T} 2\t6 100 1023 2 {HEX}".encode(), "type is not 2"),        # tab inside fields
    (f"{T} 2 6 100 1023 2 {HEX} ".encode(), "truncated"),            # trailing space
    (f"{T} 2 6 100 1023 2 {HEX}\t".encode(), "ok"),                  # trailing tab: BN ignores
    (f"{T} 2 6 100 1023 1 {HEX}".encode(), "generator is invalid"),
    (f"{T} 2 6 100 1023 -2 {HEX}".encode(), "generator is invalid"),
    (f"{T} 2 6 100 1023 zz {HEX}".encode(), "could not parse generator"),
    (f"{T} 2 6 100 1023 2 {HEX}{HEX}".encode(), "prime has wrong size"),  # huge number
    (f"{T} 2 6 100 1023 2 {HEX[:50]}".encode() + b"\0" + HEX[50:].encode(), "prime has wrong size"),
    (f"{T} 2 6 100 1023 2 {HEX}".encode() + b"\0 trailing junk", "ok"),  # NUL ends the line
    (b"\0" + f"{T} 2 6 100 1023 2 {HEX}".encode(), "quiet"),
    (f"{T} 2 6 100 1023 2 {HEX}\r".encode(), "ok"),                  # CRLF
    (f"\"{T} 2 6 100 1023 2 {HEX}".encode(), "quiet"),               # unmatched quote
    (f"  # {T} 2 6 100 1023 2 {HEX}".encode(), "quiet"),
    (f"{T} 2 6 100 1023 2 -{HEX}".encode(), "ok"),                   # sshd accepts '-'
    (f"{T} 2 6 100 1023 2 0000{HEX}".encode(), "ok"),                # leading zeros
    (f"{T} 2 6 100 1023 5 {HEX}".encode(), "ok"),                    # parses; verify says no
    (f"{T} 2 6 100 1023 2 {HEX}".encode(), "ok"),                    # last line, no newline
]
with open("broken.moduli", "wb") as f:
    f.write(b"\n".join(c[0] for c in cases))
with open("broken.expect", "w") as f:
    f.write("# line verdict (see make_broken.py)\n")
    for i, c in enumerate(cases, 1):
        f.write(f"{i} {c[1]}\n")
