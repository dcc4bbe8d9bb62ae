/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/json.h"
#include "compose/lab/checks.h"
#include "compose/cli/common.h"
#include "compose/lifecycle/project.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] test [--format text|json|junit] [-t MS]\n\n"
	       "Run the file's checks: against the running lab and report each one.\n"
	       "Exit status 0 only when every check passes.\n\n"
	       "  reach / not_reach  ICMP from a service (or `host`) to an address, a service\n"
	       "                     or service:iface; `via` (a router on the path) and `hops`\n"
	       "                     (traceroute's count) are seen with TTL-limited probes\n"
	       "  tcp / udp          a TCP connection opens / a UDP datagram gets an answer\n\n"
	       "  --format FORMAT    text (default), json, or junit (XML for graders and CI)\n"
	       "  -t, --timeout MS   how long each probe waits (default 1000)\n"
	       "  -h, --help         this help\n");
}

static void xml_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void junit(const char *project, const struct nc_check_result *r, size_t n, size_t failed)
{
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
	xml_escaped(stdout, project);
	printf("\" tests=\"%zu\" failures=\"%zu\">\n", n, failed);
	for (size_t i = 0; i < n; i++) {
		printf("  <testcase classname=\"ncompose.checks\" name=\"");
		xml_escaped(stdout, r[i].name);
		printf("\" time=\"%.6f\">", r[i].rtt_us / 1e6);
		if (!r[i].passed) {
			printf("<failure message=\"");
			xml_escaped(stdout, r[i].detail);
			printf("\"/>");
		}
		printf("</testcase>\n");
	}
	printf("</testsuite>\n");
}

static void json(const struct nc_check_result *r, size_t n)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	struct nc_json j;

	nc_json_init(&j, &b);
	nc_json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		nc_json_object_begin(&j);
		nc_json_kv_string(&j, "check", r[i].name);
		nc_json_kv_string(&j, "from", r[i].check->from);
		nc_json_kv_string(&j, "target", r[i].check->target.text);
		nc_json_kv_string(&j, "address", *r[i].target ? r[i].target : NULL);
		nc_json_kv_bool(&j, "passed", r[i].passed);
		nc_json_kv_string(&j, "detail", r[i].detail);
		nc_json_kv_int(&j, "line", r[i].check->mark.line);
		nc_json_object_end(&j);
	}
	nc_json_array_end(&j);
	printf("%s\n", nc_strbuf_str(&b));
}

int cli_test(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "text", "json", "junit", NULL };
	const char *format = "text";
	unsigned timeout_ms = 1000;
	int c, code;

	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if ((code = cli_parse_choice("test", "--format", optarg, formats, &format)))
				return code;
			break;
		case 't':
			if ((code = cli_parse_ms("test", "--timeout", optarg, 60000, &timeout_ms)))
				return code;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "test: unknown option; see `ncompose test --help`");
		}
	}
	if (optind < argc)
		return cli_failf(NC_EXIT_USAGE, "test: unexpected argument `%s`", argv[optind]);

	struct nc_project proj;
	struct nc_plan *plan = NULL;
	struct nc_paths paths;
	struct nc_check_result *res = NULL;
	bool usage;
	nc_err err;

	code = NC_EXIT_FAILURE;
	if (nc_project_open(&g->proj, NC_PROJECT_NEED_FILE, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	if (nc_project_plan(&proj, true, &plan, &err) < 0) {
		code = cli_fail(NC_EXIT_USAGE, &err);
		goto out;
	}
	if (!proj.model->n_checks) {
		code = cli_failf(NC_EXIT_USAGE, "test: `%s` has no checks: section", proj.file);
		goto out;
	}
	if (nc_checks_run(plan, &paths, timeout_ms, &res, &err) < 0) {
		cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	size_t n = proj.model->n_checks, failed = 0;
	for (size_t i = 0; i < n; i++)
		failed += !res[i].passed;
	if (!strcmp(format, "json")) {
		json(res, n);
	} else if (!strcmp(format, "junit")) {
		junit(plan->project, res, n, failed);
	} else {
		bool tty = isatty(STDOUT_FILENO);
		for (size_t i = 0; i < n; i++)
			printf("%s%s%s %s%s%s%s: %s\n", tty ? (res[i].passed ? "\033[32m" : "\033[31m") : "",
			       res[i].passed ? "PASS" : "FAIL", tty ? "\033[0m" : "", res[i].name,
			       *res[i].target ? " (" : "", res[i].target, *res[i].target ? ")" : "",
			       res[i].detail);
		printf("%zu of %zu checks passed\n", n - failed, n);
	}
	code = failed ? NC_EXIT_FAILURE : NC_EXIT_OK;
out:
	free(res);
	nc_plan_free(plan);
	nc_project_close(&proj);
	return code;
}
