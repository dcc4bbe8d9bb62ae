/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compose's options and commands that make no sense here: the table is
 * sound, and the filter takes out what it ignores, with the value, and
 * stops where the real parser would. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/cli/compat.h"

static void test_table_is_sound(void **state)
{
	(void)state;
	assert_true(cli_compat_count > 10);
	for (size_t i = 0; i < cli_compat_count; i++) {
		const struct cli_compat *e = &cli_compat_table[i];
		assert_non_null(e->why);
		assert_true(strlen(e->why) > 10);
		/* One line: the note is the whole answer. */
		assert_null(strchr(e->why, '\n'));
		assert_true(e->cmd || e->flag);
		if (e->flag)
			assert_int_equal(e->flag[0], '-');
		else
			assert_int_equal(e->action, CLI_COMPAT_REFUSE);
		for (size_t k = 0; k < i; k++) {
			const struct cli_compat *o = &cli_compat_table[k];
			bool same_cmd = (!o->cmd && !e->cmd) || (o->cmd && e->cmd && !strcmp(o->cmd, e->cmd));
			bool same_flag = (!o->flag && !e->flag) || (o->flag && e->flag && !strcmp(o->flag, e->flag));
			if (same_cmd && same_flag)
				fail_msg("twice in the table: %s %s", e->cmd ? e->cmd : "(global)",
					 e->flag ? e->flag : "");
		}
	}
}

/* The options the commands parse themselves are not in the table (it
 * would take them away before their parser sees them). */
