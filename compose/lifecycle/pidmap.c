/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/pidmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Pids come close together: mix them so runs stay short. */
static size_t slot_of(const struct nc_pidmap *m, pid_t pid)
{
	uint64_t h = (uint64_t)(uint32_t)pid * UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(h >> 32) & (m->cap - 1);
}

static int grow(struct nc_pidmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct nc_pidmap_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	struct nc_pidmap old = *m;
	m->slots = slots;
	m->cap = cap;
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].pid)
			(void)nc_pidmap_put(m, old.slots[i].pid, old.slots[i].value); /* room is there */
	free(old.slots);
	return 0;
}

int nc_pidmap_put(struct nc_pidmap *m, pid_t pid, size_t value)
{
	if (pid <= 0)
		return -EINVAL;
	if ((m->n + 1) * 2 > m->cap) {
		int r = grow(m);
		if (r < 0)
			return r;
	}
	size_t i = slot_of(m, pid);
	while (m->slots[i].pid && m->slots[i].pid != pid)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].pid) {
		m->slots[i].pid = pid;
		m->n++;
	}
	m->slots[i].value = value;
	return 0;
}

static bool find(const struct nc_pidmap *m, pid_t pid, size_t *at)
{
	if (!m->cap || pid <= 0)
		return false;
	for (size_t i = slot_of(m, pid); m->slots[i].pid; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].pid == pid) {
			*at = i;
			return true;
		}
	return false;
}

bool nc_pidmap_get(const struct nc_pidmap *m, pid_t pid, size_t *value)
{
	size_t i;
	if (!find(m, pid, &i))
		return false;
	*value = m->slots[i].value;
	return true;
}

void nc_pidmap_del(struct nc_pidmap *m, pid_t pid)
{
	size_t hole;
	if (!find(m, pid, &hole))
		return;
	m->slots[hole].pid = 0;
	m->n--;
	/* Move back any later entry of the run whose home is not between the
	 * hole and it (cyclically), so every entry stays reachable from home. */
	for (size_t j = (hole + 1) & (m->cap - 1); m->slots[j].pid; j = (j + 1) & (m->cap - 1)) {
		size_t home = slot_of(m, m->slots[j].pid);
		bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
		if (stays)
			continue;
		m->slots[hole] = m->slots[j];
		m->slots[j].pid = 0;
		hole = j;
	}
}

void nc_pidmap_clear(struct nc_pidmap *m)
{
	if (m->slots)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
}

void nc_pidmap_free(struct nc_pidmap *m)
{
	free(m->slots);
	*m = (struct nc_pidmap)NC_PIDMAP_INIT;
}
