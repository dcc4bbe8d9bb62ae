/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Planning of one container: names, interfaces, process, limits, routes. */
#ifndef NC_COMPOSE_PLAN_CONTAINER_H
#define NC_COMPOSE_PLAN_CONTAINER_H

#include "compose/plan/plan.h"

/* Everything but addresses and routes (those need every network planned). */
int nc_plan_container_build(struct nc_plan *p, const struct nc_service *s,
			    const struct nc_plan_host *host, struct nc_plan_container *pc,
			    nc_err *err);

/* Root filesystem, mounts, privileged, domainname (plan-fs.c); after the
 * capabilities, which `privileged` overrides. */
int nc_plan_container_fs(struct nc_plan *p, const struct nc_service *s, const struct nc_plan_host *host,
			 struct nc_plan_container *pc, nc_err *err);

/* `router:` (plan-router.c): capabilities, forwarding, mounts and the
 * command of a routing daemon's node; after the fs and the sysctls. */
int nc_plan_router(struct nc_plan *p, const struct nc_service *s, const struct nc_plan_host *host,
		   struct nc_plan_container *pc, nc_err *err);

/* A path of the file made absolute against the project directory
 * (plan-fs.c); NULL when out of memory. */
const char *nc_plan_file_path(struct nc_plan *p, const struct nc_plan_host *host, const char *path);

/* The default routes (through the gateway of the attachment with the
 * highest gw_priority, file order on ties) and the file's `routes`, checked
 * against the container's own subnets. */
int nc_plan_container_routes(struct nc_plan *p, struct nc_plan_container *pc, nc_err *err);

/* Shaping of an interface as netd takes it (and notes netem users). */
void nc_plan_shape(struct nc_plan *p, const struct nc_plan_container *pc, struct nc_plan_iface *pi,
		   const struct nc_shaping *sh);

/* The environment every container starts with, before `environment:`. */
#define NC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#endif
