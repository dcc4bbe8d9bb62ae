/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A containerlab topology as a compose file. The choices (what a node
 * becomes, how `exec:` runs, the management network) are in
 * docs/decisions.md under "containerlab topologies".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/path.h"
#include "compose/file/containerlab.h"
#include "compose/file/emit-internal.h"
#include "compose/file/emit.h"

/* A topology is small; this bounds what a crafted one costs. */
#define TOPO_FILE_MAX (4u << 20)
#define MAX_KEYS 256

/* containerlab runs linux nodes privileged; these are what `ip`, routing
 * daemons (FRR also wants SYS_ADMIN) and packet tools need, in the node's
 * own namespaces only. */
static const char *const caps[] = { "NET_ADMIN", "NET_RAW", "SYS_ADMIN" };

/* containerlab's management subnet when the topology names none. */
#define DEFAULT_MGMT_SUBNET "172.20.20.0/24"
#define DEFAULT_MGMT_SUBNET6 "3fff:172:20:20::/64"

/* Node keys translated here; any other is a warning. */
static const char *const node_keys[] = {
	"kind", "image", "group", "binds", "exec", "env", "cmd", "entrypoint", "ports",
	"mgmt-ipv4", "mgmt-ipv6", "labels", "startup-config", "cpu", "memory",
};

struct ctx {
	const char *path;
	const struct nc_clab_opts *o;
	FILE *warnings;
	const struct nc_yt_node *defaults, *kinds, *groups, *nodes;
	nc_err *err;
};

bool nc_clab_is_topology_name(const char *path)
{
	size_t n = strlen(path);
	return (n > 9 && !strcmp(path + n - 9, ".clab.yml")) || (n > 10 && !strcmp(path + n - 10, ".clab.yaml"));
}

bool nc_clab_is_topology(const struct nc_yt_node *root)
{
	return root && root->kind == NC_YT_MAP && nc_yt_get(root, "topology") && !nc_yt_get(root, "services");
}

static int fail_at(struct ctx *c, const struct nc_yt_node *n, const char *what)
{
	return nc_err_msg(c->err, EINVAL, "%s:%u:%u: %s", c->path, n ? n->mark.line : 1, n ? n->mark.col : 1, what);
}

static void warn_at(struct ctx *c, const struct nc_yt_node *n, const char *what, const char *key)
{
	if (c->warnings)
		fprintf(c->warnings, "ncompose: warning: %s:%u:%u: %s `%s` is not translated; ignored\n", c->path,
			n->mark.line, n->mark.col, what, key);
}

static bool is_str(const struct nc_yt_node *n)
{
	return n && n->kind == NC_YT_SCALAR && n->type != NC_YT_NULL;
}

static const struct nc_yt_node *map_or_null(const struct nc_yt_node *n)
{
	return n && n->kind == NC_YT_MAP ? n : NULL;
}

/* The layers a node's key is looked up in, most specific first: the node,
 * its group, its kind, the defaults (containerlab's order). */
struct layers {
	const struct nc_yt_node *l[4];
};

static const struct nc_yt_node *lookup(const struct layers *ls, const char *key)
{
	for (int i = 0; i < 4; i++) {
		const struct nc_yt_node *v = ls->l[i] ? nc_yt_get(ls->l[i], key) : NULL;
		if (v && !(v->kind == NC_YT_SCALAR && v->type == NC_YT_NULL))
			return v;
	}
	return NULL;
}

static bool is_host_image(const struct nc_clab_opts *o, const char *image)
{
	for (size_t i = 0; image && i < o->n_host_images; i++)
		if (!strcmp(o->host_images[i], image))
			return true;
	return false;
}

static int check_list(struct ctx *c, const struct nc_yt_node *v, const char *node, const char *key)
{
	char m[512];
	if (v->kind == NC_YT_SEQ) {
		for (size_t i = 0; i < v->n_items; i++)
			if (!is_str(v->items[i])) {
				snprintf(m, sizeof(m), "node `%s`: each of `%s` must be a string", node, key);
				return fail_at(c, v->items[i], m);
			}
		return 0;
	}
	snprintf(m, sizeof(m), "node `%s`: `%s` must be a list of strings", node, key);
	return fail_at(c, v, m);
}

