#!/bin/bash
# Escape attempts from containers on the host's own root filesystem (a
# container cannot see or touch the host beyond what its file gives it).
# Every attempt is one that works where its protection is missing:
# the controls show it (unconf: no seccomp filter; admin: CAP_SYS_ADMIN;
# netadm: CAP_NET_ADMIN; priv: privileged), and the refusals are checked
# for their error, so that a refusal for another reason does not pass.
# priv is only given calls that stay inside its own namespaces.
. "$NC_SRC/tests/lib/lib.sh"

lab=$NC_SRC/tests/integration/labs/escape/compose.yaml
hostfile=$(mktemp /tmp/ncompose-escape.XXXXXX)
loopdev=
trap 'nc -p esc down >/dev/null 2>&1; [ -z "$loopdev" ] || losetup -d "$loopdev"; rm -f "$hostfile"
	rmdir /usr/ncompose-escape-probe 2>/dev/null' EXIT
x() { nc -p esc exec "$@"; }

# One system call through ctypes, with arguments that do no harm if the
# call goes through; prints what it printed, then `ok` or the errno name.
# Calls without a glibc wrapper use the call numbers of x86-64 or arm64.
PY=$(
	cat <<'EOF'
import ctypes as c, errno, os, sys
libc = c.CDLL(None, use_errno=True)
NR = {'x86_64': {'keyctl': 250, 'add_key': 248, 'bpf': 321, 'kexec_load': 246, 'reboot': 169},
      'aarch64': {'keyctl': 219, 'add_key': 217, 'bpf': 280, 'kexec_load': 104, 'reboot': 142}
      }.get(os.uname().machine)
class Handle(c.Structure):
    _fields_ = [('size', c.c_uint), ('type', c.c_int), ('f', c.c_ubyte * 128)]
def raw(name, *a):
    if NR is None:
        sys.exit('no call numbers for ' + os.uname().machine)
    return libc.syscall(c.c_long(NR[name]), *a)
def run(what, arg):
    if what == 'init_module':  # 64 zero bytes: past the checks, ENOEXEC
        return libc.init_module(c.create_string_buffer(64), c.c_ulong(64), b'')
    if what == 'kexec_load':   # 65535 segments: past the checks, EINVAL
        return raw('kexec_load', c.c_ulong(0), c.c_ulong(65535), None, c.c_ulong(0))
    if what == 'reboot':       # no magic numbers: past the checks, EINVAL
        return raw('reboot', c.c_int(0), c.c_int(0), c.c_uint(0), None)
    if what == 'keyctl':       # KEYCTL_GET_KEYRING_ID of the session keyring
        return raw('keyctl', c.c_int(0), c.c_int(-3), c.c_int(0))
    if what == 'add_key':      # a user key in the process keyring, gone with us
        return raw('add_key', b'user', b'ncompose-escape', b'x', c.c_size_t(1), c.c_int(-2))
    if what == 'bpf':          # BPF_MAP_CREATE: an array of one 4-byte value
        attr = (c.c_uint * 32)(2, 4, 4, 1)
        return raw('bpf', c.c_int(0), attr, c.c_uint(c.sizeof(attr)))
    if what == 'ptrace':       # PTRACE_SEIZE of PID 1: no stop, detached at our exit
        return libc.ptrace(c.c_long(0x4206), c.c_long(1), None, None)
    if what == 'mount':
        return libc.mount(b'none', b'/mnt', b'tmpfs', c.c_ulong(0), None)
    if what == 'swapon':       # past the checks, ENOENT
        return libc.swapon(b'/nonexistent-ncompose-swap', c.c_int(0))
    if what == 'settime':      # the clock set to what it just read
        ts = (c.c_long * 2)()
        libc.clock_gettime(c.c_int(0), ts)
        return libc.clock_settime(c.c_int(0), ts)
    if what == 'name_to_handle':
        h, mnt = Handle(size=128), c.c_int()
        r = libc.name_to_handle_at(c.c_int(-100), arg.encode(), c.byref(h), c.byref(mnt), c.c_int(0))
        if r == 0:
            print('%d:%s' % (h.type, bytes(h.f[:h.size]).hex()))
        return r
    if what == 'open_by_handle':  # a handle opened against "/": "size N"
        t, hx = arg.split(':')
        b = bytes.fromhex(hx)
        h = Handle(size=len(b), type=int(t))
        c.memmove(h.f, b, len(b))
        fd = libc.open_by_handle_at(c.c_int(os.open('/', os.O_RDONLY)), c.byref(h), c.c_int(os.O_RDONLY))
        if fd >= 0:
            print('size %d' % os.fstat(fd).st_size)
        return fd
    if what == 'chroot_escape':  # chroot, then climb out by a directory kept outside
        os.makedirs('/tmp/jail', exist_ok=True)
        out = os.open('/', os.O_RDONLY)
        os.chroot('/tmp/jail')
        os.fchdir(out)
        for _ in range(64):
            os.chdir('..')
        os.chroot('.')
        print('in %s, /run/ncompose %s' % (open('/etc/hostname').read().strip(),
                                            'visible' if os.path.exists('/run/ncompose') else 'absent'))
        return 0
    sys.exit('unknown call ' + what)
try:
    r = run(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
except OSError as e:
    r, err = -1, e.errno
else:
    err = c.get_errno()
print('ok' if r >= 0 else errno.errorcode.get(err, str(err)))
EOF
)
syscall() { local ctr=$1; shift; x "$ctr" python3 -c "$PY" "$@" 2>&1; }
case $(uname -m) in x86_64 | aarch64) raw=1 ;; *) raw=0 ;; esac

