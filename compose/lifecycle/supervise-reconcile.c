/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A second `up`, applied by the supervisor: it holds the project's lock
 * and is the parent of every container, so it is the one that can stop,
 * rewire and start some of them while the others keep running.
 *
 * Order, so that a failure leaves the lab as it ran (docs/decisions.md,
 * "A second up"):
 *   1. stop the services to recreate (and the orphans to remove), and
 *      remove their namespaces and cgroups;
 *   2. make the new networks, the new and recreated containers' objects
 *      and the new firewall table (journal first, as the first `up`);
 *   3. start the new and recreated containers;
 *   4. only then delete the networks no container uses any more.
 * A failure in 2 or 3 removes what 2 made and brings the services stopped
 * in 1 back from the plan they ran with (the old firewall table too).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "compose/file/oneoff.h"
#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/reconcile.h"
#include "compose/lifecycle/runtime-spec.h"
#include "compose/lifecycle/supervise-internal.h"
#include "compose/lifecycle/up.h"

extern char **environ;

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void nc_sup_reconcile_release(struct sup *s)
{
	nc_plan_free(s->own_plan);
	if (s->own_proj)
		nc_project_close(s->own_proj);
	free(s->own_proj);
	strv_free(s->own_env);
	s->own_plan = NULL;
	s->own_proj = NULL;
	s->own_env = NULL;
	nc_strbuf_free(&s->oneoffs);
}

struct request {
	const char **files;     /* absolute, NULL-terminated */
	const char **env_files; /* absolute, NULL-terminated */
	const char *dir;
	char **env;       /* owned */
	const char **services; /* NULL-terminated, NULL when none */
	struct nc_rc_opts o;
	bool remove_orphans;
	size_t oneoff;         /* index of its `oneoff` record; 0: none (`run`) */
	char oneoff_name[256]; /* the one-off's service */
	const char *only[2];   /* o.services of a `run`: the one-off alone */
};

static int parse_request(const struct nc_records *req, struct request *rq, nc_err *err)
{
	size_t ne = 0, ns = 0;

	memset(rq, 0, sizeof(*rq));
	rq->env = calloc(req->n + 1, sizeof(char *));
	rq->services = calloc(req->n + 1, sizeof(char *));
	rq->files = calloc(req->n + 1, sizeof(char *));
	rq->env_files = calloc(req->n + 1, sizeof(char *));
	size_t nf = 0, nef = 0;
	if (!rq->env || !rq->services || !rq->files || !rq->env_files)
		return nc_err_errno(err, ENOMEM, "reconcile request");
	for (size_t i = 1; i < req->n; i++) {
		const char *k = req->v[i].f[0], *v = nc_record_field(&req->v[i], 1);
		if (!v)
			continue;
		if (!strcmp(k, "file"))
			rq->files[nf++] = v;
		else if (!strcmp(k, "envfile"))
			rq->env_files[nef++] = v;
		else if (!strcmp(k, "dir"))
			rq->dir = v;
		else if (!strcmp(k, "env") && !(rq->env[ne++] = strdup(v)))
			return nc_err_errno(err, ENOMEM, "reconcile request");
		else if (!strcmp(k, "oneoff") && !rq->oneoff)
			rq->oneoff = i;
		else if (!strcmp(k, "service"))
			rq->services[ns++] = v;
		else if (!strcmp(k, "option")) {
			rq->o.force_recreate |= !strcmp(v, "force-recreate");
			rq->o.no_recreate |= !strcmp(v, "no-recreate");
			rq->o.no_deps |= !strcmp(v, "no-deps");
			rq->remove_orphans |= !strcmp(v, "remove-orphans");
		}
	}
	if (!nf)
		return nc_err_msg(err, EINVAL, "reconcile request without a file");
	for (size_t i = 0; i < nf; i++)
		if (rq->files[i][0] != '/')
			return nc_err_msg(err, EINVAL, "reconcile request: file `%s` is not absolute", rq->files[i]);
	rq->o.services = ns ? rq->services : NULL;
	return 0;
}

static int fail_oom(nc_err *err)
{
	return nc_err_errno(err, ENOMEM, "one-off");
}

/* Adds to the model the one-offs of records[from..]: each is a record
 * `oneoff SERVICE ID`, then its `arg`, `entry`, `noentry`, `oenv`,
 * `workdir` and `user` records. The last one's name is left in `last`.
 * `kept`: the one-offs of earlier runs. */
