/* sam.c — account flags and "is a password set" from SAM F and V records. */
#include "windows/sam.h"

#include "base/err.h"

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

int64_t kw_filetime_to_unix(uint64_t ft)
{
	const uint64_t epoch = 116444736000000000ull; /* 1970-01-01 in FILETIME */
	if (ft == 0 || ft >= 0x7FFFFFFFFFFFFFFFull || ft < epoch)
		return 0;
	return (int64_t)((ft - epoch) / 10000000u);
}

int kw_sam_parse_f(const uint8_t *f, size_t len, kw_sam_f *ret)
{
	if (len < 0x44)
		return KW_E_PARSE;
	*ret = (kw_sam_f){
		.last_logon = kw_filetime_to_unix(le64(f + 0x08)),
		.pw_last_set = kw_filetime_to_unix(le64(f + 0x18)),
		.expires = kw_filetime_to_unix(le64(f + 0x20)),
		.rid = le32(f + 0x30),
		.acb = le16(f + 0x38),
		.failed = le16(f + 0x40),
		.logons = le16(f + 0x42),
	};
	return 0;
}

#define V_TABLE 0xCCu
#define V_LM 0x9Cu
#define V_NT 0xA8u

/* an entry's length, after checking that it lies inside the record */
static int entry(const uint8_t *v, size_t len, uint32_t at, uint32_t *ret_len)
{
	uint32_t off = le32(v + at), n = le32(v + at + 4);
	if (n && ((uint64_t)V_TABLE + off + n > len))
		return KW_E_PARSE;
	*ret_len = n;
	return 0;
}

/* revision 1: 4-byte header + 16-byte hash; revision 2 (AES): 24-byte header + data */
static bool hash_present(uint32_t n) { return n == 0x14 || n > 0x18; }

int kw_sam_parse_v(const uint8_t *v, size_t len, kw_sam_v *ret)
{
	if (len < V_TABLE)
		return KW_E_PARSE;
	kw_sam_v r = { 0 };
	if (entry(v, len, V_LM, &r.lm_len) < 0 || entry(v, len, V_NT, &r.nt_len) < 0)
		return KW_E_PARSE;
	r.has_lm = hash_present(r.lm_len);
	r.has_nt = hash_present(r.nt_len);
	*ret = r;
	return 0;
}
