/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lab/checks-lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compose/file/model.h"

static void warn(const struct nc_plan *p, const struct nc_check *c, struct nc_mark at,
		 struct nc_strbuf *o, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void warn(const struct nc_plan *p, const struct nc_check *c, struct nc_mark at,
		 struct nc_strbuf *o, const char *fmt, ...)
{
	char what[96], msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nc_check_what(c, what, sizeof(what));
	nc_strbuf_printf(o, "%s:%u:%u: warning: %s: ", p->model->path ? p->model->path : "-",
			 at.line, at.col, what);
	nc_strbuf_append(o, msg);
	nc_strbuf_putc(o, '\n');
}

/* The segment (network or link) the check aims at on the target: its
 * named interface, else its first one with an address (as `test` picks). */
static const char *target_segment(const struct nc_plan *p, const struct nc_check *c)
{
	const struct nc_plan_container *t = nc_plan_container(p, c->target.service);
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct nc_plan_iface *f = &t->ifaces[i];
		if (c->target.ifname ? !strcmp(f->ifname, c->target.ifname)
				     : f->addr4.ip.family || f->addr6.ip.family)
			return f->segment;
	}
	return NULL;
}

static const char *shared_segment(const struct nc_plan *p, const struct nc_check *c)
{
	const struct nc_plan_container *f = nc_plan_container(p, c->from);
	const char *seg = target_segment(p, c);
	if (!f || !seg)
		return NULL;
	for (size_t i = 0; i < f->n_ifaces; i++)
		if (f->ifaces[i].segment && !strcmp(f->ifaces[i].segment, seg))
			return seg;
	return NULL;
}

/* A service target with no address ncompose knows (only on layer-2
 * networks, or the named interface is): `test` has nothing to aim at. */
static bool target_unaddressed(const struct nc_plan *p, const struct nc_check *c)
{
	const struct nc_plan_container *t = c->target.service ? nc_plan_container(p, c->target.service) : NULL;
	if (!t)
		return false;
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct nc_plan_iface *f = &t->ifaces[i];
		if ((!c->target.ifname || !strcmp(f->ifname, c->target.ifname)) &&
		    (f->addr4.ip.family || f->addr6.ip.family))
			return false;
	}
	return true;
}

size_t nc_checks_lint(const struct nc_plan *p, struct nc_strbuf *o)
{
	const struct nc_model *m = p->model;
	size_t n = 0;

	for (size_t i = 0; i < m->n_checks; i++) {
		const struct nc_check *c = &m->checks[i];
		const char *seg;
		if (c->via && !c->from_host && !strcmp(c->via, c->from)) {
			warn(p, c, c->via_mark, o, "`via: %s` is the check's source: a path never crosses its own start as a router; name a router on the way", c->via);
			n++;
		} else if (c->via && c->target.service && !strcmp(c->via, c->target.service)) {
			warn(p, c, c->via_mark, o, "`via: %s` is the check's target: the target answers, it does not forward; name a router before it", c->via);
			n++;
		} else if (c->via && c->hops == 1) {
			warn(p, c, c->hops_mark, o, "`hops: 1` means the target is on the source's network, so no router `%s` can be on the path", c->via);
			n++;
		} else if (c->via && !c->from_host && c->target.service && (seg = shared_segment(p, c))) {
			warn(p, c, c->via_mark, o, "the source and the target are both on `%s`: the path is direct and crosses no router", seg);
			n++;
		}
		if (c->kind == NC_CHECK_NOT_REACH && !c->from_host && c->target.service &&
		    !strcmp(c->from, c->target.service)) {
			warn(p, c, c->target_mark, o, "`%s` always reaches its own addresses: `not_reach` to itself cannot pass", c->from);
			n++;
		}
		if (target_unaddressed(p, c)) {
			warn(p, c, c->target_mark, o, "`%s` has no address ncompose gives it (a layer-2 network's members address themselves): aim at the address the lab gives it", c->target.text);
			n++;
		}
	}
	return n;
}
