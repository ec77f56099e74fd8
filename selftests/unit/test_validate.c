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

int main(void)
{
	name_cases();
	aftr_cases();
	return tap_finish();
}