/* env and labels: mappings merged across the layers, the node's winning. */
static int emit_merged_map(struct ctx *c, struct nc_strbuf *out, const struct layers *ls, const char *key,
			   const char *out_key, const char *node)
{
	const struct nc_yt_pair *kv[MAX_KEYS];
	size_t n = 0;
	char m[512];

	for (int i = 3; i >= 0; i--) {
		const struct nc_yt_node *v = ls->l[i] ? nc_yt_get(ls->l[i], key) : NULL;
		if (!v || (v->kind == NC_YT_SCALAR && v->type == NC_YT_NULL))
			continue;
		if (v->kind != NC_YT_MAP) {
			snprintf(m, sizeof(m), "node `%s`: `%s` must be a mapping", node, key);
			return fail_at(c, v, m);
		}
		for (size_t p = 0; p < v->n_pairs; p++) {
			const struct nc_yt_pair *pr = &v->pairs[p];
			if (pr->value->kind != NC_YT_SCALAR) {
				snprintf(m, sizeof(m), "node `%s`: `%s.%s` must be a scalar", node, key, pr->key->text);
				return fail_at(c, pr->value, m);
			}
			size_t j = 0;
			while (j < n && strcmp(kv[j]->key->text, pr->key->text))
				j++;
			if (j == n) {
				if (n == MAX_KEYS) {
					snprintf(m, sizeof(m), "node `%s`: more than %d keys in `%s`", node, MAX_KEYS, key);
					return fail_at(c, v, m);
				}
				n++;
			}
			kv[j] = pr;
		}
	}
	if (!n)
		return 0;
	nc_emit_key(out, 2, out_key);
	nc_strbuf_putc(out, '\n');
	for (size_t j = 0; j < n; j++) {
		nc_emit_indent(out, 3);
		nc_emit_scalar(out, kv[j]->key->text);
		nc_strbuf_append(out, ": ");
		nc_emit_scalar(out, kv[j]->value->type == NC_YT_NULL ? "" : kv[j]->value->text);
		nc_strbuf_putc(out, '\n');
	}
	return 0;
}

static void emit_bind(struct nc_strbuf *out, const char *base, const char *src, size_t src_len, const char *target,
		      size_t target_len, bool ro)
{
	char buf[8192], name[4096];

	nc_emit_indent(out, 3);
	nc_strbuf_append(out, "- type: bind\n");
	snprintf(name, sizeof(name), "%.*s", (int)src_len, src);
	if (nc_path_join(buf, sizeof(buf), base, name) < 0)
		snprintf(buf, sizeof(buf), "%s/%s", base, name); /* too long for any kernel: refused later, by name */
	nc_emit_indent(out, 4);
	nc_strbuf_append(out, "source: ");
	nc_emit_scalar(out, buf);
	nc_strbuf_putc(out, '\n');
	snprintf(buf, sizeof(buf), "%.*s", (int)target_len, target);
	nc_emit_indent(out, 4);
	nc_strbuf_append(out, "target: ");
	nc_emit_scalar(out, buf);
	nc_strbuf_putc(out, '\n');
	if (ro) {
		nc_emit_indent(out, 4);
		nc_strbuf_append(out, "read_only: true\n");
	}
	/* containerlab refuses a bind whose source is missing; so does this. */
	nc_emit_indent(out, 4);
	nc_strbuf_append(out, "bind: {create_host_path: false}\n");
}

