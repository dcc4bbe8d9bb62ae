/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `exec`: a command in a running container, as its record describes it
 * (namespaces, cgroup, environment, capabilities, user, limits). The CLI
 * parses the arguments and owns the terminal; this builds the runtime's
 * spec and runs it.
 */
#ifndef NC_COMPOSE_CONTAINER_EXEC_H
#define NC_COMPOSE_CONTAINER_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"
#include "runtime/runtime.h"

struct nc_exec_opts {
	const char *const *argv;      /* the command, NULL-terminated */
	const char *const *extra_env; /* -e KEY=VALUE, over the container's (same key wins) */
	size_t n_extra;
	const char *cwd, *user;       /* NULL: the service's */
};

struct nc_exec {
	struct rt_cgroups *cg;
	const char **env; /* the container's, then extra_env; strings borrowed */
	struct rt_exec_spec spec;
};

/* Fails (ESRCH) when the container no longer runs. `ci` and `o` must
 * outlive x. Release x with nc_exec_release, also on failure. */
int nc_exec_prepare(const struct nc_paths *paths, const struct nc_container_info *ci,
		    const struct nc_exec_opts *o, struct nc_exec *x, nc_err *err);

/*
 * Runs it; *status is the command's exit status. With `tty` the command
 * gets a pseudo-terminal of the container, and `relay` copies the caller's
 * terminal to `master` until the command (pidfd; -1 before Linux 5.3)
 * ended. A command that could not be run fails with the errno of execve
 * (ENOENT, EACCES, ENOEXEC...).
 */
int nc_exec_run(struct nc_exec *x, bool tty, int (*relay)(int master, int pidfd, nc_err *err),
		int *status, nc_err *err);

/*
 * `exec -d`: starts the command and returns once it called execve (or
 * failed to, with execve's errno), leaving it to run in the background
 * with /dev/null as stdin, stdout and stderr. What waits for it is a
 * process of its own, in a session of its own, so it outlives the caller.
 */
int nc_exec_detach(struct nc_exec *x, nc_err *err);

void nc_exec_release(struct nc_exec *x);

#endif
