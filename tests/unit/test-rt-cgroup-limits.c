/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup writer against fake trees (plain directories and files in a
 * temp dir): what it writes where, for v1, v2 and hybrid layouts; the
 * checks made before anything is created; the pure helpers (cpuset lists,
 * shares to weight).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-rt-cgroup-tree.h"

/* An empty cgroup root, for the tests that build their tree with put(). */
static int setup_root(void **state)
{
	(void)state;
	snprintf(tree_tmp, sizeof(tree_tmp), "/tmp/nc-rt-limits-XXXXXX");
	assert_non_null(mkdtemp(tree_tmp));
	snprintf(root, sizeof(root), "%s/root", tree_tmp);
	assert_int_equal(mkdir(root, 0755), 0);
	return 0;
}

/* The tests on tests/data/cgroup/tree-* copy it themselves. */
static int teardown_root(void **state)
{
	(void)state;
	tree_remove();
	return 0;
}

static const char *v1_cgroups = "memory 4 1 1\ncpu 2 1 1\ncpuacct 2 1 1\npids 8 1 1\nfreezer 6 1 1\n";
static const char *v1_self = "8:pids:/\n6:freezer:/\n4:memory:/\n2:cpu,cpuacct:/\n";

/* A v1 tree with the files of ncompose/lab/r1 in place (mkdir in a plain
 * directory does not make them, as cgroupfs would). */
static void v1_tree(bool memsw)
{
	put("memory/ncompose/lab/r1/memory.limit_in_bytes", "");
	if (memsw)
		put("memory/ncompose/lab/r1/memory.memsw.limit_in_bytes", "");
	put("memory/ncompose/lab/r1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
	put("memory/ncompose/lab/r1/cgroup.procs", "");
	put("cpu,cpuacct/ncompose/lab/r1/cpu.cfs_period_us", "");
	put("cpu,cpuacct/ncompose/lab/r1/cpu.cfs_quota_us", "");
	put("cpu,cpuacct/ncompose/lab/r1/cgroup.procs", "");
	put("pids/ncompose/lab/r1/pids.max", "");
	put("pids/ncompose/lab/r1/cgroup.procs", "");
	put("freezer/ncompose/lab/r1/freezer.state", "THAWED\n");
	put("freezer/ncompose/lab/r1/cgroup.procs", "");
}

static struct rt_cgroups *open_v1(void)
{
	struct rt_cgroups *cg = NULL;
	nc_err err;
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_LEGACY, v1_cgroups, v1_self, &cg, &err), 0);
	return cg;
}

static void test_v1_limits(void **state)
{
	(void)state;
	nc_err err;
	v1_tree(true);
	struct rt_cgroups *cg = open_v1();
	struct rt_limits lim = { .memory_max = 64 << 20, .memory_swap_max = 96 << 20, .cpu_quota_us = 50000,
				 .cpu_period_us = 0, .pids_max = 100 };
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_file("memory/ncompose/lab/r1/memory.limit_in_bytes", "67108864");
	assert_file("memory/ncompose/lab/r1/memory.memsw.limit_in_bytes", "100663296");
	assert_file("cpu,cpuacct/ncompose/lab/r1/cpu.cfs_period_us", "100000");
	assert_file("cpu,cpuacct/ncompose/lab/r1/cpu.cfs_quota_us", "50000");
	assert_file("pids/ncompose/lab/r1/pids.max", "100");

	assert_int_equal(rt_cgroup_attach(cg, "ncompose/lab/r1", 4242, &err), 0);
	assert_file("memory/ncompose/lab/r1/cgroup.procs", "4242");
	assert_file("cpu,cpuacct/ncompose/lab/r1/cgroup.procs", "4242");
	assert_file("pids/ncompose/lab/r1/cgroup.procs", "4242");
	assert_file("freezer/ncompose/lab/r1/cgroup.procs", "4242");

	uint64_t ooms = 0;
	assert_int_equal(rt_cgroup_oom_kills(cg, "ncompose/lab/r1", &ooms, &err), 0);
	assert_int_equal(ooms, 3);

	put("memory/ncompose/lab/r1/cgroup.procs", "17\n18\n");
	pid_t *pids = NULL;
	size_t n = 0;
	assert_int_equal(rt_cgroup_pids(cg, "ncompose/lab/r1", &pids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pids[1], 18);
	free(pids);

	char **names = NULL;
	assert_int_equal(rt_cgroup_children(cg, "ncompose", &names, &err), 0);
	assert_string_equal(names[0], "lab");
	assert_null(names[1]);
	nc_strv_freep(&names);
	rt_cgroups_close(cg);
}

static void test_v1_memsw_missing(void **state)
{
	(void)state;
	nc_err err;
	v1_tree(false);
	struct rt_cgroups *cg = open_v1();
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = 32 << 20;
	lim.memory_swap_max = 32 << 20;
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "swap accounting is off"));
	assert_non_null(strstr(err.msg, "memory/ncompose/lab/r1/memory.memsw.limit_in_bytes"));

	/* Without a swap limit the same tree is fine. */
	lim.memory_swap_max = -1;
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_file("memory/ncompose/lab/r1/memory.limit_in_bytes", "33554432");
	rt_cgroups_close(cg);
}

