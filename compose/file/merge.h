/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Several compose files as one: the YAML trees merged in order, each
 * later file onto the result of the earlier ones, with Compose's rules.
 *
 *   mappings           merged key by key, recursively
 *   scalars            the later file's value replaces the earlier
 *   sequences          appended; for keys whose entries have an identity,
 *                      a later entry with the same identity replaces the
 *                      earlier one in its place: ports (the whole mapping),
 *                      volumes and devices (target), secrets and configs
 *                      (target, else source), expose, dns*, cap_add,
 *                      cap_drop, links, profiles, aliases, env_file (path),
 *                      ipam.config (subnet)
 *   command, entrypoint, healthcheck.test
 *                      replaced, never appended
 *   environment, labels, annotations, sysctls, extra_hosts, build.args
 *                      merged by variable name, whichever form (list of
 *                      KEY=VALUE or mapping) each file uses
 *   depends_on, a service's networks
 *                      merged by name (the list form taken as a mapping)
 *   build              a string is `context:`; then merged as a mapping
 *   logging            merged unless the two name different drivers
 *   ulimits.NAME       a number replaces; mappings merge
 *
 * A later value tagged `!reset` removes the key; one tagged `!override`
 * replaces the earlier value whole. Trees are DAGs (YAML aliases): no
 * input node is changed; new nodes come from the arena.
 */
#ifndef NC_COMPOSE_MERGE_H
#define NC_COMPOSE_MERGE_H

#include "common/arena.h"
#include "common/error.h"
#include "compose/file/yaml-tree.h"

/* `over` onto `base` (two top-level mappings); *out is the result. */
int nc_yt_merge(struct nc_arena *a, const struct nc_yt_node *base, const struct nc_yt_node *over,
		struct nc_yt_node **out, nc_err *err);

/* One service onto another with the same rules (extends). */
int nc_yt_merge_service(struct nc_arena *a, const struct nc_yt_node *base,
			const struct nc_yt_node *over, struct nc_yt_node **out, nc_err *err);

/* The last step, after every merge (and on a single file): values still
 * tagged `!reset` are dropped with their key, the tags are cleared. */
void nc_yt_strip_tags(struct nc_yt_node *root);

#endif
