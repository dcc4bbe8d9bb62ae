/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Container start, crun/bubblewrap style.
 *
 * Parent: prepares everything (the mount table, argv/env, PATH, the fds:
 * netns, log, /dev/null, the sync socket), clones the init into new PID,
 * mount (or from a batch's template, mnt-template.h), UTS and IPC
 * namespaces (straight into its cgroup with
 * clone3(CLONE_INTO_CGROUP) on a unified host, else joined right after
 * the clone) and reads the sync socket until EOF: the workload's pid, or
 * the child's own error message.
 *
 * Child: the steps below, in order, then it starts the workload and
 * becomes PID 1 (init.c). It never allocates (see child-util.h). Two
 * ways, the same steps:
 *   - borrowed (most containers): the child shares our memory while it
 *     sets up (clone-vm.h), starts the workload the same way, and then
 *     execs the small init program (init-main.c, init-exe.h). Nothing of
 *     our address space is copied, which at a thousand containers was a
 *     third of the CPU time of `up`. It joins its cgroup itself.
 *   - forked: a copy of us, the parent joining it to its cgroup (sync
 *     point 1) and writing its id maps. For a user namespace (the parent
 *     must write the maps while the child waits, and a borrowing child
 *     holds the parent still), where it stays the init, and for a
 *     container with CAP_SYS_PTRACE (which could reach into our memory
 *     through the borrowing init between its workload's exec and its
 *     own), where it execs the init program in the end too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <termios.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/* The sanitizer's runtime option; its header declares it only in newer
 * compilers. */
extern int __asan_option_detect_stack_use_after_return;
#endif

#include "common/arena.h"
#include "common/cleanup.h"
#include "runtime/caps.h"
#include "runtime/cgroup-internal.h"
#include "runtime/child-util.h"
#include "runtime/clone-vm.h"
#include "runtime/ext-image.h"
#include "runtime/idmap.h"
#include "runtime/init-args.h"
#include "runtime/init-exe.h"
#include "runtime/init.h"
#include "runtime/logfmt.h"
#include "runtime/loop.h"
#include "runtime/mnt-template.h"
#include "runtime/rootfs.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"
#include "runtime/workload.h"

struct start_plan {
	int sync_fd;    /* the child's end */
	int mnt_template_fd; /* the batch's to join (not ours to close); -1: cloned with CLONE_NEWNS */
	int netns_fd;   /* -1: a new, empty network namespace */
	int log_fd;     /* -1: no log, the workload writes to /dev/null */
	int log_old[RT_LOG_MAX_FILES]; /* log.1 ...: rotation (logfmt.h) */
	unsigned n_log_old;
	uint64_t log_max_size;
	int out_pipe[2];/* the workload's stdout and stderr, read by the init */
	int err_pipe[2];
	int devnull_fd;
	const char *hostname;
	const char *domainname;
	struct rt_rootfs_plan rootfs;
	bool has_workload;
	bool tty, stdin_open;
	uint32_t userns_size; /* 0: no user namespace */
	bool has_oom_score_adj;
	int oom_score_adj;
	struct rt_exec_plan exec;
	uint64_t init_caps; /* the init keeps no more than its workload */
	int last_cap;
	/* Borrowed (see the top): */
	bool borrowed;
	bool in_cgroup;      /* born in it: set before the clone, read by the child */
	const int *cg_procs; /* else joined through these (struct borrow's) */
	size_t n_cg_procs;
	int init_exe_fd;     /* what the child execs at the end */
	const struct rt_child_stack *workload_stack;
};

/* Forked, the parent joins us to the cgroup and says so; borrowed, the
 * parent is held still until we exec, so we join it ourselves (a write of
 * "0" moves the writer). */
static int step_cgroup(const struct start_plan *p, nc_err *err)
{
	if (!p->borrowed)
		return rt_sync_wait_point(p->sync_fd, RT_SYNC_IN_CGROUP, err);
	if (p->in_cgroup)
		return 0;
	for (size_t i = 0; i < p->n_cg_procs; i++) {
		ssize_t w;
		do
			w = write(p->cg_procs[i], "0", 1);
		while (w < 0 && errno == EINTR);
		if (w != 1)
			return rt_cerr(err, w < 0 ? errno : EIO, "join the container's cgroup");
	}
	return 0;
}

/* From a batch's template (mnt-template.h): a copy of it, as the clone
 * would have copied ours. Joining moves root and working directory to
 * the template's root, which is ours (rt_mnt_template_open checks); every
 * path we were given is absolute. Our copy of its descriptor goes with
 * everything else before the workload starts (child_main). */
static int step_mntns(const struct start_plan *p, nc_err *err)
{
	if (p->mnt_template_fd < 0)
		return 0;
	if (setns(p->mnt_template_fd, CLONE_NEWNS) < 0)
		return rt_cerr(err, errno, "join the batch's mount namespace template");
	if (unshare(CLONE_NEWNS) < 0)
		return rt_cerr(err, errno, "unshare the mount namespace");
	return 0;
}

static int step_cgroupns(const struct start_plan *p, nc_err *err)
{
	(void)p;
	/* After sync point 1: the namespace is rooted at the cgroup we are
	 * in when unsharing, which must be the container's. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		return rt_cerr(err, errno, "unshare the cgroup namespace");
	return 0;
}

static int step_setsid(const struct start_plan *p, nc_err *err)
{
	(void)p;
	if (setsid() < 0)
		return rt_cerr(err, errno, "setsid");
	return 0;
}

static int step_netns(const struct start_plan *p, nc_err *err)
{
	if (p->netns_fd >= 0 && setns(p->netns_fd, CLONE_NEWNET) < 0)
		return rt_cerr(err, errno, "join the network namespace");
	return 0;
}

static int step_hostname(const struct start_plan *p, nc_err *err)
{
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		return rt_cerr(err, errno, "set hostname `%s`", p->hostname);
	if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
		return rt_cerr(err, errno, "set domainname `%s`", p->domainname);
	return 0;
}

static int step_rootfs(const struct start_plan *p, nc_err *err)
{
	return rt_rootfs_apply(&p->rootfs, err);
}

static int step_pivot(const struct start_plan *p, nc_err *err)
{
	return rt_pivot_root(p->rootfs.root, err);
}

/* Before the workload is forked (it inherits the value) and while we may
 * still lower it (CAP_SYS_RESOURCE). */
static int step_oom_score_adj(const struct start_plan *p, nc_err *err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char v[16];
	int n = snprintf(v, sizeof(v), "%d", p->oom_score_adj);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return rt_cerr(err, errno, "open /proc/self/oom_score_adj");
	ssize_t w = write(fd, v, (size_t)n);
	int e = errno;
	close(fd);
	if (w != n)
		return rt_cerr(err, e, "set oom_score_adj to %d", p->oom_score_adj);
	return 0;
}

/* Last, once everything that needs the host's root is done: the parent
 * writes the maps (it holds CAP_SETUID/CAP_SETGID over the host's ids),
 * then we become root of the namespace, i.e. the first host id of the
 * range. Raw calls, as in user.c. */
static int step_userns(const struct start_plan *p, nc_err *err)
{
	static const gid_t root_group[] = { 0 };

	if (!p->userns_size)
		return 0;
	if (unshare(CLONE_NEWUSER) < 0)
		return rt_cerr(err, errno, "unshare the user namespace");
	if (rt_sync_send_userns(p->sync_fd, err) < 0 || rt_sync_wait_point(p->sync_fd, RT_SYNC_MAPPED, err) < 0)
		return -1;
	struct rt_user_ids root = { 0, 0, root_group, 1 };
	return rt_user_apply(&root, err);
}

/* A working directory the root lacks is made (0755, owned by the
 * container's root), as Docker does for `working_dir:` and an image's
 * WorkingDir. After the pivot and the user namespace, so symbolic links
 * resolve inside the root and the directory belongs to the namespace's
 * root. A read-only root cannot get it: the workload's chdir then says so. */
static int step_workdir(const struct start_plan *p, nc_err *err)
{
	const char *cwd = p->exec.cwd;
	char path[PATH_MAX];

	if (!cwd || cwd[0] != '/' || access(cwd, F_OK) == 0 || errno != ENOENT)
		return 0;
	size_t n = strlen(cwd);
	if (n >= sizeof(path))
		return 0;
	memcpy(path, cwd, n + 1);
	for (char *s = path + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			if (errno == EROFS)
				return 0;
			return rt_cerr(err, errno, "create the working directory `%s`", path);
		}
		*s = c;
		if (!c)
			break;
	}
	return 0;
}

/* In this order: the network namespace before the mounts (sysfs shows the
 * mounter's netns), everything before the pivot (host paths are still
 * reachable: the generated files, /dev nodes, /proc/self/fd). */
static const struct {
	const char *name;
	int (*run)(const struct start_plan *p, nc_err *err);
} child_steps[] = {
	{ "mount namespace", step_mntns },
	{ "join the cgroup", step_cgroup },
	{ "cgroup namespace", step_cgroupns },
	{ "session", step_setsid },
	{ "network namespace", step_netns },
	{ "hostname", step_hostname },
	{ "root filesystem", step_rootfs },
	{ "pivot_root", step_pivot },
	{ "oom_score_adj", step_oom_score_adj },
	{ "user namespace", step_userns },
	{ "working directory", step_workdir },
};

/* The workload's stdin, stdout and stderr, made by the init before the
 * fork; `hold` is what the init keeps open (a stdin pipe's write end, a
 * terminal's master), -1 if nothing. */
struct workload_stdio {
	int in, out, err;
	bool tty;
	int hold;
	int tty_slave;
};

/* A pseudo-terminal of the container's own devpts instance, 80x24,
 * without the \n -> \r\n translation so the log keeps plain lines. */
static int open_tty(struct workload_stdio *io, nc_err *err)
{
	int m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (m < 0)
		return rt_cerr(err, errno, "tty: open /dev/pts/ptmx");
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int s = rt_pty_peer(m);
	if (s < 0) {
		int e = errno;
		close(m);
		return rt_cerr(err, e, "tty: open the pseudo-terminal's peer");
	}
	struct termios t;
	if (ioctl(s, TCGETS, &t) == 0) {
		t.c_oflag &= ~(tcflag_t)ONLCR;
		(void)ioctl(s, TCSETS, &t);
	}
	(void)ioctl(m, TIOCSWINSZ, &ws);
	io->in = io->out = io->err = io->tty_slave = s;
	io->hold = m;
	io->tty = true;
	return 0;
}

static int workload_stdio(const struct start_plan *p, struct workload_stdio *io, nc_err *err)
{
	*io = (struct workload_stdio){
		.in = p->devnull_fd,
		.out = p->log_fd >= 0 ? p->out_pipe[1] : p->devnull_fd,
		.err = p->log_fd >= 0 ? p->err_pipe[1] : p->devnull_fd,
		.hold = -1,
		.tty_slave = -1,
	};
	if (p->tty)
		return open_tty(io, err);
	if (p->stdin_open) {
		/* Nobody writes; the init holds the write end, so reads block
		 * instead of seeing EOF, as `docker run -i` with no input. */
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0)
			return rt_cerr(err, errno, "stdin_open: pipe");
		io->in = fds[0];
		io->hold = fds[1];
	}
	return 0;
}