/* A create that fails takes back the directories it made, in every
 * hierarchy, and keeps those that were there. */
static void test_v1_failed_create_removes_what_it_made(void **state)
{
	(void)state;
	nc_err err;
	char p[512];
	v1_tree(false);
	struct rt_cgroups *cg = open_v1();
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = 32 << 20;
	/* r2/d is new: its directories are plain ones here, without the
	 * kernel's files, so writing the memory limit fails. */
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r2/d", &lim, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "memory.limit_in_bytes"));
	static const char *const hiers[] = { "memory", "cpu,cpuacct", "pids", "freezer" };
	for (size_t i = 0; i < NC_ELEMENTSOF(hiers); i++) {
		snprintf(p, sizeof(p), "%s/%s/ncompose/lab/r2", root, hiers[i]);
		assert_int_equal(access(p, F_OK), -1);
		assert_int_equal(errno, ENOENT);
		snprintf(p, sizeof(p), "%s/%s/ncompose/lab/r1", root, hiers[i]);
		assert_int_equal(access(p, F_OK), 0);
	}
	/* A leaf that was there stays, also when the create fails. */
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &(nc_err){ 0 }), 0);
	lim.memory_swap_max = 32 << 20;
	assert_true(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err) < 0);
	snprintf(p, sizeof(p), "%s/memory/ncompose/lab/r1", root);
	assert_int_equal(access(p, F_OK), 0);
	rt_cgroups_close(cg);
}

static void test_v1_errors_name_file_and_value(void **state)
{
	(void)state;
	nc_err err;
	v1_tree(true);
	/* A directory where the file should be: the write fails. */
	char p[512];
	snprintf(p, sizeof(p), "%s/pids/ncompose/lab/r1/pids.max", root);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	struct rt_cgroups *cg = open_v1();
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.pids_max = 20;
	assert_true(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err) < 0);
	assert_non_null(strstr(err.msg, "write `20` to `"));
	assert_non_null(strstr(err.msg, "/pids/ncompose/lab/r1/pids.max`"));

	/* Bad input. */
	lim = (struct rt_limits)RT_LIMITS_INIT;
	lim.memory_swap_max = 10;
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), -EINVAL);
	assert_int_equal(rt_cgroup_create(cg, "/abs", NULL, &err), -EINVAL);
	assert_int_equal(rt_cgroup_create(cg, "a/../b", NULL, &err), -EINVAL);
	assert_int_equal(rt_cgroup_create(cg, "a//b", NULL, &err), -EINVAL);
	rt_cgroups_close(cg);
}

static void test_v1_kill_empty_and_remove(void **state)
{
	(void)state;
	nc_err err;
	v1_tree(true);
	struct rt_cgroups *cg = open_v1();
	/* Empty cgroup: freeze, nothing to kill, thaw. */
	assert_int_equal(rt_cgroup_kill(cg, "ncompose/lab/r1", &err), 0);
	assert_file("freezer/ncompose/lab/r1/freezer.state", "THAWED");
	rt_cgroups_close(cg);

	/* remove: empty directories (a plain fs cannot hold our files there). */
	assert_int_equal(nc_rm_rf(root, &err), 0);
	assert_int_equal(mkdir(root, 0700), 0);
	put("memory/x", "");
	put("cpu,cpuacct/x", "");
	put("pids/x", "");
	put("freezer/x", "");
	char p[512];
	const char *dirs[] = { "memory", "cpu,cpuacct", "pids", "freezer" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s/ncompose/lab/r1", root, dirs[i]);
		assert_int_equal(nc_mkdir_p(p, 0755, &err), 0);
	}
	snprintf(p, sizeof(p), "%s/memory/ncompose/other", root);
	assert_int_equal(mkdir(p, 0755), 0);
	cg = open_v1();
	assert_int_equal(rt_cgroup_remove(cg, "ncompose/lab/r1", "ncompose", &err), 0);
	assert_false(exists("memory/ncompose/lab"));
	assert_false(exists("pids/ncompose/lab"));
	assert_true(exists("pids/ncompose"));
	/* missing is fine; climbing stops at a busy parent */
	assert_int_equal(rt_cgroup_remove(cg, "ncompose/lab/r1", NULL, &err), 0);
	assert_int_equal(rt_cgroup_remove(cg, "ncompose/lab", NULL, &err), 0);
	assert_false(exists("pids/ncompose"));
	assert_true(exists("memory/ncompose/other"));
	assert_int_equal(rt_cgroup_remove(cg, "ncompose/lab", "other", &err), -EINVAL);
	rt_cgroups_close(cg);
}

