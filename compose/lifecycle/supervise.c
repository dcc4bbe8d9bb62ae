/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/supervise.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/lifecycle/runtime-spec.h"
#include "compose/lifecycle/control.h"
#include "compose/lifecycle/events.h"
#include "compose/lifecycle/follow.h"
#include "compose/lifecycle/health.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/livelink.h"
#include "compose/lifecycle/parallel.h"
#include "compose/lifecycle/lifecycle.h"
#include "compose/plan/naming.h"
#include "runtime/caps.h"
#include "runtime/mnt-template.h"

#include "compose/lifecycle/supervise-internal.h"

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The healthcheck container i started with: the service's, or the one
 * its image's config gave (image-process.h). */
static const struct nc_healthcheck *health_of(const struct sup *s, size_t i)
{
	size_t slot = s->life[i].health_slot;
	return slot && slot <= s->n_health ? &s->health[slot - 1].h : &s->p->containers[i].svc->healthcheck;
}

static bool has_healthcheck(const struct sup *s, size_t i)
{
	const struct nc_healthcheck *h = health_of(s, i);
	return h->present && !h->disable && h->n_test;
}

/* Keeps a deep copy of `h` for container i (its slot reused on restart). */
static int keep_health(struct sup *s, size_t i, const struct nc_healthcheck *h, nc_err *err)
{
	struct nc_life *l = &s->life[i];
	if (!l->health_slot) {
		struct sup_health *v = realloc(s->health, (s->n_health + 1) * sizeof(*v));
		if (!v)
			return nc_err_errno(err, ENOMEM, "healthcheck of `%s`", s->p->containers[i].name);
		s->health = v;
		s->health[s->n_health] = (struct sup_health){ .a = NC_ARENA_INIT };
		l->health_slot = ++s->n_health;
	}
	struct sup_health *sh = &s->health[l->health_slot - 1];
	nc_arena_free(&sh->a);
	sh->h = *h;
	sh->h.test = NULL;
	if (h->n_test) {
		const char **t = nc_arena_calloc(&sh->a, h->n_test + 1, sizeof(*t));
		if (!t)
			return nc_err_errno(err, ENOMEM, "healthcheck of `%s`", s->p->containers[i].name);
		for (size_t k = 0; k < h->n_test; k++)
			if (!(t[k] = nc_arena_strdup(&sh->a, h->test[k])))
				return nc_err_errno(err, ENOMEM, "healthcheck of `%s`", s->p->containers[i].name);
		sh->h.test = t;
	}
	return 0;
}

