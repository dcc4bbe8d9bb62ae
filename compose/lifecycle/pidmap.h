/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A map from process ids to positions (the supervisor's: which container
 * an ended pid belonged to). With a linear scan per reaped pid, stopping
 * N containers cost N^2 comparisons; this makes each one a lookup.
 * Open addressing with linear probing, grown at half full; removal shifts
 * the run that follows back, so no tombstones pile up.
 */
#ifndef NC_COMPOSE_PIDMAP_H
#define NC_COMPOSE_PIDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct nc_pidmap_slot {
	pid_t pid; /* 0: empty */
	size_t value;
};
struct nc_pidmap {
	struct nc_pidmap_slot *slots;
	size_t cap, n;
};
#define NC_PIDMAP_INIT { NULL, 0, 0 }

/* Maps pid (> 0) to value, replacing what it mapped to; -ENOMEM, -EINVAL. */
int nc_pidmap_put(struct nc_pidmap *m, pid_t pid, size_t value);
/* Is pid there? *value is what it maps to. */
bool nc_pidmap_get(const struct nc_pidmap *m, pid_t pid, size_t *value);
/* Forgets pid (nothing if it is not there). */
void nc_pidmap_del(struct nc_pidmap *m, pid_t pid);
/* Forgets every pid, keeping the memory. */
void nc_pidmap_clear(struct nc_pidmap *m);
void nc_pidmap_free(struct nc_pidmap *m);

#endif
