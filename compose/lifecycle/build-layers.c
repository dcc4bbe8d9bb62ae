/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Questions about a stage's files asked of its unpacked layers (as
 * nc_bstage_lower gives them, uppermost first) without mounting them: is
 * a directory there (WORKDIR), who is a user or group (--chown). Each
 * path is resolved inside one layer at a time with rt_open_in_root, so a
 * symlink in a layer (the image is hostile) never leads out of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/lifecycle/build-internal.h"
#include "runtime/copy-tree.h"
#include "runtime/resolve.h"
#include "runtime/user.h"

static bool opaque(int fd)
{
	char v[2];
	return fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

/* Does a directory of this layer on the way to `rel` (the root excluded)
 * hide what the layers below have there? */
static bool opaque_on_the_way(int rootfd, const char *rel)
{
	char pfx[4096];
	size_t n = strlen(rel);
	if (n >= sizeof(pfx))
		return false;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && rel[i] != '/')
			continue;
		memcpy(pfx, rel, i);
		pfx[i] = '\0';
		nc_err e;
		_cleanup_close_ int fd = rt_open_in_root(rootfd, pfx, O_RDONLY | O_DIRECTORY, &e);
		if (fd < 0)
			return false;
		if (opaque(fd))
			return true;
	}
	return false;
}

int nc_blayers_dir(const char *const *dirs, size_t n, const char *rel, nc_err *err)
{
	if (!strcmp(rel, ".") || !*rel)
		return 1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int rootfd = open(dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return nc_err_errno(err, errno, "image layer `%s`", dirs[i]);
		nc_err e;
		int fd = rt_open_in_root(rootfd, rel, O_PATH | O_DIRECTORY, &e);
		if (fd >= 0) {
			close(fd);
			return 1;
		}
		if (fd == -ENOTDIR) {
			/* A whiteout (a 0/0 character device) on the way or at
			 * the end removes it; anything else at the end is a
			 * file where a directory is wanted. */
			struct stat st;
			fd = rt_open_in_root(rootfd, rel, O_PATH | O_NOFOLLOW, &e);
			if (fd < 0)
				return 0;
			int r = fstat(fd, &st);
			close(fd);
			if (r == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
				return 0;
			return nc_err_msg(err, ENOTDIR, "`/%s` is in the image and is not a directory", rel);
		}
		if (fd != -ENOENT) {
			*err = e;
			return nc_err_prefix(err, "image layer `%s`", dirs[i]);
		}
		if (opaque_on_the_way(rootfd, rel))
			return 0;
	}
	return 0;
}

/* The entry `rel` ("a/b", its parent free of symlinks in the merged
 * view) as the uppermost layer that has it gives it: 0 and *st, with a
 * symlink's target in `link`; -ENOENT when no layer has it or a
 * whiteout or an opaque directory hides it. */
static int lookup(const char *const *dirs, size_t n, const char *rel, struct stat *st, char *link, size_t size,
		  nc_err *err)
{
	const char *slash = strrchr(rel, '/');
	char parent[4096];
	snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - rel) : 1, slash ? rel : ".");
	const char *name = slash ? slash + 1 : rel;
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int rootfd = open(dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return nc_err_errno(err, errno, "image layer `%s`", dirs[i]);
		nc_err e;
		_cleanup_close_ int pfd = rt_open_in_root(rootfd, parent, O_RDONLY | O_DIRECTORY, &e);
		if (pfd == -ENOTDIR)
			return -ENOENT; /* a whiteout or a file on the way hides it */
		if (pfd < 0 && pfd != -ENOENT) {
			*err = e;
			return nc_err_prefix(err, "image layer `%s`", dirs[i]);
		}
		if (pfd >= 0 && fstatat(pfd, name, st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
				return -ENOENT;
			if (S_ISLNK(st->st_mode)) {
				ssize_t l = readlinkat(pfd, name, link, size - 1);
				if (l < 0)
					return nc_err_errno(err, errno, "image layer `%s`: readlink `%s`", dirs[i], rel);
				link[l] = '\0';
			}
			return 0;
		}
		if ((pfd >= 0 && opaque(pfd)) || opaque_on_the_way(rootfd, parent))
			return -ENOENT;
	}
	return -ENOENT;
}

