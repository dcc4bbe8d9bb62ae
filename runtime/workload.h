/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The last steps of a process that becomes the workload (start and exec). */
#ifndef NC_RUNTIME_WORKLOAD_H
#define NC_RUNTIME_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "runtime/seccomp-filter.h"
#include "runtime/ulimits.h"
#include "runtime/user.h"

struct rt_exec_plan {
	char *const *argv;
	char *const *envp;
	const char *path; /* searched when argv[0] has no '/': the container's PATH */
	const char *cwd;
	uint64_t caps;    /* masked to the capabilities the kernel knows */
	int last_cap;
	bool no_new_privs;
	/* Set by rt_exec_plan_secure; owned by the plan. */
	const struct rt_ulimit *ulimits;
	size_t n_ulimits;
	bool has_user;
	struct rt_user user;
	struct rt_seccomp seccomp; /* len 0: none */
	char **own_env;            /* envp with HOME added, when it was */
	char *home_env;
};

/* Parent side. Borrows argv and env (env NULL: PATH only). */
int rt_exec_plan_init(struct rt_exec_plan *p, const char *const *argv, const char *const *env,
		      const char *cwd, uint64_t caps, bool no_new_privs, nc_err *err);

/* What confines the process beyond its capabilities. */
struct rt_exec_security {
	const char *user;      /* Docker's `user:` forms; NULL: root */
	const char *user_root; /* the directory whose etc/passwd and etc/group name it */
	int user_rootfd;       /* > 0: that directory, open (an image file's root); wins over user_root */
	const char *const *groups; /* group_add: more supplementary groups, by gid or name */
	size_t n_groups;
	const struct rt_ulimit *ulimits; /* borrowed; checked here */
	size_t n_ulimits;
	bool seccomp;          /* the default profile (seccomp-filter.h) */
};

/* Parent side, after rt_exec_plan_init: resolves the user (and gives the
 * process HOME from its passwd entry when env has none), checks the
 * limits, builds the filter for the plan's capabilities. */
int rt_exec_plan_secure(struct rt_exec_plan *p, const struct rt_exec_security *sec, nc_err *err);

void rt_exec_plan_release(struct rt_exec_plan *p);

/*
 * Child side, in this order (STYLE §8; each step needs what a later one
 * takes away): rlimits (raising a hard one needs CAP_SYS_RESOURCE); the
 * bounding set; the user (setgroups/setresgid/setresuid, with
 * PR_SET_KEEPCAPS so a non-zero uid keeps the permitted set for capset);
 * chdir(cwd) as that user; capset (an empty inheritable set);
 * PR_SET_NO_NEW_PRIVS; signals back to default and unblocked; every
 * descriptor but 0-2 and keep[] closed; the seccomp filter. Without
 * no_new_privs the filter goes in first, while CAP_SYS_ADMIN is still held
 * (the kernel's condition). A non-root user execs with no capabilities, as
 * in Docker. On failure `err` says which step failed; the process is then
 * half confined and must exit.
 */
int rt_workload_confine(const struct rt_exec_plan *p, const int *keep, size_t n_keep, nc_err *err);

/* execve() with a PATH search. sync_fd is close-on-exec, so success is EOF
 * for the parent; a failure is sent on it as {errno, "exec `argv0`:
 * reason"} and the process exits 127 (not found) or 126 (found, not
 * executable). */
__attribute__((noreturn)) void rt_workload_execve(const struct rt_exec_plan *p, int sync_fd);

/* Both, for a process that becomes the workload right away (start); a
 * failure to confine is sent on sync_fd too (exit 126). */
__attribute__((noreturn)) void rt_workload_exec(const struct rt_exec_plan *p, int sync_fd);

#endif
