#!/bin/bash
# Escapes through what ncompose runs into a container: no path from a
# container to the caller's terminal or descriptors, or to a privileged
# helper process (docs/how-it-works.md). `exec` and healthcheck probes, the
# container's init, and the default seccomp profile and capability sets.
# Each attack is shown failing, beside a control where the same attack
# works without the protection (the controls run in the container's
# namespaces with nsenter, which has none of them).
. "$NC_SRC/tests/lib/lib.sh"

lab=$NC_SRC/tests/integration/labs/exec-escape/compose.yaml
work=$(mktemp -d /run/xesc.XXXXXX)
sleeper=
trap '[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null; nc -p xesc down >/dev/null 2>&1; rm -rf "$work"' EXIT
x() { nc -p xesc exec "$@"; }
init_pid() { nc -p xesc ps --format json | python3 -c "import json,sys; print([c for c in json.load(sys.stdin) if c['name']=='$1'][0]['pid'])"; }

# A secret in the environment of the shell that runs `up` (hole 14).
check "up -d" env NCOMPOSE_TEST_SECRET=xesc-secret-4711 "$NCOMPOSE" -f "$lab" up -d

# --- 1. exec hands the caller's terminal and descriptors to the container.
#
# The caller's side: a fresh pseudo-terminal that is the caller's
# controlling terminal and its stdout and stderr, stdin /dev/null (`exec`
# then makes no pty: the case of the bug), or the terminal too with -T.
# After the command, whatever input is waiting on the terminal is what a
# shell would have read and run next: TIOCSTI's work. Prints the command's
# output, then `input: <what is waiting>`.
TTYRUN=$(
	cat <<'EOF'
import fcntl, os, pty, select, sys, termios, tty
stdin_tty = sys.argv[1] == 'tty'
cmd = sys.argv[2:]
m, s = os.openpty()
tty.setraw(s)  # no line discipline: injected bytes are readable at once
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(m); os.close(r)
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    os.dup2(s if stdin_tty else os.open('/dev/null', os.O_RDONLY), 0)
    os.dup2(s, 1); os.dup2(s, 2)
    child = os.fork()
    if child == 0:
        os.closerange(3, 256)
        os.execvp(cmd[0], cmd)
    _, st = os.waitpid(child, 0)
    os.set_blocking(s, False)
    try:
        left = os.read(s, 4096)
    except BlockingIOError:
        left = b''
    os.write(w, left)
    os._exit(os.waitstatus_to_exitcode(st) & 0xff)
os.close(s); os.close(w)
out = b''
while True:
    ready, _, _ = select.select([m], [], [])
    try:
        data = os.read(m, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
left = os.read(r, 4096)
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace').replace('\r', ''))
print('input: %r' % left)
sys.exit(os.waitstatus_to_exitcode(st))
EOF
)
# The attack: TIOCSTI on every standard descriptor and on /dev/tty (the
# controlling terminal, if any); each reported as ok or the errno name.
STI=$(
	cat <<'EOF'
import errno, fcntl, os, termios
res, fds = [], [0, 1, 2]
try:
    fds.append(os.open('/dev/tty', os.O_RDWR | os.O_NOCTTY))
except OSError as e:
    res.append('tty:' + errno.errorcode[e.errno])
for fd in fds:
    try:
        for ch in b'echo INJECTED\n':
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([ch]))
        res.append('%s:ok' % (fd if fd < 3 else 'tty'))
    except OSError as e:
        res.append('%s:%s' % (fd if fd < 3 else 'tty', errno.errorcode[e.errno]))
print(' '.join(res))
EOF
)
ttyrun() { python3 -c "$TTYRUN" "$@"; }
out=$(ttyrun null "$NCOMPOSE" -p xesc exec admin python3 -c "$STI")
check_match "exec, stdin not a terminal, stdout a terminal: TIOCSTI finds no terminal (CAP_SYS_ADMIN held)" \
	"$out" '^tty:ENXIO 0:ENOTTY 1:ENOTTY 2:ENOTTY$'