__attribute__((noreturn)) static void workload_main(const struct start_plan *p, const struct workload_stdio *io)
{
	nc_err err;

	/* Its own process group, so that a signal to the group (a shell's
	 * job control inside) never reaches the init; with a terminal its
	 * own session, whose controlling terminal that is. */
	if ((io->tty ? setsid() : setpgid(0, 0)) < 0 || dup2(io->in, 0) < 0 || dup2(io->out, 1) < 0 ||
	    dup2(io->err, 2) < 0 || (io->tty && ioctl(0, TIOCSCTTY, 0) < 0)) {
		rt_cerr(&err, errno, "set up the workload's stdio");
		rt_sync_send_error(p->sync_fd, &err);
		_exit(126);
	}
	rt_workload_exec(&p->exec, p->sync_fd);
}

struct workload_start {
	const struct start_plan *p;
	const struct workload_stdio *io;
};

static int workload_entry(void *arg)
{
	const struct workload_start *w = arg;
	workload_main(w->p, w->io);
}

/* The workload as a child of ours, started the way we were. Borrowed, we
 * are held still until it has exec'd (or failed and exited). */
static pid_t start_workload(const struct start_plan *p, const struct workload_stdio *wio)
{
	if (p->borrowed) {
		struct workload_start w = { p, wio };
		bool in_cgroup;
		return rt_clone_vm(0, -1, &in_cgroup, p->workload_stack, workload_entry, &w);
	}
	pid_t pid = rt_raw_clone(0, -1, NULL);
	if (pid == 0)
		workload_main(p, wio);
	return pid;
}

