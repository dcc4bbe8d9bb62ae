/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "compose/cli/common.h"
#include "compose/file/oneoff.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/livelink.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] ps [-a] [-q | --services] [--status STATUS]...\n"
	       "                                     [--format table|json] [SERVICE...]\n\n"
	       "List the project's containers: name, state, pid, addresses, uptime. As in\n"
	       "Compose, only running ones (running, restarting, paused) unless -a or --status.\n\n"
	       "  -a, --all          also stopped, exited and created containers\n"
	       "  -q, --quiet        only the names, one a line (what exec, logs, inspect take)\n"
	       "      --services     only the services, one a line\n"
	       "      --status STATUS  only containers in STATUS: running, restarting, paused,\n"
	       "                     exited, created or dead (repeatable; implies -a)\n"
	       "  --format FORMAT    table (default) or json (an array, one object per container)\n"
	       "  -h, --help         this help\n");
}

static const char *const statuses[] = { "running", "restarting", "paused", "exited", "created",
					"dead", "removing", NULL };

/* The container's status in Compose's words (what --status matches). */
static const char *status_of(const struct nc_container_info *ci, bool running, bool paused)
{
	if (running)
		return paused ? "paused" : "running";
	if (ci->ended_as && !strcmp(ci->ended_as, "restarting"))
		return "restarting";
	if (ci->exited)
		return "exited"; /* also `stop`ped ones, as Docker says */
	return "dead";           /* the init is gone and nobody recorded its end */
}

/* Whether a container of `status` is listed. */
static bool wanted(const char *status, const char **want, size_t n_want, bool all)
{
	if (!n_want)
		return all || !strcmp(status, "running") || !strcmp(status, "restarting") ||
		       !strcmp(status, "paused");
	for (size_t i = 0; i < n_want; i++)
		if (!strcmp(want[i], status))
			return true;
	return false;
}

static void uptime_str(long long started, char *buf, size_t size)
{
	long long s = started > 0 ? (long long)time(NULL) - started : 0;
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, size, "%llds", s);
	else if (s < 7200)
		snprintf(buf, size, "%lldm", s / 60);
	else if (s < 172800)
		snprintf(buf, size, "%lldh", s / 3600);
	else
		snprintf(buf, size, "%lldd", s / 86400);
}

static void addresses(const struct nc_container_info *ci, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ci->n_ifaces && n < size; i++) {
		const struct nc_info_iface *f = &ci->ifaces[i];
		if (strcmp(f->addr4, "-"))
			n += (size_t)snprintf(buf + n, size - n, "%s%s=%s", n ? " " : "", f->ifname, f->addr4);
		if (n < size && strcmp(f->addr6, "-"))
			n += (size_t)snprintf(buf + n, size - n, "%s%s=%s", n ? " " : "", f->ifname, f->addr6);
	}
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* `name` is a one-off (`run`) of a service of the project. */
static bool removed_oneoff(char **services, const char *name)
{
	for (char **s = services; s && *s; s++)
		if (nc_oneoff_of(name, *s))
			return true;
	return false;
}

static void json_one(struct nc_json *j, struct nc_state *st, const struct nc_container_info *ci, bool running,
		     bool paused, const char *project)
{
	nc_json_object_begin(j);
	nc_json_kv_string(j, "name", ci->service);
	nc_json_kv_string(j, "project", project);
	nc_json_kv_string(j, "state", running && paused ? "paused" : running ? "running"
				       : ci->ended_as ? ci->ended_as
				       : ci->exited ? "exited" : "gone");
	if (!running && ci->exited)
		nc_json_kv_int(j, "exit_code", ci->exit_code);
	else
		nc_json_kv_string(j, "exit_code", NULL);
	nc_json_kv_int(j, "pid", running ? ci->pid : 0);
	nc_json_kv_int(j, "started", ci->started);
	nc_json_kv_int(j, "uptime_seconds", running && ci->started ? (long long)time(NULL) - ci->started : 0);
	nc_json_kv_string(j, "health", *ci->health ? ci->health : NULL);
	nc_json_kv_int(j, "restarts", ci->restarts);
	nc_json_kv_string(j, "netns", ci->netns);
	nc_json_kv_string(j, "cgroup", ci->cgroup);
	nc_json_key(j, "interfaces");
	nc_json_array_begin(j);
	for (size_t i = 0; i < ci->n_ifaces; i++) {
		const struct nc_info_iface *f = &ci->ifaces[i];
		nc_json_object_begin(j);
		nc_json_kv_string(j, "name", f->ifname);
		nc_json_kv_string(j, "network", f->network);
		char host[IF_NAMESIZE];
		nc_err e;
		if (nc_live_host_ifname(st, ci->service, f->ifname, host, sizeof(host), &e) < 0)
			host[0] = '\0';
		nc_json_kv_string(j, "host_interface", host[0] ? host : NULL);
		nc_json_kv_string(j, "ipv4", strcmp(f->addr4, "-") ? f->addr4 : NULL);
		nc_json_kv_string(j, "ipv6", strcmp(f->addr6, "-") ? f->addr6 : NULL);
		nc_json_object_end(j);
	}
	nc_json_array_end(j);
	nc_json_object_end(j);
}

