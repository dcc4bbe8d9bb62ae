/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/livelink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/lifecycle/journal.h"

#define LOCK_FILE "links.lock"

void nc_live_free(struct nc_live *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_ci; i++)
		nc_info_free(&l->ci[i]);
	free(l->ci);
	free(l->stopped);
	free(l->v);
	nc_state_close(l->st);
	free(l);
}

/* ---- loading ------------------------------------------------------------ */

static size_t find(const struct nc_live *l, const char *service, const char *ifname)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].service, service) && !strcmp(l->v[i].ifname, ifname))
			return i;
	return SIZE_MAX;
}

static size_t find_ci(const struct nc_live *l, const char *service)
{
	for (size_t i = 0; i < l->n_ci; i++)
		if (!strcmp(l->ci[i].service, service))
			return i;
	return SIZE_MAX;
}

/* Host ends from the journal: an interface with a `veth` record is an
 * attachment; one without is a link end. */
static void host_names(struct nc_live *l, const struct nc_records *j)
{
	for (size_t k = 0; k < j->n; k++) {
		struct nc_jrec jr;
		nc_jrec_parse(&j->v[k], &jr);
		if (jr.kind != NC_JK_VETH)
			continue;
		size_t i = find(l, jr.veth.service, jr.veth.ifname);
		if (i != SIZE_MAX)
			snprintf(l->v[i].host_ifname, sizeof(l->v[i].host_ifname), "%s",
				 jr.veth.host_ifname);
	}
}

/* A link end's peer: the other interface on the same link. */
static void peers(struct nc_live *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct nc_live_iface *e = &l->v[i];
		e->is_link = !e->host_ifname[0];
		e->peer_index = SIZE_MAX;
		if (!e->is_link) {
			snprintf(e->peer, sizeof(e->peer), "%s", e->segment);
			continue;
		}
		snprintf(e->peer, sizeof(e->peer), "-");
		for (size_t k = 0; k < l->n; k++)
			if (k != i && !l->v[k].host_ifname[0] && !strcmp(l->v[k].segment, e->segment)) {
				e->peer_index = k;
				snprintf(e->peer, sizeof(e->peer), "%s:%s", l->v[k].service, l->v[k].ifname);
				break;
			}
	}
}

static int read_records(struct nc_live *l, nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct nc_records rec;
	size_t len;
	int r;

	int fd = openat(l->st->dirfd, NC_LINKS_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* nothing changed since `up` */
		return nc_err_errno(err, errno, "open `%s/" NC_LINKS_FILE "`", l->st->dir);
	}
	close(fd);
	if ((r = nc_read_fileat(l->st->dirfd, NC_LINKS_FILE, &text, &len, err)) < 0 ||
	    (r = nc_records_parse(text, len, &rec, err)) < 0)
		return r;
	for (size_t k = 0; k < rec.n; k++) {
		const struct nc_record *c = &rec.v[k];
		const char *kind = c->f[0];
		if (!strcmp(kind, NC_L_STOPPED) && c->n >= 2) {
			size_t i = find_ci(l, c->f[1]);
			if (i != SIZE_MAX)
				l->stopped[i] = true;
			continue;
		}
		size_t i = c->n >= 3 ? find(l, c->f[1], c->f[2]) : SIZE_MAX;
		if (i == SIZE_MAX)
			continue;
		if (!strcmp(kind, NC_L_CUT)) {
			l->v[i].cut = true;
		} else if (!strcmp(kind, NC_L_SHAPE) && c->n >= 7) {
			l->v[i].shaped = true;
			l->v[i].shape = (struct netd_shape){
				.rate_bps = strtoull(c->f[3], NULL, 10),
				.delay_us = (uint32_t)strtoul(c->f[4], NULL, 10),
				.jitter_us = (uint32_t)strtoul(c->f[5], NULL, 10),
				.loss_pct = strtod(c->f[6], NULL),
			};
		}
	}
	nc_records_free(&rec);
	return 0;
}

