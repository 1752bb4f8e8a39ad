/* unattend.h — passwords left in Windows answer files, found without ever keeping one.
 *
 * Windows Setup and sysprep read answer files (unattend.xml, autounattend.xml,
 * sysprep.xml; the legacy sysprep.inf and unattend.txt) and cache copies of them in the
 * image (Windows\Panther ...). Group Policy Preferences files (Groups.xml, Services.xml,
 * ScheduledTasks.xml, DataSources.xml, Drives.xml, Printers.xml) carry `cpassword`
 * attributes encrypted with an AES key Microsoft published: plain text in effect.
 *
 * This module says which elements hold a password and in what form: plain text, the
 * reversible PlainText=false encoding (base64 of UTF-16LE(password + suffix), where the
 * suffix is the element's name: "AdministratorPassword" or "Password"), blanked by Setup
 * ("*SENSITIVE*DATA*DELETED*"), empty. The value itself is never stored, returned or
 * copied anywhere: only its form, its line and the element's place.
 *
 * Pure parsers: bytes in, records out, no I/O. XML goes through expat with every
 * document type declaration refused (so no entity of any kind: no expansion bombs, no
 * external entities), element nesting capped at KW_UA_MAX_DEPTH, text of one element
 * capped at KW_UA_MAX_TEXT (longer values are still judged "set"). UTF-8 and UTF-16
 * (with a byte order mark) are read, for XML and INF alike.
 *
 * Ownership: kw_ua_parse* fill a caller's kw_ua_result, released by kw_ua_result_release.
 */
#ifndef KW_WINDOWS_UNATTEND_H
#define KW_WINDOWS_UNATTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KW_UA_MAX_DEPTH 64
#define KW_UA_MAX_TEXT 4096
#define KW_UA_MAX_SECRETS 4096
/* (Additions) Caps on what is returned and on the work done:
 *  - KW_UA_MAX_NAME: one element name, section or key name, pass or account, in bytes
 *    (longer ones are cut at a UTF-8 character boundary);
 *  - KW_UA_MAX_PATH: kw_ua_secret.element, in bytes (cut the same way);
 *  - KW_UA_MAX_LINE: one INF line (the rest of a longer line is skipped; a value cut
 *    there is still "set");
 *  - KW_UA_MAX_MEMORY: what expat may allocate for one document. The input is fed in
 *    chunks, so text of any length streams through; a single tag, comment or processing
 *    instruction larger than this stops the parse with KW_E_PARSE. */
#define KW_UA_MAX_NAME 256
#define KW_UA_MAX_PATH 1024
#define KW_UA_MAX_LINE 8192
#define KW_UA_MAX_MEMORY ((size_t)8 << 20)

/* What the password is for. */
typedef enum kw_ua_kind {
	KW_UA_ADMIN = 0,      /* UserAccounts/AdministratorPassword; INF [GuiUnattended] AdminPassword */
	KW_UA_LOCAL_ACCOUNT,  /* UserAccounts/LocalAccounts/LocalAccount/Password */
	KW_UA_AUTOLOGON,      /* AutoLogon/Password */
	KW_UA_DOMAIN_JOIN,    /* Identification/Credentials/Password; INF [Identification] DomainAdminPassword */
	KW_UA_OTHER,          /* any other element or key named *Password (WDS login, ...) */
	KW_UA_GPP,            /* a Group Policy Preferences cpassword attribute */
	KW_UA__KIND_COUNT
} kw_ua_kind;

/* In what form it is there. */
typedef enum kw_ua_form {
	KW_UA_EMPTY = 0,      /* present and empty: a blank password (INF: "*" too) */
	KW_UA_PLAINTEXT,      /* the value in clear (PlainText true or absent; INF; GPP decoded
			       * by anyone: cpassword counts here) */
	KW_UA_ENCODED,        /* PlainText=false and the value is base64 of
			       * UTF-16LE(password + suffix): reversible by anyone */
	KW_UA_OPAQUE,         /* PlainText=false, or INF EncryptedAdminPassword=Yes, and the
			       * value is in no known form: still a secret left in the image */
	KW_UA_REMOVED,        /* "*SENSITIVE*DATA*DELETED*": Setup blanked it */
	KW_UA__FORM_COUNT
} kw_ua_form;

