/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/control.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"

static int address(const char *dir, struct sockaddr_un *sa, nc_err *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/" NC_CONTROL_NAME, dir);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return nc_err_errno(err, ENAMETOOLONG, "control socket in `%s`", dir);
	return 0;
}

int nc_control_listen(const char *dir, int *fd_out, nc_err *err)
{
	struct sockaddr_un sa;
	int r;

	if ((r = address(dir, &sa, err)) < 0)
		return r;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nc_err_errno(err, errno, "create control socket");
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return nc_err_errno(err, errno, "bind control socket `%s`", sa.sun_path);
	if (listen(fd, 16) < 0)
		return nc_err_errno(err, errno, "listen on `%s`", sa.sun_path);
	*fd_out = TAKE_FD(fd);
	return 0;
}

static int wait_fd(int fd, short events, unsigned timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;
	do
		r = poll(&p, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

int nc_control_call(const char *dir, const char *req, size_t len, unsigned timeout_ms,
		    struct nc_records *reply, nc_err *err)
{
	struct sockaddr_un sa;
	int r;

	reply->v = NULL;
	reply->n = 0;
	if ((r = address(dir, &sa, err)) < 0)
		return r;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nc_err_errno(err, errno, "create control socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return nc_err_errno(err, errno, "connect to the supervisor (`%s`)", sa.sun_path);
	if (send(fd, req, len, MSG_NOSIGNAL) < 0)
		return nc_err_errno(err, errno, "send to the supervisor");
	if ((r = wait_fd(fd, POLLIN, timeout_ms)) < 0)
		return nc_err_errno(err, -r, "wait for the supervisor");
	_cleanup_free_ char *buf = malloc(NC_CONTROL_MAX);
	if (!buf)
		return nc_err_errno(err, ENOMEM, "read the supervisor's reply");
	ssize_t n = recv(fd, buf, NC_CONTROL_MAX, 0);
	if (n < 0)
		return nc_err_errno(err, errno, "read the supervisor's reply");
	if (n == 0)
		return nc_err_msg(err, ECONNRESET, "the supervisor closed the connection without a reply");
	if ((r = nc_records_parse(buf, (size_t)n, reply, err)) < 0)
		return r;
	if (reply->n && !strcmp(reply->v[0].f[0], "error")) {
		nc_err_msg(err, EIO, "%s", nc_record_field(&reply->v[0], 1) ? reply->v[0].f[1] : "failed");
		nc_records_free(reply);
		return -EIO;
	}
	return 0;
}

int nc_control_call_fields(const char *dir, unsigned timeout_ms, struct nc_records *reply,
			   nc_err *err, const char *verb, ...)
{
	const char *f[16];
	size_t n = 0;
	va_list ap;

	f[n++] = verb;
	va_start(ap, verb);
	for (const char *s; n < NC_ELEMENTSOF(f) && (s = va_arg(ap, const char *));)
		f[n++] = s;
	va_end(ap);
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	nc_record_append(&b, f, n);
	if (!nc_strbuf_ok(&b))
		return nc_err_errno(err, ENOMEM, "request `%s`", verb);
	return nc_control_call(dir, b.s, b.len, timeout_ms, reply, err);
}

int nc_control_recv(int conn, struct nc_records *req, nc_err *err)
{
	_cleanup_free_ char *buf = malloc(NC_CONTROL_MAX);

	req->v = NULL;
	req->n = 0;
	if (!buf)
		return nc_err_errno(err, ENOMEM, "read a control request");
	ssize_t n = recv(conn, buf, NC_CONTROL_MAX, 0);
	if (n < 0)
		return nc_err_errno(err, errno, "read a control request");
	if (n == 0)
		return nc_err_msg(err, ECONNRESET, "control client went away");
	int r = nc_records_parse(buf, (size_t)n, req, err);
	if (r == 0 && req->n == 0)
		return nc_err_msg(err, EINVAL, "empty control request");
	return r;
}

int nc_control_send(int conn, const struct nc_strbuf *reply, nc_err *err)
{
	if (!nc_strbuf_ok(reply))
		return nc_err_errno(err, ENOMEM, "control reply");
	if (send(conn, nc_strbuf_str(reply), reply->len, MSG_NOSIGNAL) < 0)
		return nc_err_errno(err, errno, "send control reply");
	return 0;
}
