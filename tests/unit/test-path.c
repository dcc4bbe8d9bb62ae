/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/path.h"

static const char *J(const char *dir, const char *name)
{
	static char buf[256];
	assert_int_equal(nc_path_join(buf, sizeof(buf), dir, name), 0);
	return buf;
}

/* What a lab imported from "." or "lab/" used to print: no "././", no
 * "//", no "/./". */
static void test_no_doubled_dots_or_slashes(void **state)
{
	(void)state;
	assert_string_equal(J("./.", "r1.startup"), "./r1.startup");
	assert_string_equal(J(".", "r1.startup"), "./r1.startup");
	assert_string_equal(J("./", "./r1.startup"), "./r1.startup");
	assert_string_equal(J("lab/", "lab.conf"), "lab/lab.conf");
	assert_string_equal(J("lab//x/./", "./r1/etc//frr.conf"), "lab/x/r1/etc/frr.conf");
	assert_string_equal(J("./lab", "r1"), "./lab/r1");
	assert_string_equal(J("/srv/labs/", "./a/./b/"), "/srv/labs/a/b");
	assert_string_equal(J("/", "lab.conf"), "/lab.conf");
}

static void test_plain_joins_unchanged(void **state)
{
	(void)state;
	assert_string_equal(J("lab", "r1.startup"), "lab/r1.startup");
	assert_string_equal(J("/srv/lab", "r1/etc/frr/daemons"), "/srv/lab/r1/etc/frr/daemons");
	assert_string_equal(J("./two-hosts", "shared/note.txt"), "./two-hosts/shared/note.txt");
}

/* ".." is never folded (a symlink makes a/b/.. other than a), and a path
 * that begins with it needs no "./". */
static void test_dotdot_kept(void **state)
{
	(void)state;
	assert_string_equal(J("a/b/..", "c"), "a/b/../c");
	assert_string_equal(J("./../lab", "r1"), "../lab/r1");
	assert_string_equal(J(".", "..lab"), "./..lab");
	assert_string_equal(J("..", "x"), "../x");
}

static void test_edges(void **state)
{
	(void)state;
	assert_string_equal(J(".", ""), ".");
	assert_string_equal(J("./", "."), ".");
	assert_string_equal(J("", ""), ".");
	assert_string_equal(J(NULL, "x/"), "x");
	assert_string_equal(J("", "./x"), "./x");
	assert_string_equal(J("/", ""), "/");
	assert_string_equal(J("//", "/./"), "/");
	/* An absolute name is the name. */
	assert_string_equal(J("lab", "/etc/frr"), "/etc/frr");
}

static void test_too_long(void **state)
{
	(void)state;
	char small[8];
	assert_int_equal(nc_path_join(small, sizeof(small), "abc", "defg"), -ENAMETOOLONG);
	assert_string_equal(small, "");
	assert_int_equal(nc_path_join(small, sizeof(small), "abc", "def"), 0);
	assert_string_equal(small, "abc/def");
	/* The "./" put in front counts too. */
	assert_int_equal(nc_path_join(small, sizeof(small), ".", "abcdef"), -ENAMETOOLONG);
	assert_string_equal(small, "");
	assert_int_equal(nc_path_join(small, sizeof(small), ".", "abcde"), 0);
	assert_string_equal(small, "./abcde");
	assert_int_equal(nc_path_join(small, 0, "a", "b"), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_doubled_dots_or_slashes),
		cmocka_unit_test(test_plain_joins_unchanged),
		cmocka_unit_test(test_dotdot_kept),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
