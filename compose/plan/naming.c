/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/plan/naming.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hash.h"

bool nc_project_name_valid(const char *name)
{
	if (!name || !*name || !(islower((unsigned char)name[0]) || isdigit((unsigned char)name[0])))
		return false;
	for (const char *p = name; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_'))
			return false;
	return true;
}

bool nc_project_name_normalise(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = in; *p && n + 1 < size; p++) {
		char c = (char)tolower((unsigned char)*p);
		if (islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-' || c == '_') {
			if (n == 0 && (c == '-' || c == '_'))
				continue;
			out[n++] = c;
		}
	}
	out[n] = '\0';
	return n > 0;
}

static int fmt(char *out, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
static int fmt(char *out, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	int n = vsnprintf(out, size, f, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int too_long(nc_err *err, const char *what, const char *a, const char *b)
{
	return nc_err_msg(err, ENAMETOOLONG, "%s name for `%s/%s` is too long", what, a, b);
}

static void hashed_name(const char *kind, const char *project, const char *object,
			char out[NC_IFNAME_MAX])
{
	uint64_t h = nc_hash_strings(kind, project, object, NULL);
	snprintf(out, NC_IFNAME_MAX, "nc%012" PRIx64, (uint64_t)(h & 0xffffffffffffULL));
}

void nc_name_veth(const char *project, const char *service, unsigned index,
		  char out[NC_IFNAME_MAX])
{
	char idx[16];
	snprintf(idx, sizeof(idx), "%u", index);
	if (!strchr(project, '-') && !strchr(service, '-') &&
	    strlen("nc---") + strlen(project) + strlen(service) + strlen(idx) < NC_IFNAME_MAX) {
		if (fmt(out, NC_IFNAME_MAX, "nc-%s-%s-%s", project, service, idx) == 0)
			return;
	}
	char obj[512];
	snprintf(obj, sizeof(obj), "%s/%u", service, index);
	hashed_name("veth", project, obj, out);
}

void nc_name_bridge(const char *project, const char *network, char out[NC_IFNAME_MAX])
{
	if (!strchr(project, '-') && !strchr(network, '-') &&
	    strlen("nc--") + strlen(project) + strlen(network) < NC_IFNAME_MAX) {
		if (fmt(out, NC_IFNAME_MAX, "nc-%s-%s", project, network) == 0)
			return;
	}
	hashed_name("bridge", project, network, out);
}

int nc_name_netns(const char *project, const char *service, char *out, size_t size, nc_err *err)
{
	if (fmt(out, size, "%s-%s", project, service) < 0)
		return too_long(err, "network namespace", project, service);
	return 0;
}

void nc_name_table(const char *project, char *out, size_t size)
{
	snprintf(out, size, "nc_%s", project);
}

int nc_name_cgroup(const char *project, const char *service, char *out, size_t size, nc_err *err)
{
	if (fmt(out, size, NC_CGROUP_TOP "/%s/%s", project, service) < 0)
		return too_long(err, "cgroup", project, service);
	return 0;
}

int nc_name_cgroup_project(const char *project, char *out, size_t size, nc_err *err)
{
	if (fmt(out, size, NC_CGROUP_TOP "/%s", project) < 0)
		return too_long(err, "cgroup", project, "");
	return 0;
}

int nc_label_prefix(const char *project, char *out, size_t size)
{
	return fmt(out, size, "ncompose:%s/", project);
}

int nc_label_network(const char *project, const char *network, char *out, size_t size)
{
	return fmt(out, size, "ncompose:%s/network/%s", project, network);
}

int nc_label_service(const char *project, const char *service, char *out, size_t size)
{
	return fmt(out, size, "ncompose:%s/service/%s", project, service);
}

int nc_label_iface(const char *project, const char *service, const char *ifname, char *out,
		   size_t size)
{
	return fmt(out, size, "ncompose:%s/service/%s/%s", project, service, ifname);
}

uint32_t nc_link_group(const char *project, unsigned salt)
{
	char s[16];
	snprintf(s, sizeof(s), "%u", salt);
	uint32_t g = (uint32_t)nc_hash_strings("group", project, s, NULL);
	/* Keep clear of the small numbers people assign by hand (and of 0,
	 * the default group every link starts in), and below 2^31: iproute2
	 * parses a group as a signed int, so `ip link show group N` works. */
	return (g & 0x3fffffffu) | 0x40000000u;
}

void nc_mac_for(const char *project, const char *service, const char *ifname, uint8_t mac[6])
{
	uint64_t h = nc_hash_strings("mac", project, service, ifname, NULL);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
}

bool nc_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= NC_IFNAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}
