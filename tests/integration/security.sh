#!/bin/bash
# Users (by name in the host's or an image's passwd, by number), ulimits,
# the default seccomp filter and its opt-outs, and the cgroup limits
# cpu_shares, cpuset, mem_reservation, blkio_config, with `stats` showing
# a CPU quota at work.
. "$NC_SRC/tests/lib/lib.sh"

work=$(mktemp -d /var/lib/ncompose/sec-test.XXXXXX)
export SEC_ROOTFS=$work/rootfs
"$NC_SRC/tests/lib/mkrootfs" "$SEC_ROOTFS"
lab=$NC_SRC/tests/integration/labs/container/security.yaml
trap 'nc -p sec down >/dev/null 2>&1; rm -rf "$work"' EXIT
x() { nc -p sec exec -T "$@"; }
field() { awk -v k="$1:" '$1 == k {print $2}'; }

out=$(nc -f "$lab" up -d 2>&1)
check_eq "up -d" "$?" "0"

# --- users
check_match "user: a name from the host's passwd" "$(x nobody id)" '^uid=65534\(nobody\) gid=65534'
check_eq "... with HOME from its entry" "$(x nobody sh -c 'echo $HOME')" "/nonexistent"
check_eq "... and no capabilities left (as in Docker)" "$(x nobody cat /proc/self/status | field CapEff)" "0000000000000000"
check_match "user: a name from the image's own passwd, with its groups" "$(x alice id)" '^uid=1000\(alice\) gid=1000\(alice\) groups=(1000\(alice\),10\(wheel\)|10\(wheel\),1000\(alice\))$'
check_eq "... HOME from the image" "$(x alice sh -c 'echo $HOME')" "/home/alice"
check_eq "user: uid:gid by number" "$(x ids id)" "uid=1234 gid=55 groups=55"
check_eq "exec runs as the service's user" "$(x alice whoami)" "alice"
check_eq "exec -u overrides it" "$(nc -p sec exec -T -u root alice whoami)" "root"
check_match "exec -u of an unknown user says where it looked" "$(nc -p sec exec -T -u nosuch alice id 2>&1)" "user \`nosuch\` not found in the container's /etc/passwd"
check_eq "a root service keeps Docker's capabilities plus cap_add" "$(x root cat /proc/self/status | field CapEff)" "00000000a80435fb"
check "a non-root user can ping (ICMP sockets: ping_group_range, as Docker sets it)" x nobody ping -c1 -W2 127.0.0.1
check "... and bind a port below 1024" x alice sh -c 'nc -l -p 80 & p=$!; sleep 0.2; kill -0 $p && kill $p'

# --- userns_mode: auto
check_match "userns_mode auto: root inside is a range of host ids from 2^30" \
	"$(x remapped cat /proc/self/uid_map)" '^ +0 +[0-9]{10} +65536$'
base=$(x remapped cat /proc/self/uid_map | awk '{print $2}')
base2=$(x remapped-image cat /proc/self/uid_map | awk '{print $2}')
check "... which the host sees as the owner of the workload" test "$(ps -o uid= -p "$(pgrep -f -n 'sleep 1000' -u "$base")" | tr -d ' ')" = "$base"
check_eq "... root inside" "$(x remapped id -u)" "0"
check "... writes its /run, /tmp, tmpfs and named volume" x remapped touch /run/x /tmp/x /scratch/x /data/x
check_eq "... files it makes in a volume belong to that host id" "$(stat -c %u /var/lib/ncompose/volumes/sec/remapped-data/x)" "$base"
check_match "... and holds no power over the host's namespaces (hostname)" "$(x remapped hostname other 2>&1)" 'root|denied|permitted'
check_match "... nor over the host's files (owned by an unmapped uid)" "$(x remapped stat -c %u /etc/passwd)" '^65534$'
if printf '%s\n' "$out" | grep -q 'remapped-image.*cannot be idmapped'; then
	# 9p, NFS, tmpfs before Linux 6.3: said so at up, then nobody's files
	check_eq "an image on a filesystem that cannot be idmapped: its files show as nobody's" \
		"$(x remapped-image stat -c %u /etc/motd)" "65534"
else
	check_eq "an image's layers are idmapped into the range: its root owns them" \
		"$(nc -p sec exec -T -u root remapped-image stat -c %u:%g /etc/motd)" "0:0"
	check "... and may change them (copied up into its writable layer)" \
		nc -p sec exec -T -u root remapped-image sh -c 'echo changed >>/etc/motd'
	check_fails "... the image itself unchanged" grep -q changed "$SEC_ROOTFS/etc/motd"
	check "a user of the image writes its own home" x remapped-image touch /home/alice/f
	check_eq "... stored as the range's id of that user" \
		"$(stat -c %u "$(find /run/ncompose /var/lib/ncompose -path '*remapped-image*/layer/home/alice/f' 2>/dev/null | head -n1)")" \
		"$((base2 + 1000))"
fi

# --- group_add, oom_score_adj, cpu_period/cpu_quota, dns_search/dns_opt, labels
check_match "group_add: by name from the image's /etc/group and by gid" "$(x extras id)" 'groups=.*1001\(bob\).*4242|groups=.*4242.*1001\(bob\)'
check_match "... exec gets them too, as root" "$(nc -p sec exec -T -u root extras id -G)" '(^| )1001( |$).*4242|4242.*(^| )1001( |$)'
check_eq "oom_score_adj: 500 for the container's processes" "$(x extras cat /proc/1/oom_score_adj)" "500"
cfs=$( { cat /sys/fs/cgroup/cpu/ncompose/sec/extras/cpu.cfs_quota_us /sys/fs/cgroup/cpu/ncompose/sec/extras/cpu.cfs_period_us ||
	cat /sys/fs/cgroup/ncompose/sec/extras/cpu.max; } 2>/dev/null | xargs)
