/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ls: the projects on this host, as `docker compose ls` lists them. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strbuf.h"
#include "compose/cli/common.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

static void help(void)
{
	printf("Usage: ncompose ls [-a] [-q] [--format table|json]\n\n"
	       "List the projects that are up: name, status, config files.\n\n"
	       "  -a, --all        also projects none of whose containers runs\n"
	       "  -q, --quiet      only the names\n"
	       "      --format F   table (default) or json (an array, one object per project)\n"
	       "  -h, --help       this help\n");
}

struct counts {
	unsigned running, exited, created;
};

static int count(const struct nc_paths *paths, struct rt_cgroups *cg, const char *name,
		 struct counts *c, nc_err *err)
{
	struct nc_state *st = NULL;
	_cleanup_strv_ char **services = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = nc_state_open(paths->state_root, name, NC_STATE_READ, &st, err)) < 0)
		return r;
	if (!st)
		return 0;
	if ((r = nc_info_services(st, &services, err)) < 0) {
		nc_state_close(st);
		return r;
	}
	for (char **s = services; *s; s++) {
		struct nc_container_info ci;
		if (nc_info_read(st, *s, &ci, err) < 0) {
			c->created++;
			continue;
		}
		if (nc_info_running(&ci, cg))
			c->running++;
		else
			c->exited++;
		nc_info_free(&ci);
	}
	nc_state_close(st);
	return 0;
}

/* "running(2), exited(1)", as Compose writes a project's status. */
static void status(const struct counts *c, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (c->running)
		n += (size_t)snprintf(buf + n, size - n, "running(%u)", c->running);
	if (c->exited && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%sexited(%u)", n ? ", " : "", c->exited);
	if (c->created && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%screated(%u)", n ? ", " : "", c->created);
	if (!n)
		snprintf(buf, size, "created(0)");
}

int cli_ls(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "table", "json", NULL };
	const char *format = "table";
	bool all = false, quiet = false;
	int c, code;

	(void)g;
	while ((c = getopt_long(argc, argv, "aqh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'F':
			if ((code = cli_parse_choice("ls", "--format", optarg, formats, &format)))
				return code;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "ls: unknown option; see `ncompose ls --help`");
		}
	}
	if (optind < argc)
		return cli_failf(NC_EXIT_USAGE, "ls: unexpected argument `%s`", argv[optind]);

	struct nc_paths paths;
	struct rt_cgroups *cg = NULL;
	_cleanup_strv_ char **names = NULL;
	_cleanup_strbuf_ struct nc_strbuf out = NC_STRBUF_INIT;
	struct nc_json j;
	bool json = !strcmp(format, "json");
	nc_err err;

	code = NC_EXIT_OK;
	nc_paths_from_env(&paths);
	if (nc_projects_names(paths.state_root, &names, &err) < 0 ||
	    nc_info_cgroups_open(&paths, &cg, &err) < 0)
		return cli_fail(NC_EXIT_FAILURE, &err);
	nc_json_init(&j, &out);
	if (json)
		nc_json_array_begin(&j);
	else if (!quiet)
		printf("%-24s %-28s %s\n", "NAME", "STATUS", "CONFIG FILES");
	for (char **n = names; *n; n++) {
		struct counts cnt;
		struct nc_project_record rec;
		char st[96];
		struct nc_strbuf files = NC_STRBUF_INIT;
		if (count(&paths, cg, *n, &cnt, &err) < 0) {
			code = cli_fail(NC_EXIT_FAILURE, &err);
			continue;
		}
		if (!all && !cnt.running)
			continue;
		status(&cnt, st, sizeof(st));
		if (nc_project_recorded(paths.state_root, *n, &rec, &err) == 0) {
			for (char **f = rec.files; *f; f++)
				nc_strbuf_printf(&files, "%s%s", f == rec.files ? "" : ",", *f);
			nc_project_record_free(&rec);
		}
		if (!nc_strbuf_ok(&files)) {
			code = cli_failf(NC_EXIT_FAILURE, "ls: out of memory");
			nc_strbuf_free(&files);
			break;
		}
		if (json) {
			nc_json_object_begin(&j);
			nc_json_kv_string(&j, "Name", *n);
			nc_json_kv_string(&j, "Status", st);
			nc_json_kv_string(&j, "ConfigFiles", nc_strbuf_str(&files));
			nc_json_object_end(&j);
		} else if (quiet) {
			printf("%s\n", *n);
		} else {
			printf("%-24s %-28s %s\n", *n, st, nc_strbuf_str(&files));
		}
		nc_strbuf_free(&files);
	}
	if (json) {
		nc_json_array_end(&j);
		printf("%s\n", nc_strbuf_str(&out));
	}
	nc_info_cgroups_close(cg);
	return code;
}
