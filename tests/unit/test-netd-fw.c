/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The nftables text of a project, against golden files in
 * tests/data/nft/ (NC_REGENERATE=1 rewrites them), and the parser of other
 * firewalls' chains. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "netd/netd-internal.h"

static struct nc_prefix P(const char *s)
{
	struct nc_prefix p;
	assert_int_equal(nc_prefix_parse(s, false, &p), 0);
	return p;
}

static void golden(const char *name, const struct netd_fw *fw)
{
	char path[512], *text = NULL, *want = NULL;
	nc_err err;

	snprintf(path, sizeof(path), "%s/nft/%s.nft", NC_TEST_DATA, name);
	int r = netd_fw_render(fw, &text, &err);
	if (r < 0)
		fail_msg("render %s: %s", name, err.msg);
	if (getenv("NC_REGENERATE")) {
		assert_int_equal(nc_write_file_atomic(path, text, strlen(text), 0644, &err), 0);
	} else {
		if (nc_read_file(path, &want, NULL, &err) < 0)
			fail_msg("%s (run with NC_REGENERATE=1 to create it)", err.msg);
		if (strcmp(text, want))
			fail_msg("%s differs from %s:\n%s", name, path, text);
	}
	free(text);
	free(want);
}

static void test_empty_project(void **state)
{
	(void)state;
	struct netd_fw fw = { .table = "nc_empty", .comment = "ncompose:empty/project" };
	golden("empty", &fw);
}

static void test_one_network(void **state)
{
	(void)state;
	const char *br[] = { "nc-lab-lan" };
	struct netd_fw_masq m[] = { { "nc-lab-lan", P("10.0.1.0/24") } };
	struct netd_fw fw = { .table = "nc_lab", .comment = "ncompose:lab/project", .bridges = br,
			      .n_bridges = 1, .masq = m, .n_masq = 1 };
	golden("one-network", &fw);
}

static void test_dual_stack_and_internal(void **state)
{
	(void)state;
	/* The internal network's bridge is in `bridges` (no NAT between the
	 * project's own bridges) but not in the NAT sets. */
	const char *br[] = { "nc-ds-a", "nc-ds-b", "nc5f3a9e2b11c0" };
	struct netd_fw_masq m[] = { { "nc-ds-a", P("10.1.0.0/24") },
				    { "nc-ds-a", P("fd00:1::/64") },
				    { "nc-ds-b", P("172.20.0.0/16") } };
	struct netd_fw fw = { .table = "nc_ds", .comment = "ncompose:ds/project", .bridges = br,
			      .n_bridges = 3, .masq = m, .n_masq = 3 };
	golden("dual-stack", &fw);
}

static struct nc_ip I(const char *s)
{
	struct nc_ip ip;
	assert_int_equal(nc_ip_parse(s, &ip), 0);
	return ip;
}

static void test_ports_and_isolation(void **state)
{
	(void)state;
	const char *br[] = { "nc-web-front", "nc-web-back" };
	const char *internal[] = { "nc-web-back" };
	struct netd_fw_masq m[] = { { "nc-web-front", P("10.5.0.0/24") },
				    { "nc-web-front", P("fd05::/64") } };
	struct netd_fw_port ports[] = {
		{ 6, { 0 }, 8080, I("10.5.0.2"), 80 },
		{ 17, { 0 }, 5353, I("10.5.0.3"), 53 },
		{ 6, I("127.0.0.1"), 2222, I("10.5.0.2"), 22 },
		{ 6, { 0 }, 8080, I("fd05::2"), 80 },
		{ 6, I("fd05::1"), 8443, I("fd05::2"), 443 },
	};
	struct netd_fw fw = { .table = "nc_web", .comment = "ncompose:web/project", .bridges = br,
			      .n_bridges = 2, .internal = internal, .n_internal = 1, .masq = m,
			      .n_masq = 2, .ports = ports, .n_ports = 5 };
	golden("ports-isolation", &fw);
}

/* Two guarded ports: one dual-stack, one without addresses (it may send
 * no IPv4 or ARP at all, and IPv6 only from its link-local address). */
static void test_anti_spoofing(void **state)
{
	(void)state;
	const char *br[] = { "nc-lab-lan" };
	struct netd_fw_guard g[] = {
		{ "nc-lab-a-0", { 0x02, 0x42, 0x0a, 0x05, 0x00, 0x02 }, I("10.5.0.2"), I("fd05::2") },
		{ "nc-lab-b-0", { 0x02, 0x42, 0x0a, 0x05, 0x00, 0x03 }, { 0 }, { 0 } },
	};
	struct netd_fw fw = { .table = "nc_guard", .comment = "ncompose:guard/project", .bridges = br,
			      .n_bridges = 1, .guards = g, .n_guards = 2 };
	golden("anti-spoofing", &fw);

	const char *bad = "nc\"x";
	struct netd_fw_guard gb = { .port = bad };
	struct netd_fw fb = { .table = "nc_lab", .guards = &gb, .n_guards = 1 };
	char *out = NULL;
	nc_err err;
	assert_int_equal(netd_fw_render(&fb, &out, &err), -EINVAL);
	assert_null(out);
}

