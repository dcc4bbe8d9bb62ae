/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compose's options and commands that make no sense here: each is either
 * accepted and ignored with a note on stderr, or refused with the reason,
 * in one line, instead of "unknown option". The table is in compat.c.
 */
#ifndef NC_CLI_COMPAT_H
#define NC_CLI_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum cli_compat_action {
	CLI_COMPAT_IGNORE, /* a note, and on as without it */
	CLI_COMPAT_REFUSE, /* the reason, exit 2 */
};

struct cli_compat {
	const char *cmd;  /* NULL: a global option (before the command) */
	const char *flag; /* "--build" (also "--build=V"); NULL: the command itself */
	bool value;       /* takes a value: `--progress plain` or `--progress=plain` */
	enum cli_compat_action action;
	const char *why;
};

extern const struct cli_compat cli_compat_table[];
extern const size_t cli_compat_count;

/* The entry of `cmd` (NULL: global) for the argument `arg` ("--ansi",
 * "--ansi=never"); NULL when the table has none. */
const struct cli_compat *cli_compat_find(const char *cmd, const char *arg);

/* The entry of a Compose command that does not exist here; NULL if none. */
const struct cli_compat *cli_compat_command(const char *cmd);

/*
 * Takes the table's options of `cmd` (NULL: the global ones) out of
 * argv[1..*argc-1] (argv[0] is the command or the program), with their
 * values, writing a note on `msg` for each ignored one. Stops at "--",
 * and with `stop_at_operand` at the first argument that is not an option
 * (the command, or exec's SERVICE); `valued` lists the real options whose
 * value is the next argument (NULL-terminated), so that value is never
 * taken for an operand. Returns 0, or 2 (usage) once a refused option was
 * met, its reason written on `msg`.
 */
int cli_compat_filter(const char *cmd, int *argc, char **argv, bool stop_at_operand,
		      const char *const *valued, FILE *msg);

/* The real global options whose value is the next argument. */
extern const char *const cli_compat_global_valued[];

/* Whether `cmd` needs root: everything that reads or changes the state,
 * namespaces or cgroups does; config, graph, version and any --help do
 * not. argv: the command's arguments, argv[0] being the command. */
bool cli_needs_root(const char *cmd, int argc, char *const *argv);

/*
 * What main() does once it knows the command: takes out (or refuses) the
 * command's ignored options and says so, then checks for root. Returns
 * 0 to go on, else the exit status (the message written on stderr).
 */
int cli_compat_gate(const char *cmd, int *argc, char **argv);

#endif
