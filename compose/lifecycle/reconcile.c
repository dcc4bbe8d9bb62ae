/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/reconcile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/sha256.h"
#include "compose/file/oneoff.h"
#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/lifecycle.h"
#include "compose/lifecycle/pull.h"
#include "compose/lifecycle/state.h"

/* A registry image's stamp: the hash of its pulled layout's index.json,
 * which names the manifest, so a pull that brings another manifest is a
 * change and one that brings the same is not. Not pulled: no stamp. */
static int registry_stamp(const struct nc_plan_container *pc, const struct nc_paths *paths,
			  char stamp[NC_SHA256_HEX_LEN])
{
	_cleanup_free_ char *layout = NULL, *index = NULL;
	char path[4096];
	uint8_t d[NC_SHA256_LEN];
	size_t len;
	nc_err ignored;

	if (nc_pulled_layout(pc, paths, &layout, &ignored) < 0 ||
	    nc_pathf(path, sizeof(path), "%s/index.json", layout) < 0 ||
	    nc_read_file_bounded(path, 1 << 20, &index, &len, &ignored) < 0)
		return -1;
	nc_sha256(index, len, d);
	nc_sha256_hex(d, stamp);
	return 0;
}

static void image_stamp(const struct nc_plan_container *pc, const struct nc_paths *paths,
			struct nc_image_stamp *s)
{
	struct stat sb;

	s->image = pc->image;
	s->registry = pc->image_is_registry;
	s->has = false;
	/* A local image's content is not read: its size, inode and time of
	 * change tell a rebuilt or replaced image from the same one. */
	if (pc->image_is_registry) {
		s->has = paths && registry_stamp(pc, paths, s->stamp) == 0;
	} else if (pc->image && stat(pc->image, &sb) == 0) {
		snprintf(s->stamp, sizeof(s->stamp), "%jd %ju %jd.%09ld", (intmax_t)sb.st_size,
			 (uintmax_t)sb.st_ino, (intmax_t)sb.st_ctim.tv_sec, sb.st_ctim.tv_nsec);
		s->has = true;
	}
}

void nc_image_stamps_free(struct nc_image_stamps *s)
{
	free(s->v);
	*s = (struct nc_image_stamps)NC_IMAGE_STAMPS_INIT;
}

/* pc's image's stamp from the cache, looked at on first use. NULL: none
 * (out of memory only costs a second look). */
static const char *cached_stamp(const struct nc_plan_container *pc, const struct nc_paths *paths,
				struct nc_image_stamps *c, struct nc_image_stamp *mine)
{
	for (size_t k = 0; c && k < c->n; k++)
		if (c->v[k].registry == pc->image_is_registry && !strcmp(c->v[k].image, pc->image))
			return c->v[k].has ? c->v[k].stamp : NULL;
	image_stamp(pc, paths, mine);
	if (c && c->n == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 8;
		struct nc_image_stamp *nv = realloc(c->v, ncap * sizeof(*nv));
		if (nv) {
			c->v = nv;
			c->cap = ncap;
		}
	}
	if (c && c->n < c->cap)
		c->v[c->n++] = *mine;
	return mine->has ? mine->stamp : NULL;
}

int nc_service_hash(const struct nc_plan *p, size_t i, const struct nc_paths *paths,
		    struct nc_image_stamps *stamps, struct nc_plan_hash *out, nc_err *err)
{
	const struct nc_plan_container *pc = &p->containers[i];
	struct nc_image_stamp mine;
	const char *sp = pc->image ? cached_stamp(pc, paths, stamps, &mine) : NULL;

	if (nc_plan_hash(p, i, sp, out) < 0)
		return nc_err_errno(err, ENOMEM, "hash the configuration of `%s`", pc->name);
	return 0;
}

