/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address planning, routes, names, capabilities and limits: the model
 * after the planner, from YAML text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "compose/plan/etcfiles.h"
#include "compose/plan/fsimage.h"
#include "compose/plan/plan.h"

struct fixture {
	struct nc_model *m;
	struct nc_plan *p;
	nc_err err;
};

static int plan_from(struct fixture *f, const char *yaml, const struct nc_plan_host *host)
{
	memset(f, 0, sizeof(*f));
	int r = nc_model_load_buffer("t.yaml", yaml, strlen(yaml), &f->m, &f->err);
	if (r < 0) {
		print_message("# load: %s\n", f->err.msg);
		return r;
	}
	return nc_plan_build(f->m, "t", host, &f->p, &f->err);
}

static void fixture_free(struct fixture *f)
{
	nc_plan_free(f->p);
	nc_model_free(f->m);
}

static const char *addr(const struct nc_prefix *p)
{
	static char b[4][NC_PREFIX_STRLEN];
	static int i;
	i = (i + 1) % 4;
	return p->ip.family ? nc_prefix_str(p, b[i]) : "-";
}

static const char *ip(const struct nc_ip *a)
{
	static char b[4][NC_IP_STRLEN];
	static int i;
	i = (i + 1) % 4;
	return a->family ? nc_ip_str(a, b[i]) : "-";
}

static void test_static_and_automatic_addresses(void **state)
{
	(void)state;
	struct fixture f;
	assert_int_equal(plan_from(&f,
				   "services:\n"
				   "  a: {networks: [lan]}\n"
				   "  b: {networks: {lan: {ipv4_address: 10.9.0.2}}}\n"
				   "  c: {networks: [lan, back]}\n"
				   "networks:\n"
				   "  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
				   "  back: {internal: true, ipam: {config: [{subnet: 10.8.0.0/29}]}}\n",
				   NULL),
			 0);
	const struct nc_plan *p = f.p;
	assert_int_equal(p->n_containers, 3);
	/* The gateway is .1 on the host; b took .2 statically; a and c get
	 * the next free ones in file order. */
	assert_string_equal(ip(&p->networks[0].gateway4), "10.9.0.1");
	assert_true(p->networks[0].gateway_on_host);
	assert_string_equal(addr(&p->containers[0].ifaces[0].addr4), "10.9.0.3/24");
	assert_string_equal(addr(&p->containers[1].ifaces[0].addr4), "10.9.0.2/24");
	assert_string_equal(addr(&p->containers[2].ifaces[0].addr4), "10.9.0.4/24");
	/* An internal network has no gateway on the host: addresses start at .1. */
	assert_false(p->networks[1].gateway_on_host);
	assert_string_equal(ip(&p->networks[1].gateway4), "-");
	assert_string_equal(addr(&p->containers[2].ifaces[1].addr4), "10.8.0.1/29");
	assert_string_equal(p->containers[2].ifaces[1].ifname, "eth1");
	/* Default route through the non-internal network's gateway. */
	assert_int_equal(p->containers[2].n_routes, 1);
	assert_int_equal(p->containers[2].routes[0].dst.len, 0);
	assert_string_equal(ip(&p->containers[2].routes[0].via), "10.9.0.1");
	assert_true(p->needs_forwarding);
	fixture_free(&f);
}

/* enable_ipv4: false: no subnet, gateway or address; an internal bridge
 * (no NAT, no forwarding needed); /etc/hosts names only what has an
 * address. A normal network beside it is planned as before. */
static void test_layer2_network(void **state)
{
	(void)state;
	struct fixture f;
	assert_int_equal(plan_from(&f,
				   "services:\n"
				   "  a: {networks: [cd]}\n"
				   "  b: {networks: [cd, lan]}\n"
				   "networks:\n"
				   "  cd: {enable_ipv4: false}\n"
				   "  lan: {internal: true}\n",
				   NULL),
			 0);
	const struct nc_plan *p = f.p;
	const struct nc_plan_network *cd = nc_plan_network_by_name(p, "cd");
	assert_non_null(cd);
	assert_true(cd->layer2);
	assert_true(cd->internal);
	assert_false(cd->gateway_on_host);
	assert_string_equal(addr(&cd->subnet4), "-");
	assert_string_equal(addr(&cd->subnet6), "-");
	assert_string_equal(ip(&cd->gateway4), "-");
	assert_false(p->needs_forwarding);
	assert_string_equal(p->containers[0].ifaces[0].ifname, "eth0");
	assert_string_equal(addr(&p->containers[0].ifaces[0].addr4), "-");
	assert_string_equal(addr(&p->containers[0].ifaces[0].addr6), "-");
	assert_string_equal(addr(&p->containers[1].ifaces[0].addr4), "-");
	assert_int_equal(p->containers[0].n_routes, 0);
	/* The normal network next to it still gets a subnet. */
	assert_string_equal(p->containers[1].ifaces[1].ifname, "eth1");
	assert_int_not_equal(p->containers[1].ifaces[1].addr4.ip.family, 0);
	struct nc_strbuf hosts = NC_STRBUF_INIT;
	nc_etc_hosts(p, &p->containers[1], &hosts);
	assert_true(nc_strbuf_ok(&hosts));
	assert_null(strstr(hosts.s, "\ta\n"));
	assert_non_null(strstr(hosts.s, "\tb\n"));
	nc_strbuf_free(&hosts);
	fixture_free(&f);
}

