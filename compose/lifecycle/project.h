/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which files and which project a command works on, as Compose decides:
 * the files are -f (in order, merged), else COMPOSE_FILE, else the
 * default file (compose.yaml, ncompose.yaml, docker-compose.yaml and
 * their .yml spellings) and its override beside it; the project name is
 * -p, else COMPOSE_PROJECT_NAME (environment, then .env), else `name:`,
 * else the project directory's name (load-project.c in compose/file).
 *
 * A running project is the one of the files here: when the state of the
 * project so named records other files, the command is refused rather
 * than acting on another directory's lab.
 */
#ifndef NC_COMPOSE_PROJECT_H
#define NC_COMPOSE_PROJECT_H

#include <stdbool.h>

#include "common/error.h"
#include "compose/file/model.h"
#include "compose/plan/plan.h"

#define NC_PROJECT_NAME_MAX 64

/* The global options of the command line about the project. */
struct nc_project_opts {
	const char *const *files; /* -f, in order; "-" is standard input */
	size_t n_files;
	const char *project;      /* -p */
	const char *project_dir;  /* --project-directory */
	const char *const *env_files; /* --env-file, in order */
	size_t n_env_files;
};

struct nc_project {
	char *file;  /* the first file (for messages); NULL when none was read */
	char name[NC_PROJECT_NAME_MAX];
	struct nc_model *model; /* loaded when a file was found */
};

enum {
	/* The command needs the model (up, config, graph, test); otherwise
	 * -p alone is enough and a project's recorded files are used. */
	NC_PROJECT_NEED_FILE = 1 << 0,
	/* Do not compare with the files a running project records (config
	 * only reads the files). */
	NC_PROJECT_NO_STATE = 1 << 1,
};

/*
 * flags: NC_PROJECT_* (`true` is NC_PROJECT_NEED_FILE).
 * On failure, err is set and *usage tells "bad usage or bad file" (exit 2)
 * from an I/O failure (exit 1).
 */
int nc_project_open(const struct nc_project_opts *o, unsigned flags, struct nc_project *out,
		    bool *usage, nc_err *err);
/* The same for `up SERVICE...`: the profiles of the services named are
 * activated (NULL-terminated, may be NULL). */
int nc_project_open_named(const struct nc_project_opts *o, unsigned flags,
			  const char *const *named, struct nc_project *out, bool *usage, nc_err *err);
void nc_project_close(struct nc_project *p);

/* What a project's state records (projects.c): its files and directory. */
struct nc_project_record {
	char **files; /* absolute, NULL-terminated (empty: standard input) */
	char *dir;    /* NULL when not recorded */
};
/* 0 with *rec filled; -ENOENT when the project is not up. */
int nc_project_recorded(const char *state_root, const char *project,
			struct nc_project_record *rec, nc_err *err);
void nc_project_record_free(struct nc_project_record *rec);

/* The projects that have a state (up, or failed half-way), sorted. */
int nc_projects_names(const char *state_root, char ***names, nc_err *err);

/* The host facts the planner steers around: routes already on the host,
 * the CPU count, the environment. */
int nc_project_plan(const struct nc_project *p, bool probe_host, struct nc_plan **out,
		    nc_err *err);
/* The same for a project that runs: the routes of its own bridges (own,
 * NULL-terminated) are not in the way, so its automatic subnets come out
 * as they did at its first `up`. */
int nc_project_plan_over(const struct nc_project *p, bool probe_host, const char *const *own,
			 struct nc_plan **out, nc_err *err);

#endif
