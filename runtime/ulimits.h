/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compose's `ulimits:` as setrlimit(2) resources, set in the container's
 * process itself just before it drops its capabilities: not by the parent
 * with prlimit(2), because
 *  - the workload is a grandchild forked by the container's init inside
 *    the new PID namespace: the parent never learns its pid before it
 *    runs, and a prlimit after it started would race with it;
 *  - raising a hard limit needs CAP_SYS_RESOURCE, which the child still
 *    holds at that point and drops right after;
 *  - RLIMIT_NPROC must be in place before setresuid, which checks the new
 *    uid's process count against it (Linux 3.1+, enforced at execve);
 *  - the limits are inherited by nothing else: not the caller, not the
 *    init (which only reaps).
 */
#ifndef NC_RUNTIME_ULIMITS_H
#define NC_RUNTIME_ULIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define RT_ULIMIT_UNLIMITED UINT64_MAX /* RLIM64_INFINITY */

struct rt_ulimit {
	int resource;       /* RLIMIT_* */
	uint64_t soft, hard; /* RT_ULIMIT_UNLIMITED for "unlimited" */
};

/* Docker's names (core, cpu, data, fsize, locks, memlock, msgqueue, nice,
 * nofile, nproc, rss, rtprio, rttime, sigpending, stack; and as, which
 * Docker leaves out) -> RLIMIT_*, exact spelling; -1 when unknown. */
int rt_ulimit_from_name(const char *name);
/* RLIMIT_* -> that name; NULL when none. */
const char *rt_ulimit_name(int resource);

/* Parent side. One limit as Compose writes it (-1 is unlimited, the
 * largest value); an unknown name, a value below -1 or soft above hard
 * is an error naming the limit. */
int rt_ulimit_make(const char *name, int64_t soft, int64_t hard, struct rt_ulimit *out, nc_err *err);

/* Parent side. Every resource known, soft <= hard, none given twice. */
int rt_ulimits_check(const struct rt_ulimit *u, size_t n, nc_err *err);

/* Child side, no allocation: setrlimit for each, in order. Call it while
 * the process still has its capabilities and its uid (see user.h for
 * the whole sequence). */
int rt_ulimits_apply(const struct rt_ulimit *u, size_t n, nc_err *err);

#endif