static void test_full_subnet(void **state)
{
	(void)state;
	struct fixture f;
	assert_true(plan_from(&f,
			      "services:\n"
			      "  a: {networks: [n]}\n"
			      "  b: {networks: [n]}\n"
			      "  c: {networks: [n]}\n"
			      "networks:\n"
			      "  n: {ipam: {config: [{subnet: 10.1.0.0/30}]}}\n",
			      NULL) < 0);
	/* /30: .1 gateway, .2 for a, .3 is broadcast: b has none. */
	assert_non_null(strstr(f.err.msg, "no free IPv4 address"));
	assert_non_null(strstr(f.err.msg, "t.yaml:3:"));
	fixture_free(&f);
}

static void test_ip_range(void **state)
{
	(void)state;
	struct fixture f;
	assert_int_equal(plan_from(&f,
				   "services:\n"
				   "  a: {networks: [n]}\n"
				   "networks:\n"
				   "  n: {ipam: {config: [{subnet: 10.1.0.0/16, ip_range: 10.1.5.0/24}]}}\n",
				   NULL),
			 0);
	assert_string_equal(addr(&f.p->containers[0].ifaces[0].addr4), "10.1.5.1/16");
	fixture_free(&f);
}

static void test_automatic_subnets_are_deterministic_and_avoid_the_host(void **state)
{
	(void)state;
	const char *yaml = "services:\n  a: {}\n  b: {networks: [x]}\nnetworks:\n  x: {}\n";
	struct fixture f1, f2, f3;
	assert_int_equal(plan_from(&f1, yaml, NULL), 0);
	assert_int_equal(plan_from(&f2, yaml, NULL), 0);
	const struct nc_plan_network *d1 = nc_plan_network_by_name(f1.p, "default");
	const struct nc_plan_network *d2 = nc_plan_network_by_name(f2.p, "default");
	assert_non_null(d1);
	assert_string_equal(addr(&d1->subnet4), addr(&d2->subnet4));
	assert_true(d1->auto_subnet4);
	assert_int_equal(d1->subnet4.len, 24);
	assert_false(nc_prefix_overlaps(&d1->subnet4, &nc_plan_network_by_name(f1.p, "x")->subnet4));

	/* The host routes that subnet already: another one is chosen. */
	struct nc_plan_host host = { .taken = &d1->subnet4, .n_taken = 1 };
	assert_int_equal(plan_from(&f3, yaml, &host), 0);
	const struct nc_plan_network *d3 = nc_plan_network_by_name(f3.p, "default");
	assert_false(nc_prefix_overlaps(&d3->subnet4, &d1->subnet4));
	fixture_free(&f1);
	fixture_free(&f2);
	fixture_free(&f3);
}

static void test_many_containers_get_a_bigger_subnet(void **state)
{
	(void)state;
	struct nc_strbuf y = NC_STRBUF_INIT;
	nc_strbuf_append(&y, "services:\n");
	for (int i = 0; i < 300; i++)
		nc_strbuf_printf(&y, "  s%d: {}\n", i);
	struct fixture f;
	assert_int_equal(plan_from(&f, y.s, NULL), 0);
	assert_int_equal(f.p->networks[0].subnet4.len, 20);
	for (size_t i = 0; i < f.p->n_containers; i++)
		for (size_t j = i + 1; j < f.p->n_containers; j++)
			assert_false(nc_ip_equal(&f.p->containers[i].ifaces[0].addr4.ip,
						 &f.p->containers[j].ifaces[0].addr4.ip));
	fixture_free(&f);
	nc_strbuf_free(&y);
}

