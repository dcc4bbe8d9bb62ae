/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/logfmt.h"

#include <unistd.h>

#include <stdio.h>

#include <errno.h>

#include <stdint.h>
#include <string.h>

/* Days since 1970-01-01 to a proleptic Gregorian date, by eras of 400
 * years (146097 days) so every step is integer arithmetic (the algorithm
 * published by H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *put_num(char *p, uint64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void rt_log_stamp(char *buf, const struct timespec *ts)
{
	int64_t secs = ts->tv_sec, days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;

	char *p = buf;
	p = put_num(p, (uint64_t)y, 4);
	*p++ = '-';
	p = put_num(p, m, 2);
	*p++ = '-';
	p = put_num(p, d, 2);
	*p++ = 'T';
	p = put_num(p, (uint64_t)rem / 3600, 2);
	*p++ = ':';
	p = put_num(p, (uint64_t)rem / 60 % 60, 2);
	*p++ = ':';
	p = put_num(p, (uint64_t)rem % 60, 2);
	*p++ = '.';
	p = put_num(p, (uint64_t)ts->tv_nsec % 1000000000u, 9);
	*p++ = 'Z';
	*p = '\0';
}

size_t rt_log_record(char *buf, const struct timespec *ts, enum rt_log_stream stream,
		     const char *text, size_t n)
{
	if (n > RT_LOG_LINE_MAX)
		n = RT_LOG_LINE_MAX;
	rt_log_stamp(buf, ts);
	char *p = buf + RT_LOG_STAMP_LEN;
	memcpy(p, stream == RT_LOG_ERR ? " err " : " out ", 5);
	p += 5;
	memcpy(p, text, n);
	p += n;
	*p++ = '\n';
	return (size_t)(p - buf);
}

static bool is_stamp(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";

	for (size_t i = 0; i < RT_LOG_STAMP_LEN; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	}
	return true;
}

bool rt_log_parse(const char *line, size_t n, struct rt_log_entry *e)
{
	const size_t head = RT_LOG_STAMP_LEN + 5;

	e->stamp = NULL;
	e->stream = RT_LOG_OUT;
	e->text = line;
	e->text_len = n;
	if (n < head || !is_stamp(line))
		return false;
	const char *s = line + RT_LOG_STAMP_LEN;
	if (memcmp(s, " out ", 5) && memcmp(s, " err ", 5))
		return false;
	e->stamp = line;
	e->stream = s[1] == 'e' ? RT_LOG_ERR : RT_LOG_OUT;
	e->text = line + head;
	e->text_len = n - head;
	return true;
}

bool rt_log_rotated_path(char *buf, size_t size, const char *log, unsigned i)
{
	int n = i ? snprintf(buf, size, "%s.%u", log, i) : snprintf(buf, size, "%s", log);
	return n >= 0 && (size_t)n < size;
}

/* `to` becomes a copy of `from`. */
static void copy_whole(int from, int to, char *buf, size_t len)
{
	off_t in = 0, out = 0;

	if (ftruncate(to, 0) < 0)
		return;
	for (;;) {
		ssize_t n = copy_file_range(from, &in, to, &out, 1 << 30, 0);
		if (n == 0)
			return;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		break; /* not supported here: by hand, from where it stopped */
	}
	for (;;) {
		ssize_t n = pread(from, buf, len, in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (ssize_t w = 0; w < n;) {
			ssize_t m = pwrite(to, buf + w, (size_t)(n - w), out);
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0)
				return;
			w += m;
			out += m;
		}
		in += n;
	}
}

void rt_log_rotate(int cur, const int *old, unsigned n_old, char *buf, size_t len)
{
	for (unsigned i = n_old; i-- > 1;)
		copy_whole(old[i - 1], old[i], buf, len);
	if (n_old)
		copy_whole(cur, old[0], buf, len);
	(void)ftruncate(cur, 0);
}
