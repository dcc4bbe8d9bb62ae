/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/journal.h"

#include <stdlib.h>
#include <string.h>

#include "compose/lifecycle/record.h"

static const struct {
	const char *name;
	enum nc_jkind kind;
	size_t min_fields; /* the kind included */
} kinds[] = {
	{ NC_J_PROJECT, NC_JK_PROJECT, 2 },   { NC_J_GROUP, NC_JK_GROUP, 2 },
	{ NC_J_FILE, NC_JK_FILE, 2 },	      { NC_J_BRIDGE, NC_JK_BRIDGE, 3 },
	{ NC_J_NETNS, NC_JK_NETNS, 2 },	      { NC_J_VETH, NC_JK_VETH, 4 },
	{ NC_J_TABLE, NC_JK_TABLE, 1 },	      { NC_J_CGROUP, NC_JK_CGROUP, 3 },
	{ NC_J_CONTAINER, NC_JK_CONTAINER, 2 }, { NC_J_PORT, NC_JK_PORT, 4 },
	{ NC_J_UP_DONE, NC_JK_UP_DONE, 1 },   { NC_J_DIR, NC_JK_DIR, 2 },
};

void nc_jrec_parse(const struct nc_record *r, struct nc_jrec *out)
{
	*out = (struct nc_jrec){ .kind = NC_JK_UNKNOWN };
	const char *k = nc_record_field(r, 0);
	size_t i = 0;

	while (k && i < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[i].name, k))
		i++;
	if (!k || i == sizeof(kinds) / sizeof(kinds[0]) || r->n < kinds[i].min_fields)
		return;
	const char *f1 = nc_record_field(r, 1), *f2 = nc_record_field(r, 2), *f3 = nc_record_field(r, 3);
	out->kind = kinds[i].kind;
	switch (out->kind) {
	case NC_JK_PROJECT:
		out->project.name = f1;
		out->project.version = f2;
		break;
	case NC_JK_GROUP:
		out->group = (uint32_t)strtoul(f1, NULL, 10);
		break;
	case NC_JK_FILE:
		out->file = f1;
		break;
	case NC_JK_DIR:
		out->dir = f1;
		break;
	case NC_JK_BRIDGE:
		out->bridge.ifname = f1;
		out->bridge.network = f2;
		break;
	case NC_JK_NETNS:
		out->netns.name = f1;
		out->netns.service = f2;
		break;
	case NC_JK_VETH:
		out->veth.host_ifname = f1;
		out->veth.service = f2;
		out->veth.ifname = f3;
		break;
	case NC_JK_TABLE:
		out->table = f1;
		break;
	case NC_JK_CGROUP:
		out->cgroup.path = f1;
		out->cgroup.service = f2;
		break;
	case NC_JK_CONTAINER:
		out->container = f1;
		break;
	case NC_JK_PORT: {
		const char *fam = nc_record_field(r, 4);
		out->port.proto = f1;
		out->port.host_ip = f2;
		out->port.host_port = (unsigned)strtoul(f3, NULL, 10);
		out->port.family = fam ? atoi(fam) : 0;
		break;
	}
	case NC_JK_UP_DONE:
	case NC_JK_UNKNOWN:
		break;
	}
}
