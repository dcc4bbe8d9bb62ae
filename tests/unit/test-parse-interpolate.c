/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ${VAR} interpolation, the .env format, and loading a project with both. */
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

#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/file/dotenv.h"
#include "compose/file/interpolate.h"
#include "compose/file/model.h"

/* The table the tests inject: FOO=foo, EMPTY set but empty, N=0.5. */
static const char *table(void *ctx, const char *name)
{
	static const char *const vars[][2] = {
		{ "FOO", "foo" }, { "EMPTY", "" }, { "N", "0.5" }, { "T", "true" }, { "_x1", "u" },
		{ "BIN", "\xff\xfe" },
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!strcmp(vars[i][0], name))
			return vars[i][1];
	return NULL;
}

static void expect(const char *in, const char *want)
{
	struct nc_strbuf b = NC_STRBUF_INIT;
	nc_err err;

	if (nc_interpolate(in, table, NULL, &b, &err) < 0)
		fail_msg("`%s`: %s", in, err.msg);
	assert_string_equal(nc_strbuf_str(&b), want);
	nc_strbuf_free(&b);
}

static void expect_error(const char *in, const char *want)
{
	struct nc_strbuf b = NC_STRBUF_INIT;
	nc_err err;

	assert_int_equal(nc_interpolate(in, table, NULL, &b, &err), -EINVAL);
	assert_string_equal(err.msg, want);
	nc_strbuf_free(&b);
}

static void test_forms(void **state)
{
	(void)state;
	expect("plain", "plain");
	expect("", "");
	expect("$FOO", "foo");
	expect("${FOO}", "foo");
	expect("a${FOO}b$FOO.c", "afoobfoo.c");
	expect("$_x1-", "u-");
	expect("$$", "$");
	expect("$$FOO", "$FOO");
	expect("cost: $$5", "cost: $5");
	expect("${UNSET}", "");
	expect("$UNSET/x", "/x");
	/* :- when unset or empty; - only when unset. */
	expect("${UNSET:-def}", "def");
	expect("${EMPTY:-def}", "def");
	expect("${FOO:-def}", "foo");
	expect("${UNSET-def}", "def");
	expect("${EMPTY-def}", "");
	/* :+ when set and not empty; + when set. */
	expect("${FOO:+alt}", "alt");
	expect("${EMPTY:+alt}", "");
	expect("${EMPTY+alt}", "alt");
	expect("${UNSET+alt}", "");
	/* :? and ? pass values through. */
	expect("${FOO:?must}", "foo");
	expect("${EMPTY?must}", "");
	/* Defaults are interpolated too, and may nest. */
	expect("${UNSET:-${FOO}}", "foo");
	expect("${UNSET:-${ALSO:-deep}}", "deep");
	expect("${UNSET:-a $$ b}", "a $ b");
	expect("${UNSET:-}", "");
	expect("${UNSET:-x}y}", "xy}");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("${UNSET:?}", "required variable `UNSET` is missing a value");
	expect_error("${EMPTY:?is empty}", "required variable `EMPTY` is missing a value: is empty");
	expect_error("${UNSET?no ${FOO}}", "required variable `UNSET` is missing a value: no foo");
	expect_error("$", "`$` must be followed by a name, `{` or `$`; write `$$` for a literal `$`");
	expect_error("a $1", "`$` must be followed by a name, `{` or `$`; write `$$` for a literal `$`");
	expect_error("${FOO", "`${` without its closing `}`");
	expect_error("${}", "invalid interpolation `${}`: expected a variable name");
	expect_error("${1A}", "invalid interpolation `${1A}`: expected a variable name");
	expect_error("${FOO:}", "invalid interpolation `${FOO:}`: after the name comes `}`, `:-`, `-`, `:?`, `?`, `:+` or `+`");
	expect_error("${FOO/x/y}", "invalid interpolation `${FOO/x/y}`: after the name comes `}`, `:-`, `-`, `:?`, `?`, `:+` or `+`");

	/* Deep nesting is bounded. */
	struct nc_strbuf deep = NC_STRBUF_INIT;
	for (int i = 0; i < 40; i++)
		nc_strbuf_append(&deep, "${U:-");
	for (int i = 0; i < 40; i++)
		nc_strbuf_putc(&deep, '}');
	expect_error(deep.s, "interpolation nested more than 32 levels deep");
	nc_strbuf_free(&deep);
}

/* An empty interpolation is an empty string, not null; every unset name
 * read without a default gets one warning, once, naming it. */
