/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The last steps of a process that becomes the workload (start and exec). */
#ifndef NC_RUNTIME_WORKLOAD_H
#define NC_RUNTIME_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct rt_exec_plan {
	char *const *argv;
	char *const *envp;
	const char *path; /* searched when argv[0] has no '/': the container's PATH */
	const char *cwd;
	uint64_t caps;    /* masked to the capabilities the kernel knows */
	int last_cap;
	bool no_new_privs;
};

/* Parent side. Borrows argv and env (env NULL: PATH only). */
int rt_exec_plan_init(struct rt_exec_plan *p, const char *const *argv, const char *const *env,
		      const char *cwd, uint64_t caps, bool no_new_privs, nc_err *err);

/*
 * Child side, in this order (STYLE §8): chdir(cwd); capabilities (bounding
 * set, then capset); PR_SET_NO_NEW_PRIVS; signals back to default and
 * unblocked; every descriptor but 0-2 and sync_fd closed; execve() with a
 * PATH search. sync_fd is close-on-exec, so success is EOF for the parent;
 * a failure is sent on it as {errno, "exec `argv0`: reason"} and the
 * process exits 127 (not found) or 126 (found, not executable).
 */
__attribute__((noreturn)) void rt_workload_exec(const struct rt_exec_plan *p, int sync_fd);

#endif
