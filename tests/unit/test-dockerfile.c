/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Dockerfile parser and Docker's variable substitution. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/dockerfile-eval.h"
#include "compose/file/dockerfile.h"

static struct nc_dockerfile parse_ok(const char *text)
{
	struct nc_dockerfile df;
	nc_err err = { 0 };
	int r = nc_dockerfile_parse(&df, "Dockerfile", text, strlen(text), &err);
	if (r < 0)
		fail_msg("parse failed: %s", err.msg);
	return df;
}

static void expect_error(const char *text, const char *want)
{
	struct nc_dockerfile df;
	nc_err err = { 0 };
	if (nc_dockerfile_parse(&df, "Dockerfile", text, strlen(text), &err) == 0)
		fail_msg("`%s` parsed", text);
	if (!strstr(err.msg, want))
		fail_msg("error `%s` does not hold `%s`", err.msg, want);
	nc_dockerfile_free(&df);
}

static void test_basic(void **state)
{
	(void)state;
	struct nc_dockerfile df = parse_ok("# a comment\n"
					   "from busybox AS Build\n"
					   "RUN echo hi > /x\n"
					   "FROM scratch\n"
					   "COPY --from=build --chown=1:2 /x /y\n"
					   "CMD [\"/bin/sh\", \"-c\", \"cat /y\"]\n");
	assert_int_equal(df.n_ins, 5);
	assert_int_equal(df.n_stages, 2);
	assert_int_equal(df.ins[0].kind, NC_DF_FROM);
	assert_string_equal(df.ins[0].args[0], "busybox");
	assert_string_equal(df.ins[0].stage_name, "build");
	assert_int_equal(df.ins[0].line, 2);
	assert_int_equal(df.ins[1].kind, NC_DF_RUN);
	assert_false(df.ins[1].exec_form);
	assert_string_equal(df.ins[1].args[0], "echo hi > /x");
	assert_int_equal(df.ins[3].kind, NC_DF_COPY);
	assert_string_equal(nc_df_flag(&df.ins[3], "from"), "build");
	assert_string_equal(nc_df_flag(&df.ins[3], "chown"), "1:2");
	assert_null(nc_df_flag(&df.ins[3], "chmod"));
	assert_int_equal(df.ins[3].n_args, 2);
	assert_string_equal(df.ins[3].args[1], "/y");
	assert_int_equal(nc_df_stage_from(&df, "build"), 0);
	assert_int_equal(nc_df_stage_from(&df, "BUILD"), 0);
	assert_int_equal(nc_df_stage_from(&df, "1"), 2);
	assert_int_equal(nc_df_stage_from(&df, "2"), -1);
	assert_int_equal(nc_df_stage_from(&df, "nope"), -1);
	nc_dockerfile_free(&df);

	df = parse_ok("FROM a\nCMD [\"/bin/sh\", \"-c\", \"a\\\"b\\u00e9\"]\nENTRYPOINT [ ]\n");
	assert_true(df.ins[1].exec_form);
	assert_int_equal(df.ins[1].n_args, 3);
	assert_string_equal(df.ins[1].args[2], "a\"b\xc3\xa9");
	assert_true(df.ins[2].exec_form);
	assert_int_equal(df.ins[2].n_args, 0);
	nc_dockerfile_free(&df);
}

static void test_continuations(void **state)
{
	(void)state;
	struct nc_dockerfile df = parse_ok("FROM a\n"
					   "RUN echo one \\\n"
					   "# a comment inside\n"
					   "\n"
					   "    two \\   \n"
					   "  three\n"
					   "USER 1000\n"
					   "RUN last \\");
	assert_int_equal(df.n_ins, 4);
	assert_string_equal(df.ins[1].args[0], "echo one     two   three");
	assert_int_equal(df.ins[1].line, 2);
	assert_int_equal(df.ins[2].line, 7);
	assert_string_equal(df.ins[3].args[0], "last");
	nc_dockerfile_free(&df);

	/* A malformed JSON array is shell form, as Docker reads it. */
	df = parse_ok("FROM a\nRUN [\"a\", b]\nCMD [\"x\"\n");
	assert_false(df.ins[1].exec_form);
	assert_string_equal(df.ins[1].args[0], "[\"a\", b]");
	assert_false(df.ins[2].exec_form);
	nc_dockerfile_free(&df);
}

