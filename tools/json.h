/* SPDX-License-Identifier: GPL-2.0 */
/* dslitectl: a minimal streaming JSON writer for -j (and -p). */
#ifndef DSLITECTL_JSON_H
#define DSLITECTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void jw_init(FILE *f, bool pretty);
void jw_obj_open(const char *key);	/* key NULL inside arrays */
void jw_obj_close(void);
void jw_arr_open(const char *key);
void jw_arr_close(void);
void jw_str(const char *key, const char *val);
void jw_uint(const char *key, uint64_t val);
void jw_int(const char *key, int64_t val);
void jw_bool(const char *key, bool val);
void jw_end(void);	/* newline after a top-level value */

#endif
