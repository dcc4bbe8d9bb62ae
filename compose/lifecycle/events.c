/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/events.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/json.h"
#include "common/json-parse.h"
#include "common/strv.h"

void nc_event_format(struct nc_strbuf *b, long long sec, long usec, const char *project,
		     const char *service, const char *action, const char *const *attrs)
{
	char when[64], stamp[32];
	struct tm tm;
	time_t t = (time_t)sec;
	struct nc_json j;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when, sizeof(when), "%s.%06ldZ", stamp, usec);
	nc_json_init(&j, b);
	nc_json_object_begin(&j);
	nc_json_kv_string(&j, "time", when);
	nc_json_kv_string(&j, "type", "container");
	nc_json_kv_string(&j, "action", action);
	nc_json_kv_string(&j, "project", project);
	nc_json_kv_string(&j, "service", service);
	nc_json_key(&j, "attributes");
	nc_json_object_begin(&j);
	for (const char *const *a = attrs; a && a[0] && a[1]; a += 2)
		nc_json_kv_string(&j, a[0], a[1]);
	nc_json_object_end(&j);
	nc_json_object_end(&j);
	nc_strbuf_printf(b, "\n");
}

static const struct nc_jv *parse(const char *line, struct nc_arena *a)
{
	struct nc_jv *v = NULL;
	nc_err e;

	if (nc_json_parse(line, a, &v, &e) < 0 || v->kind != NC_JV_OBJECT || !nc_jv_str(v, "action"))
		return NULL;
	return v;
}

bool nc_event_text(const char *line, struct nc_strbuf *out)
{
	struct nc_arena a = { 0 };
	const struct nc_jv *v = parse(line, &a);
	bool ok = v != NULL;

	if (ok) {
		const char *t = nc_jv_str(v, "time"), *p = nc_jv_str(v, "project"),
			   *s = nc_jv_str(v, "service");
		/* "2026-12-05T17:20:01.123456Z" -> "2026-12-05 17:20:01.123456" */
		char when[64];
		snprintf(when, sizeof(when), "%s", t ? t : "-");
		char *T = strchr(when, 'T'), *Z = strchr(when, 'Z');
		if (T)
			*T = ' ';
		if (Z)
			*Z = '\0';
		nc_strbuf_printf(out, "%s %s %s %s-%s", when, nc_jv_str(v, "type") ? nc_jv_str(v, "type") : "container",
				 nc_jv_str(v, "action"), p ? p : "-", s ? s : "-");
		const struct nc_jv *at = nc_jv_get(v, "attributes");
		if (at && at->kind == NC_JV_OBJECT && at->n) {
			nc_strbuf_printf(out, " (");
			for (size_t i = 0; i < at->n; i++)
				if (at->items[i]->kind == NC_JV_STRING)
					nc_strbuf_printf(out, "%s%s=%s", i ? ", " : "", at->keys[i], at->items[i]->s);
			nc_strbuf_printf(out, ")");
		}
	}
	nc_arena_free(&a);
	return ok;
}

bool nc_event_service(const char *line, char *buf, size_t size)
{
	struct nc_arena a = { 0 };
	const struct nc_jv *v = parse(line, &a);
	const char *s = v ? nc_jv_str(v, "service") : NULL;
	bool ok = s && (size_t)snprintf(buf, size, "%s", s) < size;

	nc_arena_free(&a);
	return ok;
}

int nc_event_append(const char *dir, const char *project, const char *service, const char *action,
		    const char *const *attrs, nc_err *err)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	char path[PATH_MAX], old[PATH_MAX];
	struct timeval tv;
	struct stat st;

	if (nc_pathf(path, sizeof(path), "%s/" NC_EVENTS_FILE, dir) < 0 ||
	    nc_pathf(old, sizeof(old), "%s/" NC_EVENTS_FILE ".1", dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "events of `%s`", project);
	gettimeofday(&tv, NULL);
	nc_event_format(&b, (long long)tv.tv_sec, (long)tv.tv_usec, project, service, action, attrs);
	if (!nc_strbuf_ok(&b))
		return nc_err_errno(err, ENOMEM, "event of `%s`", service);
	/* Bounded: a full file makes way for a new one. */
	if (stat(path, &st) == 0 && st.st_size + (off_t)b.len > NC_EVENTS_MAX && rename(path, old) < 0)
		return nc_err_errno(err, errno, "rotate `%s`", path);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return nc_err_errno(err, errno, "open `%s`", path);
	/* One write(2) of one line: readers never see half an event. */
	ssize_t w = write(fd, b.s, b.len);
	if (w != (ssize_t)b.len)
		return nc_err_errno(err, w < 0 ? errno : EIO, "write `%s`", path);
	return 0;
}

