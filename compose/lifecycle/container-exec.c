/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/container-exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"

static int exec_tty(struct rt_exec_spec *spec, int (*relay)(int master, int pidfd, nc_err *err),
		    int *status, nc_err *err)
{
	_cleanup_close_ int master = -1, slave = -1;
	struct rt_exec_proc proc;

	if (rt_exec_pty(spec->init_pid, &master, &slave, err) < 0)
		return nc_err_ret(err);
	spec->tty = true;
	spec->tty_fd = slave;
	if (rt_exec_start(spec, &proc, err) < 0)
		return nc_err_ret(err);
	/* Ours must go, or the terminal never reports its last close. */
	close(TAKE_FD(slave));
	nc_err relay_err;
	int r = relay(master, proc.pidfd, &relay_err);
	if (rt_exec_wait(&proc, status, err) < 0)
		return nc_err_ret(err);
	if (r < 0) {
		*err = relay_err;
		return r;
	}
	return 0;
}

/* Pipes: the command holds nothing of ours, and a ^C typed at our
 * terminal reaches only us, so we pass it on. */
static int exec_pipes(const struct rt_exec_spec *spec, int *status, nc_err *err)
{
	struct rt_exec_proc proc;

	if (rt_exec_start(spec, &proc, err) < 0)
		return nc_err_ret(err);
	nc_err relay_err;
	int r = rt_exec_relay(&proc, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, true, &relay_err);
	if (rt_exec_wait(&proc, status, err) < 0)
		return nc_err_ret(err);
	if (r < 0) {
		*err = relay_err;
		return r;
	}
	return 0;
}

int nc_exec_prepare(const struct nc_paths *paths, const struct nc_container_info *ci,
		    const struct nc_exec_opts *o, struct nc_exec *x, nc_err *err)
{
	*x = (struct nc_exec){ 0 };
	if (rt_cgroups_open(paths->cgroup_root, NULL, NULL, &x->cg, err) < 0)
		return nc_err_ret(err);
	if (!nc_info_running(ci, x->cg))
		return nc_err_msg(err, ESRCH, "exec: container `%s` is not running", ci->service);

	/* The container's environment, then -e on top (same key wins). */
	size_t n_env = 0;
	while (ci->env[n_env])
		n_env++;
	x->env = calloc(n_env + o->n_extra + 1, sizeof(char *));
	if (!x->env)
		return nc_err_msg(err, ENOMEM, "exec: out of memory");
	size_t n = 0;
	for (size_t i = 0; i < n_env; i++) {
		size_t kl = strcspn(ci->env[i], "=");
		bool overridden = false;
		for (size_t k = 0; k < o->n_extra && !overridden; k++)
			overridden = !strncmp(o->extra_env[k], ci->env[i], kl + 1);
		if (!overridden)
			x->env[n++] = ci->env[i];
	}
	for (size_t k = 0; k < o->n_extra; k++)
		x->env[n++] = o->extra_env[k];

	x->spec = (struct rt_exec_spec){
		.init_pid = ci->pid, .cgroups = x->cg, .cgroup = ci->cgroup,
		.argv = o->argv, .env = x->env, .cwd = o->cwd ? o->cwd : ci->cwd,
		.caps = ci->caps, .no_new_privs = ci->no_new_privs,
		.user = o->user ? o->user : ci->user, .groups = ci->groups, .n_groups = ci->n_groups, .ulimits = ci->ulimits, .n_ulimits = ci->n_ulimits,
		.seccomp_unconfined = ci->seccomp_unconfined,
	};
	return 0;
}

int nc_exec_run(struct nc_exec *x, bool tty, int (*relay)(int master, int pidfd, nc_err *err),
		int *status, nc_err *err)
{
	return tty ? exec_tty(&x->spec, relay, status, err) : exec_pipes(&x->spec, status, err);
}

/* In the waiter: start, say how it went on `report` (errno, or 0), then
 * wait with the command's output dropped. */
static int detached_waiter(struct nc_exec *x, int report)
{
	struct rt_exec_proc proc;
	nc_err e;
	int status, r = 0;

	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    dup2(null, STDERR_FILENO) < 0)
		r = errno ? errno : EIO;
	if (!r && rt_exec_start(&x->spec, &proc, &e) < 0)
		r = e.errnum ? e.errnum : EIO;
	if (write(report, &r, sizeof(r)) != (ssize_t)sizeof(r) || r)
		return 1;
	close(report);
	rt_exec_relay(&proc, -1, null, -1, false, &e);
	return rt_exec_wait(&proc, &status, &e) < 0 ? 1 : 0;
}

int nc_exec_detach(struct nc_exec *x, nc_err *err)
{
	_cleanup_close_ int rd = -1, wr = -1;
	int p[2], r = 0, status;

	if (pipe2(p, O_CLOEXEC) < 0)
		return nc_err_errno(err, errno, "exec -d: pipe");
	rd = p[0];
	wr = p[1];
	/* Twice: the waiter is nobody's child of ours, in its own session. */
	pid_t mid = fork();
	if (mid < 0)
		return nc_err_errno(err, errno, "exec -d: fork");
	if (mid == 0) {
		close(rd);
		if (setsid() < 0)
			_exit(1);
		pid_t w = fork();
		if (w < 0)
			_exit(1);
		if (w == 0)
			_exit(detached_waiter(x, wr));
		_exit(0);
	}
	close(TAKE_FD(wr));
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	ssize_t n;
	do
		n = read(rd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(r))
		return nc_err_msg(err, EIO, "exec -d: the command's waiter ended before it started `%s`",
				  x->spec.argv[0]);
	if (r)
		return nc_err_errno(err, r, "exec `%s`", x->spec.argv[0]);
	return 0;
}

void nc_exec_release(struct nc_exec *x)
{
	free(x->env);
	x->env = NULL;
	if (x->cg)
		rt_cgroups_close(x->cg);
	x->cg = NULL;
}
