/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inspect SERVICE: one container in detail, as JSON, for scripts: what is
 * running (from the state) and what the file planned for it (interfaces,
 * routes, limits, ports), when the file is at hand. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/json.h"
#include "compose/cli/cli.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/livelink.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

static void plan_part(struct nc_json *j, const struct nc_plan *p, const struct nc_plan_container *pc)
{
	char a[NC_PREFIX_STRLEN], m[24];

	nc_json_kv_string(j, "hostname", pc->hostname);
	nc_json_key(j, "labels");
	nc_json_object_begin(j);
	for (size_t i = 0; i < pc->svc->n_labels; i++)
		nc_json_kv_string(j, pc->svc->labels[i].key, pc->svc->labels[i].value ? pc->svc->labels[i].value : "");
	nc_json_object_end(j);
	nc_json_key(j, "interfaces");
	nc_json_array_begin(j);
	for (size_t i = 0; i < pc->n_ifaces; i++) {
		const struct nc_plan_iface *f = &pc->ifaces[i];
		nc_json_object_begin(j);
		nc_json_kv_string(j, "name", f->ifname);
		nc_json_kv_string(j, f->net ? "network" : "link", f->segment);
		nc_json_kv_string(j, "host_interface", f->net ? f->host_ifname : NULL);
		snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0], f->mac[1], f->mac[2],
			 f->mac[3], f->mac[4], f->mac[5]);
		nc_json_kv_string(j, "mac", m);
		nc_json_kv_string(j, "ipv4", f->addr4.ip.family ? nc_prefix_str(&f->addr4, a) : NULL);
		nc_json_kv_string(j, "ipv6", f->addr6.ip.family ? nc_prefix_str(&f->addr6, a) : NULL);
		if (f->mtu)
			nc_json_kv_int(j, "mtu", f->mtu);
		nc_json_object_end(j);
	}
	nc_json_array_end(j);
	nc_json_key(j, "routes");
	nc_json_array_begin(j);
	for (size_t i = 0; i < pc->n_routes; i++) {
		const struct nc_plan_route *r = &pc->routes[i];
		char v[NC_IP_STRLEN];
		nc_json_object_begin(j);
		nc_json_kv_string(j, "to", r->dst.len ? nc_prefix_str(&r->dst, a) : "default");
		nc_json_kv_string(j, "via", nc_ip_str(&r->via, v));
		nc_json_object_end(j);
	}
	nc_json_array_end(j);
	nc_json_key(j, "limits");
	nc_json_object_begin(j);
	nc_json_kv_int(j, "memory_bytes", pc->limits.memory_max);
	nc_json_kv_int(j, "cpu_quota_us", (int64_t)pc->limits.cpu_quota_us);
	nc_json_kv_int(j, "cpu_period_us", (int64_t)pc->limits.cpu_period_us);
	nc_json_kv_int(j, "pids", pc->limits.pids_max);
	nc_json_object_end(j);
	nc_json_key(j, "ports");
	nc_json_array_begin(j);
	for (size_t i = 0; i < p->n_ports; i++) {
		const struct nc_plan_port *pp = &p->ports[i];
		char h[NC_IP_STRLEN], t[NC_IP_STRLEN];
		if (&p->containers[pp->container] != pc)
			continue;
		nc_json_object_begin(j);
		nc_json_kv_string(j, "protocol", pp->proto == 17 ? "udp" : "tcp");
		nc_json_kv_string(j, "host_ip", pp->host_ip.family ? nc_ip_str(&pp->host_ip, h) : NULL);
		nc_json_kv_int(j, "host_port", pp->host_port);
		nc_json_kv_string(j, "address", nc_ip_str(&pp->addr, t));
		nc_json_kv_int(j, "port", pp->port);
		nc_json_object_end(j);
	}
	nc_json_array_end(j);
	nc_json_key(j, "depends_on");
	nc_json_array_begin(j);
	for (size_t i = 0; i < pc->svc->n_depends_on; i++)
		nc_json_string(j, pc->svc->depends_on[i].service);
	nc_json_array_end(j);
}

/* Without the file: the interfaces as the state records them, with the
 * host end of each attachment (a link end has none). */
static void state_ifaces(struct nc_json *j, struct nc_state *st, const struct nc_container_info *ci)
{
	nc_json_key(j, "interfaces");
	nc_json_array_begin(j);
	for (size_t i = 0; i < ci->n_ifaces; i++) {
		const struct nc_info_iface *f = &ci->ifaces[i];
		char host[IF_NAMESIZE];
		nc_err e;
		if (nc_live_host_ifname(st, ci->service, f->ifname, host, sizeof(host), &e) < 0)
			host[0] = '\0';
		nc_json_object_begin(j);
		nc_json_kv_string(j, "name", f->ifname);
		nc_json_kv_string(j, host[0] ? "network" : "link", f->network);
		nc_json_kv_string(j, "host_interface", host[0] ? host : NULL);
		nc_json_kv_string(j, "ipv4", strcmp(f->addr4, "-") ? f->addr4 : NULL);
		nc_json_kv_string(j, "ipv6", strcmp(f->addr6, "-") ? f->addr6 : NULL);
		nc_json_object_end(j);
	}
	nc_json_array_end(j);
}