check "up -d" nc -f "$lab" up -d
status() { x "$1" grep -E "^$2:" /proc/self/status | awk '{print $2}'; }
check_eq "box: the seccomp filter is on" "$(status box Seccomp)" "2"
check_eq "... no_new_privs" "$(status box NoNewPrivs)" "1"
check_eq "... Docker's capability set, nothing more" "$(status box CapEff)" "00000000a80425fb"
check_eq "unconf: no filter" "$(status unconf Seccomp)" "0"
check_eq "admin: the filter, with SYS_ADMIN" "$(status admin Seccomp) $(status admin CapEff)" "2 00000000a82425fb"

# --- code into the kernel, another kernel, the power switch. unconf has no
# filter and no capability for them either: refused by the kernel (or
# ENOSYS on a kernel built without modules or kexec).
check_eq "init_module: refused" "$(syscall box init_module)" "EPERM"
check_match "... also by the kernel alone (no CAP_SYS_MODULE)" "$(syscall unconf init_module)" '^(EPERM|ENOSYS)$'
check_eq "... and to an administrator" "$(syscall admin init_module)" "EPERM"
if [ "$raw" = 1 ]; then
	check_eq "kexec_load: refused" "$(syscall box kexec_load)" "EPERM"
	check_match "... also by the kernel alone (no CAP_SYS_BOOT)" "$(syscall unconf kexec_load)" '^(EPERM|ENOSYS)$'
	check_eq "reboot: refused" "$(syscall box reboot)" "EPERM"
	check_eq "... also by the kernel alone" "$(syscall unconf reboot)" "EPERM"
else
	skip_check "kexec_load, reboot: refused" "no system call numbers for $(uname -m) in this test"
fi
check_eq "swapon: refused, to an administrator too (the filter)" "$(syscall admin swapon)" "EPERM"

# --- key rings are not namespaced: the filter alone keeps them out (they
# need no capability: unconf reaches them).
if [ "$raw" = 1 ]; then
	check_eq "keyctl: refused" "$(syscall box keyctl)" "EPERM"
	check_eq "... to an administrator too" "$(syscall admin keyctl)" "EPERM"
	check_eq "... without the filter it works (control)" "$(syscall unconf keyctl)" "ok"
	check_eq "add_key: refused" "$(syscall box add_key)" "EPERM"
	check_eq "... without the filter it works (control)" "$(syscall unconf add_key)" "ok"
	# --- bpf: refused without CAP_BPF/CAP_SYS_ADMIN (by the filter, and by
	# the kernel where unprivileged_bpf_disabled is set).
	check_eq "bpf: refused" "$(syscall box bpf)" "EPERM"
	check_eq "... with SYS_ADMIN a map is made (control)" "$(syscall admin bpf)" "ok"
else
	skip_check "keyctl, add_key, bpf: refused" "no system call numbers for $(uname -m) in this test"
fi

