/* windows.c — checks over a Windows system volume's facts (windows/facts.h): remote
 * logon over RDP, preset and blank passwords, autologon, answer files, stored
 * credentials, services a cloud server does not need, and state that makes results stale.
 *
 * The registry's effective value is the Group Policy value when it is set, else the
 * listener's own, else Windows' default; evidence says which of the three it was. Pure:
 * facts in, findings out; nothing runs unless the target is a Windows volume.
 */
#include "checks/checks.h"

#include "base/cleanup.h"
#include "base/time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum {
	C_HIVE_DIRTY,
	C_RDP_ENABLED,
	C_RDP_NLA,
	C_RDP_LAYER,
	C_RDP_ENCRYPTION,
	C_RDP_CERT,
	C_BLANK_NETWORK,
	C_AUTOLOGON_PASSWORD,
	C_AUTOLOGON,
	C_ADMIN_ENABLED,
	C_GUEST_ENABLED,
	C_BLANK_PASSWORD,
	C_PWNOTREQ,
	C_LOCAL_ACCOUNT,
	C_ANSWER_PASSWORD,
	C_ANSWER_FILE,
	C_GPP,
	C_SERVICE,
	C_STORED_CREDS,
	C_RDP_SAVED,
	C_OLD_HIVE,
	C_MEMORY_IMAGE,
};

#define REF_EC2 "AWS: Best practices for Windows on Amazon EC2 (security and network)"
#define REF_AZURE "Microsoft: Prepare a Windows VHD or VHDX to upload to Azure"
#define REF_BUNDLE "AWS: Create a custom Windows AMI (run Sysprep; remove credentials before bundling)"