static void test_real_options_are_not_shadowed(void **state)
{
	static const char *const real[][2] = {
		{ NULL, "-f" }, { NULL, "--file" }, { NULL, "-p" }, { NULL, "--profile" },
		{ NULL, "--env-file" }, { NULL, "--project-directory" }, { NULL, "--verbose" },
		{ "up", "-d" }, { "up", "--detach" }, { "up", "--force-recreate" }, { "up", "--no-recreate" },
		{ "up", "--no-deps" }, { "up", "--wait" }, { "up", "--remove-orphans" }, { "up", "--pull" },
		{ "up", "--build" }, { "up", "--no-build" },
		{ "down", "-v" }, { "down", "-t" }, { "ps", "-a" }, { "ps", "--status" }, { "ps", "--format" },
		{ "logs", "-f" }, { "logs", "-t" }, { "logs", "--tail" }, { "stop", "-t" },
		{ "exec", "-d" }, { "exec", "--privileged" }, { "exec", "--index" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++)
		if (cli_compat_find(real[i][0], real[i][1]))
			fail_msg("%s %s is shadowed", real[i][0] ? real[i][0] : "(global)", real[i][1]);
}

static void test_find(void **state)
{
	(void)state;
	const struct cli_compat *e = cli_compat_find(NULL, "--ansi=never");
	assert_non_null(e);
	assert_int_equal(e->action, CLI_COMPAT_IGNORE);
	assert_non_null(cli_compat_find("up", "--quiet-pull"));
	assert_null(cli_compat_find("up", "--quiet-pull=yes")); /* takes no value */
	assert_null(cli_compat_find("ps", "--quiet-pull"));      /* up's, not ps's */
	assert_null(cli_compat_find(NULL, "--quiet-pull"));
	assert_null(cli_compat_find("up", "--quiet-pul"));
	e = cli_compat_find("up", "--scale");
	assert_non_null(e);
	assert_int_equal(e->action, CLI_COMPAT_REFUSE);
	assert_non_null(cli_compat_command("push"));
	assert_null(cli_compat_command("build")); /* a command of its own */
	assert_null(cli_compat_command("up"));
}

struct run {
	char *v[16];
	int argc;
	int code;
	char *msg;
	size_t msg_len;
};

static void filter(struct run *r, const char *cmd, bool stop, const char *const *valued,
		   const char *const *args)
{
	FILE *m = open_memstream(&r->msg, &r->msg_len);
	assert_non_null(m);
	r->argc = 0;
	for (const char *const *a = args; *a; a++)
		r->v[r->argc++] = (char *)*a;
	r->v[r->argc] = NULL;
	r->code = cli_compat_filter(cmd, &r->argc, r->v, stop, valued, m);
	fclose(m);
}

static void assert_argv(const struct run *r, const char *const *want)
{
	int n = 0;
	for (; want[n]; n++) {
		assert_true(n < r->argc);
		assert_string_equal(r->v[n], want[n]);
	}
	assert_int_equal(r->argc, n);
	assert_null(r->v[n]);
}

static void test_ignored_taken_out_with_their_values(void **state)
{
	(void)state;
	struct run r;
	filter(&r, "up", false, NULL,
	       (const char *const[]){ "up", "--no-color", "-d", "--pull", "always", "web", "--progress=plain",
				      "--quiet-pull", NULL });
	assert_int_equal(r.code, 0);
	/* --pull is up's own now: left for its parser, with its value. */
	assert_argv(&r, (const char *const[]){ "up", "-d", "--pull", "always", "web", "--progress=plain", NULL });
	assert_non_null(strstr(r.msg, "ncompose: up: --no-color ignored: colours follow the terminal"));
	assert_null(strstr(r.msg, "--pull ignored"));
	assert_non_null(strstr(r.msg, "--quiet-pull ignored"));
	free(r.msg);
}

static void test_refused_says_why(void **state)
{
	(void)state;
	struct run r;
	filter(&r, "up", false, NULL, (const char *const[]){ "up", "-d", "--scale", "web=2", NULL });
	assert_int_equal(r.code, 2);
	assert_string_equal(r.msg, "ncompose: up: --scale is not supported: one container per service here: "
				   "declare another service for a second one\n");
	free(r.msg);
}

static void test_globals_stop_at_the_command(void **state)
{
	(void)state;
	struct run r;
	filter(&r, NULL, true, cli_compat_global_valued,
	       (const char *const[]){ "ncompose", "--ansi", "never", "-f", "--dry-run", "--compatibility", "up",
				      "--dry-run", NULL });
	assert_int_equal(r.code, 0);
	/* -f's value is a file name, whatever it looks like; up's own
	 * arguments are not global options. */
	assert_argv(&r, (const char *const[]){ "ncompose", "-f", "--dry-run", "up", "--dry-run", NULL });
	free(r.msg);

	filter(&r, NULL, true, cli_compat_global_valued,
	       (const char *const[]){ "ncompose", "--dry-run", "down", NULL });
	assert_int_equal(r.code, 2);
	assert_string_equal(r.msg, "ncompose: --dry-run is not supported: nothing is rehearsed here; "
				   "`ncompose config` checks the file without creating anything\n");
	free(r.msg);
}

static void test_double_dash_and_operands(void **state)
{
	(void)state;
	struct run r;
	filter(&r, "logs", false, NULL, (const char *const[]){ "logs", "web", "--no-color", "--", "--no-color", NULL });
	assert_int_equal(r.code, 0);
	assert_argv(&r, (const char *const[]){ "logs", "web", "--", "--no-color", NULL });
	free(r.msg);
}

static void test_root(void **state)
{
	(void)state;
	char *ps[] = { "ps", NULL }, *ps_help[] = { "ps", "-a", "--help", NULL },
	     *exec_help[] = { "exec", "r1", "ls", "--help", NULL }, *config[] = { "config", NULL };
	assert_true(cli_needs_root("ps", 1, ps));
	assert_false(cli_needs_root("ps", 3, ps_help));
	assert_true(cli_needs_root("exec", 4, exec_help)); /* the command's --help */
	assert_false(cli_needs_root("config", 1, config));
	assert_false(cli_needs_root("graph", 1, config));
	assert_false(cli_needs_root("version", 1, config));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_sound),
		cmocka_unit_test(test_real_options_are_not_shadowed),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_ignored_taken_out_with_their_values),
		cmocka_unit_test(test_refused_says_why),
		cmocka_unit_test(test_globals_stop_at_the_command),
		cmocka_unit_test(test_double_dash_and_operands),
		cmocka_unit_test(test_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
