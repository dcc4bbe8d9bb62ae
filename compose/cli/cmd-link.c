/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * link down|up|set|show: a running lab's links and network attachments,
 * cut, restored and shaped from the host while the lab runs (nothing runs
 * in the nodes; they need no capability). The changes are recorded in the
 * project's state: `link show` and `start` know them, `down` removes all.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strbuf.h"
#include "compose/cli/cli.h"
#include "compose/cli/common.h"
#include "compose/lifecycle/linkspec.h"
#include "compose/lifecycle/livelink.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] link COMMAND ...\n\n"
	       "Cut, restore and shape a running lab's links from the host (the nodes need no\n"
	       "capability). SERVICE:IFACE names a point-to-point link by either end, or a\n"
	       "service's attachment to a network.\n\n"
	       "  link down SERVICE:IFACE...  cut it: both ends of a link go down; an attachment\n"
	       "                              loses its carrier (the host end goes down). Both\n"
	       "                              nodes see it at once. Again: no change.\n"
	       "  link up SERVICE:IFACE...    restore it (an end of a stopped service comes back\n"
	       "                              with `start`)\n"
	       "  link set SERVICE:IFACE [--delay MS] [--jitter MS] [--loss PCT] [--rate RATE]\n"
	       "                              replace its shaping, on both ends' egress; no\n"
	       "                              option (or --clear) removes it. MS: milliseconds or\n"
	       "                              a duration (20ms); RATE as tc writes it (10mbit).\n"
	       "                              Delay, jitter and loss need sch_netem.\n"
	       "  link show [--format table|json]\n"
	       "                              every link and attachment: peer, host-side\n"
	       "                              interface, state (up, no-carrier, down) and why,\n"
	       "                              shaping\n\n"
	       "`stop` takes a service's interfaces down before stopping it; `start` brings back\n"
	       "those not cut by `link down`.\n");
}

static int open_project(const struct cli_global *g, struct nc_project *proj,
			struct nc_paths *paths)
{
	bool usage;
	nc_err err;

	if (nc_project_open(&g->proj, 0, proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(paths);
	return NC_EXIT_OK;
}

static int fail_live(const char *cmd, const nc_err *err)
{
	return cli_failf(NC_EXIT_FAILURE, "link %s: %s", cmd, err->msg);
}

static int updown(const struct cli_global *g, int argc, char **argv, bool up)
{
	const char *cmd = up ? "up" : "down";
	struct nc_link_target *t;
	struct nc_project proj;
	struct nc_paths paths;
	nc_err err;
	int code;

	if (argc < 1)
		return cli_failf(NC_EXIT_USAGE, "link %s: name at least one SERVICE:IFACE", cmd);
	_cleanup_free_ struct nc_link_target *targets = calloc((size_t)argc, sizeof(*targets));
	if (!targets)
		return cli_failf(NC_EXIT_FAILURE, "link %s: out of memory", cmd);
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-')
			return cli_failf(NC_EXIT_USAGE, "link %s: unknown option `%s`", cmd, argv[i]);
		if (nc_link_target_parse(argv[i], &targets[i], &err) < 0)
			return cli_failf(NC_EXIT_USAGE, "link %s: %s", cmd, err.msg);
	}
	if ((code = open_project(g, &proj, &paths)) != NC_EXIT_OK)
		return code;
	for (int i = 0; i < argc && code == NC_EXIT_OK; i++) {
		bool changed;
		t = &targets[i];
		if (nc_live_set_up(proj.name, &paths, t, up, &changed, &err) < 0)
			code = fail_live(cmd, &err);
		else if (g->arg_verbose)
			fprintf(stderr, "%s:%s %s\n", t->service, t->ifname,
				changed ? (up ? "restored" : "cut") : (up ? "was up" : "was already down"));
	}
	nc_project_close(&proj);
	return code;
}

static int set(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "loss", required_argument, NULL, 'l' },
		{ "rate", required_argument, NULL, 'r' },
		{ "clear", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct netd_shape s = { 0 };
	struct nc_link_target t;
	bool clear = false, any = false;
	nc_err err;
	int c;

	optind = 0; /* argv[0] is "set"; 0 restarts getopt */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = 0;
		switch (c) {
		case 'd':
			r = nc_link_parse_ms("--delay", optarg, &s.delay_us, &err);
			break;
		case 'j':
			r = nc_link_parse_ms("--jitter", optarg, &s.jitter_us, &err);
			break;
		case 'l':
			r = nc_link_parse_loss(optarg, &s.loss_pct, &err);
			break;
		case 'r':
			r = nc_link_parse_rate(optarg, &s.rate_bps, &err);
			break;
		case 'c':
			clear = true;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "link set: unknown option; see `ncompose link --help`");
		}
		if (r < 0)
			return cli_failf(NC_EXIT_USAGE, "link set: %s", err.msg);
		any |= c != 'c';
	}
	if (optind != argc - 1)
		return cli_failf(NC_EXIT_USAGE, "link set: name one SERVICE:IFACE");
	if (clear && any)
		return cli_failf(NC_EXIT_USAGE, "link set: --clear takes no shaping option");
	if (s.jitter_us && !s.delay_us)
		return cli_failf(NC_EXIT_USAGE, "link set: --jitter needs --delay");
	if (nc_link_target_parse(argv[optind], &t, &err) < 0)
		return cli_failf(NC_EXIT_USAGE, "link set: %s", err.msg);

	struct nc_project proj;
	struct nc_paths paths;
	int code = open_project(g, &proj, &paths);
	if (code != NC_EXIT_OK)
		return code;
	if (nc_live_shape(proj.name, &paths, &t, any ? &s : NULL, &err) < 0)
		code = fail_live("set", &err);
	nc_project_close(&proj);
	return code;
}

