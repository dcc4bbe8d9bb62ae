/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/copy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/copy-tree.h"
#include "runtime/resolve.h"

int nc_copy_path_split(const char *path, struct nc_copy_path *out, nc_err *err)
{
	char p[4096];
	size_t n = strlen(path);

	memset(out, 0, sizeof(*out));
	if (!n)
		return nc_err_msg(err, EINVAL, "an empty path");
	if (n >= sizeof(p))
		return nc_err_errno(err, ENAMETOOLONG, "`%s`", path);
	memcpy(p, path, n + 1);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	const char *slash = strrchr(p, '/');
	const char *base = slash ? slash + 1 : p;
	if (!strcmp(p, "/") || !strcmp(base, ".") || !strcmp(base, "..")) {
		/* A directory as a whole: its contents. */
		snprintf(out->dir, sizeof(out->dir), "%s", p);
		out->contents = true;
		return 0;
	}
	if (strlen(base) >= sizeof(out->name))
		return nc_err_errno(err, ENAMETOOLONG, "`%s`", path);
	snprintf(out->name, sizeof(out->name), "%s", base);
	if (!slash)
		snprintf(out->dir, sizeof(out->dir), ".");
	else if (slash == p)
		snprintf(out->dir, sizeof(out->dir), "/");
	else
		snprintf(out->dir, sizeof(out->dir), "%.*s", (int)(slash - p), p);
	return 0;
}

/* A descriptor of the running container's root. The pid is held by a
 * pidfd while we check it is the container's init (in its cgroup) and
 * open its root, then checked still alive: a pid reused in between by
 * another process is refused. */
static int open_root(struct rt_cgroups *cg, const struct nc_container_info *ci, nc_err *err)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, ci->pid, 0);
	if (pidfd < 0 || !nc_info_running(ci, cg))
		return nc_err_msg(err, ESRCH, "service `%s` is not running (cp needs a running container)",
				  ci->service);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", (int)ci->pid);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "the root of `%s`", ci->service);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	if (poll(&p, 1, 0) != 0) {
		close(fd);
		return nc_err_msg(err, ESRCH, "service `%s` ended while cp started", ci->service);
	}
	return fd;
}

/* How a destination is reached: inside the container (resolved in its
 * root) or on the host (the caller's own paths, opened as given). */
static int open_dir(int rootfd, const char *path, nc_err *err)
{
	if (rootfd >= 0)
		return rt_open_in_root(rootfd, path, O_RDONLY | O_DIRECTORY, err);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 ? fd : nc_err_errno(err, errno, "`%s`", path);
}

/* Copies src (already split, its directory open as sdir) to dest, whose
 * side is rootfd (-1: the host). */
static int copy_to_dest(int sdir, const struct nc_copy_path *src, int rootfd, const char *dest,
			nc_err *err)
{
	nc_err e;
	_cleanup_close_ int whole = open_dir(rootfd, dest, &e);

	if (whole >= 0) {
		/* An existing directory: SRC goes into it under its name. */
		if (src->contents)
			return rt_copy_contents_at(sdir, whole, err);
		return rt_copy_entry_at(sdir, src->name, whole, src->name, err);
	}
	if (e.errnum != ENOENT && e.errnum != ENOTDIR) {
		*err = e;
		return nc_err_ret(err);
	}
	struct nc_copy_path d;
	if (nc_copy_path_split(dest, &d, err) < 0)
		return nc_err_ret(err);
	if (d.contents)
		return nc_err_msg(err, ENOENT, "`%s` is not a directory", dest);
	_cleanup_close_ int ddir = open_dir(rootfd, d.dir, err);
	if (ddir < 0)
		return nc_err_prefix(err, "destination `%s`", dest);
	if (!src->contents)
		return rt_copy_entry_at(sdir, src->name, ddir, d.name, err);
	/* SRC/. to a new name: a new directory holding SRC's contents. */
	if (mkdirat(ddir, d.name, 0755) < 0 && errno != EEXIST)
		return nc_err_errno(err, errno, "create `%s`", dest);
	_cleanup_close_ int nd = openat(ddir, d.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nd < 0)
		return nc_err_errno(err, errno, "`%s`", dest);
	return rt_copy_contents_at(sdir, nd, err);
}

static int copy(struct rt_cgroups *cg, const struct nc_container_info *ci, const char *src,
		const char *dest, bool from, nc_err *err)
{
	struct nc_copy_path s;

	if (nc_copy_path_split(src, &s, err) < 0)
		return nc_err_ret(err);
	_cleanup_close_ int rootfd = open_root(cg, ci, err);
	if (rootfd < 0)
		return nc_err_ret(err);
	_cleanup_close_ int sdir = open_dir(from ? rootfd : -1, s.dir, err);
	if (sdir < 0)
		return nc_err_prefix(err, "%s`%s`", from ? "in the container, " : "", src);
	if (!s.contents) {
		struct stat st;
		if (fstatat(sdir, s.name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return nc_err_errno(err, errno, "%s`%s`", from ? "in the container, " : "", src);
	}
	int r = copy_to_dest(sdir, &s, from ? -1 : rootfd, dest, err);
	return r < 0 ? nc_err_prefix(err, "cp %s%s to %s%s", from ? ci->service : "", from ? ":" : "",
				     from ? "" : ci->service, from ? "" : ":") : 0;
}

int nc_copy_from(struct rt_cgroups *cg, const struct nc_container_info *ci, const char *src,
		 const char *dest, nc_err *err)
{
	return copy(cg, ci, src, dest, true, err);
}

int nc_copy_to(struct rt_cgroups *cg, const struct nc_container_info *ci, const char *src,
	       const char *dest, nc_err *err)
{
	return copy(cg, ci, src, dest, false, err);
}
