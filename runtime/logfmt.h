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

/* Rotation. The log is a set of files: `log` (written), then `log.1`
 * (older) ... `log.N-1` (oldest), at most RT_LOG_MAX_FILES in all. The
 * init, which lives in the container's mount namespace and must hold no
 * directory of the host, rotates through descriptors it was given: the
 * contents move one file down (log.N-2 into log.N-1, ..., log into log.1)
 * and `log` is truncated. A reader that finds `log` shorter than where it
 * was finds the rest in `log.1`. */
#define RT_LOG_MAX_FILES 16

/* `log` for i == 0, else `log.i`; false when it does not fit. */
bool rt_log_rotated_path(char *buf, size_t size, const char *log, unsigned i);

/* cur: the written file (readable); old[0..n_old): log.1 ... log.n_old,
 * readable and writable. Child-safe: `buf` is the only memory used. A
 * failing copy loses older records, never the container. */
void rt_log_rotate(int cur, const int *old, unsigned n_old, char *buf, size_t len);

#endif
