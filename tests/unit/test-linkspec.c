/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What `ncompose link` reads from its command line: SERVICE:IFACE, the
 * shaping options and their units, and how a shape is shown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "compose/lifecycle/linkspec.h"

static void test_target(void **state)
{
	(void)state;
	struct nc_link_target t;
	nc_err err;

	assert_int_equal(nc_link_target_parse("r1:eth1", &t, &err), 0);
	assert_string_equal(t.service, "r1");
	assert_string_equal(t.ifname, "eth1");
	assert_int_equal(nc_link_target_parse("web-1.a:e", &t, &err), 0);
	assert_string_equal(t.service, "web-1.a");
	assert_int_equal(nc_link_target_parse("r1", &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "SERVICE:IFACE"));
	assert_int_equal(nc_link_target_parse(":eth1", &t, &err), -EINVAL);
	assert_int_equal(nc_link_target_parse("r1:", &t, &err), -EINVAL);
	assert_int_equal(nc_link_target_parse("r1:eth1:x", &t, &err), -EINVAL);
	assert_int_equal(nc_link_target_parse("r1:abcdefghijklmnop", &t, &err), -EINVAL);
}

static void test_times(void **state)
{
	(void)state;
	uint32_t us;
	nc_err err;

	assert_int_equal(nc_link_parse_ms("--delay", "100", &us, &err), 0);
	assert_int_equal(us, 100000);
	assert_int_equal(nc_link_parse_ms("--delay", "0.5", &us, &err), 0);
	assert_int_equal(us, 500);
	assert_int_equal(nc_link_parse_ms("--delay", "20ms", &us, &err), 0);
	assert_int_equal(us, 20000);
	assert_int_equal(nc_link_parse_ms("--delay", "1.5s", &us, &err), 0);
	assert_int_equal(us, 1500000);
	assert_int_equal(nc_link_parse_ms("--delay", "0", &us, &err), 0);
	assert_int_equal(us, 0);
	assert_int_equal(nc_link_parse_ms("--delay", "-1", &us, &err), -EINVAL);
	assert_int_equal(nc_link_parse_ms("--delay", "soon", &us, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--delay"));
	assert_int_equal(nc_link_parse_ms("--jitter", "3600001", &us, &err), -ERANGE);
	assert_int_equal(nc_link_parse_ms("--jitter", "2h", &us, &err), -ERANGE);
}

static void test_rate_and_loss(void **state)
{
	(void)state;
	uint64_t bps;
	double pct;
	nc_err err;

	assert_int_equal(nc_link_parse_rate("10mbit", &bps, &err), 0);
	assert_int_equal(bps, 10000000);
	assert_int_equal(nc_link_parse_rate("1kibit", &bps, &err), 0);
	assert_int_equal(bps, 1024);
	assert_int_equal(nc_link_parse_rate("125kbps", &bps, &err), 0);
	assert_int_equal(bps, 1000000);
	assert_int_equal(nc_link_parse_rate("1Gbit", &bps, &err), 0);
	assert_int_equal(bps, 1000000000);
	assert_int_equal(nc_link_parse_rate("fast", &bps, &err), -EINVAL);
	assert_int_equal(nc_link_parse_rate("0", &bps, &err), -EINVAL);
	assert_int_equal(nc_link_parse_loss("1", &pct, &err), 0);
	assert_true(pct == 1.0);
	assert_int_equal(nc_link_parse_loss("0.5%", &pct, &err), 0);
	assert_true(pct == 0.5);
	assert_int_equal(nc_link_parse_loss("101", &pct, &err), -EINVAL);
}

static void test_shape_str(void **state)
{
	(void)state;
	char buf[128];
	struct netd_shape s = { 0 };

	nc_link_shape_str(&s, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	assert_false(nc_link_shaped(&s));
	s = (struct netd_shape){ .rate_bps = 10000000, .delay_us = 100000, .jitter_us = 500,
				 .loss_pct = 1.0000001 };
	assert_true(nc_link_shaped(&s));
	nc_link_shape_str(&s, buf, sizeof(buf));
	assert_string_equal(buf, "rate 10mbit delay 100ms jitter 0.5ms loss 1%");
	s = (struct netd_shape){ .rate_bps = 1500 };
	nc_link_shape_str(&s, buf, sizeof(buf));
	assert_string_equal(buf, "rate 1500bit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_rate_and_loss),
		cmocka_unit_test(test_shape_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
