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
check_match "without it cat reads /dev/null and ends" "$(nc -p ctr ps -a)" '^plain +exited'
check_match "container_name is one more host name of the container" "$(nc -p ctr exec -T reader grep -w talker /etc/hosts)" '[[:space:]]talk[[:space:]]+talker$'
check_eq "PID 1 shows as ncompose-init, not the command that ran up" "$(nc -p ctr exec -T talk cat /proc/1/cmdline | tr -d '\0')" "ncompose-init"
check "down" nc -p ctr down
check_clean ctr

# --- logs are bounded and rotated (issue 11: a chatty container filled /run)
cdir=$(mktemp -d)
cat >"$cdir/compose.yaml" <<'EOF'
name: chatty
x-talk: &talk [sh, -c, 'i=0; while [ $$i -lt 3000 ]; do echo "line-$$i-padding-padding-padding-padding"; i=$$((i+1)); done; echo last-line; touch /tmp/done; exec sleep 1000']
services:
  bounded:
    command: *talk
    logging:
      driver: local
      options: {max-size: 8k, max-file: "2"}
  many:
    command: *talk
    logging:
      driver: local
      options: {max-size: 4k, max-file: "16"}
  control:
    command: *talk
EOF
check "chatty: up -d" nc -f "$cdir/compose.yaml" up -d
for svc in bounded many control; do
	for _ in $(seq 200); do nc -p chatty exec $svc test -e /tmp/done && break; done
done
check "chatty: stop (the init writes what is left in the pipes)" nc -p chatty stop bounded many control
st=/run/ncompose/chatty/containers
check "the bounded log was rotated into log.1" test -s $st/bounded/log.1
check_fails "... and kept no more than max-file files" test -e $st/bounded/log.2
check_eq "... each at most max-size" "$(find $st/bounded -name 'log*' -size +8k | wc -l)" "0"
# The init holds every file open: the most there may be is 16 (it used to
# lose the last ones, or fail to start, past 13).
check "max-file 16: the init kept writing the 16th file" test -s $st/many/log.15
check_fails "... and no 17th" test -e $st/many/log.16
check_match "control: without the options the same output is all kept (over 100 KiB)" "$(stat -c %s $st/control/log)" '^[0-9]{6,}$'
check_eq "config prints logging as given" "$(nc -f "$cdir/compose.yaml" config | grep -m1 -A4 'logging:' | tr -d ' ' | tr '\n' ' ')" "logging: driver:local options: max-file:2 max-size:8192 "
out=$(nc -p chatty logs --no-log-prefix bounded)
check_eq "logs ends with the last line" "$(echo "$out" | tail -n1)" "last-line"
check_match "logs reads across the rotated file (more lines than the written file holds)" \
	"$(echo "$out" | wc -l) $(wc -l <$st/bounded/log)" '^([0-9]+) ([0-9]+)$'
n_all=$(echo "$out" | wc -l) n_cur=$(wc -l <$st/bounded/log)
check "... $n_all lines shown, $n_cur in the written file" test "$n_all" -gt "$n_cur"
check_eq "... in order, without gaps" "$(echo "$out" | head -n -1 | sed 's/line-\([0-9]*\)-.*/\1/' | awk 'NR>1 && $1 != p+1 {bad=1} {p=$1} END {print bad+0}')" "0"
t=$((n_cur + 5))
check_eq "logs --tail $t reaches into log.1 (the written file has $n_cur lines)" \
	"$(nc -p chatty logs --no-log-prefix --tail $t bounded)" "$(echo "$out" | tail -n $t)"
printf 'services:\n  s:\n    logging: {driver: syslog}\n' >"$cdir/syslog.yaml"
check_match "an unsupported logging driver is refused at its line" "$(nc -f "$cdir/syslog.yaml" config 2>&1)" 'syslog.yaml:3:.*logging driver `syslog` is not supported'
check "chatty: down" nc -p chatty down
check_clean chatty
rm -rf "$cdir"
finish