int cli_ps(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "services", no_argument, NULL, 'S' },
		{ "status", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "table", "json", NULL };
	const char *format = "table";
	_cleanup_free_ const char **want = calloc((size_t)argc + 1, sizeof(char *));
	size_t n_want = 0;
	bool all = false, quiet = false, only_services = false;
	int c, code0;

	if (!want)
		return cli_failf(NC_EXIT_FAILURE, "ps: out of memory");
	while ((c = getopt_long(argc, argv, "aqh", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if ((code0 = cli_parse_choice("ps", "--format", optarg, formats, &format)))
				return code0;
			break;
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'S':
			only_services = true;
			break;
		case 's':
			if ((code0 = cli_parse_choice("ps", "--status", optarg, statuses, &want[n_want])))
				return code0;
			n_want++;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "ps: unknown option; see `ncompose ps --help`");
		}
	}
	if (quiet && only_services)
		return cli_failf(NC_EXIT_USAGE, "ps: -q and --services both choose what is printed; give one");
	bool json = !strcmp(format, "json");
	if (json && (quiet || only_services))
		return cli_failf(NC_EXIT_USAGE, "ps: --format json prints whole objects; drop -q or --services");

	struct nc_project proj;
	struct nc_paths paths;
	struct nc_state *st = NULL;
	struct rt_cgroups *cg = NULL;
	_cleanup_strv_ char **services = NULL;
	_cleanup_strbuf_ struct nc_strbuf out = NC_STRBUF_INIT;
	struct nc_json j;
	bool usage;
	nc_err err;
	int code = NC_EXIT_OK;

	if (nc_project_open(&g->proj, 0, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	if (nc_state_open(paths.state_root, proj.name, NC_STATE_READ, &st, &err) < 0 ||
	    nc_info_cgroups_open(&paths, &cg, &err) < 0 ||
	    (st && nc_info_services(st, &services, &err) < 0)) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}

	for (int k = optind; k < argc && st; k++) {
		if (!nc_strv_contains((const char *const *)services, argv[k])) {
			code = cli_failf(NC_EXIT_USAGE, "ps: no service `%s` in project `%s`", argv[k], proj.name);
			goto out;
		}
	}

	nc_json_init(&j, &out);
	if (json)
		nc_json_array_begin(&j);
	else if (!quiet && !only_services)
		printf("%-16s %-18s %-8s %-8s %s\n", "NAME", "STATE", "PID", "UPTIME", "ADDRESSES");
	for (char **s = services; s && *s; s++) {
		struct nc_container_info ci;
		bool picked = optind >= argc;
		for (int k = optind; k < argc && !picked; k++)
			picked = !strcmp(argv[k], *s);
		if (!picked)
			continue;
		if (nc_info_read(st, *s, &ci, &err) < 0) {
			if (err.errnum != ENOENT) {
				code = cli_fail(NC_EXIT_FAILURE, &err);
				continue;
			}
			/* Wired, not started (waiting on a dependency, or not
			 * selected by `up SERVICE...`); a one-off with no
			 * record was removed (`run --rm`, `rm`): not shown. */
			if (!wanted("created", want, n_want, all) || removed_oneoff(services, *s))
				continue;
			if (quiet || only_services) {
				printf("%s\n", *s);
			} else if (json) {
				nc_json_object_begin(&j);
				nc_json_kv_string(&j, "name", *s);
				nc_json_kv_string(&j, "project", proj.name);
				nc_json_kv_string(&j, "state", "created");
				nc_json_object_end(&j);
			} else {
				printf("%-16s %-18s %-8s %-8s %s\n", *s, "created", "-", "-", "-");
			}
			continue;
		}
		bool running = nc_info_running(&ci, cg);
		if (!wanted(status_of(&ci, running, running && nc_info_paused(&ci, cg)), want, n_want, all)) {
			nc_info_free(&ci);
			continue;
		}
		if (quiet || only_services) {
			printf("%s\n", ci.service);
		} else if (json) {
			json_one(&j, st, &ci, running, running && nc_info_paused(&ci, cg), proj.name);
		} else {
			char up[32], addrs[1024], pid[16];
			uptime_str(ci.started, up, sizeof(up));
			addresses(&ci, addrs, sizeof(addrs));
			snprintf(pid, sizeof(pid), "%d", (int)ci.pid);
			char state[48];
			if (running && nc_info_paused(&ci, cg))
				snprintf(state, sizeof(state), "paused");
			else if (running && *ci.health)
				snprintf(state, sizeof(state), "running(%s)", ci.health);
			else if (running)
				snprintf(state, sizeof(state), "running");
			else if (ci.exited)
				snprintf(state, sizeof(state), "%s(%d)", ci.ended_as ? ci.ended_as : "exited",
					 ci.exit_code);
			else
				snprintf(state, sizeof(state), "gone");
			printf("%-16s %-18s %-8s %-8s %s\n", ci.service, state, running ? pid : "-",
			       running ? up : "-", addrs);
		}
		nc_info_free(&ci);
	}
	if (json) {
		nc_json_array_end(&j);
		printf("%s\n", nc_strbuf_str(&out));
	}
out:
	nc_info_cgroups_close(cg);
	nc_state_close(st);
	nc_project_close(&proj);
	return code;
}
