/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/json.h"
#include "compose/lab/checks.h"
#include "compose/lab/junit.h"
#include "compose/cli/common.h"
#include "compose/cli/converged.h"
#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/project.h"
#include "compose/lifecycle/state.h"

#define MAX_SETS 16

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] test [--set NAME]... [--wait SECONDS]\n"
	       "                [--format text|json|junit] [-t MS]\n\n"
	       "Run the file's checks: against the running lab and report each one.\n"
	       "Exit status 0 only when every check passes; 1 when one fails or the\n"
	       "project is not up.\n\n"
	       "  reach / not_reach  ICMP from a service (or `host`) to an address, a service\n"
	       "                     or service:iface; `via` (a router on the path) and `hops`\n"
	       "                     (traceroute's count) are seen with TTL-limited probes,\n"
	       "                     asked again for hops a router's ICMP rate limit kept quiet\n"
	       "  tcp / udp          a TCP connection opens / a UDP datagram gets an answer;\n"
	       "                     with `expect: fail`, the connection must not work\n\n"
	       "  --set NAME         run the checks of that set (checks: as a mapping of set\n"
	       "                     names to lists); repeat for several; default: every check\n"
	       "  --wait SECONDS     first wait until the lab's routing daemons converged (as\n"
	       "                     `up --wait`; \"converged after X s\"), then run failing\n"
	       "                     checks again until all pass or the time is up; each\n"
	       "                     check says when it passed\n"
	       "  --format FORMAT    text (default), json, or junit (XML for graders and CI)\n"
	       "  -t, --timeout MS   how long each probe waits (default 1000)\n"
	       "  -h, --help         this help\n");
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
		nc_json_kv_string(&j, "set", r[i].check->set);
		nc_json_kv_string(&j, "from", r[i].check->from);
		nc_json_kv_string(&j, "target", r[i].check->target.text);
		nc_json_kv_string(&j, "address", *r[i].target ? r[i].target : NULL);
		nc_json_kv_bool(&j, "passed", r[i].passed);
		nc_json_kv_bool(&j, "error", r[i].error);
		nc_json_kv_int(&j, "milliseconds", (long long)(r[i].elapsed_us / 1000));
		nc_json_kv_int(&j, "rounds", r[i].rounds);
		nc_json_kv_string(&j, "detail", r[i].detail);
		nc_json_kv_int(&j, "line", r[i].check->mark.line);
		nc_json_object_end(&j);
	}
	nc_json_array_end(&j);
	printf("%s\n", nc_strbuf_str(&b));
}

/* The services' liveness, for checks that name a dead one. */
struct liveness {
	struct nc_state *st;
	struct rt_cgroups *cg;
};

static bool service_down(void *ctx, const char *service, char *why, size_t size)
{
	struct liveness *l = ctx;
	struct nc_container_info ci;
	nc_err e;

	if (nc_info_read(l->st, service, &ci, &e) < 0) {
		snprintf(why, size, "%s", e.errnum == ENOENT ? "was not started" : "cannot be read");
		return true;
	}
	bool down = !nc_info_running(&ci, l->cg);
	if (down && ci.exited)
		snprintf(why, size, "is not running (%s %d)", ci.ended_as ? ci.ended_as : "exited",
			 ci.exit_code);
	else if (down)
		snprintf(why, size, "is not running");
	nc_info_free(&ci);
	return down;
}

/* The project must be up, and up from this file: otherwise the checks
 * would probe nothing, or another lab that happens to bear the name. */
static int require_up(const struct nc_project *proj, const struct nc_paths *paths,
		      struct nc_state **st)
{
	struct nc_records j;
	nc_err err;
	const char *recorded = NULL;

	if (nc_state_open(paths->state_root, proj->name, NC_STATE_READ, st, &err) < 0)
		return cli_fail(NC_EXIT_FAILURE, &err);
	if (!*st)
		return cli_failf(NC_EXIT_FAILURE,
				 "test: project `%s` is not up: start it with `ncompose up -d`, then test",
				 proj->name);
	if (nc_state_read_journal(*st, &j, &err) < 0)
		return cli_fail(NC_EXIT_FAILURE, &err);
	for (size_t i = 0; i < j.n && !recorded; i++) {
		struct nc_jrec jr;
		nc_jrec_parse(&j.v[i], &jr);
		if (jr.kind == NC_JK_FILE)
			recorded = jr.file;
	}
	_cleanup_free_ char *mine = proj->file ? realpath(proj->file, NULL) : NULL;
	int code = NC_EXIT_OK;
	if (recorded && mine && strcmp(recorded, mine))
		code = cli_failf(NC_EXIT_FAILURE,
				 "test: project `%s` is up from `%s`, not from `%s`: its results would be another lab's; give this lab another name with -p or `name:`, or test that one with -f %s",
				 proj->name, recorded, mine, recorded);
	nc_records_free(&j);
	return code;
}

