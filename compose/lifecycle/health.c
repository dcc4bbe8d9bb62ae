/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/health.h"
#include "compose/lifecycle/info.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

int nc_health_probe_start(const struct nc_plan_container *pc, const struct nc_healthcheck *h,
			  struct nc_state *st, pid_t init_pid, struct rt_cgroups *cg, pid_t *probe, nc_err *err)
{
	/* CMD-SHELL (and a plain string) runs through the container's own
	 * shell, as Docker does; CMD runs the words as they are. */
	const char *shell[] = { "/bin/sh", "-c", h->n_test ? h->test[0] : "true", NULL };
	const char *const *argv = h->shell ? shell : (const char *const *)h->test;

	if (!h->n_test)
		return nc_err_msg(err, EINVAL, "service `%s`: healthcheck without a test", pc->name);
	pid_t pid = fork();
	if (pid < 0)
		return nc_err_errno(err, errno, "healthcheck of `%s`: fork", pc->name);
	if (pid == 0) {
		nc_err e;
		int status = 1;
		setpgid(0, 0);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* Read in the child: the supervisor never waits on a file. */
		struct nc_container_info ci;
		bool rec = nc_info_read(st, pc->name, &ci, &e) == 0;
		struct rt_exec_spec spec = {
			.init_pid = init_pid, .cgroups = cg, .cgroup = pc->cgroup, .argv = argv,
			.env = pc->env, .cwd = pc->cwd, .caps = pc->caps, .no_new_privs = pc->no_new_privs,
			.user = pc->user, .groups = pc->groups, .n_groups = pc->n_groups, .ulimits = pc->ulimits, .n_ulimits = pc->n_ulimits,
			.seccomp_unconfined = pc->seccomp_unconfined,
		};
		if (rec) {
			spec.env = ci.env;
			spec.cwd = ci.cwd;
			spec.user = ci.user;
		}
		if (rt_exec(&spec, &status, &e) < 0)
			_exit(127);
		_exit(status & 0xff);
	}
	setpgid(pid, pid); /* both sides, so the group exists whoever runs first */
	*probe = pid;
	return 0;
}

void nc_health_probe_kill(pid_t probe)
{
	if (probe > 0)
		kill(-probe, SIGKILL);
}
