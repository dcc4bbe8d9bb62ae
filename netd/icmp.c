/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ICMP echo probes from inside network namespaces, many at once: one raw
 * socket per namespace and family, every request sent first, then the
 * answers collected until all have come or the time is up. A probe may
 * carry a TTL: then the answer can be a "time exceeded" from the router on
 * the path, which is how `ncompose test` checks the way packets take.
 */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "netd/netd-internal.h"

/* The id carries the high bits of the probe number and a constant, so
 * echo traffic of anything else in the namespace is not taken for ours. */
#define PROBE_ID_SALT 0x4e43

struct src_socks {
	int fd4, fd6;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint16_t checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static uint16_t probe_id(size_t i)
{
	return (uint16_t)(PROBE_ID_SALT ^ (i >> 16));
}

static int send_one(struct src_socks *s, struct netd_probe *p, size_t i, nc_err *err)
{
	uint8_t pkt[64] = { 0 };
	int fd = p->dst.family == AF_INET ? s->fd4 : s->fd6;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int ttl = p->ttl ? p->ttl : 255; /* no limit: a lab's path may be longer than 64 hops */

	if (p->dst.family == AF_INET) {
		struct icmphdr *h = (struct icmphdr *)pkt;
		h->type = ICMP_ECHO;
		h->un.echo.id = htons(probe_id(i));
		h->un.echo.sequence = htons((uint16_t)i);
		h->checksum = checksum(pkt, sizeof(pkt));
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
		sa->sin_family = AF_INET;
		memcpy(&sa->sin_addr, p->dst.a, 4);
		sl = sizeof(*sa);
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	} else {
		struct icmp6_hdr *h = (struct icmp6_hdr *)pkt;
		h->icmp6_type = ICMP6_ECHO_REQUEST;
		h->icmp6_id = htons(probe_id(i));
		h->icmp6_seq = htons((uint16_t)i);
		/* The kernel fills the ICMPv6 checksum on raw ICMPv6 sockets. */
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
		sa->sin6_family = AF_INET6;
		memcpy(&sa->sin6_addr, p->dst.a, 16);
		sl = sizeof(*sa);
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
	}
	p->sent_us = now_us();
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, sl) < 0) {
		/* No route is an answer of its own ("no route" vs "no answer"). */
		if (errno == ENETUNREACH || errno == EHOSTUNREACH) {
			p->done = true;
			p->result = NETD_PROBE_NO_ROUTE;
			return 0;
		}
		return nc_err_errno(err, errno, "send ICMP echo");
	}
	return 0;
}

/* Finds the probe an answer belongs to: its id and sequence are in our
 * echo header, which is either the answer's own (echo reply) or quoted
 * inside an error message (time exceeded, unreachable). */
static struct netd_probe *match(struct netd_probe *probes, size_t n, size_t src, uint16_t id,
				uint16_t seq)
{
	for (size_t i = seq; i < n; i += 0x10000)
		if (probe_id(i) == id && probes[i].src == src && !probes[i].done)
			return &probes[i];
	return NULL;
}

static void answer(struct netd_probe *p, int family, const void *from, int type, int code)
{
	p->done = true;
	p->rtt_us = (uint32_t)(now_us() - p->sent_us);
	p->from.family = (uint8_t)family;
	memcpy(p->from.a, from, family == AF_INET ? 4 : 16);
	p->icmp_type = (uint8_t)type;
	p->icmp_code = (uint8_t)code;
	if ((family == AF_INET && type == ICMP_ECHOREPLY) ||
	    (family == AF_INET6 && type == ICMP6_ECHO_REPLY))
		p->result = NETD_PROBE_REPLY;
	else if ((family == AF_INET && type == ICMP_TIME_EXCEEDED) ||
		 (family == AF_INET6 && type == ICMP6_TIME_EXCEEDED))
		p->result = NETD_PROBE_TTL_EXCEEDED;
	else
		p->result = NETD_PROBE_UNREACHABLE;
}

static void recv4(int fd, size_t src, struct netd_probe *probes, size_t n)
{
	uint8_t buf[1500];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t len;

	while ((len = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) > 0) {
		/* Raw IPv4 sockets deliver the IP header too. */
		size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
		if ((size_t)len < ihl + 8)
			continue;
		const struct icmphdr *h = (const struct icmphdr *)(buf + ihl);
		const struct icmphdr *orig = h;
		if (h->type == ICMP_TIME_EXCEEDED || h->type == ICMP_DEST_UNREACH) {
			size_t oihl;
			if ((size_t)len < ihl + 8 + 20)
				continue;
			oihl = (size_t)(buf[ihl + 8] & 0x0f) * 4;
			if ((size_t)len < ihl + 8 + oihl + 8)
				continue;
			orig = (const struct icmphdr *)(buf + ihl + 8 + oihl);
			if (orig->type != ICMP_ECHO)
				continue;
		} else if (h->type != ICMP_ECHOREPLY) {
			continue;
		}
		struct netd_probe *p = match(probes, n, src, ntohs(orig->un.echo.id),
					     ntohs(orig->un.echo.sequence));
		if (p)
			answer(p, AF_INET, &from.sin_addr, h->type, h->code);
		fl = sizeof(from);
	}
}