static void test_empty_and_unset(void **state)
{
	(void)state;
	const char *y = "services:\n"
			"  s:\n"
			"    environment:\n"
			"      A: ${UNSET}\n"
			"      B: ${EMPTY}\n"
			"      C: $UNSET\n"
			"      D: ${OTHER}\n"
			"      E: ${NODEF:-d}${NODEF-d}${NODEF:+r}${NODEF+r}\n"
			"      F: ${NODEF:-${NESTED}}\n";
	char *text = NULL;
	size_t len = 0;
	FILE *w = open_memstream(&text, &len);
	assert_non_null(w);
	struct nc_load_opts opts = { .lookup = table, .warnings = w };
	struct nc_model *m;
	nc_err err;

	assert_int_equal(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err), 0);
	fclose(w);
	const struct nc_service *s = &m->services[0];
	assert_int_equal(s->n_environment, 6);
	for (size_t i = 0; i < 4; i++) {
		assert_non_null(s->environment[i].value);
		assert_string_equal(s->environment[i].value, "");
	}
	assert_string_equal(s->environment[4].value, "dd");
	assert_string_equal(s->environment[5].value, "");
	assert_string_equal(text,
			    "warning: The \"UNSET\" variable is not set. Defaulting to a blank string.\n"
			    "warning: The \"OTHER\" variable is not set. Defaulting to a blank string.\n"
			    "warning: The \"NESTED\" variable is not set. Defaulting to a blank string.\n");
	free(text);
	nc_model_free(m);
}

static void test_in_model(void **state)
{
	(void)state;
	const char *y = "services:\n"
			"  s:\n"
			"    hostname: ${FOO}\n"
			"    cpus: ${N}\n"
			"    command: [\"$FOO\", '${UNSET:-x}', echo $$HOME]\n"
			"    environment:\n"
			"      A: \"${T}\"\n"
			"      B: $${FOO}\n"
			"x-anchor: &a ${FOO}\n"
			"x-use: [*a, *a]\n";
	struct nc_load_opts opts = { .lookup = table };
	struct nc_model *m;
	nc_err err;

	assert_int_equal(nc_model_load_buffer_opts("t.yaml", y, strlen(y), &opts, &m, &err), 0);
	const struct nc_service *s = &m->services[0];
	assert_string_equal(s->hostname, "foo");
	/* A plain scalar's type follows its new text. */
	assert_true(s->cpus == 0.5);
	assert_string_equal(s->command[0], "foo");
	assert_string_equal(s->command[1], "x");
	assert_string_equal(s->command[2], "echo $HOME");
	assert_string_equal(s->environment[0].value, "true");
	assert_string_equal(s->environment[1].value, "${FOO}");
	nc_model_free(m);

	/* Without a lookup, text is literal. */
	const char *lit = "services:\n  s:\n    command: echo $1 ${X}\n";
	assert_int_equal(nc_model_load_buffer("t.yaml", lit, strlen(lit), &m, &err), 0);
	assert_string_equal(m->services[0].command[2], "${X}");
	nc_model_free(m);

	/* A quoted value stays a string after interpolation. */
	const char *q = "services:\n  s: {cpus: \"${N}\", pids_limit: '${UNSET:-7}'}\n";
	assert_int_equal(nc_model_load_buffer_opts("t.yaml", q, strlen(q), &opts, &m, &err), 0);
	assert_true(m->services[0].cpus == 0.5);
	assert_int_equal(m->services[0].pids_limit, 7);
	nc_model_free(m);

	/* Errors point at the value; mapping keys are not interpolated. */
	const char *bad = "services:\n  s:\n    hostname: \"${NOPE:?hostname}\"\n";
	assert_true(nc_model_load_buffer_opts("t.yaml", bad, strlen(bad), &opts, &m, &err) < 0);
	assert_string_equal(err.msg, "t.yaml:3:15: required variable `NOPE` is missing a value: hostname");
	const char *nl = "services:\n  s:\n    hostname: \"${NOPE:?one\\ntwo}\"\n";
	assert_true(nc_model_load_buffer_opts("t.yaml", nl, strlen(nl), &opts, &m, &err) < 0);
	assert_string_equal(err.msg, "t.yaml:3:15: required variable `NOPE` is missing a value: one\\ntwo");
	const char *bin = "services:\n  s: {hostname: \"x${BIN}\"}\n";
	assert_true(nc_model_load_buffer_opts("t.yaml", bin, strlen(bin), &opts, &m, &err) < 0);
	assert_string_equal(err.msg, "t.yaml:2:17: the value after interpolation is not valid UTF-8 text");
	const char *key = "services:\n  ${FOO}: {}\n";
	assert_true(nc_model_load_buffer_opts("t.yaml", key, strlen(key), &opts, &m, &err) < 0);
	assert_string_equal(err.msg, "t.yaml:2:3: service name `${FOO}` is not valid: use letters, digits, `_`, `.` and `-`, starting with a letter or digit");
}

static void expect_env(const struct nc_dotenv *d, const char *name, const char *want)
{
	const char *v = nc_dotenv_lookup((void *)d, name);
	if (!want) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
}

