/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v1: one hierarchy per controller (or per co-mounted group). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/cgroup-internal.h"

static int v1_create(const struct rt_cg_hier *h, const char *path, unsigned ctrls, nc_err *err)
{
	char where[PATH_MAX], pwhere[PATH_MAX];
	_cleanup_close_ int dfd = -1;

	(void)ctrls; /* every v1 controller of h is usable in each of its cgroups */
	int r = rt_cg_open(h, "", &dfd, where, sizeof(where), err);
	if (r < 0)
		return r;
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, '/');
		char comp[NAME_MAX + 1];
		snprintf(comp, sizeof(comp), "%.*s", (int)(e - p), p);
		memcpy(pwhere, where, sizeof(where));
		size_t wl = strlen(where);
		snprintf(where + wl, sizeof(where) - wl, "/%s", comp);
		int nfd = rt_cg_mkdir_open(dfd, comp, where, err);
		if (nfd < 0)
			return nfd;
		/* Every level, not only the leaf: a cpuset's lists must be
		 * a subset of its parent's, so an empty parent has nothing
		 * to give the next level down. */
		if ((h->ctrls & RT_CG_BIT(RT_CG_CPUSET)) && rt_cg_cpuset_inherit(dfd, pwhere, nfd, where, err) < 0) {
			close(nfd);
			return nc_err_ret(err);
		}
		close(dfd);
		dfd = nfd;
		p = *e ? e + 1 : e;
	}
	return 0;
}

static int write_memsw(int dfd, const char *where, int64_t v, nc_err *err)
{
	char s[32];

	if (faccessat(dfd, "memory.memsw.limit_in_bytes", F_OK, 0) < 0 && errno == ENOENT)
		return nc_err_msg(err, ENOENT,
				  "swap limit of `%s`: `%s/memory.memsw.limit_in_bytes` is missing: swap accounting is off "
				  "(boot with swapaccount=1, or a kernel with CONFIG_MEMCG_SWAP)",
				  where, where);
	snprintf(s, sizeof(s), "%" PRId64, v);
	return rt_cg_write(dfd, where, "memory.memsw.limit_in_bytes", s, err);
}

static int v1_set_memory(int dfd, const char *where, const struct rt_limits *lim, nc_err *err)
{
	char s[32];
	int r = 0;

	if (lim->memory_max >= 0) {
		snprintf(s, sizeof(s), "%" PRId64, lim->memory_max);
		r = rt_cg_write(dfd, where, "memory.limit_in_bytes", s, err);
		/* The kernel keeps memory <= memory+swap at every write: a
		 * reused cgroup with a lower memsw limit refuses the higher
		 * memory limit (EINVAL) until memsw is raised first. */
		if (r == -EINVAL && lim->memory_swap_max >= 0) {
			if ((r = write_memsw(dfd, where, lim->memory_swap_max, err)) < 0)
				return r;
			r = rt_cg_write(dfd, where, "memory.limit_in_bytes", s, err);
		} else if (r == 0 && lim->memory_swap_max >= 0) {
			r = write_memsw(dfd, where, lim->memory_swap_max, err);
		}
		if (r < 0)
			return r;
	}
	if (lim->memory_low > 0) {
		/* v1 has no memory.low; the soft limit is what Docker maps a
		 * reservation to: reclaim pushes the cgroup back to it first
		 * under pressure. */
		snprintf(s, sizeof(s), "%" PRId64, lim->memory_low);
		r = rt_cg_write(dfd, where, "memory.soft_limit_in_bytes", s, err);
	}
	return r;
}

