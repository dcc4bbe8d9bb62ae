/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running independent per-container work on a few threads. Work items are
 * handed out in order; after the first failure no new item starts, the
 * ones running finish, and the first error is returned. Each worker has a
 * number (0..threads-1) so it can own per-thread state (a netd session is
 * bound to one thread's network namespace switches).
 */
#ifndef NC_COMPOSE_PARALLEL_H
#define NC_COMPOSE_PARALLEL_H

#include <stddef.h>

#include "common/error.h"

typedef int (*nc_work_fn)(void *ctx, unsigned worker, size_t item, nc_err *err);

/* threads <= 1 runs everything on the calling thread, in order. */
int nc_parallel_for(size_t n, unsigned threads, nc_work_fn fn, void *ctx, nc_err *err);

/* How many workers `up` uses: NCOMPOSE_PARALLEL if set (1 = serial),
 * else the number of online CPUs, at most 8. */
unsigned nc_parallel_default(void);

#endif
