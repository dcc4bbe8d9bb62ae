/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A parsed Dockerfile with its variables substituted the way Docker's
 * builder does it, instruction by instruction, for one target:
 *
 *   - ARGs before the first FROM are the global scope, seen by FROM lines
 *     only; a stage sees one when it declares it again (`ARG NAME`);
 *   - inside a stage, `ARG NAME[=default]` takes the build argument when
 *     one is given, else its default (expanded), else the global value;
 *   - ENV values are expanded with the scope before the instruction and
 *     always win over an ARG of the same name;
 *   - FROM, COPY, ADD (words, --from, --chown), ENV, LABEL, ARG, EXPOSE,
 *     VOLUME, WORKDIR, USER and STOPSIGNAL are expanded; RUN, CMD,
 *     ENTRYPOINT, SHELL and HEALTHCHECK are not (the shell does it), and
 *     JSON-form arrays are taken literally.
 *
 * Only the stages the target needs (FROM <stage>, COPY --from=<stage>)
 * are marked `needed`, as BuildKit skips the others. The base image's
 * own ENV comes from the caller (nc_df_eval_base): it is in scope from
 * the FROM on, as ENV (so it wins over an ARG of the same name, and an
 * ENV of the stage wins over it); an earlier stage used as a base passes
 * its ENV on, its own base's included.
 */
#ifndef NC_COMPOSE_DOCKERFILE_EVAL_H
#define NC_COMPOSE_DOCKERFILE_EVAL_H

#include "compose/file/dockerfile.h"

struct nc_df_step {
	const struct nc_df_instr *in;
	const char **words; /* expanded (or the instruction's args as they are) */
	size_t n_words;
	struct nc_df_kv *kv; /* ENV, LABEL: expanded; ARG: the value it took (NULL: none) */
	size_t n_kv;
	const char *copy_from;   /* COPY --from, expanded, or NULL */
	long copy_from_stage;    /* its stage, or -1 (an image, or no --from) */
	const char *chown;       /* --chown, expanded, or NULL */
	struct nc_df_kv *scope;  /* ARG and ENV values in effect before this step */
	size_t n_scope;
};

struct nc_df_stage {
	const char *base;     /* the FROM image, expanded ("scratch" too) */
	long base_stage;      /* the earlier stage FROM names, or -1 */
	const char *name;     /* AS name, or NULL */
	unsigned line;
	bool needed;
	struct nc_df_step *steps;
	size_t n_steps;
};

struct nc_df_build {
	struct nc_arena arena;
	struct nc_df_stage *stages;
	size_t n_stages;
	size_t target;
};

/* `args` are the build arguments (value NULL: not given). `target` names
 * a stage or is NULL (the last one). Errors name `df_name:LINE`. */
int nc_df_eval(const struct nc_dockerfile *df, const char *df_name, const struct nc_df_kv *args,
	       size_t n_args, const char *target, struct nc_df_build *out, nc_err *err);
void nc_df_build_free(struct nc_df_build *b);

/* The ENV of a base image: `env` gets its "KEY=VALUE" entries (NULL
 * ended, NULL: none), valid while the evaluation lasts. Called for each
 * FROM that names an image (not scratch, not a stage), with the stage's
 * index and the image as expanded. */
struct nc_df_base_env {
	int (*env)(void *ctx, size_t stage, const char *image, const char *const **env, nc_err *err);
	void *ctx;
	/* BuildKit's automatic platform ARGs (TARGETPLATFORM, TARGETARCH,
	 * BUILDPLATFORM, ...): in the global scope, so FROM sees them without
	 * a declaration and a stage's `ARG TARGETARCH` takes the value. */
	const struct nc_df_kv *platform_args;
	size_t n_platform_args;
};

/* nc_df_eval with the base images' ENV from `base` (NULL: none). */
int nc_df_eval_base(const struct nc_dockerfile *df, const char *df_name, const struct nc_df_kv *args,
		    size_t n_args, const char *target, const struct nc_df_base_env *base, struct nc_df_build *out,
		    nc_err *err);

#endif