static void test_directives(void **state)
{
	(void)state;
	struct nc_dockerfile df = parse_ok("# syntax=docker/dockerfile:1\n"
					   "#escape=`\n"
					   "FROM a\n"
					   "RUN dir c:\\ `\n"
					   "  && echo x\n");
	assert_int_equal(df.escape, '`');
	assert_string_equal(df.syntax, "docker/dockerfile:1");
	assert_string_equal(df.ins[1].args[0], "dir c:\\   && echo x");
	nc_dockerfile_free(&df);

	/* After a comment or a blank line a directive is a comment. */
	df = parse_ok("# hello\n# escape=`\nFROM a\nRUN a \\\n b\n");
	assert_int_equal(df.escape, '\\');
	assert_string_equal(df.ins[1].args[0], "a  b");
	nc_dockerfile_free(&df);

	expect_error("# escape=x\nFROM a\n", "escape directive `x`");
}

static void test_env_label_arg(void **state)
{
	(void)state;
	struct nc_dockerfile df = parse_ok("ARG V=1.0\n"
					   "ARG NODEF\n"
					   "FROM a:${V}\n"
					   "ENV A=1 B=\"two words\" C=three\\ x\n"
					   "ENV OLD value with spaces\n"
					   "LABEL org.x=\"y z\" k=v\n"
					   "ARG a=b c\n"
					   "MAINTAINER me <me@x>\n");
	assert_int_equal(df.ins[0].kind, NC_DF_ARG);
	assert_string_equal(df.ins[0].kv[0].key, "V");
	assert_string_equal(df.ins[0].kv[0].value, "1.0");
	assert_null(df.ins[1].kv[0].value);
	assert_string_equal(df.ins[2].args[0], "a:${V}");
	struct nc_df_instr *env = &df.ins[3];
	assert_int_equal(env->n_kv, 3);
	assert_string_equal(env->kv[1].key, "B");
	assert_string_equal(env->kv[1].value, "\"two words\"");
	assert_string_equal(env->kv[2].value, "three\\ x");
	assert_int_equal(df.ins[4].n_kv, 1);
	assert_string_equal(df.ins[4].kv[0].key, "OLD");
	assert_string_equal(df.ins[4].kv[0].value, "value with spaces");
	assert_int_equal(df.ins[5].n_kv, 2);
	assert_int_equal(df.ins[6].n_kv, 2);
	assert_null(df.ins[6].kv[1].value);
	assert_string_equal(df.ins[7].kv[0].key, "maintainer");

	/* Words are expanded at build time with what is in scope. */
	struct nc_arena a = NC_ARENA_INIT;
	nc_err err = { 0 };
	const char *out;
	assert_int_equal(nc_df_expand(&a, env->kv[1].value, '\\', NULL, 0, &out, &err), 0);
	assert_string_equal(out, "two words");
	assert_int_equal(nc_df_expand(&a, env->kv[2].value, '\\', NULL, 0, &out, &err), 0);
	assert_string_equal(out, "three x");
	nc_arena_free(&a);
	nc_dockerfile_free(&df);

	expect_error("FROM a\nENV A=1 B\n", "ENV `B` has no `=`");
	expect_error("FROM a\nENV ONLY\n", "ENV ONLY has no value");
	expect_error("FROM a\nLABEL =x\n", "empty name");
	expect_error("FROM a\nARG a$b\n", "not a valid name");
}

