/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the builder (build.c, build-image.c, build-step.c,
 * build-run.c, build-cache.c): what a stage holds while it is built.
 */
#ifndef NC_COMPOSE_BUILD_INTERNAL_H
#define NC_COMPOSE_BUILD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/sha256.h"
#include "compose/file/dockerfile-eval.h"
#include "compose/lifecycle/build-check.h"
#include "compose/lifecycle/paths.h"

struct rt_mount;

struct nc_strv {
	const char **v;
	size_t n, cap;
};

struct nc_blayer {
	const char *digest;     /* sha256:... of the blob */
	const char *media_type;
	const char *diff_id;    /* sha256:... of the uncompressed tar */
	uint64_t size;
};

struct nc_bconfig {
	struct nc_strv env, cmd, entrypoint, exposed, labels, volumes, shell, health_test;
	bool cmd_set, entrypoint_set, health_set, cmd_here;
	const char *working_dir, *user, *stop_signal;
	int64_t health_interval, health_timeout, health_start; /* ns; 0: default */
	int health_retries;
};

struct nc_bstage {
	struct nc_blayer *layers;
	size_t n_layers, cap_layers;
	struct nc_bconfig cfg;
	char key[NC_SHA256_HEX_LEN]; /* the cache key of its last step */
	bool built;
};

/* An image named by FROM or COPY --from, read once per build. */
struct nc_bbase {
	struct nc_bbase *next;
	const char *ref; /* as the Dockerfile names it, expanded */
	struct nc_bstage st; /* key: of "FROM <manifest digest>" */
};

struct nc_builder {
	struct nc_arena a;
	const struct nc_paths *paths;
	struct nc_build_input *in;
	const char *service;
	char registry[4096]; /* <lib>/registry: blobs and tagged layouts */
	char images[4096];   /* <lib>/images: layers unpacked for RUN */
	char cache[4096];    /* <lib>/build-cache */
	char tmp[4096];      /* <lib>/build-tmp */
	bool no_cache;
	const char *network; /* build.network, NULL: none */
	const struct nc_model *model;  /* for build.secrets */
	const struct nc_service *svc;
	FILE *out;
	unsigned step_no;
	struct nc_bstage *stages;
	struct nc_bbase *bases;
	nc_err *err;
};

int nc_strv_push(struct nc_arena *a, struct nc_strv *v, const char *s);
/* KEY=VALUE set in v (replaced when KEY is there). */
int nc_strv_setenv(struct nc_arena *a, struct nc_strv *v, const char *key, const char *value);
int nc_strv_copy(struct nc_arena *a, struct nc_strv *dst, const struct nc_strv *src);

/* build-image.c: FROM an image in the registry store (pulled when missing)
 * and the tagged result. */
int nc_bimage_from(struct nc_builder *b, const char *ref, struct nc_bstage *st, char manifest_digest[80]);
/* The image `ref` as a stage to start from or copy from (pulled when
 * missing), read once per build; NULL with b->err set on failure. */
struct nc_bstage *nc_bimage_base(struct nc_builder *b, const char *ref);
int nc_bimage_tag(struct nc_builder *b, const struct nc_bstage *st, const char *ref,
		  const struct nc_strv *extra_labels, char digest[80]);
int nc_bstage_add_layer(struct nc_builder *b, struct nc_bstage *st, const char *digest, const char *media_type,
			const char *diff_id, uint64_t size);

/* build-cache.c */
struct nc_bcache_entry {
	bool has_layer;
	char digest[80];
	uint64_t size;
};
/* The key of a step: the parent's key, the instruction as evaluated, the
 * build arguments and environment in scope, and what it copies. */
void nc_bcache_key(const char *parent, const struct nc_df_step *step, const char *content,
		   char key[NC_SHA256_HEX_LEN]);
/* 1: found (and, for a layer, its blob is still in the store), 0: not. */
int nc_bcache_get(struct nc_builder *b, const char *key, struct nc_bcache_entry *e);
int nc_bcache_put(struct nc_builder *b, const char *key, const struct nc_bcache_entry *e);