int nc_reconcile_records(const struct nc_plan *p, const struct nc_paths *paths, struct nc_strbuf *b, nc_err *err)
{
	_cleanup_(nc_image_stamps_free) struct nc_image_stamps stamps = NC_IMAGE_STAMPS_INIT;

	for (size_t i = 0; i < p->n_containers; i++) {
		struct nc_plan_hash h;
		char parts[NC_HP_COUNT][NC_SHA256_HEX_LEN + 16];
		const char *f[3 + NC_HP_COUNT] = { NC_J_CONFIG, p->containers[i].name, h.all };
		int r;

		if ((r = nc_service_hash(p, i, paths, &stamps, &h, err)) < 0)
			return r;
		for (int k = 0; k < NC_HP_COUNT; k++) {
			snprintf(parts[k], sizeof(parts[k]), "%s=%.12s", nc_hash_part_name(k), h.part[k]);
			f[3 + k] = parts[k];
		}
		nc_record_append(b, f, NC_ELEMENTSOF(f));
	}
	for (size_t i = 0; i < p->n_networks; i++) {
		char h[NC_SHA256_HEX_LEN];
		if (nc_plan_network_hash(&p->networks[i], h) < 0)
			return nc_err_errno(err, ENOMEM, "hash network `%s`", p->networks[i].name);
		const char *f[] = { NC_J_NETDEF, p->networks[i].name, h };
		nc_record_append(b, f, NC_ELEMENTSOF(f));
	}
	if (!nc_strbuf_ok(b))
		return nc_err_errno(err, ENOMEM, "record the configuration of `%s`", p->project);
	return 0;
}

const char *nc_rc_action_name(enum nc_rc_action a)
{
	switch (a) {
	case NC_RC_CREATE: return "created";
	case NC_RC_RECREATE: return "recreated";
	case NC_RC_UNCHANGED: return "unchanged";
	case NC_RC_SKIPPED: return "skipped";
	}
	return "?";
}

/* What the journal says runs: the last config record of each service, the
 * containers, the networks' definitions. Pointers into the records. */
struct running {
	const struct nc_record **config; /* per recorded container */
	const char **containers;
	size_t n;
	const char **nets;
	const char **net_hash;
	size_t n_nets;
};

static void running_free(struct running *r)
{
	free(r->config);
	free(r->containers);
	free(r->nets);
	free(r->net_hash);
}

static ssize_t find(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return (ssize_t)i;
	return -1;
}

static int read_running(const struct nc_records *j, struct running *out, nc_err *err)
{
	memset(out, 0, sizeof(*out));
	out->config = calloc(j->n + 1, sizeof(*out->config));
	out->containers = calloc(j->n + 1, sizeof(char *));
	out->nets = calloc(j->n + 1, sizeof(char *));
	out->net_hash = calloc(j->n + 1, sizeof(char *));
	if (!out->config || !out->containers || !out->nets || !out->net_hash) {
		running_free(out);
		return nc_err_errno(err, ENOMEM, "read the running configuration");
	}
	for (size_t i = 0; i < j->n; i++) {
		const struct nc_record *r = &j->v[i];
		const char *kind = nc_record_field(r, 0), *name = nc_record_field(r, 1);
		if (!kind || !name)
			continue;
		if (!strcmp(kind, NC_J_CONTAINER)) {
			if (find(out->containers, out->n, name) < 0)
				out->containers[out->n++] = name;
		} else if (!strcmp(kind, NC_J_BRIDGE) && nc_record_field(r, 2)) {
			if (find(out->nets, out->n_nets, r->f[2]) < 0)
				out->nets[out->n_nets++] = r->f[2];
		} else if (!strcmp(kind, NC_J_GONE) && nc_record_field(r, 2)) {
			/* Removed by a second `up` (until made again later). */
			ssize_t at;
			if (!strcmp(name, "service") && (at = find(out->containers, out->n, r->f[2])) >= 0)
				out->containers[at] = out->containers[--out->n];
			else if (!strcmp(name, "network") && (at = find(out->nets, out->n_nets, r->f[2])) >= 0)
				out->nets[at] = out->nets[--out->n_nets];
		}
	}
	/* The last records count: a reconcile appends new ones. */
	for (size_t i = 0; i < j->n; i++) {
		const struct nc_record *r = &j->v[i];
		const char *kind = nc_record_field(r, 0), *name = nc_record_field(r, 1);
		ssize_t at;
		if (!kind || !name || !nc_record_field(r, 2))
			continue;
		if (!strcmp(kind, NC_J_CONFIG) && (at = find(out->containers, out->n, name)) >= 0)
			out->config[at] = r;
		else if (!strcmp(kind, NC_J_NETDEF) && (at = find(out->nets, out->n_nets, name)) >= 0)
			out->net_hash[at] = r->f[2];
	}
	return 0;
}

/* The parts whose hash differs, "process, networks"; a record of an older
 * version without parts: "configuration". */
