// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: KUnit suites for the module's pure logic. Built when the kernel
 * has CONFIG_KUNIT (the debug kernel); they run at insmod.
 */
#include <kunit/test.h>

#include "dslite.h"

static void dslite_test_name(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, dslite_name_check("dsl0", 15), DSLITE_NAME_OK);
	KUNIT_EXPECT_EQ(test, dslite_name_check("a.b-c_D9", 15),
			DSLITE_NAME_OK);
	KUNIT_EXPECT_EQ(test, dslite_name_check("", 15), DSLITE_NAME_EMPTY);
	KUNIT_EXPECT_EQ(test, dslite_name_check("123456789012345", 15),
			DSLITE_NAME_OK);
	KUNIT_EXPECT_EQ(test, dslite_name_check("1234567890123456", 15),
			DSLITE_NAME_TOO_LONG);
	KUNIT_EXPECT_EQ(test, dslite_name_check("a b", 15),
			DSLITE_NAME_BAD_CHAR);
	KUNIT_EXPECT_EQ(test, dslite_name_check("a/b", 15),
			DSLITE_NAME_BAD_CHAR);
	KUNIT_EXPECT_EQ(test, dslite_name_check("..", 15),
			DSLITE_NAME_RESERVED);
}

static void dslite_test_aftr(struct kunit *test)
{
	u8 a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	u8 z[16] = { 0 };

	KUNIT_EXPECT_EQ(test, dslite_aftr_check(a), DSLITE_AFTR_OK);
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(z), DSLITE_AFTR_UNSPEC);
	z[15] = 1;
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(z), DSLITE_AFTR_LOOPBACK);
	a[0] = 0xff;
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(a), DSLITE_AFTR_MULTICAST);
	a[0] = 0xfe;
	a[1] = 0x80;
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(a), DSLITE_AFTR_LINKLOCAL);
	memset(a, 0, sizeof(a));
	a[10] = 0xff;
	a[11] = 0xff;
	a[15] = 1;
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(a), DSLITE_AFTR_V4MAPPED);
}

static struct kunit_case dslite_validate_cases[] = {
	KUNIT_CASE(dslite_test_name),
	KUNIT_CASE(dslite_test_aftr),
	{}
};

static struct kunit_suite dslite_validate_suite = {
	.name = "dslite-validate",
	.test_cases = dslite_validate_cases,
};

kunit_test_suite(dslite_validate_suite);