/* build-layer.c: a layer file being written into the registry store. */
struct rt_tarw;
struct nc_blayer_file {
	int fd;
	char part[4096];
	struct rt_tarw *w;
};
int nc_blayer_begin(struct nc_builder *b, struct nc_blayer_file *f);
/* Renamed to its digest's name; *digest "sha256:...", *size. */
int nc_blayer_commit(struct nc_builder *b, struct nc_blayer_file *f, char digest[80], uint64_t *size);
void nc_blayer_abort(struct nc_blayer_file *f);
/* Directory entries for every component of `dir` ("a/b/c"). */
int nc_blayer_parents(struct nc_blayer_file *f, const char *dir, nc_err *err);
/* The stage's layers unpacked in the image store; *dirs (malloc'ed), the
 * overlay's lower directories, uppermost first. */
int nc_bstage_lower(struct nc_builder *b, const struct nc_bstage *st, char ***dirs, size_t *n);

/* build-step.c: COPY and ADD into a new layer (`content`: what the cache
 * key covers, for the caller's key) */
int nc_bstep_copy_content(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step,
			  char content[NC_SHA256_HEX_LEN + 1]);
int nc_bstep_copy(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step, char digest[80],
		  uint64_t *size);

/* build-run.c: RUN in a container; its writable layer the new layer. */
int nc_bstep_run(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step, char digest[80],
		 uint64_t *size);

/* build-mount.c: RUN --mount. What its bind mounts show of the context,
 * for the step's cache key ("" when it has none); and the mounts for the
 * RUN's container, in the builder's arena: a secret from build.secrets
 * (a file bound read-only, or a variable's text written into `tmp`, the
 * RUN's own directory; with env=NAME also in `env`); ssh mounts and
 * secrets the service lacks, when not required, left out with a line. */
int nc_bmount_content(struct nc_builder *b, const struct nc_df_step *step, char content[NC_SHA256_HEX_LEN + 1]);
int nc_bmount_plan(struct nc_builder *b, const struct nc_bstage *st, const struct nc_df_step *step,
		   const char *tmp, struct nc_strv *env, struct rt_mount **mounts, size_t *n);

/* WORKDIR: a layer with the stage's working directory and its missing
 * parents (root's, 0755), when the stage's layers do not have it: 1 and
 * the layer's digest and size; 0 when it is there. */
int nc_bstep_workdir(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step, char digest[80],
		     uint64_t *size);

/* build-layers.c: a stage's files read from its unpacked layers (`dirs`,
 * uppermost first, as nc_bstage_lower gives them), never following a
 * symlink out of a layer. */
/* 1: `rel` ("a/b", "." the root) is a directory there; 0: it is not
 * there (never, or removed by a whiteout or an opaque directory); -ENOTDIR
 * when it is there as something else. */
int nc_blayers_dir(const char *const *dirs, size_t n, const char *rel, nc_err *err);
/* `rel` with the symlinks the layers have on its way resolved as the
 * container would see them (a link in one layer to a directory of
 * another, absolute links at the image's root, at most 40): the path a
 * directory is made at. What is missing is kept as written. */
int nc_blayers_realpath(const char *const *dirs, size_t n, const char *rel, char *out, size_t size, nc_err *err);
/* --chown's `spec` (user[:group], names or ids) resolved in the layers'
 * etc/passwd and etc/group, copied to a directory made in `tmp_dir` and
 * read inside it (rt_user_resolve). */
int nc_blayers_user(const char *const *dirs, size_t n, const char *tmp_dir, const char *spec, uid_t *uid,
		    gid_t *gid, nc_err *err);

/* build-meta.c: the instructions that change only the config. */
/* RUN, CMD, ENTRYPOINT's command: the exec form as it is, the shell form
 * run by the stage's SHELL (default /bin/sh -c). */
int nc_bstage_command(struct nc_builder *b, const struct nc_bstage *st, const struct nc_df_step *step,
		      struct nc_strv *out);
int nc_bstep_meta(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step);

#endif