static void test_other_instructions(void **state)
{
	(void)state;
	struct nc_dockerfile df = parse_ok("FROM --platform=linux/amd64 a\n"
					   "WORKDIR /my dir\n"
					   "EXPOSE 80/tcp 53/udp\n"
					   "VOLUME [\"/data\", \"/log\"]\n"
					   "VOLUME /a /b\n"
					   "SHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]\n"
					   "HEALTHCHECK --interval=5s --retries=3 CMD wget -q -O- localhost\n"
					   "HEALTHCHECK NONE\n"
					   "STOPSIGNAL SIGINT\n"
					   "add --chown=app:app a.tar /x/\n"
					   "COPY [\"a b\", \"/dst/\"]\n"
					   "RUN --mount=type=cache,target=/c --mount=type=bind,target=. --network=none make\n"
					   "COPY --link --from=build /out /out\n");
	assert_string_equal(nc_df_flag(&df.ins[0], "platform"), "linux/amd64");
	assert_string_equal(df.ins[1].args[0], "/my dir");
	assert_int_equal(df.ins[2].n_args, 2);
	assert_true(df.ins[3].exec_form);
	assert_int_equal(df.ins[3].n_args, 2);
	assert_false(df.ins[4].exec_form);
	assert_int_equal(df.ins[4].n_args, 2);
	assert_int_equal(df.ins[5].n_args, 4);
	assert_string_equal(nc_df_flag(&df.ins[6], "interval"), "5s");
	assert_string_equal(df.ins[6].args[0], "wget -q -O- localhost");
	assert_true(df.ins[7].healthcheck_none);
	assert_string_equal(df.ins[8].args[0], "SIGINT");
	assert_int_equal(df.ins[9].kind, NC_DF_ADD);
	assert_string_equal(df.ins[10].args[0], "a b");
	/* --mount may repeat: each is kept, in order */
	assert_int_equal(df.ins[11].n_flags, 3);
	assert_string_equal(df.ins[11].flags[0].value, "type=cache,target=/c");
	assert_string_equal(df.ins[11].flags[1].value, "type=bind,target=.");
	assert_string_equal(nc_df_flag(&df.ins[11], "network"), "none");
	assert_string_equal(df.ins[11].args[0], "make");
	assert_non_null(nc_df_flag(&df.ins[12], "link"));
	nc_dockerfile_free(&df);
}

static void test_refused(void **state)
{
	(void)state;
	expect_error("FROM a\nFOO bar\n", "Dockerfile:2: unknown instruction \"FOO\"");
	expect_error("FROM a\n\n  frob\n", "Dockerfile:3: unknown instruction \"frob\"");
	expect_error("FROM a\nONBUILD RUN x\n", "Dockerfile:2: ONBUILD is not supported");
	expect_error("FROM a\nRUN <<EOF\necho\nEOF\n", "Dockerfile:2: heredocs (<<EOF) are not supported");
	expect_error("FROM a\nCOPY <<-\"X\" /f\n", "heredocs");
	expect_error("FROM a\nRUN --mount=type=cache make\n",
		     "Dockerfile:2: RUN --mount=type=cache: type=cache needs target=PATH");
	expect_error("FROM a\nRUN --network=bridge make\n", "Dockerfile:2: RUN --network=bridge: default, none or host");
	expect_error("FROM a\nRUN --security=insecure make\n", "RUN --security=insecure is not supported");
	expect_error("FROM a\nRUN --network=none --network=none make\n", "given twice");
	expect_error("FROM a\nRUN --privileged make\n", "unknown flag --privileged for RUN");
	expect_error("FROM a\nCOPY --frm=x a b\n", "unknown flag --frm for COPY");
	expect_error("FROM a\nADD --from=x a b\n", "unknown flag --from for ADD");
	expect_error("FROM a\nCOPY --from=x --from=y a b\n", "given twice");
	expect_error("FROM a\nCOPY onlyone\n", "needs a source and a destination");
	expect_error("FROM a\nRUN\n", "RUN needs arguments");
	expect_error("FROM a\nSHELL /bin/sh -c\n", "SHELL takes a JSON array");
	expect_error("FROM a\nHEALTHCHECK wget x\n", "HEALTHCHECK takes `NONE` or `CMD command`");
	expect_error("FROM a\nHEALTHCHECK --interval=1s NONE\n", "NONE takes no flags");
	expect_error("RUN x\nFROM a\n", "Dockerfile:1: RUN comes before the first FROM");
	expect_error("# only a comment\n", "no FROM instruction");
	expect_error("", "no FROM instruction");
	expect_error("FROM a AS x\nFROM b AS X\n", "already used on line 1");
	expect_error("FROM a AS 1x\n", "stage name `1x`");
	expect_error("FROM a b\n", "FROM takes an image");
	expect_error("FROM a\nSTOPSIGNAL 1 2\n", "one signal");
	struct nc_dockerfile df;
	nc_err err = { 0 };
	assert_true(nc_dockerfile_parse(&df, "Dockerfile", "FROM a\nRUN a\0b\n", 14, &err) < 0);
	assert_non_null(strstr(err.msg, "NUL byte"));
	nc_dockerfile_free(&df);
}

