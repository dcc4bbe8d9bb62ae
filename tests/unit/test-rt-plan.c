/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parent-side preparation of a container: the order of the mount
 * table, the exec plan, and the sync protocol over a real socketpair.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/rootfs.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"
#include "runtime/workload.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/nc-rt-plan-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nc_err err;
	assert_int_equal(nc_rm_rf(root, &err), 0);
	return 0;
}

/* Index of the first step of `kind` on `target`, -1 when absent. */
static int find(const struct rt_rootfs_plan *p, enum rt_mnt_kind kind, const char *target)
{
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].kind == kind && !strcmp(p->ops[i].target, target))
			return (int)i;
	return -1;
}

static void test_rootfs_order(void **state)
{
	(void)state;
	struct nc_arena arena = NC_ARENA_INIT;
	struct rt_rootfs_plan p;
	nc_err err;
	const struct rt_bind_file files[] = { { "/state/hosts", "/etc/hosts" },
					      { "/state/resolv.conf", "/etc/resolv.conf" } };
	const char *masked[] = { "/root", "/etc/shadow" };
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/", root); /* trailing slash is normalised */
	struct rt_container_spec spec = {
		.name = "lab/r1", .root_dir = dir, .files = files, .n_files = 2,
		.masked = masked, .n_masked = 2,
	};
	assert_int_equal(rt_rootfs_plan_build(&spec, &arena, &p, &err), 0);
	assert_string_equal(p.root, root);

	assert_int_equal(p.ops[0].kind, RT_MNT_PRIVATE);
	assert_int_equal(p.ops[0].flags, MS_REC | MS_PRIVATE);
	assert_int_equal(p.ops[1].kind, RT_MNT_RBIND);
	assert_string_equal(p.ops[1].source, "/");
	assert_string_equal(p.ops[1].target, root);
	int ro = find(&p, RT_MNT_READONLY, "/");
	const char *fresh[] = { "/proc", "/dev", "/run", "/tmp", "/sys" };
	for (size_t i = 0; i < 5; i++) {
		int d = find(&p, RT_MNT_DETACH, fresh[i]);
		int m = find(&p, RT_MNT_FS, fresh[i]);
		assert_true(d > 1 && d < ro);  /* host copies gone before read-only */
		assert_true(m > ro);           /* fresh ones stay writable */
	}
	int proc = find(&p, RT_MNT_FS, "/proc");
	assert_string_equal(p.ops[proc].fstype, "proc");
	char where[128];
	snprintf(where, sizeof(where), "%s/proc", root);
	assert_string_equal(p.ops[proc].where, where);
	int sys = find(&p, RT_MNT_FS, "/sys");
	assert_true(p.ops[sys].flags & MS_RDONLY);

	/* /dev: devices, links, devpts, shm, mqueue */
	int dev = find(&p, RT_MNT_FS, "/dev");
	assert_true(find(&p, RT_MNT_DEVICE, "/dev/null") > dev);
	assert_true(find(&p, RT_MNT_DEVICE, "/dev/urandom") > dev);
	int ptmx = find(&p, RT_MNT_SYMLINK, "/dev/ptmx");
	assert_string_equal(p.ops[ptmx].source, "pts/ptmx");
	int pts = find(&p, RT_MNT_FS, "/dev/pts");
	assert_non_null(strstr(p.ops[pts].data, "newinstance"));
	assert_true(find(&p, RT_MNT_FS, "/dev/mqueue") > find(&p, RT_MNT_MKDIR, "/dev/mqueue"));

	/* files after /run (resolv.conf may point there); masks after /dev
	 * (their empty file lives there) and last */
	int hosts = find(&p, RT_MNT_BIND_FILE, "/etc/hosts");
	assert_true(hosts > find(&p, RT_MNT_FS, "/run"));
	assert_string_equal(p.ops[hosts].source, "/state/hosts");
	int src = find(&p, RT_MNT_MASK_SOURCE, "/dev/.ncompose-mask");
	assert_true(src > dev && src > hosts);
	assert_true(find(&p, RT_MNT_MASK, "/proc/kcore") > src);
	assert_true(find(&p, RT_MNT_MASK, "/proc/sysrq-trigger") > src);
	assert_true(find(&p, RT_MNT_RDONLY, "/proc/sys") > src);
	assert_true(find(&p, RT_MNT_MASK, "/etc/shadow") > src);
	assert_int_equal(p.ops[p.n_ops - 1].kind, RT_MNT_MASK_DONE);
	nc_arena_free(&arena);
}

/* A volume over /etc keeps the generated files visible: they are bound
 * after it (Docker orders its mounts by depth); a volume at a file's own
 * path replaces that file, which is then not bound at all. */