static int v1_set_cpu(int dfd, const char *where, const struct rt_limits *lim, nc_err *err)
{
	char s[32];

	if (lim->cpu_quota_us) {
		/* Period first: the quota is checked against it. */
		snprintf(s, sizeof(s), "%" PRIu64, lim->cpu_period_us ? lim->cpu_period_us : 100000);
		if (rt_cg_write(dfd, where, "cpu.cfs_period_us", s, err) < 0)
			return nc_err_ret(err);
		snprintf(s, sizeof(s), "%" PRIu64, lim->cpu_quota_us);
		if (rt_cg_write(dfd, where, "cpu.cfs_quota_us", s, err) < 0)
			return nc_err_ret(err);
	}
	if (lim->cpu_shares) {
		snprintf(s, sizeof(s), "%" PRIu64, lim->cpu_shares);
		return rt_cg_write(dfd, where, "cpu.shares", s, err);
	}
	return 0;
}

/* CFQ's blkio.weight (gone with CFQ in Linux 5.0) and BFQ's: the same
 * scale, each acting on the devices its scheduler runs; both written
 * when both are there (4.12 to 4.20). */
static const char *const v1_weight_files[] = { "blkio.weight", "blkio.bfq.weight", NULL };

static int v1_set_blkio(int dfd, const char *where, const struct rt_limits *lim, nc_err *err)
{
	char s[16];
	bool done = false;

	snprintf(s, sizeof(s), "%u", lim->blkio_weight);
	for (const char *const *f = v1_weight_files; *f; f++) {
		if (!rt_cg_has(dfd, *f))
			continue;
		if (rt_cg_write(dfd, where, *f, s, err) < 0)
			return nc_err_ret(err);
		done = true;
	}
	return done ? 0 : -EOPNOTSUPP;
}

static bool v1_supports(int hdfd, enum rt_limit_kind kind)
{
	switch (kind) {
	case RT_LIMIT_MEMORY_SWAP:
		/* The root has the memsw files too when swap is accounted. */
		return rt_cg_has(hdfd, "memory.memsw.limit_in_bytes");
	case RT_LIMIT_BLKIO_WEIGHT:
		/* The weight files are not on the root, but their policy's
		 * root files are: CFQ maps blkio.weight on the root to its
		 * leaf weight, BFQ adds blkio.bfq.io_service_bytes there when
		 * it registers (the bfq module may load later: look at the
		 * cgroups below the root as well). */
		return rt_cg_has(hdfd, "blkio.weight") || rt_cg_has(hdfd, "blkio.bfq.io_service_bytes") ||
		       rt_cg_child_has(hdfd, v1_weight_files);
	default:
		return true;
	}
}

static int v1_stats(int dfd, const char *where, unsigned ctrls, struct rt_cgroup_stats *st, nc_err *err)
{
	if (ctrls & RT_CG_BIT(RT_CG_MEMORY)) {
		const struct rt_cg_stat_key mem[] = {
			{ "total_cache", &st->memory_cache, 1 },
			{ "total_rss", &st->memory_anon, 1 },
		};
		const struct rt_cg_stat_key oom[] = { { "oom_kill", &st->oom_kills, 1 } };
		if (rt_cg_stat_u64(dfd, where, "memory.usage_in_bytes", &st->memory_current, err) < 0 ||
		    rt_cg_stat_limit(dfd, where, "memory.limit_in_bytes", &st->memory_limit, err) < 0 ||
		    rt_cg_stat_u64(dfd, where, "memory.max_usage_in_bytes", &st->memory_peak, err) < 0 ||
		    rt_cg_stat_keyed(dfd, where, "memory.stat", mem, NC_ELEMENTSOF(mem), err) < 0 ||
		    rt_cg_stat_keyed(dfd, where, "memory.oom_control", oom, NC_ELEMENTSOF(oom), err) < 0)
			return nc_err_ret(err);
	}
	if (ctrls & RT_CG_BIT(RT_CG_CPU)) {
		const struct rt_cg_stat_key cpu[] = {
			{ "nr_periods", &st->cpu_nr_periods, 1 },
			{ "nr_throttled", &st->cpu_nr_throttled, 1 },
			{ "throttled_time", &st->cpu_throttled_ns, 1 },
		};
		if (rt_cg_stat_keyed(dfd, where, "cpu.stat", cpu, NC_ELEMENTSOF(cpu), err) < 0)
			return nc_err_ret(err);
	}
	if ((ctrls & RT_CG_BIT(RT_CG_CPUACCT)) &&
	    rt_cg_stat_u64(dfd, where, "cpuacct.usage", &st->cpu_usage_ns, err) < 0)
		return nc_err_ret(err);
	if ((ctrls & RT_CG_BIT(RT_CG_PIDS)) &&
	    (rt_cg_stat_u64(dfd, where, "pids.current", &st->pids_current, err) < 0 ||
	     rt_cg_stat_limit(dfd, where, "pids.max", &st->pids_max, err) < 0))
		return nc_err_ret(err);
	if (ctrls & RT_CG_BIT(RT_CG_BLKIO) && st->io_read_bytes == RT_STAT_UNKNOWN) {
		_cleanup_free_ char *text = NULL;
		if (rt_cg_read_opt(dfd, where, "blkio.throttle.io_service_bytes_recursive", &text, err) < 0)
			return nc_err_ret(err);
		if (text && rt_cg_parse_blkio_v1(text, &st->io_read_bytes, &st->io_write_bytes) < 0)
			return nc_err_msg(err, EINVAL, "`%s/blkio.throttle.io_service_bytes_recursive`: cannot parse",
					  where);
	}
	return 0;
}

