/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lab/checks.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "netd/netd.h"

#define MAX_TTL 16

static const struct nc_plan_container *find(const struct nc_plan *p, const char *name)
{
	return nc_plan_container(p, name);
}

static bool resolve(const struct nc_plan *p, const struct nc_target *t, struct nc_ip *ip)
{
	if (!t->service) {
		*ip = t->ip;
		return ip->family != 0;
	}
	const struct nc_plan_container *c = find(p, t->service);
	if (!c)
		return false;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n_ifaces; i++) {
			const struct nc_plan_iface *f = &c->ifaces[i];
			if (t->ifname && strcmp(f->ifname, t->ifname))
				continue;
			const struct nc_prefix *a = pass == 0 ? &f->addr4 : &f->addr6;
			if (a->ip.family) {
				*ip = a->ip;
				return true;
			}
		}
	return false;
}

static bool is_address_of(const struct nc_plan_container *c, const struct nc_ip *ip)
{
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (nc_ip_equal(&c->ifaces[i].addr4.ip, ip) || nc_ip_equal(&c->ifaces[i].addr6.ip, ip))
			return true;
	return false;
}

static const char *kind_verb(enum nc_check_kind k)
{
	switch (k) {
	case NC_CHECK_REACH: return "reaches";
	case NC_CHECK_NOT_REACH: return "does not reach";
	case NC_CHECK_TCP: return "connects over TCP to";
	case NC_CHECK_UDP: return "gets a UDP answer from";
	}
	return "?";
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void sockaddr_of(const struct nc_ip *ip, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, ip->a, 4);
		*len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, ip->a, 16);
		*len = sizeof(*s);
	}
}

static void try_l4(struct netd *nd, int nsfd, const struct nc_ip *ip, uint16_t port, bool tcp,
		   unsigned timeout_ms, struct nc_check_result *res);

/* TCP: connect within the timeout. UDP: an answer within the timeout. A
 * refused connection is tried again until the timeout: a service exec'd
 * a moment ago may not have bound its port yet, and nothing announces it. */
static void run_l4(struct netd *nd, int nsfd, const struct nc_ip *ip, uint16_t port, bool tcp,
		   unsigned timeout_ms, struct nc_check_result *res)
{
	uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000;
	for (;;) {
		uint64_t now = now_us();
		unsigned left = now < deadline ? (unsigned)((deadline - now) / 1000) : 0;
		try_l4(nd, nsfd, ip, port, tcp, left ? left : 1, res);
		if (res->passed || !strstr(res->detail, "refused") || now_us() + 100000 > deadline)
			return;
		usleep(100 * 1000);
	}
}

static void try_l4(struct netd *nd, int nsfd, const struct nc_ip *ip, uint16_t port, bool tcp,
		   unsigned timeout_ms, struct nc_check_result *res)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	nc_err e;
	_cleanup_close_ int fd = -1;

	sockaddr_of(ip, port, &ss, &sl);
	if (netd_ns_socket(nd, nsfd, ip->family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK, 0,
			   &fd, &e) < 0) {
		snprintf(res->detail, sizeof(res->detail), "%.200s", e.msg);
		return;
	}
	uint64_t t0 = now_us();
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		snprintf(res->detail, sizeof(res->detail), "connect: %s", strerror(errno));
		return;
	}
	if (!tcp && send(fd, "ncompose-check\n", 15, 0) < 0) {
		snprintf(res->detail, sizeof(res->detail), "send: %s", strerror(errno));
		return;
	}
	struct pollfd pfd = { .fd = fd, .events = tcp ? POLLOUT : POLLIN };
	int r = poll(&pfd, 1, (int)timeout_ms);
	if (r == 0) {
		snprintf(res->detail, sizeof(res->detail), "no answer within %u ms", timeout_ms);
		return;
	}
	int soerr = 0;
	socklen_t el = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el);
	char buf[64];
	if (!tcp && !soerr && recv(fd, buf, sizeof(buf), 0) < 0)
		soerr = errno;
	if (soerr) {
		snprintf(res->detail, sizeof(res->detail), "%s",
			 soerr == ECONNREFUSED ? (tcp ? "connection refused" : "port unreachable: refused (nothing listens)")
			 : soerr == EHOSTUNREACH || soerr == ENETUNREACH ? "no route"
									: strerror(soerr));
		return;
	}
	res->passed = true;
	res->rtt_us = (unsigned)(now_us() - t0);
	snprintf(res->detail, sizeof(res->detail), "%s in %.1f ms", tcp ? "connected" : "answered",
		 res->rtt_us / 1000.0);
}

struct icmp_job {
	size_t check;
	size_t first, n; /* its probes */
};

