/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/follow.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/logfmt.h"

struct follower {
	const char *service;
	const char *log;
	off_t off; /* where `fd` has been read to */
	int fd;
	char partial[4096];
	size_t n_partial;
	const char *color;
};

struct nc_follow {
	FILE *out;
	struct nc_follow_opts o;
	bool tty;
	int width;
	int ino;
	size_t n;
	struct follower *v;
};

static const char *const colors[] = { "\033[36m", "\033[33m", "\033[32m", "\033[35m",
				       "\033[34m", "\033[31m" };

static void emit(struct nc_follow *f, struct follower *w, const char *line, size_t n)
{
	struct rt_log_entry e;

	rt_log_parse(line, n, &e);
	if (!f->o.no_prefix) {
		if (f->tty)
			fprintf(f->out, "%s%-*s |\033[0m ", w->color, f->width, w->service);
		else
			fprintf(f->out, "%-*s | ", f->width, w->service);
	}
	if (f->o.timestamps && e.stamp)
		fprintf(f->out, "%.*s ", RT_LOG_STAMP_LEN, e.stamp);
	fprintf(f->out, "%.*s\n", (int)e.text_len, e.text);
}

/* Positions fd at the start of its last `lines` lines, reading backwards
 * in blocks: a long log is never read whole for a short tail. */
static void seek_tail(int fd, long lines)
{
	char buf[8192];
	off_t end = lseek(fd, 0, SEEK_END), pos = end;
	long seen = 0;

	if (end <= 0 || lines == 0)
		return;
	while (pos > 0) {
		size_t chunk = pos < (off_t)sizeof(buf) ? (size_t)pos : sizeof(buf);
		pos -= (off_t)chunk;
		if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
			break;
		for (size_t i = chunk; i-- > 0;) {
			/* The file's last newline ends the last line, it does
			 * not start one. */
			if (buf[i] != '\n' || pos + (off_t)i == end - 1)
				continue;
			if (++seen == lines) {
				lseek(fd, pos + (off_t)i + 1, SEEK_SET);
				return;
			}
		}
	}
	lseek(fd, 0, SEEK_SET);
}

/* Lines of `buf`, the first `skip` of them dropped (a tail). */
static void feed(struct nc_follow *f, struct follower *w, const char *buf, size_t r, long *skip)
{
	for (size_t i = 0; i < r; i++) {
		if (buf[i] == '\n' || w->n_partial == sizeof(w->partial)) {
			if (*skip > 0)
				--*skip;
			else
				emit(f, w, w->partial, w->n_partial);
			w->n_partial = 0;
			if (buf[i] == '\n')
				continue;
		}
		w->partial[w->n_partial++] = buf[i];
	}
}

/* Everything of `fd` from `off` on. */
static void feed_from(struct nc_follow *f, struct follower *w, int fd, off_t off, long skip)
{
	char buf[8192];
	ssize_t r;

	while ((r = pread(fd, buf, sizeof(buf), off)) > 0) {
		feed(f, w, buf, (size_t)r, &skip);
		off += r;
	}
}

static long count_lines(int fd)
{
	char buf[8192];
	ssize_t r;
	off_t off = 0;
	long n = 0;

	while ((r = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (ssize_t i = 0; i < r; i++)
			n += buf[i] == '\n';
		off += r;
	}
	return n;
}

static int open_rotated(const char *log, unsigned i)
{
	char path[PATH_MAX];
	if (!rt_log_rotated_path(path, sizeof(path), log, i))
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
}

/* The rotated files (log.N ... log.1, oldest first) before the current
 * one: all of them, or what a tail of `tail` lines needs beyond the
 * `in_current` lines of the current file. */
static void emit_history(struct nc_follow *f, struct follower *w, long tail, long in_current)
{
	int fds[RT_LOG_MAX_FILES] = { -1 };
	long skip[RT_LOG_MAX_FILES] = { 0 };
	long need = tail < 0 ? -1 : tail - in_current;
	unsigned n = 0;

	if (tail >= 0 && need <= 0)
		return;
	for (unsigned i = 1; i < RT_LOG_MAX_FILES; i++) {
		int fd = open_rotated(w->log, i);
		if (fd < 0)
			break;
		fds[n++] = fd;
		if (need < 0)
			continue;
		long c = count_lines(fd);
		if (c >= need) {
			skip[n - 1] = c - need;
			break;
		}
		need -= c;
	}
	for (unsigned i = n; i-- > 0;) {
		feed_from(f, w, fds[i], 0, skip[i]);
		close(fds[i]);
	}
}

static void drain_one(struct nc_follow *f, struct follower *w)
{
	char buf[8192];
	ssize_t r;
	long none = 0;
	struct stat st;

	while ((r = read(w->fd, buf, sizeof(buf))) > 0) {
		feed(f, w, buf, (size_t)r, &none);
		w->off += r;
	}
	/* Rotated (logfmt.h): what we had not read yet went into log.1. */
	if (fstat(w->fd, &st) == 0 && st.st_size < w->off) {
		int old = open_rotated(w->log, 1);
		if (old >= 0) {
			feed_from(f, w, old, w->off, 0);
			close(old);
		}
		w->off = lseek(w->fd, 0, SEEK_SET);
		drain_one(f, w);
	}
}

void nc_follow_drain(struct nc_follow *f)
{
	char ev[4096];

	while (read(f->ino, ev, sizeof(ev)) > 0)
		;
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].fd >= 0)
			drain_one(f, &f->v[i]);
	fflush(f->out);
}

int nc_follow_fd(const struct nc_follow *f)
{
	return f->ino;
}

void nc_follow_close(struct nc_follow *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].fd >= 0)
			close(f->v[i].fd);
	if (f->ino >= 0)
		close(f->ino);
	free(f->v);
	free(f);
}

int nc_follow_open(const char *const *services, const char *const *logs, FILE *out,
		   const struct nc_follow_opts *opts, struct nc_follow **out_f, nc_err *err)
{
	struct nc_follow *f = calloc(1, sizeof(*f));
	size_t n = 0;

	while (services[n])
		n++;
	if (!f || !(f->v = calloc(n + 1, sizeof(*f->v)))) {
		free(f);
		return nc_err_errno(err, ENOMEM, "follow logs");
	}
	f->out = out;
	f->o = *opts;
	f->tty = isatty(fileno(out));
	f->n = n;
	f->ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (f->ino < 0) {
		int e = errno;
		nc_follow_close(f);
		return nc_err_errno(err, e, "follow logs: inotify");
	}
	for (size_t i = 0; i < n; i++) {
		struct follower *w = &f->v[i];
		w->service = services[i];
		w->color = colors[i % (sizeof(colors) / sizeof(colors[0]))];
		if ((int)strlen(w->service) > f->width)
			f->width = (int)strlen(w->service);
		w->log = logs[i];
		w->fd = open(logs[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (w->fd < 0 || inotify_add_watch(f->ino, logs[i], IN_MODIFY) < 0) {
			int e = errno;
			nc_follow_close(f);
			return nc_err_errno(err, e, "follow `%s`", logs[i]);
		}
	}
	/* Once every name is known (the column's width). */
	for (size_t i = 0; i < n; i++) {
		struct follower *w = &f->v[i];
		emit_history(f, w, opts->tail, opts->tail >= 0 ? count_lines(w->fd) : 0);
		if (opts->tail >= 0)
			seek_tail(w->fd, opts->tail);
		w->off = lseek(w->fd, 0, SEEK_CUR);
	}
	*out_f = f;
	return 0;
}
