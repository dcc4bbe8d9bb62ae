/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The typed model of a compose file, after parsing and validation.
 *
 * Everything here lives in the model's arena and is released with
 * nc_model_free(). Arrays keep file order: interface numbering (eth0,
 * eth1, ...) and deterministic address assignment depend on it.
 * Every element keeps the place it came from (`mark`) so that later
 * checks (address planning, host preflight) can still say FILE:LINE:COL.
 */
#ifndef NC_COMPOSE_MODEL_H
#define NC_COMPOSE_MODEL_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/inet.h"

/* 1-based line and column of a YAML node; 0/0 when synthesised. */
struct nc_mark {
	unsigned line, col;
	/* The file the place is in, when the model was merged from several
	 * (-f a -f b, include, extends); NULL: the model's own path. */
	const char *file;
};

struct nc_kv {
	const char *key;
	const char *value; /* NULL for a list entry without '=' ("FOO" in environment) */
	struct nc_mark mark;
};

struct nc_ipam_config {
	struct nc_prefix subnet; /* network address + length; family 0 when absent */
	struct nc_ip gateway;    /* family 0 when absent */
	struct nc_prefix ip_range;
	struct nc_mark mark, subnet_mark, gateway_mark, ip_range_mark;
};

struct nc_network {
	const char *name;
	struct nc_mark mark;
	struct nc_kv *labels; /* metadata, kept and printed by config */
	size_t n_labels;
	bool internal;
	bool enable_ipv6;
	bool external;
	bool anti_spoofing; /* lab addition: each port sends only as its container */
	/* enable_ipv4: false (and no enable_ipv6): a pure layer-2 segment with
	 * no subnet, no gateway, no NAT and no addresses given to members. */
	bool layer2;
	struct nc_mark layer2_mark;
	const char *bridge_name; /* driver_opts com.docker.network.bridge.name, or NULL */
	uint32_t mtu;            /* driver_opts com.docker.network.driver.mtu, 0 = default */
	struct nc_ipam_config *ipam;
	size_t n_ipam;
	/* Added by the parser: */
	struct nc_mark bridge_name_mark, mtu_mark;
	/* The `default` network, made because a service uses it and the file
	 * does not define it (as in Compose); its mark is 0/0. */
	bool implicit;
};

/* Link shaping (lab addition): on a service's network attachment and on a
 * `links:` entry. Applied as an egress qdisc (tc) on each end. */
struct nc_shaping {
	uint64_t rate;      /* bits per second (tc units: 10mbit), 0 = unlimited */
	int64_t delay_ns;   /* 0 = none */
	int64_t jitter_ns;  /* 0 = none; only with a delay */
	double loss;        /* percent 0..100 */
	bool set;           /* any of them written */
	struct nc_mark rate_mark, delay_mark, jitter_mark, loss_mark;
};

/* IANA protocol numbers, equal to IPPROTO_TCP / IPPROTO_UDP. */
enum nc_proto {
	NC_PROTO_TCP = 6,
	NC_PROTO_UDP = 17,
};

/* ports: and expose: entries. A range is [x, x_end]; single ports have
 * x_end == x. */
struct nc_port {
	struct nc_ip host_ip;    /* family 0 = every address of the host */
	uint16_t published;      /* 0 = not published (expose) or unspecified */
	uint16_t published_end;
	uint16_t target, target_end;
	enum nc_proto proto;
	struct nc_mark mark;
};

/* extra_hosts: NAME -> address, or the host's gateway ("host-gateway"). */
struct nc_host_entry {
	const char *name;
	struct nc_ip ip;   /* family 0 when host_gateway */
	bool host_gateway;
	struct nc_mark mark;
};

/* deploy.resources.limits / reservations. */
struct nc_resources {
	double cpus;    /* 0 = unset */
	int64_t memory; /* bytes, NC_UNSET = unset */
	int64_t pids;   /* NC_UNSET = unset */
	struct nc_mark cpus_mark, memory_mark, pids_mark;
};

struct nc_ulimit {
	const char *name; /* "nofile", "nproc", ... */
	int64_t soft, hard; /* -1 = unlimited */
	struct nc_mark mark;
};

