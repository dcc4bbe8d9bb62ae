/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2: one hierarchy, controllers enabled top-down. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/cgroup-internal.h"

/* The controllers of `ctrls` that `avail` offers and `on` lacks, as
 * "+memory +cpu +pids +io +cpuset" (this order; cpu optional). */
static void want_list(unsigned ctrls, const char *avail, const char *on, bool with_cpu, char *buf,
		      size_t size)
{
	static const enum rt_cg_ctrl order[] = { RT_CG_MEMORY, RT_CG_CPU, RT_CG_PIDS, RT_CG_BLKIO, RT_CG_CPUSET };
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NC_ELEMENTSOF(order); i++) {
		enum rt_cg_ctrl c = order[i];
		const char *name = rt_cg_ctrl_v2_name(c);
		if (!(ctrls & RT_CG_BIT(c)) || (c == RT_CG_CPU && !with_cpu))
			continue;
		if (!rt_cg_list_has(avail, name, ' ') || rt_cg_list_has(on, name, ' '))
			continue;
		int w = snprintf(buf + n, size - n, "%s+%s", n ? " " : "", name);
		if (w > 0 && (size_t)w < size - n)
			n += (size_t)w;
	}
}

static int enable_controllers(int dfd, const char *where, unsigned ctrls, nc_err *err)
{
	_cleanup_free_ char *avail = NULL, *on = NULL;
	char want[96];

	if (rt_cg_read(dfd, where, "cgroup.controllers", &avail, err) < 0 ||
	    rt_cg_read(dfd, where, "cgroup.subtree_control", &on, err) < 0)
		return nc_err_ret(err);
	want_list(ctrls, avail, on, true, want, sizeof(want));
	if (!want[0])
		return 0;
	int r = rt_cg_write(dfd, where, "cgroup.subtree_control", want, err);
	if (r == -EINVAL && rt_cg_list_has(want, "+cpu", ' ')) {
		/* The cpu controller cannot be enabled while a realtime task
		 * runs in the subtree (EINVAL); crun then goes on without it,
		 * and so do we: a cpu limit later fails with its own error. */
		want_list(ctrls, avail, on, false, want, sizeof(want));
		r = want[0] ? rt_cg_write(dfd, where, "cgroup.subtree_control", want, err) : 0;
	}
	return r;
}

static int v2_create(const struct rt_cg_hier *h, const char *path, unsigned ctrls, nc_err *err)
{
	char where[PATH_MAX];
	_cleanup_close_ int dfd = -1;

	int r = rt_cg_open(h, "", &dfd, where, sizeof(where), err);
	if (r < 0)
		return r;
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, '/');
		char comp[NAME_MAX + 1];
		snprintf(comp, sizeof(comp), "%.*s", (int)(e - p), p);
		/* Every ancestor of the leaf, the hierarchy root included,
		 * passes the controllers down; the leaf itself must not
		 * (no internal processes: it will hold the container). */
		if (ctrls && (r = enable_controllers(dfd, where, ctrls, err)) < 0)
			return r;
		size_t wl = strlen(where);
		snprintf(where + wl, sizeof(where) - wl, "/%s", comp);
		int nfd = rt_cg_mkdir_open(dfd, comp, where, err);
		if (nfd < 0)
			return nfd;
		close(dfd);
		dfd = nfd;
		p = *e ? e + 1 : e;
	}
	return 0;
}

static int v2_set_memory(int dfd, const char *where, const struct rt_limits *lim, nc_err *err)
{
	char v[32];

	if (lim->memory_max >= 0) {
		snprintf(v, sizeof(v), "%" PRId64, lim->memory_max);
		if (rt_cg_write(dfd, where, "memory.max", v, err) < 0)
			return nc_err_ret(err);
	}
	if (lim->memory_swap_max >= 0) {
		snprintf(v, sizeof(v), "%" PRId64, lim->memory_swap_max - lim->memory_max);
		if (faccessat(dfd, "memory.swap.max", F_OK, 0) < 0 && errno == ENOENT)
			return nc_err_msg(err, ENOENT,
					  "swap limit of `%s`: `%s/memory.swap.max` is missing: swap accounting is off "
					  "(kernel without CONFIG_MEMCG_SWAP, or booted with swapaccount=0)",
					  where, where);
		if (rt_cg_write(dfd, where, "memory.swap.max", v, err) < 0)
			return nc_err_ret(err);
	}
	if (lim->memory_low > 0) {
		snprintf(v, sizeof(v), "%" PRId64, lim->memory_low);
		if (rt_cg_write(dfd, where, "memory.low", v, err) < 0)
			return nc_err_ret(err);
	}
	return 0;
}

