/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ncompose-init: the container's PID 1 when it was set up by a child that
 * borrowed the supervisor's memory (spawn.c, clone-vm.h). That child
 * cannot stay: it must give the memory back, so once the workload is
 * running it execs this small static program, which then does what
 * rt_init_run() describes (init.c). Built into the ncompose binary and
 * run from a sealed memory file (init-exe.c), never from a path a
 * container could reach.
 *
 * Everything was set before the exec: the namespaces, the root, the
 * capabilities it keeps, every signal blocked, stdio on /dev/null, and
 * nothing else open but the descriptors named on the command line.
 */
#include <string.h>
#include <sys/prctl.h>

#include "runtime/child-util.h"
#include "runtime/init-args.h"
#include "runtime/init.h"

int main(int argc, char **argv)
{
	struct rt_init_args a;

	/* init-exe.c's check that this kernel runs us from memory, and that
	 * the exec left us non-dumpable (see exec_init in spawn.c). */
	if (argc == 2 && strcmp(argv[1], "--probe") == 0)
		return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 3;
	/* The workload runs already and is root too: only CAP_SYS_PTRACE
	 * may look into us. (The exec made us so already: see spawn.c.) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (rt_init_args_parse(argc, argv, &a) < 0)
		return 127;
	prctl(PR_SET_NAME, "ncompose-init", 0, 0, 0);
	/* `ps` in the container shows a name, not our descriptor numbers. */
	rt_set_cmdline("ncompose-init");
	rt_init_run(a.workload, &a.io);
}