static void test_routes(void **state)
{
	(void)state;
	struct fixture f;
	const char *net = "networks:\n"
			  "  a: {ipam: {config: [{subnet: 10.1.0.0/24}]}}\n"
			  "  b: {ipam: {config: [{subnet: 10.2.0.0/24}]}}\n";
	char yaml[1024];

	/* gw_priority picks the default route's network. */
	snprintf(yaml, sizeof(yaml),
		 "services:\n  s:\n    networks:\n      a: {}\n      b: {gw_priority: 5}\n%s", net);
	assert_int_equal(plan_from(&f, yaml, NULL), 0);
	assert_string_equal(ip(&f.p->containers[0].routes[0].via), "10.2.0.1");
	assert_string_equal(f.p->containers[0].routes[0].dev, "eth1");
	fixture_free(&f);

	/* A default route in the file replaces the automatic one. */
	snprintf(yaml, sizeof(yaml),
		 "services:\n  s:\n    networks: [a]\n    routes:\n      - {to: default, via: 10.1.0.254}\n"
		 "      - {to: 192.168.0.0/16, via: 10.1.0.253}\n%s",
		 net);
	assert_int_equal(plan_from(&f, yaml, NULL), 0);
	assert_int_equal(f.p->containers[0].n_routes, 2);
	assert_string_equal(ip(&f.p->containers[0].routes[0].via), "10.1.0.254");
	assert_string_equal(addr(&f.p->containers[0].routes[1].dst), "192.168.0.0/16");
	fixture_free(&f);

	/* A gateway that is not a neighbour is refused, at its place. */
	snprintf(yaml, sizeof(yaml),
		 "services:\n  s:\n    networks: [a]\n    routes:\n      - {to: default, via: 10.2.0.254}\n%s",
		 net);
	assert_true(plan_from(&f, yaml, NULL) < 0);
	assert_non_null(strstr(f.err.msg, "t.yaml:5:"));
	assert_non_null(strstr(f.err.msg, "not on any network"));
	fixture_free(&f);
}

static void test_caps_env_limits(void **state)
{
	(void)state;
	struct fixture f;
	const char *const host_env[] = { "FROM_HOST=yes", NULL };
	struct nc_plan_host host = { .host_env = host_env, .ncpus = 2 };
	assert_int_equal(plan_from(&f,
				   "services:\n"
				   "  s:\n"
				   "    cap_add: [NET_ADMIN, cap_sys_time]\n"
				   "    cap_drop: [MKNOD]\n"
				   "    environment: [A=1, FROM_HOST, UNSET_ONE, PATH=/bin]\n"
				   "    mem_limit: 64m\n"
				   "    cpus: 0.5\n"
				   "    pids_limit: 50\n"
				   "    hostname: box\n"
				   "  all: {cap_drop: [ALL], cap_add: [NET_RAW]}\n",
				   &host),
			 0);
	const struct nc_plan_container *s = &f.p->containers[0];
	uint64_t want = rt_caps_default();
	want |= 1ULL << rt_cap_from_name("NET_ADMIN");
	want |= 1ULL << rt_cap_from_name("SYS_TIME");
	want &= ~(1ULL << rt_cap_from_name("MKNOD"));
	assert_int_equal(s->caps, want);
	assert_int_equal(f.p->containers[1].caps, 1ULL << rt_cap_from_name("NET_RAW"));

	const char *expect[] = { "PATH=/bin", "HOSTNAME=box", "HOME=/root", "A=1", "FROM_HOST=yes" };
	size_t n = 0;
	while (s->env[n])
		n++;
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(s->env[i], expect[i]);

	assert_int_equal(s->limits.memory_max, 64 << 20);
	assert_int_equal(s->limits.cpu_quota_us, 50000);
	assert_int_equal(s->limits.cpu_period_us, 100000);
	assert_int_equal(s->limits.pids_max, 50);
	assert_string_equal(s->hostname, "box");
	assert_null(s->argv);
	fixture_free(&f);
}

static void test_refusals(void **state)
{
	(void)state;
	struct nc_plan_host host = { .ncpus = 2 };
	struct fixture f;

	assert_true(plan_from(&f, "services:\n  s: {cpus: 3}\n", &host) < 0);
	assert_non_null(strstr(f.err.msg, "t.yaml:2:"));
	assert_non_null(strstr(f.err.msg, "2 CPUs"));
	fixture_free(&f);

	assert_true(plan_from(&f, "services:\n  s: {mem_limit: 1m}\n", &host) < 0);
	assert_non_null(strstr(f.err.msg, "memory limit"));
	fixture_free(&f);

	assert_true(plan_from(&f, "services:\n  s:\n    sysctls: {kernel.shmmax: 1}\n", &host) < 0);
	assert_non_null(strstr(f.err.msg, "t.yaml:3:"));
	assert_non_null(strstr(f.err.msg, "net.*"));
	fixture_free(&f);

	assert_true(plan_from(&f, "services:\n  s: {cap_add: [NOT_A_CAP]}\n", &host) < 0);
	assert_non_null(strstr(f.err.msg, "NOT_A_CAP"));
	fixture_free(&f);
}

