/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A service's effective configuration as a hash, for a second `up`: two
 * plans whose container hashes are equal run the same thing the same way,
 * so a running container of that service is left alone.
 *
 * The hash covers the planned container, not the YAML: it is computed
 * from a canonical serialisation (fixed order, one field a line, lengths
 * before strings), so comments, key order, `checks:`, labels and anything
 * else that does not reach the container never change it, and it is the
 * same from one run to the next (no addresses of memory, no time).
 *
 * It is split in parts, each hashed alone, so `up --verbose` can say which
 * part changed; the service's hash is the hash of its parts' hashes.
 * Pure: no I/O (an image's content is not read here; see reconcile.c).
 */
#ifndef NC_COMPOSE_PLAN_HASH_H
#define NC_COMPOSE_PLAN_HASH_H

#include <stddef.h>

#include "common/sha256.h"
#include "common/strbuf.h"
#include "compose/plan/plan.h"

enum nc_hash_part {
	NC_HP_IMAGE,     /* root filesystem: image, read_only */
	NC_HP_PROCESS,   /* command, environment, working_dir, user, groups, hostname, tty */
	NC_HP_LIMITS,    /* cgroup limits, ulimits, shm_size, oom_score_adj */
	NC_HP_MOUNTS,    /* volumes, tmpfs, secrets, configs, devices */
	NC_HP_SECURITY,  /* capabilities, privileged, no_new_privs, seccomp, userns */
	NC_HP_NETWORKS,  /* attachments, addresses, MACs, routes, sysctls, DNS, and the
			    definitions of the networks it joins */
	NC_HP_LINKS,     /* point-to-point links and their peers */
	NC_HP_PORTS,     /* published ports */
	NC_HP_LIFE,      /* healthcheck, restart, stop signal and grace, init, logging */
	NC_HP_COUNT,
};

/* "image", "process", ... as recorded in the state and said by --verbose. */
const char *nc_hash_part_name(enum nc_hash_part part);

struct nc_plan_hash {
	char part[NC_HP_COUNT][NC_SHA256_HEX_LEN];
	char all[NC_SHA256_HEX_LEN];
};

/* The canonical text of one part of container i (for tests and
 * debugging); appended to out. */
void nc_plan_hash_text(const struct nc_plan *p, size_t i, enum nc_hash_part part,
		       struct nc_strbuf *out);

/* The hashes of container i. image_stamp (may be NULL) names the image's
 * content as the caller found it (its size and time of change on disk),
 * so a rebuilt image recreates the container. -ENOMEM when a buffer could
 * not grow. */
int nc_plan_hash(const struct nc_plan *p, size_t i, const char *image_stamp,
		 struct nc_plan_hash *out);

/* The hash of a network's definition (bridge, subnets, gateways, mtu,
 * internal, external): what containers on it see of it. */
int nc_plan_network_hash(const struct nc_plan_network *n, char out[NC_SHA256_HEX_LEN]);

#endif
