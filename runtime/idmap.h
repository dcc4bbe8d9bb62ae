/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Idmapped mounts (Linux 5.12+) for userns_mode: an image's layers shown
 * to the container's user namespace with their owners shifted into its
 * range, so root of the range owns the image's files as root owns them
 * on disk, and nothing on disk changes.
 */
#ifndef NC_RUNTIME_IDMAP_H
#define NC_RUNTIME_IDMAP_H

#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* A user namespace mapping 0..size-1 to host ids base..: the descriptor
 * of /proc/<pid>/ns/user of a short-lived child made for it. Parent side;
 * fork-safe from a threaded caller (the child only blocks and exits). */
int rt_userns_fd(uint32_t base, uint32_t size, nc_err *err);

/* Writes uid_map and gid_map of process `pid` (just unshared or cloned
 * into a new user namespace): 0..size-1 inside are host ids base... The
 * caller holds CAP_SETUID and CAP_SETGID over them, so setgroups stays
 * allowed inside. */
int rt_userns_write_maps(pid_t pid, uint32_t base, uint32_t size, nc_err *err);

/* A detached copy of the mount at `dir` with that idmapping: a mount
 * descriptor for rt_move_mount. */
int rt_idmap_tree(const char *dir, int userns_fd, nc_err *err);

/* 1 when the filesystem under `dir` can be idmapped (ext4, xfs, btrfs,
 * tmpfs on 6.3+, ...), 0 when it cannot (9p, NFS, older kernels), < 0 on
 * another error. Creates nothing that outlives the call. */
int rt_idmap_supported(const char *dir, nc_err *err);

#endif
