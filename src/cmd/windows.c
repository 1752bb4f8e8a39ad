/* windows.c — `keyward windows`: the audit of an offline Windows system volume.
 *
 * The same pipeline as `keyward audit` (cmd/audit.h): the target must be a Windows
 * system volume, and the checks are those that apply to one (checks/windows.c, plus the
 * SSH keys, credential files and histories of the profile folders). */
#include "cmd/audit.h"
#include "cmd/cmd.h"

static const kw_opt windows_opts[] = {
	KW_OPT_SECTION("What to audit"),
	{ OPT_ROOT, 0, "root", KW_ARG_REQUIRED, "DIR", KW_COMP_DIR, NULL,
	  "the Windows system volume (C:), mounted read-only (ntfs-3g -o ro, guestmount --ro) "
	  "or copied into a folder; every path is resolved inside DIR, names are matched without "
	  "regard to case as NTFS does" },
	KW_AUDIT_OPT_DEEP,
	KW_AUDIT_OPTS_POLICY,
	KW_AUDIT_OPTS_OUTPUT,
	KW_OPT_END,
};

const kw_cmd_spec kw_spec_windows = {
	.name = "windows",
	.summary = "audit an offline Windows image: RDP, accounts, autologon, answer-file passwords",
	.synopsis = "--root DIR [OPTIONS]",
	.description =
	"Audit a Windows system volume before it is captured or shared, from Linux, without "
	"booting it. The registry is read with libhivex from private copies of the hives "
	"(Windows/System32/config): the current control set from SYSTEM\\Select, never a "
	"guess.\n\n"
	"  RDP           fDenyTSConnections, NLA (UserAuthentication),\n"
	"                SecurityLayer, MinEncryptionLevel, PortNumber, a pinned\n"
	"                listener certificate; Group Policy overrides the listener\n"
	"  accounts      from the SAM: names, RIDs, disabled or not, whether a\n"
	"                password hash is stored (never the hash): Administrator\n"
	"                and Guest enabled, accounts without a password, accounts\n"
	"                added while building\n"
	"  logon         Winlogon autologon with DefaultPassword in plain text, the\n"
	"                DefaultPassword LSA secret, LimitBlankPasswordUse\n"
	"  answer files  unattend.xml, autounattend.xml, sysprep.xml/.inf in Panther,\n"
	"                Sysprep, the drive's root, cloud agents' folders and\n"
	"                SYSTEM\\Setup!UnattendFile: passwords in plain text or\n"
	"                PlainText=false (base64, reversible); Group Policy\n"
	"                Preferences cpassword\n"
	"  leftovers     Credential Manager and Vault files, .rdp files with saved\n"
	"                passwords, RegBack/repair copies of hives, hiberfil.sys and\n"
	"                pagefile.sys, services a cloud server does not need\n"
	"                (Server, Print Spooler, Computer Browser, Remote Registry)\n"
	"  profiles      SSH authorized_keys and private keys, cloud CLI credentials\n"
	"                and PowerShell history in Users/*; Win32-OpenSSH's host\n"
	"                keys and administrators_authorized_keys in ProgramData/ssh\n\n"
	"A hive whose header says it was not written back cleanly is reported: hivex does not "
	"replay the .LOG1/.LOG2 files, so the result may be stale. No password, hash or secret "
	"value is ever printed: reports say where a secret is and in what form.",
	.opts = windows_opts,
	.notes =
	"`keyward audit --root DIR` runs the same checks when DIR is a Windows system volume. "
	"To audit a disk image, mount its system partition read-only first, e.g. "
	"`guestmount -a disk.qcow2 -i --ro /mnt/win` or `ntfs-3g -o ro /dev/nbd0p2 /mnt/win`.",
	.exit_status =
	"0 no finding at or above --fail-on; 1 there is one; 2 usage error, or DIR is not a "
	"Windows system volume; 3 some checks could not run (a hive missing or unreadable: the "
	"errors section says which).",
	.examples =
	"keyward windows --root /mnt/win\n"
	"keyward windows --root /mnt/win --format sarif --output windows.sarif --fail-on critical\n"
	"keyward windows --root /mnt/win --waive windows.local-account:svc-backup --report html=win.html\n"
	"keyward windows --list-checks\n",
};

int cmd_windows(int argc, char **argv)
{
	return kw_cmd_audit_main(argc, argv, &kw_spec_windows, KW_AUDIT_WINDOWS);
}
