/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compose/plan/naming.h"

static void test_readable_names(void **state)
{
	(void)state;
	char n[NC_IFNAME_MAX];
	nc_name_veth("lab", "r1", 0, n);
	assert_string_equal(n, "nc-lab-r1-0");
	nc_name_bridge("lab", "lan", n);
	assert_string_equal(n, "nc-lab-lan");
}

static bool is_hashed(const char *n)
{
	if (strncmp(n, "nc", 2) || strlen(n) != 14)
		return false;
	for (const char *p = n + 2; *p; p++)
		if (!strchr("0123456789abcdef", *p))
			return false;
	return true;
}

static void test_long_or_ambiguous_names_are_hashed(void **state)
{
	(void)state;
	char a[NC_IFNAME_MAX], b[NC_IFNAME_MAX];
	/* Too long for 15 characters. */
	nc_name_veth("mylab", "webserver", 3, a);
	assert_true(is_hashed(a));
	/* A '-' in a name would make "nc-a-b-c-0" ambiguous: hashed, and the
	 * two splittings differ. */
	nc_name_veth("a-b", "c", 0, a);
	nc_name_veth("a", "b-c", 0, b);
	assert_true(is_hashed(a));
	assert_true(is_hashed(b));
	assert_string_not_equal(a, b);
	nc_name_bridge("x", "default", a);
	assert_string_equal(a, "nc-x-default");
	nc_name_bridge("mylab", "default", a);
	assert_true(is_hashed(a));
	/* The same inputs give the same name (deterministic). */
	nc_name_bridge("mylab", "default", b);
	assert_string_equal(a, b);
	/* Kinds never collide: a bridge and a veth of equal parts differ. */
	nc_name_bridge("lab", "r1-0", a);
	nc_name_veth("lab", "r1", 0, b);
	assert_string_not_equal(a, b);
}

static void test_every_name_fits(void **state)
{
	(void)state;
	char n[NC_IFNAME_MAX];
	const char *names[] = { "a", "abcdefghijklmnopqrstuvwxyz", "x.y", "r_1", "1" };
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 5; j++) {
			nc_name_veth(names[i], names[j], 99, n);
			assert_true(strlen(n) <= 15);
			assert_true(nc_ifname_valid(n));
			nc_name_bridge(names[i], names[j], n);
			assert_true(strlen(n) <= 15);
			assert_true(nc_ifname_valid(n));
		}
}

static void test_labels_and_paths(void **state)
{
	(void)state;
	char b[256];
	assert_int_equal(nc_label_prefix("lab", b, sizeof(b)), 0);
	assert_string_equal(b, "ncompose:lab/");
	nc_label_iface("lab", "r1", "eth0", b, sizeof(b));
	assert_string_equal(b, "ncompose:lab/service/r1/eth0");
	nc_label_network("lab", "lan", b, sizeof(b));
	assert_string_equal(b, "ncompose:lab/network/lan");
	assert_int_equal(nc_name_netns("lab", "r1", b, sizeof(b), NULL), 0);
	assert_string_equal(b, "lab-r1");
	assert_int_equal(nc_name_cgroup("lab", "r1", b, sizeof(b), NULL), 0);
	assert_string_equal(b, "ncompose/lab/r1");
	nc_name_table("lab", b, sizeof(b));
	assert_string_equal(b, "nc_lab");
	char small[8];
	nc_err e;
	assert_true(nc_name_netns("project", "service", small, sizeof(small), &e) < 0);
}

static void test_project_names(void **state)
{
	(void)state;
	char b[64];
	assert_true(nc_project_name_valid("lab-1_x"));
	assert_false(nc_project_name_valid("Lab"));
	assert_false(nc_project_name_valid("-lab"));
	assert_false(nc_project_name_valid(""));
	assert_false(nc_project_name_valid("a/b"));
	assert_true(nc_project_name_normalise("My.Lab-1", b, sizeof(b)));
	assert_string_equal(b, "mylab-1");
	assert_false(nc_project_name_normalise("...", b, sizeof(b)));
}

static void test_mac_and_group(void **state)
{
	(void)state;
	uint8_t m1[6], m2[6];
	nc_mac_for("lab", "r1", "eth0", m1);
	nc_mac_for("lab", "r1", "eth0", m2);
	assert_memory_equal(m1, m2, 6);
	assert_int_equal(m1[0] & 1, 0); /* unicast */
	assert_int_equal(m1[0] & 2, 2); /* locally administered */
	nc_mac_for("lab", "r1", "eth1", m2);
	assert_memory_not_equal(m1, m2, 6);
	assert_true(nc_link_group("lab", 0) >= 0x40000000u);
	assert_true(nc_link_group("lab", 0) < 0x80000000u);
	assert_int_not_equal(nc_link_group("lab", 0), nc_link_group("lab", 1));
	assert_int_not_equal(nc_link_group("lab", 0), nc_link_group("lab2", 0));
}

static void test_ifname_valid(void **state)
{
	(void)state;
	assert_true(nc_ifname_valid("r0-eth1"));
	assert_true(nc_ifname_valid("exactly15chars_"));
	assert_false(nc_ifname_valid("sixteen_chars___"));
	assert_false(nc_ifname_valid(""));
	assert_false(nc_ifname_valid("."));
	assert_false(nc_ifname_valid(".."));
	assert_false(nc_ifname_valid("a/b"));
	assert_false(nc_ifname_valid("a:b"));
	assert_false(nc_ifname_valid("a b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readable_names),
		cmocka_unit_test(test_long_or_ambiguous_names_are_hashed),
		cmocka_unit_test(test_every_name_fits),
		cmocka_unit_test(test_labels_and_paths),
		cmocka_unit_test(test_project_names),
		cmocka_unit_test(test_mac_and_group),
		cmocka_unit_test(test_ifname_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
