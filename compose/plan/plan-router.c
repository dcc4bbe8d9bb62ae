/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `router:` planned: what FRR or BIRD from Debian 12's packages need to
 * run in a node, and nothing more. docs/decisions.md ("Router services")
 * gives each capability's reason; the evidence is each daemon's own
 * refusal, e.g. zebra's "privs_init: initial cap_set_proc failed ...
 * Wanted caps: cap_net_admin,cap_net_raw,cap_sys_admin=p" without
 * SYS_ADMIN.
 */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "compose/plan/plan-container.h"
#include "runtime/runtime.h"

#define OOM(err) nc_err_errno(err, ENOMEM, "plan the lab")

struct router_kind {
	const char *const *caps;
	const char *const *tmpfs;  /* writable, owned by the daemon's user */
	const char *etc;           /* where the lab's directory is copied */
	const char *script;        /* the node's command, run by bash */
};

/*
 * FRR: NET_ADMIN (routes, addresses, interfaces), NET_RAW (OSPF and the
 * others speak raw IP), NET_BIND_SERVICE (BGP's port 179), SYS_ADMIN
 * (every daemon asks for it at start, for network-namespace VRFs, and
 * refuses to start without it), SETUID and SETGID (they switch to the
 * user frr), CHOWN, FOWNER and DAC_OVERRIDE (the start script gives the
 * copied files and run directories to frr, vtysh writes them back), KILL
 * (watchfrr, root, signals the daemons running as frr).
 */
static const char *const frr_caps[] = {
	"NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SYS_ADMIN", "SETUID",
	"SETGID", "CHOWN", "FOWNER", "DAC_OVERRIDE", "KILL", NULL,
};
static const char *const frr_tmpfs[] = { "/var/tmp", "/var/log/frr", "/run/frr", NULL };

/*
 * The configuration is checked first, so that a typo fails `up` with
 * vtysh's own line ("line 3: % Unknown command") instead of a daemon
 * that starts with half its configuration. Then watchfrr in the
 * foreground, as FRR's own container image starts it: it starts the
 * daemons of /etc/frr/daemons (frrcommon.sh's daemon_list), applies
 * frr.conf and restarts a daemon that dies; its messages and the
 * daemons' start-up errors are the node's log.
 */
static const char frr_script[] =
	"chown -R frr:frr /etc/frr /var/log/frr /run/frr || exit 1\n"
	"if [ -e /etc/frr/frr.conf ]; then\n"
	"\t/usr/bin/vtysh --dryrun -f /etc/frr/frr.conf || "
	"{ echo \"ncompose: /etc/frr/frr.conf (the lab's copy) has errors\" >&2; exit 1; }\n"
	"fi\n"
	". /usr/lib/frr/frrcommon.sh || exit 1\n"
	"exec /usr/lib/frr/watchfrr $(daemon_list)\n";

/* BIRD: NET_ADMIN (routes), NET_RAW (OSPF, RIP), NET_BIND_SERVICE (BGP),
 * NET_BROADCAST (kept by bird when it drops to its user), SETUID and
 * SETGID (-u bird -g bird), CHOWN (the start script's chown). */
static const char *const bird_caps[] = {
	"NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "NET_BROADCAST", "SETUID", "SETGID", "CHOWN", NULL,
};
static const char *const bird_tmpfs[] = { "/run/bird", NULL };
static const char bird_script[] =
	"chown -R bird:bird /etc/bird /run/bird || exit 1\n"
	"exec /usr/sbin/bird -f -u bird -g bird -c /etc/bird/bird.conf -s /run/bird/bird.ctl\n";

static const struct router_kind kinds[] = {
	[NC_ROUTER_FRR] = { frr_caps, frr_tmpfs, "/etc/frr", frr_script },
	[NC_ROUTER_BIRD] = { bird_caps, bird_tmpfs, "/etc/bird", bird_script },
};

/* Forwarding is what makes a node a router; the file's own value wins. */
static const struct nc_kv forwarding[] = {
	{ .key = "net.ipv4.ip_forward", .value = "1" },
	{ .key = "net.ipv6.conf.all.forwarding", .value = "1" },
};

/* Debian's /etc/frr/daemons with the router's daemons on, for a lab
 * directory that has none. */
