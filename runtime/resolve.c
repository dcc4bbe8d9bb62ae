/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/child-util.h"
#include "runtime/syscalls.h"

/* Linux's own limit on symlinks followed in one lookup. */
#define MAX_LINKS 40

static int walk(int rootfd, const char *path, int flags, bool beneath, nc_err *err);

static int open_how(int rootfd, const char *path, int flags, bool beneath, nc_err *err)
{
	struct rt_open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = (beneath ? RT_RESOLVE_BENEATH : RT_RESOLVE_IN_ROOT) | RT_RESOLVE_NO_MAGICLINKS,
	};

	for (int attempt = 0;; attempt++) {
		int fd = rt_openat2(rootfd, path, &how);
		if (fd >= 0)
			return fd;
		/* EAGAIN: a rename or mount raced with the lookup (both
		 * modes check ".."); the kernel asks for a retry. */
		if (errno == EAGAIN && attempt < 32)
			continue;
		if (errno == ENOSYS)
			return walk(rootfd, path, flags, beneath, err);
		return rt_cerr(err, errno, "resolve `%s`", path);
	}
}

int rt_open_in_root(int rootfd, const char *path, int flags, nc_err *err)
{
	return open_how(rootfd, path, flags, false, err);
}

int rt_open_beneath(int dirfd, const char *path, int flags, nc_err *err)
{
	return open_how(dirfd, path, flags, true, err);
}

static bool same_inode(int a, const struct stat *b)
{
	struct stat st;
	return fstat(a, &st) == 0 && st.st_dev == b->st_dev && st.st_ino == b->st_ino;
}

static void replace_fd(int *cur, int nfd)
{
	close(*cur);
	*cur = nfd;
}

int rt_open_in_root_walk(int rootfd, const char *path, int flags, nc_err *err)
{
	return walk(rootfd, path, flags, false, err);
}

int rt_open_beneath_walk(int dirfd, const char *path, int flags, nc_err *err)
{
	return walk(dirfd, path, flags, true, err);
}

/* `depth` counts the directories entered below the root, so ".." at 0
 * is the root's own: the root again in a root, EXDEV beneath one. */
static int walk(int rootfd, const char *path, int flags, bool beneath, nc_err *err)
{
	char rest[PATH_MAX], tmp[PATH_MAX], name[NAME_MAX + 1], link[PATH_MAX];
	struct stat root_st, st;
	int links = 0;
	size_t depth = 0;

	if (beneath && path[0] == '/')
		return rt_cerr(err, EXDEV, "resolve `%s`: absolute, not beneath the directory", path);
	if (fstat(rootfd, &root_st) < 0)
		return rt_cerr(err, errno, "resolve `%s`: the root", path);
	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return rt_cerr(err, ENAMETOOLONG, "resolve `%s`", path);
	_cleanup_close_ int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return rt_cerr(err, errno, "resolve `%s`", path);

	const char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			int fd = openat(cur, ".", flags | O_CLOEXEC);
			return fd >= 0 ? fd : rt_cerr(err, errno, "resolve `%s`", path);
		}
		const char *e = strchrnul(p, '/');
		size_t len = (size_t)(e - p);
		if (len > NAME_MAX)
			return rt_cerr(err, ENAMETOOLONG, "resolve `%s`", path);
		memcpy(name, p, len);
		name[len] = '\0';
		p = e;
		while (*p == '/')
			p++;
		bool last = !*p;

		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			if (depth == 0 || same_inode(cur, &root_st)) {
				if (beneath)
					return rt_cerr(err, EXDEV, "resolve `%s`: `..` climbs above the directory", path);
				depth = 0;
				continue; /* ".." of the root is the root */
			}
			int nfd = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (nfd < 0)
				return rt_cerr(err, errno, "resolve `%s`", path);
			replace_fd(&cur, nfd);
			depth--;
			continue;
		}
		if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return rt_cerr(err, errno, "resolve `%s`", path);
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			if (++links > MAX_LINKS)
				return rt_cerr(err, ELOOP, "resolve `%s`", path);
			ssize_t n = readlinkat(cur, name, link, sizeof(link) - 1);
			if (n < 0)
				return rt_cerr(err, errno, "resolve `%s`", path);
			link[n] = '\0';
			if (snprintf(tmp, sizeof(tmp), "%s/%s", link, p) >= (int)sizeof(tmp))
				return rt_cerr(err, ENAMETOOLONG, "resolve `%s`", path);
			memcpy(rest, tmp, sizeof(rest));
			p = rest;
			if (link[0] == '/') {
				if (beneath)
					return rt_cerr(err, EXDEV, "resolve `%s`: a symlink to `%s` leaves the directory",
						       path, link);
				int nfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
				if (nfd < 0)
					return rt_cerr(err, errno, "resolve `%s`", path);
				replace_fd(&cur, nfd);
				depth = 0;
			}
			continue;
		}
		if (last) {
			int fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC);
			return fd >= 0 ? fd : rt_cerr(err, errno, "resolve `%s`", path);
		}
		if (!S_ISDIR(st.st_mode))
			return rt_cerr(err, ENOTDIR, "resolve `%s`", path);
		int nfd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return rt_cerr(err, errno, "resolve `%s`", path);
		replace_fd(&cur, nfd);
		depth++;
	}
}

