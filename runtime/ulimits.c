/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/ulimits.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "runtime/child-util.h"

/* Docker's spelling (go-units ulimit.go), in RLIMIT order. */
static const struct {
	const char *name;
	int resource;
} names[] = {
	{ "cpu", RLIMIT_CPU },
	{ "fsize", RLIMIT_FSIZE },
	{ "data", RLIMIT_DATA },
	{ "stack", RLIMIT_STACK },
	{ "core", RLIMIT_CORE },
	{ "rss", RLIMIT_RSS },
	{ "nproc", RLIMIT_NPROC },
	{ "nofile", RLIMIT_NOFILE },
	{ "memlock", RLIMIT_MEMLOCK },
	{ "as", RLIMIT_AS },
	{ "locks", RLIMIT_LOCKS },
	{ "sigpending", RLIMIT_SIGPENDING },
	{ "msgqueue", RLIMIT_MSGQUEUE },
	{ "nice", RLIMIT_NICE },
	{ "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME },
};

int rt_ulimit_from_name(const char *name)
{
	for (size_t i = 0; name && i < NC_ELEMENTSOF(names); i++)
		if (!strcmp(name, names[i].name))
			return names[i].resource;
	return -1;
}

const char *rt_ulimit_name(int resource)
{
	for (size_t i = 0; i < NC_ELEMENTSOF(names); i++)
		if (names[i].resource == resource)
			return names[i].name;
	return NULL;
}

/* "unlimited" or the number; no allocation (child side too). */
static const char *value(uint64_t v, char *buf, size_t size)
{
	if (v == RT_ULIMIT_UNLIMITED)
		return "unlimited";
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

int rt_ulimit_make(const char *name, int64_t soft, int64_t hard, struct rt_ulimit *out, nc_err *err)
{
	int res = rt_ulimit_from_name(name);

	if (res < 0)
		return nc_err_msg(err, EINVAL, "unknown ulimit `%s`", name ? name : "");
	if (soft < -1 || hard < -1)
		return nc_err_msg(err, EINVAL, "ulimit `%s`: %lld is not a limit (-1 is unlimited)", name,
				  (long long)(soft < -1 ? soft : hard));
	*out = (struct rt_ulimit){
		.resource = res,
		.soft = soft == -1 ? RT_ULIMIT_UNLIMITED : (uint64_t)soft,
		.hard = hard == -1 ? RT_ULIMIT_UNLIMITED : (uint64_t)hard,
	};
	return rt_ulimits_check(out, 1, err);
}

int rt_ulimits_check(const struct rt_ulimit *u, size_t n, nc_err *err)
{
	char s[24], h[24];

	for (size_t i = 0; i < n; i++) {
		const char *name = rt_ulimit_name(u[i].resource);
		if (!name)
			return nc_err_msg(err, EINVAL, "ulimit: unknown resource %d", u[i].resource);
		if (u[i].soft > u[i].hard)
			return nc_err_msg(err, EINVAL, "ulimit `%s`: soft limit %s is above the hard limit %s", name,
					  value(u[i].soft, s, sizeof(s)), value(u[i].hard, h, sizeof(h)));
		for (size_t j = 0; j < i; j++)
			if (u[j].resource == u[i].resource)
				return nc_err_msg(err, EINVAL, "ulimit `%s` is given twice", name);
	}
	return 0;
}

int rt_ulimits_apply(const struct rt_ulimit *u, size_t n, nc_err *err)
{
	char s[24], h[24];

	for (size_t i = 0; i < n; i++) {
		struct rlimit64 rl = { .rlim_cur = u[i].soft, .rlim_max = u[i].hard };
		if (setrlimit64((__rlimit_resource_t)u[i].resource, &rl) < 0) {
			const char *name = rt_ulimit_name(u[i].resource);
			return rt_cerr(err, errno, "set ulimit `%s` to %s:%s", name ? name : "?",
				       value(u[i].soft, s, sizeof(s)), value(u[i].hard, h, sizeof(h)));
		}
	}
	return 0;
}
