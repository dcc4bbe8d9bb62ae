/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `up --wait`, `test --wait` and `wait --converged`: wait for the lab's
 * routing daemons to converge (compose/lab/converge.h), and say so. */
#ifndef NC_CLI_CONVERGED_H
#define NC_CLI_CONVERGED_H

#include <stdbool.h>

#include "compose/file/model.h"
#include "compose/lifecycle/paths.h"

/* The deadline when --wait-timeout is not given: long enough for BGP's
 * and OSPF's default timers, short enough that a lab that never
 * converges does not hang a script. */
#define CLI_CONVERGE_TIMEOUT_S 300u

/* Waits up to timeout_s. Prints "converged after X s" on stderr (not
 * when the lab has no routing node) and returns NC_EXIT_OK; when the
 * time is up, prints which node waits for what and returns
 * NC_EXIT_FAILURE. With the project's model `m`, each router's
 * `settle:` is its window, and a lab where nothing can route (no
 * router: service, no daemon's configuration bound in a container)
 * returns at once ("no routing daemons" with `verbose`); without it
 * (NULL: `wait` reads no file), the defaults. */
int cli_wait_converged(const struct nc_paths *paths, const struct nc_model *m, const char *project,
		       unsigned timeout_s, const char *cmd, bool verbose);

/* Parses a number of seconds for `opt` (0..86400); -1 when it is not. */
long cli_parse_seconds(const char *arg);

#endif