static void changed_parts(const struct nc_record *rec, const struct nc_plan_hash *h, char *out,
			  size_t size)
{
	size_t len = 0;

	out[0] = 0;
	for (int k = 0; k < NC_HP_COUNT; k++) {
		char want[NC_SHA256_HEX_LEN + 16];
		bool found = false, same = false;
		snprintf(want, sizeof(want), "%s=%.12s", nc_hash_part_name(k), h->part[k]);
		size_t nl = strlen(nc_hash_part_name(k));
		for (size_t f = 3; f < rec->n; f++) {
			if (strncmp(rec->f[f], want, nl + 1))
				continue;
			found = true;
			same = !strcmp(rec->f[f], want);
		}
		if (found && same)
			continue;
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s", len ? ", " : "",
					nc_hash_part_name(k));
		if (len >= size)
			break;
	}
	if (!out[0])
		snprintf(out, size, "configuration");
}

static void strv_free_n(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

static int diff_networks(const struct nc_plan *p, const struct running *run, struct nc_rc_plan *out)
{
	for (size_t i = 0; i < p->n_networks; i++) {
		const struct nc_plan_network *pn = &p->networks[i];
		char h[NC_SHA256_HEX_LEN];
		if (pn->external)
			continue;
		ssize_t at = find(run->nets, run->n_nets, pn->name);
		if (at < 0) {
			if (push(&out->new_networks, &out->n_new_networks, pn->name) < 0)
				return -ENOMEM;
			continue;
		}
		if (nc_plan_network_hash(pn, h) < 0)
			return -ENOMEM;
		if (run->net_hash[at] && strcmp(run->net_hash[at], h) &&
		    push(&out->changed_networks, &out->n_changed_networks, pn->name) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < run->n_nets; i++) {
		const struct nc_plan_network *pn = nc_plan_network_by_name(p, run->nets[i]);
		if ((!pn || pn->external) &&
		    push(&out->gone_networks, &out->n_gone_networks, run->nets[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A one-off (`run`) of a service of the file is no orphan: the supervisor
 * keeps it in the plan it runs, as Compose leaves one-offs out of orphans. */
static bool oneoff_of_planned(const struct nc_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_containers; i++)
		if (nc_oneoff_of(name, p->containers[i].name))
			return true;
	return false;
}

int nc_reconcile_diff(const struct nc_plan *p, const struct nc_records *journal,
		      const struct nc_rc_opts *o, struct nc_rc_plan *out, nc_err *err)
{
	_cleanup_(nc_image_stamps_free) struct nc_image_stamps stamps = NC_IMAGE_STAMPS_INIT;
	struct running run;
	int r;

	memset(out, 0, sizeof(*out));
	_cleanup_free_ struct nc_life *lives = calloc(p->n_containers + 1, sizeof(*lives));
	if (!lives || !(out->svc = calloc(p->n_containers + 1, sizeof(*out->svc))))
		return nc_err_errno(err, ENOMEM, "compare `%s` with what runs", p->project);
	out->n = p->n_containers;
	const char *unknown = NULL;
	if (o->no_deps && o->services) {
		for (const char *const *s = o->services; *s; s++) {
			const struct nc_plan_container *pc = nc_plan_container(p, *s);
			if (!pc) {
				unknown = *s;
				break;
			}
			lives[pc - p->containers].wanted = true;
		}
	} else if (nc_life_select(p, lives, o->services, &unknown) < 0) {
		unknown = unknown ? unknown : "?";
	}
	if (unknown) {
		nc_rc_plan_free(out);
		return nc_err_msg(err, EINVAL, "no service `%s` in project `%s`", unknown, p->project);
	}
	if ((r = read_running(journal, &run, err)) < 0) {
		nc_rc_plan_free(out);
		return r;
	}

	for (size_t i = 0; i < p->n_containers && r == 0; i++) {
		struct nc_rc_service *s = &out->svc[i];
		struct nc_plan_hash h;
		ssize_t at = find(run.containers, run.n, p->containers[i].name);

		s->name = p->containers[i].name;
		s->container = i;
		if (at < 0) {
			s->action = lives[i].wanted ? NC_RC_CREATE : NC_RC_SKIPPED;
			continue;
		}
		s->action = NC_RC_UNCHANGED;
		if (!lives[i].wanted || o->no_recreate)
			continue;
		if (o->force_recreate) {
			s->action = NC_RC_RECREATE;
			snprintf(s->why, sizeof(s->why), "--force-recreate");
			continue;
		}
		if ((r = nc_service_hash(p, i, o->paths, &stamps, &h, err)) < 0)
			break;
		const struct nc_record *rec = run.config[at];
		if (!rec || strcmp(rec->f[2], h.all)) {
			s->action = NC_RC_RECREATE;
			if (rec)
				changed_parts(rec, &h, s->why, sizeof(s->why));
			else
				snprintf(s->why, sizeof(s->why), "no configuration recorded");
		}
	}
	for (size_t i = 0; i < run.n && r == 0; i++)
		if (!nc_plan_container(p, run.containers[i]) && !oneoff_of_planned(p, run.containers[i]) &&
		    push(&out->orphans, &out->n_orphans, run.containers[i]) < 0)
			r = nc_err_errno(err, ENOMEM, "compare `%s` with what runs", p->project);
	if (r == 0 && diff_networks(p, &run, out) < 0)
		r = nc_err_errno(err, ENOMEM, "compare `%s` with what runs", p->project);
	running_free(&run);
	if (r < 0) {
		nc_rc_plan_free(out);
		return r;
	}
	for (size_t i = 0; i < out->n; i++) {
		out->created += out->svc[i].action == NC_RC_CREATE;
		out->recreated += out->svc[i].action == NC_RC_RECREATE;
		out->unchanged += out->svc[i].action == NC_RC_UNCHANGED;
	}
	return 0;
}

void nc_rc_plan_free(struct nc_rc_plan *rp)
{
	free(rp->svc);
	strv_free_n(rp->orphans, rp->n_orphans);
	strv_free_n(rp->new_networks, rp->n_new_networks);
	strv_free_n(rp->gone_networks, rp->n_gone_networks);
	strv_free_n(rp->changed_networks, rp->n_changed_networks);
	memset(rp, 0, sizeof(*rp));
}

bool nc_rc_plan_is_noop(const struct nc_rc_plan *rp, bool remove_orphans)
{
	return !rp->created && !rp->recreated && !rp->n_new_networks && !rp->n_gone_networks &&
	       !(remove_orphans && rp->n_orphans);
}

/* The journal of a project that is up; *up false (and no records) when it
 * has no state, or an `up` that did not finish. */
static int running_journal(const struct nc_paths *paths, const char *project, bool *up,
			   struct nc_records *j, nc_err *err)
{
	struct nc_state *st = NULL;
	int r;

	*up = false;
	*j = (struct nc_records){ 0 };
	if ((r = nc_state_open(paths->state_root, project, NC_STATE_READ, &st, err)) < 0 || !st)
		return r;
	r = nc_state_read_journal(st, j, err);
	nc_state_close(st);
	if (r < 0)
		return r;
	for (size_t i = 0; i < j->n && !*up; i++) {
		struct nc_jrec jr;
		nc_jrec_parse(&j->v[i], &jr);
		*up = jr.kind == NC_JK_UP_DONE;
	}
	if (!*up)
		nc_records_free(j);
	return 0;
}

int nc_reconcile_running(const struct nc_paths *paths, const char *project, bool *running,
			 char ***bridges, nc_err *err)
{
	struct nc_records j;
	char **v = NULL;
	size_t n = 0;
	int r;

	*bridges = NULL;
	if ((r = running_journal(paths, project, running, &j, err)) < 0 || !*running)
		return r;
	for (size_t i = 0; i < j.n; i++) {
		struct nc_jrec jr;
		nc_jrec_parse(&j.v[i], &jr);
		if (jr.kind == NC_JK_BRIDGE && push(&v, &n, jr.bridge.ifname) < 0) {
			strv_free_n(v, n);
			nc_records_free(&j);
			return nc_err_errno(err, ENOMEM, "read the journal of `%s`", project);
		}
	}
	nc_records_free(&j);
	if (!v && !(v = calloc(1, sizeof(char *))))
		return nc_err_errno(err, ENOMEM, "read the journal of `%s`", project);
	*bridges = v;
	return 0;
}

int nc_reconcile_plan(const struct nc_plan *p, const struct nc_paths *paths,
		      const struct nc_rc_opts *o, struct nc_rc_plan *out, nc_err *err)
{
	struct nc_records j;
	bool up;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = running_journal(paths, p->project, &up, &j, err)) < 0)
		return r;
	if (!up)
		return nc_err_msg(err, ENOENT, "project `%s` is not up", p->project);
	struct nc_rc_opts with_paths = *o;
	with_paths.paths = paths;
	r = nc_reconcile_diff(p, &j, &with_paths, out, err);
	nc_records_free(&j);
	return r;
}
