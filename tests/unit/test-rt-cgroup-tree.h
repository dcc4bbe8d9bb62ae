/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fake cgroup trees for the cgroup unit tests: tests/data/cgroup/tree-*
 * copied into a temp dir (the tests write into them), and small file
 * helpers. Include after cmocka.h, in one test program each.
 */
#ifndef NC_TEST_RT_CGROUP_TREE_H
#define NC_TEST_RT_CGROUP_TREE_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/cgroup-internal.h"

static char tree_tmp[64];   /* the temp dir */
static char root[160];      /* <tmp>/root: the cgroup root */
static const char *copy_from; /* nftw has no user pointer */

static inline int copy_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	char dst[1024];
	nc_err err;
	snprintf(dst, sizeof(dst), "%s%s", tree_tmp, path + strlen(copy_from));
	if (type == FTW_D)
		return mkdir(dst, st->st_mode & 0777) < 0 && errno != EEXIST ? -1 : 0;
	if (type != FTW_F)
		return -1;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (nc_read_file(path, &text, &len, &err) < 0)
		return -1;
	_cleanup_close_ int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	return fd < 0 || write(fd, text, len) != (ssize_t)len ? -1 : 0;
}

/* Copies tests/data/cgroup/<name> to a fresh temp dir; root is its root/. */
static inline void tree_copy(const char *name)
{
	char src[512];
	snprintf(tree_tmp, sizeof(tree_tmp), "/tmp/nc-rt-cgtree-XXXXXX");
	assert_non_null(mkdtemp(tree_tmp));
	snprintf(src, sizeof(src), "%s/cgroup/%s", NC_TEST_DATA, name);
	copy_from = src;
	assert_int_equal(nftw(src, copy_one, 16, FTW_PHYS), 0);
	snprintf(root, sizeof(root), "%s/root", tree_tmp);
}

static inline void tree_remove(void)
{
	nc_err err;
	if (tree_tmp[0])
		assert_int_equal(nc_rm_rf(tree_tmp, &err), 0);
	tree_tmp[0] = '\0';
}

/* The text of <tmp>/<rel> (proc-cgroups, self-cgroup); malloc'ed. */
static inline char *tree_text(const char *rel)
{
	char p[512];
	char *s = NULL;
	nc_err err;
	snprintf(p, sizeof(p), "%s/%s", tree_tmp, rel);
	assert_int_equal(nc_read_file(p, &s, NULL, &err), 0);
	return s;
}

/* Opens the copied tree in `mode` with its proc texts. */
static inline struct rt_cgroups *tree_open(enum rt_cgroup_mode mode)
{
	struct rt_cgroups *cg = NULL;
	nc_err err;
	_cleanup_free_ char *pc = mode == RT_CGROUP_UNIFIED ? NULL : tree_text("proc-cgroups");
	_cleanup_free_ char *sc = mode == RT_CGROUP_UNIFIED ? NULL : tree_text("self-cgroup");
	if (rt_cgroups_open_mode(root, mode, pc, sc, &cg, &err) < 0)
		fail_msg("%s", err.msg);
	return cg;
}

/* root/rel holds `content` (directories made as needed). */
static inline void put(const char *rel, const char *content)
{
	char p[512], d[512];
	nc_err err;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(d, sizeof(d), "%s", p);
	assert_int_equal(nc_mkdir_p(dirname(d), 0755, &err), 0);
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static inline char *get(const char *rel)
{
	char p[512];
	char *s = NULL;
	nc_err err;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (nc_read_file(p, &s, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	return s;
}

static inline void drop(const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(unlink(p), 0);
}

static inline bool exists(const char *rel)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return stat(p, &st) == 0;
}

#define assert_file(rel, want)                      \
	do {                                        \
		_cleanup_free_ char *_s = get(rel); \
		assert_string_equal(_s, want);      \
	} while (0)

#endif
