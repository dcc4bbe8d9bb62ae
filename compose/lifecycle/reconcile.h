/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A second `up` on a running project: what the file asks for, compared
 * with what runs. `up` records each service's configuration hash
 * (compose/plan/plan-hash.h) and each network's definition in the journal;
 * the diff compares the new plan's with the last recorded ones and says,
 * per service, created / recreated (and why) / unchanged, and which
 * services and networks are gone from the file (orphans).
 *
 * The diff is pure (the journal is given as records), so it is tested
 * without privilege.
 */
#ifndef NC_COMPOSE_RECONCILE_H
#define NC_COMPOSE_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/record.h"
#include "compose/lifecycle/report.h"
#include "compose/plan/plan-hash.h"
#include "compose/plan/plan.h"

/* Images' stamps (what says "this image as found on disk") for one pass
 * over a plan: each image is looked at once however many services run
 * it (a pulled image's index.json read, a local one's stat). Entries
 * borrow the plan's image names. */
struct nc_image_stamp {
	const char *image;
	bool registry;
	bool has;      /* false: not pulled, or not found */
	char stamp[96];
};
struct nc_image_stamps {
	struct nc_image_stamp *v;
	size_t n, cap;
};
#define NC_IMAGE_STAMPS_INIT { NULL, 0, 0 }
void nc_image_stamps_free(struct nc_image_stamps *s);

/* The hashes `up` records for container i: the planned container, and
 * its image as found on disk (a local image's size and time of change, a
 * pulled image's manifest), so a rebuilt or re-pulled image is a change.
 * paths may be NULL (no registry stamp); stamps may be NULL (the image
 * looked at again). */
int nc_service_hash(const struct nc_plan *p, size_t i, const struct nc_paths *paths,
		    struct nc_image_stamps *stamps, struct nc_plan_hash *out, nc_err *err);

/* The journal lines (NC_J_CONFIG for every container, NC_J_NETDEF for
 * every network) that record what this plan runs; appended to b. */
int nc_reconcile_records(const struct nc_plan *p, const struct nc_paths *paths, struct nc_strbuf *b, nc_err *err);

enum nc_rc_action {
	NC_RC_CREATE,    /* not running: made and started */
	NC_RC_RECREATE,  /* running with another configuration */
	NC_RC_UNCHANGED, /* running as the file says: left alone */
	NC_RC_SKIPPED,   /* not asked for (up SERVICE...) and not running */
};

const char *nc_rc_action_name(enum nc_rc_action a);

struct nc_rc_service {
	const char *name;        /* the plan's */
	size_t container;        /* index in the plan */
	enum nc_rc_action action;
	char why[256];           /* recreate: the parts that changed, or "--force-recreate" */
};

struct nc_rc_plan {
	struct nc_rc_service *svc; /* one per planned container, plan order */
	size_t n;
	char **orphans;            /* services running that the file no longer has */
	size_t n_orphans;
	char **new_networks;       /* networks of the file not running (not external) */
	size_t n_new_networks;
	char **gone_networks;      /* networks running that the file no longer has */
	size_t n_gone_networks;
	char **changed_networks;   /* networks whose definition changed */
	size_t n_changed_networks;
	size_t created, recreated, unchanged;
};

struct nc_rc_opts {
	bool force_recreate;   /* recreate every selected running service */
	bool no_recreate;      /* never recreate: a changed service is left as it runs */
	bool no_deps;          /* up SERVICE...: not what they depend on */
	const char *const *services; /* NULL: all */
	const struct nc_paths *paths; /* where pulled images are; NULL: no registry stamps */
};

/* Compares plan p with a running project's journal. An unknown name in
 * o->services is EINVAL naming it. */
int nc_reconcile_diff(const struct nc_plan *p, const struct nc_records *journal,
		      const struct nc_rc_opts *o, struct nc_rc_plan *out, nc_err *err);
void nc_rc_plan_free(struct nc_rc_plan *rp);

/* True when applying rp changes nothing that runs (no create, recreate,
 * new or removed network; orphans are only warned about unless removed). */
bool nc_rc_plan_is_noop(const struct nc_rc_plan *rp, bool remove_orphans);

/* Whether `project` is up (its journal says `up` finished); when it is,
 * *bridges (NULL-terminated, the caller frees it with nc_strv_freep) names
 * its bridges, for nc_project_plan_over. A project with leftovers of an
 * unfinished `up` is not up. */
int nc_reconcile_running(const struct nc_paths *paths, const char *project, bool *running,
			 char ***bridges, nc_err *err);

/* nc_reconcile_diff against the running project's journal. */
int nc_reconcile_plan(const struct nc_plan *p, const struct nc_paths *paths,
		      const struct nc_rc_opts *o, struct nc_rc_plan *out, nc_err *err);

#endif