static int v2_set_cpu(int dfd, const char *where, const struct rt_limits *lim, nc_err *err)
{
	char v[64];

	if (lim->cpu_quota_us) {
		snprintf(v, sizeof(v), "%" PRIu64 " %" PRIu64, lim->cpu_quota_us,
			 lim->cpu_period_us ? lim->cpu_period_us : 100000);
		if (rt_cg_write(dfd, where, "cpu.max", v, err) < 0)
			return nc_err_ret(err);
	}
	if (lim->cpu_shares) {
		snprintf(v, sizeof(v), "%" PRIu64, rt_cpu_shares_to_weight(lim->cpu_shares));
		if (rt_cg_write(dfd, where, "cpu.weight", v, err) < 0)
			return nc_err_ret(err);
	}
	return 0;
}

/*
 * BFQ's io.bfq.weight takes the blkio scale as is; io.weight (blk-iocost,
 * 5.4) has its own 1..10000 scale. Both files exist when BFQ is loaded on
 * an io.cost kernel, and each acts only on the devices run by its policy,
 * so both are written. A bare number, not "default N": BFQ before Linux
 * 5.4 only parses that.
 */
static int v2_set_blkio(int dfd, const char *where, const struct rt_limits *lim, nc_err *err)
{
	char v[32];
	bool done = false;

	if (rt_cg_has(dfd, "io.bfq.weight")) {
		snprintf(v, sizeof(v), "%u", lim->blkio_weight);
		if (rt_cg_write(dfd, where, "io.bfq.weight", v, err) < 0)
			return nc_err_ret(err);
		done = true;
	}
	if (rt_cg_has(dfd, "io.weight")) {
		snprintf(v, sizeof(v), "default %" PRIu64, rt_cg_blkio_to_io_weight(lim->blkio_weight));
		if (rt_cg_write(dfd, where, "io.weight", v, err) < 0)
			return nc_err_ret(err);
		done = true;
	}
	return done ? 0 : -EOPNOTSUPP;
}

static bool v2_supports(int hdfd, enum rt_limit_kind kind)
{
	static const char *const swap[] = { "memory.swap.max", NULL };
	static const char *const memory[] = { "memory.max", NULL };
	static const char *const weight[] = { "io.bfq.weight", "io.weight", NULL };

	switch (kind) {
	case RT_LIMIT_MEMORY_SWAP:
		/* Not on the root: undecided (true) unless a cgroup with
		 * memory files lacks it. */
		return rt_cg_child_has(hdfd, swap) || !rt_cg_child_has(hdfd, memory);
	case RT_LIMIT_BLKIO_WEIGHT:
		/* io.cost.qos is on the root only, and comes with io.weight in
		 * every cgroup below; BFQ leaves no trace on the root. */
		return rt_cg_has(hdfd, "io.cost.qos") || rt_cg_child_has(hdfd, weight);
	default:
		return true;
	}
}

static int v2_stats(int dfd, const char *where, unsigned ctrls, struct rt_cgroup_stats *st, nc_err *err)
{
	/* usage_usec is in every cgroup's cpu.stat (the base stats, also on a
	 * hybrid host's controller-less tree); the throttling counters only
	 * with the cpu controller. */
	const struct rt_cg_stat_key cpu[] = {
		{ "usage_usec", &st->cpu_usage_ns, 1000 },
		{ "nr_periods", &st->cpu_nr_periods, 1 },
		{ "nr_throttled", &st->cpu_nr_throttled, 1 },
		{ "throttled_usec", &st->cpu_throttled_ns, 1000 },
	};
	if (rt_cg_stat_keyed(dfd, where, "cpu.stat", cpu, NC_ELEMENTSOF(cpu), err) < 0)
		return nc_err_ret(err);
	if (ctrls & RT_CG_BIT(RT_CG_MEMORY)) {
		const struct rt_cg_stat_key mem[] = {
			{ "file", &st->memory_cache, 1 },
			{ "anon", &st->memory_anon, 1 },
		};
		const struct rt_cg_stat_key oom[] = { { "oom_kill", &st->oom_kills, 1 } };
		if (rt_cg_stat_u64(dfd, where, "memory.current", &st->memory_current, err) < 0 ||
		    rt_cg_stat_limit(dfd, where, "memory.max", &st->memory_limit, err) < 0 ||
		    rt_cg_stat_u64(dfd, where, "memory.peak", &st->memory_peak, err) < 0 ||
		    rt_cg_stat_keyed(dfd, where, "memory.stat", mem, NC_ELEMENTSOF(mem), err) < 0 ||
		    rt_cg_stat_keyed(dfd, where, "memory.events", oom, NC_ELEMENTSOF(oom), err) < 0)
			return nc_err_ret(err);
	}
	if ((ctrls & RT_CG_BIT(RT_CG_PIDS)) &&
	    (rt_cg_stat_u64(dfd, where, "pids.current", &st->pids_current, err) < 0 ||
	     rt_cg_stat_limit(dfd, where, "pids.max", &st->pids_max, err) < 0))
		return nc_err_ret(err);
	if (ctrls & RT_CG_BIT(RT_CG_BLKIO) && st->io_read_bytes == RT_STAT_UNKNOWN) {
		_cleanup_free_ char *text = NULL;
		if (rt_cg_read_opt(dfd, where, "io.stat", &text, err) < 0)
			return nc_err_ret(err);
		if (text && rt_cg_parse_io_v2(text, &st->io_read_bytes, &st->io_write_bytes) < 0)
			return nc_err_msg(err, EINVAL, "`%s/io.stat`: cannot parse", where);
	}
	return 0;
}

