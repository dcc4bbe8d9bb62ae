/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small rtnetlink engine over libmnl: one socket per session, requests
 * that carry NLM_F_ACK and a sequence number, answers matched back to their
 * request by that number, and failures returned with the kernel's errno
 * *and* its extended ACK text. libmnl's mnl_cb_run() folds an NLMSG_ERROR
 * into errno and drops the extack, so this reads error messages itself.
 *
 * Requests are pipelined: nc_nl_msg() queues, nc_nl_flush() sends the whole
 * queue (in chunks of NC_NL_CHUNK messages per sendmsg) and reads one ACK per
 * request. The kernel runs the messages of one sendmsg in order, each to its
 * end, and does not stop at a failed one; so a batch may put an address
 * before the route that needs it, but must not put anything after a request
 * whose failure should stop it. Each request carries a label that names its
 * object, and a failure is reported with the label of the request that
 * failed, not of the batch.
 *
 * Everything lives in the session (no globals): several sessions may be
 * used by several threads at once, one session by one thread.
 */
#ifndef NC_NETD_NL_H
#define NC_NETD_NL_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define NC_NL_EXTACK_MAX 256
#define NC_NL_WHAT_MAX 160
/* Room reserved for one message: the largest we build (a veth with an
 * alias-sized name, a peer nest and a MAC) is far below it. */
#define NC_NL_MSG_MAX 4096
/* Messages per sendmsg: their ACKs (about 1 KiB of receive buffer each as
 * the kernel accounts them) and GETLINK answers must fit the socket's
 * receive buffer, or the kernel drops them and recv says ENOBUFS. */
#define NC_NL_CHUNK 32

struct nc_nl_req {
	uint32_t seq;
	size_t off;     /* in tx */
	bool dump;      /* ends with NLMSG_DONE, not an ACK */
	bool done;
	int error;      /* positive errno, 0 = success */
	char what[NC_NL_WHAT_MAX];
	char extack[NC_NL_EXTACK_MAX];
};

/* A callback for answers (GETLINK, dumps); < 0 stops nothing but turns
 * the exchange into a failure (EINVAL). */
typedef int (*nc_nl_cb)(const struct nlmsghdr *nlh, void *data);

struct nc_nl {
	struct mnl_socket *sk; /* NULL: a queue only (unit tests build messages) */
	uint32_t portid;
	uint32_t seq;          /* the next sequence number */
	char *tx;              /* queued requests, back to back */
	size_t tx_cap;
	struct nc_nl_req *req; /* one per queued request */
	size_t n_req, req_cap;
	bool oom;              /* a nc_nl_msg() could not grow the queue */
	bool flushed;          /* req[] holds outcomes; the next nc_nl_msg() clears it */
	char *rx;
	bool interrupted;      /* a dump saw NLM_F_DUMP_INTR */
	nc_nl_cb cb;           /* for answers of the exchange in progress */
	void *cb_data;
	bool cb_failed;
	/* What nc_nl_msg() hands out when out of memory. */
	uint32_t scratch[NC_NL_MSG_MAX / sizeof(uint32_t)];
};

/* Opens a NETLINK_ROUTE socket in the calling thread's network namespace. */
int nc_nl_open(struct nc_nl *nl, nc_err *err);
/* The same engine over another netlink protocol (NETLINK_SOCK_DIAG). */
int nc_nl_open_proto(struct nc_nl *nl, int proto, nc_err *err);
void nc_nl_close(struct nc_nl *nl);

/* Queues a request of `type` with `flags` | NLM_F_REQUEST (| NLM_F_ACK
 * unless it is a dump), a zeroed family header of `hdrlen` bytes, and a
 * label naming its object ("create veth `x`"). Returns the message to fill,
 * valid until the next nc_nl_msg(). Never NULL: when out of memory it
 * returns a scratch message and the next flush fails with ENOMEM. */
struct nlmsghdr *nc_nl_msg(struct nc_nl *nl, uint16_t type, uint16_t flags, size_t hdrlen,
			   const char *what, ...) __attribute__((format(printf, 5, 6)));

/* Bytes of the queue and the number of requests in it (for tests). */
size_t nc_nl_queued_bytes(const struct nc_nl *nl);
static inline size_t nc_nl_queued(const struct nc_nl *nl)
{
	return nl->n_req;
}
/* The i-th queued request (for tests and for callers that inspect the
 * outcome of each request after a flush, until the next nc_nl_msg()). */
const struct nlmsghdr *nc_nl_queued_msg(const struct nc_nl *nl, size_t i);

/* Drops the queue without sending it. */
void nc_nl_discard(struct nc_nl *nl);

/*
 * Sends every queued request and reads every answer. Returns 0, or the
 * first failure in queue order, as "<label>: <strerror> (kernel: <extack>)"
 * and -errno. Errors listed in `ignore` (0-terminated, may be NULL) count as
 * success (ENODEV for an idempotent delete). Answers other than ACKs go to
 * `cb` (may be NULL). The outcome of every request stays readable in
 * nl->req[] until the next nc_nl_msg().
 */
int nc_nl_flush_cb(struct nc_nl *nl, const int *ignore, nc_nl_cb cb, void *data, nc_err *err);

static inline int nc_nl_flush(struct nc_nl *nl, const int *ignore, nc_err *err)
{
	return nc_nl_flush_cb(nl, ignore, NULL, NULL, err);
}

/* A dump: the queue must hold exactly one request, with NLM_F_DUMP. cb sees
 * every answer until NLMSG_DONE. -EAGAIN when the kernel says the dump was
 * interrupted by a concurrent change (NLM_F_DUMP_INTR): the answers may be
 * inconsistent; collect again. */
int nc_nl_dump(struct nc_nl *nl, nc_nl_cb cb, void *data, nc_err *err);

/*
 * The receive side without a socket: takes one buffer of answers as recv()
 * gave it, marks the requests they answer, and calls nl->cb for data.
 * Answers whose sequence number is not in the queue (left over from an
 * exchange cut short) are ignored. Returns the number of requests it
 * completed. Exposed for tests.
 */
size_t nc_nl_consume(struct nc_nl *nl, const void *buf, size_t len);

/* The verdict on the queued requests as answered so far: what
 * nc_nl_flush_cb() returns once every answer is in. Exposed for tests. */
int nc_nl_outcome(struct nc_nl *nl, const int *ignore, nc_err *err);

/* The NLMSGERR_ATTR_MSG text of an NLMSG_ERROR (or of the NLMSG_DONE of a
 * failed dump) into out; "" when there is none. Pure; exposed for tests. */
void nc_nl_extack(const struct nlmsghdr *nlh, char *out, size_t size);

#endif