/* The limits beyond memory, cpus and pids; user, ulimits, seccomp. */
static void test_more_limits_and_security(void **state)
{
	(void)state;
	struct fixture f;
	assert_int_equal(plan_from(&f,
				   "services:\n"
				   "  s:\n"
				   "    cpu_shares: 512\n"
				   "    cpuset: 0-1\n"
				   "    mem_limit: 64m\n"
				   "    mem_reservation: 32m\n"
				   "    blkio_config: {weight: 300}\n"
				   "    user: alice\n"
				   "    ulimits: {nofile: {soft: 10, hard: 20}, core: -1}\n"
				   "    security_opt: [seccomp=unconfined]\n"
				   "  d:\n"
				   "    deploy: {resources: {reservations: {memory: 16m, cpus: '0.5'}}}\n",
				   NULL),
			 0);
	const struct nc_plan_container *s = &f.p->containers[0], *d = &f.p->containers[1];
	assert_int_equal(s->limits.cpu_shares, 512);
	assert_string_equal(s->limits.cpuset_cpus, "0-1");
	assert_int_equal(s->limits.memory_low, 32 << 20);
	assert_int_equal(s->limits.blkio_weight, 300);
	assert_string_equal(s->user, "alice");
	assert_true(s->seccomp_unconfined);
	assert_int_equal(s->n_ulimits, 2);
	assert_int_equal(s->ulimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s->ulimits[0].soft, 10);
	assert_int_equal(s->ulimits[0].hard, 20);
	assert_int_equal(s->ulimits[1].soft, RT_ULIMIT_UNLIMITED);
	/* With a user, HOME comes from its passwd entry at start. */
	for (const char *const *e = s->env; *e; e++)
		assert_false(!strncmp(*e, "HOME=", 5));
	assert_int_equal(d->limits.memory_low, 16 << 20);
	assert_null(d->user);
	assert_false(d->seccomp_unconfined);
	/* Docker's namespace defaults come first, the file's own after. */
	assert_string_equal(d->net_sysctls[0].key, "net.ipv4.ping_group_range");
	fixture_free(&f);

	assert_true(plan_from(&f, "services:\n  s:\n    mem_limit: 16m\n    mem_reservation: 32m\n", NULL) < 0);
	assert_non_null(strstr(f.err.msg, "t.yaml:4:"));
	assert_non_null(strstr(f.err.msg, "reservation is above the memory limit"));
	fixture_free(&f);

	/* userns_mode: auto, a range of 65536 ids from 2^30, the same on
	 * every run; none otherwise. */
	assert_int_equal(plan_from(&f, "services:\n  s: {userns_mode: auto}\n  h: {userns_mode: host}\n", NULL), 0);
	uint32_t base = f.p->containers[0].userns_base;
	assert_int_equal(f.p->containers[0].userns_size, 65536);
	assert_true(base >= (1u << 30) && (base - (1u << 30)) % 65536 == 0);
	assert_int_equal(f.p->containers[1].userns_size, 0);
	fixture_free(&f);
	assert_int_equal(plan_from(&f, "services:\n  s: {userns_mode: auto}\n", NULL), 0);
	assert_int_equal(f.p->containers[0].userns_base, base);
	fixture_free(&f);
	assert_true(plan_from(&f, "services:\n  s: {userns_mode: auto, privileged: true}\n", NULL) < 0);
	assert_non_null(strstr(f.err.msg, "contradict"));
	fixture_free(&f);
	assert_true(plan_from(&f, "services:\n  s: {userns_mode: keep-id}\n", NULL) < 0);
	assert_non_null(strstr(f.err.msg, "t.yaml:2:20:"));
	fixture_free(&f);

	assert_true(plan_from(&f, "services:\n  s:\n    ulimits: {nofile: {soft: 20, hard: 10}}\n", NULL) < 0);
	assert_non_null(strstr(f.err.msg, "t.yaml:3:"));
	fixture_free(&f);
}

/*
 * Sizes a file can reach, planned in linear time: 80 000 environment
 * entries (each duplicate check was a scan: 22 s, now 0.25 s for `config`)
 * and a range of 16 384 published ports (each clash check and each
 * dynamic port a scan: 14 s for 29 029 ports). No timing is asserted: at
 * these sizes a quadratic path shows as a test that takes minutes, see
 * bench/README.md.
 */
static void test_big_environment_and_port_range(void **state)
{
	(void)state;
	struct fixture f;
	struct nc_strbuf y = NC_STRBUF_INIT;

	nc_strbuf_append(&y, "services:\n  s:\n    environment:\n");
	for (int i = 0; i < 80000; i++)
		nc_strbuf_printf(&y, "      - V%d=%d\n", i, i);
	/* a later entry of a key replaces the earlier, in its place */
	nc_strbuf_append(&y, "      - V7=last\n      - PATH=/x\n");
	nc_strbuf_append(&y, "    ports: [\"3-16386\", \"16387-16388:16387-16388\"]\n");
	assert_int_equal(plan_from(&f, nc_strbuf_str(&y), NULL), 0);
	const struct nc_plan_container *s = &f.p->containers[0];
	size_t n = 0;
	while (s->env[n])
		n++;
	assert_int_equal(n, 3 + 80000);
	assert_string_equal(s->env[0], "PATH=/x");
	assert_string_equal(s->env[3 + 7], "V7=last");
	assert_string_equal(s->env[3 + 79999], "V79999=79999");

	/* every port of the dynamic range, each once */
	assert_int_equal(f.p->n_ports, 16384 + 2);
	static uint8_t seen[65536];
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < 16384; i++) {
		uint16_t hp = f.p->ports[i].host_port;
		assert_true(hp >= 49152);
		assert_int_equal(seen[hp]++, 0);
	}
	fixture_free(&f);

	/* one more and the range is exhausted: said, not host port 0 */
	nc_strbuf_append(&y, "  t:\n    ports: [\"80\"]\n");
	assert_true(plan_from(&f, nc_strbuf_str(&y), NULL) < 0);
	assert_non_null(strstr(f.err.msg, "no free host port left for tcp/80"));
	fixture_free(&f);
	nc_strbuf_free(&y);
}

