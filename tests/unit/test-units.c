/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Byte sizes, CPUs, durations, rates and percentages as Docker and tc
 * read them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "compose/file/units.h"

static void test_bytes(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t v;
	} ok[] = {
		{ "0", 0 },
		{ "1024", 1024 },
		{ "64m", 64LL << 20 },
		{ "64M", 64LL << 20 },
		{ "64mb", 64LL << 20 },
		{ "64MiB", 64LL << 20 },
		{ "64 m", 64LL << 20 },
		{ "1k", 1024 },
		{ "1kb", 1024 },
		{ "1KiB", 1024 },
		{ "1.5g", 3LL << 29 },
		{ "1.5G", 3LL << 29 },
		{ "0.5k", 512 },
		{ "1.0001k", 1024 }, /* truncated, as Docker's int64(float) */
		{ "10b", 10 },
		{ "2t", 2LL << 40 },
		{ "3p", 3LL << 50 },
		{ "8191p", 8191LL << 50 },
		{ "9223372036854775807", INT64_MAX },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t v = -1;
		assert_int_equal(nc_parse_bytes(ok[i].s, &v), 0);
		assert_int_equal(v, ok[i].v);
	}
	static const char *const bad[] = { "", "m", "-1", "1x", "1.k", ".5k", "1  m", "1mm",
					   "1e3", " 1", "1kbb", "1.2.3m", "0x10", "10bb", "10bi",
					   "10i", "10ib", "1kib b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v;
		assert_int_equal(nc_parse_bytes(bad[i], &v), -EINVAL);
	}
	int64_t v;
	assert_int_equal(nc_parse_bytes("8192p", &v), -ERANGE);
	assert_int_equal(nc_parse_bytes("9223372036854775808", &v), -ERANGE);
	assert_int_equal(nc_parse_bytes("99999999999999999999999", &v), -ERANGE);
}

static void test_cpus(void **state)
{
	(void)state;
	double v;
	assert_int_equal(nc_parse_cpus("0.5", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(nc_parse_cpus("2", &v), 0);
	assert_true(v == 2.0);
	assert_int_equal(nc_parse_cpus(".25", &v), 0);
	assert_true(v == 0.25);
	assert_int_equal(nc_parse_cpus("0", &v), -ERANGE);
	assert_int_equal(nc_parse_cpus("0.0", &v), -ERANGE);
	assert_int_equal(nc_parse_cpus("-1", &v), -EINVAL);
	/* As Go's strconv.ParseFloat (compose-go) reads it. */
	assert_int_equal(nc_parse_cpus("+0.5", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(nc_parse_cpus("+", &v), -EINVAL);
	assert_int_equal(nc_parse_cpus("++1", &v), -EINVAL);
	assert_int_equal(nc_parse_cpus("1.5x", &v), -EINVAL);
	assert_int_equal(nc_parse_cpus("", &v), -EINVAL);
	assert_int_equal(nc_parse_cpus("1.", &v), -EINVAL);
}

static void test_duration(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t ns;
	} ok[] = {
		{ "0", 0 },
		{ "10s", 10000000000LL },
		{ "1m30s", 90000000000LL },
		{ "1h", 3600000000000LL },
		{ "1.5s", 1500000000LL },
		{ ".5s", 500000000LL },
		{ "500ms", 500000000LL },
		{ "20us", 20000LL },
		{ "20\u00b5s", 20000LL },
		{ "7ns", 7 },
		{ "1h2m3s4ms", 3723004000000LL },
		{ "0s", 0 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t v = -1;
		assert_int_equal(nc_parse_duration(ok[i].s, &v), 0);
		assert_int_equal(v, ok[i].ns);
	}
	static const char *const bad[] = { "", "10", "s", "1x", "-1s", "1s ", "1 s", "1.s.", "ms" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v;
		assert_true(nc_parse_duration(bad[i], &v) < 0);
	}
	int64_t v;
	assert_int_equal(nc_parse_duration("3000000h", &v), -ERANGE);
}

static void test_rate(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(nc_parse_rate("10mbit", &v), 0);
	assert_int_equal(v, 10000000);
	assert_int_equal(nc_parse_rate("10Mbit", &v), 0);
	assert_int_equal(v, 10000000);
	assert_int_equal(nc_parse_rate("1kibit", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(nc_parse_rate("1.5gbit", &v), 0);
	assert_int_equal(v, 1500000000ULL);
	/* tc: bps is bytes per second. */
	assert_int_equal(nc_parse_rate("1kbps", &v), 0);
	assert_int_equal(v, 8000);
	assert_int_equal(nc_parse_rate("100", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(nc_parse_rate("100 kbit", &v), 0);
	assert_int_equal(v, 100000);
	assert_int_equal(nc_parse_rate("10mb", &v), -EINVAL);
	assert_int_equal(nc_parse_rate("fast", &v), -EINVAL);
	assert_int_equal(nc_parse_rate("0bit", &v), -ERANGE);
}

static void test_percent(void **state)
{
	(void)state;
	double v;
	assert_int_equal(nc_parse_percent("1%", &v), 0);
	assert_true(v == 1.0);
	assert_int_equal(nc_parse_percent("0.5 %", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(nc_parse_percent("100", &v), 0);
	assert_true(v == 100.0);
	assert_int_equal(nc_parse_percent("0", &v), 0);
	assert_true(v == 0.0);
	assert_int_equal(nc_parse_percent("100.1%", &v), -ERANGE);
	assert_int_equal(nc_parse_percent("-1%", &v), -EINVAL);
	assert_int_equal(nc_parse_percent("5%%", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),	 cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_duration), cmocka_unit_test(test_rate),
		cmocka_unit_test(test_percent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
