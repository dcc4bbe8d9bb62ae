/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysctl keys: dotted or slashed, always inside /proc/sys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "netd/netd-internal.h"

static void test_dotted_keys(void **state)
{
	(void)state;
	char p[256];

	assert_int_equal(netd_sysctl_path("net.ipv4.ip_forward", p, sizeof(p)), 0);
	assert_string_equal(p, "/proc/sys/net/ipv4/ip_forward");
	assert_int_equal(netd_sysctl_path("net.ipv6.conf.all.disable_ipv6", p, sizeof(p)), 0);
	assert_string_equal(p, "/proc/sys/net/ipv6/conf/all/disable_ipv6");
}

static void test_slashed_keys(void **state)
{
	(void)state;
	char p[256];

	/* sysctl(8)'s rule: with a '/' the key is a path, so an interface
	 * name with a dot (a VLAN) keeps it. */
	assert_int_equal(netd_sysctl_path("net/ipv4/conf/eth0.10/forwarding", p, sizeof(p)), 0);
	assert_string_equal(p, "/proc/sys/net/ipv4/conf/eth0.10/forwarding");
	assert_int_equal(netd_sysctl_path("net/ipv4/ip_forward", p, sizeof(p)), 0);
	assert_string_equal(p, "/proc/sys/net/ipv4/ip_forward");
}

static void test_keys_that_would_leave_proc_sys(void **state)
{
	(void)state;
	char p[256];

	assert_int_equal(netd_sysctl_path("net/../kernel/hostname", p, sizeof(p)), -EINVAL);
	assert_int_equal(netd_sysctl_path("net/./ipv4", p, sizeof(p)), -EINVAL);
	assert_int_equal(netd_sysctl_path("/net/ipv4", p, sizeof(p)), -EINVAL);
	assert_int_equal(netd_sysctl_path("net//ipv4", p, sizeof(p)), -EINVAL);
	assert_int_equal(netd_sysctl_path("net..ipv4", p, sizeof(p)), -EINVAL);
	assert_int_equal(netd_sysctl_path("net.ipv4.", p, sizeof(p)), -EINVAL);
	assert_int_equal(netd_sysctl_path(".net", p, sizeof(p)), -EINVAL);
	assert_int_equal(netd_sysctl_path("", p, sizeof(p)), -EINVAL);
}

static void test_key_that_does_not_fit(void **state)
{
	(void)state;
	char small[12];

	assert_int_equal(netd_sysctl_path("net.ipv4.ip_forward", small, sizeof(small)), -EINVAL);
}

static void test_only_net_keys_in_a_namespace(void **state)
{
	(void)state;
	nc_err err;

	/* Refused before any namespace is entered: no session needed. */
	assert_int_equal(netd_ns_sysctl_set(NULL, "kernel.hostname", "x", &err), -EPERM);
	assert_non_null(strstr(err.msg, "kernel.hostname"));
	assert_int_equal(netd_ns_sysctl_set(NULL, "network.x", "1", &err), -EPERM);
	assert_int_equal(netd_ns_sysctl_set(NULL, "net/../kernel/x", "1", &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotted_keys),
		cmocka_unit_test(test_slashed_keys),
		cmocka_unit_test(test_keys_that_would_leave_proc_sys),
		cmocka_unit_test(test_key_that_does_not_fit),
		cmocka_unit_test(test_only_net_keys_in_a_namespace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
