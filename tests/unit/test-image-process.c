/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The precedence of the service's keys over the image's config
 * (compose/lifecycle/image-process.c), Docker's table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include "compose/lifecycle/image-process.h"

static const char *yaml =
	"services:\n"
	"  plain: {}\n"
	"  cmd: {command: [echo, hi]}\n"
	"  ep: {entrypoint: [/bin/tini, --]}\n"
	"  both: {entrypoint: [/bin/sh, -c], command: [date]}\n"
	"  epempty: {entrypoint: []}\n"
	"  env:\n"
	"    environment: {GREETING: service, EXTRA: one}\n"
	"  path:\n"
	"    environment: {PATH: /mine}\n"
	"  who: {user: '0:0', working_dir: /tmp, stop_signal: SIGINT}\n"
	"  hc:\n"
	"    healthcheck: {test: [CMD, 'true']}\n"
	"  hcoff:\n"
	"    healthcheck: {disable: true}\n"
	"  hctime:\n"
	"    healthcheck: {interval: 7s}\n";

enum { PLAIN, CMD, EP, BOTH, EPEMPTY, ENV, PATHS, WHO, HC, HCOFF, HCTIME };

static struct nc_model *m;
static struct nc_plan *p;
static struct nc_arena a = NC_ARENA_INIT;
static nc_err err;

static const char *const img_ep[] = { "/entry.sh", NULL };
static const char *const img_cmd[] = { "serve", "--port", "80", NULL };
static const char *const img_env[] = { "PATH=/image/bin", "GREETING=image", "HOME=/home/app", NULL };
static const char *const img_test[] = { "CMD-SHELL", "wget -q localhost", NULL };
static const struct rt_image_config img = {
	.entrypoint = img_ep,
	.cmd = img_cmd,
	.env = img_env,
	.working_dir = "/srv",
	.user = "app",
	.stop_signal = "SIGQUIT",
	.health = { .present = true, .test = img_test, .interval_ns = 30000000000LL, .retries = 3 },
};

