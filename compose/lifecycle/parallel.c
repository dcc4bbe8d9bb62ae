/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/parallel.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

struct pool {
	size_t n;
	nc_work_fn fn;
	void *ctx;
	atomic_size_t next;
	atomic_bool failed;
	pthread_mutex_t lock; /* guards first/err */
	int first;
	nc_err err;
};

struct worker {
	struct pool *pool;
	unsigned id;
};

static void *run(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	nc_err err;

	while (!atomic_load(&p->failed)) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			break;
		int r = p->fn(p->ctx, w->id, i, &err);
		if (r < 0) {
			pthread_mutex_lock(&p->lock);
			if (!p->first) {
				p->first = r;
				p->err = err;
			}
			pthread_mutex_unlock(&p->lock);
			atomic_store(&p->failed, true);
		}
	}
	return NULL;
}

int nc_parallel_for(size_t n, unsigned threads, nc_work_fn fn, void *ctx, nc_err *err)
{
	if (threads <= 1 || n <= 1) {
		for (size_t i = 0; i < n; i++) {
			int r = fn(ctx, 0, i, err);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (threads > n)
		threads = (unsigned)n;

	struct pool p = { .n = n, .fn = fn, .ctx = ctx };
	pthread_t *tids = calloc(threads, sizeof(*tids));
	struct worker *ws = calloc(threads, sizeof(*ws));
	unsigned started = 0;

	if (!tids || !ws) {
		free(tids);
		free(ws);
		return nc_err_errno(err, ENOMEM, "start workers");
	}
	pthread_mutex_init(&p.lock, NULL);
	atomic_init(&p.next, 0);
	atomic_init(&p.failed, false);
	/* Worker 0 is the calling thread itself. */
	for (unsigned t = 1; t < threads; t++) {
		ws[t] = (struct worker){ &p, t };
		if (pthread_create(&tids[t], NULL, run, &ws[t]) != 0)
			break;
		started = t;
	}
	ws[0] = (struct worker){ &p, 0 };
	run(&ws[0]);
	for (unsigned t = 1; t <= started; t++)
		pthread_join(tids[t], NULL);
	pthread_mutex_destroy(&p.lock);
	free(tids);
	free(ws);
	if (p.first) {
		*err = p.err;
		return p.first;
	}
	return 0;
}

unsigned nc_parallel_default(void)
{
	const char *v = getenv("NCOMPOSE_PARALLEL");
	if (v && *v) {
		long n = strtol(v, NULL, 10);
		return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus < 1 ? 1 : cpus > 8 ? 8 : (unsigned)cpus;
}
