/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exec into a running container, nsenter style.
 *
 * The caller's own namespaces never change (library code; a daemon may
 * serve many containers): a helper is cloned, joins the container's
 * cgroup (born in it, or attached by us before sync point 1) and its
 * namespaces, and forks the command so that the PID namespace applies.
 * The descriptors of the init's namespaces and root are opened here, while
 * a pidfd pins the init, so a recycled pid cannot send us elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/cgroup-internal.h"
#include "runtime/child-util.h"
#include "runtime/resolve.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"
#include "runtime/syscalls.h"
#include "runtime/workload.h"

/* mnt last: after it, /proc/<init>/ns of the host is out of reach, and
 * setns(CLONE_NEWNS) resets root and cwd. */
static const struct {
	const char *name;
	int type;
} ns_order[] = {
	{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET },       { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
};
#define N_NS (sizeof(ns_order) / sizeof(ns_order[0]))

struct exec_plan {
	int sync_fd;
	int ns_fd[N_NS];
	int root_fd; /* /proc/<init>/root */
	int userns_fd; /* the init's user namespace when not ours; else -1 */
	int tty_fd;  /* -1: the caller's stdio */
	struct rt_exec_plan exec;
};

/* A session of its own with the terminal as its controlling tty, so that
 * ^C typed into it is the command's SIGINT and a shell gets job control. */
static int take_terminal(int tty, nc_err *err)
{
	if (setsid() < 0)
		return rt_cerr(err, errno, "setsid");
	if (ioctl(tty, TIOCSCTTY, 0) < 0)
		return rt_cerr(err, errno, "make the pseudo-terminal the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(tty, fd) < 0)
			return rt_cerr(err, errno, "put the pseudo-terminal on fd %d", fd);
	return 0;
}

__attribute__((noreturn)) static void command_main(const struct exec_plan *p)
{
	nc_err err;

	if (fchdir(p->root_fd) < 0 || chroot(".") < 0) {
		rt_cerr(&err, errno, "enter the container's root");
		rt_sync_send_error(p->sync_fd, &err);
		_exit(126);
	}
	if (p->tty_fd >= 0 && take_terminal(p->tty_fd, &err) < 0) {
		rt_sync_send_error(p->sync_fd, &err);
		_exit(126);
	}
	rt_workload_exec(&p->exec, p->sync_fd);
}

__attribute__((noreturn)) static void helper_main(const struct exec_plan *p, const sigset_t *mask)
{
	nc_err err;

	/* Born with everything blocked; handlers reset, then the caller's
	 * mask back (the command starts from an empty one anyway). */
	rt_signals_default();
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (rt_sync_wait_point(p->sync_fd, RT_SYNC_IN_CGROUP, &err) < 0)
		_exit(126);
	for (size_t i = 0; i < N_NS; i++) {
		if (setns(p->ns_fd[i], ns_order[i].type) < 0) {
			rt_cerr(&err, errno, "join the %s namespace", ns_order[i].name);
			rt_sync_send_error(p->sync_fd, &err);
			_exit(126);
		}
	}
	/* Last: the others belong to the host's user namespace, and once in
	 * the container's we hold no capability over them. */
	if (p->userns_fd >= 0 && setns(p->userns_fd, CLONE_NEWUSER) < 0) {
		rt_cerr(&err, errno, "join the user namespace");
		rt_sync_send_error(p->sync_fd, &err);
		_exit(126);
	}
	/* Like system(3): the terminal's ^C and ^\ reach the command (same
	 * process group) and must not kill the helper that reports its
	 * status. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	pid_t cmd = rt_raw_clone(0, -1, NULL);
	if (cmd < 0) {
		rt_cerr(&err, errno, "fork into the container's PID namespace");
		rt_sync_send_error(p->sync_fd, &err);
		_exit(126);
	}
	if (cmd == 0)
		command_main(p);
	/* Everything the caller had open stays out of the wait. */
	rt_close_fds_except(NULL, 0);
	int st;
	while (waitpid(cmd, &st, 0) < 0)
		if (errno != EINTR)
			_exit(255);
	_exit(rt_status_code(st));
}

static void close_plan(struct exec_plan *p)
{
	for (size_t i = 0; i < N_NS; i++)
		if (p->ns_fd[i] >= 0)
			close(p->ns_fd[i]);
	if (p->root_fd >= 0)
		close(p->root_fd);
	if (p->userns_fd >= 0)
		close(p->userns_fd);
	rt_exec_plan_release(&p->exec);
}

static int open_init(struct exec_plan *p, pid_t init, nc_err *err)
{
	char path[64];

	for (size_t i = 0; i < N_NS; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)init, ns_order[i].name);
		p->ns_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (p->ns_fd[i] < 0)
			return nc_err_errno(err, errno, "open `%s`", path);
		if (rt_fd_above_stdio(&p->ns_fd[i], err) < 0)
			return nc_err_ret(err);
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)init);
	p->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->root_fd < 0)
		return nc_err_errno(err, errno, "open `%s`", path);
	return rt_fd_above_stdio(&p->root_fd, err);
}