/* ---- v2 ---------------------------------------------------------------- */

static void v2_tree(const char *root_on, bool swap)
{
	put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	put("cgroup.subtree_control", root_on);
	put("ncompose/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	put("ncompose/cgroup.subtree_control", "");
	put("ncompose/lab/cgroup.controllers", "cpu memory pids\n");
	put("ncompose/lab/cgroup.subtree_control", "");
	/* the leaf has no cgroup.subtree_control: writing it would fail */
	put("ncompose/lab/r1/memory.max", "");
	if (swap)
		put("ncompose/lab/r1/memory.swap.max", "");
	put("ncompose/lab/r1/memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n");
	put("ncompose/lab/r1/cpu.max", "");
	put("ncompose/lab/r1/pids.max", "");
	put("ncompose/lab/r1/cgroup.procs", "");
}

static struct rt_cgroups *open_v2(void)
{
	struct rt_cgroups *cg = NULL;
	nc_err err;
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_UNIFIED, NULL, NULL, &cg, &err), 0);
	return cg;
}

static void test_v2_limits(void **state)
{
	(void)state;
	nc_err err;
	v2_tree("", true);
	struct rt_cgroups *cg = open_v2();
	struct rt_limits lim = { .memory_max = 64 << 20, .memory_swap_max = 96 << 20, .cpu_quota_us = 25000,
				 .cpu_period_us = 50000, .pids_max = 64 };
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	/* io for io.stat; cpuset only when a cpuset is asked for */
	assert_file("cgroup.subtree_control", "+memory +cpu +pids +io");
	assert_file("ncompose/cgroup.subtree_control", "+memory +cpu +pids +io");
	assert_file("ncompose/lab/cgroup.subtree_control", "+memory +cpu +pids");
	assert_false(exists("ncompose/lab/r1/cgroup.subtree_control"));
	assert_file("ncompose/lab/r1/memory.max", "67108864");
	assert_file("ncompose/lab/r1/memory.swap.max", "33554432");
	assert_file("ncompose/lab/r1/cpu.max", "25000 50000");
	assert_file("ncompose/lab/r1/pids.max", "64");

	uint64_t ooms = 0;
	assert_int_equal(rt_cgroup_oom_kills(cg, "ncompose/lab/r1", &ooms, &err), 0);
	assert_int_equal(ooms, 2);
	assert_int_equal(rt_cgroup_attach(cg, "ncompose/lab/r1", 77, &err), 0);
	assert_file("ncompose/lab/r1/cgroup.procs", "77");
	rt_cgroups_close(cg);
}

static void test_v2_enables_only_missing(void **state)
{
	(void)state;
	nc_err err;
	/* Controllers already on in the root (the usual case) are not
	 * written again; only what lacks is. */
	v2_tree("memory pids\n", true);
	struct rt_cgroups *cg = open_v2();
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", NULL, &err), 0);
	assert_file("cgroup.subtree_control", "+cpu +io");
	assert_file("ncompose/cgroup.subtree_control", "+memory +cpu +pids +io");
	v2_tree("cpu io memory pids\n", true);
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", NULL, &err), 0);
	assert_file("cgroup.subtree_control", "cpu io memory pids\n");
	rt_cgroups_close(cg);
}

static void test_v2_swap_missing(void **state)
{
	(void)state;
	nc_err err;
	v2_tree("", false);
	struct rt_cgroups *cg = open_v2();
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = 1 << 20;
	lim.memory_swap_max = 2 << 20;
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "swap accounting is off"));
	assert_non_null(strstr(err.msg, "ncompose/lab/r1/memory.swap.max"));
	rt_cgroups_close(cg);
}