static void say(struct sup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sup *s, const char *fmt, ...)
{
	va_list ap;
	if (!s->o->attached)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void set_record(struct sup *s, size_t i, const char *kind, const char *v1, const char *v2)
{
	nc_err e;
	if (nc_state_container_set(s->st, s->p->containers[i].name, kind, v1, v2, &e) < 0)
		nc_report_warn(s->rep, "%s", e.msg);
}

static void record_health(struct sup *s, size_t i)
{
	set_record(s, i, NC_C_HEALTH, nc_health_name(s->life[i].health), NULL);
}

/* One event for `ncompose events`; attrs: key, value..., NULL. */
static void event(struct sup *s, size_t i, const char *action, const char *const *attrs)
{
	nc_err e;
	if (nc_event_append(s->st->dir, s->p->project, s->p->containers[i].name, action, attrs, &e) < 0)
		nc_report_warn(s->rep, "%s", e.msg);
}

/* The bring-up cannot finish: remembered, acted on by the loop. cause:
 * the error behind it, whose errno is kept (NULL: none, EIO). */
static void fail(struct sup *s, const nc_err *cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct sup *s, const nc_err *cause, const char *fmt, ...)
{
	char what[NC_ERR_MSG_MAX];
	va_list ap;

	if (s->ready || s->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (cause)
		nc_err_wrap(&s->fail, cause, "%s", what);
	else
		nc_err_msg(&s->fail, EIO, "%s", what);
	s->failed = true;
}

/*
 * A start in three parts, so that a bring-up can run the first and the
 * last on two threads (start_round): building the spec and spawning the
 * process touch only the container's own files and the kernel; what sits
 * between them and after them (fault steps, health slots, records,
 * events, fail()) changes the supervisor's shared state and stays on one
 * thread, in the order of the containers.
 */
struct start_job {
	size_t i;
	int r;
	pid_t pid;
	uint64_t t;
	struct nc_container_spec cs;
	nc_err e;
};

static void start_build(struct sup *s, struct start_job *j)
{
	j->t = nc_report_clock(s->rep);
	j->r = nc_container_spec_build(s->p, &s->p->containers[j->i], s->st, s->paths, s->cg,
				       (const char *const *)s->masked, &j->cs, &j->e);
	j->cs.rt.mnt_template = s->mnt_template;
	j->t = nc_report_time(s->rep, "supervisor: build the spec", j->t);
}

static void start_check(struct sup *s, struct start_job *j)
{
	if (j->r >= 0 && (j->r = nc_fault_step(s->o->fault, "start container", &j->e)) >= 0)
		j->r = keep_health(s, j->i, &j->cs.proc.health, &j->e);
}

static void start_spawn(struct sup *s, struct start_job *j)
{
	if (j->r < 0)
		return;
	j->t = nc_report_clock(s->rep);
	j->r = rt_container_start(&j->cs.rt, &j->pid, &j->e);
	j->t = nc_report_time(s->rep, "supervisor: spawn the process", j->t);
}

/* `why`, when not NULL, gets the reason a start failed (for `start` and
 * `restart`, which must say so: fail() only acts during the bring-up). */
static int start_finish(struct sup *s, struct start_job *j, nc_err *why)
{
	size_t i = j->i;
	const struct nc_plan_container *pc = &s->p->containers[i];
	struct nc_life *l = &s->life[i];
	struct nc_container_spec *cs = &j->cs;
	char n[16];
	pid_t pid = j->pid;
	nc_err e = j->e;
	uint64_t t = nc_report_clock(s->rep);
	int r = j->r;

	if (r >= 0)
		r = nc_container_record_write(s->p, pc, cs, s->st, pid, &e);
	if (r < 0) {
		nc_container_spec_free(cs);
		fail(s, &e, "start `%s`", pc->name);
		if (why)
			nc_err_wrap(why, &e, "start `%s`", pc->name);
		l->state = NC_CS_EXITED;
		l->exit_code = nc_life_start_failed_code(e.errnum);
		return -1;
	}
	if (cs->layers_not_idmapped)
		nc_report_warn(s->rep,
			       "service `%s`: the filesystem of its image cannot be idmapped, so with userns_mode: auto the image's files show as nobody's and stay read-only inside; keep images on ext4, xfs or btrfs",
			       pc->name);
	l->stop_signal = cs->proc.stop_signal;
	nc_container_spec_free(cs);
	l->state = NC_CS_RUNNING;
	l->pid = pid;
	(void)nc_pidmap_put(&s->pids, pid, i); /* without it, reap() scans */
	l->started_ms = now_ms();
	l->failures = 0;
	l->probe_pid = 0;
	l->paused = false;
	l->killed = false;
	{
		char p[16];
		snprintf(p, sizeof(p), "%d", (int)pid);
		const char *a[] = { "pid", p, NULL };
		event(s, i, "start", a);
	}
	if (has_healthcheck(s, i)) {
		l->health = NC_H_STARTING;
		l->next_probe_ms = l->started_ms + nc_health_interval_ms(health_of(s, i), true);
		record_health(s, i);
	} else {
		l->health = NC_H_NONE;
	}
	if (l->restarts) {
		snprintf(n, sizeof(n), "%u", l->restarts);
		set_record(s, i, NC_C_RESTARTS, n, NULL);
	}
	nc_report_time(s->rep, "supervisor: record and event", t);
	nc_report_verbose(s->rep, "started %s (pid %d)", pc->name, (int)pid);
	return 0;
}

static int start_one(struct sup *s, size_t i, nc_err *why)
{
	struct start_job j = { .i = i };

	start_build(s, &j);
	start_check(s, &j);
	start_spawn(s, &j);
	return start_finish(s, &j, why);
}

struct round {
	struct sup *s;
	struct start_job *jobs;
};

static int round_build(void *ctx, unsigned w, size_t k, nc_err *err)
{
	struct round *rd = ctx;
	(void)w;
	(void)err;
	start_build(rd->s, &rd->jobs[k]);
	return 0;
}

static int round_spawn(void *ctx, unsigned w, size_t k, nc_err *err)
{
	struct round *rd = ctx;
	(void)w;
	(void)err;
	start_spawn(rd->s, &rd->jobs[k]);
	return 0;
}

/* Containers started together, at most this many: their specs are held
 * until the last of them is spawned. */
#define ROUND_MAX 16

/*
 * Starts `idx[0..n)`, whose dependencies are all met, on the workers of
 * nc_parallel_default(): spawning is most of a bring-up, and the kernel
 * work of one container's clone, mounts and exec can run beside
 * another's. Every container is started, as one after another would; a
 * failure is the container's own (fail(), in start_finish). Returns how
 * many started.
 */
static size_t start_round_on(struct sup *s, const size_t *idx, size_t n)
{
	unsigned workers = nc_parallel_default();
	/* On the heap: a spec is tens of kilobytes. */
	_cleanup_free_ struct start_job *jobs = workers > 1 && n > 1 ? calloc(ROUND_MAX, sizeof(*jobs)) : NULL;
	struct round rd = { s, jobs };
	size_t started = 0;
	nc_err e;

	if (!jobs) {
		for (size_t k = 0; k < n; k++)
			if (start_one(s, idx[k], NULL) == 0)
				started++;
		return started;
	}
	(void)rt_cap_last(); /* read once, before the threads */
	rt_container_start_prepare();
	for (size_t at = 0; at < n; at += ROUND_MAX) {
		size_t m = n - at < ROUND_MAX ? n - at : ROUND_MAX;
		for (size_t k = 0; k < m; k++)
			jobs[k] = (struct start_job){ .i = idx[at + k] };
		/* The work functions never fail: each job keeps its result. */
		(void)nc_parallel_for(m, workers, round_build, &rd, &e);
		for (size_t k = 0; k < m; k++)
			start_check(s, &jobs[k]);
		(void)nc_parallel_for(m, workers, round_spawn, &rd, &e);
		for (size_t k = 0; k < m; k++)
			if (start_finish(s, &jobs[k], NULL) == 0)
				started++;
	}
	return started;
}

/*
 * A batch of starts copies the mounts of a template (mnt-template.h)
 * rather than ours, which hold one network namespace's pin per container:
 * making the template costs about what one start's copy does. A template
 * that cannot be made only costs the speed.
 */
static size_t start_round(struct sup *s, const size_t *idx, size_t n)
{
	struct rt_mnt_template t = RT_MNT_TEMPLATE_INIT;
	nc_err e;

	if (n > 1) {
		if (rt_mnt_template_open(s->paths->netns_dir, &t, &e) == 0)
			s->mnt_template = &t;
		else
			nc_report_verbose(s->rep, "%s; the containers copy the supervisor's mounts", e.msg);
	}
	size_t started = start_round_on(s, idx, n);
	s->mnt_template = NULL;
	rt_mnt_template_close(&t);
	return started;
}

/* Starts whatever is wanted and whose dependencies are met, until nothing
 * changes (a start may satisfy someone's service_started). */
static void schedule(struct sup *s)
{
	bool progress = true;
	_cleanup_free_ size_t *ready = malloc((s->p->n_containers + 1) * sizeof(size_t));

	while (progress) {
		size_t n_ready = 0;
		progress = false;
		for (size_t i = 0; i < s->p->n_containers; i++) {
			struct nc_life *l = &s->life[i];
			size_t culprit = 0;
			if (!l->wanted || l->state != NC_CS_CREATED)
				continue;
			switch (nc_life_deps(s->p, s->life, i, &culprit)) {
			case NC_DEPS_WAIT:
				break;
			case NC_DEPS_FAILED: {
				const struct nc_life *o = &s->life[culprit];
				l->wanted = false;
				fail(s, NULL, "service `%s` cannot start: its dependency `%s` %s",
				     s->p->containers[i].name, s->p->containers[culprit].name,
				     o->health == NC_H_UNHEALTHY ? "is unhealthy"
				     : o->health == NC_H_NONE && o->state == NC_CS_RUNNING
					     ? "has no healthcheck (service_healthy needs one)"
					     : "did not complete successfully");
				break;
			}
			case NC_DEPS_READY:
				/* Without memory for the list, one at a time. */
				if (ready)
					ready[n_ready++] = i;
				else if (start_one(s, i, NULL) == 0)
					progress = true;
				break;
			}
		}
		/* A start may meet a later container's service_started: it
		 * is found ready in the next pass. */
		if (n_ready && start_round(s, ready, n_ready) > 0)
			progress = true;
	}
}

/*
 * How long a container without a healthcheck must have run before `up`
 * counts it as up. rt_container_start returns once its workload has
 * called execve (the sync socket closes on exec), so a missing program is
 * already an error; but a program that fails at once (`false`, a bad
 * option) exits a moment later, and nothing but time tells that from one
 * that keeps running. docs/decisions.md ("up -d and a container that
 * exits at once").
 */
#define SETTLE_MS 200

static bool settled(const struct nc_life *l, uint64_t now)
{
	return l->health != NC_H_NONE || now - l->started_ms >= SETTLE_MS;
}

/* When the next running container will have settled; UINT64_MAX: none. */
static uint64_t settle_due(const struct sup *s)
{
	uint64_t next = UINT64_MAX, now = now_ms();

	for (size_t i = 0; !s->ready && i < s->p->n_containers; i++) {
		const struct nc_life *l = &s->life[i];
		if (l->wanted && l->state == NC_CS_RUNNING && !settled(l, now) && l->started_ms + SETTLE_MS < next)
			next = l->started_ms + SETTLE_MS;
	}
	return next;
}

static void check_ready(struct sup *s)
{
	uint64_t now = now_ms();

	if (s->ready || s->failed)
		return;
	for (size_t i = 0; i < s->p->n_containers; i++) {
		const struct nc_life *l = &s->life[i];
		if (!l->wanted)
			continue;
		bool done = (l->state == NC_CS_RUNNING && settled(l, now) &&
			     (l->health == NC_H_NONE || l->health == NC_H_HEALTHY)) ||
			    (l->state == NC_CS_EXITED && l->exit_code == 0);
		if (!done)
			return;
	}
	s->ready = true;
	if (s->o->on_ready)
		s->o->on_ready(s->o->ready_ctx);
}

/* The last lines a container printed, to the terminal of the `up -d` that
 * is still waiting (the supervisor leaves it only once the project is up):
 * the reason it failed is usually there. */
static void show_log_tail(struct sup *s, size_t i, const char *why)
{
	static const struct nc_follow_opts last = { .tail = 10 };
	const char *name = s->p->containers[i].name;
	char dir[PATH_MAX], log[PATH_MAX];
	struct nc_follow *f = NULL;
	nc_err e;

	if (nc_state_container_dir(s->st, name, false, dir, sizeof(dir), &e) < 0 ||
	    nc_pathf(log, sizeof(log), "%s/log", dir) < 0)
		return;
	const char *names[] = { name, NULL }, *logs[] = { log, NULL };
	if (why)
		fprintf(stderr, "%s %s; its last lines:\n", name, why);
	else
		fprintf(stderr, "%s exited with code %d; its last lines:\n", name, s->life[i].exit_code);
	if (nc_follow_open(names, logs, stderr, &last, &f, &e) < 0) {
		fprintf(stderr, "  (%s)\n", e.msg);
		return;
	}
	nc_follow_drain(f);
	nc_follow_close(f);
	fflush(stderr);
}

static void container_ended(struct sup *s, size_t i, int status)
{
	const struct nc_plan_container *pc = &s->p->containers[i];
	struct nc_life *l = &s->life[i];
	char code[16], when[32];

	l->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (l->probe_pid) {
		nc_health_probe_kill(l->probe_pid);
		l->probe_pid = 0;
	}
	snprintf(code, sizeof(code), "%d", l->exit_code);
	snprintf(when, sizeof(when), "%lld", (long long)time(NULL));
	set_record(s, i, NC_C_EXIT, code, when);
	const char *die[] = { "exitCode", code, NULL };
	event(s, i, "die", die);
	l->paused = false;
	if (l->killed && l->state != NC_CS_STOPPED)
		l->state = NC_CS_STOPPED; /* `kill`: ended on request, as `stop` */
	if (l->state == NC_CS_STOPPED) {
		event(s, i, "stop", NULL);
		set_record(s, i, NC_C_STATE, nc_cstate_name(l->state), NULL);
		say(s, "%s stopped (code %d)", pc->name, l->exit_code);
		return;
	}
	uint64_t ran = now_ms() - l->started_ms;
	long delay = nc_life_restart_delay(pc->svc, l, l->exit_code, ran);
	if (delay >= 0) {
		l->state = NC_CS_RESTARTING;
		l->next_restart_ms = now_ms() + (uint64_t)delay;
		set_record(s, i, NC_C_STATE, nc_cstate_name(l->state), NULL);
		say(s, "%s exited with code %d; restarting in %ld ms", pc->name, l->exit_code, delay);
		return;
	}
	l->state = NC_CS_EXITED;
	set_record(s, i, NC_C_STATE, nc_cstate_name(l->state), NULL);
	say(s, "%s exited with code %d", pc->name, l->exit_code);
	if (l->exit_code != 0 && !s->ready && !s->failed) {
		/* Attached, its lines were shown as they came. */
		if (!s->o->attached)
			show_log_tail(s, i, NULL);
		fail(s, NULL, "service `%s` exited with code %d while the project was coming up%s", pc->name,
		     l->exit_code, s->o->attached ? " (see its log)" : "");
	}
}

static void probe_ended(struct sup *s, size_t i, int status)
{
	const struct nc_plan_container *pc = &s->p->containers[i];
	struct nc_life *l = &s->life[i];
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	enum nc_health before = l->health;
	uint64_t now = now_ms();

	l->probe_pid = 0;
	const struct nc_healthcheck *hc = health_of(s, i);
	enum nc_health h = nc_health_record(hc, l, ok, now);
	l->next_probe_ms = now + nc_health_interval_ms(hc, nc_health_in_start_period(hc, l, now));
	if (h != before) {
		record_health(s, i);
		char action[64];
		snprintf(action, sizeof(action), "health_status: %s", nc_health_name(h));
		event(s, i, action, NULL);
		say(s, "%s is %s", pc->name, nc_health_name(h));
		/* A router whose daemons did not come up says why in its log
		 * (zebra's refusal, watchfrr's "Failed to start"). */
		if (h == NC_H_UNHEALTHY && !s->ready && !s->failed && !s->o->attached)
			show_log_tail(s, i, "is unhealthy");
		if (h == NC_H_UNHEALTHY)
			fail(s, NULL, "service `%s` is unhealthy: its healthcheck failed %u times in a row",
			     pc->name, l->failures);
	}
}

/* Whether pid is container i's init (still counted as running) or its
 * probe, and which. */
static bool ended_here(const struct sup *s, size_t i, pid_t pid, bool *probe)
{
	const struct nc_life *l = &s->life[i];
	if (l->pid == pid && l->state != NC_CS_EXITED && l->state != NC_CS_RESTARTING) {
		*probe = false;
		return true;
	}
	if (l->probe_pid == pid) {
		*probe = true;
		return true;
	}
	return false;
}

static void reap(struct sup *s)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		size_t i, n = s->p->n_containers;
		bool probe = false;
		bool found = nc_pidmap_get(&s->pids, pid, &i) && i < n && ended_here(s, i, pid, &probe);
		nc_pidmap_del(&s->pids, pid);
		if (!found)
			for (i = 0; i < n && !(found = ended_here(s, i, pid, &probe)); i++)
				;
		if (!found)
			continue;
		if (!probe) {
			container_ended(s, i, status);
			s->life[i].pid = 0;
		} else {
			probe_ended(s, i, status);
		}
	}
}

