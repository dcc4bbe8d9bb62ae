/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The normalised output of `ncompose config`: golden files
 * (tests/data/parse/good/NAME.out) and the round trip (printed text parses
 * into a model that prints the same text); numbers and scalars.
 *
 * `test-compose-parse-emit --regenerate` rewrites the golden files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/file/emit.h"
#include "compose/file/model.h"
#include "compose/file/yaml-tree.h"
#include "tests/unit/test-parse.h"

static bool regenerate;

static char *emit(const struct nc_model *m)
{
	struct nc_strbuf b = NC_STRBUF_INIT;
	nc_err err;

	if (nc_model_emit_yaml(m, &b, &err) < 0)
		fail_msg("%s", err.msg);
	return nc_strbuf_take(&b);
}

/* The golden output, and: printed text parses into a model that prints
 * the same text. */
static void check_golden(const char *name)
{
	char yaml[512], out[512];
	snprintf(yaml, sizeof(yaml), "%s/%s.yaml", GOOD_DIR, name);
	snprintf(out, sizeof(out), "%s/%s.out", GOOD_DIR, name);

	struct nc_load_opts opts = { 0 };
	struct nc_model *m = NULL;
	nc_err lerr;
	if (nc_model_load_file_opts(yaml, &opts, &m, &lerr) < 0)
		fail_msg("%s", lerr.msg);
	char *text = emit(m);
	if (regenerate) {
		nc_err err;
		assert_int_equal(nc_write_file_atomic(out, text, strlen(text), 0644, &err), 0);
	}
	char *golden;
	size_t len;
	nc_err err;
	if (nc_read_file(out, &golden, &len, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(text, golden);

	struct nc_model *again = NULL;
	if (nc_model_load_buffer_opts("again.yaml", text, strlen(text), &opts, &again, &lerr) < 0)
		fail_msg("%s", lerr.msg);
	char *text2 = emit(again);
	assert_string_equal(text2, text);
	free(golden);
	free(text);
	free(text2);
	nc_model_free(again);
	nc_model_free(m);
}

static void test_emit_golden(void **state)
{
	(void)state;
	check_golden("lab");
	check_golden("everything");
	check_golden("anchors");
	check_golden("minimal");
	check_golden("keys");
	check_golden("router");
}

/* Numbers print in fixed notation, as few digits as read back exactly. */
static void test_emit_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "10", "cpus: 10\n" },	     { "0.5", "cpus: 0.5\n" },
		{ "\"0.1\"", "cpus: 0.1\n" }, { "1000000", "cpus: 1000000\n" },
		{ "0.000001", "cpus: 0.000001\n" },
		{ "123456789012345678", "cpus: 123456789012345680\n" },
		{ "0.00000000000000000000000000001", "cpus: 0.00000000000000000000000000001\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char y[256];
		snprintf(y, sizeof(y), "services:\n  s:\n    cpus: %s\n", cases[i].in);
		struct nc_model *m = load(y);
		char *text = emit(m);
		if (!strstr(text, cases[i].out))
			fail_msg("%s: %s", cases[i].in, text);
		struct nc_model *again = load(text);
		assert_true(again->services[0].cpus == m->services[0].cpus);
		free(text);
		nc_model_free(again);
		nc_model_free(m);
	}
}

