/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The judges of converge.h: what FRR's JSON and birdc's table say is
 * still in progress. FRR's JSON has changed shape between releases
 * (neighbours keyed by router id at the top, or under "neighbors"; BGP's
 * summary per address family or per VRF), so each judge looks for the
 * fields it needs wherever they are instead of at one path. */
#include "compose/lab/converge.h"

#include <stdio.h>
#include <string.h>

#include "common/arena.h"
#include "common/json-parse.h"

static const struct nc_jv *parse(const char *json, struct nc_arena *a)
{
	struct nc_jv *v = NULL;
	nc_err e;

	while (json && (*json == ' ' || *json == '\n' || *json == '\t' || *json == '\r'))
		json++;
	if (!json || *json != '{' || nc_json_parse(json, a, &v, &e) < 0)
		return NULL;
	return v;
}

/* The first object under v (v included) that has a string `key` whose
 * value is one of `states` (matched up to a '/' or the end: OSPF says
 * "Full/DR"); *name: the object key it was found under. */
static const struct nc_jv *find_state(const struct nc_jv *v, const char *key, const char *const *states,
				      const char *under, const char **name, const char **state, unsigned depth)
{
	if (!v || depth > 16)
		return NULL;
	if (v->kind == NC_JV_OBJECT) {
		const char *s = nc_jv_str(v, key);
		if (s) {
			size_t len = strcspn(s, "/");
			for (const char *const *st = states; *st; st++)
				if (strlen(*st) == len && !strncmp(s, *st, len)) {
					*name = under;
					*state = s;
					return v;
				}
		}
		for (size_t i = 0; i < v->n; i++) {
			const struct nc_jv *f = find_state(v->items[i], key, states, v->keys[i], name, state, depth + 1);
			if (f)
				return f;
		}
	} else if (v->kind == NC_JV_ARRAY) {
		for (size_t i = 0; i < v->n; i++) {
			const struct nc_jv *f = find_state(v->items[i], key, states, under, name, state, depth + 1);
			if (f)
				return f;
		}
	}
	return NULL;
}

bool nc_converge_watchfrr(const char *text, char *why, size_t size)
{
	/* Its daemon lines: two spaces, the daemon (a word ending in d),
	 * blanks, its state. Other lines hold a colon or a quote. */
	for (const char *l = text; l && *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char name[32], state[32];
		if (len < 128 && !memchr(l, ':', len) && !memchr(l, '"', len)) {
			char line[128];
			memcpy(line, l, len);
			line[len] = '\0';
			if (sscanf(line, " %31s %31s", name, state) == 2 && name[strlen(name) - 1] == 'd' &&
			    strcmp(state, "Up")) {
				snprintf(why, size, "FRR's %s is %s (watchfrr)", name, state);
				return true;
			}
		}
		l = end ? end + 1 : NULL;
	}
	return false;
}

bool nc_converge_ospf_interfaces(const char *json, char *why, size_t size)
{
	static const char *const waiting[] = { "Waiting", NULL };
	struct nc_arena a = NC_ARENA_INIT;
	const char *name = NULL, *state = NULL;
	const struct nc_jv *v = parse(json, &a);
	bool busy = find_state(v, "state", waiting, NULL, &name, &state, 0) != NULL;

	if (busy)
		snprintf(why, size, "OSPF interface %s is Waiting (electing its designated router)",
			 name ? name : "?");
	nc_arena_free(&a);
	return busy;
}

bool nc_converge_ospf_neighbours(const char *json, char *why, size_t size)
{
	/* Down and 2-Way are where a neighbour may rest (2-Way between two
	 * DROthers); these are on the way to Full. */
	static const char *const moving[] = { "Attempt", "Init", "ExStart", "Exchange", "Loading", NULL };
	struct nc_arena a = NC_ARENA_INIT;
	const char *name = NULL, *state = NULL;
	const struct nc_jv *v = parse(json, &a);
	bool busy = find_state(v, "nbrState", moving, NULL, &name, &state, 0) ||
		    find_state(v, "state", moving, NULL, &name, &state, 0);

	if (busy)
		snprintf(why, size, "OSPF neighbour %s is %s", name ? name : "?", state);
	nc_arena_free(&a);
	return busy;
}