static void test_hosts_file(void **state)
{
	(void)state;
	struct fixture f;
	assert_int_equal(plan_from(&f,
				   "services:\n"
				   "  r: {networks: {a: {ipv4_address: 10.1.0.9}, b: {ipv4_address: 10.2.0.9, aliases: [gw]}}}\n"
				   "  x: {networks: [b]}\n"
				   "  y: {networks: [c]}\n"
				   "networks:\n"
				   "  a: {ipam: {config: [{subnet: 10.1.0.0/24}]}}\n"
				   "  b: {ipam: {config: [{subnet: 10.2.0.0/24}]}}\n"
				   "  c: {ipam: {config: [{subnet: 10.3.0.0/24}]}}\n",
				   NULL),
			 0);
	struct nc_strbuf b = NC_STRBUF_INIT;
	nc_etc_hosts(f.p, &f.p->containers[1], &b);
	/* x shares b with r: r at its b address, with b's alias; y shares
	 * nothing: its first address. */
	assert_non_null(strstr(b.s, "10.2.0.9\tr gw\n"));
	assert_non_null(strstr(b.s, "10.2.0.2\tx\n"));
	assert_non_null(strstr(b.s, "10.3.0.2\ty\n"));
	assert_non_null(strstr(b.s, "127.0.0.1\tlocalhost\n"));
	nc_strbuf_free(&b);

	nc_etc_resolv("nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch lab\nnameserver ::1\n", &b);
	assert_string_equal(b.s, "nameserver 192.0.2.53\nsearch lab\n");
	nc_strbuf_free(&b);
	fixture_free(&f);
}

/* `up` renders /etc/hosts once for the containers nc_etc_hosts_same
 * pairs: it must pair the containers on the same networks, and only
 * those whose files are the same text. */
static void test_hosts_shared_views(void **state)
{
	(void)state;
	struct fixture f;
	assert_int_equal(plan_from(&f,
				   "services:\n"
				   "  a: {networks: [n]}\n"
				   "  b: {networks: [n]}\n"
				   "  c: {networks: {n: {aliases: [cee]}}}\n"
				   "  d: {networks: [n, m]}\n"
				   "  e: {networks: [n], extra_hosts: [\"h:192.0.2.1\"]}\n"
				   "  f: {networks: [n], links: [\"a:ay\"]}\n"
				   "  g: {networks: [m, n]}\n"
				   "  h: {networks: [m]}\n"
				   "networks:\n"
				   "  n: {ipam: {config: [{subnet: 10.1.0.0/24}]}}\n"
				   "  m: {ipam: {config: [{subnet: 10.2.0.0/24}]}}\n",
				   NULL),
			 0);
	const struct nc_plan *p = f.p;
	const struct nc_plan_container *a = nc_plan_container(p, "a"), *b = nc_plan_container(p, "b"),
				       *c = nc_plan_container(p, "c"), *d = nc_plan_container(p, "d"),
				       *e = nc_plan_container(p, "e"), *fc = nc_plan_container(p, "f"),
				       *g = nc_plan_container(p, "g"), *h = nc_plan_container(p, "h");
	assert_true(nc_etc_hosts_same(a, b));
	assert_true(nc_etc_hosts_same(d, g));
	assert_true(nc_etc_hosts_same(a, a));
	assert_false(nc_etc_hosts_same(a, d)); /* d sees h, a does not share m */
	assert_false(nc_etc_hosts_same(a, h));
	assert_false(nc_etc_hosts_same(a, c)); /* c's own line has no alias */
	assert_false(nc_etc_hosts_same(a, e)); /* extra_hosts: e's own */
	assert_false(nc_etc_hosts_same(a, fc)); /* legacy link alias: f's own */
	assert_false(nc_etc_hosts_shareable(c));
	assert_true(nc_etc_hosts_shareable(a));
	/* Whatever it pairs renders the same text. */
	for (size_t i = 0; i < p->n_containers; i++)
		for (size_t j = 0; j < p->n_containers; j++) {
			if (!nc_etc_hosts_same(&p->containers[i], &p->containers[j]))
				continue;
			struct nc_strbuf x = NC_STRBUF_INIT, y = NC_STRBUF_INIT;
			nc_etc_hosts(p, &p->containers[i], &x);
			nc_etc_hosts(p, &p->containers[j], &y);
			assert_string_equal(nc_strbuf_str(&x), nc_strbuf_str(&y));
			nc_strbuf_free(&x);
			nc_strbuf_free(&y);
		}
	fixture_free(&f);
}

