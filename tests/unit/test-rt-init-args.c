/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The init program's command line: what the child formats is what the
 * init parses back, and nothing else parses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "runtime/init-args.h"

static int count(char **argv)
{
	int n = 0;
	while (argv[n])
		n++;
	return n;
}

static void test_round_trip(void **state)
{
	(void)state;
	int old[] = { 11, 12, 13 };
	struct rt_init_io io = { 5, 6, 7, old, 3, 10485760 };
	char buf[256], *argv[RT_INIT_ARGC_MAX + 1];
	struct rt_init_args a;

	assert_int_equal(rt_init_args_format(4321, &io, buf, sizeof(buf), argv), 0);
	assert_string_equal(argv[0], "ncompose-init");
	assert_int_equal(rt_init_args_parse(count(argv), argv, &a), 0);
	assert_int_equal(a.workload, 4321);
	assert_int_equal(a.io.out_fd, 5);
	assert_int_equal(a.io.err_fd, 6);
	assert_int_equal(a.io.log_fd, 7);
	assert_int_equal(a.io.max_size, 10485760);
	assert_int_equal(a.io.n_old, 3);
	assert_ptr_equal(a.io.old_fds, a.old);
	assert_memory_equal(a.old, old, sizeof(old));
}

/* No workload and no log: the -1s and the 0 come back as such. */
static void test_round_trip_nothing(void **state)
{
	(void)state;
	struct rt_init_io io = { -1, -1, -1, NULL, 0, 0 };
	char buf[256], *argv[RT_INIT_ARGC_MAX + 1];
	struct rt_init_args a;

	assert_int_equal(rt_init_args_format(0, &io, buf, sizeof(buf), argv), 0);
	assert_int_equal(count(argv), 6);
	assert_int_equal(rt_init_args_parse(count(argv), argv, &a), 0);
	assert_int_equal(a.workload, 0);
	assert_int_equal(a.io.out_fd, -1);
	assert_int_equal(a.io.log_fd, -1);
	assert_int_equal(a.io.n_old, 0);
}

static void test_format_refuses_small_buffer(void **state)
{
	(void)state;
	struct rt_init_io io = { 5, 6, 7, NULL, 0, 123456789 };
	char buf[12], *argv[RT_INIT_ARGC_MAX + 1];

	assert_int_equal(rt_init_args_format(4321, &io, buf, sizeof(buf), argv), -1);
}

static void test_parse_refuses(void **state)
{
	(void)state;
	struct rt_init_args a;
	char *few[] = { "ncompose-init", "1", "2", "3", "4", NULL };
	char *junk[] = { "ncompose-init", "1", "2x", "3", "4", "0", NULL };
	char *negative_pid[] = { "ncompose-init", "-5", "2", "3", "4", "0", NULL };
	char *bad_fd[] = { "ncompose-init", "5", "-2", "3", "4", "0", NULL };
	char *empty[] = { "ncompose-init", "5", "", "3", "4", "0", NULL };
	char *bad_old[] = { "ncompose-init", "5", "1", "3", "4", "0", "-1", NULL };
	char *huge[] = { "ncompose-init", "99999999999", "1", "3", "4", "0", NULL };
	char *many[RT_INIT_ARGC_MAX + 2];

	assert_int_equal(rt_init_args_parse(5, few, &a), -1);
	assert_int_equal(rt_init_args_parse(6, junk, &a), -1);
	assert_int_equal(rt_init_args_parse(6, negative_pid, &a), -1);
	assert_int_equal(rt_init_args_parse(6, bad_fd, &a), -1);
	assert_int_equal(rt_init_args_parse(6, empty, &a), -1);
	assert_int_equal(rt_init_args_parse(7, bad_old, &a), -1);
	assert_int_equal(rt_init_args_parse(6, huge, &a), -1);
	many[0] = "ncompose-init";
	for (int i = 1; i <= RT_INIT_ARGC_MAX; i++)
		many[i] = "3";
	many[RT_INIT_ARGC_MAX + 1] = NULL;
	assert_int_equal(rt_init_args_parse(RT_INIT_ARGC_MAX + 1, many, &a), -1);
	/* The most there may be is still good. */
	assert_int_equal(rt_init_args_parse(RT_INIT_ARGC_MAX, many, &a), 0);
	assert_int_equal(a.io.n_old, RT_LOG_MAX_FILES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_nothing),
		cmocka_unit_test(test_format_refuses_small_buffer),
		cmocka_unit_test(test_parse_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