static void test_hostile_sizes(void **state)
{
	(void)state;
	/* Larger than the bound. */
	size_t big = NC_DF_MAX_BYTES + 1;
	char *buf = malloc(big);
	assert_non_null(buf);
	memset(buf, 'a', big);
	struct nc_dockerfile df;
	nc_err err = { 0 };
	assert_true(nc_dockerfile_parse(&df, "Dockerfile", buf, big, &err) < 0);
	assert_non_null(strstr(err.msg, "larger than"));
	nc_dockerfile_free(&df);

	/* Too many instructions. */
	size_t n = NC_DF_MAX_INSTRUCTIONS + 10;
	char *many = malloc(n * 8 + 16);
	assert_non_null(many);
	strcpy(many, "FROM a\n");
	for (size_t i = 0; i < n; i++)
		strcat(many + strlen(many) - 7, "USER 1\n");
	assert_true(nc_dockerfile_parse(&df, "Dockerfile", many, strlen(many), &err) < 0);
	assert_non_null(strstr(err.msg, "more than"));
	nc_dockerfile_free(&df);

	/* One long line of continuations: a single instruction, no recursion. */
	memset(buf, 0, big);
	strcpy(buf, "FROM a\nRUN x");
	size_t at = strlen(buf);
	while (at + 4 < big / 2) {
		memcpy(buf + at, " \\\nx", 4);
		at += 4;
	}
	buf[at] = '\0';
	df = parse_ok(buf);
	assert_int_equal(df.n_ins, 2);
	nc_dockerfile_free(&df);

	/* A very long unknown keyword is cut in the message. */
	memset(buf, 'Z', 5000);
	memcpy(buf, "FROM a\n", 7);
	buf[5000] = '\0';
	assert_true(nc_dockerfile_parse(&df, "Dockerfile", buf, strlen(buf), &err) < 0);
	assert_true(strlen(err.msg) < 200);
	nc_dockerfile_free(&df);
	free(buf);
	free(many);
}

static const char *expand(struct nc_arena *a, const char *raw, char esc)
{
	static const struct nc_df_kv env[] = {
		{ "A", "alpha" },   { "EMPTY", "" },  { "B", "first" }, { "B", "beta" },
		{ "UNSET", NULL }, { "SP", "x y" },
	};
	nc_err err = { 0 };
	const char *out = NULL;
	if (nc_df_expand(a, raw, esc, env, sizeof(env) / sizeof(env[0]), &out, &err) < 0)
		fail_msg("expand `%s`: %s", raw, err.msg);
	return out;
}

