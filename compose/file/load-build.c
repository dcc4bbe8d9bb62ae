/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * services.<s>.build, read as Compose reads it so that the files people
 * have load, merge and print (`config`); compose/lifecycle/build*.c
 * builds from it.
 */
#include <stdio.h>
#include <string.h>

#include "compose/file/load.h"

static struct nc_build *B(void *obj)
{
	return &((struct nc_service *)obj)->build;
}

static int b_context(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		     void *obj)
{
	int r = nc_ld_string(ld, key, val, &B(obj)->context);
	if (r == 0 && !*B(obj)->context)
		return nc_ld_fail_key(ld, key, val->mark, "the build context is empty; use `.` for the file's directory");
	return r;
}

static int b_dockerfile(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
			void *obj)
{
	return nc_ld_string(ld, key, val, &B(obj)->dockerfile);
}

static int b_dockerfile_inline(struct nc_loader *ld, const struct nc_yt_node *key,
			       const struct nc_yt_node *val, void *obj)
{
	return nc_ld_string(ld, key, val, &B(obj)->dockerfile_inline);
}

/* args: `- NAME` (or NAME: null) takes its value from the environment
 * at build time, as Compose. */
static int b_args(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		  void *obj)
{
	return nc_ld_kvs(ld, key, val, false, &B(obj)->args, &B(obj)->n_args);
}

static int b_labels(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		    void *obj)
{
	return nc_ld_kvs(ld, key, val, true, &B(obj)->labels, &B(obj)->n_labels);
}

static int b_target(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		    void *obj)
{
	return nc_ld_string(ld, key, val, &B(obj)->target);
}

static int b_network(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		     void *obj)
{
	return nc_ld_string(ld, key, val, &B(obj)->network);
}

static int b_tags(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		  void *obj)
{
	return nc_ld_strlist(ld, key, val, &B(obj)->tags, &B(obj)->n_tags, NULL);
}

static int b_cache_from(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
			void *obj)
{
	return nc_ld_strlist(ld, key, val, &B(obj)->cache_from, &B(obj)->n_cache_from, NULL);
}

static int b_cache_to(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		      void *obj)
{
	return nc_ld_strlist(ld, key, val, &B(obj)->cache_to, &B(obj)->n_cache_to, NULL);
}

static int b_platforms(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		       void *obj)
{
	return nc_ld_strlist(ld, key, val, &B(obj)->platforms, &B(obj)->n_platforms, NULL);
}

static int b_shm_size(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		      void *obj)
{
	return nc_ld_bytes(ld, key, val, &B(obj)->shm_size);
}

static int b_no_cache(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		      void *obj)
{
	return nc_ld_bool(ld, key, val, &B(obj)->no_cache);
}

static int b_pull(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		  void *obj)
{
	return nc_ld_bool(ld, key, val, &B(obj)->pull);
}

static int b_secrets(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		     void *obj)
{
	return nc_ld_file_refs(ld, key, val, &B(obj)->secrets, &B(obj)->n_secrets);
}

#define UNSUPPORTED(k) { k, NULL, NC_LD_UNSUPPORTED }

static const struct nc_ld_key build_keys[] = {
	UNSUPPORTED("additional_contexts"),
	{ "args", b_args, 0 },
	{ "cache_from", b_cache_from, 0 },
	{ "cache_to", b_cache_to, 0 },
	{ "context", b_context, 0 },
	{ "dockerfile", b_dockerfile, 0 },
	{ "dockerfile_inline", b_dockerfile_inline, 0 },
	UNSUPPORTED("entitlements"),
	UNSUPPORTED("extra_hosts"),
	UNSUPPORTED("isolation"),
	{ "labels", b_labels, 0 },
	{ "network", b_network, 0 },
	{ "no_cache", b_no_cache, 0 },
	{ "platforms", b_platforms, 0 },
	UNSUPPORTED("privileged"),
	UNSUPPORTED("provenance"),
	{ "pull", b_pull, 0 },
	UNSUPPORTED("sbom"),
	{ "secrets", b_secrets, 0 },
	{ "shm_size", b_shm_size, 0 },
	UNSUPPORTED("ssh"),
	{ "tags", b_tags, 0 },
	{ "target", b_target, 0 },
	UNSUPPORTED("ulimits"),
};

NC_LD_READER(nc_svc_build)
{
	struct nc_build *b = B(obj);
	int r;

	b->present = true;
	b->mark = key->mark;
	b->shm_size = NC_UNSET;
	if (val->kind == NC_YT_SCALAR && val->type == NC_YT_STR)
		return b_context(ld, key, val, obj);
	if (val->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, val, "a directory or a mapping");
	if ((r = nc_ld_map(ld, key, val, build_keys, NC_ELEMENTSOF(build_keys), obj)) < 0)
		return r;
	if (b->dockerfile && b->dockerfile_inline)
		return nc_ld_fail_key(ld, key, val->mark, "give `dockerfile` or `dockerfile_inline`, not both");
	if (!b->context && !(b->context = nc_arena_strdup(ld->a, ".")))
		return nc_ld_oom(ld);
	return 0;
}