static const kw_check_def defs[] = {
	[C_HIVE_DIRTY] = { "windows.hive-dirty", KW_SEV_LOW,
		"registry hive was not written back cleanly",
		"The hive's two sequence numbers differ: Windows was not shut down cleanly (or fast "
		"startup kept the hive open) and newer changes may sit in the .LOG1/.LOG2 files, "
		"which keyward does not replay. What it read may be older than what Windows will "
		"see at the next boot.",
		"Shut the image down cleanly with fast startup off (shutdown /s /t 0), then audit "
		"it again.",
		{ "hivex(3): sequence numbers should match if the hive was synched at shutdown" } },
	[C_RDP_ENABLED] = { "windows.rdp-enabled", KW_SEV_INFO,
		"RDP connections are allowed",
		"Every instance of the image accepts Remote Desktop logons. That is usual for a "
		"Windows server; who can reach the port is what matters.",
		"Allow RDP only from one administration host or bastion (security group or firewall "
		"rule), never from 0.0.0.0/0; see `keyward cloud` for the groups.",
		{ REF_EC2 } },
	[C_RDP_NLA] = { "windows.rdp-nla-off", KW_SEV_HIGH,
		"RDP does not require Network Level Authentication",
		"Without NLA the server starts a full logon session, with the logon screen, for "
		"anyone who connects, before they have authenticated: more pre-authentication attack "
		"surface (BlueKeep-class flaws) and cheap password guessing.",
		"Set UserAuthentication=1 under Terminal Server\\WinStations\\RDP-Tcp (or the "
		"policy 'Require user authentication for remote connections by using Network Level "
		"Authentication').",
		{ REF_AZURE, "Microsoft: unattend UserAuthentication (TerminalServices-RDP-WinStationExtensions)" } },
	[C_RDP_LAYER] = { "windows.rdp-security-layer", KW_SEV_HIGH,
		"RDP uses its native security layer instead of TLS",
		"SecurityLayer 0 means standard RDP security: RC4 encryption and no server "
		"authentication, so a man in the middle can read and change the session.",
		"Set SecurityLayer=2 (TLS) or 1 (negotiate) together with NLA.",
		{ "Microsoft: unattend SecurityLayer (TerminalServices-RDP-WinStationExtensions)" } },
	[C_RDP_ENCRYPTION] = { "windows.rdp-encryption-low", KW_SEV_MEDIUM,
		"RDP allows low encryption",
		"MinEncryptionLevel 1 lets standard RDP security encrypt only data from the client "
		"with 56-bit keys.",
		"Set MinEncryptionLevel to 3 (high) or enforce TLS with SecurityLayer=2.",
		{ "Microsoft: Set client connection encryption level (Group Policy)" } },
	[C_RDP_CERT] = { "windows.rdp-certificate-bound", KW_SEV_MEDIUM,
		"the RDP listener is bound to this machine's certificate",
		"SSLCertificateSHA1Hash pins the listener to one certificate: every clone presents "
		"the builder's certificate (and needs its private key), so clients cannot tell the "
		"instances apart.",
		"Delete the SSLCertificateSHA1Hash value before capture; each instance then makes "
		"its own self-signed certificate or gets one from policy.",
		{ REF_AZURE } },
	[C_BLANK_NETWORK] = { "windows.limit-blank-password-use-off", KW_SEV_HIGH,
		"accounts with a blank password may log on over the network",
		"LimitBlankPasswordUse=0 lets an account with an empty password log on remotely "
		"(RDP, SMB) instead of only at the console.",
		"Set Control\\Lsa\\LimitBlankPasswordUse to 1 (the default).",
		{ "Microsoft: Accounts: Limit local account use of blank passwords to console logon only" } },
	[C_AUTOLOGON_PASSWORD] = { "windows.autologon-password", KW_SEV_CRITICAL,
		"autologon password stored in plain text in the registry",
		"Winlogon's DefaultPassword is kept in clear in the SOFTWARE hive, readable by "
		"Authenticated Users over the remote registry, and copied to every instance of the "
		"image.",
		"Delete DefaultPassword and AltDefaultPassword from HKLM\\SOFTWARE\\Microsoft\\"
		"Windows NT\\CurrentVersion\\Winlogon, set AutoAdminLogon to 0, and change that "
		"account's password.",
		{ "Microsoft KB 324737: Turn on automatic logon in Windows (the password is stored "
		  "in plain text)", REF_BUNDLE } },
	[C_AUTOLOGON] = { "windows.autologon", KW_SEV_HIGH,
		"automatic logon is turned on",
		"The machine logs an account on at boot without a password being typed; with "
		"Sysinternals Autologon the password is an LSA secret that any administrator of "
		"any clone can read back.",
		"Set AutoAdminLogon to 0 and remove the DefaultPassword LSA secret (Autologon -d) "
		"before capture.",
		{ "Microsoft KB 324737: Turn on automatic logon in Windows", "Sysinternals Autologon" } },
	[C_ADMIN_ENABLED] = { "windows.administrator-password", KW_SEV_HIGH,
		"built-in Administrator is enabled with a preset password",
		"Every instance starts with the builder's Administrator password. The cloud agent "
		"sets a new random password only if sysprep ran and the launch asks for one.",
		"Run Sysprep with /generalize (EC2Launch / EC2Config 'random password'), or disable "
		"the account and give each instance its own administrator credentials.",
		{ REF_BUNDLE, REF_EC2 } },
	[C_GUEST_ENABLED] = { "windows.guest-enabled", KW_SEV_HIGH,
		"the Guest account is enabled",
		"Guest lets anyone log on without a known account.",
		"Disable the Guest account (net user Guest /active:no).",
		{ "Microsoft: Accounts: Guest account status (security policy setting)" } },
	[C_BLANK_PASSWORD] = { "windows.blank-password", KW_SEV_CRITICAL,
		"enabled local account without a password",
		"The SAM holds no password hash for an enabled account: anyone can log on as it "
		"(at the console, or over the network when LimitBlankPasswordUse is 0).",
		"Set a password or disable the account before capture.",
		{ REF_EC2 } },
	[C_PWNOTREQ] = { "windows.password-not-required", KW_SEV_MEDIUM,
		"enabled account that may have a blank password",
		"The account carries PASSWD_NOTREQD: password policy does not apply to it and its "
		"password may be set to empty.",
		"Clear the flag (net user NAME /passwordreq:yes) or disable the account.",
		{ "Microsoft: UserAccountControl flags (PASSWD_NOTREQD)" } },
	[C_LOCAL_ACCOUNT] = { "windows.local-account", KW_SEV_MEDIUM,
		"local account added to the image",
		"An enabled account beyond the built-in ones was created while the image was "
		"built: every instance inherits it with its password.",
		"Remove build accounts before capture, or accept the account with a waiver that "
		"says why it is there.",
		{ REF_BUNDLE } },
	[C_ANSWER_PASSWORD] = { "windows.answer-file-password", KW_SEV_CRITICAL,
		"password in an answer file",
		"Setup copies answer files into the image (Windows\\Panther ...). Their passwords "
		"are in clear text, or with PlainText=false only base64 of the password and a fixed "
		"suffix: anyone who reads the image reads them.",
		"Delete the answer files once Setup has finished (or have Setup's specialize pass "
		"remove them), and change the passwords they held.",
		{ "Microsoft: Hide sensitive data in an answer file (the data is not encrypted)",
		  REF_BUNDLE } },
	[C_ANSWER_FILE] = { "windows.answer-file", KW_SEV_LOW,
		"answer file left in the image",
		"Answer files describe how the image was built (accounts, domain, product key) and "
		"often held passwords before Setup masked them.",
		"Delete the answer files before capture.",
		{ "Microsoft: Windows Setup automation overview (implicit answer file search order)" } },
	[C_GPP] = { "windows.gpp-cpassword", KW_SEV_CRITICAL,
		"Group Policy Preferences password (cpassword)",
		"cpassword is encrypted with an AES key Microsoft published: anyone can decrypt it.",
		"Delete the Group Policy Preferences item and its cached copy, and change the "
		"password (MS14-025).",
		{ "Microsoft MS14-025: Vulnerability in Group Policy Preferences" } },
	[C_SERVICE] = { "windows.unneeded-service", KW_SEV_MEDIUM,
		"a service a cloud server does not need starts automatically",
		"Each network service that runs is attack surface; the EC2 Windows guide names "
		"Server, Print Spooler and Computer Browser among those to turn off.",
		"Set the service's start type to Disabled (Set-Service NAME -StartupType Disabled).",
		{ REF_EC2 } },
	[C_STORED_CREDS] = { "windows.stored-credentials", KW_SEV_HIGH,
		"saved credentials in a user profile",
		"Credential Manager and Vault files keep passwords the builder saved (RDP hosts, "
		"shares, web sites), protected only by that account's logon: every clone carries "
		"them.",
		"Remove them with cmdkey /delete or delete the profile before capture.",
		{ REF_BUNDLE } },
	[C_RDP_SAVED] = { "windows.rdp-file-password", KW_SEV_HIGH,
		".rdp connection file with a saved password",
		"The file stores a DPAPI-protected password for another host, which the profile's "
		"owner (and so anyone who logs on as the builder account) can use.",
		"Delete the .rdp file or its 'password 51:b:' line.",
		{ REF_BUNDLE } },
	[C_OLD_HIVE] = { "windows.old-hive-copy", KW_SEV_MEDIUM,
		"older copy of a registry hive",
		"RegBack and repair copies keep earlier accounts and their password hashes, which "
		"sysprep does not clean.",
		"Delete the copies before capture.",
		{ "Microsoft: registry backup (RegBack) in Windows 10 1803 and later" } },
	[C_MEMORY_IMAGE] = { "windows.memory-image", KW_SEV_LOW,
		"memory image in the volume",
		"hiberfil.sys, pagefile.sys, swapfile.sys and MEMORY.DMP hold pages of memory from "
		"the build: logon secrets, keys and documents.",
		"Turn hibernation off (powercfg /h off), clear the page file at shutdown, delete "
		"dumps, then wipe free space before capture.",
		{ REF_BUNDLE } },
};

