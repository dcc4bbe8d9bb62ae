/* SPDX-License-Identifier: GPL-2.0-or-later */
/* containerlab topologies: the translation to a compose file that loads
 * (tests/data/containerlab/three), inheritance of defaults, kinds and
 * groups, links, and the errors and warnings with their lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "compose/file/containerlab.h"
#include "compose/file/model.h"

#define TOPO NC_TEST_DATA "/containerlab/three/three.clab.yml"

/* Translates `text`; the warnings written, in `warn` (size bytes). */
static int translate(const char *text, struct nc_strbuf *out, char *warn, size_t size, nc_err *err)
{
	const char *hosts[] = { "quay.io/frrouting/frr:10" };
	struct nc_clab_opts o = { .base = ".", .host_images = hosts, .n_host_images = 1 };
	FILE *w = tmpfile();
	assert_non_null(w);
	int r = nc_clab_translate("t.clab.yml", text, strlen(text), &o, w, out, err);
	rewind(w);
	size_t n = fread(warn, 1, size - 1, w);
	warn[n] = '\0';
	fclose(w);
	return r;
}

static void fails(const char *text, const char *want)
{
	struct nc_strbuf out = NC_STRBUF_INIT;
	char warn[2048];
	nc_err err = { 0 };
	assert_true(translate(text, &out, warn, sizeof(warn), &err) < 0);
	if (!strstr(err.msg, want))
		fail_msg("got `%s`\nwant `%s`", err.msg, want);
	nc_strbuf_free(&out);
}

static struct nc_model *load(const char *text, char *warn, size_t size)
{
	struct nc_strbuf out = NC_STRBUF_INIT;
	nc_err err = { 0 };
	struct nc_model *m = NULL;
	if (translate(text, &out, warn, size, &err) < 0)
		fail_msg("%s", err.msg);
	if (nc_model_load_buffer("t.yaml", out.s, out.len, &m, &err) < 0)
		fail_msg("%s\n%s", err.msg, out.s);
	nc_strbuf_free(&out);
	return m;
}

static const char *env_of(const struct nc_service *s, const char *key)
{
	for (size_t i = 0; i < s->n_environment; i++)
		if (!strcmp(s->environment[i].key, key))
			return s->environment[i].value;
	return NULL;
}

static void test_names(void **state)
{
	(void)state;
	assert_true(nc_clab_is_topology_name("a/frr01.clab.yml"));
	assert_true(nc_clab_is_topology_name("x.clab.yaml"));
	assert_false(nc_clab_is_topology_name("compose.yaml"));
	assert_false(nc_clab_is_topology_name(".clab.yml"));
}

/* The fixture: nodes on the host's root, links as written, eth0 on the
 * management network at mgmt-ipv4, exec as the entrypoint, binds
 * read-only and relative to the topology's directory. */
static void test_fixture_loads(void **state)
{
	(void)state;
	struct nc_clab_opts o = { .base = "." };
	struct nc_strbuf out = NC_STRBUF_INIT;
	nc_err err = { 0 };
	if (nc_clab_import_file(TOPO, &o, NULL, &out, &err) < 0)
		fail_msg("%s", err.msg);
	struct nc_model *m = NULL;
	if (nc_model_load_buffer("t.yaml", out.s, out.len, &m, &err) < 0)
		fail_msg("%s\n%s", err.msg, out.s);
	assert_string_equal(m->name, "three");
	assert_int_equal(m->n_services, 4);
	const struct nc_service *n1 = nc_model_service(m, "n1"), *n2 = nc_model_service(m, "n2");
	assert_non_null(n1);
	assert_non_null(n2);
	assert_null(n1->image);
	assert_int_equal(n2->n_networks, 1);
	assert_string_equal(n2->networks[0].network, "default");
	assert_string_equal(n2->networks[0].interface_name, "eth0");
	assert_int_equal(n2->networks[0].ipv4_address.family, 2 /* AF_INET */);
	assert_int_equal(m->n_links, 3);
	assert_string_equal(m->links[1].ends[0].service, "n2");
	assert_string_equal(m->links[1].ends[0].ifname, "eth2");
	assert_string_equal(m->links[1].ends[1].service, "n3");
	assert_string_equal(m->links[1].ends[1].ifname, "eth1");
	assert_int_equal(n1->n_volumes, 1);
	assert_string_equal(n1->volumes[0].source, "./n1/motd");
	assert_string_equal(n1->volumes[0].target, "/etc/lab-motd");
	assert_true(n1->volumes[0].read_only);
	assert_false(n1->volumes[0].create_host_path);
	assert_non_null(n1->entrypoint);
	assert_string_equal(n1->entrypoint[0], "/bin/sh");
	assert_non_null(strstr(n1->entrypoint[2], "ip addr add 10.0.12.1/24 dev eth1; "));
	assert_non_null(strstr(n1->entrypoint[2], "exec sleep infinity"));
	nc_model_free(m);
	nc_strbuf_free(&out);
}

