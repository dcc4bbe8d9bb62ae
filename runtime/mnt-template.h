/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A mount namespace that a batch of containers starts from instead of
 * ours: a copy of ours (a slave of it) without the mounts under one
 * directory (the network namespaces' pins under /run/netns, one per
 * container).
 *
 * A container's mount namespace begins as a copy of the one it is cloned
 * from, and its setup then walks that copy twice (making it private,
 * detaching the old root). With one pin per container in ours, each start
 * copied and walked every earlier container's pin: a thousand containers
 * made half a million mounts. From the template each start copies what
 * the host itself has mounted.
 *
 * Short-lived on purpose: a copy keeps every filesystem of the host
 * that is mounted under a private mount alive, and misses what the host
 * mounts there later. The caller opens one for a batch of starts and
 * closes it after; a single start (a restart, `ncompose run`) needs none.
 */
#ifndef NC_RUNTIME_MNT_TEMPLATE_H
#define NC_RUNTIME_MNT_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct rt_mnt_template {
	int fd;     /* the namespace (nsfs); -1: none */
	char *hide; /* the hidden directory, resolved; NULL: it is missing */
};

#define RT_MNT_TEMPLATE_INIT { .fd = -1 }

/*
 * Makes the template: a copy of the caller's mount namespace, all of it
 * made a slave of ours (nothing done to it reaches ours; what ours mounts
 * under a shared mount later still reaches it), with the mounts at and
 * under `hide` detached. A directory that is missing or no mount point
 * is left as it is. Needs CAP_SYS_ADMIN and CAP_SYS_CHROOT, and fails
 * when we run chrooted (a child joining it would leave the chroot); the
 * work runs on a thread of its own, so the caller's namespace never
 * changes.
 */
int rt_mnt_template_open(const char *hide, struct rt_mnt_template *t, nc_err *err);
void rt_mnt_template_close(struct rt_mnt_template *t);

struct rt_container_spec;

/*
 * Whether `spec` may start from t: not when a host path it mounts (a
 * bind, a loop image, a device, a file) is, holds or lies under the hidden
 * directory (a bind of /run/netns would find its pins gone). A path that
 * cannot be resolved says no, as does a NULL or closed t.
 */
bool rt_mnt_template_fits(const struct rt_mnt_template *t, const struct rt_container_spec *spec);

#endif
