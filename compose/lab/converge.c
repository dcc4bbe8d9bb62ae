/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Waiting for a lab to converge (converge.h): finds the routing nodes,
 * asks their daemons with their own tools inside the node, and watches
 * their kernel routing tables until nothing moves for the settle window. */
#include "compose/lab/converge.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/hash.h"
#include "compose/lifecycle/container-exec.h"
#include "compose/lifecycle/container-run.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/state.h"

enum daemon { D_NONE, D_FRR, D_BIRD };

#define OUT_MAX (4u << 20)

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Which routing daemon runs in the node, from its processes' names. */
static enum daemon node_daemon(struct rt_cgroups *cg, const struct nc_container_info *ci)
{
	_cleanup_free_ pid_t *pids = NULL;
	enum daemon d = D_NONE;
	size_t n = 0;
	nc_err e;

	if (nc_info_pids(cg, ci, &pids, &n, &e) < 0)
		return D_NONE;
	for (size_t i = 0; i < n && d == D_NONE; i++) {
		char path[64], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
		if (!strcmp(comm, "zebra") || !strcmp(comm, "watchfrr"))
			d = D_FRR;
		else if (!strcmp(comm, "bird") || !strcmp(comm, "bird6"))
			d = D_BIRD;
	}
	return d;
}

struct probe {
	const struct nc_paths *paths;
	const struct nc_container_info *ci;
	struct nc_exec_opts eo;
	struct nc_exec x; /* in the probe's process, gone with it */
};

static int probe_spec(void *ctx, struct rt_exec_spec *spec)
{
	struct probe *p = ctx;
	nc_err e;

	if (nc_exec_prepare(p->paths, p->ci, &p->eo, &p->x, &e) < 0)
		return -1;
	*spec = p->x.spec;
	return 0;
}

/* Runs argv in the node with its output captured (stdout only), killed
 * after NC_CONVERGE_PROBE_MS. malloc'd, NUL-terminated, possibly empty;
 * NULL when the command could not be run or timed out. */
static char *run_in(const struct nc_paths *paths, const struct nc_container_info *ci, const char *const *argv)
{
	struct probe p = { .paths = paths, .ci = ci, .eo = { .argv = argv } };
	char *out;
	int status;
	nc_err e;

	if (nc_run_capture(argv[0], probe_spec, &p, NC_CONVERGE_PROBE_MS, OUT_MAX, &out, &status, &e) < 0)
		return NULL;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
		free(out);
		return NULL;
	}
	return out;
}

/* The node's kernel routing tables (main, IPv4 and IPv6) as one hash;
 * /proc/PID/net shows the namespace of that process. */