check_eq "cpu_quota over cpu_period: 20 ms of every 50 (v1 quota and period, v2 cpu.max)" "$cfs" "20000 50000"
check_match "dns_search replaces the host's search line" "$(x extras cat /etc/resolv.conf)" '^search lab.example example.org$'
check_match "dns_opt its options" "$(x extras cat /etc/resolv.conf)" '^options ndots:2$'
check_match "dns its nameservers" "$(x extras cat /etc/resolv.conf)" '^nameserver 192.0.2.53$'
check_match "labels are kept and shown by inspect" "$(nc -f "$lab" inspect extras 2>&1)" '"labels": *\{"course": *"net101", *"org.example.lab": *"yes"\}'

# --- ulimits
check_eq "ulimits: nofile soft" "$(x nobody sh -c 'ulimit -n')" "100"
check_eq "ulimits: nofile hard" "$(x nobody sh -c 'ulimit -Hn')" "200"
check_eq "ulimits: a single number sets both (core 0)" "$(x nobody sh -c 'ulimit -c; ulimit -Hc' | tr '\n' ' ')" "0 0 "
check_eq "exec gets the service's ulimits too" "$(x nobody cat /proc/self/limits | awk '/open files/ {print $4, $5}')" "100 200"

# --- seccomp
check_eq "the default seccomp filter is on" "$(x root cat /proc/self/status | field Seccomp)" "2"
check_eq "... for exec'd commands too, and for a non-root user" "$(x alice cat /proc/self/status | field Seccomp)" "2"
check_match "... it refuses what Docker's profile refuses (unshare of a user namespace)" "$(x root unshare -U true 2>&1)" 'Operation not permitted'
check_eq "security_opt seccomp=unconfined loads none" "$(x unconf cat /proc/self/status | field Seccomp)" "0"
check "... and then the kernel allows the user namespace" x unconf unshare -U true
check_eq "the init, outside the filter, is not dumpable (only CAP_SYS_PTRACE could trace it)" \
	"$(x root sh -c 'cat /proc/1/status' | field Seccomp)" "0"
check_fails "... so the workload cannot read its memory" x root sh -c 'head -c1 /proc/1/environ'

# --- cgroup limits
cg() { # controller file -- v1 path first, else v2
	cat "/sys/fs/cgroup/$1/ncompose/sec/$3/$2" 2>/dev/null || cat "/sys/fs/cgroup/ncompose/sec/$3/$4" 2>/dev/null
}
check_match "cpu_shares: 512 (v1 cpu.shares, v2 cpu.weight)" "$(cg cpu cpu.shares limits cpu.weight)" '^(512|20)$'
check_eq "cpuset: 0" "$(cg cpuset cpuset.cpus limits cpuset.cpus)" "0"
check_eq "... and the process runs there" "$(x limits grep Cpus_allowed_list /proc/self/status | awk '{print $2}')" "0"
check_eq "mem_reservation: 32m (v1 soft limit, v2 memory.low)" "$(cg memory memory.soft_limit_in_bytes limits memory.low)" "33554432"
check_eq "deploy reservations.memory: 16m" "$(cg memory memory.soft_limit_in_bytes reserved memory.low)" "16777216"
weight=$(cg blkio blkio.weight limits io.bfq.weight || cg blkio blkio.bfq.weight limits io.weight)
if [ -n "$weight" ]; then
	# v2 without BFQ: io.weight, on its 1..10000 scale (runc's conversion)
	check_match "blkio_config.weight: 300" "$weight" '(^| )300$|^default 2930$'
else
	check_match "blkio_config.weight without a weighted I/O scheduler: a warning, not a failure" "$out" 'blkio_config.weight is ignored'
fi

# --- stats
sleep 1
json=$(nc -p sec stats --no-stream --format json busy limits)
check_match "stats --format json lists the services" "$json" '"name": *"busy"'
busy_cpu=$(printf '%s\n' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(int(s["cpu_percent"]) for s in d if s["name"]=="busy"))')
check "stats: a busy loop under cpus 0.5 uses about half a CPU ($busy_cpu%)" test "$busy_cpu" -ge 35 -a "$busy_cpu" -le 65
check_match "stats: throttling is counted" "$(printf '%s\n' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(s["cpu_throttled_periods"] for s in d if s["name"]=="busy"))')" '^[1-9][0-9]*$'
check_match "stats: the memory limit is shown" "$(printf '%s\n' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(next(s["memory_limit_bytes"] for s in d if s["name"]=="limits"))')" '^67108864$'

# --- refusals before anything exists
bad=$work/bad.yaml
printf 'name: secbad\nservices:\n  s:\n    command: [sleep, "1"]\n    cpuset: "999"\n' >"$bad"
check_match "a cpuset of CPUs this host lacks is refused" "$(nc -f "$bad" up -d 2>&1)" '999'
check_clean secbad
printf 'name: secbad\nservices:\n  s:\n    mem_limit: 16m\n    mem_reservation: 32m\n' >"$bad"
check_match "a reservation above the limit is refused at its line" "$(nc -f "$bad" config 2>&1)" 'bad.yaml:5:.*reservation is above the memory limit'

check "down" nc -p sec down
check_clean sec
finish