/* "up", "no-carrier", "down" as `ip link` shows the container's end, and
 * why when ncompose made it so. */
static void state_str(const struct nc_live *l, const struct nc_live_iface *e, char *buf,
		      size_t size)
{
	const char *word = !e->have_state ? "missing"
			   : !e->state.up ? "down"
			   : !e->state.carrier ? "no-carrier"
					       : "up";
	const char *why = e->cut ? " (link down)" : l->stopped[e->ci] ? " (stopped)" : "";
	snprintf(buf, size, "%s%s", word, why);
}

static void show_json(const struct nc_live *l, struct nc_strbuf *out)
{
	struct nc_json j;
	char name[NC_LINK_SERVICE_MAX + IF_NAMESIZE + 1], sh[128];

	nc_json_init(&j, out);
	nc_json_array_begin(&j);
	for (size_t i = 0; i < l->n; i++) {
		const struct nc_live_iface *e = &l->v[i];
		snprintf(name, sizeof(name), "%s:%s", e->service, e->ifname);
		nc_json_object_begin(&j);
		nc_json_kv_string(&j, "interface", name);
		nc_json_kv_string(&j, "service", e->service);
		nc_json_kv_string(&j, "ifname", e->ifname);
		nc_json_kv_string(&j, "kind", e->is_link ? "link" : "network");
		nc_json_kv_string(&j, e->is_link ? "link" : "network", e->segment);
		nc_json_kv_string(&j, "peer", e->is_link && e->peer_index == SIZE_MAX ? NULL : e->peer);
		nc_json_kv_string(&j, "host_interface", e->is_link ? NULL : e->host_ifname);
		state_str(l, e, sh, sizeof(sh));
		nc_json_kv_string(&j, "state", strtok(sh, " "));
		nc_json_kv_bool(&j, "link_down", e->cut);
		nc_json_kv_bool(&j, "service_stopped", l->stopped[e->ci]);
		nc_json_kv_bool(&j, "admin_up", e->have_state && e->state.up);
		nc_json_kv_bool(&j, "carrier", e->have_state && e->state.carrier);
		nc_json_kv_string(&j, "operstate",
				  e->have_state ? nc_link_operstate_name(e->state.operstate) : NULL);
		if (!e->is_link) {
			nc_json_key(&j, "host_end");
			if (!e->have_host) {
				nc_json_null(&j);
			} else {
				nc_json_object_begin(&j);
				nc_json_kv_bool(&j, "admin_up", e->host.up);
				nc_json_kv_bool(&j, "carrier", e->host.carrier);
				nc_json_kv_string(&j, "operstate", nc_link_operstate_name(e->host.operstate));
				nc_json_object_end(&j);
			}
		}
		nc_json_key(&j, "shaping");
		const struct netd_shape *s = &e->state.shape;
		if (!e->have_state || !nc_link_shaped(s)) {
			nc_json_null(&j);
		} else {
			nc_json_object_begin(&j);
			nc_json_kv_string(&j, "qdisc", e->state.qdisc);
			nc_json_kv_int(&j, "rate_bps", (int64_t)s->rate_bps);
			nc_json_kv_int(&j, "delay_us", s->delay_us);
			nc_json_kv_int(&j, "jitter_us", s->jitter_us);
			nc_json_key(&j, "loss_percent");
			char loss[32];
			snprintf(loss, sizeof(loss), "%.3g", s->loss_pct);
			nc_strbuf_append(out, loss); /* a JSON number, which nc_json has not */
			j.after_key = false;
			nc_json_object_end(&j);
		}
		nc_json_object_end(&j);
	}
	nc_json_array_end(&j);
}

