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
#include "runtime/image-config.h"
#include "runtime/image-store.h"

#define HINTS ".hints"
#define TMP_PREFIX ".tmp-"
/* A leftover .tmp- directory older than this, and not locked, is debris
 * of a crash. */
#define TMP_MAX_AGE_S 3600

int rt_store_hash_fd(int fd, const char *tarball, char hex[NC_SHA256_HEX_LEN], nc_err *err)
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

int rt_store_discard(const char *path, int dirfd_or_neg, nc_err *err)
{
	if (geteuid() != 0 && dirfd_or_neg >= 0) {
		(void)fchmod(dirfd_or_neg, 0700);
		make_writable(dirfd_or_neg);
	}
	return nc_rm_rf(path, err);
}

/* Leftovers of crashed unpacks: old, and not locked by a live one. Errors
 * are ignored: this is housekeeping, not the job. */
void rt_store_remove_stale(int storefd, const char *store_dir)
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
			(void)rt_store_discard(path, t, &ignored);
	}
	closedir(d);
}

/* Unpacks into a fresh .tmp- directory and renames it to `hex`. */
/* A fresh, locked, empty directory of the store; its descriptor, and
 * its path in `tmp`. Held until the end: remove_stale_tmp of a concurrent
 * `up` skips a locked directory, however long the unpack takes. */
