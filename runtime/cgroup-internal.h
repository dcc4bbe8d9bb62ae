/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the cgroup module: the host's layout (which hierarchy holds each
 * controller), the per-version operations behind one table, and the pure
 * parsers the unit tests feed with text.
 */
#ifndef NC_RUNTIME_CGROUP_INTERNAL_H
#define NC_RUNTIME_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "runtime/runtime.h"

/* The controllers we use. The freezer is used by kill on v1 only (v2 has
 * cgroup.freeze and cgroup.kill in every cgroup); cpuacct exists on v1
 * only (v2 counts CPU time in every cgroup's cpu.stat). */
enum rt_cg_ctrl {
	RT_CG_MEMORY,
	RT_CG_CPU,
	RT_CG_PIDS,
	RT_CG_FREEZER,
	RT_CG_CPUACCT,
	RT_CG_CPUSET,
	RT_CG_BLKIO,
	RT_CG_NCTRL,
};
#define RT_CG_BIT(c) (1u << (c))

/* The v1 name ("blkio"), as /proc/cgroups lists it. */
const char *rt_cg_ctrl_name(enum rt_cg_ctrl c);
/* The v2 name ("io"), as cgroup.controllers lists it; NULL when v2 has
 * no such controller (cpuacct, freezer). */
const char *rt_cg_ctrl_v2_name(enum rt_cg_ctrl c);

/* v1 allows 16 controllers (CGROUP_SUBSYS_COUNT is at most 16 on every
 * config) plus named hierarchies. */
#define RT_CG_MAX_V1 24
/* Whether `lim` sets anything controller `c` holds: the one place that
 * says which limit lives in which controller (rt_cgroup_check asks for
 * the controllers, rt_cgroup_create enables and writes them). */
bool rt_cg_limits_use(const struct rt_limits *lim, enum rt_cg_ctrl c);

/* The line of text starting at *p into buf (truncated, without its
 * newline), and *p past it; false at the end. For the parsers of
 * cgroup-detect.c and cgroup-stats.c. */
bool rt_cg_next_line(const char **p, char *buf, size_t size);

/* What /proc/cgroups and /proc/self/cgroup say. */
struct rt_cg_layout {
	/* -1: not compiled in or disabled; 0: on the v2 hierarchy; > 0: the id
	 * of the v1 hierarchy that holds it. */
	int hier_id[RT_CG_NCTRL];
	/* v1: the controller list of that hierarchy as /proc/self/cgroup
	 * prints it ("cpu,cpuacct"), normally the name of its directory. */
	char v1_name[RT_CG_NCTRL][64];
	/* Every v1 hierarchy /proc/self/cgroup lists, by its list ("devices",
	 * "net_cls,net_prio", "name=systemd"), including those with no
	 * controller we use: a container needs a cgroup of its own in each
	 * (see rt_cgroups_open). */
	char v1_hier[RT_CG_MAX_V1][128];
	size_t n_v1;
};

/* Pure parsers. proc_cgroups: "#subsys_name hierarchy num_cgroups enabled"
 * lines; self_cgroup: "id:controllers:path" lines. */
int rt_cg_parse_proc_cgroups(const char *text, struct rt_cg_layout *l, nc_err *err);
int rt_cg_parse_self_cgroup(const char *text, struct rt_cg_layout *l, nc_err *err);
/* /proc/self/mountinfo text: the mount point of a cgroup v1 mount whose
 * superblock options hold every item of `list` ("name=systemd",
 * "net_cls,net_prio"), octal escapes undone. -ENOENT when none. */
int rt_cg_mountinfo_find(const char *mountinfo, const char *list, char *out, size_t size);
void rt_cg_layout_init(struct rt_cg_layout *l);

/* crun's rule: root is cgroup2 -> unified; tmpfs -> hybrid when
 * root/unified is cgroup2 (unified_magic; 0 when missing), else legacy. */
int rt_cg_mode_from_magic(const char *root, long root_magic, long unified_magic,
			  enum rt_cgroup_mode *mode, nc_err *err);

/* "key value" lines (memory.events, memory.oom_control, cgroup.events):
 * the value of `key`. 0, or -ENOENT when the key is absent. */
int rt_cg_parse_keyed(const char *text, const char *key, uint64_t *value);
/* A limit file: "max" -> RT_STAT_UNLIMITED, a number, or v1's "no limit"
 * (page_counter's maximum in bytes, about 2^63) -> RT_STAT_UNLIMITED. */
