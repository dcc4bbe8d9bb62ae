/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NC_CLI_COMMON_H
#define NC_CLI_COMMON_H

#include "common/cleanup.h"
#include "compose/cli/cli.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

/* A positive number of milliseconds up to max; NC_EXIT_OK or the usage
 * exit status (the message is printed). */
int cli_parse_ms(const char *cmd, const char *opt, const char *arg, unsigned max, unsigned *out);

/* One of a NULL-terminated list of words; *out points into the list. */
int cli_parse_choice(const char *cmd, const char *opt, const char *arg,
		     const char *const *choices, const char **out);

/* A project that is up, as its state records it. */
struct cli_running {
	struct nc_project proj;
	struct nc_paths paths;
	struct nc_state *st;  /* read-only: no lock */
	char **services;      /* file order, NULL-terminated */
	size_t n_services;
};

/* Opens the project's state (no file needed; -p is enough). Prints the
 * error and returns its exit status when the project is not up. */
int cli_open_running(const struct cli_global *g, const char *cmd, struct cli_running *r);
void cli_close_running(struct cli_running *r);

struct rt_cgroups;
/* Has container `name` ended (its record says exited and its cgroup is
 * empty)? 1 with *code, 0 not yet (or not started), -1 on an error
 * (printed). `run` and `wait` poll it. */
int cli_container_ended(struct nc_state *st, struct rt_cgroups *cg, const char *name, int *code);

#endif
