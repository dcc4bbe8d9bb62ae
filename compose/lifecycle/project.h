/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which file and which project a command works on:
 * -f, else a file named on the command line, else compose.yaml /
 * compose.yml / ncompose.yaml / ncompose.yml (then the docker-compose
 * spellings) in the current directory; the project name is -p, else
 * `name:` in the file, else the file's base name without extension.
 */
#ifndef NC_COMPOSE_PROJECT_H
#define NC_COMPOSE_PROJECT_H

#include <stdbool.h>

#include "common/error.h"
#include "compose/file/model.h"
#include "compose/plan/plan.h"

#define NC_PROJECT_NAME_MAX 64

struct nc_project {
	char *file;  /* NULL when none was found and none was needed */
	char name[NC_PROJECT_NAME_MAX];
	struct nc_model *model; /* loaded when a file was found */
};

/*
 * need_file: the command needs the model (up, config); otherwise a file is
 * only read for the project name, and -p alone is enough.
 * On failure, err is set and *usage tells "bad usage or bad file" (exit 2)
 * from an I/O failure (exit 1).
 */
int nc_project_open(const char *file_opt, const char *project_opt, bool need_file,
		    struct nc_project *out, bool *usage, nc_err *err);
/* The same for `up SERVICE...`: the profiles of the services named are
 * activated (NULL-terminated, may be NULL). */
int nc_project_open_named(const char *file_opt, const char *project_opt, bool need_file,
			  const char *const *named, struct nc_project *out, bool *usage, nc_err *err);
void nc_project_close(struct nc_project *p);

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