enum nc_mount_type {
	NC_MOUNT_BIND = 1,
	NC_MOUNT_VOLUME,
	NC_MOUNT_TMPFS,
	/* Lab addition: a file-backed filesystem image on a loop device,
	 * created with `size` when missing. */
	NC_MOUNT_IMAGE,
};

/* services.<s>.volumes and services.<s>.tmpfs. */
struct nc_mount {
	enum nc_mount_type type;
	/* bind, image: the host path as written (relative paths are relative
	 * to the compose file's directory); volume: the volume's name, NULL
	 * for an anonymous volume; tmpfs: NULL. */
	const char *source;
	const char *target;      /* absolute path in the container */
	bool read_only;
	int64_t size;            /* tmpfs, image: bytes, 0 = default */
	uint32_t mode;           /* tmpfs: permission bits, 0 = default */
	bool create_host_path;   /* bind: make a missing source (short syntax: yes, as Docker) */
	const char *options;     /* tmpfs: remaining mount options ("noexec,nosuid"), or NULL */
	bool nocopy;             /* volume: no copy of the image's files into a new one */
	struct nc_mark mark;
};

enum nc_dep_condition {
	NC_DEP_STARTED = 0,   /* service_started */
	NC_DEP_HEALTHY,       /* service_healthy */
	NC_DEP_COMPLETED,     /* service_completed_successfully */
};

struct nc_depend {
	const char *service;
	enum nc_dep_condition condition;
	bool restart;   /* restart this one when that one restarts */
	bool required;  /* default true */
	struct nc_mark mark;
};

struct nc_healthcheck {
	bool present;  /* `healthcheck:` written */
	bool disable;  /* disable: true, or test: [NONE] */
	/* test: CMD form: argv; CMD-SHELL or a string: one shell command line
	 * in test[0] with shell = true. */
	const char **test;
	size_t n_test;
	bool shell;
	bool implied; /* the one `router:` gives; not written back by `config` */
	int64_t interval_ns, timeout_ns, start_period_ns, start_interval_ns; /* NC_UNSET = default */
	int64_t retries; /* NC_UNSET = default */
	struct nc_mark mark;
};

/* How long the converged signal waits for unchanged routing tables once
 * a router's daemons look done, when `router: {settle: ...}` does not
 * say: OSPF re-originates a router's own LSA at most every 5 s
 * (MinLSInterval) and backs SPF off after bursts, so the last routes of a
 * lab can land seconds after every session and interface looked done. */
#define NC_ROUTER_SETTLE_MS 8000u

/* services.<s>.router: the node is a routing daemon's (load-router.c).
 * What it grants and starts is planned in plan/plan-router.c. */
enum nc_router_kind {
	NC_ROUTER_NONE = 0,
	NC_ROUTER_FRR,
	NC_ROUTER_BIRD,
};

struct nc_router {
	enum nc_router_kind kind;
	/* The lab's configuration directory as written (relative to the
	 * project directory), copied into the node at every start; NULL:
	 * none (FRR starts with an empty configuration). */
	const char *config;
	struct nc_mark config_mark;
	/* FRR's daemons to enable beside zebra and staticd (always on);
	 * used to write /etc/frr/daemons when the directory has none. */
	const char **daemons;
	size_t n_daemons;
	struct nc_mark daemons_mark;
	/* settle: how long the converged signal waits, once the daemons
	 * look done, for the routing tables to stay unchanged. */
	bool has_settle;
	int64_t settle_ns;
	struct nc_mark settle_mark;
	struct nc_mark mark;
};

/* FRR's daemon names (load-router.c), for the planner's daemons file. */
const char *const *nc_router_frr_daemons(size_t *n);

enum nc_restart {
	NC_RESTART_NO = 0,
	NC_RESTART_ALWAYS,
	NC_RESTART_ON_FAILURE,
	NC_RESTART_UNLESS_STOPPED,
};

struct nc_env_file {
	const char *path; /* as written, relative to the compose file's directory */
	bool required;    /* default true */
	struct nc_mark mark;
};

