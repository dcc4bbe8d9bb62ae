/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compose's options and commands that make no sense here (compat.h). An
 * ignored one changes nothing here (what it asks is what happens anyway,
 * or only the looks of the output); a refused one would change the
 * result, so it is not silently dropped. */
#include "compose/cli/compat.h"

#include <string.h>
#include <unistd.h>

#define IGNORE(c, f, v, why) { c, f, v, CLI_COMPAT_IGNORE, why }
#define REFUSE(c, f, v, why) { c, f, v, CLI_COMPAT_REFUSE, why }

#define NO_DAEMON "there is no daemon: ncompose runs the containers itself, on this host"
#define NO_WATCH "ncompose does not watch files: run `ncompose up --build` again after a change"
#define NO_PULL "pulls are quiet already; --verbose says more"
#define COLOURS "colours follow the terminal (none when the output is not one)"
#define ONE_EACH "one container per service here: declare another service for a second one"

const struct cli_compat cli_compat_table[] = {
	/* Global options. */
	IGNORE(NULL, "--ansi", true, COLOURS),
	IGNORE(NULL, "--no-ansi", false, COLOURS),
	IGNORE(NULL, "--compatibility", false, "container names are the services' names; there is no v1 naming"),
	IGNORE(NULL, "--parallel", true, "containers start side by side, a few at a time, in dependency order"),
	IGNORE(NULL, "--progress", true, "progress is one line on a terminal and nothing off one"),
	IGNORE(NULL, "--log-level", true, "-v/--verbose says every step"),
	IGNORE(NULL, "--skip-hostname-check", false, NO_DAEMON),
	REFUSE(NULL, "--dry-run", false, "nothing is rehearsed here; `ncompose config` checks the file without creating anything"),
	REFUSE(NULL, "--host", true, NO_DAEMON),
	REFUSE(NULL, "-H", true, NO_DAEMON),
	REFUSE(NULL, "--context", true, NO_DAEMON),
	REFUSE(NULL, "-c", true, NO_DAEMON),
	REFUSE(NULL, "--tls", false, NO_DAEMON),
	REFUSE(NULL, "--tlsverify", false, NO_DAEMON),
	REFUSE(NULL, "--tlscacert", true, NO_DAEMON),
	REFUSE(NULL, "--tlscert", true, NO_DAEMON),
	REFUSE(NULL, "--tlskey", true, NO_DAEMON),

	/* up (its own options are in cmd-up.c). */
	IGNORE("up", "--quiet-pull", false, NO_PULL),
	IGNORE("up", "--no-color", false, COLOURS),
	IGNORE("up", "--attach", true, "an attached `up` prints every service's output"),
	IGNORE("up", "--no-attach", true, "an attached `up` prints every service's output"),
	IGNORE("up", "--attach-dependencies", false, "an attached `up` prints every service's output"),
	IGNORE("up", "--timestamps", false, "`ncompose logs -t` shows when each line was written"),
	REFUSE("up", "--scale", true, ONE_EACH),
	REFUSE("up", "--abort-on-container-exit", false,
	       "an attached `up` runs until Ctrl-C; `up -d` then `logs -f` ends once every container exited"),
	REFUSE("up", "--exit-code-from", true,
	       "an attached `up` runs until Ctrl-C; `ncompose ps -a --format json` has each exit_code"),
	REFUSE("up", "--watch", false, NO_WATCH),

	/* down */
	IGNORE("down", "--rmi", true, "images are files of yours: `down` never removes them"),
	IGNORE("down", "--remove-orphans", false, "`down` removes every container of the project, orphans included"),

	/* ps */
	IGNORE("ps", "--no-trunc", false, "nothing is truncated"),
	IGNORE("ps", "--orphans", false, "every container of the project is listed"),
	REFUSE("ps", "--filter", true, "use --status STATUS, or name the services"),

	/* logs */
	IGNORE("logs", "--no-color", false, COLOURS),
	IGNORE("logs", "--index", true, ONE_EACH),
	REFUSE("logs", "--since", true, "logs are not cut by time here: use --tail N (-t shows each line's time)"),
	REFUSE("logs", "--until", true, "logs are not cut by time here: use --tail N (-t shows each line's time)"),

	/* restart */
	IGNORE("restart", "--no-deps", false, "restart acts on the services named only"),

	/* Compose's commands that have no counterpart. */
	REFUSE("push", NULL, false, "nothing is pushed: there is no registry here"),
	REFUSE("create", NULL, false, "containers are created and started together: use `ncompose up -d`"),
	REFUSE("scale", NULL, false, ONE_EACH),
	REFUSE("watch", NULL, false, NO_WATCH),
	REFUSE("attach", NULL, false, "use `ncompose logs -f SERVICE` for its output and `ncompose exec SERVICE sh` for a shell"),
	REFUSE("convert", NULL, false, "it is `ncompose config`"),
};

