/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/info.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "compose/lifecycle/journal.h"
#include "runtime/loop.h"
#include "runtime/ulimits.h"

void nc_info_free(struct nc_container_info *ci)
{
	free(ci->env);
	free(ci->argv);
	free(ci->ifaces);
	free(ci->ulimits);
	free(ci->groups);
	free(ci->ports);
	free(ci->exposed);
	free(ci->labels);
	nc_records_free(&ci->rec);
	memset(ci, 0, sizeof(*ci));
}

int nc_info_read(struct nc_state *st, const char *service, struct nc_container_info *ci,
		 nc_err *err)
{
	size_t n_env = 0, n_exposed = 0, n_labels = 0;
	int r;

	memset(ci, 0, sizeof(*ci));
	if ((r = nc_state_read_container(st, service, &ci->rec, err)) < 0)
		return r;
	ci->env = calloc(ci->rec.n + 1, sizeof(char *));
	ci->ifaces = calloc(ci->rec.n + 1, sizeof(*ci->ifaces));
	ci->ulimits = calloc(ci->rec.n + 1, sizeof(*ci->ulimits));
	ci->groups = calloc(ci->rec.n + 1, sizeof(*ci->groups));
	ci->ports = calloc(ci->rec.n + 1, sizeof(*ci->ports));
	ci->exposed = calloc(ci->rec.n + 1, sizeof(char *));
	ci->labels = calloc(ci->rec.n + 1, sizeof(char *));
	if (!ci->env || !ci->ifaces || !ci->ulimits || !ci->groups || !ci->ports || !ci->exposed || !ci->labels) {
		nc_info_free(ci);
		return nc_err_errno(err, ENOMEM, "read record of `%s`", service);
	}
	for (size_t i = 0; i < ci->rec.n; i++) {
		struct nc_record *rc = &ci->rec.v[i];
		const char *k = rc->f[0], *v = nc_record_field(rc, 1);
		if (!v)
			continue;
		if (!strcmp(k, NC_C_SERVICE))
			ci->service = v;
		else if (!strcmp(k, NC_C_PID))
			ci->pid = (pid_t)strtol(v, NULL, 10);
		else if (!strcmp(k, NC_C_STARTED))
			ci->started = strtoll(v, NULL, 10);
		else if (!strcmp(k, NC_C_NETNS))
			ci->netns = v;
		else if (!strcmp(k, NC_C_CGROUP))
			ci->cgroup = v;
		else if (!strcmp(k, NC_C_CAPS))
			ci->caps = strtoull(v, NULL, 16);
		else if (!strcmp(k, NC_C_NNP))
			ci->no_new_privs = !strcmp(v, "1");
		else if (!strcmp(k, NC_C_USER))
			ci->user = v;
		else if (!strcmp(k, NC_C_GROUP))
			ci->groups[ci->n_groups++] = v;
		else if (!strcmp(k, NC_C_SECCOMP))
			ci->seccomp_unconfined = !strcmp(v, "unconfined");
		else if (!strcmp(k, NC_C_ULIMIT) && rc->n >= 4) {
			int res = rt_ulimit_from_name(v);
			if (res >= 0)
				ci->ulimits[ci->n_ulimits++] = (struct rt_ulimit){
					res, strtoull(rc->f[2], NULL, 10), strtoull(rc->f[3], NULL, 10)
				};
		} else if (!strcmp(k, NC_C_CWD))
			ci->cwd = v;
		else if (!strcmp(k, NC_C_ENV))
			ci->env[n_env++] = v;
		else if (!strcmp(k, NC_C_IFACE) && rc->n >= 5)
			ci->ifaces[ci->n_ifaces++] = (struct nc_info_iface){ rc->f[1], rc->f[2], rc->f[3],
									     rc->f[4] };
		else if (!strcmp(k, NC_C_PORT) && rc->n >= 5)
			ci->ports[ci->n_ports++] = (struct nc_info_port){
				rc->f[1], rc->f[2], (unsigned)strtoul(rc->f[3], NULL, 10),
				(unsigned)strtoul(rc->f[4], NULL, 10)
			};
		else if (!strcmp(k, NC_C_IMAGE))
			ci->image = v;
		else if (!strcmp(k, NC_C_EXPOSE))
			ci->exposed[n_exposed++] = v;
		else if (!strcmp(k, NC_C_LABEL))
			ci->labels[n_labels++] = v;
		else if (!strcmp(k, NC_C_STATE))
			ci->ended_as = v;
		else if (!strcmp(k, NC_C_HEALTH))
			ci->health = v;
		else if (!strcmp(k, NC_C_RESTARTS))
			ci->restarts = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, NC_C_EXIT)) {
			ci->exited = true;
			ci->exit_code = (int)strtol(v, NULL, 10);
		} else if (!strcmp(k, NC_C_COMMAND))
			ci->argv = (const char **)rc->f + 1;
	}
	if (ci->argv) {
		/* rc->f is NULL-terminated by the parser; keep our own copy of
		 * the pointer vector so nc_info_free() frees uniformly. */
		size_t n = 0;
		while (ci->argv[n])
			n++;
		const char **a = calloc(n + 1, sizeof(char *));
		if (!a) {
			nc_info_free(ci);
			return nc_err_errno(err, ENOMEM, "read record of `%s`", service);
		}
		memcpy(a, ci->argv, n * sizeof(char *));
		ci->argv = a;
	}
	if (!ci->health)
		ci->health = "";
	if (!ci->service || !ci->cgroup || ci->pid <= 0) {
		nc_info_free(ci);
		return nc_err_msg(err, EINVAL, "record of container `%s` is incomplete", service);
	}
	return 0;
}