static void test_several_networks(void **state)
{
	(void)state;
	const char *br[] = { "nc-multi-a", "nc-multi-b", "nc-multi-c" };
	struct netd_fw_masq m[] = { { "nc-multi-a", P("10.10.0.0/24") },
				    { "nc-multi-b", P("10.20.0.0/16") },
				    { "nc-multi-c", P("192.168.77.0/24") } };
	struct netd_fw fw = { .table = "nc_multi", .comment = "ncompose:multi/project",
			      .bridges = br, .n_bridges = 3, .masq = m, .n_masq = 3 };
	golden("several-networks", &fw);
}

/* Only an internal network: nothing to NAT, and its bridge is closed to
 * forwarding both ways. */
static void test_internal_only(void **state)
{
	(void)state;
	const char *br[] = { "nc-iso-back" };
	struct netd_fw fw = { .table = "nc_iso", .comment = "ncompose:iso/project", .bridges = br,
			      .n_bridges = 1, .internal = br, .n_internal = 1 };
	golden("internal-only", &fw);
}

static void test_ipv6_only(void **state)
{
	(void)state;
	const char *br[] = { "nc-six-lan" };
	struct netd_fw_masq m[] = { { "nc-six-lan", P("fd00:6::/64") } };
	struct netd_fw fw = { .table = "nc_six", .comment = "ncompose:six/project", .bridges = br,
			      .n_bridges = 1, .masq = m, .n_masq = 1 };
	golden("ipv6-only", &fw);
}

/* The set holds the network, whatever address of it the caller gave. */
static void test_subnet_normalised(void **state)
{
	(void)state;
	const char *br[] = { "nc-n-lan" };
	struct netd_fw_masq m[] = { { "nc-n-lan", P("10.9.8.1/24") } };
	struct netd_fw fw = { .table = "nc_n", .bridges = br, .n_bridges = 1, .masq = m,
			      .n_masq = 1 };
	char *text = NULL;
	nc_err err;

	assert_int_equal(netd_fw_render(&fw, &text, &err), 0);
	assert_non_null(strstr(text, "elements = { 10.9.8.0/24 }"));
	assert_null(strstr(text, "comment"));
	free(text);
}

static void refused(const struct netd_fw *fw, const char *why)
{
	char *text = NULL;
	nc_err err;

	assert_int_equal(netd_fw_render(fw, &text, &err), -EINVAL);
	assert_null(text);
	if (!strstr(err.msg, why))
		fail_msg("expected \"%s\" in \"%s\"", why, err.msg);
}

static void test_unsafe_names_refused(void **state)
{
	(void)state;
	/* Anything that could end a quoted string, escape, start a new
	 * statement, or turn a name into a wildcard. */
	const char *bad[] = { "eth0\" accept", "a b", "br*", "br\\", "br\nx", "br;x", "br{x}",
			      "", "br$x", "br@x", "br#x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *one[] = { bad[i] };
		struct netd_fw fw = { .table = "nc_x", .bridges = one, .n_bridges = 1 };
		refused(&fw, "interface name");
		struct netd_fw fw2 = { .table = "nc_x", .internal = one, .n_internal = 1 };
		refused(&fw2, "interface name");
		struct netd_fw_masq m = { bad[i], P("10.0.0.0/24") };
		struct netd_fw fw3 = { .table = "nc_x", .masq = &m, .n_masq = 1 };
		refused(&fw3, "interface name");
		struct netd_fw fw4 = { .table = "nc_x", .comment = bad[i] };
		refused(&fw4, "comment");
	}
	/* Table names cannot be quoted in nft: the identifier alphabet only. */
	const char *bad_tables[] = { "1abc", "nc x", "nc\"x", "nc.x", "nc/x", "", "_nc",
				     "nc_0123456789012345678901234567890123456789012345678901234567890123" };
	for (size_t i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++) {
		struct netd_fw fw = { .table = bad_tables[i] };
		refused(&fw, "table name");
	}
	nc_err err;
	assert_int_equal(netd_fw_delete(NULL, "nc;flush ruleset", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "table name"));
}

static void test_foreign_forward_drop(void **state)
{
	(void)state;
	char where[128];
	const char *docker = "table ip filter {\n"
			     "\tchain FORWARD {\n"
			     "\t\ttype filter hook forward priority filter; policy drop;\n"
			     "\t}\n"
			     "\tchain DOCKER-USER {\n\t}\n"
			     "}\n"
			     "table inet nc_lab {\n"
			     "\tchain forward {\n"
			     "\t\ttype filter hook forward priority filter; policy drop;\n"
			     "\t}\n"
			     "}\n";
	assert_int_equal(netd_fw_parse_forward_drop(docker, "nc_", where, sizeof(where)), 1);
	assert_string_equal(where, "table ip filter chain FORWARD");
	const char *accepting = "table inet fw {\n\tchain fwd {\n"
				"\t\ttype filter hook forward priority 0; policy accept;\n\t}\n"
				"\tchain in {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n";
	assert_int_equal(netd_fw_parse_forward_drop(accepting, "nc_", where, sizeof(where)), 0);
	assert_int_equal(netd_fw_parse_forward_drop("", "nc_", where, sizeof(where)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_project),
		cmocka_unit_test(test_one_network),
		cmocka_unit_test(test_dual_stack_and_internal),
		cmocka_unit_test(test_ports_and_isolation),
		cmocka_unit_test(test_several_networks),
		cmocka_unit_test(test_anti_spoofing),
		cmocka_unit_test(test_internal_only),
		cmocka_unit_test(test_ipv6_only),
		cmocka_unit_test(test_subnet_normalised),
		cmocka_unit_test(test_unsafe_names_refused),
		cmocka_unit_test(test_foreign_forward_drop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
