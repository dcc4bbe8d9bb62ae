/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.<s>: ports, expose, extra_hosts, dns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/load.h"

/* "80" or "8000-8010" at s (len bytes). */
static bool parse_range(const char *s, size_t len, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	char *end;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return false;
	unsigned long a = strtoul(buf, &end, 10), b = a;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return false;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end || a < 1 || a > 65535 || b < a || b > 65535)
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

static bool parse_proto(const char *s, enum nc_proto *out)
{
	if (!strcmp(s, "tcp"))
		*out = NC_PROTO_TCP;
	else if (!strcmp(s, "udp"))
		*out = NC_PROTO_UDP;
	else
		return false;
	return true;
}

static int port_error(struct nc_loader *ld, const struct nc_yt_node *key,
		      const struct nc_yt_node *it, const char *why)
{
	return nc_ld_fail_key(ld, key, it->mark, "`%s` is not a port mapping: %s", it->text, why);
}

/* "[HOST_IP:][HOST_PORT[-END]:]PORT[-END][/PROTO]"; an IPv6 host address
 * goes in brackets: "[::1]:8080:80". */
static int short_port(struct nc_loader *ld, const struct nc_yt_node *key,
		      const struct nc_yt_node *it, struct nc_port *p)
{
	char buf[128];
	const char *parts[3];
	size_t n = 0;

	if (it->len >= sizeof(buf))
		return port_error(ld, key, it, "too long");
	memcpy(buf, it->text, it->len + 1);
	char *slash = strrchr(buf, '/');
	p->proto = NC_PROTO_TCP;
	if (slash) {
		*slash = '\0';
		if (!parse_proto(slash + 1, &p->proto))
			return port_error(ld, key, it, "the protocol is tcp or udp");
	}
	char *s = buf;
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return port_error(ld, key, it, "expected `]:` after an IPv6 address");
		*close = '\0';
		if (nc_ip_parse(s + 1, &p->host_ip) < 0 || p->host_ip.family != AF_INET6)
			return port_error(ld, key, it, "the address in brackets is not IPv6");
		parts[n++] = NULL; /* the address, already parsed */
		s = close + 2;
	}
	for (char *c; n < 3 && (c = strchr(s, ':'));) {
		*c = '\0';
		parts[n++] = s;
		s = c + 1;
	}
	if (strchr(s, ':') || n > 2)
		return port_error(ld, key, it, "too many `:` (an IPv6 address goes in brackets)");
	parts[n++] = s;

	const char *host_port = n == 3 ? parts[1] : n == 2 ? parts[0] : NULL;
	if (n == 3 && parts[0] && nc_ip_parse(parts[0], &p->host_ip) < 0)
		return port_error(ld, key, it, "the host address is not an IP address");
	if (n == 2 && !parts[0])
		return port_error(ld, key, it, "a host address needs a host port or `::` before the port");
	if (!parse_range(parts[n - 1], strlen(parts[n - 1]), &p->target, &p->target_end))
		return port_error(ld, key, it, "ports are numbers 1..65535 or ranges such as 8000-8010");
	if (host_port && *host_port &&
	    !parse_range(host_port, strlen(host_port), &p->published, &p->published_end))
		return port_error(ld, key, it, "ports are numbers 1..65535 or ranges such as 8000-8010");
	return 0;
}

static int long_target(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	struct nc_port *p = obj;
	int64_t t;
	int r;

	if ((r = nc_ld_int(ld, k, v, 1, 65535, &t)) < 0)
		return r;
	p->target = p->target_end = (uint16_t)t;
	return 0;
}

static int long_published(struct nc_loader *ld, const struct nc_yt_node *k,
			  const struct nc_yt_node *v, void *obj)
{
	struct nc_port *p = obj;

	if (v->kind != NC_YT_SCALAR || (v->type != NC_YT_INT && v->type != NC_YT_STR))
		return nc_ld_type(ld, k, v, "a port or a range such as 8000-8010");
	if (!parse_range(v->text, v->len, &p->published, &p->published_end))
		return nc_ld_fail_key(ld, k, v->mark,
				      "`%s` is not a port (1..65535) or a range such as 8000-8010", v->text);
	return 0;
}

