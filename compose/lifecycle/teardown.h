/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Removing a project's kernel objects: the one release path, used by
 * `down` and by `up` when it rolls back.
 *
 * Every piece works from two sources and needs neither: the journal (what
 * was about to be created) and the labels on the kernel objects themselves
 * (interface aliases, netns labels, cgroup paths, the nft table name), so
 * it also cleans up after a lost state directory. Every piece is
 * idempotent: a missing object is success.
 */
#ifndef NC_COMPOSE_TEARDOWN_H
#define NC_COMPOSE_TEARDOWN_H

#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/record.h"
#include "compose/lifecycle/report.h"
#include "netd/netd.h"
#include "runtime/runtime.h"

struct nc_teardown {
	const char *project;
	const struct nc_paths *paths;
	const struct nc_records *journal; /* may be empty */
	const char *state_dir;            /* <state_root>/<project>, may not exist */
	struct netd *nd;
	struct rt_cgroups *cg;
	struct nc_report *rep;
	unsigned grace_ms; /* per container, between SIGTERM and SIGKILL */
};

int nc_teardown_containers(struct nc_teardown *t, nc_err *err);
/* The containers' writable layers, on disk under <lib_dir>/containers/:
 * only once the containers are gone (not part of nc_teardown_all). */
int nc_teardown_layers(struct nc_teardown *t, nc_err *err);
int nc_teardown_links(struct nc_teardown *t, nc_err *err);
int nc_teardown_netns(struct nc_teardown *t, nc_err *err);
int nc_teardown_firewall(struct nc_teardown *t, nc_err *err);
int nc_teardown_cgroups(struct nc_teardown *t, nc_err *err);

/* All of the above but the layers, going on past failures; the first
 * failure is returned. Containers first; then the cgroups on a thread of
 * their own while links, namespaces and the firewall go on the caller's
 * (t->nd is used by the caller's thread only, t->cg by the other). */
int nc_teardown_all(struct nc_teardown *t, nc_err *err);

/* True when anything of the project is still there (for tests and for
 * `up` refusing to build over leftovers). `what` names the first found. */
int nc_teardown_leftovers(struct nc_teardown *t, bool *any, char *what, size_t size, nc_err *err);

#endif