/* Timers: restarts that are due, probes to run, probes that overran. */
static uint64_t run_timers(struct sup *s)
{
	uint64_t now = now_ms(), next = UINT64_MAX;

	for (size_t i = 0; i < s->p->n_containers; i++) {
		const struct nc_plan_container *pc = &s->p->containers[i];
		struct nc_life *l = &s->life[i];
		if (l->state == NC_CS_RESTARTING) {
			if (now >= l->next_restart_ms) {
				l->restarts++;
				l->state = NC_CS_CREATED;
				if (start_one(s, i, NULL) < 0)
					continue;
			} else if (l->next_restart_ms < next) {
				next = l->next_restart_ms;
			}
		}
		if (l->state != NC_CS_RUNNING || !has_healthcheck(s, i) || l->paused)
			continue;
		if (l->probe_pid && now >= l->probe_deadline_ms) {
			nc_health_probe_kill(l->probe_pid); /* reaped as a failure */
		} else if (!l->probe_pid && now >= l->next_probe_ms) {
			nc_err e;
			if (nc_health_probe_start(pc, health_of(s, i), s->st, l->pid, s->cg, &l->probe_pid, &e) < 0) {
				nc_report_warn(s->rep, "%s", e.msg);
			} else {
				l->probe_deadline_ms = now + nc_health_timeout_ms(health_of(s, i));
				(void)nc_pidmap_put(&s->pids, l->probe_pid, i);
			}
		}
		uint64_t due = l->probe_pid ? l->probe_deadline_ms : l->next_probe_ms;
		if (due < next)
			next = due;
	}
	return next;
}

