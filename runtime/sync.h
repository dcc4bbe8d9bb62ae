/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parent <-> child protocol of container start and exec: typed,
 * fixed-size messages over a SOCK_SEQPACKET socketpair (one message per
 * send, boundaries kept, and EOF when every copy of the peer's end is
 * closed). Both ends are close-on-exec, so "the workload has exec'd" is
 * the parent seeing EOF after the child's last message.
 *
 * Sync points are numbered and named; both sides use the same names:
 *   1 RT_SYNC_IN_CGROUP  parent -> child: the child is in its cgroup (attached,
 *                        or born there with CLONE_INTO_CGROUP); it may now
 *                        unshare its cgroup namespace and go on.
 *   2 RT_SYNC_MAPPED     parent -> child, only after the child sent
 *                        RT_MSG_USERNS: its uid_map and gid_map are written.
 * Then the child sends at most: RT_MSG_PID (the workload's pid in the
 * container) and RT_MSG_ERROR ({errno, one line}), in either order.
 */
#ifndef NC_RUNTIME_SYNC_H
#define NC_RUNTIME_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

enum rt_msg_type {
	RT_MSG_SYNC = 1,  /* value: enum rt_sync_point */
	RT_MSG_ERROR = 2, /* value: errno; text: the message */
	RT_MSG_PID = 3,   /* value: a pid as the sender sees it */
	RT_MSG_USERNS = 4, /* the child entered its user namespace: map it */
};

enum rt_sync_point {
	RT_SYNC_IN_CGROUP = 1,
	RT_SYNC_MAPPED = 2,
};

struct rt_msg {
	uint32_t type;
	int32_t value;
	char text[NC_ERR_MSG_MAX];
};

const char *rt_sync_point_name(enum rt_sync_point p);

/* A SOCK_SEQPACKET|SOCK_CLOEXEC pair, both ends above stdio. */
int rt_sync_pair(int fds[2], nc_err *err);

/* Child-safe senders (no allocation; MSG_NOSIGNAL so a dead parent is an
 * error, not SIGPIPE). */
int rt_sync_send_point(int fd, enum rt_sync_point p, nc_err *err);
int rt_sync_send_pid(int fd, pid_t pid, nc_err *err);
int rt_sync_send_userns(int fd, nc_err *err);
/* Best effort: the sender is about to _exit() anyway. */
void rt_sync_send_error(int fd, const nc_err *e);

/* One message: 1, 0 on EOF, < 0 on error. */
int rt_sync_recv(int fd, struct rt_msg *m, nc_err *err);

/*
 * The parent's reader of a child's messages, until EOF (the child exec'd
 * or exited). The first RT_MSG_ERROR becomes *err and *failed; the read
 * goes on to EOF, so the child has said everything. Any other message goes
 * to on_msg (NULL: ignored) with `failed` so far; its failure ends the
 * read. 0 when the child ended its side without an error; < 0 with
 * *failed false when the socket or on_msg failed.
 */
int rt_sync_read_child(int fd, int (*on_msg)(const struct rt_msg *m, bool failed, void *ctx, nc_err *err),
		       void *ctx, bool *failed, nc_err *err);

/* Waits for sync point `p`. An error message from the peer becomes *err;
 * EOF and any other message are errors naming the point. Child-safe. */
int rt_sync_wait_point(int fd, enum rt_sync_point p, nc_err *err);

#endif
