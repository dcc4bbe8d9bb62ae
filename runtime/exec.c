/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exec into a running container, nsenter style.
 *
 * The caller's own namespaces never change (library code; a daemon may
 * serve many containers): a helper is cloned, joins the container's
 * cgroup (born in it, or attached by us before sync point 1) and its
 * namespaces, confines itself as the command will be, and only then forks
 * the command, so that the PID namespace applies. The descriptors of the
 * init's namespaces and root are opened here, while a pidfd pins the init,
 * so a recycled pid cannot send us elsewhere.
 *
 * What the container can reach of all this is the command, from its fork
 * on (the helper stays in the host's PID namespace). So the command holds
 * nothing of the caller's: its stdio are pipes (or a pseudo-terminal of
 * the container) whose other ends we relay, it leads a session of its own
 * (no way back to the caller's terminal through /dev/tty, which TIOCSTI
 * would turn into typing on the caller's shell), and it is born with the
 * container's capabilities, user and seccomp filter, not dumpable until
 * its execve: a container process with CAP_SYS_PTRACE that seizes it gets
 * nothing that it did not have (runc's CVE-2016-9962).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
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
	/* The command's stdin, stdout, stderr (all >= 3): the far ends of our
	 * pipes, or three times the peer of the container's pty. */
	int stdio[3];
	bool tty;
	pid_t parent;
	struct rt_exec_plan exec;
};

__attribute__((noreturn)) static void helper_fail(const struct exec_plan *p, nc_err *err, int errnum,
						 const char *what)
{
	rt_cerr(err, errnum, "%s", what);
	rt_sync_send_error(p->sync_fd, err);
	_exit(126);
}

/* After fork, in the container's PID namespace, already confined. */
__attribute__((noreturn)) static void command_main(const struct exec_plan *p)
{
	nc_err err;

	rt_signals_unblock_all();
	/* Gone with the helper (whose parent death kills it in turn), so a
	 * healthcheck probe killed at its timeout leaves nothing behind.
	 * The helper sits in an ancestor PID namespace: getppid() is 0 while
	 * it lives, the container's init once it died. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != 0)
		_exit(126);
	/* A session of its own, never the caller's: with a terminal it is the
	 * container's pty, its controlling terminal (^C typed into it is the
	 * command's SIGINT, a shell gets job control); without, it has none. */
	if (setsid() < 0)
		helper_fail(p, &err, errno, "setsid");
	if (p->tty && ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
		helper_fail(p, &err, errno, "make the pseudo-terminal the controlling terminal");
	rt_workload_execve(&p->exec, p->sync_fd);
}

/* Waits for the command, passing on every signal we get: the command is
 * in no session or process group of our caller's, whose signals (^C)
 * come through us. */
__attribute__((noreturn)) static void forward_and_wait(pid_t cmd, const sigset_t *all)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(cmd, sig);
			continue;
		}
		int st;
		pid_t r = waitpid(cmd, &st, WNOHANG);
		if (r == cmd)
			_exit(rt_status_code(st));
		if (r < 0 && errno != EINTR)
			_exit(255);
	}
}

__attribute__((noreturn)) static void helper_main(const struct exec_plan *p)
{
	nc_err err;

	/* First, before we hold anything of the container's: not dumpable,
	 * so a process of the container without CAP_SYS_PTRACE cannot attach
	 * to us or to the command until its execve (which makes it dumpable
	 * again as any program); gone with our caller. Born with every signal
	 * blocked; the caller's handlers go. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != p->parent)
		_exit(126);
	rt_signals_default();
	/* Out of the caller's session and process group: its terminal's ^C
	 * is the caller's to forward, and nothing we fork can reach that
	 * terminal as a controlling one. Then the caller's descriptors go,
	 * all but what we were given. */
	if (setsid() < 0)
		helper_fail(p, &err, errno, "setsid");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(p->stdio[fd], fd) < 0)
			helper_fail(p, &err, errno, "set up the command's stdio");
	int keep[N_NS + 3];
	size_t n_keep = 0;
	keep[n_keep++] = p->sync_fd;
	keep[n_keep++] = p->root_fd;
	if (p->userns_fd >= 0)
		keep[n_keep++] = p->userns_fd;
	for (size_t i = 0; i < N_NS; i++)
		keep[n_keep++] = p->ns_fd[i];
	rt_close_fds_except(keep, n_keep);

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
	if (p->userns_fd >= 0 && setns(p->userns_fd, CLONE_NEWUSER) < 0)
		helper_fail(p, &err, errno, "join the user namespace");
	if (fchdir(p->root_fd) < 0 || chroot(".") < 0)
		helper_fail(p, &err, errno, "enter the container's root");
	/* Still outside the PID namespace (setns(CLONE_NEWPID) only applies
	 * to our children): the first process the container can see is born
	 * with its capabilities, user, limits, no_new_privs and filter. */
	if (rt_workload_confine(&p->exec, &p->sync_fd, 1, &err) < 0) {
		rt_sync_send_error(p->sync_fd, &err);
		_exit(126);
	}
	/* A new uid resets both (to fs.suid_dumpable, and no parent-death
	 * signal): set them again. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != p->parent)
		_exit(126);
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	pid_t cmd = rt_raw_clone(0, -1, NULL);
	if (cmd < 0)
		helper_fail(p, &err, errno, "fork into the container's PID namespace");
	if (cmd == 0)
		command_main(p);
	/* Our copies: the caller sees EOF on the sync socket at the
	 * command's execve, and on its stdio when the command is done. */
	close(p->sync_fd);
	for (int fd = 0; fd < 3; fd++)
		close(fd);
	forward_and_wait(cmd, &all);
}