/* The init goes on as a program of its own: borrowed, our memory is the
 * parent's; forked, it is a copy of it (borrow_prepare says when).
 * Non-dumpable from its first instruction (rt_init_exe_exec): the
 * workload, running already beside it as the same uid, can never trace
 * it. sync_fd and the program's descriptor close on exec: success is EOF
 * for the parent. */
__attribute__((noreturn)) static void exec_init(const struct start_plan *p, pid_t workload,
						const struct rt_init_io *io, int *keep, size_t n_keep)
{
	char buf[256];
	char *argv[RT_INIT_ARGC_MAX + 1];
	nc_err err;

	if (rt_init_args_format(workload, io, buf, sizeof(buf), argv) < 0) {
		rt_cerr(&err, E2BIG, "the init's command line");
	} else {
		/* What the init goes on with was opened close-on-exec. */
		for (size_t i = 0; i < n_keep; i++)
			if (keep[i] >= 0)
				(void)fcntl(keep[i], F_SETFD, 0);
		keep[n_keep++] = p->init_exe_fd;
		keep[n_keep++] = p->sync_fd;
		rt_close_fds_except(keep, n_keep);
		rt_init_exe_exec(p->init_exe_fd, p->init_caps, argv, &err);
	}
	rt_sync_send_error(p->sync_fd, &err);
	_exit(1);
}

