/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The content store of unpacked rootfs tarballs: one directory per
 * SHA-256 of the tarball's bytes, built aside and renamed into place.
 */
#include "runtime/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/sha256.h"

#define HINTS ".hints"
#define TMP_PREFIX ".tmp-"
/* A leftover .tmp- directory older than this, and not locked, is debris
 * of a crash. */
#define TMP_MAX_AGE_S 3600

static int hash_fd(int fd, const char *tarball, char hex[NC_SHA256_HEX_LEN], nc_err *err)
{
	enum { CHUNK = 256 * 1024 };
	_cleanup_free_ uint8_t *buf = malloc(CHUNK);
	struct nc_sha256 s;
	uint8_t digest[NC_SHA256_LEN];
	off_t off = 0;

	if (!buf)
		return nc_err_errno(err, ENOMEM, "image `%s`: hash", tarball);
	nc_sha256_init(&s);
	for (;;) {
		ssize_t n = pread(fd, buf, CHUNK, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nc_err_errno(err, errno, "image `%s`: read", tarball);
		if (n == 0)
			break;
		nc_sha256_update(&s, buf, (size_t)n);
		off += n;
	}
	nc_sha256_final(&s, digest);
	nc_sha256_hex(digest, hex);
	return 0;
}

/* The hint's name: what changes whenever the file's bytes may have. */
static int hint_name(const struct stat *st, char *buf, size_t size)
{
	return nc_pathf(buf, size, HINTS "/%llx-%llx-%llx-%lld.%09ld-%lld.%09ld",
			(unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
			(unsigned long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
			(long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

static bool is_hex_digest(const char *s)
{
	for (int i = 0; i < 2 * NC_SHA256_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[2 * NC_SHA256_LEN] == '\0' || s[2 * NC_SHA256_LEN] == '\n';
}

/* 1 when `<store>/<hex>` is there, 0 when not. */
static int entry_exists(int storefd, const char *store_dir, const char *hex, nc_err *err)
{
	struct stat st;
	if (fstatat(storefd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return nc_err_errno(err, errno, "image store `%s/%s`", store_dir, hex);
	}
	if (!S_ISDIR(st.st_mode))
		return nc_err_msg(err, ENOTDIR, "image store `%s/%s`: not a directory (remove it)", store_dir, hex);
	return 1;
}

/* A digest remembered for this stat, if its entry still exists. */
static bool hint_lookup(int storefd, const char *hint, char hex[NC_SHA256_HEX_LEN])
{
	char buf[NC_SHA256_HEX_LEN + 1];
	_cleanup_close_ int fd = openat(storefd, hint, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 2 * NC_SHA256_LEN)
		return false;
	buf[n] = '\0';
	if (!is_hex_digest(buf))
		return false;
	memcpy(hex, buf, 2 * NC_SHA256_LEN);
	hex[2 * NC_SHA256_LEN] = '\0';
	struct stat st;
	return fstatat(storefd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Best effort: a missing hint costs one hash on the next `up`. */
static void hint_store(int storefd, const char *store_dir, const char *hint, const char *hex)
{
	char path[PATH_MAX], line[NC_SHA256_HEX_LEN + 1];
	nc_err ignored;

	if (mkdirat(storefd, HINTS, 0700) < 0 && errno != EEXIST)
		return;
	if (nc_pathf(path, sizeof(path), "%s/%s", store_dir, hint) < 0)
		return;
	snprintf(line, sizeof(line), "%s\n", hex);
	(void)nc_write_file_atomic(path, line, strlen(line), 0600, &ignored);
}

/* A directory we are about to remove may hold read-only directories from
 * the archive; without CAP_DAC_OVERRIDE nothing could be unlinked from
 * them. */
static void make_writable(int dfd)
{
	_cleanup_close_ int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d)
		return;
	TAKE_FD(fd);
	for (struct dirent *de; (de = readdir(d));) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_UNKNOWN && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			de->d_type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
		if (de->d_type != DT_DIR || fchmodat(dirfd(d), de->d_name, 0700, 0) < 0)
			continue;
		_cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			make_writable(sub);
	}
	closedir(d);
}

static int discard(const char *path, int dirfd_or_neg, nc_err *err)
{
	if (geteuid() != 0 && dirfd_or_neg >= 0) {
		(void)fchmod(dirfd_or_neg, 0700);
		make_writable(dirfd_or_neg);
	}
	return nc_rm_rf(path, err);
}

/* Leftovers of crashed unpacks: old, and not locked by a live one. Errors
 * are ignored: this is housekeeping, not the job. */
static void remove_stale_tmp(int storefd, const char *store_dir)
{
	_cleanup_close_ int fd = fcntl(storefd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d)
		return;
	TAKE_FD(fd);
	time_t now = time(NULL);
	for (struct dirent *de; (de = readdir(d));) {
		struct stat st;
		char path[PATH_MAX];
		nc_err ignored;

		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
			continue;
		/* ctime, not mtime: the unpack sets the root's mtime from the
		 * archive, which may be years old. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
		    now - st.st_ctim.tv_sec < TMP_MAX_AGE_S)
			continue;
		_cleanup_close_ int t = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (t < 0 || flock(t, LOCK_EX | LOCK_NB) < 0)
			continue;
		if (nc_pathf(path, sizeof(path), "%s/%s", store_dir, de->d_name) == 0)
			(void)discard(path, t, &ignored);
	}
	closedir(d);
}

/* Unpacks into a fresh .tmp- directory and renames it to `hex`. */
static int unpack_new(int tarfd, int storefd, const char *tarball, const char *store_dir, const char *hex,
		      nc_err *err)
{
	char tmp[PATH_MAX], final[PATH_MAX];

	if (nc_pathf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "XXXXXX", store_dir) < 0 ||
	    nc_pathf(final, sizeof(final), "%s/%s", store_dir, hex) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store `%s`", store_dir);
	if (!mkdtemp(tmp))
		return nc_err_errno(err, errno, "image store `%s`: create a temporary directory", store_dir);
	const char *tmp_name = tmp + strlen(store_dir) + 1;

	/* Held until the end: remove_stale_tmp of a concurrent `up` skips
	 * a locked directory, however long the unpack takes. */
	_cleanup_close_ int rootfd = openat(storefd, tmp_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;
	if (rootfd < 0) {
		r = nc_err_errno(err, errno, "open `%s`", tmp);
		goto fail;
	}
	if (flock(rootfd, LOCK_EX) < 0 || fchmod(rootfd, 0755) < 0) {
		r = nc_err_errno(err, errno, "image store `%s`", tmp);
		goto fail;
	}
	if (lseek(tarfd, 0, SEEK_SET) < 0) {
		r = nc_err_errno(err, errno, "image `%s`: seek", tarball);
		goto fail;
	}
	r = rt_image_extract(tarfd, rootfd, err);
	if (r < 0) {
		nc_err_prefix(err, "image `%s`", tarball);
		goto fail;
	}
	/* Data on disk before the name: after a power cut the entry is
	 * either whole or absent. */
	if (syncfs(rootfd) < 0) {
		r = nc_err_errno(err, errno, "image store `%s`: sync", store_dir);
		goto fail;
	}
	if (renameat2(storefd, tmp_name, storefd, hex, RENAME_NOREPLACE) == 0)
		return 0;
	/* Filesystems without RENAME_NOREPLACE: rename(2) refuses a
	 * non-empty target, which is what matters here. */
	if ((errno == EINVAL || errno == ENOSYS) && renameat(storefd, tmp_name, storefd, hex) == 0)
		return 0;
	if (errno == EEXIST || errno == ENOTEMPTY) {
		/* A concurrent unpack of the same bytes won: use theirs. */
		nc_err ignored;
		(void)discard(tmp, rootfd, &ignored);
		return 0;
	}
	r = nc_err_errno(err, errno, "rename `%s` to `%s`", tmp, final);
fail:;
	nc_err ignored;
	(void)discard(tmp, rootfd, &ignored);
	return r;
}

int rt_image_unpack(const char *tarball, const char *store_dir, char **rootfs_dir, nc_err *err)
{
	char hex[NC_SHA256_HEX_LEN], hint[PATH_MAX];
	struct stat st;

	_cleanup_close_ int fd = open(tarball, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "image `%s`", tarball);
	if (fstat(fd, &st) < 0)
		return nc_err_errno(err, errno, "image `%s`", tarball);
	if (!S_ISREG(st.st_mode))
		return nc_err_msg(err, EINVAL, "image `%s`: not a regular file", tarball);
	if (nc_mkdir_p(store_dir, 0700, err) < 0)
		return nc_err_prefix(err, "image store");
	_cleanup_close_ int storefd = open(store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (storefd < 0)
		return nc_err_errno(err, errno, "image store `%s`", store_dir);
	if (hint_name(&st, hint, sizeof(hint)) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store `%s`", store_dir);

	if (!hint_lookup(storefd, hint, hex)) {
		int r = hash_fd(fd, tarball, hex, err);
		if (r < 0)
			return r;
		r = entry_exists(storefd, store_dir, hex, err);
		if (r < 0)
			return r;
		if (r == 0) {
			remove_stale_tmp(storefd, store_dir);
			r = unpack_new(fd, storefd, tarball, store_dir, hex, err);
			if (r < 0)
				return r;
		}
		hint_store(storefd, store_dir, hint, hex);
	}
	if (asprintf(rootfs_dir, "%s/%s", store_dir, hex) < 0) {
		*rootfs_dir = NULL;
		return nc_err_errno(err, ENOMEM, "image `%s`", tarball);
	}
	return 0;
}