typedef struct kw_ua_secret {
	kw_ua_kind kind;
	kw_ua_form form;
	unsigned line;        /* 1-based line of the value (XML: of the element holding it) */
	char *element;        /* owned: the place, element names from below <component>
			       * ("UserAccounts/LocalAccounts/LocalAccount/Password"); INF:
			       * "[Section] Key"; GPP: "Groups/User/Properties@cpassword" */
	char *account;        /* owned, may be NULL: the account it belongs to when the file
			       * says (LocalAccount/Name, AutoLogon/Username, Credentials/Username,
			       * GPP userName / newName, also accountName, runAs; INF [Identification]
			       * DomainAdmin); raw bytes from the file: escape to print */
	char *pass;           /* owned, may be NULL: the unattend pass ("oobeSystem", "specialize") */
} kw_ua_secret;

typedef enum kw_ua_format {
	KW_UA_FMT_UNKNOWN = 0,
	KW_UA_FMT_XML,        /* an unattend / sysprep answer file */
	KW_UA_FMT_GPP,        /* Group Policy Preferences XML */
	KW_UA_FMT_INF,        /* sysprep.inf, unattend.txt, unattend.inf */
} kw_ua_format;

typedef struct kw_ua_result {
	kw_ua_format format;
	kw_ua_secret *v;
	size_t n, cap;
	bool autologon_enabled; /* AutoLogon/Enabled true (XML) or [GuiUnattended] AutoLogon=Yes */
	bool truncated;         /* more than KW_UA_MAX_SECRETS: the rest were not kept */
	unsigned error_line;    /* parse error: where (0: none or unknown) */
	char error[160];        /* parse error: what ("" when none); never quotes the input */
} kw_ua_result;

/* How values are judged (XML and INF alike):
 *  - leading and trailing blanks (space, tab, CR, LF) do not count: a value of blanks
 *    only is EMPTY;
 *  - "*SENSITIVE*DATA*DELETED*" is REMOVED, whatever PlainText says;
 *  - PlainText false (or 0) and a value that decodes as base64 to valid UTF-16LE (no
 *    NUL, no lone surrogate) ending in the element's own name as suffix is ENCODED; one
 *    that decodes to the suffix alone encodes the empty password: EMPTY (a blank
 *    password, reported as such); anything else is OPAQUE (a value longer than
 *    KW_UA_MAX_TEXT too: no Windows encoder writes one);
 *  - otherwise PLAINTEXT. A password element's value is its first <Value> child, or its
 *    own text when it has none (Identification/Credentials/Password). A password
 *    element inside another is not looked at.
 *  - GPP: a cpassword attribute of blanks only is not a finding.
 * An XML declaration naming an encoding expat does not know (windows-1252, ...) is read
 * byte for byte as ISO-8859-1: every name matched is ASCII, and values are only judged.
 *
 * *out is overwritten (release a previous result first) and must be released after any
 * return, an error included. */

/* Parse an XML answer file or GPP file. 0; KW_E_PARSE (malformed, a DOCTYPE, too deep,
 * a tag over KW_UA_MAX_MEMORY: out->error says which, out->error_line where, and
 * secrets found before the error are kept); -ENOMEM. */
int kw_ua_parse_xml(const uint8_t *data, size_t len, kw_ua_result *out);
/* Parse a legacy INF answer file (sysprep.inf, unattend.txt). 0 or -ENOMEM. UTF-16 is
 * known by its byte order mark, or without one by a NUL among the first two bytes. */
int kw_ua_parse_inf(const uint8_t *data, size_t len, kw_ua_result *out);
/* XML or INF by content (a '<' first, after a BOM and blanks, is XML). */
int kw_ua_parse(const uint8_t *data, size_t len, kw_ua_result *out);
void kw_ua_result_release(kw_ua_result *r);

const char *kw_ua_kind_name(kw_ua_kind k);  /* "administrator password", "local account password", ... */
const char *kw_ua_form_name(kw_ua_form f);  /* "plain text", "base64 (PlainText=false)", ... */

#endif