static void test_dotenv(void **state)
{
	(void)state;
	static const char text[] = "# comment\n"
				   "\n"
				   "A=1\n"
				   "export B = two words  \n"
				   "C='single $A \\n'\n"
				   "D=\"double ${A} \\n \\\"q\\\" \\$A\"\n"
				   "E=x # trailing comment\n"
				   "F=a#b\n"
				   "G=\n"
				   "H=\"multi\n"
				   "line\"\n"
				   "A=override\n"
				   "I=${A}-${FOO}-${B:-none}\n"
				   "J.k-l=dotted\n"
				   "  K=indented\r\n";
	struct nc_dotenv d;
	nc_err err;

	if (nc_dotenv_parse(".env", text, sizeof(text) - 1, table, NULL, &d, &err) < 0)
		fail_msg("%s", err.msg);
	expect_env(&d, "A", "override");
	expect_env(&d, "B", "two words");
	expect_env(&d, "C", "single $A \\n");
	expect_env(&d, "D", "double 1 \n \"q\" $A");
	expect_env(&d, "E", "x");
	expect_env(&d, "F", "a#b");
	expect_env(&d, "G", "");
	expect_env(&d, "H", "multi\nline");
	/* The outer lookup first (FOO), then earlier lines. */
	expect_env(&d, "I", "override-foo-two words");
	expect_env(&d, "J.k-l", "dotted");
	expect_env(&d, "K", "indented");
	expect_env(&d, "NOPE", NULL);
	/* A redefinition keeps the first position, with its new place. */
	assert_string_equal(d.vars[0].key, "A");
	assert_int_equal(d.vars[0].mark.line, 12);
	assert_int_equal(d.n, 11);
	nc_dotenv_free(&d);
}

static void dotenv_fails(const char *text, const char *want)
{
	struct nc_dotenv d;
	nc_err err;

	assert_true(nc_dotenv_parse("x.env", text, strlen(text), NULL, NULL, &d, &err) < 0);
	assert_string_equal(err.msg, want);
	assert_int_equal(d.n, 0);
}

/* The forms compose-go's dotenv reads (mirrored from its behaviour): a
 * byte order mark, `export` with a tab, `KEY` alone taken from the
 * environment (left out when unset), `KEY: value`, any escaped character
 * in double quotes standing for itself, single quotes literal (a
 * backslash included), CRLF line ends, names with `[`, `]` and letters
 * of any script. */
static void test_dotenv_compose_go(void **state)
{
	(void)state;
	static const char text[] = "\xef\xbb\xbf"
				   "FIRST=1\r\n"
				   "export\tEXP=2\r\n"
				   "FOO\r\n"
				   "ABSENT\n"
				   "Y: Foo=bar\n"
				   "ESC=\"bar\\n\\ b\\az\"\n"
				   "BS=\"bar\\\\r\\ b\\az\"\n"
				   "SQ='a\\nb $FIRST'\n"
				   "DQ=\"quote $FIRST ${EXP}\"\n"
				   "UQ=${FIRST}${EXP} # comment\n"
				   "a[1]=c\n"
				   "\xc3\xa1rv\xc3\xadz-T=\xc3\x81\n"
				   "ML=\"one\ntwo\"\n"
				   "EQ=postgres://h:5432/db?sslmode=disable\n";
	struct nc_dotenv d;
	nc_err err;
	if (nc_dotenv_parse(".env", text, sizeof(text) - 1, table, NULL, &d, &err) < 0)
		fail_msg("%s", err.msg);
	expect_env(&d, "FIRST", "1");
	expect_env(&d, "EXP", "2");
	expect_env(&d, "FOO", "foo");
	expect_env(&d, "ABSENT", NULL);
	expect_env(&d, "Y", "Foo=bar");
	expect_env(&d, "ESC", "bar\n baz");
	expect_env(&d, "BS", "bar\\r baz");
	expect_env(&d, "SQ", "a\\nb $FIRST");
	expect_env(&d, "DQ", "quote 1 2");
	expect_env(&d, "UQ", "12");
	expect_env(&d, "a[1]", "c");
	expect_env(&d, "\xc3\xa1rv\xc3\xadz-T", "\xc3\x81");
	expect_env(&d, "ML", "one\ntwo");
	expect_env(&d, "EQ", "postgres://h:5432/db?sslmode=disable");
	assert_int_equal(d.n, 13);
	nc_dotenv_free(&d);
}

