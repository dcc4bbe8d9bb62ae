/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RUN: the stage's layers stacked by overlayfs under an empty upper
 * directory, a container started on it with ncompose's runtime (new
 * namespaces, Docker's default capabilities and seccomp filter, no
 * network unless build.network says host, RUN --mount's mounts:
 * build-mount.c), its output shown line by
 * line as it comes, then the upper directory written as the new layer
 * with overlayfs's whiteouts turned into the layer's own. A command that
 * fails leaves nothing: its exit code is the error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/lifecycle/build-internal.h"
#include "compose/plan/naming.h"
#include "runtime/logfmt.h"
#include "runtime/runtime.h"
#include "runtime/tar-write.h"

/* The records the init wrote since `*off`, shown as "#N text". */
static void show_log(struct nc_builder *b, int fd, off_t *off, char *pend, size_t *plen, size_t cap, bool last)
{
	char buf[16384];
	ssize_t n;
	while ((n = pread(fd, buf, sizeof(buf), *off)) > 0) {
		*off += n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (*plen + 1 < cap)
					pend[(*plen)++] = buf[i];
				continue;
			}
			pend[*plen] = '\0';
			/* "STAMP out text": the text after the second space. */
			const char *t = strchr(pend, ' ');
			t = t ? strchr(t + 1, ' ') : NULL;
			fprintf(b->out, "#%u %s\n", b->step_no, t ? t + 1 : pend);
			*plen = 0;
		}
	}
	if (last && *plen) {
		pend[*plen] = '\0';
		fprintf(b->out, "#%u %s\n", b->step_no, pend);
		*plen = 0;
	}
	fflush(b->out);
}

