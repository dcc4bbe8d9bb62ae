/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/copy-tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/resolve.h"

#define MAX_DEPTH 256

static int copy_meta(int dfd, const char *name, const struct stat *st, bool link)
{
	int flags = link ? AT_SYMLINK_NOFOLLOW : 0;
	if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
		return -errno;
	if (!link && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
		return -errno;
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	if (utimensat(dfd, name, t, flags) < 0 && !link)
		return -errno;
	return 0;
}

static int copy_file(int sdir, const char *name, int ddir, const struct stat *st)
{
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	_cleanup_close_ int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	for (off_t left = st->st_size; left > 0;) {
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
	return copy_meta(ddir, name, st, false);
}

static int copy_dir(int sdir, int ddir, int depth)
{
	if (depth > MAX_DEPTH)
		return -ELOOP;
	int fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
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
		if (S_ISREG(st.st_mode)) {
			r = copy_file(dirfd(d), n, ddir, &st);
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdirat(ddir, n, 0700) < 0) {
				r = -errno;
				break;
			}
			int s2 = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int d2 = openat(ddir, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = s2 < 0 || d2 < 0 ? -errno : copy_dir(s2, d2, depth + 1);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
			if (r == 0)
				r = copy_meta(ddir, n, &st, false);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t k = readlinkat(dirfd(d), n, target, sizeof(target) - 1);
			if (k < 0) {
				r = -errno;
				break;
			}
			target[k] = '\0';
			r = symlinkat(target, ddir, n) < 0 ? -errno : copy_meta(ddir, n, &st, true);
		} else if (S_ISFIFO(st.st_mode)) {
			r = mkfifoat(ddir, n, 0600) < 0 ? -errno : copy_meta(ddir, n, &st, false);
		}
		/* devices and sockets: skipped */
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

int rt_copy_tree_in_root(const char *root, const char *path, const char *dst, bool *copied, nc_err *err)
{
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
	int r = copy_dir(src, dfd, 0);
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