static int load(const char *project, const struct nc_paths *paths, struct nc_live **out,
		nc_err *err)
{
	_cleanup_strv_ char **services = NULL;
	struct nc_records j = { 0 };
	int r;

	*out = NULL;
	struct nc_live *l = calloc(1, sizeof(*l));
	if (!l)
		return nc_err_errno(err, ENOMEM, "links of `%s`", project);
	if ((r = nc_state_open(paths->state_root, project, NC_STATE_READ, &l->st, err)) < 0)
		goto fail;
	if (!l->st) {
		r = nc_err_msg(err, ENOENT, "project `%s` is not up", project);
		goto fail;
	}
	if ((r = nc_info_services(l->st, &services, err)) < 0 ||
	    (r = nc_state_read_journal(l->st, &j, err)) < 0)
		goto fail;
	size_t n = 0, n_if = 0;
	while (services[n])
		n++;
	l->ci = calloc(n + 1, sizeof(*l->ci));
	l->stopped = calloc(n + 1, sizeof(bool));
	if (!l->ci || !l->stopped) {
		r = nc_err_errno(err, ENOMEM, "links of `%s`", project);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		nc_err e;
		/* A service without a complete record (never started) has no
		 * namespace to act in: left out. */
		if (nc_info_read(l->st, services[i], &l->ci[l->n_ci], &e) < 0)
			continue;
		n_if += l->ci[l->n_ci++].n_ifaces;
	}
	l->v = calloc(n_if + 1, sizeof(*l->v));
	if (!l->v) {
		r = nc_err_errno(err, ENOMEM, "links of `%s`", project);
		goto fail;
	}
	for (size_t c = 0; c < l->n_ci; c++)
		for (size_t k = 0; k < l->ci[c].n_ifaces; k++)
			l->v[l->n++] = (struct nc_live_iface){
				.service = l->ci[c].service, .ifname = l->ci[c].ifaces[k].ifname,
				.segment = l->ci[c].ifaces[k].network, .netns = l->ci[c].netns, .ci = c,
			};
	host_names(l, &j);
	peers(l);
	if ((r = read_records(l, err)) < 0)
		goto fail;
	nc_records_free(&j);
	*out = l;
	return 0;
fail:
	nc_records_free(&j);
	nc_live_free(l);
	return r;
}

/* The links file is rewritten whole: several `link` commands and the
 * supervisor may change it at once, so each holds this lock from its read
 * to its write. (The project lock is the supervisor's for the lab's
 * life.) */
static int lock_links(const struct nc_paths *paths, const char *project, int *fd, nc_err *err)
{
	char path[PATH_MAX];

	if (nc_pathf(path, sizeof(path), "%s/%s/" LOCK_FILE, paths->state_root, project) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "lock links of `%s`", project);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		if (errno == ENOENT)
			return nc_err_msg(err, ENOENT, "project `%s` is not up", project);
		return nc_err_errno(err, errno, "open `%s`", path);
	}
	int r;
	do
		r = flock(*fd, LOCK_EX);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = nc_err_errno(err, errno, "lock `%s`", path);
		close(*fd);
		*fd = -1;
		return r;
	}
	return 0;
}

static int write_records(const struct nc_live *l, nc_err *err)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	char path[PATH_MAX];

	for (size_t i = 0; i < l->n_ci; i++)
		if (l->stopped[i]) {
			const char *f[] = { NC_L_STOPPED, l->ci[i].service };
			nc_record_append(&b, f, NC_ELEMENTSOF(f));
		}
	for (size_t i = 0; i < l->n; i++) {
		const struct nc_live_iface *e = &l->v[i];
		if (e->cut) {
			const char *f[] = { NC_L_CUT, e->service, e->ifname };
			nc_record_append(&b, f, NC_ELEMENTSOF(f));
		}
		if (e->shaped) {
			char rate[24], delay[16], jitter[16], loss[32];
			snprintf(rate, sizeof(rate), "%llu", (unsigned long long)e->shape.rate_bps);
			snprintf(delay, sizeof(delay), "%u", e->shape.delay_us);
			snprintf(jitter, sizeof(jitter), "%u", e->shape.jitter_us);
			snprintf(loss, sizeof(loss), "%.17g", e->shape.loss_pct);
			const char *f[] = { NC_L_SHAPE, e->service, e->ifname, rate, delay, jitter, loss };
			nc_record_append(&b, f, NC_ELEMENTSOF(f));
		}
	}
	if (!nc_strbuf_ok(&b))
		return nc_err_errno(err, ENOMEM, "record links of `%s`", l->st->project);
	if (nc_pathf(path, sizeof(path), "%s/" NC_LINKS_FILE, l->st->dir) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "record links of `%s`", l->st->project);
	return nc_write_file_atomic(path, b.len ? b.s : "", b.len, 0600, err);
}

/* ---- acting on one end ------------------------------------------------- */

/* A session inside the namespace of interface i's container. */
static int open_ns(struct netd *nd, const struct nc_paths *paths, const struct nc_live_iface *e,
		   struct netd_ns **ns, nc_err *err)
{
	int nsfd, r;

