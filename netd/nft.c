/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One libnftables run: a fresh context (it caches the ruleset, so one per
 * call keeps no state between calls), buffered output and errors, and the
 * run made inside the session's namespace, where libnftables opens its
 * netlink socket. A buffer is one transaction: all of it or none.
 */
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "netd/netd-internal.h"
#include "netd/nsswitch.h"

/* libnftables' error text is several lines (the message, the input line,
 * a caret line); the first one names the problem. */
static void first_line(const char *in, char *out, size_t size)
{
	size_t n = strcspn(in ? in : "", "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, in ? in : "", n);
	out[n] = '\0';
}

struct nft_run {
	const char *text;
	const char *what;
	char **output;
};

static int run_here(void *data, nc_err *err)
{
	struct nft_run *a = data;
	_cleanup_nft_ctx_ struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	char msg[512];

	if (!ctx)
		return nc_err_errno(err, ENOMEM, "%s: create nftables context", a->what);
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0)
		return nc_err_errno(err, ENOMEM, "%s: nftables buffers", a->what);
#if NC_HAVE_NFT_NO_DNS
	nft_ctx_input_set_flags(ctx, nft_ctx_input_get_flags(ctx) | NFT_CTX_INPUT_NO_DNS);
#endif
	if (nft_run_cmd_from_buffer(ctx, a->text) != 0) {
		/* Errors are words, not errno: libnftables does not keep the
		 * kernel's code. */
		first_line(nft_ctx_get_error_buffer(ctx), msg, sizeof(msg));
		return nc_err_msg(err, EINVAL, "%s: %s", a->what, *msg ? msg : "rejected by nftables");
	}
	if (a->output) {
		const char *out = nft_ctx_get_output_buffer(ctx);
		*a->output = strdup(out ? out : "");
		if (!*a->output)
			return nc_err_errno(err, ENOMEM, "%s", a->what);
	}
	return 0;
}

int netd_nft_run(struct netd *nd, const char *text, char **output, const char *what, nc_err *err)
{
	struct nft_run a = { text, what, output };

	if (output)
		*output = NULL;
	return netd_in_netns(nd->nsfd, run_here, &a, err);
}
