/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A service's configuration hash: the same file gives the same hash, a key
 * that reaches the container changes it (and only the part it belongs
 * to), a key that does not (comments, order, checks:, labels) does not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "compose/plan/plan-hash.h"

#define BASE                                                                    \
	"services:\n"                                                           \
	"  a: {command: [sleep, '1000'], environment: {X: '1'}, networks: [lan]}\n" \
	"  b: {networks: [lan, back], mem_limit: 64m}\n"                        \
	"  c: {networks: [back]}\n"                                             \
	"networks:\n"                                                           \
	"  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"                    \
	"  back: {ipam: {config: [{subnet: 10.8.0.0/24}]}}\n"

struct hashes {
	struct nc_plan_hash h[8];
	char names[8][32];
	size_t n;
};

static void hash_of(const char *yaml, const char *stamp, struct hashes *out)
{
	struct nc_model *m = NULL;
	struct nc_plan *p = NULL;
	nc_err err;

	if (nc_model_load_buffer("t.yaml", yaml, strlen(yaml), &m, &err) < 0)
		print_message("# load: %s\n", err.msg);
	assert_non_null(m);
	if (nc_plan_build(m, "t", NULL, &p, &err) < 0)
		print_message("# plan: %s\n", err.msg);
	assert_non_null(p);
	assert_true(p->n_containers <= 8);
	memset(out, 0, sizeof(*out));
	out->n = p->n_containers;
	for (size_t i = 0; i < p->n_containers; i++) {
		assert_int_equal(nc_plan_hash(p, i, stamp, &out->h[i]), 0);
		snprintf(out->names[i], sizeof(out->names[i]), "%s", p->containers[i].name);
	}
	nc_plan_free(p);
	nc_model_free(m);
}

static const struct nc_plan_hash *of(const struct hashes *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->names[i], name))
			return &h->h[i];
	fail_msg("no service %s", name);
	return NULL;
}

static bool same(const struct hashes *x, const struct hashes *y, const char *svc)
{
	for (int k = 0; k < NC_HP_COUNT; k++)
		if (strcmp(of(x, svc)->part[k], of(y, svc)->part[k]))
			print_message("# %s: part %s differs\n", svc, nc_hash_part_name(k));
	return !strcmp(of(x, svc)->all, of(y, svc)->all);
}

static bool part_same(const struct hashes *x, const struct hashes *y, const char *svc,
		      enum nc_hash_part part)
{
	return !strcmp(of(x, svc)->part[part], of(y, svc)->part[part]);
}

static void test_stable(void **state)
{
	(void)state;
	struct hashes x, y;
	hash_of(BASE, NULL, &x);
	hash_of(BASE, NULL, &y);
	assert_int_equal(x.n, 3);
	for (size_t i = 0; i < x.n; i++) {
		assert_string_equal(x.h[i].all, y.h[i].all);
		assert_int_equal(strlen(x.h[i].all), 64);
	}
	/* Services differ from one another. */
	assert_string_not_equal(x.h[0].all, x.h[1].all);
}

/* Comments, key order, flow or block style, checks:, labels: the same
 * containers, the same hashes. (The order of services is not free:
 * automatic addresses are given in file order.) */
static void test_irrelevant_keys(void **state)
{
	(void)state;
	struct hashes x, y;
	hash_of(BASE, NULL, &x);
	hash_of("# a lab\n"
		"networks:\n"
		"  back: {ipam: {config: [{subnet: 10.8.0.0/24}]}}\n"
		"  lan:\n"
		"    ipam: {config: [{subnet: 10.9.0.0/24}]}  # the LAN\n"
		"services:\n"
		"  a:\n"
		"    environment: [X=1]\n"
		"    networks: [lan]\n"
		"    command: sleep 1000\n"
		"  b: {mem_limit: 64m, networks: [lan, back]}\n"
		"  c: {networks: [back], labels: {role: client}}\n"
		"checks:\n"
		"  - {from: a, reach: b}\n",
		NULL, &y);
	assert_true(same(&x, &y, "a"));
	assert_true(same(&x, &y, "b"));
	assert_true(same(&x, &y, "c"));
}

