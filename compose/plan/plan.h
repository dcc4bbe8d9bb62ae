/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan: the model after validation, naming and address assignment.
 * It is everything `up` needs and nothing of YAML: the step table walks it
 * and hands its pieces to netd/ and runtime/. Built once, freed at once
 * (arena); it borrows from the model, which must outlive it.
 */
#ifndef NC_COMPOSE_PLAN_H
#define NC_COMPOSE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/inet.h"
#include "compose/file/model.h"
#include "compose/plan/naming.h"
#include "netd/netd.h"
#include "runtime/runtime.h"
#include "runtime/ulimits.h"

struct nc_plan_link;

struct nc_plan_network {
	const struct nc_network *model;
	const char *name;
	char bridge[NC_IFNAME_MAX];
	const char *label;
	bool internal;     /* also set for a layer-2 network: no way out */
	bool layer2;       /* no IP management: no subnet, gateway or addresses */
	bool external;     /* an existing bridge: joined, never created or deleted */
	bool auto_subnet4; /* subnet4 chosen by ncompose, not written in the file */
	struct nc_prefix subnet4; /* family 0: no IPv4 */
	struct nc_prefix subnet6; /* family 0: no IPv6 */
	struct nc_prefix range4;  /* where automatic addresses come from */
	struct nc_prefix range6;
	struct nc_ip gateway4;    /* family 0: none (internal networks) */
	struct nc_ip gateway6;
	bool gateway_on_host;     /* the bridge holds the gateway addresses */
	uint32_t mtu;
};

/* An interface inside a container: an attachment to a network (a veth
 * into its bridge), or one end of a point-to-point link. */
struct nc_plan_iface {
	const struct nc_plan_network *net;  /* NULL for a link end */
	const struct nc_attach *attach;     /* NULL for a link end */
	const struct nc_plan_link *link;    /* the link, for a link end */
	char ifname[NC_IFNAME_MAX];      /* inside the container */
	char host_ifname[NC_IFNAME_MAX]; /* bridge side ("" for a link end) */
	const char *label;
	const char *segment; /* what it is plugged into: the network's name, or the link's */
	uint8_t mac[6];
	struct nc_prefix addr4; /* address + the subnet's length; family 0 = none */
	struct nc_prefix addr6;
	uint32_t mtu;
	struct netd_shape shape; /* egress of this end (and of the host end of an attachment) */
	struct nc_mark shape_mark;
};

/* links: a veth pair straight between two containers. */
struct nc_plan_link {
	const struct nc_link *model;
	const char *name;     /* "r1:eth1--r2:eth1" */
	size_t container[2];  /* indexes into plan->containers */
	size_t iface[2];      /* indexes into their ifaces */
	uint32_t mtu;
};

/* A published port, resolved to a container address (one per family and
 * port of a range). */
struct nc_plan_port {
	const struct nc_port *model;
	size_t container;
	uint8_t proto;
	struct nc_ip host_ip;  /* family 0: every host address */
	uint16_t host_port;
	struct nc_ip addr;
	uint16_t port;
};

struct nc_plan_route {
	struct nc_prefix dst; /* len 0 = default */
	struct nc_ip via;
	const char *dev;      /* NULL: the kernel picks by the gateway */
};

/* A volume or tmpfs of a container, sources resolved against the compose
 * file's directory. Named volumes are resolved at `up` (their directory
 * depends on where ncompose keeps them, nc_paths). */
struct nc_plan_mount {
	enum rt_mount_type type;   /* RT_MOUNT_BIND also for named and anonymous volumes */
	const char *source;        /* bind, loop: absolute host path; volume: NULL */
	const char *volume;        /* a named volume's name; NULL for an anonymous one */
	bool is_volume;            /* named or anonymous volume */
	bool external;             /* named volume made outside ncompose: must exist */
	bool create;               /* bind: create a missing host directory (short syntax) */
	bool nocopy;               /* volume: never seeded from the image */
	/* A secret or config given as text (content:, environment:): up
	 * writes it to the container's state directory and binds that. */
	const char *inline_data;
	const char *inline_name;   /* "secret-NAME" / "config-NAME" / "router-etc" */
	/* `router:`'s configuration: up copies the lab's directory
	 * `copy_from` (NULL: none, an empty one) afresh at every start into
	 * the container's state directory (inline_name) and binds that copy,
	 * so the node may rewrite it and the lab's files stay as they are.
	 * copy_daemons: FRR's daemons file, written when the copy has none;
	 * copy_daemons_given: the file said `daemons:`, so a daemons file in
	 * the directory as well is a contradiction. */
	bool copy;
	const char *copy_from;
	const char *copy_daemons;
	bool copy_daemons_given;
	const char *target;
	bool read_only;
	uint64_t size;
	uint32_t mode;
	bool exec;
	const char *data;          /* tmpfs: ",uid=..,gid=..,nr_inodes=.." or NULL */
	unsigned long flags;       /* tmpfs: MS_NOATIME, MS_RELATIME */
};