static void close_plan_stdio(struct exec_plan *p)
{
	for (int i = 0; i < 3; i++)
		if (p->stdio[i] >= 0 && (i == 0 || p->stdio[i] != p->stdio[i - 1]))
			close(p->stdio[i]);
	p->stdio[0] = p->stdio[1] = p->stdio[2] = -1;
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
	close_plan_stdio(p);
	rt_exec_plan_release(&p->exec);
}

static void close_proc_stdio(struct rt_exec_proc *proc)
{
	int *fds[] = { &proc->in_fd, &proc->out_fd, &proc->err_fd };
	for (size_t i = 0; i < 3; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Without a terminal: three pipes, the far ends for the command, ours in
 * *proc. Ours are the caller's to relay (rt_exec_relay). */
static int make_pipes(struct exec_plan *p, struct rt_exec_proc *proc, nc_err *err)
{
	for (int i = 0; i < 3; i++) {
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0)
			return nc_err_errno(err, errno, "exec: pipe for the command's fd %d", i);
		/* stdin: the command reads fds[0]; stdout, stderr: it writes fds[1]. */
		int theirs = i == 0 ? fds[0] : fds[1], ours = i == 0 ? fds[1] : fds[0];
		p->stdio[i] = theirs;
		*(i == 0 ? &proc->in_fd : i == 1 ? &proc->out_fd : &proc->err_fd) = ours;
		if (rt_fd_above_stdio(&p->stdio[i], err) < 0)
			return nc_err_prefix(err, "exec");
	}
	return 0;
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

static int exec_start(const struct rt_exec_spec *spec, struct rt_exec_proc *proc, nc_err *err)
{
	_cleanup_(close_plan) struct exec_plan p = { .root_fd = -1, .userns_fd = -1, .stdio = { -1, -1, -1 } };
	for (size_t i = 0; i < N_NS; i++)
		p.ns_fd[i] = -1;
	*proc = (struct rt_exec_proc){ .pid = 0, .pidfd = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1 };

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
		p.tty = true;
		p.stdio[0] = p.stdio[1] = p.stdio[2] = fcntl(spec->tty_fd, F_DUPFD_CLOEXEC, 3);
		if (p.stdio[0] < 0)
			return nc_err_errno(err, errno, "exec: duplicate the terminal");
	} else if (make_pipes(&p, proc, err) < 0) {
		return nc_err_ret(err);
	}
	p.parent = getpid();

	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	bool in_cgroup = false;
	_cleanup_pid_ pid_t helper = rt_raw_clone(0, cgfd, &in_cgroup);
	int clone_errno = errno;
	if (helper == 0) {
		close(parent_end);
		helper_main(&p);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (helper < 0)
		return nc_err_errno(err, clone_errno, "exec: clone");
	close(TAKE_FD(child_end));
	/* Only the command may hold its ends: EOF on its stdout is then the
	 * command's doing, and a full stdin pipe cannot be ours. */
	close_plan_stdio(&p);
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

int rt_exec_start(const struct rt_exec_spec *spec, struct rt_exec_proc *proc, nc_err *err)
{
	int r = exec_start(spec, proc, err);
	if (r < 0)
		close_proc_stdio(proc);
	return r;
}

int rt_exec_wait(struct rt_exec_proc *proc, int *status, nc_err *err)
{
	int st = 0;

	close_proc_stdio(proc);
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
	nc_err relay_err;
	int r = spec->tty ? 0 : rt_exec_relay(&proc, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, false, &relay_err);
	if (rt_exec_wait(&proc, status, err) < 0)
		return nc_err_ret(err);
	if (r < 0) {
		*err = relay_err;
		return r;
	}
	return 0;
}
