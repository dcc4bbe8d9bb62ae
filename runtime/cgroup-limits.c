/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a set of limits needs from the host, checked before anything is
 * created: ranges, cpusets the host can give, a controller for each limit,
 * and which optional files (swap, blkio weight) this kernel has.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/cgroup-internal.h"

#define SHARES_MIN 2
#define SHARES_MAX 262144
#define WEIGHT_MIN 10
#define WEIGHT_MAX 1000

/*
 * The linear map of [2, 262144] onto [1, 10000] from the OCI runtimes'
 * cgroup v2 conversion table: runc's ConvertCPUSharesToCgroupV2Value
 * (libcontainer/cgroups/utils.go) and crun's docs/crun.1.md ("CPU
 * controller"). 1024, Docker's default, gives 39, not v2's default of 100;
 * runc (opencontainers/runc#4785) and crun (containers/crun#1721) have
 * since moved to a log-quadratic curve through (2,1), (1024,100) and
 * (262144,10000). We keep the linear one: it is what the Docker and
 * Podman releases in Debian 12 write.
 */
uint64_t rt_cpu_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < SHARES_MIN)
		shares = SHARES_MIN;
	if (shares > SHARES_MAX)
		shares = SHARES_MAX;
	return 1 + ((shares - SHARES_MIN) * 9999) / (SHARES_MAX - SHARES_MIN);
}

/* The same linear idea for [10, 1000] onto io.weight's [1, 10000]
 * (runc's ConvertBlkIOToIOWeightValue: 500 -> 4950). */
uint64_t rt_cg_blkio_to_io_weight(unsigned weight)
{
	if (weight < WEIGHT_MIN)
		weight = WEIGHT_MIN;
	if (weight > WEIGHT_MAX)
		weight = WEIGHT_MAX;
	return 1 + ((uint64_t)(weight - WEIGHT_MIN) * 9999) / (WEIGHT_MAX - WEIGHT_MIN);
}

bool rt_cg_limits_use(const struct rt_limits *lim, enum rt_cg_ctrl c)
{
	switch (c) {
	case RT_CG_MEMORY:
		return lim->memory_max >= 0 || lim->memory_low > 0;
	case RT_CG_CPU:
		return lim->cpu_quota_us || lim->cpu_shares;
	case RT_CG_CPUSET:
		return lim->cpuset_cpus || lim->cpuset_mems;
	case RT_CG_PIDS:
		return lim->pids_max >= 0;
	case RT_CG_BLKIO:
		return lim->blkio_weight;
	default:
		return false;
	}
}

static enum rt_cg_ctrl kind_ctrl(enum rt_limit_kind kind)
{
	switch (kind) {
	case RT_LIMIT_MEMORY:
	case RT_LIMIT_MEMORY_SWAP:
		return RT_CG_MEMORY;
	case RT_LIMIT_CPU:
		return RT_CG_CPU;
	case RT_LIMIT_CPUSET:
		return RT_CG_CPUSET;
	case RT_LIMIT_PIDS:
		return RT_CG_PIDS;
	case RT_LIMIT_BLKIO_WEIGHT:
		return RT_CG_BLKIO;
	}
	return RT_CG_NCTRL;
}

bool rt_cgroup_supports(struct rt_cgroups *cg, enum rt_limit_kind kind)
{
	enum rt_cg_ctrl c = kind_ctrl(kind);
	struct rt_cg_hier *h = c < RT_CG_NCTRL ? rt_cg_ctrl_hier(cg, c) : NULL;
	if (!h)
		return false;
	_cleanup_close_ int hdfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hdfd < 0)
		return false;
	return h->ops->supports(hdfd, kind);
}

/* The set the cgroups of this host can use, from the cpuset hierarchy's
 * root (the online CPUs, the memory nodes); 0 with *found false when the
 * root does not say (a fake tree without it: the kernel will judge). */
static int host_set(struct rt_cg_hier *h, bool cpus, struct rt_cpuset *set, bool *found, nc_err *err)
{
	static const char *const v1_cpus[] = { "cpuset.effective_cpus", "cpuset.cpus", NULL };
	static const char *const v1_mems[] = { "cpuset.effective_mems", "cpuset.mems", NULL };
	static const char *const v2_cpus[] = { "cpuset.cpus.effective", NULL };
	static const char *const v2_mems[] = { "cpuset.mems.effective", NULL };
	bool v2 = h->ops == &rt_cgroup_v2_ops;
	const char *const *files = v2 ? (cpus ? v2_cpus : v2_mems) : (cpus ? v1_cpus : v1_mems);
	char where[PATH_MAX];
	_cleanup_close_ int hdfd = -1;

	*found = false;
	if (rt_cg_open(h, "", &hdfd, where, sizeof(where), err) < 0)
		return nc_err_ret(err);
	for (; *files; files++) {
		_cleanup_free_ char *text = NULL;
		if (rt_cg_read_opt(hdfd, where, *files, &text, err) < 0)
			return nc_err_ret(err);
		if (!text)
			continue;
		if (rt_cpuset_parse(text, set, err) < 0)
			return nc_err_prefix(err, "`%s/%s`", where, *files);
		*found = true;
		return 0;
	}
	return 0;
}

