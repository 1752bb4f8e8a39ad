#!/usr/bin/env python3
"""mkhive.py — write an empty Windows registry hive (regf) for the tests.

hivex edits hives but cannot create one, so the tests start from this: a base block and
one 4 KiB bin holding the root key (with a security descriptor, which hivex copies to
every key it adds) and one free cell. The layout is the documented regf format:
  base block 4096 bytes: "regf", sequence numbers at 4 and 8 (equal = cleanly written),
    version 1.3, root cell offset at 0x24, bins size at 0x28, XOR checksum at 0x1FC;
  bin "hbin" at 0x1000: 32-byte header, then cells (size as int32, negative = in use).
Then each FILE.reg is merged with hivex's own `hivexregedit --merge`, after the keys'
parents are declared (hivexregedit creates a key only under an existing parent).

usage: mkhive.py OUT [--dirty] [FILE.reg ...]
  --dirty: the sequence numbers differ, as in a hive not written back cleanly
"""
import os
import subprocess
import struct
import sys
import tempfile


def with_parents(text):
    """The .reg text with a [\\A] and [\\A\\B] header before [\\A\\B\\C] where missing."""
    seen, out = set(), []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith('[') and s.endswith(']') and not s.startswith('[-'):
            parts = s[1:-1].strip('\\').split('\\')
            for i in range(1, len(parts)):
                parent = '\\'.join(parts[:i]).lower()
                if parent not in seen:
                    seen.add(parent)
                    out += ['', '[\\' + '\\'.join(parts[:i]) + ']']
            seen.add('\\'.join(parts).lower())
            out.append('')
        out.append(line)
    return '\n'.join(out) + '\n'


def cell(payload):
    size = (4 + len(payload) + 7) & ~7
    return struct.pack('<i', -size) + payload + b'\0' * (size - 4 - len(payload))


def main():
    out = sys.argv[1]
    dirty = '--dirty' in sys.argv[2:]
    regs = [a for a in sys.argv[2:] if a != '--dirty']
    root_off = 0x20          # first cell after the bin header
    name = b'ROOT'
    nk_len = 4 + 0x4C + len(name)
    sk_off = root_off + ((nk_len + 7) & ~7)
    # a self-relative security descriptor with nothing in it: revision 1, control
    # SE_SELF_RELATIVE; enough for hivex, which only copies and reference-counts it
    sd = struct.pack('<BBHIIII', 1, 0, 0x8000, 0, 0, 0, 0)
    sk = b'sk' + struct.pack('<HIIII', 0, sk_off, sk_off, 1, len(sd)) + sd
    nk = (b'nk' + struct.pack('<H', 0x2C)      # HIVE_ENTRY | NO_DELETE | COMP_NAME
          + struct.pack('<Q', 0)                # timestamp
          + struct.pack('<I', 0)                # access bits
          + struct.pack('<I', 0xFFFFFFFF)       # parent (none)
          + struct.pack('<II', 0, 0)            # subkeys, volatile subkeys
          + struct.pack('<II', 0xFFFFFFFF, 0xFFFFFFFF)
          + struct.pack('<I', 0)                # values
          + struct.pack('<I', 0xFFFFFFFF)       # value list
          + struct.pack('<I', sk_off)           # security
          + struct.pack('<I', 0xFFFFFFFF)       # class name
          + struct.pack('<IIIII', 0, 0, 0, 0, 0)
          + struct.pack('<HH', len(name), 0) + name)
    cells = cell(nk) + cell(sk)
    free = 0x1000 - 0x20 - len(cells)
    cells += struct.pack('<i', free) + b'\0' * (free - 4)
    hbin = b'hbin' + struct.pack('<II', 0, 0x1000) + b'\0' * 20 + cells
    assert len(hbin) == 0x1000
    seq2 = 2 if dirty else 1
    base = bytearray(0x1000)
    struct.pack_into('<4sIIQIIII', base, 0, b'regf', 1, seq2, 0, 1, 3, 0, 1)
    struct.pack_into('<III', base, 0x24, root_off, 0x1000, 1)
    csum = 0
    for i in range(0, 0x1FC, 4):
        csum ^= struct.unpack_from('<I', base, i)[0]
    struct.pack_into('<I', base, 0x1FC, csum)
    with open(out, 'wb') as f:
        f.write(bytes(base) + hbin)
    for reg in regs:
        with open(reg, encoding='utf-8') as f:
            text = with_parents(f.read())
        with tempfile.NamedTemporaryFile('w', suffix='.reg', delete=False) as t:
            t.write(text)
        try:
            subprocess.run(['hivexregedit', '--merge', out, t.name], check=True)
        finally:
            os.unlink(t.name)
    if dirty and regs:
        # hivexregedit wrote the hive back (equal sequence numbers): make it dirty again
        with open(out, 'r+b') as f:
            hdr = bytearray(f.read(0x200))
            seq1 = struct.unpack_from('<I', hdr, 4)[0]
            struct.pack_into('<I', hdr, 8, seq1 + 1)
            csum = 0
            for i in range(0, 0x1FC, 4):
                csum ^= struct.unpack_from('<I', hdr, i)[0]
            struct.pack_into('<I', hdr, 0x1FC, csum)
            f.seek(0)
            f.write(hdr)


if __name__ == '__main__':
    main()