static void test_v2_missing_controller(void **state)
{
	(void)state;
	nc_err err;
	put("cgroup.controllers", "cpu io\n");
	struct rt_cgroups *cg = open_v2();
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.pids_max = 5;
	assert_int_equal(rt_cgroup_create(cg, "x", &lim, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "no pids controller"));
	rt_cgroups_close(cg);
}

static void test_hybrid_tracks_in_unified(void **state)
{
	(void)state;
	nc_err err;
	v1_tree(true);
	put("unified/cgroup.controllers", "hugetlb\n");
	put("unified/ncompose/lab/r1/cgroup.procs", "");
	struct rt_cgroups *cg = NULL;
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_HYBRID, v1_cgroups, v1_self, &cg, &err), 0);
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = 1 << 20;
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	/* nothing to enable in the unified tree: it holds no controller */
	assert_false(exists("unified/cgroup.subtree_control"));
	assert_file("memory/ncompose/lab/r1/memory.limit_in_bytes", "1048576");
	assert_int_equal(rt_cgroup_attach(cg, "ncompose/lab/r1", 99, &err), 0);
	assert_file("unified/ncompose/lab/r1/cgroup.procs", "99");
	assert_file("memory/ncompose/lab/r1/cgroup.procs", "99");
	rt_cgroups_close(cg);
}

/* ---- the fake trees of tests/data/cgroup: every limit, in each mode ---- */

/* Every field set; bytes as the Compose units (64m, 1.5g) leave the
 * parser: the runtime writes them through as decimal bytes. */
static struct rt_limits all_limits(void)
{
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = INT64_C(3) << 30;        /* 3g */
	lim.memory_swap_max = INT64_C(4) << 30;   /* 4g */
	lim.memory_low = INT64_C(1536) << 20;     /* 1.5g */
	lim.cpu_quota_us = 50000;                 /* cpus: 0.5 */
	lim.cpu_shares = 512;
	lim.cpuset_cpus = "1-2";
	lim.cpuset_mems = "0";
	lim.pids_max = 100;
	lim.blkio_weight = 300;
	return lim;
}

static void test_tree_v1_every_limit(void **state)
{
	(void)state;
	nc_err err;
	tree_copy("tree-v1");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_LEGACY);
	for (int k = RT_LIMIT_MEMORY; k <= RT_LIMIT_BLKIO_WEIGHT; k++)
		assert_true(rt_cgroup_supports(cg, k));
	struct rt_limits lim = all_limits();
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_file("memory/ncompose/lab/r1/memory.limit_in_bytes", "3221225472");
	assert_file("memory/ncompose/lab/r1/memory.memsw.limit_in_bytes", "4294967296");
	assert_file("memory/ncompose/lab/r1/memory.soft_limit_in_bytes", "1610612736");
	assert_file("cpu,cpuacct/ncompose/lab/r1/cpu.cfs_period_us", "100000");
	assert_file("cpu,cpuacct/ncompose/lab/r1/cpu.cfs_quota_us", "50000");
	assert_file("cpu,cpuacct/ncompose/lab/r1/cpu.shares", "512");
	/* every level filled from its parent, then the leaf narrowed */
	assert_file("cpuset/ncompose/cpuset.cpus", "0-3");
	assert_file("cpuset/ncompose/cpuset.mems", "0");
	assert_file("cpuset/ncompose/lab/cpuset.cpus", "0-3");
	assert_file("cpuset/ncompose/lab/r1/cpuset.cpus", "1-2");
	assert_file("cpuset/ncompose/lab/r1/cpuset.mems", "0");
	assert_file("pids/ncompose/lab/r1/pids.max", "100");
	assert_file("blkio/ncompose/lab/r1/blkio.weight", "300");
	assert_false(exists("blkio/ncompose/lab/r1/blkio.bfq.weight"));

	/* the new hierarchies hold the process too */
	assert_int_equal(rt_cgroup_attach(cg, "ncompose/lab/r1", 4242, &err), 0);
	assert_file("cpuset/ncompose/lab/r1/cgroup.procs", "4242");
	assert_file("blkio/ncompose/lab/r1/cgroup.procs", "4242");
	/* and so do those with no controller we use, named ones included:
	 * a container at the root of one reaches its release_agent */
	assert_file("devices/ncompose/lab/r1/cgroup.procs", "4242");
	assert_file("systemd/ncompose/lab/r1/cgroup.procs", "4242");
	assert_file("net_cls,net_prio/ncompose/lab/r1/cgroup.procs", "4242");
	assert_string_equal(cg->unplaced, "");
	rt_cgroups_close(cg);
}

