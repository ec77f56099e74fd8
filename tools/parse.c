// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: pure parsing helpers. No netlink, no globals: the host unit
 * tests (selftests/unit) link this file directly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * Like ip(8): @arg may abbreviate @keyword ("inst" for "instance"), but
 * must not be empty.
 */
bool matches(const char *arg, const char *keyword)
{
	size_t n = strlen(arg);

	return n && n <= strlen(keyword) && !strncmp(arg, keyword, n);
}

/*
 * Which of @words (NULL-terminated) @arg means: the one it equals, else
 * the only one it abbreviates. -1: none; -2: more than one (ambiguous:
 * the caller names the candidates, nothing is guessed).
 */
int match_unique(const char *arg, const char *const *words)
{
	int i, found = -1;

	for (i = 0; words[i]; i++)
		if (!strcmp(arg, words[i]))
			return i;
	for (i = 0; words[i]; i++) {
		if (!matches(arg, words[i]))
			continue;
		if (found >= 0)
			return -2;
		found = i;
	}
	return found;
}

/* Decimal only, no sign, no trailing junk; -EINVAL or -ERANGE. */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int parse_ipv6(const char *s, struct in6_addr *out)
{
	if (!s || inet_pton(AF_INET6, s, out) != 1)
		return -EINVAL;
	return 0;
}

/* "A.B.C.D/N" or "A.B.C.D" (a /32); host bits must be zero. */
int parse_prefix4(const char *s, struct in_addr *addr, uint8_t *plen)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash;
	uint32_t len = 32, mask;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(s, '/');
	if (slash) {
		buf[slash - s] = '\0';
		if (parse_u32(slash + 1, 0, 32, &len))
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, addr) != 1)
		return -EINVAL;
	mask = len ? htonl(~0u << (32 - len)) : 0;
	if (addr->s_addr & ~mask)
		return -EINVAL;
	*plen = (uint8_t)len;
	return 0;
}

/* "A.B.C.D" or "A.B.C.D:PORT" (PORT 0..65535); *has_port says which. */
int parse_addr_port(const char *s, struct in_addr *addr, bool *has_port,
		    uint16_t *port)
{
	char buf[INET_ADDRSTRLEN + 6];
	const char *colon;
	uint32_t v;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strchr(s, ':');
	*has_port = colon != NULL;
	if (colon) {
		buf[colon - s] = '\0';
		if (parse_u32(colon + 1, 0, 65535, &v))
			return -EINVAL;
		*port = (uint16_t)v;
	}
	if (inet_pton(AF_INET, buf, addr) != 1)
		return -EINVAL;
	return 0;
}

/* "LO-HI" with min <= LO <= HI <= max. */
int parse_range(const char *s, uint32_t min, uint32_t max,
		uint32_t *lo, uint32_t *hi)
{
	char buf[32], *dash;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = '\0';
	if (parse_u32(buf, min, max, lo) || parse_u32(dash + 1, min, max, hi))
		return -ERANGE;
	if (*lo > *hi)
		return -ERANGE;
	return 0;
}

int split_words(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	while (*p) {
		char quote = 0, *w;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		if (argc >= max)
			return -1;
		if (*p == '"' || *p == '\'')
			quote = *p++;
		w = p;
		while (*p && (quote ? *p != quote :
			      !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')))
			p++;
		if (quote && *p != quote)
			return -1;
		if (*p)
			*p++ = '\0';
		argv[argc++] = w;
	}
	return argc;
}
