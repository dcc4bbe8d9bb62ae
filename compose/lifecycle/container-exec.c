/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/container-exec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

void nc_exec_release(struct nc_exec *x)
{
	free(x->env);
	x->env = NULL;
	if (x->cg)
		rt_cgroups_close(x->cg);
	x->cg = NULL;
}