static int add_oneoffs(struct nc_model *m, const struct nc_records *r, size_t from, bool kept,
		       char *last, size_t size, nc_err *err)
{
	for (size_t i = from; i < r->n; i++) {
		if (strcmp(r->v[i].f[0], "oneoff") || r->v[i].n < 3)
			continue;
		const char *svc = r->v[i].f[1], *id = r->v[i].f[2];
		/* A kept one-off of a service gone from the file is an orphan,
		 * as the service's own container. */
		if (kept && !nc_model_service(m, svc))
			continue;
		_cleanup_free_ const char **cmd = calloc(r->n + 1, sizeof(char *));
		_cleanup_free_ const char **entry = calloc(r->n + 1, sizeof(char *));
		_cleanup_free_ const char **env = calloc(r->n + 1, sizeof(char *));
		size_t nc = 0, ne = 0, nv = 0;
		bool has_entry = false;
		struct nc_oneoff o = { 0 };
		if (!cmd || !entry || !env)
			return fail_oom(err);
		size_t j;
		for (j = i + 1; j < r->n && strcmp(r->v[j].f[0], "oneoff"); j++) {
			const char *k = r->v[j].f[0], *v = nc_record_field(&r->v[j], 1);
			if (!strcmp(k, "noentry"))
				has_entry = true;
			if (!v)
				continue;
			if (!strcmp(k, "arg"))
				cmd[nc++] = v;
			else if (!strcmp(k, "entry"))
				entry[ne++] = v, has_entry = true;
			else if (!strcmp(k, "oenv"))
				env[nv++] = v;
			else if (!strcmp(k, "workdir"))
				o.working_dir = v;
			else if (!strcmp(k, "user"))
				o.user = v;
		}
		o.command = cmd;
		o.entrypoint = has_entry ? entry : NULL;
		o.env = env;
		const struct nc_service *added;
		int ret = nc_model_add_oneoff(m, svc, id, &o, &added, err);
		if (ret < 0)
			return ret;
		snprintf(last, size, "%s", added->name);
		i = j - 1;
	}
	return 0;
}

/* The one-offs kept so far, then the request's (when it is a `run`). */
static int all_oneoffs(struct sup *s, const struct nc_records *req, struct request *rq,
		       struct nc_model *m, nc_err *err)
{
	char name[256];
	int r;

	if (s->oneoffs.len) {
		struct nc_records kept = { 0 };
		if ((r = nc_records_parse(s->oneoffs.s, s->oneoffs.len, &kept, err)) < 0)
			return r;
		r = add_oneoffs(m, &kept, 0, true, name, sizeof(name), err);
		nc_records_free(&kept);
		if (r < 0)
			return r;
	}
	if (!rq->oneoff)
		return 0;
	if ((r = add_oneoffs(m, req, rq->oneoff, false, rq->oneoff_name, sizeof(rq->oneoff_name), err)) < 0)
		return r;
	/* A `run` makes its one-off and changes nothing else. */
	rq->only[0] = rq->oneoff_name;
	rq->o.services = rq->only;
	rq->o.no_recreate = true;
	rq->o.force_recreate = false;
	return 0;
}

/* The file loaded and planned as the asking `up` sees it: its environment,
 * and the project's own bridges out of the way of automatic subnets. */
static int load_plan(struct sup *s, const struct nc_records *req, struct request *rq, struct nc_project **proj,
		     struct nc_plan **plan, nc_err *err)
{
	_cleanup_strv_ char **own = NULL;
	char **saved = environ;
	bool running, usage;
	int r;

	*plan = NULL;
	if (!(*proj = calloc(1, sizeof(**proj))))
		return nc_err_errno(err, ENOMEM, "reconcile");
	if ((r = nc_reconcile_running(s->paths, s->p->project, &running, &own, err)) < 0)
		return r;
	environ = rq->env;
	size_t nf = 0, nef = 0;
	while (rq->files[nf])
		nf++;
	while (rq->env_files[nef])
		nef++;
	const struct nc_project_opts po = {
		.files = rq->files, .n_files = nf, .project = s->p->project, .project_dir = rq->dir,
		.env_files = rq->env_files, .n_env_files = nef,
	};
	r = nc_project_open_named(&po, NC_PROJECT_NEED_FILE, rq->o.services, *proj, &usage, err);
	if (r == 0 && ((r = all_oneoffs(s, req, rq, (*proj)->model, err)) < 0 ||
		       (r = nc_project_plan_over(*proj, true, (const char *const *)own, plan, err)) < 0))
		nc_project_close(*proj);
	environ = saved;
	if (r < 0) {
		free(*proj);
		*proj = NULL;
	}
	return r;
}

