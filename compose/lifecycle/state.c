/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"

#define JOURNAL "journal"
#define CONTAINERS "containers"
#define RECORD "record"

void nc_state_close(struct nc_state *st)
{
	if (!st)
		return;
	if (st->journal_fd >= 0)
		close(st->journal_fd);
	if (st->dirfd >= 0)
		close(st->dirfd); /* releases the flock */
	free(st->root);
	free(st->project);
	free(st->dir);
	free(st);
}

static void state_closep(struct nc_state **st)
{
	nc_state_close(*st);
}

int nc_state_open(const char *root, const char *project, unsigned flags, struct nc_state **out,
		  nc_err *err)
{
	_cleanup_(state_closep) struct nc_state *st = calloc(1, sizeof(*st));
	int r;

	*out = NULL;
	if (!st)
		return nc_err_errno(err, ENOMEM, "open state of `%s`", project);
	st->dirfd = st->journal_fd = -1;
	st->root = strdup(root);
	st->project = strdup(project);
	if (!st->root || !st->project || asprintf(&st->dir, "%s/%s", root, project) < 0) {
		st->dir = NULL;
		return nc_err_errno(err, ENOMEM, "open state of `%s`", project);
	}
	if (flags & NC_STATE_CREATE) {
		if ((r = nc_mkdir_p(root, 0755, err)) < 0)
			return r;
		if (mkdir(st->dir, 0700) < 0 && errno != EEXIST)
			return nc_err_errno(err, errno, "create state directory `%s`", st->dir);
	}

	/* A concurrent `down` may remove the directory between our open and
	 * our lock; then the lock is on a dead inode: retry on the new one. */
	for (int attempt = 0; attempt < 3; attempt++) {
		_cleanup_close_ int fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && !(flags & NC_STATE_CREATE))
				return 0;
			return nc_err_errno(err, errno, "open state directory `%s`", st->dir);
		}
		if (flags & NC_STATE_READ) {
			st->dirfd = TAKE_FD(fd);
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK)
				return nc_err_msg(err, EBUSY,
						  "project `%s` is already up, or another ncompose is bringing it up or down; `ncompose -p %s down` removes it",
						  project, project);
			return nc_err_errno(err, errno, "lock `%s`", st->dir);
		}
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(st->dir, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			st->dirfd = TAKE_FD(fd);
			break;
		}
		if (!(flags & NC_STATE_CREATE))
			return 0;
		if (mkdir(st->dir, 0700) < 0 && errno != EEXIST)
			return nc_err_errno(err, errno, "create state directory `%s`", st->dir);
	}
	if (st->dirfd < 0)
		return nc_err_msg(err, EBUSY, "project `%s`: state directory keeps changing", project);
	*out = TAKE_PTR(st);
	return 0;
}

