/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A stage's files read from its unpacked layers: WORKDIR's directory and
 * --chown's names, resolved inside the layers and never out of them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "compose/lifecycle/build-internal.h"

static char top[PATH_MAX], upper[PATH_MAX + 8], lower[PATH_MAX + 8];

static void put(const char *root, const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dir(const char *root, const char *rel)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void link_(const char *root, const char *rel, const char *target)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/nc-test-layers-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(upper, sizeof(upper), "%s/up", top);
	snprintf(lower, sizeof(lower), "%s/lo", top);
	dir(top, "up");
	dir(top, "lo");
	dir(top, "host"); /* outside both layers */
	dir(top, "host/secret");
	dir(lower, "a");
	dir(lower, "a/b");
	dir(lower, "etc");
	put(lower, "f", "file\n");
	put(lower, "etc/passwd", "root:x:0:0::/root:/bin/sh\nbob:x:1001:1002::/home/bob:/bin/sh\n");
	put(lower, "etc/group", "root:x:0:\nstaff:x:50:bob\n");
	link_(lower, "etclink", "/etc");
	char out[PATH_MAX + 16];
	snprintf(out, sizeof(out), "%s/host", top);
	link_(lower, "out", out); /* absolute: the host's path, not the layer's */
	dir(upper, "etc");
	put(upper, "etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:2000:2001::/:/bin/sh\n");
	dir(upper, "a");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nc_err e;
	(void)nc_rm_rf(top, &e);
	return 0;
}

static void test_dir(void **state)
{
	(void)state;
	const char *dirs[] = { upper, lower };
	nc_err err = { 0 };
	assert_int_equal(nc_blayers_dir(dirs, 2, ".", &err), 1);
	assert_int_equal(nc_blayers_dir(dirs, 2, "a", &err), 1);
	assert_int_equal(nc_blayers_dir(dirs, 2, "a/b", &err), 1);   /* in the lower layer */
	assert_int_equal(nc_blayers_dir(dirs, 1, "a/b", &err), 0);   /* not in the upper one alone */
	assert_int_equal(nc_blayers_dir(dirs, 2, "a/c", &err), 0);
	assert_int_equal(nc_blayers_dir(dirs, 2, "new/dir", &err), 0);
	assert_int_equal(nc_blayers_dir(dirs, 0, "a", &err), 0);      /* scratch */
	assert_int_equal(nc_blayers_dir(dirs, 2, "etclink", &err), 1); /* a link inside the layer */
	/* An absolute link is the image's path, never the host's. */
	assert_int_equal(nc_blayers_dir(dirs, 2, "out/secret", &err), 0);
	assert_int_equal(nc_blayers_dir(dirs, 2, "f", &err), -ENOTDIR);
	assert_non_null(strstr(err.msg, "`/f` is in the image and is not a directory"));
}

static void real(const char *const *dirs, size_t n, const char *rel, const char *want)
{
	char out[4096];
	nc_err err = { 0 };
	if (nc_blayers_realpath(dirs, n, rel, out, sizeof(out), &err) < 0)
		fail_msg("%s: %s", rel, err.msg);
	assert_string_equal(out, want);
}