static int emit_volumes(struct ctx *c, struct nc_strbuf *out, const struct layers *ls, const char *node,
			bool frr)
{
	const struct nc_yt_node *binds = lookup(ls, "binds"), *sc = lookup(ls, "startup-config");
	const char *base = c->o->base && *c->o->base ? c->o->base : ".";
	char m[512];
	int r;

	if (binds && (r = check_list(c, binds, node, "binds")) < 0)
		return r;
	if (sc && (!is_str(sc) || !frr || strchr(sc->text, '\n'))) {
		if (c->warnings)
			fprintf(c->warnings,
				"ncompose: warning: %s:%u:%u: node `%s`: `startup-config` is translated for FRR images only, as a file; ignored\n",
				c->path, sc->mark.line, sc->mark.col, node);
		sc = NULL;
	}
	if (!(binds && binds->n_items) && !sc)
		return 0;
	nc_emit_key(out, 2, "volumes");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; binds && i < binds->n_items; i++) {
		const char *b = binds->items[i]->text;
		const char *colon = strchr(b, ':');
		if (!colon || colon == b || !colon[1]) {
			snprintf(m, sizeof(m), "node `%s`: bind `%s` is not SOURCE:TARGET[:ro]", node, b);
			return fail_at(c, binds->items[i], m);
		}
		const char *t = colon + 1, *opt = strchr(t, ':');
		size_t tlen = opt ? (size_t)(opt - t) : strlen(t);
		bool ro = opt && (!strcmp(opt + 1, "ro") || !strncmp(opt + 1, "ro,", 3) || strstr(opt + 1, ",ro"));
		if (opt && !ro && strcmp(opt + 1, "rw") && c->warnings)
			fprintf(c->warnings, "ncompose: warning: %s:%u:%u: node `%s`: bind options `%s` other than ro/rw are ignored\n",
				c->path, binds->items[i]->mark.line, binds->items[i]->mark.col, node, opt + 1);
		emit_bind(out, base, b, (size_t)(colon - b), t, tlen, ro);
	}
	if (sc)
		emit_bind(out, base, sc->text, strlen(sc->text), "/etc/frr/frr.conf", strlen("/etc/frr/frr.conf"), true);
	return 0;
}

static void emit_string_list(struct nc_strbuf *out, const char *key, const struct nc_yt_node *v)
{
	nc_emit_key(out, 2, key);
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < v->n_items; i++) {
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- ");
		nc_emit_scalar(out, v->items[i]->text);
		nc_strbuf_putc(out, '\n');
	}
}

/* exec: containerlab runs the commands in the node once it is up; here a
 * script runs them, then becomes the node's own process (its entrypoint and
 * cmd when given, else a process that keeps the node up). */
static void emit_process(struct nc_strbuf *out, const struct nc_yt_node *exec, const struct nc_yt_node *entry,
			 const struct nc_yt_node *cmd, bool host, bool frr)
{
	/* An FRR image run on the host's root has no image entrypoint to
	 * start FRR: the host's init script does, with the node's
	 * /etc/frr (its binds). */
	bool start_frr = host && frr && !entry && !cmd;
	if ((!exec || !exec->n_items) && !start_frr) {
		if (entry)
			nc_emit_kv(out, 2, "entrypoint", entry->text);
		if (cmd)
			nc_emit_kv(out, 2, "command", cmd->text);
		if (!entry && !cmd && host) {
			/* The host's root has no process of its own to run. */
			static const char *const keep[] = { "sleep", "infinity" };
			nc_emit_flow_list(out, 2, "entrypoint", keep, 2);
		}
		return;
	}
	struct nc_strbuf s = NC_STRBUF_INIT;
	if (start_frr)
		nc_strbuf_append(&s, "/usr/lib/frr/frrinit.sh start; ");
	for (size_t i = 0; exec && i < exec->n_items; i++)
		nc_strbuf_printf(&s, "%s; ", exec->items[i]->text);
	if (entry || cmd)
		nc_strbuf_printf(&s, "exec %s%s%s", entry ? entry->text : "", entry && cmd ? " " : "",
				 cmd ? cmd->text : "");
	else
		nc_strbuf_append(&s, "exec sleep infinity");
	nc_emit_key(out, 2, "entrypoint");
	nc_strbuf_append(out, "\n");
	nc_emit_indent(out, 3);
	nc_strbuf_append(out, "- /bin/sh\n");
	nc_emit_indent(out, 3);
	nc_strbuf_append(out, "- -c\n");
	nc_emit_indent(out, 3);
	nc_strbuf_append(out, "- ");
	if (!nc_strbuf_ok(&s))
		out->oom = true;
	else
		nc_emit_scalar(out, nc_strbuf_str(&s));
	nc_strbuf_putc(out, '\n');
	nc_strbuf_free(&s);
}