__attribute__((noreturn)) static void child_main(const struct start_plan *p)
{
	nc_err err;

	/* Everything stays blocked (as the parent cloned us) for good: the
	 * init loop takes its signals with sigwaitinfo(). The caller's
	 * handlers go before anything could unblock them. */
	rt_signals_default();
	umask(022);
	prctl(PR_SET_NAME, "ncompose-init", 0, 0, 0);
	/* Borrowed, the command line and the environment in our memory are
	 * the parent's own; the init program has its own. */
	if (!p->borrowed)
		rt_set_cmdline("ncompose-init");
	for (size_t i = 0; i < sizeof(child_steps) / sizeof(child_steps[0]); i++) {
		err.errnum = 0;
		err.msg[0] = '\0';
		if (child_steps[i].run(p, &err) < 0) {
			if (!err.msg[0])
				rt_cerr(&err, err.errnum, "%s", child_steps[i].name);
			rt_sync_send_error(p->sync_fd, &err);
			_exit(1);
		}
	}

	/* Set up: only what the init and the workload's stdio need stays
	 * open, before there is a workload. The clone copied every
	 * descriptor the supervisor had open, those of the containers its
	 * other thread was starting too (their log, their sync socket) and a
	 * batch's mount namespace template (the host's mounts); a forked init
	 * is readable through /proc/1/fd by a workload with CAP_SYS_PTRACE,
	 * and would have held them until its exec. */
	int setup_keep[8 + RT_LOG_MAX_FILES] = {
		p->sync_fd, p->log_fd, p->out_pipe[0], p->out_pipe[1],
		p->err_pipe[0], p->err_pipe[1], p->devnull_fd, p->init_exe_fd,
	};
	for (unsigned i = 0; i < p->n_log_old; i++)
		setup_keep[8 + i] = p->log_old[i];
	rt_close_fds_except(setup_keep, 8 + p->n_log_old);

	pid_t workload = 0;
	struct workload_stdio wio = { .hold = -1, .tty_slave = -1 };
	if (p->has_workload) {
		if (workload_stdio(p, &wio, &err) < 0) {
			rt_sync_send_error(p->sync_fd, &err);
			_exit(1);
		}
		workload = start_workload(p, &wio);
		if (workload < 0) {
			rt_cerr(&err, errno, "fork the workload");
			rt_sync_send_error(p->sync_fd, &err);
			_exit(1);
		}
	}
	/* The environment of whoever ran `up` is still in our memory, as
	 * /proc/1/environ shows it; the workload has its own copy of what it
	 * was given (it may point into that memory until its execve). */
	if (!p->borrowed)
		rt_clear_environ();
	/* Only kill() and waitpid() are left to do, as the same uid as the
	 * workload: the init needs none of the capabilities it lacks. */
	if (rt_caps_apply(p->init_caps, p->last_cap, &err) < 0) {
		rt_sync_send_error(p->sync_fd, &err);
		_exit(1);
	}
	/* The init runs outside the workload's seccomp filter, as the same
	 * uid: not dumpable, so only CAP_SYS_PTRACE could trace it. Borrowed,
	 * we are already (our memory is the parent's, made so by
	 * rt_init_exe_fd) and the init program will be (exec_init). */
	if (!p->borrowed)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* The pid (0: no workload) also tells the parent that setup is over;
	 * a dead parent is no reason to stop, `down` finds us by cgroup. */
	(void)rt_sync_send_pid(p->sync_fd, workload, &err);
	/* The parent sees EOF once this copy and the workload's (at exec)
	 * are closed. */
	dup2(p->devnull_fd, 0);
	dup2(p->devnull_fd, 1);
	dup2(p->devnull_fd, 2);
	struct rt_init_io io = { -1, -1, -1, NULL, 0, 0 };
	if (p->log_fd >= 0 && workload > 0)
		io = (struct rt_init_io){ p->out_pipe[0], p->err_pipe[0], p->log_fd, NULL, 0, 0 };
	/* A terminal's output all comes from its master, which must be read
	 * (logged or not) or the workload blocks once it is full. */
	if (wio.tty && workload > 0)
		io = (struct rt_init_io){ wio.hold, -1, p->log_fd, NULL, 0, 0 };
	if (io.log_fd >= 0) {
		io.old_fds = p->log_old;
		io.n_old = p->n_log_old;
		io.max_size = p->log_max_size;
	}
	/* The write ends go too: the init must not keep its own pipes open;
	 * but it keeps the stdin that must not end. */
	int keep[6 + RT_LOG_MAX_FILES] = { io.out_fd, io.err_fd, io.log_fd, wio.hold };
	for (unsigned i = 0; i < io.n_old; i++)
		keep[4 + i] = io.old_fds[i];
	if (p->init_exe_fd >= 0)
		exec_init(p, workload, &io, keep, 4 + io.n_old);
	rt_close_fds_except(keep, 4 + io.n_old);
	rt_init_run(workload, &io);
}

void rt_container_start_prepare(void)
{
	nc_err ignored;
	(void)rt_init_exe_fd(&ignored);
}

static int borrowed_main(void *arg)
{
	child_main(arg);
}

static void arena_freep(struct nc_arena *a)
{
	nc_arena_free(a);
}

static int open_above_stdio(const char *path, int flags, mode_t mode, const char *what, nc_err *err)
{
	int fd = open(path, flags | O_CLOEXEC, mode);
	if (fd < 0)
		return nc_err_errno(err, errno, "open %s `%s`", what, path);
	if (rt_fd_above_stdio(&fd, err) < 0) {
		close(fd);
		return nc_err_ret(err);
	}
	return fd;
}

