/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP for the host unit tests, with the kselftest "# Totals:" line
 * that `make check` counts.
 */
#ifndef DSLITE_TAP_H
#define DSLITE_TAP_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_pass, tap_fail;

/* evaluates @cond exactly once: it may have side effects */
#define TAP_CHECK(cond, ...) do {					\
	bool tap_ok_ = (cond);						\
	tap_n++;							\
	if (tap_ok_) {							\
		tap_pass++;						\
		printf("ok %d ", tap_n);				\
	} else {							\
		tap_fail++;						\
		printf("not ok %d ", tap_n);				\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!tap_ok_)							\
		printf("#   %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
} while (0)

static inline int tap_finish(void)
{
	printf("1..%d\n", tap_n);
	printf("# Totals: pass:%d fail:%d skip:0\n", tap_pass, tap_fail);
	return tap_fail ? 1 : 0;
}

#endif
