/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A command run inside a running container by a process of our own that
 * leads its own process group, so one kill ends it and what it started:
 * the healthcheck's probe (started here, reaped by the supervisor's loop)
 * and the questions `converge` asks a router's daemons (waited for here
 * with a deadline, their output kept).
 */
#ifndef NC_COMPOSE_CONTAINER_RUN_H
#define NC_COMPOSE_CONTAINER_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "runtime/runtime.h"

/* Fills the command's spec. It is called in the forked process, so that
 * reading a record or opening cgroups never stalls the caller; what the
 * spec points to must live in ctx (the process's copy of it). < 0: the
 * command is not run and the process exits 127. */
typedef int (*nc_run_spec_fn)(void *ctx, struct rt_exec_spec *spec);

/* Forks the process: stdin and stderr on /dev/null, stdout on `out_fd`
 * (-1: /dev/null), no signal blocked. It runs the command (rt_exec) and
 * exits with its status (a code, or 128 + a signal), 127 when the
 * command could not be run. `what` names it in errors. */
int nc_run_spawn(const char *what, nc_run_spec_fn fill, void *ctx, int out_fd, pid_t *pid, nc_err *err);

/* Kills the process group of nc_run_spawn's `pid` (<= 0: nothing); the
 * caller still reaps it. */
void nc_run_kill(pid_t pid);

/* nc_run_spawn, its stdout kept (at most `max` bytes), waited for at most
 * timeout_ms. Returns 0 with *out (malloc'd, NUL-terminated, maybe empty)
 * and *status (waitpid's); a process that overran the deadline or `max`
 * is killed and reaped: -ETIMEDOUT or -EFBIG. */
int nc_run_capture(const char *what, nc_run_spec_fn fill, void *ctx, unsigned timeout_ms, size_t max, char **out,
		   int *status, nc_err *err);

#endif
