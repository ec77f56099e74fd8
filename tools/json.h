/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslitectl output: one print path for text and JSON (-j, -p).
 *
 * The rule, as in iproute2: a printer prints each field ONCE, with one
 * call that says how it looks in both outputs, and never asks which
 * output it is writing:
 *
 *	print_uint(PR_ANY, "port", "port %u ", port);
 *
 * writes "port":8286 under -j and "port 8286 " otherwise. @type says
 * where a call prints: PR_ANY both, PR_TEXT only in text (layout, labels,
 * a wording of a value JSON has under its key). print_json_*() print only
 * in JSON (a value the text spells another way, e.g. time_unix next to
 * the ISO time). print_bool() takes the text for true and for false
 * (either may be NULL: nothing). open/close_json_object() and _array() give JSON its
 * structure and print nothing in text; print_nl() ends a text line and
 * prints nothing in JSON. A top-level JSON value is ended with a newline
 * when its object or array closes.
 *
 * -d (ctl.details) means the same in both outputs: a printer prints its
 * details inside `if (ctl.details)`, so they are in the text and in the
 * JSON with -d and in neither without it.
 *
 * JSON keys are stable API: scripts and tests parse them, so never rename
 * one. Text that tests parse (awk, grep) must not change either.
 */
#ifndef DSLITECTL_JSON_H
#define DSLITECTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum pr_type {
	PR_TEXT = 1,
	PR_JSON = 2,
	PR_ANY = PR_TEXT | PR_JSON,
};

#define PR_FMT(n) __attribute__((format(printf, n, 0)))

/* where output goes: @f, as JSON or as text */
void print_init(FILE *f, bool json, bool pretty);
void print_string(enum pr_type t, const char *key, const char *fmt,
		  const char *val) PR_FMT(3);
void print_uint(enum pr_type t, const char *key, const char *fmt,
		unsigned int val) PR_FMT(3);
void print_u64(enum pr_type t, const char *key, const char *fmt,
	       uint64_t val) PR_FMT(3);
void print_bool(enum pr_type t, const char *key, const char *text_true,
		const char *text_false, bool val);
void print_json_string(const char *key, const char *val);
void print_json_u64(const char *key, uint64_t val);
void print_nl(void);
void open_json_object(const char *key);	/* key NULL inside arrays */
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

/* the JSON writer under them (escaping, nesting, -p) */
void jw_init(FILE *f, bool pretty);
void jw_obj_open(const char *key);
void jw_obj_close(void);
void jw_arr_open(const char *key);
void jw_arr_close(void);
void jw_str(const char *key, const char *val);
void jw_uint(const char *key, uint64_t val);
void jw_bool(const char *key, bool val);

#endif
