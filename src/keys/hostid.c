/* hostid.c — see hostid.h. */
#include "keys/hostid.h"

#include "base/err.h"
#include "base/buf.h"
#include "base/file.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

/* 6c1f0e8a-93b2-4d57-b0a4-1e2f7c9d3a58 */
const uint8_t kw_host_id_app[16] = { 0x6c, 0x1f, 0x0e, 0x8a, 0x93, 0xb2, 0x4d, 0x57,
				     0xb0, 0xa4, 0x1e, 0x2f, 0x7c, 0x9d, 0x3a, 0x58 };

int kw_host_id_from_machine_id(const char *text, size_t len, char out[KW_HOST_ID_LEN])
{
	out[0] = '\0';
	if (len == 33 && text[32] == '\n')
		len = 32;
	if (len != 32)
		return KW_E_PARSE;
	uint8_t id[16];
	if (kw_hex_decode(text, sizeof id, true, id) < 0)
		return KW_E_PARSE;
	static const uint8_t zero[16];
	if (!memcmp(id, zero, sizeof id)) /* systemd refuses the null ID too */
		return KW_E_PARSE;
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	if (!HMAC(EVP_sha256(), id, sizeof id, kw_host_id_app, sizeof kw_host_id_app, mac, &maclen) ||
	    maclen < 16)
		return KW_E_CRYPTO;
	/* a version 4 UUID, variant 1 (RFC 4122), as systemd makes it */
	mac[6] = (uint8_t)((mac[6] & 0x0f) | 0x40);
	mac[8] = (uint8_t)((mac[8] & 0x3f) | 0x80);
	kw_hex_lower(mac, 16, out);
	memset(id, 0, sizeof id);
	return 0;
}

#define MACHINE_ID "/etc/machine-id"
#define MACHINE_ID_MAX 64    /* 32 hex digits and a newline; more is not a machine ID */

int kw_host_id_here(char out[KW_HOST_ID_LEN])
{
	out[0] = '\0';
	char *text = NULL;
	size_t len = 0;
	int r = kw_file_read_capped(MACHINE_ID, MACHINE_ID_MAX, &text, &len, NULL);
	if (r < 0)
		return r;
	r = kw_host_id_from_machine_id(text, len, out);
	memset(text, 0, len);
	free(text);
	return r;
}

int kw_host_id(kw_target *t, char out[KW_HOST_ID_LEN])
{
	out[0] = '\0';
	kw_file f = { 0 };
	int r = kw_target_read(t, MACHINE_ID, MACHINE_ID_MAX, &f);
	if (r < 0)
		return r;
	r = f.truncated ? KW_E_PARSE : kw_host_id_from_machine_id((const char *)f.data, f.len, out);
	memset(f.data, 0, f.len);
	kw_file_release(&f);
	return r;
}
