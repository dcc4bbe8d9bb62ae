/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/health.h"

#include <errno.h>
#include <stdio.h>

#include "compose/lifecycle/container-run.h"
#include "compose/lifecycle/info.h"

struct probe {
	const struct nc_plan_container *pc;
	const char *const *argv;
	struct nc_state *st;
	pid_t init_pid;
	struct rt_cgroups *cg;
	struct nc_container_info ci; /* read in the probe's process */
};

/* In the probe's process: the supervisor never waits on a file. */
static int probe_spec(void *ctx, struct rt_exec_spec *spec)
{
	struct probe *p = ctx;
	const struct nc_plan_container *pc = p->pc;
	nc_err e;

	*spec = (struct rt_exec_spec){
		.init_pid = p->init_pid, .cgroups = p->cg, .cgroup = pc->cgroup, .argv = p->argv,
		.env = pc->env, .cwd = pc->cwd, .caps = pc->caps, .no_new_privs = pc->no_new_privs,
		.user = pc->user, .groups = pc->groups, .n_groups = pc->n_groups, .ulimits = pc->ulimits, .n_ulimits = pc->n_ulimits,
		.seccomp_unconfined = pc->seccomp_unconfined,
	};
	if (nc_info_read(p->st, pc->name, &p->ci, &e) == 0) {
		spec->env = p->ci.env;
		spec->cwd = p->ci.cwd;
		spec->user = p->ci.user;
	}
	return 0;
}

int nc_health_probe_start(const struct nc_plan_container *pc, const struct nc_healthcheck *h,
			  struct nc_state *st, pid_t init_pid, struct rt_cgroups *cg, pid_t *probe, nc_err *err)
{
	/* CMD-SHELL (and a plain string) runs through the container's own
	 * shell, as Docker does; CMD runs the words as they are. */
	const char *shell[] = { "/bin/sh", "-c", h->n_test ? h->test[0] : "true", NULL };
	struct probe p = {
		.pc = pc, .argv = h->shell ? shell : (const char *const *)h->test, .st = st,
		.init_pid = init_pid, .cg = cg,
	};
	char what[300];

	if (!h->n_test)
		return nc_err_msg(err, EINVAL, "service `%s`: healthcheck without a test", pc->name);
	snprintf(what, sizeof(what), "healthcheck of `%s`", pc->name);
	return nc_run_spawn(what, probe_spec, &p, -1, probe, err);
}

void nc_health_probe_kill(pid_t probe)
{
	nc_run_kill(probe);
}
