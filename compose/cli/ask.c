/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/cli/ask.h"

#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/lifecycle/control.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

int cli_ask_supervisor(const struct cli_global *g, const char *cmd, const char *const *fields,
		       size_t n, struct nc_records *reply)
{
	_cleanup_strbuf_ struct nc_strbuf req = NC_STRBUF_INIT;
	struct nc_project proj;
	struct nc_paths paths;
	char dir[4096];
	bool usage;
	nc_err err;
	int code = NC_EXIT_OK;

	memset(reply, 0, sizeof(*reply));
	if (nc_project_open(&g->proj, 0, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	nc_record_append(&req, fields, n);
	if (!nc_strbuf_ok(&req)) {
		code = cli_failf(NC_EXIT_FAILURE, "%s: out of memory", cmd);
	} else if (nc_pathf(dir, sizeof(dir), "%s/%s", paths.state_root, proj.name) < 0) {
		code = cli_failf(NC_EXIT_FAILURE, "%s: project name too long", cmd);
	} else if (nc_control_call(dir, req.s, req.len, 120000, reply, &err) < 0) {
		if (err.errnum == ENOENT || err.errnum == ECONNREFUSED)
			code = cli_failf(NC_EXIT_FAILURE,
					 "%s: project `%s` has no supervisor running (is it up? `ncompose up -d` starts one)",
					 cmd, proj.name);
		else
			code = cli_fail(NC_EXIT_FAILURE, &err);
		memset(reply, 0, sizeof(*reply));
	}
	nc_project_close(&proj);
	return code;
}
