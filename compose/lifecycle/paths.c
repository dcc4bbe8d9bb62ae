/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/paths.h"

#include <stdlib.h>

#include "config.h"

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

void nc_paths_from_env(struct nc_paths *p)
{
	p->state_root = env_or("NCOMPOSE_STATE_DIR", NC_STATE_DIR);
	p->netns_dir = env_or("NCOMPOSE_NETNS_DIR", "/run/netns");
	p->cgroup_root = env_or("NCOMPOSE_CGROUP_ROOT", "/sys/fs/cgroup");
	p->lib_dir = env_or("NCOMPOSE_LIB_DIR", NC_LIB_DIR);
}