check_match "... nothing typed into the caller's terminal" "$out" "^input: b''$"
out=$(ttyrun tty "$NCOMPOSE" -p xesc exec -T admin python3 -c "$STI")
check_match "exec -T from a terminal: no terminal either" "$out" '^tty:ENXIO 0:ENOTTY 1:ENOTTY 2:ENOTTY$'
pid=$(init_pid admin)
out=$(ttyrun null nsenter -t "$pid" -a python3 -c "$STI")
check_match "control: the same in the container's namespaces holding the caller's terminal types into it" \
	"$out" "input: b'echo INJECTED"
out=$(ttyrun null "$NCOMPOSE" -p xesc exec admin python3 -c 'import os; print(os.getsid(0) == os.getpid(), os.getpgid(0) == os.getpid())')
check_match "exec: the command leads a session of its own" "$out" '^True True$'

# The caller's descriptors: a root-owned host file the caller redirects
# into, made setuid through /proc/self/fd/1 if the command holds it.
victim=$work/victim
: >"$victim" && chmod 0644 "$victim"
x box sh -c 'chmod 4777 /proc/self/fd/1; readlink /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 >&2' \
	>"$victim" 2>"$work/links" <"$lab"
check_eq "exec: chmod 4777 /proc/self/fd/1 leaves the caller's file alone" "$(stat -c %a "$victim")" "644"
check_eq "... the command's stdin, stdout and stderr are pipes" \
	"$(sed 's/\[[0-9]*\]//' "$work/links" | tr '\n' ' ')" "pipe: pipe: pipe: "
pid=$(init_pid box)
: >"$work/victim2" && chmod 0644 "$work/victim2"
nsenter -t "$pid" -a sh -c 'chmod 4777 /proc/self/fd/1' >"$work/victim2"
check_eq "control: the same holding the caller's file makes it setuid" "$(stat -c %a "$work/victim2")" "4777"
check_match "healthcheck probes hold pipes too (and no inheritable capability)" \
	"$(x box cat /tmp/probe | tr '\n' ' ' | sed 's/\[[0-9]*\]//g')" \
	'^CapInh:.0000000000000000 CapPrm:.00000000a80425fb pipe: /tmp/probe.new pipe: $'

# What the pipes must still do.
check_eq "stdin reaches the command, and its EOF" "$(printf 'a\nb\n' | x box wc -l)" "2"
check_eq "... a megabyte in" "$(head -c 1000000 /dev/zero | x box wc -c)" "1000000"
check_eq "... a megabyte out" "$(x box head -c 1000000 /dev/zero | wc -c)" "1000000"
check_eq "stdout and stderr stay apart" "$(x box sh -c 'echo out; echo err >&2' 2>/dev/null)" "out"
x box sh -c 'exit 7'
check_eq "the exit status passes through" "$?" "7"
x box sh -c 'kill -TERM $$'
check_eq "... death by a signal as 128+N" "$?" "143"
# A signal to ncompose alone (a script's `timeout`, ^C at a terminal
# without -t): the command, in a session of its own, gets it from ncompose.
# (Without that it would sleep its minute out.)
SIGDRIVE=$(
	cat <<'EOF'
import signal, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
first = p.stdout.readline()
p.send_signal(signal.SIGINT)
print(first.decode().strip(), p.stdout.read().decode().strip(), p.wait())
EOF
)
check_eq "SIGINT to ncompose reaches the command; exec's status is the command's" \
	"$(python3 -c "$SIGDRIVE" "$NCOMPOSE" -p xesc exec box python3 -c '
import os, signal, time
# os.write, not print: the signal may come while print("ready") is still
# in its flush, and a print from the handler then is a reentrant call.
signal.signal(signal.SIGINT, lambda *a: (os.write(1, b"got SIGINT\n"), os._exit(3)))
os.write(1, b"ready\n")
time.sleep(60)')" "ready got SIGINT 3"

# A probe past its timeout is killed, and its command with it, although
# that runs in a session of its own (it dies with exec's helper, which
# dies with the probe).
health() { nc -p xesc ps --format json | python3 -c "import json,sys; print([c for c in json.load(sys.stdin) if c['name']=='$1'][0].get('health'))"; }
x hang touch /tmp/hang
for _ in $(seq 120); do [ "$(health hang)" = unhealthy ] && break; sleep 0.5; done
check_eq "a probe that hangs makes its service unhealthy" "$(health hang)" "unhealthy"
check_match "... and the commands of the killed probes are gone (one may be running)" \
	"$(x hang pgrep -c -f 'sleep 999')" '^[01]$'

