#!/usr/bin/env bash
# windows_hostile.sh — Windows volumes built to hurt the reader:
#  - hives that are not hives, cut short, with a corrupt bin, or a header claiming huge
#    sizes: clear errors naming the hive, exit 3, no crash, the other hives still read;
#  - a hive that is a symlink to an absolute path (resolved inside the root, never the
#    host's file), a FIFO where a hive should be (refused, never opened: no hang), a
#    hive folder that is a symlink out of the root;
#  - an answer file with an entity-expansion bomb, one with an external entity naming the
#    host's /etc/shadow, one nested 100,000 deep, and a 40 MB one: each reported as a
#    problem, quickly, in bounded memory, with nothing of the host read;
#  - account names and file names with terminal escapes and markup: escaped in text and
#    HTML output.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
W=$SRC/tests/data/windows
has() { grep -q -- "$1" "$2"; }
# the address-space cap proves bounded memory in the plain build; AddressSanitizer
# reserves terabytes of address space up front, so a sanitized keyward runs without it
cap=1048576
if ldd "$KW" 2>/dev/null | grep -q libasan; then cap=unlimited; fi
kwwin() { # kwwin ROOT ARGS...: run with 60 s and a 1 GiB address-space cap
	local root=$1
	shift
	(ulimit -v "$cap"; timeout 60 "$KW" windows --root "$root" "$@") >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

mk() { rm -rf "$1" && python3 "$W/mkimage.py" "$W/clean" "$1" >/dev/null || exit 1; }
cfg=Windows/System32/config

# not a hive; cut short; garbage after a valid header
img=$TMP/img
mk "$img"
printf 'this is not a registry hive\n' >"$img/$cfg/SAM"
head -c 5000 "$img/$cfg/SYSTEM" >"$TMP/short" && mv "$TMP/short" "$img/$cfg/SYSTEM"
python3 - "$img/$cfg/SOFTWARE" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[0x1000:0x1004] = b'junk'              # the first bin's signature
open(p, 'wb').write(bytes(b))
PY
kwwin "$img"
expect "corrupt hives: exit 3" [ "$RC" -eq 3 ]
expect "the SAM is named as not a hive" has "SAM.*not a registry hive" "$TMP/out"
expect "the cut SYSTEM hive is named" has "SYSTEM hive cannot be read" "$TMP/out"
expect "the SOFTWARE hive with a bad bin is named" has "SOFTWARE hive cannot be read" "$TMP/out"
expect "no crash report on stderr" bash -c '! grep -qi "sanitizer\|segmentation\|abort" "$1"' _ "$TMP/err"

# a header that claims a huge hive
mk "$img"
python3 - "$img/$cfg/SYSTEM" <<'PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
struct.pack_into('<I', b, 0x28, 0xFFFFF000)   # hive bins data size
csum = 0
for i in range(0, 0x1FC, 4):
    csum ^= struct.unpack_from('<I', b, i)[0]
struct.pack_into('<I', b, 0x1FC, csum)
open(p, 'wb').write(bytes(b))
PY
kwwin "$img"
expect "a header claiming 4 GiB of bins is an error, not an allocation (exit 3)" [ "$RC" -eq 3 ]

# symlinks and a FIFO
mk "$img"
mv "$img/$cfg/SAM" "$img/Windows/SAM.real"
ln -s /Windows/SAM.real "$img/$cfg/SAM"          # absolute: must mean the image's own
kwwin "$img" --format json
expect "a SAM reached through an absolute symlink is read inside the root (exit 0)" [ "$RC" -eq 0 ]
rm "$img/$cfg/SAM"
mkfifo "$img/$cfg/SAM"
kwwin "$img"
expect "a FIFO in place of the SAM is refused without hanging (exit 3)" [ "$RC" -eq 3 ]
expect "the FIFO is named" has "SAM" "$TMP/out"
rm -rf "$img" && mkdir -p "$img/Windows/System32"
ln -s /etc "$img/$cfg"                         # the config folder points "out"
kwwin "$img"
expect "a config folder linked to /etc is read inside the root: no hive, exit 2 or 3" [ "$RC" -eq 2 ] || [ "$RC" -eq 3 ]
expect "nothing of the host's /etc was read as a hive" bash -c '! grep -q "passwd\|shadow" "$1"' _ "$TMP/out"

# hostile answer files
mk "$img"
mkdir -p "$img/Windows/Panther/Unattend" "$img/Windows/System32/Sysprep"
cat >"$img/Windows/Panther/Unattend/Unattend.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
<unattend><settings><component><UserAccounts><AdministratorPassword><Value>&h;</Value></AdministratorPassword></UserAccounts></component></settings></unattend>
EOF
cat >"$img/Windows/Panther/Unattend.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/shadow">]>
<unattend><settings><component><AutoLogon><Password><Value>&x;</Value></Password></AutoLogon></component></settings></unattend>
EOF
python3 -c 'import sys; open(sys.argv[1], "w").write("<unattend>" + "<a>" * 100000 + "</a>" * 100000 + "</unattend>")' \
	"$img/Windows/System32/Sysprep/unattend.xml"