/* A top-level volumes: entry (named volume under the state directory). */
/* A top-level secret or config: exactly one source. */
struct nc_file_obj {
	const char *name;
	const char *file;        /* relative to the compose file's directory */
	const char *content;     /* configs: the text itself */
	const char *environment; /* the name of a variable holding the text */
	struct nc_mark mark;
};

/* services.<s>.secrets / .configs entry. */
struct nc_file_ref {
	const char *source;
	const char *target; /* NULL: /run/secrets/SOURCE, or /SOURCE for a config */
	struct nc_mark mark;
};

struct nc_volume {
	const char *name;
	bool external;
	struct nc_kv *labels;
	size_t n_labels;
	struct nc_mark mark;
};

/* One end of a links: entry, "service:ifname". */
struct nc_link_end {
	const char *service;
	const char *ifname;
	struct nc_prefix ipv4, ipv6; /* interface addresses with length; family 0 when absent */
	struct nc_mark mark, ipv4_mark, ipv6_mark;
};

/* links: (lab addition), a point-to-point veth between two containers. */
struct nc_link {
	struct nc_link_end ends[2];
	uint32_t mtu; /* 0 = default */
	struct nc_shaping shaping;
	struct nc_mark mark, mtu_mark;
};

enum nc_check_kind {
	NC_CHECK_REACH = 1,
	NC_CHECK_NOT_REACH,
	NC_CHECK_TCP,
	NC_CHECK_UDP,
};

/* What a check aims at: an address, a service (its first address) or
 * "service:iface"; tcp/udp add ":port" ("[fd00::1]:53" for IPv6). */
struct nc_target {
	const char *text;    /* as written */
	const char *service; /* NULL for an address */
	const char *ifname;  /* with "service:iface", else NULL */
	struct nc_ip ip;     /* an address target */
	uint16_t port;       /* tcp, udp */
};

/* checks: (lab addition), for `ncompose test`. */
struct nc_check {
	const char *from; /* a service, or "host" */
	bool from_host;
	enum nc_check_kind kind;
	struct nc_target target;
	const char *via;  /* a service the path must cross, or NULL */
	int64_t hops;     /* NC_UNSET, or >= 1 */
	bool expect_fail; /* tcp/udp `expect: fail`: the connection must not work */
	const char *set;  /* the named set (checks: as a mapping), NULL in the list form */
	size_t index;     /* 1-based, within its set */
	struct nc_mark mark, from_mark, target_mark, via_mark, hops_mark, expect_mark;
};

/* One entry of services.<s>.networks. */
struct nc_attach {
	const char *network; /* name of a key in the top-level networks: */
	struct nc_mark mark;
	struct nc_ip ipv4_address; /* family 0 when absent */
	struct nc_mark ipv4_mark;
	struct nc_ip ipv6_address;
	struct nc_mark ipv6_mark;
	const char *interface_name; /* NULL = eth<index> */
	struct nc_mark interface_name_mark;
	const char *mac_address;    /* NULL = derived; else lower case aa:bb:cc:dd:ee:ff, unicast */
	struct nc_mark mac_address_mark;
	const char **aliases;
	size_t n_aliases;
	int32_t gw_priority;
	struct nc_shaping shaping; /* rate, delay, jitter, loss */
};

/* services.<s>.routes (lab addition). */
struct nc_route {
	struct nc_prefix to; /* for `default`: family 0 until planned, is_default set */
	bool is_default;
	struct nc_ip via;
	struct nc_mark mark, to_mark, via_mark;
};

#define NC_UNSET (-1)

/* logging: max-file at most this (each rotation copies every kept file). */
#define NC_LOG_MAX_FILES 16
/* The defaults, as Docker's `local` driver keeps 5 x 20m: here 3 x 10m. */
#define NC_LOG_DEFAULT_MAX_SIZE (INT64_C(10) << 20)
#define NC_LOG_DEFAULT_MAX_FILE 3

/* services.<s>.build, Compose's keys as written (the context and the
 * Dockerfile's path relative to the file that named them; extends and
 * include rewrite them to the project directory). The short form
 * `build: DIR` is a context alone. */