/* the value in force: policy, else the listener's own, else Windows' default */
typedef struct eff {
	uint32_t v;
	const char *from;   /* "policy", "registry", "default" */
	bool bad;           /* a value with the wrong type was met */
} eff;

static eff effective(const kw_win_num *policy, const kw_win_num *local, uint32_t dflt)
{
	eff e = { dflt, "default", false };
	if (policy->state == KW_HVAL_SET)
		return (eff){ policy->v, "policy", false };
	e.bad = policy->state == KW_HVAL_BADTYPE;
	if (local->state == KW_HVAL_SET)
		return (eff){ local->v, "registry", e.bad };
	e.bad |= local->state == KW_HVAL_BADTYPE;
	return e;
}

static const char *hive_path(const kw_win_facts *w, kw_win_hive_id id)
{
	return w->hive[id].path ? w->hive[id].path : "";
}

static void check_rdp(kw_check_ctx *x, const kw_win_facts *w)
{
	const kw_win_rdp *r = &w->rdp;
	if (!w->control_set)
		return; /* SYSTEM unreadable: reported as an error */
	const char *sys = hive_path(w, KW_WIN_SYSTEM);
	/* a fresh install denies RDP until it is turned on */
	eff deny = effective(&r->deny_policy, &r->deny, 1);
	if (deny.v != 0)
		return;
	eff nla = effective(&r->nla_policy, &r->nla, 0);
	eff layer = effective(&r->layer_policy, &r->layer, 1);
	eff enc = effective(&r->encryption_policy, &r->encryption, 2);
	uint32_t port = r->port.state == KW_HVAL_SET ? r->port.v : 3389;
	kw_emit(x, &defs[C_RDP_ENABLED], "RDP", sys, 0, NULL,
		"fDenyTSConnections=0 (%s), port %u, NLA %s, security layer %s", deny.from, port,
		nla.v ? "required" : "not required",
		layer.v == 0 ? "RDP" : layer.v == 1 ? "negotiate" : layer.v == 2 ? "TLS" : "unknown");
	if (!nla.v)
		kw_emit(x, &defs[C_RDP_NLA], "RDP", sys, 0, NULL,
			"UserAuthentication=0 (%s%s)", nla.from,
			!strcmp(nla.from, "default") ? ": not set, and Windows' default is off" : "");
	if (layer.v == 0)
		kw_emit(x, &defs[C_RDP_LAYER], "RDP", sys, 0, NULL, "SecurityLayer=0 (%s)", layer.from);
	if (enc.v == 1 && layer.v != 2)
		kw_emit(x, &defs[C_RDP_ENCRYPTION], "RDP", sys, 0, NULL, "MinEncryptionLevel=1 (%s)",
			enc.from);
}

