/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run [options] SERVICE [COMMAND...]: a one-off container of a service of
 * a project that is up, as Compose's `run` (docs/decisions.md, "run").
 * The supervisor adds it to the running lab the way a second `up` adds a
 * service; this command then prints its output and passes its exit
 * status on. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/cli/ask.h"
#include "compose/cli/common.h"
#include "compose/file/shellwords.h"
#include "compose/lifecycle/control.h"
#include "compose/lifecycle/follow.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"
#include "compose/lifecycle/reconcile.h"
#include "compose/lifecycle/record.h"

extern char **environ;

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] run [OPTIONS] SERVICE [COMMAND...]\n\n"
	       "Run COMMAND in a new one-off container of SERVICE, in the project that is\n"
	       "up: the service's image, limits and networks, a free address of its own,\n"
	       "no published ports. It is named SERVICE-run-ID; its output is printed and\n"
	       "its exit status is this command's. Without --rm it stays, stopped, for\n"
	       "`ps -a` and `logs`, until `rm` or `down`.\n\n"
	       "  --rm                 remove the container when it ends\n"
	       "  -d, --detach         start it and print its name\n"
	       "  -e, --env K=V        set an environment variable (repeatable)\n"
	       "  -w, --workdir DIR    working directory inside the container\n"
	       "  -u, --user USER      user to run as\n"
	       "  --entrypoint CMD     replace the entrypoint (\"\" clears it)\n"
	       "  --no-deps, -T, -i    accepted: dependencies are up already; the output is\n"
	       "                       read from the container's log, not a terminal\n"
	       "  --name, --service-ports, -p  refused: see `man ncompose`\n"
	       "  -h, --help           this help\n");
}

struct run_opts {
	bool rm, detach;
	const char *workdir, *user, *entrypoint;
	const char **env;
	size_t n_env;
};

static void rec(struct nc_strbuf *b, const char *k, const char *v)
{
	const char *f[] = { k, v };
	nc_record_append(b, f, v ? 2 : 1);
}

/* The request a second `up` sends (the project's files and environment),
 * then the one-off's records, last. */
static int build_request(const struct nc_project *proj, const struct nc_project_opts *po,
			 const struct run_opts *o, const char *svc, const char *id,
			 char *const *cmd, struct nc_strbuf *b)
{
	const struct nc_model *m = proj->model;

	rec(b, NC_CONTROL_RECONCILE, NULL);
	for (size_t i = 0; i < m->n_files; i++) {
		if (!strcmp(m->files[i], "-"))
			return cli_failf(NC_EXIT_USAGE, "run: the file cannot come from standard input; give it with -f FILE");
		rec(b, "file", m->files[i]);
	}
	if (!m->n_files) {
		_cleanup_free_ char *abs = realpath(proj->file, NULL);
		if (!abs)
			return cli_failf(NC_EXIT_FAILURE, "run: `%s`: %s", proj->file, strerror(errno));
		rec(b, "file", abs);
	}
	if (m->dir)
		rec(b, "dir", m->dir);
	for (size_t i = 0; i < po->n_env_files; i++) {
		_cleanup_free_ char *abs = realpath(po->env_files[i], NULL);
		if (!abs)
			return cli_failf(NC_EXIT_USAGE, "run: --env-file `%s`: %s", po->env_files[i], strerror(errno));
		rec(b, "envfile", abs);
	}
	for (char **e = environ; *e; e++)
		rec(b, "env", *e);
	const char *f[] = { "oneoff", svc, id };
	nc_record_append(b, f, 3);
	for (char *const *a = cmd; a && *a; a++)
		rec(b, "arg", *a);
	if (o->entrypoint) {
		struct nc_arena a = NC_ARENA_INIT;
		const char **words = NULL;
		size_t n = 0, where;
		enum nc_shellwords_error e = nc_shellwords_split(&a, o->entrypoint, &words, &n, &where);
		if (e) {
			nc_arena_free(&a);
			return cli_failf(NC_EXIT_USAGE, "run: --entrypoint `%s`: %s", o->entrypoint,
					 nc_shellwords_strerror(e));
		}
		rec(b, "noentry", NULL);
		for (size_t i = 0; i < n; i++)
			rec(b, "entry", words[i]);
		nc_arena_free(&a);
	}
	for (size_t i = 0; i < o->n_env; i++)
		rec(b, "oenv", o->env[i]);
	if (o->workdir)
		rec(b, "workdir", o->workdir);
	if (o->user)
		rec(b, "user", o->user);
	if (!nc_strbuf_ok(b))
		return cli_failf(NC_EXIT_FAILURE, "run: out of memory");
	return NC_EXIT_OK;
}