static void test_emit_scalars(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },	       { "10.0.0.1", "10.0.0.1" },
		{ "123", "\"123\"" },	       { "true", "\"true\"" },
		{ "yes", "\"yes\"" },	       { "", "\"\"" },
		{ "~", "\"~\"" },	       { "a b", "\"a b\"" },
		{ "fd00::1", "\"fd00::1\"" },  { "-m", "\"-m\"" },
		{ "say \"hi\"\n", "\"say \\\"hi\\\"\\n\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "tab\there", "\"tab\\there\"" }, { "\x01", "\"\\x01\"" },
		{ "#x", "\"#x\"" },	       { "a,b", "\"a,b\"" },
		{ "1.5", "\"1.5\"" },	       { "null", "\"null\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		/* What YAML reads as line breaks, a BOM, C1 controls: escaped. */
		{ "a\xe2\x80\xa9" "b", "\"a\\u2029b\"" }, { "\xe2\x80\xa8", "\"\\u2028\"" },
		{ "\xc2\x85", "\"\\x85\"" },	   { "\xc2\x80", "\"\\x80\"" },
		{ "\xef\xbb\xbf" "x", "\"\\ufeffx\"" },   { "\xf0\x9f\x90\xa7", "\"\xf0\x9f\x90\xa7\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nc_strbuf b = NC_STRBUF_INIT;
		nc_emit_scalar(&b, cases[i].in);
		assert_string_equal(b.s, cases[i].out);

		/* And it reads back as the same string. */
		struct nc_strbuf doc = NC_STRBUF_INIT;
		struct nc_arena a = NC_ARENA_INIT;
		struct nc_yt_node *root;
		nc_err err;
		nc_strbuf_printf(&doc, "k: %s\nl: [%s]\n", b.s, b.s);
		assert_int_equal(nc_yt_parse(&a, "t", doc.s, doc.len, &root, &err), 0);
		assert_string_equal(nc_yt_get(root, "k")->text, cases[i].in);
		assert_int_equal(nc_yt_get(root, "k")->type, NC_YT_STR);
		assert_string_equal(nc_yt_get(root, "l")->items[0]->text, cases[i].in);
		nc_arena_free(&a);
		nc_strbuf_free(&doc);
		nc_strbuf_free(&b);
	}
}


/* Corner cases (several found by fuzzing): each prints, parses back and
 * prints the same. */
static void test_emit_round_trip(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"services:\n  a:\n    networks:\n      default: {jitter: 0ms}\n",
		"services:\n  a:\n    networks:\n      default: {delay: 0s, rate: 1bit, loss: 0}\n",
		"services:\n  a: {networks: []}\n",
		"services:\n  a: {network_mode: none}\n",
		"services:\n  a: {healthcheck: {}}\n",
		"services:\n  a: {command: \"\", entrypoint: []}\n",
		"services:\n  a: {environment: {\"x.y\": \"\", \"yes\": ~}}\n",
		"services:\n  \"1\": {hostname: \"123\"}\n",
		"services:\n  a: {command: [\"\\n\", \"a: b\", \"- x\", \"#\", \"&x\", \"*y\", \"!t\", \"%p\", \"@\", \"`\"]}\n",
		"services:\n  a: {stop_signal: SIGRTMAX, stop_grace_period: 0s, restart: on-failure:0}\n",
		"services:\n  a: {tmpfs: [\"/t:size=0,mode=0\"]}\n",
		"services:\n  a: {logging: {driver: local, options: {max-size: 8k, max-file: \"2\"}}}\n",
		"services:\n  a: {logging: {driver: none}}\n",
		"name: x\nnetworks: {n: {ipam: {config: [{subnet: \"fd00:0::/64\"}]}}}\n",
		"services:\n  a: {build: ./app}\n",
		"services:\n  a: {links: [b, \"c:cee\"], depends_on: {b: {condition: service_healthy}}}\n"
		"  b: {healthcheck: {test: [CMD, \"true\"]}}\n  c: {}\n",
		"services:\n  a: {image: a, build: {context: ., dockerfile: D, args: [X, Y=1], labels: {l: v},"
		" target: t, network: none, tags: [a:1], cache_from: [a:c], cache_to: [a:d],"
		" platforms: [linux/arm64], shm_size: 1g, no_cache: true, pull: true}}\n",
		"services:\n  a: {build: {dockerfile_inline: \"FROM scratch\\nCOPY . /\\n\"}}\n",
		"services:\n  a: {networks: [cd]}\nnetworks: {cd: {enable_ipv4: false}}\n",
	};
	struct nc_load_opts opts = { 0 };

	/* Names longer than an implicit YAML key may be (1024 characters); a
	 * service name that long needs a hostname of its own. */
	struct nc_strbuf lng = NC_STRBUF_INIT;
	nc_strbuf_append(&lng, "services:\n  ? ");
	for (int i = 0; i < 1100; i++)
		nc_strbuf_putc(&lng, 's');
	nc_strbuf_append(&lng, "\n  :\n    hostname: h\n    environment:\n      - ");
	for (int i = 0; i < 1100; i++)
		nc_strbuf_putc(&lng, i % 7 ? 'E' : '_');
	nc_strbuf_append(&lng, "\n");
	const char *const more[] = { nc_strbuf_str(&lng) };

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]) + 1; i++) {
		const char *doc = i < sizeof(docs) / sizeof(docs[0]) ? docs[i] : more[0];
		struct nc_model *m = NULL, *again = NULL;
		nc_err err;
		if (nc_model_load_buffer_opts("t.yaml", doc, strlen(doc), &opts, &m, &err) < 0)
			fail_msg("%zu: %s", i, err.msg);
		char *text = emit(m);
		if (nc_model_load_buffer_opts("again.yaml", text, strlen(text), &opts, &again, &err) < 0)
			fail_msg("%zu: %s\n%s", i, err.msg, text);
		char *text2 = emit(again);
		if (strcmp(text, text2))
			fail_msg("%zu:\n%s---\n%s", i, text, text2);
		free(text);
		free(text2);
		nc_model_free(again);
		nc_model_free(m);
	}
	nc_strbuf_free(&lng);
}

