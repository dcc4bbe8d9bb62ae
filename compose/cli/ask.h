/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Asking the project's supervisor (kill, pause, unpause, rm). */
#ifndef NC_CLI_ASK_H
#define NC_CLI_ASK_H

#include <stddef.h>

#include "compose/cli/cli.h"
#include "compose/lifecycle/record.h"

/* Sends one request of `n` fields to the supervisor of the project the
 * global options name; on "ok", *reply holds the whole reply (free it
 * with nc_records_free). Errors are printed; returns the exit status. */
int cli_ask_supervisor(const struct cli_global *g, const char *cmd, const char *const *fields,
		       size_t n, struct nc_records *reply);

#endif
