/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start-to-exit latency of one container running /bin/true, through the
 * runtime alone (no compose file, no network wiring): the namespaces,
 * the host's root read-only with what compose masks, a cgroup, the
 * default capability set and seccomp filter. Run by bench/start-latency
 * inside tests/lib/sandbox.
 *
 *   bench-start-true [RUNS]      default 20; prints milliseconds
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/runtime.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double median(const double *sorted, int n)
{
	return (sorted[(n - 1) / 2] + sorted[n / 2]) / 2;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 20;
	const char *const cmd[] = { "/bin/true", NULL };
	const char *const masked[] = { "/root", "/home", "/etc/shadow", "/etc/gshadow", "/var/lib/ncompose" };
	struct rt_cgroups *cg = NULL;
	char base[64], cgroup[96], root[] = "/tmp/nc-bench-root-XXXXXX";
	nc_err err;

	if (runs < 1 || !mkdtemp(root)) {
		fprintf(stderr, "usage: bench-start-true [RUNS>0] (and a writable /tmp)\n");
		return 2;
	}
	snprintf(base, sizeof(base), "ncompose-bench-%d", (int)getpid());
	if (rt_cgroups_open("/sys/fs/cgroup", NULL, NULL, &cg, &err) < 0) {
		fprintf(stderr, "bench-start-true: %s\n", err.msg);
		return 1;
	}
	double *start_exit = calloc((size_t)runs, sizeof(double));
	double *with_cgroup = calloc((size_t)runs, sizeof(double));
	int rc = 0;
	for (int i = 0; i < runs && !rc; i++) {
		struct rt_limits lim = RT_LIMITS_INIT;
		struct rt_container_spec s = {
			.name = "bench", .root_dir = root, .hostname = "bench", .argv = cmd, .cwd = "/",
			.caps = rt_caps_default(), .no_new_privs = true, .masked = masked,
			.n_masked = sizeof(masked) / sizeof(masked[0]), .cgroups = cg, .cgroup = cgroup,
		};
		pid_t pid;
		int st;
		snprintf(cgroup, sizeof(cgroup), "%s/c%d", base, i);
		double t0 = now_ms();
		if (rt_cgroup_create(cg, cgroup, &lim, &err) < 0) {
			fprintf(stderr, "bench-start-true: %s\n", err.msg);
			rc = 1;
			break;
		}
		double t1 = now_ms();
		if (rt_container_start(&s, &pid, &err) < 0) {
			fprintf(stderr, "bench-start-true: %s\n", err.msg);
			rc = 1;
		} else {
			waitpid(pid, &st, 0);
		}
		double t2 = now_ms();
		if (rt_cgroup_remove(cg, cgroup, base, &err) < 0) {
			fprintf(stderr, "bench-start-true: %s\n", err.msg);
			rc = 1;
		}
		start_exit[i] = t2 - t1;
		with_cgroup[i] = now_ms() - t0;
	}
	rt_cgroup_remove(cg, base, NULL, &err);
	rt_cgroups_close(cg);
	rmdir(root);
	if (!rc) {
		qsort(start_exit, (size_t)runs, sizeof(double), cmp_double);
		qsort(with_cgroup, (size_t)runs, sizeof(double), cmp_double);
		/* median min max, then the median with the cgroup made and removed */
		printf("%.2f %.2f %.2f %.2f\n", median(start_exit, runs), start_exit[0], start_exit[runs - 1],
		       median(with_cgroup, runs));
	}
	free(start_exit);
	free(with_cgroup);
	return rc;
}
