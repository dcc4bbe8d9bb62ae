/* SPDX-License-Identifier: GPL-2.0-or-later */
/* version [--short] [--format json]: as `docker compose version`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "compose/cli/common.h"
#include "config.h"

int cli_version(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "short", no_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "pretty", "json", NULL };
	const char *format = "pretty";
	bool brief = false;
	int c, code;

	(void)g;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			brief = true;
			break;
		case 'f':
			if ((code = cli_parse_choice("version", "--format", optarg, formats, &format)))
				return code;
			break;
		case 'h':
			printf("Usage: ncompose version [--short] [--format pretty|json]\n\n"
			       "Print the version of ncompose.\n\n"
			       "      --short        the number only\n"
			       "  -f, --format FMT   pretty (default) or json ({\"version\":\"...\"})\n"
			       "  -h, --help         this help\n");
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "version: unknown option; see `ncompose version --help`");
		}
	}
	if (optind < argc)
		return cli_failf(NC_EXIT_USAGE, "version: unexpected argument `%s`", argv[optind]);
	if (brief)
		printf("%s\n", NC_VERSION);
	else if (!strcmp(format, "json"))
		printf("{\"version\":\"%s\"}\n", NC_VERSION);
	else
		printf("ncompose version %s\n", NC_VERSION);
	return NC_EXIT_OK;
}