static const char *lookup_dollar(void *ctx, const char *name)
{
	(void)ctx;
	return !strcmp(name, "PRICE") ? "$5" : !strcmp(name, "HOST") ? "h1" : NULL;
}

/* `config` writes `$` as `$$`: its output, read again with interpolation,
 * means the same and prints the same (a fixed point). */
static void test_emit_dollar_fixed_point(void **state)
{
	(void)state;
	const char *doc = "services:\n"
			  "  s:\n"
			  "    hostname: ${HOST}\n"
			  "    command: [echo, \"$$HOME\", \"${PRICE}\", \"a$${B}c\", \"$$$$\"]\n"
			  "    environment: {A: \"${UNSET:-$$x}\", B: cost $$1}\n";
	struct nc_load_opts opts = { .lookup = lookup_dollar };
	struct nc_model *m = NULL, *again = NULL;
	nc_err err;

	if (nc_model_load_buffer_opts("t.yaml", doc, strlen(doc), &opts, &m, &err) < 0)
		fail_msg("%s", err.msg);
	char *text = emit(m);
	assert_non_null(strstr(text, "\"$$HOME\""));
	assert_non_null(strstr(text, "\"$$5\""));
	if (nc_model_load_buffer_opts("again.yaml", text, strlen(text), &opts, &again, &err) < 0)
		fail_msg("%s\n%s", err.msg, text);
	const struct nc_service *s = &again->services[0];
	assert_string_equal(s->hostname, "h1");
	assert_string_equal(s->command[1], "$HOME");
	assert_string_equal(s->command[2], "$5");
	assert_string_equal(s->command[3], "a${B}c");
	assert_string_equal(s->command[4], "$$");
	assert_string_equal(s->environment[0].value, "$x");
	assert_string_equal(s->environment[1].value, "cost $1");
	char *text2 = emit(again);
	assert_string_equal(text2, text);
	free(text);
	free(text2);
	nc_model_free(again);
	nc_model_free(m);
}

int main(int argc, char **argv)
{
	regenerate = argc > 1 && !strcmp(argv[1], "--regenerate");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emit_golden),
		cmocka_unit_test(test_emit_numbers),
		cmocka_unit_test(test_emit_scalars),
		cmocka_unit_test(test_emit_round_trip),
		cmocka_unit_test(test_emit_dollar_fixed_point),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