	if ((r = netd_netns_open(paths->netns_dir, e->netns, &nsfd, err)) < 0)
		return r;
	r = netd_ns_open(nd, nsfd, ns, err);
	close(nsfd);
	return r;
}

/* Before an interface goes down: IPv6 addresses are deleted with it
 * unless keep_addr_on_down says otherwise (IPv4 addresses stay). A
 * kernel without IPv6 has no such key. */
static int keep_addrs(struct netd_ns *ns, const char *ifname, nc_err *err)
{
	char key[96];
	snprintf(key, sizeof(key), "net/ipv6/conf/%s/keep_addr_on_down", ifname);
	int r = netd_ns_sysctl_set(ns, key, "1", err);
	return r == -ENOENT ? 0 : r;
}

/* The container's end of interface e, administratively up or down. */
static int inner_set_up(struct netd *nd, const struct nc_paths *paths,
			const struct nc_live_iface *e, bool up, nc_err *err)
{
	struct netd_ns *ns = NULL;
	int r = open_ns(nd, paths, e, &ns, err);
	if (r == 0 && !up)
		r = keep_addrs(ns, e->ifname, err);
	if (r == 0)
		r = netd_ns_link_set_up(ns, e->ifname, up, err);
	netd_ns_close(ns);
	if (r < 0)
		return nc_err_prefix(err, "%s:%s", e->service, e->ifname);
	return 0;
}

/* The kernel drops the routes of an interface that goes down; once it is
 * up again, the container's routes from the file are put back (those
 * still there, or through an interface still down, are left as they are).
 * Routes a daemon in the node added are its own to restore. */
static int restore_routes(struct netd *nd, const struct nc_paths *paths, const struct nc_live *l,
			  size_t c, nc_err *err)
{
	const struct nc_container_info *ci = &l->ci[c];
	struct netd_ns *ns = NULL;
	int r, nsfd;
	bool any = false;

	for (size_t k = 0; k < ci->rec.n; k++)
		any |= !strcmp(ci->rec.v[k].f[0], NC_C_ROUTE);
	if (!any || !ci->netns)
		return 0; /* nothing to put back (or no namespace of its own) */
	if ((r = netd_netns_open(paths->netns_dir, ci->netns, &nsfd, err)) < 0)
		return r;
	r = netd_ns_open(nd, nsfd, &ns, err);
	close(nsfd);
	for (size_t k = 0; r == 0 && k < ci->rec.n; k++) {
		const struct nc_record *rc = &ci->rec.v[k];
		struct nc_prefix dst = { 0 };
		struct nc_ip via = { 0 };
		if (strcmp(rc->f[0], NC_C_ROUTE) || rc->n < 4)
			continue;
		if ((strcmp(rc->f[2], "-") && nc_ip_parse(rc->f[2], &via) < 0) ||
		    (strcmp(rc->f[1], "default") && nc_prefix_parse(rc->f[1], false, &dst) < 0)) {
			r = nc_err_msg(err, EINVAL, "record of `%s`: bad route `%s via %s`", ci->service,
				       rc->f[1], rc->f[2]);
			break;
		}
		r = netd_ns_route_restore(ns, &dst, &via, strcmp(rc->f[3], "-") ? rc->f[3] : NULL, err);
	}
	netd_ns_close(ns);
	if (r < 0)
		return nc_err_prefix(err, "routes of `%s`", ci->service);
	return 0;
}

/* What cuts (or restores) interface e's own side: the host end of an
 * attachment, the container's end of a link. */
static int own_set_up(struct netd *nd, const struct nc_paths *paths, const struct nc_live_iface *e,
		      bool up, nc_err *err)
{
	if (e->is_link)
		return inner_set_up(nd, paths, e, up, err);
	if (netd_link_set_up(nd, e->host_ifname, up, err) < 0)
		return nc_err_prefix(err, "%s:%s (host end)", e->service, e->ifname);
	return 0;
}

static int shape_inner(struct netd *nd, const struct nc_paths *paths,
		       const struct nc_live_iface *e, const struct netd_shape *s, nc_err *err)
{
	struct netd_ns *ns = NULL;
	int r = open_ns(nd, paths, e, &ns, err);
	if (r == 0)
		r = s ? netd_ns_shape(ns, e->ifname, s, err) : netd_ns_unshape(ns, e->ifname, err);
	netd_ns_close(ns);
	if (r < 0)
		return nc_err_prefix(err, "%s:%s", e->service, e->ifname);
	return 0;
}