static int scalar_key(struct ctx *c, const struct layers *ls, const char *key, const char *node,
		      const struct nc_yt_node **out)
{
	const struct nc_yt_node *v = lookup(ls, key);
	char m[512];
	if (v && !is_str(v)) {
		snprintf(m, sizeof(m), "node `%s`: `%s` must be a string", node, key);
		return fail_at(c, v, m);
	}
	*out = v;
	return 0;
}

static int emit_node(struct ctx *c, struct nc_strbuf *out, const struct nc_yt_pair *np)
{
	const char *name = np->key->text;
	const struct nc_yt_node *nv = np->value;
	char m[512];
	int r;

	if (nv->kind != NC_YT_MAP && !(nv->kind == NC_YT_SCALAR && nv->type == NC_YT_NULL)) {
		snprintf(m, sizeof(m), "node `%s` must be a mapping", name);
		return fail_at(c, nv, m);
	}
	struct layers ls = { { map_or_null(nv), NULL, NULL, map_or_null(c->defaults) } };
	const struct nc_yt_node *group = ls.l[0] ? nc_yt_get(ls.l[0], "group") : NULL;
	if (!is_str(group) && ls.l[3]) /* defaults may name the group */
		group = nc_yt_get(ls.l[3], "group");
	if (is_str(group)) {
		if (!c->groups || !(ls.l[1] = map_or_null(nc_yt_get(c->groups, group->text)))) {
			snprintf(m, sizeof(m), "node `%s`: group `%s` is not in topology.groups", name, group->text);
			return fail_at(c, group, m);
		}
	}
	const struct nc_yt_node *kind = lookup(&ls, "kind");
	if (!is_str(kind)) {
		snprintf(m, sizeof(m), "node `%s` has no kind (in itself, its group or topology.defaults)", name);
		return fail_at(c, nv, m);
	}
	if (strcmp(kind->text, "linux")) {
		snprintf(m, sizeof(m),
			 "node `%s` is of kind `%s`, which ncompose does not run; only kind `linux` (FRR images among them) is translated",
			 name, kind->text);
		return fail_at(c, kind, m);
	}
	ls.l[2] = c->kinds ? map_or_null(nc_yt_get(c->kinds, "linux")) : NULL;
	for (size_t i = 0; ls.l[0] && i < ls.l[0]->n_pairs; i++) {
		const struct nc_yt_node *k = ls.l[0]->pairs[i].key;
		bool known = false;
		for (size_t j = 0; j < sizeof(node_keys) / sizeof(node_keys[0]) && !known; j++)
			known = !strcmp(k->text, node_keys[j]);
		if (!known) {
			snprintf(m, sizeof(m), "node `%s`: key", name);
			warn_at(c, k, m, k->text);
		}
	}
	const struct nc_yt_node *image, *entry, *cmd, *v4, *v6, *cpu, *mem;
	if ((r = scalar_key(c, &ls, "cpu", name, &cpu)) < 0 || (r = scalar_key(c, &ls, "memory", name, &mem)) < 0 ||
	    (r = scalar_key(c, &ls, "image", name, &image)) < 0 ||
	    (r = scalar_key(c, &ls, "entrypoint", name, &entry)) < 0 ||
	    (r = scalar_key(c, &ls, "cmd", name, &cmd)) < 0 ||
	    (r = scalar_key(c, &ls, "mgmt-ipv4", name, &v4)) < 0 ||
	    (r = scalar_key(c, &ls, "mgmt-ipv6", name, &v6)) < 0)
		return r;
	bool host = !image || is_host_image(c->o, image->text);
	bool frr = image && strstr(image->text, "frr");

	nc_emit_indent(out, 1);
	nc_emit_scalar(out, name);
	nc_strbuf_append(out, ":\n");
	if (!host)
		nc_emit_kv(out, 2, "image", image->text);
	nc_emit_kv(out, 2, "hostname", name);
	nc_emit_flow_list(out, 2, "cap_add", caps, sizeof(caps) / sizeof(caps[0]));
	if (host) {
		/* The host's root is read-only; daemons write logs there. */
		static const char *const tmpfs[] = { "/var/log", "/var/tmp" };
		nc_emit_flow_list(out, 2, "tmpfs", tmpfs, 2);
	}
	/* /proc/sys is read-only in a node: a routing lab's forwarding is set
	 * from the file. */
	static const char *const sysctls[] = { "net.ipv4.ip_forward=1" };
	nc_emit_flow_list(out, 2, "sysctls", sysctls, 1);
	/* containerlab's eth0 is the management interface. */
	nc_emit_key(out, 2, "networks");
	nc_strbuf_append(out, "\n");
	nc_emit_indent(out, 3);
	nc_strbuf_append(out, "default:\n");
	nc_emit_kv(out, 4, "interface_name", "eth0");
	if (v4)
		nc_emit_kv(out, 4, "ipv4_address", v4->text);
	if (v6)
		nc_emit_kv(out, 4, "ipv6_address", v6->text);
	/* cpu: CPUs, as cpus:; memory: "1G", "512MB" as mem_limit:. */
	if (cpu)
		nc_emit_kv(out, 2, "cpus", cpu->text);
	if (mem)
		nc_emit_kv(out, 2, "mem_limit", mem->text);
	if ((r = emit_merged_map(c, out, &ls, "env", "environment", name)) < 0 ||
	    (r = emit_merged_map(c, out, &ls, "labels", "labels", name)) < 0)
		return r;
	const struct nc_yt_node *ports = lookup(&ls, "ports"), *exec = lookup(&ls, "exec");
	if (ports) {
		if ((r = check_list(c, ports, name, "ports")) < 0)
			return r;
		if (ports->n_items)
			emit_string_list(out, "ports", ports);
	}
	if ((r = emit_volumes(c, out, &ls, name, frr)) < 0)
		return r;
	if (exec && (r = check_list(c, exec, name, "exec")) < 0)
		return r;
	emit_process(out, exec, entry, cmd, host, frr);
	return 0;
}

