/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "compose/cli/common.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"
#include "compose/lab/pingall.h"
#include "compose/lifecycle/project.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] pingall [--format table|json] [-t MS]\n\n"
	       "Ping every container from every other one (ICMP echo from inside each\n"
	       "network namespace, IPv4 and IPv6) and print the reachability matrix.\n"
	       "The target is the address on a network the two share, else the other's\n"
	       "first address. Exit status 0 when every pair that shares a network\n"
	       "answers, 1 otherwise.\n\n"
	       "  --format FORMAT  table (default) or json\n"
	       "  -t, --timeout MS how long to wait for answers (default 1000)\n"
	       "  -h, --help       this help\n");
}

/* "ok" both families answered, "v4"/"v6" one did, "X" none but expected,
 * "." none and not expected (no shared network). */
static const char *cell(const struct nc_ping_pair *p, size_t n, size_t a, size_t b)
{
	int want = 0, got = 0;
	bool v4 = false, v6 = false, shared = false;

	if (a == b)
		return "-";
	for (size_t i = 0; i < n; i++) {
		if (p[i].from != a || p[i].to != b)
			continue;
		want++;
		shared |= p[i].shared;
		if (p[i].answered) {
			got++;
			if (p[i].family == AF_INET)
				v4 = true;
			else
				v6 = true;
		}
	}
	if (!want)
		return "?";
	if (got == want)
		return "ok";
	if (got)
		return v4 ? "v4" : v6 ? "v6" : "?";
	return shared ? "X" : ".";
}

static void print_table(const struct nc_container_info *c, size_t n, const struct nc_ping_pair *p,
			size_t np)
{
	int w = 4;
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(c[i].service) > w)
			w = (int)strlen(c[i].service);
	printf("%-*s", w + 2, "");
	for (size_t b = 0; b < n; b++)
		printf("%-*s", w + 2, c[b].service);
	printf("\n");
	for (size_t a = 0; a < n; a++) {
		printf("%-*s", w + 2, c[a].service);
		for (size_t b = 0; b < n; b++)
			printf("%-*s", w + 2, cell(p, np, a, b));
		printf("\n");
	}
}

static void print_json(const struct nc_container_info *c, const struct nc_ping_pair *p, size_t np)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	struct nc_json j;
	char ip[NC_IP_STRLEN];

	nc_json_init(&j, &b);
	nc_json_array_begin(&j);
	for (size_t i = 0; i < np; i++) {
		nc_json_object_begin(&j);
		nc_json_kv_string(&j, "from", c[p[i].from].service);
		nc_json_kv_string(&j, "to", c[p[i].to].service);
		nc_json_kv_string(&j, "address", nc_ip_str(&p[i].dst, ip));
		nc_json_kv_string(&j, "family", p[i].family == AF_INET ? "ipv4" : "ipv6");
		nc_json_kv_bool(&j, "shared_network", p[i].shared);
		nc_json_kv_bool(&j, "answered", p[i].answered);
		if (p[i].answered)
			nc_json_kv_int(&j, "rtt_us", p[i].rtt_us);
		nc_json_object_end(&j);
	}
	nc_json_array_end(&j);
	printf("%s\n", nc_strbuf_str(&b));
}

int cli_pingall(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "table", "json", NULL };
	const char *format = "table";
	unsigned timeout_ms = 1000;
	int c, code;

	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if ((code = cli_parse_choice("pingall", "--format", optarg, formats, &format)))
				return code;
			break;
		case 't':
			if ((code = cli_parse_ms("pingall", "--timeout", optarg, 60000, &timeout_ms)))
				return code;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "pingall: unknown option; see `ncompose pingall --help`");
		}
	}
	if (optind < argc)
		return cli_failf(NC_EXIT_USAGE, "pingall: unexpected argument `%s`", argv[optind]);

	struct cli_running run;
	struct nc_container_info *ci = NULL;
	struct nc_ping_pair *pairs = NULL;
	size_t n = 0, np = 0;
	bool json = !strcmp(format, "json");
	nc_err err;

	if ((code = cli_open_running(g, "pingall", &run)))
		return code;
	code = NC_EXIT_FAILURE;
	n = run.n_services;
	ci = calloc(n + 1, sizeof(*ci));
	if (!ci) {
		cli_failf(NC_EXIT_FAILURE, "pingall: out of memory");
		goto out;
	}
	if (nc_pingall_run(run.st, &run.paths, (const char *const *)run.services, n, timeout_ms, ci,
			   &pairs, &np, &err) < 0)
		goto fail;

	size_t expected = 0, failed = 0, answered = 0;
	for (size_t i = 0; i < np; i++) {
		answered += pairs[i].answered;
		if (pairs[i].shared) {
			expected++;
			failed += !pairs[i].answered;
		}
	}
	if (json) {
		print_json(ci, pairs, np);
	} else {
		print_table(ci, n, pairs, np);
		printf("\n%zu of %zu probes answered; %zu of %zu pairs sharing a network failed\n", answered,
		       np, failed, expected);
	}
	code = failed ? NC_EXIT_FAILURE : NC_EXIT_OK;
	goto out;
fail:
	cli_fail(NC_EXIT_FAILURE, &err);
out:
	for (size_t i = 0; ci && i < n; i++)
		nc_info_free(&ci[i]);
	free(ci);
	free(pairs);
	cli_close_running(&run);
	return code;
}
