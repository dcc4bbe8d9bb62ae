/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NCOMPOSE_TIMINGS's table: steps summed by name in order of first use,
 * an overflow row, and the printed layout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "compose/lifecycle/timings.h"

static void test_add(void **state)
{
	(void)state;
	struct nc_timings t = { 0 };

	nc_timings_add(&t, "create netns", 1000000);
	nc_timings_add(&t, "create veth", 500000);
	nc_timings_add(&t, "create netns", 2000000);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0].step, "create netns");
	assert_int_equal(t.v[0].ns, 3000000);
	assert_int_equal(t.v[0].count, 2);
	assert_string_equal(t.v[1].step, "create veth");
	assert_int_equal(t.v[1].count, 1);
}

static void test_overflow(void **state)
{
	(void)state;
	static const char *names[NC_TIMINGS_MAX + 3];
	static char buf[NC_TIMINGS_MAX + 3][8];
	struct nc_timings t = { 0 };

	for (size_t i = 0; i < NC_TIMINGS_MAX + 3; i++) {
		snprintf(buf[i], sizeof(buf[i]), "s%zu", i);
		names[i] = buf[i];
		nc_timings_add(&t, names[i], 1);
	}
	assert_int_equal(t.n, NC_TIMINGS_MAX);
	assert_string_equal(t.v[NC_TIMINGS_MAX - 1].step, "other");
	assert_int_equal(t.v[NC_TIMINGS_MAX - 1].count, 4);
	assert_string_equal(t.v[NC_TIMINGS_MAX - 2].step, "s30");
}

static void test_format(void **state)
{
	(void)state;
	struct nc_timings t = { 0 };
	struct nc_strbuf out = NC_STRBUF_INIT;

	nc_timings_add(&t, "delete links", 12345678);
	nc_timings_add(&t, "remove cgroups", 250000);
	nc_timings_format(&t, "down", 20000000, &out);
	assert_string_equal(nc_strbuf_str(&out),
			    "down (ms):\n"
			    "  step                                         ms  count\n"
			    "  delete links                               12.3  1\n"
			    "  remove cgroups                              0.2  1\n"
			    "  wall clock                                 20.0  \n");
	nc_strbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
