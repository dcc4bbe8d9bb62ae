/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host checks of `up`, without the host: inet_diag answers crafted
 * here (sock_diag) read into sockets, which published port each socket
 * holds, the holder found in a fake /proc, the neighbour tables' limits
 * read from crafted RTM_NEWNEIGHTBL answers and written under a fake
 * /proc/sys, the entries a lab needs and the limits that fit it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "common/fsutil.h"
#include "compose/lifecycle/host-neigh.h"
#include "compose/lifecycle/host-ports.h"
#include "compose/plan/plan-neigh.h"

static struct nc_ip I(const char *s)
{
	struct nc_ip ip;
	assert_int_equal(nc_ip_parse(s, &ip), 0);
	return ip;
}

/* ---- inet_diag answers ------------------------------------------------ */

/* One SOCK_DIAG_BY_FAMILY answer as the kernel sends it in a dump. */
static struct nlmsghdr *diag_msg(char *buf, const char *addr, uint16_t port, uint32_t inode,
				 int v6only)
{
	struct nc_ip ip = I(addr);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	struct inet_diag_msg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->idiag_family = ip.family;
	m->idiag_state = 10; /* TCP_LISTEN */
	m->id.idiag_sport = htons(port);
	memcpy(m->id.idiag_src, ip.a, ip.family == AF_INET ? 4 : 16);
	m->idiag_inode = inode;
	m->idiag_uid = 1000;
	if (v6only >= 0)
		mnl_attr_put_u8(nlh, INET_DIAG_SKV6ONLY, (uint8_t)v6only);
	return nlh;
}

static void test_sockdiag_parse(void **state)
{
	(void)state;
	char buf[512];
	struct netd_host_socket s;

	assert_int_equal(netd_sockdiag_parse(diag_msg(buf, "0.0.0.0", 8080, 4242, -1), IPPROTO_TCP, &s), 0);
	assert_int_equal(s.proto, IPPROTO_TCP);
	assert_int_equal(s.addr.family, AF_INET);
	assert_int_equal(s.port, 8080);
	assert_int_equal(s.inode, 4242);
	assert_int_equal(s.uid, 1000);
	assert_false(s.v6only);

	assert_int_equal(netd_sockdiag_parse(diag_msg(buf, "::", 53, 7, 1), IPPROTO_UDP, &s), 0);
	assert_int_equal(s.proto, IPPROTO_UDP);
	assert_int_equal(s.addr.family, AF_INET6);
	assert_true(s.v6only);
	assert_int_equal(netd_sockdiag_parse(diag_msg(buf, "::", 53, 7, 0), IPPROTO_UDP, &s), 0);
	assert_false(s.v6only);
	assert_int_equal(netd_sockdiag_parse(diag_msg(buf, "fd00::1", 443, 9, 0), IPPROTO_TCP, &s), 0);
	assert_true(nc_ip_equal(&s.addr, &(struct nc_ip){ 0 }) == false);
	struct nc_ip want = I("fd00::1");
	assert_true(nc_ip_equal(&s.addr, &want));

	/* Not an inet_diag answer, or cut short. */
	struct nlmsghdr *nlh = diag_msg(buf, "0.0.0.0", 1, 1, -1);
	nlh->nlmsg_type = NLMSG_DONE;
	assert_int_equal(netd_sockdiag_parse(nlh, IPPROTO_TCP, &s), -EINVAL);
	nlh = diag_msg(buf, "0.0.0.0", 1, 1, -1);
	nlh->nlmsg_len = (uint32_t)(sizeof(*nlh) + 8);
	assert_int_equal(netd_sockdiag_parse(nlh, IPPROTO_TCP, &s), -EINVAL);
}

/* ---- which socket holds which published port --------------------------- */

static struct netd_host_socket S(uint8_t proto, const char *addr, uint16_t port, bool v6only)
{
	return (struct netd_host_socket){ .proto = proto, .addr = I(addr), .port = port,
					  .v6only = v6only, .inode = 1 };
}

/* A port published to a container of `family` on host_ip ("" = all). */
static struct nc_plan_port PP(uint8_t proto, const char *host_ip, uint16_t port, int family)
{
	struct nc_plan_port pp = { .proto = proto, .host_port = port, .port = 80 };
	if (*host_ip)
		pp.host_ip = I(host_ip);
	pp.addr = I(family == AF_INET ? "10.0.0.2" : "fd00::2");
	return pp;
}

