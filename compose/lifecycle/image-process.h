/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process a container runs once its image's config is known, by
 * Docker's rules: the service's keys win, the image fills in the rest.
 *
 *   argv   entrypoint: replaces the image's Entrypoint AND drops its Cmd;
 *          command: replaces the Cmd; the process is Entrypoint + Cmd
 *          (nothing at all: an idle container, as without an image)
 *   env    the image's Env first, then the service's env_file and
 *          environment, which win per name; PATH and HOME only default
 *          when neither sets them; HOSTNAME is always the container's
 *   cwd    working_dir, else WorkingDir, else /
 *   user   user:, else User (resolved in the container's passwd)
 *   stop   stop_signal, else StopSignal, else SIGTERM
 *
 * Pure: no file is read here (the caller loads the config), so the
 * precedence table has unit tests of its own.
 */
#ifndef NC_COMPOSE_IMAGE_PROCESS_H
#define NC_COMPOSE_IMAGE_PROCESS_H

#include "common/arena.h"
#include "common/error.h"
#include "compose/plan/plan.h"
#include "runtime/image-config.h"

struct nc_process {
	const char *const *argv; /* NULL: idle */
	const char *const *env;  /* NULL-terminated */
	const char *cwd;         /* NULL: / */
	const char *user;        /* NULL: root */
	int stop_signal;         /* 0: SIGTERM */
	/* The service's healthcheck, or one made from the image's (its
	 * timings overridden by the service's where it sets them). */
	struct nc_healthcheck health;
};

/* ic may be NULL (no image, or an image without a config): the plan's
 * values as they are. Strings point into the plan, the config or `a`. An
 * image StopSignal that names no signal is an error. */
int nc_image_process(const struct nc_plan_container *pc, const struct rt_image_config *ic, struct nc_arena *a,
		     struct nc_process *out, nc_err *err);

#endif
