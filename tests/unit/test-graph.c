/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compose/lab/graph.h"

static const char *yaml = "name: g\n"
			  "networks:\n"
			  "  lan: {ipam: {config: [{subnet: 10.0.1.0/24}]}}\n"
			  "  back: {internal: true, ipam: {config: [{subnet: 10.0.2.0/24}]}}\n"
			  "services:\n"
			  "  r: {networks: {lan: {ipv4_address: 10.0.1.254}, back: {ipv4_address: 10.0.2.254}}}\n"
			  "  c: {networks: [back]}\n";

static void test_dot_names_every_interface_and_address(void **state)
{
	(void)state;
	struct nc_model *m;
	struct nc_plan *p;
	nc_err err;
	struct nc_strbuf b = NC_STRBUF_INIT;

	assert_int_equal(nc_model_load_buffer("g.yaml", yaml, strlen(yaml), &m, &err), 0);
	assert_int_equal(nc_plan_build(m, "g", NULL, &p, &err), 0);
	nc_graph_dot(p, &b);
	assert_non_null(strstr(b.s, "graph \"g\" {"));
	/* r joins two networks: a router, drawn between them. */
	assert_non_null(strstr(b.s, "\"svc:r\" [shape=ellipse"));
	assert_non_null(strstr(b.s, "\"net:lan\" -- \"svc:r\" [label=\"eth0\\n10.0.1.254/24\"]"));
	assert_non_null(strstr(b.s, "\"svc:r\" -- \"net:back\" [label=\"eth1\\n10.0.2.254/24\"]"));
	assert_non_null(strstr(b.s, "\"net:back\" -- \"svc:c\" [label=\"eth0\\n10.0.2.1/24\"]"));
	assert_non_null(strstr(b.s, "\"svc:c\" [shape=box"));
	assert_non_null(strstr(b.s, "\"host\" -- \"net:lan\""));
	assert_null(strstr(b.s, "\"host\" -- \"net:back\"")); /* internal: no gateway */
	assert_non_null(strstr(b.s, "internal"));

	nc_strbuf_reset(&b);
	nc_graph_ascii(p, false, &b);
	assert_non_null(strstr(b.s, "|-- router r: lan <-> back\n"));
	assert_null(strstr(b.s, "router c"));
	assert_non_null(strstr(b.s, "|-- network lan  10.0.1.0/24"));
	assert_non_null(strstr(b.s, "`-- c eth0   10.0.2.1/24"));
	nc_strbuf_free(&b);
	nc_plan_free(p);
	nc_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dot_names_every_interface_and_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
