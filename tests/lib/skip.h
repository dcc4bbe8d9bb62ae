/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A reasoned skip for the cmocka tests (unit and integration): ends the
 * running test after printing one TAP comment line, "# skip: REASON",
 * which the summary at the end of tests/run-all (tests/lib/skip-summary)
 * pairs with the test's own "ok N - name" line that follows.
 *
 * Why not cmocka's skip(): cmocka 1.1.5 (Debian 12) prints a skipped test
 * as "not ok N # SKIP", which meson's TAP parser counts as a failure, and
 * it has no room for a reason.
 *
 * Use it for what this machine's kernel or tools lack (IA32 emulation, a
 * qdisc, a cgroup layout), never to hide a defect: see tests/README.md.
 * Only in the test function itself (it returns from it); include after
 * <cmocka.h>, <stdlib.h> and <string.h>.
 */
#ifndef NC_TESTS_SKIP_H
#define NC_TESTS_SKIP_H

#define nc_skip(fmt, ...)                                          \
	do {                                                       \
		print_message("# skip: " fmt "\n", ##__VA_ARGS__); \
		return;                                            \
	} while (0)

/* For what the test needs and scripts/bootstrap provides (a tool, root):
 * "cannot run here at all". A failure where NCOMPOSE_TEST_MUST_WORK=1 (CI
 * set this machine up, so something is wrong with it), a reasoned skip
 * elsewhere. */
#define nc_skip_unless_must_work(fmt, ...)                                        \
	do {                                                                      \
		const char *must_ = getenv("NCOMPOSE_TEST_MUST_WORK");            \
		if (must_ && !strcmp(must_, "1"))                                 \
			fail_msg("cannot run here: " fmt, ##__VA_ARGS__);         \
		nc_skip(fmt, ##__VA_ARGS__);                                      \
	} while (0)

#endif