/* Compose's legacy links: the alias in the linking container's hosts
 * file only, at the linked service's address on the network they share;
 * the link is a dependency (started first). */
static void test_legacy_links(void **state)
{
	(void)state;
	struct fixture f;
	assert_int_equal(plan_from(&f,
				   "services:\n"
				   "  web: {links: [\"db:database\", db], networks: [b]}\n"
				   "  db: {networks: {a: {ipv4_address: 10.1.0.7}, b: {ipv4_address: 10.2.0.7}}}\n"
				   "  other: {networks: [b]}\n"
				   "networks:\n"
				   "  a: {ipam: {config: [{subnet: 10.1.0.0/24}]}}\n"
				   "  b: {ipam: {config: [{subnet: 10.2.0.0/24}]}}\n",
				   NULL),
			 0);
	const struct nc_service *web = nc_model_service(f.p->model, "web");
	assert_int_equal(web->n_svc_links, 2);
	assert_int_equal(web->n_depends_on, 1);
	assert_string_equal(web->depends_on[0].service, "db");
	struct nc_strbuf b = NC_STRBUF_INIT;
	nc_etc_hosts(f.p, nc_plan_container(f.p, "web"), &b);
	assert_non_null(strstr(b.s, "10.2.0.7\tdatabase\n"));
	nc_strbuf_free(&b);
	nc_etc_hosts(f.p, nc_plan_container(f.p, "other"), &b);
	assert_null(strstr(b.s, "database"));
	nc_strbuf_free(&b);
	fixture_free(&f);

	/* A link to no service is an error at its place. */
	assert_true(plan_from(&f, "services:\n  web: {links: [nope]}\n", NULL) < 0);
	if (!strstr(f.err.msg, ":2:17: `links` of service `web` names service `nope`"))
		fail_msg("%s", f.err.msg);
	fixture_free(&f);
}

/* A service named `x-foo` is a service (only top-level `x-` keys are
 * extensions): planned with its container, addresses and command. */
static void test_x_named_service(void **state)
{
	(void)state;
	struct fixture f;

	assert_int_equal(plan_from(&f,
				   "networks:\n  x-lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
				   "services:\n  x-foo: {command: [sleep, \"1\"], networks: [x-lan]}\n",
				   NULL),
			 0);
	assert_int_equal(f.p->n_containers, 1);
	const struct nc_plan_container *c = &f.p->containers[0];
	assert_string_equal(c->svc->name, "x-foo");
	assert_non_null(strstr(c->name, "x-foo"));
	assert_non_null(c->argv);
	assert_string_equal(c->argv[0], "sleep");
	assert_int_equal(c->n_ifaces, 1);
	assert_non_null(nc_plan_network_by_name(f.p, "x-lan"));
	fixture_free(&f);
}

/* A bare name is an image name, never a path, even when a directory of
 * that name sits beside the file; `./nginx` is the directory. */
static void test_bare_image_name(void **state)
{
	(void)state;
	char dir[] = "/tmp/nc-image-XXXXXX", path[128], sub[128];
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/nginx", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/compose.yaml", dir);
	static const char *const bad[] = { "nginx", "frr:8", "nginx:latest" };
	for (size_t i = 0; i < 4; i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "services:\n  web:\n    image: %s\n", i < 3 ? bad[i] : "./nginx");
		fclose(f);
		struct fixture fx = { 0 };
		assert_int_equal(nc_model_load_file(path, &fx.m, &fx.err), 0);
		int r = nc_plan_build(fx.m, "t", NULL, &fx.p, &fx.err);
		if (i < 3) {
			/* A registry image, never the directory beside the file. */
			static const char *const full[] = { "docker.io/library/nginx:latest", "docker.io/library/frr:8",
							    "docker.io/library/nginx:latest" };
			assert_int_equal(r, 0);
			assert_true(fx.p->containers[0].image_is_registry);
			assert_string_equal(fx.p->containers[0].image, full[i]);
		} else {
			assert_int_equal(r, 0);
			assert_string_equal(fx.p->containers[0].image, sub);
		}
		fixture_free(&fx);
	}
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* The ext superblock magic at byte 1080 decides, not the name; anything
 * shorter than the probe is no filesystem. */
static void test_fsimage_magic(void **state)
{
	(void)state;
	unsigned char head[NC_EXT4_PROBE_SIZE + 8];
	memset(head, 0, sizeof(head));
	assert_false(nc_fsimage_is_ext4(head, sizeof(head)));
	head[1080] = 0x53;
	head[1081] = 0xEF;
	assert_true(nc_fsimage_is_ext4(head, sizeof(head)));
	assert_true(nc_fsimage_is_ext4(head, NC_EXT4_PROBE_SIZE));
	assert_false(nc_fsimage_is_ext4(head, NC_EXT4_PROBE_SIZE - 1));
	assert_false(nc_fsimage_is_ext4(head, 0));
	assert_false(nc_fsimage_is_ext4(NULL, sizeof(head)));
	head[1080] = 0xEF; /* byte order matters: little-endian 0xEF53 */
	head[1081] = 0x53;
	assert_false(nc_fsimage_is_ext4(head, sizeof(head)));
}