# --- mounts: nothing can be mounted or remounted without CAP_SYS_ADMIN, and
# the host's root stays read-only.
check_eq "mount a tmpfs: refused" "$(syscall box mount)" "EPERM"
check_eq "... also by the kernel alone (no CAP_SYS_ADMIN)" "$(syscall unconf mount)" "EPERM"
check_match "mount(8) of a cgroup v1 hierarchy (release_agent): refused" \
	"$(x box mount -t cgroup -o memory cgroup /mnt 2>&1)" 'permission denied'
check_match "remount / read-write: refused" "$(x box mount -o remount,rw / 2>&1)" 'permission denied'
check_match "... / is still read-only" "$(x box grep ' / ' /proc/mounts)" ' ro[, ]'
check "with SYS_ADMIN a tmpfs mounts in its own mount namespace (control)" \
	x admin unshare -m sh -c 'mount -t tmpfs t /mnt && grep -q " /mnt tmpfs " /proc/mounts'
# Not asserted, but seen: with SYS_ADMIN the filter allows the mount API,
# and admin's mounts are not locked (same user namespace), so admin can
# `umount /etc/shadow` (the host's file shows), remount /proc/sys and the
# bound host root read-write: cap_add SYS_ADMIN is root over the host's
# files, where in Docker it is over the container's own overlay.
check_match "pivot_root: refused even with SYS_ADMIN (the filter)" \
	"$(x admin unshare -m sh -c 'mount -t tmpfs t /mnt && mkdir /mnt/old && pivot_root /mnt /mnt/old' 2>&1)" \
	'pivot_root: .*Operation not permitted'
check "... privileged, in a mount namespace of its own, it works (control)" \
	x priv unshare -m sh -c 'mount -t tmpfs t /mnt && mkdir /mnt/old && pivot_root /mnt /mnt/old'

# --- namespaces: a new user namespace would give every capability over new
# mount and network namespaces; the filter refuses it (Docker does too).
check_match "unshare -U: refused" "$(x box unshare -U true 2>&1)" 'unshare failed: Operation not permitted'
check "... without the filter it works (control)" x unconf unshare -U true
check "... and with it a network namespace and a link (what the filter keeps out)" \
	x unconf unshare -Urn ip link add x0 type veth peer name x1
check "... and a tmpfs mount" x unconf unshare -Urm sh -c 'mount -t tmpfs t /mnt'
check_match "... but not a read-write host root: the mount is locked read-only" \
	"$(x unconf unshare -Urm mount -o remount,bind,rw / 2>&1)" 'permission denied'
check_match "unshare -m: refused" "$(x box unshare -m true 2>&1)" 'unshare failed: Operation not permitted'
check_match "... also by the kernel alone (no CAP_SYS_ADMIN)" "$(x unconf unshare -m true 2>&1)" 'unshare failed: Operation not permitted'
check "... with SYS_ADMIN it works (control)" x admin unshare -m true
check_match "unshare -n: refused" "$(x box unshare -n true 2>&1)" 'unshare failed: Operation not permitted'
check_match "... also by the kernel alone" "$(x unconf unshare -n true 2>&1)" 'unshare failed: Operation not permitted'

# --- /proc and /sys: /proc/sys and /sys read-only (as in Docker), the
# dangerous /proc files masked. As root, box could write each of these
# files (net.* only in its own network namespace) if they were writable.
check_match "write net.ipv4.ip_forward: read-only" \
	"$(x box sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward' 2>&1)" 'Read-only file system'
check_match "write kernel.hostname through /proc/sys: read-only" \
	"$(x box sh -c 'echo escaped >/proc/sys/kernel/hostname' 2>&1)" 'Read-only file system'
check_match "open kernel.core_pattern for writing: read-only" \
	"$(x box sh -c ': >>/proc/sys/kernel/core_pattern' 2>&1)" 'Read-only file system'
forward=$(cat /proc/sys/net/ipv4/ip_forward)
check_eq "privileged: /proc/sys writable in its own network namespace (control)" \
	"$(x priv sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward')" "1"
check_eq "... the host's value untouched" "$(cat /proc/sys/net/ipv4/ip_forward)" "$forward"
if [ -e /proc/sysrq-trigger ]; then
	check_match "write /proc/sysrq-trigger: masked, read-only" \
		"$(x box sh -c 'echo h >/proc/sysrq-trigger' 2>&1)" 'Read-only file system'
else
	check_fails "/proc/sysrq-trigger: none in the container (the kernel has none)" x box test -e /proc/sysrq-trigger
