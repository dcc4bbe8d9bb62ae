/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

int nc_pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int nc_mkdir_p(const char *path, mode_t mode, nc_err *err)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return nc_err_errno(err, ENAMETOOLONG, "create directory `%s`", path);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return nc_err_errno(err, errno, "create directory `%s`", buf);
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

/* Reads fd to its end, or until it has given more than `max` bytes. */
static int read_fd(int fd, const char *path, size_t max, char **out, size_t *len, nc_err *err)
{
	size_t cap = 4096, n = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return nc_err_errno(err, ENOMEM, "read `%s`", path);
	for (;;) {
		if (cap - n < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				return nc_err_errno(err, ENOMEM, "read `%s`", path);
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return nc_err_errno(err, errno, "read `%s`", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return nc_err_msg(err, EFBIG, "read `%s`: larger than %zu bytes", path, max);
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = TAKE_PTR(buf);
	return 0;
}

int nc_read_fileat(int dirfd, const char *path, char **out, size_t *len, nc_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "open `%s`", path);
	return read_fd(fd, path, SIZE_MAX - 1, out, len, err);
}

static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
	       : S_ISSOCK(m) ? "a socket" : S_ISDIR(m) ? "a directory" : "a special file";
}

int nc_read_file_bounded(const char *path, size_t max, char **out, size_t *len, nc_err *err)
{
	struct stat st;

	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return nc_err_errno(err, errno, "open `%s`", path);
	if (fstat(fd, &st) < 0)
		return nc_err_errno(err, errno, "stat `%s`", path);
	if (!S_ISREG(st.st_mode))
		return nc_err_msg(err, EINVAL, "read `%s`: it is %s, not a regular file", path, file_kind(st.st_mode));
	if ((uintmax_t)st.st_size > max)
		return nc_err_msg(err, EFBIG, "read `%s`: %jd bytes, more than the %zu allowed", path,
				  (intmax_t)st.st_size, max);
	return read_fd(fd, path, max, out, len, err);
}

int nc_read_file(const char *path, char **out, size_t *len, nc_err *err)
{
	return nc_read_fileat(AT_FDCWD, path, out, len, err);
}

int nc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int nc_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 nc_err *err)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return nc_err_errno(err, ENAMETOOLONG, "write `%s`", path);
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return nc_err_errno(err, errno, "create `%s`", tmp);
	int r = nc_write_all(fd, data, len);
	if (r < 0) {
		unlink(tmp);
		return nc_err_errno(err, -r, "write `%s`", tmp);
	}
	if (close(TAKE_FD(fd)) < 0) {
		int e = errno;
		unlink(tmp);
		return nc_err_errno(err, e, "write `%s`", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return nc_err_errno(err, e, "rename `%s` to `%s`", tmp, path);
	}
	return 0;
}

static int rm_rf_at(int parent, const char *name, dev_t dev, const char *top, nc_err *err)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return nc_err_errno(err, errno, "stat `%s/%s`", top, name);
	}
	if (S_ISDIR(st.st_mode)) {
		if (st.st_dev != dev)
			return nc_err_errno(err, EXDEV, "remove `%s/%s` (a mount point)", top, name);
		int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return nc_err_errno(err, errno, "open `%s/%s`", top, name);
		DIR *d = fdopendir(fd);
		if (!d) {
			int e = errno;
			close(fd);
			return nc_err_errno(err, e, "open `%s/%s`", top, name);
		}
		struct dirent *de;
		int r = 0;
		while (r == 0 && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			r = rm_rf_at(dirfd(d), de->d_name, dev, top, err);
		}
		closedir(d);
		if (r < 0)
			return r;
		if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return nc_err_errno(err, errno, "remove `%s/%s`", top, name);
		return 0;
	}
	if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		return nc_err_errno(err, errno, "remove `%s/%s`", top, name);
	return 0;
}

int nc_rm_rf(const char *path, nc_err *err)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return nc_err_errno(err, errno, "stat `%s`", path);
	}
	return rm_rf_at(AT_FDCWD, path, st.st_dev, path, err);
}

int nc_rm_rf_at(int dirfd, const char *name, nc_err *err)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return nc_err_errno(err, errno, "stat `%s`", name);
	}
	return rm_rf_at(dirfd, name, st.st_dev, name, err);
}

int nc_reopen_regular(int pathfd, int flags, struct stat *st)
{
	struct stat tmp;
	char proc[64];

	if (!st)
		st = &tmp;
	if (fstat(pathfd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	int fd = open(proc, flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int nc_open_regular_at(int dirfd, const char *name, int flags, struct stat *st)
{
	_cleanup_close_ int p = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (p < 0)
		return -errno;
	return nc_reopen_regular(p, flags, st);
}

int nc_private_dir(const char *path, mode_t mode, nc_err *err)
{
	struct stat st;

	if (mkdir(path, mode) < 0) {
		if (errno == ENOENT) {
			if (nc_mkdir_p(path, 0755, err) < 0)
				return nc_err_ret(err);
			if (chmod(path, mode) < 0)
				return nc_err_errno(err, errno, "chmod `%s`", path);
		} else if (errno != EEXIST) {
			return nc_err_errno(err, errno, "create `%s`", path);
		}
	}
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return nc_err_errno(err, errno, "open `%s`", path);
	mode_t extra = st.st_mode & 077 & ~mode;
	if (extra && fchmod(fd, st.st_mode & 07777 & ~extra) < 0)
		return nc_err_errno(err, errno, "close `%s` to other users (chmod)", path);
	return 0;
}
