/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The image config parser: real configs, and hostile ones (wrong types,
 * huge lists, non-string entries, missing fields). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "runtime/image-config.h"

static struct nc_arena a = NC_ARENA_INIT;
static nc_err err;

static int parse(const char *text, struct rt_image_config *c)
{
	return rt_image_config_parse(text, &a, c, &err);
}

static int teardown(void **state)
{
	(void)state;
	nc_arena_free(&a);
	return 0;
}

static void test_full(void **state)
{
	(void)state;
	struct rt_image_config c;
	const char *text =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
		"\"Entrypoint\":[\"/docker-entrypoint.sh\"],\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],"
		"\"Env\":[\"PATH=/usr/local/sbin:/usr/bin\",\"NGINX_VERSION=1.25.3\"],"
		"\"WorkingDir\":\"/srv\",\"User\":\"101:101\",\"StopSignal\":\"SIGQUIT\","
		"\"ExposedPorts\":{\"80/tcp\":{},\"443/tcp\":{}},\"Volumes\":{\"/data\":{}},"
		"\"Labels\":{\"maintainer\":\"NGINX <x@y>\",\"empty\":\"\"},"
		"\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"curl -f localhost\"],\"Interval\":30000000000,"
		"\"Timeout\":5000000000,\"StartPeriod\":1000000000,\"Retries\":3}},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	assert_int_equal(parse(text, &c), 0);
	assert_string_equal(c.entrypoint[0], "/docker-entrypoint.sh");
	assert_null(c.entrypoint[1]);
	assert_string_equal(c.cmd[2], "daemon off;");
	assert_null(c.cmd[3]);
	assert_string_equal(c.env[1], "NGINX_VERSION=1.25.3");
	assert_string_equal(c.working_dir, "/srv");
	assert_string_equal(c.user, "101:101");
	assert_string_equal(c.stop_signal, "SIGQUIT");
	assert_string_equal(c.exposed[0], "80/tcp");
	assert_string_equal(c.exposed[1], "443/tcp");
	assert_null(c.exposed[2]);
	assert_string_equal(c.volumes[0], "/data");
	assert_string_equal(c.labels[0], "maintainer=NGINX <x@y>");
	assert_string_equal(c.labels[1], "empty=");
	assert_true(c.health.present);
	assert_string_equal(c.health.test[0], "CMD-SHELL");
	assert_int_equal(c.health.interval_ns, 30000000000LL);
	assert_int_equal(c.health.timeout_ns, 5000000000LL);
	assert_int_equal(c.health.start_period_ns, 1000000000LL);
	assert_int_equal(c.health.retries, 3);
}

/* What is not there (or null) stays NULL: the container keeps the plan's
 * values. */
static void test_missing(void **state)
{
	(void)state;
	struct rt_image_config c;
	assert_int_equal(parse("{}", &c), 0);
	assert_null(c.entrypoint);
	assert_null(c.cmd);
	assert_null(c.env);
	assert_false(c.health.present);
	assert_int_equal(parse("{\"config\":null}", &c), 0);
	assert_int_equal(parse("{\"config\":{\"Entrypoint\":null,\"Cmd\":null,\"Env\":null,\"User\":null,"
			       "\"Healthcheck\":null,\"ExposedPorts\":null}}", &c), 0);
	assert_null(c.entrypoint);
	assert_null(c.user);
	assert_false(c.health.present);
	/* Docker's API takes a lone string for Cmd. */
	assert_int_equal(parse("{\"config\":{\"Cmd\":\"sh\"}}", &c), 0);
	assert_string_equal(c.cmd[0], "sh");
	assert_null(c.cmd[1]);
}

static void bad(const char *text, const char *msg)
{
	struct rt_image_config c;
	assert_true(parse(text, &c) < 0);
	if (!strstr(err.msg, msg))
		fail_msg("`%s`: got `%s`, wanted `%s`", text, err.msg, msg);
}