static int run_checks(const struct nc_plan *p, const struct nc_paths *paths, struct netd *nd,
		      unsigned timeout_ms, struct nc_check_result **out, nc_err *err)
{
	const struct nc_model *m = p->model;
	size_t n = m->n_checks, n_src = p->n_containers + 1; /* the host is the last source */
	_cleanup_free_ int *nsfd = calloc(n_src, sizeof(int));
	_cleanup_free_ struct netd_probe *probes = calloc(n * MAX_TTL + 1, sizeof(*probes));
	_cleanup_free_ struct icmp_job *jobs = calloc(n + 1, sizeof(*jobs));
	struct nc_check_result *res = calloc(n + 1, sizeof(*res));
	size_t n_probes = 0, n_jobs = 0;
	int r = 0;

	if (!nsfd || !probes || !jobs || !res) {
		free(res);
		return nc_err_errno(err, ENOMEM, "run checks");
	}
	for (size_t i = 0; i < n_src; i++)
		nsfd[i] = -1;
	nsfd[n_src - 1] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	for (size_t i = 0; i < n; i++) {
		const struct nc_check *c = &m->checks[i];
		struct nc_check_result *rs = &res[i];
		struct nc_ip ip;
		size_t src = n_src - 1;

		rs->check = c;
		snprintf(rs->name, sizeof(rs->name), "%s %s %s%s%s", c->from, kind_verb(c->kind),
			 c->target.text, c->via ? " via " : "", c->via ? c->via : "");
		if (!resolve(p, &c->target, &ip)) {
			snprintf(rs->detail, sizeof(rs->detail), "`%s` has no address to aim at", c->target.text);
			continue;
		}
		nc_ip_str(&ip, rs->target);
		if (!c->from_host) {
			const struct nc_plan_container *fc = find(p, c->from);
			src = (size_t)(fc - p->containers);
			if (nsfd[src] < 0 && netd_netns_open(paths->netns_dir, fc->netns, &nsfd[src], err) < 0) {
				snprintf(rs->detail, sizeof(rs->detail), "%.200s (is the lab up?)", err->msg);
				continue;
			}
		}
		if (c->kind == NC_CHECK_TCP || c->kind == NC_CHECK_UDP) {
			run_l4(nd, nsfd[src], &ip, c->target.port, c->kind == NC_CHECK_TCP, timeout_ms, rs);
			continue;
		}
		/* ICMP: one probe, or one per TTL to see the path. */
		bool path = c->via || c->hops != NC_UNSET;
		struct icmp_job *j = &jobs[n_jobs++];
		j->check = i;
		j->first = n_probes;
		j->n = path ? MAX_TTL : 1;
		for (size_t t = 0; t < j->n; t++)
			probes[n_probes++] = (struct netd_probe){ .src = src, .dst = ip,
								  .ttl = path ? (uint8_t)(t + 1) : 0 };
	}
	if (n_probes && (r = netd_icmp_probe(nd, nsfd, n_src, probes, n_probes, timeout_ms, err)) < 0)
		goto out;

	for (size_t k = 0; k < n_jobs; k++) {
		const struct icmp_job *j = &jobs[k];
		const struct nc_check *c = &m->checks[j->check];
		struct nc_check_result *rs = &res[j->check];
		const struct netd_probe *hit = NULL;
		size_t hops = 0;
		char via_seen[160] = "", a[NC_IP_STRLEN];
		bool no_route = false, via_ok = false;

		for (size_t t = 0; t < j->n; t++) {
			const struct netd_probe *pr = &probes[j->first + t];
			if (pr->result == NETD_PROBE_REPLY && !hit) {
				hit = pr;
				hops = t + 1;
			}
			no_route |= pr->result == NETD_PROBE_NO_ROUTE || pr->result == NETD_PROBE_UNREACHABLE;
			if (pr->result == NETD_PROBE_TTL_EXCEEDED && !hit) {
				size_t l = strlen(via_seen);
				snprintf(via_seen + l, sizeof(via_seen) - l, "%s%s", l ? " > " : "",
					 nc_ip_str(&pr->from, a));
				if (c->via && is_address_of(find(p, c->via), &pr->from))
					via_ok = true;
			}
		}
		bool reached = hit != NULL;
		if (c->kind == NC_CHECK_NOT_REACH) {
			rs->passed = !reached;
			snprintf(rs->detail, sizeof(rs->detail), "%s",
				 reached ? "it answered" : no_route ? "no route" : "no answer");
			continue;
		}
		if (!reached) {
			snprintf(rs->detail, sizeof(rs->detail), "%s", no_route ? "no route" : "no answer");
			continue;
		}
		rs->rtt_us = hit->rtt_us;
		rs->passed = true;
		int o = snprintf(rs->detail, sizeof(rs->detail), "answered in %.1f ms", hit->rtt_us / 1000.0);
		if (c->via || c->hops != NC_UNSET)
			o += snprintf(rs->detail + o, sizeof(rs->detail) - (size_t)o, "; %zu hop%s%s%s", hops,
				      hops == 1 ? "" : "s", *via_seen ? " through " : "", via_seen);
		if (c->via && !via_ok) {
			rs->passed = false;
			snprintf(rs->detail + o, sizeof(rs->detail) - (size_t)o, "; not through `%s`", c->via);
		}
		if (c->hops != NC_UNSET && (int64_t)hops != c->hops) {
			rs->passed = false;
			size_t l = strlen(rs->detail);
			snprintf(rs->detail + l, sizeof(rs->detail) - l, "; expected %lld", (long long)c->hops);
		}
	}
out:
	for (size_t i = 0; i < n_src; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
	if (r < 0) {
		free(res);
		return r;
	}
	*out = res;
	return 0;
}

int nc_checks_run(const struct nc_plan *p, const struct nc_paths *paths, unsigned timeout_ms,
		  struct nc_check_result **out, nc_err *err)
{
	struct netd *nd = NULL;

	if (netd_open(&nd, err) < 0)
		return nc_err_ret(err);
	int r = run_checks(p, paths, nd, timeout_ms, out, err);
	netd_close(nd);
	return r;
}
