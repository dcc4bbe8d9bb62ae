/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Registry images of a plan, pulled before anything is created: `pull`
 * pulls them all, `up` what each service's pull_policy asks (missing by
 * default). A pull makes no kernel object, so it is not part of up's
 * journal: a failed pull leaves nothing to roll back.
 */
#ifndef NC_COMPOSE_PULL_H
#define NC_COMPOSE_PULL_H

#include <stdbool.h>

#include "common/error.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/report.h"
#include "compose/plan/plan.h"

enum nc_pull_mode {
	NC_PULL_POLICY, /* each service's pull_policy */
	NC_PULL_ALWAYS, /* `pull`, `up --pull always` */
	NC_PULL_MISSING,
	NC_PULL_NEVER,
};

/* services: NULL-terminated names to limit it to, or NULL for all.
 * *pulled counts the images fetched. */
int nc_pull_images(const struct nc_plan *p, const struct nc_paths *paths, const char *const *services,
		   enum nc_pull_mode mode, struct nc_report *rep, size_t *pulled, nc_err *err);

/* ncompose does not build images yet: a service that would need a build
 * (`build:` with no `image:`, or pull_policy: build) is refused with its
 * place in the file (-EINVAL, a usage error); one with both runs its
 * `image:`. The build is checked first (build-check.h), so a fault in
 * the Dockerfile or the context is what is reported. services: as above. */
int nc_refuse_builds(const struct nc_plan *p, const char *const *services, nc_err *err);

/* The OCI layout of a registry image already pulled (malloc'ed), or an
 * error that says to pull it. */
int nc_pulled_layout(const struct nc_plan_container *pc, const struct nc_paths *paths, char **layout,
		     nc_err *err);

#endif
