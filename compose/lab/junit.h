/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `test --format junit`: the results as the JUnit XML that Jenkins' and
 * GitLab's test report readers take: <testsuites> holding one <testsuite>
 * per check set (the list form's checks are the set "checks"), with
 * tests, failures, errors, skipped, time (seconds), timestamp and hostname;
 * each <testcase> has a classname, a name and its time; a failed check
 * holds <failure message type>, one that could not run <error message type>.
 * Pure: results in, text out.
 */
#ifndef NC_COMPOSE_JUNIT_H
#define NC_COMPOSE_JUNIT_H

#include <stddef.h>
#include <time.h>

#include "common/strbuf.h"
#include "compose/lab/checks.h"

void nc_junit_write(struct nc_strbuf *out, const char *project, const char *hostname,
		    time_t started, const struct nc_check_result *r, size_t n);

#endif