/* containerlab's order: the node, its group, its kind, the defaults; env
 * and labels merged key by key. */
static void test_inheritance(void **state)
{
	(void)state;
	char warn[2048];
	struct nc_model *m = load("name: Inh_Lab\n"
				  "topology:\n"
				  "  defaults:\n"
				  "    kind: linux\n"
				  "    image: alpine:3\n"
				  "    env: {A: defaults, B: defaults, C: defaults, D: defaults}\n"
				  "  kinds:\n"
				  "    linux:\n"
				  "      image: debian:12\n"
				  "      env: {B: kind, C: kind, D: kind}\n"
				  "  groups:\n"
				  "    g:\n"
				  "      image: quay.io/frrouting/frr:10\n"
				  "      env: {C: group, D: group}\n"
				  "      cmd: sleep 5\n"
				  "  nodes:\n"
				  "    plain: {}\n"
				  "    grouped: {group: g, env: {D: node}}\n"
				  "    own: {group: g, image: busybox, cmd: sleep 9, ports: [\"8080:80\"]}\n",
				  warn, sizeof(warn));
	assert_string_equal(warn, "");
	assert_string_equal(m->name, "inh_lab");
	const struct nc_service *plain = nc_model_service(m, "plain"), *grouped = nc_model_service(m, "grouped"),
				 *own = nc_model_service(m, "own");
	assert_string_equal(plain->image, "debian:12");
	assert_string_equal(env_of(plain, "A"), "defaults");
	assert_string_equal(env_of(plain, "B"), "kind");
	assert_string_equal(env_of(plain, "C"), "kind");
	assert_string_equal(env_of(grouped, "C"), "group");
	assert_string_equal(env_of(grouped, "D"), "node");
	assert_string_equal(env_of(grouped, "A"), "defaults");
	/* The group's image is a --host-image: the host's root. */
	assert_null(grouped->image);
	assert_string_equal(grouped->command[0], "sleep");
	/* ...with its own cmd: FRR is not started for it. */
	assert_null(grouped->entrypoint);
	assert_string_equal(own->image, "busybox");
	assert_string_equal(own->command[1], "9");
	assert_int_equal(own->n_ports, 1);
	nc_model_free(m);
}

/* defaults may name the group; cpu and memory are cpus and mem_limit. */
static void test_default_group_and_limits(void **state)
{
	(void)state;
	char warn[2048];
	struct nc_model *m = load("topology:\n"
				  "  defaults: {group: g}\n"
				  "  groups:\n"
				  "    g: {kind: linux, image: alpine:3, cpu: 1.5, memory: 1G}\n"
				  "  nodes:\n"
				  "    a:\n",
				  warn, sizeof(warn));
	const struct nc_service *a = nc_model_service(m, "a");
	assert_string_equal(a->image, "alpine:3");
	assert_true(a->cpus > 1.49 && a->cpus < 1.51);
	assert_int_equal(a->mem_limit, 1073741824);
	nc_model_free(m);
}

static void test_links_and_endpoint_forms(void **state)
{
	(void)state;
	char warn[2048];
	struct nc_model *m = load("topology:\n"
				  "  nodes:\n"
				  "    a: {kind: linux}\n"
				  "    b: {kind: linux}\n"
				  "  links:\n"
				  "    - endpoints: [\"a:eth1\", \"b:e1-1\"]\n"
				  "      mtu: 9000\n"
				  "    - type: veth\n"
				  "      endpoints: [{node: a, interface: eth2}, {node: b, interface: eth2}]\n"
				  "      vars: {x: 1}\n",
				  warn, sizeof(warn));
	assert_int_equal(m->n_links, 2);
	assert_string_equal(m->links[0].ends[1].ifname, "e1-1");
	assert_int_equal(m->links[0].mtu, 9000);
	assert_string_equal(m->links[1].ends[0].ifname, "eth2");
	assert_non_null(strstr(warn, "t.clab.yml:10:7: link key `vars` is not translated; ignored"));
	nc_model_free(m);
}

static void test_warnings_with_lines(void **state)
{
	(void)state;
	char warn[2048];
	struct nc_model *m = load("name: w\n"
				  "extra: 1\n"
				  "topology:\n"
				  "  nodes:\n"
				  "    a:\n"
				  "      kind: linux\n"
				  "      license: x.lic\n"
				  "      startup-config: a.cfg\n",
				  warn, sizeof(warn));
	assert_non_null(strstr(warn, "t.clab.yml:2:1: top-level key `extra` is not translated; ignored"));
	assert_non_null(strstr(warn, "t.clab.yml:7:7: node `a`: key `license` is not translated; ignored"));
	/* startup-config of a node that is no FRR image. */
	assert_non_null(strstr(warn, "t.clab.yml:8:23: node `a`: `startup-config`"));
	nc_model_free(m);
}