static int signal_of(const struct nc_plan_container *pc, const struct nc_life *l)
{
	if (l->stop_signal)
		return l->stop_signal;
	return pc->svc->stop_signal ? pc->svc->stop_signal : SIGTERM;
}

static unsigned grace_of(const struct sup *s, const struct nc_plan_container *pc,
			 unsigned override_ms)
{
	if (override_ms)
		return override_ms;
	if (s->o->grace_ms)
		return s->o->grace_ms;
	int64_t ns = pc->svc->stop_grace_period_ns;
	return ns == NC_UNSET || ns < 0 ? 10000 : (unsigned)(ns / 1000000);
}

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Stops the chosen containers at once (their stop signals, their grace
 * periods running side by side); they are not restarted. The inits are
 * watched through pidfds, so the first to end is seen at once; in the
 * foreground a second Ctrl-C kills what is left without waiting. */
static void stop_some(struct sup *s, const bool *which, unsigned grace_override_ms)
{
	size_t n = s->p->n_containers;
	_cleanup_free_ struct pollfd *pfd = calloc(n + 1, sizeof(*pfd));
	_cleanup_free_ uint64_t *deadline = calloc(n + 1, sizeof(*deadline));
	uint64_t start = now_ms();
	bool force = false;
	nc_err e;

	if (!pfd || !deadline)
		return;
	for (size_t i = 0; i < n; i++) {
		struct nc_life *l = &s->life[i];
		pfd[i].fd = -1;
		if (!which[i])
			continue;
		if (l->state == NC_CS_RESTARTING || l->state == NC_CS_CREATED)
			l->state = NC_CS_STOPPED;
		if (l->state != NC_CS_RUNNING)
			continue;
		l->state = NC_CS_STOPPED;
		/* A frozen container would sit out its grace period. */
		if (l->paused && rt_cgroup_freeze(s->cg, s->p->containers[i].cgroup, false, &e) == 0) {
			l->paused = false;
			event(s, i, "unpause", NULL);
		}
		pfd[i] = (struct pollfd){ .fd = pidfd_of(l->pid), .events = POLLIN };
		deadline[i] = start + grace_of(s, &s->p->containers[i], grace_override_ms);
		kill(l->pid, signal_of(&s->p->containers[i], l));
	}
	pfd[n] = (struct pollfd){ .fd = s->sfd, .events = POLLIN };
	for (;;) {
		uint64_t now = now_ms(), next = UINT64_MAX;
		size_t waiting = 0;
		for (size_t i = 0; i < n; i++) {
			if (pfd[i].fd < 0)
				continue;
			if (force || now >= deadline[i]) {
				/* Out of time: whatever is left of it goes. */
				if (rt_cgroup_kill(s->cg, s->p->containers[i].cgroup, &e) < 0)
					nc_report_warn(s->rep, "stop `%s`: %s", s->p->containers[i].name, e.msg);
				close(pfd[i].fd);
				pfd[i].fd = -1;
				continue;
			}
			waiting++;
			if (deadline[i] < next)
				next = deadline[i];
		}
		if (!waiting)
			break;
		pfd[n].fd = s->o->attached ? s->sfd : -1;
		if (poll(pfd, n + 1, (int)(next - now) + 1) < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < n; i++)
			if (pfd[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP))) {
				close(pfd[i].fd); /* ended by itself */
				pfd[i].fd = -1;
			}
		if (pfd[n].fd >= 0 && (pfd[n].revents & POLLIN)) {
			struct signalfd_siginfo si;
			while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
					if (!force)
						fprintf(stderr, "Killing %s...\n", s->p->project);
					force = true;
				} else if (si.ssi_signo == SIGCHLD) {
					reap(s);
				}
			}
		}
	}
	reap(s);
}

