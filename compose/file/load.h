/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The loader's internals, shared by load-*.c and validate*.c: typed
 * readers for YAML nodes and a schema-table driver for mappings. Not for
 * use outside the parser.
 *
 * Messages follow one shape, always at the place of the offending node:
 *   FILE:LINE:COL: `KEY` in WHERE: expected a list of strings, got a mapping
 *   FILE:LINE:COL: unknown key `memlimit` in service `r1` (did you mean `mem_limit`?)
 * where WHERE names the enclosing object ("service `r1`", "network `lan`").
 */
#ifndef NC_COMPOSE_LOAD_H
#define NC_COMPOSE_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "compose/file/model.h"
#include "compose/file/yaml-tree.h"

struct nc_loader {
	struct nc_model *m;
	struct nc_arena *a; /* the model's arena: everything kept goes here */
	nc_err *err;
	const char *where; /* "service `r1`"; NULL at the top level */
};

typedef int (*nc_ld_fn)(struct nc_loader *ld, const struct nc_yt_node *key,
			const struct nc_yt_node *val, void *obj);

/* The key is part of Compose's format but ncompose does not support it:
 * refused as "not supported yet" (not as an unknown key), never read. */
#define NC_LD_UNSUPPORTED 0x1u

struct nc_ld_key {
	const char *name;
	nc_ld_fn fn; /* NULL only with NC_LD_UNSUPPORTED */
	unsigned flags;
};