/* startup-config of an FRR image: frr.conf, read-only. */
static void test_frr_startup_config(void **state)
{
	(void)state;
	char warn[2048];
	struct nc_model *m = load("topology:\n"
				  "  nodes:\n"
				  "    r1: {kind: linux, image: frrouting/frr:v8, startup-config: r1/frr.conf}\n",
				  warn, sizeof(warn));
	const struct nc_service *r1 = nc_model_service(m, "r1");
	assert_int_equal(r1->n_volumes, 1);
	assert_string_equal(r1->volumes[0].source, "./r1/frr.conf");
	assert_string_equal(r1->volumes[0].target, "/etc/frr/frr.conf");
	assert_true(r1->volumes[0].read_only);
	assert_string_equal(r1->image, "frrouting/frr:v8");
	nc_model_free(m);
}

/* mgmt: both subnets, and the nodes' addresses on them at eth0. */
static void test_mgmt_dual_stack(void **state)
{
	(void)state;
	char warn[2048];
	struct nc_model *m = load("mgmt: {network: x, ipv4-subnet: 10.9.0.0/24, ipv6-subnet: \"fd00:9::/64\"}\n"
				  "topology:\n"
				  "  nodes:\n"
				  "    a: {kind: linux, mgmt-ipv4: 10.9.0.5, mgmt-ipv6: \"fd00:9::5\"}\n",
				  warn, sizeof(warn));
	assert_string_equal(warn, "");
	const struct nc_service *a = nc_model_service(m, "a");
	assert_int_equal(a->networks[0].ipv4_address.family, 2 /* AF_INET */);
	assert_int_equal(a->networks[0].ipv6_address.family, 10 /* AF_INET6 */);
	assert_int_equal(m->n_networks, 1);
	nc_model_free(m);
	/* containerlab's default subnets when the topology names none. */
	m = load("topology:\n  nodes:\n    a: {kind: linux, mgmt-ipv4: 172.20.20.7, mgmt-ipv6: \"3fff:172:20:20::7\"}\n", warn,
		 sizeof(warn));
	assert_int_equal(m->networks[0].n_ipam, 2);
	nc_model_free(m);
}

/* An FRR image on the host's root: the host's FRR started, then exec. */
static void test_frr_on_host(void **state)
{
	(void)state;
	char warn[2048];
	struct nc_model *m = load("topology:\n"
				  "  nodes:\n"
				  "    r1: {kind: linux, image: \"quay.io/frrouting/frr:10\", exec: [\"ip link set eth1 up\"]}\n",
				  warn, sizeof(warn));
	const struct nc_service *r1 = nc_model_service(m, "r1");
	assert_null(r1->image);
	assert_non_null(r1->entrypoint);
	assert_string_equal(r1->entrypoint[2], "/usr/lib/frr/frrinit.sh start; ip link set eth1 up; exec sleep infinity");
	nc_model_free(m);
}

static void test_errors(void **state)
{
	(void)state;
	fails("topology:\n  nodes:\n    r1: {kind: nokia_srlinux}\n",
	      "t.clab.yml:3:16: node `r1` is of kind `nokia_srlinux`, which ncompose does not run");
	fails("topology:\n  defaults: {kind: ceos}\n  nodes:\n    r1: {}\n", "t.clab.yml:2:20: node `r1` is of kind `ceos`");
	fails("topology:\n  nodes:\n    r1: {image: x}\n", "t.clab.yml:3:9: node `r1` has no kind");
	fails("topology:\n  nodes:\n    r1: {kind: linux, group: nope}\n",
	      "t.clab.yml:3:30: node `r1`: group `nope` is not in topology.groups");
	fails("topology:\n  nodes:\n    a: {kind: linux}\n  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n",
	      "t.clab.yml:5:29: link endpoint `b:eth1`: no node `b` in topology.nodes");
	fails("topology:\n  nodes:\n    a: {kind: linux}\n  links:\n    - endpoints: [\"a:eth1\", \"host:veth0\"]\n",
	      "links to `host` are not translated");
	fails("topology:\n  nodes:\n    a: {kind: linux}\n  links:\n    - endpoints: [\"a:eth1\"]\n",
	      "t.clab.yml:5:18: a link needs `endpoints:` with two endpoints");
	fails("topology:\n  nodes:\n    a: {kind: linux, binds: [nocolon]}\n",
	      "t.clab.yml:3:30: node `a`: bind `nocolon` is not SOURCE:TARGET[:ro]");
	fails("name: x\n", "t.clab.yml:1:1: `topology:` must be a mapping");
	fails("topology:\n  nodes:\n    a: {kind: linux}\n  links:\n    - type: vxlan\n      endpoint: {node: a}\n",
	      "t.clab.yml:5:13: a link of type `vxlan` is not translated; only veth links");
	fails("topology:\n  nodes: {}\n", "topology.nodes must be a mapping with at least one node");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fixture_loads),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_default_group_and_limits),
		cmocka_unit_test(test_links_and_endpoint_forms),
		cmocka_unit_test(test_warnings_with_lines),
		cmocka_unit_test(test_frr_startup_config),
		cmocka_unit_test(test_mgmt_dual_stack),
		cmocka_unit_test(test_frr_on_host),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
