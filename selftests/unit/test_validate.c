// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of kmod/validate.c (the same file the module builds). */
#include "tap.h"
#include "../../kmod/validate.h"

static void name_cases(void)
{
	static const struct { const char *n; int want; } c[] = {
		{ "dsl0", DSLITE_NAME_OK },
		{ "a.b-c_D9", DSLITE_NAME_OK },
		{ "123456789012345", DSLITE_NAME_OK },
		{ "1234567890123456", DSLITE_NAME_TOO_LONG },
		{ "", DSLITE_NAME_EMPTY },
		{ "a b", DSLITE_NAME_BAD_CHAR },
		{ "a/b", DSLITE_NAME_BAD_CHAR },
		{ "a:b", DSLITE_NAME_BAD_CHAR },
		{ "\xc3\xa9t\xc3\xa9", DSLITE_NAME_BAD_CHAR },
		{ ".", DSLITE_NAME_RESERVED },
		{ "..", DSLITE_NAME_RESERVED },
		{ "...", DSLITE_NAME_OK },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		TAP_CHECK(dslite_name_check(c[i].n, 15) == c[i].want,
			  "name \"%s\" -> %s", c[i].n,
			  dslite_name_error(c[i].want));
	TAP_CHECK(dslite_name_check("abc", 2) == DSLITE_NAME_TOO_LONG,
		  "maxlen is honoured");
}

static void aftr_cases(void)
{
	static const struct { u8 a[16]; int want; const char *desc; } c[] = {
		{ { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, DSLITE_AFTR_OK, "2001:db8::1" },
		{ { 0xfd, 0x00, [15] = 1 }, DSLITE_AFTR_OK, "fd00::1 (ULA)" },
		{ { 0 }, DSLITE_AFTR_UNSPEC, "::" },
		{ { [15] = 1 }, DSLITE_AFTR_LOOPBACK, "::1" },
		{ { 0xff, 0x02, [15] = 1 }, DSLITE_AFTR_MULTICAST, "ff02::1" },
		{ { 0xfe, 0x80, [15] = 1 }, DSLITE_AFTR_LINKLOCAL, "fe80::1" },
		{ { 0xfe, 0xbf, [15] = 1 }, DSLITE_AFTR_LINKLOCAL, "febf::1" },
		{ { 0xfe, 0xc0, [15] = 1 }, DSLITE_AFTR_OK, "fec0::1 (not fe80::/10)" },
		{ { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 }, DSLITE_AFTR_V4MAPPED, "::ffff:192.0.2.1" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		TAP_CHECK(dslite_aftr_check(c[i].a) == c[i].want, "aftr %s -> %s",
			  c[i].desc, dslite_aftr_error(c[i].want));
}

static void label_cases(void)
{
	static const struct { const char *n; int want; } c[] = {
		{ "sig1", DSLITE_NAME_OK },
		{ "eth0.100", DSLITE_NAME_OK },
		{ "a:b/c@d~!", DSLITE_NAME_OK },
		{ "1234567890123456789012345678901", DSLITE_NAME_OK },
		{ "12345678901234567890123456789012", DSLITE_NAME_TOO_LONG },
		{ "", DSLITE_NAME_EMPTY },
		{ "a b", DSLITE_NAME_BAD_CHAR },
		{ " ", DSLITE_NAME_BAD_CHAR },
		{ "a\nb", DSLITE_NAME_BAD_CHAR },
		{ "a\tb", DSLITE_NAME_BAD_CHAR },
		{ "\x7f", DSLITE_NAME_BAD_CHAR },
		{ "\xff\xfe", DSLITE_NAME_BAD_CHAR },
		{ "\xc3\xa9", DSLITE_NAME_BAD_CHAR },
		{ "x\x01", DSLITE_NAME_BAD_CHAR },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		TAP_CHECK(dslite_label_check(c[i].n, 31) == c[i].want,
			  "label case %u -> %s", i, dslite_label_error(c[i].want));
	TAP_CHECK(dslite_label_check("eth0", 3) == DSLITE_NAME_TOO_LONG,
		  "label maxlen is honoured");
	TAP_CHECK(dslite_label_check("eth0", 4) == DSLITE_NAME_OK,
		  "label of exactly maxlen");
}

#define IP4(a, b, c, d) (((u32)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static void pool_cases(void)
{
	static const struct {
		u32 p;
		u8 plen;
		int want;
		const char *desc;
	} c[] = {
		{ IP4(198, 51, 100, 0), 24, DSLITE_POOL_OK, "198.51.100.0/24" },
		{ IP4(203, 0, 113, 64), 26, DSLITE_POOL_OK, "203.0.113.64/26" },
		{ IP4(100, 64, 0, 0), 16, DSLITE_POOL_OK, "100.64.0.0/16 (shared)" },
		{ IP4(100, 127, 255, 252), 30, DSLITE_POOL_OK, "100.127.255.252/30" },
		{ IP4(10, 0, 0, 0), 16, DSLITE_POOL_OK, "10.0.0.0/16 (RFC 1918)" },
		{ IP4(192, 168, 1, 0), 24, DSLITE_POOL_OK, "192.168.1.0/24" },
		{ IP4(1, 0, 0, 0), 30, DSLITE_POOL_OK, "1.0.0.0/30 (just past 0/8)" },
		{ IP4(126, 255, 255, 252), 30, DSLITE_POOL_OK, "126.255.255.252/30" },
		{ IP4(128, 0, 0, 0), 32, DSLITE_POOL_OK, "128.0.0.0/32" },
		{ IP4(192, 0, 0, 8), 29, DSLITE_POOL_OK, "192.0.0.8/29" },
		{ IP4(223, 255, 255, 255), 32, DSLITE_POOL_OK, "223.255.255.255/32" },
		{ IP4(169, 253, 255, 0), 24, DSLITE_POOL_OK, "169.253.255.0/24" },
		{ IP4(198, 51, 100, 1), 24, DSLITE_POOL_HOST_BITS, "198.51.100.1/24" },
		{ IP4(0, 0, 0, 0), 30, DSLITE_POOL_THIS_NET, "0.0.0.0/30" },
		{ IP4(0, 255, 255, 252), 30, DSLITE_POOL_THIS_NET, "0.255.255.252/30" },
		{ IP4(0, 0, 0, 0), 0, DSLITE_POOL_THIS_NET, "0.0.0.0/0" },
		{ IP4(127, 0, 0, 0), 16, DSLITE_POOL_LOOPBACK, "127.0.0.0/16" },
		{ IP4(127, 255, 255, 255), 32, DSLITE_POOL_LOOPBACK, "127.255.255.255/32" },
		{ IP4(169, 254, 0, 0), 16, DSLITE_POOL_LINKLOCAL, "169.254.0.0/16" },
		{ IP4(192, 0, 0, 0), 24, DSLITE_POOL_DSLITE, "192.0.0.0/24" },
		{ IP4(192, 0, 0, 4), 30, DSLITE_POOL_DSLITE, "192.0.0.4/30" },
		{ IP4(224, 0, 0, 0), 30, DSLITE_POOL_MULTICAST, "224.0.0.0/30" },
		{ IP4(239, 255, 255, 255), 32, DSLITE_POOL_MULTICAST, "239.255.255.255/32" },
		{ IP4(240, 0, 0, 0), 16, DSLITE_POOL_RESERVED, "240.0.0.0/16" },
		{ IP4(255, 0, 0, 0), 30, DSLITE_POOL_RESERVED, "255.0.0.0/30" },
		{ IP4(255, 255, 255, 255), 32, DSLITE_POOL_RESERVED, "255.255.255.255/32" },
		{ IP4(198, 51, 100, 0), 33, DSLITE_POOL_PLEN, "plen 33" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		TAP_CHECK(dslite_pool_check(c[i].p, c[i].plen) == c[i].want,
			  "pool %s -> %s", c[i].desc, dslite_pool_error(c[i].want));
}

int main(void)
{
	name_cases();
	aftr_cases();
	label_cases();
	pool_cases();
	return tap_finish();
}