/* Only what is set is written: the other files keep the kernel's values. */
static void test_tree_v1_only_what_is_set(void **state)
{
	(void)state;
	nc_err err;
	tree_copy("tree-v1");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_LEGACY);
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.cpu_shares = 2;
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_file("cpu,cpuacct/ncompose/lab/r1/cpu.shares", "2");
	assert_file("cpu,cpuacct/ncompose/lab/r1/cpu.cfs_quota_us", "-1\n");
	assert_file("cpu,cpuacct/ncompose/lab/r1/cpu.cfs_period_us", "100000\n");
	assert_file("memory/ncompose/lab/r1/memory.limit_in_bytes", "9223372036854771712\n");
	assert_file("memory/ncompose/lab/r1/memory.soft_limit_in_bytes", "9223372036854771712\n");
	assert_file("blkio/ncompose/lab/r1/blkio.weight", "500\n");
	assert_file("pids/ncompose/lab/r1/pids.max", "max\n");
	/* no cpuset asked for: the leaf still gets its parent's (v1 needs it) */
	assert_file("cpuset/ncompose/lab/r1/cpuset.cpus", "0-3");
	assert_file("cpuset/ncompose/lab/r1/cpuset.mems", "0");

	/* A reused cgroup whose lists are set is left alone. */
	put("cpuset/ncompose/lab/r1/cpuset.cpus", "3\n");
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", NULL, &err), 0);
	assert_file("cpuset/ncompose/lab/r1/cpuset.cpus", "3\n");
	rt_cgroups_close(cg);
}

