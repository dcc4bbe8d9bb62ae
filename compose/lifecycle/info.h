/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A running project's containers as its state records them (ps, exec). */
#ifndef NC_COMPOSE_INFO_H
#define NC_COMPOSE_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/state.h"
#include "runtime/runtime.h"

struct nc_info_iface {
	const char *ifname, *network, *addr4, *addr6; /* addr "-" when none */
};

struct nc_info_port {
	const char *proto, *host_ip; /* "tcp"|"udp"; "*": every address */
	unsigned host_port, port;
};

struct nc_container_info {
	struct nc_records rec; /* owns every string below */
	const char *service;
	pid_t pid;
	long long started;
	const char *netns;
	const char *cgroup;
	uint64_t caps;
	bool no_new_privs;
	const char *user;             /* NULL: root */
	const char **groups;          /* group_add, NULL-terminated */
	size_t n_groups;
	bool seccomp_unconfined;
	struct rt_ulimit *ulimits;
	size_t n_ulimits;
	const char *cwd; /* working_dir, NULL = / */
	const char **env; /* NULL-terminated */
	const char **argv; /* NULL when idle */
	bool exited;      /* the init ended (recorded by the supervisor) */
	int exit_code;
	const char *health; /* "" without a healthcheck */
	const char *ended_as; /* the supervisor's word once the init ended: exited|restarting|stopped, or NULL */
	unsigned restarts;
	struct nc_info_iface *ifaces;
	size_t n_ifaces;
	const char *image;            /* path; NULL: the host's root */
	const char **exposed;         /* the image's ExposedPorts ("80/tcp"), NULL-terminated */
	const char **labels;          /* the image's Labels (KEY=VALUE), NULL-terminated */
	struct nc_info_port *ports;   /* published */
	size_t n_ports;
};

int nc_info_read(struct nc_state *st, const char *service, struct nc_container_info *ci,
		 nc_err *err);
void nc_info_free(struct nc_container_info *ci);

/* Services of the project in file order (from the journal). */
int nc_info_services(struct nc_state *st, char ***names, nc_err *err);

/* True when the recorded init still runs in the container's cgroup. */
bool nc_info_running(const struct nc_container_info *ci, struct rt_cgroups *cg);

/* True when `pause` froze the container's cgroup. */
bool nc_info_paused(const struct nc_container_info *ci, struct rt_cgroups *cg);

/* The processes of the container's cgroup (malloc'ed), for `top`. */
int nc_info_pids(struct rt_cgroups *cg, const struct nc_container_info *ci, pid_t **pids,
		 size_t *n, nc_err *err);

/* The host's cgroup hierarchies under paths->cgroup_root, where the
 * containers' cgroups are (for nc_info_running and nc_info_stats). */
int nc_info_cgroups_open(const struct nc_paths *paths, struct rt_cgroups **cg, nc_err *err);
void nc_info_cgroups_close(struct rt_cgroups *cg);

/* The counters of a container's cgroup (`stats`). */
int nc_info_stats(struct rt_cgroups *cg, const struct nc_container_info *ci,
		  struct rt_cgroup_stats *st, nc_err *err);

/* A capability's name ("CAP_NET_ADMIN"), or NULL for a number the build
 * does not know. */
const char *nc_info_cap_name(int cap);

#endif
