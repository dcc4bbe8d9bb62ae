/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netd/nl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* One recv: a dump part is at most 32 KiB (netlink_dump() grows its skb up
 * to that when the reader's buffer allows), twice that leaves margin. */
#define NC_NL_RX (64 * 1024)
/* Receive buffer asked for: a chunk of GETLINK answers fits with room. */
#define NC_NL_RCVBUF (1024 * 1024)

int nc_nl_open(struct nc_nl *nl, nc_err *err)
{
	return nc_nl_open_proto(nl, NETLINK_ROUTE, err);
}

int nc_nl_open_proto(struct nc_nl *nl, int proto, nc_err *err)
{
	const char *name = proto == NETLINK_ROUTE ? "rtnetlink" : "netlink";
	int one = 1, rcvbuf = NC_NL_RCVBUF;

	memset(nl, 0, sizeof(*nl));
	nl->seq = 1;
	nl->rx = malloc(NC_NL_RX);
	if (!nl->rx)
		return nc_err_errno(err, ENOMEM, "open %s socket", name);
	nl->sk = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!nl->sk) {
		int e = errno;
		nc_nl_close(nl);
		return nc_err_errno(err, e, "open %s socket", name);
	}
	/* The kernel's reason in words (since 4.12), and ACKs without a copy
	 * of our request (since 4.3). Older kernels ignore both. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	/* FORCE passes net.core.rmem_max with CAP_NET_ADMIN; without it the
	 * default (about 200 KiB) still holds a chunk of ACKs. */
	if (setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf));
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		nc_nl_close(nl);
		return nc_err_errno(err, e, "bind %s socket", name);
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	return 0;
}

void nc_nl_close(struct nc_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->tx);
	free(nl->req);
	free(nl->rx);
	nl->sk = NULL;
	nl->tx = NULL;
	nl->req = NULL;
	nl->rx = NULL;
	nl->n_req = nl->req_cap = nl->tx_cap = 0;
}

size_t nc_nl_queued_bytes(const struct nc_nl *nl)
{
	if (!nl->n_req)
		return 0;
	/* The last message's length is final only once its attributes are
	 * in, so it is read when needed rather than kept. */
	const struct nc_nl_req *last = &nl->req[nl->n_req - 1];
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(nl->tx + last->off);
	return last->off + NLMSG_ALIGN(nlh->nlmsg_len);
}

const struct nlmsghdr *nc_nl_queued_msg(const struct nc_nl *nl, size_t i)
{
	return i < nl->n_req ? (const struct nlmsghdr *)(nl->tx + nl->req[i].off) : NULL;
}

void nc_nl_discard(struct nc_nl *nl)
{
	nl->n_req = 0;
	nl->oom = false;
	nl->flushed = false;
}

static bool grow(struct nc_nl *nl, size_t off)
{
	if (nl->tx_cap < off + NC_NL_MSG_MAX) {
		size_t ncap = nl->tx_cap ? nl->tx_cap : 4 * NC_NL_MSG_MAX;
		while (ncap < off + NC_NL_MSG_MAX)
			ncap *= 2;
		char *n = realloc(nl->tx, ncap);
		if (!n)
			return false;
		nl->tx = n;
		nl->tx_cap = ncap;
	}
	if (nl->n_req == nl->req_cap) {
		size_t ncap = nl->req_cap ? nl->req_cap * 2 : 16;
		struct nc_nl_req *n = realloc(nl->req, ncap * sizeof(*n));
		if (!n)
			return false;
		nl->req = n;
		nl->req_cap = ncap;
	}
	return true;
}

struct nlmsghdr *nc_nl_msg(struct nc_nl *nl, uint16_t type, uint16_t flags, size_t hdrlen,
			   const char *what, ...)
{
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
	char *at;

	if (nl->flushed)
		nc_nl_discard(nl);
	size_t off = nc_nl_queued_bytes(nl);
	if (!nl->oom && !grow(nl, off))
		nl->oom = true;
	at = nl->oom ? (char *)nl->scratch : nl->tx + off;
	memset(at, 0, NC_NL_MSG_MAX);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	nlh->nlmsg_type = type;
	/* A dump ends with NLMSG_DONE; an ACK on top would only be noise. */
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK) | flags);
	if (hdrlen)
		mnl_nlmsg_put_extra_header(nlh, hdrlen);
	if (nl->oom)
		return nlh;

	struct nc_nl_req *req = &nl->req[nl->n_req++];
	va_list ap;
	memset(req, 0, sizeof(*req));
	req->seq = nlh->nlmsg_seq = nl->seq++;
	req->off = off;
	req->dump = dump;
	va_start(ap, what);
	vsnprintf(req->what, sizeof(req->what), what, ap);
	va_end(ap);
	return nlh;
}

void nc_nl_extack(const struct nlmsghdr *nlh, char *out, size_t size)
{
	size_t total = mnl_nlmsg_get_payload_len(nlh), off;
	const char *base = mnl_nlmsg_get_payload(nlh);

	out[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = (const struct nlmsgerr *)base;
		if (total < sizeof(*e))
			return;
		/* With NETLINK_CAP_ACK the request is not echoed back; without
		 * it, its payload sits between the error and the TLVs. */
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > sizeof(struct nlmsghdr))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	} else {
		off = sizeof(int); /* NLMSG_DONE of a dump: the error, then TLVs */
	}
	off = MNL_ALIGN(off);
	if (off >= total)
		return;
	const struct nlattr *attr = (const struct nlattr *)(base + off);
	for (int left = (int)(total - off); mnl_attr_ok(attr, left);) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(out, size, "%s", mnl_attr_get_str(attr));
			return;
		}
		left -= (int)MNL_ALIGN(attr->nla_len);
		attr = mnl_attr_next(attr);
	}
}

