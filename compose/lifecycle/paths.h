/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a project's objects live on the host. Every root is a parameter
 * (tests and the sandbox point them elsewhere); the defaults come from the
 * build configuration and can be overridden from the environment:
 * NCOMPOSE_STATE_DIR, NCOMPOSE_NETNS_DIR, NCOMPOSE_CGROUP_ROOT,
 * NCOMPOSE_LIB_DIR.
 */
#ifndef NC_COMPOSE_PATHS_H
#define NC_COMPOSE_PATHS_H

struct nc_paths {
	const char *state_root;  /* /run/ncompose */
	const char *netns_dir;   /* /run/netns (iproute2's, so `ip netns` sees ours) */
	const char *cgroup_root; /* /sys/fs/cgroup */
	const char *lib_dir;     /* /var/lib/ncompose */
};

void nc_paths_from_env(struct nc_paths *p);

#endif
