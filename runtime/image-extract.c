/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_image_extract: a tar stream into a directory, never outside it. The
 * rules are in image.h; the reasons are next to the code.
 */
#include "runtime/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/sha256.h"
#include "runtime/resolve.h"
#include "runtime/tar.h"

/* Owner, mode and times of a directory, applied once everything is in. */
struct dir_fix {
	char *path; /* clean, "." for the root */
	size_t depth, index;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
};

struct extract {
	int rootfd;
	bool layer; /* an image layer: .wh. entries delete (rt_image_extract_layer) */
	bool overlay; /* a layer of its own: .wh. entries become overlayfs's markers */
	struct dir_fix *dirs;
	size_t n_dirs, cap_dirs;
	char buf[128 * 1024];
};

/* "/./a//b/" -> "a/b"; "/" or "./" -> "" (the root). A ".." component is
 * refused rather than resolved: no rootfs needs one, and a name that
 * climbs is a sign of a hostile archive. */
static int clean_path(const char *in, char out[PATH_MAX])
{
	size_t n = 0;
	const char *p = in;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchrnul(p, '/');
		size_t len = (size_t)(e - p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EPERM;
		if (!(len == 1 && p[0] == '.')) {
			if (n + !!n + len >= PATH_MAX)
				return -ENAMETOOLONG;
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p = e;
	}
	out[n] = '\0';
	return 0;
}

/* Splits a clean, non-empty path in place: returns the last component;
 * *parent becomes the rest ("." when none). */
static const char *split(char *path, const char **parent)
{
	char *slash = strrchr(path, '/');
	if (!slash) {
		*parent = ".";
		return path;
	}
	*slash = '\0';
	*parent = path;
	return slash + 1;
}

/* The directory that will hold an entry, resolved inside the root and
 * created (0755) when missing. */
static int open_parent(struct extract *x, const char *parent, nc_err *err)
{
	int fd = rt_open_in_root(x->rootfd, parent, O_PATH | O_DIRECTORY, err);
	if (fd == -ENOENT)
		fd = rt_open_or_create_in_root(x->rootfd, parent, true, err);
	return fd;
}

/* Clears `name` for a new entry: a non-directory is unlinked (an old file,
 * or a symlink that must not be written through); a directory stays.
 * Returns 1 when a directory is there, 0 when the name is free. */
static int make_room(int dfd, const char *name)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode))
		return 1;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Runs create() once more after clearing the name when it exists. A
 * directory in the way of anything else is an error (tar would have to
 * remove a whole tree). */
#define CREATE_REPLACING(dfd, name, create)                  \
	({                                                   \
		int _r = (create);                           \
		if (_r < 0 && errno == EEXIST) {             \
			int _m = make_room(dfd, name);       \
			if (_m == 1)                         \
				errno = EISDIR;              \
			else if (_m < 0)                     \
				errno = -_m;                 \
			else                                 \
				_r = (create);               \
		}                                            \
		_r;                                          \
	})

/* EPERM: not privileged for that id; EINVAL: an id with no mapping in our
 * user namespace. Either way the entry keeps the caller's ids. */
static int chown_result(int r)
{
	return r < 0 && errno != EPERM && errno != EINVAL ? -errno : 0;
}