fi
# /proc/kcore needs CAP_SYS_RAWIO as well; timer_list is readable by all.
for f in /proc/kcore /proc/timer_list; do
	if [ -e "$f" ]; then
		check_eq "read $f: masked, empty" "$(x box sh -c "head -c 16 $f | wc -c")" "0"
	fi
done
check_match "write /sys: read-only" "$(x box sh -c 'echo 1400 >/sys/class/net/lo/mtu' 2>&1)" 'Read-only file system'
check_eq "... privileged: writable, in its own network namespace (control)" \
	"$(x priv sh -c 'echo 65000 >/sys/class/net/lo/mtu && cat /sys/class/net/lo/mtu')" "65000"
[ -d /sys/firmware ] && check_eq "/sys/firmware: masked, empty" "$(x box ls -A /sys/firmware)" ""
check_eq "no cgroup hierarchy in /sys/fs/cgroup" "$(x box ls -A /sys/fs/cgroup)" ""

# --- devices: /dev holds the usual character devices only. CAP_MKNOD is
# in Docker's set, and Docker's device cgroup makes a new node useless.
check_eq "no block device in /dev" "$(x box find /dev -type b)" ""
# Device nodes: CAP_MKNOD is in Docker's default set, so a node can be
# made; every filesystem the container writes to is nodev, so it cannot
# be opened (Docker refuses it with its device cgroup instead). Tried on a
# loop device over a file of the sandbox, which stands for the host's disk.
truncate -s 1M /run/escape-disk && printf ESCAPE-MARKER | dd of=/run/escape-disk conv=notrunc 2>/dev/null
loopdev=$(losetup -f --show /run/escape-disk)
minor=$((16#$(stat -c %T "$loopdev")))
check_match "mknod a block device (a loop device of the host) in /dev and read it: refused" \
	"$(x box sh -c "mknod /dev/hostdisk b 7 $minor && head -c 13 /dev/hostdisk" 2>&1)" 'Permission denied|Operation not permitted'
check_match "... the same in /tmp" \
	"$(x box sh -c "mknod /tmp/hostdisk b 7 $minor && head -c 13 /tmp/hostdisk" 2>&1)" 'Permission denied|Operation not permitted'
check_eq "privileged may (control)" "$(x priv sh -c "mknod /dev/hostdisk b 7 $minor && head -c 13 /dev/hostdisk" 2>&1)" "ESCAPE-MARKER"
check "the host's own devices still work in /dev" x box sh -c 'head -c 4 /dev/urandom >/dev/null && echo ok >/dev/null'
losetup -d "$loopdev" && loopdev=

# --- the host's files: read-only, its private parts hidden.
check_match "append to /etc/passwd: read-only" "$(x box sh -c ': >>/etc/passwd' 2>&1)" 'Read-only file system'
check_match "create a directory in /usr: read-only" \
	"$(x box mkdir /usr/ncompose-escape-probe 2>&1)" 'Read-only file system'
check_fails "... nothing made on the host" test -e /usr/ncompose-escape-probe
check "the host's /etc/shadow is not empty" test -s /etc/shadow
check_eq "... in the container it is an empty file" "$(x box stat -c %s /etc/shadow)" "0"
check_match "... read-only" "$(x box sh -c ': >/etc/shadow' 2>&1)" 'Read-only file system'
check_eq "/root, /home: empty" "$(x box ls -A /root /home | grep -v -e '^/' -e '^$')" ""
for f in /etc/ssh/ssh_host_*key; do
	[ -s "$f" ] && check_eq "$f: masked, empty" "$(x box stat -c %s "$f")" "0"
done
check_eq "/var/lib/ncompose (volumes, images): masked, empty" "$(x box ls -A /var/lib/ncompose)" ""
check_fails "the host's /run (ncompose's state, every netns) is not there" x box test -e /run/ncompose
check_fails "the host's /tmp is not there" x box test -e "$hostfile"

# --- chroot (box has CAP_SYS_CHROOT): the classic way out of a chroot
# lands on the container's root, not the host's.
check_match "climbing out of a chroot stops at the container's root" \
	"$(syscall box chroot_escape)" '^in box, /run/ncompose absent$'

# --- file handles (the "shocker" escape): a handle of the host's
# /etc/shadow, made on the host, opened from the container bypasses the mask.
handle=$(python3 -c "$PY" name_to_handle /etc/shadow | head -n1)
check_match "a file handle of the host's /etc/shadow" "$handle" '^[0-9]+:[0-9a-f]+$'
check_eq "open_by_handle_at: refused" "$(syscall box open_by_handle "$handle")" "EPERM"
check_eq "... also by the kernel alone (no CAP_DAC_READ_SEARCH)" "$(syscall unconf open_by_handle "$handle")" "EPERM"
check_eq "... privileged, it reaches the masked file (control)" \
	"$(syscall priv open_by_handle "$handle" | tr '\n' ' ')" "size $(stat -c %s /etc/shadow) ok "
check_eq "name_to_handle_at: refused by the filter" "$(syscall box name_to_handle /)" "EPERM"
check_match "... which the kernel allows (control)" "$(syscall unconf name_to_handle /)" 'ok$'

# --- processes: only the container's own; its init out of reach.
check_eq "ps shows the container's processes only" \
	"$(x box ps -eo comm= | sort | tr '\n' ' ')" "ncompose-init ps sleep "
check_eq "ptrace PID 1: refused (the kernel: the init is not dumpable; the filter allows ptrace, as Docker's)" "$(syscall box ptrace)" "EPERM"
check_eq "... also without the filter (the init is not dumpable)" "$(syscall unconf ptrace)" "EPERM"
check_eq "... privileged (CAP_SYS_PTRACE), it works (control)" "$(syscall priv ptrace)" "ok"
if command -v strace >/dev/null; then
	check_match "strace -p 1: refused" "$(x box strace -p 1 2>&1)" 'ptrace\(PTRACE_(ATTACH|SEIZE), 1\): Operation not permitted'
	check "... while strace of its own command works (debugging in a lab)" x box strace -f -o /dev/null true
else
	skip_check "strace -p 1: refused" "strace is not installed (optional)"
fi
# /proc/1/exe is the init program, a sealed memory file of the
# supervisor's; forked (CAP_SYS_PTRACE), the host's ncompose binary,
# opened through the host's mount (CVE-2019-5736). /proc/1/fd holds the
# log file in the host's state.
init_of() { # SERVICE: the host's pid of its init (ps shows it)
	nc -p esc ps --format json | python3 -c 'import json, sys
print(next(c["pid"] for c in json.load(sys.stdin) if c["name"] == sys.argv[1]))' "$1"
}
off=$(init_program_off)
if [ -z "$off" ]; then
	check_eq "the init runs the program carried in ncompose, from memory" \
		"$(readlink "/proc/$(init_of box)/exe")" "/memfd:ncompose-init (deleted)"
	check_eq "... a container with CAP_SYS_PTRACE too (its init is forked, then drops its copy of the supervisor's memory)" \
		"$(readlink "/proc/$(init_of priv)/exe")" "/memfd:ncompose-init (deleted)"
else
	skip_check "the init runs the program carried in ncompose, from memory" "$off"
	skip_check "... a container with CAP_SYS_PTRACE too" "$off"
fi
check_match "open /proc/1/exe for writing: refused" "$(x box sh -c ': >>/proc/1/exe' 2>&1)" 'Permission denied'
check_match "... also without the filter" "$(x unconf sh -c ': >>/proc/1/exe' 2>&1)" 'Permission denied'
check_match "follow the init's descriptors: refused" "$(x box cat /proc/1/fd/1 2>&1)" 'Permission denied'
check_eq "the workload holds its standard descriptors only" "$(x box ls /proc/2/fd | sort -n | tr '\n' ' ')" "0 1 2 "

# --- the clock is the host's.
check_eq "set the clock: refused" "$(syscall box settime)" "EPERM"
check_eq "... also by the kernel alone (no CAP_SYS_TIME)" "$(syscall unconf settime)" "EPERM"

# --- network: only its own interfaces; links only with NET_ADMIN, and then
# only in its own network namespace.
check_eq "only its own interfaces" "$(x box ip -o link | awk -F'[:@ ]+' '{print $2}' | tr '\n' ' ')" "lo eth0 "
check_match "add a link: refused" "$(x box ip link add x0 type veth peer name x1 2>&1)" 'Operation not permitted'
check "... with NET_ADMIN it works (control)" x netadm ip link add x0 type veth peer name x1
check_match "... in its own network namespace" "$(x netadm ip -br link show x0)" '^x0@x1 '
check_fails "... not the host's" ip link show x0
check "... and goes again" x netadm ip link del x0

check "down" nc -p esc down
check_clean esc
finish
