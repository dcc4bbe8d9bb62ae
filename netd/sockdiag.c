/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sockets the host's own processes wait on: listening TCP sockets and
 * bound, unconnected UDP sockets, asked of the kernel over
 * NETLINK_SOCK_DIAG (inet_diag, SOCK_DIAG_BY_FAMILY with
 * inet_diag_req_v2), as ss(8) asks. For the preflight that keeps a
 * published port off a port the host already serves.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "netd/netd-internal.h"
#include "netd/nsswitch.h"

struct sock_list {
	struct netd_host_socket *v;
	size_t n, cap;
	bool oom;
	uint8_t proto; /* of the dump in progress */
};

int netd_sockdiag_parse(const struct nlmsghdr *nlh, uint8_t proto, struct netd_host_socket *out)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return -EINVAL;
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->proto = proto;
	out->addr.family = m->idiag_family;
	memcpy(out->addr.a, m->id.idiag_src, nc_ip_bytes(m->idiag_family));
	out->port = ntohs(m->id.idiag_sport);
	out->inode = m->idiag_inode;
	out->uid = m->idiag_uid;
	/* The kernel adds INET_DIAG_SKV6ONLY to every IPv6 socket (since
	 * 3.17); an older kernel's [::] socket counts as dual-stack, which
	 * errs on the side of refusing. */
	mnl_attr_for_each(a, nlh, sizeof(*m))
	{
		if (mnl_attr_get_type(a) == INET_DIAG_SKV6ONLY && mnl_attr_get_payload_len(a) >= 1)
			out->v6only = mnl_attr_get_u8(a) != 0;
	}
	return 0;
}

static int sock_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sock_list *l = data;
	struct netd_host_socket s;

	if (netd_sockdiag_parse(nlh, l->proto, &s) < 0)
		return 0;
	/* Unbound UDP sockets (a client before its first send) hold no port. */
	if (!s.port)
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		struct netd_host_socket *v = realloc(l->v, ncap * sizeof(*v));
		if (!v) {
			l->oom = true;
			return 0;
		}
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n++] = s;
	return 0;
}

static int open_diag(void *data, nc_err *err)
{
	return nc_nl_open_proto(data, NETLINK_SOCK_DIAG, err);
}

static int collect(struct nc_nl *nl, struct sock_list *l, nc_err *err)
{
	/* TCP: listening only (an established socket's port is the other
	 * end's business). UDP: unconnected only, the sockets that take
	 * datagrams from anyone; a connected one talks to its one peer. */
	static const struct {
		uint8_t proto;
		uint32_t states;
	} kinds[] = {
		{ IPPROTO_TCP, 1u << TCP_LISTEN },
		{ IPPROTO_UDP, 1u << TCP_CLOSE },
	};
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	int r = 0;

	for (size_t k = 0; k < NC_ELEMENTSOF(kinds) && r == 0; k++)
		for (size_t f = 0; f < NC_ELEMENTSOF(families) && r == 0; f++) {
			struct nlmsghdr *nlh = nc_nl_msg(nl, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP,
							 sizeof(struct inet_diag_req_v2),
							 "list the host's %s sockets",
							 kinds[k].proto == IPPROTO_TCP ? "TCP" : "UDP");
			struct inet_diag_req_v2 *req = mnl_nlmsg_get_payload(nlh);
			req->sdiag_family = families[f];
			req->sdiag_protocol = kinds[k].proto;
			req->idiag_states = kinds[k].states;
			l->proto = kinds[k].proto;
			r = nc_nl_dump(nl, sock_cb, l, err);
		}
	return r;
}

int netd_host_sockets(struct netd *nd, struct netd_host_socket **out, size_t *n, nc_err *err)
{
	struct sock_list l = { 0 };
	struct nc_nl nl = { 0 };
	int r;

	/* The socket answers for the namespace it is made in: the session's,
	 * where the lab's ports are published. */
	if ((r = netd_in_netns(nd->nsfd, open_diag, &nl, err)) < 0) {
		nc_nl_close(&nl); /* opened, but the way back failed */
		return r;
	}
	for (int tries = 0;; tries++) {
		l.n = 0;
		r = collect(&nl, &l, err);
		if (r != -EAGAIN || tries == 3)
			break;
	}
	nc_nl_close(&nl);
	if (r == 0 && l.oom)
		r = nc_err_errno(err, ENOMEM, "list the host's sockets");
	if (r < 0) {
		free(l.v);
		return r;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
