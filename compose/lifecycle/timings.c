/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/timings.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t nc_timings_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void nc_timings_add(struct nc_timings *t, const char *step, uint64_t ns)
{
	size_t i;

	/* A few dozen steps at most: a linear search is the cheapest. */
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].step, step))
			break;
	if (i == t->n) {
		if (t->n == NC_TIMINGS_MAX) {
			i = NC_TIMINGS_MAX - 1;
			t->v[i].step = "other";
		} else {
			t->v[t->n++] = (struct nc_timing){ .step = step };
		}
	}
	t->v[i].ns += ns;
	t->v[i].count++;
}

static void row(struct nc_strbuf *out, const char *step, uint64_t ns, const char *count)
{
	nc_strbuf_printf(out, "  %-36s %10.1f  %s\n", step, (double)ns / 1e6, count);
}

void nc_timings_format(const struct nc_timings *t, const char *title, uint64_t wall_ns,
		       struct nc_strbuf *out)
{
	nc_strbuf_printf(out, "%s (ms):\n", title);
	nc_strbuf_printf(out, "  %-36s %10s  %s\n", "step", "ms", "count");
	for (size_t i = 0; i < t->n; i++) {
		char count[16];
		snprintf(count, sizeof(count), "%u", t->v[i].count);
		row(out, t->v[i].step, t->v[i].ns, count);
	}
	row(out, "wall clock", wall_ns, "");
}