static void check_system(kw_check_ctx *x, const kw_win_facts *w)
{
	for (int i = 0; i < KW_WIN_HIVE__COUNT; i++)
		if (w->hive[i].opened && w->hive[i].dirty)
			kw_emit(x, &defs[C_HIVE_DIRTY], w->hive[i].path, w->hive[i].path, 0, NULL,
				"the %s hive's sequence numbers differ", kw_win_hive_name((kw_win_hive_id)i));
	if (!w->control_set)
		return;
	const char *sys = hive_path(w, KW_WIN_SYSTEM);
	if (w->rdp.cert_bound)
		kw_emit(x, &defs[C_RDP_CERT], "RDP", sys, 0, NULL,
			"the RDP-Tcp listener has an SSLCertificateSHA1Hash value");
	if (w->limit_blank.state == KW_HVAL_SET && w->limit_blank.v == 0)
		kw_emit(x, &defs[C_BLANK_NETWORK], "LimitBlankPasswordUse", sys, 0, NULL,
			"LimitBlankPasswordUse=0 in the Lsa key of the current control set");
	for (size_t i = 0; i < w->n_services; i++) {
		const kw_win_service *s = &w->services[i];
		if (s->start.state != KW_HVAL_SET || s->start.v > 3)
			continue;
		/* manual start: runs on demand or by trigger; worth knowing, not more */
		if (s->start.v == 3)
			kw_emit_capped(x, &defs[C_SERVICE], KW_SEV_INFO, s->def->name, sys, 0, NULL,
				       "%s (%s) starts manually or by trigger: %s", s->def->display,
				       s->def->name, s->def->why);
		else
			kw_emit(x, &defs[C_SERVICE], s->def->name, sys, 0, NULL,
				"%s (%s) starts automatically: %s", s->def->display, s->def->name,
				s->def->why);
	}
}

static void check_autologon(kw_check_ctx *x, const kw_win_facts *w)
{
	const kw_win_autologon *a = &w->autologon;
	const char *sw = hive_path(w, KW_WIN_SOFTWARE);
	const char *user = a->default_user && *a->default_user ? a->default_user : NULL;
	bool on = a->auto_admin_logon && !strcmp(a->auto_admin_logon, "1");
	if (a->default_password == KW_HVAL_SET || a->alt_default_password == KW_HVAL_SET)
		kw_emit(x, &defs[C_AUTOLOGON_PASSWORD], "Winlogon", sw, 0, user,
			"Winlogon %s is set (AutoAdminLogon=%s%s%s)",
			a->default_password == KW_HVAL_SET ? "DefaultPassword" : "AltDefaultPassword",
			a->auto_admin_logon ? a->auto_admin_logon : "absent",
			user ? ", DefaultUserName=" : "", user ? user : "");
	if (on || a->lsa_secret)
		kw_emit(x, &defs[C_AUTOLOGON], "Winlogon", sw, 0, user, "AutoAdminLogon=%s%s",
			a->auto_admin_logon ? a->auto_admin_logon : "absent",
			a->lsa_secret ? "; the SECURITY hive holds a DefaultPassword LSA secret" : "");
}

