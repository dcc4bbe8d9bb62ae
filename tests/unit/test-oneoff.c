/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A one-off container of a service (`run`) as a service of the model
 * (compose/file/oneoff.c), and how the planner then sees it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/inet.h"
#include "compose/file/model.h"
#include "compose/file/oneoff.h"
#include "compose/plan/plan.h"

static const char lab[] =
	"services:\n"
	"  a:\n"
	"    command: sleep infinity\n"
	"    container_name: alpha\n"
	"    environment: [X=1, Y=2]\n"
	"    ports: ['8080:80']\n"
	"    restart: always\n"
	"    networks:\n"
	"      lan: {ipv4_address: 10.9.0.10, aliases: [web]}\n"
	"  b:\n"
	"    command: sleep infinity\n"
	"    networks: [lan]\n"
	"networks:\n"
	"  lan:\n"
	"    ipam: {config: [{subnet: 10.9.0.0/24}]}\n";

static struct nc_model *load(void)
{
	struct nc_model *m = NULL;
	nc_err err;
	int r = nc_model_load_buffer("t.yaml", lab, strlen(lab), &m, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	return m;
}

static const char *env_of(const struct nc_service *s, const char *key)
{
	for (size_t i = 0; i < s->n_environment; i++)
		if (!strcmp(s->environment[i].key, key))
			return s->environment[i].value;
	return NULL;
}

static void test_name(void **state)
{
	(void)state;
	char n[16];
	assert_int_equal(nc_oneoff_name("web", "1a2b", n, sizeof(n)), 0);
	assert_string_equal(n, "web-run-1a2b");
	assert_int_equal(nc_oneoff_name("webserver", "1a2b3c", n, sizeof(n)), -ENAMETOOLONG);
	assert_true(nc_oneoff_of("web-run-1a2b", "web"));
	assert_false(nc_oneoff_of("web-run-1a2b", "we"));
	assert_false(nc_oneoff_of("web-run-", "web"));
	assert_false(nc_oneoff_of("web-run-1a-2b", "web"));
	assert_false(nc_oneoff_of("web2", "web"));
	assert_false(nc_oneoff_of("web", "web"));
}

static void test_copy_with_what_run_changes(void **state)
{
	(void)state;
	struct nc_model *m = load();
	const char *cmd[] = { "echo", "hi", NULL };
	const char *env[] = { "Y=3", "Z=4", NULL };
	const struct nc_oneoff o = { .command = cmd, .env = env, .working_dir = "/tmp", .user = "1000" };
	const struct nc_service *s;
	nc_err err;

	assert_int_equal(nc_model_add_oneoff(m, "a", "x1", &o, &s, &err), 0);
	assert_int_equal(m->n_services, 3);
	assert_ptr_equal(s, &m->services[2]);
	assert_string_equal(s->name, "a-run-x1");
	assert_int_equal(s->n_command, 2);
	assert_string_equal(s->command[0], "echo");
	assert_string_equal(s->command[1], "hi");
	assert_string_equal(env_of(s, "X"), "1");
	assert_string_equal(env_of(s, "Y"), "3");
	assert_string_equal(env_of(s, "Z"), "4");
	assert_string_equal(s->working_dir, "/tmp");
	assert_string_equal(s->user, "1000");
	/* What belongs to the service's own container is not copied. */
	assert_int_equal(s->n_ports, 0);
	assert_null(s->container_name);
	assert_int_equal(s->restart, NC_RESTART_NO);
	assert_int_equal(s->n_networks, 1);
	assert_int_equal(s->networks[0].ipv4_address.family, 0);
	assert_int_equal(s->networks[0].n_aliases, 0);
	/* The service itself is unchanged. */
	const struct nc_service *a = nc_model_service(m, "a");
	assert_string_equal(env_of(a, "Y"), "2");
	assert_null(env_of(a, "Z"));
	assert_int_equal(a->n_ports, 1);
	assert_int_equal(a->networks[0].n_aliases, 1);
	assert_string_equal(a->command[0], "sleep");
	nc_model_free(m);
}

static void test_refusals(void **state)
{
	(void)state;
	struct nc_model *m = load();
	const struct nc_oneoff o = { 0 }, rel = { .working_dir = "tmp" };
	const char *bad_env[] = { "=1", NULL };
	const struct nc_oneoff be = { .env = bad_env };
	const struct nc_service *s;
	nc_err err;

	assert_int_equal(nc_model_add_oneoff(m, "nope", "x1", &o, &s, &err), -ENOENT);
	assert_int_equal(nc_model_add_oneoff(m, "a", "x-1", &o, &s, &err), -EINVAL);
	assert_int_equal(nc_model_add_oneoff(m, "a", "x1", &rel, &s, &err), -EINVAL);
	assert_int_equal(nc_model_add_oneoff(m, "a", "x1", &be, &s, &err), -EINVAL);
	assert_int_equal(m->n_services, 2);
	assert_int_equal(nc_model_add_oneoff(m, "a", "x1", &o, &s, &err), 0);
	assert_int_equal(nc_model_add_oneoff(m, "a", "x1", &o, &s, &err), -EEXIST);
	nc_model_free(m);
}

/* Planned with the one-off, every other container keeps its address and
 * the one-off gets a free one on the same network. */
static void test_planned_addresses(void **state)
{
	(void)state;
	struct nc_model *m = load();
	struct nc_plan *before = NULL, *after = NULL;
	const struct nc_oneoff o = { 0 };
	const struct nc_service *s;
	char x[NC_IP_STRLEN], y[NC_IP_STRLEN];
	nc_err err;

	assert_int_equal(nc_plan_build(m, "t", NULL, &before, &err), 0);
	assert_int_equal(nc_model_add_oneoff(m, "b", "x1", &o, &s, &err), 0);
	if (nc_plan_build(m, "t", NULL, &after, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(after->n_containers, 3);
	for (size_t i = 0; i < 2; i++) {
		const struct nc_plan_container *b = &before->containers[i], *c = &after->containers[i];
		assert_string_equal(b->name, c->name);
		nc_ip_str(&b->ifaces[0].addr4.ip, x);
		nc_ip_str(&c->ifaces[0].addr4.ip, y);
		assert_string_equal(x, y);
	}
	const struct nc_plan_container *r = &after->containers[2];
	assert_string_equal(r->name, "b-run-x1");
	nc_ip_str(&r->ifaces[0].addr4.ip, x);
	for (size_t i = 0; i < 2; i++) {
		nc_ip_str(&after->containers[i].ifaces[0].addr4.ip, y);
		assert_string_not_equal(x, y);
	}
	assert_int_equal(strncmp(x, "10.9.0.", 7), 0);
	nc_plan_free(after);
	nc_plan_free(before);
	nc_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_copy_with_what_run_changes),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_planned_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