static void test_expand(void **state)
{
	(void)state;
	struct nc_arena a = NC_ARENA_INIT;
	assert_string_equal(expand(&a, "$A", '\\'), "alpha");
	assert_string_equal(expand(&a, "${A}x", '\\'), "alphax");
	assert_string_equal(expand(&a, "$Ax", '\\'), "");
	assert_string_equal(expand(&a, "$B", '\\'), "beta");
	assert_string_equal(expand(&a, "$NOPE/$UNSET.", '\\'), "/.");
	assert_string_equal(expand(&a, "${NOPE:-dflt}", '\\'), "dflt");
	assert_string_equal(expand(&a, "${EMPTY:-dflt}", '\\'), "dflt");
	assert_string_equal(expand(&a, "${EMPTY-dflt}", '\\'), "");
	assert_string_equal(expand(&a, "${A:-dflt}", '\\'), "alpha");
	assert_string_equal(expand(&a, "${A:+set}", '\\'), "set");
	assert_string_equal(expand(&a, "${EMPTY:+set}", '\\'), "");
	assert_string_equal(expand(&a, "${EMPTY+set}", '\\'), "set");
	assert_string_equal(expand(&a, "${NOPE+set}", '\\'), "");
	assert_string_equal(expand(&a, "${NOPE:-${A:-x}-$B}", '\\'), "alpha-beta");
	assert_string_equal(expand(&a, "${NOPE:-a b}", '\\'), "a b");
	assert_string_equal(expand(&a, "'$A'", '\\'), "$A");
	assert_string_equal(expand(&a, "\"$A '$B'\"", '\\'), "alpha 'beta'");
	assert_string_equal(expand(&a, "\\$A", '\\'), "$A");
	assert_string_equal(expand(&a, "\"\\$A \\\" \\x\"", '\\'), "$A \" \\x");
	assert_string_equal(expand(&a, "`$A", '`'), "$A");
	assert_string_equal(expand(&a, "c:\\dir", '`'), "c:\\dir");
	assert_string_equal(expand(&a, "a$", '\\'), "a$");
	assert_string_equal(expand(&a, "$1", '\\'), "$1");
	assert_string_equal(expand(&a, "$SP", '\\'), "x y");
	assert_string_equal(expand(&a, "end\\", '\\'), "end\\");
	assert_string_equal(expand(&a, "", '\\'), "");

	static const char *const bad[] = {
		"'open", "\"open", "${A", "${A:-x", "${}", "${A:=x}", "${NOPE:?must be set}", "${EMPTY:?}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nc_err err = { 0 };
		const char *out;
		if (nc_df_expand(&a, bad[i], '\\', NULL, 0, &out, &err) == 0)
			fail_msg("`%s` expanded", bad[i]);
	}
	nc_err err = { 0 };
	const char *out;
	assert_true(nc_df_expand(&a, "${NOPE:?must be set}", '\\', NULL, 0, &out, &err) < 0);
	assert_string_equal(err.msg, "NOPE: must be set");

	/* Deep nesting is bounded, not a stack overflow. */
	char deep[4000] = "";
	for (int i = 0; i < 600; i++)
		strcat(deep, "${X:-");
	assert_true(nc_df_expand(&a, deep, '\\', NULL, 0, &out, &err) < 0);
	assert_non_null(strstr(err.msg, "nested deeper"));
	nc_arena_free(&a);
}