static int extract_file(struct extract *x, struct rt_tar *t, const struct rt_tar_entry *e, int dfd,
			const char *name, nc_err *err)
{
	/* 0600 until the data is in: nobody reads a half-written setuid file. */
	_cleanup_close_ int fd = CREATE_REPLACING(
		dfd, name, openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
	if (fd < 0)
		return nc_err_errno(err, errno, "entry `%s`: create", e->path);
	for (;;) {
		ssize_t n = rt_tar_read(t, x->buf, sizeof(x->buf), err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		int r = nc_write_all(fd, x->buf, (size_t)n);
		if (r < 0)
			return nc_err_errno(err, -r, "entry `%s`: write", e->path);
	}
	if (chown_result(fchown(fd, e->uid, e->gid)) < 0)
		return nc_err_errno(err, errno, "entry `%s`: chown", e->path);
	if (fchmod(fd, e->mode) < 0)
		return nc_err_errno(err, errno, "entry `%s`: chmod", e->path);
	struct timespec ts[2] = { e->mtime, e->mtime };
	if (futimens(fd, ts) < 0)
		return nc_err_errno(err, errno, "entry `%s`: set times", e->path);
	if (close(TAKE_FD(fd)) < 0)
		return nc_err_errno(err, errno, "entry `%s`: write", e->path);
	return 0;
}

static int extract_hardlink(struct extract *x, const struct rt_tar_entry *e, int dfd, const char *name,
			    nc_err *err)
{
	char target[PATH_MAX];
	const char *tparent;

	int r = clean_path(e->linkpath, target);
	if (r == -EPERM)
		return nc_err_msg(err, EPERM, "entry `%s`: hard link to `%s`: a `..` component (refused)",
				  e->path, e->linkpath);
	if (r < 0 || !target[0])
		return nc_err_msg(err, EINVAL, "entry `%s`: hard link to `%s`: bad target", e->path,
				  e->linkpath);
	const char *tname = split(target, &tparent);
	_cleanup_close_ int tfd = rt_open_in_root(x->rootfd, tparent, O_PATH | O_DIRECTORY, err);
	if (tfd < 0 && tfd != -ENOENT)
		return nc_err_prefix(err, "entry `%s`: hard link to `%s`", e->path, e->linkpath);
	/* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink. */
	errno = ENOENT;
	if (tfd < 0 || CREATE_REPLACING(dfd, name, linkat(tfd, tname, dfd, name, 0)) < 0) {
		if (errno == ENOENT)
			return nc_err_msg(err, ENOENT, "entry `%s`: hard link to `%s`: no such entry in the archive",
					  e->path, e->linkpath);
		return nc_err_errno(err, errno, "entry `%s`: hard link to `%s`", e->path, e->linkpath);
	}
	return 0;
}

/* Owner, mode and times of a node we just made by name (symlink, fifo,
 * device). fchmodat has no working AT_SYMLINK_NOFOLLOW before Linux 6.6,
 * but the name was created by us an instant ago in a directory only the
 * caller can write, and mknod never makes a symlink. */
static int set_meta_at(int dfd, const char *name, const struct rt_tar_entry *e, bool chmod, nc_err *err)
{
	if (chown_result(fchownat(dfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW)) < 0)
		return nc_err_errno(err, errno, "entry `%s`: chown", e->path);
	if (chmod && fchmodat(dfd, name, e->mode, 0) < 0)
		return nc_err_errno(err, errno, "entry `%s`: chmod", e->path);
	struct timespec ts[2] = { e->mtime, e->mtime };
	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return nc_err_errno(err, errno, "entry `%s`: set times", e->path);
	return 0;
}

/* Fifos only: a device node of an image is never made (image.h). */
static int extract_fifo(const struct rt_tar_entry *e, int dfd, const char *name, nc_err *err)
{
	if (CREATE_REPLACING(dfd, name, mknodat(dfd, name, S_IFIFO | 0600, 0)) < 0)
		return nc_err_errno(err, errno, "entry `%s`: mkfifo", e->path);
	return set_meta_at(dfd, name, e, true, err);
}

static int extract_dir(struct extract *x, const struct rt_tar_entry *e, const char *clean, int dfd,
		       const char *name, nc_err *err)
{
	/* 0700 until the end, whatever the archive says: we must be able
	 * to write into it even when it ends up read-only. */
	if (name && CREATE_REPLACING(dfd, name, mkdirat(dfd, name, 0700)) < 0 && errno != EISDIR)
		return nc_err_errno(err, errno, "entry `%s`: mkdir", e->path);

	if (x->n_dirs == x->cap_dirs) {
		size_t cap = x->cap_dirs ? 2 * x->cap_dirs : 64;
		struct dir_fix *d = realloc(x->dirs, cap * sizeof(*d));
		if (!d)
			return nc_err_errno(err, ENOMEM, "entry `%s`", e->path);
		x->dirs = d;
		x->cap_dirs = cap;
	}
	struct dir_fix *d = &x->dirs[x->n_dirs];
	*d = (struct dir_fix){ .path = strdup(clean[0] ? clean : "."), .index = x->n_dirs,
			       .mode = e->mode, .uid = e->uid, .gid = e->gid, .mtime = e->mtime };
	if (!d->path)
		return nc_err_errno(err, ENOMEM, "entry `%s`", e->path);
	for (const char *p = clean; *p; p++)
		d->depth += *p == '/';
	d->depth += !!clean[0];
	x->n_dirs++;
	return 0;
}

/* Deepest first; for one path, the archive's last entry first (it wins). */
static int dir_fix_cmp(const void *a, const void *b)
{
	const struct dir_fix *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->index > y->index ? -1 : 1;
}

static int fix_dirs(struct extract *x, nc_err *err)
{
	if (x->n_dirs)
		qsort(x->dirs, x->n_dirs, sizeof(*x->dirs), dir_fix_cmp);
	for (size_t i = 0; i < x->n_dirs; i++) {
		const struct dir_fix *d = &x->dirs[i];
		if (i && !strcmp(d->path, x->dirs[i - 1].path))
			continue;
		_cleanup_close_ int fd = rt_open_in_root(x->rootfd, d->path,
							 O_RDONLY | O_DIRECTORY | O_NOFOLLOW, err);
		if (fd < 0)
			return nc_err_prefix(err, "entry `%s`", d->path);
		if (chown_result(fchown(fd, d->uid, d->gid)) < 0)
			return nc_err_errno(err, errno, "entry `%s`: chown", d->path);
		if (fchmod(fd, d->mode) < 0)
			return nc_err_errno(err, errno, "entry `%s`: chmod", d->path);
		struct timespec ts[2] = { d->mtime, d->mtime };
		if (futimens(fd, ts) < 0)
			return nc_err_errno(err, errno, "entry `%s`: set times", d->path);
	}
	return 0;
}

/* Everything in the directory `dfd` (O_PATH is fine), not `dfd` itself. */
static int remove_contents(int dfd, nc_err *err)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return nc_err_errno(err, e, "open the directory");
	}
	int r = 0;
	errno = 0;
	for (struct dirent *de; r == 0 && (de = readdir(d)); errno = 0)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = nc_rm_rf_at(dirfd(d), de->d_name, err);
	if (r == 0 && errno)
		r = nc_err_errno(err, errno, "read the directory");
	closedir(d);
	return r;
}

