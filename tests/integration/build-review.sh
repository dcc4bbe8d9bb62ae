#!/bin/bash
# build-review: what an adversarial review of the builder found, each
# check beside a control: cache mounts and their steps are the project's
# own (another project cannot poison them), a bind of the context shows
# what .dockerignore lets through, a container racing the context
# (swapping a directory for a link to /) never shows the host to a RUN,
# and a RUN runs under a pids limit.
#
# Two projects play the parts: `rva` is a project a student downloaded
# (hostile), `rvb` is another project on the same machine (the victim).
. "$NC_SRC/tests/lib/lib.sh"

work=$(mktemp -d /var/lib/ncompose/build-review.XXXXXX)
srv=
trap 'for p in rva rvb rvr rvp; do nc -p $p -f "$work/$p/compose.yaml" down >/dev/null 2>&1; done; [ -n "$srv" ] && kill $srv; rm -rf "$work"' EXIT

serve_test_image "$work" 5306

base=127.0.0.1:5306/test/img:1
for p in rva rvb; do
	mkdir -p "$work/$p/ctx"
	cat > "$work/$p/compose.yaml" <<'YAML'
services:
  app:
    build: ctx
    command: sleep 1000
    network_mode: none
YAML
done
A() { nc -p rva -f "$work/rva/compose.yaml" "$@"; }
B() { nc -p rvb -f "$work/rvb/compose.yaml" "$@"; }
dfa() { printf 'FROM %s\n%b' "$base" "$1" > "$work/rva/ctx/Dockerfile"; }
dfb() { printf 'FROM %s\n%b' "$base" "$1" > "$work/rvb/ctx/Dockerfile"; }
# seen_b: what B's built image holds in /seen.
seen_b() {
	B up -d >/dev/null 2>&1
	B exec app cat /seen 2>&1
	B down >/dev/null 2>&1
}

# --- RUN --mount=type=cache is the project's own: a downloaded project
# must not plant files in the cache another project's RUN reads (pip/npm/go
# caches: a poisoned wheel or module installed by the victim's build).
dfa 'RUN --mount=type=cache,target=/root/.cache/pip sh -c "echo POISON > /root/.cache/pip/pkg"\n'
check "the hostile project's build that writes its cache mount builds" A build
dfa 'RUN --mount=type=cache,target=/root/.cache/pip sh -c "cat /root/.cache/pip/pkg > /own"\n'
A build >/dev/null 2>&1
A up -d >/dev/null 2>&1
check_eq "... control: a later build of the same project finds its own cache (the cache is kept)" \
	"$(A exec app cat /own 2>&1)" "POISON"
A down >/dev/null 2>&1
dfb 'RUN --mount=type=cache,target=/root/.cache/pip sh -c "cat /root/.cache/pip/pkg > /seen 2>/dev/null || echo clean > /seen"\n'
check "... the other project's build runs" B build
check_eq "another project's RUN never sees what a hostile project wrote to a cache mount of the same target" \
	"$(seen_b)" "clean"

# --- The step cache is the machine's: the hostile project poisons its
# cache in one build, then runs the victim's exact RUN line over it in the
# next; the victim's build must not take that layer as CACHED.
line='RUN --mount=type=cache,id=npm,target=/root/.npm sh -c "cat /root/.npm/pkg > /seen 2>/dev/null || echo clean > /seen"'
dfa 'RUN --mount=type=cache,id=npm,target=/root/.npm sh -c "echo POISON > /root/.npm/pkg"\n'
A build >/dev/null 2>&1
dfa "$line\n"
check "the hostile project's build of the victim's line over its poisoned cache builds" A build
dfb "$line\n"
out=$(B build 2>&1)
check_fails "the victim's RUN is not taken from a layer another project's build made (CACHED)" \
	sh -c 'printf "%s" "$1" | grep -q "RUN sh -c .*: CACHED"' _ "$out"
check_eq "... and the victim's image does not hold the hostile project's content" "$(seen_b)" "clean"

# --- A bind of a context directory shows what the context sends: files
# .dockerignore leaves out are not there (nor in the step's key).
echo v1 > "$work/rva/ctx/settings.env"
echo kept > "$work/rva/ctx/kept.env"
echo settings.env > "$work/rva/ctx/.dockerignore"
dfa 'RUN --mount=type=bind,target=/ctx sh -c "cat /ctx/kept.env > /s; test -e /ctx/settings.env && echo leaked >> /s; true"\n'
A build >/dev/null 2>&1
A up -d >/dev/null 2>&1
check_eq "a bind of the context leaves out what .dockerignore leaves out, and shows the rest" \
	"$(A exec app cat /s 2>&1)" "kept"
A down >/dev/null 2>&1
rm "$work/rva/ctx/.dockerignore"

