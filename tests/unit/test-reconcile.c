/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A second `up`: the plan compared with the journal of what runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/reconcile.h"

#define BASE                                                                    \
	"services:\n"                                                           \
	"  a: {command: [sleep, '1000'], environment: {X: '1'}, networks: [lan]}\n" \
	"  b: {networks: [lan, back], depends_on: [a]}\n"                       \
	"  c: {networks: [back]}\n"                                             \
	"networks:\n"                                                           \
	"  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"                    \
	"  back: {ipam: {config: [{subnet: 10.8.0.0/24}]}}\n"

struct lab {
	struct nc_model *m;
	struct nc_plan *p;
};

static void load(struct lab *l, const char *yaml)
{
	nc_err err;
	memset(l, 0, sizeof(*l));
	if (nc_model_load_buffer("t.yaml", yaml, strlen(yaml), &l->m, &err) < 0 ||
	    nc_plan_build(l->m, "t", NULL, &l->p, &err) < 0)
		fail_msg("%s", err.msg);
}

static void unload(struct lab *l)
{
	nc_plan_free(l->p);
	nc_model_free(l->m);
}

/* The journal `up` of yaml would have written (the records reconcile reads). */
static void journal_of(const char *yaml, struct nc_records *out)
{
	struct nc_strbuf b = NC_STRBUF_INIT;
	struct lab l;
	nc_err err;

	load(&l, yaml);
	for (size_t i = 0; i < l.p->n_networks; i++) {
		const char *f[] = { NC_J_BRIDGE, l.p->networks[i].bridge, l.p->networks[i].name };
		nc_record_append(&b, f, 3);
	}
	assert_int_equal(nc_reconcile_records(l.p, NULL, &b, &err), 0);
	for (size_t i = 0; i < l.p->n_containers; i++) {
		const char *f[] = { NC_J_CONTAINER, l.p->containers[i].name };
		nc_record_append(&b, f, 2);
	}
	nc_strbuf_append(&b, NC_J_UP_DONE "\n");
	assert_int_equal(nc_records_parse(b.s, b.len, out, &err), 0);
	nc_strbuf_free(&b);
	unload(&l);
}

static const struct nc_rc_service *svc(const struct nc_rc_plan *rp, const char *name)
{
	for (size_t i = 0; i < rp->n; i++)
		if (!strcmp(rp->svc[i].name, name))
			return &rp->svc[i];
	fail_msg("no %s", name);
	return NULL;
}

static void diff(const char *before, const char *after, const struct nc_rc_opts *o,
		 struct nc_rc_plan *rp)
{
	struct nc_records j;
	struct lab l;
	nc_err err;
	static const struct nc_rc_opts none;

	journal_of(before, &j);
	load(&l, after);
	if (nc_reconcile_diff(l.p, &j, o ? o : &none, rp, &err) < 0)
		fail_msg("%s", err.msg);
	/* The plan's names are borrowed: keep copies alive past unload. */
	static char names[8][32];
	for (size_t i = 0; i < rp->n && i < 8; i++) {
		snprintf(names[i], sizeof(names[i]), "%s", rp->svc[i].name);
		rp->svc[i].name = names[i];
	}
	unload(&l);
	nc_records_free(&j);
}

static void test_same_file_changes_nothing(void **state)
{
	(void)state;
	struct nc_rc_plan rp;
	diff(BASE, BASE, NULL, &rp);
	assert_int_equal(rp.unchanged, 3);
	assert_int_equal(rp.created + rp.recreated + rp.n_orphans, 0);
	assert_true(nc_rc_plan_is_noop(&rp, true));
	nc_rc_plan_free(&rp);
}

static void test_env_change_recreates_one(void **state)
{
	(void)state;
	struct nc_rc_plan rp;
	diff(BASE,
	     "services:\n"
	     "  a: {command: [sleep, '1000'], environment: {X: '2'}, networks: [lan]}\n"
	     "  b: {networks: [lan, back], depends_on: [a]}\n"
	     "  c: {networks: [back]}\n"
	     "networks:\n"
	     "  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
	     "  back: {ipam: {config: [{subnet: 10.8.0.0/24}]}}\n",
	     NULL, &rp);
	assert_int_equal(svc(&rp, "a")->action, NC_RC_RECREATE);
	assert_string_equal(svc(&rp, "a")->why, "process");
	assert_int_equal(svc(&rp, "b")->action, NC_RC_UNCHANGED);
	assert_int_equal(svc(&rp, "c")->action, NC_RC_UNCHANGED);
	assert_false(nc_rc_plan_is_noop(&rp, false));
	nc_rc_plan_free(&rp);
}

static void test_added_and_removed(void **state)
{
	(void)state;
	struct nc_rc_plan rp;
	diff(BASE,
	     "services:\n"
	     "  a: {command: [sleep, '1000'], environment: {X: '1'}, networks: [lan]}\n"
	     "  b: {networks: [lan, back], depends_on: [a]}\n"
	     "  d: {networks: [back]}\n"
	     "networks:\n"
	     "  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
	     "  back: {ipam: {config: [{subnet: 10.8.0.0/24}]}}\n",
	     NULL, &rp);
	assert_int_equal(svc(&rp, "d")->action, NC_RC_CREATE);
	assert_int_equal(svc(&rp, "a")->action, NC_RC_UNCHANGED);
	assert_int_equal(rp.n_orphans, 1);
	assert_string_equal(rp.orphans[0], "c");
	nc_rc_plan_free(&rp);
}