int nc_blayers_realpath(const char *const *dirs, size_t n, const char *rel, char *out, size_t size, nc_err *err)
{
	char todo[8192], cur[4096] = "", link[4096], cand[4096 + 256];
	unsigned hops = 0;
	bool missing = false;
	struct stat st;

	if (snprintf(todo, sizeof(todo), "%s", rel) >= (int)sizeof(todo))
		return nc_err_msg(err, ENAMETOOLONG, "`%s`: path too long", rel);
	char *p = todo;
	while (*p) {
		while (*p == '/')
			p++;
		char *end = p + strcspn(p, "/");
		size_t l = (size_t)(end - p);
		char *rest = *end ? end + 1 : end;
		if (l == 0 || (l == 1 && p[0] == '.')) {
			p = rest;
			continue;
		}
		if (l == 2 && p[0] == '.' && p[1] == '.') {
			char *s = strrchr(cur, '/');
			*(s ? s : cur) = '\0'; /* never above the root */
			p = rest;
			continue;
		}
		int c = snprintf(cand, sizeof(cand), "%s%s%.*s", cur, *cur ? "/" : "", (int)l, p);
		if (c < 0 || (size_t)c >= sizeof(cur))
			return nc_err_msg(err, ENAMETOOLONG, "`%s`: path too long", rel);
		/* Missing from here on: the rest is made as written. */
		int r = missing ? -ENOENT : lookup(dirs, n, cand, &st, link, sizeof(link), err);
		if (r < 0 && r != -ENOENT)
			return r;
		missing = r == -ENOENT;
		if (!missing && S_ISLNK(st.st_mode)) {
			if (++hops > 40)
				return nc_err_msg(err, ELOOP, "`/%s`: too many symbolic links in the image", rel);
			char next[8192];
			if (snprintf(next, sizeof(next), "%s/%s", link, rest) >= (int)sizeof(next))
				return nc_err_msg(err, ENAMETOOLONG, "`%s`: path too long", rel);
			if (link[0] == '/')
				cur[0] = '\0'; /* the image's root, not the host's */
			memcpy(todo, next, strlen(next) + 1);
			p = todo;
			continue;
		}
		if (!missing && !S_ISDIR(st.st_mode) && *rest)
			return nc_err_msg(err, ENOTDIR, "`/%s` is in the image and is not a directory", cand);
		memcpy(cur, cand, (size_t)c + 1);
		p = rest;
	}
	if (snprintf(out, size, "%s", *cur ? cur : ".") >= (int)size)
		return nc_err_msg(err, ENAMETOOLONG, "`%s`: path too long", rel);
	return 0;
}

int nc_blayers_user(const char *const *dirs, size_t n, const char *tmp_dir, const char *spec, uid_t *uid,
		    gid_t *gid, nc_err *err)
{
	char tmp[PATH_MAX], etc[PATH_MAX + 8];
	struct rt_user u;
	bool copied;
	int r;

	if (nc_pathf(tmp, sizeof(tmp), "%s/user-XXXXXX", tmp_dir) < 0 || !mkdtemp(tmp))
		return nc_err_errno(err, errno ? errno : ENAMETOOLONG, "temporary directory in `%s`", tmp_dir);
	snprintf(etc, sizeof(etc), "%s/etc", tmp);
	/* The image's /etc as the container would see it, copied out of
	 * the layers, then read inside that copy. */
	if (mkdir(etc, 0700) < 0)
		r = nc_err_errno(err, errno, "create `%s`", etc);
	else
		r = rt_copy_layers_in_root(dirs, n, "/etc", etc, &copied, err);
	if (r == 0 && (r = rt_user_resolve(tmp, spec, &u, err)) == 0) {
		*uid = u.uid;
		*gid = u.gid; /* a name alone: its passwd group, as BuildKit */
		rt_user_free(&u);
	}
	nc_err ignored;
	(void)nc_rm_rf(tmp, &ignored);
	return r;
}
