#!/bin/bash
# Process keys: entrypoint and command, env_file, working_dir, deploy
# limits, memswap_limit, no-new-privileges.
. "$NC_SRC/tests/lib/lib.sh"

lab=$NC_SRC/tests/integration/labs/process/compose.yaml
trap 'nc -p proc down >/dev/null 2>&1' EXIT
check "up -d" nc -f "$lab" up -d
sleep 0.3
check_match "entrypoint then command, with the env_file and environment applied" \
	"$(nc -p proc logs --no-log-prefix p)" '^argv-ok zero from-file from-environment$'
# p's workload: the child of its init (ps shows the init's PID), once it
# has become `sleep` (containers start in any order: another service's
# sleep may come first in the process table).
init=$(nc -p proc ps --format json | python3 -c "import json,sys; print([c['pid'] for c in json.load(sys.stdin) if c['name'] == 'p'][0])")
for _ in $(seq 100); do
	wl=$(pgrep -P "$init" | head -n1)
	[ -n "$wl" ] && [ "$(cat "/proc/$wl/comm" 2>/dev/null)" = sleep ] && break
	sleep 0.05
done
check_eq "working_dir is the workload's directory" "$(readlink "/proc/$wl/cwd" 2>/dev/null | sed 's|.*/||')" "tmp"
check_eq "exec starts in working_dir" "$(nc -p proc exec p pwd)" "/tmp"
check_match "no-new-privileges:false is honoured" "$(nc -p proc exec p grep NoNewPrivs /proc/self/status)" 'NoNewPrivs:[[:space:]]+0'
check_match "... and the default stays on" "$(nc -p proc exec d grep NoNewPrivs /proc/self/status)" 'NoNewPrivs:[[:space:]]+1'
mem=$(cat /sys/fs/cgroup/memory/ncompose/proc/d/memory.limit_in_bytes /sys/fs/cgroup/ncompose/proc/d/memory.max 2>/dev/null | head -n1)
check_eq "deploy.resources.limits.memory applies" "$mem" "$((48 * 1024 * 1024))"
pids=$(cat /sys/fs/cgroup/pids/ncompose/proc/d/pids.max /sys/fs/cgroup/ncompose/proc/d/pids.max 2>/dev/null | head -n1)
check_eq "deploy.resources.limits.pids applies" "$pids" "20"
quota=$(cat /sys/fs/cgroup/cpu/ncompose/proc/d/cpu.cfs_quota_us 2>/dev/null || awk '{print $1}' /sys/fs/cgroup/ncompose/proc/d/cpu.max)
check_eq "deploy.resources.limits.cpus applies" "$quota" "25000"
check "a missing env_file with required: false is fine" nc -p proc exec opt true
check "down" nc -p proc down
check_clean proc

# profiles: a service of a profile runs only when it is enabled
prof=$(mktemp --suffix=.yaml)
printf 'name: prof\nservices:\n  base: {command: [sleep, "1000"]}\n  tools: {command: [sleep, "1000"], profiles: [debug]}\n' >"$prof"
check "up -d without the profile" nc -f "$prof" up -d
check_fails "... the profile's service is not there" nc -p prof exec -T tools true
check "down" nc -p prof down
check "up -d --profile debug" nc --profile debug -f "$prof" up -d
check "... now it is" nc -p prof exec -T tools true
check "down" nc -p prof down
check "up -d tools: naming the service enables its profile (as Compose)" nc -f "$prof" up -d tools
check "... it runs" nc -p prof exec -T tools true
check "down" nc -p prof down
check "COMPOSE_PROFILES enables it too" env COMPOSE_PROFILES=debug "$NCOMPOSE" -f "$prof" up -d
check "... it runs" nc -p prof exec -T tools true
check "down" nc -p prof down
check_clean prof
rm -f "$prof"
finish
