/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Record kinds of the journal and of container records. Field 0 is the
 * kind; the fields after it are listed beside each.
 */
#ifndef NC_COMPOSE_JOURNAL_H
#define NC_COMPOSE_JOURNAL_H

#include <stdint.h>

/* journal */
#define NC_J_PROJECT "project" /* name version */
#define NC_J_GROUP "group"     /* link-group */
#define NC_J_FILE "file"       /* absolute path of a compose file, one record each, in order */
#define NC_J_DIR "dir"         /* absolute path of the project directory */
#define NC_J_BRIDGE "bridge"   /* ifname network */
#define NC_J_NETNS "netns"     /* name service */
#define NC_J_VETH "veth"       /* host-ifname service ifname */
#define NC_J_TABLE "table"     /* nft table (family inet) */
#define NC_J_CGROUP "cgroup"   /* path service */
#define NC_J_CONTAINER "container" /* service */
#define NC_J_PORT "port"       /* tcp|udp host-ip|* host-port 4|6: published */
#define NC_J_UP_DONE "up-done" /* (none): `up` finished */
#define NC_J_CONFIG "config"   /* service hash part=hash...: its configuration (reconcile.h); the last one counts */
#define NC_J_GONE "gone"       /* service|network name: removed by a second `up` */
#define NC_J_NETDEF "netdef"   /* network hash: its definition (reconcile.h); the last one counts */

/* A journal record, typed: what each kind above holds, by name. The
 * strings are the record's (they live as long as the nc_records). */
enum nc_jkind {
	NC_JK_UNKNOWN, /* another kind, or too short for its own: skipped */
	NC_JK_PROJECT,
	NC_JK_GROUP,
	NC_JK_FILE,
	NC_JK_BRIDGE,
	NC_JK_NETNS,
	NC_JK_VETH,
	NC_JK_TABLE,
	NC_JK_CGROUP,
	NC_JK_CONTAINER,
	NC_JK_PORT,
	NC_JK_UP_DONE,
	NC_JK_DIR,
};

struct nc_jrec {
	enum nc_jkind kind;
	union {
		struct { const char *name, *version; } project; /* version may be NULL */
		uint32_t group;
		const char *file;
		const char *dir;
		struct { const char *ifname, *network; } bridge;
		struct { const char *name, *service; } netns;
		struct { const char *host_ifname, *service, *ifname; } veth;
		const char *table; /* may be NULL */
		struct { const char *path, *service; } cgroup;
		const char *container; /* its service */
		struct {
			const char *proto;   /* "tcp" | "udp" */
			const char *host_ip; /* "*": every address */
			unsigned host_port;
			int family;          /* 4, 6, 0 when not recorded */
		} port;
	};
};

/* journal.c: record r of the journal as its kind says (NC_JK_UNKNOWN for
 * a kind this version does not know, or a record too short for it). */
struct nc_record;
void nc_jrec_parse(const struct nc_record *r, struct nc_jrec *out);

/* container record */
#define NC_C_SERVICE "service" /* name */
#define NC_C_PID "pid"         /* init pid (host) */
#define NC_C_STARTED "started" /* unix time */
#define NC_C_NETNS "netns"     /* name */
#define NC_C_CGROUP "cgroup"   /* path */
#define NC_C_CAPS "caps"       /* hex mask */
#define NC_C_NNP "no-new-privs" /* 0|1 */
#define NC_C_USER "user"       /* `user:` as written (absent: root) */
#define NC_C_GROUP "group"     /* one of group_add (one record each) */
#define NC_C_SECCOMP "seccomp" /* unconfined (absent: the default filter) */
#define NC_C_ULIMIT "ulimit"   /* name soft hard (one record each) */
#define NC_C_ENV "env"         /* KEY=VALUE (one record each) */
#define NC_C_IFACE "iface"     /* ifname network addr4|- addr6|- */
#define NC_C_ROUTE "route"     /* dst|default via|- dev|- (one record each) */
#define NC_C_COMMAND "command" /* argv... (absent: idle) */
#define NC_C_CWD "cwd"         /* working_dir (absent: /) */
#define NC_C_EXIT "exit"       /* code unix-time: how the init ended */
#define NC_C_HEALTH "health"   /* starting|healthy|unhealthy */
#define NC_C_RESTARTS "restarts" /* how many times it was restarted */
#define NC_C_STATE "state"     /* after the init ended: exited|restarting|stopped */
#define NC_C_PORT "port"       /* tcp|udp host-ip|* host-port container-port: published */
#define NC_C_IMAGE "image"     /* the image's path (absent: the host's root) */
#define NC_C_EXPOSE "expose"   /* a port the image's config exposes: 80/tcp (one record each) */
#define NC_C_LABEL "label"     /* KEY=VALUE of the image's config (one record each) */

/* files of the state directory */
#define NC_SUPERVISOR_FILE "supervisor" /* record: pid <pid> */

#endif
