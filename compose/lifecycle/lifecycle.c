/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/lifecycle.h"

#include <errno.h>
#include <string.h>

const char *nc_cstate_name(enum nc_cstate s)
{
	switch (s) {
	case NC_CS_CREATED: return "created";
	case NC_CS_RUNNING: return "running";
	case NC_CS_EXITED: return "exited";
	case NC_CS_STOPPED: return "stopped";
	case NC_CS_RESTARTING: return "restarting";
	}
	return "?";
}

const char *nc_health_name(enum nc_health h)
{
	switch (h) {
	case NC_H_NONE: return "";
	case NC_H_STARTING: return "starting";
	case NC_H_HEALTHY: return "healthy";
	case NC_H_UNHEALTHY: return "unhealthy";
	}
	return "?";
}

static size_t index_of(const struct nc_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_containers; i++)
		if (!strcmp(p->containers[i].name, name))
			return i;
	return SIZE_MAX;
}

enum nc_deps nc_life_deps(const struct nc_plan *p, const struct nc_life *lives, size_t i,
			  size_t *culprit)
{
	const struct nc_service *s = p->containers[i].svc;
	enum nc_deps verdict = NC_DEPS_READY;

	for (size_t k = 0; k < s->n_depends_on; k++) {
		const struct nc_depend *d = &s->depends_on[k];
		size_t j = index_of(p, d->service);
		if (j == SIZE_MAX)
			continue; /* the parser refused unknown names; an optional one may be absent */
		const struct nc_life *o = &lives[j];
		bool ended = o->state == NC_CS_EXITED || o->state == NC_CS_STOPPED;
		bool ok = false, failed = false;

		switch (d->condition) {
		case NC_DEP_STARTED:
			ok = o->state != NC_CS_CREATED;
			break;
		case NC_DEP_HEALTHY:
			ok = o->state == NC_CS_RUNNING && o->health == NC_H_HEALTHY;
			/* Without a healthcheck it can never be healthy. */
			failed = o->health == NC_H_UNHEALTHY ||
				 (o->state != NC_CS_CREATED && o->health == NC_H_NONE) ||
				 (ended && o->state != NC_CS_RESTARTING);
			break;
		case NC_DEP_COMPLETED:
			ok = ended && o->exit_code == 0;
			failed = ended && o->exit_code != 0;
			break;
		}
		if (!d->required && failed)
			continue;
		if (failed) {
			*culprit = j;
			return NC_DEPS_FAILED;
		}
		if (!ok && verdict == NC_DEPS_READY) {
			*culprit = j;
			verdict = NC_DEPS_WAIT;
		}
	}
	return verdict;
}

static void want(const struct nc_plan *p, struct nc_life *lives, size_t i)
{
	if (lives[i].wanted)
		return;
	lives[i].wanted = true;
	const struct nc_service *s = p->containers[i].svc;
	for (size_t k = 0; k < s->n_depends_on; k++) {
		size_t j = index_of(p, s->depends_on[k].service);
		if (j != SIZE_MAX)
			want(p, lives, j);
	}
}

int nc_life_select(const struct nc_plan *p, struct nc_life *lives, const char *const *names,
		   const char **unknown)
{
	if (!names || !names[0]) {
		for (size_t i = 0; i < p->n_containers; i++)
			lives[i].wanted = true;
		return 0;
	}
	for (const char *const *n = names; *n; n++) {
		size_t i = index_of(p, *n);
		if (i == SIZE_MAX) {
			*unknown = *n;
			return -1;
		}
		want(p, lives, i);
	}
	return 0;
}

long nc_life_restart_delay(const struct nc_service *s, struct nc_life *l, int code, uint64_t ran_ms)
{
	switch (s->restart) {
	case NC_RESTART_NO:
		return -1;
	case NC_RESTART_ON_FAILURE:
		if (code == 0 || (s->restart_max > 0 && (int64_t)l->restarts >= s->restart_max))
			return -1;
		break;
	case NC_RESTART_ALWAYS:
	case NC_RESTART_UNLESS_STOPPED:
		break;
	}
	if (ran_ms >= NC_RESTART_RESET_MS)
		l->backoff = 0;
	unsigned shift = l->backoff < 10 ? l->backoff : 10;
	long delay = 100L << shift;
	if (delay > 60000)
		delay = 60000;
	l->backoff++;
	return delay;
}

static uint64_t ns_to_ms(int64_t ns, uint64_t dflt)
{
	return ns == NC_UNSET || ns < 0 ? dflt : (uint64_t)ns / 1000000;
}

uint64_t nc_health_interval_ms(const struct nc_healthcheck *h, bool in_start_period)
{
	if (in_start_period && h->start_interval_ns != NC_UNSET && h->start_interval_ns > 0)
		return (uint64_t)h->start_interval_ns / 1000000;
	uint64_t ms = ns_to_ms(h->interval_ns, 30000);
	return ms ? ms : 30000;
}

uint64_t nc_health_timeout_ms(const struct nc_healthcheck *h)
{
	uint64_t ms = ns_to_ms(h->timeout_ns, 30000);
	return ms ? ms : 30000;
}

bool nc_health_in_start_period(const struct nc_healthcheck *h, const struct nc_life *l,
			       uint64_t now_ms)
{
	return now_ms < l->started_ms + ns_to_ms(h->start_period_ns, 0);
}

enum nc_health nc_health_record(const struct nc_healthcheck *h, struct nc_life *l, bool ok,
				uint64_t now_ms)
{
	/* Docker's default of 3 applies to `retries: 0` too (the engine
	 * reads 0 as "not set"), so 0 never means "unhealthy at once". */
	int64_t retries = h->retries == NC_UNSET || h->retries <= 0 ? 3 : h->retries;

	if (ok) {
		l->failures = 0;
		l->health = NC_H_HEALTHY;
		return l->health;
	}
	if (nc_health_in_start_period(h, l, now_ms))
		return l->health;
	l->failures++;
	if ((int64_t)l->failures >= retries)
		l->health = NC_H_UNHEALTHY;
	return l->health;
}

int nc_life_start_failed_code(int errnum)
{
	switch (errnum) {
	case ENOENT:
		return 127;
	case EACCES:
	case ENOEXEC:
		return 126;
	default:
		return 125;
	}
}
