#!/bin/bash
# The container runtime through the CLI: timestamped logs, ...
. "$NC_SRC/tests/lib/lib.sh"

lab=$NC_SRC/tests/integration/labs/container/compose.yaml
trap 'nc -p ctr down >/dev/null 2>&1' EXIT
check "up -d" nc -f "$lab" up -d

# --- logs
sleep 0.5 # the prompt without its newline is logged after 200 ms
logs=$(nc -p ctr logs --no-log-prefix talk)
check_match "stdout reaches the log" "$logs" '^out-line$'
check_match "stderr too" "$logs" '^err-line$'
check_match "a line without its newline is logged after a pause" "$logs" '^prompt: $'
check_match "records carry a UTC stamp and the stream" \
	"$(grep err-line /run/ncompose/ctr/containers/talk/log)" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{9}Z err err-line$'
check_match "logs -t shows the stamp" "$(nc -p ctr logs -t talk)" '^talk +\| 20[0-9-]+T[0-9:.]+Z out-line$'
check_eq "logs --tail 1 shows the last line only" "$(nc -p ctr logs --no-log-prefix --tail 1 talk)" "prompt: "
check_eq "logs --tail 0 shows nothing" "$(nc -p ctr logs --tail 0 talk)" ""
check_fails "logs --tail wants a number" nc -p ctr logs --tail x talk

# --- exec with a terminal
pty=$NC_SRC/tests/lib/ptydrive
out=$("$pty" --size 33x101 --type 'tty; stty size; exit 7\n' -- "$NCOMPOSE" -p ctr exec talk sh); rc=$?
check_match "exec from a terminal gets a pty of the container's devpts" "$out" '^/dev/pts/[0-9]+$'
check_match "... with the caller's window size" "$out" '^33 101$'
check_eq "... and the shell's exit status" "$rc" "7"
out=$("$pty" --type '\x03' -- "$NCOMPOSE" -p ctr exec talk sleep 100); rc=$?
check_eq "^C typed on the terminal interrupts the command (128 + SIGINT)" "$rc" "130"
check_match "exec -t allocates one without a terminal on stdin" "$(nc -p ctr exec -t talk tty </dev/null)" '^/dev/pts/[0-9]+'
out=$("$pty" -- "$NCOMPOSE" -p ctr exec -T talk tty)
check_match "exec -T never does" "$out" 'not a tty'
check_eq "exit codes pass through" "$(nc -p ctr exec talk sh -c 'exit 42'; echo $?)" "42"
check_eq "... signals as 128 + N" "$(nc -p ctr exec talk sh -c 'kill -TERM $$'; echo $?)" "143"
check_match "a missing command says so" "$(nc -p ctr exec talk no-such-cmd 2>&1)" 'exec `no-such-cmd`: No such file or directory'
check_eq "... with the shell's status for it" "$(nc -p ctr exec talk no-such-cmd 2>/dev/null; echo $?)" "127"
check_eq "... and for a file that is not executable" "$(nc -p ctr exec talk /etc/hostname 2>/dev/null; echo $?)" "126"

# --- tty and stdin_open
check_match "tty: the command runs on a terminal of the container" "$(nc -p ctr logs --no-log-prefix shell)" '^/dev/pts/[0-9]+$'
check_match "... its output is logged, as plain lines" "$(nc -p ctr logs --no-log-prefix shell | od -c | head -n2)" 'o   n   -   a   -   t   t   y  \\n'
check_match "... and an interactive sh waits there instead of exiting" "$(nc -p ctr ps)" '^shell +running'
check_match "stdin_open: cat waits on a stdin that stays open" "$(nc -p ctr ps)" '^reader +running'
check_match "without it cat reads /dev/null and ends" "$(nc -p ctr ps)" '^plain +exited'
check_match "container_name is one more host name of the container" "$(nc -p ctr exec -T reader grep -w talker /etc/hosts)" '[[:space:]]talk[[:space:]]+talker$'
check_eq "PID 1 shows as ncompose-init, not the command that ran up" "$(nc -p ctr exec -T talk cat /proc/1/cmdline | tr -d '\0')" "ncompose-init"
check "down" nc -p ctr down
check_clean ctr
finish
