// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: pure validation of configuration values.
 *
 * Nothing here touches kernel state, so the same file is compiled into the
 * host unit tests (selftests/unit), and exercised by KUnit.
 */
#include "validate.h"

static bool dslite_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/*
 * An instance name names a network device later, so it follows the
 * device-name rules, a little stricter: 1..maxlen characters from
 * [A-Za-z0-9_.-], not "." or "..".
 */
/* 1..maxlen characters, each one that @ok takes */
static int dslite_chars_check(const char *name, size_t maxlen,
			      bool (*ok)(char c))
{
	size_t i;

	if (!name[0])
		return DSLITE_NAME_EMPTY;
	for (i = 0; name[i]; i++) {
		if (i >= maxlen)
			return DSLITE_NAME_TOO_LONG;
		if (!ok(name[i]))
			return DSLITE_NAME_BAD_CHAR;
	}
	return DSLITE_NAME_OK;
}

int dslite_name_check(const char *name, size_t maxlen)
{
	int err = dslite_chars_check(name, maxlen, dslite_name_char_ok);

	if (!err && (!strcmp(name, ".") || !strcmp(name, "..")))
		return DSLITE_NAME_RESERVED;
	return err;
}

const char *dslite_name_error(int code)
{
	switch (code) {
	case DSLITE_NAME_OK:
		return "ok";
	case DSLITE_NAME_EMPTY:
		return "instance name is empty";
	case DSLITE_NAME_TOO_LONG:
		return "instance name longer than 15 characters";
	case DSLITE_NAME_BAD_CHAR:
		return "instance name may only use A-Z a-z 0-9 _ - .";
	case DSLITE_NAME_RESERVED:
		return "instance name \".\" and \"..\" are reserved";
	}
	return "invalid instance name";
}

static bool dslite_label_char_ok(char c)
{
	return c > ' ' && c < 0x7f;
}

int dslite_label_check(const char *name, size_t maxlen)
{
	return dslite_chars_check(name, maxlen, dslite_label_char_ok);
}

const char *dslite_label_error(int code)
{
	switch (code) {
	case DSLITE_NAME_OK:
		return "ok";
	case DSLITE_NAME_EMPTY:
		return "name is empty";
	case DSLITE_NAME_TOO_LONG:
		return "name is too long";
	case DSLITE_NAME_BAD_CHAR:
		return "name may only use printable ASCII characters, no spaces";
	}
	return "invalid name";
}

/* The AFTR address must be a unicast address B4s can reach. */
int dslite_aftr_check(const u8 a[16])
{
	static const u8 zero[16];
	static const u8 loop[16] = { [15] = 1 };
	static const u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(a, zero, 16))
		return DSLITE_AFTR_UNSPEC;
	if (a[0] == 0xff)
		return DSLITE_AFTR_MULTICAST;
	if (!memcmp(a, loop, 16))
		return DSLITE_AFTR_LOOPBACK;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return DSLITE_AFTR_LINKLOCAL;
	if (!memcmp(a, v4mapped, 12))
		return DSLITE_AFTR_V4MAPPED;
	return DSLITE_AFTR_OK;
}

const char *dslite_aftr_error(int code)
{
	switch (code) {
	case DSLITE_AFTR_OK:
		return "ok";
	case DSLITE_AFTR_UNSPEC:
		return "AFTR address must not be the unspecified address";
	case DSLITE_AFTR_MULTICAST:
		return "AFTR address must not be multicast";
	case DSLITE_AFTR_LOOPBACK:
		return "AFTR address must not be loopback";
	case DSLITE_AFTR_LINKLOCAL:
		return "AFTR address must not be link-local";
	case DSLITE_AFTR_V4MAPPED:
		return "AFTR address must not be IPv4-mapped";
	}
	return "invalid AFTR address";
}

static const struct {
	u32 net;
	u8 plen;
	u8 code;
} dslite_pool_bad[] = {
	{ 0x00000000, 8, DSLITE_POOL_THIS_NET },	/* 0.0.0.0/8 */
	{ 0x7f000000, 8, DSLITE_POOL_LOOPBACK },	/* 127.0.0.0/8 */
	{ 0xa9fe0000, 16, DSLITE_POOL_LINKLOCAL },	/* 169.254.0.0/16 */
	{ 0xc0000000, 29, DSLITE_POOL_DSLITE },		/* 192.0.0.0/29 */
	{ 0xe0000000, 4, DSLITE_POOL_MULTICAST },	/* 224.0.0.0/4 */
	{ 0xf0000000, 4, DSLITE_POOL_RESERVED },	/* 240.0.0.0/4 */
};

static u32 dslite_mask(u8 plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

int dslite_pool_check(u32 prefix, u8 plen)
{
	size_t i;

	if (plen > 32)
		return DSLITE_POOL_PLEN;
	if (prefix & ~dslite_mask(plen))
		return DSLITE_POOL_HOST_BITS;
	for (i = 0; i < ARRAY_SIZE(dslite_pool_bad); i++) {
		u8 len = plen < dslite_pool_bad[i].plen ? plen :
			 dslite_pool_bad[i].plen;

		/* the two prefixes overlap: one holds the other */
		if (!((prefix ^ dslite_pool_bad[i].net) & dslite_mask(len)))
			return dslite_pool_bad[i].code;
	}
	return DSLITE_POOL_OK;
}

const char *dslite_pool_error(int code)
{
	switch (code) {
	case DSLITE_POOL_OK:
		return "ok";
	case DSLITE_POOL_PLEN:
		return "pool prefix length must be 0..32";
	case DSLITE_POOL_HOST_BITS:
		return "pool prefix has host bits set";
	case DSLITE_POOL_THIS_NET:
		return "pool must not be in 0.0.0.0/8 (\"this network\")";
	case DSLITE_POOL_LOOPBACK:
		return "pool must not be in 127.0.0.0/8 (loopback)";
	case DSLITE_POOL_LINKLOCAL:
		return "pool must not be in 169.254.0.0/16 (link-local)";
	case DSLITE_POOL_DSLITE:
		return "pool must not overlap 192.0.0.0/29 (the DS-Lite B4 and AFTR addresses)";
	case DSLITE_POOL_MULTICAST:
		return "pool must not be in 224.0.0.0/4 (multicast)";
	case DSLITE_POOL_RESERVED:
		return "pool must not be in 240.0.0.0/4 (reserved, and the broadcast address)";
	}
	return "invalid pool prefix";
}
