/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Good files: every field lands in the model with its value and its place;
 * anchors, aliases and merge keys; the YAML tree's scalar types; wrong
 * types for every key. Many keys at once: test-parse-keys.c; the normalised
 * output: test-parse-emit.c; bad files: test-parse-bad.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/strbuf.h"
#include "compose/file/model.h"
#include "compose/file/yaml-tree.h"
#include "tests/unit/test-parse.h"

static void test_lab(void **state)
{
	(void)state;
	struct nc_model *m = load_good("lab.yaml");

	assert_string_equal(m->name, "lab");
	assert_mark(m->name_mark, 2, 7);
	assert_int_equal(m->n_networks, 2);
	const struct nc_network *lan = nc_model_network(m, "lan");
	const struct nc_network *be = nc_model_network(m, "backend");
	assert_ptr_equal(lan, &m->networks[0]);
	assert_ptr_equal(be, &m->networks[1]);
	assert_null(nc_model_network(m, "default"));
	assert_mark(lan->mark, 5, 3);
	assert_false(lan->internal);
	assert_true(be->internal);
	assert_int_equal(lan->n_ipam, 1);
	assert_string_equal(pfx(&lan->ipam[0].subnet), "10.0.1.0/24");
	assert_mark(lan->ipam[0].subnet_mark, 8, 19);
	assert_string_equal(ip(&lan->ipam[0].gateway), "10.0.1.1");
	assert_mark(lan->ipam[0].gateway_mark, 9, 20);
	assert_mark(lan->ipam[0].mark, 8, 11);
	assert_int_equal(be->ipam[0].gateway.family, 0);

	assert_int_equal(m->n_services, 3);
	const struct nc_service *r = nc_model_service(m, "router");
	assert_ptr_equal(r, &m->services[0]);
	assert_null(nc_model_service(m, "nope"));
	assert_mark(r->mark, 17, 3);
	assert_true(r->has_networks_key);
	assert_int_equal(r->n_networks, 2);
	assert_string_equal(r->networks[0].network, "lan");
	assert_mark(r->networks[0].mark, 19, 7);
	assert_string_equal(ip(&r->networks[0].ipv4_address), "10.0.1.254");
	assert_mark(r->networks[0].ipv4_mark, 20, 23);
	assert_string_equal(r->networks[1].network, "backend");
	assert_int_equal(r->n_sysctls, 1);
	assert_string_equal(r->sysctls[0].key, "net.ipv4.ip_forward");
	assert_string_equal(r->sysctls[0].value, "1");
	assert_mark(r->sysctls[0].mark, 24, 7);
	assert_int_equal(r->n_cap_add, 1);
	assert_string_equal(r->cap_add[0], "NET_ADMIN");
	assert_mark(r->cap_add_mark, 25, 14);
	assert_int_equal(r->mem_limit, 64 << 20);
	assert_mark(r->mem_limit_mark, 26, 16);
	assert_int_equal(r->pids_limit, 64);
	assert_mark(r->pids_limit_mark, 27, 17);
	assert_true(r->cpus == 0);
	assert_false(r->has_command);
	assert_null(r->hostname);

	const struct nc_service *c1 = &m->services[1];
	assert_int_equal(c1->n_routes, 1);
	assert_false(c1->routes[0].is_default);
	assert_string_equal(pfx(&c1->routes[0].to), "10.0.2.0/24");
	assert_string_equal(ip(&c1->routes[0].via), "10.0.1.254");
	assert_mark(c1->routes[0].mark, 33, 9);
	assert_mark(c1->routes[0].to_mark, 33, 13);
	assert_mark(c1->routes[0].via_mark, 34, 14);
	assert_true(c1->cpus == 0.5);
	assert_mark(c1->cpus_mark, 36, 11);
	assert_int_equal(c1->pids_limit, NC_UNSET);

	const struct nc_service *c2 = &m->services[2];
	assert_true(c2->routes[0].is_default);
	assert_int_equal(c2->routes[0].to.ip.family, 0);
	assert_string_equal(ip(&c2->routes[0].via), "10.0.2.254");
	assert_int_equal(c2->n_environment, 1);
	assert_string_equal(c2->environment[0].key, "ROLE");
	assert_string_equal(c2->environment[0].value, "client");
	assert_mark(c2->environment[0].mark, 45, 7);
	nc_model_free(m);
}

