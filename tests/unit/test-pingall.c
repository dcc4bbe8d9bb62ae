/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "compose/lab/pingall.h"

static void test_pairs_prefer_a_shared_network(void **state)
{
	(void)state;
	struct nc_info_iface r[] = { { "eth0", "a", "10.1.0.1/24", "fd01::1/64" },
				     { "eth1", "b", "10.2.0.1/24", "-" } };
	struct nc_info_iface x[] = { { "eth0", "b", "10.2.0.2/24", "-" } };
	struct nc_info_iface y[] = { { "eth0", "c", "10.3.0.2/24", "fd03::2/64" } };
	struct nc_container_info c[3] = { 0 };
	c[0].service = "r", c[0].ifaces = r, c[0].n_ifaces = 2;
	c[1].service = "x", c[1].ifaces = x, c[1].n_ifaces = 1;
	c[2].service = "y", c[2].ifaces = y, c[2].n_ifaces = 1;

	struct nc_ping_pair *p;
	size_t n;
	nc_err err;
	assert_int_equal(nc_pingall_pairs(c, 3, &p, &n, &err), 0);
	char ip[NC_IP_STRLEN];
	bool seen_x_to_r = false, seen_r_to_y6 = false;
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(p[i].from, p[i].to);
		if (p[i].from == 1 && p[i].to == 0) {
			/* x reaches r on network b, not on r's first address. */
			assert_int_equal(p[i].family, AF_INET);
			assert_string_equal(nc_ip_str(&p[i].dst, ip), "10.2.0.1");
			assert_true(p[i].shared);
			seen_x_to_r = true;
		}
		if (p[i].from == 0 && p[i].to == 2 && p[i].family == AF_INET6) {
			/* r and y share nothing: y's first address, not expected. */
			assert_string_equal(nc_ip_str(&p[i].dst, ip), "fd03::2");
			assert_false(p[i].shared);
			seen_r_to_y6 = true;
		}
		/* x has no IPv6: it sends no IPv6 probe. */
		assert_false(p[i].from == 1 && p[i].family == AF_INET6);
	}
	assert_true(seen_x_to_r);
	assert_true(seen_r_to_y6);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_prefer_a_shared_network),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
