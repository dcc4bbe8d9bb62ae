/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container log's record format, written by the init (runtime) and read
 * by `ncompose logs` (compose):
 *
 *     2026-11-23T08:30:00.123456789Z out hello world
 *     2026-11-23T08:30:00.200000000Z err warning: ...
 *
 * One record per line of the workload's output: a UTC RFC 3339 timestamp
 * with nanoseconds (what `docker logs -t` prints), the stream, one space,
 * the text. A line longer than RT_LOG_LINE_MAX is split into several
 * records; a line still without its newline after a short pause is written
 * as a record of its own, so a prompt shows up in `logs -f`.
 *
 * The writer side runs in the init, after clone() of a possibly
 * multi-threaded caller: no allocation, no locale, no time zone files
 * (child-util.h), so the date is computed here, not with strftime().
 */
#ifndef NC_RUNTIME_LOGFMT_H
#define NC_RUNTIME_LOGFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum rt_log_stream { RT_LOG_OUT, RT_LOG_ERR };

#define RT_LOG_LINE_MAX 16384
#define RT_LOG_STAMP_LEN 30 /* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" */
/* Stamp, space, stream, space, text, newline. */
#define RT_LOG_RECORD_MAX (RT_LOG_STAMP_LEN + 5 + RT_LOG_LINE_MAX + 1)

/* Writes the stamp of `ts` (UTC) into buf (>= RT_LOG_STAMP_LEN + 1 bytes,
 * NUL-terminated). Years 0..9999 only: later ones are clamped. */
void rt_log_stamp(char *buf, const struct timespec *ts);

/* Formats one record into buf (>= RT_LOG_RECORD_MAX bytes); text longer
 * than RT_LOG_LINE_MAX is cut. Returns the record's length, newline
 * included, no NUL. */
size_t rt_log_record(char *buf, const struct timespec *ts, enum rt_log_stream stream,
		     const char *text, size_t n);

/* A record parsed in place: pointers into `line` (which holds no newline). */
struct rt_log_entry {
	const char *stamp; /* RT_LOG_STAMP_LEN chars, or NULL */
	enum rt_log_stream stream;
	const char *text;
	size_t text_len;
};

/* Splits a line of a log file. A line not in the record format (a log
 * written by an older ncompose) is all text, with no stamp; returns false
 * then. */
bool rt_log_parse(const char *line, size_t n, struct rt_log_entry *e);

#endif