/* "node:iface" or {node: N, interface: I}. */
static int endpoint(struct ctx *c, const struct nc_yt_node *e, char *buf, size_t size)
{
	const char *node = NULL, *iface = NULL;
	size_t nlen = 0;
	char m[512];

	if (is_str(e)) {
		const char *colon = strchr(e->text, ':');
		if (colon && colon != e->text && colon[1]) {
			node = e->text;
			nlen = (size_t)(colon - e->text);
			iface = colon + 1;
		}
	} else if (e->kind == NC_YT_MAP) {
		const struct nc_yt_node *n = nc_yt_get(e, "node"), *i = nc_yt_get(e, "interface");
		if (is_str(n) && is_str(i)) {
			node = n->text;
			nlen = strlen(node);
			iface = i->text;
		}
	}
	if (!node)
		return fail_at(c, e, "a link endpoint is \"NODE:INTERFACE\" or {node: NODE, interface: INTERFACE}");
	snprintf(buf, size, "%.*s", (int)nlen, node);
	bool found = false;
	for (size_t i = 0; c->nodes && i < c->nodes->n_pairs && !found; i++)
		found = !strcmp(c->nodes->pairs[i].key->text, buf);
	if (!found) {
		if (!strcmp(buf, "host") || !strcmp(buf, "mgmt-net") || !strcmp(buf, "macvlan") || !strcmp(buf, "ovs-bridge"))
			snprintf(m, sizeof(m), "link endpoint `%s:%s`: links to `%s` are not translated; only links between nodes",
				 buf, iface, buf);
		else
			snprintf(m, sizeof(m), "link endpoint `%s:%s`: no node `%s` in topology.nodes", buf, iface, buf);
		return fail_at(c, e, m);
	}
	snprintf(buf, size, "%.*s:%s", (int)nlen, node, iface);
	return 0;
}

