/* SPDX-License-Identifier: GPL-2.0 */
/* dslitectl: shared declarations. */
#ifndef DSLITECTL_UTIL_H
#define DSLITECTL_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

/* exit codes, documented in dslitectl(8) */
#define EXIT_OK		0
#define EXIT_USAGE	1
#define EXIT_KERNEL	2
#define EXIT_UNHEALTHY	3	/* service-location check: not healthy */

struct ctl {
	bool json;
	bool details;
	bool pretty;
	bool stats;
	bool force;		/* -f: a batch goes on past a failed line */
	const char *netns;
};

extern struct ctl ctl;

/* parse.c: pure helpers, unit-tested on the host */
bool matches(const char *arg, const char *keyword);
int match_unique(const char *arg, const char *const *words);
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int parse_ipv6(const char *s, struct in6_addr *out);
int parse_prefix4(const char *s, struct in_addr *addr, uint8_t *plen);
int parse_addr_port(const char *s, struct in_addr *addr, bool *has_port,
		    uint16_t *port);
int parse_range(const char *s, uint32_t min, uint32_t max,
		uint32_t *lo, uint32_t *hi);

/*
 * Split a batch line into words, in place: blanks separate, '#' at the
 * start of a word begins a comment, '"' or '\'' quote a word. Returns the
 * number of words (0: blank or comment only), or -1 (an open quote or
 * more than @max words).
 */
int split_words(char *line, char **argv, int max);

/* usage errors print "Error: ..." to stderr and return EXIT_USAGE */
int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* one object of the command line: "instance", "ha", ... */
struct object {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *f);
	/* its verbs, NULL-terminated (NULL: it takes no verb), resolved
	 * by the dispatcher: an abbreviation must be unique
	 */
	const char *const *verbs;
};

#define is_help(a) (matches((a), "help") || !strcmp((a), "-h") || \
		    !strcmp((a), "--help"))

#endif
