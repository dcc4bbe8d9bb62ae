/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Splitting `command: "..."` into words, as Compose does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compose/file/shellwords.h"

static void expect_words(const char *s, const char *const *want, size_t n)
{
	struct nc_arena a = NC_ARENA_INIT;
	const char **w;
	size_t nw, at;

	assert_int_equal(nc_shellwords_split(&a, s, &w, &nw, &at), NC_SHELLWORDS_OK);
	assert_int_equal(nw, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(w[i], want[i]);
	nc_arena_free(&a);
}

#define WORDS(s, ...)                                                        \
	do {                                                                 \
		static const char *const w_[] = { __VA_ARGS__ };             \
		expect_words(s, w_, sizeof(w_) / sizeof(w_[0]));             \
	} while (0)

static void test_split(void **state)
{
	(void)state;
	WORDS("sleep 10", "sleep", "10");
	WORDS("  sleep\t\n 10  ", "sleep", "10");
	WORDS("sh -c 'echo $HOME; ls | wc -l'", "sh", "-c", "echo $HOME; ls | wc -l");
	WORDS("echo \"a b\" c", "echo", "a b", "c");
	WORDS("echo \"say \\\"hi\\\" \\$x \\n\"", "echo", "say \"hi\" $x \\n");
	WORDS("echo a\\ b", "echo", "a b");
	WORDS("echo '' \"\"", "echo", "", "");
	WORDS("pre'fix'\"mid\"post", "prefixmidpost");
	WORDS("a \\\n b", "a", "b");
	WORDS("a\\\nb", "ab");
	WORDS("echo 'it\\'s", "echo", "it\\s");
	WORDS("x*y ; &&", "x*y", ";", "&&");
}

static void test_empty(void **state)
{
	(void)state;
	struct nc_arena a = NC_ARENA_INIT;
	const char **w;
	size_t n, at;

	assert_int_equal(nc_shellwords_split(&a, "", &w, &n, &at), NC_SHELLWORDS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(nc_shellwords_split(&a, "   \t", &w, &n, &at), NC_SHELLWORDS_OK);
	assert_int_equal(n, 0);
	nc_arena_free(&a);
}

static void test_errors(void **state)
{
	(void)state;
	struct nc_arena a = NC_ARENA_INIT;
	const char **w;
	size_t n, at;

	assert_int_equal(nc_shellwords_split(&a, "echo 'abc", &w, &n, &at),
			 NC_SHELLWORDS_UNBALANCED_SINGLE);
	assert_int_equal(at, 5);
	assert_int_equal(nc_shellwords_split(&a, "sh -c \"echo hi", &w, &n, &at),
			 NC_SHELLWORDS_UNBALANCED_DOUBLE);
	assert_int_equal(at, 6);
	/* An escaped quote does not close. */
	assert_int_equal(nc_shellwords_split(&a, "\"a\\\"", &w, &n, &at),
			 NC_SHELLWORDS_UNBALANCED_DOUBLE);
	assert_int_equal(nc_shellwords_split(&a, "echo \\", &w, &n, &at),
			 NC_SHELLWORDS_TRAILING_BACKSLASH);
	assert_int_equal(at, 5);
	assert_string_equal(nc_shellwords_strerror(NC_SHELLWORDS_UNBALANCED_DOUBLE),
			    "unbalanced double quote");
	nc_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