static void test_eval_scopes(void **state)
{
	(void)state;
	struct nc_dockerfile df = parse_ok("ARG TAG=1.0\n"
					   "ARG BASE=busybox\n"
					   "ARG HIDDEN=h\n"
					   "FROM ${BASE}:$TAG AS build\n"
					   "ARG TAG\n"
					   "ARG LOCAL=\"l $TAG\"\n"
					   "ENV DIR=/opt/$TAG WHO=$HIDDEN\n"
					   "ENV TAG=env-wins SELF=$DIR\n"
					   "ARG TAG=ignored\n"
					   "WORKDIR $DIR/${LOCAL:+set}\n"
					   "RUN echo $TAG\n"
					   "LABEL \"k $TAG\"=\"v $WHO\"\n"
					   "FROM scratch AS unused\n"
					   "COPY a b\n"
					   "FROM build\n"
					   "COPY --from=${SRC:-build} --chown=${U:-1}:2 /opt/$TAG/x /y\n"
					   "EXPOSE ${PORT:-80}/tcp\n"
					   "ARG PORT\n"
					   "EXPOSE ${PORT:-80}/tcp\n");
	static const struct nc_df_kv args[] = { { "TAG", "2.0" }, { "PORT", "8080" }, { "NOTGIVEN", NULL } };
	struct nc_df_build b;
	nc_err err = { 0 };
	if (nc_df_eval(&df, "Dockerfile", args, 3, NULL, &b, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(b.n_stages, 3);
	assert_int_equal(b.target, 2);
	assert_string_equal(b.stages[0].base, "busybox:2.0");
	assert_int_equal(b.stages[0].base_stage, -1);
	assert_true(b.stages[0].needed);
	assert_false(b.stages[1].needed);
	assert_int_equal(b.stages[2].base_stage, 0);
	const struct nc_df_step *st = b.stages[0].steps;
	assert_string_equal(st[0].kv[0].value, "2.0");         /* ARG TAG: the build arg */
	assert_string_equal(st[1].kv[0].value, "l 2.0");
	assert_string_equal(st[2].kv[0].value, "/opt/2.0");
	assert_string_equal(st[2].kv[1].value, "");            /* HIDDEN: not declared in the stage */
	assert_string_equal(st[3].kv[1].value, "/opt/2.0");
	assert_string_equal(st[5].words[0], "/opt/2.0/set");
	assert_string_equal(st[6].words[0], "echo $TAG");      /* RUN: the shell's job */
	assert_string_equal(st[7].kv[0].key, "k env-wins");    /* ENV wins over ARG */
	assert_string_equal(st[7].kv[0].value, "v ");
	st = b.stages[2].steps;
	assert_string_equal(st[0].copy_from, "build");
	assert_int_equal(st[0].copy_from_stage, 0);
	assert_string_equal(st[0].chown, "1:2");
	assert_string_equal(st[0].words[0], "/opt/env-wins/x"); /* the base stage's ENV */
	assert_string_equal(b.stages[1].steps[0].words[0], "a"); /* a new stage starts empty */
	assert_int_equal(b.stages[1].steps[0].n_scope, 0);
	assert_string_equal(st[1].words[0], "80/tcp"); /* a build arg needs its ARG */
	assert_string_equal(st[3].words[0], "8080/tcp");
	nc_df_build_free(&b);

	/* A target picks a stage and what it needs. */
	assert_int_equal(nc_df_eval(&df, "Dockerfile", NULL, 0, "unused", &b, &err), 0);
	assert_int_equal(b.target, 1);
	assert_false(b.stages[0].needed);
	assert_true(b.stages[1].needed);
	assert_string_equal(b.stages[0].base, "busybox:1.0");
	nc_df_build_free(&b);
	assert_true(nc_df_eval(&df, "Dockerfile", NULL, 0, "nope", &b, &err) < 0);
	assert_non_null(strstr(err.msg, "target stage `nope` not found"));
	nc_dockerfile_free(&df);

	df = parse_ok("FROM a\nWORKDIR ${X:?needs X}\n");
	assert_true(nc_df_eval(&df, "Dockerfile", NULL, 0, NULL, &b, &err) < 0);
	assert_string_equal(err.msg, "Dockerfile:2: WORKDIR: X: needs X");
	nc_dockerfile_free(&df);
	df = parse_ok("ARG E\nFROM $E\n");
	assert_true(nc_df_eval(&df, "Dockerfile", NULL, 0, NULL, &b, &err) < 0);
	assert_non_null(strstr(err.msg, "Dockerfile:2: FROM `$E` is empty"));
	nc_dockerfile_free(&df);
	df = parse_ok("FROM a AS x\nCOPY --from=x a b\n");
	assert_true(nc_df_eval(&df, "Dockerfile", NULL, 0, NULL, &b, &err) < 0);
	assert_non_null(strstr(err.msg, "names its own stage"));
	nc_dockerfile_free(&df);
}

static const char *const base_env[] = { "PATH=/base/bin", "APP_HOME=/app", "WHO=base", "junk", NULL };

static int base_env_of(void *ctx, size_t stage, const char *image, const char *const **env, nc_err *err)
{
	unsigned *calls = ctx;
	(*calls)++;
	if (!strcmp(image, "bad"))
		return nc_err_msg(err, ENOENT, "no such image");
	*env = stage == 0 && !strcmp(image, "base:1") ? base_env : NULL;
	return 0;
}

/* The base image's ENV is in scope from FROM on: substituted, winning
 * over an ARG, overridden by the stage's ENV, passed to a stage built
 * on this one; an image with none and scratch add nothing. */
static void test_eval_base_env(void **state)
{
	(void)state;
	struct nc_dockerfile df = parse_ok("FROM base:1 AS one\n"
					   "ARG WHO=arg\n"
					   "WORKDIR $APP_HOME\n"
					   "COPY x ${WHO}/\n"
					   "ENV APP_HOME=/srv\n"
					   "WORKDIR $APP_HOME/$PATH\n"
					   "FROM one\n"
					   "WORKDIR $APP_HOME:$WHO\n"
					   "FROM other\n"
					   "WORKDIR x$APP_HOME\n"
					   "FROM scratch\n"
					   "WORKDIR x$APP_HOME\n");
	unsigned calls = 0;
	struct nc_df_base_env be = { .env = base_env_of, .ctx = &calls };
	struct nc_df_build b;
	nc_err err = { 0 };
	if (nc_df_eval_base(&df, "Dockerfile", NULL, 0, NULL, &be, &b, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(calls, 2); /* base:1 and other; not the stage, not scratch */
	const struct nc_df_step *st = b.stages[0].steps;
	assert_string_equal(st[1].words[0], "/app");
	assert_string_equal(st[2].words[1], "base/"); /* the image's ENV wins over ARG */
	assert_string_equal(st[4].words[0], "/srv//base/bin");
	assert_string_equal(b.stages[1].steps[0].words[0], "/srv:base");
	assert_string_equal(b.stages[2].steps[0].words[0], "x");
	assert_string_equal(b.stages[3].steps[0].words[0], "x");
	nc_df_build_free(&b);

	/* Without a provider, as before: nothing from the base. */
	assert_int_equal(nc_df_eval(&df, "Dockerfile", NULL, 0, NULL, &b, &err), 0);
	assert_string_equal(b.stages[0].steps[1].words[0], "");
	nc_df_build_free(&b);
	nc_dockerfile_free(&df);

	df = parse_ok("FROM bad\nWORKDIR /x\n");
	assert_true(nc_df_eval_base(&df, "Dockerfile", NULL, 0, NULL, &be, &b, &err) < 0);
	assert_string_equal(err.msg, "Dockerfile:1: FROM bad: no such image");
	nc_dockerfile_free(&df);
}

/* BuildKit's automatic platform ARGs: FROM sees them undeclared, a
 * stage only once it declares them, a build argument overrides them, and
 * a global redeclaration without a default keeps the value. */
static void test_eval_platform_args(void **state)
{
	(void)state;
	struct nc_dockerfile df = parse_ok("ARG TARGETARCH\n"
					   "FROM --platform=$BUILDPLATFORM img-${TARGETARCH}:${TARGETOS} AS a\n"
					   "WORKDIR /x$TARGETARCH\n"
					   "ARG TARGETARCH BUILDPLATFORM\n"
					   "WORKDIR /$TARGETARCH/$BUILDPLATFORM\n"
					   "FROM b-$BUILDARCH\n"
					   "ARG TARGETOS\n"
					   "WORKDIR /$TARGETOS\n");
	static const struct nc_df_kv plat[] = {
		{ "TARGETPLATFORM", "linux/arm/v7" }, { "TARGETOS", "linux" },  { "TARGETARCH", "arm" },
		{ "TARGETVARIANT", "v7" },            { "BUILDPLATFORM", "linux/arm/v7" },
		{ "BUILDOS", "linux" },               { "BUILDARCH", "arm" },    { "BUILDVARIANT", "v7" },
	};
	struct nc_df_base_env be = { .platform_args = plat, .n_platform_args = 8 };
	struct nc_df_build b;
	nc_err err = { 0 };
	if (nc_df_eval_base(&df, "Dockerfile", NULL, 0, NULL, &be, &b, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(b.stages[0].base, "img-arm:linux");
	assert_string_equal(b.stages[0].steps[0].words[0], "/x");
	assert_string_equal(b.stages[0].steps[2].words[0], "/arm/linux/arm/v7");
	assert_string_equal(b.stages[1].base, "b-arm");
	assert_string_equal(b.stages[1].steps[1].words[0], "/linux");
	nc_df_build_free(&b);

	static const struct nc_df_kv args[] = { { "TARGETOS", "plan9" } };
	if (nc_df_eval_base(&df, "Dockerfile", args, 1, NULL, &be, &b, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(b.stages[1].steps[1].words[0], "/plan9");
	nc_df_build_free(&b);
	nc_dockerfile_free(&df);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_continuations),
		cmocka_unit_test(test_directives),
		cmocka_unit_test(test_env_label_arg),
		cmocka_unit_test(test_other_instructions),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_eval_scopes),
		cmocka_unit_test(test_eval_base_env),
		cmocka_unit_test(test_eval_platform_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
