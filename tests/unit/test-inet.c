/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/inet.h"

static struct nc_prefix P(const char *s)
{
	struct nc_prefix p;
	assert_int_equal(nc_prefix_parse(s, false, &p), 0);
	return p;
}

static struct nc_ip I(const char *s)
{
	struct nc_ip ip;
	assert_int_equal(nc_ip_parse(s, &ip), 0);
	return ip;
}

static void test_parse_and_format(void **state)
{
	(void)state;
	char buf[NC_PREFIX_STRLEN];
	struct nc_prefix p = P("10.1.2.0/24");
	assert_string_equal(nc_prefix_str(&p, buf), "10.1.2.0/24");
	p = P("fd00:12::/64");
	assert_string_equal(nc_prefix_str(&p, buf), "fd00:12::/64");

	struct nc_prefix bad;
	assert_int_equal(nc_prefix_parse("10.0.0.0/33", false, &bad), -EINVAL);
	assert_int_equal(nc_prefix_parse("10.0.0.0/", false, &bad), -EINVAL);
	assert_int_equal(nc_prefix_parse("10.0.0.0/08", false, &bad), -EINVAL);
	assert_int_equal(nc_prefix_parse("10.0.0/8", false, &bad), -EINVAL);
	assert_int_equal(nc_prefix_parse("10.0.0.1", false, &bad), -EINVAL);
	assert_int_equal(nc_prefix_parse("10.0.0.1", true, &bad), 0);
	assert_int_equal(bad.len, 32);
	assert_int_equal(nc_prefix_parse("fd00::/129", false, &bad), -EINVAL);
}

static void test_contains_overlaps(void **state)
{
	(void)state;
	struct nc_prefix a = P("10.0.0.0/16"), b = P("10.0.5.0/24"), c = P("10.1.0.0/24");
	struct nc_ip x = I("10.0.200.1"), y = I("10.1.0.1"), v6 = I("fd00::1");
	assert_true(nc_prefix_contains(&a, &x));
	assert_false(nc_prefix_contains(&a, &y));
	assert_false(nc_prefix_contains(&a, &v6));
	assert_true(nc_prefix_overlaps(&a, &b));
	assert_true(nc_prefix_overlaps(&b, &a));
	assert_false(nc_prefix_overlaps(&a, &c));
	struct nc_prefix odd = P("10.0.0.0/23");
	struct nc_ip edge = I("10.0.1.255"), out = I("10.0.2.0");
	assert_true(nc_prefix_contains(&odd, &edge));
	assert_false(nc_prefix_contains(&odd, &out));
}

static void test_nth_index(void **state)
{
	(void)state;
	char buf[NC_IP_STRLEN];
	struct nc_prefix s = P("192.168.7.0/24");
	struct nc_ip ip;
	assert_int_equal(nc_prefix_nth(&s, 2, &ip), 0);
	assert_string_equal(nc_ip_str(&ip, buf), "192.168.7.2");
	assert_int_equal(nc_prefix_index(&s, &ip), 2);
	assert_int_equal(nc_prefix_nth(&s, 256, &ip), -ERANGE);
	assert_true(nc_prefix_is_broadcast(&s, &(struct nc_ip){ 0 }) == false);
	ip = I("192.168.7.255");
	assert_true(nc_prefix_is_broadcast(&s, &ip));

	struct nc_prefix s2 = P("10.0.0.0/23");
	assert_int_equal(nc_prefix_nth(&s2, 300, &ip), 0);
	assert_string_equal(nc_ip_str(&ip, buf), "10.0.1.44");
	assert_int_equal(nc_prefix_index(&s2, &ip), 300);

	struct nc_prefix s6 = P("fd00:1::/64");
	assert_int_equal(nc_prefix_nth(&s6, 0x10001, &ip), 0);
	assert_string_equal(nc_ip_str(&ip, buf), "fd00:1::1:1");
	assert_int_equal(nc_prefix_index(&s6, &ip), 0x10001);

	struct nc_prefix s48 = P("fd00:1::/48");
	ip = I("fd00:1:0:1::5");
	assert_int_equal(nc_prefix_index(&s48, &ip), UINT64_MAX);
	assert_int_equal(nc_prefix_size(&s48), UINT64_MAX);
}

static void test_network(void **state)
{
	(void)state;
	char buf[NC_PREFIX_STRLEN];
	struct nc_prefix p = P("10.9.8.7/20");
	assert_false(nc_prefix_is_network(&p));
	struct nc_prefix n = nc_prefix_network(&p);
	assert_string_equal(nc_prefix_str(&n, buf), "10.9.0.0/20");
	assert_true(nc_prefix_is_network(&n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_contains_overlaps),
		cmocka_unit_test(test_nth_index),
		cmocka_unit_test(test_network),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