static void test_tree_v1_cpuset_parent_empty(void **state)
{
	(void)state;
	nc_err err;
	tree_copy("tree-v1");
	put("cpuset/cpuset.mems", "\n");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_LEGACY);
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", NULL, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "/cpuset/cpuset.mems` is empty: nothing to inherit"));
	rt_cgroups_close(cg);
}

static void test_tree_hybrid_every_limit(void **state)
{
	(void)state;
	nc_err err;
	tree_copy("tree-hybrid");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_HYBRID);
	for (int k = RT_LIMIT_MEMORY; k <= RT_LIMIT_BLKIO_WEIGHT; k++)
		assert_true(rt_cgroup_supports(cg, k));
	struct rt_limits lim = all_limits();
	lim.cpuset_cpus = "3";
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_file("memory/ncompose/lab/r1/memory.limit_in_bytes", "3221225472");
	assert_file("memory/ncompose/lab/r1/memory.memsw.limit_in_bytes", "4294967296");
	assert_file("memory/ncompose/lab/r1/memory.soft_limit_in_bytes", "1610612736");
	assert_file("cpu/ncompose/lab/r1/cpu.cfs_quota_us", "50000");
	assert_file("cpu/ncompose/lab/r1/cpu.shares", "512");
	assert_file("cpuset/ncompose/lab/r1/cpuset.cpus", "3");
	assert_file("cpuset/ncompose/lab/r1/cpuset.mems", "0");
	assert_file("pids/ncompose/lab/r1/pids.max", "100");
	/* BFQ's file, the blkio scale as is */
	assert_file("blkio/ncompose/lab/r1/blkio.bfq.weight", "300");
	assert_false(exists("unified/cgroup.subtree_control"));
	assert_int_equal(rt_cgroup_attach(cg, "ncompose/lab/r1", 7, &err), 0);
	assert_file("cpuacct/ncompose/lab/r1/cgroup.procs", "7");
	assert_file("unified/ncompose/lab/r1/cgroup.procs", "7");
	assert_file("devices/ncompose/lab/r1/cgroup.procs", "7");
	assert_file("systemd/ncompose/lab/r1/cgroup.procs", "7");
	rt_cgroups_close(cg);
}

static void test_tree_v2_every_limit(void **state)
{
	(void)state;
	nc_err err;
	tree_copy("tree-v2");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_UNIFIED);
	for (int k = RT_LIMIT_MEMORY; k <= RT_LIMIT_BLKIO_WEIGHT; k++)
		assert_true(rt_cgroup_supports(cg, k));
	struct rt_limits lim = all_limits();
	lim.cpuset_cpus = "1";
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_file("cgroup.subtree_control", "+memory +cpu +pids +io +cpuset");
	assert_file("ncompose/cgroup.subtree_control", "+memory +cpu +pids +io +cpuset");
	assert_file("ncompose/lab/cgroup.subtree_control", "+memory +cpu +pids +io +cpuset");
	assert_file("ncompose/lab/r1/memory.max", "3221225472");
	assert_file("ncompose/lab/r1/memory.swap.max", "1073741824"); /* swap alone on v2 */
	assert_file("ncompose/lab/r1/memory.low", "1610612736");
	assert_file("ncompose/lab/r1/cpu.max", "50000 100000");
	assert_file("ncompose/lab/r1/cpu.weight", "20"); /* 512 shares */
	assert_file("ncompose/lab/r1/cpuset.cpus", "1");
	assert_file("ncompose/lab/r1/cpuset.mems", "0");
	assert_file("ncompose/lab/r1/pids.max", "100");
	assert_file("ncompose/lab/r1/io.weight", "default 2930"); /* 300 on 1..10000 */
	assert_false(exists("ncompose/lab/r1/io.bfq.weight"));

	/* BFQ loaded too: its file gets the blkio scale, io.weight its own */
	put("ncompose/lab/r1/io.bfq.weight", "default 100\n");
	lim = (struct rt_limits)RT_LIMITS_INIT;
	lim.blkio_weight = 750;
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_file("ncompose/lab/r1/io.bfq.weight", "750");
	assert_file("ncompose/lab/r1/io.weight", "default 7475");
	rt_cgroups_close(cg);
}

static void test_tree_v2_cpuset_only_when_asked(void **state)
{
	(void)state;
	nc_err err;
	tree_copy("tree-v2");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_UNIFIED);
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = 1 << 20;
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_file("cgroup.subtree_control", "+memory +cpu +pids +io");
	assert_file("ncompose/lab/cgroup.subtree_control", "+memory +cpu +pids +io");
	assert_file("ncompose/lab/r1/memory.max", "1048576");
	assert_file("ncompose/lab/r1/memory.low", "0\n");
	assert_file("ncompose/lab/r1/cpu.weight", "100\n");
	assert_file("ncompose/lab/r1/io.weight", "default 100\n");
	assert_file("ncompose/lab/r1/cpuset.cpus", "\n");
	/* mems alone also enables it (the kernel lists what is on by name) */
	put("cgroup.subtree_control", "cpu io memory pids\n");
	lim = (struct rt_limits)RT_LIMITS_INIT;
	lim.cpuset_mems = "0";
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_file("cgroup.subtree_control", "+cpuset");
	assert_file("ncompose/lab/r1/cpuset.mems", "0");
	rt_cgroups_close(cg);
}

/* No weight file anywhere: supports says so, create skips the weight. */
static void test_blkio_weight_unsupported(void **state)
{
	(void)state;
	nc_err err;
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.blkio_weight = 300;

	tree_copy("tree-v1");
	drop("blkio/blkio.weight");
	drop("blkio/ncompose/lab/r1/blkio.weight");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_LEGACY);
	assert_false(rt_cgroup_supports(cg, RT_LIMIT_BLKIO_WEIGHT));
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_false(exists("blkio/ncompose/lab/r1/blkio.weight"));
	/* the weight file of a cgroup below the root is evidence too */
	put("blkio/other/blkio.bfq.weight", "100\n");
	assert_true(rt_cgroup_supports(cg, RT_LIMIT_BLKIO_WEIGHT));
	rt_cgroups_close(cg);
	tree_remove();

	tree_copy("tree-hybrid");
	drop("blkio/blkio.bfq.io_service_bytes");
	drop("blkio/ncompose/lab/r1/blkio.bfq.weight");
	cg = tree_open(RT_CGROUP_HYBRID);
	assert_false(rt_cgroup_supports(cg, RT_LIMIT_BLKIO_WEIGHT));
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	rt_cgroups_close(cg);
	tree_remove();

	tree_copy("tree-v2");
	drop("io.cost.qos");
	drop("ncompose/lab/r1/io.weight");
	cg = tree_open(RT_CGROUP_UNIFIED);
	assert_false(rt_cgroup_supports(cg, RT_LIMIT_BLKIO_WEIGHT));
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	assert_false(exists("ncompose/lab/r1/io.weight"));
	rt_cgroups_close(cg);
}

static void test_supports_swap_and_controllers(void **state)
{
	(void)state;
	tree_copy("tree-v1");
	drop("memory/memory.memsw.limit_in_bytes");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_LEGACY);
	assert_false(rt_cgroup_supports(cg, RT_LIMIT_MEMORY_SWAP));
	assert_true(rt_cgroup_supports(cg, RT_LIMIT_MEMORY));
	rt_cgroups_close(cg);
	tree_remove();

	/* v2 has no swap file on the root: undecided (true) until a cgroup
	 * with memory files shows one way or the other */
	tree_copy("tree-v2");
	cg = tree_open(RT_CGROUP_UNIFIED);
	assert_true(rt_cgroup_supports(cg, RT_LIMIT_MEMORY_SWAP));
	put("ncompose/memory.max", "max\n");
	assert_false(rt_cgroup_supports(cg, RT_LIMIT_MEMORY_SWAP));
	put("ncompose/memory.swap.max", "max\n");
	assert_true(rt_cgroup_supports(cg, RT_LIMIT_MEMORY_SWAP));
	rt_cgroups_close(cg);
	tree_remove();

	/* a v1 host without cpuset and blkio mounted */
	tree_copy("tree-v1");
	nc_err err;
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_LEGACY, v1_cgroups, v1_self, &cg, &err), 0);
	assert_false(rt_cgroup_supports(cg, RT_LIMIT_CPUSET));
	assert_false(rt_cgroup_supports(cg, RT_LIMIT_BLKIO_WEIGHT));
	assert_true(rt_cgroup_supports(cg, RT_LIMIT_PIDS));
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.cpuset_cpus = "0";
	assert_int_equal(rt_cgroup_check(cg, &lim, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "cpuset: no cpuset controller under `"));
	/* a weight with no blkio controller is discarded as well */
	lim = (struct rt_limits)RT_LIMITS_INIT;
	lim.blkio_weight = 500;
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", &lim, &err), 0);
	rt_cgroups_close(cg);
}