/* image: a regular file is a filesystem image when its content says ext4
 * (whatever its name), else a tarball, as before; a short file too. */
static void test_image_file_kind(void **state)
{
	(void)state;
	char dir[] = "/tmp/nc-fsimg-XXXXXX", path[128], img[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/compose.yaml", dir);
	snprintf(img, sizeof(img), "%s/root.tar", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "services:\n  web:\n    image: ./root.tar\n");
	fclose(f);
	for (int i = 0; i < 3; i++) {
		unsigned char head[2048];
		memset(head, 0, sizeof(head));
		if (i == 0) {
			head[1080] = 0x53;
			head[1081] = 0xEF;
		}
		f = fopen(img, "w");
		assert_non_null(f);
		/* 0: ext4 named .tar; 1: no magic; 2: 1081 bytes, magic cut short */
		assert_int_equal(fwrite(head, 1, i == 2 ? 1081 : sizeof(head), f), i == 2 ? 1081 : sizeof(head));
		fclose(f);
		struct fixture fx = { 0 };
		assert_int_equal(nc_model_load_file(path, &fx.m, &fx.err), 0);
		assert_int_equal(nc_plan_build(fx.m, "t", NULL, &fx.p, &fx.err), 0);
		const struct nc_plan_container *c = &fx.p->containers[0];
		assert_string_equal(c->image, img);
		assert_int_equal(c->image_is_fs, i == 0);
		assert_int_equal(c->image_is_tar, i != 0);
		assert_false(c->image_is_oci_dir);
		fixture_free(&fx);
	}
	assert_int_equal(unlink(img), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Host port ranges: N:N ranges pair up; a host range for one container
 * port takes the first port of it not published already (Docker's "first
 * free"); long syntax takes a range too; sizes that differ are refused. */
static void test_host_port_ranges(void **state)
{
	(void)state;
	struct fixture f;

	assert_int_equal(plan_from(&f,
				   "services:\n  s:\n    ports:\n"
				   "      - \"8000-8002:80\"\n"
				   "      - \"8003-8005:81\"\n"
				   "      - \"127.0.0.1:9000-9001:90-91/udp\"\n"
				   "      - {target: 100, published: \"7000-7001\"}\n"
				   "      - \"6000-6001:60-61\"\n",
				   NULL),
			 0);
	struct { uint16_t host, port; uint8_t proto; } want[] = {
		{ 8000, 80, 6 }, { 8003, 81, 6 }, { 9000, 90, 17 }, { 9001, 91, 17 }, { 7000, 100, 6 },
		{ 6000, 60, 6 }, { 6001, 61, 6 },
	};
	assert_int_equal(f.p->n_ports, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(f.p->ports[i].host_port, want[i].host);
		assert_int_equal(f.p->ports[i].port, want[i].port);
		assert_int_equal(f.p->ports[i].proto, want[i].proto);
	}
	assert_string_equal(ip(&f.p->ports[2].host_ip), "127.0.0.1");
	fixture_free(&f);

	struct nc_model *m = NULL;
	nc_err err;
	const char *bad = "services:\n  s:\n    ports: [\"8000-8002:80-81\"]\n";
	assert_true(nc_model_load_buffer("t.yaml", bad, strlen(bad), &m, &err) < 0);
	assert_string_equal(err.msg, "t.yaml:3:13: `ports` in service `s`: the host range has 3 ports but the container range 2");
	const char *bad2 = "services:\n  s:\n    ports: [{target: 80-81, published: \"7000-7002\"}]\n";
	assert_true(nc_model_load_buffer("t.yaml", bad2, strlen(bad2), &m, &err) < 0);
	assert_non_null(strstr(err.msg, "t.yaml:3:"));
}

static const struct nc_plan_mount *mount_at(const struct nc_plan_container *c, const char *target)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (!strcmp(c->mounts[i].target, target))
			return &c->mounts[i];
	return NULL;
}

static const char *sysctl_of(const struct nc_plan_container *c, const char *key)
{
	for (size_t i = 0; i < c->n_net_sysctls; i++)
		if (!strcmp(c->net_sysctls[i].key, key))
			return c->net_sysctls[i].value;
	return NULL;
}

/* `router:`: the daemons' capabilities, forwarding (the file's own value
 * wins), writable run directories, the lab's directory copied (not bound)
 * at /etc/frr with a daemons file naming the listed daemons, the daemons
 * as the command and a readiness check unless the file gives one. */
static void test_router(void **state)
{
	(void)state;
	struct nc_plan_host host = { .ncpus = 2 };
	struct fixture f;

	assert_int_equal(plan_from(&f,
				   "services:\n"
				   "  r1:\n"
				   "    router: {daemon: frr, config: /lab/r1, daemons: [ospfd, bgpd]}\n"
				   "    sysctls: {net.ipv6.conf.all.forwarding: 0}\n"
				   "    volumes: [/srv:/var/log/frr]\n"
				   "  b:\n"
				   "    router: bird\n"
				   "    healthcheck: {test: [CMD, 'true']}\n"
				   "  plain: {}\n",
				   &host),
			 0);
	const struct nc_plan_container *r1 = &f.p->containers[0], *b = &f.p->containers[1];
	const struct nc_plan_container *plain = &f.p->containers[2];
	for (const char *const *c = (const char *const[]){ "NET_ADMIN", "NET_RAW", "SYS_ADMIN", "NET_BIND_SERVICE", NULL };
	     *c; c++)
		assert_true(r1->caps & (1ULL << rt_cap_from_name(*c)));
	assert_false(plain->caps & (1ULL << rt_cap_from_name("SYS_ADMIN")));
	assert_false(b->caps & (1ULL << rt_cap_from_name("SYS_ADMIN")));
	assert_true(b->caps & (1ULL << rt_cap_from_name("NET_ADMIN")));

	assert_string_equal(sysctl_of(r1, "net.ipv4.ip_forward"), "1");
	assert_string_equal(sysctl_of(r1, "net.ipv6.conf.all.forwarding"), "0");
	assert_null(sysctl_of(plain, "net.ipv4.ip_forward"));

	const struct nc_plan_mount *etc = mount_at(r1, "/etc/frr");
	assert_non_null(etc);
	assert_true(etc->copy);
	assert_int_equal(etc->type, RT_MOUNT_BIND);
	assert_null(etc->source); /* up fills in its copy, never the lab's */
	assert_string_equal(etc->copy_from, "/lab/r1");
	assert_true(etc->copy_daemons_given);
	assert_non_null(strstr(etc->copy_daemons, "\nospfd=yes\n"));
	assert_non_null(strstr(etc->copy_daemons, "\nbgpd=yes\n"));
	assert_non_null(strstr(etc->copy_daemons, "zebra=yes\n"));
	assert_non_null(strstr(etc->copy_daemons, "\nripd=no\n"));
	for (const char *const *t = (const char *const[]){ "/var/tmp", "/run/frr", NULL }; *t; t++) {
		const struct nc_plan_mount *m = mount_at(r1, *t);
		assert_non_null(m);
		assert_int_equal(m->type, RT_MOUNT_TMPFS);
	}
	/* The file's volume at the same place comes last, so it wins. */
	const struct nc_plan_mount *last = NULL;
	for (size_t i = 0; i < r1->n_mounts; i++)
		if (!strcmp(r1->mounts[i].target, "/var/log/frr"))
			last = &r1->mounts[i];
	assert_int_equal(last->type, RT_MOUNT_BIND);
	assert_string_equal(last->source, "/srv");

	assert_string_equal(r1->argv[0], "/bin/bash");
	assert_non_null(strstr(r1->argv[2], "/usr/lib/frr/watchfrr"));
	assert_non_null(strstr(r1->argv[2], "vtysh --dryrun"));
	assert_true(r1->svc->healthcheck.present && r1->svc->healthcheck.implied);
	assert_string_equal(r1->svc->healthcheck.test[0], "/usr/lib/frr/frrinit.sh");

	assert_non_null(mount_at(b, "/etc/bird"));
	assert_null(mount_at(b, "/etc/bird")->copy_from);
	assert_null(mount_at(b, "/etc/bird")->copy_daemons);
	assert_non_null(mount_at(b, "/run/bird"));
	assert_non_null(strstr(b->argv[2], "/usr/sbin/bird -f"));
	assert_false(b->svc->healthcheck.implied);
	assert_string_equal(b->svc->healthcheck.test[0], "true");
	assert_null(plain->argv);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_and_automatic_addresses),
		cmocka_unit_test(test_full_subnet),
		cmocka_unit_test(test_layer2_network),
		cmocka_unit_test(test_ip_range),
		cmocka_unit_test(test_automatic_subnets_are_deterministic_and_avoid_the_host),
		cmocka_unit_test(test_many_containers_get_a_bigger_subnet),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_caps_env_limits),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_more_limits_and_security),
		cmocka_unit_test(test_hosts_file),
		cmocka_unit_test(test_legacy_links),
		cmocka_unit_test(test_big_environment_and_port_range),
		cmocka_unit_test(test_x_named_service),
		cmocka_unit_test(test_bare_image_name),
		cmocka_unit_test(test_fsimage_magic),
		cmocka_unit_test(test_image_file_kind),
		cmocka_unit_test(test_host_port_ranges),
		cmocka_unit_test(test_router),
		cmocka_unit_test(test_hosts_shared_views),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