static int journal_fd(struct nc_state *st, nc_err *err)
{
	if (st->journal_fd < 0) {
		st->journal_fd = openat(st->dirfd, JOURNAL, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (st->journal_fd < 0)
			return nc_err_errno(err, errno, "open journal `%s/" JOURNAL "`", st->dir);
	}
	return st->journal_fd;
}

int nc_state_journal_raw(struct nc_state *st, const char *lines, size_t len, nc_err *err)
{
	int fd = journal_fd(st, err);
	if (fd < 0)
		return fd;
	/* One write(2) with O_APPEND: a record is either whole or a torn last
	 * line, which the reader drops. */
	ssize_t w = write(fd, lines, len);
	if (w < 0)
		return nc_err_errno(err, errno, "write journal `%s/" JOURNAL "`", st->dir);
	if ((size_t)w != len)
		return nc_err_errno(err, EIO, "short write to journal `%s/" JOURNAL "`", st->dir);
	return 0;
}

int nc_state_journal(struct nc_state *st, nc_err *err, const char *kind, ...)
{
	const char *fields[16];
	size_t n = 0;
	va_list ap;

	fields[n++] = kind;
	va_start(ap, kind);
	for (const char *f; n < NC_ELEMENTSOF(fields) && (f = va_arg(ap, const char *));)
		fields[n++] = f;
	va_end(ap);

	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	nc_record_append(&b, fields, n);
	if (!nc_strbuf_ok(&b))
		return nc_err_errno(err, ENOMEM, "journal `%s`", kind);
	return nc_state_journal_raw(st, b.s, b.len, err);
}

int nc_state_read_journal(struct nc_state *st, struct nc_records *out, nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	out->v = NULL;
	out->n = 0;
	int fd = openat(st->dirfd, JOURNAL, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return nc_err_errno(err, errno, "open journal `%s/" JOURNAL "`", st->dir);
	}
	close(fd);
	int r = nc_read_fileat(st->dirfd, JOURNAL, &text, &len, err);
	if (r < 0)
		return r;
	return nc_records_parse(text, len, out, err);
}

int nc_state_container_dir(struct nc_state *st, const char *service, bool create, char *out,
			   size_t size, nc_err *err)
{
	if ((size_t)snprintf(out, size, "%s/" CONTAINERS "/%s", st->dir, service) >= size)
		return nc_err_errno(err, ENAMETOOLONG, "state directory of `%s`", service);
	if (create)
		return nc_mkdir_p(out, 0700, err);
	return 0;
}

int nc_state_write_container(struct nc_state *st, const char *service, const char *text,
			     size_t len, nc_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int r = nc_state_container_dir(st, service, false, dir, sizeof(dir), err);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/" RECORD, dir);
	/* The directory is there but for the first write: creating it each
	 * time costs a mkdir a level, per record change of every container. */
	r = nc_write_file_atomic(path, text, len, 0600, err);
	if (r != -ENOENT)
		return r;
	if ((r = nc_state_container_dir(st, service, true, dir, sizeof(dir), err)) < 0)
		return r;
	return nc_write_file_atomic(path, text, len, 0600, err);
}

int nc_state_read_container(struct nc_state *st, const char *service, struct nc_records *out,
			    nc_err *err)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t len;

	out->v = NULL;
	out->n = 0;
	if ((size_t)snprintf(path, sizeof(path), CONTAINERS "/%s/" RECORD, service) >= sizeof(path))
		return nc_err_errno(err, ENAMETOOLONG, "record of `%s`", service);
	int r = nc_read_fileat(st->dirfd, path, &text, &len, err);
	if (r < 0)
		return r;
	return nc_records_parse(text, len, out, err);
}

int nc_state_container_set(struct nc_state *st, const char *service, const char *kind,
			   const char *v1, const char *v2, nc_err *err)
{
	struct nc_records rs;
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	int r = nc_state_read_container(st, service, &rs, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < rs.n; i++)
		if (strcmp(rs.v[i].f[0], kind))
			nc_record_append(&b, (const char *const *)rs.v[i].f, rs.v[i].n);
	const char *f[] = { kind, v1, v2 };
	nc_record_append(&b, f, v2 ? 3 : 2);
	nc_records_free(&rs);
	if (!nc_strbuf_ok(&b))
		return nc_err_errno(err, ENOMEM, "record of `%s`", service);
	return nc_state_write_container(st, service, b.s, b.len, err);
}

int nc_records_read_file(const char *path, struct nc_records *out, nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = nc_read_file(path, &text, &len, err);

	out->v = NULL;
	out->n = 0;
	if (r < 0)
		return r;
	return nc_records_parse(text, len, out, err);
}

int nc_state_remove(struct nc_state *st, nc_err *err)
{
	if (st->journal_fd >= 0) {
		close(st->journal_fd);
		st->journal_fd = -1;
	}
	return nc_rm_rf(st->dir, err);
}

int nc_state_list_projects(const char *root, char ***names, nc_err *err)
{
	_cleanup_strv_ char **v = calloc(1, sizeof(char *));
	size_t n = 0;

	if (!v)
		return nc_err_errno(err, ENOMEM, "list `%s`", root);
	DIR *d = opendir(root);
	if (!d) {
		if (errno == ENOENT) {
			*names = TAKE_PTR(v);
			return 0;
		}
		return nc_err_errno(err, errno, "list `%s`", root);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		char **nv = realloc(v, (n + 2) * sizeof(char *));
		if (nv) {
			v = nv;
			v[n + 1] = NULL;
			v[n] = strdup(de->d_name);
		}
		if (!nv || !v[n]) {
			closedir(d);
			return nc_err_errno(err, ENOMEM, "list `%s`", root);
		}
		n++;
	}
	closedir(d);
	*names = TAKE_PTR(v);
	return 0;
}