/* The init reads without blocking; the workload writes with blocking (a
 * full pipe makes it wait, as a terminal would), so O_NONBLOCK is set on
 * the read end's file description only. */
static int log_pipe(int fds[2], nc_err *err)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return nc_err_errno(err, errno, "create the log pipe");
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0)
		return nc_err_errno(err, errno, "make the log pipe non-blocking");
	for (int i = 0; i < 2; i++)
		if (rt_fd_above_stdio(&fds[i], err) < 0)
			return nc_err_ret(err);
	return 0;
}

/* The child asked for its id maps: ids 0..size-1 inside are the host's
 * base.. (setgroups stays allowed: we write the map with CAP_SETGID). */
static int map_userns(int fd, pid_t child, const struct rt_container_spec *spec, nc_err *err)
{
	if (!spec->userns_size)
		return nc_err_msg(err, EPROTO, "the init asked for id maps without a user namespace");
	if (rt_userns_write_maps(child, spec->userns_base, spec->userns_size, err) < 0)
		return nc_err_ret(err);
	return rt_sync_send_point(fd, RT_SYNC_MAPPED, err);
}

struct child_msgs {
	int fd;
	pid_t child;
	const struct rt_container_spec *spec;
	bool *got_pid;
};

static int on_child_msg(const struct rt_msg *m, bool failed, void *ctx, nc_err *err)
{
	struct child_msgs *c = ctx;

	if (m->type == RT_MSG_PID)
		*c->got_pid = true;
	else if (m->type == RT_MSG_USERNS && !failed && map_userns(c->fd, c->child, c->spec, err) < 0)
		/* The child waits for the point: without it, it fails on EOF
		 * once we return. */
		return nc_err_ret(err);
	return 0;
}

/* Reads the child's messages until EOF; 0 when it exec'd (or idles). */
static int read_child(int fd, pid_t child, const struct rt_container_spec *spec, bool *got_pid, nc_err *err)
{
	struct child_msgs c = { .fd = fd, .child = child, .spec = spec, .got_pid = got_pid };
	bool failed;
	return rt_sync_read_child(fd, on_child_msg, &c, &failed, err);
}

static void start_plan_release(struct start_plan *p)
{
	rt_exec_plan_release(&p->exec);
	for (unsigned i = 0; i < p->n_log_old; i++)
		close(p->log_old[i]);
	p->n_log_old = 0;
}

/* log.1 ... log.N-1 of a rotated log, opened for the init (logfmt.h). */
static int open_rotated(const struct rt_container_spec *spec, struct start_plan *p, nc_err *err)
{
	unsigned n = spec->log_max_files ? spec->log_max_files : 1;
	char path[4096];

	if (n > RT_LOG_MAX_FILES)
		n = RT_LOG_MAX_FILES;
	p->log_max_size = spec->log_max_size;
	for (unsigned i = 1; i < n; i++) {
		if (!rt_log_rotated_path(path, sizeof(path), spec->log_path, i))
			return nc_err_errno(err, ENAMETOOLONG, "log `%s`", spec->log_path);
		int fd = open_above_stdio(path, O_RDWR | O_CREAT | O_NOCTTY | O_NOFOLLOW, 0640, "log", err);
		if (fd < 0)
			return fd;
		p->log_old[p->n_log_old++] = fd;
	}
	return 0;
}

