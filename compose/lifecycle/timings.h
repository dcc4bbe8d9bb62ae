/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Time spent per step of `up` and `down`, for finding where a big lab's
 * time goes (NCOMPOSE_TIMINGS=1). CLOCK_MONOTONIC; a step run on several
 * workers adds up the workers' time, so it may exceed the wall clock.
 */
#ifndef NC_COMPOSE_TIMINGS_H
#define NC_COMPOSE_TIMINGS_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define NC_TIMINGS_MAX 32

struct nc_timing {
	const char *step; /* a string literal: steps are named in the code */
	uint64_t ns;
	unsigned count;
};

struct nc_timings {
	size_t n;
	struct nc_timing v[NC_TIMINGS_MAX];
};

/* Now, in nanoseconds of CLOCK_MONOTONIC. */
uint64_t nc_timings_now(void);

/* Adds `ns` to `step` (first use appends it, in order of first use). A
 * step beyond NC_TIMINGS_MAX lands in the last row, named "other". */
void nc_timings_add(struct nc_timings *t, const char *step, uint64_t ns);

/* "TITLE (ms):" then one row a step (time, count) and the wall time. */
void nc_timings_format(const struct nc_timings *t, const char *title, uint64_t wall_ns,
		       struct nc_strbuf *out);

#endif
