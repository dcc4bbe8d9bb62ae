/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netd against the real kernel, as root inside tests/lib/sandbox: named
 * namespaces that iproute2 sees, a bridge, veths born in their namespace,
 * addresses, routes, sysctls, packets, labels, bulk deletion, the nftables
 * table, and the kernel's reasons in errors. Tools (ip, nft, ping) are used
 * only to check what netd did.
 *
 * Host state decides nothing: a fresh namespace copies its sysctls
 * (ip_forward, rp_filter, ...) from the machine's initial namespace, so a
 * test writes every value it later checks, in every namespace, itself
 * (tests/run-all runs this suite with the sandbox's forwarding on and off).
 * Each test's teardown fails on whatever the test left behind, then removes
 * it, so one failure cannot cascade into the tests after it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netd/netd.h"

#define NSDIR "/run/netns"
#define GROUP 0x4badf00du

static char *sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh(const char *fmt, ...)
{
	static char out[65536];
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	return out;
}

static int shrc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int shrc(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

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

/* Writes VALUE to /proc/sys/KEY of the calling thread's namespace; for
 * setting up what a test assumes (netd's own writer is under test). */
static void sysctl_put(const char *key, const char *value)
{
	char path[256];
	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	fputs(value, f);
	if (fclose(f) != 0)
		fail_msg("write %s = %s: %s", path, value, strerror(errno));
}

static int setup(void **state)
{
	if (getuid() != 0 || !getenv("NC_IN_SANDBOX")) {
		print_message("needs root inside tests/lib/sandbox\n");
		return -1;
	}
	struct netd *nd;
	nc_err err;
	if (netd_open(&nd, &err) < 0) {
		print_message("%s\n", err.msg);
		return -1;
	}
	*state = nd;
	return 0;
}

static int teardown(void **state)
{
	netd_close(*state);
	return 0;
}

/* The sandbox's own values of what the tests write there, as they were
 * before each test: put back after it. */
static char forward_before[16];

static int test_setup(void **state)
{
	(void)state;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	if (!f || !fgets(forward_before, sizeof(forward_before), f)) {
		print_message("read /proc/sys/net/ipv4/ip_forward: %s\n", strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Whatever a test made, in the sandbox's namespace (which has only `lo` of
 * its own): links, named namespaces and their mounts, nftables tables. */
#define LEFTOVERS                                                                            \
	"{ ip -o link show | awk -F': ' '{sub(/@.*/, \"\", $2); if ($2 != \"lo\") print \"link \" $2}';" \
	" ip netns list | awk '{print \"netns \" $1}';"                                        \
	" ls -A " NSDIR " | sed 's|^|file " NSDIR "/|';"                                        \
	" grep ' " NSDIR "/' /proc/self/mountinfo | awk '{print \"mount \" $5}';"              \
	" nft list tables | sed 's/^/nft /'; } 2>&1 | sed 's/^/#   /'"

/* After each test, passed or failed: a test that passed must have removed
 * what it made (it fails here if not); then everything goes, so the next
 * test starts from an empty sandbox whatever happened before. */
static int test_teardown(void **state)
{
	(void)state;
	char left[4096] = "";
	FILE *p = popen(LEFTOVERS, "r");
	if (p) {
		size_t n = fread(left, 1, sizeof(left) - 1, p);
		left[n] = '\0';
		pclose(p);
	}
	if (system("for l in $(ip -o link show | awk -F': ' '{sub(/@.*/, \"\", $2); if ($2 != \"lo\") print $2}'); do"
		   "  ip link del \"$l\" 2>/dev/null; done;"
		   " for n in $(ip netns list | awk '{print $1}'); do ip netns del \"$n\"; done;"
		   " nft flush ruleset") != 0)
		print_message("# teardown: could not remove everything\n");
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "w");
	if (f) {
		fputs(forward_before, f);
		fclose(f);
	}
	if (left[0]) {
		print_message("# left behind by the test (now removed):\n%s", left);
		return -1;
	}
	return 0;
}

/* A bridge, two namespaces with a veth each, addresses, routes: ping. */
static void test_two_hosts_on_a_bridge(void **state)
{
	struct netd *nd = *state;
	nc_err err;
	int ns[2];
	struct nc_prefix gw = P("10.77.0.1/24");
	struct netd_bridge_spec br = { .name = "ncbr0", .alias = "ncompose:t/network/n",
				       .group = GROUP, .addrs = &gw, .n_addrs = 1 };

	/* The sandbox's forwarding starts off here, whatever the host's is:
	 * the namespaces' own value must not reach it. */
	sysctl_put("net/ipv4/ip_forward", "0");
	assert_int_equal(netd_bridge_create(nd, &br, &err), 0);
	for (int i = 0; i < 2; i++) {
		char name[32], host[16], label[64];
		snprintf(name, sizeof(name), "t-h%d", i);
		snprintf(host, sizeof(host), "nct%d", i);
		snprintf(label, sizeof(label), "ncompose:t/service/h%d", i);
		int r = netd_netns_create(nd, NSDIR, name, label, &ns[i], &err);
		if (r < 0)
			print_message("%s\n", err.msg);
		assert_int_equal(r, 0);
		uint8_t mac[6] = { 0x02, 0, 0, 0, 0, (uint8_t)(0x10 + i) };
		struct netd_veth_spec v = { .host_name = host, .host_alias = "ncompose:t/service/x/eth0",
					    .bridge = "ncbr0", .group = GROUP, .peer_nsfd = ns[i],
					    .peer_name = "eth0", .peer_mac = mac, .mtu = 1400 };
		r = netd_veth_create(nd, &v, &err);
		if (r < 0)
			print_message("%s\n", err.msg);
		assert_int_equal(r, 0);

		struct netd_ns *in;
		char a[32];
		snprintf(a, sizeof(a), "10.77.0.%d/24", 10 + i);
		struct nc_prefix addr = P(a), v6;
		snprintf(a, sizeof(a), "fd77::%d/64", 10 + i);
		v6 = P(a);
		struct nc_prefix dflt = { .ip.family = AF_INET };
		struct nc_ip via = I("10.77.0.1");
		assert_int_equal(netd_ns_open(nd, ns[i], &in, &err), 0);
		assert_int_equal(netd_ns_addr_add(in, "eth0", &addr, &err), 0);
		assert_int_equal(netd_ns_addr_add(in, "eth0", &v6, &err), 0);
		assert_int_equal(netd_ns_link_up(in, "eth0", &err), 0);
		assert_int_equal(netd_ns_route_add(in, &dflt, &via, "eth0", &err), 0);
		assert_int_equal(netd_ns_sysctl_set(in, "net.ipv4.ip_forward", "1", &err), 0);
		/* Not net.*: refused, nothing written. */
		assert_int_equal(netd_ns_sysctl_set(in, "kernel.hostname", "x", &err), -EPERM);
		/* An existing address: EEXIST with the object named. */
		assert_int_equal(netd_ns_addr_add(in, "eth0", &addr, &err), -EEXIST);
		assert_non_null(strstr(err.msg, "10.77.0."));
		netd_ns_close(in);
	}

	/* iproute2 sees the namespaces and what is inside. */
	assert_non_null(strstr(sh("ip netns list"), "t-h0"));
	assert_non_null(strstr(sh("ip -n t-h1 -br addr show eth0"), "10.77.0.11/24"));
	assert_non_null(strstr(sh("ip -n t-h1 link show eth0"), "02:00:00:00:00:11"));
	assert_non_null(strstr(sh("ip -n t-h1 link show eth0"), "mtu 1400"));
	assert_non_null(strstr(sh("ip -n t-h1 route"), "default via 10.77.0.1 dev eth0"));
	assert_null(strstr(sh("ip -n t-h1 -6 addr"), "tentative"));
	assert_string_equal(sh("ip netns exec t-h0 cat /proc/sys/net/ipv4/ip_forward"), "1\n");
	assert_string_equal(sh("cat /proc/sys/net/ipv4/ip_forward"), "0\n");
	assert_non_null(strstr(sh("ip -d link show nct0"), "master ncbr0"));
	assert_int_equal(shrc("ip netns exec t-h0 ping -c1 -W2 10.77.0.11 >/dev/null"), 0);
	assert_int_equal(shrc("ip netns exec t-h0 ping -c1 -W2 10.77.0.1 >/dev/null"), 0);
	assert_int_equal(shrc("ip netns exec t-h0 ping -6 -c1 -W2 fd77::11 >/dev/null"), 0);

	/* The label of `lo` says whose namespace it is. */
	char label[NETD_ALIAS_MAX];
	assert_int_equal(netd_netns_label(nd, ns[1], label, sizeof(label), &err), 0);
	assert_string_equal(label, "ncompose:t/service/h1");

	/* A taken name: EEXIST, and nothing changed. */
	assert_int_equal(netd_bridge_create(nd, &br, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "ncbr0"));
	int dup;
	assert_int_equal(netd_netns_create(nd, NSDIR, "t-h0", NULL, &dup, &err), -EEXIST);

	bool ex;
	assert_int_equal(netd_link_exists(nd, "nct1", &ex, &err), 0);
	assert_true(ex);
	assert_int_equal(netd_link_exists(nd, "nope0", &ex, &err), 0);
	assert_false(ex);

	/* One request removes the whole group: bridge and veth host ends. */
	assert_int_equal(netd_link_delete_group(nd, GROUP, &err), 0);
	assert_string_equal(sh("ip -o link show group %u 2>&1", GROUP), "");
	assert_string_equal(sh("ip -o link show | grep -E 'ncbr0|nct[01]'"), "");
	assert_int_equal(netd_link_delete_group(nd, GROUP, &err), 0); /* empty group: fine */
	for (int i = 0; i < 2; i++) {
		char name[32];
		close(ns[i]);
		snprintf(name, sizeof(name), "t-h%d", i);
		assert_int_equal(netd_netns_delete(NSDIR, name, &err), 0);
		assert_int_equal(netd_netns_delete(NSDIR, name, &err), 0);
	}
	assert_null(strstr(sh("ip netns list"), "t-h"));
}

/* A bridge for an internal network: up, IPv6 off, never an IPv6 address
 * (created down and brought up after disable_ipv6, so not even a
 * link-local one came and went). A new namespace refuses router
 * advertisements on every interface it will get. The control: a bridge
 * made the ordinary way holds a link-local address. */
static void test_bridge_without_ipv6(void **state)
{
	struct netd *nd = *state;
	nc_err err;
	int ns;
	struct netd_bridge_spec br = { .name = "ncno6", .group = GROUP, .no_ipv6 = true };
	struct netd_bridge_spec ctl = { .name = "ncyes6", .group = GROUP };

	assert_int_equal(sh("test -d /proc/sys/net/ipv6 && echo y")[0], 'y');
	/* What the control needs, set here: addresses right away, no DAD. */
	assert_int_equal(shrc("sysctl -qw net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.default.accept_dad=0"), 0);
	assert_int_equal(netd_bridge_create(nd, &br, &err), 0);
	assert_int_equal(netd_bridge_create(nd, &ctl, &err), 0);
	assert_string_equal(sh("cat /proc/sys/net/ipv6/conf/ncno6/disable_ipv6"), "1\n");
	assert_non_null(strstr(sh("ip -o link show ncno6"), ",UP"));
	assert_string_equal(sh("ip -6 -o addr show dev ncno6"), "");
	assert_non_null(strstr(sh("ip -6 -o addr show dev ncyes6"), "fe80::"));

	assert_int_equal(netd_netns_create(nd, NSDIR, "t-ra", NULL, &ns, &err), 0);
	assert_string_equal(sh("ip netns exec t-ra sysctl -n net.ipv6.conf.default.accept_ra "
			       "net.ipv6.conf.all.accept_ra"), "0\n0\n");
	close(ns);
	assert_int_equal(netd_netns_delete(NSDIR, "t-ra", &err), 0);
	assert_int_equal(netd_link_delete_group(nd, GROUP, &err), 0);
}

struct seen {
	char names[8][IF_NAMESIZE];
	int n;
};

static int collect_cb(const char *name, const char *alias, void *data, nc_err *err)
{
	struct seen *s = data;
	(void)err;
	(void)alias;
	if (s->n < 8)
		snprintf(s->names[s->n], IF_NAMESIZE, "%s", name);
	s->n++;
	return 0;
}

static int delete_cb(const char *name, const char *alias, void *data, nc_err *err)
{
	(void)alias;
	return netd_link_delete(data, name, err);
}

static bool seen(const struct seen *s, const char *name)
{
	for (int i = 0; i < s->n && i < 8; i++)
		if (!strcmp(s->names[i], name))
			return true;
	return false;
}

/* The alias dump finds exactly the links of one label prefix: not the
 * other project's, not a prefix of a longer project name, nothing else. */
static void test_labels_find_leftovers(void **state)
{
	struct netd *nd = *state;
	nc_err err;
	const char *names[] = { "nca0", "nca1", "nca2", "nca3" };
	const char *labels[] = { "ncompose:p1/network/a", "ncompose:p1/network/b",
				 "ncompose:p2/network/a", "ncompose:p10/network/a" };

	for (int i = 0; i < 4; i++) {
		struct netd_bridge_spec br = { .name = names[i], .alias = labels[i] };
		assert_int_equal(netd_bridge_create(nd, &br, &err), 0);
	}
	struct seen s = { 0 };
	assert_int_equal(netd_link_foreach_alias(nd, "ncompose:p1/", collect_cb, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_true(seen(&s, "nca0") && seen(&s, "nca1"));
	assert_non_null(strstr(sh("ip -d link show nca0"), "alias ncompose:p1/network/a"));

	assert_int_equal(netd_link_foreach_alias(nd, "ncompose:p1/", delete_cb, nd, &err), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(netd_link_foreach_alias(nd, "ncompose:", collect_cb, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_true(seen(&s, "nca2") && seen(&s, "nca3"));
	assert_int_equal(netd_link_delete(nd, "nca2", &err), 0);
	assert_int_equal(netd_link_delete(nd, "nca3", &err), 0);
	assert_int_equal(netd_link_delete(nd, "nca3", &err), 0); /* gone: fine */
	memset(&s, 0, sizeof(s));
	assert_int_equal(netd_link_foreach_alias(nd, "ncompose:", collect_cb, &s, &err), 0);
	assert_int_equal(s.n, 0);
}

static void test_nftables_table(void **state)
{
	struct netd *nd = *state;
	nc_err err;
	const char *bridges[] = { "ncbr1", "ncbr2" };
	struct netd_fw_masq m[] = { { "ncbr1", P("10.1.0.0/24") }, { "ncbr1", P("fd01::/64") } };
	struct netd_fw fw = { .table = "nc_t", .comment = "ncompose:t/project", .bridges = bridges,
			      .n_bridges = 2, .masq = m, .n_masq = 2 };
	char *text;
	bool ex;

	assert_int_equal(netd_fw_render(&fw, &text, &err), 0);
	assert_int_equal(netd_fw_exists(nd, "nc_t", &ex, &err), 0);
	assert_false(ex);
	assert_int_equal(netd_fw_apply(nd, text, &err), 0);
	assert_int_equal(netd_fw_apply(nd, text, &err), 0); /* replaced, not doubled */
	free(text);
	char *list = sh("nft list table inet nc_t");
	assert_non_null(strstr(list, "10.1.0.0/24"));
	assert_non_null(strstr(list, "masquerade"));
	assert_non_null(strstr(list, "comment \"ncompose:t/project\""));
	/* Applied twice, present once. */
	assert_string_equal(sh("nft list table inet nc_t | grep -c 'chain postrouting'"), "1\n");
	assert_int_equal(netd_fw_exists(nd, "nc_t", &ex, &err), 0);
	assert_true(ex);
	assert_int_equal(netd_fw_delete(nd, "nc_t", &err), 0);
	assert_int_equal(netd_fw_delete(nd, "nc_t", &err), 0);
	assert_int_equal(netd_fw_exists(nd, "nc_t", &ex, &err), 0);
	assert_false(ex);
	/* libnftables' reason comes through. (Not an unknown hook: 1.0.6
	 * leaks 152 bytes on that parse error, which LeakSanitizer would
	 * pin on us.) */
	assert_true(netd_fw_apply(nd, "add rule inet nc_missing c accept\n", &err) < 0);
	print_message("# %s\n", err.msg);
	assert_non_null(strstr(err.msg, "apply nftables table: Error: Could not process rule: No such file or directory"));
	assert_true(netd_fw_apply(nd, "table inet nc_bad { chain c { counter foo; } }\n", &err) < 0);
	assert_non_null(strstr(err.msg, "syntax error"));
	assert_string_equal(sh("nft list tables"), "");
}

/* tests/data of the source tree: $NC_SRC (meson sets it), else found from
 * this file's path as the compiler saw it, relative to the build dir that
 * holds this program (build/tests/integration/itest-netd). */
static bool data_dir(char *out, size_t size)
{
	const char *src = getenv("NC_SRC");
	char exe[4096];

	if (src) {
		snprintf(out, size, "%s/tests/data", src);
		return true;
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0 || __FILE__[0] == '/')
		return false;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	if ((size_t)snprintf(out, size, "%.2048s/../../%.1024s", exe, __FILE__) >= size)
		return false;
	char *tail = strstr(out, "tests/integration/test-netd.c");
	if (!tail)
		return false;
	strcpy(tail, "tests/data");
	return access(out, R_OK) == 0;
}

/* Every golden ruleset of the unit tests is one the kernel accepts, twice
 * in a row (the replace is atomic and idempotent). */
static void test_golden_rulesets_apply(void **state)
{
	struct netd *nd = *state;
	char dir[4096];
	nc_err err;
	int applied = 0;

	if (!data_dir(dir, sizeof(dir)))
		fail_msg("tests/data not found: set NC_SRC");
	char *list = strdup(sh("ls %s/nft/*.nft", dir));
	for (char *path = strtok(list, "\n"); path; path = strtok(NULL, "\n")) {
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		char *text = calloc(1, 65536);
		assert_true(fread(text, 1, 65535, f) > 0);
		fclose(f);
		for (int i = 0; i < 2; i++) {
			int r = netd_fw_apply(nd, text, &err);
			if (r < 0)
				fail_msg("%s: %s", path, err.msg);
		}
		free(text);
		applied++;
	}
	free(list);
	assert_true(applied >= 7);
	/* Each file names its table on its first line: delete them all. */
	char *tables = strdup(sh("nft list tables inet | awk '{print $3}'"));
	int n = 0;
	for (char *t = strtok(tables, "\n"); t; t = strtok(NULL, "\n"), n++)
		assert_int_equal(netd_fw_delete(nd, t, &err), 0);
	free(tables);
	assert_int_equal(n, applied);
	assert_string_equal(sh("nft list tables"), "");
}

/* A link straight between two namespaces, shaped with tbf. */
static void test_p2p_and_shaping(void **state)
{
	struct netd *nd = *state;
	nc_err err;
	int a, b;

	assert_int_equal(netd_netns_create(nd, NSDIR, "p-a", NULL, &a, &err), 0);
	assert_int_equal(netd_netns_create(nd, NSDIR, "p-b", NULL, &b, &err), 0);
	struct netd_p2p_spec spec = { .a = { a, "r1-eth1", NULL }, .b = { b, "r2-eth1", NULL },
				      .mtu = 9000 };
	int r = netd_p2p_create(nd, &spec, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	assert_non_null(strstr(sh("ip -n p-a link show r1-eth1"), "mtu 9000"));
	assert_non_null(strstr(sh("ip -n p-b link show r2-eth1"), "r2-eth1@"));
	assert_string_equal(sh("ip -o link | grep -c eth1"), "0\n"); /* nothing on the host */

	struct netd_ns *in;
	struct nc_prefix x = P("10.12.0.1/30");
	struct netd_shape s = { .rate_bps = 10000000 };
	assert_int_equal(netd_ns_open(nd, a, &in, &err), 0);
	assert_int_equal(netd_ns_addr_add(in, "r1-eth1", &x, &err), 0);
	assert_int_equal(netd_ns_link_up(in, "r1-eth1", &err), 0);
	r = netd_ns_shape(in, "r1-eth1", &s, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	netd_ns_close(in);
	assert_non_null(strstr(sh("tc -n p-a qdisc show dev r1-eth1"), "tbf"));
	assert_non_null(strstr(sh("tc -n p-a qdisc show dev r1-eth1"), "rate 10Mbit"));

	/* netem: this VM's kernel has none; the VM of cgroup2-vm has it. */
	bool ok;
	char why[256];
	assert_int_equal(netd_qdisc_probe(nd, "netem", &ok, why, sizeof(why), &err), 0);
	if (!ok) {
		assert_true(strlen(why) > 0);
		print_message("# skip: netem delay/loss not tried, this kernel has no sch_netem: %s\n", why);
	}
	if (ok) {
		/* Replaces the tbf: one root qdisc per interface. */
		struct netd_shape d = { .rate_bps = 10000000, .delay_us = 20000, .jitter_us = 2000,
					.loss_pct = 1 };
		assert_int_equal(netd_ns_open(nd, a, &in, &err), 0);
		r = netd_ns_shape(in, "r1-eth1", &d, &err);
		if (r < 0)
			fail_msg("%s", err.msg);
		netd_ns_close(in);
		const char *q = sh("tc -n p-a qdisc show dev r1-eth1");
		print_message("# %s", q);
		assert_non_null(strstr(q, "netem"));
		assert_non_null(strstr(q, "delay 20ms"));
		assert_non_null(strstr(q, "loss 1%"));
		assert_null(strstr(q, "tbf"));
	}
	assert_int_equal(netd_qdisc_probe(nd, "tbf", &ok, why, sizeof(why), &err), 0);
	assert_true(ok);
	assert_int_equal(netd_qdisc_probe(nd, "no-such-qdisc", &ok, why, sizeof(why), &err), 0);
	assert_false(ok);

	close(a);
	close(b);
	assert_int_equal(netd_netns_delete(NSDIR, "p-a", &err), 0);
	assert_int_equal(netd_netns_delete(NSDIR, "p-b", &err), 0);
}

static void test_host_routes(void **state)
{
	struct netd *nd = *state;
	struct netd_host_route *v;
	size_t n;
	nc_err err;
	struct nc_prefix a = P("10.66.0.1/24");
	struct netd_bridge_spec br = { .name = "ncrt0", .addrs = &a, .n_addrs = 1 };

	assert_int_equal(netd_bridge_create(nd, &br, &err), 0);
	assert_int_equal(netd_host_routes(nd, &v, &n, &err), 0);
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		char b[NC_PREFIX_STRLEN];
		if (!strcmp(nc_prefix_str(&v[i].dst, b), "10.66.0.0/24") && !strcmp(v[i].dev, "ncrt0"))
			found = true;
		assert_int_not_equal(v[i].dst.len, 0); /* no default routes */
	}
	free(v);
	assert_true(found);
	assert_int_equal(netd_link_delete(nd, "ncrt0", &err), 0);
}

/* Errors carry the kernel's errno and its own words, and name the object. */
static void test_kernel_reasons(void **state)
{
	struct netd *nd = *state;
	nc_err err;
	int ns;

	assert_int_equal(netd_netns_create(nd, NSDIR, "e-a", NULL, &ns, &err), 0);
	struct netd_ns *in;
	assert_int_equal(netd_ns_open(nd, ns, &in, &err), 0);

	/* A gateway on no connected network: the kernel says why. */
	struct nc_prefix dflt = { .ip.family = AF_INET };
	struct nc_ip far = I("192.0.2.1");
	assert_int_equal(netd_ns_route_add(in, &dflt, &far, "lo", &err), -ENETUNREACH);
	print_message("# %s\n", err.msg);
	assert_non_null(strstr(err.msg, "add route to default via 192.0.2.1 dev `lo`"));
	assert_non_null(strstr(err.msg, "(kernel: "));

	/* A missing interface: ENODEV, named. */
	struct nc_prefix a = P("10.5.5.5/24");
	assert_int_equal(netd_ns_addr_add(in, "nope0", &a, &err), -ENODEV);
	assert_non_null(strstr(err.msg, "`nope0`"));
	/* A name the kernel could never take: refused before asking. */
	assert_int_equal(netd_ns_link_up(in, "much-too-long-name", &err), -EINVAL);

	/* A veth whose peer name is taken inside: EEXIST, the host end is
	 * not left behind. */
	struct netd_veth_spec v = { .host_name = "nce0", .peer_nsfd = ns, .peer_name = "lo" };
	assert_int_equal(netd_veth_create(nd, &v, &err), -EEXIST);
	print_message("# %s\n", err.msg);
	assert_non_null(strstr(err.msg, "create veth `nce0` (peer `lo` in netns fd"));
	bool ex;
	assert_int_equal(netd_link_exists(nd, "nce0", &ex, &err), 0);
	assert_false(ex);

	/* A bridge name taken by a bridge of another owner: EEXIST, named,
	 * and its label untouched. */
	struct netd_bridge_spec mine = { .name = "ncdup", .alias = "someone-else" };
	assert_int_equal(netd_bridge_create(nd, &mine, &err), 0);
	struct netd_bridge_spec again = { .name = "ncdup", .alias = "ncompose:x/network/n" };
	assert_int_equal(netd_bridge_create(nd, &again, &err), -EEXIST);
	assert_int_equal(err.errnum, EEXIST);
	assert_non_null(strstr(err.msg, "create bridge `ncdup`"));
	assert_non_null(strstr(sh("ip -d link show ncdup"), "alias someone-else"));
	assert_int_equal(netd_link_delete(nd, "ncdup", &err), 0);

	netd_ns_close(in);
	close(ns);
	assert_int_equal(netd_netns_delete(NSDIR, "e-a", &err), 0);
}

/* Pipelined configuration inside a namespace: one exchange for the lot,
 * and a failure names the request that failed, not the batch. */
static void test_batch_inside_a_namespace(void **state)
{
	struct netd *nd = *state;
	nc_err err;
	int ns;

	assert_int_equal(netd_netns_create(nd, NSDIR, "q-a", NULL, &ns, &err), 0);
	struct netd_veth_spec v = { .host_name = "ncq0", .peer_nsfd = ns, .peer_name = "eth0" };
	assert_int_equal(netd_veth_create(nd, &v, &err), 0);
	struct netd_ns *in;
	struct nc_prefix a4 = P("10.9.0.2/24"), a6 = P("fd09::2/64"), net = P("10.99.0.0/16");
	struct nc_prefix d6 = { .ip.family = AF_INET6 };
	struct nc_ip gw4 = I("10.9.0.1"), gw6 = I("fd09::1");
	assert_int_equal(netd_ns_open(nd, ns, &in, &err), 0);
	netd_ns_batch(in);
	assert_int_equal(netd_ns_link_set_mtu(in, "eth0", 1300, &err), 0);
	assert_int_equal(netd_ns_link_set_alias(in, "eth0", "ncompose:q/service/a/eth0", &err), 0);
	assert_int_equal(netd_ns_addr_add(in, "eth0", &a4, &err), 0);
	assert_int_equal(netd_ns_addr_add(in, "eth0", &a6, &err), 0);
	assert_int_equal(netd_ns_link_up(in, "eth0", &err), 0);
	/* The routes need the address and the link up queued before them. */
	assert_int_equal(netd_ns_route_add(in, &net, &gw4, "eth0", &err), 0);
	assert_int_equal(netd_ns_route_add(in, &d6, &gw6, NULL, &err), 0);
	int r = netd_ns_commit(in, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	assert_non_null(strstr(sh("ip -n q-a route"), "10.99.0.0/16 via 10.9.0.1 dev eth0"));
	assert_non_null(strstr(sh("ip -n q-a -6 route"), "default via fd09::1 dev eth0"));
	assert_non_null(strstr(sh("ip -n q-a link show eth0"), "mtu 1300"));
	assert_non_null(strstr(sh("ip -n q-a -d link show eth0"), "alias ncompose:q/service/a/eth0"));
	assert_null(strstr(sh("ip -n q-a -6 addr show dev eth0"), "tentative"));

	/* The second address of three is taken: that one is named. */
	struct nc_prefix b1 = P("10.9.0.3/24"), b3 = P("10.9.0.4/24");
	netd_ns_batch(in);
	assert_int_equal(netd_ns_addr_add(in, "eth0", &b1, &err), 0);
	assert_int_equal(netd_ns_addr_add(in, "eth0", &a4, &err), 0);
	assert_int_equal(netd_ns_addr_add(in, "eth0", &b3, &err), 0);
	assert_int_equal(netd_ns_commit(in, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "add address 10.9.0.2/24 to `eth0`"));
	/* The kernel went on with the third. */
	assert_non_null(strstr(sh("ip -n q-a addr show eth0"), "10.9.0.4/24"));
	netd_ns_close(in);

	assert_int_equal(netd_link_delete(nd, "ncq0", &err), 0);
	close(ns);
	assert_int_equal(netd_netns_delete(NSDIR, "q-a", &err), 0);
}

/* One RTM_DELLINK with IFLA_GROUP removes 50 veths, and their peers with
 * them, and leaves other links alone. */
static void test_group_delete_50(void **state)
{
	struct netd *nd = *state;
	nc_err err;
	int ns;
	const uint32_t group = 0x5e;

	assert_int_equal(netd_netns_create(nd, NSDIR, "g-a", NULL, &ns, &err), 0);
	struct netd_bridge_spec other = { .name = "ncother", .group = group + 1 };
	assert_int_equal(netd_bridge_create(nd, &other, &err), 0);
	for (int i = 0; i < 50; i++) {
		char host[16], peer[16];
		snprintf(host, sizeof(host), "ncg%d", i);
		snprintf(peer, sizeof(peer), "p%d", i);
		struct netd_veth_spec v = { .host_name = host, .group = group, .peer_nsfd = ns,
					    .peer_name = peer };
		assert_int_equal(netd_veth_create(nd, &v, &err), 0);
	}
	assert_string_equal(sh("ip -o link show group %u | wc -l", group), "50\n");
	assert_string_equal(sh("ip -n g-a -o link | grep -c ' p[0-9]*@'"), "50\n");
	assert_int_equal(netd_link_delete_group(nd, group, &err), 0);
	assert_string_equal(sh("ip -o link show group %u", group), "");
	assert_string_equal(sh("ip -n g-a -o link | grep -c ' p[0-9]*@'"), "0\n");
	bool ex;
	assert_int_equal(netd_link_exists(nd, "ncother", &ex, &err), 0);
	assert_true(ex);
	assert_int_equal(netd_link_delete_group(nd, group + 1, &err), 0);
	assert_int_equal(netd_link_delete_group(nd, 0, &err), -EINVAL); /* every link */
	close(ns);
	assert_int_equal(netd_netns_delete(NSDIR, "g-a", &err), 0);
}

/* Two threads, each with its own session, move between namespaces at the
 * same time: each comes back to its own, and nothing crosses over. The
 * mark is a default TTL of 42: a per-namespace value every new namespace
 * starts at 64, not copied from the host as ip_forward is. */
struct worker {
	int id;
	int failures;
	char msg[NC_ERR_MSG_MAX];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct netd *nd;
	nc_err err;

	if (netd_open(&nd, &err) < 0) {
		w->failures++;
		return NULL;
	}
	for (int i = 0; i < 10; i++) {
		char name[32], host[16], a[32];
		int ns;
		snprintf(name, sizeof(name), "w%d-%d", w->id, i);
		snprintf(host, sizeof(host), "ncw%d-%d", w->id, i);
		snprintf(a, sizeof(a), "10.%d.0.%d/24", 100 + w->id, i + 2);
		struct nc_prefix addr;
		nc_prefix_parse(a, false, &addr);
		struct netd_veth_spec v = { .host_name = host, .group = 0x77, .peer_nsfd = -1,
					    .peer_name = "eth0" };
		struct netd_ns *in = NULL;
		if (netd_netns_create(nd, NSDIR, name, name, &ns, &err) < 0 ||
		    (v.peer_nsfd = ns, netd_veth_create(nd, &v, &err) < 0) ||
		    netd_ns_open(nd, ns, &in, &err) < 0 ||
		    netd_ns_addr_add(in, "eth0", &addr, &err) < 0 ||
		    netd_ns_sysctl_set(in, "net.ipv4.ip_default_ttl", "42", &err) < 0) {
			snprintf(w->msg, sizeof(w->msg), "%s", err.msg);
			w->failures++;
		}
		netd_ns_close(in);
		char label[NETD_ALIAS_MAX];
		if (netd_netns_label(nd, ns, label, sizeof(label), &err) < 0 || strcmp(label, name))
			w->failures++;
		close(ns);
	}
	netd_close(nd);
	return NULL;
}

static void test_threads_keep_their_namespace(void **state)
{
	struct netd *nd = *state;
	struct worker w[2] = { { .id = 1 }, { .id = 2 } };
	pthread_t t[2];
	nc_err err;

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 2; i++)
		if (w[i].failures)
			fail_msg("worker %d: %d failures; %s", w[i].id, w[i].failures, w[i].msg);
	/* The main thread is still at home, and so are the host ends. */
	assert_string_equal(sh("ip -o link show group 0x77 | wc -l"), "20\n");
	assert_string_not_equal(sh("cat /proc/sys/net/ipv4/ip_default_ttl"), "42\n");
	assert_string_equal(sh("ip netns exec w2-9 cat /proc/sys/net/ipv4/ip_default_ttl"), "42\n");
	assert_string_equal(sh("ip netns exec w1-0 cat /proc/sys/net/ipv4/ip_default_ttl"), "42\n");
	assert_non_null(strstr(sh("ip -n w1-3 addr show eth0"), "10.101.0.5/24"));
	assert_int_equal(netd_link_delete_group(nd, 0x77, &err), 0);
	for (int id = 1; id <= 2; id++)
		for (int i = 0; i < 10; i++) {
			char name[32];
			snprintf(name, sizeof(name), "w%d-%d", id, i);
			assert_int_equal(netd_netns_delete(NSDIR, name, &err), 0);
		}
}

/* A session acts in the namespace it was opened in, even when the calling
 * thread stands in another one at the time. */
static void test_session_keeps_its_namespace(void **state)
{
	struct netd *nd = *state;
	nc_err err;
	int ns;

	assert_int_equal(netd_netns_create(nd, NSDIR, "s-a", NULL, &ns, &err), 0);
	/* Forwarding off on both sides to begin with: a new namespace has the
	 * host's value, which may be either. */
	sysctl_put("net/ipv4/ip_forward", "0");
	assert_int_equal(shrc("ip netns exec s-a sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'"), 0);
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(home >= 0);
	assert_int_equal(setns(ns, CLONE_NEWNET), 0);
	int r1 = netd_sysctl_set(nd, "net.ipv4.ip_forward", "1", &err);
	const char *text = "table inet nc_s {}\n";
	int r2 = netd_fw_apply(nd, text, &err);
	struct netd_bridge_spec br = { .name = "ncs0" };
	int r3 = netd_bridge_create(nd, &br, &err);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	close(home);
	assert_int_equal(r1, 0);
	assert_int_equal(r2, 0);
	assert_int_equal(r3, 0);
	assert_string_equal(sh("cat /proc/sys/net/ipv4/ip_forward"), "1\n");
	assert_string_equal(sh("ip netns exec s-a cat /proc/sys/net/ipv4/ip_forward"), "0\n");
	assert_string_equal(sh("nft list tables"), "table inet nc_s\n");
	assert_string_equal(sh("ip netns exec s-a nft list tables"), "");
	assert_string_equal(sh("ip -n s-a -o link | grep -c ncs0"), "0\n");
	assert_int_equal(netd_link_delete(nd, "ncs0", &err), 0);
	assert_int_equal(netd_fw_delete(nd, "nc_s", &err), 0);
	assert_int_equal(netd_sysctl_set(nd, "net/ipv4/ip_forward", "0", &err), 0);
	assert_string_equal(sh("cat /proc/sys/net/ipv4/ip_forward"), "0\n");
	close(ns);
	assert_int_equal(netd_netns_delete(NSDIR, "s-a", &err), 0);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * The figures of a 100-container lab: N named namespaces, each with a
 * veth into one bridge, an address, a default route and its links up; then
 * one bulk delete of the group. Printed, never asserted (a loaded machine is
 * not a failure). NC_NETD_BENCH_RUNS=5 repeats and prints the median; with
 * batch, each namespace's configuration goes in one exchange.
 */
struct bench {
	double up, del, ns_gone;
};

static struct bench bulk_round(struct netd *nd, int n, bool batch)
{
	nc_err err;
	int *ns = calloc((size_t)n, sizeof(*ns));
	struct nc_prefix gw = P("10.88.0.1/16");
	struct netd_bridge_spec br = { .name = "ncbulk", .alias = "ncompose:b/network/n",
				       .group = GROUP, .addrs = &gw, .n_addrs = 1 };
	struct bench b;
	double t0 = now_ms();

	assert_non_null(ns);
	assert_int_equal(netd_bridge_create(nd, &br, &err), 0);
	for (int i = 0; i < n; i++) {
		char name[32], host[16];
		snprintf(name, sizeof(name), "b-%d", i);
		snprintf(host, sizeof(host), "ncb%d", i);
		int r = netd_netns_create(nd, NSDIR, name, "ncompose:b/service/x", &ns[i], &err);
		if (r < 0)
			fail_msg("%s", err.msg);
		struct netd_veth_spec v = { .host_name = host, .host_alias = "ncompose:b/service/x/eth0",
					    .bridge = "ncbulk", .group = GROUP, .peer_nsfd = ns[i],
					    .peer_name = "eth0" };
		assert_int_equal(netd_veth_create(nd, &v, &err), 0);
		struct netd_ns *in;
		struct nc_prefix a = { .ip = I("10.88.1.0"), .len = 16 };
		a.ip.a[3] = (uint8_t)(i + 1);
		struct nc_prefix dflt = { .ip.family = AF_INET };
		struct nc_ip via = I("10.88.0.1");
		assert_int_equal(netd_ns_open(nd, ns[i], &in, &err), 0);
		if (batch)
			netd_ns_batch(in);
		assert_int_equal(netd_ns_addr_add(in, "eth0", &a, &err), 0);
		assert_int_equal(netd_ns_link_up(in, "eth0", &err), 0);
		assert_int_equal(netd_ns_route_add(in, &dflt, &via, NULL, &err), 0);
		if (batch && netd_ns_commit(in, &err) < 0)
			fail_msg("%s", err.msg);
		netd_ns_close(in);
	}
	double t1 = now_ms();
	assert_int_equal(netd_link_delete_group(nd, GROUP, &err), 0);
	double t2 = now_ms();
	for (int i = 0; i < n; i++) {
		char name[32];
		close(ns[i]);
		snprintf(name, sizeof(name), "b-%d", i);
		assert_int_equal(netd_netns_delete(NSDIR, name, &err), 0);
	}
	double t3 = now_ms();
	free(ns);
	b.up = t1 - t0;
	b.del = t2 - t1;
	b.ns_gone = t3 - t2;
	/* Everything of the round is gone before the next one. */
	assert_string_equal(sh("ip -o link show group %u 2>&1", GROUP), "");
	assert_string_equal(sh("ls " NSDIR), "");
	return b;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void test_bulk(void **state)
{
	struct netd *nd = *state;
	enum { N = 100, MAXRUNS = 21 };
	const char *env = getenv("NC_NETD_BENCH_RUNS");
	int runs = env ? atoi(env) : 1;

	if (runs < 1)
		runs = 1;
	if (runs > MAXRUNS)
		runs = MAXRUNS;
	for (int batch = 0; batch < 2; batch++) {
		double up[MAXRUNS], del[MAXRUNS], gone[MAXRUNS];
		for (int r = 0; r < runs; r++) {
			struct bench b = bulk_round(nd, N, batch);
			up[r] = b.up;
			del[r] = b.del;
			gone[r] = b.ns_gone;
		}
		print_message("# %d namespaces, each with a veth, address, route, links up (%s): "
			      "up %.1f ms; bulk delete of the group %.1f ms; namespaces unmounted %.1f ms "
			      "(median of %d)\n",
			      N, batch ? "pipelined per namespace" : "one request at a time",
			      median(up, runs), median(del, runs), median(gone, runs), runs);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_two_hosts_on_a_bridge),
		T(test_bridge_without_ipv6),
		T(test_labels_find_leftovers),
		T(test_nftables_table),
		T(test_golden_rulesets_apply),
		T(test_p2p_and_shaping),
		T(test_host_routes),
		T(test_kernel_reasons),
		T(test_batch_inside_a_namespace),
		T(test_group_delete_50),
		T(test_threads_keep_their_namespace),
		T(test_session_keeps_its_namespace),
		T(test_bulk),
	};
	if (getuid() != 0 || !getenv("NC_IN_SANDBOX")) {
		printf("1..0 # SKIP needs root inside tests/lib/sandbox\n");
		return getenv("NCOMPOSE_TEST_MUST_WORK") && !strcmp(getenv("NCOMPOSE_TEST_MUST_WORK"), "1") ? 1 : 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