static ssize_t old_index(const struct nc_plan *p, const char *name)
{
	const struct nc_plan_container *pc = nc_plan_container(p, name);
	return pc ? pc - p->containers : -1;
}

static bool in_list(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

/* Starts the marked containers of the current plan in dependency order,
 * then gives those without a healthcheck a moment: one that exits at once
 * with an error (a missing program, a bad option) fails the reconcile. */
static int start_marked(struct sup *s, const bool *mark, const char *oneoff, nc_err *err)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t i = 0; i < s->p->n_containers; i++) {
			struct nc_life *l = &s->life[i];
			size_t culprit;
			if (!mark[i] || l->state != NC_CS_CREATED)
				continue;
			if (nc_life_deps(s->p, s->life, i, &culprit) != NC_DEPS_READY)
				continue; /* left to the supervisor's loop */
			if (nc_sup_start(s, i, err) < 0)
				return -1;
			progress = true;
		}
	}
	for (int k = 0; k < 15; k++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		nc_sup_reap(s);
	}
	for (size_t i = 0; i < s->p->n_containers; i++) {
		const struct nc_life *l = &s->life[i];
		/* A one-off's command may well end at once, with any status. */
		if (oneoff && !strcmp(s->p->containers[i].name, oneoff))
			continue;
		if (mark[i] && l->state != NC_CS_RUNNING && l->state != NC_CS_CREATED &&
		    l->exit_code != 0)
			return nc_err_msg(err, EIO, "service `%s` exited with code %d as it started",
					  s->p->containers[i].name, l->exit_code);
	}
	return 0;
}

struct apply {
	struct sup *s;
	const struct nc_plan *old;
	struct nc_life *old_life;
	struct nc_plan *np;
	struct nc_rc_plan rp;
	bool *stop_old;   /* per old container: stopped (recreated, or an orphan removed) */
	bool *make_new;   /* per new container: created or recreated */
	bool *new_net;    /* per new network: to create */
	bool *gone_net;   /* per old network: to delete at the end */
	struct nc_life *new_life;
	size_t removed;
};

static void apply_free(struct apply *a)
{
	free(a->stop_old);
	free(a->make_new);
	free(a->new_net);
	free(a->gone_net);
	free(a->new_life);
	nc_rc_plan_free(&a->rp);
}

static int mark(struct apply *a, const struct request *rq, nc_err *err)
{
	const struct nc_plan *old = a->old, *np = a->np;

	a->stop_old = calloc(old->n_containers + 1, sizeof(bool));
	a->make_new = calloc(np->n_containers + 1, sizeof(bool));
	a->new_net = calloc(np->n_networks + 1, sizeof(bool));
	a->gone_net = calloc(old->n_networks + 1, sizeof(bool));
	a->new_life = calloc(np->n_containers + 1, sizeof(struct nc_life));
	if (!a->stop_old || !a->make_new || !a->new_net || !a->gone_net || !a->new_life)
		return nc_err_errno(err, ENOMEM, "reconcile `%s`", old->project);
	for (size_t j = 0; j < a->rp.n; j++) {
		const struct nc_rc_service *rs = &a->rp.svc[j];
		ssize_t i = old_index(old, rs->name);
		a->make_new[j] = rs->action == NC_RC_CREATE || rs->action == NC_RC_RECREATE;
		if (rs->action == NC_RC_RECREATE && i >= 0)
			a->stop_old[i] = true;
		if (i >= 0 && !a->make_new[j]) {
			a->new_life[j] = a->s->life[i]; /* kept: same process, same counts */
		} else {
			a->new_life[j].state = NC_CS_CREATED;
			a->new_life[j].wanted = a->make_new[j];
		}
	}
	if (rq->remove_orphans)
		for (size_t k = 0; k < a->rp.n_orphans; k++) {
			ssize_t i = old_index(old, a->rp.orphans[k]);
			if (i >= 0) {
				a->stop_old[i] = true;
				a->removed++;
			}
		}
	for (size_t n = 0; n < np->n_networks; n++)
		a->new_net[n] = in_list(a->rp.new_networks, a->rp.n_new_networks, np->networks[n].name);
	/* A network gone from the file goes once none of the containers that
	 * stay running is on it (an orphan kept running keeps its network). */
	for (size_t n = 0; n < old->n_networks; n++) {
		if (!in_list(a->rp.gone_networks, a->rp.n_gone_networks, old->networks[n].name))
			continue;
		bool used = false;
		for (size_t i = 0; i < old->n_containers && !used; i++) {
			if (a->stop_old[i] || nc_plan_container(np, old->containers[i].name))
				continue;
			for (size_t k = 0; k < old->containers[i].n_ifaces; k++)
				used |= old->containers[i].ifaces[k].net == &old->networks[n];
		}
		a->gone_net[n] = !used;
	}
	return 0;
}

