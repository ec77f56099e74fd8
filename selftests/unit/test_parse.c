// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of dslitectl's parser (tools/parse.c, tools/instance.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "tap.h"
#include "../../tools/util.h"
#include "../../tools/instance.h"
#include "../../tools/json.h"

struct ctl ctl;
static char last_err[256];

/* the real one prints; here we keep the message for assertions */
int usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define ADD(...) instance_parse_add(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &a)

static void test_matches(void)
{
	TAP_CHECK(matches("inst", "instance"), "abbreviation matches");
	TAP_CHECK(matches("instance", "instance"), "full word matches");
	TAP_CHECK(!matches("instances", "instance"), "longer word does not");
	TAP_CHECK(!matches("", "instance"), "empty word does not");
	TAP_CHECK(!matches("x", "instance"), "other word does not");
}

static void test_u32(void)
{
	uint32_t v = 0;

	TAP_CHECK(!parse_u32("65535", 1, 65535, &v) && v == 65535, "u32 at max");
	TAP_CHECK(parse_u32("65536", 1, 65535, &v) == -ERANGE, "u32 over max");
	TAP_CHECK(parse_u32("0", 1, 65535, &v) == -ERANGE, "u32 under min");
	TAP_CHECK(parse_u32("-1", 0, 10, &v) == -EINVAL, "u32 negative");
	TAP_CHECK(parse_u32("+1", 0, 10, &v) == -EINVAL, "u32 sign");
	TAP_CHECK(parse_u32("12x", 0, 100, &v) == -EINVAL, "u32 junk");
	TAP_CHECK(parse_u32("", 0, 100, &v) == -EINVAL, "u32 empty");
	TAP_CHECK(parse_u32("99999999999999999999", 0, UINT32_MAX, &v) == -ERANGE,
		  "u32 overflow");
	TAP_CHECK(!parse_u32("4294967295", 0, UINT32_MAX, &v) && v == UINT32_MAX,
		  "u32 full range");
}

static void test_addr(void)
{
	struct in6_addr a6;
	struct in_addr a4;
	uint8_t plen;
	uint32_t lo, hi;

	TAP_CHECK(!parse_ipv6("2001:db8::1", &a6) && a6.s6_addr[15] == 1,
		  "ipv6 ok");
	TAP_CHECK(parse_ipv6("2001:db8::zz", &a6), "ipv6 junk");
	TAP_CHECK(parse_ipv6("192.0.2.1", &a6), "ipv4 is not ipv6");
	TAP_CHECK(!parse_prefix4("198.51.100.0/24", &a4, &plen) && plen == 24,
		  "prefix ok");
	TAP_CHECK(!parse_prefix4("198.51.100.7", &a4, &plen) && plen == 32,
		  "bare address is /32");
	TAP_CHECK(parse_prefix4("198.51.100.1/24", &a4, &plen), "host bits set");
	TAP_CHECK(parse_prefix4("198.51.100.0/33", &a4, &plen), "plen > 32");
	TAP_CHECK(!parse_range("1024-65535", 0, 65535, &lo, &hi) &&
		  lo == 1024 && hi == 65535, "range ok");
	TAP_CHECK(parse_range("2000-1000", 0, 65535, &lo, &hi), "range reversed");
	TAP_CHECK(parse_range("1000", 0, 65535, &lo, &hi), "range no dash");
	TAP_CHECK(parse_range("1-70000", 0, 65535, &lo, &hi), "range over max");
}

static void test_instance(void)
{
	struct inst_args a;

	TAP_CHECK(ADD("dsl0", "id", "1", "aftr", "2001:db8::1") == EXIT_OK &&
		  !strcmp(a.name, "dsl0") && a.has_id && a.id == 1 && a.has_aftr,
		  "instance add full");
	TAP_CHECK(ADD("dsl0", "id", "7") == EXIT_OK && !a.has_aftr,
		  "instance add without aftr");
	/* the kernel owns range and name rules: these must reach it */
	TAP_CHECK(ADD("dsl0", "id", "0") == EXIT_OK && a.id == 0,
		  "id 0 is passed to the kernel");
	TAP_CHECK(ADD("abcdefghij123456", "id", "3") == EXIT_OK,
		  "16-char name is passed to the kernel");
	TAP_CHECK(ADD("dsl0") == EXIT_USAGE && strstr(last_err, "required"),
		  "missing id");
	TAP_CHECK(ADD("dsl0", "id") == EXIT_USAGE && strstr(last_err, "needs a value"),
		  "id without value");
	TAP_CHECK(ADD("dsl0", "id", "x") == EXIT_USAGE, "id not a number");
	TAP_CHECK(ADD("dsl0", "id", "1", "aftr", "nope") == EXIT_USAGE &&
		  strstr(last_err, "IPv6"), "aftr not an address");
	TAP_CHECK(ADD("dsl0", "id", "1", "bogus", "1") == EXIT_USAGE &&
		  strstr(last_err, "unknown argument"), "unknown keyword");
	TAP_CHECK(instance_parse_add(0, ARGV(NULL), &a) == EXIT_USAGE,
		  "no name");
	TAP_CHECK(instance_parse_ref(1, ARGV("dsl0"), &a, false) == EXIT_OK &&
		  !strcmp(a.name, "dsl0"), "ref by name");
	TAP_CHECK(instance_parse_ref(2, ARGV("id", "9"), &a, false) == EXIT_OK &&
		  a.has_id && a.id == 9 && !a.name, "ref by id");
	TAP_CHECK(instance_parse_ref(0, ARGV(NULL), &a, false) == EXIT_USAGE,
		  "ref required");
	TAP_CHECK(instance_parse_ref(0, ARGV(NULL), &a, true) == EXIT_OK,
		  "ref optional for show");
	TAP_CHECK(instance_parse_ref(2, ARGV("a", "b"), &a, false) == EXIT_USAGE,
		  "ref extra argument");
}

/* one jw_str() value as the JSON writer prints it */
static const char *json_of(const char *val)
{
	static char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	jw_init(f, false);
	jw_str(NULL, val);
	fclose(f);
	return buf;
}

static void test_json(void)
{
	static const struct { const char *in, *want; } c[] = {
		{ "dsl0", "\"dsl0\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "a\nb\tc\x01\x7f", "\"a\\nb\\tc\\u0001\\u007f\"" },
		{ "\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\"" },
		{ "\xe2\x82\xac \xf0\x9f\x98\x80", "\"\xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "\xff\xfe", "\"\\u00ff\\u00fe\"" },
		{ "x\xc3", "\"x\\u00c3\"" },
		{ "\xc0\xaf", "\"\\u00c0\\u00af\"" },
		{ "\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"" },
		{ "\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"" },
		{ "\xe2\x82", "\"\\u00e2\\u0082\"" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		TAP_CHECK(!strcmp(json_of(c[i].in), c[i].want),
			  "json string case %u: %s", i, json_of(c[i].in));
}

int main(void)
{
	test_matches();
	test_u32();
	test_addr();
	test_instance();
	test_json();
	return tap_finish();
}