static int emit_links(struct ctx *c, struct nc_strbuf *out, const struct nc_yt_node *links)
{
	char a[512], b[512];
	int r;

	if (links->kind != NC_YT_SEQ)
		return fail_at(c, links, "topology.links must be a list");
	if (!links->n_items)
		return 0;
	nc_strbuf_append(out, "links:\n");
	for (size_t i = 0; i < links->n_items; i++) {
		const struct nc_yt_node *l = links->items[i], *eps = l->kind == NC_YT_MAP ? nc_yt_get(l, "endpoints") : NULL;
		const struct nc_yt_node *type = l->kind == NC_YT_MAP ? nc_yt_get(l, "type") : NULL;
		if (is_str(type) && strcmp(type->text, "veth"))
			return nc_err_msg(c->err, EINVAL, "%s:%u:%u: a link of type `%s` is not translated; only veth links",
					  c->path, type->mark.line, type->mark.col, type->text);
		if (!eps || eps->kind != NC_YT_SEQ || eps->n_items != 2)
			return fail_at(c, eps ? eps : l, "a link needs `endpoints:` with two endpoints");
		if ((r = endpoint(c, eps->items[0], a, sizeof(a))) < 0 || (r = endpoint(c, eps->items[1], b, sizeof(b))) < 0)
			return r;
		nc_strbuf_append(out, "  - endpoints: [");
		nc_emit_scalar(out, a);
		nc_strbuf_append(out, ", ");
		nc_emit_scalar(out, b);
		nc_strbuf_append(out, "]\n");
		for (size_t p = 0; p < l->n_pairs; p++) {
			const struct nc_yt_pair *pr = &l->pairs[p];
			if (!strcmp(pr->key->text, "mtu") && is_str(pr->value) && pr->value->type == NC_YT_INT)
				nc_strbuf_printf(out, "    mtu: %s\n", pr->value->text);
			else if (strcmp(pr->key->text, "endpoints") && strcmp(pr->key->text, "type"))
				warn_at(c, pr->key, "link key", pr->key->text);
		}
	}
	return 0;
}

static void warn_unknown(struct ctx *c, const struct nc_yt_node *map, const char *const *known, size_t n,
			 const char *what)
{
	for (size_t i = 0; map && map->kind == NC_YT_MAP && i < map->n_pairs; i++) {
		bool ok = false;
		for (size_t j = 0; j < n && !ok; j++)
			ok = !strcmp(map->pairs[i].key->text, known[j]);
		if (!ok)
			warn_at(c, map->pairs[i].key, what, map->pairs[i].key->text);
	}
}

