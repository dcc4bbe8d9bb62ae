/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A service's `build:` checked before anything is built: the Dockerfile
 * read and evaluated with the build arguments and target, and every COPY
 * or ADD source taken from the context found inside it (not `..` above
 * it, not through a symlink that leaves it, not left out by
 * .dockerignore). Errors name the Dockerfile's line.
 *
 * build-check is the first half of the builder (build.h): what
 * nc_build_prepare keeps is what the builder runs.
 */
#ifndef NC_COMPOSE_BUILD_CHECK_H
#define NC_COMPOSE_BUILD_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "compose/file/dockerfile-eval.h"
#include "compose/file/dockerfile.h"
#include "compose/file/dockerignore.h"
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

/* The checked build, kept for the builder: the Dockerfile, evaluated for
 * the target, the context (a descriptor on it) and its .dockerignore. */
struct nc_build_input {
	struct nc_dockerfile df;
	struct nc_df_build b;
	struct nc_dockerignore ignore;
	char dir[4096];     /* the context, absolute */
	char df_name[4096]; /* as errors name the Dockerfile */
	int ctx_fd;         /* O_PATH on dir */
};

int nc_build_prepare(const struct nc_model *m, const struct nc_service *s, struct nc_build_input *in,
		     struct nc_build_summary *sum, nc_err *err);
void nc_build_input_free(struct nc_build_input *in);

/* The Dockerfile evaluated again, now with the base images' ENV from
 * `base`, and its sources checked again: what the builder runs. */
int nc_build_reeval(struct nc_build_input *in, const struct nc_service *s, const struct nc_df_base_env *base,
		    nc_err *err);

/* BuildKit's automatic platform ARGs for a build on this machine (no
 * cross builds: the target is the build platform). */
struct nc_build_platform {
	char platform[100], os[32], arch[32], variant[32];
	struct nc_df_kv kv[8];
};
void nc_build_platform_args(struct nc_build_platform *p);

/* `a/./b/../c` as `a/c` (`.` for nothing); false when it climbs above. */
bool nc_build_clean_path(const char *in, char *out, size_t size);

#endif