/* Under an object "peers": each peer whose "state" is not Established. */
static bool peers_busy(const struct nc_jv *v, char *why, size_t size, unsigned depth)
{
	if (!v || depth > 16)
		return false;
	if (v->kind == NC_JV_OBJECT) {
		const struct nc_jv *peers = nc_jv_get(v, "peers");
		if (peers && peers->kind == NC_JV_OBJECT) {
			for (size_t i = 0; i < peers->n; i++) {
				const char *s = nc_jv_str(peers->items[i], "state");
				if (s && strcmp(s, "Established")) {
					snprintf(why, size, "BGP peer %s is %s", peers->keys[i], s);
					return true;
				}
			}
		}
	}
	if (v->kind == NC_JV_OBJECT || v->kind == NC_JV_ARRAY)
		for (size_t i = 0; i < v->n; i++)
			if (peers_busy(v->items[i], why, size, depth + 1))
				return true;
	return false;
}

bool nc_converge_bgp_summary(const char *json, char *why, size_t size)
{
	struct nc_arena a = NC_ARENA_INIT;
	bool busy = peers_busy(parse(json, &a), why, size, 0);

	nc_arena_free(&a);
	return busy;
}

/*
 * birdc's `show protocols`:
 *   BIRD 2.0.12 ready.
 *   Name       Proto      Table      State  Since         Info
 *   device1    Device     ---        up     10:00:00.000
 *   bgp1       BGP        ---        start  10:00:00.000  Active        Socket: Connection refused
 * A protocol in `start` has not come up yet (BGP connecting), one in
 * `flush` is going down; `down` is a protocol switched off.
 */
bool nc_converge_bird_protocols(const char *text, char *why, size_t size)
{
	bool header = false;

	for (const char *l = text; l && *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char name[64], proto[32], table[64], state[32];
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), l);
		l = end ? end + 1 : l + len;
		if (sscanf(line, "%63s %31s %63s %31s", name, proto, table, state) != 4)
			continue;
		if (!strcmp(name, "Name") && !strcmp(state, "State")) {
			header = true;
			continue;
		}
		if (header && (!strcmp(state, "start") || !strcmp(state, "flush"))) {
			const char *info = line;
			/* The Info column: after State and Since (two words). */
			for (int w = 0; w < 5 && *info; w++) {
				info += strcspn(info, " \t");
				info += strspn(info, " \t");
			}
			snprintf(why, size, "BIRD protocol %s (%s) is %s%s%s", name, proto, state,
				 *info ? ": " : "", info);
			return true;
		}
	}
	return false;
}

/*
 * birdc's `show ospf neighbors`:
 *   ospf1:
 *   Router ID   	Pri	     State     	DTime	Interface  Router IP
 *   10.0.99.2     	  1	ExStart/PtP	38.418	eth0       10.0.99.2
 * The states are OSPF's, as FRR's: a word before a '/'.
 */
bool nc_converge_bird_ospf(const char *text, char *why, size_t size)
{
	static const char *const moving[] = { "Attempt/", "Init/", "ExStart/", "Exchange/", "Loading/", NULL };

	for (const char *l = text; l && *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char id[64], pri[16], state[48];
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), l);
		l = end ? end + 1 : l + len;
		if (sscanf(line, "%63s %15s %47s", id, pri, state) != 3)
			continue;
		for (const char *const *m = moving; *m; m++)
			if (!strncmp(state, *m, strlen(*m))) {
				snprintf(why, size, "BIRD OSPF neighbour %s is %s", id, state);
				return true;
			}
	}
	return false;
}
