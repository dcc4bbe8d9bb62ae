/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Path resolution inside a root (openat2 and the walk fallback give the
 * same answers), and creation through dangling symlinks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/resolve.h"

static char root[64];
static int rootfd = -1;

static void put(const char *rel, const char *content)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void mkd(const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void ln(const char *to, const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(to, p), 0);
}

/*
 * root/
 *   etc/hosts            "inside"
 *   etc/up -> ../../../../../etc        escapes textually
 *   etc/abs -> /etc/hosts               absolute: re-rooted
 *   etc/resolv.conf -> ../run/resolve/stub.conf  dangling
 *   etc/loop -> loop
 *   etc/rel -> ../file                  relative, stays inside
 *   run/
 *   file                 a file where a directory is expected
 */
static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/nc-rt-resolve-XXXXXX");
	assert_non_null(mkdtemp(root));
	mkd("etc");
	mkd("run");
	put("etc/hosts", "inside");
	put("file", "");
	ln("../../../../../etc", "etc/up");
	ln("/etc/hosts", "etc/abs");
	ln("../run/resolve/stub.conf", "etc/resolv.conf");
	ln("loop", "etc/loop");
	ln("../file", "etc/rel");
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nc_err err;
	close(rootfd);
	assert_int_equal(nc_rm_rf(root, &err), 0);
	return 0;
}

typedef int (*open_fn)(int rootfd, const char *path, int flags, nc_err *err);

static void read_is(int fd, const char *want)
{
	char buf[64] = { 0 };
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	int rfd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(rfd >= 0);
	assert_true(read(rfd, buf, sizeof(buf) - 1) >= 0);
	close(rfd);
	assert_string_equal(buf, want);
}

static void check_resolution(open_fn fn)
{
	nc_err err;
	int fd = fn(rootfd, "/etc/hosts", O_PATH, &err);
	assert_true(fd >= 0);
	read_is(fd, "inside");
	close(fd);

	/* ".." climbing past the root stays in it */
	fd = fn(rootfd, "/etc/up/hosts", O_PATH, &err);
	assert_true(fd >= 0);
	read_is(fd, "inside");
	close(fd);
	fd = fn(rootfd, "../../../etc/hosts", O_PATH, &err);
	assert_true(fd >= 0);
	read_is(fd, "inside");
	close(fd);

	/* an absolute link restarts at the root, not at the host's / */
	fd = fn(rootfd, "/etc/abs", O_PATH, &err);
	assert_true(fd >= 0);
	read_is(fd, "inside");
	close(fd);

	assert_int_equal(fn(rootfd, "/etc/resolv.conf", O_PATH, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "`/etc/resolv.conf`"));
	assert_int_equal(fn(rootfd, "/etc/loop", O_PATH, &err), -ELOOP);
	assert_int_equal(fn(rootfd, "/file/x", O_PATH, &err), -ENOTDIR);
	fd = fn(rootfd, "/etc/abs", O_PATH | O_NOFOLLOW, &err);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	close(fd);
	fd = fn(rootfd, "/", O_PATH | O_DIRECTORY, &err);
	assert_true(fd >= 0);
	close(fd);
}

static void test_openat2(void **state)
{
	(void)state;
	check_resolution(rt_open_in_root);
}

static void test_walk_fallback(void **state)
{
	(void)state;
	check_resolution(rt_open_in_root_walk);
}

/* Beneath a directory (a build context): what climbs out is refused with
 * EXDEV instead of being re-rooted. */
static void check_beneath(open_fn fn)
{
	nc_err err;
	int fd = fn(rootfd, "etc/hosts", O_PATH, &err);
	assert_true(fd >= 0);
	read_is(fd, "inside");
	close(fd);
	fd = fn(rootfd, "etc/../etc/./hosts", O_PATH, &err);
	assert_true(fd >= 0);
	read_is(fd, "inside");
	close(fd);
	fd = fn(rootfd, "etc/rel", O_PATH, &err);
	assert_true(fd >= 0);
	read_is(fd, "");
	close(fd);
	fd = fn(rootfd, ".", O_PATH | O_DIRECTORY, &err);
	assert_true(fd >= 0);
	close(fd);

	assert_int_equal(fn(rootfd, "/etc/hosts", O_PATH, &err), -EXDEV);
	assert_int_equal(fn(rootfd, "../etc/hosts", O_PATH, &err), -EXDEV);
	assert_int_equal(fn(rootfd, "etc/../../etc/hosts", O_PATH, &err), -EXDEV);
	assert_int_equal(fn(rootfd, "etc/up/hosts", O_PATH, &err), -EXDEV);
	assert_int_equal(fn(rootfd, "etc/abs", O_PATH, &err), -EXDEV);
	/* the link itself, not followed, is beneath */
	fd = fn(rootfd, "etc/abs", O_PATH | O_NOFOLLOW, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fn(rootfd, "etc/loop", O_PATH, &err), -ELOOP);
	assert_int_equal(fn(rootfd, "etc/missing", O_PATH, &err), -ENOENT);
	assert_int_equal(fn(rootfd, "file/x", O_PATH, &err), -ENOTDIR);
}

static void test_beneath_openat2(void **state)
{
	(void)state;
	check_beneath(rt_open_beneath);
}

static void test_beneath_walk(void **state)
{
	(void)state;
	check_beneath(rt_open_beneath_walk);
}

/* The control: without the check these links do lead out of the
 * directory, to the host's files. */
static void test_beneath_control(void **state)
{
	(void)state;
	struct stat inside, host, got;
	assert_int_equal(stat("/etc/hosts", &host), 0);
	assert_int_equal(fstatat(rootfd, "etc/hosts", &inside, 0), 0);
	assert_int_equal(fstatat(rootfd, "etc/abs", &got, 0), 0);
	assert_true(got.st_ino == host.st_ino && got.st_dev == host.st_dev);
	assert_int_equal(fstatat(rootfd, "etc/up/hosts", &got, 0), 0);
	assert_true(got.st_ino == host.st_ino && got.st_dev == host.st_dev);
	assert_false(got.st_ino == inside.st_ino && got.st_dev == inside.st_dev);
}

static void test_create_through_dangling_link(void **state)
{
	(void)state;
	nc_err err;
	/* /etc/resolv.conf -> ../run/resolve/stub.conf: the directory and the
	 * file are created where the link points, inside the root. */
	int fd = rt_open_or_create_in_root(rootfd, "/etc/resolv.conf", false, &err);
	assert_true(fd >= 0);
	close(fd);
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/run/resolve/stub.conf", root);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* existing: just opened; new nested directories: created */
	fd = rt_open_or_create_in_root(rootfd, "/etc/hosts", false, &err);
	assert_true(fd >= 0);
	read_is(fd, "inside");
	close(fd);
	fd = rt_open_or_create_in_root(rootfd, "/a/b/c", true, &err);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/a/b/c", root);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	/* an absolute dangling link is re-rooted too */
	ln("/run/abs-target", "etc/abs-dangling");
	fd = rt_open_or_create_in_root(rootfd, "/etc/abs-dangling", false, &err);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/run/abs-target", root);
	assert_int_equal(stat(p, &st), 0);

	assert_int_equal(rt_open_or_create_in_root(rootfd, "/file/x", false, &err), -ENOTDIR);
	assert_int_equal(rt_open_or_create_in_root(rootfd, "/etc/loop", false, &err), -ELOOP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_openat2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beneath_openat2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beneath_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beneath_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_through_dangling_link, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