# --- A bind source checked beneath the context and then bound by path
# would be looked up again by mount(2): anything that can write the
# context meanwhile (here a container of the same hostile project with
# ./ctx bound, as compose files do) swaps the directory for a symlink to /
# between the two, and the RUN sees the host's root. The bind is of a
# private copy, made by a walk that never follows a link out.
echo host-only > "$work/hostfile"
mkdir -p "$work/rvr/ctx/dir"
echo inctx > "$work/rvr/ctx/dir/f"
cat > "$work/rvr/compose.yaml" <<YAML
services:
  swapper:
    image: $base
    network_mode: none
    volumes: ["./ctx:/ctx"]
    command: ["sh", "-c", "cd /ctx; while :; do usleep \$\$((RANDOM % 40000)); mv dir real; ln -s / dir; usleep 3000; rm dir; mv real dir; done"]
  app:
    build: ctx
    command: sleep 1000
    network_mode: none
YAML
printf 'FROM %s\nRUN --mount=type=bind,source=dir,target=/d sh -c "cat /d%s > /seen 2>/dev/null || cat /d/f > /seen"\n' \
	"$base" "$work/hostfile" > "$work/rvr/ctx/Dockerfile"
R() { nc -p rvr -f "$work/rvr/compose.yaml" "$@"; }
R up -d swapper >/dev/null 2>&1
swapped=no
for _ in $(seq 200); do [ -L "$work/rvr/ctx/dir" ] && { swapped=yes; break; }; sleep 0.01; done
check_eq "control: the hostile container keeps swapping the context's dir for a symlink to /" "$swapped" "yes"
built=0 escaped=no
for _ in $(seq 20); do
	R build --no-cache app >/dev/null 2>&1 || continue
	built=$((built + 1))
	R up -d app >/dev/null 2>&1
	seen=$(R exec app cat /seen 2>&1)
	R down >/dev/null 2>&1
	R up -d swapper >/dev/null 2>&1
	[ "$seen" = host-only ] && { escaped=yes; break; }
done
check_match "... control: builds got past the checks while it raced ($built of 20)" "$built" '^[1-9]'
check_eq "a RUN --mount=type=bind never shows a host file however the context changes during the build" "$escaped" "no"
R down >/dev/null 2>&1

# --- A RUN is a container like any: its processes run under a pids
# limit (a fork bomb in a downloaded Dockerfile stops there), the
# service's pids_limit when it sets one. Checked without harm: the
# host-side cgroup of a RUN's `sleep` has a pids.max. The probe is read
# first off a service with pids_limit: 50 (the control).
# pids_limit_of PID: pids.max of PID's cgroup on the host (v1 or v2), or
# "none" when that cgroup has no pids.max (the root).
pids_limit_of() {
	local cg v1 v2
	cg=$(cat "/proc/$1/cgroup" 2>/dev/null)
	v1=$(printf '%s\n' "$cg" | awk -F: '$2 ~ /(^|,)pids(,|$)/ { print $3 }')
	v2=$(printf '%s\n' "$cg" | awk -F: '$1 == "0" { print $3 }')
	if [ -n "$v1" ] && [ -r "/sys/fs/cgroup/pids$v1/pids.max" ]; then
		cat "/sys/fs/cgroup/pids$v1/pids.max"
	elif [ -n "$v2" ] && [ -r "/sys/fs/cgroup$v2/pids.max" ]; then
		cat "/sys/fs/cgroup$v2/pids.max"
	else
		echo "none (cgroup: ${v1:-$v2})"
	fi
}
mkdir -p "$work/rvp"
cat > "$work/rvp/compose.yaml" <<YAML
services:
  lim:
    image: $base
    command: sleep 7.76
    network_mode: none
    pids_limit: 50
YAML
nc -p rvp -f "$work/rvp/compose.yaml" up -d >/dev/null 2>&1
pid=$(pgrep -f -x 'sleep 7.76' | head -1)
check_eq "control: the probe reads a service's pids_limit" "$([ -n "$pid" ] && pids_limit_of "$pid")" "50"
nc -p rvp -f "$work/rvp/compose.yaml" down >/dev/null 2>&1
dfa 'RUN sleep 2.77\n'
A build --no-cache >/dev/null 2>&1 &
bpid=$!
pid=
for _ in $(seq 300); do pid=$(pgrep -f -x 'sleep 2.77' | head -1); [ -n "$pid" ] && break; sleep 0.02; done
limit=$([ -n "$pid" ] && pids_limit_of "$pid")
wait $bpid
check "... the RUN's process was found on the host" test -n "$pid"
check_eq "a RUN step's processes run under a pids limit (4096 when the service sets none)" "$limit" "4096"
check_eq "... and its cgroup is gone after the build" \
	"$(find /sys/fs/cgroup -maxdepth 4 -name "build-*" -path '*ncompose*rva*' 2>/dev/null | wc -l)" "0"

check_clean rva
check_clean rvr
check_clean rvb
finish