struct nc_build {
	bool present;
	struct nc_mark mark;
	const char *context;           /* "." when only the Dockerfile is given */
	const char *dockerfile;        /* NULL: Dockerfile in the context */
	const char *dockerfile_inline;
	struct nc_kv *args;            /* value NULL: taken from the environment */
	size_t n_args;
	struct nc_kv *labels;
	size_t n_labels;
	const char *target;
	const char *network;
	const char **tags;
	size_t n_tags;
	const char **cache_from;
	size_t n_cache_from;
	const char **cache_to;
	size_t n_cache_to;
	const char **platforms;
	size_t n_platforms;
	int64_t shm_size;              /* NC_UNSET: none */
	bool no_cache, pull;
	/* Top-level secrets a RUN --mount=type=secret may use; its id is
	 * the entry's target, else its source. */
	struct nc_file_ref *secrets;
	size_t n_secrets;
};

/* services.<s>.links (Compose's legacy form, not the lab's top-level
 * links): "SERVICE" or "SERVICE:ALIAS". As compose-go, each implies a
 * depends_on (service_started); the alias resolves to that service in
 * this one's /etc/hosts only. */
struct nc_svc_link {
	const char *text;    /* as written, for `config` */
	const char *service;
	const char *alias;   /* NULL: none */
	struct nc_mark mark;
};

struct nc_service {
	const char *name;
	struct nc_mark mark;

	/* command: NULL when absent; string form is split like Compose does
	 * (shell words, no shell); `has_command` tells `command: []` apart. */
	const char **command;
	size_t n_command;
	bool has_command;
	struct nc_mark command_mark;

	struct nc_kv *environment;
	size_t n_environment;

	const char *hostname; /* NULL = service name */
	struct nc_mark hostname_mark;

	struct nc_attach *networks; /* file order */
	size_t n_networks;
	bool has_networks_key; /* `networks:` written, even if empty */

	int64_t mem_limit;  /* bytes, NC_UNSET when absent */
	struct nc_mark mem_limit_mark;
	int64_t mem_reservation; /* bytes, NC_UNSET when absent (a soft limit) */
	struct nc_mark mem_reservation_mark;
	double cpus;        /* 0 when absent */
	struct nc_mark cpus_mark;
	int64_t pids_limit; /* NC_UNSET (-1) when absent; -1 and 0 in the file both mean unlimited (Docker) */
	struct nc_mark pids_limit_mark;

	struct nc_kv *sysctls;
	size_t n_sysctls;

	/* Capability names as written, normalised to upper case without the
	 * CAP_ prefix ("NET_ADMIN", "ALL"). */
	const char **cap_add;
	size_t n_cap_add;
	struct nc_mark cap_add_mark;
	const char **cap_drop;
	size_t n_cap_drop;
	struct nc_mark cap_drop_mark;

	struct nc_route *routes;
	size_t n_routes;

