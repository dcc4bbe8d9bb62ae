#!/bin/bash
# The everyday commands: top, port, cp (both ways, and its escape attempts
# with a control), kill, pause/unpause (the freezer, v1 here; v2 in
# tests/vm), rm, wait, images, version, events.
. "$NC_SRC/tests/lib/lib.sh"

work=$(mktemp -d /var/lib/ncompose/cmds-test.XXXXXX)
export CMDS_ROOTFS=$work/rootfs
"$NC_SRC/tests/lib/mkrootfs" "$CMDS_ROOTFS"
lab=$NC_SRC/tests/integration/labs/commands/compose.yaml
evpid=
trap '[ -n "$evpid" ] && kill $evpid 2>/dev/null; nc -p cmds down >/dev/null 2>&1; rm -rf "$work" /hostsecret' EXIT

echo "host secret" >/hostsecret
check "up -d" nc -f "$lab" up -d
nc -p cmds events --json >"$work/events" 2>&1 &
evpid=$!
for _ in $(seq 100); do nc -p cmds exec box test -L /tmp/x && break; sleep 0.05; done

# version
check_match "version" "$(nc version)" '^ncompose version [0-9]'
check_match "version --short" "$(nc version --short)" '^[0-9][^ ]*$'
check_match "version --format json" "$(nc version --format json)" '^\{"version":"[0-9]'

# top
out=$(nc -p cmds top sleeper)
check_match "top: a header as docker compose top" "$out" 'UID +PID +PPID +C +STIME +TTY +TIME +CMD'
check_match "top: the sleeper's process, as root" "$out" 'root +[0-9]+ +[0-9]+ +[0-9]+ +[0-9:A-Za-z]+ +\? +00:00:0[0-9] +sleep 1000'
check_fails "top: an unknown service is refused" nc -p cmds top nosuch

# port
check_eq "port: the TCP publication" "$(nc -p cmds port box 80)" "127.0.0.1:18080"
check_eq "port: the UDP one, on every address" "$(nc -p cmds port --protocol udp box 53)" "0.0.0.0:18053"
check_fails "port: an unpublished port fails" nc -p cmds port box 81

# cp, both ways
echo "from host" >"$work/in.txt"
check "cp to the container" nc -p cmds cp "$work/in.txt" box:/tmp/in.txt
check_eq "... the file is inside" "$(nc -p cmds exec box cat /tmp/in.txt)" "from host"
check "cp from the container" nc -p cmds cp box:/tmp/mine "$work/out.txt"
check_eq "... the file is on the host" "$(cat "$work/out.txt")" "inside"
mkdir "$work/into"
check "cp a directory into an existing host directory" nc -p cmds cp box:/tmp/d "$work/into"
check_eq "... its symlink copied as a link" "$(readlink "$work/into/d/up")" "/"

# cp and a hostile container: /tmp/x -> /hostsecret, which only the host has.
pid=$(nc -p cmds ps --format json | python3 -c 'import json,sys; print([c for c in json.load(sys.stdin) if c["name"]=="box"][0]["pid"])')
check_eq "control: by string, /proc/PID/root/tmp/x reaches the host's file" \
	"$(cat /proc/$pid/root/tmp/x 2>&1)" "host secret"
out=$(nc -p cmds cp box:/tmp/x/. "$work/leak" 2>&1; cat "$work/leak" 2>/dev/null)
check_fails "cp through the link does not read the host's file" grep -q "host secret" <<<"$out"
nc -p cmds cp box:/tmp/x "$work/link" 2>/dev/null
check_eq "cp of the link copies the link itself, not the host file" "$(readlink "$work/link")" "/hostsecret"
nc -p cmds cp box:/tmp/d/up/hostsecret "$work/up" 2>/dev/null
check_fails "cp through a link to / stays in the container's root" test -e "$work/up"
echo evil >"$work/evil"
nc -p cmds cp "$work/evil" box:/tmp/x 2>/dev/null
check_eq "cp onto the link does not write the host's file" "$(cat /hostsecret)" "host secret"
nc -p cmds cp "$work/evil" box:/tmp/d/up/hostsecret 2>/dev/null
check_eq "cp through a link to / does not write the host's file" "$(cat /hostsecret)" "host secret"
nc -p cmds cp "$work/evil" box:../../../../hostsecret 2>/dev/null
check_eq "cp to ../../.. stays in the container's root" "$(cat /hostsecret)" "host secret"