static void test_wrong_types(void **state)
{
	(void)state;
	bad("[]", "not a JSON object");
	bad("{\"config\":[]}", "`config` is not an object");
	bad("{\"config\":{\"Cmd\":{}}}", "config.Cmd: not a list of strings");
	bad("{\"config\":{\"Entrypoint\":42}}", "config.Entrypoint: not a list of strings");
	bad("{\"config\":{\"Cmd\":[\"sh\",1]}}", "config.Cmd[1]: not a string");
	bad("{\"config\":{\"Env\":[\"A=1\",null]}}", "config.Env[1]: not a string");
	bad("{\"config\":{\"Env\":[\"A=1\",{\"B\":\"2\"}]}}", "config.Env[1]: not a string");
	bad("{\"config\":{\"Env\":[\"NOEQUALS\"]}}", "config.Env[0]: `NOEQUALS` is not KEY=VALUE");
	bad("{\"config\":{\"Env\":[\"=x\"]}}", "is not KEY=VALUE");
	bad("{\"config\":{\"User\":0}}", "config.User: not a string");
	bad("{\"config\":{\"WorkingDir\":[\"/\"]}}", "config.WorkingDir: not a string");
	bad("{\"config\":{\"WorkingDir\":\"relative\"}}", "not an absolute path");
	bad("{\"config\":{\"ExposedPorts\":[\"80/tcp\"]}}", "config.ExposedPorts: not an object");
	bad("{\"config\":{\"Labels\":{\"a\":1}}}", "config.Labels.a: not a string");
	bad("{\"config\":{\"Healthcheck\":[]}}", "config.Healthcheck: not an object");
	bad("{\"config\":{\"Healthcheck\":{\"Interval\":\"30s\"}}}", "Healthcheck.Interval: not a number");
	bad("{\"config\":{\"Healthcheck\":{\"Retries\":-1}}}", "Healthcheck.Retries: `-1`");
	bad("{\"config\":{\"Healthcheck\":{\"Timeout\":1.5}}}", "Healthcheck.Timeout: `1.5`");
	bad("{\"config\":{\"Healthcheck\":{\"Interval\":99999999999999999999}}}", "Healthcheck.Interval");
	bad("{\"config\":{\"Healthcheck\":{\"Retries\":4294967296}}}", "Healthcheck.Retries");
	bad("{\"config\":{\"Cmd\":[\"sh\"", "image config: line 1");
}

static void test_huge(void **state)
{
	(void)state;
	struct nc_strbuf b = NC_STRBUF_INIT;
	nc_strbuf_append(&b, "{\"config\":{\"Env\":[");
	for (unsigned i = 0; i <= RT_IMAGE_CONFIG_MAX_ITEMS; i++)
		nc_strbuf_printf(&b, "%s\"K%u=v\"", i ? "," : "", i);
	nc_strbuf_append(&b, "]}}");
	assert_true(nc_strbuf_ok(&b));
	bad(nc_strbuf_str(&b), "config.Env: 4097 entries (at most 4096)");
	nc_strbuf_reset(&b);

	nc_strbuf_append(&b, "{\"config\":{\"ExposedPorts\":{");
	for (unsigned i = 0; i <= RT_IMAGE_CONFIG_MAX_ITEMS; i++)
		nc_strbuf_printf(&b, "%s\"%u/tcp\":{}", i ? "," : "", i);
	nc_strbuf_append(&b, "}}}");
	bad(nc_strbuf_str(&b), "config.ExposedPorts: 4097 entries");
	nc_strbuf_reset(&b);

	/* Over the size bound: refused before it is parsed. */
	nc_strbuf_append(&b, "{\"config\":{\"Cmd\":[\"");
	for (unsigned i = 0; i < RT_IMAGE_CONFIG_MAX_BYTES / 64 + 1; i++)
		nc_strbuf_append(&b, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	nc_strbuf_append(&b, "\"]}}");
	assert_true(nc_strbuf_ok(&b));
	bad(nc_strbuf_str(&b), "larger than");
	nc_strbuf_reset(&b);

	/* Nested past the JSON reader's depth. */
	nc_strbuf_append(&b, "{\"config\":{\"Labels\":");
	for (int i = 0; i < 200; i++)
		nc_strbuf_append(&b, "[");
	bad(nc_strbuf_str(&b), "image config");
	nc_strbuf_free(&b);
}

/* The store's file beside the root: found, missing, and refused when it
 * holds a NUL. */
static void test_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/nc-imgcfg-XXXXXX", root[64], path[128];
	struct rt_image_config c;
	bool found = true;
	assert_non_null(mkdtemp(dir));
	snprintf(root, sizeof(root), "%s/abc", dir);
	assert_int_equal(rt_image_config_load(root, &a, &c, &found, &err), 0);
	assert_false(found);
	assert_null(c.cmd);
	assert_int_equal(rt_image_config_path(root, path, sizeof(path)), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"config\":{\"Cmd\":[\"top\"]}}", f);
	fclose(f);
	assert_int_equal(rt_image_config_load(root, &a, &c, &found, &err), 0);
	assert_true(found);
	assert_string_equal(c.cmd[0], "top");
	f = fopen(path, "w");
	fwrite("{\"config\":{\"Cmd\":[\"a\0b\"]}}", 1, 26, f);
	fclose(f);
	assert_true(rt_image_config_load(root, &a, &c, &found, &err) < 0);
	assert_non_null(strstr(err.msg, "a NUL byte"));
	f = fopen(path, "w");
	fputs("{\"config\":{\"Cmd\":7}}", f);
	fclose(f);
	assert_true(rt_image_config_load(root, &a, &c, &found, &err) < 0);
	assert_non_null(strstr(err.msg, "abc.config.json`: image config: config.Cmd"));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