/* An upper layer's etc/passwd: a user added in an earlier run counts. */
static bool upper_has_passwd(const struct rt_container_spec *spec)
{
	char path[4096];
	if (!spec->upper_dir)
		return false;
	snprintf(path, sizeof(path), "%s/etc/passwd", spec->upper_dir);
	return faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Where `user:` is looked up before the root exists: the host's "/", or
 * the uppermost layer of the image that has an etc/passwd (the upper
 * one first). An image file root is read by user_root_image instead. */
static const char *user_root(const struct rt_container_spec *spec)
{
	if (!spec->n_lower)
		return "/";
	char path[4096];
	if (upper_has_passwd(spec))
		return spec->upper_dir;
	for (size_t i = 0; i < spec->n_lower; i++) {
		snprintf(path, sizeof(path), "%s/etc/passwd", spec->lower_dirs[i]);
		if (faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return spec->lower_dirs[i];
	}
	return spec->lower_dirs[0];
}

struct layer_fds {
	int *fd;
	size_t n;
	int userns;
};

static void layer_fds_close(struct layer_fds *l)
{
	for (size_t i = 0; i < l->n; i++)
		close(l->fd[i]);
	if (l->userns >= 0)
		close(l->userns);
}

/* userns_mode with an image: each lower layer cloned with the range's
 * idmapping, to be attached by the child at an empty directory of the
 * root dir (hidden under the overlay once it is mounted) and named as the
 * lower layer instead. */
static int idmap_layers(const struct rt_container_spec *spec, struct nc_arena *arena,
			struct rt_container_spec *out, struct layer_fds *l, const char ***dirs, nc_err *err)
{
	if (!spec->idmap_layers || !spec->userns_size || !spec->n_lower || spec->lower_image)
		return 0;
	const char **lower = nc_arena_alloc(arena, spec->n_lower * sizeof(*lower));
	l->fd = nc_arena_alloc(arena, spec->n_lower * sizeof(int));
	if (!lower || !l->fd)
		return nc_err_errno(err, ENOMEM, "container `%s`: idmapped layers", spec->name);
	if ((l->userns = rt_userns_fd(spec->userns_base, spec->userns_size, err)) < 0)
		return nc_err_prefix(err, "container `%s`", spec->name);
	for (size_t i = 0; i < spec->n_lower; i++) {
		if (!(lower[i] = nc_arena_printf(arena, "%s/.ncompose-layer-%zu", spec->root_dir, i)))
			return nc_err_errno(err, ENOMEM, "container `%s`: idmapped layers", spec->name);
		if (mkdir(lower[i], 0700) < 0 && errno != EEXIST)
			return nc_err_errno(err, errno, "container `%s`: mkdir `%s`", spec->name, lower[i]);
		int fd = rt_idmap_tree(spec->lower_dirs[i], l->userns, err);
		if (fd < 0)
			return nc_err_prefix(err, "container `%s`: image layer", spec->name);
		l->fd[l->n++] = fd;
	}
	out->lower_dirs = lower;
	*dirs = lower;
	return 0;
}

struct loop_fds {
	int *fd;
	size_t n;
};

static void loop_fds_close(struct loop_fds *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
}

/* Loop volumes: each image made when missing and attached here, in the
 * parent; the child mounts the device. Our descriptors go when the start
 * is over: with LO_FLAGS_AUTOCLEAR the device then lives exactly as long
 * as the mount in the container's namespace. `mounts` is the spec's list
 * with the loop sources replaced by their devices. */
static int attach_loops(const struct rt_container_spec *spec, struct nc_arena *arena, struct rt_mount **mounts,
			struct loop_fds *loops, nc_err *err)
{
	size_t n_loop = 0;

	*mounts = (struct rt_mount *)spec->mounts;
	for (size_t i = 0; i < spec->n_mounts; i++)
		n_loop += spec->mounts[i].type == RT_MOUNT_LOOP;
	if (!n_loop)
		return 0;
	struct rt_mount *m = nc_arena_alloc(arena, spec->n_mounts * sizeof(*m));
	loops->fd = nc_arena_alloc(arena, n_loop * sizeof(int));
	if (!m || !loops->fd)
		return nc_err_errno(err, ENOMEM, "container `%s`: loop volumes", spec->name);
	memcpy(m, spec->mounts, spec->n_mounts * sizeof(*m));
	*mounts = m;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (m[i].type != RT_MOUNT_LOOP)
			continue;
		char dev[64];
		bool created;
		if (rt_ext_image_ensure(m[i].source, m[i].size, &created, err) < 0 ||
		    rt_loop_attach(m[i].source, m[i].read_only, &loops->fd[loops->n], dev, sizeof(dev), err) < 0)
			return nc_err_prefix(err, "container `%s`: volume `%s`", spec->name, m[i].target);
		loops->n++;
		if (!(m[i].source = nc_arena_strdup(arena, dev)))
			return nc_err_errno(err, ENOMEM, "container `%s`: loop volumes", spec->name);
	}
	return 0;
}

/* A filesystem image root: attached read-only here, in the parent, its
 * descriptor kept with the loop volumes' until the child has mounted it;
 * the mount point is made when missing. */
static int attach_root_image(const struct rt_container_spec *spec, struct nc_arena *arena, int *root_fd,
			     struct rt_rootfs_plan *plan, nc_err *err)
{
	char dev[64];

	if (!spec->lower_image)
		return 0;
	if (spec->n_lower != 1)
		return nc_err_msg(err, EINVAL, "container `%s`: an image file root takes one mount point", spec->name);
	if (mkdir(spec->lower_dirs[0], 0700) < 0 && errno != EEXIST)
		return nc_err_errno(err, errno, "container `%s`: mkdir `%s`", spec->name, spec->lower_dirs[0]);
	if (rt_loop_attach(spec->lower_image, true, root_fd, dev, sizeof(dev), err) < 0)
		return nc_err_prefix(err, "container `%s`: image `%s`", spec->name, spec->lower_image);
	if (!(plan->lower_loop_dev = nc_arena_strdup(arena, dev)))
		return nc_err_errno(err, ENOMEM, "container `%s`: image", spec->name);
	plan->lower_loop_dir = spec->lower_dirs[0];
	return 0;
}

/* What a borrowed start needs beyond a forked one, with its release. */
struct borrow {
	struct rt_child_stack init_stack, workload_stack;
	int cg_procs[RT_CG_MAX_HIER];
	size_t n_cg_procs;
};

static void borrow_release(struct borrow *b)
{
	rt_child_stack_put(&b->init_stack);
	rt_child_stack_put(&b->workload_stack);
	for (size_t i = 0; i < b->n_cg_procs; i++)
		close(b->cg_procs[i]);
	b->n_cg_procs = 0;
}

/* Borrowed when it can be (see the top); else forked, the way every
 * container started before, which is never wrong, only slower: a kernel
 * that cannot run the init from memory costs speed, not containers. */
/* fs.suid_dumpable = 1 makes every change of credentials (the workload's
 * setresuid to its user, while it shares our memory) leave our memory
 * dumpable, to any process of that uid. Read each time: it is a sysctl. */
static bool dumpable_on_setuid(void)
{
	char v[4] = "";
	int fd = open("/proc/sys/fs/suid_dumpable", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, v, sizeof(v) - 1);
	close(fd);
	return n < 1 || v[0] == '1';
}

static bool borrow_prepare(const struct rt_container_spec *spec, struct start_plan *p, struct borrow *b)
{
	nc_err ignored;

	if (spec->userns_size || dumpable_on_setuid())
		return false;
	/* Forked inits run the init program in the end too: a container with
	 * CAP_SYS_PTRACE reads its init's memory, which is then the program's,
	 * not a copy of ours (every service's settings). Not in a user
	 * namespace: our root's execute-only file is not its root's to run. */
	p->init_exe_fd = rt_init_exe_fd(&ignored);
	if (p->init_exe_fd < 0 || (spec->caps & (1ULL << CAP_SYS_PTRACE)))
		return false;
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's fake stacks (detect_stack_use_after_return)
	 * belong to a thread, and the nested borrowed children (init, then
	 * workload) would free each other's: a sanitized build then forks. */
	if (__asan_option_detect_stack_use_after_return)
		return false;
#endif
	if (rt_child_stack_get(&b->init_stack, &ignored) < 0 || rt_child_stack_get(&b->workload_stack, &ignored) < 0)
		return false;
	if (spec->cgroups && spec->cgroup) {
		int n = rt_cgroup_procs_fds(spec->cgroups, spec->cgroup, b->cg_procs, &ignored);
		if (n < 0)
			return false;
		b->n_cg_procs = (size_t)n;
		p->cg_procs = b->cg_procs;
		p->n_cg_procs = b->n_cg_procs;
	}
	p->workload_stack = &b->workload_stack;
	p->borrowed = true;
	return true;
}

int rt_container_start(const struct rt_container_spec *spec, pid_t *pid, nc_err *err)
{
	_cleanup_(arena_freep) struct nc_arena arena = NC_ARENA_INIT;
	_cleanup_(loop_fds_close) struct loop_fds loops = { 0 };
	_cleanup_close_ int root_loop = -1;
	_cleanup_(layer_fds_close) struct layer_fds layers = { .userns = -1 };
	const char **layer_dirs = NULL;
	_cleanup_(start_plan_release) struct start_plan p = { .netns_fd = -1, .init_exe_fd = -1, .mnt_template_fd = -1 };
	_cleanup_(borrow_release) struct borrow borrow = { 0 };
	const char *name = spec->name ? spec->name : "?";
	struct rt_container_spec with_loops = *spec;
	struct rt_mount *mounts;

	uint64_t missing = spec->caps & rt_caps_all() & ~rt_caps_held();
	if (missing) {
		int cap = __builtin_ctzll(missing);
		return nc_err_msg(err, EPERM,
				  "container `%s`: capability %s is not held by ncompose itself (this host's bounding set lacks it); drop it from cap_add",
				  name, rt_cap_name(cap) ? rt_cap_name(cap) : "?");
	}
	if (attach_loops(spec, &arena, &mounts, &loops, err) < 0)
		return nc_err_ret(err);
	with_loops.mounts = mounts;
	if (idmap_layers(spec, &arena, &with_loops, &layers, &layer_dirs, err) < 0)
		return nc_err_ret(err);
	if (rt_rootfs_plan_build(&with_loops, &arena, &p.rootfs, err) < 0)
		return nc_err_ret(err);
	if (attach_root_image(spec, &arena, &root_loop, &p.rootfs, err) < 0)
		return nc_err_ret(err);
	p.rootfs.attach_fds = layers.fd;
	p.rootfs.attach_dirs = layer_dirs;
	p.rootfs.n_attach = layers.n;
	p.has_workload = spec->argv != NULL;
	p.tty = spec->tty;
	p.stdin_open = spec->stdin_open;
	/* An image file root is not mounted yet: its etc/passwd and
	 * etc/group are read through a mount of it attached nowhere. */
	_cleanup_close_ int image_root = -1;
	if (p.has_workload && p.rootfs.lower_loop_dev && (spec->user || spec->n_groups) && !upper_has_passwd(spec) &&
	    (image_root = rt_loop_open_detached(p.rootfs.lower_loop_dev, err)) < 0)
		return nc_err_prefix(err, "container `%s`: user `%s`", name, spec->user ? spec->user : "0");
	if (p.has_workload) {
		struct rt_exec_security sec = {
			.user = spec->user,
			.user_root = user_root(spec),
			.user_rootfd = image_root,
			.groups = spec->groups,
			.n_groups = spec->n_groups,
			.ulimits = spec->ulimits,
			.n_ulimits = spec->n_ulimits,
			.seccomp = !spec->seccomp_unconfined,
		};
		if (rt_exec_plan_init(&p.exec, spec->argv, spec->env, spec->cwd, spec->caps, spec->no_new_privs,
				      err) < 0 ||
		    rt_exec_plan_secure(&p.exec, &sec, err) < 0)
			return nc_err_prefix(err, "container `%s`", name);
	}
	p.userns_size = spec->userns_size;
	p.has_oom_score_adj = spec->has_oom_score_adj;
	p.oom_score_adj = spec->oom_score_adj;
	p.hostname = spec->hostname;
	p.domainname = spec->domainname;
	p.last_cap = rt_cap_last();
	p.init_caps = spec->caps & rt_caps_all();

	_cleanup_close_ int netns = -1, logfd = -1, devnull = -1, cgfd = -1;
	if (spec->netns_path && (netns = open_above_stdio(spec->netns_path, O_RDONLY, 0, "network namespace", err)) < 0)
		return netns;
	_cleanup_close_pair_ int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	if (spec->log_path) {
		/* Readable too: a rotation copies it into log.1. */
		if ((logfd = open_above_stdio(spec->log_path, O_RDWR | O_APPEND | O_CREAT | O_NOCTTY, 0640,
					      "log", err)) < 0)
			return logfd;
		if (open_rotated(spec, &p, err) < 0)
			return nc_err_ret(err);
		if (log_pipe(out_pipe, err) < 0 || log_pipe(err_pipe, err) < 0)
			return nc_err_prefix(err, "container `%s`", name);
	}
	if ((devnull = open_above_stdio("/dev/null", O_RDWR, 0, "device", err)) < 0)
		return devnull;
	if (spec->cgroups && spec->cgroup) {
		cgfd = rt_cgroup_clone_fd(spec->cgroups, spec->cgroup, err);
		if (cgfd < 0 && cgfd != -EOPNOTSUPP)
			return cgfd;
	}
	int sv[2];
	if (rt_sync_pair(sv, err) < 0)
		return nc_err_ret(err);
	_cleanup_close_ int parent_end = sv[0], child_end = sv[1];
	p.sync_fd = child_end;
	p.netns_fd = netns;
	p.log_fd = logfd;
	memcpy(p.out_pipe, out_pipe, sizeof(out_pipe));
	memcpy(p.err_pipe, err_pipe, sizeof(err_pipe));
	p.devnull_fd = devnull;

	uint64_t flags = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	if (rt_mnt_template_fits(spec->mnt_template, spec))
		p.mnt_template_fd = spec->mnt_template->fd;
	else
		flags |= CLONE_NEWNS;
	if (netns < 0)
		flags |= CLONE_NEWNET;
	bool borrowed = borrow_prepare(spec, &p, &borrow);
	/* Born with every signal blocked: no handler of the caller's may run
	 * in the child before it resets them. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	bool in_cgroup = false;
	_cleanup_pid_ pid_t child = -1;
	if (borrowed) {
		/* Returns once the child has exec'd the init or died; it
		 * holds parent_end too, until then (no CLONE_FILES). */
		child = rt_clone_vm(flags, cgfd, &p.in_cgroup, &borrow.init_stack, borrowed_main, &p);
		int e = errno;
		/* The workload's change of user set our memory's dumpable flag
		 * to fs.suid_dumpable (0 or 2 here); ours is 0, whatever. */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		errno = e;
	} else {
		child = rt_raw_clone(flags, cgfd, &in_cgroup);
		if (child == 0) {
			close(parent_end);
			child_main(&p);
		}
	}
	int clone_errno = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (child < 0)
		return nc_err_errno(err, clone_errno, "container `%s`: clone the init", name);
	close(TAKE_FD(child_end));

	if (!borrowed) {
		if (spec->cgroups && spec->cgroup && !in_cgroup &&
		    rt_cgroup_attach(spec->cgroups, spec->cgroup, child, err) < 0)
			return nc_err_prefix(err, "container `%s`", name);
		if (rt_sync_send_point(parent_end, RT_SYNC_IN_CGROUP, err) < 0)
			return nc_err_prefix(err, "container `%s`", name);
	}
	bool got_pid = false;
	if (read_child(parent_end, child, spec, &got_pid, err) < 0)
		return nc_err_ret(err);
	if (!got_pid) {
		int st = 0;
		while (waitpid(child, &st, 0) < 0 && errno == EINTR)
			;
		TAKE_PID(child);
		return nc_err_msg(err, ECHILD, "container `%s`: the init ended during setup (status %d)", name,
				  rt_status_code(st));
	}
	*pid = TAKE_PID(child);
	return 0;
}