# pause / unpause (the v1 freezer on this host)
check "pause" nc -p cmds pause sleeper
check_match "ps shows it paused" "$(nc -p cmds ps)" 'sleeper +paused'
cg=$(nc -p cmds ps --format json | python3 -c 'import json,sys; print([c for c in json.load(sys.stdin) if c["name"]=="sleeper"][0]["cgroup"])')
if [ -e "/sys/fs/cgroup/freezer/$cg/freezer.state" ]; then
	check_eq "its v1 freezer cgroup is FROZEN" "$(cat "/sys/fs/cgroup/freezer/$cg/freezer.state")" FROZEN
else
	check "its v2 cgroup is frozen" grep -qx "frozen 1" "/sys/fs/cgroup/$cg/cgroup.events"
fi
check "unpause" nc -p cmds unpause sleeper
if [ -e "/sys/fs/cgroup/freezer/$cg/freezer.state" ]; then
	check_eq "its v1 freezer cgroup is THAWED" "$(cat "/sys/fs/cgroup/freezer/$cg/freezer.state")" THAWED
else
	check "its v2 cgroup is thawed" grep -qx "frozen 0" "/sys/fs/cgroup/$cg/cgroup.events"
fi
check_match "ps shows it running again" "$(nc -p cmds ps)" 'sleeper +running'

# kill (default SIGKILL), not restarted; rm
check "kill -s with an unknown signal is a usage error" test "$(nc -p cmds kill -s NOPE sleeper >/dev/null 2>&1; echo $?)" = 2
check "kill" nc -p cmds kill sleeper
check_eq "wait: a killed container's code" "$(nc -p cmds wait sleeper)" "137"
check_match "ps: killed by SIGKILL (137), recorded as stopped on request" "$(nc -p cmds ps)" 'sleeper +stopped\(137\)'
layer=$(ls -d /var/lib/ncompose/containers/cmds/sleeper 2>/dev/null)
check "the killed container has its writable layer" test -n "$layer"
check "rm -f" nc -p cmds rm -f sleeper
check_fails "rm removed its writable layer" test -e /var/lib/ncompose/containers/cmds/sleeper
check_match "ps: it is gone (no container)" "$(nc -p cmds ps)" 'sleeper +created'
check "rm leaves running containers alone" nc -p cmds rm -f box
check_match "... box still runs" "$(nc -p cmds ps)" 'box +running'

# wait
(nc -p cmds wait quitter >"$work/wait.out"; echo "rc=$?" >>"$work/wait.out") &
wpid=$!
nc -p cmds exec quitter touch /tmp/go
wait $wpid
check_eq "wait prints the exit code" "$(cat "$work/wait.out")" "7
rc=0"

# images
check_match "images lists the image path" "$(nc -p cmds images)" "box +$CMDS_ROOTFS +[0-9.]+[kMG]?B"
check_eq "images -q: each image once" "$(nc -p cmds images -q)" "$CMDS_ROOTFS"
check_match "images --format json" "$(nc -p cmds images --format json)" '"ContainerName":"box","Repository":"'

# events, until down
check "down" nc -p cmds down
wait $evpid
evpid=
ev=$(cat "$work/events")
check_match "events: pause and unpause" "$ev" '"action":"pause","project":"cmds","service":"sleeper"'
check_match "events: unpause" "$ev" '"action":"unpause"'
check_match "events: kill with its signal" "$ev" '"action":"kill","project":"cmds","service":"sleeper","attributes":\{"signal":"9"\}'
check_match "events: die with the code" "$ev" '"action":"die","project":"cmds","service":"quitter","attributes":\{"exitCode":"7"\}'
check_match "events: destroy (rm)" "$ev" '"action":"destroy","project":"cmds","service":"sleeper"'
check_match "events: stop (down)" "$ev" '"action":"stop","project":"cmds","service":"box"'
check "events ended with the project's down" true
check_clean cmds
finish
