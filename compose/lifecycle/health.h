/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A healthcheck probe: the service's `healthcheck.test` run inside its
 * container (all its namespaces and its cgroup, its environment and
 * capabilities), in a process of its own so the supervisor never blocks
 * on it. */
#ifndef NC_COMPOSE_HEALTH_H
#define NC_COMPOSE_HEALTH_H

#include <sys/types.h>

#include "compose/lifecycle/state.h"
#include "compose/plan/plan.h"
#include "runtime/runtime.h"

/* Forks the probe (its own process group, so a timeout kills all of it)
 * and returns its pid; the probe's exit status is the test's. It runs
 * with the environment, user and working directory the container's
 * record gives (its image's config applied), the plan's when there is
 * none. */
int nc_health_probe_start(const struct nc_plan_container *pc, const struct nc_healthcheck *h,
			  struct nc_state *st, pid_t init_pid, struct rt_cgroups *cg, pid_t *probe, nc_err *err);

/* Ends a probe that ran past its timeout (the whole process group). */
void nc_health_probe_kill(pid_t probe);

#endif
