/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From a planned container to what the runtime needs: its files in the
 * state directory (/etc/hosts, /etc/hostname, /etc/resolv.conf, the empty
 * root mount point, the log), the runtime spec, and the record that `ps`,
 * `exec` and `down` read back.
 */
#ifndef NC_COMPOSE_RUNTIME_SPEC_H
#define NC_COMPOSE_RUNTIME_SPEC_H

#include <limits.h>
#include <sys/types.h>

#include "common/arena.h"
#include "compose/lifecycle/image-process.h"
#include "compose/lifecycle/paths.h"
#include "compose/plan/plan.h"
#include "compose/lifecycle/state.h"
#include "runtime/runtime.h"

struct nc_container_spec {
	struct rt_container_spec rt;
	char name[512]; /* "project/service", for messages */
	char dir[PATH_MAX];
	char netns_path[PATH_MAX];
	char root_dir[PATH_MAX];
	char log_path[PATH_MAX];
	char hosts[PATH_MAX], hostname[PATH_MAX], resolv[PATH_MAX];
	struct rt_bind_file files[3];
	/* Owned (nc_container_spec_free): the image layer, the mounts and
	 * the paths they point to. */
	char *lower;
	/* What the overlay stacks, uppermost first: the image's layers in
	 * the store (rt_image_lower_dirs), or `lower` itself. */
	char **lowers;
	size_t n_lowers;
	/* The image store's lock, held shared from the image's unpacking
	 * until nc_container_spec_free (after the record is written), so
	 * `rmi` and `image prune` never take what is being started; -1. */
	int store_lock;
	char upper[PATH_MAX], work[PATH_MAX];
	/* userns_mode with an image whose filesystem cannot be idmapped:
	 * its files show as nobody's inside (the caller warns). */
	bool layers_not_idmapped;
	struct rt_mount *mounts;
	char **mount_paths;
	size_t n_mounts;
	/* The process with the image's config applied (image-process.h);
	 * its strings live in `arena` or the plan. */
	struct nc_arena arena;
	struct nc_process proc;
	/* From the image's config, for the record (inspect): NULL-terminated. */
	const char *const *exposed, *const *labels;
};

/* A running container's /etc/hosts rewritten in place from plan p (a
 * second `up` added or removed services it sees); untouched when equal. */
int nc_container_hosts_refresh(const struct nc_plan *p, const struct nc_plan_container *pc, struct nc_state *st,
			       nc_err *err);

/* /etc/hosts, /etc/hostname and /etc/resolv.conf of `pc` into its state
 * directory. `hosts`: its hosts file already rendered (nc_etc_hosts, shared
 * by the containers nc_etc_hosts_same pairs), or NULL to render it here.
 * Each container still gets a file of its own: it is writable inside. */
int nc_container_files_write(const struct nc_plan *p, const struct nc_plan_container *pc,
			     struct nc_state *st, const char *host_resolv,
			     const struct nc_strbuf *hosts, nc_err *err);

/* masked: nc_container_masked_paths(), computed once for all containers.
 * Also makes what the container's filesystem needs on the host: the
 * image unpacked once into the content store, the writable layer, missing
 * bind sources (Compose's short syntax), named volumes' directories. */
int nc_container_spec_build(const struct nc_plan *p, const struct nc_plan_container *pc,
			    struct nc_state *st, const struct nc_paths *paths,
			    struct rt_cgroups *cg, const char *const *masked,
			    struct nc_container_spec *cs, nc_err *err);
void nc_container_spec_free(struct nc_container_spec *cs);

/* cs: the spec the container was started with (its process as the image
 * made it); NULL records the plan's. */
int nc_container_record_write(const struct nc_plan *p, const struct nc_plan_container *pc,
			      const struct nc_container_spec *cs, struct nc_state *st, pid_t pid, nc_err *err);

/* `rm`: forgets a container that is not running: its writable layer, its
 * log and its record go (its network namespace and wiring stay, as they
 * belong to the project until `down`); a later start makes a fresh one. */
int nc_container_remove(const struct nc_plan *p, const struct nc_plan_container *pc,
			struct nc_state *st, const struct nc_paths *paths, nc_err *err);

/* What the host keeps private from a container that shares its root
 * filesystem, plus ncompose's own state and volumes. */
int nc_container_masked_paths(const struct nc_paths *paths, char ***out, nc_err *err);

#endif
