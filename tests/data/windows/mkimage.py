#!/usr/bin/env python3
"""mkimage.py — build a Windows system volume tree for the tests from a case folder.

  mkimage.py CASE_DIR OUT_DIR [--config-dir PATH] [--dirty HIVE]

CASE_DIR holds SYSTEM.reg, SOFTWARE.reg, SECURITY.reg (merged into empty hives by
mkhive.py, i.e. by hivex's own hivexregedit), accounts.txt (the SAM's accounts, below),
and optionally tree/, copied as is into OUT_DIR (answer files, profiles, leftovers).
The hives go to OUT_DIR/Windows/System32/config, or to --config-dir (a spelling such as
WINDOWS/system32/CONFIG, to test that paths are matched without regard to case).
--dirty HIVE leaves that hive's sequence numbers unequal.

accounts.txt: lines of NAME RID FLAGS HASH, where FLAGS is a comma list of disabled,
normal, pwnotreq, pwnoexp and HASH says what the V record's NT hash entry holds:
  aes (56 bytes: a hash, Windows 10 1607+), none-aes (24: no hash),
  rc4 (20: a hash, older Windows), none-rc4 (4: no hash).
The hash bytes themselves are filler: keyward must only ever look at the lengths.
Each account is Names\\NAME (default value of type RID, no data) and Users\\<RID as
%08X> with the F and V records laid out as the SAM does (see src/windows/sam.h).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = {'disabled': 0x1, 'pwnotreq': 0x4, 'normal': 0x10, 'pwnoexp': 0x200}
NT_LEN = {'aes': 56, 'none-aes': 24, 'rc4': 20, 'none-rc4': 4}
FT_2026_11_01 = (1793491200 + 11644473600) * 10000000


def f_record(rid, acb):
    f = bytearray(0x50)
    struct.pack_into('<H', f, 0, 2)
    struct.pack_into('<Q', f, 0x08, FT_2026_11_01)   # last logon
    struct.pack_into('<Q', f, 0x18, FT_2026_11_01)   # password last set
    struct.pack_into('<Q', f, 0x20, 0x7FFFFFFFFFFFFFFF)  # never expires
    struct.pack_into('<I', f, 0x30, rid)
    struct.pack_into('<H', f, 0x38, acb)
    struct.pack_into('<H', f, 0x42, 7)                # logons
    return bytes(f)


def v_record(name, nt):
    n = name.encode('utf-16-le')
    nt_len = NT_LEN[nt]
    lm = struct.pack('<HHI', 0, 2 if 'aes' in nt else 1, 0)[:4]
    ntdata = bytearray(b'\xa5' * nt_len)
    struct.pack_into('<HH', ntdata, 0, 0, 2 if 'aes' in nt else 1)
    data = bytearray()
    table = bytearray(0xCC)

    def entry(at, blob):
        struct.pack_into('<III', table, at, len(data), len(blob), 0)
        data.extend(blob)
        while len(data) % 4:
            data.append(0)
    entry(0x0C, n)          # name
    entry(0x9C, lm)         # LM hash entry: header only
    entry(0xA8, bytes(ntdata))
    return bytes(table) + bytes(data)


def hexlist(b):
    return ','.join('%02x' % x for x in b)


def sam_reg(accounts_file):
    out = ['Windows Registry Editor Version 5.00', '',
           '[\\SAM\\Domains\\Account\\Users\\Names]', '']
    for line in open(accounts_file, encoding='utf-8'):
        line = line.split('#', 1)[0].split()
        if not line:
            continue
        name, rid, flags, nt = line[0], int(line[1]), line[2], line[3]
        acb = 0
        for fl in flags.split(','):
            acb |= FLAGS[fl]
        out += ['[\\SAM\\Domains\\Account\\Users\\Names\\%s]' % name,
                '@=hex(%x):' % rid, '',
                '[\\SAM\\Domains\\Account\\Users\\%08X]' % rid,
                '"F"=hex:' + hexlist(f_record(rid, acb)),
                '"V"=hex:' + hexlist(v_record(name, nt)), '']
    return '\n'.join(out) + '\n'


def main():
    args = sys.argv[1:]
    case, out = args[0], args[1]
    config = 'Windows/System32/config'
    dirty = set()
    i = 2
    while i < len(args):
        if args[i] == '--config-dir':
            config = args[i + 1]
            i += 2
        elif args[i] == '--dirty':
            dirty.add(args[i + 1])
            i += 2
        else:
            sys.exit('mkimage.py: unknown argument ' + args[i])
    tree = os.path.join(case, 'tree')
    if os.path.isdir(tree):
        shutil.copytree(tree, out, symlinks=True, dirs_exist_ok=True)
    cfg = os.path.join(out, config)
    os.makedirs(cfg, exist_ok=True)
    mkhive = os.path.join(HERE, 'mkhive.py')
    with tempfile.TemporaryDirectory() as tmp:
        regs = {}
        for h in ('SYSTEM', 'SOFTWARE', 'SECURITY'):
            regs[h] = os.path.join(case, h + '.reg')
        regs['SAM'] = os.path.join(tmp, 'SAM.reg')
        with open(regs['SAM'], 'w', encoding='utf-8') as f:
            f.write(sam_reg(os.path.join(case, 'accounts.txt')))
        for h, reg in regs.items():
            cmd = [sys.executable, mkhive, os.path.join(cfg, h)]
            if h in dirty:
                cmd.append('--dirty')
            subprocess.run(cmd + [reg], check=True)


if __name__ == '__main__':
    main()
