/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runtime: the container runtime. Namespaces, the root filesystem and its
 * mounts, cgroups (v2, v1 and the hybrid of both), capabilities,
 * no_new_privs, a minimal init, exec into a running container.
 *
 * runtime knows nothing of YAML or of netlink: it is given the path of a
 * network namespace that already exists and is fully wired ("wire first,
 * then run"), and plain specs. No global state, no printing, no exit():
 * failures fill `nc_err`.
 */
#ifndef NC_RUNTIME_H
#define NC_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* ---- cgroups ---------------------------------------------------------- */

enum rt_cgroup_mode {
	RT_CGROUP_UNIFIED, /* pure cgroup v2 at the root */
	RT_CGROUP_HYBRID,  /* v1 controllers, cgroup2 at <root>/unified */
	RT_CGROUP_LEGACY,  /* v1 only */
};

/*
 * Limits; a field at its "unset" value is not written. Every field added
 * after the first five is unset at zero, so RT_LIMITS_INIT only has to
 * name the -1s and a new field cannot shift the others.
 */
struct rt_limits {
	int64_t memory_max;      /* bytes, -1 = unset */
	int64_t memory_swap_max; /* bytes of memory+swap (Compose memswap_limit), -1 = unset */
	uint64_t cpu_quota_us;   /* 0 = unset; with cpu_period_us */
	uint64_t cpu_period_us;  /* 0 = 100000 */
	int64_t pids_max;        /* -1 = unset */
	/* Compose mem_reservation / deploy.resources.reservations.memory:
	 * bytes, 0 = unset (0 is also the kernel's default). v1
	 * memory.soft_limit_in_bytes, v2 memory.low. */
	int64_t memory_low;
	/* Compose cpu_shares, 2..262144 (Docker's range), 0 = unset. v1
	 * cpu.shares, v2 cpu.weight (rt_cpu_shares_to_weight). */
	uint64_t cpu_shares;
	/* Compose cpuset: CPU list such as "0-1,3"; NULL = unset. */
	const char *cpuset_cpus;
	/* NUMA memory nodes, same syntax; NULL = unset. */
	const char *cpuset_mems;
	/* Compose blkio_config.weight, 10..1000, 0 = unset. Skipped, not an
	 * error, on kernels with no weight file (see rt_cgroup_supports). */
	unsigned blkio_weight;
};

#define RT_LIMITS_INIT { .memory_max = -1, .memory_swap_max = -1, .pids_max = -1 }

/* What rt_cgroup_supports can be asked about: one per group of fields. */
enum rt_limit_kind {
	RT_LIMIT_MEMORY,        /* memory_max, memory_low */
	RT_LIMIT_MEMORY_SWAP,   /* memory_swap_max */
	RT_LIMIT_CPU,           /* cpu_quota_us, cpu_shares */
	RT_LIMIT_CPUSET,        /* cpuset_cpus, cpuset_mems */
	RT_LIMIT_PIDS,          /* pids_max */
	RT_LIMIT_BLKIO_WEIGHT,  /* blkio_weight */
};

/* A CPU or memory-node set, as the kernel's list syntax describes it. */
#define RT_CPUSET_MAX 8192 /* NR_CPUS of the largest x86-64 config (MAXSMP) */
struct rt_cpuset {
	uint64_t bits[RT_CPUSET_MAX / 64];
};

/* Parses "0-3,5,7-8" (decimal numbers and ranges, comma-separated, no
 * blanks; one trailing newline as cgroup files have). "" is the empty set.
 * Pure: no file is read. */
int rt_cpuset_parse(const char *list, struct rt_cpuset *set, nc_err *err);

/* Docker cpu_shares [2, 262144] -> cgroup v2 cpu.weight [1, 10000]. */
uint64_t rt_cpu_shares_to_weight(uint64_t shares);

struct rt_cgroups; /* the host's cgroup layout: mode, where each controller lives */

/*
 * Detects the layout under `root` (normally "/sys/fs/cgroup"; a fake tree in
 * tests). `proc_cgroups` is the text of /proc/cgroups and `self_cgroup` the
 * text of /proc/self/cgroup; pass NULL to read the real files. The mode is
 * found as crun does (statfs magic of root, then root/unified), and hybrid
 * is supported, not refused: each controller is used where it is mounted.
 */
int rt_cgroups_open(const char *root, const char *proc_cgroups, const char *self_cgroup,
		    struct rt_cgroups **out, nc_err *err);
/* As rt_cgroups_open with the mode given instead of detected (fake trees). */
int rt_cgroups_open_mode(const char *root, enum rt_cgroup_mode mode, const char *proc_cgroups,
			 const char *self_cgroup, struct rt_cgroups **out, nc_err *err);
void rt_cgroups_close(struct rt_cgroups *cg);
enum rt_cgroup_mode rt_cgroups_mode(const struct rt_cgroups *cg);

/* Creates `path` (relative, e.g. "ncompose/lab/r1") in every hierarchy that
 * holds a controller we use (memory, cpu, cpuacct, cpuset, blkio/io, pids,
 * the v1 freezer), enabling controllers on the way down in v2 (cpuset only
 * when a cpuset is asked for), and writes the limits that are set, after
 * rt_cgroup_check. Existing directories are reused. On failure the
 * directories it created are removed again (those that existed stay, and
 * so do controllers it enabled in their cgroup.subtree_control). */
int rt_cgroup_create(struct rt_cgroups *cg, const char *path, const struct rt_limits *lim,
		     nc_err *err);

/* Moves pid into `path` in each of those hierarchies. */
int rt_cgroup_attach(struct rt_cgroups *cg, const char *path, pid_t pid, nc_err *err);

/* SIGKILLs every process of `path` and waits until it is empty. */
int rt_cgroup_kill(struct rt_cgroups *cg, const char *path, nc_err *err);

/* Freezes (waiting until every member stopped) or thaws `path`: the v1
 * freezer controller where it is mounted, else v2 cgroup.freeze (Linux
 * 5.2). EOPNOTSUPP with a message when the host has neither. */
int rt_cgroup_freeze(struct rt_cgroups *cg, const char *path, bool frozen, nc_err *err);

/* Whether `path` is frozen (or being frozen): false when the host has no
 * freezer or the cgroup is gone. */
bool rt_cgroup_frozen(struct rt_cgroups *cg, const char *path);

/* Pids in the cgroup (from the memory, else pids, else first hierarchy).
 * *pids is malloc'ed. */
int rt_cgroup_pids(struct rt_cgroups *cg, const char *path, pid_t **pids, size_t *n, nc_err *err);

/* Removes `path` in every hierarchy (the cgroup must be empty), then its
 * parents up to but excluding `stop_at` (e.g. "ncompose") while they are
 * empty; stop_at NULL climbs up to the hierarchy root. A missing directory
 * is success. */
int rt_cgroup_remove(struct rt_cgroups *cg, const char *path, const char *stop_at, nc_err *err);

/* Lists the direct children of `path` (e.g. the services of a project) in
 * any hierarchy; names are malloc'ed, the vector is NULL-terminated. */
int rt_cgroup_children(struct rt_cgroups *cg, const char *path, char ***names, nc_err *err);

/* Memory events: how many times the OOM killer acted in the cgroup. */
int rt_cgroup_oom_kills(struct rt_cgroups *cg, const char *path, uint64_t *count, nc_err *err);

/*
 * Can this host hold the limit? false when its controller is not mounted
 * or, for swap and the blkio weight, when the kernel has no file for it
 * (swap accounting off; no BFQ, CFQ or io.cost for the weight). Docker
 * discards an unsupported blkio weight with a warning: rt_cgroup_create
 * skips it too, so a caller that wants the warning asks here first.
 * Creates nothing.
 */
bool rt_cgroup_supports(struct rt_cgroups *cg, enum rt_limit_kind kind);

/* Validates `lim` against the host without creating anything: ranges,
 * cpuset syntax and CPUs/nodes the host has, a controller for every limit
 * set. rt_cgroup_create does the same first. */
int rt_cgroup_check(struct rt_cgroups *cg, const struct rt_limits *lim, nc_err *err);

/* ---- usage (ncompose stats) ---- */

#define RT_STAT_UNKNOWN UINT64_MAX   /* a counter whose file is missing */
#define RT_STAT_UNLIMITED (-1)       /* a limit set to "max" */
#define RT_STAT_LIMIT_UNKNOWN (-2)   /* a limit whose file is missing */

/* Same meaning on v1, v2 and hybrid. A field whose controller or file is
 * not there is RT_STAT_UNKNOWN (counters) or RT_STAT_LIMIT_UNKNOWN
 * (limits). Times are nanoseconds, sizes bytes. */
struct rt_cgroup_stats {
	uint64_t cpu_usage_ns;      /* v1 cpuacct.usage, v2 cpu.stat usage_usec */
	uint64_t cpu_nr_periods;    /* cpu.stat nr_periods (with a quota only) */
	uint64_t cpu_nr_throttled;  /* cpu.stat nr_throttled */
	uint64_t cpu_throttled_ns;  /* v1 cpu.stat throttled_time, v2 throttled_usec */
	uint64_t memory_current;    /* v1 memory.usage_in_bytes, v2 memory.current */
	int64_t memory_limit;       /* v1 memory.limit_in_bytes, v2 memory.max */
	uint64_t memory_peak;       /* v1 memory.max_usage_in_bytes, v2 memory.peak (5.19+) */
	uint64_t memory_cache;      /* page cache and tmpfs: v1 total_cache, v2 file */
	uint64_t memory_anon;       /* v1 total_rss, v2 anon */
	uint64_t oom_kills;         /* as rt_cgroup_oom_kills */
	uint64_t pids_current;
	int64_t pids_max;
	uint64_t io_read_bytes;     /* v1 blkio.throttle.io_service_bytes_recursive, v2 io.stat */
	uint64_t io_write_bytes;    /*   summed over devices */
	/* Loop devices the container uses (its root image file, `type: image`
	 * volumes): /sys/block/loopN/stat sectors x 512, summed; 0 without any.
	 * Not filled by rt_cgroup_stats: see rt_loop_io. */
	uint64_t loop_read_bytes;
	uint64_t loop_write_bytes;
};

/* Usage of `path`. A missing cgroup is an error (-ENOENT); a missing
 * controller or file only leaves its fields unknown. */
int rt_cgroup_stats(struct rt_cgroups *cg, const char *path, struct rt_cgroup_stats *st, nc_err *err);

/* ---- containers ------------------------------------------------------ */

struct rt_ulimit;

/* A file of the state directory bind-mounted over a path of the rootfs. */
struct rt_bind_file {
	const char *source; /* host path of the generated file */
	const char *target; /* absolute path inside the container, e.g. "/etc/hosts" */
};

/* A mount the file asks for: Compose's volumes and tmpfs. */
enum rt_mount_type {
	RT_MOUNT_BIND = 1, /* host `source` (must exist), recursively */
	RT_MOUNT_TMPFS,
	RT_MOUNT_LOOP,     /* `source` an ext4 image file, created with `size` when missing,
			    * attached to a loop device that frees itself with the container */
};

struct rt_mount {
	enum rt_mount_type type;
	const char *source;
	const char *target;  /* absolute, inside the container; created when missing */
	bool read_only;
	uint64_t size;       /* tmpfs: bytes, 0 = the kernel's default; loop: when created */
	uint32_t mode;       /* tmpfs: permission bits, 0 = 01777 (Docker's) */
	bool exec;           /* tmpfs: allow exec (default noexec, nosuid, nodev as Docker) */
	const char *data;    /* tmpfs: more options for the kernel (",uid=1000,gid=1000"), or NULL */
	unsigned long flags; /* tmpfs: more mount flags (MS_NOATIME, MS_RELATIME) */
};

struct rt_mnt_template;

struct rt_container_spec {
	const char *name;        /* for messages: "lab/r1" */
	const char *netns_path;  /* joined before anything runs; NULL: a new, empty one */
	const char *root_dir;    /* an empty directory where the root is assembled */
	/* An image: the root is an overlayfs of `lower_dirs` (uppermost
	 * first) under the writable `upper_dir` and its `work_dir` (empty
	 * directories of the caller's on one filesystem that is not itself
	 * an overlay). n_lower == 0: the host's own root, read-only. */
	const char *const *lower_dirs;
	size_t n_lower;
	const char *upper_dir, *work_dir;
	/* When set, an ext4 filesystem image file that is the one lower
	 * layer: attached read-only to a loop device and mounted (nosuid,
	 * nodev) on lower_dirs[0], an empty directory of the caller's, inside
	 * the container's mount namespace only. The file is never written;
	 * containers naming the same file share its device (loop.h). */
	const char *lower_image;
	bool read_only;          /* an image root read-only too (the host root always is) */
	const struct rt_mount *mounts;
	size_t n_mounts;
	const char *domainname;  /* NULL: none */
	/* Host device nodes bound at these paths (Compose devices:);
	 * readable and writable, as there is no device cgroup. */
	const struct rt_bind_file *devices;
	size_t n_devices;
	uint64_t shm_size;       /* bytes of /dev/shm; 0: 64 MiB, Docker's */
	/* /proc and /sys writable and unmasked (the caller also gives every
	 * capability and no seccomp filter): Docker's --privileged, still in
	 * namespaces of its own. */
	bool privileged;
	/* Docker's `user:` forms, looked up in the container's own
	 * etc/passwd and etc/group; NULL: root. */
	const char *user;
	const char *const *groups; /* group_add: more supplementary groups (gid or name) */
	size_t n_groups;
	const struct rt_ulimit *ulimits; /* setrlimit in the workload (ulimits.h) */
	size_t n_ulimits;
	bool has_oom_score_adj;  /* init and workload get oom_score_adj (-1000..1000) */
	int oom_score_adj;
	/* No seccomp filter (privileged, or security_opt seccomp=unconfined);
	 * otherwise the default profile of seccomp-filter.h. */
	bool seccomp_unconfined;
	/* A user namespace for the workload (Compose userns_mode), mapping
	 * its ids 0..userns_size-1 to host ids userns_base...; size 0: none.
	 * The init sets everything up as host root, then enters the user
	 * namespace, so the other namespaces stay owned by the host's: root
	 * inside holds capabilities over nothing but its own files. */
	uint32_t userns_base, userns_size;
	/* With a user namespace and an image: the image's layers are
	 * mounted idmapped into its range (idmap.h; ask rt_idmap_supported
	 * first), so root inside owns them. Else they show as nobody's. */
	bool idmap_layers;
	const char *hostname;
	/* Compose tty / stdin_open: the workload gets a pseudo-terminal of
	 * the container's devpts (the init logs what it writes), or a stdin
	 * that stays open, so an interactive `sh` waits instead of exiting. */
	bool tty, stdin_open;
	const char *const *argv; /* NULL: no workload; init idles until stopped */
	const char *const *env;  /* NULL-terminated, "KEY=VALUE" */
	const char *cwd;         /* NULL = "/" */
	uint64_t caps;           /* capabilities kept (bit CAP_x); everything else dropped */
	bool no_new_privs;
	const struct rt_bind_file *files; /* /etc/hosts, /etc/hostname, /etc/resolv.conf */
	size_t n_files;
	/* Host paths hidden inside the container: directories get an empty
	 * read-only tmpfs, files are covered by an empty read-only file. Missing
	 * paths are skipped. */
	const char *const *masked;
	size_t n_masked;
	const char *log_path;    /* stdout and stderr of the workload, appended; NULL: /dev/null */
	/* Rotation: once `log_path` would pass log_max_size bytes (0: never),
	 * log_path.N-1 ... log_path.1 take the older records and log_path
	 * starts empty; log_max_files (1..RT_LOG_MAX_FILES, 0 counts as 1) files
	 * in all. Readers: rt_log_rotated_path(). */
	uint64_t log_max_size;
	unsigned log_max_files;
	struct rt_cgroups *cgroups;
	const char *cgroup;      /* relative path, already created; NULL (or cgroups NULL): none */
	/* The mount namespace of a batch of starts to copy instead of ours
	 * (mnt-template.h); NULL, or one the container does not fit: ours. */
	const struct rt_mnt_template *mnt_template;
};

/*
 * Starts the container: an init (PID 1 of new PID, mount, UTS, IPC and
 * cgroup namespaces, in the given network namespace and cgroup) that
 * prepares the root filesystem, forks the workload and then reaps zombies
 * and forwards signals to it; it exits with the workload's status. Returns
 * once the workload has called execve (or failed to, in which case the
 * error carries the child's reason). *pid is the init's host pid. The init
 * is detached (own session) and outlives the caller; it is the caller's
 * child, so the caller reaps it (waitpid) if it is still around then.
 *
 * Safe to call from a multi-threaded process: between clone() and
 * execve() the children never allocate or take a lock (child-util.h).
 */
int rt_container_start(const struct rt_container_spec *spec, pid_t *pid, nc_err *err);

/* Optional, before the caller has threads that may fork: what
 * rt_container_start sets up once (the init program's memory file, which
 * a fork elsewhere while it is being written would keep from running). */
void rt_container_start_prepare(void);

/* Sends `sig` to the init (which forwards it to the workload), waits up to
 * `grace_ms` for the cgroup to empty, then kills whatever is left. The init
 * is not reaped (see rt_container_start). init_pid <= 0: kill only. */
int rt_container_stop(struct rt_cgroups *cg, const char *cgroup, pid_t init_pid, int sig,
		      unsigned grace_ms, nc_err *err);

struct rt_exec_spec {
	pid_t init_pid;          /* whose namespaces are joined */
	struct rt_cgroups *cgroups;
	const char *cgroup;      /* joined as well */
	const char *const *argv;
	const char *const *env;
	const char *cwd;         /* NULL = "/" */
	uint64_t caps;
	bool no_new_privs;
	const char *user;        /* as rt_container_spec.user, in the running container's root */
	const char *const *groups;
	size_t n_groups;
	const struct rt_ulimit *ulimits;
	size_t n_ulimits;
	bool seccomp_unconfined;
	bool tty;                /* the command's stdio and controlling terminal is tty_fd; else pipes */
	int tty_fd;              /* the peer (slave) of rt_exec_pty(); only read when tty */
};

/* Runs argv inside a running container and waits; returns the exit
 * status in *status (as the shell reports it: code, or 128+signal). The
 * command never holds a descriptor of the caller's: the caller's stdin,
 * stdout and stderr are relayed through pipes (rt_exec_relay, without
 * forwarding signals). It runs in a session of its own with no
 * controlling terminal, so the caller's terminal never reaches it (no ^C
 * either: see rt_exec_relay). A command that cannot be executed is an
 * error with the reason ("exec `x`: No such file or directory"). It is
 * killed when the calling thread ends. */
int rt_exec(const struct rt_exec_spec *spec, int *status, nc_err *err);

/* rt_exec in parts, for a caller that relays itself: start returns once
 * the command has called execve (or failed to: an error, nothing left to
 * wait for); proc->pidfd (-1 before Linux 5.3) becomes readable when it
 * ended. Without a terminal (spec->tty false) in_fd, out_fd and err_fd are
 * our ends of the command's stdin, stdout and stderr pipes (with one, -1);
 * the caller relays them and rt_exec_wait closes what is left. pid is our
 * child, a helper outside the container that passes on to the command
 * every signal it gets and exits with its status. */
struct rt_exec_proc {
	pid_t pid;
	int pidfd;
	int in_fd, out_fd, err_fd;
};
int rt_exec_start(const struct rt_exec_spec *spec, struct rt_exec_proc *proc, nc_err *err);
int rt_exec_wait(struct rt_exec_proc *proc, int *status, nc_err *err);

/*
 * Relays a started command's pipes (runtime/exec-relay.c): `in` to its
 * stdin, closed at EOF of `in` (-1: at once); its stdout to `out` and its
 * stderr to `err_fd` (-1: dropped), until the command ended and what it
 * wrote is copied (without a pidfd: until both are at EOF). A write to
 * `out` that fails (a closed pipe) closes the command's stdout, as a shell
 * pipeline would. SIGPIPE is held meanwhile. With `forward`, SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 that the caller receives
 * are passed to the command instead (a CLI: the terminal's ^C reaches only
 * the caller, the command being in a session of its own). The caller's
 * descriptors keep their flags.
 */
int rt_exec_relay(struct rt_exec_proc *proc, int in, int out, int err_fd, bool forward, nc_err *err);

/* A pseudo-terminal of the container's own devpts instance (so `tty`
 * inside says /dev/pts/N): *master stays with the caller, who relays it;
 * *slave goes into rt_exec_spec.tty_fd and is closed by the caller once the
 * command started. Both close-on-exec. */
int rt_exec_pty(pid_t init_pid, int *master, int *slave, nc_err *err);

/* ---- capabilities ---------------------------------------------------- */

/* Docker's default capability set as a mask. */
uint64_t rt_caps_default(void);
/* All capabilities the running kernel knows. */
uint64_t rt_caps_all(void);
/* The caller's permitted set: what it can give a container. `cap_add: ALL`
 * and `privileged` mean these, as in Docker (a host or a container we run
 * in may have dropped some from its bounding set). */
uint64_t rt_caps_held(void);
/* "NET_ADMIN" / "CAP_NET_ADMIN" (any case) -> bit number; -1 when unknown. */
int rt_cap_from_name(const char *name);
/* "NET_ADMIN" (Compose's spelling); NULL when unknown. */
const char *rt_cap_name(int cap);

#endif