static int translate(struct ctx *c, const struct nc_yt_node *root, struct nc_strbuf *out)
{
	static const char *const top_keys[] = { "name", "prefix", "mgmt", "topology" };
	static const char *const topo_keys[] = { "defaults", "kinds", "groups", "nodes", "links" };
	static const char *const mgmt_keys[] = { "network", "ipv4-subnet", "ipv4_subnet", "ipv6-subnet", "ipv6_subnet" };
	int r;

	if (!root || root->kind != NC_YT_MAP)
		return fail_at(c, root, "a containerlab topology is a mapping with `name:` and `topology:`");
	const struct nc_yt_node *topo = nc_yt_get(root, "topology");
	if (!topo || topo->kind != NC_YT_MAP)
		return fail_at(c, topo ? topo : root, "`topology:` must be a mapping with `nodes:`");
	warn_unknown(c, root, top_keys, 4, "top-level key");
	warn_unknown(c, topo, topo_keys, 5, "topology key");
	c->defaults = map_or_null(nc_yt_get(topo, "defaults"));
	c->kinds = map_or_null(nc_yt_get(topo, "kinds"));
	c->groups = map_or_null(nc_yt_get(topo, "groups"));
	c->nodes = nc_yt_get(topo, "nodes");
	if (!c->nodes || c->nodes->kind != NC_YT_MAP || !c->nodes->n_pairs)
		return fail_at(c, c->nodes ? c->nodes : topo, "topology.nodes must be a mapping with at least one node");

	const struct nc_yt_node *name = nc_yt_get(root, "name");
	nc_strbuf_printf(out, "# Translated from the containerlab topology %s by `ncompose import containerlab`.\n",
			 c->path);
	if (is_str(name)) {
		/* A project name: lower case, [a-z0-9_-]. */
		char pn[128];
		size_t k = 0;
		for (const char *p = name->text; *p && k + 1 < sizeof(pn); p++) {
			char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
			if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ((ch == '-' || ch == '_') && k))
				pn[k++] = ch;
		}
		pn[k] = '\0';
		if (k)
			nc_emit_kv(out, 0, "name", pn);
	}
	const struct nc_yt_node *mgmt = map_or_null(nc_yt_get(root, "mgmt"));
	warn_unknown(c, mgmt, mgmt_keys, 5, "mgmt key");
	const struct nc_yt_node *subnet = mgmt ? nc_yt_get(mgmt, "ipv4-subnet") : NULL;
	if (!subnet && mgmt)
		subnet = nc_yt_get(mgmt, "ipv4_subnet");
	const struct nc_yt_node *subnet6 = mgmt ? nc_yt_get(mgmt, "ipv6-subnet") : NULL;
	if (!subnet6 && mgmt)
		subnet6 = nc_yt_get(mgmt, "ipv6_subnet");
	bool any_v4 = false, any_v6 = false;
	for (size_t i = 0; i < c->nodes->n_pairs; i++) {
		const struct nc_yt_node *nv = c->nodes->pairs[i].value;
		any_v4 |= nv->kind == NC_YT_MAP && nc_yt_get(nv, "mgmt-ipv4");
		any_v6 |= nv->kind == NC_YT_MAP && nc_yt_get(nv, "mgmt-ipv6");
	}
	bool v6 = is_str(subnet6) || any_v6;
	if (is_str(subnet) || any_v4 || v6) {
		/* Addresses given in the topology need their subnet. */
		nc_strbuf_append(out, "networks:\n  default:\n");
		if (v6)
			nc_strbuf_append(out, "    enable_ipv6: true\n");
		nc_strbuf_append(out, "    ipam:\n      config:\n        - subnet: ");
		nc_emit_scalar(out, is_str(subnet) ? subnet->text : DEFAULT_MGMT_SUBNET);
		nc_strbuf_putc(out, '\n');
		if (v6) {
			nc_strbuf_append(out, "        - subnet: ");
			nc_emit_scalar(out, is_str(subnet6) ? subnet6->text : DEFAULT_MGMT_SUBNET6);
			nc_strbuf_putc(out, '\n');
		}
	}
	nc_strbuf_append(out, "services:\n");
	for (size_t i = 0; i < c->nodes->n_pairs; i++)
		if ((r = emit_node(c, out, &c->nodes->pairs[i])) < 0)
			return r;
	const struct nc_yt_node *links = nc_yt_get(topo, "links");
	if (links && !(links->kind == NC_YT_SCALAR && links->type == NC_YT_NULL) && (r = emit_links(c, out, links)) < 0)
		return r;
	if (!nc_strbuf_ok(out))
		return nc_err_errno(c->err, ENOMEM, "translate the containerlab topology `%s`", c->path);
	return 0;
}

int nc_clab_translate(const char *path, const char *text, size_t len, const struct nc_clab_opts *o,
		      FILE *warnings, struct nc_strbuf *out, nc_err *err)
{
	struct nc_arena arena = NC_ARENA_INIT;
	struct nc_yt_node *root = NULL;
	struct ctx c = { .path = path, .o = o, .warnings = warnings, .err = err };
	int r = nc_yt_parse(&arena, path, text, len, &root, err);
	if (r == 0)
		r = translate(&c, root, out);
	nc_arena_free(&arena);
	return r;
}

int nc_clab_import_file(const char *path, const struct nc_clab_opts *o, FILE *warnings, struct nc_strbuf *out,
			nc_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = nc_read_file_bounded(path, TOPO_FILE_MAX, &text, &len, err);
	if (r < 0)
		return r;
	return nc_clab_translate(path, text, len, o, warnings, out, err);
}