static void test_rootfs_files_over_volumes(void **state)
{
	(void)state;
	struct nc_arena arena = NC_ARENA_INIT;
	struct rt_rootfs_plan p;
	nc_err err;
	const struct rt_bind_file files[] = { { "/state/hosts", "/etc/hosts" },
					      { "/state/hostname", "/etc/hostname" },
					      { "/state/resolv.conf", "/etc/resolv.conf" } };
	char mine[128];
	snprintf(mine, sizeof(mine), "%s/my-resolv.conf", root);
	FILE *f = fopen(mine, "w");
	assert_non_null(f);
	fclose(f);
	const struct rt_mount mounts[] = {
		{ .type = RT_MOUNT_BIND, .source = mine, .target = "/etc//resolv.conf" },
		{ .type = RT_MOUNT_TMPFS, .target = "/etc" },
	};
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/root", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	struct rt_container_spec spec = {
		.name = "lab/r1", .root_dir = dir, .files = files, .n_files = 3,
		.mounts = mounts, .n_mounts = 2,
	};
	if (rt_rootfs_plan_build(&spec, &arena, &p, &err) < 0)
		fail_msg("%s", err.msg);
	int etc = find(&p, RT_MNT_FS, "/etc");
	assert_true(etc > 0);
	assert_true(find(&p, RT_MNT_BIND_FILE, "/etc/hosts") > etc);
	assert_true(find(&p, RT_MNT_BIND_FILE, "/etc/hostname") > etc);
	assert_int_equal(find(&p, RT_MNT_BIND_FILE, "/etc/resolv.conf"), -1);
	assert_true(find(&p, RT_MNT_BIND_TREE, "/etc//resolv.conf") > etc);
	nc_arena_free(&arena);
}

static void test_rootfs_bad_spec(void **state)
{
	(void)state;
	struct nc_arena arena = NC_ARENA_INIT;
	struct rt_rootfs_plan p;
	nc_err err;
	struct rt_container_spec spec = { .name = "lab/r1", .root_dir = "relative" };
	assert_int_equal(rt_rootfs_plan_build(&spec, &arena, &p, &err), -EINVAL);
	spec.root_dir = "/";
	assert_int_equal(rt_rootfs_plan_build(&spec, &arena, &p, &err), -EINVAL);
	spec.root_dir = "/nonexistent/nc-root";
	assert_int_equal(rt_rootfs_plan_build(&spec, &arena, &p, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "`/nonexistent/nc-root`"));
	spec.root_dir = root;
	const char *masked[] = { "etc/shadow" };
	spec.masked = masked;
	spec.n_masked = 1;
	assert_int_equal(rt_rootfs_plan_build(&spec, &arena, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not absolute"));
	nc_arena_free(&arena);
}

static void test_exec_plan(void **state)
{
	(void)state;
	struct rt_exec_plan p;
	nc_err err;
	const char *argv[] = { "sh", "-c", "true", NULL };
	const char *env[] = { "A=1", "PATH=/opt/bin:/bin", NULL };
	assert_int_equal(rt_exec_plan_init(&p, argv, env, NULL, ~UINT64_C(0), true, &err), 0);
	assert_string_equal(p.path, "/opt/bin:/bin");
	assert_string_equal(p.cwd, "/");
	assert_int_equal(p.caps, rt_caps_all());
	assert_true(p.no_new_privs);
	assert_int_equal(rt_exec_plan_init(&p, argv, NULL, "/work", 0, false, &err), 0);
	assert_non_null(strstr(p.path, "/usr/bin"));
	assert_string_equal(p.envp[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_int_equal(rt_exec_plan_init(&p, argv, NULL, "work", 0, false, &err), -EINVAL);
	const char *empty[] = { NULL };
	assert_int_equal(rt_exec_plan_init(&p, empty, NULL, NULL, 0, false, &err), -EINVAL);
}

static void test_sync_protocol(void **state)
{
	(void)state;
	int sv[2];
	nc_err err, cerr;
	assert_int_equal(rt_sync_pair(sv, &err), 0);
	assert_true(sv[0] >= 3 && sv[1] >= 3);

	assert_int_equal(rt_sync_send_point(sv[0], RT_SYNC_IN_CGROUP, &err), 0);
	assert_int_equal(rt_sync_wait_point(sv[1], RT_SYNC_IN_CGROUP, &err), 0);

	/* an error in place of a sync point is the peer's message */
	nc_err_msg(&cerr, EPERM, "mount proc on `/x/proc`: Operation not permitted");
	rt_sync_send_error(sv[1], &cerr);
	assert_int_equal(rt_sync_wait_point(sv[0], RT_SYNC_IN_CGROUP, &err), -EPERM);
	assert_string_equal(err.msg, "mount proc on `/x/proc`: Operation not permitted");

	assert_int_equal(rt_sync_send_pid(sv[1], 2, &err), 0);
	struct rt_msg m;
	assert_int_equal(rt_sync_recv(sv[0], &m, &err), 1);
	assert_int_equal(m.type, RT_MSG_PID);
	assert_int_equal(m.value, 2);

	assert_int_equal(rt_sync_send_pid(sv[1], 3, &err), 0);
	assert_int_equal(rt_sync_wait_point(sv[0], RT_SYNC_IN_CGROUP, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "in-cgroup"));

	close(sv[1]);
	assert_int_equal(rt_sync_recv(sv[0], &m, &err), 0);
	assert_int_equal(rt_sync_wait_point(sv[0], RT_SYNC_IN_CGROUP, &err), -EPIPE);
	/* the peer is gone: an error, not SIGPIPE */
	assert_true(rt_sync_send_point(sv[0], RT_SYNC_IN_CGROUP, &err) < 0);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rootfs_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rootfs_files_over_volumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rootfs_bad_spec, setup, teardown),
		cmocka_unit_test(test_exec_plan),
		cmocka_unit_test(test_sync_protocol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