static bool M(const struct nc_plan_port *pp, uint8_t proto, const char *addr, uint16_t port,
	      bool v6only)
{
	struct netd_host_socket s = S(proto, addr, port, v6only);
	return nc_port_meets_socket(pp, &s);
}

static void test_port_meets_socket(void **state)
{
	(void)state;
	const uint8_t T = IPPROTO_TCP, U = IPPROTO_UDP;
	struct nc_plan_port any4 = PP(T, "", 8080, AF_INET);
	struct nc_plan_port lo4 = PP(T, "127.0.0.1", 2222, AF_INET);
	struct nc_plan_port any6 = PP(U, "", 5353, AF_INET6);
	struct nc_plan_port one6 = PP(T, "fd00::9", 443, AF_INET6);

	/* Published on every address: any socket of the family on the port. */
	assert_true(M(&any4, T, "0.0.0.0", 8080, false));
	assert_true(M(&any4, T, "127.0.0.1", 8080, false));
	assert_true(M(&any4, T, "::", 8080, false));
	assert_true(M(&any4, T, "::ffff:10.1.2.3", 8080, false));
	/* ... but not another port, protocol, or an IPv6-only socket. */
	assert_false(M(&any4, T, "0.0.0.0", 8081, false));
	assert_false(M(&any4, U, "0.0.0.0", 8080, false));
	assert_false(M(&any4, T, "::", 8080, true));
	assert_false(M(&any4, T, "fd00::9", 8080, false));

	/* Published on one address: that address or a wildcard. */
	assert_true(M(&lo4, T, "127.0.0.1", 2222, false));
	assert_true(M(&lo4, T, "0.0.0.0", 2222, false));
	assert_true(M(&lo4, T, "::", 2222, false));
	assert_true(M(&lo4, T, "::ffff:127.0.0.1", 2222, false));
	assert_false(M(&lo4, T, "127.0.0.2", 2222, false));
	assert_false(M(&lo4, T, "::ffff:127.0.0.2", 2222, false));
	assert_false(M(&lo4, T, "::", 2222, true));

	/* IPv6 ports: IPv6 sockets only (a v4-mapped one takes no IPv6). */
	assert_true(M(&any6, U, "::", 5353, true));
	assert_true(M(&any6, U, "fd00::1", 5353, false));
	/* [::1] is never DNATed: its socket keeps its traffic. */
	assert_false(M(&any6, U, "::1", 5353, false));
	assert_false(M(&any6, U, "0.0.0.0", 5353, false));
	assert_false(M(&any6, U, "::ffff:127.0.0.1", 5353, false));
	assert_true(M(&one6, T, "fd00::9", 443, true));
	assert_true(M(&one6, T, "::", 443, false));
	assert_false(M(&one6, T, "fd00::8", 443, false));
}

static void test_port_first_held(void **state)
{
	(void)state;
	struct nc_plan_port ports[] = { PP(IPPROTO_TCP, "", 8080, AF_INET),
					PP(IPPROTO_UDP, "", 53, AF_INET) };
	struct nc_plan p = { .ports = ports, .n_ports = 2 };
	struct netd_host_socket socks[] = { S(IPPROTO_TCP, "0.0.0.0", 22, false),
					    S(IPPROTO_TCP, "0.0.0.0", 53, false),
					    S(IPPROTO_UDP, "127.0.0.53", 53, false) };
	size_t k = 99;

	assert_int_equal(nc_port_first_held(&p, socks, 3, &k), 1);
	assert_int_equal(k, 2);
	assert_int_equal(nc_port_first_held(&p, socks, 2, &k), -1);
}