int rt_cg_parse_limit(const char *text, int64_t *value);
/* One unsigned number (memory.current, cpuacct.usage). */
int rt_cg_parse_u64(const char *text, uint64_t *value);
/* v1 blkio.throttle.io_service_bytes_recursive: the "MAJ:MIN Read N" and
 * "MAJ:MIN Write N" lines summed over devices ("Total" is ignored). */
int rt_cg_parse_blkio_v1(const char *text, uint64_t *rd, uint64_t *wr);
/* v2 io.stat: rbytes= and wbytes= summed over the device lines. */
int rt_cg_parse_io_v2(const char *text, uint64_t *rd, uint64_t *wr);
/* The set as a list ("0-1,3"); truncated to `size`. */
void rt_cg_cpuset_format(const struct rt_cpuset *set, char *buf, size_t size);
/* v2 io.weight is 1..10000 (default 100), blkio weights are 10..1000. */
uint64_t rt_cg_blkio_to_io_weight(unsigned weight);

/* cgroup.procs text -> malloc'ed pids. */
int rt_cg_parse_pids(const char *text, pid_t **pids, size_t *n, nc_err *err);
/* Does the space-separated list (cgroup.controllers) hold `name`? */
bool rt_cg_list_has(const char *list, const char *name, char sep);

struct rt_cgroup_ops;

/* One mounted hierarchy we use. */
struct rt_cg_hier {
	char *dir;                        /* absolute: root/memory, root/unified, root */
	const struct rt_cgroup_ops *ops;  /* v1 or v2 */
	unsigned ctrls;                   /* RT_CG_BIT()s of the controllers used in it */
	dev_t dev;                        /* identity of dir: "cpu" and "cpu,cpuacct" */
	ino_t ino;                        /* may name the same hierarchy */
};

#define RT_CG_MAX_HIER (RT_CG_MAX_V1 + 1)

struct rt_cgroups {
	enum rt_cgroup_mode mode;
	char *root;
	struct rt_cg_hier hier[RT_CG_MAX_HIER];
	size_t n_hier;
	int ctrl_hier[RT_CG_NCTRL]; /* index in hier[], -1: not available */
	/* v1 hierarchies listed in /proc/self/cgroup but mounted nowhere we
	 * found, comma-separated ("name=foo"): a container would sit at their
	 * root, so rt_cgroup_create refuses while this is not empty. */
	char unplaced[256];
};

/*
 * The per-version operations. `dfd` is the open directory of the cgroup
 * itself and `where` its absolute path (for messages). An operation a
 * version does not have returns -EOPNOTSUPP without touching err.
 */
struct rt_cgroup_ops {
	const char *name;
	/* mkdir -p of `path` below the hierarchy, making `ctrls` (a subset of
	 * h->ctrls) usable in it: v2 writes "+memory +cpu ..." into the
	 * ancestors' cgroup.subtree_control; v1 fills an empty cpuset.cpus
	 * and cpuset.mems from the parent. */
	int (*create)(const struct rt_cg_hier *h, const char *path, unsigned ctrls, nc_err *err);
	/* The writers: each writes only the fields of `lim` that are set. */
	int (*set_memory)(int dfd, const char *where, const struct rt_limits *lim, nc_err *err);
	int (*set_cpu)(int dfd, const char *where, const struct rt_limits *lim, nc_err *err);
	int (*set_cpuset)(int dfd, const char *where, const struct rt_limits *lim, nc_err *err);
	int (*set_pids)(int dfd, const char *where, const struct rt_limits *lim, nc_err *err);
	/* -EOPNOTSUPP (err untouched) when the kernel has no weight file. */
	int (*set_blkio)(int dfd, const char *where, const struct rt_limits *lim, nc_err *err);
	/* Will the cgroups of the hierarchy whose root is `hdfd` have a file
	 * for `kind`? Most such files are not on the root itself; the root's
	 * own files and the cgroups right below it tell. */
	bool (*supports)(int hdfd, enum rt_limit_kind kind);
	/* Fills the fields of `st` that the controllers in `ctrls` provide
	 * and are still unknown; a missing file leaves them unknown. */
	int (*stats)(int dfd, const char *where, unsigned ctrls, struct rt_cgroup_stats *st, nc_err *err);
	int (*oom_kills)(int dfd, const char *where, uint64_t *count, nc_err *err);
	/* Kill every process at once, in the kernel (v2 cgroup.kill, 5.14). */
	int (*kill_all)(int dfd, const char *where, nc_err *err);
	/* Freeze (and wait until frozen) or thaw. v1: only where the freezer
	 * controller is. */
	int (*freeze)(int dfd, const char *where, bool frozen, nc_err *err);
	/* Wait until no process is left, up to timeout_ms. */
	int (*wait_empty)(int dfd, const char *where, int timeout_ms, nc_err *err);
};