static int shape_host(struct netd *nd, const struct nc_live_iface *e, const struct netd_shape *s,
		      nc_err *err)
{
	int r = s ? netd_shape(nd, e->host_ifname, s, err) : netd_unshape(nd, e->host_ifname, err);
	if (r < 0)
		return nc_err_prefix(err, "%s:%s (host end)", e->service, e->ifname);
	return 0;
}

/* Keeps the first failure in *first, goes on. */
static void keep(int r, const nc_err *e, int *first, nc_err *err)
{
	if (r < 0 && *first == 0) {
		*err = *e;
		*first = r;
	}
}

/* ---- the operations ---------------------------------------------------- */

struct session {
	struct nc_live *l;
	struct netd *nd;
	int lock;
};

static int begin(const char *project, const struct nc_paths *paths, struct session *s,
		 nc_err *err)
{
	int r;

	s->l = NULL;
	s->nd = NULL;
	s->lock = -1;
	if ((r = lock_links(paths, project, &s->lock, err)) < 0 ||
	    (r = load(project, paths, &s->l, err)) < 0 || (r = netd_open(&s->nd, err)) < 0)
		return r;
	return 0;
}

static void end(struct session *s)
{
	netd_close(s->nd);
	nc_live_free(s->l);
	if (s->lock >= 0)
		close(s->lock); /* releases the lock */
}

static int target(const struct nc_live *l, const struct nc_link_target *t, size_t *i, nc_err *err)
{
	*i = find(l, t->service, t->ifname);
	if (*i != SIZE_MAX)
		return 0;
	size_t c = find_ci(l, t->service);
	if (c == SIZE_MAX)
		return nc_err_msg(err, ENOENT, "no running service `%s` in project `%s`", t->service,
				  l->st->project);
	char names[256] = "";
	size_t n = 0;
	for (size_t k = 0; k < l->ci[c].n_ifaces && n < sizeof(names); k++) {
		int w = snprintf(names + n, sizeof(names) - n, "%s%s", k ? ", " : "",
				 l->ci[c].ifaces[k].ifname);
		if (w > 0)
			n += (size_t)w;
	}
	return nc_err_msg(err, ENOENT, "service `%s` has no interface `%s` (it has: %s)", t->service,
			  t->ifname, names[0] ? names : "none");
}

int nc_live_set_up(const char *project, const struct nc_paths *paths,
		   const struct nc_link_target *t, bool up, bool *changed, nc_err *err)
{
	struct session s;
	size_t i;
	int r, first = 0;
	nc_err e;

	if ((r = begin(project, paths, &s, err)) < 0 || (r = target(s.l, t, &i, err)) < 0)
		goto out;
	struct nc_live_iface *me = &s.l->v[i];
	struct nc_live_iface *peer = me->peer_index != SIZE_MAX ? &s.l->v[me->peer_index] : NULL;
	if (changed)
		*changed = me->cut == up;
	/* Recorded first: if acting fails half-way, the record still says
	 * what was asked, and the same command again finishes it. */
	me->cut = !up;
	if (peer)
		peer->cut = !up;
	if ((r = write_records(s.l, err)) < 0)
		goto out;
	/* An end whose node is stopped stays down until `start`. */
	bool mine = !up || !s.l->stopped[me->ci];
	bool theirs = peer && (!up || !s.l->stopped[peer->ci]);
	if (mine)
		keep(own_set_up(s.nd, paths, me, up, &e), &e, &first, err);
	if (theirs)
		keep(inner_set_up(s.nd, paths, peer, up, &e), &e, &first, err);
	/* Only a link end was down inside a node: an attachment keeps its
	 * container's end up. */
	if (up && me->is_link && mine)
		keep(restore_routes(s.nd, paths, s.l, me->ci, &e), &e, &first, err);
	if (up && theirs)
		keep(restore_routes(s.nd, paths, s.l, peer->ci, &e), &e, &first, err);
	r = first;
out:
	end(&s);
	return r;
}

static int netem_check(struct netd *nd, const struct netd_shape *s, nc_err *err)
{
	char why[256];
	bool ok;
	int r;

	if (!s || !netd_shape_needs_netem(s))
		return 0;
	if ((r = netd_qdisc_probe(nd, "netem", &ok, why, sizeof(why), err)) < 0)
		return r;
	if (!ok)
		return nc_err_msg(err, ENOTSUP,
				  "--delay, --jitter and --loss need the kernel's netem queueing discipline (sch_netem), which this kernel cannot load (%s): `modprobe sch_netem` (Debian: package linux-modules-extra or a kernel with CONFIG_NET_SCH_NETEM), or shape with --rate alone",
				  why);
	return 0;
}

