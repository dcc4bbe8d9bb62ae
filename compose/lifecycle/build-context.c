/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A COPY/ADD source's content in the build context (build-context.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/lifecycle/build-context.h"
#include "runtime/resolve.h"

struct walk {
	const struct nc_dockerignore *ig;
	struct nc_sha256 h;
	size_t entries;
	nc_ctx_visit visit;
	void *vctx;
	const char *match; /* the source being walked, as its context path */
	nc_err *err;
};

static void hash_str(struct walk *w, const char *s)
{
	nc_sha256_update(&w->h, s, strlen(s) + 1); /* with its NUL: no ambiguity */
}

static int hash_content(struct walk *w, int pathfd, const char *rel)
{
	struct stat st;
	_cleanup_close_ int fd = nc_reopen_regular(pathfd, O_RDONLY | O_NOCTTY, &st);
	if (fd < 0)
		return nc_err_errno(w->err, -fd, "read `%s` in the build context", rel);
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nc_err_errno(w->err, errno, "read `%s` in the build context", rel);
		if (n == 0)
			return 0;
		nc_sha256_update(&w->h, buf, (size_t)n);
	}
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

/* The names in a directory (an O_PATH fd on it), sorted. */
static int list(struct walk *w, int pathfd, const char *rel, char ***out, size_t *n)
{
	int fd = openat(pathfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(w->err, errno, "open directory `%s` in the build context", rel);
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return nc_err_errno(w->err, e, "open directory `%s` in the build context", rel);
	}
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	int r = 0;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nv = realloc(v, nc * sizeof(*v));
			if (!nv) {
				r = nc_err_errno(w->err, ENOMEM, "list `%s`", rel);
				break;
			}
			v = nv;
			cap = nc;
		}
		if (!(v[cnt] = strdup(de->d_name))) {
			r = nc_err_errno(w->err, ENOMEM, "list `%s`", rel);
			break;
		}
		cnt++;
		errno = 0;
	}
	if (r == 0 && errno)
		r = nc_err_errno(w->err, errno, "list `%s` in the build context", rel);
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

static int child_path(struct walk *w, char *buf, size_t size, const char *parent, const char *name)
{
	int n = *parent ? snprintf(buf, size, "%s/%s", parent, name) : snprintf(buf, size, "%s", name);
	if (n < 0 || (size_t)n >= size)
		return nc_err_msg(w->err, ENAMETOOLONG, "`%s/%s` in the build context: path too long", parent, name);
	return 0;
}

/* One entry (an O_PATH fd, symlinks not followed) and what is below it.
 * ctx_rel: its path in the context (for .dockerignore); src_rel: below
 * the source (what the digest names). */
