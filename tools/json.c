// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: the print path (json.h says its rule) over a minimal
 * streaming JSON writer. Keys are stable API: scripts and tests parse
 * them, so never rename one.
 */
#include <inttypes.h>
#include <stdarg.h>
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

/*
 * Length of the well-formed UTF-8 sequence at @s (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF), or 0 if it is not one.
 */
static int utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * A JSON string from any bytes: the output is always valid JSON (and
 * valid UTF-8). Quotes, backslashes, control characters and DEL are
 * escaped; a byte that does not start a well-formed UTF-8 sequence is
 * written as \u00XX (the code point of that byte value), so nothing the
 * kernel or a user sends can make a JSON reader choke.
 */
static void escape(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	fputc('"', out);
	while (*s) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			fprintf(out, "\\%c", c);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, out);
		} else if ((n = utf8_len(s)) > 0) {
			fwrite(s, 1, n, out);
			s += n;
			continue;
		} else {
			fprintf(out, "\\u%04x", c);
		}
		s++;
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

/* closing a top-level value ends its line */
static void close_(char c)
{
	bool empty = first[depth];

	if (depth > 0)
		depth--;
	if (!empty)
		indent();
	fputc(c, out);
	if (depth == 0) {
		fputc('\n', out);
		first[0] = true;
	}
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

void jw_bool(const char *key, bool val)
{
	member(key);
	fputs(val ? "true" : "false", out);
}

/* ---- the print path ---------------------------------------------------- */

static bool json;

void print_init(FILE *f, bool j, bool p)
{
	json = j;
	jw_init(f, p);
}

static bool to_json(enum pr_type t)
{
	return json && (t & PR_JSON);
}

static bool to_text(enum pr_type t)
{
	return !json && (t & PR_TEXT);
}

/* text of one value: @fmt is the caller's, checked at its call */
static void PR_FMT(1) text(const char *fmt, ...)
{
	va_list ap;

	if (!fmt)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

void print_string(enum pr_type t, const char *key, const char *fmt,
		  const char *val)
{
	if (to_json(t))
		jw_str(key, val);
	else if (to_text(t))
		text(fmt, val);
}

void print_uint(enum pr_type t, const char *key, const char *fmt,
		unsigned int val)
{
	if (to_json(t))
		jw_uint(key, val);
	else if (to_text(t))
		text(fmt, val);
}

void print_u64(enum pr_type t, const char *key, const char *fmt,
	       uint64_t val)
{
	if (to_json(t))
		jw_uint(key, val);
	else if (to_text(t))
		text(fmt, val);
}

void print_bool(enum pr_type t, const char *key, const char *text_true,
		const char *text_false, bool val)
{
	if (to_json(t))
		jw_bool(key, val);
	else if (to_text(t) && (val ? text_true : text_false))
		fputs(val ? text_true : text_false, out);
}

void print_json_string(const char *key, const char *val)
{
	print_string(PR_JSON, key, "%s", val);
}

void print_json_u64(const char *key, uint64_t val)
{
	print_u64(PR_JSON, key, "%" PRIu64, val);
}

void print_nl(void)
{
	if (!json)
		fputc('\n', out);
}

/* JSON's structure: nothing in text */
void open_json_object(const char *key) { if (json) open(key, '{'); }
void close_json_object(void) { if (json) close_('}'); }
void open_json_array(const char *key) { if (json) open(key, '['); }
void close_json_array(void) { if (json) close_(']'); }