static void test_env_changes_only_its_service(void **state)
{
	(void)state;
	struct hashes x, y;
	hash_of(BASE, NULL, &x);
	hash_of("services:\n"
		"  a: {command: [sleep, '1000'], environment: {X: '2'}, networks: [lan]}\n"
		"  b: {networks: [lan, back], mem_limit: 64m}\n"
		"  c: {networks: [back]}\n"
		"networks:\n"
		"  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
		"  back: {ipam: {config: [{subnet: 10.8.0.0/24}]}}\n",
		NULL, &y);
	assert_false(same(&x, &y, "a"));
	assert_false(part_same(&x, &y, "a", NC_HP_PROCESS));
	assert_true(part_same(&x, &y, "a", NC_HP_NETWORKS));
	assert_true(part_same(&x, &y, "a", NC_HP_LIMITS));
	assert_true(same(&x, &y, "b"));
	assert_true(same(&x, &y, "c"));
}

static void test_limits(void **state)
{
	(void)state;
	struct hashes x, y;
	hash_of(BASE, NULL, &x);
	hash_of("services:\n"
		"  a: {command: [sleep, '1000'], environment: {X: '1'}, networks: [lan]}\n"
		"  b: {networks: [lan, back], mem_limit: 128m}\n"
		"  c: {networks: [back]}\n"
		"networks:\n"
		"  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
		"  back: {ipam: {config: [{subnet: 10.8.0.0/24}]}}\n",
		NULL, &y);
	assert_false(part_same(&x, &y, "b", NC_HP_LIMITS));
	assert_true(part_same(&x, &y, "b", NC_HP_PROCESS));
	assert_true(same(&x, &y, "a"));
}

/* A network's subnet is part of every container on it, and of no other. */
static void test_network_definition(void **state)
{
	(void)state;
	struct hashes x, y;
	hash_of(BASE, NULL, &x);
	hash_of("services:\n"
		"  a: {command: [sleep, '1000'], environment: {X: '1'}, networks: [lan]}\n"
		"  b: {networks: [lan, back], mem_limit: 64m}\n"
		"  c: {networks: [back]}\n"
		"networks:\n"
		"  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
		"  back: {ipam: {config: [{subnet: 10.7.0.0/24}]}}\n",
		NULL, &y);
	assert_true(same(&x, &y, "a"));
	assert_false(part_same(&x, &y, "b", NC_HP_NETWORKS));
	assert_false(part_same(&x, &y, "c", NC_HP_NETWORKS));
}

/* A new link changes both ends (a new interface each), nothing else. */
static void test_link(void **state)
{
	(void)state;
	struct hashes x, y;
	hash_of(BASE, NULL, &x);
	hash_of(BASE "links:\n  - endpoints: [a:eth5, c:eth5]\n", NULL, &y);
	assert_false(part_same(&x, &y, "a", NC_HP_LINKS));
	assert_false(part_same(&x, &y, "c", NC_HP_LINKS));
	assert_true(part_same(&x, &y, "a", NC_HP_NETWORKS));
	assert_true(same(&x, &y, "b"));
}

/* A new service leaves the others alone (addresses of the others keep
 * theirs: the new one takes the next free address). */
static void test_new_service(void **state)
{
	(void)state;
	struct hashes x, y;
	hash_of(BASE, NULL, &x);
	hash_of("services:\n"
		"  a: {command: [sleep, '1000'], environment: {X: '1'}, networks: [lan]}\n"
		"  b: {networks: [lan, back], mem_limit: 64m}\n"
		"  c: {networks: [back]}\n"
		"  d: {networks: [lan]}\n"
		"networks:\n"
		"  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
		"  back: {ipam: {config: [{subnet: 10.8.0.0/24}]}}\n",
		NULL, &y);
	assert_int_equal(y.n, 4);
	assert_true(same(&x, &y, "a"));
	assert_true(same(&x, &y, "b"));
	assert_true(same(&x, &y, "c"));
}

static void test_image_stamp(void **state)
{
	(void)state;
	struct hashes x, y;
	hash_of(BASE, "size 10 mtime 1", &x);
	hash_of(BASE, "size 10 mtime 2", &y);
	assert_false(part_same(&x, &y, "a", NC_HP_IMAGE));
	assert_true(part_same(&x, &y, "a", NC_HP_PROCESS));
	assert_false(same(&x, &y, "a"));
	assert_string_equal(nc_hash_part_name(NC_HP_PROCESS), "process");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_irrelevant_keys),
		cmocka_unit_test(test_env_changes_only_its_service),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_network_definition),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_new_service),
		cmocka_unit_test(test_image_stamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
