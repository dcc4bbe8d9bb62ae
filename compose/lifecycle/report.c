/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

void nc_report_init(struct nc_report *r, bool verbose)
{
	r->out = stderr;
	r->verbose = verbose;
	r->tty = isatty(STDERR_FILENO) && !verbose;
	r->progress_shown = false;
	const char *t = getenv("NCOMPOSE_TIMINGS");
	r->timed = t && *t && strcmp(t, "0");
	r->timings = (struct nc_timings){ 0 };
	r->t0 = r->timed ? nc_timings_now() : 0;
	pthread_mutex_init(&r->lock, NULL);
}

static void end_locked(struct nc_report *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", r->out);
		fflush(r->out);
		r->progress_shown = false;
	}
}

static void vprint(struct nc_report *r, const char *prefix, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&r->lock);
	end_locked(r);
	fputs(prefix, r->out);
	vfprintf(r->out, fmt, ap);
	fputc('\n', r->out);
	pthread_mutex_unlock(&r->lock);
}

void nc_report_verbose(struct nc_report *r, const char *fmt, ...)
{
	va_list ap;

	if (!r || !r->verbose)
		return;
	va_start(ap, fmt);
	vprint(r, "", fmt, ap);
	va_end(ap);
}

void nc_report_warn(struct nc_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(r, "warning: ", fmt, ap);
	va_end(ap);
}

void nc_report_progress(struct nc_report *r, const char *step, size_t done, size_t total)
{
	if (!r || !r->tty)
		return;
	pthread_mutex_lock(&r->lock);
	fprintf(r->out, "\r\033[K[%zu/%zu] %s", done, total, step);
	fflush(r->out);
	r->progress_shown = true;
	pthread_mutex_unlock(&r->lock);
}

void nc_report_progress_end(struct nc_report *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	end_locked(r);
	pthread_mutex_unlock(&r->lock);
}

uint64_t nc_report_clock(const struct nc_report *r)
{
	return r && r->timed ? nc_timings_now() : 0;
}

uint64_t nc_report_time(struct nc_report *r, const char *step, uint64_t t0)
{
	if (!r || !r->timed)
		return 0;
	uint64_t now = nc_timings_now();
	pthread_mutex_lock(&r->lock);
	nc_timings_add(&r->timings, step, now - t0);
	pthread_mutex_unlock(&r->lock);
	return now;
}

void nc_report_timings(struct nc_report *r, const char *title)
{
	_cleanup_strbuf_ struct nc_strbuf out = NC_STRBUF_INIT;

	if (!r || !r->timed)
		return;
	uint64_t now = nc_timings_now();
	pthread_mutex_lock(&r->lock);
	nc_timings_format(&r->timings, title, now - r->t0, &out);
	r->timings = (struct nc_timings){ 0 };
	end_locked(r);
	fputs(nc_strbuf_str(&out), r->out);
	fflush(r->out);
	pthread_mutex_unlock(&r->lock);
}
