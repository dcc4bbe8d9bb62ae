/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/sync.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/child-util.h"

const char *rt_sync_point_name(enum rt_sync_point p)
{
	switch (p) {
	case RT_SYNC_IN_CGROUP:
		return "in-cgroup";
	case RT_SYNC_MAPPED:
		return "mapped";
	}
	return "unknown";
}

int rt_sync_pair(int fds[2], nc_err *err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return nc_err_errno(err, errno, "create the sync socket pair");
	for (int i = 0; i < 2; i++) {
		if (rt_fd_above_stdio(&fds[i], err) < 0) {
			close(fds[0]);
			close(fds[1]);
			return nc_err_ret(err);
		}
	}
	return 0;
}

static int send_msg(int fd, const struct rt_msg *m, size_t len)
{
	for (;;) {
		ssize_t n = send(fd, m, len, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static size_t msg_len(const struct rt_msg *m)
{
	return offsetof(struct rt_msg, text) + strnlen(m->text, sizeof(m->text)) + 1;
}

int rt_sync_send_point(int fd, enum rt_sync_point p, nc_err *err)
{
	struct rt_msg m = { .type = RT_MSG_SYNC, .value = (int32_t)p };
	int r = send_msg(fd, &m, msg_len(&m));
	if (r < 0)
		return rt_cerr(err, -r, "send sync point %d (%s)", (int)p, rt_sync_point_name(p));
	return 0;
}

int rt_sync_send_pid(int fd, pid_t pid, nc_err *err)
{
	struct rt_msg m = { .type = RT_MSG_PID, .value = (int32_t)pid };
	int r = send_msg(fd, &m, msg_len(&m));
	if (r < 0)
		return rt_cerr(err, -r, "send the workload's pid");
	return 0;
}

int rt_sync_send_userns(int fd, nc_err *err)
{
	struct rt_msg m = { .type = RT_MSG_USERNS };
	int r = send_msg(fd, &m, msg_len(&m));
	if (r < 0)
		return rt_cerr(err, -r, "ask for the user namespace's id maps");
	return 0;
}

void rt_sync_send_error(int fd, const nc_err *e)
{
	struct rt_msg m = { .type = RT_MSG_ERROR, .value = e->errnum };
	size_t n = strnlen(e->msg, sizeof(e->msg));
	if (n >= sizeof(m.text))
		n = sizeof(m.text) - 1;
	memcpy(m.text, e->msg, n);
	m.text[n] = '\0';
	(void)send_msg(fd, &m, msg_len(&m));
}

int rt_sync_recv(int fd, struct rt_msg *m, nc_err *err)
{
	for (;;) {
		memset(m, 0, sizeof(*m));
		ssize_t n = recv(fd, m, sizeof(*m), 0);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return rt_cerr(err, errno, "read the sync socket");
		}
		if ((size_t)n < offsetof(struct rt_msg, text))
			return nc_err_msg(err, EPROTO, "short message (%zd bytes) on the sync socket", n);
		m->text[sizeof(m->text) - 1] = '\0';
		return 1;
	}
}

int rt_sync_read_child(int fd, int (*on_msg)(const struct rt_msg *m, bool failed, void *ctx, nc_err *err),
		       void *ctx, bool *failed, nc_err *err)
{
	*failed = false;
	for (;;) {
		struct rt_msg m;
		int r = rt_sync_recv(fd, &m, err);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		if (m.type == RT_MSG_ERROR) {
			if (!*failed)
				nc_err_msg(err, m.value > 0 ? m.value : EIO, "%s", m.text);
			*failed = true;
		} else if (on_msg && (r = on_msg(&m, *failed, ctx, err)) < 0) {
			return r;
		}
	}
	return *failed ? nc_err_ret(err) : 0;
}

int rt_sync_wait_point(int fd, enum rt_sync_point p, nc_err *err)
{
	struct rt_msg m;
	int r = rt_sync_recv(fd, &m, err);
	if (r < 0)
		return r;
	if (r == 0)
		return nc_err_msg(err, EPIPE, "peer closed the sync socket before sync point %d (%s)",
				  (int)p, rt_sync_point_name(p));
	if (m.type == RT_MSG_ERROR)
		return nc_err_msg(err, m.value > 0 ? m.value : EIO, "%s", m.text);
	if (m.type != RT_MSG_SYNC || m.value != (int32_t)p)
		return nc_err_msg(err, EPROTO, "expected sync point %d (%s), got message %u/%d", (int)p,
				  rt_sync_point_name(p), m.type, m.value);
	return 0;
}
