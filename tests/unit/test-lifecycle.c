/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lifecycle rules: dependency conditions, selection, restart policies
 * with back-off, healthcheck counting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include <string.h>

#include "compose/lifecycle/lifecycle.h"

static const char *yaml =
	"services:\n"
	"  db:\n"
	"    healthcheck: {test: [CMD, 'true'], interval: 1s, retries: 2, start_period: 5s}\n"
	"  web:\n"
	"    depends_on: {db: {condition: service_healthy}, job: {condition: service_completed_successfully}}\n"
	"  job: {}\n"
	"  side:\n"
	"    depends_on: [web]\n"
	"  opt:\n"
	"    depends_on: {job: {condition: service_completed_successfully, required: false}}\n"
	"  again: {restart: 'on-failure:2'}\n"
	"  always: {restart: always}\n";

struct fx {
	struct nc_model *m;
	struct nc_plan *p;
	struct nc_life life[8];
};

static int setup(void **state)
{
	static struct fx f;
	nc_err err;
	memset(&f, 0, sizeof(f));
	if (nc_model_load_buffer("t.yaml", yaml, strlen(yaml), &f.m, &err) < 0 ||
	    nc_plan_build(f.m, "t", NULL, &f.p, &err) < 0) {
		print_message("%s\n", err.msg);
		return -1;
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	nc_plan_free(f->p);
	nc_model_free(f->m);
	return 0;
}

enum { DB, WEB, JOB, SIDE, OPT, AGAIN, ALWAYS };

static void test_conditions(void **state)
{
	struct fx *f = *state;
	struct nc_life *l = f->life;
	size_t culprit;

	memset(l, 0, sizeof(f->life));
	assert_int_equal(nc_life_deps(f->p, l, DB, &culprit), NC_DEPS_READY);
	assert_int_equal(nc_life_deps(f->p, l, WEB, &culprit), NC_DEPS_WAIT);
	/* service_started: as soon as web runs. */
	assert_int_equal(nc_life_deps(f->p, l, SIDE, &culprit), NC_DEPS_WAIT);
	assert_int_equal(culprit, WEB);

	l[DB].state = NC_CS_RUNNING;
	l[DB].health = NC_H_STARTING;
	l[JOB].state = NC_CS_EXITED;
	l[JOB].exit_code = 0;
	assert_int_equal(nc_life_deps(f->p, l, WEB, &culprit), NC_DEPS_WAIT);
	assert_int_equal(culprit, DB);
	l[DB].health = NC_H_HEALTHY;
	assert_int_equal(nc_life_deps(f->p, l, WEB, &culprit), NC_DEPS_READY);

	/* A job that failed: a required dependency fails, an optional one not. */
	l[JOB].exit_code = 1;
	assert_int_equal(nc_life_deps(f->p, l, WEB, &culprit), NC_DEPS_FAILED);
	assert_int_equal(culprit, JOB);
	assert_int_equal(nc_life_deps(f->p, l, OPT, &culprit), NC_DEPS_READY);
	/* Unhealthy fails. */
	l[JOB].exit_code = 0;
	l[DB].health = NC_H_UNHEALTHY;
	assert_int_equal(nc_life_deps(f->p, l, WEB, &culprit), NC_DEPS_FAILED);
	assert_int_equal(culprit, DB);
}

static void test_select_pulls_dependencies(void **state)
{
	struct fx *f = *state;
	struct nc_life *l = f->life;
	const char *names[] = { "side", NULL };
	const char *bad[] = { "nope", NULL };
	const char *unknown = NULL;

	memset(l, 0, sizeof(f->life));
	assert_int_equal(nc_life_select(f->p, l, names, &unknown), 0);
	assert_true(l[SIDE].wanted && l[WEB].wanted && l[DB].wanted && l[JOB].wanted);
	assert_false(l[OPT].wanted || l[AGAIN].wanted || l[ALWAYS].wanted);
	assert_int_equal(nc_life_select(f->p, l, bad, &unknown), -1);
	assert_string_equal(unknown, "nope");
}

static void test_restart_policies(void **state)
{
	struct fx *f = *state;
	const struct nc_service *again = f->p->containers[AGAIN].svc;
	const struct nc_service *always = f->p->containers[ALWAYS].svc;
	const struct nc_service *no = f->p->containers[DB].svc;
	struct nc_life l = { 0 };

	assert_int_equal(nc_life_restart_delay(no, &l, 1, 0), -1);
	/* on-failure:2: not on success; twice on failure, then no more. */
	assert_int_equal(nc_life_restart_delay(again, &l, 0, 0), -1);
	assert_int_equal(nc_life_restart_delay(again, &l, 1, 0), 100);
	l.restarts = 1;
	assert_int_equal(nc_life_restart_delay(again, &l, 1, 0), 200);
	l.restarts = 2;
	assert_int_equal(nc_life_restart_delay(again, &l, 1, 0), -1);

	/* always: doubling back-off, capped at a minute, reset after 10 s. */
	memset(&l, 0, sizeof(l));
	long d = 0;
	for (int i = 0; i < 12; i++)
		d = nc_life_restart_delay(always, &l, 0, 10);
	assert_int_equal(d, 60000);
	assert_int_equal(nc_life_restart_delay(always, &l, 0, NC_RESTART_RESET_MS), 100);
}

static void test_health_counting(void **state)
{
	struct fx *f = *state;
	const struct nc_healthcheck *h = &f->p->containers[DB].svc->healthcheck;
	struct nc_life l = { .health = NC_H_STARTING, .started_ms = 1000 };

	assert_int_equal(nc_health_interval_ms(h, false), 1000);
	assert_int_equal(nc_health_timeout_ms(h), 30000);
	/* Inside the 5 s start period failures do not count. */
	assert_int_equal(nc_health_record(h, &l, false, 2000), NC_H_STARTING);
	assert_int_equal(l.failures, 0);
	assert_int_equal(nc_health_record(h, &l, false, 7000), NC_H_STARTING);
	assert_int_equal(nc_health_record(h, &l, false, 8000), NC_H_UNHEALTHY);
	assert_int_equal(nc_health_record(h, &l, true, 9000), NC_H_HEALTHY);
	assert_int_equal(l.failures, 0);
}

/* retries unset or 0: Docker's 3 consecutive failures. */
static void test_health_default_retries(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		struct nc_healthcheck h = { .present = true, .retries = i ? 0 : NC_UNSET,
					    .interval_ns = NC_UNSET, .timeout_ns = NC_UNSET,
					    .start_period_ns = NC_UNSET, .start_interval_ns = NC_UNSET };
		struct nc_life l = { .health = NC_H_STARTING };
		assert_int_equal(nc_health_record(&h, &l, false, 1), NC_H_STARTING);
		assert_int_equal(nc_health_record(&h, &l, false, 2), NC_H_STARTING);
		assert_int_equal(nc_health_record(&h, &l, false, 3), NC_H_UNHEALTHY);
	}
}

/* A start that failed records why: not only "not found" (127). */
static void test_start_failed_code(void **state)
{
	(void)state;
	assert_int_equal(nc_life_start_failed_code(ENOENT), 127);
	assert_int_equal(nc_life_start_failed_code(EACCES), 126);
	assert_int_equal(nc_life_start_failed_code(ENOEXEC), 126);
	assert_int_equal(nc_life_start_failed_code(EPERM), 125);
	assert_int_equal(nc_life_start_failed_code(EIO), 125);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_select_pulls_dependencies),
		cmocka_unit_test(test_restart_policies),
		cmocka_unit_test(test_health_counting),
		cmocka_unit_test(test_start_failed_code),
		cmocka_unit_test(test_health_default_retries),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
