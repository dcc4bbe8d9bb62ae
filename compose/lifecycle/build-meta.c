/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The instructions that change only the image's config, as Docker sets
 * each field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/units.h"
#include "compose/lifecycle/build-internal.h"

int nc_bstage_command(struct nc_builder *b, const struct nc_bstage *st, const struct nc_df_step *step,
		      struct nc_strv *out)
{
	*out = (struct nc_strv){ 0 };
	if (step->in->exec_form) {
		for (size_t i = 0; i < step->in->n_args; i++)
			if (nc_strv_push(&b->a, out, step->in->args[i]) < 0)
				return -ENOMEM;
		return 0;
	}
	if (st->cfg.shell.n) {
		if (nc_strv_copy(&b->a, out, &st->cfg.shell) < 0)
			return -ENOMEM;
	} else if (nc_strv_push(&b->a, out, "/bin/sh") < 0 || nc_strv_push(&b->a, out, "-c") < 0) {
		return -ENOMEM;
	}
	return nc_strv_push(&b->a, out, step->in->n_args ? step->in->args[0] : "");
}

static int flag_duration(struct nc_builder *b, const struct nc_df_step *step, const char *name, int64_t *ns)
{
	const char *v = nc_df_flag(step->in, name);
	if (!v)
		return 0;
	if (nc_parse_duration(v, ns) < 0)
		return nc_err_msg(b->err, EINVAL, "%s:%u: HEALTHCHECK --%s=%s: not a duration (30s, 1m30s)",
				  b->in->df_name, step->in->line, name, v);
	return 0;
}

int nc_bstep_meta(struct nc_builder *b, struct nc_bstage *st, const struct nc_df_step *step)
{
	struct nc_bconfig *g = &st->cfg;
	const struct nc_df_instr *in = step->in;
	struct nc_arena *a = &b->a;
	int r = 0;

	switch (in->kind) {
	case NC_DF_ENV:
		for (size_t i = 0; i < step->n_kv && r == 0; i++)
			r = nc_strv_setenv(a, &g->env, step->kv[i].key, step->kv[i].value);
		break;
	case NC_DF_LABEL:
	case NC_DF_MAINTAINER:
		for (size_t i = 0; i < step->n_kv && r == 0; i++)
			r = nc_strv_setenv(a, &g->labels, step->kv[i].key, step->kv[i].value);
		break;
	case NC_DF_ARG:
		break; /* its value is in the scope of the steps after it */
	case NC_DF_WORKDIR: {
		const char *w = step->n_words ? step->words[0] : "/";
		const char *cur = g->working_dir && *g->working_dir ? g->working_dir : "/";
		const char *nw = w[0] == '/' ? nc_arena_strdup(a, w)
					     : nc_arena_printf(a, "%s%s%s", cur, cur[strlen(cur) - 1] == '/' ? "" : "/", w);
		if (!nw)
			r = -ENOMEM;
		g->working_dir = nw;
		break;
	}
	case NC_DF_USER:
		g->user = step->n_words ? step->words[0] : NULL;
		break;
	case NC_DF_STOPSIGNAL:
		g->stop_signal = step->n_words ? step->words[0] : NULL;
		break;
	case NC_DF_CMD:
		r = nc_bstage_command(b, st, step, &g->cmd);
		g->cmd_set = true;
		g->cmd_here = true;
		break;
	case NC_DF_ENTRYPOINT:
		r = nc_bstage_command(b, st, step, &g->entrypoint);
		g->entrypoint_set = true;
		/* Docker: a new entrypoint drops the CMD the base image had. */
		if (!g->cmd_here) {
			g->cmd = (struct nc_strv){ 0 };
			g->cmd_set = false;
		}
		break;
	case NC_DF_SHELL:
		if (!in->exec_form)
			return nc_err_msg(b->err, EINVAL, "%s:%u: SHELL takes the JSON form: SHELL [\"/bin/sh\", \"-c\"]",
					  b->in->df_name, in->line);
		g->shell = (struct nc_strv){ 0 };
		for (size_t i = 0; i < in->n_args && r == 0; i++)
			r = nc_strv_push(a, &g->shell, in->args[i]);
		break;
	case NC_DF_EXPOSE:
		for (size_t i = 0; i < step->n_words && r == 0; i++) {
			const char *p = step->words[i];
			const char *v = strchr(p, '/') ? nc_arena_strdup(a, p) : nc_arena_printf(a, "%s/tcp", p);
			r = v ? nc_strv_push(a, &g->exposed, v) : -ENOMEM;
		}
		break;
	case NC_DF_VOLUME:
		for (size_t i = 0; i < step->n_words && r == 0; i++)
			r = nc_strv_push(a, &g->volumes, step->words[i]);
		break;
	case NC_DF_HEALTHCHECK:
		g->health_set = true;
		g->health_test = (struct nc_strv){ 0 };
		g->health_interval = g->health_timeout = g->health_start = 0;
		g->health_retries = 0;
		if (in->healthcheck_none) {
			r = nc_strv_push(a, &g->health_test, "NONE");
			break;
		}
		if ((r = nc_strv_push(a, &g->health_test, in->exec_form ? "CMD" : "CMD-SHELL")) < 0)
			break;
		for (size_t i = 0; i < in->n_args && r == 0; i++)
			r = nc_strv_push(a, &g->health_test, in->args[i]);
		if (r == 0 && ((r = flag_duration(b, step, "interval", &g->health_interval)) < 0 ||
			       (r = flag_duration(b, step, "timeout", &g->health_timeout)) < 0 ||
			       (r = flag_duration(b, step, "start-period", &g->health_start)) < 0))
			return r;
		const char *retries = nc_df_flag(in, "retries");
		if (r == 0 && retries)
			g->health_retries = atoi(retries);
		break;
	default:
		return nc_err_msg(b->err, EINVAL, "%s:%u: %s is not a config instruction", b->in->df_name, in->line,
				  nc_df_kind_name(in->kind));
	}
	return r == -ENOMEM ? nc_err_errno(b->err, ENOMEM, "build") : r;
}
