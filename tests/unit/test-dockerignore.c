/* SPDX-License-Identifier: GPL-2.0-or-later */
/* .dockerignore patterns as Docker matches them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compose/file/dockerignore.h"

static void test_glob(void **state)
{
	(void)state;
	assert_true(nc_di_glob("a", "a"));
	assert_false(nc_di_glob("a", "ab"));
	assert_true(nc_di_glob("*.o", "x.o"));
	assert_false(nc_di_glob("*.o", "d/x.o"));
	assert_true(nc_di_glob("*/*.o", "d/x.o"));
	assert_true(nc_di_glob("?.c", "a.c"));
	assert_false(nc_di_glob("?.c", "/.c"));
	assert_true(nc_di_glob("[a-c]x", "bx"));
	assert_false(nc_di_glob("[a-c]x", "dx"));
	assert_true(nc_di_glob("[^a-c]x", "dx"));
	assert_false(nc_di_glob("[a-c", "a"));
	assert_true(nc_di_glob("\\*", "*"));
	assert_false(nc_di_glob("\\*", "a"));
	assert_true(nc_di_glob("**/*.go", "a.go"));
	assert_true(nc_di_glob("**/*.go", "a/b/c.go"));
	assert_true(nc_di_glob("a/**/b", "a/b"));
	assert_true(nc_di_glob("a/**/b", "a/x/y/b"));
	assert_false(nc_di_glob("a/**/b", "a/xb"));
	assert_true(nc_di_glob("**", "anything/at/all"));
	assert_true(nc_di_glob("a**", "ab/c"));
}

static bool excl(const char *file, const char *path)
{
	struct nc_dockerignore di;
	nc_err err = { 0 };
	assert_int_equal(nc_dockerignore_parse(&di, file, strlen(file), &err), 0);
	bool r = nc_dockerignore_excludes(&di, path);
	nc_dockerignore_free(&di);
	return r;
}

static void test_rules(void **state)
{
	(void)state;
	const char *f = "# comment\n"
			"\n"
			"  *.md  \n"
			"!README.md\n"
			"/build/\n"
			"./tmp//cache\n"
			"**/*.o\n"
			"secret\n"
			"keep/*\n"
			"!keep/this\r\n";
	assert_true(excl(f, "notes.md"));
	assert_false(excl(f, "README.md"));
	assert_false(excl(f, "docs/x.md")); /* *.md is the top only */
	assert_true(excl(f, "build"));
	assert_true(excl(f, "build/out/x")); /* under an excluded directory */
	assert_true(excl(f, "tmp/cache/f"));
	assert_false(excl(f, "tmp/other"));
	assert_true(excl(f, "x.o"));
	assert_true(excl(f, "src/deep/x.o"));
	assert_true(excl(f, "secret"));
	assert_false(excl(f, "src/secret"));
	assert_true(excl(f, "keep/other"));
	assert_false(excl(f, "keep/this"));
	assert_false(excl(f, "keep/this/below"));
	assert_false(excl(f, "# comment"));
	assert_false(excl(f, "Dockerfile"));

	/* The last pattern that matches decides. */
	assert_true(excl("!a\na\n", "a"));
	assert_false(excl("a\n!a\n", "a"));
	assert_true(excl("a/b/../c\n", "a/c"));
	assert_true(excl("*\n!x\nx/y\n", "x/y"));
	assert_false(excl("*\n!x\n", "x/y"));
	assert_false(excl("", "a"));
	assert_false(excl("!\n", "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
