/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The builder: a service's `build:` run with ncompose's own runtime and
 * the result tagged in the image store, where `up` finds it as it finds a
 * pulled image. Stage by stage (only those the target needs), each
 * instruction either changes the config (ENV, CMD, ...) or adds a layer
 * (COPY, ADD, RUN); every step has a cache key (the parent's key, the
 * instruction as evaluated, the variables RUN sees, the content COPY and
 * ADD read), and a step whose key is in the cache is not run again
 * ("CACHED"). See compose/lifecycle/README.md, "The builder".
 */
#ifndef NC_COMPOSE_BUILD_H
#define NC_COMPOSE_BUILD_H

#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"
#include "common/image-ref.h"
#include "compose/file/model.h"
#include "compose/lifecycle/paths.h"

struct nc_build_opts {
	bool no_cache; /* run every step; the cache is still written */
	FILE *out;     /* one line a step, RUN's output as it comes */
};

/* The name the result is tagged with: `image:`, or PROJECT-SERVICE. */
const char *nc_build_image_name(const struct nc_model *m, const struct nc_service *s, char *buf, size_t size);

/* Builds `s` and tags it. -EINVAL: a fault of the file, the Dockerfile or
 * the context (a usage error); another errno: a step failed (a RUN's
 * exit code is in the message), nothing is tagged then. */
int nc_build_service(const struct nc_model *m, const struct nc_service *s, const struct nc_paths *paths,
		     const struct nc_build_opts *o, nc_err *err);

/* Whether the image `s` would be tagged with is in the store. */
bool nc_build_present(const struct nc_model *m, const struct nc_service *s, const struct nc_paths *paths);

#endif
