/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/workload.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
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

void rt_workload_exec(const struct rt_exec_plan *p, int sync_fd)
{
	nc_err err;

	if (chdir(p->cwd) < 0) {
		rt_cerr(&err, errno, "working directory `%s`", p->cwd);
		goto fail;
	}
	if (rt_caps_apply(p->caps, p->last_cap, &err) < 0)
		goto fail;
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		rt_cerr(&err, errno, "set no_new_privs");
		goto fail;
	}
	rt_signals_default();
	rt_signals_unblock_all();
	rt_close_fds_except(&sync_fd, 1);
	int e = exec_search(p);
	rt_cerr(&err, e, "exec `%s`", p->argv[0]);
	rt_sync_send_error(sync_fd, &err);
	_exit(e == ENOENT ? 127 : 126);
fail:
	rt_sync_send_error(sync_fd, &err);
	_exit(126);
}
