/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The volume being seeded may already be mounted in a running container
 * (another service sharing it), which can rename, replace or symlink any
 * entry at any moment. So nothing here acts on a name after creating it:
 * files and fifos get their owner, mode and times through the descriptor
 * we created or verified, directories through an O_DIRECTORY|O_NOFOLLOW
 * descriptor, symlinks by name with AT_SYMLINK_NOFOLLOW only (which cannot
 * reach anything but the entry itself). A swapped entry at worst gets the
 * image's metadata on what the container put there, which it owns anyway.
 */
#include "runtime/copy-tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/resolve.h"

#define MAX_DEPTH 256

struct copy {
	const struct rt_copy_hooks *hooks;
	/* `cp`: what is at the destination is replaced (a file or a link
	 * unlinked first, never followed) and directories are merged into;
	 * seeding a volume starts from an empty one and stops at a clash. */
	bool replace;
	/* Merging an image's layers bottom-up, as overlayfs shows them: a
	 * 0/0 character device (a whiteout) removes the entry below, an
	 * opaque directory hides what the layers below put in it. */
	bool layered;
};

/* Makes room for `name` in ddir: unlinkat never follows a link. */
static int make_room(const struct copy *c, int ddir, const char *name)
{
	struct stat st;
	if (!c->replace || fstatat(ddir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
		return 0;
	return unlinkat(ddir, name, 0) < 0 && errno != ENOENT ? -errno : 0;
}

static void hook(const struct copy *c, int ddir, const char *name)
{
	if (c->hooks && c->hooks->before_meta)
		c->hooks->before_meta(ddir, name, c->hooks->ctx);
}

/* Owner first (chown clears setuid and setgid), then mode, then times,
 * all on `fd`. EPERM from chown (an id we may not give) keeps ours. */
static int meta_fd(int fd, const struct stat *st)
{
	if (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM)
		return -errno;
	if (fchmod(fd, st->st_mode & 07777) < 0)
		return -errno;
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	return futimens(fd, t) < 0 ? -errno : 0;
}

static int copy_data(int in, int out, off_t size)
{
	for (off_t left = size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
			char buf[65536];
			ssize_t k = read(in, buf, sizeof(buf));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return k < 0 ? -errno : 0;
			for (ssize_t w = 0; w < k;) {
				ssize_t m = write(out, buf + w, (size_t)(k - w));
				if (m < 0 && errno != EINTR)
					return -errno;
				w += m > 0 ? m : 0;
			}
			left -= k;
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* the file shrank meanwhile */
		left -= n;
	}
	return 0;
}

static int copy_file(const struct copy *c, int sdir, const char *name, int ddir, const char *dname)
{
	struct stat st;
	/* The image's entry is checked on an O_PATH descriptor before it is
	 * opened: a device node that took its place is never opened. */
	_cleanup_close_ int in = nc_open_regular_at(sdir, name, O_RDONLY, &st);
	if (in == -EINVAL)
		return 0; /* no longer a file: skipped like any device */
	if (in < 0)
		return in;
	int r = make_room(c, ddir, dname);
	if (r < 0)
		return r;
	_cleanup_close_ int out = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	r = copy_data(in, out, st.st_size);
	if (r < 0)
		return r;
	hook(c, ddir, dname);
	return meta_fd(out, &st);
}

/* A fifo we just made: its metadata through a descriptor checked to be a
 * fifo (opened O_PATH, then reopened non-blocking, which never waits). */
static int copy_fifo(const struct copy *c, int ddir, const char *name, const struct stat *st)
{
	if (mkfifoat(ddir, name, 0600) < 0)
		return -errno;
	hook(c, ddir, name);
	_cleanup_close_ int p = openat(ddir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat now;
	if (p < 0 || fstat(p, &now) < 0)
		return -errno;
	if (!S_ISFIFO(now.st_mode))
		return -EAGAIN; /* replaced under us: not ours to touch */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p);
	_cleanup_close_ int fd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return meta_fd(fd, st);
}

static int copy_symlink(const struct copy *c, int sdir, const char *name, int ddir, const char *dname,
			const struct stat *st)
{
	char target[4096];
	ssize_t k = readlinkat(sdir, name, target, sizeof(target) - 1);
	if (k < 0)
		return -errno;
	target[k] = '\0';
	int r = make_room(c, ddir, dname);
	if (r < 0)
		return r;
	if (symlinkat(target, ddir, dname) < 0)
		return -errno;
	hook(c, ddir, dname);
	/* By name, but nothing followed: only the entry itself changes. */
	if (fchownat(ddir, dname, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
		return -errno;
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	(void)utimensat(ddir, dname, t, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int dirfd_)
{
	char v[2];
	return fgetxattr(dirfd_, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

static int drop(int ddir, const char *name)
{
	nc_err e;
	return nc_rm_rf_at(ddir, name, &e) < 0 && e.errnum != ENOENT ? -e.errnum : 0;
}

/* A stream over the open directory dirfd_ (its own descriptor, so the
 * caller's stays open); NULL with errno set. */
static DIR *dir_stream(int dirfd_)
{
	int fd = openat(dirfd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

/* Empties the directory ddir (what an opaque directory hides). */
static int drop_all(int ddir)
{
	DIR *d = dir_stream(ddir);
	if (!d)
		return -errno;
	int r = 0;
	for (struct dirent *de; r == 0 && (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = drop(dirfd(d), de->d_name);
	closedir(d);
	return r;
}

static int copy_dir(const struct copy *c, int sdir, int ddir, int depth);

static int copy_subdir(const struct copy *c, int sdir, const char *name, int ddir, const char *dname,
		       const struct stat *st, int depth)
{
	int r = make_room(c, ddir, dname);
	if (r < 0)
		return r;
	if (mkdirat(ddir, dname, 0700) < 0 && !(c->replace && errno == EEXIST))
		return -errno;
	_cleanup_close_ int s2 = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int d2 = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s2 < 0 || d2 < 0)
		return -errno;
	if (c->layered && is_opaque(s2) && (r = drop_all(d2)) < 0)
		return r;
	r = copy_dir(c, s2, d2, depth + 1);
	if (r < 0)
		return r;
	hook(c, ddir, dname);
	return meta_fd(d2, st);
}

static int copy_dir(const struct copy *c, int sdir, int ddir, int depth)
{
	if (depth > MAX_DEPTH)
		return -ELOOP;
	DIR *d = dir_stream(sdir);
	if (!d)
		return -errno;
	int r = 0;
	errno = 0;
	for (struct dirent *de; r == 0 && (de = readdir(d)); errno = 0) {
		const char *n = de->d_name;
		struct stat st;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (c->layered) {
			/* A whiteout removes; a directory the layer replaces
			 * with something else goes whole. */
			struct stat below;
			if (is_whiteout(&st)) {
				r = drop(ddir, n);
				continue;
			}
			if (!S_ISDIR(st.st_mode) && fstatat(ddir, n, &below, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(below.st_mode) && (r = drop(ddir, n)) < 0)
				break;
		}
		if (S_ISREG(st.st_mode))
			r = copy_file(c, dirfd(d), n, ddir, n);
		else if (S_ISDIR(st.st_mode))
			r = copy_subdir(c, dirfd(d), n, ddir, n, &st, depth);
		else if (S_ISLNK(st.st_mode))
			r = copy_symlink(c, dirfd(d), n, ddir, n, &st);
		else if (S_ISFIFO(st.st_mode) && !c->replace)
			r = copy_fifo(c, ddir, n, &st);
		/* devices and sockets: skipped */
		if (r == -EAGAIN)
			r = 0;
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

int rt_copy_tree_in_root_hooked(const char *root, const char *path, const char *dst,
				const struct rt_copy_hooks *hooks, bool *copied, nc_err *err)
{
	const struct copy c = { .hooks = hooks };

	*copied = false;
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return nc_err_errno(err, errno, "image `%s`", root);
	nc_err e;
	_cleanup_close_ int src = rt_open_in_root(rootfd, path, O_RDONLY | O_DIRECTORY, &e);
	if (src == -ENOENT || src == -ENOTDIR)
		return 0;
	if (src < 0) {
		*err = e;
		return nc_err_prefix(err, "the image's `%s`", path);
	}
	_cleanup_close_ int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return nc_err_errno(err, errno, "volume `%s`", dst);
	int r = copy_dir(&c, src, dfd, 0);
	if (r < 0)
		return nc_err_errno(err, -r, "copy the image's `%s` into `%s`", path, dst);
	/* The volume's root takes the image directory's owner and mode, as
	 * in Docker; failing that it keeps ours, which still works. */
	struct stat st;
	if (fstat(src, &st) == 0 && fchown(dfd, st.st_uid, st.st_gid) == 0)
		(void)fchmod(dfd, st.st_mode & 07777);
	*copied = true;
	return 0;
}

int rt_copy_tree_in_root(const char *root, const char *path, const char *dst, bool *copied, nc_err *err)
{
	return rt_copy_tree_in_root_hooked(root, path, dst, NULL, copied, err);
}

int rt_copy_layers_in_root(const char *const *layers, size_t n, const char *path, const char *dst, bool *copied,
			   nc_err *err)
{
	const struct copy c = { .replace = true, .layered = true };

	*copied = false;
	_cleanup_close_ int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return nc_err_errno(err, errno, "volume `%s`", dst);
	for (size_t i = n; i-- > 0;) {
		_cleanup_close_ int rootfd = open(layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return nc_err_errno(err, errno, "image layer `%s`", layers[i]);
		nc_err e;
		_cleanup_close_ int src = rt_open_in_root(rootfd, path, O_RDONLY | O_DIRECTORY, &e);
		if (src == -ENOENT)
			continue;
		int r = 0;
		if (src == -ENOTDIR) {
			/* Not a directory here (a whiteout, a file): what the
			 * layers below gave is hidden. */
			if ((r = drop_all(dfd)) < 0)
				return nc_err_errno(err, -r, "volume `%s`", dst);
			*copied = false;
			continue;
		}
		if (src < 0) {
			*err = e;
			return nc_err_prefix(err, "the image's `%s`", path);
		}
		if (is_opaque(src) && (r = drop_all(dfd)) < 0)
			return nc_err_errno(err, -r, "volume `%s`", dst);
		if ((r = copy_dir(&c, src, dfd, 0)) < 0)
			return nc_err_errno(err, -r, "copy the image's `%s` into `%s`", path, dst);
		struct stat st;
		if (fstat(src, &st) == 0 && fchown(dfd, st.st_uid, st.st_gid) == 0)
			(void)fchmod(dfd, st.st_mode & 07777);
		*copied = true;
	}
	return 0;
}

int rt_copy_entry_at(int sdir, const char *name, int ddir, const char *dname, nc_err *err)
{
	const struct copy c = { .replace = true };
	struct stat st;
	int r;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return nc_err_errno(err, errno, "copy `%s`", name);
	if (S_ISREG(st.st_mode))
		r = copy_file(&c, sdir, name, ddir, dname);
	else if (S_ISDIR(st.st_mode))
		r = copy_subdir(&c, sdir, name, ddir, dname, &st, 0);
	else if (S_ISLNK(st.st_mode))
		r = copy_symlink(&c, sdir, name, ddir, dname, &st);
	else
		return nc_err_msg(err, EINVAL, "copy `%s`: not a file, a directory or a symlink", name);
	return r < 0 ? nc_err_errno(err, -r, "copy `%s` to `%s`", name, dname) : 0;
}

int rt_copy_contents_at(int sdir, int ddir, nc_err *err)
{
	const struct copy c = { .replace = true };
	int r = copy_dir(&c, sdir, ddir, 0);
	return r < 0 ? nc_err_errno(err, -r, "copy a directory's contents") : 0;
}