static void show_table(const struct nc_live *l, struct nc_strbuf *out)
{
	char name[NC_LINK_SERVICE_MAX + IF_NAMESIZE + 1], st[64], sh[128];
	int w_name = 9, w_peer = 4;

	for (size_t i = 0; i < l->n; i++) {
		int n = (int)(strlen(l->v[i].service) + 1 + strlen(l->v[i].ifname));
		int p = (int)strlen(l->v[i].peer);
		w_name = n > w_name ? n : w_name;
		w_peer = p > w_peer ? p : w_peer;
	}
	nc_strbuf_printf(out, "%-*s  %-*s  %-15s  %-22s  %s\n", w_name, "INTERFACE", w_peer, "PEER",
			  "HOST-INTERFACE", "STATE", "SHAPING");
	for (size_t i = 0; i < l->n; i++) {
		const struct nc_live_iface *e = &l->v[i];
		snprintf(name, sizeof(name), "%s:%s", e->service, e->ifname);
		state_str(l, e, st, sizeof(st));
		nc_link_shape_str(&e->state.shape, sh, sizeof(sh));
		nc_strbuf_printf(out, "%-*s  %-*s  %-15s  %-22s  %s\n", w_name, name, w_peer, e->peer,
				  e->is_link ? "-" : e->host_ifname, st, e->have_state ? sh : "-");
	}
}

static int show(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "table", "json", NULL };
	const char *format = "table";
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if ((code = cli_parse_choice("link show", "--format", optarg, formats, &format)))
				return code;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "link show: unknown option; see `ncompose link --help`");
		}
	}
	if (optind < argc)
		return cli_failf(NC_EXIT_USAGE, "link show: unexpected argument `%s`", argv[optind]);

	struct nc_project proj;
	struct nc_paths paths;
	struct nc_live *l = NULL;
	_cleanup_strbuf_ struct nc_strbuf out = NC_STRBUF_INIT;
	nc_err err;

	if ((code = open_project(g, &proj, &paths)) != NC_EXIT_OK)
		return code;
	if (nc_live_list(proj.name, &paths, &l, &err) < 0) {
		code = fail_live("show", &err);
	} else {
		if (!strcmp(format, "json"))
			show_json(l, &out);
		else
			show_table(l, &out);
		if (!nc_strbuf_ok(&out))
			code = cli_failf(NC_EXIT_FAILURE, "link show: out of memory");
		else
			printf("%s%s", nc_strbuf_str(&out), strcmp(format, "json") ? "" : "\n");
	}
	nc_live_free(l);
	nc_project_close(&proj);
	return code;
}

int cli_link(const struct cli_global *g, int argc, char **argv)
{
	if (argc < 2)
		return cli_failf(NC_EXIT_USAGE, "link: name a command: down, up, set or show; see `ncompose link --help`");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		help();
		return NC_EXIT_OK;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help();
			return NC_EXIT_OK;
		}
	if (!strcmp(cmd, "down") || !strcmp(cmd, "up"))
		return updown(g, argc - 2, argv + 2, !strcmp(cmd, "up"));
	if (!strcmp(cmd, "set"))
		return set(g, argc - 1, argv + 1);
	if (!strcmp(cmd, "show") || !strcmp(cmd, "ls"))
		return show(g, argc - 1, argv + 1);
	return cli_failf(NC_EXIT_USAGE, "link: unknown command `%s` (down, up, set, show)", cmd);
}