const size_t cli_compat_count = sizeof(cli_compat_table) / sizeof(cli_compat_table[0]);

static bool same_cmd(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

const struct cli_compat *cli_compat_find(const char *cmd, const char *arg)
{
	size_t n = strcspn(arg, "=");

	for (size_t i = 0; i < cli_compat_count; i++) {
		const struct cli_compat *e = &cli_compat_table[i];
		if (!e->flag || !same_cmd(e->cmd, cmd))
			continue;
		if (strlen(e->flag) != n || strncmp(e->flag, arg, n))
			continue;
		/* "--flag=V" only for one that takes a value, and only long. */
		if (arg[n] == '=' && (!e->value || e->flag[1] != '-'))
			continue;
		return e;
	}
	return NULL;
}

const struct cli_compat *cli_compat_command(const char *cmd)
{
	for (size_t i = 0; i < cli_compat_count; i++)
		if (!cli_compat_table[i].flag && same_cmd(cli_compat_table[i].cmd, cmd))
			return &cli_compat_table[i];
	return NULL;
}

static bool is_valued(const char *arg, const char *const *valued)
{
	for (const char *const *v = valued; v && *v; v++)
		if (!strcmp(arg, *v))
			return true;
	return false;
}

int cli_compat_filter(const char *cmd, int *argc, char **argv, bool stop_at_operand,
		      const char *const *valued, FILE *msg)
{
	const char *where = cmd ? cmd : "", *sep = cmd ? ": " : "";
	int out = 1, i = 1;

	while (i < *argc) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (a[0] != '-' || !a[1]) {
			if (stop_at_operand)
				break;
			argv[out++] = argv[i++];
			continue;
		}
		const struct cli_compat *e = cli_compat_find(cmd, a);
		if (!e) {
			argv[out++] = argv[i++];
			/* A real option's value is never an option of ours. */
			if (is_valued(a, valued) && i < *argc)
				argv[out++] = argv[i++];
			continue;
		}
		size_t n = strcspn(a, "=");
		if (e->action == CLI_COMPAT_REFUSE) {
			fprintf(msg, "ncompose: %s%s%.*s is not supported: %s\n", where, sep, (int)n, a, e->why);
			return 2;
		}
		fprintf(msg, "ncompose: %s%s%.*s ignored: %s\n", where, sep, (int)n, a, e->why);
		i++;
		if (e->value && !a[n] && i < *argc)
			i++; /* its value */
	}
	while (i < *argc)
		argv[out++] = argv[i++];
	argv[out] = NULL;
	*argc = out;
	return 0;
}

const char *const cli_compat_global_valued[] = {
	"-f", "--file", "-p", "--project-name", "--profile", "--env-file", "--project-directory", NULL,
};

/* exec's options with a value: its SERVICE is the first other argument. */
static const char *const exec_valued[] = {
	"-e", "--env", "-w", "--workdir", "-u", "--user", "--index", NULL,
};

static const char *const root_free[] = { "config", "graph", "version", NULL };

bool cli_needs_root(const char *cmd, int argc, char *const *argv)
{
	for (const char *const *c = root_free; *c; c++)
		if (!strcmp(cmd, *c))
			return false;
	/* --help among the options (not in exec's COMMAND). */
	for (int i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return false;
	return true;
}

int cli_compat_gate(const char *cmd, int *argc, char **argv)
{
	bool operand_ends = !strcmp(cmd, "exec") || !strcmp(cmd, "run");

	if (cli_compat_filter(cmd, argc, argv, operand_ends, operand_ends ? exec_valued : NULL, stderr))
		return 2;
	if (cli_needs_root(cmd, *argc, argv) && geteuid() != 0) {
		fprintf(stderr,
			"ncompose: %s needs root: it works on network namespaces, cgroups and the project's "
			"state (run it as root, e.g. with sudo)\n",
			cmd);
		return 1;
	}
	return 0;
}