int nc_ld_fail(struct nc_loader *ld, struct nc_mark at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int nc_ld_oom(struct nc_loader *ld);

/* "`KEY` in WHERE: <message>" at `at`. */
int nc_ld_fail_key(struct nc_loader *ld, const struct nc_yt_node *key, struct nc_mark at,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "a mapping", "a list", "a string", "a number", "a boolean", "null". */
const char *nc_ld_what(const struct nc_yt_node *n);

/* "`KEY` in WHERE: expected <expected>, got <what>" at the value. */
int nc_ld_type(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
	       const char *expected);

/*
 * Walks a mapping with a schema table: keys beginning with `x-` are
 * skipped; an unknown key fails with a did-you-mean from the table. The
 * caller sets ld->where for the object.
 */
int nc_ld_map(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *map,
	      const struct nc_ld_key *tab, size_t n_tab, void *obj);

/* The closest of `cands` to `word` when it is close enough to be a typo. */
const char *nc_ld_suggest(const char *word, const char *const *cands, size_t n);

/* Typed readers. `key` names the field in messages. */
int nc_ld_string(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		 const char **out);
int nc_ld_bool(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
	       bool *out);
int nc_ld_int(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
	      int64_t min, int64_t max, int64_t *out);
/* A non-empty list of scalars (or an empty one when allowed). */
int nc_ld_strlist(struct nc_loader *ld, const struct nc_yt_node *key,
		  const struct nc_yt_node *val, const char ***out, size_t *n,
		  struct nc_mark **marks);
/*
 * A mapping KEY: VALUE or a list of "KEY=VALUE" strings (environment,
 * sysctls, labels). A later entry with the same key replaces the earlier
 * one (Compose). `need_value`: "KEY" alone and KEY: null are refused.
 */
int nc_ld_kvs(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
	      bool need_value, struct nc_kv **out, size_t *n);

/* command/entrypoint: a string split like Compose (shellwords.h) or a list
 * of scalars. */
int nc_ld_words(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		const char ***words, size_t *n);

/* A byte size: an integer is bytes, a string is Docker's syntax ("64m",
 * "1.5g", see units.h). */
int nc_ld_bytes(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		int64_t *out);

/* A number of CPUs > 0 (units.h: nc_parse_cpus), for `cpus` wherever it
 * is written; *mark: where, for later messages. */
int nc_ld_cpus(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
	       double *out, struct nc_mark *mark);

/* The decimal text of an integer scalar (plain or quoted): 0 and *out, or
 * -EINVAL when the text is not one. */
int nc_ld_parse_int(const struct nc_yt_node *val, int64_t *out);

/* Lexical rules shared by the loaders. */
bool nc_ld_valid_name(const char *s);
/* The key of one entry of a mapping of named objects (services, networks,
 * volumes, secrets, configs): 0 with *name the model's copy (an `x-` name
 * is a name there, as in Compose); < 0 for a name that is not valid, with
 * the message naming `what` ("service", ...). */
int nc_ld_entry_name(struct nc_loader *ld, const struct nc_yt_node *k, const char *what, const char **name);      /* services, networks: ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ */
bool nc_ld_valid_project(const char *s);   /* ^[a-z0-9][a-z0-9_-]*$ */
bool nc_ld_valid_hostname(const char *s);  /* RFC 1123 labels */
/* NULL when `s` is a usable interface name, else the reason. */
const char *nc_ld_ifname_problem(const char *s);

/* A duration (units.h: "10s", "1m30s", "500ms") in nanoseconds. */
int nc_ld_duration(struct nc_loader *ld, const struct nc_yt_node *key,
		   const struct nc_yt_node *val, int64_t *out);

/* Service keys read by the other load-*.c files; obj is the struct nc_service. */
#define NC_LD_READER(fn)                                                          \
	int fn(struct nc_loader *ld, const struct nc_yt_node *key,                \
	       const struct nc_yt_node *val, void *obj)
NC_LD_READER(nc_svc_image);
NC_LD_READER(nc_svc_platform);
NC_LD_READER(nc_svc_pull_policy);
NC_LD_READER(nc_svc_entrypoint);
NC_LD_READER(nc_svc_env_file);
NC_LD_READER(nc_svc_working_dir);
NC_LD_READER(nc_svc_user);
NC_LD_READER(nc_svc_domainname);
NC_LD_READER(nc_svc_userns_mode);
NC_LD_READER(nc_svc_devices);
NC_LD_READER(nc_svc_shm_size);
NC_LD_READER(nc_svc_logging);
NC_LD_READER(nc_svc_resolv);
NC_LD_READER(nc_svc_labels);
NC_LD_READER(nc_svc_profiles);
NC_LD_READER(nc_svc_container_name);
NC_LD_READER(nc_svc_file_refs);
/* A list of secret or config references: names or {source, target}. */
int nc_ld_file_refs(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		    struct nc_file_ref **v, size_t *n);
/* Top-level secrets: and configs: (load-files.c). */
int nc_load_file_objs(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val);
NC_LD_READER(nc_svc_group_add);
NC_LD_READER(nc_svc_oom_score_adj);
NC_LD_READER(nc_svc_cpu_cfs);
NC_LD_READER(nc_svc_network_mode);
NC_LD_READER(nc_svc_flag);          /* privileged, read_only, init */
NC_LD_READER(nc_svc_security_opt);
NC_LD_READER(nc_svc_restart);
NC_LD_READER(nc_svc_stop_signal);
NC_LD_READER(nc_svc_stop_grace_period);
NC_LD_READER(nc_svc_healthcheck);
NC_LD_READER(nc_svc_depends_on);
NC_LD_READER(nc_svc_memswap_limit);
NC_LD_READER(nc_svc_cpu_shares);
NC_LD_READER(nc_svc_cpuset);
NC_LD_READER(nc_svc_deploy);
NC_LD_READER(nc_svc_build);
NC_LD_READER(nc_svc_legacy_links);
NC_LD_READER(nc_svc_blkio_config);
NC_LD_READER(nc_svc_ulimits);
NC_LD_READER(nc_svc_ports);
NC_LD_READER(nc_svc_expose);
NC_LD_READER(nc_svc_extra_hosts);
NC_LD_READER(nc_svc_dns);
NC_LD_READER(nc_svc_volumes);
NC_LD_READER(nc_svc_tmpfs);
/* services.<s>.router (load-router.c), and what it implies once the
 * service is read (its conflicts, its healthcheck). */
NC_LD_READER(nc_svc_router);
int nc_router_finish(struct nc_loader *ld, struct nc_service *s);
/* Attachment shaping (rate, delay, jitter, loss); obj is a struct nc_shaping. */
NC_LD_READER(nc_ld_shaping_key);

/* Per-area loaders. */
int nc_load_networks(struct nc_loader *ld, const struct nc_yt_node *key,
		     const struct nc_yt_node *val);
int nc_load_services(struct nc_loader *ld, const struct nc_yt_node *key,
		     const struct nc_yt_node *val);
int nc_load_attachments(struct nc_loader *ld, const struct nc_yt_node *key,
			const struct nc_yt_node *val, struct nc_service *s);
int nc_load_routes(struct nc_loader *ld, const struct nc_yt_node *key,
		   const struct nc_yt_node *val, struct nc_service *s);
int nc_load_capabilities(struct nc_loader *ld, const struct nc_yt_node *key,
			 const struct nc_yt_node *val, const char ***out, size_t *n);

/* Top-level sections beside services and networks. */
int nc_load_volumes(struct nc_loader *ld, const struct nc_yt_node *key,
		    const struct nc_yt_node *val);
int nc_load_links(struct nc_loader *ld, const struct nc_yt_node *key,
		  const struct nc_yt_node *val);
int nc_load_checks(struct nc_loader *ld, const struct nc_yt_node *key,
		   const struct nc_yt_node *val);

/* A merged tree into the model (load-top.c): the top level, then the
 * checks across objects. */
int nc_model_load_root(struct nc_model *m, const struct nc_yt_node *root, nc_err *err);

/* Checks across objects, after loading (validate.c, validate-refs.c). */
int nc_validate_model(struct nc_loader *ld);
int nc_validate_refs(struct nc_loader *ld);
/* The name attachment `i` of `s` gets inside the container: its
 * interface_name, else eth<i> (file order). */
void nc_ld_attach_ifname(const struct nc_service *s, size_t i, char *buf, size_t size);
/* Whether a service is an endpoint of a links: entry. */
bool nc_ld_is_link_endpoint(const struct nc_model *m, const char *service);

#endif
