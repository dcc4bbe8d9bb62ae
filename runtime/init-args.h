/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line of the container's init binary (init-main.c): what a
 * child that has set the container up hands to the init it execs. Both
 * sides are here, so they cannot drift apart.
 */
#ifndef NC_RUNTIME_INIT_ARGS_H
#define NC_RUNTIME_INIT_ARGS_H

#include <stddef.h>
#include <sys/types.h>

#include "runtime/init.h"
#include "runtime/logfmt.h"

/* argv[0], the workload, out, err, log, max size, then each rotated log. */
#define RT_INIT_ARGC_MAX (6 + RT_LOG_MAX_FILES)

struct rt_init_args {
	pid_t workload;
	struct rt_init_io io; /* io.old_fds points at old[] */
	int old[RT_LOG_MAX_FILES];
};

/* Child side (child-util.h rules): argv (RT_INIT_ARGC_MAX + 1 slots, NULL
 * terminated) with its strings in buf. Returns 0, or -1 when buf is too
 * small or io has too many rotated logs. */
int rt_init_args_format(pid_t workload, const struct rt_init_io *io, char *buf, size_t len, char **argv);

/* The init's side: 0, or -1 when argv is not what the format makes. */
int rt_init_args_parse(int argc, char *const *argv, struct rt_init_args *out);

#endif
