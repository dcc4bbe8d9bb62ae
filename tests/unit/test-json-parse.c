/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON reader of image metadata: values, escapes, errors with places. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/json-parse.h"

static void test_values(void **state)
{
	(void)state;
	struct nc_arena a = NC_ARENA_INIT;
	struct nc_jv *v;
	nc_err err;
	const char *text = "[{\"Config\":\"c.json\",\"RepoTags\":null,\"Layers\":[\"a/layer.tar\",\"b/layer.tar\"]},"
			   " true, false, -12.5e3, \"\\u00e9\\ud83d\\ude00\\n\\\"\", {}, []]";
	assert_int_equal(nc_json_parse(text, &a, &v, &err), 0);
	assert_int_equal(v->kind, NC_JV_ARRAY);
	assert_int_equal(v->n, 7);
	const struct nc_jv *m = v->items[0];
	assert_string_equal(nc_jv_str(m, "Config"), "c.json");
	assert_int_equal(nc_jv_get(m, "RepoTags")->kind, NC_JV_NULL);
	const struct nc_jv *layers = nc_jv_get(m, "Layers");
	assert_int_equal(layers->n, 2);
	assert_string_equal(layers->items[1]->s, "b/layer.tar");
	assert_null(nc_jv_get(m, "nope"));
	assert_null(nc_jv_str(m, "Layers"));
	assert_true(v->items[1]->b);
	assert_false(v->items[2]->b);
	assert_string_equal(v->items[3]->s, "-12.5e3");
	assert_string_equal(v->items[4]->s, "\xc3\xa9\xf0\x9f\x98\x80\n\"");
	assert_int_equal(v->items[5]->n, 0);
	assert_int_equal(v->items[6]->kind, NC_JV_ARRAY);
	/* Many items: the vectors grow. */
	char big[8192] = "[";
	for (int i = 0; i < 500; i++)
		strcat(big, i ? ",{\"k\":1}" : "{\"k\":1}");
	strcat(big, "]");
	assert_int_equal(nc_json_parse(big, &a, &v, &err), 0);
	assert_int_equal(v->n, 500);
	assert_string_equal(nc_jv_get(v->items[499], "k")->s, "1");
	nc_arena_free(&a);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "{\"a\" 1}", "line 1, column 6: expected `:`" },
		{ "[1,\n 2", "line 2, column 3: expected `,` or `]`" },
		{ "\"abc", "line 1, column 5: unterminated string" },
		{ "\"\\x\"", "line 1, column 2: a bad escape in a string" },
		{ "[1] 2", "line 1, column 5: text after the value" },
		{ "{1:2}", "line 1, column 2: expected a key in quotes" },
		{ "nul", "line 1, column 1: expected a value" },
		{ "", "line 1, column 1: expected a value" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nc_arena a = NC_ARENA_INIT;
		struct nc_jv *v;
		nc_err err;
		assert_true(nc_json_parse(bad[i].text, &a, &v, &err) < 0);
		assert_string_equal(err.msg, bad[i].msg);
		nc_arena_free(&a);
	}
	/* Deep nesting is refused, not a stack overflow. */
	char deep[1000];
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	struct nc_arena a = NC_ARENA_INIT;
	struct nc_jv *v;
	nc_err err;
	assert_true(nc_json_parse(deep, &a, &v, &err) < 0);
	assert_non_null(strstr(err.msg, "nested too deeply"));
	nc_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
