/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A one-off container of a service (`ncompose run`), as a service of its
 * own added to the model: the service's image, limits and networks, under
 * the name "<service>-run-<id>", with what Compose's `run` changes.
 *
 * What differs from the service, as Compose's `run` does it:
 *   - the command (and, when given, the entrypoint, `user`, `working_dir`
 *     and extra environment) of the caller;
 *   - no published ports (Compose publishes them only with
 *     --service-ports), no container_name, no network aliases;
 *   - no static address or MAC (they belong to the service's container,
 *     which keeps running): the planner gives it a free address;
 *   - restart "no", no profiles.
 * Appended last, so that the planner's file-order address allocation
 * gives every other container the address it already has.
 */
#ifndef NC_COMPOSE_ONEOFF_H
#define NC_COMPOSE_ONEOFF_H

#include "compose/file/model.h"

struct nc_oneoff {
	const char *const *command; /* NULL-terminated; NULL or empty: the service's */
	const char *const *entrypoint; /* NULL: the service's; empty: none */
	const char *const *env;     /* "K=V" or "K", NULL-terminated; may be NULL */
	const char *working_dir;    /* absolute, or NULL */
	const char *user;           /* or NULL */
};

/* The one-off's service name for `id` (letters and digits), in `out`.
 * -ENAMETOOLONG when it does not fit. */
int nc_oneoff_name(const char *service, const char *id, char *out, size_t size);

/* `name` is a one-off of `service`: "<service>-run-<letters and digits>". */
bool nc_oneoff_of(const char *name, const char *service);

/*
 * Appends the one-off of `service` named nc_oneoff_name(service, id) to
 * the model (call before planning: the services array moves). *out is the
 * new service. ENOENT when there is no such service, EEXIST when the name
 * is taken, EINVAL for a relative working directory or a bad -e entry.
 */
int nc_model_add_oneoff(struct nc_model *m, const char *service, const char *id,
			const struct nc_oneoff *o, const struct nc_service **out, nc_err *err);

#endif
