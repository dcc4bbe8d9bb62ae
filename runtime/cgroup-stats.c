/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Usage of a cgroup for `ncompose stats`: the pure parsers of the stat
 * files, the readers that leave a field unknown when its file is missing,
 * and the walk over the hierarchies that hold the cgroup.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/cgroup-internal.h"

/* v1's "no limit" is page_counter's maximum (LONG_MAX / PAGE_SIZE pages)
 * read back in bytes: INT64_MAX rounded down to the page size,
 * 9223372036854771712 with 4 KiB pages. The largest Linux page is 256 KiB
 * (hexagon, ppc44x); before 3.19 res_counter said ULLONG_MAX. */
#define V1_NO_LIMIT_MIN ((uint64_t)INT64_MAX - (256u << 10))

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	return p;
}

int rt_cg_parse_u64(const char *text, uint64_t *value)
{
	const char *p = skip_blanks(text);
	char *end;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (errno || *skip_blanks(end))
		return -EINVAL;
	*value = v;
	return 0;
}

int rt_cg_parse_limit(const char *text, int64_t *value)
{
	const char *p = skip_blanks(text);
	uint64_t v;

	if (!strncmp(p, "max", 3) && !*skip_blanks(p + 3)) {
		*value = RT_STAT_UNLIMITED;
		return 0;
	}
	if (rt_cg_parse_u64(p, &v) < 0)
		return -EINVAL;
	*value = v >= V1_NO_LIMIT_MIN ? RT_STAT_UNLIMITED : (int64_t)v;
	return 0;
}

int rt_cg_parse_blkio_v1(const char *text, uint64_t *rd, uint64_t *wr)
{
	char line[256];
	uint64_t r = 0, w = 0;

	for (const char *p = text; rt_cg_next_line(&p, line, sizeof(line));) {
		char dev[64], op[32];
		unsigned long long v;
		if (!*skip_blanks(line) || !strncmp(line, "Total ", 6))
			continue;
		/* "8:0 Read 4096"; Write, Sync, Async, Discard and a device
		 * Total follow: only Read and Write are summed. */
		if (sscanf(line, "%63s %31s %llu", dev, op, &v) != 3 || !strchr(dev, ':'))
			return -EINVAL;
		if (!strcmp(op, "Read"))
			r += v;
		else if (!strcmp(op, "Write"))
			w += v;
	}
	*rd = r;
	*wr = w;
	return 0;
}

int rt_cg_parse_io_v2(const char *text, uint64_t *rd, uint64_t *wr)
{
	char line[1024];
	uint64_t r = 0, w = 0;

	for (const char *p = text; rt_cg_next_line(&p, line, sizeof(line));) {
		char *save = NULL, *tok = strtok_r(line, " \t", &save);
		if (!tok)
			continue;
		if (!strchr(tok, ':'))
			return -EINVAL;
		/* "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"; keys
		 * are added over time (cost.*, latency): skip the others. */
		while ((tok = strtok_r(NULL, " \t", &save))) {
			char *eq = strchr(tok, '=');
			uint64_t v;
			if (!eq)
				return -EINVAL;
			*eq = '\0';
			bool is_r = !strcmp(tok, "rbytes"), is_w = !strcmp(tok, "wbytes");
			if (!is_r && !is_w)
				continue;
			if (rt_cg_parse_u64(eq + 1, &v) < 0)
				return -EINVAL;
			*(is_r ? &r : &w) += v;
		}
	}
	*rd = r;
	*wr = w;
	return 0;
}

int rt_cg_stat_u64(int dfd, const char *where, const char *file, uint64_t *v, nc_err *err)
{
	_cleanup_free_ char *text = NULL;

	if (*v != RT_STAT_UNKNOWN)
		return 0;
	if (rt_cg_read_opt(dfd, where, file, &text, err) < 0)
		return nc_err_ret(err);
	if (text && rt_cg_parse_u64(text, v) < 0) {
		*v = RT_STAT_UNKNOWN;
		return nc_err_msg(err, EINVAL, "`%s/%s`: not a number: `%.*s`", where, file,
				  (int)strcspn(text, "\n"), text);
	}
	return 0;
}