static int check_cpuset(struct rt_cgroups *cg, const char *list, bool cpus, nc_err *err)
{
	struct rt_cpuset want, host;
	bool found, empty = true, missing = false;
	const char *what = cpus ? "cpuset" : "cpuset mems";

	if (rt_cpuset_parse(list, &want, err) < 0)
		return nc_err_prefix(err, "%s", what);
	for (size_t i = 0; i < NC_ELEMENTSOF(want.bits); i++)
		empty = empty && !want.bits[i];
	if (empty)
		return nc_err_msg(err, EINVAL, "%s `%s`: names no %s", what, list, cpus ? "CPU" : "memory node");
	struct rt_cg_hier *h = rt_cg_ctrl_hier(cg, RT_CG_CPUSET);
	if (!h)
		return 0; /* need() has said so */
	if (host_set(h, cpus, &host, &found, err) < 0)
		return nc_err_ret(err);
	if (!found)
		return 0;
	struct rt_cpuset extra;
	for (size_t i = 0; i < NC_ELEMENTSOF(want.bits); i++) {
		extra.bits[i] = want.bits[i] & ~host.bits[i];
		missing = missing || extra.bits[i];
	}
	if (!missing)
		return 0;
	char ebuf[256], hbuf[256];
	rt_cg_cpuset_format(&extra, ebuf, sizeof(ebuf));
	rt_cg_cpuset_format(&host, hbuf, sizeof(hbuf));
	if (cpus)
		return nc_err_msg(err, EINVAL, "cpuset `%s`: this host has no online CPU %s (online: %s)", list, ebuf,
				  hbuf);
	return nc_err_msg(err, EINVAL, "cpuset mems `%s`: this host has no memory node %s (nodes: %s)", list, ebuf,
			  hbuf);
}

static int need(struct rt_cgroups *cg, enum rt_cg_ctrl c, const char *what, nc_err *err)
{
	if (rt_cg_ctrl_hier(cg, c))
		return 0;
	return nc_err_msg(err, EOPNOTSUPP, "%s: no %s controller under `%s`", what, rt_cg_ctrl_name(c), cg->root);
}

int rt_cgroup_check(struct rt_cgroups *cg, const struct rt_limits *lim, nc_err *err)
{
	if (lim->memory_swap_max >= 0 && (lim->memory_max < 0 || lim->memory_swap_max < lim->memory_max))
		return nc_err_msg(err, EINVAL, "memory+swap limit %" PRId64 ": needs a memory limit no larger than it",
				  lim->memory_swap_max);
	if (lim->memory_low < 0)
		return nc_err_msg(err, EINVAL, "memory reservation %" PRId64 ": must not be negative", lim->memory_low);
	if (lim->memory_low > 0 && lim->memory_max >= 0 && lim->memory_low > lim->memory_max)
		return nc_err_msg(err, EINVAL,
				  "memory reservation %" PRId64 ": larger than the memory limit %" PRId64,
				  lim->memory_low, lim->memory_max);
	if (lim->cpu_shares && (lim->cpu_shares < SHARES_MIN || lim->cpu_shares > SHARES_MAX))
		return nc_err_msg(err, ERANGE, "cpu_shares %" PRIu64 ": out of range %d..%d", lim->cpu_shares,
				  SHARES_MIN, SHARES_MAX);
	if (lim->blkio_weight && (lim->blkio_weight < WEIGHT_MIN || lim->blkio_weight > WEIGHT_MAX))
		return nc_err_msg(err, ERANGE, "blkio weight %u: out of range %d..%d", lim->blkio_weight, WEIGHT_MIN,
				  WEIGHT_MAX);
	/* A blkio weight without its controller is dropped (as Docker does):
	 * rt_cgroup_supports lets the caller warn. */
	static const struct {
		enum rt_cg_ctrl ctrl;
		const char *what;
	} required[] = {
		{ RT_CG_MEMORY, "memory limit" },
		{ RT_CG_CPU, "cpu limit" },
		{ RT_CG_CPUSET, "cpuset" },
		{ RT_CG_PIDS, "pids limit" },
	};
	for (size_t i = 0; i < NC_ELEMENTSOF(required); i++)
		if (rt_cg_limits_use(lim, required[i].ctrl) && need(cg, required[i].ctrl, required[i].what, err) < 0)
			return nc_err_ret(err);
	if ((lim->cpuset_cpus && check_cpuset(cg, lim->cpuset_cpus, true, err) < 0) ||
	    (lim->cpuset_mems && check_cpuset(cg, lim->cpuset_mems, false, err) < 0))
		return nc_err_ret(err);
	return 0;
}
