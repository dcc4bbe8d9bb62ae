/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/init-args.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rt_init_args_format(pid_t workload, const struct rt_init_io *io, char *buf, size_t len, char **argv)
{
	long long v[5 + RT_LOG_MAX_FILES];
	size_t n = 0, used = 0;

	if (io->n_old > RT_LOG_MAX_FILES)
		return -1;
	v[n++] = workload;
	v[n++] = io->out_fd;
	v[n++] = io->err_fd;
	v[n++] = io->log_fd;
	if (io->max_size > (uint64_t)LLONG_MAX)
		return -1;
	v[n++] = (long long)io->max_size;
	for (unsigned i = 0; i < io->n_old; i++)
		v[n++] = io->old_fds[i];
	argv[0] = "ncompose-init";
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + used, len - used, "%lld", v[i]);
		if (w < 0 || (size_t)w >= len - used)
			return -1;
		argv[i + 1] = buf + used;
		used += (size_t)w + 1;
	}
	argv[n + 1] = NULL;
	return 0;
}

static int number(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int rt_init_args_parse(int argc, char *const *argv, struct rt_init_args *out)
{
	long long v[5];

	memset(out, 0, sizeof(*out));
	if (argc < 6 || argc > RT_INIT_ARGC_MAX)
		return -1;
	if (number(argv[1], 0, INT_MAX, &v[0]) < 0)
		return -1;
	for (int i = 2; i <= 4; i++)
		if (number(argv[i], -1, INT_MAX, &v[i - 1]) < 0)
			return -1;
	if (number(argv[5], 0, LLONG_MAX, &v[4]) < 0)
		return -1;
	out->workload = (pid_t)v[0];
	out->io = (struct rt_init_io){ (int)v[1], (int)v[2], (int)v[3], out->old, 0, (uint64_t)v[4] };
	for (int i = 6; i < argc; i++) {
		long long fd;
		if (number(argv[i], 0, INT_MAX, &fd) < 0)
			return -1;
		out->old[out->io.n_old++] = (int)fd;
	}
	return 0;
}