extern const struct rt_cgroup_ops rt_cgroup_v1_ops;
extern const struct rt_cgroup_ops rt_cgroup_v2_ops;

/* Helpers shared by the two versions (cgroup-util.c). */
int rt_cg_open(const struct rt_cg_hier *h, const char *path, int *dfd, char *where,
	       size_t where_len, nc_err *err);
/* One write(2) of `value` to `file`, truncating (fake trees are plain
 * files; cgroupfs ignores O_TRUNC). Errors name the value and the file. */
int rt_cg_write(int dfd, const char *where, const char *file, const char *value, nc_err *err);
int rt_cg_read(int dfd, const char *where, const char *file, char **out, nc_err *err);
/* Is one of `files` (NULL-terminated) in a cgroup right below `hdfd`? */
bool rt_cg_child_has(int hdfd, const char *const *files);
/* As rt_cg_read, but a missing file is 0 with *out NULL. */
int rt_cg_read_opt(int dfd, const char *where, const char *file, char **out, nc_err *err);
/* Does `file` exist in the cgroup? */
bool rt_cg_has(int dfd, const char *file);
int rt_cg_read_pids(int dfd, const char *where, pid_t **pids, size_t *n, nc_err *err);
/* mkdirat that reuses an existing directory and returns it open. */
int rt_cg_mkdir_open(int parent, const char *name, const char *where, nc_err *err);
/* SIGKILL each listed pid; the number signalled. */
size_t rt_cg_kill_pids(const pid_t *pids, size_t n);
/* Waits until cgroup.procs is empty: pidfds of the members where the kernel
 * has them, short sleeps otherwise (v1 has no "populated" notification). */
int rt_cg_wait_procs_empty(int dfd, const char *where, int timeout_ms, nc_err *err);

/* Writers of limits whose files are the same on v1 and v2. */
int rt_cg_set_cpuset(int dfd, const char *where, const struct rt_limits *lim, nc_err *err);
int rt_cg_set_pids(int dfd, const char *where, const struct rt_limits *lim, nc_err *err);
int64_t rt_cg_now_ms(void);

/* Is `pid` a member of `path` (ENOENT: a missing cgroup has none)? With a
 * pidfd taken before, this tells that the pidfd's process is ours, not a
 * stranger that reused a stale pid. */
int rt_cgroup_has_pid(struct rt_cgroups *cg, const char *path, pid_t pid, bool *has, nc_err *err);

/* Stats readers (cgroup-stats.c): each fills a field only while it is
 * still unknown, and leaves it so when the file or key is missing. A file
 * that is there but unreadable or garbled is an error naming it. */
struct rt_cg_stat_key {
	const char *key;
	uint64_t *dst;
	uint64_t scale; /* 1000: the file says microseconds, we say ns */
};
int rt_cg_stat_u64(int dfd, const char *where, const char *file, uint64_t *v, nc_err *err);
int rt_cg_stat_limit(int dfd, const char *where, const char *file, int64_t *v, nc_err *err);
int rt_cg_stat_keyed(int dfd, const char *where, const char *file, const struct rt_cg_stat_key *keys,
		     size_t n, nc_err *err);

/* Shared by cgroup.c and cgroup-stats.c. */
int rt_cg_check_path(const char *path, nc_err *err);
struct rt_cg_hier *rt_cg_ctrl_hier(struct rt_cgroups *cg, enum rt_cg_ctrl c);
/* The hierarchy to list members from, and the one whose absence means the
 * cgroup does not exist: memory, else pids, else the first. */
struct rt_cg_hier *rt_cg_list_hier(struct rt_cgroups *cg);

/* v1 cpuset: a new cgroup starts with empty cpuset.cpus and cpuset.mems
 * and refuses tasks (ENOSPC) until both are set: copy the parent's into
 * whichever is empty. `pdfd` is the parent, `dfd` the child. */
int rt_cg_cpuset_inherit(int pdfd, const char *pwhere, int dfd, const char *where, nc_err *err);

/* clone3(CLONE_INTO_CGROUP) target: the cgroup's directory when every
 * controller lives in one v2 hierarchy (unified mode); -EOPNOTSUPP else. */
int rt_cgroup_clone_fd(struct rt_cgroups *cg, const char *path, nc_err *err);
/* For a child that joins its cgroup itself (a write of "0"): cgroup.procs
 * of `path` in every hierarchy, opened for writing, into fds[] (room for
 * RT_CG_MAX_HIER). Returns how many, or -errno. */
int rt_cgroup_procs_fds(struct rt_cgroups *cg, const char *path, int *fds, nc_err *err);

#endif
