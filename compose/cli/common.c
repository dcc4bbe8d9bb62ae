/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What several commands share: parsing a few option kinds, and opening a
 * running project's state. Errors are printed here, once, in the usual
 * one-line shape; the return value is the exit status to use. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/cli/common.h"

int cli_parse_ms(const char *cmd, const char *opt, const char *arg, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (errno || *end || !*arg || v == 0 || v > max)
		return cli_failf(NC_EXIT_USAGE, "%s: %s wants milliseconds (1..%u), not `%s`", cmd, opt, max, arg);
	*out = (unsigned)v;
	return NC_EXIT_OK;
}

int cli_parse_choice(const char *cmd, const char *opt, const char *arg,
		     const char *const *choices, const char **out)
{
	char list[256] = "";
	size_t n = 0;

	for (const char *const *c = choices; *c; c++) {
		if (!strcmp(arg, *c)) {
			*out = *c;
			return NC_EXIT_OK;
		}
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
				      c == choices ? "" : c[1] ? ", " : " or ", *c);
	}
	return cli_failf(NC_EXIT_USAGE, "%s: %s is %s, not `%s`", cmd, opt, list, arg);
}

int cli_open_running(const struct cli_global *g, const char *cmd, struct cli_running *r)
{
	bool usage;
	nc_err err;

	memset(r, 0, sizeof(*r));
	if (nc_project_open(&g->proj, 0, &r->proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&r->paths);
	if (nc_state_open(r->paths.state_root, r->proj.name, NC_STATE_READ, &r->st, &err) < 0) {
		cli_fail(NC_EXIT_FAILURE, &err);
		cli_close_running(r);
		return NC_EXIT_FAILURE;
	}
	if (!r->st) {
		cli_failf(NC_EXIT_FAILURE, "%s: project `%s` is not up", cmd, r->proj.name);
		cli_close_running(r);
		return NC_EXIT_FAILURE;
	}
	if (nc_info_services(r->st, &r->services, &err) < 0) {
		cli_fail(NC_EXIT_FAILURE, &err);
		cli_close_running(r);
		return NC_EXIT_FAILURE;
	}
	while (r->services[r->n_services])
		r->n_services++;
	return NC_EXIT_OK;
}

void cli_close_running(struct cli_running *r)
{
	nc_strv_freep(&r->services);
	nc_state_close(r->st);
	nc_project_close(&r->proj);
	memset(r, 0, sizeof(*r));
}

int cli_container_ended(struct nc_state *st, struct rt_cgroups *cg, const char *name, int *code)
{
	struct nc_container_info ci;
	nc_err err;

	if (nc_info_read(st, name, &ci, &err) < 0) {
		if (err.errnum == ENOENT)
			return 0; /* not started yet */
		cli_fail(NC_EXIT_FAILURE, &err);
		return -1;
	}
	int r = 0;
	if (ci.exited && !nc_info_running(&ci, cg)) {
		*code = ci.exit_code;
		r = 1;
	}
	nc_info_free(&ci);
	return r;
}