static struct nc_nl_req *find_req(struct nc_nl *nl, const struct nlmsghdr *nlh)
{
	if (!nl->n_req || nlh->nlmsg_pid != nl->portid)
		return NULL;
	uint32_t i = nlh->nlmsg_seq - nl->req[0].seq; /* wraps like the counter */
	if (i >= nl->n_req || nl->req[i].done)
		return NULL;
	return &nl->req[i];
}

size_t nc_nl_consume(struct nc_nl *nl, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	size_t completed = 0;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nc_nl_req *req = find_req(nl, nlh);
		if (!req)
			continue; /* not ours, or left over from an exchange cut short */
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			continue;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
				req->error = EBADMSG;
			else if (e->error) {
				req->error = -e->error;
				nc_nl_extack(nlh, req->extack, sizeof(req->extack));
			}
			req->done = true;
			completed++;
			continue;
		}
		case NLMSG_DONE:
			if (!req->dump)
				continue;
			/* A dump that failed midway says so here, not in an
			 * NLMSG_ERROR. */
			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
				int e = *(const int *)mnl_nlmsg_get_payload(nlh);
				if (e < 0) {
					req->error = -e;
					nc_nl_extack(nlh, req->extack, sizeof(req->extack));
				}
			}
			req->done = true;
			completed++;
			continue;
		default:
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				nl->interrupted = true;
			if (nl->cb && nl->cb(nlh, nl->cb_data) < 0)
				nl->cb_failed = true;
		}
	}
	return completed;
}

static bool ignored(const int *ignore, int e)
{
	for (; ignore && *ignore; ignore++)
		if (*ignore == e)
			return true;
	return false;
}

/* Sends requests [first, last) in one sendmsg and reads until each has its
 * answer. */
static int exchange(struct nc_nl *nl, size_t first, size_t last, nc_err *err)
{
	size_t from = nl->req[first].off;
	size_t to = last == nl->n_req ? nc_nl_queued_bytes(nl) : nl->req[last].off;
	size_t pending = last - first;

	if (mnl_socket_sendto(nl->sk, nl->tx + from, to - from) < 0)
		return nc_err_errno(err, errno, "%s: send", nl->req[first].what);
	while (pending) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, nl->rx, NC_NL_RX);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: the kernel dropped answers; waiting for
			 * them would wait forever. */
			return nc_err_errno(err, errno, "%s: receive the answer",
					    nl->req[first].what);
		}
		size_t got = nc_nl_consume(nl, nl->rx, (size_t)n);
		pending -= got < pending ? got : pending;
	}
	return 0;
}

int nc_nl_flush_cb(struct nc_nl *nl, const int *ignore, nc_nl_cb cb, void *data, nc_err *err)
{
	size_t n = nl->flushed ? 0 : nl->n_req;
	int r = 0;

	if (nl->oom) {
		nc_nl_discard(nl);
		return nc_err_errno(err, ENOMEM, "queue a netlink request");
	}
	if (!n)
		return 0;
	if (!nl->sk) {
		int r0 = nc_err_errno(err, ENOTCONN, "%s: no netlink socket", nl->req[0].what);
		nc_nl_discard(nl);
		return r0;
	}
	nl->cb = cb;
	nl->cb_data = data;
	nl->cb_failed = false;
	nl->interrupted = false;
	nl->flushed = true;
	for (size_t first = 0; first < n && r == 0; first += NC_NL_CHUNK)
		r = exchange(nl, first, first + NC_NL_CHUNK < n ? first + NC_NL_CHUNK : n, err);
	nl->cb = NULL;
	if (r < 0)
		return r;

	return nc_nl_outcome(nl, ignore, err);
}

int nc_nl_outcome(struct nc_nl *nl, const int *ignore, nc_err *err)
{
	struct nc_nl_req *bad = NULL;
	size_t more = 0;

	/* The first failure in queue order, named by its own label. */
	for (size_t i = 0; i < nl->n_req; i++) {
		if (!nl->req[i].error || ignored(ignore, nl->req[i].error))
			continue;
		if (bad)
			more++;
		else
			bad = &nl->req[i];
	}
	if (bad) {
		char tail[64] = "";
		if (more)
			snprintf(tail, sizeof(tail), " (and %zu more request%s of the batch)", more,
				 more > 1 ? "s" : "");
		return nc_err_extack(err, bad->error, bad->extack, "%s%s", bad->what, tail);
	}
	for (size_t i = 0; i < nl->n_req; i++)
		if (!nl->req[i].done)
			return nc_err_errno(err, EIO, "%s: no answer", nl->req[i].what);
	if (nl->cb_failed)
		return nc_err_errno(err, EINVAL, "%s: unexpected answer",
				    nl->n_req ? nl->req[0].what : "netlink");
	return 0;
}

int nc_nl_dump(struct nc_nl *nl, nc_nl_cb cb, void *data, nc_err *err)
{
	if (nl->oom || nl->flushed || nl->n_req != 1 || !nl->req[0].dump) {
		nc_nl_discard(nl);
		return nc_err_errno(err, EINVAL, "a netlink dump must go alone");
	}
	int r = nc_nl_flush_cb(nl, NULL, cb, data, err);
	if (r == 0 && nl->interrupted)
		return nc_err_errno(err, EAGAIN, "%s: interrupted by a concurrent change",
				    nl->req[0].what);
	return r;
}