static void test_dotenv_errors(void **state)
{
	(void)state;
	dotenv_fails("A=1\nB C=1\n", "x.env:2:3: expected `=` after `B`");
	dotenv_fails("1A=x\n", "x.env:1:1: expected a variable name (letters, digits, `_`, `.`, `-`)");
	dotenv_fails("A='open\n", "x.env:1:3: a single quote without its closing quote");
	dotenv_fails("A=\"open\nstill\n", "x.env:1:3: a double quote without its closing quote");
	dotenv_fails("A=\"x\" y\n", "x.env:1:7: unexpected `y` after the closing quote");
	dotenv_fails("A=${B:?needed}\n", "x.env:1:3: required variable `B` is missing a value: needed");
	dotenv_fails("A=\xc3(\n", "x.env: not UTF-8 text");
	dotenv_fails("A=$1\n", "x.env:1:3: `$` must be followed by a name, `{` or `$`; write `$$` for a literal `$`");
	/* A value quoted in a message stays on one line. */
	dotenv_fails("A=\"${B:?two\\nlines}\"\n",
		     "x.env:1:3: required variable `B` is missing a value: two\\nlines");
	dotenv_fails("A=${B:?tab\there}\n", "x.env:1:3: required variable `B` is missing a value: tab\\there");

	/* The buffer need not end in NUL: a UTF-8 sequence cut off at its end
	 * is refused without reading past it (ASan and valgrind watch this
	 * exact-size allocation). */
	char *cut = malloc(3);
	struct nc_dotenv d;
	nc_err err;
	assert_non_null(cut);
	memcpy(cut, "A=\xdf", 3);
	assert_true(nc_dotenv_parse("x.env", cut, 3, NULL, NULL, &d, &err) < 0);
	assert_string_equal(err.msg, "x.env: not UTF-8 text");
	memcpy(cut, "A=1", 3);
	assert_int_equal(nc_dotenv_parse("x.env", cut, 3, NULL, NULL, &d, &err), 0);
	expect_env(&d, "A", "1");
	nc_dotenv_free(&d);
	memcpy(cut, "e x", 3);
	assert_true(nc_dotenv_parse("x.env", cut, 3, NULL, NULL, &d, &err) < 0);
	assert_string_equal(err.msg, "x.env:1:3: expected `=` after `e`");
	memcpy(cut, "exp", 3); /* a name alone, unset: nothing */
	assert_int_equal(nc_dotenv_parse("x.env", cut, 3, NULL, NULL, &d, &err), 0);
	assert_int_equal(d.n, 0);
	nc_dotenv_free(&d);
	free(cut);
}

static void write_file(const char *path, const char *text)
{
	nc_err err;
	if (nc_write_file_atomic(path, text, strlen(text), 0644, &err) < 0)
		fail_msg("%s", err.msg);
}

/* The CLI's path: environment, then .env beside the file. */
static void test_load_project(void **state)
{
	(void)state;
	char dir[] = "/tmp/nc-test-project-XXXXXX";
	char file[128], env[128];
	struct nc_model *m;
	nc_err err;

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/lab.yaml", dir);
	snprintf(env, sizeof(env), "%s/.env", dir);
	write_file(file, "name: ${PROJECT}\n"
			 "services:\n"
			 "  a:\n"
			 "    hostname: \"${HOST:-dflt}\"\n"
			 "    mem_limit: ${MEM}\n");

	/* No .env: the environment alone. */
	char *const envp1[] = { "PROJECT=one", "MEM=64m", NULL };
	assert_int_equal(nc_model_load_project(file, envp1, NULL, &m, &err), 0);
	assert_string_equal(m->name, "one");
	assert_string_equal(m->services[0].hostname, "dflt");
	assert_int_equal(m->services[0].mem_limit, 64 << 20);
	nc_model_free(m);

	/* .env fills in what the environment does not set. */
	write_file(env, "PROJECT=fromenvfile\nHOST=h-${PROJECT}\nMEM=32m\n");
	assert_int_equal(nc_model_load_project(file, envp1, NULL, &m, &err), 0);
	assert_string_equal(m->name, "one");
	assert_string_equal(m->services[0].hostname, "h-one");
	assert_int_equal(m->services[0].mem_limit, 64 << 20);
	nc_model_free(m);
	char *const envp2[] = { NULL };
	assert_int_equal(nc_model_load_project(file, envp2, NULL, &m, &err), 0);
	assert_string_equal(m->name, "fromenvfile");
	assert_int_equal(m->services[0].mem_limit, 32 << 20);
	nc_model_free(m);

	/* A broken .env is reported at its place. */
	write_file(env, "OK=1\nBROKEN value\n");
	assert_true(nc_model_load_project(file, envp2, NULL, &m, &err) < 0);
	char want[256];
	snprintf(want, sizeof(want), "%s:2:8: expected `=` after `BROKEN`", env);
	assert_string_equal(err.msg, want);

	unlink(env);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),	      cmocka_unit_test(test_errors),
		cmocka_unit_test(test_in_model),      cmocka_unit_test(test_dotenv),
		cmocka_unit_test(test_dotenv_errors), cmocka_unit_test(test_load_project),
		cmocka_unit_test(test_empty_and_unset),
		cmocka_unit_test(test_dotenv_compose_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