/* Bad values are refused before anything is created. */
static void test_check_refuses(void **state)
{
	(void)state;
	nc_err err;
	tree_copy("tree-v1");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_LEGACY);
	struct {
		struct rt_limits lim;
		int ret;
		const char *msg;
	} cases[] = {
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .cpu_shares = 1 }, -ERANGE,
		  "cgroup `ncompose/lab/r9`: cpu_shares 1: out of range 2..262144" },
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .cpu_shares = 262145 }, -ERANGE,
		  "cgroup `ncompose/lab/r9`: cpu_shares 262145: out of range 2..262144" },
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .blkio_weight = 9 }, -ERANGE,
		  "cgroup `ncompose/lab/r9`: blkio weight 9: out of range 10..1000" },
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .blkio_weight = 1001 }, -ERANGE,
		  "cgroup `ncompose/lab/r9`: blkio weight 1001: out of range 10..1000" },
		{ { .memory_max = 1 << 20, .memory_swap_max = -1, .pids_max = -1, .memory_low = 2 << 20 }, -EINVAL,
		  "cgroup `ncompose/lab/r9`: memory reservation 2097152: larger than the memory limit 1048576" },
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .memory_low = -5 }, -EINVAL,
		  "cgroup `ncompose/lab/r9`: memory reservation -5: must not be negative" },
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .cpuset_cpus = "4-5,7" }, -EINVAL,
		  "cgroup `ncompose/lab/r9`: cpuset `4-5,7`: this host has no online CPU 4-5,7 (online: 0-3)" },
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .cpuset_cpus = "2-5" }, -EINVAL,
		  "cgroup `ncompose/lab/r9`: cpuset `2-5`: this host has no online CPU 4-5 (online: 0-3)" },
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .cpuset_mems = "0-1" }, -EINVAL,
		  "cgroup `ncompose/lab/r9`: cpuset mems `0-1`: this host has no memory node 1 (nodes: 0)" },
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .cpuset_cpus = "1-a" }, -EINVAL,
		  "cgroup `ncompose/lab/r9`: cpuset: list `1-a`: expected a number at `a`" },
		{ { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1, .cpuset_cpus = "" }, -EINVAL,
		  "cgroup `ncompose/lab/r9`: cpuset ``: names no CPU" },
	};
	for (size_t i = 0; i < NC_ELEMENTSOF(cases); i++) {
		assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r9", &cases[i].lim, &err), cases[i].ret);
		assert_string_equal(err.msg, cases[i].msg);
	}
	/* nothing was made */
	assert_false(exists("memory/ncompose/lab/r9"));
	assert_false(exists("cpuset/ncompose/lab/r9"));
	rt_cgroups_close(cg);
	tree_remove();

	/* v2: the online CPUs come from the root's cpuset.cpus.effective */
	tree_copy("tree-v2");
	cg = tree_open(RT_CGROUP_UNIFIED);
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.cpuset_cpus = "0,2";
	assert_int_equal(rt_cgroup_check(cg, &lim, &err), -EINVAL);
	assert_string_equal(err.msg, "cpuset `0,2`: this host has no online CPU 2 (online: 0-1)");
	lim.cpuset_cpus = "0-1";
	assert_int_equal(rt_cgroup_check(cg, &lim, &err), 0);
	rt_cgroups_close(cg);
}

