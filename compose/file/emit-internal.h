/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building blocks of the normalised YAML output (emit*.c only). Each
 * writes one line (or block) at `level` two-space indents. */
#ifndef NC_COMPOSE_EMIT_INTERNAL_H
#define NC_COMPOSE_EMIT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "compose/file/model.h"

void nc_emit_indent(struct nc_strbuf *out, unsigned level);
/* "KEY:" without a newline. */
void nc_emit_key(struct nc_strbuf *out, unsigned level, const char *key);
void nc_emit_kv(struct nc_strbuf *out, unsigned level, const char *key, const char *value);
void nc_emit_bool(struct nc_strbuf *out, unsigned level, const char *key, bool v);
void nc_emit_int(struct nc_strbuf *out, unsigned level, const char *key, int64_t v);
void nc_emit_double(struct nc_strbuf *out, unsigned level, const char *key, double v);
void nc_emit_flow_list(struct nc_strbuf *out, unsigned level, const char *key,
		       const char *const *v, size_t n);
/* A mapping; entries without a value print as `KEY: null`. */
void nc_emit_kvs(struct nc_strbuf *out, unsigned level, const char *key, const struct nc_kv *v,
		 size_t n);
void nc_emit_ip(struct nc_strbuf *out, unsigned level, const char *key, const struct nc_ip *ip);
void nc_emit_prefix(struct nc_strbuf *out, unsigned level, const char *key,
		    const struct nc_prefix *p);

/* Canonical text: a duration in the largest unit that holds it exactly
 * ("90s", "1500ms"), a rate in bits per second ("10000000bit"), a
 * percentage ("0.5%"). */
void nc_emit_duration(struct nc_strbuf *out, unsigned level, const char *key, int64_t ns);
void nc_emit_rate(struct nc_strbuf *out, unsigned level, const char *key, uint64_t bits);
void nc_emit_percent(struct nc_strbuf *out, unsigned level, const char *key, double pct);
void nc_emit_shaping(struct nc_strbuf *out, unsigned level, const struct nc_shaping *sh);
/* The shortest fixed-notation text that reads back as the same double.
 * Any finite double fits in NC_EMIT_DOUBLE_MAX bytes. */
#define NC_EMIT_DOUBLE_MAX 720
const char *nc_emit_fmt_double(double v, char *buf, size_t size);

void nc_emit_service(struct nc_strbuf *out, const struct nc_service *s);

/* More service keys (emit-extra.c). */
#define NC_EMIT_WRITER(name) void name(struct nc_strbuf *out, const struct nc_service *s)
NC_EMIT_WRITER(nc_emit_svc_blkio_config);
NC_EMIT_WRITER(nc_emit_svc_build);
NC_EMIT_WRITER(nc_emit_svc_links);
NC_EMIT_WRITER(nc_emit_svc_cpu_shares);
NC_EMIT_WRITER(nc_emit_svc_cpuset);
NC_EMIT_WRITER(nc_emit_svc_depends_on);
NC_EMIT_WRITER(nc_emit_svc_deploy);
NC_EMIT_WRITER(nc_emit_svc_dns);
NC_EMIT_WRITER(nc_emit_svc_domainname);
NC_EMIT_WRITER(nc_emit_svc_labels);
NC_EMIT_WRITER(nc_emit_svc_profiles);
NC_EMIT_WRITER(nc_emit_svc_tty);
NC_EMIT_WRITER(nc_emit_svc_container_name);
NC_EMIT_WRITER(nc_emit_svc_secrets);
NC_EMIT_WRITER(nc_emit_svc_configs);
NC_EMIT_WRITER(nc_emit_svc_stdin_open);
NC_EMIT_WRITER(nc_emit_svc_dns_search);
NC_EMIT_WRITER(nc_emit_svc_dns_opt);
NC_EMIT_WRITER(nc_emit_svc_group_add);
NC_EMIT_WRITER(nc_emit_svc_oom_score_adj);
NC_EMIT_WRITER(nc_emit_svc_cpu_period);
NC_EMIT_WRITER(nc_emit_svc_cpu_quota);
NC_EMIT_WRITER(nc_emit_svc_devices);
NC_EMIT_WRITER(nc_emit_svc_shm_size);
NC_EMIT_WRITER(nc_emit_svc_userns_mode);
NC_EMIT_WRITER(nc_emit_svc_entrypoint);
NC_EMIT_WRITER(nc_emit_svc_env_file);
NC_EMIT_WRITER(nc_emit_svc_expose);
NC_EMIT_WRITER(nc_emit_svc_extra_hosts);
NC_EMIT_WRITER(nc_emit_svc_healthcheck);
NC_EMIT_WRITER(nc_emit_svc_image);
NC_EMIT_WRITER(nc_emit_svc_init);
NC_EMIT_WRITER(nc_emit_svc_memswap_limit);
NC_EMIT_WRITER(nc_emit_svc_network_mode);
NC_EMIT_WRITER(nc_emit_svc_ports);
NC_EMIT_WRITER(nc_emit_svc_privileged);
NC_EMIT_WRITER(nc_emit_svc_read_only);
NC_EMIT_WRITER(nc_emit_svc_restart);
NC_EMIT_WRITER(nc_emit_svc_security_opt);
NC_EMIT_WRITER(nc_emit_svc_stop_grace_period);
NC_EMIT_WRITER(nc_emit_svc_stop_signal);
NC_EMIT_WRITER(nc_emit_svc_tmpfs);
NC_EMIT_WRITER(nc_emit_svc_ulimits);
NC_EMIT_WRITER(nc_emit_svc_user);
NC_EMIT_WRITER(nc_emit_svc_logging);
NC_EMIT_WRITER(nc_emit_svc_volumes);
NC_EMIT_WRITER(nc_emit_svc_working_dir);

/* Top-level sections beside services and networks (emit-top.c). */
void nc_emit_volumes(struct nc_strbuf *out, const struct nc_model *m);
void nc_emit_file_objs(struct nc_strbuf *out, const char *key, const struct nc_file_obj *v, size_t n);
void nc_emit_links(struct nc_strbuf *out, const struct nc_model *m);
void nc_emit_checks(struct nc_strbuf *out, const struct nc_model *m);

#endif