int nc_info_services(struct nc_state *st, char ***names, nc_err *err)
{
	struct nc_records j;
	size_t n = 0;
	int r;

	if ((r = nc_state_read_journal(st, &j, err)) < 0)
		return r;
	char **v = calloc(j.n + 1, sizeof(char *));
	if (!v) {
		nc_records_free(&j);
		return nc_err_errno(err, ENOMEM, "list services");
	}
	for (size_t i = 0; i < j.n; i++) {
		struct nc_jrec jr;
		nc_jrec_parse(&j.v[i], &jr);
		if (jr.kind != NC_JK_CONTAINER)
			continue;
		const char *s = jr.container;
		if (!(v[n] = strdup(s))) {
			nc_strv_freep(&v);
			nc_records_free(&j);
			return nc_err_errno(err, ENOMEM, "list services");
		}
		n++;
	}
	nc_records_free(&j);
	*names = v;
	return 0;
}

bool nc_info_running(const struct nc_container_info *ci, struct rt_cgroups *cg)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	nc_err e;

	if (rt_cgroup_pids(cg, ci->cgroup, &pids, &n, &e) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pids[i] == ci->pid)
			return true;
	return false;
}

bool nc_info_paused(const struct nc_container_info *ci, struct rt_cgroups *cg)
{
	return rt_cgroup_frozen(cg, ci->cgroup);
}

int nc_info_pids(struct rt_cgroups *cg, const struct nc_container_info *ci, pid_t **pids,
		 size_t *n, nc_err *err)
{
	return rt_cgroup_pids(cg, ci->cgroup, pids, n, err);
}

int nc_info_cgroups_open(const struct nc_paths *paths, struct rt_cgroups **cg, nc_err *err)
{
	return rt_cgroups_open(paths->cgroup_root, NULL, NULL, cg, err);
}

void nc_info_cgroups_close(struct rt_cgroups *cg)
{
	if (cg)
		rt_cgroups_close(cg);
}

int nc_info_stats(struct rt_cgroups *cg, const struct nc_container_info *ci,
		  struct rt_cgroup_stats *st, nc_err *err)
{
	int r = rt_cgroup_stats(cg, ci->cgroup, st, err);
	if (r < 0)
		return r;
	/* Loop I/O is the loop devices', not the cgroup's: the kernel's loop
	 * workers do the reading and writing of the backing file. */
	rt_loop_io(ci->image, ci->pid, &st->loop_read_bytes, &st->loop_write_bytes);
	return 0;
}

const char *nc_info_cap_name(int cap)
{
	return rt_cap_name(cap);
}