/* Prints the one-off's log until it has ended; its exit status. */
static int attach(const struct cli_global *g, const char *name)
{
	struct cli_running run;
	struct rt_cgroups *cg = NULL;
	struct nc_follow *fl = NULL;
	char dir[PATH_MAX], log[PATH_MAX];
	nc_err err;
	int code, status = 0;

	if ((code = cli_open_running(g, "run", &run)))
		return code;
	if (nc_state_container_dir(run.st, name, false, dir, sizeof(dir), &err) < 0 ||
	    nc_pathf(log, sizeof(log), "%s/log", dir) < 0 || nc_info_cgroups_open(&run.paths, &cg, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	const struct nc_follow_opts fo = { .no_prefix = true, .tail = -1 };
	for (;;) {
		int r = cli_container_ended(run.st, cg, name, &status);
		if (r < 0) {
			code = NC_EXIT_FAILURE;
			goto out;
		}
		if (!fl && access(log, R_OK) == 0) {
			const char *names[] = { name, NULL }, *logs[] = { log, NULL };
			if (nc_follow_open(names, logs, stdout, &fo, &fl, &err) < 0) {
				code = cli_fail(NC_EXIT_FAILURE, &err);
				goto out;
			}
		}
		if (fl)
			nc_follow_drain(fl);
		if (r)
			break;
		struct stat sb;
		if (fstat(run.st->dirfd, &sb) < 0 || sb.st_nlink == 0) {
			code = cli_failf(NC_EXIT_FAILURE, "run: project `%s` went down", run.proj.name);
			goto out;
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	fflush(stdout);
	code = status;
out:
	nc_follow_close(fl);
	nc_info_cgroups_close(cg);
	cli_close_running(&run);
	return code;
}

int cli_run(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_RM = 256, OPT_ENTRY, OPT_NO_DEPS, OPT_NAME, OPT_PORTS };
	static const struct option opts[] = {
		{ "rm", no_argument, NULL, OPT_RM },
		{ "detach", no_argument, NULL, 'd' },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "entrypoint", required_argument, NULL, OPT_ENTRY },
		{ "no-deps", no_argument, NULL, OPT_NO_DEPS },
		{ "no-TTY", no_argument, NULL, 'T' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "service-ports", no_argument, NULL, OPT_PORTS },
		{ "publish", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_opts o = { 0 };
	_cleanup_free_ const char **env = calloc((size_t)argc + 1, sizeof(char *));
	int c;

	if (!env)
		return cli_failf(NC_EXIT_FAILURE, "run: out of memory");
	o.env = env;
	/* "+": options end at SERVICE; the rest is the command's. */
	while ((c = getopt_long(argc, argv, "+de:w:u:Tihp:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_RM:
			o.rm = true;
			break;
		case 'd':
			o.detach = true;
			break;
		case 'e':
			env[o.n_env++] = optarg;
			break;
		case 'w':
			o.workdir = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case OPT_ENTRY:
			o.entrypoint = optarg;
			break;
		case OPT_NO_DEPS:
		case 'T':
		case 'i':
			break;
		case OPT_NAME:
			return cli_failf(NC_EXIT_USAGE,
					 "run: --name is not supported: a one-off is named SERVICE-run-ID (`-d` prints it)");
		case OPT_PORTS:
		case 'p':
			return cli_failf(NC_EXIT_USAGE,
					 "run: a one-off publishes no port (the service's container holds them); reach it at its address");
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "run: unknown option; see `ncompose run --help`");
		}
	}
	if (optind >= argc)
		return cli_failf(NC_EXIT_USAGE, "run: name the service");
	if (o.rm && o.detach)
		return cli_failf(NC_EXIT_USAGE, "run: --rm and -d cannot be used together");
	const char *svc = argv[optind];
	char *const *cmd = argv + optind + 1;

	struct nc_project proj;
	struct nc_paths paths;
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	_cleanup_strv_ char **own = NULL;
	struct nc_records reply = { 0 };
	bool usage, running = false;
	char dir[PATH_MAX], name[256] = "", id[9];
	unsigned char rnd[4];
	nc_err err;
	int code;

	struct nc_project_opts po = g->proj;
	if (nc_project_open_named(&po, NC_PROJECT_NEED_FILE, NULL, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	if (!nc_model_service(proj.model, svc)) {
		code = cli_failf(NC_EXIT_USAGE, "run: no service `%s` in project `%s`", svc, proj.name);
		goto out;
	}
	if (nc_reconcile_running(&paths, proj.name, &running, &own, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	if (!running) {
		code = cli_failf(NC_EXIT_FAILURE, "run: project `%s` is not up; `ncompose up -d` first", proj.name);
		goto out;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		code = cli_failf(NC_EXIT_FAILURE, "run: random id: %s", strerror(errno));
		goto out;
	}
	snprintf(id, sizeof(id), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
	if ((code = build_request(&proj, &po, &o, svc, id, cmd, &b)))
		goto out;
	if (nc_pathf(dir, sizeof(dir), "%s/%s", paths.state_root, proj.name) < 0) {
		code = cli_failf(NC_EXIT_FAILURE, "run: state directory of `%s`: name too long", proj.name);
		goto out;
	}
	if (nc_control_call(dir, b.s, b.len, 10 * 60 * 1000, &reply, &err) < 0) {
		code = cli_failf(NC_EXIT_FAILURE, "run: %s", err.msg);
		goto out;
	}
	for (size_t i = 0; i < reply.n; i++) {
		const char *k = reply.v[i].f[0], *v = nc_record_field(&reply.v[i], 1);
		if (!strcmp(k, "error")) {
			code = cli_failf(NC_EXIT_FAILURE, "run: %s", v ? v : "refused");
			goto out;
		}
		if (!strcmp(k, "oneoff") && v)
			snprintf(name, sizeof(name), "%s", v);
	}
	if (!*name) {
		code = cli_failf(NC_EXIT_FAILURE, "run: the supervisor made no one-off (is it older than this command?)");
		goto out;
	}
	if (o.detach) {
		printf("%s\n", name);
		code = NC_EXIT_OK;
		goto out;
	}
	code = attach(g, name);
	if (o.rm) {
		/* As `rm`, without its messages (Compose's --rm says nothing). */
		const char *f[] = { "rm", "keep", name };
		struct nc_records rr;
		int rc = cli_ask_supervisor(g, "run", f, 3, &rr);
		if (rc == NC_EXIT_OK)
			nc_records_free(&rr);
		else if (!code)
			code = rc;
	}
out:
	nc_records_free(&reply);
	nc_project_close(&proj);
	return code;
}
