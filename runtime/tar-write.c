/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A layer written as a tar stream (tar-write.h). */
#include <dirent.h>
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
#include "runtime/tar-write.h"

#define BLOCK 512
#define MAX_DEPTH 256

void rt_tarw_init(struct rt_tarw *w, int fd)
{
	w->fd = fd;
	w->bytes = 0;
	w->used = 0;
	nc_sha256_init(&w->h);
}

static int flush(struct rt_tarw *w, nc_err *err)
{
	size_t off = 0;
	while (off < w->used) {
		ssize_t n = write(w->fd, w->buf + off, w->used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nc_err_errno(err, errno, "write layer");
		off += (size_t)n;
	}
	w->used = 0;
	return 0;
}

static int put(struct rt_tarw *w, const void *data, size_t len, nc_err *err)
{
	const char *p = data;
	nc_sha256_update(&w->h, data, len);
	w->bytes += len;
	while (len) {
		size_t k = sizeof(w->buf) - w->used;
		if (k > len)
			k = len;
		memcpy(w->buf + w->used, p, k);
		w->used += k;
		p += k;
		len -= k;
		int r = w->used == sizeof(w->buf) ? flush(w, err) : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

static int pad(struct rt_tarw *w, uint64_t size, nc_err *err)
{
	static const char zero[BLOCK];
	size_t rem = (size_t)(size % BLOCK);
	return rem ? put(w, zero, BLOCK - rem, err) : 0;
}

static void octal(char *field, size_t width, uint64_t v)
{
	snprintf(field, width, "%0*llo", (int)width - 1, (unsigned long long)v);
}

static int header(struct rt_tarw *w, const char *name, char type, const char *link, mode_t mode, uid_t uid,
		  gid_t gid, uint64_t mtime, uint64_t size, nc_err *err)
{
	char h[BLOCK];
	memset(h, 0, sizeof(h));
	memcpy(h, name, strnlen(name, 100));
	octal(h + 100, 8, mode & 07777);
	octal(h + 108, 8, uid > 07777777 ? 0 : uid);
	octal(h + 116, 8, gid > 07777777 ? 0 : gid);
	octal(h + 124, 12, size > 077777777777ULL ? 0 : size);
	octal(h + 136, 12, mtime > 077777777777ULL ? 0 : mtime);
	h[156] = type;
	if (link)
		memcpy(h + 157, link, strnlen(link, 100));
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < BLOCK; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	return put(w, h, sizeof(h), err);
}

/* "LEN key=value\n", LEN counting itself. */
static int pax_record(char **buf, size_t *len, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3, n = body + 1;
	while (snprintf(NULL, 0, "%zu", n) + body != n)
		n++;
	char *nb = realloc(*buf, *len + n + 1);
	if (!nb)
		return -ENOMEM;
	snprintf(nb + *len, n + 1, "%zu %s=%s\n", n, key, value);
	*buf = nb;
	*len += n;
	return 0;
}

static int entry_header(struct rt_tarw *w, const struct rt_tar_entry *e, nc_err *err)
{
	char type;
	switch (e->type) {
	case RT_TAR_FILE: type = '0'; break;
	case RT_TAR_HARDLINK: type = '1'; break;
	case RT_TAR_SYMLINK: type = '2'; break;
	case RT_TAR_DIR: type = '5'; break;
	case RT_TAR_FIFO: type = '6'; break;
	default:
		return nc_err_msg(err, EINVAL, "layer entry `%s`: a type tar layers do not take here", e->path);
	}
	const char *link = e->type == RT_TAR_HARDLINK || e->type == RT_TAR_SYMLINK ? e->linkpath : NULL;
	uint64_t size = e->type == RT_TAR_FILE ? e->size : 0;
	_cleanup_free_ char *pax = NULL;
	size_t plen = 0;
	char num[32];
	int r = 0;
	if (strlen(e->path) >= 100)
		r = pax_record(&pax, &plen, "path", e->path);
	if (!r && link && strlen(link) >= 100)
		r = pax_record(&pax, &plen, "linkpath", link);
	if (!r && size > 077777777777ULL) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
		r = pax_record(&pax, &plen, "size", num);
	}
	if (!r && e->uid > 07777777) {
		snprintf(num, sizeof(num), "%u", (unsigned)e->uid);
		r = pax_record(&pax, &plen, "uid", num);
	}
	if (!r && e->gid > 07777777) {
		snprintf(num, sizeof(num), "%u", (unsigned)e->gid);
		r = pax_record(&pax, &plen, "gid", num);
	}
	if (r < 0)
		return nc_err_errno(err, ENOMEM, "layer entry `%s`", e->path);
	if (plen) {
		if (header(w, "././@PaxHeader", 'x', NULL, 0644, 0, 0, 0, plen, err) < 0 ||
		    put(w, pax, plen, err) < 0 || pad(w, plen, err) < 0)
			return nc_err_ret(err);
	}
	uint64_t mtime = e->mtime.tv_sec > 0 ? (uint64_t)e->mtime.tv_sec : 0;
	return header(w, e->path, type, link, e->mode, e->uid, e->gid, mtime, size, err);
}

int rt_tarw_add(struct rt_tarw *w, const struct rt_tar_entry *e, int body_fd, nc_err *err)
{
	if (entry_header(w, e, err) < 0)
		return nc_err_ret(err);
	if (e->type != RT_TAR_FILE)
		return 0;
	char buf[65536];
	uint64_t left = e->size;
	while (left) {
		ssize_t n = read(body_fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nc_err_errno(err, errno, "layer entry `%s`: read", e->path);
		if (n == 0)
			return nc_err_msg(err, EIO, "layer entry `%s`: the file got shorter while it was read", e->path);
		if (put(w, buf, (size_t)n, err) < 0)
			return nc_err_ret(err);
		left -= (uint64_t)n;
	}
	return pad(w, e->size, err);
}

int rt_tarw_add_mem(struct rt_tarw *w, const struct rt_tar_entry *e, const void *body, nc_err *err)
{
	if (entry_header(w, e, err) < 0)
		return nc_err_ret(err);
	if (e->type != RT_TAR_FILE || !e->size)
		return 0;
	if (put(w, body, (size_t)e->size, err) < 0)
		return nc_err_ret(err);
	return pad(w, e->size, err);
}

int rt_tarw_begin(struct rt_tarw *w, const struct rt_tar_entry *e, nc_err *err)
{
	return entry_header(w, e, err);
}

int rt_tarw_write(struct rt_tarw *w, const void *data, size_t len, nc_err *err)
{
	return put(w, data, len, err);
}

int rt_tarw_end(struct rt_tarw *w, uint64_t size, nc_err *err)
{
	return pad(w, size, err);
}

int rt_tarw_finish(struct rt_tarw *w, char hex[NC_SHA256_HEX_LEN], nc_err *err)
{
	static const char zero[2 * BLOCK];
	uint8_t d[NC_SHA256_LEN];
	if (put(w, zero, sizeof(zero), err) < 0 || flush(w, err) < 0)
		return nc_err_ret(err);
	nc_sha256_final(&w->h, d);
	nc_sha256_hex(d, hex);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int names_of(int dirfd, const char *rel, char ***out, size_t *n, nc_err *err)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return nc_err_errno(err, e, "layer: list `%s`", rel);
	}
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (cnt == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **nv = realloc(v, nc * sizeof(*v));
			if (!nv) {
				r = nc_err_errno(err, ENOMEM, "layer: list `%s`", rel);
				break;
			}
			v = nv;
			cap = nc;
		}
		if (!(v[cnt] = strdup(de->d_name))) {
			r = nc_err_errno(err, ENOMEM, "layer: list `%s`", rel);
			break;
		}
		cnt++;
	}
	closedir(d);
	if (r < 0) {
		free_names(v, cnt);
		return r;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*out = v;
	*n = cnt;
	return 0;
}

static bool opaque(int dirfd)
{
	char proc[64], v[4];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
	ssize_t n = getxattr(proc, "trusted.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

static int tree(struct rt_tarw *w, int dirfd, const char *rel, const struct rt_tarw_tree_opts *o, unsigned depth,
		nc_err *err)
{
	if (depth > MAX_DEPTH)
		return nc_err_msg(err, ELOOP, "layer: `%s` is deeper than %d directories", rel, MAX_DEPTH);
	char **names = NULL;
	size_t n = 0;
	int r = names_of(dirfd, rel, &names, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		char path[4096], link[4096];
		struct stat st;
		int k = *rel ? snprintf(path, sizeof(path), "%s/%s", rel, names[i])
			     : snprintf(path, sizeof(path), "%s", names[i]);
		if (k < 0 || (size_t)k >= sizeof(path)) {
			r = nc_err_msg(err, ENAMETOOLONG, "layer: `%s/%s`: path too long", rel, names[i]);
			break;
		}
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = nc_err_errno(err, errno, "layer: stat `%s`", path);
			break;
		}
		struct rt_tar_entry e = { .path = path, .linkpath = "", .mode = st.st_mode & 07777,
					  .uid = o->chown ? o->uid : st.st_uid, .gid = o->chown ? o->gid : st.st_gid,
					  .mtime = st.st_mtim };
		if (S_ISCHR(st.st_mode) && o->overlay && st.st_rdev == makedev(0, 0)) {
			char *slash = strrchr(path, '/');
			char wh[4096];
			k = snprintf(wh, sizeof(wh), "%.*s%s.wh.%s", slash ? (int)(slash - path) : 0, path,
				     slash ? "/" : "", names[i]);
			if (k < 0 || (size_t)k >= sizeof(wh)) {
				r = nc_err_msg(err, ENAMETOOLONG, "layer: whiteout of `%s`: path too long", path);
				break;
			}
			e.path = wh;
			e.type = RT_TAR_FILE;
			e.mode = 0;
			r = rt_tarw_add_mem(w, &e, "", err);
		} else if (S_ISREG(st.st_mode)) {
			int fd = openat(dirfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
			if (fd < 0) {
				r = nc_err_errno(err, errno, "layer: open `%s`", path);
				break;
			}
			e.type = RT_TAR_FILE;
			e.size = (uint64_t)st.st_size;
			r = rt_tarw_add(w, &e, fd, err);
			close(fd);
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t len = readlinkat(dirfd, names[i], link, sizeof(link) - 1);
			if (len < 0) {
				r = nc_err_errno(err, errno, "layer: readlink `%s`", path);
				break;
			}
			link[len] = '\0';
			e.type = RT_TAR_SYMLINK;
			e.linkpath = link;
			r = rt_tarw_add(w, &e, -1, err);
		} else if (S_ISFIFO(st.st_mode)) {
			e.type = RT_TAR_FIFO;
			r = rt_tarw_add(w, &e, -1, err);
		} else if (S_ISDIR(st.st_mode)) {
			e.type = RT_TAR_DIR;
			if ((r = rt_tarw_add(w, &e, -1, err)) < 0)
				break;
			int fd = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				r = nc_err_errno(err, errno, "layer: open `%s`", path);
				break;
			}
			if (o->overlay && opaque(fd)) {
				char opq[4096 + 16];
				snprintf(opq, sizeof(opq), "%s/.wh..wh..opq", path);
				struct rt_tar_entry oe = e;
				oe.path = opq;
				oe.type = RT_TAR_FILE;
				oe.mode = 0;
				oe.size = 0;
				r = rt_tarw_add_mem(w, &oe, "", err);
			}
			if (r == 0)
				r = tree(w, fd, path, o, depth + 1, err);
			close(fd);
		}
		/* devices and sockets: left out (see tar-write.h) */
	}
	free_names(names, n);
	return r;
}

int rt_tarw_tree(struct rt_tarw *w, int dirfd, const struct rt_tarw_tree_opts *o, nc_err *err)
{
	const char *prefix = o->prefix ? o->prefix : "";
	return tree(w, dirfd, prefix, o, 0, err);
}
