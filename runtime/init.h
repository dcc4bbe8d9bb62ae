/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NC_RUNTIME_INIT_H
#define NC_RUNTIME_INIT_H

#include <stdint.h>
#include <sys/types.h>

/* The workload's output as the init sees it: the read ends of the pipes on
 * its stdout and stderr, and the log file the records go to. All -1: the
 * workload writes nowhere (its stdio is /dev/null). */
struct rt_init_io {
	int out_fd;
	int err_fd;
	int log_fd;
	/* Rotation (logfmt.h): once log_fd would pass max_size bytes (0:
	 * never), its records move into old_fds (log.1 ...) and it starts
	 * empty. */
	const int *old_fds;
	unsigned n_old;
	uint64_t max_size;
};

/*
 * Our PID 1. Called with every signal blocked (so none is lost and none
 * runs a handler of the caller's) and nothing open but stdio on /dev/null
 * and the descriptors of `io`. Reaps every child; forwards every other
 * signal to the workload; copies the workload's output into the log as
 * timestamped records (logfmt.h); exits with the workload's status (code,
 * or 128 + signal) once it ends and what it wrote is in the log. With no
 * workload (0) it idles and exits 0 on SIGTERM or SIGINT. Never returns.
 */
__attribute__((noreturn)) void rt_init_run(pid_t workload, const struct rt_init_io *io);

#endif
