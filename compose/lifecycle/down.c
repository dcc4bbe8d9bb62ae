/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/down.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/lifecycle/control.h"
#include "compose/lifecycle/journal.h"
#include "compose/plan/naming.h"
#include "compose/lifecycle/supervise.h"

#include "compose/lifecycle/state.h"
#include "compose/lifecycle/teardown.h"

static int supervisor_pid(const char *dir, pid_t *pid)
{
	char path[PATH_MAX];
	struct nc_records rs;
	nc_err e;

	*pid = 0;
	if (nc_pathf(path, sizeof(path), "%s/" NC_SUPERVISOR_FILE, dir) < 0 ||
	    nc_records_read_file(path, &rs, &e) < 0)
		return -ENOENT;
	for (size_t i = 0; i < rs.n; i++)
		if (!strcmp(rs.v[i].f[0], "pid") && nc_record_field(&rs.v[i], 1))
			*pid = (pid_t)strtol(rs.v[i].f[1], NULL, 10);
	nc_records_free(&rs);
	return *pid > 0 ? 0 : -ENOENT;
}

/* A supervisor is only ours to kill if it sits in the project's
 * supervisor cgroup: a recorded pid may have been reused. */
static bool is_our_supervisor(pid_t pid, const char *project)
{
	char path[64], want[256];
	_cleanup_free_ char *text = NULL;
	nc_err e;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	snprintf(want, sizeof(want), "/" NC_CGROUP_TOP "/%s/" NC_SUPERVISOR_CGROUP "\n", project);
	return nc_read_file(path, &text, NULL, &e) == 0 && strstr(text, want);
}

static unsigned long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000 + (unsigned long)ts.tv_nsec / 1000000;
}

static int wait_exit(pid_t pid, unsigned timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return errno == ESRCH ? 0 : -errno;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, (int)timeout_ms);
	close(fd);
	return r == 1 ? 0 : -ETIMEDOUT;
}

/*
 * Someone holds the project lock: a supervisor (ask it to stop its
 * containers and go), an `up` still at work (its supervisor starts to
 * listen once the project is up, so keep asking), or a process killed a
 * moment ago and still exiting (its lock goes with it). Returns once the
 * lock is ours (*st set) or the deadline passes.
 */
static int take_over(const char *project, const struct nc_paths *paths, struct nc_report *rep,
		     unsigned grace_ms, struct nc_state **st, nc_err *err)
{
	char dir[PATH_MAX];
	unsigned long deadline = now_ms() + 60000;
	bool asked = false;
	int r;

	if (nc_pathf(dir, sizeof(dir), "%s/%s", paths->state_root, project) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "state of `%s`", project);
	for (;;) {
		struct nc_records reply;
		pid_t pid = 0;
		nc_err e;

		char grace[16];
		snprintf(grace, sizeof(grace), "%u", grace_ms);
		/* Generous: the supervisor stops every container first, each
		 * with its own grace period (up to a minute each, in parallel). */
		if (nc_control_call_fields(dir, (grace_ms ? grace_ms : 60000) + 5000, &reply, &e,
					   "down", grace, NULL) == 0) {
			if (!asked)
				nc_report_verbose(rep, "the supervisor of `%s` stops its containers", project);
			asked = true;
			if (reply.n && nc_record_field(&reply.v[0], 1))
				pid = (pid_t)strtol(reply.v[0].f[1], NULL, 10);
			nc_records_free(&reply);
			if (pid > 0 && wait_exit(pid, 5000) < 0 && is_our_supervisor(pid, project)) {
				nc_report_warn(rep, "the supervisor of `%s` (pid %d) does not exit; killing it",
					       project, (int)pid);
				kill(pid, SIGKILL);
				wait_exit(pid, 5000);
			}
		} else if (e.errnum == ETIMEDOUT && supervisor_pid(dir, &pid) == 0 &&
			   is_our_supervisor(pid, project)) {
			nc_report_warn(rep, "the supervisor of `%s` (pid %d) does not answer; killing it",
				       project, (int)pid);
			kill(pid, SIGKILL);
			wait_exit(pid, 5000);
		}
		r = nc_state_open(paths->state_root, project, 0, st, err);
		if (r != -EBUSY)
			return r;
		if (now_ms() > deadline)
			return nc_err_msg(err, EBUSY,
					  "project `%s` is still locked by an `ncompose up` at work; stop it (Ctrl-C) or wait, then run down again",
					  project);
		/* No event tells when an `up` at work gets far enough to
		 * listen, or when a dying process lets go of its lock. */
		usleep(20 * 1000);
	}
}

int nc_down_locked(const char *project, const struct nc_paths *paths, struct nc_state *st,
		   struct nc_report *rep, unsigned grace_ms, nc_err *err)
{
	struct nc_records journal = { 0 };
	struct netd *nd = NULL;
	struct rt_cgroups *cg = NULL;
	char state_dir[PATH_MAX];
	int r;

	uint64_t t = nc_report_clock(rep);
	if (st && (r = nc_state_read_journal(st, &journal, err)) < 0)
		return r;
	t = nc_report_time(rep, "read the journal", t);
	if ((r = netd_open(&nd, err)) < 0 ||
	    (r = rt_cgroups_open(paths->cgroup_root, NULL, NULL, &cg, err)) < 0)
		goto out;
	t = nc_report_time(rep, "open netlink and cgroups", t);
	snprintf(state_dir, sizeof(state_dir), "%s/%s", paths->state_root, project);
	struct nc_teardown td = {
		.project = project, .paths = paths, .journal = &journal, .state_dir = state_dir,
		.nd = nd, .cg = cg, .rep = rep, .grace_ms = grace_ms ? grace_ms : 10000,
	};
	r = nc_teardown_all(&td, err);
	/* The state goes last, and only when the objects went: it is what
	 * finds them on the next try. */
	/* The writable layers, before the state: a failure here is retried. */
	t = nc_report_clock(rep);
	if (r == 0 && st)
		r = nc_teardown_layers(&td, err);
	t = nc_report_time(rep, "remove writable layers", t);
	if (r == 0 && st)
		r = nc_state_remove(st, err);
	nc_report_time(rep, "remove the state", t);
out:
	if (cg)
		rt_cgroups_close(cg);
	if (nd)
		netd_close(nd);
	nc_records_free(&journal);
	return r;
}

int nc_down(const char *project, const struct nc_paths *paths, struct nc_report *rep,
	    unsigned grace_ms, nc_err *err)
{
	struct nc_state *st = NULL;
	uint64_t t0 = nc_report_clock(rep);
	int r;

	/* No state directory is normal (never up, or /run was lost): the
	 * labels still find whatever is left. A lock held means a supervisor
	 * (or an `up` at work): ask it to stop the containers and go. */
	r = nc_state_open(paths->state_root, project, 0, &st, err);
	uint64_t t = nc_report_time(rep, "lock the state", t0);
	if (r == -EBUSY) {
		r = take_over(project, paths, rep, grace_ms, &st, err);
		nc_report_time(rep, "supervisor stops the containers", t);
	}
	if (r < 0)
		return r;
	r = nc_down_locked(project, paths, st, rep, grace_ms, err);
	nc_state_close(st);
	nc_report_timings(rep, "down");
	return r;
}
