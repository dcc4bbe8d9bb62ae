/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The projects that have a state, and what each one's journal says about
 * where it came from (for `ls`, for -p alone, and for the check that a
 * command acts on the lab of the files here). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/project.h"
#include "compose/lifecycle/record.h"
#include "compose/lifecycle/state.h"
#include "compose/plan/naming.h"

void nc_project_record_free(struct nc_project_record *rec)
{
	nc_strv_freep(&rec->files);
	free(rec->dir);
	memset(rec, 0, sizeof(*rec));
}

int nc_project_recorded(const char *state_root, const char *project,
			struct nc_project_record *rec, nc_err *err)
{
	char path[PATH_MAX];
	struct nc_records j;
	size_t n = 0;
	int r;

	memset(rec, 0, sizeof(*rec));
	if (snprintf(path, sizeof(path), "%s/%s/journal", state_root, project) >= (int)sizeof(path))
		return nc_err_msg(err, ENAMETOOLONG, "state of `%s`: path too long", project);
	if ((r = nc_records_read_file(path, &j, err)) < 0)
		return r;
	if (!(rec->files = calloc(j.n + 1, sizeof(*rec->files)))) {
		nc_records_free(&j);
		return nc_err_errno(err, ENOMEM, "read the journal of `%s`", project);
	}
	r = 0;
	for (size_t i = 0; i < j.n && r == 0; i++) {
		struct nc_jrec jr;
		nc_jrec_parse(&j.v[i], &jr);
		if (jr.kind == NC_JK_FILE && !(rec->files[n++] = strdup(jr.file)))
			r = -ENOMEM;
		else if (jr.kind == NC_JK_DIR && !rec->dir && !(rec->dir = strdup(jr.dir)))
			r = -ENOMEM;
	}
	nc_records_free(&j);
	if (r < 0) {
		nc_project_record_free(rec);
		return nc_err_errno(err, ENOMEM, "read the journal of `%s`", project);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int nc_projects_names(const char *state_root, char ***names, nc_err *err)
{
	_cleanup_(nc_strv_freep) char **v = NULL;
	size_t n = 0, cap = 0;
	DIR *d = opendir(state_root);

	*names = NULL;
	if (!d && errno != ENOENT)
		return nc_err_errno(err, errno, "list the projects in `%s`", state_root);
	for (struct dirent *de; d && (de = readdir(d));) {
		char path[PATH_MAX];
		struct stat st;
		if (!nc_project_name_valid(de->d_name) ||
		    snprintf(path, sizeof(path), "%s/%s/journal", state_root, de->d_name) >= (int)sizeof(path) ||
		    stat(path, &st) < 0)
			continue;
		if (n + 2 > cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				closedir(d);
				return nc_err_errno(err, ENOMEM, "list the projects");
			}
			v = nv;
			cap = ncap;
		}
		if (!(v[n] = strdup(de->d_name))) {
			closedir(d);
			return nc_err_errno(err, ENOMEM, "list the projects");
		}
		v[++n] = NULL;
	}
	if (d)
		closedir(d);
	if (!v && !(v = calloc(1, sizeof(*v))))
		return nc_err_errno(err, ENOMEM, "list the projects");
	qsort(v, n, sizeof(*v), cmp_str);
	*names = TAKE_PTR(v);
	return 0;
}