/* ---- the holder, from /proc ------------------------------------------ */

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_socket_owner(void **state)
{
	(void)state;
	char root[] = "/tmp/nc-test-proc-XXXXXX", p[PATH_MAX];
	char comm[32];
	int pid = -1;

	assert_non_null(mkdtemp(root));
	const char *dirs[] = { "1", "1/fd", "77", "77/fd", "123", "123/fd", "net", "net/fd" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	const char *links[][2] = {
		{ "1/fd/0", "/dev/null" },        { "77/fd/3", "socket:[998]" },
		{ "123/fd/0", "/dev/null" },      { "123/fd/7", "socket:[999]" },
		{ "net/fd/1", "socket:[999]" }, /* not a pid: never looked at */
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(*links); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, links[i][0]);
		assert_int_equal(symlink(links[i][1], p), 0);
	}
	snprintf(p, sizeof(p), "%s/123/comm", root);
	put(p, "nginx\n");

	assert_true(netd_socket_owner(root, 999, &pid, comm, sizeof(comm)));
	assert_int_equal(pid, 123);
	assert_string_equal(comm, "nginx");
	assert_true(netd_socket_owner(root, 998, &pid, comm, sizeof(comm)));
	assert_int_equal(pid, 77);
	assert_string_equal(comm, ""); /* no comm file: gone meanwhile */
	assert_false(netd_socket_owner(root, 5, &pid, comm, sizeof(comm)));
	assert_int_equal(pid, 0);
	assert_false(netd_socket_owner(root, 0, &pid, comm, sizeof(comm)));
	assert_false(netd_socket_owner("/nonexistent-proc", 999, &pid, comm, sizeof(comm)));

	nc_err err;
	assert_int_equal(nc_rm_rf(root, &err), 0);
}

/* ---- neighbour tables ------------------------------------------------ */

static struct nlmsghdr *ntbl_msg(char *buf, int family, bool thresholds, uint32_t entries)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEIGHTBL;
	struct ndtmsg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->ndtm_family = (uint8_t)family;
	mnl_attr_put_strz(nlh, NDTA_NAME, family == AF_INET ? "arp_cache" : "ndisc_cache");
	if (thresholds) {
		mnl_attr_put_u32(nlh, NDTA_THRESH1, 128);
		mnl_attr_put_u32(nlh, NDTA_THRESH2, 512);
		mnl_attr_put_u32(nlh, NDTA_THRESH3, 1024);
		struct ndt_config c = { .ndtc_key_len = 4, .ndtc_entries = entries };
		mnl_attr_put(nlh, NDTA_CONFIG, sizeof(c), &c);
	}
	return nlh;
}

static void test_neigh_parse(void **state)
{
	(void)state;
	char buf[512];
	struct netd_neigh_limits l = { 0 };

	assert_int_equal(netd_neigh_parse_table(ntbl_msg(buf, AF_INET, true, 42), AF_INET, &l), 0);
	assert_int_equal(l.thresh[0], 128);
	assert_int_equal(l.thresh[1], 512);
	assert_int_equal(l.thresh[2], 1024);
	assert_int_equal(l.entries, 42);
	/* A device's parameters: no thresholds. Another family. */
	assert_int_equal(netd_neigh_parse_table(ntbl_msg(buf, AF_INET, false, 0), AF_INET, &l), -ENOENT);
	assert_int_equal(netd_neigh_parse_table(ntbl_msg(buf, AF_INET6, true, 1), AF_INET, &l), -EINVAL);
}

static void test_neigh_set_limits(void **state)
{
	(void)state;
	char root[] = "/tmp/nc-test-sysctl-XXXXXX", p[PATH_MAX];
	const uint32_t want[3] = { 40960, 81920, 163840 };
	nc_err err;

	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/net/ipv4/neigh/default", root);
	assert_int_equal(nc_mkdir_p(p, 0755, &err), 0);
	for (int i = 1; i <= 3; i++) {
		snprintf(p, sizeof(p), "%s/net/ipv4/neigh/default/gc_thresh%d", root, i);
		put(p, "1024\n");
	}
	assert_int_equal(netd_neigh_set_limits(root, AF_INET, want, &err), 0);
	for (int i = 1; i <= 3; i++) {
		char *text = NULL;
		char expect[16];
		snprintf(p, sizeof(p), "%s/net/ipv4/neigh/default/gc_thresh%d", root, i);
		assert_int_equal(nc_read_file(p, &text, NULL, &err), 0);
		snprintf(expect, sizeof(expect), "%u", want[i - 1]);
		assert_string_equal(text, expect);
		free(text);
	}
	/* No such files (not the initial namespace): the path and ENOENT. */
	assert_int_equal(netd_neigh_set_limits(root, AF_INET6, want, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "net/ipv6/neigh/default/gc_thresh3"));
	assert_int_equal(nc_rm_rf(root, &err), 0);
}