static int long_host_ip(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	struct nc_port *p = obj;
	const char *s;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	if (nc_ip_parse(s, &p->host_ip) < 0)
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not an IP address", s);
	return 0;
}

static int long_protocol(struct nc_loader *ld, const struct nc_yt_node *k,
			 const struct nc_yt_node *v, void *obj)
{
	struct nc_port *p = obj;
	const char *s;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	if (!parse_proto(s, &p->proto))
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not tcp or udp", s);
	return 0;
}

/* On one host `ingress` and `host` publish the same way. */
static int long_mode(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		     void *obj)
{
	const char *s;
	int r;

	(void)obj;
	if ((r = nc_ld_string(ld, k, v, &s)) < 0)
		return r;
	if (strcmp(s, "host") && strcmp(s, "ingress"))
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not host or ingress", s);
	return 0;
}

/* Labels for humans and tools; nothing to build. */
static int long_label(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		      void *obj)
{
	const char *s;
	(void)obj;
	return nc_ld_string(ld, k, v, &s);
}

static const struct nc_ld_key long_port_keys[] = {
	{ "app_protocol", long_label, 0 }, { "host_ip", long_host_ip, 0 },
	{ "mode", long_mode, 0 },	   { "name", long_label, 0 },
	{ "protocol", long_protocol, 0 },  { "published", long_published, 0 },
	{ "target", long_target, 0 },
};

static int check_port(struct nc_loader *ld, const struct nc_yt_node *key,
		      const struct nc_yt_node *it, const struct nc_port *p)
{
	unsigned tn = p->target_end - p->target, pn = p->published_end - p->published;

	/* Docker: a container range needs a host range of the same size; a
	 * host range for one container port means "any one of these". */
	if (p->published && tn && tn != pn)
		return nc_ld_fail_key(ld, key, it->mark,
				      "the host range has %u ports but the container range %u", pn + 1,
				      tn + 1);
	return 0;
}

NC_LD_READER(nc_svc_ports)
{
	struct nc_service *s = obj;
	int r;

	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, "a list of port mappings");
	if (!(s->ports = nc_arena_calloc(ld->a, val->n_items ? val->n_items : 1, sizeof(*s->ports))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_items; i++) {
		const struct nc_yt_node *it = val->items[i];
		struct nc_port *p = &s->ports[i];
		p->mark = it->mark;
		if (it->kind == NC_YT_MAP) {
			const char *outer = ld->where;
			p->proto = NC_PROTO_TCP;
			if (!(ld->where = nc_arena_printf(ld->a, "a `ports` entry of service `%s`", s->name)))
				return nc_ld_oom(ld);
			r = nc_ld_map(ld, key, it, long_port_keys, NC_ELEMENTSOF(long_port_keys), p);
			ld->where = outer;
			if (r < 0)
				return r;
			if (!p->target)
				return nc_ld_fail_key(ld, key, it->mark, "an entry has no `target` port");
		} else if (it->kind == NC_YT_SCALAR && (it->type == NC_YT_STR || it->type == NC_YT_INT)) {
			if ((r = short_port(ld, key, it, p)) < 0)
				return r;
		} else {
			return nc_ld_type(ld, key, it, "a port mapping such as 8080:80 or a mapping");
		}
		if (p->published && !p->published_end)
			p->published_end = p->published;
		if ((r = check_port(ld, key, it, p)) < 0)
			return r;
	}
	s->n_ports = val->n_items;
	return 0;
}

NC_LD_READER(nc_svc_expose)
{
	struct nc_service *s = obj;

	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, "a list of ports");
	if (!(s->expose = nc_arena_calloc(ld->a, val->n_items ? val->n_items : 1, sizeof(*s->expose))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_items; i++) {
		const struct nc_yt_node *it = val->items[i];
		struct nc_port *p = &s->expose[i];
		if (it->kind != NC_YT_SCALAR || (it->type != NC_YT_STR && it->type != NC_YT_INT))
			return nc_ld_type(ld, key, it, "a port such as 80 or 53/udp");
		const char *slash = strchr(it->text, '/');
		size_t len = slash ? (size_t)(slash - it->text) : it->len;
		p->proto = NC_PROTO_TCP;
		p->mark = it->mark;
		if (!parse_range(it->text, len, &p->target, &p->target_end) ||
		    (slash && !parse_proto(slash + 1, &p->proto)))
			return nc_ld_fail_key(ld, key, it->mark,
					      "`%s` is not a port: PORT[-END][/tcp|/udp], such as 80 or 53/udp",
					      it->text);
	}
	s->n_expose = val->n_items;
	return 0;
}

