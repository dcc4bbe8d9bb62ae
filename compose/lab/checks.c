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
#include "common/strv.h"
#include "compose/file/model.h"
#include "netd/netd.h"

/* The TTLs a path check tries: 1 to its `hops` and one more (to tell
 * "farther" from "no answer"), or, without `hops`, to the kernel's
 * default TTL (a target farther away answers with too small a TTL to be
 * heard anyway, unless its lab raises net.ipv4.ip_default_ttl: then the
 * check says how far with `hops`). */
#define DEFAULT_PATH_TTL 64
#define MAX_TTL 255
#define PATH_TRIES 5
#define PATH_BACKOFF_MS 250 /* doubled at each try: 250, 500, 1000, 2000 */

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
		if (res->passed || !strstr(res->detail, "refused") || now_us() + 100000 > deadline ||
		    res->check->expect_fail)
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
	size_t check;    /* index into the results */
	size_t first, n; /* its probes (shared by path checks of one source and target) */
	bool path;
	bool shared;     /* its probes are another job's */
};

struct run {
	const struct nc_plan *p;
	const struct nc_paths *paths;
	const struct nc_checks_opts *o;
	struct netd *nd;
	uint64_t t0;
	unsigned tries;
};

unsigned nc_checks_path_tries(void)
{
	const char *e = getenv("NCOMPOSE_CHECK_PATH_TRIES");
	char *end;
	unsigned long v = e && *e ? strtoul(e, &end, 10) : 0;
	return e && *e && !*end && v >= 1 && v <= 20 ? (unsigned)v : PATH_TRIES;
}

bool nc_checks_has_set(const struct nc_model *m, const char *set)
{
	for (size_t i = 0; i < m->n_checks; i++)
		if (m->checks[i].set && !strcmp(m->checks[i].set, set))
			return true;
	return false;
}

static bool selected(const struct nc_check *c, const char *const *sets)
{
	return !sets || (c->set && nc_strv_contains(sets, c->set));
}

/* A service the check names that is not running: the check is an error
 * ("service `r2` is not running (exited 1)") rather than a timeout. */
static bool service_down(const struct run *ru, const struct nc_check *c, char *why, size_t size)
{
	const char *names[] = { c->from_host ? NULL : c->from, c->target.service, c->via };
	char reason[128];

	if (!ru->o->down)
		return false;
	for (size_t i = 0; i < NC_ELEMENTSOF(names); i++)
		if (names[i] && ru->o->down(ru->o->down_ctx, names[i], reason, sizeof(reason))) {
			snprintf(why, size, "service `%s` %s", names[i], reason);
			return true;
		}
	return false;
}

/* The path probes that got nothing before the first echo reply (all of
 * them without one): the hops a rate limit may have kept quiet. */
static size_t missing_hops(const struct netd_probe *pr, size_t n, size_t *idx, size_t base)
{
	size_t reply = n, k = 0;
	for (size_t t = 0; t < n; t++)
		if (pr[t].result == NETD_PROBE_REPLY) {
			reply = t;
			break;
		}
	for (size_t t = 0; t < reply; t++)
		if (pr[t].result == NETD_PROBE_NO_ANSWER)
			idx[k++] = base + t;
	return k;
}

/* Asks again for hops that did not answer, waiting longer each time, and
 * keeps whatever answer comes: a router's token bucket refills one "time
 * exceeded" per icmp_ratelimit (1 s by default). */