static void recv6(int fd, size_t src, struct netd_probe *probes, size_t n)
{
	uint8_t buf[1500];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	ssize_t len;

	while ((len = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) > 0) {
		/* Raw ICMPv6 sockets deliver from the ICMPv6 header on. */
		if (len < 8)
			continue;
		const struct icmp6_hdr *h = (const struct icmp6_hdr *)buf;
		const struct icmp6_hdr *orig = h;
		if (h->icmp6_type == ICMP6_TIME_EXCEEDED || h->icmp6_type == ICMP6_DST_UNREACH) {
			if (len < 8 + 40 + 8)
				continue;
			orig = (const struct icmp6_hdr *)(buf + 8 + 40);
			if (orig->icmp6_type != ICMP6_ECHO_REQUEST)
				continue;
		} else if (h->icmp6_type != ICMP6_ECHO_REPLY) {
			continue;
		}
		struct netd_probe *p = match(probes, n, src, ntohs(orig->icmp6_id), ntohs(orig->icmp6_seq));
		if (p)
			answer(p, AF_INET6, &from.sin6_addr, h->icmp6_type, h->icmp6_code);
		fl = sizeof(from);
	}
}

static void close_socks(struct src_socks *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		if (s[i].fd4 >= 0)
			close(s[i].fd4);
		if (s[i].fd6 >= 0)
			close(s[i].fd6);
	}
	free(s);
}

/* Every request goes out before any answer is read, so a source's answers
 * wait in its socket: a raw socket's default receive buffer (about 200
 * KiB, some 200 answers) dropped the rest in a 200-node flat lab. The
 * socket is also told to queue only echo replies and the errors that
 * quote an echo: every raw ICMP socket otherwise gets a copy of each echo
 * request the namespace answers, as many again. */
#define PROBE_RCVBUF (4 * 1024 * 1024)
/* linux/icmp.h's, which cannot be included beside glibc's netinet headers:
 * a raw IPv4 ICMP socket's filter, a u32 whose set bits block types. */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif

static void tune_sock(int fd, int family)
{
	int rcvbuf = PROBE_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (family == AF_INET) {
		uint32_t f = ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) |
			       (1u << ICMP_TIME_EXCEEDED));
		(void)setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	} else {
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		(void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
}

static int open_socks(struct netd *nd, const int *nsfds, size_t n_src, struct netd_probe *probes,
		      size_t n, struct src_socks **out, nc_err *err)
{
	struct src_socks *s = calloc(n_src ? n_src : 1, sizeof(*s));
	int r;

	if (!s)
		return nc_err_errno(err, ENOMEM, "ICMP probes");
	for (size_t i = 0; i < n_src; i++)
		s[i].fd4 = s[i].fd6 = -1;
	for (size_t i = 0; i < n; i++) {
		struct src_socks *ss = &s[probes[i].src];
		int *fd = probes[i].dst.family == AF_INET ? &ss->fd4 : &ss->fd6;
		if (*fd >= 0)
			continue;
		r = probes[i].dst.family == AF_INET
			    ? netd_ns_socket(nd, nsfds[probes[i].src], AF_INET, SOCK_RAW, IPPROTO_ICMP, fd, err)
			    : netd_ns_socket(nd, nsfds[probes[i].src], AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, fd, err);
		if (r < 0) {
			close_socks(s, n_src);
			return r;
		}
		tune_sock(*fd, probes[i].dst.family);
	}
	*out = s;
	return 0;
}

int netd_icmp_probe(struct netd *nd, const int *nsfds, size_t n_src, struct netd_probe *probes,
		    size_t n, unsigned timeout_ms, nc_err *err)
{
	struct src_socks *s = NULL;
	_cleanup_free_ struct pollfd *pfd = NULL;
	int r;

	for (size_t i = 0; i < n; i++) {
		probes[i].done = false;
		probes[i].result = NETD_PROBE_NO_ANSWER;
		if (probes[i].src >= n_src)
			return nc_err_msg(err, EINVAL, "probe %zu: no source %zu", i, probes[i].src);
	}
	if ((r = open_socks(nd, nsfds, n_src, probes, n, &s, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((r = send_one(&s[probes[i].src], &probes[i], i, err)) < 0)
			goto out;

	pfd = calloc(2 * n_src + 1, sizeof(*pfd));
	if (!pfd) {
		r = nc_err_errno(err, ENOMEM, "ICMP probes");
		goto out;
	}
	uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000;
	for (;;) {
		size_t pending = 0;
		for (size_t i = 0; i < n; i++)
			pending += !probes[i].done;
		uint64_t now = now_us();
		if (!pending || now >= deadline)
			break;
		for (size_t i = 0; i < n_src; i++) {
			pfd[2 * i] = (struct pollfd){ .fd = s[i].fd4, .events = POLLIN };
			pfd[2 * i + 1] = (struct pollfd){ .fd = s[i].fd6, .events = POLLIN };
		}
		int pr = poll(pfd, 2 * n_src, (int)((deadline - now) / 1000) + 1);
		if (pr < 0 && errno != EINTR) {
			r = nc_err_errno(err, errno, "wait for ICMP answers");
			goto out;
		}
		for (size_t i = 0; i < n_src; i++) {
			if (pfd[2 * i].revents & POLLIN)
				recv4(s[i].fd4, i, probes, n);
			if (pfd[2 * i + 1].revents & POLLIN)
				recv6(s[i].fd6, i, probes, n);
		}
	}
	r = 0;
out:
	close_socks(s, n_src);
	return r;
}
