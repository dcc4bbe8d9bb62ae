/* SPDX-License-Identifier: GPL-2.0-or-later */
/* top [SERVICE...]: the processes of each running container, as
 * `docker compose top` shows them (ps -ef's columns, host pids). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "compose/cli/common.h"
#include "compose/lifecycle/top.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] top [SERVICE...]\n\n"
	       "The processes of each running container (all services when none is named):\n"
	       "UID PID PPID C STIME TTY TIME CMD, pids as the host sees them.\n\n"
	       "  -h, --help  this help\n");
}

static bool named(char **argv, int from, int argc, const char *svc)
{
	if (from >= argc)
		return true;
	for (int i = from; i < argc; i++)
		if (!strcmp(argv[i], svc))
			return true;
	return false;
}

static void print_table(const char *service, const struct nc_top_row *rows, size_t n)
{
	static const char *const head[] = { "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME" };
	size_t w[7];
	char num[3][16];

	for (size_t k = 0; k < 7; k++)
		w[k] = strlen(head[k]);
	for (size_t i = 0; i < n; i++) {
		const struct nc_top_row *r = &rows[i];
		snprintf(num[0], sizeof(num[0]), "%d", (int)r->pid);
		snprintf(num[1], sizeof(num[1]), "%d", (int)r->ppid);
		snprintf(num[2], sizeof(num[2]), "%u", r->cpu);
		const char *cell[] = { r->uid, num[0], num[1], num[2], r->stime, r->tty, r->time };
		for (size_t k = 0; k < 7; k++)
			if (strlen(cell[k]) > w[k])
				w[k] = strlen(cell[k]);
	}
	printf("%s\n", service);
	for (size_t k = 0; k < 7; k++)
		printf("%-*s   ", (int)w[k], head[k]);
	printf("CMD\n");
	for (size_t i = 0; i < n; i++) {
		const struct nc_top_row *r = &rows[i];
		printf("%-*s   %-*d   %-*d   %-*u   %-*s   %-*s   %-*s   %s\n", (int)w[0], r->uid, (int)w[1],
		       (int)r->pid, (int)w[2], (int)r->ppid, (int)w[3], r->cpu, (int)w[4], r->stime, (int)w[5],
		       r->tty, (int)w[6], r->time, r->cmd);
	}
	printf("\n");
}

int cli_top(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_running run;
	struct rt_cgroups *cg = NULL;
	nc_err err;
	int c, code;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			help();
			return NC_EXIT_OK;
		}
		return cli_failf(NC_EXIT_USAGE, "top: unknown option; see `ncompose top --help`");
	}
	if ((code = cli_open_running(g, "top", &run)))
		return code;
	for (int i = optind; i < argc; i++) {
		bool known = false;
		for (size_t k = 0; k < run.n_services; k++)
			known |= !strcmp(run.services[k], argv[i]);
		if (!known) {
			code = cli_failf(NC_EXIT_USAGE, "top: no service `%s` in project `%s`", argv[i], run.proj.name);
			goto out;
		}
	}
	if (nc_info_cgroups_open(&run.paths, &cg, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	for (size_t k = 0; k < run.n_services; k++) {
		struct nc_container_info ci;
		_cleanup_free_ pid_t *pids = NULL;
		_cleanup_free_ struct nc_top_row *rows = NULL;
		size_t n = 0, m = 0;
		if (!named(argv, optind, argc, run.services[k]))
			continue;
		if (nc_info_read(run.st, run.services[k], &ci, &err) < 0) {
			if (err.errnum != ENOENT)
				code = cli_fail(NC_EXIT_FAILURE, &err);
			continue; /* never started */
		}
		if (!nc_info_running(&ci, cg) || nc_info_pids(cg, &ci, &pids, &n, &err) < 0 ||
		    !(rows = calloc(n + 1, sizeof(*rows)))) {
			nc_info_free(&ci);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (nc_top_read(pids[i], &rows[m], &err) == 0)
				m++; /* one that ended meanwhile is not shown */
		print_table(ci.service, rows, m);
		nc_info_free(&ci);
	}
out:
	nc_info_cgroups_close(cg);
	cli_close_running(&run);
	return code;
}