static int retry_paths(struct run *ru, const int *nsfd, size_t n_src, struct netd_probe *probes,
		       const struct icmp_job *jobs, size_t n_jobs, nc_err *err)
{
	size_t n_probes = 0;
	for (size_t k = 0; k < n_jobs; k++)
		n_probes += jobs[k].path ? jobs[k].n : 0;
	if (!n_probes)
		return 0;
	_cleanup_free_ size_t *idx = calloc(n_probes, sizeof(*idx));
	_cleanup_free_ struct netd_probe *again = calloc(n_probes, sizeof(*again));
	if (!idx || !again)
		return nc_err_errno(err, ENOMEM, "run checks");

	unsigned backoff = PATH_BACKOFF_MS;
	for (unsigned t = 1; t < ru->tries; t++, backoff *= 2) {
		size_t n = 0;
		for (size_t k = 0; k < n_jobs; k++)
			if (jobs[k].path && !jobs[k].shared)
				n += missing_hops(&probes[jobs[k].first], jobs[k].n, idx + n, jobs[k].first);
		if (!n)
			return 0;
		usleep(backoff * 1000);
		for (size_t i = 0; i < n; i++)
			again[i] = (struct netd_probe){ .src = probes[idx[i]].src, .dst = probes[idx[i]].dst,
							.ttl = probes[idx[i]].ttl };
		int r = netd_icmp_probe(ru->nd, nsfd, n_src, again, n, ru->o->timeout_ms, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			if (again[i].result != NETD_PROBE_NO_ANSWER)
				probes[idx[i]] = again[i];
	}
	return 0;
}

static void judge_icmp(const struct run *ru, const struct icmp_job *j, const struct netd_probe *probes,
		       struct nc_check_result *rs)
{
	const struct nc_plan *p = ru->p;
	const struct nc_check *c = rs->check;
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
		} else if (pr->result == NETD_PROBE_NO_ANSWER && !hit && j->path) {
			size_t l = strlen(via_seen);
			snprintf(via_seen + l, sizeof(via_seen) - l, "%s*", l ? " > " : "");
		}
	}
	bool reached = hit != NULL;
	if (c->kind == NC_CHECK_NOT_REACH) {
		rs->passed = !reached;
		snprintf(rs->detail, sizeof(rs->detail), "%s",
			 reached ? "it answered" : no_route ? "no route" : "no answer");
		return;
	}
	if (!reached) {
		snprintf(rs->detail, sizeof(rs->detail), "%s", no_route ? "no route" : "no answer");
		return;
	}
	rs->rtt_us = hit->rtt_us;
	rs->passed = true;
	int o = snprintf(rs->detail, sizeof(rs->detail), "answered in %.1f ms", hit->rtt_us / 1000.0);
	if (j->path)
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

static size_t path_ttls(const struct nc_check *c)
{
	if (c->hops == NC_UNSET)
		return DEFAULT_PATH_TTL;
	return c->hops < 1 ? 1 : c->hops >= MAX_TTL ? MAX_TTL : (size_t)c->hops + 1;
}

