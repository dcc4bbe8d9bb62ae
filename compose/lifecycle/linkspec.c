/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/linkspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/file/units.h"
#include "netd/msg.h"

int nc_link_target_parse(const char *s, struct nc_link_target *out, nc_err *err)
{
	const char *colon = strchr(s, ':');

	if (!colon || colon == s || !colon[1])
		return nc_err_msg(err, EINVAL,
				  "`%s`: name an interface as SERVICE:IFACE (for example r1:eth1)", s);
	size_t n = (size_t)(colon - s);
	if (n >= sizeof(out->service))
		return nc_err_msg(err, EINVAL, "`%s`: service name too long", s);
	if (strchr(colon + 1, ':'))
		return nc_err_msg(err, EINVAL, "`%s`: one ':' between service and interface", s);
	int r = netd_check_ifname(colon + 1, s, err);
	if (r < 0)
		return r;
	memcpy(out->service, s, n);
	out->service[n] = '\0';
	snprintf(out->ifname, sizeof(out->ifname), "%s", colon + 1);
	return 0;
}

int nc_link_parse_ms(const char *opt, const char *s, uint32_t *us, nc_err *err)
{
	static const int64_t max_ns = 3600LL * 1000000000LL;
	int64_t ns = 0;
	char *end;

	errno = 0;
	double ms = strtod(s, &end);
	if (*s && !*end && errno == 0 && s[0] != '-' && s[0] != '+') {
		if (!(ms >= 0) || ms * 1e6 > (double)max_ns)
			return nc_err_msg(err, ERANGE, "%s `%s`: from 0 to 3600000 milliseconds", opt, s);
		ns = (int64_t)(ms * 1e6);
	} else if (nc_parse_duration(s, &ns) < 0) {
		return nc_err_msg(err, EINVAL,
				  "%s `%s`: give milliseconds (100) or a duration (100ms, 1.5s)", opt, s);
	}
	if (ns > max_ns)
		return nc_err_msg(err, ERANGE, "%s `%s`: at most one hour", opt, s);
	*us = (uint32_t)(ns / 1000);
	return 0;
}

int nc_link_parse_loss(const char *s, double *pct, nc_err *err)
{
	if (nc_parse_percent(s, pct) < 0)
		return nc_err_msg(err, EINVAL, "--loss `%s`: a percentage from 0 to 100 (1, 0.5%%)", s);
	return 0;
}

int nc_link_parse_rate(const char *s, uint64_t *bps, nc_err *err)
{
	if (nc_parse_rate(s, bps) < 0 || *bps == 0)
		return nc_err_msg(err, EINVAL,
				  "--rate `%s`: a rate above 0 as tc writes it (10mbit, 512kbit, 1gbit, 125kbps)",
				  s);
	return 0;
}

static void rate_str(uint64_t bps, char *buf, size_t size)
{
	static const struct { const char *unit; uint64_t f; } u[] = {
		{ "gbit", 1000000000ULL }, { "mbit", 1000000ULL }, { "kbit", 1000ULL },
	};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (bps >= u[i].f && bps % u[i].f == 0) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(bps / u[i].f), u[i].unit);
			return;
		}
	snprintf(buf, size, "%llubit", (unsigned long long)bps);
}

static void ms_str(uint32_t us, char *buf, size_t size)
{
	if (us % 1000 == 0)
		snprintf(buf, size, "%ums", us / 1000);
	else
		snprintf(buf, size, "%gms", us / 1000.0);
}

void nc_link_shape_str(const struct netd_shape *s, char *buf, size_t size)
{
	char v[32];
	size_t n = 0;

	buf[0] = '\0';
#define ADD(...)                                                                              \
	do {                                                                                   \
		int k = snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__);               \
		if (k > 0)                                                                     \
			n += (size_t)k;                                                        \
	} while (0)
	if (s->rate_bps) {
		rate_str(s->rate_bps, v, sizeof(v));
		ADD("%srate %s", n ? " " : "", v);
	}
	if (s->delay_us) {
		ms_str(s->delay_us, v, sizeof(v));
		ADD("%sdelay %s", n ? " " : "", v);
	}
	if (s->jitter_us) {
		ms_str(s->jitter_us, v, sizeof(v));
		ADD("%sjitter %s", n ? " " : "", v);
	}
	/* netem keeps the probability in 1/2^32 steps: round to what was asked. */
	if (s->loss_pct >= 0.0005)
		ADD("%sloss %.3g%%", n ? " " : "", s->loss_pct);
#undef ADD
	if (!buf[0])
		snprintf(buf, size, "-");
}

bool nc_link_shaped(const struct netd_shape *s)
{
	return s->rate_bps || netd_shape_needs_netem(s);
}

const char *nc_link_operstate_name(uint8_t operstate)
{
	return netd_operstate_name(operstate);
}
