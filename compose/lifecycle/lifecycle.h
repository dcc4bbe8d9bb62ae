/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules of a container's life, as Compose has them, with no I/O: when
 * its dependencies let it start, whether and when it restarts, how health
 * probes count. The supervisor applies them.
 */
#ifndef NC_COMPOSE_LIFECYCLE_H
#define NC_COMPOSE_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compose/plan/plan.h"

enum nc_cstate {
	NC_CS_CREATED,    /* wired, not started (not wanted yet, or waiting for dependencies) */
	NC_CS_RUNNING,
	NC_CS_EXITED,     /* ended by itself */
	NC_CS_STOPPED,    /* stopped on request (stop, down): never restarted */
	NC_CS_RESTARTING, /* ended; a restart is due at next_restart_ms */
};

enum nc_health {
	NC_H_NONE, /* no healthcheck */
	NC_H_STARTING,
	NC_H_HEALTHY,
	NC_H_UNHEALTHY,
};

struct nc_life {
	enum nc_cstate state;
	enum nc_health health;
	bool wanted;            /* selected by up (with what it depends on), or started by hand */
	pid_t pid;              /* the init while running */
	int exit_code;
	unsigned restarts;      /* restarts so far */
	unsigned backoff;       /* restarts since the container last ran long enough */
	uint64_t started_ms;
	uint64_t next_restart_ms;
	/* health */
	unsigned failures;      /* consecutive failed probes (after the start period) */
	uint64_t next_probe_ms;
	pid_t probe_pid;        /* 0 when no probe runs */
	uint64_t probe_deadline_ms;
	bool paused;            /* frozen by `pause`: no probes until `unpause` */
	bool killed;            /* signalled by `kill`: its end is not restarted */
	int stop_signal;        /* stop_signal, else the image's StopSignal; 0: SIGTERM */
	size_t health_slot;     /* 1 + its healthcheck's index in the supervisor's copies; 0: the service's */
};

const char *nc_cstate_name(enum nc_cstate s);
const char *nc_health_name(enum nc_health h);

enum nc_deps {
	NC_DEPS_WAIT,   /* not yet */
	NC_DEPS_READY,
	NC_DEPS_FAILED, /* a required dependency can no longer be met */
};

/* Whether container i may start: every dependency meets its condition
 * (service_started: running or ended; service_healthy: healthy;
 * service_completed_successfully: ended with 0). *culprit names the
 * container that blocks or failed. */
enum nc_deps nc_life_deps(const struct nc_plan *p, const struct nc_life *lives, size_t i,
			  size_t *culprit);

/* Marks `wanted` for the services named (and, transitively, what they
 * depend on); NULL names = every service. Returns -1 with *unknown set
 * when a name is not a service. */
int nc_life_select(const struct nc_plan *p, struct nc_life *lives, const char *const *names,
		   const char **unknown);

/* Docker's back-off: 100 ms, doubling per restart, at most a minute; a
 * container that ran for 10 s or more starts again from 100 ms. */
#define NC_RESTART_RESET_MS 10000

/* After the container ended with `code` having run `ran_ms`: the delay
 * before its restart, or -1 when its policy says no. Updates backoff. */
long nc_life_restart_delay(const struct nc_service *s, struct nc_life *l, int code, uint64_t ran_ms);

/* The exit code recorded for a container that could not be started, from
 * the errno of the failure, as a shell and Docker say it: 127 its command
 * was not found, 126 it could not be executed, 125 the container itself
 * could not be made (a mount, a namespace, a limit). */
int nc_life_start_failed_code(int errnum);

/* Healthcheck timing with Compose's defaults (30 s interval and timeout,
 * 3 retries, no start period). */
uint64_t nc_health_interval_ms(const struct nc_healthcheck *h, bool in_start_period);
uint64_t nc_health_timeout_ms(const struct nc_healthcheck *h);
bool nc_health_in_start_period(const struct nc_healthcheck *h, const struct nc_life *l,
			       uint64_t now_ms);

/* Counts one probe result; returns the new health. A failure inside the
 * start period does not count. */
enum nc_health nc_health_record(const struct nc_healthcheck *h, struct nc_life *l, bool ok,
				uint64_t now_ms);

#endif