/* The init's user namespace, kept only when it is not ours (userns_mode). */
static int open_userns(struct exec_plan *p, pid_t init, nc_err *err)
{
	char path[64];
	struct stat theirs, ours;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)init);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "open `%s`", path);
	if (fstat(fd, &theirs) < 0 || stat("/proc/self/ns/user", &ours) < 0)
		return nc_err_errno(err, errno, "stat the user namespaces");
	if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev)
		return 0;
	if (rt_fd_above_stdio(&fd, err) < 0)
		return nc_err_ret(err);
	p->userns_fd = TAKE_FD(fd);
	return 0;
}

int rt_exec_pty(pid_t init_pid, int *master, int *slave, nc_err *err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root", (int)init_pid);
	_cleanup_close_ int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return nc_err_errno(err, errno, "open `%s`", path);
	/* The container's own devpts instance (devices.c), reached from its
	 * root without following anything out of it: the terminal is
	 * /dev/pts/N inside, as `tty` will say. */
	_cleanup_close_ int m = rt_open_in_root(root, "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, err);
	if (m < 0)
		return nc_err_prefix(err, "exec: open the container's /dev/pts/ptmx");
	int s = rt_pty_peer(m);
	if (s < 0)
		return nc_err_errno(err, errno, "exec: open the pseudo-terminal's peer");
	*slave = s;
	*master = TAKE_FD(m);
	return 0;
}

int rt_exec_start(const struct rt_exec_spec *spec, struct rt_exec_proc *proc, nc_err *err)
{
	_cleanup_(close_plan) struct exec_plan p = { .root_fd = -1, .tty_fd = -1, .userns_fd = -1 };
	for (size_t i = 0; i < N_NS; i++)
		p.ns_fd[i] = -1;

	if (spec->init_pid <= 0)
		return nc_err_msg(err, EINVAL, "exec: no container init pid");
	if (open_userns(&p, spec->init_pid, err) < 0)
		return nc_err_prefix(err, "exec");
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)spec->init_pid);
	struct rt_exec_security sec = {
		/* Under a user namespace our own uid 0 means nothing inside:
		 * become its root unless told otherwise. */
		.user = spec->user ? spec->user : p.userns_fd >= 0 ? "0" : NULL,
		.groups = spec->groups,
		.n_groups = spec->n_groups,
		.user_root = root,
		.ulimits = spec->ulimits,
		.n_ulimits = spec->n_ulimits,
		.seccomp = !spec->seccomp_unconfined,
	};
	if (rt_exec_plan_init(&p.exec, spec->argv, spec->env, spec->cwd, spec->caps, spec->no_new_privs, err) < 0 ||
	    rt_exec_plan_secure(&p.exec, &sec, err) < 0)
		return nc_err_prefix(err, "exec");
	_cleanup_close_ int pidfd = rt_pidfd_open(spec->init_pid);
	if (pidfd < 0 && errno != ENOSYS)
		return nc_err_errno(err, errno, "exec: container init %d", (int)spec->init_pid);
	if (open_init(&p, spec->init_pid, err) < 0)
		return nc_err_prefix(err, "exec");
	/* The descriptors above belong to the init the pidfd names only if
	 * it still runs now (Linux 5.3+; before, a pid race remains). */
	if (pidfd >= 0 && rt_pidfd_send_signal(pidfd, 0) < 0)
		return nc_err_errno(err, errno, "exec: container init %d", (int)spec->init_pid);
	bool ours = true;
	if (spec->cgroups && spec->cgroup &&
	    rt_cgroup_has_pid(spec->cgroups, spec->cgroup, spec->init_pid, &ours, err) < 0)
		return nc_err_prefix(err, "exec");
	if (!ours)
		return nc_err_msg(err, ESRCH, "exec: pid %d is not the init of cgroup `%s`", (int)spec->init_pid,
				  spec->cgroup);

	_cleanup_close_ int cgfd = -1;
	if (spec->cgroups && spec->cgroup) {
		cgfd = rt_cgroup_clone_fd(spec->cgroups, spec->cgroup, err);
		if (cgfd < 0 && cgfd != -EOPNOTSUPP)
			return nc_err_prefix(err, "exec");
	}
	int sv[2];
	if (rt_sync_pair(sv, err) < 0)
		return nc_err_ret(err);
	_cleanup_close_ int parent_end = sv[0], child_end = sv[1];
	p.sync_fd = child_end;
	if (spec->tty) {
		p.tty_fd = fcntl(spec->tty_fd, F_DUPFD_CLOEXEC, 3);
		if (p.tty_fd < 0)
			return nc_err_errno(err, errno, "exec: duplicate the terminal");
	}

	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	bool in_cgroup = false;
	_cleanup_pid_ pid_t helper = rt_raw_clone(0, cgfd, &in_cgroup);
	int clone_errno = errno;
	if (helper == 0) {
		close(parent_end);
		helper_main(&p, &old);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (helper < 0)
		return nc_err_errno(err, clone_errno, "exec: clone");
	close(TAKE_FD(child_end));
	if (spec->cgroups && spec->cgroup && !in_cgroup &&
	    rt_cgroup_attach(spec->cgroups, spec->cgroup, helper, err) < 0)
		return nc_err_prefix(err, "exec");
	if (rt_sync_send_point(parent_end, RT_SYNC_IN_CGROUP, err) < 0)
		return nc_err_prefix(err, "exec");

	bool failed;
	int r = rt_sync_read_child(parent_end, NULL, NULL, &failed, err);
	if (r < 0 && !failed)
		return r;
	if (failed) {
		int st;
		while (waitpid(helper, &st, 0) < 0 && errno == EINTR)
			;
		TAKE_PID(helper);
		return nc_err_ret(err);
	}
	proc->pidfd = rt_pidfd_open(helper);
	if (proc->pidfd < 0 && errno != ENOSYS)
		return nc_err_errno(err, errno, "exec: pidfd of the helper");
	proc->pid = TAKE_PID(helper);
	return 0;
}

int rt_exec_wait(struct rt_exec_proc *proc, int *status, nc_err *err)
{
	int st = 0;

	while (waitpid(proc->pid, &st, 0) < 0)
		if (errno != EINTR)
			return nc_err_errno(err, errno, "exec: wait for the command");
	proc->pid = 0;
	if (proc->pidfd >= 0)
		close(proc->pidfd);
	proc->pidfd = -1;
	*status = rt_status_code(st);
	return 0;
}

int rt_exec(const struct rt_exec_spec *spec, int *status, nc_err *err)
{
	struct rt_exec_proc proc;

	if (rt_exec_start(spec, &proc, err) < 0)
		return nc_err_ret(err);
	return rt_exec_wait(&proc, status, err);
}