# --- 5. cap_add SYS_PTRACE: the container attaches to every new process of
# its PID namespace (exec's commands and probes as they start); a process
# that holds more capabilities than the container or runs without its
# filter would be a way out.
PTRACE=$(
	cat <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
SEIZE, INTERRUPT, DETACH, WALL = 0x4206, 0x4207, 17, 0x40000000
def status(pid):
    try:
        return dict(l.split(':', 1) for l in open('/proc/%d/status' % pid))
    except (OSError, ValueError):
        return None
mine = int(status(os.getpid())['CapPrm'], 16)
def beyond(st):
    if not st:
        return None
    caps = int(st['CapPrm'], 16) | int(st['CapEff'], 16)
    if caps & ~mine or st['Seccomp'].strip() == '0':
        return '%s CapPrm %s Seccomp %s' % (st['Name'].strip(), st['CapPrm'].strip(), st['Seccomp'].strip())
    return None
seen, seized, found = 0, 0, []
def attack(pid):
    global seen, seized
    seen += 1
    what = beyond(status(pid))
    if what:
        found.append('EXPOSED %d %s' % (pid, what))
    if libc.ptrace(ctypes.c_long(SEIZE), ctypes.c_long(pid), None, None) != 0:
        return
    seized += 1
    libc.ptrace(ctypes.c_long(INTERRUPT), ctypes.c_long(pid), None, None)
    libc.waitpid(pid, ctypes.byref(ctypes.c_int()), WALL)
    what = beyond(status(pid))
    if what:
        found.append('SEIZED %d %s' % (pid, what))
    libc.ptrace(ctypes.c_long(DETACH), ctypes.c_long(pid), None, None)
def pids():
    return {int(p) for p in os.listdir('/proc') if p.isdigit()}
me = {1, os.getpid(), os.getppid()}
if sys.argv[1] == 'once':
    for pid in sorted(pids() - me):
        attack(pid)
else:
    known = pids()
    open('/tmp/ready', 'w').close()
    while not os.path.exists('/tmp/stop'):
        now = pids()
        for pid in sorted(now - known):
            attack(pid)
        known = now
print('seen %d seized %d' % (seen, seized))
print('\n'.join(found))
EOF
)
x tracer rm -f /tmp/ready /tmp/stop
x tracer python3 -c "$PTRACE" watch >"$work/ptrace" 2>&1 &
attacker=$!
for _ in $(seq 200); do x tracer test -e /tmp/ready && break; done
for i in $(seq 40); do
	x tracer true
	x -u 1000 tracer true
done
x tracer touch /tmp/stop
wait "$attacker"
check_match "SYS_PTRACE: the attacker watched 80 exec's and the probes meanwhile" \
	"$(cat "$work/ptrace")" '^seen [0-9]+ seized [0-9]+$'
check_eq "... and found nothing beyond the container's own capabilities and filter, seized or not" \
	"$(grep -cE '^(EXPOSED|SEIZED)' "$work/ptrace")" "0"
# Control: a process that enters the container's PID namespace with the
# host's capabilities and no filter, as exec's helper once did, is found
# and seized.
pid=$(init_pid tracer)
nsenter -t "$pid" -p -m sleep 1000 &
sleeper=$!
for _ in $(seq 200); do [ "$(x tracer pgrep -c -x sleep)" -ge 2 ] && break; done
check_match "control: a privileged process in its PID namespace is seized" \
	"$(x tracer python3 -c "$PTRACE" once)" '^SEIZED [0-9]+ sleep CapPrm [0-9a-f]+ Seccomp 0$'
kill "$sleeper" && wait "$sleeper" 2>/dev/null
sleeper=

# --- 12. io_uring: refused by the default profile (Docker 25 did the same).
# io_uring_setup(1, params) is call 425 on x86-64 and arm64 alike.
URING=$(
	cat <<'EOF'
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)
fd = libc.syscall(ctypes.c_long(425), ctypes.c_uint(1), params)
print('ok' if fd >= 0 else errno.errorcode.get(ctypes.get_errno(), '?'))
EOF
)
case $(uname -m) in x86_64 | aarch64) uring=$(python3 -c "$URING") ;; *) uring="no call number" ;; esac
check_eq "io_uring_setup: refused" "$(x box python3 -c "$URING")" "EPERM"
check_eq "... with SYS_ADMIN too" "$(x admin python3 -c "$URING")" "EPERM"
if [ "$uring" = ok ]; then
	check_eq "... without the filter it works (control)" "$(x unconf python3 -c "$URING")" "ok"