static void text(const struct nc_check_result *r, size_t n, size_t failed, bool waited)
{
	bool tty = isatty(STDOUT_FILENO);
	const char *set = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *s = r[i].check->set;
		if (s && (!set || strcmp(s, set)))
			printf("%s[%s]\n", i ? "\n" : "", s);
		set = s;
		printf("%s%s%s %s%s%s%s: %s", tty ? (r[i].passed ? "\033[32m" : "\033[31m") : "",
		       r[i].passed ? "PASS" : r[i].error ? "ERROR" : "FAIL", tty ? "\033[0m" : "",
		       r[i].name, *r[i].target ? " (" : "", r[i].target, *r[i].target ? ")" : "",
		       r[i].detail);
		if (waited && r[i].passed)
			printf(" [passed after %.1f s]", r[i].elapsed_us / 1e6);
		else if (waited)
			printf(" [still failing after %.1f s, %u tries]", r[i].elapsed_us / 1e6, r[i].rounds);
		putchar('\n');
	}
	printf("%zu of %zu checks passed\n", n - failed, n);
}

int cli_test(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "set", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "text", "json", "junit", NULL };
	const char *format = "text";
	const char *sets[MAX_SETS + 1] = { 0 };
	size_t n_sets = 0;
	struct nc_checks_opts o = { .timeout_ms = 1000 };
	int c, code;

	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if ((code = cli_parse_choice("test", "--format", optarg, formats, &format)))
				return code;
			break;
		case 'S':
			if (n_sets == MAX_SETS)
				return cli_failf(NC_EXIT_USAGE, "test: at most %d --set", MAX_SETS);
			sets[n_sets++] = optarg;
			break;
		case 't':
			if ((code = cli_parse_ms("test", "--timeout", optarg, 60000, &o.timeout_ms)))
				return code;
			break;
		case 'w': {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || v > 3600 || *optarg == '-')
				return cli_failf(NC_EXIT_USAGE,
						 "test: --wait `%s` is not a number of seconds (0..3600)", optarg);
			o.wait_s = (unsigned)v;
			break;
		}
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
	struct liveness live = { 0 };
	size_t n = 0;
	bool usage;
	nc_err err;

	code = NC_EXIT_FAILURE;
	if (nc_project_open(&g->proj, NC_PROJECT_NEED_FILE, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	if (!proj.model->n_checks) {
		code = cli_failf(NC_EXIT_USAGE, "test: `%s` has no checks: section", proj.file);
		goto out;
	}
	for (size_t i = 0; i < n_sets; i++)
		if (!nc_checks_has_set(proj.model, sets[i])) {
			_cleanup_strbuf_ struct nc_strbuf known = NC_STRBUF_INIT;
			for (size_t k = 0; k < proj.model->n_checks; k++) {
				const char *s = proj.model->checks[k].set;
				if (s && (!k || !proj.model->checks[k - 1].set || strcmp(proj.model->checks[k - 1].set, s)))
					nc_strbuf_printf(&known, "%s`%s`", known.len ? ", " : "", s);
			}
			code = cli_failf(NC_EXIT_USAGE, "test: `%s` has no check set `%s` (%s%s)", proj.file,
					 sets[i], known.len ? "its sets: " : "its checks: is a plain list, with no sets",
					 nc_strbuf_str(&known));
			goto out;
		}
	o.sets = n_sets ? sets : NULL;
	if ((code = require_up(&proj, &paths, &live.st)) != NC_EXIT_OK)
		goto out;
	code = NC_EXIT_FAILURE;
	if (nc_info_cgroups_open(&paths, &live.cg, &err) < 0) {
		cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	o.down = service_down;
	o.down_ctx = &live;
	if (nc_project_plan(&proj, true, &plan, &err) < 0) {
		code = cli_fail(NC_EXIT_USAGE, &err);
		goto out;
	}
	time_t started = time(NULL);
	if (o.wait_s) {
		/* Routing labs: first until the daemons converged (a lab without
		 * routers passes at once), then the checks, in what is left of
		 * the time. Not converged is said, and the checks still run:
		 * they tell what does not work yet. */
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		cli_wait_converged(&paths, plan->model, plan->project, o.wait_s, "test", g->arg_verbose);
		clock_gettime(CLOCK_MONOTONIC, &b);
		unsigned spent = (unsigned)(b.tv_sec - a.tv_sec);
		o.wait_s = spent < o.wait_s ? o.wait_s - spent : 1;
	}
	if (nc_checks_run(plan, &paths, &o, &res, &n, &err) < 0) {
		cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	size_t failed = 0;
	for (size_t i = 0; i < n; i++)
		failed += !res[i].passed;
	if (!strcmp(format, "json")) {
		json(res, n);
	} else if (!strcmp(format, "junit")) {
		_cleanup_strbuf_ struct nc_strbuf x = NC_STRBUF_INIT;
		char host[HOST_NAME_MAX + 1] = "localhost";
		gethostname(host, sizeof(host));
		host[sizeof(host) - 1] = '\0';
		nc_junit_write(&x, plan->project, host, started, res, n);
		fputs(nc_strbuf_str(&x), stdout);
	} else {
		text(res, n, failed, o.wait_s > 0);
	}
	code = failed ? NC_EXIT_FAILURE : NC_EXIT_OK;
out:
	free(res);
	nc_plan_free(plan);
	nc_info_cgroups_close(live.cg);
	nc_state_close(live.st);
	nc_project_close(&proj);
	return code;
}
