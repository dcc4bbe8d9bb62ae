/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one place where netd moves the calling thread between network
 * namespaces. A netlink socket stays bound to the namespace it was created
 * in, and /proc/sys/net resolves the namespace when a file is opened, so
 * netd only ever enters a namespace to create a socket or open a file, and
 * always comes back before returning, also on failure.
 *
 * setns()/unshare() of CLONE_NEWNET act on the calling thread only, so this
 * is safe in a multi-threaded caller: each thread comes back to where *it*
 * was, saved from /proc/thread-self/ns/net at the moment of the switch.
 */
#ifndef NC_NETD_NSSWITCH_H
#define NC_NETD_NSSWITCH_H

#include "common/error.h"

typedef int (*netd_ns_fn)(void *data, nc_err *err);

/* Runs fn inside the namespace `nsfd`, then returns to the thread's own. */
int netd_in_netns(int nsfd, netd_ns_fn fn, void *data, nc_err *err);

/* Runs fn inside a brand-new namespace (unshare), then returns to the
 * thread's own. The new namespace lives on only if fn pins it (a bind
 * mount, an fd). */
int netd_in_new_netns(netd_ns_fn fn, void *data, nc_err *err);

#endif