static uint64_t routes_hash(pid_t pid)
{
	static const uint8_t key[16] = "ncompose-routes";
	uint64_t h = 0;
	const char *files[] = { "route", "ipv6_route" };

	for (size_t i = 0; i < 2; i++) {
		char path[64], buf[65536];
		snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, files[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		size_t len = 0;
		ssize_t k;
		while (len < sizeof(buf) && (k = read(fd, buf + len, sizeof(buf) - len)) > 0)
			len += (size_t)k;
		close(fd);
		h = h * 31 + nc_siphash24(buf, len, key);
	}
	return h;
}

/* Asks one FRR node; true with `why` when something is in progress. */
static bool frr_busy(const struct nc_paths *paths, const struct nc_container_info *ci, char *why, size_t size)
{
	static const char *const wf[] = { "vtysh", "-c", "show watchfrr", NULL };
	static const char *const ifs[] = { "vtysh", "-c", "show ip ospf interface json", NULL };
	static const char *const nbrs[] = { "vtysh", "-c", "show ip ospf neighbor json", NULL };
	static const char *const bgp[] = { "vtysh", "-c", "show bgp vrf all summary json", NULL };
	bool (*judge[])(const char *, char *, size_t) = {
		nc_converge_watchfrr, nc_converge_ospf_interfaces, nc_converge_ospf_neighbours, nc_converge_bgp_summary,
	};
	const char *const *cmds[] = { wf, ifs, nbrs, bgp };

	for (size_t i = 0; i < NC_ELEMENTSOF(cmds); i++) {
		_cleanup_free_ char *out = run_in(paths, ci, cmds[i]);
		if (!out) {
			snprintf(why, size, "`%s %s '%s'` did not answer", cmds[i][0], cmds[i][1], cmds[i][2]);
			return true;
		}
		if (judge[i](out, why, size))
			return true;
	}
	return false;
}

static bool bird_busy(const struct nc_paths *paths, const struct nc_container_info *ci, char *why, size_t size)
{
	static const char *const protos[] = { "birdc", "show", "protocols", NULL };
	static const char *const ospf[] = { "birdc", "show", "ospf", "neighbors", NULL };
	_cleanup_free_ char *out = run_in(paths, ci, protos);

	if (!out) {
		snprintf(why, size, "`birdc show protocols` did not answer");
		return true;
	}
	if (nc_converge_bird_protocols(out, why, size))
		return true;
	/* Without OSPF, birdc says so in a line that is no neighbour. */
	_cleanup_free_ char *nb = run_in(paths, ci, ospf);
	if (!nb) {
		snprintf(why, size, "`birdc show ospf neighbors` did not answer");
		return true;
	}
	return nc_converge_bird_ospf(nb, why, size);
}

/* One round over every running node: *busy when one is in progress (its
 * name and why in r), *fp the fingerprint of all routing tables. */
static unsigned node_settle(const struct nc_converge_opts *o, const char *name)
{
	for (size_t i = 0; i < o->n_settle; i++)
		if (!strcmp(o->settle_names[i], name))
			return o->settle_node_ms[i];
	return o->settle_ms ? o->settle_ms : NC_CONVERGE_SETTLE_MS;
}

static int round_once(struct nc_state *st, const struct nc_paths *paths, struct rt_cgroups *cg,
		      const struct nc_converge_opts *o, struct nc_converge_result *r, bool *busy, uint64_t *fp,
		      nc_err *err)
{
	_cleanup_strv_ char **names = NULL;

	*busy = false;
	*fp = 0;
	r->n_nodes = 0;
	r->settle_ms = 0;
	if (nc_info_services(st, &names, err) < 0)
		return -1;
	for (char **s = names; s && *s; s++) {
		struct nc_container_info ci;
		nc_err e;
		if (nc_info_read(st, *s, &ci, &e) < 0)
			continue;
		if (!ci.exited && nc_info_running(&ci, cg)) {
			enum daemon d = node_daemon(cg, &ci);
			/* Every node's table: a startup script still adding
			 * addresses (and about to start FRR) moves it too. */
			*fp = *fp * 1000003 + nc_hash_strings(*s, d ? "router" : "", NULL) + routes_hash(ci.pid);
			if (d != D_NONE) {
				char why[256] = "";
				unsigned w = node_settle(o, *s);
				r->n_nodes++;
				if (w > r->settle_ms)
					r->settle_ms = w;
				if (!*busy && (d == D_FRR ? frr_busy(paths, &ci, why, sizeof(why))
							  : bird_busy(paths, &ci, why, sizeof(why)))) {
					*busy = true;
					snprintf(r->node, sizeof(r->node), "%s", *s);
					snprintf(r->waiting, sizeof(r->waiting), "%s", why);
				}
			}
		}
		nc_info_free(&ci);
	}
	return 0;
}

int nc_converge_wait(const struct nc_paths *paths, const char *project,
		     const struct nc_converge_opts *o, struct nc_converge_result *r, nc_err *err)
{
	struct nc_state *st = NULL;
	struct rt_cgroups *cg = NULL;
	uint64_t t0 = now_ms(), deadline = t0 + (uint64_t)o->timeout_s * 1000, since = t0, last = 0;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (nc_state_open(paths->state_root, project, NC_STATE_READ, &st, err) < 0)
		return -1;
	if (nc_info_cgroups_open(paths, &cg, err) < 0)
		goto out;
	for (bool first = true;; first = false) {
		bool busy;
		uint64_t fp;
		if (round_once(st, paths, cg, o, r, &busy, &fp, err) < 0)
			goto out;
		uint64_t t = now_ms();
		if (!r->n_nodes && o->no_routers) {
			r->converged = true; /* nothing routes, nothing will */
			break;
		}
		if (first || fp != last) {
			last = fp;
			since = t;
		}
		unsigned window = r->n_nodes ? r->settle_ms : NC_CONVERGE_QUIET_MS;
		if (busy) {
			since = t; /* the window starts once nothing is in progress */
		} else if (t - since >= window) {
			r->converged = true;
			break;
		} else {
			snprintf(r->node, sizeof(r->node), "%s", "");
			snprintf(r->waiting, sizeof(r->waiting), "the routing tables to stay unchanged for %.1f s",
				 window / 1000.0);
		}
		if (t >= deadline)
			break;
		sleep_ms(deadline - t < 250 ? (unsigned)(deadline - t) : 250);
	}
	r->elapsed_s = (now_ms() - t0) / 1000.0;
	ret = 0;
out:
	nc_info_cgroups_close(cg);
	nc_state_close(st);
	return ret;
}
