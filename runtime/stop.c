/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stop: the signal goes to the init, which forwards it to the workload;
 * when the init exits, the kernel kills and reaps the rest of its PID
 * namespace before the exit is reported (zap_pid_ns_processes()), so
 * waiting on the init's pidfd is waiting for the namespace to empty. What
 * may remain in the cgroup outside the namespace (an exec helper) and
 * whatever outlives the grace period is killed through the cgroup.
 *
 * The init is not reaped here: it is the child of whoever started it,
 * which may want its status.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/cgroup-internal.h"
#include "runtime/runtime.h"
#include "runtime/syscalls.h"

/* Before Linux 5.3 there is no pidfd to poll: check the pid every 10 ms. */
static void wait_pid_gone(pid_t pid, unsigned grace_ms)
{
	for (unsigned waited = 0; waited < grace_ms; waited += 10) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return;
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
}

/* Signals through the pidfd and waits until the init has exited. */
static void signal_and_wait(int pidfd, int sig, unsigned grace_ms)
{
	if (rt_pidfd_send_signal(pidfd, sig) < 0 || !grace_ms)
		return;
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	for (int64_t deadline = rt_cg_now_ms() + grace_ms;;) {
		int64_t left = deadline - rt_cg_now_ms();
		if (left <= 0)
			return;
		int r = poll(&p, 1, (int)left);
		if (r > 0 || (r < 0 && errno != EINTR))
			return;
	}
}

int rt_container_stop(struct rt_cgroups *cg, const char *cgroup, pid_t init_pid, int sig,
		      unsigned grace_ms, nc_err *err)
{
	if (init_pid > 0) {
		_cleanup_close_ int pidfd = rt_pidfd_open(init_pid);
		int e = pidfd < 0 ? errno : 0;
		if (pidfd < 0 && e != ENOSYS && e != ESRCH)
			return nc_err_errno(err, e, "stop: container init %d", (int)init_pid);
		/* A recorded pid may be stale and reused by a stranger: signal
		 * it only when the process the pidfd pins is in our cgroup
		 * (without pidfds, before 5.3, a small race remains). */
		bool ours = e != ESRCH;
		if (ours && cg && cgroup && rt_cgroup_has_pid(cg, cgroup, init_pid, &ours, err) < 0)
			return nc_err_prefix(err, "stop");
		if (ours && pidfd >= 0)
			signal_and_wait(pidfd, sig, grace_ms);
		else if (ours && kill(init_pid, sig) == 0)
			wait_pid_gone(init_pid, grace_ms);
	}
	if (cg && cgroup && rt_cgroup_kill(cg, cgroup, err) < 0)
		return nc_err_prefix(err, "stop");
	return 0;
}
