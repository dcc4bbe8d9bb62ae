/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/workload.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/child-util.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

/* What Docker puts in PATH when the image says nothing. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const default_env[] = { "PATH=" DEFAULT_PATH, NULL };

int rt_exec_plan_init(struct rt_exec_plan *p, const char *const *argv, const char *const *env,
		      const char *cwd, uint64_t caps, bool no_new_privs, nc_err *err)
{
	if (!argv || !argv[0] || !argv[0][0])
		return nc_err_msg(err, EINVAL, "no command to run");
	if (cwd && cwd[0] != '/')
		return nc_err_msg(err, EINVAL, "working directory `%s` is not absolute", cwd);
	if (!env)
		env = default_env;
	p->argv = (char *const *)argv;
	p->envp = (char *const *)env;
	p->path = DEFAULT_PATH;
	for (const char *const *e = env; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			p->path = *e + 5;
	p->cwd = cwd ? cwd : "/";
	p->last_cap = rt_cap_last();
	p->caps = caps & rt_caps_all();
	p->no_new_privs = no_new_privs;
	return 0;
}

static bool env_has(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (; *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=')
			return true;
	return false;
}

/* Docker's rule: HOME from the user's passwd entry unless the
 * environment sets it. */
static int add_home(struct rt_exec_plan *p, nc_err *err)
{
	size_t n = 0;

	if (env_has(p->envp, "HOME"))
		return 0;
	while (p->envp[n])
		n++;
	p->own_env = calloc(n + 2, sizeof(char *));
	if (!p->own_env || asprintf(&p->home_env, "HOME=%s", p->user.home ? p->user.home : "/") < 0) {
		p->home_env = NULL;
		return nc_err_errno(err, ENOMEM, "environment");
	}
	memcpy(p->own_env, p->envp, n * sizeof(char *));
	p->own_env[n] = p->home_env;
	p->envp = p->own_env;
	return 0;
}

int rt_exec_plan_secure(struct rt_exec_plan *p, const struct rt_exec_security *sec, nc_err *err)
{
	if (rt_ulimits_check(sec->ulimits, sec->n_ulimits, err) < 0)
		return nc_err_ret(err);
	p->ulimits = sec->ulimits;
	p->n_ulimits = sec->n_ulimits;
	/* group_add without user: root with those groups too. */
	const char *user = sec->user ? sec->user : sec->n_groups ? "0" : NULL;
	if (user) {
		const char *root = sec->user_root ? sec->user_root : "/";
		int r = sec->user_rootfd > 0
				? (rt_user_resolve_at(sec->user_rootfd, user, &p->user, err) < 0 ||
				   rt_user_add_groups_at(sec->user_rootfd, &p->user, sec->groups, sec->n_groups, err) < 0)
				: (rt_user_resolve(root, user, &p->user, err) < 0 ||
				   rt_user_add_groups(root, &p->user, sec->groups, sec->n_groups, err) < 0);
		if (r)
			return nc_err_ret(err);
		p->has_user = true;
		if (add_home(p, err) < 0)
			return nc_err_ret(err);
	}
	/* The filter follows what the process holds after execve: nothing,
	 * for a non-root user. */
	uint64_t held = p->has_user && p->user.uid != 0 ? 0 : p->caps;
	if (sec->seccomp && rt_seccomp_default(held, &p->seccomp, err) < 0)
		return nc_err_ret(err);
	return 0;
}

void rt_exec_plan_release(struct rt_exec_plan *p)
{
	rt_seccomp_free(&p->seccomp);
	rt_user_free(&p->user);
	p->has_user = false;
	free(p->own_env);
	free(p->home_env);
	p->own_env = NULL;
	p->home_env = NULL;
}

/* execvpe() reads PATH from our own environment, not the container's, and
 * may allocate; this is the same search over p->path. */
static int exec_search(const struct rt_exec_plan *p)
{
	const char *name = p->argv[0];
	char full[PATH_MAX];
	bool eacces = false;
	int last = ENOENT;

	if (strchr(name, '/')) {
		execve(name, p->argv, p->envp);
		return errno;
	}
	for (const char *d = p->path;;) {
		const char *e = strchrnul(d, ':');
		int n = e == d ? snprintf(full, sizeof(full), "%s", name)
			       : snprintf(full, sizeof(full), "%.*s/%s", (int)(e - d), d, name);
		if (n > 0 && (size_t)n < sizeof(full)) {
			execve(full, p->argv, p->envp);
			last = errno;
			if (last == EACCES)
				eacces = true;
			else if (last != ENOENT && last != ENOTDIR && last != ELOOP && last != ENAMETOOLONG)
				return last; /* found but broken (ENOEXEC, E2BIG, ...) */
		}
		if (!*e)
			break;
		d = e + 1;
	}
	return eacces ? EACCES : last;
}

int rt_workload_confine(const struct rt_exec_plan *p, const int *keep, size_t n_keep, nc_err *err)
{
	if (rt_ulimits_apply(p->ulimits, p->n_ulimits, err) < 0)
		return -1;
	if (!p->no_new_privs && rt_seccomp_load(&p->seccomp, err) < 0)
		return -1;
	if (rt_caps_bound(p->caps, p->last_cap, err) < 0)
		return -1;
	if (p->has_user) {
		struct rt_user_ids ids = rt_user_ids_of(&p->user);
		if (p->user.uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			return rt_cerr(err, errno, "keep capabilities across setuid");
		if (rt_user_apply(&ids, err) < 0)
			return -1;
	}
	if (chdir(p->cwd) < 0)
		return rt_cerr(err, errno, "working directory `%s`", p->cwd);
	if (rt_caps_set(p->caps, err) < 0)
		return -1;
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return rt_cerr(err, errno, "set no_new_privs");
	rt_signals_default();
	rt_signals_unblock_all();
	rt_close_fds_except(keep, n_keep);
	if (p->no_new_privs && rt_seccomp_load(&p->seccomp, err) < 0)
		return -1;
	return 0;
}

void rt_workload_execve(const struct rt_exec_plan *p, int sync_fd)
{
	nc_err err;

	int e = exec_search(p);
	rt_cerr(&err, e, "exec `%s`", p->argv[0]);
	rt_sync_send_error(sync_fd, &err);
	_exit(e == ENOENT ? 127 : 126);
}

void rt_workload_exec(const struct rt_exec_plan *p, int sync_fd)
{
	nc_err err;

	if (rt_workload_confine(p, &sync_fd, 1, &err) < 0) {
		rt_sync_send_error(sync_fd, &err);
		_exit(126);
	}
	rt_workload_execve(p, sync_fd);
}