static int v2_oom_kills(int dfd, const char *where, uint64_t *count, nc_err *err)
{
	_cleanup_free_ char *text = NULL;

	if (rt_cg_read(dfd, where, "memory.events", &text, err) < 0)
		return nc_err_ret(err);
	if (rt_cg_parse_keyed(text, "oom_kill", count) < 0)
		return nc_err_msg(err, ENOENT, "`%s/memory.events` has no `oom_kill` line", where);
	return 0;
}

static int v2_kill_all(int dfd, const char *where, nc_err *err)
{
	if (faccessat(dfd, "cgroup.kill", F_OK, 0) < 0)
		return -EOPNOTSUPP; /* before Linux 5.14 */
	return rt_cg_write(dfd, where, "cgroup.kill", "1", err);
}

/* Waits until cgroup.events says `key want`; the kernel signals every
 * change of that file with POLLPRI. */
static int wait_events(int dfd, const char *where, const char *key, uint64_t want, int timeout_ms,
		       nc_err *err)
{
	_cleanup_close_ int fd = openat(dfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT; /* a fake tree, or a kernel before 4.x */
		return nc_err_errno(err, errno, "open `%s/cgroup.events`", where);
	}
	int64_t deadline = rt_cg_now_ms() + timeout_ms;
	for (;;) {
		char buf[256];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return nc_err_errno(err, errno, "read `%s/cgroup.events`", where);
		buf[n] = '\0';
		uint64_t v;
		if (rt_cg_parse_keyed(buf, key, &v) < 0)
			return -ENOENT;
		if (v == want)
			return 0;
		int64_t left = deadline - rt_cg_now_ms();
		if (left <= 0)
			return nc_err_msg(err, ETIMEDOUT, "`%s/cgroup.events`: still `%s %" PRIu64 "` after %d ms",
					  where, key, v, timeout_ms);
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return nc_err_errno(err, errno, "wait on `%s/cgroup.events`", where);
	}
}

static int v2_freeze(int dfd, const char *where, bool frozen, nc_err *err)
{
	if (faccessat(dfd, "cgroup.freeze", F_OK, 0) < 0)
		return -EOPNOTSUPP; /* before Linux 5.2 */
	int r = rt_cg_write(dfd, where, "cgroup.freeze", frozen ? "1" : "0", err);
	if (r < 0 || !frozen)
		return r;
	r = wait_events(dfd, where, "frozen", 1, 1000, err);
	return r == -ENOENT ? 0 : r;
}

static int v2_wait_empty(int dfd, const char *where, int timeout_ms, nc_err *err)
{
	int r = wait_events(dfd, where, "populated", 0, timeout_ms, err);
	if (r == -ENOENT)
		return rt_cg_wait_procs_empty(dfd, where, timeout_ms, err);
	return r;
}

const struct rt_cgroup_ops rt_cgroup_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.set_memory = v2_set_memory,
	.set_cpu = v2_set_cpu,
	.set_cpuset = rt_cg_set_cpuset,
	.set_pids = rt_cg_set_pids,
	.set_blkio = v2_set_blkio,
	.supports = v2_supports,
	.stats = v2_stats,
	.oom_kills = v2_oom_kills,
	.kill_all = v2_kill_all,
	.freeze = v2_freeze,
	.wait_empty = v2_wait_empty,
};