int cli_inspect(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: ncompose [-f FILE] [-p PROJECT] inspect SERVICE\n\n"
			       "One container in detail, as JSON: its state, pid, namespace, cgroup,\n"
			       "command, environment, user and working directory (with the image's\n"
			       "configuration applied), the image's exposed ports and labels, and\n"
			       "capabilities, and (with the compose file at\n"
			       "hand) its interfaces, routes, limits, ports and dependencies.\n");
			return NC_EXIT_OK;
		}
		return cli_failf(NC_EXIT_USAGE, "inspect: unknown option; see `ncompose inspect --help`");
	}
	if (argc - optind != 1)
		return cli_failf(NC_EXIT_USAGE, "inspect: name one service");
	const char *service = argv[optind];

	struct nc_project proj;
	struct nc_paths paths;
	struct nc_state *st = NULL;
	struct nc_plan *plan = NULL;
	struct rt_cgroups *cg = NULL;
	struct nc_container_info ci = { 0 };
	_cleanup_strbuf_ struct nc_strbuf out = NC_STRBUF_INIT;
	struct nc_json j;
	bool usage, have = false;
	nc_err err;
	int code = NC_EXIT_FAILURE;

	if (nc_project_open(&g->proj, 0, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	if (proj.model && nc_project_plan(&proj, false, &plan, &err) < 0)
		plan = NULL; /* the file changed since up: say what the state says */
	const struct nc_plan_container *pc = plan ? nc_plan_container(plan, service) : NULL;
	if (nc_state_open(paths.state_root, proj.name, NC_STATE_READ, &st, &err) < 0) {
		cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	if (st && nc_info_read(st, service, &ci, &err) == 0)
		have = true;
	if (!have && !pc) {
		cli_failf(NC_EXIT_FAILURE, "inspect: no container `%s` in project `%s`", service, proj.name);
		goto out;
	}
	nc_info_cgroups_open(&paths, &cg, &err);

	nc_json_init(&j, &out);
	nc_json_object_begin(&j);
	nc_json_kv_string(&j, "name", service);
	nc_json_kv_string(&j, "project", proj.name);
	bool running = have && cg && nc_info_running(&ci, cg);
	nc_json_kv_string(&j, "state", running ? "running"
				       : have && ci.ended_as ? ci.ended_as
				       : have && ci.exited ? "exited" : have ? "gone" : "created");
	if (have) {
		nc_json_kv_int(&j, "pid", running ? ci.pid : 0);
		nc_json_kv_int(&j, "started", ci.started);
		if (ci.exited)
			nc_json_kv_int(&j, "exit_code", ci.exit_code);
		nc_json_kv_string(&j, "health", *ci.health ? ci.health : NULL);
		nc_json_kv_int(&j, "restarts", ci.restarts);
		nc_json_kv_string(&j, "netns", ci.netns);
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", paths.netns_dir, ci.netns);
		nc_json_kv_string(&j, "netns_path", path);
		nc_json_kv_string(&j, "cgroup", ci.cgroup);
		nc_json_key(&j, "command");
		if (ci.argv) {
			nc_json_array_begin(&j);
			for (const char **a = ci.argv; *a; a++)
				nc_json_string(&j, *a);
			nc_json_array_end(&j);
		} else {
			nc_json_null(&j);
		}
		nc_json_key(&j, "environment");
		nc_json_array_begin(&j);
		for (const char **e = ci.env; *e; e++)
			nc_json_string(&j, *e);
		nc_json_array_end(&j);
		nc_json_kv_string(&j, "user", ci.user);
		nc_json_kv_string(&j, "working_dir", ci.cwd ? ci.cwd : "/");
		nc_json_kv_string(&j, "image", ci.image);
		/* From the image's config, informational as in Docker. */
		nc_json_key(&j, "exposed_ports");
		nc_json_array_begin(&j);
		for (const char **e = ci.exposed; *e; e++)
			nc_json_string(&j, *e);
		nc_json_array_end(&j);
		nc_json_key(&j, "image_labels");
		nc_json_object_begin(&j);
		for (const char **e = ci.labels; *e; e++) {
			const char *eq = strchr(*e, '=');
			_cleanup_free_ char *k = eq ? strndup(*e, (size_t)(eq - *e)) : NULL;
			if (k)
				nc_json_kv_string(&j, k, eq + 1);
		}
		nc_json_object_end(&j);
		nc_json_key(&j, "capabilities");
		nc_json_array_begin(&j);
		for (int k = 0; k < 64; k++)
			if ((ci.caps >> k) & 1 && nc_info_cap_name(k))
				nc_json_string(&j, nc_info_cap_name(k));
		nc_json_array_end(&j);
		nc_json_kv_bool(&j, "no_new_privs", ci.no_new_privs);
		snprintf(path, sizeof(path), "%s/%s/containers/%s/log", paths.state_root, proj.name, service);
		nc_json_kv_string(&j, "log", path);
	}
	if (pc)
		plan_part(&j, plan, pc);
	else if (have)
		state_ifaces(&j, st, &ci);
	nc_json_object_end(&j);
	printf("%s\n", nc_strbuf_str(&out));
	code = NC_EXIT_OK;
out:
	nc_info_cgroups_close(cg);
	nc_info_free(&ci);
	nc_state_close(st);
	nc_plan_free(plan);
	nc_project_close(&proj);
	return code;
}