/* One round: every check not passed yet is run again. */
static int run_round(struct run *ru, struct nc_check_result *res, size_t n, nc_err *err)
{
	const struct nc_plan *p = ru->p;
	size_t n_src = p->n_containers + 1; /* the host is the last source */
	_cleanup_free_ int *nsfd = calloc(n_src, sizeof(int));
	_cleanup_free_ struct netd_probe *probes = calloc(n * MAX_TTL + 1, sizeof(*probes));
	_cleanup_free_ struct icmp_job *jobs = calloc(n + 1, sizeof(*jobs));
	_cleanup_free_ bool *pending = calloc(n + 1, sizeof(bool));
	size_t n_probes = 0, n_jobs = 0;
	int r = 0;

	if (!nsfd || !probes || !jobs || !pending)
		return nc_err_errno(err, ENOMEM, "run checks");
	for (size_t i = 0; i < n_src; i++)
		nsfd[i] = -1;
	nsfd[n_src - 1] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	for (size_t i = 0; i < n; i++) {
		struct nc_check_result *rs = &res[i];
		const struct nc_check *c = rs->check;
		struct nc_ip ip;
		size_t src = n_src - 1;
		nc_err e;

		if (rs->passed)
			continue;
		pending[i] = true;
		rs->rounds++;
		rs->error = false;
		rs->rtt_us = 0;
		*rs->target = '\0';
		if (service_down(ru, c, rs->detail, sizeof(rs->detail))) {
			rs->error = true;
			continue;
		}
		if (!resolve(p, &c->target, &ip)) {
			rs->error = true;
			snprintf(rs->detail, sizeof(rs->detail), "`%s` has no address to aim at", c->target.text);
			continue;
		}
		nc_ip_str(&ip, rs->target);
		if (!c->from_host) {
			const struct nc_plan_container *fc = find(p, c->from);
			src = (size_t)(fc - p->containers);
			if (nsfd[src] < 0 && netd_netns_open(ru->paths->netns_dir, fc->netns, &nsfd[src], &e) < 0) {
				rs->error = true;
				snprintf(rs->detail, sizeof(rs->detail), "%.200s (is the lab up?)", e.msg);
				continue;
			}
		}
		if (c->kind == NC_CHECK_TCP || c->kind == NC_CHECK_UDP) {
			run_l4(ru->nd, nsfd[src], &ip, c->target.port, c->kind == NC_CHECK_TCP,
			       ru->o->timeout_ms, rs);
			if (c->expect_fail) {
				rs->passed = !rs->passed;
				size_t l = strlen(rs->detail);
				snprintf(rs->detail + l, sizeof(rs->detail) - l, "%s",
					 rs->passed ? ", as expected" : ", but it must not");
			}
			continue;
		}
		/* ICMP: one probe, or one per TTL to see the path; path checks
		 * of one source and target share their probes (fewer "time
		 * exceeded" asked of each router). */
		bool path = c->via || c->hops != NC_UNSET;
		size_t ttls = path ? path_ttls(c) : 1;
		struct icmp_job *j = &jobs[n_jobs++];
		*j = (struct icmp_job){ .check = i, .path = path };
		for (size_t k = 0; path && k + 1 < n_jobs; k++)
			if (jobs[k].path && jobs[k].n >= ttls && probes[jobs[k].first].src == src &&
			    nc_ip_equal(&probes[jobs[k].first].dst, &ip)) {
				j->first = jobs[k].first;
				j->n = jobs[k].n;
				j->shared = true;
				break;
			}
		if (j->n)
			continue;
		j->first = n_probes;
		j->n = ttls;
		for (size_t t = 0; t < j->n; t++)
			probes[n_probes++] = (struct netd_probe){ .src = src, .dst = ip,
								  .ttl = path ? (uint8_t)(t + 1) : 0 };
	}
	if (n_probes && (r = netd_icmp_probe(ru->nd, nsfd, n_src, probes, n_probes, ru->o->timeout_ms, err)) < 0)
		goto out;
	if ((r = retry_paths(ru, nsfd, n_src, probes, jobs, n_jobs, err)) < 0)
		goto out;
	for (size_t k = 0; k < n_jobs; k++)
		judge_icmp(ru, &jobs[k], probes, &res[jobs[k].check]);
out:
	for (size_t i = 0; i < n_src; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
	uint64_t now = now_us();
	for (size_t i = 0; i < n; i++)
		if (pending[i])
			res[i].elapsed_us = now - ru->t0;
	return r;
}

static int run_checks(struct run *ru, struct nc_check_result **out, size_t *n_out, nc_err *err)
{
	const struct nc_model *m = ru->p->model;
	struct nc_check_result *res = calloc(m->n_checks + 1, sizeof(*res));
	size_t n = 0;
	int r;

	if (!res)
		return nc_err_errno(err, ENOMEM, "run checks");
	for (size_t i = 0; i < m->n_checks; i++) {
		const struct nc_check *c = &m->checks[i];
		if (!selected(c, ru->o->sets))
			continue;
		struct nc_check_result *rs = &res[n++];
		rs->check = c;
		snprintf(rs->name, sizeof(rs->name), "%s %s %s%s%s", c->from,
			 c->expect_fail ? (c->kind == NC_CHECK_TCP ? "cannot connect over TCP to"
								     : "gets no UDP answer from")
					: kind_verb(c->kind),
			 c->target.text, c->via ? " via " : "", c->via ? c->via : "");
	}
	uint64_t deadline = ru->t0 + (uint64_t)ru->o->wait_s * 1000000;
	for (;;) {
		/* A check passed in an earlier round keeps its verdict. */
		if ((r = run_round(ru, res, n, err)) < 0) {
			free(res);
			return r;
		}
		size_t failed = 0;
		for (size_t i = 0; i < n; i++)
			failed += !res[i].passed;
		uint64_t now = now_us();
		if (!failed || !ru->o->wait_s || now >= deadline)
			break;
		uint64_t pause = deadline - now < 1000000 ? deadline - now : 1000000;
		usleep((useconds_t)pause);
	}
	*out = res;
	*n_out = n;
	return 0;
}

int nc_checks_run(const struct nc_plan *p, const struct nc_paths *paths,
		  const struct nc_checks_opts *o, struct nc_check_result **out, size_t *n_out,
		  nc_err *err)
{
	struct run ru = { .p = p, .paths = paths, .o = o, .t0 = now_us(),
			  .tries = o->path_tries ? o->path_tries : nc_checks_path_tries() };

	if (netd_open(&ru.nd, err) < 0)
		return nc_err_ret(err);
	int r = run_checks(&ru, out, n_out, err);
	netd_close(ru.nd);
	return r;
}
