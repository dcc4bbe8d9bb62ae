/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/image-process.h"

#include <errno.h>
#include <string.h>

#include "common/hash.h"

#define OOM(err, pc) nc_err_errno(err, ENOMEM, "service `%s`: image config", (pc)->name)

static size_t count(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static int make_argv(const struct nc_plan_container *pc, const struct rt_image_config *ic, struct nc_arena *a,
		     struct nc_process *out, nc_err *err)
{
	const struct nc_service *s = pc->svc;
	const char *const *ep, *const *cmd;
	size_t ne, nc;

	if (s->has_entrypoint) {
		/* Docker: a new entrypoint drops the image's default Cmd. */
		ep = (const char *const *)s->entrypoint;
		ne = s->n_entrypoint;
		cmd = s->has_command ? (const char *const *)s->command : NULL;
		nc = s->has_command ? s->n_command : 0;
	} else {
		ep = ic->entrypoint;
		ne = count(ep);
		cmd = s->has_command ? (const char *const *)s->command : ic->cmd;
		nc = s->has_command ? s->n_command : count(ic->cmd);
	}
	if (ne + nc == 0)
		return 0;
	const char **argv = nc_arena_calloc(a, ne + nc + 1, sizeof(*argv));
	if (!argv)
		return OOM(err, pc);
	for (size_t i = 0; i < ne; i++)
		argv[i] = ep[i];
	for (size_t i = 0; i < nc; i++)
		argv[ne + i] = cmd[i];
	out->argv = argv;
	return 0;
}

static bool is_key(const char *kv, const char *key)
{
	size_t n = strlen(key);
	return !strncmp(kv, key, n) && kv[n] == '=';
}

static bool has(const struct nc_strmap *m, const char *key)
{
	size_t ignored;
	return nc_strmap_get(m, key, strlen(key), &ignored);
}

static int make_env(const struct nc_plan_container *pc, const struct rt_image_config *ic, bool image_user,
		    struct nc_arena *a, struct nc_process *out, nc_err *err)
{
	size_t cap = count(ic->env) + count(pc->env), n = 0;
	struct nc_strmap seen = NC_STRMAP_INIT;
	const char **env = nc_arena_calloc(a, cap + 1, sizeof(*env));
	int r = 0;

	if (!env)
		return OOM(err, pc);
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		const char *const *src = pass ? pc->env : ic->env;
		for (size_t i = 0; src && src[i] && r == 0; i++) {
			const char *kv = src[i];
			if (pass && pc->env_default_path && is_key(kv, "PATH") && has(&seen, "PATH"))
				continue;
			/* HOME: the image's, or the passwd entry of the
			 * image's user (the runtime's rule), before /root. */
			if (pass && pc->env_default_home && is_key(kv, "HOME") &&
			    (image_user || has(&seen, "HOME")))
				continue;
			size_t at = n;
			int k = nc_strmap_put(&seen, kv, (size_t)(strchr(kv, '=') - kv), &at);
			if (k < 0) {
				r = OOM(err, pc);
				break;
			}
			env[at] = kv;
			n += k == 0;
		}
	}
	nc_strmap_free(&seen);
	out->env = env;
	return r;
}

/* The image's Healthcheck as the file's model would hold it. */
static int image_health(const struct nc_plan_container *pc, const struct rt_image_health *ih, struct nc_arena *a,
			struct nc_healthcheck *h, nc_err *err)
{
	size_t n = count(ih->test);
	if (!ih->present || !n)
		return 0;
	h->present = true;
	h->interval_ns = ih->interval_ns ? ih->interval_ns : NC_UNSET;
	h->timeout_ns = ih->timeout_ns ? ih->timeout_ns : NC_UNSET;
	h->start_period_ns = ih->start_period_ns ? ih->start_period_ns : NC_UNSET;
	h->start_interval_ns = NC_UNSET;
	h->retries = ih->retries ? ih->retries : NC_UNSET;
	if (!strcmp(ih->test[0], "NONE")) {
		h->disable = true;
		return 0;
	}
	bool shell = !strcmp(ih->test[0], "CMD-SHELL");
	if ((!shell && strcmp(ih->test[0], "CMD")) || n < 2 || (shell && n != 2))
		return nc_err_msg(err, EINVAL,
				  "service `%s`: the image's Healthcheck.Test starts with `%.32s`: not CMD, CMD-SHELL or NONE with its command",
				  pc->name, ih->test[0]);
	const char **t = nc_arena_calloc(a, n, sizeof(*t));
	if (!t)
		return OOM(err, pc);
	for (size_t i = 1; i < n; i++)
		t[i - 1] = ih->test[i];
	h->test = t;
	h->n_test = n - 1;
	h->shell = shell;
	return 0;
}

static int make_health(const struct nc_plan_container *pc, const struct rt_image_config *ic, struct nc_arena *a,
		       struct nc_process *out, nc_err *err)
{
	const struct nc_healthcheck *sh = &pc->svc->healthcheck;
	struct nc_healthcheck ih = { 0 };

	if (sh->present && (sh->disable || sh->n_test)) {
		out->health = *sh;
		return 0;
	}
	if (image_health(pc, &ic->health, a, &ih, err) < 0)
		return nc_err_ret(err);
	if (!ih.present) {
		out->health = *sh;
		return 0;
	}
	/* `healthcheck:` with timings only keeps the image's test. */
	if (sh->present) {
		if (sh->interval_ns != NC_UNSET)
			ih.interval_ns = sh->interval_ns;
		if (sh->timeout_ns != NC_UNSET)
			ih.timeout_ns = sh->timeout_ns;
		if (sh->start_period_ns != NC_UNSET)
			ih.start_period_ns = sh->start_period_ns;
		if (sh->start_interval_ns != NC_UNSET)
			ih.start_interval_ns = sh->start_interval_ns;
		if (sh->retries != NC_UNSET)
			ih.retries = sh->retries;
		ih.mark = sh->mark;
	}
	out->health = ih;
	return 0;
}

int nc_image_process(const struct nc_plan_container *pc, const struct rt_image_config *ic, struct nc_arena *a,
		     struct nc_process *out, nc_err *err)
{
	const struct nc_service *s = pc->svc;

	*out = (struct nc_process){
		.argv = pc->argv,
		.env = pc->env,
		.cwd = pc->cwd,
		.user = pc->user,
		.stop_signal = s->stop_signal,
		.health = s->healthcheck,
	};
	if (!ic)
		return 0;
	bool image_user = !pc->user && ic->user && ic->user[0];
	if (image_user)
		out->user = ic->user;
	if (!pc->cwd && ic->working_dir && ic->working_dir[0])
		out->cwd = ic->working_dir;
	if (!s->stop_signal && ic->stop_signal && ic->stop_signal[0]) {
		int sig = nc_signal_number(ic->stop_signal);
		if (sig <= 0)
			return nc_err_msg(err, EINVAL,
					  "service `%s`: the image's StopSignal `%.32s` names no signal; set stop_signal",
					  pc->name, ic->stop_signal);
		out->stop_signal = sig;
	}
	out->argv = NULL;
	if (make_argv(pc, ic, a, out, err) < 0 || make_env(pc, ic, image_user, a, out, err) < 0 ||
	    make_health(pc, ic, a, out, err) < 0)
		return nc_err_ret(err);
	return 0;
}