python3 -c 'import sys; open(sys.argv[1], "w").write("<unattend><settings><component><AutoLogon><Password><Value>" + "A" * 40000000 + "</Value></Password></AutoLogon></component></settings></unattend>")' \
	"$img/autounattend.xml"
start=$(date +%s)
kwwin "$img" --format json --output "$TMP/hostile.json"
took=$(($(date +%s) - start))
expect "hostile answer files: the run completes (exit 0 or 1, not a crash)" [ "$RC" -le 1 ]
expect "hostile answer files take seconds, not minutes ($took s)" [ "$took" -lt 30 ]
jget "$TMP/hostile.json" '"\n".join("%s: %s" % (e["file"], e["message"]) for e in r["errors"])' >"$TMP/errs"
expect "the entity bomb is a problem: DTDs are refused" has "Panther/Unattend/Unattend.xml.*doc" "$TMP/errs"
expect "the external entity is a problem: DTDs are refused" has "Panther/Unattend.xml.*doc" "$TMP/errs"
expect "the 100,000-deep nesting is a problem" has "Sysprep/unattend.xml" "$TMP/errs"
expect "the 40 MB answer file is read only up to the cap" has "autounattend.xml.*larger" "$TMP/errs"
expect "nothing of the host's /etc/shadow appears" bash -c '! grep -q "root:" "$1"' _ "$TMP/hostile.json"

# escapes and markup in names taken from the image
esc=$TMP/esc
rm -rf "$esc" && mkdir -p "$TMP/case"
cp "$W/clean/"*.reg "$TMP/case/"
printf 'Administrator 500 normal aes\nev\033]0;pwned\007il<b>x</b> 1001 normal aes\n' >"$TMP/case/accounts.txt"
python3 "$W/mkimage.py" "$TMP/case" "$esc" >/dev/null || exit 1
mkdir -p "$esc/Users/a$(printf '\033')[31mred/AppData/Roaming/Microsoft/Credentials"
printf 'blob' >"$esc/Users/a$(printf '\033')[31mred/AppData/Roaming/Microsoft/Credentials/C1"
kwwin "$esc"
expect "no raw escape character reaches the text report" bash -c '! grep -q "$(printf "\033")" "$1"' _ "$TMP/out"
expect "the account name is shown escaped" has 'ev\\x1b]0;pwned\\x07il<b>x</b>' "$TMP/out"
(timeout 60 "$KW" windows --root "$esc" --format html >"$TMP/esc.html") 2>/dev/null
expect "no raw markup from the image in HTML" bash -c '! grep -q "<b>x</b>" "$1"' _ "$TMP/esc.html"
expect "no raw escape character in HTML" bash -c '! grep -q "$(printf "\033")" "$1"' _ "$TMP/esc.html"

finish