static void test_networks(void **state)
{
	(void)state;
	struct nc_rc_plan rp;
	/* back's subnet changes, a new network `extra` with a new service,
	 * lan unchanged. */
	diff(BASE,
	     "services:\n"
	     "  a: {command: [sleep, '1000'], environment: {X: '1'}, networks: [lan]}\n"
	     "  b: {networks: [lan, back], depends_on: [a]}\n"
	     "  c: {networks: [back]}\n"
	     "  e: {networks: [extra]}\n"
	     "networks:\n"
	     "  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
	     "  back: {ipam: {config: [{subnet: 10.7.0.0/24}]}}\n"
	     "  extra: {ipam: {config: [{subnet: 10.6.0.0/24}]}}\n",
	     NULL, &rp);
	assert_int_equal(svc(&rp, "a")->action, NC_RC_UNCHANGED);
	assert_int_equal(svc(&rp, "b")->action, NC_RC_RECREATE);
	assert_string_equal(svc(&rp, "b")->why, "networks");
	assert_int_equal(svc(&rp, "c")->action, NC_RC_RECREATE);
	assert_int_equal(svc(&rp, "e")->action, NC_RC_CREATE);
	assert_int_equal(rp.n_changed_networks, 1);
	assert_string_equal(rp.changed_networks[0], "back");
	assert_int_equal(rp.n_new_networks, 1);
	assert_string_equal(rp.new_networks[0], "extra");
	assert_int_equal(rp.n_gone_networks, 0);
	nc_rc_plan_free(&rp);

	/* The other way: extra is gone. */
	diff("services:\n  a: {networks: [lan]}\n  e: {networks: [extra]}\n"
	     "networks:\n  lan: {}\n  extra: {}\n",
	     "services:\n  a: {networks: [lan]}\nnetworks:\n  lan: {}\n", NULL, &rp);
	assert_int_equal(rp.n_gone_networks, 1);
	assert_string_equal(rp.gone_networks[0], "extra");
	assert_int_equal(rp.n_orphans, 1);
	nc_rc_plan_free(&rp);
}

static void test_options(void **state)
{
	(void)state;
	struct nc_rc_plan rp;
	const char *changed = "services:\n"
			      "  a: {command: [sleep, '1000'], environment: {X: '2'}, networks: [lan]}\n"
			      "  b: {networks: [lan, back], depends_on: [a], environment: [Y=1]}\n"
			      "  c: {networks: [back], environment: [Y=1]}\n"
			      "networks:\n"
			      "  lan: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n"
			      "  back: {ipam: {config: [{subnet: 10.8.0.0/24}]}}\n";

	struct nc_rc_opts force = { .force_recreate = true };
	diff(BASE, BASE, &force, &rp);
	assert_int_equal(rp.recreated, 3);
	assert_string_equal(svc(&rp, "a")->why, "--force-recreate");
	nc_rc_plan_free(&rp);

	struct nc_rc_opts keep = { .no_recreate = true };
	diff(BASE, changed, &keep, &rp);
	assert_int_equal(rp.recreated, 0);
	assert_int_equal(rp.unchanged, 3);
	nc_rc_plan_free(&rp);

	/* up b: b and what it depends on (a), not c. */
	const char *only_b[] = { "b", NULL };
	struct nc_rc_opts sel = { .services = only_b };
	diff(BASE, changed, &sel, &rp);
	assert_int_equal(svc(&rp, "a")->action, NC_RC_RECREATE);
	assert_int_equal(svc(&rp, "b")->action, NC_RC_RECREATE);
	assert_int_equal(svc(&rp, "c")->action, NC_RC_UNCHANGED);
	nc_rc_plan_free(&rp);

	struct nc_rc_opts nodeps = { .services = only_b, .no_deps = true };
	diff(BASE, changed, &nodeps, &rp);
	assert_int_equal(svc(&rp, "a")->action, NC_RC_UNCHANGED);
	assert_int_equal(svc(&rp, "b")->action, NC_RC_RECREATE);
	nc_rc_plan_free(&rp);

	/* An unknown service is named. */
	const char *bad[] = { "zz", NULL };
	struct nc_rc_opts unk = { .services = bad };
	struct nc_records j;
	struct lab l;
	nc_err err;
	journal_of(BASE, &j);
	load(&l, BASE);
	assert_int_equal(nc_reconcile_diff(l.p, &j, &unk, &rp, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "`zz`"));
	unload(&l);
	nc_records_free(&j);
}

/* Each image is looked at once per pass, however many services run it
 * (a pulled image's index.json was read once per container); the hashes
 * are those of a look per service. */
static void test_image_stamp_once_per_image(void **state)
{
	(void)state;
	struct nc_image_stamps stamps = NC_IMAGE_STAMPS_INIT;
	struct lab l;
	nc_err err;

	load(&l, "services:\n"
		 "  a: {image: alpine:3.19}\n"
		 "  b: {image: alpine:3.19}\n"
		 "  c: {image: debian:12}\n"
		 "  d: {image: alpine:3.19}\n");
	for (size_t i = 0; i < l.p->n_containers; i++) {
		struct nc_plan_hash cached, fresh;
		assert_int_equal(nc_service_hash(l.p, i, NULL, &stamps, &cached, &err), 0);
		assert_int_equal(nc_service_hash(l.p, i, NULL, NULL, &fresh, &err), 0);
		assert_string_equal(cached.all, fresh.all);
	}
	assert_int_equal(stamps.n, 2);
	nc_image_stamps_free(&stamps);
	unload(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_file_changes_nothing),
		cmocka_unit_test(test_env_change_recreates_one),
		cmocka_unit_test(test_added_and_removed),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_image_stamp_once_per_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