static int v1_oom_kills(int dfd, const char *where, uint64_t *count, nc_err *err)
{
	_cleanup_free_ char *text = NULL;

	if (rt_cg_read(dfd, where, "memory.oom_control", &text, err) < 0)
		return nc_err_ret(err);
	/* `oom_kill` is there since Linux 4.13. */
	if (rt_cg_parse_keyed(text, "oom_kill", count) < 0)
		return nc_err_msg(err, ENOENT, "`%s/memory.oom_control` has no `oom_kill` line", where);
	return 0;
}

static int v1_kill_all(int dfd, const char *where, nc_err *err)
{
	(void)dfd, (void)where, (void)err;
	return -EOPNOTSUPP;
}

static int v1_freeze(int dfd, const char *where, bool frozen, nc_err *err)
{
	if (faccessat(dfd, "freezer.state", F_OK, 0) < 0)
		return -EOPNOTSUPP;
	int r = rt_cg_write(dfd, where, "freezer.state", frozen ? "FROZEN" : "THAWED", err);
	if (r < 0 || !frozen)
		return r;
	/* The v1 freezer has no notification: FREEZING turns into FROZEN
	 * once every task has stopped, which we can only poll for. */
	int64_t deadline = rt_cg_now_ms() + 1000;
	for (;;) {
		_cleanup_free_ char *state = NULL;
		if (rt_cg_read(dfd, where, "freezer.state", &state, err) < 0)
			return nc_err_ret(err);
		if (!strncmp(state, "FROZEN", 6))
			return 0;
		if (rt_cg_now_ms() > deadline)
			return nc_err_msg(err, ETIMEDOUT, "`%s/freezer.state` still `%.*s` after 1 s", where,
					  (int)strcspn(state, "\n"), state);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}

static int v1_wait_empty(int dfd, const char *where, int timeout_ms, nc_err *err)
{
	return rt_cg_wait_procs_empty(dfd, where, timeout_ms, err);
}

const struct rt_cgroup_ops rt_cgroup_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.set_memory = v1_set_memory,
	.set_cpu = v1_set_cpu,
	.set_cpuset = rt_cg_set_cpuset,
	.set_pids = rt_cg_set_pids,
	.set_blkio = v1_set_blkio,
	.supports = v1_supports,
	.stats = v1_stats,
	.oom_kills = v1_oom_kills,
	.kill_all = v1_kill_all,
	.freeze = v1_freeze,
	.wait_empty = v1_wait_empty,
};