int rt_store_new_tmp(int storefd, const char *store_dir, char tmp[PATH_MAX], nc_err *err)
{
	if (nc_pathf(tmp, PATH_MAX, "%s/" TMP_PREFIX "XXXXXX", store_dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store `%s`", store_dir);
	if (!mkdtemp(tmp))
		return nc_err_errno(err, errno, "image store `%s`: create a temporary directory", store_dir);
	int fd = openat(storefd, tmp + strlen(store_dir) + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 || fchmod(fd, 0755) < 0) {
		int r = nc_err_errno(err, errno, "image store `%s`", tmp);
		nc_err ignored;
		if (fd >= 0)
			close(fd);
		(void)nc_rm_rf(tmp, &ignored);
		return r;
	}
	return fd;
}

/* The filled directory `tmp` becomes `<store>/<name>`; on any failure it
 * is removed. Data on disk before the name: after a power cut the entry
 * is either whole or absent. */
int rt_store_commit_tmp(int storefd, const char *store_dir, const char *tmp, int rootfd, const char *name,
		      nc_err *err)
{
	const char *tmp_name = tmp + strlen(store_dir) + 1;
	int r;
	nc_err ignored;

	if (syncfs(rootfd) < 0) {
		r = nc_err_errno(err, errno, "image store `%s`: sync", store_dir);
		goto fail;
	}
	if (renameat2(storefd, tmp_name, storefd, name, RENAME_NOREPLACE) == 0)
		return 0;
	/* Filesystems without RENAME_NOREPLACE: rename(2) refuses a
	 * non-empty target, which is what matters here. */
	if ((errno == EINVAL || errno == ENOSYS) && renameat(storefd, tmp_name, storefd, name) == 0)
		return 0;
	if (errno == EEXIST || errno == ENOTEMPTY) {
		/* A concurrent unpack of the same bytes won: use theirs. */
		(void)rt_store_discard(tmp, rootfd, &ignored);
		return 0;
	}
	r = nc_err_errno(err, errno, "rename `%s` to `%s/%s`", tmp, store_dir, name);
fail:
	(void)rt_store_discard(tmp, rootfd, &ignored);
	return r;
}

/* The config blob beside the entry `name`, before the entry exists: a
 * crash leaves at most a config without its root, which the next unpack
 * rewrites. */
static int keep_config(const char *store_dir, const char *name, const char *config, nc_err *err)
{
	char path[PATH_MAX], entry[PATH_MAX];
	if (!config)
		return 0;
	if (nc_pathf(entry, sizeof(entry), "%s/%s", store_dir, name) < 0 ||
	    rt_image_config_path(entry, path, sizeof(path)) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store `%s`", store_dir);
	if (nc_write_file_atomic(path, config, strlen(config), 0600, err) < 0)
		return nc_err_prefix(err, "image store: keep the image config");
	return 0;
}

/* The entry `name`: a directory holding the list of its layers. */
static int write_entry(int storefd, const char *store_dir, const char *name, const char *list, nc_err *err)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	_cleanup_close_ int fd = rt_store_new_tmp(storefd, store_dir, tmp, err);
	if (fd < 0)
		return fd;
	int r = nc_pathf(path, sizeof(path), "%s/" RT_LAYER_LIST, tmp) < 0
			? nc_err_errno(err, ENAMETOOLONG, "image store `%s`", tmp)
			: nc_write_file_atomic(path, list, strlen(list), 0644, err);
	if (r < 0) {
		nc_err ignored;
		(void)rt_store_discard(tmp, fd, &ignored);
		return r;
	}
	return rt_store_commit_tmp(storefd, store_dir, tmp, fd, name, err);
}

static int unpack_new(int tarfd, int storefd, const char *tarball, const char *store_dir, const char *hex,
		      nc_err *err)
{
	char layers[PATH_MAX], tmp[PATH_MAX];
	nc_err ignored;
	int r;

	_cleanup_free_ char *config = NULL;
	_cleanup_free_ char *list = NULL;
	_cleanup_close_ int layersfd = rt_layers_open(store_dir, layers, err);
	if (layersfd < 0)
		return layersfd;
	rt_store_remove_stale(layersfd, layers);
	/* Unpacked among the layers: a plain rootfs tarball is renamed into
	 * place as the image's one layer. */
	_cleanup_close_ int rootfd = rt_store_new_tmp(layersfd, layers, tmp, err);
	if (rootfd < 0)
		return rootfd;
	if (lseek(tarfd, 0, SEEK_SET) < 0) {
		r = nc_err_errno(err, errno, "image `%s`: seek", tarball);
		goto fail;
	}
	if ((r = rt_image_extract(tarfd, rootfd, err)) < 0) {
		nc_err_prefix(err, "image `%s`", tarball);
		goto fail;
	}
	/* A docker save archive or an OCI layout in a tar: what we unpacked
	 * is its metadata and layers; each layer goes to the store. */
	bool archive = false;
	if ((r = rt_image_store_layers(rootfd, store_dir, NULL, &archive, &config, &list, err)) < 0) {
		nc_err_prefix(err, "image `%s`", tarball);
		goto fail;
	}
	if (archive) {
		(void)rt_store_discard(tmp, rootfd, &ignored);
	} else {
		if ((r = rt_store_commit_tmp(layersfd, layers, tmp, rootfd, hex, err)) < 0 ||
		    (r = rt_layer_link(store_dir, hex, err)) < 0)
			return nc_err_prefix(err, "image `%s`", tarball);
		free(list); /* the layer list read nothing: empty */
		if (asprintf(&list, "%s\n", hex) < 0) {
			list = NULL;
			return nc_err_errno(err, ENOMEM, "image `%s`", tarball);
		}
	}
	if ((r = keep_config(store_dir, hex, config, err)) < 0)
		return nc_err_prefix(err, "image `%s`", tarball);
	return write_entry(storefd, store_dir, hex, list, err);
fail:
	(void)rt_store_discard(tmp, rootfd, &ignored);
	return r;
}

int rt_image_unpack_oci_dir(const char *dir, const char *store_dir, char **rootfs_dir, nc_err *err)
{
	char hex[NC_SHA256_HEX_LEN], name[NC_SHA256_HEX_LEN + 8];

	*rootfs_dir = NULL;
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return nc_err_errno(err, errno, "image `%s`", dir);
	/* Not opened before it is known to be a regular file: a fifo would
	 * block `up` forever, a device node may act on open. */
	_cleanup_close_ int index = nc_open_regular_at(dirfd, "index.json", O_RDONLY, NULL);
	if (index == -EINVAL)
		return nc_err_msg(err, EINVAL, "image `%s`: index.json: not a regular file (refused)", dir);
	if (index < 0)
		return nc_err_errno(err, -index, "image `%s`: index.json", dir);
	if (rt_store_hash_fd(index, dir, hex, err) < 0)
		return nc_err_ret(err);
	snprintf(name, sizeof(name), "oci-%s", hex);
	if (nc_mkdir_p(store_dir, 0700, err) < 0)
		return nc_err_prefix(err, "image store");
	_cleanup_close_ int storefd = open(store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (storefd < 0)
		return nc_err_errno(err, errno, "image store `%s`", store_dir);
	int r = entry_exists(storefd, store_dir, name, err);
	if (r < 0)
		return r;
	char cpath[PATH_MAX], entry[PATH_MAX];
	struct stat cst;
	if (nc_pathf(entry, sizeof(entry), "%s/%s", store_dir, name) < 0 ||
	    rt_image_config_path(entry, cpath, sizeof(cpath)) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store `%s`", store_dir);
	if (r == 1 && stat(cpath, &cst) < 0) {
		/* Unpacked before configs were kept: read it from the
		 * layout, layers untouched. */
		_cleanup_free_ char *config = NULL;
		if (rt_image_flatten_oci(dirfd, -1, hex, &config, err) < 0 ||
		    keep_config(store_dir, name, config, err) < 0)
			return nc_err_prefix(err, "image `%s`", dir);
	}
	if (r == 0) {
		rt_store_remove_stale(storefd, store_dir);
		/* The index read again must be the one hashed above: the
		 * name of the store entry is what it vouches for. */
		_cleanup_free_ char *config = NULL;
		_cleanup_free_ char *list = NULL;
		bool archive;
		if ((r = rt_image_store_layers(dirfd, store_dir, hex, &archive, &config, &list, err)) < 0 ||
		    (r = keep_config(store_dir, name, config, err)) < 0)
			return nc_err_prefix(err, "image `%s`", dir);
		if ((r = write_entry(storefd, store_dir, name, list, err)) < 0)
			return r;
	}
	if (asprintf(rootfs_dir, "%s/%s", store_dir, name) < 0) {
		*rootfs_dir = NULL;
		return nc_err_errno(err, ENOMEM, "image `%s`", dir);
	}
	return 0;
}

bool rt_image_is_oci_dir(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	return nc_pathf(path, sizeof(path), "%s/oci-layout", dir) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int rt_image_unpack(const char *tarball, const char *store_dir, char **rootfs_dir, nc_err *err)
{
	char hex[NC_SHA256_HEX_LEN], hint[PATH_MAX];
	struct stat st;

	/* Its type is checked before it is opened (O_PATH first): a device
	 * node given as an image is never opened. */
	_cleanup_close_ int pfd = open(tarball, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return nc_err_errno(err, errno, "image `%s`", tarball);
	_cleanup_close_ int fd = nc_reopen_regular(pfd, O_RDONLY, &st);
	if (fd == -EINVAL)
		return nc_err_msg(err, EINVAL, "image `%s`: not a regular file", tarball);
	if (fd < 0)
		return nc_err_errno(err, -fd, "image `%s`", tarball);
	if (nc_mkdir_p(store_dir, 0700, err) < 0)
		return nc_err_prefix(err, "image store");
	_cleanup_close_ int storefd = open(store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (storefd < 0)
		return nc_err_errno(err, errno, "image store `%s`", store_dir);
	if (hint_name(&st, hint, sizeof(hint)) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "image store `%s`", store_dir);

	if (!hint_lookup(storefd, hint, hex)) {
		int r = rt_store_hash_fd(fd, tarball, hex, err);
		if (r < 0)
			return r;
		r = entry_exists(storefd, store_dir, hex, err);
		if (r < 0)
			return r;
		if (r == 0) {
			rt_store_remove_stale(storefd, store_dir);
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
