/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The log record format: stamps computed without the C library's time
 * functions, checked against gmtime_r() over a wide range. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/logfmt.h"

static void check_stamp(time_t t, long ns, const char *want)
{
	char buf[RT_LOG_STAMP_LEN + 1];
	struct timespec ts = { .tv_sec = t, .tv_nsec = ns };

	rt_log_stamp(buf, &ts);
	assert_string_equal(buf, want);
	assert_int_equal(strlen(buf), RT_LOG_STAMP_LEN);
}

static void test_stamp_known(void **state)
{
	(void)state;
	check_stamp(0, 0, "1970-01-01T00:00:00.000000000Z");
	check_stamp(951782400, 5, "2000-02-29T00:00:00.000000005Z");
	check_stamp(951868799, 999999999, "2000-02-29T23:59:59.999999999Z");
	check_stamp(4107542400, 0, "2100-03-01T00:00:00.000000000Z"); /* 2100 is not leap */
	check_stamp(1795335000, 123456789, "2026-11-22T08:10:00.123456789Z");
	check_stamp(-1, 0, "1969-12-31T23:59:59.000000000Z");
}

static void test_stamp_matches_gmtime(void **state)
{
	(void)state;
	/* Every ~11 days from 1900 to 2400: month ends, leap days, centuries. */
	for (int64_t t = -2208988800LL; t < 13569465600LL; t += 977777) {
		time_t tt = (time_t)t;
		struct tm tm;
		char want[64], buf[RT_LOG_STAMP_LEN + 1];
		struct timespec ts = { .tv_sec = tt, .tv_nsec = 42 };

		gmtime_r(&tt, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.000000042Z", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		rt_log_stamp(buf, &ts);
		assert_string_equal(buf, want);
	}
}

static void test_record_roundtrip(void **state)
{
	(void)state;
	static char buf[RT_LOG_RECORD_MAX];
	struct timespec ts = { .tv_sec = 1795335000, .tv_nsec = 1 };
	struct rt_log_entry e;

	size_t n = rt_log_record(buf, &ts, RT_LOG_ERR, "oops: disk", 10);
	assert_int_equal(n, RT_LOG_STAMP_LEN + 5 + 10 + 1);
	assert_memory_equal(buf, "2026-11-22T08:10:00.000000001Z err oops: disk\n", n);
	assert_true(rt_log_parse(buf, n - 1, &e));
	assert_int_equal(e.stream, RT_LOG_ERR);
	assert_ptr_equal(e.stamp, buf);
	assert_int_equal(e.text_len, 10);
	assert_memory_equal(e.text, "oops: disk", 10);

	n = rt_log_record(buf, &ts, RT_LOG_OUT, "", 0);
	assert_true(rt_log_parse(buf, n - 1, &e));
	assert_int_equal(e.stream, RT_LOG_OUT);
	assert_int_equal(e.text_len, 0);
}

static void test_record_cut(void **state)
{
	(void)state;
	static char buf[RT_LOG_RECORD_MAX];
	static char text[RT_LOG_LINE_MAX + 100];
	struct timespec ts = { 0 };

	memset(text, 'x', sizeof(text));
	size_t n = rt_log_record(buf, &ts, RT_LOG_OUT, text, sizeof(text));
	assert_int_equal(n, RT_LOG_RECORD_MAX);
	assert_int_equal(buf[n - 1], '\n');
}

static void test_parse_foreign(void **state)
{
	(void)state;
	struct rt_log_entry e;
	const char *plain = "hello world, no stamp here at all";
	const char *almost = "2026-11-22T08:10:00.000000001Z dbg not a stream";
	const char *badstamp = "2026-11-22 08:10:00.000000001Z out text";

	assert_false(rt_log_parse(plain, strlen(plain), &e));
	assert_null(e.stamp);
	assert_ptr_equal(e.text, plain);
	assert_int_equal(e.text_len, strlen(plain));
	assert_false(rt_log_parse(almost, strlen(almost), &e));
	assert_ptr_equal(e.text, almost);
	assert_false(rt_log_parse(badstamp, strlen(badstamp), &e));
	assert_false(rt_log_parse("", 0, &e));
}

static int tmpfile_with(const char *text)
{
	char path[] = "/tmp/nc-logrot-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

static void content_is(int fd, const char *want)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_rotate(void **state)
{
	(void)state;
	char buf[3]; /* tiny: the by-hand copy path loops too */
	int cur = tmpfile_with("new\n");
	int old[2] = { tmpfile_with("mid\n"), tmpfile_with("oldest\n") };
	rt_log_rotate(cur, old, 2, buf, sizeof(buf));
	content_is(cur, "");
	content_is(old[0], "new\n");
	content_is(old[1], "mid\n"); /* "oldest" dropped: the bound holds */
	/* One file only: truncated. */
	assert_int_equal(write(cur, "x\n", 2), 2);
	rt_log_rotate(cur, NULL, 0, buf, sizeof(buf));
	content_is(cur, "");
	close(cur);
	close(old[0]);
	close(old[1]);
	char p[64];
	assert_true(rt_log_rotated_path(p, sizeof(p), "/r/log", 0));
	assert_string_equal(p, "/r/log");
	assert_true(rt_log_rotated_path(p, sizeof(p), "/r/log", 2));
	assert_string_equal(p, "/r/log.2");
	assert_false(rt_log_rotated_path(p, 4, "/r/log", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_stamp_known),
		cmocka_unit_test(test_stamp_matches_gmtime),
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_cut),
		cmocka_unit_test(test_parse_foreign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