/* Layers record deletions as whiteouts (the OCI image spec, from AUFS):
 * `.wh.NAME` removes NAME of the layers below, `.wh..wh..opq` empties its
 * directory of them. Flattening layers in order, both act at once; the
 * marker itself is not kept. Layer tars list a directory's opaque marker
 * before the directory's new contents, which is what makes emptying it on
 * sight correct. */
static int whiteout(const struct rt_tar_entry *e, int dfd, const char *name, nc_err *err)
{
	const char *target = name + 4;
	int r;

	if (!strcmp(name, ".wh..wh..opq"))
		r = remove_contents(dfd, err);
	else if (!*target || !strcmp(target, ".") || !strcmp(target, ".."))
		return nc_err_msg(err, EINVAL, "entry `%s`: a whiteout of nothing", e->path);
	else
		r = nc_rm_rf_at(dfd, target, err);
	if (r < 0)
		return nc_err_prefix(err, "entry `%s`: whiteout", e->path);
	return 0;
}

/* A layer unpacked into a directory of its own, to be stacked by
 * overlayfs: its whiteouts are written the way overlayfs reads them. A
 * `.wh.NAME` becomes NAME as a character device 0/0 (a node of no device:
 * opening it fails, so it opens nothing of the host's); `.wh..wh..opq`
 * sets `trusted.overlay.opaque` to "y" on its directory. */
