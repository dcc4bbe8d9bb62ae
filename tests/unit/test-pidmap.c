/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor's pid map: what is put is found, replaced and removed,
 * and removal keeps every other pid of a crowded table reachable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "compose/lifecycle/pidmap.h"

static void test_put_get(void **state)
{
	(void)state;
	struct nc_pidmap m = NC_PIDMAP_INIT;
	size_t v;

	assert_false(nc_pidmap_get(&m, 42, &v));
	assert_int_equal(nc_pidmap_put(&m, 42, 7), 0);
	assert_true(nc_pidmap_get(&m, 42, &v));
	assert_int_equal(v, 7);
	assert_int_equal(nc_pidmap_put(&m, 42, 9), 0); /* a reused pid: replaced */
	assert_true(nc_pidmap_get(&m, 42, &v));
	assert_int_equal(v, 9);
	assert_int_equal(m.n, 1);
	assert_int_equal(nc_pidmap_put(&m, 0, 1), -EINVAL);
	assert_false(nc_pidmap_get(&m, 0, &v));
	nc_pidmap_del(&m, 43); /* not there: nothing */
	nc_pidmap_del(&m, 42);
	assert_false(nc_pidmap_get(&m, 42, &v));
	assert_int_equal(m.n, 0);
	nc_pidmap_free(&m);
}

/* 5000 pids scattered over the range (distinct: 48271 is invertible modulo
 * the prime 2^31 - 1), so that many share a run; then every other one
 * removed in a scrambled order: the rest are all still there with their
 * values (a removal that broke a run would lose some). */
static pid_t pid_of(size_t i)
{
	return (pid_t)(1 + (uint64_t)(i + 1) * 48271 % 2147483647u % 2147483646u);
}

static void test_many(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct nc_pidmap m = NC_PIDMAP_INIT;
	size_t v;

	for (size_t i = 0; i < N; i++)
		assert_int_equal(nc_pidmap_put(&m, pid_of(i), i), 0);
	assert_int_equal(m.n, N);
	for (size_t k = 0; k < N; k++) {
		size_t i = (k * 7919) % N; /* every index once: 7919 is prime to N */
		if (i % 2)
			nc_pidmap_del(&m, pid_of(i));
	}
	assert_int_equal(m.n, N / 2);
	for (size_t i = 0; i < N; i++) {
		bool there = nc_pidmap_get(&m, pid_of(i), &v);
		assert_int_equal(there, i % 2 == 0);
		if (there)
			assert_int_equal(v, i);
	}
	nc_pidmap_clear(&m);
	assert_int_equal(m.n, 0);
	assert_false(nc_pidmap_get(&m, pid_of(0), &v));
	assert_int_equal(nc_pidmap_put(&m, pid_of(0), 3), 0);
	assert_true(nc_pidmap_get(&m, pid_of(0), &v));
	nc_pidmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