static void stop_all(struct sup *s, unsigned grace_override_ms)
{
	_cleanup_free_ bool *all = calloc(s->p->n_containers + 1, sizeof(bool));
	if (!all)
		return;
	for (size_t i = 0; i < s->p->n_containers; i++)
		all[i] = true;
	stop_some(s, all, grace_override_ms);
}

static size_t index_of(const struct sup *s, const char *name)
{
	for (size_t i = 0; i < s->p->n_containers; i++)
		if (!strcmp(s->p->containers[i].name, name))
			return i;
	return SIZE_MAX;
}

/* A node switched off loses its links at once: its interfaces go down
 * before its processes get their signal, so neighbours see the carrier go
 * (and its kernel stops forwarding) instead of waiting for a routing
 * protocol's dead interval. `start` brings them back, except those cut by
 * `link down`. A failure here is said and does not stop the rest. */
static void node_links_one(struct sup *s, size_t i, bool up)
{
	nc_err e;
	if (nc_live_node(s->p->project, s->paths, s->p->containers[i].name, up, &e) < 0)
		nc_report_warn(s->rep, "%s: interfaces of `%s`: %s", up ? "start" : "stop",
			       s->p->containers[i].name, e.msg);
}

static void node_links(struct sup *s, const bool *which, bool up)
{
	for (size_t i = 0; i < s->p->n_containers; i++)
		if (which[i])
			node_links_one(s, i, up);
}

/* stop / start / restart [SERVICE...]: no service means all of them, as
 * in Compose. A second record `grace MS` overrides the grace periods
 * (`-t`). */