struct nc_plan_container {
	const struct nc_service *svc;
	const char *name;
	const char *netns;
	const char *label;
	const char *cgroup;
	const char *hostname;
	struct nc_plan_iface *ifaces;
	size_t n_ifaces;
	struct nc_plan_route *routes;
	size_t n_routes;
	const struct nc_kv *net_sysctls; /* net.* keys, set in the netns */
	size_t n_net_sysctls;
	const char *const *argv; /* NULL: idle container */
	const char *const *env;  /* NULL-terminated */
	/* PATH and HOME in env are the plan's defaults, not the service's:
	 * an image's Env replaces them (compose/lifecycle/image-process.c). */
	bool env_default_path, env_default_home;
	const char *cwd;         /* working_dir, NULL = "/" */
	bool no_new_privs;
	uint64_t caps;
	const char *user;          /* `user:` as written; NULL: root */
	bool tty, stdin_open;
	uint32_t userns_base, userns_size; /* userns_mode auto; size 0: none */
	struct rt_bind_file *devices; /* host device nodes bound into /dev */
	size_t n_devices;
	uint64_t shm_size;         /* bytes of /dev/shm; 0: 64 MiB */
	const char *const *groups; /* group_add */
	size_t n_groups;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool no_log;               /* logging: {driver: none} */
	uint64_t log_max_size;     /* bytes a log file grows to before rotation */
	unsigned log_max_files;    /* files kept, the one written included */
	const char *const *dns_search, *const *dns_opt; /* replace the host's lines */
	size_t n_dns_search, n_dns_opt;
	bool seccomp_unconfined;   /* security_opt seccomp=unconfined, or privileged (plan-fs.c) */
	struct rt_ulimit *ulimits;
	size_t n_ulimits;
	struct rt_limits limits;
	const struct nc_host_entry *extra_hosts;
	size_t n_extra_hosts;
	const struct nc_ip *dns; /* replaces the host's nameservers when set */
	size_t n_dns;
	/* Root filesystem and mounts (plan-fs.c). */
	const char *image;       /* absolute path: a directory or a rootfs tarball; NULL: host root */
	bool image_is_tar;        /* a rootfs tarball, docker save archive or OCI layout tar */
	bool image_is_oci_dir;    /* a directory holding an OCI image layout */
	bool image_is_fs;         /* a regular file holding an ext4 filesystem (fsimage.h):
				   * loop-mounted read-only under the writable layer */
	bool image_is_registry;   /* image: a registry's NAME[:TAG][@DIGEST], normalised */
	const char *platform;     /* registry images: os/arch[/variant]; NULL: the host's */
	const char *pull_policy;  /* registry images: always, missing, never, build */
	bool read_only;
	bool privileged;
	const char *domainname;
	struct nc_plan_mount *mounts;
	size_t n_mounts;
};

struct nc_plan {
	struct nc_arena arena;
	const struct nc_model *model;
	const char *project;
	char table[64];
	const char *label_prefix;
	bool needs_forwarding; /* some network NATs to the outside */
	struct nc_plan_network *networks;
	size_t n_networks;
	struct nc_plan_container *containers;
	size_t n_containers;
	struct nc_plan_link *links;
	size_t n_links;
	struct nc_plan_port *ports;
	size_t n_ports;
	/* The first shaping that needs sch_netem (delay, jitter, loss), for
	 * the preflight; NULL when none does. */
	const struct nc_plan_iface *netem_user;
	const struct nc_plan_container *netem_user_container;
};

/* An existing bridge an `external` network names. */
struct nc_plan_host_bridge {
	const char *name;
	bool exists;
	struct nc_prefix addr4, addr6; /* its first global addresses; family 0 when none */
};

/* What the planner must steer around: prefixes already routed on the host
 * (automatic subnets avoid them). May be empty (e.g. `config`). */
struct nc_plan_host {
	const struct nc_plan_host_bridge *bridges; /* for external networks */
	size_t n_bridges;
	const struct nc_prefix *taken;
	size_t n_taken;
	const char *const *host_env; /* environ, for `environment: [FOO]` */
	unsigned ncpus;              /* 0 = unknown: `cpus` is not checked */
};

int nc_plan_build(const struct nc_model *m, const char *project, const struct nc_plan_host *host,
		  struct nc_plan **out, nc_err *err);
void nc_plan_free(struct nc_plan *p);

const struct nc_plan_container *nc_plan_container(const struct nc_plan *p, const char *name);
const struct nc_plan_network *nc_plan_network_by_name(const struct nc_plan *p, const char *name);

#endif