static int host_entry(struct nc_loader *ld, const struct nc_yt_node *key, struct nc_host_entry *e,
		      const char *name, size_t nlen, const char *addr, struct nc_mark at)
{
	char buf[NC_IP_STRLEN + 2];
	size_t al = strlen(addr);

	if (!(e->name = nc_arena_strndup(ld->a, name, nlen)))
		return nc_ld_oom(ld);
	e->mark = at;
	if (!nc_ld_valid_hostname(e->name))
		return nc_ld_fail_key(ld, key, at, "`%s` is not a valid host name", e->name);
	if (!strcmp(addr, "host-gateway")) {
		e->host_gateway = true;
		return 0;
	}
	/* "[::1]" as Compose writes IPv6 here since it allowed NAME=ADDRESS. */
	if (al >= 2 && addr[0] == '[' && addr[al - 1] == ']' && al - 2 < sizeof(buf)) {
		memcpy(buf, addr + 1, al - 2);
		buf[al - 2] = '\0';
		addr = buf;
	}
	if (nc_ip_parse(addr, &e->ip) < 0)
		return nc_ld_fail_key(ld, key, at,
				      "`%s` is not an IP address or `host-gateway` (for host `%s`)", addr,
				      e->name);
	return 0;
}

/* ["name:addr", "name=addr"] or {name: addr}. */
NC_LD_READER(nc_svc_extra_hosts)
{
	struct nc_service *s = obj;
	bool map = val->kind == NC_YT_MAP;
	size_t n = map ? val->n_pairs : val->n_items;
	int r;

	if (val->kind == NC_YT_SCALAR)
		return nc_ld_type(ld, key, val, "a list of NAME:ADDRESS or a mapping");
	if (!(s->extra_hosts = nc_arena_calloc(ld->a, n ? n : 1, sizeof(*s->extra_hosts))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < n; i++) {
		struct nc_host_entry *e = &s->extra_hosts[i];
		if (map) {
			const struct nc_yt_node *k = val->pairs[i].key, *v = val->pairs[i].value;
			if (v->kind != NC_YT_SCALAR || v->type == NC_YT_NULL)
				return nc_ld_type(ld, key, v, "an address");
			r = host_entry(ld, key, e, k->text, k->len, v->text, k->mark);
		} else {
			const struct nc_yt_node *it = val->items[i];
			if (it->kind != NC_YT_SCALAR || it->type != NC_YT_STR)
				return nc_ld_type(ld, key, it, "a NAME:ADDRESS string");
			size_t nl = strcspn(it->text, ":=");
			if (!it->text[nl])
				return nc_ld_fail_key(ld, key, it->mark,
						      "`%s` is not NAME:ADDRESS or NAME=ADDRESS", it->text);
			r = host_entry(ld, key, e, it->text, nl, it->text + nl + 1, it->mark);
		}
		if (r < 0)
			return r;
	}
	s->n_extra_hosts = n;
	return 0;
}

NC_LD_READER(nc_svc_dns)
{
	struct nc_service *s = obj;
	bool one = val->kind == NC_YT_SCALAR;
	size_t n = one ? 1 : val->n_items;

	if (val->kind == NC_YT_MAP || (one && val->type == NC_YT_NULL))
		return nc_ld_type(ld, key, val, "an address or a list of addresses");
	if (!(s->dns = nc_arena_calloc(ld->a, n ? n : 1, sizeof(*s->dns))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < n; i++) {
		const struct nc_yt_node *it = one ? val : val->items[i];
		if (it->kind != NC_YT_SCALAR || it->type != NC_YT_STR)
			return nc_ld_type(ld, key, it, "an IP address");
		if (nc_ip_parse(it->text, &s->dns[i]) < 0)
			return nc_ld_fail_key(ld, key, it->mark, "`%s` is not an IP address", it->text);
	}
	s->n_dns = n;
	return 0;
}
