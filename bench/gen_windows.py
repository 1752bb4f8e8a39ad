#!/usr/bin/env python3
"""gen_windows.py — a large Windows system volume for bench/windows.sh (fixed seed).

  gen_windows.py OUT_DIR [ACCOUNTS SERVICES SOFTWARE_KEYS PROFILES]

Writes a case folder (OUT_DIR/case: SYSTEM.reg, SOFTWARE.reg, SECURITY.reg, accounts.txt,
tree/) in the format of tests/data/windows/mkimage.py, builds the volume OUT_DIR/vol with
it (hives through hivex's hivexregedit), and writes OUT_DIR/planted.json: what was put in,
so the bench can check what keyward reports against it.

  SAM       ACCOUNTS accounts (default 5,000): the four built-in ones and local accounts
            from RID 1000; 10 % disabled; of the enabled ones 3 % without a hash (PASSWD_
            NOTREQD), 2 % with a hash and PASSWD_NOTREQD, the rest with AES or RC4 hashes.
  SYSTEM    ControlSet002 current (Select\\Current=2) and ControlSet001 with the opposite
            RDP and service values; SERVICES services (default 2,000) in each, with Type,
            Start, ErrorControl, ImagePath, DisplayName, ObjectName, a Parameters subkey for
            a third of them; among them the eight keyward judges, four automatic and two
            manual in the current set; an Enum tree; RDP on (NLA on in the listener, but a
            policy in SOFTWARE turns it off); Setup\\UnattendFile.
  SOFTWARE  about SOFTWARE_KEYS keys (default 40,000): Classes (extensions, ProgIDs, CLSIDs
            with InprocServer32, interfaces), vendors' application trees, Uninstall entries;
            Winlogon with AutoAdminLogon=1 and a DefaultPassword; the Terminal Services
            policy (UserAuthentication=0).
  SECURITY  LSA secrets, among them DefaultPassword.
  tree      PROFILES profiles (default 300) of enabled local accounts plus Administrator,
            Public and Default, ~25 files each; every 10th with a Credential Manager file,
            every 50th with a Vault, every 15th with an .rdp file holding a saved password
            (every 7th of the others one without), every 25th with .ssh/authorized_keys,
            every 4th with a PowerShell history; Windows, Program Files and ProgramData
            filler; the answer files of tests/data/windows/answers where Setup leaves them;
            a RegBack copy of SAM and a pagefile.sys.

hivex never reuses a cell it frees, so a key with thousands of subkeys (Services, the SAM's
Names and Users) costs a new subkey list per added child: the hives come out larger than
Windows writes them. Fan-out elsewhere is kept near 100 to keep generation fast.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WIN = os.path.join(REPO, 'tests', 'data', 'windows')
WATCHED = ['LanmanServer', 'Spooler', 'Browser', 'RemoteRegistry', 'TlntSvr', 'SNMP',
           'SSDPSRV', 'upnphost']
# Start values in the current control set (2 automatic, 3 manual, 4 disabled) ...
CURRENT_START = {'LanmanServer': 2, 'Spooler': 2, 'TlntSvr': 2, 'upnphost': 2,
                 'RemoteRegistry': 3, 'SNMP': 3, 'Browser': 4, 'SSDPSRV': 4}
# ... and in ControlSet001, which keyward must ignore
OLD_START = {s: 4 for s in WATCHED}


def rs(n, alphabet='abcdefghijklmnopqrstuvwxyz'):
    return ''.join(random.choice(alphabet) for _ in range(n))


def guid():
    h = '%032X' % random.getrandbits(128)
    return '{%s-%s-%s-%s-%s}' % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def regstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def dword(v):
    return 'dword:%08x' % v


def expand_sz(s):
    b = (s + '\0').encode('utf-16-le')
    return 'hex(2):' + ','.join('%02x' % x for x in b)


class Reg:
    def __init__(self):
        self.lines = ['Windows Registry Editor Version 5.00', '']
        self.keys = 0

    def key(self, path, **values):
        self.lines.append('[\\' + path + ']')
        for name, v in values.items():
            name = '@' if name == 'default' else regstr(name.replace('__', ' '))
            self.lines.append('%s=%s' % (name, v))
        self.lines.append('')
        self.keys += 1

    def write(self, path):
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(self.lines) + '\n')


def accounts(n, planted):
    lines = ['# name RID flags hash (bench/gen_windows.py)',
             'Administrator 500 normal aes',
             'Guest 501 disabled,normal,pwnotreq none-aes',
             'DefaultAccount 503 disabled,normal,pwnotreq none-aes',
             'WDAGUtilityAccount 504 disabled,normal aes']
    first = ['anna', 'ben', 'carl', 'dana', 'erik', 'fay', 'gus', 'hana', 'ivo', 'jo', 'kim',
             'lea', 'max', 'nia', 'omar', 'pia', 'raj', 'sara', 'tom', 'uma', 'vik', 'wen']
    enabled_users = []
    counts = {'accounts': n, 'local_account': 0, 'blank_password': 0,
              'password_not_required': 0, 'disabled': 3}
    for i in range(n - 4):
        rid = 1000 + i
        if i % 7 == 3:
            name = 'svc-%s%d' % (rs(5), i)
        else:
            name = '%s.%s%d' % (random.choice(first), rs(6), i)
        r = random.random()
        if r < 0.10:
            flags, nt = 'disabled,normal', random.choice(['aes', 'rc4'])
            counts['disabled'] += 1
        elif r < 0.13:
            flags, nt = 'normal,pwnotreq', random.choice(['none-aes', 'none-rc4'])
            counts['blank_password'] += 1
        elif r < 0.15:
            flags, nt = 'normal,pwnotreq', 'aes'
            counts['password_not_required'] += 1
        else:
            flags, nt = random.choice(['normal', 'normal,pwnoexp']), random.choice(['aes', 'aes', 'rc4'])
        if 'disabled' not in flags:
            counts['local_account'] += 1
            enabled_users.append(name)
        lines.append('%s %d %s %s' % (name, rid, flags, nt))
    counts['enabled'] = n - counts['disabled']
    planted['sam'] = counts
    return '\n'.join(lines) + '\n', enabled_users


def system_reg(nsvc, planted):
    g = Reg()
    g.key('Select', Current=dword(2), Default=dword(2), LastKnownGood=dword(1), Failed=dword(0))
    g.key('MountedDevices', **{'\\DosDevices\\C:': 'hex:' + ','.join('%02x' % random.getrandbits(8) for _ in range(12))})
    g.key('Setup', UnattendFile=regstr('C:\\Windows\\Temp\\build-answers.xml'), SetupType=dword(0))
    names = WATCHED + ['%s%s' % (rs(random.randint(4, 9)).capitalize(), random.choice(['Svc', 'Service', '', 'Mgr', 'Agent'])) + str(i)
                       for i in range(nsvc - len(WATCHED))]
    random.shuffle(names)
    auto = 0
    for cs, cur in ((1, False), (2, True)):
        p = 'ControlSet%03d' % cs
        g.key(p + '\\Control\\Lsa', LimitBlankPasswordUse=dword(1), RunAsPPL=dword(1))
        g.key(p + '\\Control\\Terminal Server', fDenyTSConnections=dword(0 if cur else 1),
              TSUserEnabled=dword(0), fSingleSessionPerUser=dword(1))
        g.key(p + '\\Control\\Terminal Server\\WinStations\\RDP-Tcp',
              UserAuthentication=dword(1), SecurityLayer=dword(2), MinEncryptionLevel=dword(2),
              PortNumber=dword(3389))
        g.key(p + '\\Control\\ComputerName\\ComputerName', ComputerName=regstr('WIN-BENCH'))
        for n in names:
            if n in CURRENT_START:
                start = CURRENT_START[n] if cur else OLD_START[n]
            else:
                start = random.choice([2, 3, 3, 3, 4])
                auto += cur and start == 2
            svc = p + '\\Services\\' + n
            g.key(svc, Type=dword(random.choice([0x10, 0x20, 0x1, 0x2])), Start=dword(start),
                  ErrorControl=dword(1),
                  ImagePath=expand_sz('%%SystemRoot%%\\System32\\%s.exe' % n.lower()),
                  DisplayName=regstr('@%%SystemRoot%%\\system32\\%s.dll,-%d' % (n.lower(), random.randint(100, 999))),
                  ObjectName=regstr(random.choice(['LocalSystem', 'NT AUTHORITY\\LocalService', 'NT AUTHORITY\\NetworkService'])))
            if random.random() < 0.33:
                g.key(svc + '\\Parameters', ServiceDll=expand_sz('%%SystemRoot%%\\System32\\%s.dll' % n.lower()))
        for v in range(40):
            for d in range(25):
                g.key(p + '\\Enum\\PCI\\VEN_%04X&DEV_%04X\\%d&%08x&0&%02X' % (0x8000 + v, d, d, random.getrandbits(32), d * 8),
                      DeviceDesc=regstr('@oem%d.inf,%%dev%d%%;Device %d' % (v, d, d)),
                      Driver=regstr('{4d36e972-e325-11ce-bfc1-08002be10318}\\%04d' % d))
    planted['system'] = {'services': nsvc, 'control_sets': 2, 'current': 2,
                         'auto_other': auto, 'keys': g.keys,
                         'unneeded_auto': sorted(s for s, v in CURRENT_START.items() if v == 2),
                         'unneeded_manual': sorted(s for s, v in CURRENT_START.items() if v == 3)}
    return g


def software_reg(nkeys, planted):
    g = Reg()
    g.key('Microsoft\\Windows NT\\CurrentVersion', ProductName=regstr('Windows Server 2022 Datacenter'),
          CurrentBuild=regstr('20348'), EditionID=regstr('ServerDatacenter'))
    g.key('Microsoft\\Windows NT\\CurrentVersion\\Winlogon', AutoAdminLogon=regstr('1'),
          DefaultUserName=regstr('builder'), DefaultDomainName=regstr('WIN-BENCH'),
          DefaultPassword=regstr('Bench-Autologon-4r'), Shell=regstr('explorer.exe'),
          Userinit=regstr('C:\\Windows\\system32\\userinit.exe,'))
    g.key('Microsoft\\Windows\\CurrentVersion', ProgramFilesDir=regstr('C:\\Program Files'))
    g.key('Policies\\Microsoft\\Windows NT\\Terminal Services', UserAuthentication=dword(0),
          fDenyTSConnections=dword(0))
    # Classes: ~1/5 of the keys as extensions/ProgIDs, CLSIDs and interfaces in folders of
    # 100 (real hives have them flat; see the docstring)
    i = 0
    while g.keys < nkeys * 0.2:
        ext = '.%s%d' % (rs(3), i)
        g.key('Classes\\E%02d\\%s' % (i // 100, ext), default=regstr('%sfile' % ext[1:]),
              **{'Content Type': regstr('application/x-%s' % ext[1:])})
        i += 1
    i = 0
    while g.keys < nkeys * 0.55:
        c = 'Classes\\CLSID\\G%02d\\%s' % (i // 100, guid())
        g.key(c, default=regstr('%s Class' % rs(8).capitalize()))
        g.key(c + '\\InprocServer32', default=expand_sz('%%SystemRoot%%\\System32\\%s.dll' % rs(7)),
              ThreadingModel=regstr(random.choice(['Both', 'Apartment', 'Free'])))
        i += 1
    i = 0
    while g.keys < nkeys * 0.7:
        c = 'Classes\\Interface\\G%02d\\%s' % (i // 100, guid())
        g.key(c, default=regstr('I%s' % rs(9).capitalize()))
        g.key(c + '\\ProxyStubClsid32', default=regstr(guid()))
        i += 1
    for u in range(400):
        g.key('Microsoft\\Windows\\CurrentVersion\\Uninstall\\%s' % guid(),
              DisplayName=regstr('%s %s' % (rs(6).capitalize(), rs(5))), DisplayVersion=regstr('%d.%d.%d' % (random.randint(1, 20), random.randint(0, 9), random.randint(0, 999))),
              Publisher=regstr(rs(8).capitalize()), InstallLocation=regstr('C:\\Program Files\\%s' % rs(8)),
              UninstallString=regstr('MsiExec.exe /X%s' % guid()), EstimatedSize=dword(random.randint(100, 900000)))
    v = 0
    while g.keys < nkeys:
        vendor = 'V%03d%s' % (v, rs(6).capitalize())
        for p in range(10):
            base = '%s\\%s\\Product%d' % (vendor, rs(5), p)
            g.key(base, Version=regstr('%d.%d' % (p, v)), InstallDir=regstr('C:\\Program Files\\%s' % vendor))
            for s in range(8):
                g.key('%s\\Settings%d' % (base, s), Enabled=dword(s & 1), Path=regstr('C:\\ProgramData\\%s\\%d' % (vendor, s)),
                      Blob='hex:' + ','.join('%02x' % random.getrandbits(8) for _ in range(32)))
        v += 1
    planted['software'] = {'keys': g.keys}
    return g


def security_reg():
    g = Reg()
    g.key('Policy\\PolAdtEv', default='hex:00,01,00,00')
    for sid in ('S-1-5-32-544', 'S-1-5-32-545', 'S-1-5-19', 'S-1-5-20'):
        g.key('Policy\\Accounts\\' + sid + '\\Privilgs', default='hex:01,00,00,00')
    for s in ('DefaultPassword', '$MACHINE.ACC', 'DPAPI_SYSTEM', 'NL$KM'):
        for sub in ('CurrVal', 'OldVal', 'CupdTime'):
            g.key('Policy\\Secrets\\%s\\%s' % (s, sub),
                  default='hex(0):' + ','.join('%02x' % random.getrandbits(8) for _ in range(48)))
    return g


def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def filler(n):
    return os.urandom(n)


def tree(root, users, nprof, planted):
    random.seed(4242)
    words = b'lorem ipsum dolor sit amet consectetur adipiscing elit\r\n'
    # Windows, Program Files, ProgramData filler: ~6,000 small files
    for d in range(30):
        for f in range(100):
            put(os.path.join(root, 'Windows/System32/%s%02d%02d.dll' % (rs(5), d, f)), filler(random.randint(512, 8192)))
    for d in range(200):
        sub = 'Windows/WinSxS/amd64_%s_%s_10.0.20348.%d_none' % (rs(8), '%016x' % random.getrandbits(64), d)
        for f in range(10):
            put(os.path.join(root, sub, '%s.dll' % rs(6)), filler(random.randint(512, 4096)))
    for v in range(100):
        for f in range(10):
            put(os.path.join(root, 'Program Files/%s/%s.exe' % (rs(8), rs(6))), filler(random.randint(512, 8192)))
    for f in range(200):
        put(os.path.join(root, 'Windows/Logs/CBS/CbsPersist_%d.log' % f), words * random.randint(10, 100))
    # answer files, where Setup and the integration test put them
    A = os.path.join(WIN, 'answers')
    answers = [('unattend-plain.xml', 'Windows/Panther/unattend.xml'),
               ('unattend-clean.xml', 'Windows/System32/Sysprep/unattend.xml'),
               ('unattend-utf16.xml', 'Windows/Temp/build-answers.xml'),
               ('sysprep.inf', 'sysprep.inf'),
               ('Groups.xml', 'ProgramData/Microsoft/Group Policy/History/'
                '{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/Preferences/Groups/Groups.xml')]
    for src, dst in answers:
        os.makedirs(os.path.dirname(os.path.join(root, dst)) or root, exist_ok=True)
        shutil.copy(os.path.join(A, src), os.path.join(root, dst))
    # what tests/data/windows/bad/README says these files hold
    planted['answers'] = {'files': len(answers), 'answer_file_password': 7, 'gpp_cpassword': 1,
                          'answer_file': 1}
    # profiles
    names = ['Administrator', 'Public', 'Default'] + users[:nprof]
    pub = open(os.path.join(REPO, 'tests/data/keys/alice_ecdsa.pub'), 'rb').read()
    c = {'profiles': len(names), 'credman': 0, 'vault': 0, 'rdp_password': 0, 'rdp_plain': 0,
         'authorized_keys': 0, 'history': 0}
    for i, u in enumerate(names):
        h = os.path.join(root, 'Users', u)
        put(os.path.join(h, 'NTUSER.DAT'), filler(16384))
        put(os.path.join(h, 'ntuser.dat.LOG1'), filler(4096))
        put(os.path.join(h, 'AppData/Local/Microsoft/Windows/UsrClass.dat'), filler(8192))
        for f in range(5):
            put(os.path.join(h, 'AppData/Local/Temp/%s.tmp' % rs(8)), filler(random.randint(64, 4096)))
            put(os.path.join(h, 'AppData/Roaming/Microsoft/Windows/Recent/%s.lnk' % rs(8)), filler(random.randint(400, 1200)))
            put(os.path.join(h, 'Documents/%s.docx' % rs(8)), filler(random.randint(2048, 16384)))
        for f in range(3):
            put(os.path.join(h, 'Desktop/%s.lnk' % rs(6)), filler(800))
        put(os.path.join(h, 'AppData/Local/Microsoft/Edge/User Data/Default/Preferences'), words * 20)
        if i % 10 == 1:
            put(os.path.join(h, 'AppData/Roaming/Microsoft/Credentials/%032X' % random.getrandbits(128)), filler(420))
            c['credman'] += 1
        if i % 50 == 2:
            put(os.path.join(h, 'AppData/Local/Microsoft/Vault/%s/%s.vcrd' % (guid()[1:-1], guid()[1:-1])), filler(600))
            c['vault'] += 1
        rdp = 'full address:s:jump%d.corp.example\r\nusername:s:%s\r\n' % (i, u)
        if i % 15 == 4:
            rdp += 'password 51:b:01000000D08C9DDF0115D1118C7A00C04FC297EB%s\r\n' % ('%064X' % random.getrandbits(256))
            put(os.path.join(h, 'Documents/jump%d.rdp' % i), rdp.encode())
            c['rdp_password'] += 1
        elif i % 7 == 5:
            put(os.path.join(h, 'Desktop/jump%d.rdp' % i), rdp.encode())
            c['rdp_plain'] += 1
        if i % 25 == 6:
            put(os.path.join(h, '.ssh/authorized_keys'), pub)
            c['authorized_keys'] += 1
        if i % 4 == 3:
            put(os.path.join(h, 'AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt'),
                b'Get-Service Spooler\r\nGet-ChildItem C:\\\r\nInstall-WindowsFeature Web-Server\r\n')
            c['history'] += 1
    planted['profiles'] = c


def main():
    out = sys.argv[1]
    n_acc, n_svc, n_sw, n_prof = (int(a) for a in (sys.argv[2:6] or (5000, 2000, 40000, 300)))
    random.seed(42)
    case, vol = os.path.join(out, 'case'), os.path.join(out, 'vol')
    for d in (case, vol):
        shutil.rmtree(d, ignore_errors=True)
    os.makedirs(case)
    planted = {}
    t0 = time.time()
    acc, users = accounts(n_acc, planted)
    with open(os.path.join(case, 'accounts.txt'), 'w') as f:
        f.write(acc)
    system_reg(n_svc, planted).write(os.path.join(case, 'SYSTEM.reg'))
    software_reg(n_sw, planted).write(os.path.join(case, 'SOFTWARE.reg'))
    security_reg().write(os.path.join(case, 'SECURITY.reg'))
    tree(os.path.join(case, 'tree'), users, n_prof, planted)
    t1 = time.time()
    subprocess.run([sys.executable, os.path.join(WIN, 'mkimage.py'), case, vol], check=True)
    t2 = time.time()
    cfg = os.path.join(vol, 'Windows/System32/config')
    os.makedirs(os.path.join(cfg, 'RegBack'), exist_ok=True)
    shutil.copy(os.path.join(cfg, 'SAM'), os.path.join(cfg, 'RegBack/SAM'))
    with open(os.path.join(vol, 'pagefile.sys'), 'wb') as f:
        f.truncate(64 << 20)     # sparse
    planted['leftovers'] = {'old_hive': 1, 'memory_image': 1}
    planted['hive_bytes'] = {h: os.path.getsize(os.path.join(cfg, h))
                             for h in ('SYSTEM', 'SOFTWARE', 'SAM', 'SECURITY')}
    planted['seconds'] = {'reg_and_tree': round(t1 - t0, 1), 'hives': round(t2 - t1, 1)}
    shutil.rmtree(case)
    with open(os.path.join(out, 'planted.json'), 'w') as f:
        json.dump(planted, f, indent=1, sort_keys=True)
    print('generated in %.0f s (hives %.0f s): %s' % (t2 - t0, t2 - t1, json.dumps(planted['hive_bytes'])))


if __name__ == '__main__':
    main()