	const char *image;
	struct nc_mark image_mark;
	const char *platform;    /* "os/arch[/variant]", or NULL: the host's */
	struct nc_mark platform_mark;
	const char *pull_policy; /* always, missing, never, build; NULL: missing */
	struct nc_build build;   /* build: read and printed; not built yet */
	const char **entrypoint; /* as command */
	size_t n_entrypoint;
	bool has_entrypoint;
	struct nc_mark entrypoint_mark;
	struct nc_env_file *env_files;
	size_t n_env_files;
	const char *working_dir; /* absolute */
	const char *user;        /* "uid[:gid]" or "name[:group]" */
	const char *domainname;
	/* userns_mode: NULL or "host" (none), "auto" (a user namespace
	 * with a range of host ids of its own). */
	const char *userns_mode;
	bool tty, stdin_open;    /* a terminal / an open stdin for the command */
	const char *container_name; /* another name for it in /etc/hosts */
	struct nc_file_ref *secrets, *configs;
	size_t n_secrets, n_configs;
	const char **profiles;   /* enabled only when one of these is active */
	size_t n_profiles;
	struct nc_mark profiles_mark;
	/* devices: "HOST[:CONTAINER[:PERMS]]" as written, checked. */
	const char **devices;
	size_t n_devices;
	struct nc_mark *device_marks;
	int64_t shm_size; /* bytes of /dev/shm, NC_UNSET: 64 MiB */
	/* logging: driver json-file or local (the log file), none (no log);
	 * options max-size (bytes) and max-file, NC_UNSET: the defaults. */
	struct {
		bool present;
		const char *driver; /* NULL: not given */
		int64_t max_size, max_file;
	} logging;
	struct nc_kv *labels;    /* metadata: kept, shown by inspect */
	size_t n_labels;
	const char **dns_search, **dns_opt; /* resolv.conf's search and options */
	size_t n_dns_search, n_dns_opt;
	const char **group_add;  /* gids or group names */
	size_t n_group_add;
	int64_t oom_score_adj;   /* -1000..1000, NC_UNSET */
	int64_t cpu_period, cpu_quota; /* microseconds, NC_UNSET */
	struct nc_mark cpu_quota_mark;
	struct nc_mark shm_size_mark;
	bool network_mode_none;  /* network_mode: none (the only one accepted) */
	struct nc_mark network_mode_mark;
	struct nc_port *ports;
	size_t n_ports;
	struct nc_port *expose;  /* published = 0 */
	size_t n_expose;
	struct nc_host_entry *extra_hosts;
	size_t n_extra_hosts;
	struct nc_ip *dns;
	size_t n_dns;
	bool privileged, read_only;
	const char **security_opt;
	size_t n_security_opt;
	int64_t memswap_limit;   /* bytes, -1 = unlimited swap; meaningful when has_memswap_limit */
	bool has_memswap_limit;
	struct nc_mark memswap_limit_mark;
	int64_t cpu_shares;      /* 0 = unset, else 2..262144 */
	const char *cpuset;      /* "0-3,5", validated; NULL = unset */
	struct nc_resources limits, reservations; /* deploy.resources */
	uint16_t blkio_weight;   /* blkio_config.weight 10..1000, 0 = unset */
	struct nc_ulimit *ulimits;
	size_t n_ulimits;
	struct nc_mount *volumes;
	size_t n_volumes;
	struct nc_mount *tmpfs;
	size_t n_tmpfs;
	struct nc_depend *depends_on;
	size_t n_depends_on;
	struct nc_svc_link *svc_links;
	size_t n_svc_links;
	struct nc_healthcheck healthcheck;
	enum nc_restart restart;
	int64_t restart_max;     /* on-failure:N, 0 = no limit */
	int stop_signal;         /* 0 = default (SIGTERM) */
	struct nc_mark stop_signal_mark;
	int64_t stop_grace_period_ns; /* NC_UNSET = default */
	bool init, has_init;
	struct nc_router router;
};

struct nc_model {
	struct nc_arena arena;
	const char *path;       /* the file as given (for FILE:LINE:COL) */
	const char *name;       /* top-level name:, or NULL */
	struct nc_mark name_mark;
	/* Set by nc_model_load_files (NULL / 0 otherwise): the project's
	 * name as decided (-p, COMPOSE_PROJECT_NAME, name:, the directory),
	 * its directory (absolute; relative paths of the file are its), and
	 * the files merged, absolute ("-" for standard input). */
	const char *project;
	const char *dir;
	const char **files;
	size_t n_files;
	struct nc_network *networks; /* file order */
	size_t n_networks;
	struct nc_service *services; /* file order */
	size_t n_services;

	struct nc_volume *volumes;
	size_t n_volumes;
	struct nc_file_obj *secrets, *configs;
	size_t n_secrets, n_configs;
	struct nc_link *links;
	size_t n_links;
	struct nc_check *checks;
	size_t n_checks;
};

/* Looks up a variable for ${VAR} interpolation; NULL when unset. */
typedef const char *(*nc_lookup_fn)(void *ctx, const char *name);

struct nc_load_opts {
	/* ${VAR} interpolation of every scalar value, as Compose does; NULL:
	 * values are taken literally (`$` included). */
	nc_lookup_fn lookup;
	void *lookup_ctx;
	/* Where warnings go (an unset variable read without a default, as
	 * Compose warns); NULL: nowhere. */
	FILE *warnings;
};