static const char *frr_daemons_file(struct nc_plan *p, const struct nc_router *rt)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	size_t n;
	const char *const *all = nc_router_frr_daemons(&n);

	nc_strbuf_append(&b, "# Written by ncompose from `router.daemons` (the lab's directory has no daemons file).\n");
	for (size_t i = 0; i < n; i++) {
		bool on = !strcmp(all[i], "zebra") || !strcmp(all[i], "staticd");
		for (size_t j = 0; j < rt->n_daemons; j++)
			on |= !strcmp(rt->daemons[j], all[i]);
		nc_strbuf_printf(&b, "%s=%s\n", all[i], on ? "yes" : "no");
	}
	nc_strbuf_append(&b, "vtysh_enable=yes\n");
	for (size_t i = 0; i < n; i++)
		nc_strbuf_printf(&b, "%s_options=\"-A %s\"\n", all[i],
				  strchr(all[i], '6') || !strcmp(all[i], "ripngd") ? "::1" : "127.0.0.1");
	if (!nc_strbuf_ok(&b))
		return NULL;
	return nc_arena_strdup(&p->arena, nc_strbuf_str(&b));
}

static int add_sysctls(struct nc_plan *p, const struct nc_service *s, struct nc_plan_container *pc, nc_err *err)
{
	struct nc_kv *all = nc_arena_calloc(&p->arena, pc->n_net_sysctls + NC_ELEMENTSOF(forwarding), sizeof(*all));
	size_t n = 0;

	if (!all)
		return OOM(err);
	for (size_t i = 0; i < NC_ELEMENTSOF(forwarding); i++) {
		bool given = false;
		for (size_t j = 0; j < s->n_sysctls; j++)
			given |= !strcmp(s->sysctls[j].key, forwarding[i].key);
		if (!given)
			all[n++] = forwarding[i];
	}
	if (pc->n_net_sysctls)
		memcpy(all + n, pc->net_sysctls, pc->n_net_sysctls * sizeof(*all));
	pc->net_sysctls = all;
	pc->n_net_sysctls += n;
	return 0;
}

static int add_mounts(struct nc_plan *p, const struct nc_service *s, const struct nc_plan_host *host,
		      const struct router_kind *k, struct nc_plan_container *pc, nc_err *err)
{
	const struct nc_router *rt = &s->router;
	size_t n_tmpfs = 0;

	while (k->tmpfs[n_tmpfs])
		n_tmpfs++;
	struct nc_plan_mount *m = nc_arena_calloc(&p->arena, pc->n_mounts + n_tmpfs + 1, sizeof(*m));
	if (!m)
		return OOM(err);
	if (pc->n_mounts)
		memcpy(m, pc->mounts, pc->n_mounts * sizeof(*m));
	/* Before the file's own mounts, so a volume of the file at the
	 * same place wins, as the file's keys win everywhere else. */
	memmove(m + n_tmpfs + 1, m, pc->n_mounts * sizeof(*m));
	for (size_t i = 0; i < n_tmpfs; i++)
		m[i] = (struct nc_plan_mount){ .type = RT_MOUNT_TMPFS, .target = k->tmpfs[i], .mode = 0755 };
	struct nc_plan_mount *etc = &m[n_tmpfs];
	*etc = (struct nc_plan_mount){ .type = RT_MOUNT_BIND, .target = k->etc, .copy = true,
				       .inline_name = "router-etc" };
	if (rt->config && !(etc->copy_from = nc_plan_file_path(p, host, rt->config)))
		return OOM(err);
	if (rt->kind == NC_ROUTER_FRR) {
		if (!(etc->copy_daemons = frr_daemons_file(p, rt)))
			return OOM(err);
		etc->copy_daemons_given = rt->n_daemons > 0;
	}
	pc->mounts = m;
	pc->n_mounts += n_tmpfs + 1;
	return 0;
}

int nc_plan_router(struct nc_plan *p, const struct nc_service *s, const struct nc_plan_host *host,
		   struct nc_plan_container *pc, nc_err *err)
{
	const struct nc_router *rt = &s->router;
	int r;

	if (!rt->kind)
		return 0;
	const struct router_kind *k = &kinds[rt->kind];
	for (size_t i = 0; k->caps[i]; i++) {
		int c = rt_cap_from_name(k->caps[i]);
		if (c < 0)
			return nc_err_msg(err, EINVAL, "plan the lab: unknown capability %s", k->caps[i]);
		pc->caps |= 1ULL << c;
	}
	const char **argv = nc_arena_calloc(&p->arena, 4, sizeof(*argv));
	if (!argv)
		return OOM(err);
	argv[0] = "/bin/bash";
	argv[1] = "-c";
	argv[2] = k->script;
	pc->argv = argv;
	if ((r = add_sysctls(p, s, pc, err)) < 0 || (r = add_mounts(p, s, host, k, pc, err)) < 0)
		return r;
	return 0;
}
