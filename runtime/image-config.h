/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An image's config: the JSON blob an OCI manifest's `config` names (and
 * docker save's `Config` file). Only its `config` object matters to a
 * container: the default process, environment, working directory, user,
 * stop signal, healthcheck, volumes, exposed ports and labels.
 *
 * The image store keeps the blob, verified against its digest, beside the
 * unpacked root: `<store>/<entry>.config.json` (image.h), so `up` reads it
 * without going back to the archive or the layout.
 */
#ifndef NC_RUNTIME_IMAGE_CONFIG_H
#define NC_RUNTIME_IMAGE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"

/* Bounds on what a config may hold: a real image has tens of entries; a
 * hostile one must not make every `up` allocate without limit. */
#define RT_IMAGE_CONFIG_MAX_BYTES (4u << 20)
#define RT_IMAGE_CONFIG_MAX_ITEMS 4096

struct rt_image_health {
	bool present;              /* `Healthcheck` given */
	const char *const *test;   /* ["CMD", ...], ["CMD-SHELL", "..."], ["NONE"]; NULL: inherit (none) */
	int64_t interval_ns, timeout_ns, start_period_ns; /* 0: the default */
	int retries;               /* 0: the default */
};

/* Every list is NULL-terminated, NULL when the config does not say; every
 * string lives in the arena given to the parser. */
struct rt_image_config {
	const char *const *entrypoint;
	const char *const *cmd;
	const char *const *env;       /* KEY=VALUE */
	const char *working_dir;      /* NULL or "": not set */
	const char *user;             /* NULL or "": not set */
	const char *stop_signal;      /* as written: "SIGQUIT", "3" */
	const char *const *volumes;   /* paths in the container */
	const char *const *exposed;   /* "80/tcp" */
	const char *const *labels;    /* KEY=VALUE */
	struct rt_image_health health;
};

/*
 * Parses a config blob. Missing fields (and JSON null) leave their member
 * NULL; a field of the wrong type, an Env entry that is not KEY=VALUE, a
 * list over RT_IMAGE_CONFIG_MAX_ITEMS or a negative duration is an error
 * that names the field: "config.Env[2]: not a string".
 */
int rt_image_config_parse(const char *text, struct nc_arena *a, struct rt_image_config *out, nc_err *err);

/*
 * The config the store keeps beside the unpacked root `rootfs_dir`
 * (`rootfs_dir` + ".config.json"), parsed. An image without one (a
 * directory, a rootfs tarball) gives an empty config and *found false.
 */
int rt_image_config_load(const char *rootfs_dir, struct nc_arena *a, struct rt_image_config *out, bool *found,
			 nc_err *err);

/* The name of that file for `rootfs_dir` (PATH_MAX buffer). */
int rt_image_config_path(const char *rootfs_dir, char *buf, size_t size);

#endif