/*
 * Parse and validate `len` bytes of YAML. `path` is used in messages only.
 * On failure returns < 0 and err->msg is "PATH:LINE:COL: message" (one
 * line); nothing is allocated then.
 */
int nc_model_load_buffer(const char *path, const char *text, size_t len,
			 struct nc_model **out, nc_err *err);

/* Reads the file, then as nc_model_load_buffer. */
int nc_model_load_file(const char *path, struct nc_model **out, nc_err *err);

/* As above, with options (opts may be NULL: the defaults above). */
int nc_model_load_buffer_opts(const char *path, const char *text, size_t len,
			      const struct nc_load_opts *opts, struct nc_model **out, nc_err *err);
int nc_model_load_file_opts(const char *path, const struct nc_load_opts *opts,
			    struct nc_model **out, nc_err *err);

/*
 * What the CLI uses: interpolation from `envp` (the process environment,
 * "NAME=value" strings, NULL-terminated) and then from the `.env` file
 * beside `path` when there is one (the environment wins, as in Compose).
 */
/*
 * Compose's profiles: a service that lists `profiles` exists only when one
 * of them is active (`active`: comma-separated, as COMPOSE_PROFILES; "*"
 * activates all). The others are dropped from the model; an enabled
 * service that depends on, links to or checks a dropped one is an error
 * at its place that names the profile to enable. The profiles of the
 * services in `named` (NULL-terminated, may be NULL: `up SERVICE...`)
 * are activated too, as in Compose.
 */
int nc_model_apply_profiles(struct nc_model *m, const char *active, const char *const *named, nc_err *err);

int nc_model_load_project(const char *path, char *const *envp, const char *const *named,
			  struct nc_model **out, nc_err *err);

/* The longest project name (Compose has no limit; ours names host
 * objects). */
#define NC_MODEL_PROJECT_MAX 63

/* What the command line says about a project's files (load-project.c). */
struct nc_project_files {
	const char *const *files; /* -f in order ("-": standard input); none: */
	size_t n_files;           /* COMPOSE_FILE, else the default file + override */
	const char *project_dir;  /* --project-directory; NULL: the first file's */
	const char *const *env_files; /* --env-file (later wins); none: DIR/.env */
	size_t n_env_files;
	const char *name;         /* -p, or NULL */
	char *const *envp;        /* the environment (NAME=value) */
	const char *const *named; /* `up SERVICE...` (profiles), may be NULL */
	FILE *warnings;           /* unset variables are said here; NULL: silent */
};

/*
 * Finds, reads, interpolates and merges the project's files into one
 * model (merge.h), with m->project, m->dir and m->files set. Errors name
 * FILE:LINE:COL of the file they are in.
 */
int nc_model_load_files(const struct nc_project_files *pf, struct nc_model **out, nc_err *err);

/* The default file in `dir` (NULL: the current directory) and its
 * override when there is one: a NULL-terminated vector (ENOENT when there
 * is no file). */
int nc_project_find_files(const char *dir, char ***out, nc_err *err);

/* A directory's name as a project name, Compose's rule (lower case,
 * [a-z0-9_-] kept, no leading '-' or '_'); false when nothing is left. */
bool nc_project_name_from_dir(const char *dir, char *out, size_t size);

void nc_model_free(struct nc_model *m);

const struct nc_network *nc_model_network(const struct nc_model *m, const char *name);
const struct nc_service *nc_model_service(const struct nc_model *m, const char *name);
/* A top-level secret (or config) by name, NULL when the file has none. */
const struct nc_file_obj *nc_model_file_obj(const struct nc_model *m, bool secret, const char *name);
/* "check 3", or "check 3 of set `after`", for messages. */
void nc_check_what(const struct nc_check *c, char *buf, size_t size);

/* "PATH:LINE:COL: message" into err, errnum EINVAL; returns -EINVAL. For
 * checks after parsing (planning, preflight) that point at the file. */
int nc_model_error(const struct nc_model *m, struct nc_mark mark, nc_err *err,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A signal as Compose and Docker spell it: "SIGTERM", "TERM", "term", "15",
 * "SIGRTMIN+3"; -1 when it names none (load-process.c). */
int nc_signal_number(const char *s);

#endif
