/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the commands tell the user while they work. Quiet by default;
 * --verbose prints every step. On a terminal, long work shows one progress
 * line that rewrites itself; in a pipe only plain lines are printed.
 * Library layers never print: only compose/ and the CLI use this.
 */
#ifndef NC_COMPOSE_REPORT_H
#define NC_COMPOSE_REPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "compose/lifecycle/timings.h"

struct nc_report {
	FILE *out;     /* stderr */
	bool verbose;
	bool tty;      /* progress line allowed */
	bool progress_shown;
	pthread_mutex_t lock; /* workers of a parallel step report too */
	bool timed;    /* NCOMPOSE_TIMINGS=1: time the steps, print them at the end */
	struct nc_timings timings;
	uint64_t t0;   /* when timed: nc_report_init's clock */
};

void nc_report_init(struct nc_report *r, bool verbose);

/* Printed only with --verbose. */
void nc_report_verbose(struct nc_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Always printed (a warning the user must see). */
void nc_report_warn(struct nc_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "[done/total] step" on a terminal; nothing in a pipe unless verbose. */
void nc_report_progress(struct nc_report *r, const char *step, size_t done, size_t total);

/* Ends the progress line, if one is shown. */
void nc_report_progress_end(struct nc_report *r);

/* nc_timings_now() with NCOMPOSE_TIMINGS, else 0 (no clock read). */
uint64_t nc_report_clock(const struct nc_report *r);

/* With NCOMPOSE_TIMINGS, adds the time since `t0` (nc_timings_now()) to
 * `step`; returns now, so consecutive steps chain. Cheap when off. */
uint64_t nc_report_time(struct nc_report *r, const char *step, uint64_t t0);

/* With NCOMPOSE_TIMINGS, prints the steps timed so far under `title` and
 * the wall clock since nc_report_init, then forgets them. */
void nc_report_timings(struct nc_report *r, const char *title);

#endif