/* Brings back, from the plan they ran with, the containers step 1
 * stopped, with the old firewall table. On failure, *why says what could
 * not be brought back. */
static int restore_old(struct apply *a, const struct nc_up_opts *uo, nc_err *why)
{
	struct sup *s = a->s;

	s->p = a->old;
	s->life = a->old_life;
	nc_sup_index_pids(s);
	/* Its networks are all there (gone ones are deleted only at the end). */
	_cleanup_free_ bool *no_net = calloc(a->old->n_networks + 1, sizeof(bool));
	if (!no_net)
		return nc_err_errno(why, ENOMEM, "restore the services it stopped");
	if (nc_up_partial(a->old, s->st, uo, a->stop_old, no_net, why) < 0)
		return nc_err_prefix(why, "restore the services it stopped");
	for (size_t i = 0; i < a->old->n_containers; i++) {
		if (!a->stop_old[i])
			continue;
		struct nc_life *l = &s->life[i];
		bool wanted = l->wanted;
		*l = (struct nc_life){ .state = NC_CS_CREATED, .wanted = wanted };
	}
	if (start_marked(s, a->stop_old, NULL, why) < 0)
		return nc_err_prefix(why, "restart the services it stopped");
	return 0;
}

/* The journal forgets what this `up` removed (its records stay: `down`
 * finds nothing of it, which is no error). */
static void record_gone(const struct apply *a, const struct request *rq)
{
	nc_err e;

	for (size_t k = 0; rq->remove_orphans && k < a->rp.n_orphans; k++)
		if (nc_state_journal(a->s->st, &e, NC_J_GONE, "service", a->rp.orphans[k], NULL) < 0)
			nc_report_warn(a->s->rep, "%s", e.msg);
	for (size_t n = 0; n < a->old->n_networks; n++)
		if (a->gone_net[n] &&
		    nc_state_journal(a->s->st, &e, NC_J_GONE, "network", a->old->networks[n].name, NULL) < 0)
			nc_report_warn(a->s->rep, "%s", e.msg);
}

/* A failed reconcile: what it made for services and networks that did not
 * run before is gone again, and the journal says so. */
static void record_undone(const struct apply *a)
{
	nc_err e;

	for (size_t j = 0; j < a->rp.n; j++)
		if (a->rp.svc[j].action == NC_RC_CREATE &&
		    nc_state_journal(a->s->st, &e, NC_J_GONE, "service", a->rp.svc[j].name, NULL) < 0)
			nc_report_warn(a->s->rep, "%s", e.msg);
	for (size_t n = 0; n < a->np->n_networks; n++)
		if (a->new_net[n] &&
		    nc_state_journal(a->s->st, &e, NC_J_GONE, "network", a->np->networks[n].name, NULL) < 0)
			nc_report_warn(a->s->rep, "%s", e.msg);
}

static void reply_ok(const struct apply *a, const struct request *rq, struct nc_strbuf *reply)
{
	const char *ok[] = { "ok" };
	nc_record_append(reply, ok, 1);
	for (size_t j = 0; j < a->rp.n; j++) {
		const struct nc_rc_service *rs = &a->rp.svc[j];
		const char *f[] = { "service", rs->name, nc_rc_action_name(rs->action), rs->why };
		nc_record_append(reply, f, 4);
	}
	for (size_t k = 0; rq->remove_orphans && k < a->rp.n_orphans; k++) {
		const char *f[] = { "removed", a->rp.orphans[k] };
		nc_record_append(reply, f, 2);
	}
}

static void reply_error(struct nc_strbuf *reply, const nc_err *e)
{
	const char *f[] = { "error", e->msg };
	nc_strbuf_reset(reply);
	nc_record_append(reply, f, 2);
}

