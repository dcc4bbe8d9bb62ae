/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A service's `build:` checked before anything is built: the Dockerfile
 * read and evaluated with the build arguments and target, and every COPY
 * or ADD source taken from the context found inside it (not `..` above
 * it, not through a symlink that leaves it, not left out by
 * .dockerignore). Errors name the Dockerfile's line.
 *
 * ncompose does not run builds yet; `build` and `up` use this to show
 * what is wrong with a build before they refuse it (build-check is the
 * first half of the builder: its result is what a builder would run).
 */
#ifndef NC_COMPOSE_BUILD_CHECK_H
#define NC_COMPOSE_BUILD_CHECK_H

#include <stddef.h>

#include "common/error.h"
#include "compose/file/model.h"

struct nc_build_summary {
	size_t n_stages; /* the stages the target needs */
	size_t n_steps;  /* their instructions */
	size_t n_runs;   /* their RUN instructions */
};

/* -EINVAL for a fault of the file, the Dockerfile or the context (a usage
 * error); another errno when reading failed. */
int nc_build_check(const struct nc_model *m, const struct nc_service *s, struct nc_build_summary *sum,
		   nc_err *err);

#endif