int rt_open_or_create_in_root(int rootfd, const char *path, bool dir, nc_err *err)
{
	char cur[PATH_MAX], prefix[PATH_MAX], cand[PATH_MAX], link[PATH_MAX], name[NAME_MAX + 1];

	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur))
		return rt_cerr(err, ENAMETOOLONG, "create `%s`", path);
	/* Each round creates one component or follows one dangling link. */
	for (int round = 0; round < 4 * MAX_LINKS; round++) {
		int fd = rt_open_in_root(rootfd, cur, O_PATH, err);
		if (fd != -ENOENT)
			return fd;

		/* The first component that does not resolve. */
		const char *p = cur;
		prefix[0] = '\0';
		const char *after = NULL;
		for (;;) {
			while (*p == '/')
				p++;
			if (!*p)
				break; /* it appeared meanwhile: resolve again */
			const char *e = strchrnul(p, '/');
			if ((size_t)(e - p) > NAME_MAX ||
			    snprintf(cand, sizeof(cand), "%s/%.*s", prefix, (int)(e - p), p) >= (int)sizeof(cand))
				return rt_cerr(err, ENAMETOOLONG, "create `%s`", path);
			int t = rt_open_in_root(rootfd, cand, O_PATH, err);
			if (t >= 0) {
				close(t);
				memcpy(prefix, cand, sizeof(prefix));
				p = e;
				continue;
			}
			if (t != -ENOENT)
				return t;
			snprintf(name, sizeof(name), "%.*s", (int)(e - p), p);
			after = e;
			break;
		}
		if (!after)
			continue;
		_cleanup_close_ int pfd = rt_open_in_root(rootfd, prefix[0] ? prefix : "/",
							  O_PATH | O_DIRECTORY, err);
		if (pfd < 0)
			return pfd;

		ssize_t n = readlinkat(pfd, name, link, sizeof(link) - 1);
		if (n >= 0) {
			link[n] = '\0';
			int w = link[0] == '/' ? snprintf(cand, sizeof(cand), "%s%s", link, after)
					       : snprintf(cand, sizeof(cand), "%s/%s%s", prefix, link, after);
			if (w >= (int)sizeof(cand))
				return rt_cerr(err, ENAMETOOLONG, "create `%s`", path);
			memcpy(cur, cand, sizeof(cur));
			continue;
		}
		bool more = after[strspn(after, "/")] != '\0';
		if (dir || more) {
			if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST)
				return rt_cerr(err, errno, "create directory `%s/%s`", prefix, name);
		} else {
			int f = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (f < 0 && errno != EEXIST)
				return rt_cerr(err, errno, "create `%s/%s`", prefix, name);
			if (f >= 0)
				close(f);
		}
	}
	return rt_cerr(err, ELOOP, "create `%s`", path);
}
