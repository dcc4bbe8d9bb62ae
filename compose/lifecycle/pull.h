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

enum nc_build_mode {
	NC_BUILD_MISSING, /* build what is not in the store (and pull_policy: build always) */
	NC_BUILD_ALWAYS,  /* up --build */
	NC_BUILD_NEVER,   /* up --no-build: fail on what is missing */
};

/* The services with `build:` built as `mode` says, before anything is
 * created; never pulled (a build: service's image is the builder's). A
 * fault of the Dockerfile or the context is -EINVAL (a usage error). */
int nc_build_images(const struct nc_plan *p, const struct nc_paths *paths, const char *const *services,
		    enum nc_build_mode mode, struct nc_report *rep, size_t *built, nc_err *err);

/* The OCI layout of a registry image already pulled (malloc'ed), or an
 * error that says to pull it. */
int nc_pulled_layout(const struct nc_plan_container *pc, const struct nc_paths *paths, char **layout,
		     nc_err *err);

#endif