static void check_accounts(kw_check_ctx *x, const kw_win_facts *w)
{
	const char *sam = hive_path(w, KW_WIN_SAM);
	for (size_t i = 0; i < w->n_accounts; i++) {
		const kw_win_account *a = &w->accounts[i];
		if (!a->have_f || !a->have_v)
			continue;
		if (a->f.acb & KW_ACB_DISABLED)
			continue;
		char set[64] = "";
		if (a->f.pw_last_set) {
			char iso[40];
			kw_time_iso(a->f.pw_last_set, false, iso, sizeof iso);
			snprintf(set, sizeof set, " (last set %s)", iso);
		}
		bool pw = a->v.has_nt;
		if (!pw)
			kw_emit(x, &defs[C_BLANK_PASSWORD], a->name, sam, 0, a->name,
				"RID %u enabled, no NT password hash stored%s", a->rid,
				a->f.acb & KW_ACB_PWNOTREQ ? ", PASSWD_NOTREQD set" : "");
		else if (a->f.acb & KW_ACB_PWNOTREQ)
			kw_emit(x, &defs[C_PWNOTREQ], a->name, sam, 0, a->name,
				"RID %u enabled with PASSWD_NOTREQD", a->rid);
		if (a->rid == KW_RID_ADMINISTRATOR && pw)
			kw_emit(x, &defs[C_ADMIN_ENABLED], a->name, sam, 0, a->name,
				"RID 500 enabled, password set%s", set);
		else if (a->rid == KW_RID_GUEST)
			kw_emit(x, &defs[C_GUEST_ENABLED], a->name, sam, 0, a->name, "RID 501 enabled");
		else if (a->rid >= KW_RID_FIRST_USER)
			kw_emit(x, &defs[C_LOCAL_ACCOUNT], a->name, sam, 0, a->name,
				"RID %u enabled, %s, %u logons", a->rid,
				pw ? "password set" : "no password", a->f.logons);
	}
}

static void check_answers(kw_check_ctx *x, const kw_win_facts *w)
{
	for (size_t i = 0; i < w->n_answers; i++) {
		const kw_win_answer *an = &w->answers[i];
		size_t secrets = 0;
		for (size_t j = 0; j < an->r.n; j++) {
			const kw_ua_secret *s = &an->r.v[j];
			if (s->form == KW_UA_REMOVED)
				continue;
			secrets++;
			const kw_check_def *c = s->kind == KW_UA_GPP ? &defs[C_GPP] : &defs[C_ANSWER_PASSWORD];
			/* a blank password set by the file is a weak account, not a leaked secret */
			kw_severity dflt = s->form == KW_UA_EMPTY ? KW_SEV_HIGH : c->severity;
			kw_emit_default(x, c, dflt, an->path, an->path, s->line, s->account,
					"%s in %s: %s%s%s%s", kw_ua_kind_name(s->kind),
					s->element ? s->element : "?", kw_ua_form_name(s->form),
					s->pass ? ", pass " : "", s->pass ? s->pass : "",
					an->from_registry ? "; the file SYSTEM\\Setup!UnattendFile names" : "");
		}
		if (!secrets)
			kw_emit(x, &defs[C_ANSWER_FILE], an->path, an->path, 0, NULL, "%s%s",
				an->r.n ? "every password in it was removed by Setup"
					: "no password elements in it",
				an->from_registry ? "; named by SYSTEM\\Setup!UnattendFile" : "");
	}
}

static void check_leftovers(kw_check_ctx *x, const kw_win_facts *w)
{
	for (size_t i = 0; i < w->n_leftovers; i++) {
		const kw_win_leftover *l = &w->leftovers[i];
		switch (l->kind) {
		case KW_WL_CREDMAN:
		case KW_WL_VAULT:
			kw_emit(x, &defs[C_STORED_CREDS], l->path, l->path, 0, l->profile,
				"%u %s file%s", l->count,
				l->kind == KW_WL_CREDMAN ? "Credential Manager" : "Vault credential",
				l->count == 1 ? "" : "s");
			break;
		case KW_WL_RDP_PASSWORD:
			kw_emit(x, &defs[C_RDP_SAVED], l->path, l->path, 0, l->profile,
				"a 'password 51:b:' line (DPAPI-protected password)");
			break;
		case KW_WL_OLD_HIVE:
			kw_emit(x, &defs[C_OLD_HIVE], l->path, l->path, 0, NULL, "%" PRIu64 " bytes", l->size);
			break;
		case KW_WL_MEMORY_IMAGE:
			kw_emit(x, &defs[C_MEMORY_IMAGE], l->path, l->path, 0, NULL, "%" PRIu64 " bytes", l->size);
			break;
		case KW_WL__COUNT:
			break;
		}
	}
}

static void run(kw_check_ctx *x)
{
	const kw_win_facts *w = x->f->win;
	if (!w)
		return;
	check_system(x, w);
	check_rdp(x, w);
	check_autologon(x, w);
	check_accounts(x, w);
	check_answers(x, w);
	check_leftovers(x, w);
}

const kw_check_area kw_area_windows = { "windows", defs, sizeof defs / sizeof defs[0], run };