static void test_everything(void **state)
{
	(void)state;
	struct nc_model *m = load_good("everything.yaml");

	assert_string_equal(m->name, "every_thing-1");
	/* worker and idle join `default`, which is added last. */
	assert_int_equal(m->n_networks, 5);
	assert_string_equal(m->networks[4].name, "default");
	assert_true(m->networks[4].implicit);
	const struct nc_network *f = &m->networks[0];
	assert_string_equal(f->name, "front");
	assert_int_equal(f->mtu, 1400);
	assert_mark(f->mtu_mark, 10, 38);
	assert_string_equal(f->bridge_name, "br-front");
	assert_true(f->enable_ipv6);
	assert_int_equal(f->n_ipam, 2);
	assert_string_equal(pfx(&f->ipam[0].ip_range), "192.168.10.128/25");
	assert_string_equal(ip(&f->ipam[0].gateway), "192.168.10.254");
	assert_string_equal(pfx(&f->ipam[1].subnet), "fd00:0:0:10::/64");
	assert_string_equal(ip(&f->ipam[1].gateway), "fd00:0:0:10::1");
	assert_string_equal(m->networks[2].name, "yes");
	assert_string_equal(m->networks[3].name, "123");

	assert_int_equal(m->n_services, 4);
	const struct nc_service *w = &m->services[0];
	const char *cmd[] = { "sh", "-c", "echo \"hello world\"; sleep 1000" };
	assert_true(w->has_command);
	assert_int_equal(w->n_command, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(w->command[i], cmd[i]);
	assert_mark(w->command_mark, 29, 14);

	/* A later A= replaces the earlier one in place (Compose). */
	assert_int_equal(w->n_environment, 4);
	assert_string_equal(w->environment[0].key, "A");
	assert_string_equal(w->environment[0].value, "2");
	assert_mark(w->environment[0].mark, 34, 9);
	assert_string_equal(w->environment[1].key, "B");
	assert_null(w->environment[1].value);
	assert_string_equal(w->environment[2].value, "x=y");
	assert_string_equal(w->environment[3].key, "QUOTE");
	assert_string_equal(w->environment[3].value, "a \"b\" c");
	assert_string_equal(w->hostname, "web.lab");
	assert_mark(w->hostname_mark, 36, 15);

	assert_int_equal(w->n_networks, 4);
	const struct nc_attach *a = &w->networks[0];
	assert_string_equal(ip(&a->ipv4_address), "192.168.10.5");
	assert_string_equal(ip(&a->ipv6_address), "fd00:0:0:10::5");
	assert_mark(a->ipv6_mark, 40, 23);
	assert_string_equal(a->interface_name, "up0");
	assert_mark(a->interface_name_mark, 41, 25);
	assert_string_equal(a->mac_address, "02:aa:bb:cc:dd:ee");
	assert_mark(a->mac_address_mark, 42, 22);
	assert_int_equal(a->n_aliases, 2);
	assert_string_equal(a->aliases[1], "web.front");
	assert_int_equal(a->gw_priority, 10);
	assert_string_equal(w->networks[1].network, "back");
	assert_string_equal(w->networks[2].network, "yes");
	assert_string_equal(w->networks[3].network, "123");
	assert_null(w->networks[3].interface_name);

	assert_int_equal(w->mem_limit, 3LL << 29);
	assert_true(w->cpus == 1.25);
	assert_int_equal(w->pids_limit, -1);
	assert_int_equal(w->n_sysctls, 2);
	assert_string_equal(w->sysctls[1].key, "net.ipv6.conf.all.forwarding");
	assert_string_equal(w->sysctls[1].value, "1");
	assert_mark(w->sysctls[1].mark, 54, 9);
	const char *caps[] = { "NET_ADMIN", "SYS_TIME", "NET_RAW" };
	assert_int_equal(w->n_cap_add, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(w->cap_add[i], caps[i]);
	assert_int_equal(w->n_cap_drop, 1);
	assert_string_equal(w->cap_drop[0], "ALL");
	assert_int_equal(w->n_routes, 3);
	assert_string_equal(pfx(&w->routes[1].to), "fd00:99::/32");
	assert_string_equal(pfx(&w->routes[2].to), "10.98.0.1/32");

	const struct nc_service *k = &m->services[1];
	const char *argv[] = { "python3", "-m", "http.server", "8000", "true", "~x" };
	assert_int_equal(k->n_command, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(k->command[i], argv[i]);
	assert_string_equal(k->environment[0].value, "");
	assert_null(k->environment[1].value);
	assert_string_equal(k->environment[2].value, "0x10");
	assert_string_equal(k->environment[3].value, "yes");
	assert_int_equal(k->mem_limit, 134217728);
	assert_int_equal(k->pids_limit, 0);
	/* Without `networks:` a service joins `default`, at its own place. */
	assert_false(k->has_networks_key);
	assert_int_equal(k->n_networks, 1);
	assert_string_equal(k->networks[0].network, "default");
	assert_mark(k->networks[0].mark, k->mark.line, k->mark.col);

	const struct nc_service *idle = &m->services[2];
	assert_int_equal(idle->n_networks, 1);
	assert_int_equal(idle->mem_limit, NC_UNSET);
	const struct nc_service *o = &m->services[3];
	assert_string_equal(o->name, "007");
	assert_true(o->has_command);
	assert_int_equal(o->n_command, 0);
	assert_true(o->has_networks_key);
	assert_int_equal(o->n_networks, 0);
	nc_model_free(m);
}

static void test_default_network(void **state)
{
	(void)state;
	/* Used implicitly: made, after the file's networks, with no place. */
	struct nc_model *m = load("networks:\n  lan: {}\nservices:\n  a: {}\n  b: {networks: [lan]}\n");
	assert_int_equal(m->n_networks, 2);
	assert_string_equal(m->networks[1].name, "default");
	assert_true(m->networks[1].implicit);
	assert_int_equal(m->networks[1].mark.line, 0);
	assert_false(m->networks[0].implicit);
	nc_model_free(m);

	/* Named explicitly but not defined: also made. */
	m = load("services:\n  a: {networks: [default]}\n");
	assert_int_equal(m->n_networks, 1);
	assert_true(m->networks[0].implicit);
	nc_model_free(m);

	/* Defined in the file: that one is used. */
	m = load("networks:\n  default: {internal: true}\nservices:\n  a: {}\n");
	assert_int_equal(m->n_networks, 1);
	assert_false(m->networks[0].implicit);
	assert_true(m->networks[0].internal);
	nc_model_free(m);

	/* Nobody uses it: not made. */
	m = load("networks:\n  lan:\nservices:\n  a: {networks: [lan]}\n  b: {networks: []}\n");
	assert_int_equal(m->n_networks, 1);
	nc_model_free(m);

	/* No services at all is a valid (empty) project. */
	m = load("name: empty\n");
	assert_int_equal(m->n_services, 0);
	assert_int_equal(m->n_networks, 0);
	nc_model_free(m);
}

static void test_anchors_and_merges(void **state)
{
	(void)state;
	struct nc_model *m = load_good("anchors.yaml");

	const struct nc_service *a = nc_model_service(m, "a");
	assert_int_equal(a->mem_limit, 64 << 20);
	/* The mapping's own key wins over the merged one. */
	assert_true(a->cpus == 1);
	assert_int_equal(a->pids_limit, 32);
	/* A merged value keeps the place where it was written. */
	assert_mark(a->mem_limit_mark, 3, 14);

	/* Among merged mappings the first wins. */
	const struct nc_service *b = nc_model_service(m, "b");
	assert_true(b->cpus == 2);
	assert_int_equal(b->n_cap_add, 1);
	assert_int_equal(b->mem_limit, 64 << 20);
	assert_string_equal(b->hostname, "bee");

	/* Merged keys sit where `<<` stands: interface order follows. */
	const struct nc_service *c = nc_model_service(m, "c");
	assert_int_equal(c->n_networks, 3);
	assert_string_equal(c->networks[0].network, "mgmt");
	assert_string_equal(c->networks[1].network, "lan");
	assert_string_equal(c->networks[2].network, "wan");
	assert_string_equal(c->hostname, "bee");
	assert_int_equal(c->n_command, 2);

	const struct nc_service *d = nc_model_service(m, "d");
	assert_int_equal(d->n_command, 2);
	assert_string_equal(d->command[1], "infinity");
	assert_string_equal(nc_model_service(m, "e")->environment[0].value, "1");
	nc_model_free(m);

	/* An explicit key next to a merged one of the same name is no
	 * duplicate; two explicit ones are. */
	m = load("x-a: &a {cpus: 1}\nservices:\n  s: {<<: *a, cpus: 2}\n");
	assert_true(m->services[0].cpus == 2);
	nc_model_free(m);
	load_fails("x-a: &a {cpus: 1}\nservices:\n  s: {<<: *a, cpus: 2, cpus: 3}\n",
		   "t.yaml:3:24: duplicate key `cpus` (first at line 3)");
	/* An alias cannot point into its own anchor (no cycles). */
	load_fails("x-a: &a [*a]\n", "t.yaml:1:10: alias `*a` refers to an undefined anchor");
	/* A redefined anchor: the latest definition counts. */
	m = load("x-1: &v 1\nx-2: &v 2\nservices:\n  s: {pids_limit: *v}\n");
	assert_int_equal(m->services[0].pids_limit, 2);
	nc_model_free(m);
}

/* Aliases share nodes, so "billion laughs" costs nothing. */
static void test_alias_bomb(void **state)
{
	(void)state;
	struct nc_strbuf y = NC_STRBUF_INIT;
	nc_strbuf_append(&y, "x-0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 30; i++)
		nc_strbuf_printf(&y, "x-%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i,
				 i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	nc_strbuf_append(&y, "services:\n  s: {command: *a29}\n");
	clock_t t0 = clock();
	struct nc_model *m = NULL;
	nc_err err;
	assert_true(nc_model_load_buffer("t.yaml", y.s, y.len, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "expected a string in the list, got a list"));
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
	nc_strbuf_free(&y);
}

/* Only top-level `x-` keys and `x-` keys inside an object are extensions;
 * an entry of services:, networks:, volumes:, secrets: or configs: named
 * `x-...` is an object like any other (Compose). */
/* YAML 1.1 booleans where Compose accepts them: keys that want a boolean
 * take y/yes/on/n/no/off in any case; strings elsewhere stay strings. */
static void test_yaml11_booleans(void **state)
{
	(void)state;
	struct nc_model *m = load("networks:\n"
				  "  n: {internal: yes, enable_ipv6: Off}\n"
				  "  e: {external: Y}\n"
				  "services:\n"
				  "  s:\n"
				  "    init: yes\n"
				  "    tty: On\n"
				  "    stdin_open: \"YES\"\n"
				  "    privileged: n\n"
				  "    read_only: NO\n"
				  "    environment: {A: yes, B: on}\n"
				  "    command: [echo, off, Y]\n"
				  "    networks: [n]\n");
	const struct nc_service *s = &m->services[0];
	assert_true(s->init);
	assert_true(s->tty);
	assert_true(s->stdin_open);
	assert_false(s->privileged);
	assert_false(s->read_only);
	assert_true(m->networks[0].internal);
	assert_false(m->networks[0].enable_ipv6);
	assert_true(m->networks[1].external);
	assert_string_equal(s->environment[0].value, "yes");
	assert_string_equal(s->environment[1].value, "on");
	assert_string_equal(s->command[1], "off");
	assert_string_equal(s->command[2], "Y");
	nc_model_free(m);
	m = load("services:\n  s: {init: yes, privileged: on}\n");
	assert_true(m->services[0].init && m->services[0].privileged);
	nc_model_free(m);
	load_fails("services:\n  s: {init: sure}\n",
		   "t.yaml:2:13: `init` in service `s`: expected true or false, got a string");
}

/* A limit given twice with two values is refused, naming both keys;
 * the same value twice is accepted (Compose). */
static void test_limit_pairs(void **state)
{
	(void)state;
	load_fails("services:\n  s:\n    mem_limit: 64m\n    deploy: {resources: {limits: {memory: 128m}}}\n",
		   "t.yaml:4:43: service `s`: `deploy.resources.limits.memory` and `mem_limit` (line 3) have different values: give one of them, or the same value in both");
	load_fails("services:\n  s:\n    cpus: 1\n    deploy: {resources: {limits: {cpus: \"2\"}}}\n",
		   "t.yaml:4:41: service `s`: `deploy.resources.limits.cpus` and `cpus` (line 3) have different values: give one of them, or the same value in both");
	load_fails("services:\n  s:\n    pids_limit: 10\n    deploy: {resources: {limits: {pids: 20}}}\n",
		   "t.yaml:4:41: service `s`: `deploy.resources.limits.pids` and `pids_limit` (line 3) have different values: give one of them, or the same value in both");
	struct nc_model *m = load("services:\n  s:\n    mem_limit: 64m\n    cpus: 0.5\n    pids_limit: 9\n"
				  "    deploy: {resources: {limits: {memory: 67108864, cpus: \"0.5\", pids: 9}}}\n");
	nc_model_free(m);
}

/* Variable names in `environment:` are checked (env_file names are
 * checked by the .env reader), at the name. */
static void test_environment_names(void **state)
{
	(void)state;
	load_fails("services:\n  s:\n    environment: [\"A B=1\"]\n",
		   "t.yaml:3:19: `environment` in service `s`: `A B` is not a variable name: it contains a space; use letters, digits and `_`");
	load_fails("services:\n  s:\n    environment:\n      \"A=B\": 1\n",
		   "t.yaml:4:7: `environment` in service `s`: `A=B` is not a variable name: it contains `=`; use letters, digits and `_`");
	load_fails("services:\n  s:\n    environment:\n      \"A\\tB\": 1\n",
		   "t.yaml:4:7: `environment` in service `s`: `A\\tB` is not a variable name: it contains a control character; use letters, digits and `_`");
	struct nc_model *m = load("services:\n  s: {environment: [a.b-c=1, _X=2, \"\xc3\xa1=3\"]}\n");
	assert_int_equal(m->services[0].n_environment, 3);
	nc_model_free(m);
}

static void test_x_keys_ignored(void **state)
{
	(void)state;
	struct nc_model *m = load("x-top: 1\n"
				  "networks:\n"
				  "  x-net: {}\n"
				  "  n:\n"
				  "    x-n: 1\n"
				  "    ipam: {x-i: 1, config: [{subnet: 10.0.0.0/24, x-c: 1}]}\n"
				  "volumes:\n"
				  "  x-vol:\n"
				  "secrets:\n"
				  "  x-s: {environment: HOME}\n"
				  "configs:\n"
				  "  x-c: {content: hi}\n"
				  "services:\n"
				  "  x-foo: {networks: [x-net, n]}\n"
				  "  s:\n"
				  "    x-s: {bogus: 1}\n"
				  "    networks: {n: {x-a: 1}}\n"
				  "    routes: [{to: default, via: 10.0.0.9, x-r: 1}]\n");
	assert_int_equal(m->n_networks, 2);
	assert_string_equal(m->networks[0].name, "x-net");
	assert_int_equal(m->n_services, 2);
	assert_string_equal(m->services[0].name, "x-foo");
	assert_int_equal(m->services[0].n_networks, 2);
	assert_string_equal(m->services[0].networks[0].network, "x-net");
	assert_int_equal(m->n_volumes, 1);
	assert_string_equal(m->volumes[0].name, "x-vol");
	assert_int_equal(m->n_secrets, 1);
	assert_int_equal(m->n_configs, 1);
	assert_int_equal(m->services[1].n_routes, 1);
	nc_model_free(m);
	/* an `x-` service is checked like any other */
	load_fails("services:\n  x-foo: {bogus: 1}\n",
		   "t.yaml:2:11: unknown key `bogus` in service `x-foo`");
}

/* Compose keys that carry metadata or process details: each form. */
static void test_more_service_keys(void **state)
{
	(void)state;
	struct nc_model *m = load("networks:\n"
				  "  n: {labels: [a=1]}\n"
				  "volumes:\n"
				  "  v: {labels: {b: \"2\"}}\n"
				  "services:\n"
				  "  s:\n"
				  "    labels: [tier=web, bare]\n"
				  "    group_add: [wheel, 4242]\n"
				  "    dns_search: lab.example\n"
				  "    dns_opt: [\"ndots:2\", edns0]\n"
				  "    oom_score_adj: -100\n"
				  "    shm_size: 128m\n"
				  "    cpu_period: 50000\n"
				  "    cpu_quota: 20000\n"
				  "    devices: [/dev/net/tun, \"/dev/fuse:/dev/f:rwm\"]\n");
	const struct nc_service *s = &m->services[0];
	assert_int_equal(m->networks[0].n_labels, 1);
	assert_string_equal(m->volumes[0].labels[0].value, "2");
	assert_int_equal(s->n_labels, 2);
	assert_string_equal(s->labels[0].key, "tier");
	assert_null(s->labels[1].value);
	assert_int_equal(s->n_group_add, 2);
	assert_string_equal(s->group_add[1], "4242");
	assert_int_equal(s->n_dns_search, 1);
	assert_string_equal(s->dns_search[0], "lab.example");
	assert_int_equal(s->n_dns_opt, 2);
	assert_int_equal(s->oom_score_adj, -100);
	assert_int_equal(s->shm_size, 128 << 20);
	assert_int_equal(s->cpu_period, 50000);
	assert_int_equal(s->cpu_quota, 20000);
	assert_int_equal(s->n_devices, 2);
	assert_string_equal(s->devices[1], "/dev/fuse:/dev/f:rwm");
	nc_model_free(m);

	m = load("secrets:\n  t: {file: ./t}\n  e: {environment: X}\n"
		 "configs:\n  c: {content: hi}\n"
		 "services:\n  s:\n    secrets: [t, {source: e, target: k}]\n"
		 "    configs: [{source: c, target: /etc/c.conf}]\n");
	assert_int_equal(m->n_secrets, 2);
	assert_string_equal(m->secrets[1].environment, "X");
	assert_string_equal(m->configs[0].content, "hi");
	s = &m->services[0];
	assert_int_equal(s->n_secrets, 2);
	assert_null(s->secrets[0].target);
	assert_string_equal(s->secrets[1].target, "k");
	assert_string_equal(s->configs[0].target, "/etc/c.conf");
	nc_model_free(m);
}


/* profiles: who stays, and a reference into a profile that is off. */
static void test_profiles(void **state)
{
	(void)state;
	static const char *y = "services:\n"
			       "  a: {}\n"
			       "  dbg: {profiles: [debug, tools]}\n"
			       "  b: {profiles: [x], depends_on: [dbg]}\n"
			       "  c: {profiles: [x]}\n";
	struct nc_model *m;
	nc_err err;

	m = load(y);
	assert_int_equal(nc_model_apply_profiles(m, NULL, NULL, &err), 0);
	assert_int_equal(m->n_services, 1);
	assert_string_equal(m->services[0].name, "a");
	nc_model_free(m);

	m = load(y);
	assert_int_equal(nc_model_apply_profiles(m, " tools , x", NULL, &err), 0);
	assert_int_equal(m->n_services, 4);
	assert_string_equal(m->services[3].name, "c"); /* file order kept */
	nc_model_free(m);

	m = load(y);
	assert_int_equal(nc_model_apply_profiles(m, "*", NULL, &err), 0);
	assert_int_equal(m->n_services, 4);
	nc_model_free(m);

	m = load(y);
	assert_true(nc_model_apply_profiles(m, "x", NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "t.yaml:4:"));
	assert_non_null(strstr(err.msg, "`--profile debug`"));
	nc_model_free(m);

	/* Naming a service (`up dbg`) activates its profiles. */
	m = load(y);
	const char *const named[] = { "dbg", NULL };
	assert_int_equal(nc_model_apply_profiles(m, "", named, &err), 0);
	assert_int_equal(m->n_services, 2);
	assert_string_equal(m->services[1].name, "dbg");
	nc_model_free(m);

	/* A link into a disabled service is refused too. */
	m = load("services:\n  r1: {}\n  r2: {profiles: [p]}\n"
		 "links:\n  - endpoints: [\"r1:eth1\", \"r2:eth1\"]\n");
	assert_true(nc_model_apply_profiles(m, "", NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "a link ends at `r2`"));
	nc_model_free(m);
}

static void test_forms(void **state)
{
	(void)state;
	struct nc_model *m = load("services:\n"
				  "  s:\n"
				  "    networks: [a, b]\n"
				  "    environment: {A: 1, B: true, C: ~, D: \"\"}\n"
				  "    sysctls: {net.core.somaxconn: 1024}\n"
				  "    mem_limit: 0\n"
				  "    cpus: 2\n"
				  "    command: \"\"\n"
				  "  t:\n"
				  "    mem_limit: \"512 KiB\"\n"
				  "    cap_drop: [all]\n"
				  "    pids_limit: \"12\"\n"
				  "networks: {a: , b: }\n");
	const struct nc_service *s = &m->services[0];
	assert_int_equal(s->n_networks, 2);
	assert_mark(s->networks[1].mark, 3, 19);
	assert_string_equal(s->environment[1].value, "true");
	assert_null(s->environment[2].value);
	assert_string_equal(s->environment[3].value, "");
	assert_string_equal(s->sysctls[0].value, "1024");
	/* Docker reads 0 as no limit. */
	assert_int_equal(s->mem_limit, NC_UNSET);
	assert_true(s->cpus == 2);
	assert_true(s->has_command);
	assert_int_equal(s->n_command, 0);
	const struct nc_service *t = &m->services[1];
	assert_int_equal(t->mem_limit, 512 * 1024);
	assert_string_equal(t->cap_drop[0], "ALL");
	assert_int_equal(t->pids_limit, 12);
	nc_model_free(m);
}

static void test_yaml_scalars(void **state)
{
	(void)state;
	static const char doc[] = "a: 123\n"
				  "b: \"123\"\n"
				  "c: ~\n"
				  "d:\n"
				  "e: true\n"
				  "f: 'true'\n"
				  "g: 1.5\n"
				  "h: 0x1F\n"
				  "i: yes\n"
				  "j: !!str 12\n"
				  "k: -7\n"
				  "l: .inf\n"
				  "m: |\n  two\n  lines\n"
				  "n: Null\n"
				  "o: 1e3\n"
				  "p: 10.0.0.1\n";
	static const struct {
		const char *key;
		enum nc_yt_type type;
		const char *text;
		bool quoted;
	} want[] = {
		{ "a", NC_YT_INT, "123", false },    { "b", NC_YT_STR, "123", true },
		{ "c", NC_YT_NULL, "~", false },     { "d", NC_YT_NULL, "", false },
		{ "e", NC_YT_BOOL, "true", false },  { "f", NC_YT_STR, "true", true },
		{ "g", NC_YT_FLOAT, "1.5", false },  { "h", NC_YT_INT, "0x1F", false },
		{ "i", NC_YT_STR, "yes", false },    { "j", NC_YT_STR, "12", true },
		{ "k", NC_YT_INT, "-7", false },     { "l", NC_YT_FLOAT, ".inf", false },
		{ "m", NC_YT_STR, "two\nlines\n", true }, { "n", NC_YT_NULL, "Null", false },
		{ "o", NC_YT_FLOAT, "1e3", false },  { "p", NC_YT_STR, "10.0.0.1", false },
	};
	struct nc_arena a = NC_ARENA_INIT;
	struct nc_yt_node *root;
	nc_err err;

	assert_int_equal(nc_yt_parse(&a, "t.yaml", doc, sizeof(doc) - 1, &root, &err), 0);
	assert_int_equal(root->kind, NC_YT_MAP);
	assert_int_equal(root->n_pairs, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < root->n_pairs; i++) {
		const struct nc_yt_node *v = nc_yt_get(root, want[i].key);
		assert_non_null(v);
		assert_int_equal(v->kind, NC_YT_SCALAR);
		assert_int_equal(v->type, want[i].type);
		assert_string_equal(v->text, want[i].text);
		assert_int_equal(v->quoted, want[i].quoted);
		assert_int_equal(root->pairs[i].key->mark.line, i < 13 ? i + 1 : i + 3);
		assert_int_equal(root->pairs[i].key->mark.col, 1);
	}
	assert_null(nc_yt_get(root, "zz"));
	assert_int_equal(nc_yt_parse(&a, "t.yaml", "", 0, &root, &err), 0);
	assert_null(root);
	nc_arena_free(&a);

	assert_int_equal(nc_yt_resolve_plain("-"), NC_YT_STR);
	assert_int_equal(nc_yt_resolve_plain("0o17"), NC_YT_INT);
	assert_int_equal(nc_yt_resolve_plain("+.5"), NC_YT_FLOAT);
	assert_int_equal(nc_yt_resolve_plain("1."), NC_YT_FLOAT);
	assert_int_equal(nc_yt_resolve_plain("."), NC_YT_STR);
	assert_int_equal(nc_yt_resolve_plain("1e"), NC_YT_STR);
	assert_int_equal(nc_yt_resolve_plain("FALSE"), NC_YT_BOOL);
	assert_int_equal(nc_yt_resolve_plain("fAlse"), NC_YT_STR);
}

static void test_yaml_errors(void **state)
{
	(void)state;
	/* A NUL inside a double-quoted string would cut the C string. */
	load_fails("services:\n  a: {hostname: \"a\\0b\"}\n",
		   "t.yaml:2:17: a NUL character is not allowed in a value");
	load_fails("services:\n  a: {pids_limit: !!int abc}\n",
		   "t.yaml:2:19: `abc` is not a valid `!!int`");
	load_fails("services: !!set {a}\n", "t.yaml:1:11: YAML tag `tag:yaml.org,2002:set` is not supported");
	load_fails("services:\n  a: {}\n  b: {}\n  a: {}\n", "t.yaml:4:3: duplicate key `a` (first at line 2)");
	struct nc_strbuf deep = NC_STRBUF_INIT;
	nc_strbuf_append(&deep, "x-deep: ");
	for (int i = 0; i < 200; i++)
		nc_strbuf_putc(&deep, '[');
	for (int i = 0; i < 200; i++)
		nc_strbuf_putc(&deep, ']');
	load_fails(deep.s, "t.yaml:1:136: nesting deeper than 128 levels");
	nc_strbuf_free(&deep);
	/* An explicit !!int that agrees, and !!float on an integer. */
	struct nc_model *m = load("services:\n  a: {pids_limit: !!int 5, cpus: !!float 1}\n");
	assert_int_equal(m->services[0].pids_limit, 5);
	assert_true(m->services[0].cpus == 1);
	nc_model_free(m);
}

/* Every key with a reader refuses a value of the wrong shape, at the
 * value, naming the key and what it got. */
static void test_wrong_types(void **state)
{
	(void)state;
	static const struct {
		const char *key, *value, *got;
	} svc[] = {
		{ "blkio_config", "[1]", "got a list" },     { "cap_add", "{a: 1}", "got a mapping" },
		{ "cap_drop", "NET_RAW", "got a string" },   { "command", "{a: 1}", "got a mapping" },
		{ "cpu_shares", "[1]", "got a list" },	     { "cpus", "[1]", "got a list" },
		{ "cpuset", "{a: 1}", "got a mapping" },     { "depends_on", "db", "got a string" },
		{ "deploy", "[1]", "got a list" },	     { "dns", "{a: 1}", "got a mapping" },
		{ "domainname", "[a]", "got a list" },	     { "entrypoint", "{a: 1}", "got a mapping" },
		{ "env_file", "{a: 1}", "got a mapping" },   { "environment", "A=1", "got a string" },
		{ "expose", "80", "got a number" },	     { "extra_hosts", "a:1.2.3.4", "got a string" },
		{ "healthcheck", "[1]", "got a list" },	     { "hostname", "[a]", "got a list" },
		{ "image", "{a: 1}", "got a mapping" },	     { "init", "[a]", "got a list" },
		{ "mem_limit", "{a: 1}", "got a mapping" },  { "memswap_limit", "[1]", "got a list" },
		{ "network_mode", "[none]", "got a list" },  { "networks", "lan", "got a string" },
		{ "pids_limit", "[1]", "got a list" },	     { "ports", "\"80:80\"", "got a string" },
		{ "privileged", "1", "got a number" },	     { "read_only", "[1]", "got a list" },
		{ "restart", "[no]", "got a list" },	     { "routes", "{to: default}", "got a mapping" },
		{ "security_opt", "seccomp=x", "got a string" }, { "stop_grace_period", "[1s]", "got a list" },
		{ "stop_signal", "[TERM]", "got a list" },   { "sysctls", "a=1", "got a string" },
		{ "tmpfs", "{a: 1}", "got a mapping" },	     { "ulimits", "[1]", "got a list" },
		{ "user", "{a: 1}", "got a mapping" },	     { "volumes", "/data", "got a string" },
		{ "working_dir", "[/]", "got a list" },
		{ "logging", "json-file", "got a string" },
	};
	struct nc_load_opts opts = { 0 };

	for (size_t i = 0; i < sizeof(svc) / sizeof(svc[0]); i++) {
		char y[256], want[128];
		struct nc_model *m = NULL;
		nc_err err;
		snprintf(y, sizeof(y), "services:\n  s:\n    %s: %s\n", svc[i].key, svc[i].value);
		assert_true(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err) < 0);
		snprintf(want, sizeof(want), "t.yaml:3:%zu: `%s` in service `s`: expected ",
			 strlen(svc[i].key) + 7, svc[i].key);
		if (strncmp(err.msg, want, strlen(want)) || !strstr(err.msg, svc[i].got))
			fail_msg("%s: %s", svc[i].key, err.msg);
	}

	/* Other mappings: a document, the expected prefix, what it got. */
	static const struct {
		const char *yaml, *prefix, *got;
	} other[] = {
		{ "networks:\n  n: {driver: [bridge]}\n", "t.yaml:2:15: `driver` in network `n`: expected", "a list" },
		{ "networks:\n  n: {internal: \"nope\"}\n", "t.yaml:2:17: `internal` in network `n`: expected", "a string" },
		{ "networks:\n  n: {external: {}}\n", "t.yaml:2:17: `external` in network `n`: expected", "a mapping" },
		{ "networks:\n  n: {ipam: [1]}\n", "t.yaml:2:13: `ipam` in network `n`: expected", "a list" },
		{ "networks:\n  n: {ipam: {driver: {}}}\n", "t.yaml:2:22: `driver` in `ipam` of network `n`: expected", "a mapping" },
		{ "networks:\n  n: {ipam: {config: [{subnet: [1]}]}}\n", "t.yaml:2:32: `subnet` in ipam config of network `n`: expected", "a list" },
		{ "networks:\n  n: {ipam: {config: [{gateway: {}}]}}\n", "t.yaml:2:33: `gateway` in ipam config of network `n`: expected", "a mapping" },
		{ "networks:\n  n: {ipam: {config: [{ip_range: 1}]}}\n", "t.yaml:2:34: `ip_range` in ipam config of network `n`: `1` is not a subnet", "" },
		{ "networks:\n  n: {driver_opts: {com.docker.network.driver.mtu: big}}\n",
		  "t.yaml:2:52: `com.docker.network.driver.mtu` in network `n`: expected", "a string" },
		{ "services:\n  s: {networks: {default: {interface_name: [a]}}}\n",
		  "t.yaml:2:44: `interface_name` in network `default` of service `s`: expected", "a list" },
		{ "services:\n  s: {networks: {default: {mac_address: 12}}}\n",
		  "t.yaml:2:41: `mac_address` in network `default` of service `s`: `12` is not a MAC", "" },
		{ "services:\n  s: {networks: {default: {ipv6_address: {}}}}\n",
		  "t.yaml:2:42: `ipv6_address` in network `default` of service `s`: expected", "a mapping" },
		{ "services:\n  s: {networks: [[lan]]}\n", "t.yaml:2:18: `networks` in service `s`: expected", "a list" },
		{ "services:\n  s: {routes: [{to: [x], via: 1.2.3.4}]}\n", "t.yaml:2:21: `to` in route 1 of service `s`: expected", "a list" },
		{ "services:\n  s: {routes: [{to: default, via: {}}]}\n", "t.yaml:2:35: `via` in route 1 of service `s`: expected", "a mapping" },
		{ "services:\n  s: {networks: {default: {rate: []}}}\n", "t.yaml:2:34: `rate` in network `default` of service `s`: expected", "a list" },
		{ "services:\n  s: {networks: {default: {loss: {}}}}\n", "t.yaml:2:34: `loss` in network `default` of service `s`: expected", "a mapping" },
		{ "links: {a: b}\n", "t.yaml:1:8: `links`: expected", "a mapping" },
		{ "links:\n  - {endpoints: [a:e, b:e], mtu: [1]}\n", "t.yaml:2:34: `mtu` in link 1: expected", "a list" },
		{ "checks: a\n", "t.yaml:1:9: `checks`: expected", "a string" },
		{ "checks:\n  - {from: [a]}\n", "t.yaml:2:12: `from` in check 1: expected", "a list" },
		{ "checks:\n  - {from: a, reach: {}}\n", "t.yaml:2:22: `reach` in check 1: expected", "a mapping" },
		{ "volumes: [a]\n", "t.yaml:1:10: `volumes`: expected", "a list" },
		{ "volumes:\n  v: {external: 1}\n", "t.yaml:2:17: `external` in volume `v`: expected", "a number" },
		{ "name: [x]\n", "t.yaml:1:7: `name`: expected", "a list" },
		{ "networks: [a]\n", "t.yaml:1:11: `networks`: expected", "a list" },
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		struct nc_model *m = NULL;
		nc_err err;
		const char *y = other[i].yaml;
		assert_true(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err) < 0);
		if (strncmp(err.msg, other[i].prefix, strlen(other[i].prefix)) ||
		    !strstr(err.msg, other[i].got))
			fail_msg("%zu: %s", i, err.msg);
	}
}

static void test_model_error(void **state)
{
	(void)state;
	struct nc_model *m = load("services:\n  a: {}\n");
	nc_err err;

	assert_int_equal(nc_model_error(m, m->services[0].mark, &err, "bad `%s`", "a"), -EINVAL);
	assert_string_equal(err.msg, "t.yaml:2:3: bad `a`");
	assert_int_equal(err.errnum, EINVAL);
	/* The planner re-anchors an earlier message: err->msg as argument. */
	nc_err_msg(&err, EINVAL, "name too long");
	nc_model_error(m, (struct nc_mark){ .line = 7, .col = 9 }, &err, "%s", err.msg);
	assert_string_equal(err.msg, "t.yaml:7:9: name too long");
	/* A synthesised element has no place. */
	nc_model_error(m, m->networks[0].mark, &err, "network `%s`", m->networks[0].name);
	assert_string_equal(err.msg, "t.yaml: network `default`");
	nc_model_free(m);
	nc_model_free(NULL);
}

static void test_load_file_errors(void **state)
{
	(void)state;
	struct nc_model *m = (struct nc_model *)1;
	nc_err err;

	assert_int_equal(nc_model_load_file(GOOD_DIR "/no-such.yaml", &m, &err), -ENOENT);
	assert_null(m);
	assert_non_null(strstr(err.msg, "no-such.yaml"));
}


/* `cpus` has one reader: a leading '+' (as compose-go's ParseFloat takes
 * it) is accepted at service level and under deploy.resources alike, and
 * a negative count is refused in both. */
static void test_cpus_one_reader(void **state)
{
	(void)state;
	struct nc_model *m = load("services:\n"
				  "  s:\n"
				  "    cpus: \"+0.5\"\n"
				  "    deploy: {resources: {limits: {cpus: \"+0.50\"}, reservations: {cpus: \"+0.125\"}}}\n");
	const struct nc_service *s = nc_model_service(m, "s");
	assert_true(s->cpus == 0.5);
	assert_true(s->limits.cpus == 0.5);
	assert_true(s->reservations.cpus == 0.125);
	nc_model_free(m);
	load_fails("services:\n  s:\n    cpus: \"-1\"\n",
		   "t.yaml:3:11: `cpus` in service `s`: the number of CPUs must be greater than 0, not -1");
	load_fails("services:\n  s:\n    deploy: {resources: {limits: {cpus: \"-1\"}}}\n",
		   "t.yaml:3:41: `cpus` in `deploy.resources.limits` of service `s`: the number of CPUs must be greater than 0, not -1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab),
		cmocka_unit_test(test_cpus_one_reader),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_default_network),
		cmocka_unit_test(test_anchors_and_merges),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_x_keys_ignored),
		cmocka_unit_test(test_more_service_keys),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_yaml_scalars),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_model_error),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_yaml11_booleans),
		cmocka_unit_test(test_limit_pairs),
		cmocka_unit_test(test_environment_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