/* WORKDIR's path through the image's links, across layers, never out. */
static void test_realpath(void **state)
{
	(void)state;
	dir(lower, "usr");
	dir(lower, "usr/lib");
	link_(lower, "lib", "usr/lib");
	link_(upper, "x", "/lib/");  /* a link in one layer to another's */
	link_(upper, "loop", "loop2");
	link_(upper, "loop2", "./loop");
	link_(upper, "up", "../../../..");
	const char *dirs[] = { upper, lower };
	real(dirs, 2, "/", ".");
	real(dirs, 2, "a/b", "a/b");
	real(dirs, 2, "/new/dir/", "new/dir");
	real(dirs, 2, "lib/app", "usr/lib/app");
	real(dirs, 2, "x/app/sub", "usr/lib/app/sub");
	real(dirs, 2, "x", "usr/lib");
	real(dirs, 2, "up/a/./b/../c", "a/c");        /* .. stops at the image's root */
	char want[PATH_MAX + 32];
	snprintf(want, sizeof(want), "%s/host/secret", top + 1);
	real(dirs, 2, "out/secret", want); /* an absolute link: the image's path, missing there */
	real(dirs + 1, 1, "x/app", "x/app");          /* the link is the upper layer's */
	char out[4096];
	nc_err err = { 0 };
	assert_true(nc_blayers_realpath(dirs, 2, "loop/a", out, sizeof(out), &err) < 0);
	assert_non_null(strstr(err.msg, "too many symbolic links"));
	assert_true(nc_blayers_realpath(dirs, 2, "f/a", out, sizeof(out), &err) < 0);
	assert_non_null(strstr(err.msg, "`/f` is in the image and is not a directory"));
}

static void test_dir_whiteout(void **state)
{
	(void)state;
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/a/b", upper);
	if (mknod(p, S_IFCHR | 0000, makedev(0, 0)) < 0)
		skip(); /* needs CAP_MKNOD */
	const char *dirs[] = { upper, lower };
	nc_err err = { 0 };
	assert_int_equal(nc_blayers_dir(dirs, 2, "a/b", &err), 0);
	unlink(p);
	assert_int_equal(nc_blayers_dir(dirs, 2, "a/b", &err), 1);
}

static void test_user(void **state)
{
	(void)state;
	const char *dirs[] = { upper, lower };
	nc_err err = { 0 };
	uid_t u = 7;
	gid_t g = 7;
	assert_int_equal(nc_blayers_user(dirs, 2, top, "alice", &u, &g, &err), 0);
	assert_int_equal(u, 2000);
	assert_int_equal(g, 2001); /* a name alone: its passwd group */
	/* The group file of the lower layer: the upper one has none. */
	assert_int_equal(nc_blayers_user(dirs, 2, top, "alice:staff", &u, &g, &err), 0);
	assert_int_equal(u, 2000);
	assert_int_equal(g, 50);
	assert_int_equal(nc_blayers_user(dirs, 2, top, "1500:staff", &u, &g, &err), 0);
	assert_int_equal(u, 1500);
	assert_int_equal(g, 50);
	/* The upper layer's passwd hides the lower one's. */
	assert_true(nc_blayers_user(dirs, 2, top, "bob", &u, &g, &err) < 0);
	assert_non_null(strstr(err.msg, "`bob`"));
	assert_int_equal(nc_blayers_user(dirs + 1, 1, top, "bob", &u, &g, &err), 0);
	assert_int_equal(u, 1001);
	assert_int_equal(g, 1002);
	assert_true(nc_blayers_user(dirs, 2, top, "alice:nogroup", &u, &g, &err) < 0);
	assert_non_null(strstr(err.msg, "`nogroup`"));
	/* Nothing of the copies is left. */
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "find %s -maxdepth 1 -name 'user-*' | grep -q .", top);
	assert_int_not_equal(system(p), 0);
}

/* A passwd that is a link out of the image reads nothing of the host's. */
static void test_user_hostile_link(void **state)
{
	(void)state;
	char evil[PATH_MAX + 8], p[PATH_MAX * 2];
	snprintf(evil, sizeof(evil), "%s/evil", top);
	dir(top, "evil");
	dir(evil, "etc");
	snprintf(p, sizeof(p), "%s/passwd", top);
	put(top, "passwd", "carol:x:3000:3000::/:/bin/sh\n"); /* the "host's" file */
	link_(evil, "etc/passwd", p);
	const char *dirs[] = { evil };
	nc_err err = { 0 };
	uid_t u;
	gid_t g;
	assert_true(nc_blayers_user(dirs, 1, top, "carol", &u, &g, &err) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_dir_whiteout),
		cmocka_unit_test(test_realpath),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_user_hostile_link),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