struct follower {
	const char *const *services;
	bool json;
	FILE *out;
	struct nc_strbuf pending; /* a line not yet complete */
};

static bool wanted(const struct follower *f, const char *line)
{
	char svc[256];

	if (!f->services)
		return true;
	return nc_event_service(line, svc, sizeof(svc)) && nc_strv_contains(f->services, svc);
}

static void emit(struct follower *f, const char *line)
{
	if (!wanted(f, line))
		return;
	if (f->json) {
		fprintf(f->out, "%s\n", line);
	} else {
		_cleanup_strbuf_ struct nc_strbuf t = NC_STRBUF_INIT;
		if (nc_event_text(line, &t) && nc_strbuf_ok(&t))
			fprintf(f->out, "%s\n", nc_strbuf_str(&t));
	}
	fflush(f->out);
}

/* Everything new in fd, whole lines only. */
static int drain(struct follower *f, int fd, const char *path, nc_err *err)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		nc_strbuf_appendn(&f->pending, buf, (size_t)n);
		if (!nc_strbuf_ok(&f->pending))
			return nc_err_errno(err, ENOMEM, "read `%s`", path);
		char *s = f->pending.s, *nl;
		while ((nl = memchr(s, '\n', f->pending.len - (size_t)(s - f->pending.s)))) {
			*nl = '\0';
			emit(f, s);
			s = nl + 1;
		}
		size_t rest = f->pending.len - (size_t)(s - f->pending.s);
		memmove(f->pending.s, s, rest);
		f->pending.len = rest;
		f->pending.s[rest] = '\0';
	}
	return n < 0 ? nc_err_errno(err, errno, "read `%s`", path) : 0;
}

int nc_events_follow(const char *dir, const char *const *services, bool json, FILE *out,
		     nc_err *err)
{
	struct follower f = { .services = services, .json = json, .out = out, .pending = NC_STRBUF_INIT };
	char path[PATH_MAX];
	struct stat dst, st, cur;
	int r = 0;

	if (nc_pathf(path, sizeof(path), "%s/" NC_EVENTS_FILE, dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "events in `%s`", dir);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &dst) < 0)
		return nc_err_errno(err, errno, "open `%s`", dir);
	_cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF) < 0)
		return nc_err_errno(err, errno, "watch `%s`", dir);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		lseek(fd, 0, SEEK_END); /* what happens from now on, as Compose */
	for (;;) {
		if (fd >= 0 && (r = drain(&f, fd, path, err)) < 0)
			break;
		/* Rotated or created: finish the old file, then take the new. */
		if (stat(path, &st) == 0 && (fd < 0 || (fstat(fd, &cur) == 0 && cur.st_ino != st.st_ino))) {
			int nfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nfd >= 0) {
				/* Lines written to the old file before the rename. */
				if (fd >= 0 && (r = drain(&f, fd, path, err)) < 0) {
					close(nfd);
					break;
				}
				if (fd >= 0)
					close(fd);
				fd = nfd;
				continue;
			}
		}
		/* Removed by `down` (the inode has no name any more). */
		if (fstat(dfd, &dst) < 0 || dst.st_nlink == 0)
			break;
		struct pollfd p = { .fd = in, .events = POLLIN };
		/* The timeout only guards against a missed notification. */
		if (poll(&p, 1, 1000) < 0 && errno != EINTR) {
			r = nc_err_errno(err, errno, "watch `%s`", dir);
			break;
		}
		char ev[4096];
		while (read(in, ev, sizeof(ev)) > 0) {
		}
	}
	if (r == 0 && fd >= 0)
		r = drain(&f, fd, path, err);
	nc_strbuf_free(&f.pending);
	return r;
}