static void serve_services(struct sup *s, const struct nc_records *rq, struct nc_strbuf *reply)
{
	const struct nc_record *req = &rq->v[0];
	const char *verb = req->f[0];
	_cleanup_free_ bool *which = calloc(s->p->n_containers + 1, sizeof(bool));
	unsigned grace = 0;
	bool failed = false;
	nc_err why;

	if (!which) {
		const char *f[] = { "error", "out of memory" };
		nc_record_append(reply, f, 2);
		return;
	}
	for (size_t k = 1; k < rq->n; k++)
		if (!strcmp(rq->v[k].f[0], "grace") && nc_record_field(&rq->v[k], 1))
			grace = (unsigned)strtoul(rq->v[k].f[1], NULL, 10);
	if (req->n == 1)
		for (size_t i = 0; i < s->p->n_containers; i++)
			which[i] = true;
	for (size_t k = 1; k < req->n; k++) {
		size_t i = index_of(s, req->f[k]);
		if (i == SIZE_MAX) {
			char msg[256];
			snprintf(msg, sizeof(msg), "no service `%s` in project `%s`", req->f[k], s->p->project);
			const char *f[] = { "error", msg };
			nc_record_append(reply, f, 2);
			return;
		}
		which[i] = true;
	}
	if (strcmp(verb, "start")) {
		node_links(s, which, false);
		stop_some(s, which, grace);
	}
	if (strcmp(verb, "stop"))
		for (size_t i = 0; i < s->p->n_containers; i++) {
			struct nc_life *l = &s->life[i];
			if (!which[i])
				continue;
			/* Even for one still running: a `stop` that failed
			 * half-way is undone by this `start`. */
			node_links_one(s, i, true);
			if (l->state == NC_CS_RUNNING)
				continue;
			l->wanted = true;
			l->state = NC_CS_CREATED;
			l->backoff = 0;
			if (start_one(s, i, &why) < 0)
				failed = true;
		}
	if (failed) {
		const char *f[] = { "error", why.msg };
		nc_record_append(reply, f, 2);
		return;
	}
	const char *f[] = { "ok" };
	nc_record_append(reply, f, 1);
}