static int setup(void **state)
{
	(void)state;
	if (nc_model_load_buffer("t.yaml", yaml, strlen(yaml), &m, &err) < 0 ||
	    nc_plan_build(m, "t", NULL, &p, &err) < 0) {
		print_message("%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nc_arena_free(&a);
	nc_plan_free(p);
	nc_model_free(m);
	return 0;
}

static struct nc_process run(size_t i, const struct rt_image_config *ic)
{
	struct nc_process out;
	if (nc_image_process(&p->containers[i], ic, &a, &out, &err) < 0)
		fail_msg("%s", err.msg);
	return out;
}

static void argv_is(const char *const *argv, ...)
{
	va_list ap;
	size_t i = 0;
	va_start(ap, argv);
	for (const char *w; (w = va_arg(ap, const char *)); i++) {
		if (!argv || !argv[i])
			fail_msg("argv ends at %zu, wanted `%s`", i, w);
		assert_string_equal(argv[i], w);
	}
	va_end(ap);
	assert_non_null(argv);
	assert_null(argv[i]);
}

static const char *env_of(const char *const *env, const char *key)
{
	size_t n = strlen(key);
	const char *found = NULL;
	for (; env && *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=') {
			if (found)
				fail_msg("`%s` twice in the environment", key);
			found = *env + n + 1;
		}
	return found;
}

/* Entrypoint + Cmd, and the overrides; without an image config, the
 * plan's argv as it is. */
static void test_argv(void **state)
{
	(void)state;
	argv_is(run(PLAIN, &img).argv, "/entry.sh", "serve", "--port", "80", NULL);
	/* command: replaces Cmd only */
	argv_is(run(CMD, &img).argv, "/entry.sh", "echo", "hi", NULL);
	/* entrypoint: replaces Entrypoint and drops the image's Cmd */
	argv_is(run(EP, &img).argv, "/bin/tini", "--", NULL);
	argv_is(run(BOTH, &img).argv, "/bin/sh", "-c", "date", NULL);
	/* entrypoint: [] clears both: an idle container */
	assert_null(run(EPEMPTY, &img).argv);
	/* No Entrypoint in the image: Cmd alone */
	struct rt_image_config cmd_only = { .cmd = img_cmd };
	argv_is(run(PLAIN, &cmd_only).argv, "serve", "--port", "80", NULL);
	argv_is(run(CMD, &cmd_only).argv, "echo", "hi", NULL);
	/* Neither: idle, as without an image */
	struct rt_image_config none = { 0 };
	assert_null(run(PLAIN, &none).argv);
	/* No config at all: the plan's */
	assert_null(run(PLAIN, NULL).argv);
	argv_is(run(BOTH, NULL).argv, "/bin/sh", "-c", "date", NULL);
}

static void test_env(void **state)
{
	(void)state;
	struct nc_process o = run(PLAIN, &img);
	/* The image's PATH over the default one; its variables kept. */
	assert_string_equal(env_of(o.env, "PATH"), "/image/bin");
	assert_string_equal(env_of(o.env, "GREETING"), "image");
	assert_string_equal(env_of(o.env, "HOSTNAME"), "plain");
	/* The image's user: HOME is the image's (else its passwd entry's). */
	assert_string_equal(env_of(o.env, "HOME"), "/home/app");
	/* environment: wins per name; the rest of the image's stays. */
	o = run(ENV, &img);
	assert_string_equal(env_of(o.env, "GREETING"), "service");
	assert_string_equal(env_of(o.env, "EXTRA"), "one");
	assert_string_equal(env_of(o.env, "PATH"), "/image/bin");
	/* A PATH the service sets wins over the image's. */
	o = run(PATHS, &img);
	assert_string_equal(env_of(o.env, "PATH"), "/mine");
	/* An image without PATH or HOME: the defaults. */
	static const char *const e2[] = { "A=1", NULL };
	struct rt_image_config noenv = { .env = e2 };
	o = run(PLAIN, &noenv);
	assert_string_equal(env_of(o.env, "A"), "1");
	assert_non_null(strstr(env_of(o.env, "PATH"), "/usr/bin"));
	assert_string_equal(env_of(o.env, "HOME"), "/root");
	/* The image's user without HOME in its Env: the runtime takes HOME
	 * from that user's passwd entry, so none is set here. */
	struct rt_image_config user_only = { .env = e2, .user = "nobody" };
	o = run(PLAIN, &user_only);
	assert_null(env_of(o.env, "HOME"));
	assert_string_equal(o.user, "nobody");
	/* No config: the plan's env itself. */
	assert_ptr_equal(run(ENV, NULL).env, p->containers[ENV].env);
}

static void test_user_cwd_signal(void **state)
{
	(void)state;
	struct nc_process o = run(PLAIN, &img);
	assert_string_equal(o.user, "app");
	assert_string_equal(o.cwd, "/srv");
	assert_int_equal(o.stop_signal, SIGQUIT);
	o = run(WHO, &img);
	assert_string_equal(o.user, "0:0");
	assert_string_equal(o.cwd, "/tmp");
	assert_int_equal(o.stop_signal, SIGINT);
	/* Empty strings in the config mean "not set". */
	struct rt_image_config empty = { .user = "", .working_dir = "" };
	o = run(PLAIN, &empty);
	assert_null(o.user);
	assert_null(o.cwd);
	assert_int_equal(o.stop_signal, 0);
	struct rt_image_config badsig = { .stop_signal = "SIGNOPE" };
	struct nc_process out;
	assert_true(nc_image_process(&p->containers[PLAIN], &badsig, &a, &out, &err) < 0);
	assert_non_null(strstr(err.msg, "StopSignal `SIGNOPE` names no signal"));
}

static void test_health(void **state)
{
	(void)state;
	struct nc_process o = run(PLAIN, &img);
	assert_true(o.health.present);
	assert_true(o.health.shell);
	assert_int_equal(o.health.n_test, 1);
	assert_string_equal(o.health.test[0], "wget -q localhost");
	assert_int_equal(o.health.interval_ns, 30000000000LL);
	assert_int_equal(o.health.retries, 3);
	assert_int_equal(o.health.timeout_ns, NC_UNSET);
	/* The service's own test wins; disable: true turns it off. */
	o = run(HC, &img);
	assert_false(o.health.shell);
	assert_string_equal(o.health.test[0], "true");
	o = run(HCOFF, &img);
	assert_true(o.health.disable);
	/* Timings alone keep the image's test. */
	o = run(HCTIME, &img);
	assert_string_equal(o.health.test[0], "wget -q localhost");
	assert_int_equal(o.health.interval_ns, 7000000000LL);
	/* Test NONE in the image: disabled. */
	static const char *const none[] = { "NONE", NULL };
	struct rt_image_config off = { .health = { .present = true, .test = none } };
	o = run(PLAIN, &off);
	assert_true(o.health.disable);
	static const char *const odd[] = { "RUN", "x", NULL };
	struct rt_image_config bad = { .health = { .present = true, .test = odd } };
	struct nc_process out;
	assert_true(nc_image_process(&p->containers[PLAIN], &bad, &a, &out, &err) < 0);
	assert_non_null(strstr(err.msg, "Healthcheck.Test starts with `RUN`"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_user_cwd_signal),
		cmocka_unit_test(test_health),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