static void test_shares_to_weight(void **state)
{
	(void)state;
	assert_int_equal(rt_cpu_shares_to_weight(0), 0); /* unset */
	assert_int_equal(rt_cpu_shares_to_weight(2), 1);
	assert_int_equal(rt_cpu_shares_to_weight(1024), 39);
	assert_int_equal(rt_cpu_shares_to_weight(262144), 10000);
	assert_int_equal(rt_cg_blkio_to_io_weight(10), 1);
	assert_int_equal(rt_cg_blkio_to_io_weight(500), 4950);
	assert_int_equal(rt_cg_blkio_to_io_weight(1000), 10000);
}

static void assert_cpus(const char *list, const char *want)
{
	struct rt_cpuset set;
	nc_err err;
	char buf[256];
	if (rt_cpuset_parse(list, &set, &err) < 0)
		fail_msg("`%s`: %s", list, err.msg);
	rt_cg_cpuset_format(&set, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_cpuset_parse(void **state)
{
	(void)state;
	struct rt_cpuset set;
	nc_err err;
	assert_cpus("0", "0");
	assert_cpus("0-1,3", "0-1,3");
	assert_cpus("3,0-1", "0-1,3");
	assert_cpus("0-3\n", "0-3"); /* as cgroup files end */
	assert_cpus("1,2,3,5,6,9", "1-3,5-6,9");
	assert_cpus("2-2", "2");
	assert_cpus("", "");
	assert_cpus("\n", "");
	assert_cpus("8191", "8191");
	assert_cpus("0-8191", "0-8191");
	assert_int_equal(rt_cpuset_parse("0-1,3", &set, &err), 0);
	assert_int_equal(set.bits[0], 0xb);

	const struct {
		const char *list, *msg;
	} bad[] = {
		{ "a", "list `a`: expected a number at `a`" },
		{ "1-", "list `1-`: expected a number at ``" },
		{ "-1", "list `-1`: expected a number at `-1`" },
		{ "3-1", "list `3-1`: range 3-1 runs backwards" },
		{ "1,,2", "list `1,,2`: expected a number at `,2`" },
		{ "1,", "list `1,`: expected a number at ``" },
		{ " 1", "list ` 1`: expected a number at ` 1`" },
		{ "1 ,2", "list `1 ,2`: unexpected ` ` (use numbers and ranges: 0-1,3)" },
		{ "0-15:2/4", "list `0-15:2/4`: unexpected `:` (use numbers and ranges: 0-1,3)" },
		{ "8192", "list `8192`: 8192 is above 8191, the most the kernel supports" },
		{ "1-99999999999999999999",
		  "list `1-99999999999999999999`: 99999999999999999999 is above 8191, the most the kernel supports" },
		{ "0x1", "list `0x1`: unexpected `x` (use numbers and ranges: 0-1,3)" },
	};
	for (size_t i = 0; i < NC_ELEMENTSOF(bad); i++) {
		assert_true(rt_cpuset_parse(bad[i].list, &set, &err) < 0);
		assert_string_equal(err.msg, bad[i].msg);
	}
	/* the formatter truncates, never overflows */
	char small[6];
	assert_int_equal(rt_cpuset_parse("0,2,4,6,8", &set, &err), 0);
	rt_cg_cpuset_format(&set, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_root, teardown_root)
#define TT(f) cmocka_unit_test_teardown(f, teardown_root) /* copies a tree itself */
	const struct CMUnitTest tests[] = {
		T(test_v1_limits),
		T(test_v1_memsw_missing),
		T(test_v1_failed_create_removes_what_it_made),
		T(test_v1_errors_name_file_and_value),
		T(test_v1_kill_empty_and_remove),
		T(test_v2_limits),
		T(test_v2_enables_only_missing),
		T(test_v2_swap_missing),
		T(test_v2_missing_controller),
		T(test_hybrid_tracks_in_unified),
		TT(test_tree_v1_every_limit),
		TT(test_tree_v1_only_what_is_set),
		TT(test_tree_v1_cpuset_parent_empty),
		TT(test_tree_hybrid_every_limit),
		TT(test_tree_v2_every_limit),
		TT(test_tree_v2_cpuset_only_when_asked),
		TT(test_blkio_weight_unsupported),
		TT(test_supports_swap_and_controllers),
		TT(test_check_refuses),
		cmocka_unit_test(test_shares_to_weight),
		cmocka_unit_test(test_cpuset_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