static int tree(struct walk *w, int pathfd, const char *ctx_rel, const char *src_rel, unsigned depth)
{
	struct stat st;
	if (++w->entries > NC_CTX_MAX_ENTRIES)
		return nc_err_msg(w->err, E2BIG, "the build context has more than %u entries", NC_CTX_MAX_ENTRIES);
	if (fstat(pathfd, &st) < 0)
		return nc_err_errno(w->err, errno, "stat `%s` in the build context", ctx_rel);
	if (!(*ctx_rel && nc_dockerignore_excludes(w->ig, ctx_rel))) {
		char head[64];
		char type = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : S_ISLNK(st.st_mode) ? 'l' : 'o';
		snprintf(head, sizeof(head), "%c%o", type, (unsigned)(st.st_mode & 07777));
		hash_str(w, src_rel);
		hash_str(w, head);
		if (S_ISREG(st.st_mode)) {
			int r = hash_content(w, pathfd, ctx_rel);
			if (r < 0)
				return r;
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlinkat(pathfd, "", target, sizeof(target) - 1);
			if (n < 0)
				return nc_err_errno(w->err, errno, "readlink `%s` in the build context", ctx_rel);
			target[n] = '\0';
			hash_str(w, target);
		}
		if (w->visit) {
			int r = w->visit(w->vctx, pathfd, &st, w->match, src_rel, w->err);
			if (r < 0)
				return r;
		}
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (depth >= NC_CTX_MAX_DEPTH)
		return nc_err_msg(w->err, ELOOP, "`%s` in the build context: deeper than %d directories", ctx_rel,
				  NC_CTX_MAX_DEPTH);
	char **names;
	size_t n;
	int r = list(w, pathfd, ctx_rel, &names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		char c_rel[4096], s_rel[4096];
		if ((r = child_path(w, c_rel, sizeof(c_rel), ctx_rel, names[i])) < 0 ||
		    (r = child_path(w, s_rel, sizeof(s_rel), src_rel, names[i])) < 0)
			break;
		int fd = openat(pathfd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = nc_err_errno(w->err, errno, "open `%s` in the build context", c_rel);
			break;
		}
		r = tree(w, fd, c_rel, s_rel, depth + 1);
		close(fd);
	}
	free_names(names, n);
	return r;
}

static unsigned components(const char *s)
{
	unsigned n = 1;
	for (; *s; s++)
		n += *s == '/';
	return n;
}

/* Entries whose context path matches `pattern`, each digested whole. */
static int glob_walk(struct walk *w, int pathfd, const char *ctx_rel, const char *pattern, unsigned depth,
		     size_t *matched)
{
	char **names;
	size_t n;
	int r = list(w, pathfd, ctx_rel, &names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		char c_rel[4096];
		if ((r = child_path(w, c_rel, sizeof(c_rel), ctx_rel, names[i])) < 0)
			break;
		if (++w->entries > NC_CTX_MAX_ENTRIES) {
			r = nc_err_msg(w->err, E2BIG, "the build context has more than %u entries", NC_CTX_MAX_ENTRIES);
			break;
		}
		int fd = openat(pathfd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = nc_err_errno(w->err, errno, "open `%s` in the build context", c_rel);
			break;
		}
		struct stat st;
		if (fstat(fd, &st) < 0) {
			r = nc_err_errno(w->err, errno, "stat `%s` in the build context", c_rel);
		} else if (nc_di_glob(pattern, c_rel)) {
			if (!nc_dockerignore_excludes(w->ig, c_rel)) {
				(*matched)++;
				hash_str(w, c_rel);
				w->match = c_rel;
				r = tree(w, fd, c_rel, "", 0);
			}
		} else if (S_ISDIR(st.st_mode) && depth + 1 < components(pattern)) {
			r = glob_walk(w, fd, c_rel, pattern, depth + 1, matched);
		}
		close(fd);
	}
	free_names(names, n);
	return r;
}

int nc_ctx_digest(int ctx_fd, const struct nc_dockerignore *ignore, const char *src,
		  char hex[NC_SHA256_HEX_LEN], size_t *n_matched, nc_err *err)
{
	return nc_ctx_walk(ctx_fd, ignore, src, NULL, NULL, hex, n_matched, err);
}

int nc_ctx_walk(int ctx_fd, const struct nc_dockerignore *ignore, const char *src, nc_ctx_visit visit, void *vctx,
		char hex[NC_SHA256_HEX_LEN], size_t *n_matched, nc_err *err)
{
	struct walk w = { .ig = ignore, .err = err, .visit = visit, .vctx = vctx };
	uint8_t d[NC_SHA256_LEN];
	int r;

	nc_sha256_init(&w.h);
	*n_matched = 0;
	if (strpbrk(src, "*?[")) {
		_cleanup_close_ int root = openat(ctx_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return nc_err_errno(err, errno, "open the build context");
		if ((r = glob_walk(&w, root, "", src, 0, n_matched)) < 0)
			return r;
		if (*n_matched == 0)
			return nc_err_msg(err, ENOENT, "no file in the build context matches `%s`", src);
	} else {
		if (strcmp(src, ".") && nc_dockerignore_excludes(ignore, src))
			return nc_err_msg(err, ENOENT, "`%s`: not in the build context: .dockerignore leaves it out", src);
		nc_err why;
		_cleanup_close_ int fd = rt_open_beneath(ctx_fd, src, O_PATH, &why);
		if (fd == -EXDEV)
			return nc_err_msg(err, EXDEV, "`%s` leads outside the build context", src);
		if (fd < 0)
			return nc_err_errno(err, -fd, "`%s` in the build context", src);
		*n_matched = 1;
		w.match = strcmp(src, ".") ? src : "";
		if ((r = tree(&w, fd, strcmp(src, ".") ? src : "", "", 0)) < 0)
			return r;
	}
	nc_sha256_final(&w.h, d);
	nc_sha256_hex(d, hex);
	return 0;
}
