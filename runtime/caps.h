/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities inside the runtime: the child-side reduction. */
#ifndef NC_RUNTIME_CAPS_H
#define NC_RUNTIME_CAPS_H

#include <stdint.h>

#include "common/error.h"

/* The highest capability the kernel knows (/proc/sys/kernel/cap_last_cap,
 * else the one our headers know). Parent side. */
int rt_cap_last(void);

/*
 * Child side (no allocation). Drops from the bounding set every capability
 * up to last_cap that is not in `keep`, clears the ambient set, then sets
 * the effective and permitted sets to `keep` and the inheritable set to
 * nothing. For root this is exactly what survives execve(): the new
 * permitted set of a uid-0 process is inheritable | bounding = `keep`.
 * Order: the bounding drops need CAP_SETPCAP, which capset may remove.
 */
int rt_caps_apply(uint64_t keep, int last_cap, nc_err *err);

/* rt_caps_apply in its two halves, for a process that changes its uid in
 * between (workload.c): the bounding set and ambient set first, then
 * capset. */
int rt_caps_bound(uint64_t keep, int last_cap, nc_err *err);
int rt_caps_set(uint64_t keep, nc_err *err);
/* capset with an effective set smaller than the permitted one (`keep`):
 * what a uid-0 process gets back in full at its next execve(). */
int rt_caps_set_split(uint64_t keep, uint64_t effective, nc_err *err);

#endif