static int reply_error(struct nc_strbuf *reply, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reply_error(struct nc_strbuf *reply, const char *fmt, ...)
{
	char msg[NC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *f[] = { "error", msg };
	nc_record_append(reply, f, 2);
	return -1;
}

/* kill SIGNAL SERVICE..., pause SERVICE..., unpause SERVICE..., rm
 * stop|keep SERVICE...: no service named means every one. The reply is
 * "ok", then one "did SERVICE" record per container acted on. */
static int serve_more(struct sup *s, const struct nc_record *req, struct nc_strbuf *reply)
{
	const char *verb = req->f[0];
	bool is_kill = !strcmp(verb, "kill"), is_rm = !strcmp(verb, "rm");
	size_t first = is_kill || is_rm ? 2 : 1, n = s->p->n_containers;
	_cleanup_free_ bool *which = calloc(n + 1, sizeof(bool));
	_cleanup_free_ bool *did = calloc(n + 1, sizeof(bool));
	int sig = 0;
	nc_err e;

	if (!which || !did)
		return reply_error(reply, "out of memory");
	if (req->n < first)
		return reply_error(reply, "%s: request too short", verb);
	if (is_kill && ((sig = (int)strtol(req->f[1], NULL, 10)) <= 0 || sig >= NSIG))
		return reply_error(reply, "kill: no signal %s", req->f[1]);
	for (size_t k = first; k < req->n; k++) {
		size_t i = index_of(s, req->f[k]);
		if (i == SIZE_MAX)
			return reply_error(reply, "no service `%s` in project `%s`", req->f[k], s->p->project);
		which[i] = true;
	}
	for (size_t i = 0; req->n == first && i < n; i++)
		which[i] = true;

	for (size_t i = 0; i < n; i++) {
		struct nc_life *l = &s->life[i];
		const char *name = s->p->containers[i].name, *cgroup = s->p->containers[i].cgroup;
		if (!which[i])
			continue;
		if (is_kill) {
			if (l->state != NC_CS_RUNNING)
				continue;
			if (l->paused)
				return reply_error(reply, "kill: `%s` is paused; unpause it first", name);
			if (kill(l->pid, sig) < 0)
				return reply_error(reply, "kill `%s` (pid %d): %s", name, (int)l->pid, strerror(errno));
			l->killed = true;
			char num[16];
			snprintf(num, sizeof(num), "%d", sig);
			const char *a[] = { "signal", num, NULL };
			event(s, i, "kill", a);
		} else if (!strcmp(verb, "pause") || !strcmp(verb, "unpause")) {
			bool freeze = verb[0] == 'p';
			if (l->state != NC_CS_RUNNING || l->paused == freeze)
				continue;
			if (rt_cgroup_freeze(s->cg, cgroup, freeze, &e) < 0)
				return reply_error(reply, "%s `%s`: %s", verb, name, e.msg);
			l->paused = freeze;
			event(s, i, verb, NULL);
		} else if (is_rm) {
			if (l->state == NC_CS_RUNNING || l->state == NC_CS_RESTARTING) {
				if (strcmp(req->f[1], "stop"))
					continue; /* as Compose: rm leaves running containers alone */
				_cleanup_free_ bool *one = calloc(n + 1, sizeof(bool));
				if (!one)
					return reply_error(reply, "out of memory");
				one[i] = true;
				stop_some(s, one, 0);
			}
			if (l->state == NC_CS_CREATED)
				continue; /* never started: nothing to remove */
			if (nc_container_remove(s->p, &s->p->containers[i], s->st, s->paths, &e) < 0)
				return reply_error(reply, "%s", e.msg);
			*l = (struct nc_life){ .state = NC_CS_CREATED };
			event(s, i, "destroy", NULL);
		} else {
			return reply_error(reply, "unknown request");
		}
		did[i] = true;
	}
	const char *ok[] = { "ok" };
	nc_record_append(reply, ok, 1);
	for (size_t i = 0; i < n; i++)
		if (did[i]) {
			const char *f[] = { "did", s->p->containers[i].name };
			nc_record_append(reply, f, 2);
		}
	return 0;
}

/* Answers one request; returns 1 when the supervisor must end. */
static int serve(struct sup *s, int conn)
{
	_cleanup_strbuf_ struct nc_strbuf reply = NC_STRBUF_INIT;
	struct nc_records req;
	nc_err e;
	int end = 0;

	if (nc_control_recv(conn, &req, &e) < 0)
		return 0;
	const struct nc_record *r = &req.v[0];
	const char *verb = r->f[0];
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (!strcmp(verb, "ping")) {
		const char *f[] = { "ok", pid };
		nc_record_append(&reply, f, 2);
	} else if (!strcmp(verb, "down")) {
		unsigned grace = nc_record_field(r, 1) ? (unsigned)strtoul(r->f[1], NULL, 10) : 0;
		nc_report_verbose(s->rep, "supervisor: stopping every container");
		stop_all(s, grace);
		const char *f[] = { "ok", pid };
		nc_record_append(&reply, f, 2);
		end = 1;
	} else if (!strcmp(verb, "stop") || !strcmp(verb, "start") || !strcmp(verb, "restart")) {
		serve_services(s, &req, &reply);
	} else if (!strcmp(verb, "kill") || !strcmp(verb, "pause") || !strcmp(verb, "unpause") ||
		   !strcmp(verb, "rm")) {
		serve_more(s, r, &reply);
	} else if (!strcmp(verb, NC_CONTROL_RECONCILE)) {
		nc_sup_reconcile(s, &req, &reply);
	} else if (!strcmp(verb, "status")) {
		const char *f[] = { "ok", pid };
		nc_record_append(&reply, f, 2);
		for (size_t i = 0; i < s->p->n_containers; i++) {
			const struct nc_life *l = &s->life[i];
			char p[16], code[16], restarts[16];
			snprintf(p, sizeof(p), "%d", (int)l->pid);
			snprintf(code, sizeof(code), "%d", l->exit_code);
			snprintf(restarts, sizeof(restarts), "%u", l->restarts);
			const char *g[] = { "container", s->p->containers[i].name, nc_cstate_name(l->state),
					    p, code, restarts, nc_health_name(l->health) };
			nc_record_append(&reply, g, NC_ELEMENTSOF(g));
		}
	} else {
		const char *f[] = { "error", "unknown request" };
		nc_record_append(&reply, f, 2);
	}
	nc_control_send(conn, &reply, &e);
	nc_records_free(&req);
	return end;
}

static int open_follow(struct sup *s, nc_err *err)
{
	size_t n = s->p->n_containers;
	_cleanup_free_ const char **names = calloc(n + 1, sizeof(char *));
	_cleanup_free_ char (*logs)[PATH_MAX] = calloc(n + 1, PATH_MAX);
	_cleanup_free_ const char **lp = calloc(n + 1, sizeof(char *));

	if (!names || !logs || !lp)
		return nc_err_errno(err, ENOMEM, "follow logs");
	for (size_t i = 0; i < n; i++) {
		char dir[PATH_MAX];
		const char *name = s->p->containers[i].name;
		int r = nc_state_container_dir(s->st, name, true, dir, sizeof(dir), err);
		if (r < 0 || nc_pathf(logs[i], PATH_MAX, "%s/log", dir) < 0)
			return nc_err_errno(err, ENAMETOOLONG, "log of `%s`", name);
		/* The log may not exist until the container first starts. */
		FILE *f = fopen(logs[i], "a");
		if (f)
			fclose(f);
		names[i] = name;
		lp[i] = logs[i];
	}
	static const struct nc_follow_opts all = { .tail = -1 };
	return nc_follow_open(names, lp, stdout, &all, &s->follow, err);
}

static bool all_ended(const struct sup *s)
{
	for (size_t i = 0; i < s->p->n_containers; i++)
		if (s->life[i].state == NC_CS_RUNNING || s->life[i].state == NC_CS_RESTARTING)
			return false;
	return true;
}

static void arm(int tfd, uint64_t due)
{
	struct itimerspec its = { 0 };
	if (due != UINT64_MAX) {
		uint64_t now = now_ms(), in = due > now ? due - now : 1;
		its.it_value.tv_sec = (time_t)(in / 1000);
		its.it_value.tv_nsec = (long)(in % 1000) * 1000000;
	}
	timerfd_settime(tfd, 0, &its, NULL);
}

void nc_supervisor_enter_cgroup(const struct nc_plan *p, const struct nc_paths *paths)
{
	char proj[PATH_MAX], path[PATH_MAX];
	struct rt_limits lim = RT_LIMITS_INIT;
	struct rt_cgroups *cg = NULL;
	nc_err e;

	if (rt_cgroups_open(paths->cgroup_root, NULL, NULL, &cg, &e) < 0)
		return;
	if (nc_name_cgroup_project(p->project, proj, sizeof(proj), &e) == 0 &&
	    nc_pathf(path, sizeof(path), "%s/" NC_SUPERVISOR_CGROUP, proj) == 0 &&
	    rt_cgroup_create(cg, path, &lim, &e) == 0)
		rt_cgroup_attach(cg, path, getpid(), &e);
	rt_cgroups_close(cg);
}

static int supervise(const struct nc_plan *p, const struct nc_paths *paths, struct nc_state *st,
		     struct rt_cgroups *cg, struct nc_report *rep, const struct nc_supervise_opts *o,
		     int control_fd, enum nc_supervise_end *end, nc_err *err)
{
	struct sup s = { .p = p, .paths = paths, .st = st, .cg = cg, .rep = rep, .o = o, .sfd = -1 };
	_cleanup_close_ int lfd = control_fd, sfd = -1, tfd = -1;
	sigset_t mask, old;
	const char *unknown = NULL;
	int r = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if (!(s.life = calloc(p->n_containers + 1, sizeof(*s.life)))) {
		r = nc_err_errno(err, ENOMEM, "supervise `%s`", p->project);
		goto out;
	}
	if (nc_life_select(p, s.life, o->services, &unknown) < 0) {
		r = nc_err_msg(err, EINVAL, "no service `%s` in project `%s`", unknown, p->project);
		goto out;
	}
	if ((r = nc_container_masked_paths(paths, &s.masked, err)) < 0)
		goto out;
	s.sfd = -1;
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) < 0) {
		r = nc_err_errno(err, errno, "supervise: signalfd/timerfd");
		goto out;
	}
	s.sfd = sfd;
	if (lfd < 0 && (r = nc_control_listen(st->dir, &lfd, err)) < 0)
		goto out;
	if (o->attached && (r = open_follow(&s, err)) < 0)
		goto out;

	schedule(&s);
	for (;;) {
		uint64_t due = run_timers(&s);
		schedule(&s);
		check_ready(&s);
		uint64_t settle = settle_due(&s);
		arm(tfd, settle < due ? settle : due);
		if (s.follow)
			nc_follow_drain(s.follow);
		if (s.failed) {
			*end = NC_SUPERVISE_FAILED;
			*err = s.fail;
			r = nc_err_ret(err);
			stop_all(&s, 0);
			break;
		}
		if (o->attached && s.ready && all_ended(&s)) {
			*end = NC_SUPERVISE_ALL_EXITED;
			break;
		}
		struct pollfd pfd[4] = {
			{ .fd = sfd, .events = POLLIN }, { .fd = lfd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
			{ .fd = s.follow ? nc_follow_fd(s.follow) : -1, .events = POLLIN },
		};
		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = nc_err_errno(err, errno, "supervise: poll");
			break;
		}
		if (pfd[2].revents & POLLIN) {
			uint64_t ticks;
			if (read(tfd, &ticks, sizeof(ticks)) < 0) {
				/* nothing: the timers are re-read at the top */
			}
		}
		if (pfd[1].revents & POLLIN) {
			_cleanup_close_ int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (conn >= 0 && serve(&s, conn)) {
				*end = NC_SUPERVISE_DOWN;
				break;
			}
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		bool stop = false;
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				reap(&s);
			else if (si.ssi_signo == SIGHUP && !o->attached)
				continue; /* detached: a closed terminal means nothing */
			else
				stop = true;
		}
		if (stop) {
			*end = NC_SUPERVISE_INTERRUPTED;
			if (o->attached)
				fprintf(stderr, "\nStopping %s...\n", s.p->project);
			stop_all(&s, 0);
			break;
		}
	}
	if (s.follow)
		nc_follow_drain(s.follow);
out:
	if (lfd >= 0) {
		char path[PATH_MAX];
		if (nc_pathf(path, sizeof(path), "%s/" NC_CONTROL_NAME, st->dir) == 0)
			unlink(path);
	}
	for (size_t i = 0; s.life && i < s.p->n_containers; i++)
		if (s.life[i].probe_pid)
			nc_health_probe_kill(s.life[i].probe_pid);
	nc_follow_close(s.follow);
	nc_strv_freep(&s.masked);
	free(s.life);
	nc_pidmap_free(&s.pids);
	for (size_t i = 0; i < s.n_health; i++)
		nc_arena_free(&s.health[i].a);
	free(s.health);
	nc_sup_reconcile_release(&s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

int nc_supervise(const struct nc_plan *p, const struct nc_paths *paths, struct nc_state *st,
		 struct nc_report *rep, const struct nc_supervise_opts *o, int control_fd,
		 enum nc_supervise_end *end, nc_err *err)
{
	struct rt_cgroups *cg = NULL;

	if (rt_cgroups_open(paths->cgroup_root, NULL, NULL, &cg, err) < 0) {
		if (control_fd >= 0)
			close(control_fd);
		return nc_err_ret(err);
	}
	int r = supervise(p, paths, st, cg, rep, o, control_fd, end, err);
	rt_cgroups_close(cg);
	return r;
}

/* For supervise-reconcile.c: the same acts, on the same tables. */
int nc_sup_start(struct sup *s, size_t i, nc_err *why)
{
	return start_one(s, i, why);
}

void nc_sup_stop(struct sup *s, const bool *which)
{
	stop_some(s, which, 0);
}

void nc_sup_reap(struct sup *s)
{
	reap(s);
}

void nc_sup_index_pids(struct sup *s)
{
	nc_pidmap_clear(&s->pids);
	for (size_t i = 0; i < s->p->n_containers; i++) {
		if (s->life[i].pid)
			(void)nc_pidmap_put(&s->pids, s->life[i].pid, i);
		if (s->life[i].probe_pid)
			(void)nc_pidmap_put(&s->pids, s->life[i].probe_pid, i);
	}
}