static int env_of(struct nc_builder *b, const struct nc_bstage *st, const struct nc_df_step *step,
		  struct nc_strv *env)
{
	if (nc_strv_copy(&b->a, env, &st->cfg.env) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < step->n_scope; i++)
		if (step->scope[i].value && nc_strv_setenv(&b->a, env, step->scope[i].key, step->scope[i].value) < 0)
			return -ENOMEM;
	bool path = false;
	for (size_t i = 0; i < env->n; i++)
		path |= !strncmp(env->v[i], "PATH=", 5);
	if (!path && nc_strv_push(&b->a, env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
		return -ENOMEM;
	return 0;
}

/* A RUN is as hostile as any container: its processes go into a cgroup
 * of the project's (NCOMPOSE/PROJECT/build-PID) with the service's
 * pids_limit and mem_limit, and a pids limit of its own when the service
 * sets none, so a fork bomb in a downloaded Dockerfile stops there. */
#define NC_BUILD_PIDS_MAX 4096

static int run_cgroup(struct nc_builder *b, struct rt_cgroups **cg, char *path, size_t size)
{
	char proj[PATH_MAX];
	struct rt_limits lim = RT_LIMITS_INIT;
	const struct nc_service *s = b->svc;
	int r;

	lim.pids_max = s && s->pids_limit > 0 ? s->pids_limit : NC_BUILD_PIDS_MAX;
	if (s && s->mem_limit != NC_UNSET && s->mem_limit > 0)
		lim.memory_max = s->mem_limit;
	if ((r = rt_cgroups_open(b->paths->cgroup_root, NULL, NULL, cg, b->err)) < 0)
		return nc_err_prefix(b->err, "build: RUN's cgroup");
	if ((r = nc_name_cgroup_project(b->model && b->model->project ? b->model->project : "build", proj,
					sizeof(proj), b->err)) == 0 &&
	    nc_pathf(path, size, "%s/build-%d", proj, (int)getpid()) < 0)
		r = nc_err_msg(b->err, ENAMETOOLONG, "cgroup `%s/build-%d`: name too long", proj, (int)getpid());
	if (r == 0)
		r = rt_cgroup_create(*cg, path, &lim, b->err);
	if (r < 0) {
		rt_cgroups_close(*cg);
		*cg = NULL;
		return nc_err_prefix(b->err, "build: RUN's cgroup");
	}
	return 0;
}

/* Whatever the RUN left running goes with its cgroup. */
static void run_cgroup_end(struct nc_builder *b, struct rt_cgroups *cg, const char *path)
{
	nc_err e;
	if (!cg)
		return;
	if (rt_cgroup_kill(cg, path, &e) < 0 || rt_cgroup_remove(cg, path, NC_CGROUP_TOP, &e) < 0)
		fprintf(b->out, "#%u warning: %s\n", b->step_no, e.msg);
	rt_cgroups_close(cg);
}

static int run(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step, const char *tmp,
	       int *status)
{
	char root[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], empty[PATH_MAX], logp[PATH_MAX], name[256];
	_cleanup_free_ char **dirs = NULL;
	_cleanup_close_ int lfd = -1;
	size_t n = 0;
	struct nc_strv env, argv;
	struct rt_cgroups *cg = NULL;
	char cgpath[PATH_MAX];
	int r;

	if (nc_pathf(root, sizeof(root), "%s/root", tmp) < 0 || nc_pathf(upper, sizeof(upper), "%s/upper", tmp) < 0 ||
	    nc_pathf(work, sizeof(work), "%s/work", tmp) < 0 || nc_pathf(empty, sizeof(empty), "%s/empty", tmp) < 0 ||
	    nc_pathf(logp, sizeof(logp), "%s/log", tmp) < 0)
		return nc_err_msg(b->err, ENAMETOOLONG, "build: `%s`", tmp);
	if (mkdir(root, 0755) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(empty, 0755) < 0)
		return nc_err_errno(b->err, errno, "build: directories in `%s`", tmp);
	if (env_of(b, st, step, &env) < 0 || nc_bstage_command(b, st, step, &argv) < 0)
		return nc_err_errno(b->err, ENOMEM, "build");
	if (!argv.n)
		return nc_err_msg(b->err, EINVAL, "%s:%u: RUN has no command", b->in->df_name, step->in->line);
	if ((r = nc_bstage_lower(b, st, &dirs, &n)) < 0)
		goto out;
	const char *none[] = { empty, NULL };
	const char *netns = NULL;
	/* RUN --network=none takes the network away; =host needs the build's
	 * own host network (Docker's entitlement), =default is the build's. */
	const char *net = nc_df_flag(step->in, "network");
	bool host = b->network && !strcmp(b->network, "host");
	if (net && !strcmp(net, "host") && !host) {
		r = nc_err_msg(b->err, EINVAL, "%s:%u: RUN --network=host needs `build: {network: host}` for service `%s`",
			       b->in->df_name, step->in->line, b->service);
		goto out;
	}
	if (host && !(net && !strcmp(net, "none")))
		netns = "/proc/self/ns/net";
	struct rt_mount *mounts;
	size_t n_mounts;
	if ((r = nc_bmount_plan(b, st, step, tmp, &env, &mounts, &n_mounts)) < 0)
		goto out;
	if ((r = run_cgroup(b, &cg, cgpath, sizeof(cgpath))) < 0)
		goto out;
	snprintf(name, sizeof(name), "build/%s", b->service);
	struct rt_container_spec spec = {
		.name = name,
		.netns_path = netns,
		.root_dir = root,
		.lower_dirs = n ? (const char *const *)dirs : none,
		.n_lower = n ? n : 1,
		.upper_dir = upper,
		.work_dir = work,
		.hostname = "buildkitsandbox",
		.argv = argv.v,
		.env = env.v,
		.cwd = st->cfg.working_dir && *st->cfg.working_dir ? st->cfg.working_dir : "/",
		.user = st->cfg.user && *st->cfg.user ? st->cfg.user : NULL,
		.caps = rt_caps_default(),
		.log_path = logp,
		.mounts = mounts,
		.n_mounts = n_mounts,
		.cgroups = cg,
		.cgroup = cgpath,
	};
	pid_t pid;
	if ((r = rt_container_start(&spec, &pid, b->err)) < 0) {
		nc_err_prefix(b->err, "%s:%u: RUN", b->in->df_name, step->in->line);
		goto out;
	}
	lfd = open(logp, O_RDONLY | O_CLOEXEC);
	off_t off = 0;
	char pend[RT_LOG_LINE_MAX + 64];
	size_t plen = 0;
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (lfd < 0)
			lfd = open(logp, O_RDONLY | O_CLOEXEC);
		if (lfd >= 0)
			show_log(b, lfd, &off, pend, &plen, sizeof(pend), w == pid);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			r = nc_err_errno(b->err, errno, "build: wait for RUN");
			goto out;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	r = 0;
out:
	run_cgroup_end(b, cg, cgpath);
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	return r;
}

int nc_bstep_run(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step, char digest[80],
		 uint64_t *size)
{
	char tmp[PATH_MAX], upper[PATH_MAX + 8];
	_cleanup_close_ int ufd = -1;
	int status = 0, r;

	if (b->network && strcmp(b->network, "none") && strcmp(b->network, "host"))
		return nc_err_msg(b->err, EINVAL,
				  "service `%s`: build.network `%s`: not supported yet: RUN steps have no network (none) or the host's (host)",
				  b->service, b->network);
	if (nc_mkdir_p(b->tmp, 0700, b->err) < 0)
		return nc_err_ret(b->err);
	if (nc_pathf(tmp, sizeof(tmp), "%s/run-XXXXXX", b->tmp) < 0 || !mkdtemp(tmp))
		return nc_err_errno(b->err, errno ? errno : ENAMETOOLONG, "build: temporary directory in `%s`", b->tmp);
	if ((r = run(b, st, step, tmp, &status)) < 0)
		goto out;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (code) {
		const char *cmd = step->in->exec_form && step->in->n_args ? step->in->args[0]
				  : step->in->n_args ? step->in->args[0] : "";
		r = nc_err_msg(b->err, EIO, "%s:%u: RUN `%s` failed: exit code %d", b->in->df_name, step->in->line, cmd,
			       code);
		goto out;
	}
	struct nc_blayer_file f = { .fd = -1 };
	snprintf(upper, sizeof(upper), "%s/upper", tmp);
	ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0) {
		r = nc_err_errno(b->err, errno, "build: `%s`", upper);
		goto out;
	}
	if ((r = nc_blayer_begin(b, &f)) < 0)
		goto out;
	struct rt_tarw_tree_opts o = { .overlay = true };
	if ((r = rt_tarw_tree(f.w, ufd, &o, b->err)) < 0) {
		nc_blayer_abort(&f);
		goto out;
	}
	r = nc_blayer_commit(b, &f, digest, size);
out:;
	nc_err ignored;
	(void)nc_rm_rf(tmp, &ignored);
	return r;
}
