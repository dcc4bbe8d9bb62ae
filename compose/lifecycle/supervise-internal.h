/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The supervisor's tables, shared by supervise.c (its loop) and
 * supervise-reconcile.c (a second `up`, applied by the supervisor because
 * it is the parent of every container). Not for other files.
 */
#ifndef NC_COMPOSE_SUPERVISE_INTERNAL_H
#define NC_COMPOSE_SUPERVISE_INTERNAL_H

#include "common/arena.h"
#include "compose/lifecycle/follow.h"
#include "compose/lifecycle/lifecycle.h"
#include "compose/lifecycle/pidmap.h"
#include "compose/lifecycle/project.h"
#include "compose/lifecycle/supervise.h"

/* A healthcheck a container started with (its image's applied): a deep
 * copy, since the plan it came from may be replaced by a reconcile. */
struct sup_health {
	struct nc_healthcheck h;
	struct nc_arena a;
};

struct sup {
	const struct nc_plan *p;
	const struct nc_paths *paths;
	struct nc_state *st;
	struct rt_cgroups *cg;
	struct nc_report *rep;
	const struct nc_supervise_opts *o;
	struct nc_life *life;
	char **masked;
	struct nc_follow *follow;
	int sfd; /* signals, for a second Ctrl-C while stopping */
	bool ready;
	bool failed;
	nc_err fail;
	/* After a second `up`: the plan p now is, with the project (model)
	 * and environment it borrows from; NULL while p is the caller's. */
	struct nc_plan *own_plan;
	struct nc_project *own_proj;
	char **own_env;
	/* The one-offs (`run`) added so far, as their request records: every
	 * later reconcile adds them again, in the same order, so they keep
	 * their names and addresses. */
	struct nc_strbuf oneoffs;
	/* Indexed by nc_life.health_slot - 1; never reindexed, so a life a
	 * reconcile copies keeps its slot. */
	struct sup_health *health;
	size_t n_health;
	/* The running inits' and probes' pids to their container's index, so
	 * reaping one is a lookup. Only a shortcut: an entry is checked
	 * against life[] before use, and a pid not found is looked for in
	 * life[] as before. */
	struct nc_pidmap pids;
	/* While a batch of starts runs (start_round): the mount namespace
	 * its containers copy (mnt-template.h); NULL otherwise. */
	const struct rt_mnt_template *mnt_template;
};

/* supervise.c */
int nc_sup_start(struct sup *s, size_t i, nc_err *why);
void nc_sup_stop(struct sup *s, const bool *which);
void nc_sup_reap(struct sup *s);
/* Indexes life[]'s pids afresh (after a reconcile renumbered it). */
void nc_sup_index_pids(struct sup *s);

/* supervise-reconcile.c: answers NC_CONTROL_RECONCILE. */
void nc_sup_reconcile(struct sup *s, const struct nc_records *req, struct nc_strbuf *reply);
void nc_sup_reconcile_release(struct sup *s);

#endif
