// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: a minimal streaming JSON writer. Keys are stable API: scripts
 * and tests parse them, so never rename one.
 */
#include <inttypes.h>
#include <string.h>

#include "json.h"

#define JW_MAX_DEPTH 16

static FILE *out;
static bool pretty;
static int depth;
static bool first[JW_MAX_DEPTH];

void jw_init(FILE *f, bool p)
{
	out = f;
	pretty = p;
	depth = 0;
	first[0] = true;
}

static void indent(void)
{
	int i;

	if (!pretty)
		return;
	fputc('\n', out);
	for (i = 0; i < depth; i++)
		fputs("    ", out);
}

static void escape(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void member(const char *key)
{
	if (depth > 0) {
		if (!first[depth])
			fputc(',', out);
		indent();
	}
	first[depth] = false;
	if (key) {
		escape(key);
		fputs(pretty ? ": " : ":", out);
	}
}

static void open(const char *key, char c)
{
	member(key);
	fputc(c, out);
	if (depth < JW_MAX_DEPTH - 1)
		depth++;
	first[depth] = true;
}

static void close_(char c)
{
	bool empty = first[depth];

	if (depth > 0)
		depth--;
	if (!empty)
		indent();
	fputc(c, out);
}

void jw_obj_open(const char *key) { open(key, '{'); }
void jw_obj_close(void) { close_('}'); }
void jw_arr_open(const char *key) { open(key, '['); }
void jw_arr_close(void) { close_(']'); }

void jw_str(const char *key, const char *val)
{
	member(key);
	escape(val);
}

void jw_uint(const char *key, uint64_t val)
{
	member(key);
	fprintf(out, "%" PRIu64, val);
}

void jw_int(const char *key, int64_t val)
{
	member(key);
	fprintf(out, "%" PRId64, val);
}

void jw_bool(const char *key, bool val)
{
	member(key);
	fputs(val ? "true" : "false", out);
}

void jw_end(void)
{
	fputc('\n', out);
	first[0] = true;
}