int rt_cg_stat_limit(int dfd, const char *where, const char *file, int64_t *v, nc_err *err)
{
	_cleanup_free_ char *text = NULL;

	if (*v != RT_STAT_LIMIT_UNKNOWN)
		return 0;
	if (rt_cg_read_opt(dfd, where, file, &text, err) < 0)
		return nc_err_ret(err);
	if (text && rt_cg_parse_limit(text, v) < 0) {
		*v = RT_STAT_LIMIT_UNKNOWN;
		return nc_err_msg(err, EINVAL, "`%s/%s`: not a limit: `%.*s`", where, file,
				  (int)strcspn(text, "\n"), text);
	}
	return 0;
}

int rt_cg_stat_keyed(int dfd, const char *where, const char *file, const struct rt_cg_stat_key *keys,
		     size_t n, nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	bool wanted = false;

	for (size_t i = 0; i < n; i++)
		wanted = wanted || *keys[i].dst == RT_STAT_UNKNOWN;
	if (!wanted)
		return 0;
	if (rt_cg_read_opt(dfd, where, file, &text, err) < 0)
		return nc_err_ret(err);
	if (!text)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		if (*keys[i].dst != RT_STAT_UNKNOWN)
			continue;
		int r = rt_cg_parse_keyed(text, keys[i].key, &v);
		if (r == -ENOENT)
			continue; /* an older kernel: memory.peak, oom_kill ... */
		if (r < 0)
			return nc_err_msg(err, EINVAL, "`%s/%s`: bad `%s` line", where, file, keys[i].key);
		*keys[i].dst = v * keys[i].scale;
	}
	return 0;
}

static void stats_init(struct rt_cgroup_stats *st)
{
	*st = (struct rt_cgroup_stats){
		.cpu_usage_ns = RT_STAT_UNKNOWN,
		.cpu_nr_periods = RT_STAT_UNKNOWN,
		.cpu_nr_throttled = RT_STAT_UNKNOWN,
		.cpu_throttled_ns = RT_STAT_UNKNOWN,
		.memory_current = RT_STAT_UNKNOWN,
		.memory_limit = RT_STAT_LIMIT_UNKNOWN,
		.memory_peak = RT_STAT_UNKNOWN,
		.memory_cache = RT_STAT_UNKNOWN,
		.memory_anon = RT_STAT_UNKNOWN,
		.oom_kills = RT_STAT_UNKNOWN,
		.pids_current = RT_STAT_UNKNOWN,
		.pids_max = RT_STAT_LIMIT_UNKNOWN,
		.io_read_bytes = RT_STAT_UNKNOWN,
		.io_write_bytes = RT_STAT_UNKNOWN,
	};
}

int rt_cgroup_stats(struct rt_cgroups *cg, const char *path, struct rt_cgroup_stats *st, nc_err *err)
{
	char where[PATH_MAX];

	stats_init(st);
	if (rt_cg_check_path(path, err) < 0)
		return nc_err_ret(err);
	/* The cgroup exists when the hierarchy we list members from has it;
	 * elsewhere a missing directory (a controller mounted after the
	 * container started) only leaves its fields unknown. */
	struct rt_cg_hier *primary = rt_cg_list_hier(cg);
	for (size_t i = 0; i < cg->n_hier; i++) {
		struct rt_cg_hier *h = &cg->hier[i];
		_cleanup_close_ int dfd = -1;
		if (rt_cg_open(h, path, &dfd, where, sizeof(where), err) < 0) {
			if (err->errnum == ENOENT && h != primary)
				continue;
			return nc_err_ret(err);
		}
		if (h->ops->stats(dfd, where, h->ctrls, st, err) < 0)
			return nc_err_ret(err);
	}
	return 0;
}
