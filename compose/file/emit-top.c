/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Top-level volumes, links and checks in the normalised output. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "compose/file/emit-internal.h"
#include "compose/file/emit.h"

void nc_emit_volumes(struct nc_strbuf *out, const struct nc_model *m)
{
	if (!m->n_volumes)
		return;
	nc_strbuf_append(out, "volumes:\n");
	for (size_t i = 0; i < m->n_volumes; i++) {
		nc_emit_key(out, 1, m->volumes[i].name);
		nc_strbuf_printf(out, "\n");
		nc_emit_bool(out, 2, "external", m->volumes[i].external);
		if (m->volumes[i].n_labels)
			nc_emit_kvs(out, 2, "labels", m->volumes[i].labels, m->volumes[i].n_labels);
	}
}

void nc_emit_file_objs(struct nc_strbuf *out, const char *key, const struct nc_file_obj *v, size_t n)
{
	if (!n)
		return;
	nc_strbuf_printf(out, "%s:\n", key);
	for (size_t i = 0; i < n; i++) {
		nc_emit_key(out, 1, v[i].name);
		nc_strbuf_putc(out, '\n');
		if (v[i].file)
			nc_emit_kv(out, 2, "file", v[i].file);
		if (v[i].content)
			nc_emit_kv(out, 2, "content", v[i].content);
		if (v[i].environment)
			nc_emit_kv(out, 2, "environment", v[i].environment);
	}
}

static void pair(struct nc_strbuf *out, const char *key, const struct nc_prefix *a,
		 const struct nc_prefix *b)
{
	char x[NC_PREFIX_STRLEN], y[NC_PREFIX_STRLEN];

	nc_emit_indent(out, 2);
	nc_strbuf_printf(out, "%s: [", key);
	nc_emit_scalar(out, nc_prefix_str(a, x));
	nc_strbuf_append(out, ", ");
	nc_emit_scalar(out, nc_prefix_str(b, y));
	nc_strbuf_append(out, "]\n");
}

void nc_emit_links(struct nc_strbuf *out, const struct nc_model *m)
{
	if (!m->n_links)
		return;
	nc_strbuf_append(out, "links:\n");
	for (size_t i = 0; i < m->n_links; i++) {
		const struct nc_link *l = &m->links[i];
		char a[64], b[64];
		snprintf(a, sizeof(a), "%s:%s", l->ends[0].service, l->ends[0].ifname);
		snprintf(b, sizeof(b), "%s:%s", l->ends[1].service, l->ends[1].ifname);
		nc_strbuf_append(out, "  - endpoints: [");
		nc_emit_scalar(out, a);
		nc_strbuf_append(out, ", ");
		nc_emit_scalar(out, b);
		nc_strbuf_append(out, "]\n");
		if (l->ends[0].ipv4.ip.family)
			pair(out, "ipv4", &l->ends[0].ipv4, &l->ends[1].ipv4);
		if (l->ends[0].ipv6.ip.family)
			pair(out, "ipv6", &l->ends[0].ipv6, &l->ends[1].ipv6);
		if (l->mtu)
			nc_emit_int(out, 2, "mtu", l->mtu);
		nc_emit_shaping(out, 2, &l->shaping);
	}
}

static void target(struct nc_strbuf *out, const struct nc_check *c)
{
	static const char *const kinds[] = { "", "reach", "not_reach", "tcp", "udp" };
	const struct nc_target *t = &c->target;
	char buf[NC_IP_STRLEN + 80];
	char ip[NC_IP_STRLEN];
	size_t n = 0;

	if (t->service)
		n = (size_t)snprintf(buf, sizeof(buf), "%s%s%s", t->service, t->ifname ? ":" : "",
				     t->ifname ? t->ifname : "");
	else if (t->ip.family == AF_INET6 && t->port)
		n = (size_t)snprintf(buf, sizeof(buf), "[%s]", nc_ip_str(&t->ip, ip));
	else
		n = (size_t)snprintf(buf, sizeof(buf), "%s", nc_ip_str(&t->ip, ip));
	if (t->port && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, ":%u", t->port);
	nc_strbuf_printf(out, "%s: ", kinds[c->kind]);
	nc_emit_scalar(out, buf);
}

static void emit_check(struct nc_strbuf *out, const char *indent, const struct nc_check *c)
{
	nc_strbuf_printf(out, "%s- {from: ", indent);
	nc_emit_scalar(out, c->from);
	if (c->hops != NC_UNSET)
		nc_strbuf_printf(out, ", hops: %" PRId64, c->hops);
	nc_strbuf_append(out, ", ");
	target(out, c);
	if (c->via) {
		nc_strbuf_append(out, ", via: ");
		nc_emit_scalar(out, c->via);
	}
	if (c->expect_fail)
		nc_strbuf_append(out, ", expect: fail");
	nc_strbuf_append(out, "}\n");
}

void nc_emit_checks(struct nc_strbuf *out, const struct nc_model *m)
{
	if (!m->n_checks)
		return;
	nc_strbuf_append(out, "checks:\n");
	/* The list form when the file has no named sets; else each set in
	 * file order (a set's checks are contiguous). */
	for (size_t i = 0; i < m->n_checks; i++) {
		const struct nc_check *c = &m->checks[i];
		if (c->set && (i == 0 || !m->checks[i - 1].set || strcmp(m->checks[i - 1].set, c->set))) {
			nc_strbuf_append(out, "  ");
			nc_emit_scalar(out, c->set);
			nc_strbuf_append(out, ":\n");
		}
		emit_check(out, c->set ? "    " : "  ", c);
	}
}