else
	echo "# io_uring control skipped: the host itself cannot set one up ($uring)"
fi

# --- 13. inheritable capabilities (CVE-2022-24769): none, in the workload,
# exec's commands and the probes (above).
check_eq "the workload's inheritable set is empty" "$(x box grep ^CapInh /proc/2/status | cut -f2)" "0000000000000000"
check_eq "... exec's" "$(x box grep ^CapInh /proc/self/status | cut -f2)" "0000000000000000"
check_eq "... and exec's in an unconfined container" "$(x unconf grep ^CapInh /proc/self/status | cut -f2)" "0000000000000000"
# Control, on the host: what an inheritable set gives. A non-root user
# running a file with an inheritable file capability gains it; with an
# empty inheritable set, as in the containers, nothing.
cp /bin/cat "$work/cat" && chmod 755 "$work" "$work/cat"
if setcap cap_net_raw+ei "$work/cat" 2>/dev/null; then
	prm() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@" "$work/cat" /proc/self/status | grep ^CapPrm | cut -f2; }
	check_eq "control: a user with NET_RAW inheritable gains it from the file" "$(prm --inh-caps +net_raw)" "0000000000002000"
	check_eq "... with an empty inheritable set, nothing" "$(prm --inh-caps -all)" "0000000000000000"
else
	echo "# inheritable control skipped: setcap failed on $work"
fi

# --- 14. the caller's environment: none in the init's memory.
environ=$(x tracer cat /proc/1/environ | tr '\0' '\n')
check "SYS_PTRACE reads the init's /proc/1/environ" x tracer sh -c 'cat /proc/1/environ >/dev/null'
check_eq "... which holds nothing of the shell that ran up" "$(printf '%s' "$environ" | grep -c .)" "0"
check_eq "the workload's environment holds what the file gives (control)" \
	"$(x tracer cat /proc/2/environ | tr '\0' '\n' | grep -c NCOMPOSE_TEST_SECRET) $(x box cat /proc/2/environ | tr '\0' '\n' | grep ^LAB_VAR=)" \
	"0 LAB_VAR=from-the-file"
check_match "control: a process cloned from the caller without execve carries its environment" \
	"$(NCOMPOSE_TEST_SECRET=xesc-secret-4711 python3 -c 'import os
r, w = os.pipe()
if os.fork() == 0:
    os.write(w, open("/proc/self/environ", "rb").read()); os._exit(0)
os.close(w); print(os.read(r, 1 << 20).decode(errors="replace").replace("\0", "\n"))')" 'NCOMPOSE_TEST_SECRET=xesc-secret-4711'

# The init's memory, all of it: CAP_SYS_PTRACE reads it. An init that
# stayed a copy of the supervisor held every service's settings (box's
# environment). The needle is joined inside, never whole on a command line.
memsearch='import sys
pid, needle = sys.argv[1], (sys.argv[2] + sys.argv[3]).encode()
found = 0
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        span, perms = line.split()[:2]
        lo, hi = (int(x, 16) for x in span.split("-"))
        if "r" not in perms or hi - lo > 1 << 30:
            continue
        try:
            mem.seek(lo)
            found += mem.read(hi - lo).count(needle)
        except (OSError, ValueError, OverflowError):
            pass
print(found)'
off=$(init_program_off)
if [ -z "$off" ]; then
	check_eq "SYS_PTRACE reads its init's memory: none of the other services' settings there" \
		"$(x tracer python3 -c "$memsearch" 1 LAB_VAR= from-the-file)" "0"
else
	skip_check "SYS_PTRACE reads its init's memory: none of the other services' settings there" "$off"
fi
check_match "control: the same search finds them where they are (box's own memory)" \
	"$(x box python3 -c "$memsearch" self LAB_VAR= from-the-file)" '^[1-9]'

check "down" nc -p xesc down
check_clean xesc
finish