void nc_sup_reconcile(struct sup *s, const struct nc_records *req, struct nc_strbuf *reply)
{
	struct request rq;
	struct apply a = { .s = s, .old = s->p, .old_life = s->life };
	struct nc_project *proj = NULL;
	struct nc_records j = { 0 };
	struct nc_up_opts uo = { .paths = s->paths, .rep = s->rep };
	nc_err e, rerr;
	bool restored = true;

	if (parse_request(req, &rq, &e) < 0)
		goto refused;
	rq.o.paths = s->paths; /* pulled images' stamps, as `up` recorded them */
	if (s->o->attached) {
		nc_err_msg(&e, EBUSY, "project `%s` runs attached to a terminal; stop it there first",
			   s->p->project);
		goto refused;
	}
	if (load_plan(s, req, &rq, &proj, &a.np, &e) < 0)
		goto refused;
	if (nc_state_read_journal(s->st, &j, &e) < 0 ||
	    nc_reconcile_diff(a.np, &j, &rq.o, &a.rp, &e) < 0 || mark(&a, &rq, &e) < 0)
		goto refused;
	nc_records_free(&j);

	/* 1. stop what is recreated or removed, and remove its objects. */
	nc_sup_stop(s, a.stop_old);
	if (nc_up_remove(a.old, s->st, s->paths, s->rep, a.stop_old, NULL, &e) < 0) {
		restored = restore_old(&a, &uo, &rerr) == 0;
		goto failed;
	}
	/* 2. make the new; 3. start it. */
	if (nc_up_partial(a.np, s->st, &uo, a.make_new, a.new_net, &e) < 0) {
		nc_err ignore;
		nc_up_remove(a.np, s->st, s->paths, s->rep, a.make_new, a.new_net, &ignore);
		restored = restore_old(&a, &uo, &rerr) == 0;
		goto failed;
	}
	s->p = a.np;
	s->life = a.new_life;
	nc_sup_index_pids(s);
	if (start_marked(s, a.make_new, rq.oneoff ? rq.oneoff_name : NULL, &e) < 0) {
		nc_err ignore;
		nc_sup_stop(s, a.make_new);
		nc_up_remove(a.np, s->st, s->paths, s->rep, a.make_new, a.new_net, &ignore);
		restored = restore_old(&a, &uo, &rerr) == 0;
		goto failed;
	}
	/* 4. networks no one uses any more. */
	if (nc_up_remove(a.old, s->st, s->paths, s->rep, NULL, a.gone_net, &e) < 0)
		nc_report_warn(s->rep, "reconcile: %s", e.msg);
	record_gone(&a, &rq);
	/* 5. what the kept containers' /etc/hosts lists: services came or
	 * went (Compose resolves names by DNS, which sees them at once). */
	for (size_t i = 0; i < a.rp.n; i++) {
		if (a.rp.svc[i].action != NC_RC_UNCHANGED)
			continue;
		if (nc_container_hosts_refresh(a.np, &a.np->containers[a.rp.svc[i].container], s->st, &e) < 0)
			nc_report_warn(s->rep, "reconcile: %s", e.msg);
	}

	/* The new plan is the supervisor's now; the one before goes if it
	 * was one of ours. */
	free(a.old_life);
	a.new_life = NULL;
	nc_plan_free(s->own_plan);
	if (s->own_proj) {
		nc_project_close(s->own_proj);
		free(s->own_proj);
	}
	strv_free(s->own_env);
	s->own_plan = a.np;
	s->own_proj = proj;
	s->own_env = rq.env;
	rq.env = NULL;
	/* Kept, to be added again by every later reconcile. */
	for (size_t i = rq.oneoff; rq.oneoff && i < req->n; i++) {
		const char *k = req->v[i].f[0];
		if (i > rq.oneoff && !strcmp(k, "oneoff"))
			break;
		nc_record_append(&s->oneoffs, (const char *const *)req->v[i].f, req->v[i].n);
	}
	reply_ok(&a, &rq, reply);
	if (rq.oneoff) {
		const char *f[] = { "oneoff", rq.oneoff_name };
		nc_record_append(reply, f, 2);
	}
	apply_free(&a);
	free(rq.services);
	free(rq.files);
	free(rq.env_files);
	return;

failed:
	record_undone(&a);
	if (restored) {
		nc_err_prefix(&e, "the lab runs as it did before this `up`");
	} else {
		char first[NC_ERR_MSG_MAX];
		snprintf(first, sizeof(first), "%s", e.msg);
		nc_err_msg(&e, EIO, "%s; and %s: run `ncompose down` and `up` again", first, rerr.msg);
	}
	/* fall through */
refused:
	reply_error(reply, &e);
	nc_records_free(&j);
	apply_free(&a);
	if (s->p != a.np)
		nc_plan_free(a.np);
	if (proj) {
		nc_project_close(proj);
		free(proj);
	}
	strv_free(rq.env);
	free(rq.services);
	free(rq.files);
	free(rq.env_files);
}