static int overlay_whiteout(const struct rt_tar_entry *e, int dfd, const char *name, nc_err *err)
{
	const char *target = name + 4;

	if (!strcmp(name, ".wh..wh..opq")) {
		_cleanup_close_ int d = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0 || fsetxattr(d, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return nc_err_errno(err, errno, "entry `%s`: mark the directory opaque", e->path);
		return 0;
	}
	/* `.wh..wh.*` other than the opaque marker: AUFS's own bookkeeping
	 * (.wh..wh.plnk, .wh..wh.aufs), which old layers carry; not a file. */
	if (!strncmp(target, ".wh.", 4))
		return 0;
	if (!*target || !strcmp(target, ".") || !strcmp(target, ".."))
		return nc_err_msg(err, EINVAL, "entry `%s`: a whiteout of nothing", e->path);
	if (CREATE_REPLACING(dfd, target, mknodat(dfd, target, S_IFCHR | 0600, makedev(0, 0))) < 0)
		return nc_err_errno(err, errno, "entry `%s`: whiteout", e->path);
	return 0;
}

static int extract_entry(struct extract *x, struct rt_tar *t, const struct rt_tar_entry *e, nc_err *err)
{
	char clean[PATH_MAX];

	if (e->type == RT_TAR_OTHER) {
		if (e->typeflag == 'V')
			return 0; /* a GNU volume label names the archive, not a file */
		return nc_err_msg(err, ENOTSUP, "entry `%s`: entry type `%c` is not supported", e->path,
				  e->typeflag);
	}
	if (e->size > RT_IMAGE_MAX_ENTRY_SIZE)
		return nc_err_msg(err, EFBIG, "entry `%s`: larger than 1 TiB (refused)", e->path);
	int r = clean_path(e->path, clean);
	if (r == -EPERM)
		return nc_err_msg(err, EPERM, "entry `%s`: a `..` component (refused)", e->path);
	if (r < 0)
		return nc_err_msg(err, ENAMETOOLONG, "entry `%s`: name too long", e->path);
	if (!clean[0]) {
		if (e->type != RT_TAR_DIR)
			return nc_err_msg(err, EINVAL, "entry `%s`: names the root but is not a directory",
					  e->path);
		return extract_dir(x, e, clean, -1, NULL, err);
	}

	char split_buf[PATH_MAX];
	const char *parent;
	memcpy(split_buf, clean, strlen(clean) + 1);
	const char *name = split(split_buf, &parent);
	_cleanup_close_ int dfd = open_parent(x, parent, err);
	if (dfd < 0)
		return nc_err_prefix(err, "entry `%s`", e->path);

	if (x->overlay && !strncmp(name, ".wh.", 4))
		return overlay_whiteout(e, dfd, name, err);
	if (x->layer && !strncmp(name, ".wh.", 4))
		return whiteout(e, dfd, name, err);
	switch (e->type) {
	case RT_TAR_FILE:
		return extract_file(x, t, e, dfd, name, err);
	case RT_TAR_DIR:
		return extract_dir(x, e, clean, dfd, name, err);
	case RT_TAR_HARDLINK:
		return extract_hardlink(x, e, dfd, name, err);
	case RT_TAR_SYMLINK:
		if (!e->linkpath[0])
			return nc_err_msg(err, EINVAL, "entry `%s`: symlink with an empty target", e->path);
		if (CREATE_REPLACING(dfd, name, symlinkat(e->linkpath, dfd, name)) < 0)
			return nc_err_errno(err, errno, "entry `%s`: symlink", e->path);
		return set_meta_at(dfd, name, e, false, err);
	case RT_TAR_CHAR:
	case RT_TAR_BLOCK:
		/* Never in the store: a node of the host's disk or of
		 * /dev/mem would be a way in for whoever reaches the store
		 * or a volume seeded from it; containers get their own /dev. */
		return 0;
	case RT_TAR_FIFO:
		return extract_fifo(e, dfd, name, err);
	case RT_TAR_OTHER:
		break;
	}
	return 0;
}

static void extract_freep(struct extract **x)
{
	if (!*x)
		return;
	for (size_t i = 0; i < (*x)->n_dirs; i++)
		free((*x)->dirs[i].path);
	free((*x)->dirs);
	free(*x);
}

static void tar_freep(struct rt_tar **t)
{
	rt_tar_free(*t);
}

/* The stored bytes must hash to `want` (64 hex digits): checked at the
 * end, so a layer with one changed byte fails before the caller keeps
 * anything it unpacked. */
static int check_digest(struct rt_tar *t, struct nc_sha256 *h, const char *want, nc_err *err)
{
	uint8_t d[NC_SHA256_LEN];
	char hex[NC_SHA256_HEX_LEN];

	if (rt_tar_drain(t, err) < 0)
		return nc_err_ret(err);
	nc_sha256_final(h, d);
	nc_sha256_hex(d, hex);
	if (strcmp(hex, want))
		return nc_err_msg(err, EBADMSG, "its content does not match its digest: sha256:%s expected, sha256:%s read (a changed or corrupt blob; refused)",
				  want, hex);
	return 0;
}

static int extract(int tar_fd, int root_fd, bool layer, bool overlay, const char *want, nc_err *err)
{
	_cleanup_(extract_freep) struct extract *x = calloc(1, sizeof(*x));
	_cleanup_(tar_freep) struct rt_tar *t = NULL;
	const struct rt_tar_entry *e;
	struct nc_sha256 h;
	int r;

	if (!x)
		return nc_err_errno(err, ENOMEM, "unpack");
	x->rootfd = root_fd;
	x->layer = layer;
	x->overlay = overlay;
	nc_sha256_init(&h);
	r = rt_tar_open_hashed(tar_fd, want ? &h : NULL, &t, err);
	if (r < 0)
		return r;
	while ((r = rt_tar_next(t, &e, err)) > 0) {
		r = extract_entry(x, t, e, err);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (want && check_digest(t, &h, want, err) < 0)
		return nc_err_ret(err);
	return fix_dirs(x, err);
}

int rt_image_extract(int tar_fd, int root_fd, nc_err *err)
{
	return extract(tar_fd, root_fd, false, false, NULL, err);
}

int rt_image_extract_layer(int tar_fd, int root_fd, const char *sha256_hex, nc_err *err)
{
	return extract(tar_fd, root_fd, true, false, sha256_hex, err);
}

int rt_image_extract_overlay_layer(int tar_fd, int root_fd, const char *sha256_hex, nc_err *err)
{
	return extract(tar_fd, root_fd, true, true, sha256_hex, err);
}
