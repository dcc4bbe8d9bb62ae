/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fault injection for tests: with NCOMPOSE_FAULT_AT=K in the environment,
 * the K-th kernel-object step of `up` (1-based) fails as if the kernel had
 * refused it, so tests can walk K over every step and check that the
 * rollback leaves nothing behind. Without the variable it costs a compare.
 */
#ifndef NC_COMPOSE_FAULT_H
#define NC_COMPOSE_FAULT_H

#include "common/error.h"

#include <stdatomic.h>

struct nc_fault {
	unsigned long at;           /* 0 = off */
	atomic_ulong seen;          /* steps so far (workers count concurrently) */
};

void nc_fault_init(struct nc_fault *f);

/* Counts one step; returns < 0 with an error naming the step when it is
 * the one to fail. */
int nc_fault_step(struct nc_fault *f, const char *what, nc_err *err);

#endif