static void test_neigh_targets(void **state)
{
	(void)state;
	struct netd_neigh_limits def = { { 128, 512, 1024 }, 2 };
	uint32_t t[3] = { 0 };

	/* 200 on one bridge: 200 * 199 + 400 entries, rounded to 1024. */
	assert_true(nc_neigh_targets(&def, 40200, t));
	assert_int_equal(t[0], 40960);
	assert_int_equal(t[1], 81920);
	assert_int_equal(t[2], 163840);
	/* Fits below gc_thresh2 (entries there now counted): nothing. */
	assert_false(nc_neigh_targets(&def, 510, t));
	assert_true(nc_neigh_targets(&def, 511, t));
	assert_false(nc_neigh_targets(&def, 0, t));
	/* Never lowered. */
	struct netd_neigh_limits high = { { 100000, 1000, 1000 }, 0 };
	assert_true(nc_neigh_targets(&high, 5000, t));
	assert_int_equal(t[0], 100000);
	assert_int_equal(t[1], 10240);
	assert_int_equal(t[2], 20480);
	struct netd_neigh_limits raised = { { 40960, 81920, 163840 }, 39801 };
	assert_false(nc_neigh_targets(&raised, 40200, t));
	/* The sysctls are ints. */
	assert_true(nc_neigh_targets(&def, (size_t)1 << 40, t));
	assert_int_equal(t[2], INT_MAX);
}

struct fixture {
	struct nc_model *m;
	struct nc_plan *p;
	nc_err err;
};

static void need_of(const char *yaml, size_t *v4, size_t *v6)
{
	struct fixture f = { 0 };
	if (nc_model_load_buffer("t.yaml", yaml, strlen(yaml), &f.m, &f.err) < 0 ||
	    nc_plan_build(f.m, "t", NULL, &f.p, &f.err) < 0)
		fail_msg("%s", f.err.msg);
	nc_plan_neigh_need(f.p, v4, v6);
	nc_plan_free(f.p);
	nc_model_free(f.m);
}

static void test_neigh_need(void **state)
{
	(void)state;
	size_t v4, v6;

	/* Three on a bridge with the gateway on the host: 3 * 2 + 2 * 3. */
	need_of("services: {a: {}, b: {}, c: {}}\n", &v4, &v6);
	assert_int_equal(v4, 12);
	assert_int_equal(v6, 0);
	/* Dual stack: the same again for IPv6. An internal network has no
	 * gateway. */
	need_of("networks:\n"
		"  d: {enable_ipv6: true, ipam: {config: [{subnet: 10.9.0.0/24}, {subnet: fd00:9::/64}]}}\n"
		"  i: {internal: true}\n"
		"services:\n"
		"  a: {networks: [d, i]}\n"
		"  b: {networks: [d, i]}\n"
		"  c: {networks: [i]}\n",
		&v4, &v6);
	assert_int_equal(v4, (2 * 1 + 2 * 2) + 3 * 2);
	assert_int_equal(v6, 2 * 1 + 2 * 2);
	/* A link is a segment of two; a container alone on a network makes
	 * only its gateway's pair. */
	need_of("networks: {n: {}}\n"
		"services:\n"
		"  r1: {networks: [n]}\n"
		"  r2: {network_mode: none}\n"
		"links:\n"
		"  - endpoints: [\"r1:eth1\", \"r2:eth0\"]\n"
		"    ipv4: [\"10.0.12.1/30\", \"10.0.12.2/30\"]\n",
		&v4, &v6);
	assert_int_equal(v4, 2 + 2);
	/* 200 on one bridge. */
	char yaml[200 * 16 + 32] = "services:\n";
	for (int i = 0; i < 200; i++)
		snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml), "  n%d: {}\n", i);
	need_of(yaml, &v4, &v6);
	assert_int_equal(v4, 200 * 199 + 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockdiag_parse),
		cmocka_unit_test(test_port_meets_socket),
		cmocka_unit_test(test_port_first_held),
		cmocka_unit_test(test_socket_owner),
		cmocka_unit_test(test_neigh_parse),
		cmocka_unit_test(test_neigh_set_limits),
		cmocka_unit_test(test_neigh_targets),
		cmocka_unit_test(test_neigh_need),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