int nc_live_shape(const char *project, const struct nc_paths *paths,
		  const struct nc_link_target *t, const struct netd_shape *sh, nc_err *err)
{
	struct session s;
	size_t i;
	int r, first = 0;
	nc_err e;

	if (sh && !sh->rate_bps && !netd_shape_needs_netem(sh))
		sh = NULL; /* nothing asked: no shaping */
	if ((r = begin(project, paths, &s, err)) < 0 || (r = target(s.l, t, &i, err)) < 0 ||
	    (r = netem_check(s.nd, sh, err)) < 0)
		goto out;
	struct nc_live_iface *me = &s.l->v[i];
	struct nc_live_iface *peer = me->peer_index != SIZE_MAX ? &s.l->v[me->peer_index] : NULL;
	me->shaped = sh != NULL;
	me->shape = sh ? *sh : (struct netd_shape){ 0 };
	if (peer) {
		peer->shaped = me->shaped;
		peer->shape = me->shape;
	}
	if ((r = write_records(s.l, err)) < 0)
		goto out;
	/* As at `up`: each end shapes its own egress, so both directions
	 * are shaped. */
	keep(shape_inner(s.nd, paths, me, sh, &e), &e, &first, err);
	if (peer)
		keep(shape_inner(s.nd, paths, peer, sh, &e), &e, &first, err);
	else
		keep(shape_host(s.nd, me, sh, &e), &e, &first, err);
	r = first;
out:
	end(&s);
	return r;
}

int nc_live_node(const char *project, const struct nc_paths *paths, const char *service, bool up,
		 nc_err *err)
{
	struct session s;
	int r, first = 0;
	nc_err e;

	if ((r = begin(project, paths, &s, err)) < 0)
		goto out;
	size_t c = find_ci(s.l, service);
	if (c == SIZE_MAX)
		goto out; /* never started: nothing of it to take down */
	s.l->stopped[c] = !up;
	if ((r = write_records(s.l, err)) < 0)
		goto out;
	for (size_t i = 0; i < s.l->n; i++) {
		const struct nc_live_iface *me = &s.l->v[i];
		if (me->ci != c || (up && me->cut))
			continue;
		keep(own_set_up(s.nd, paths, me, up, &e), &e, &first, err);
	}
	if (up)
		keep(restore_routes(s.nd, paths, s.l, c, &e), &e, &first, err);
	r = first;
out:
	end(&s);
	return r;
}

int nc_live_list(const char *project, const struct nc_paths *paths, struct nc_live **out,
		 nc_err *err)
{
	struct netd *nd = NULL;
	struct nc_live *l = NULL;
	int r;

	if ((r = load(project, paths, &l, err)) < 0 || (r = netd_open(&nd, err)) < 0)
		goto out;
	for (size_t i = 0; i < l->n; i++) {
		struct nc_live_iface *e = &l->v[i];
		struct netd_ns *ns = NULL;
		nc_err ignored;
		/* A namespace or link gone (a `down` at work) shows as such. */
		if (open_ns(nd, paths, e, &ns, &ignored) == 0)
			e->have_state = netd_ns_link_state(ns, e->ifname, &e->state, &ignored) == 0;
		netd_ns_close(ns);
		if (e->host_ifname[0])
			e->have_host = netd_link_state(nd, e->host_ifname, &e->host, &ignored) == 0;
	}
	*out = TAKE_PTR(l);
out:
	netd_close(nd);
	nc_live_free(l);
	return r;
}

int nc_live_host_ifname(struct nc_state *st, const char *service, const char *ifname, char *out,
			size_t size, nc_err *err)
{
	struct nc_records j;
	int r;

	out[0] = '\0';
	if ((r = nc_state_read_journal(st, &j, err)) < 0)
		return r;
	for (size_t k = 0; k < j.n; k++) {
		struct nc_jrec jr;
		nc_jrec_parse(&j.v[k], &jr);
		if (jr.kind == NC_JK_VETH && !strcmp(jr.veth.service, service) &&
		    !strcmp(jr.veth.ifname, ifname))
			snprintf(out, size, "%s", jr.veth.host_ifname);
	}
	nc_records_free(&j);
	return 0;
}
