#!/bin/bash
# The image's config applied as Docker applies it: the default process is
# Entrypoint + Cmd, `command:` replaces Cmd only, `entrypoint:` drops the
# image's Cmd, the image's Env is under `environment:`, WorkingDir and User
# unless working_dir: and user:, for OCI layouts, docker save archives and
# registry pulls alike. Every check has a control: a service whose keys
# override the image's shows the override.
. "$NC_SRC/tests/lib/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is missing (scripts/bootstrap installs it)"
work=$(mktemp -d /var/lib/ncompose/imgcfg-test.XXXXXX)
"$NC_SRC/tests/lib/mkrootfs" "$work/rootfs" >/dev/null
# The image's entrypoint says what it was started with, then stays up.
cat >"$work/rootfs/bin/report" <<'S'
#!/bin/sh
{ echo "argv=$*"; echo "cwd=$(pwd)"; echo "user=$(id -un)"; echo "IMG_VAR=$IMG_VAR"
  echo "SHARED=$SHARED"; echo "PATH=$PATH"; } >/tmp/report
exec sleep 100000
S
chmod 755 "$work/rootfs/bin/report"
mkdir -p "$work/rootfs/data" && echo seed >"$work/rootfs/data/seed"
cat >"$work/config.json" <<'J'
{"architecture": "amd64", "os": "linux",
 "config": {"Entrypoint": ["/bin/report", "ep-arg"], "Cmd": ["cmd1", "cmd2"],
  "Env": ["PATH=/image/bin:/bin:/usr/bin", "IMG_VAR=from-image", "SHARED=image"],
  "WorkingDir": "/opt", "User": "alice", "StopSignal": "SIGINT",
  "ExposedPorts": {"8080/tcp": {}}, "Volumes": {"/data": {}},
  "Healthcheck": {"Test": ["CMD-SHELL", "test -e /tmp/report"], "Interval": 1000000000, "Retries": 3}, "Labels": {"org.test.from": "image"}},
 "rootfs": {"type": "layers", "diff_ids": []}}
J
"$NC_SRC/tests/lib/mkimage" oci "$work/rootfs" "$work/img" "$work/config.json"
"$NC_SRC/tests/lib/mkimage" docker "$work/rootfs" "$work/img.tar" "$work/config.json"
ip link set lo up
cat >"$work/compose.yaml" <<Y
name: imgcfg
services:
  dflt:
    image: $work/img
  cmd:
    image: $work/img
    command: [mine]
  ep:
    image: $work/img
    entrypoint: [/bin/report, own-ep]
  over:
    image: $work/img
    environment: {SHARED: service}
    user: bob
    working_dir: /tmp
    tmpfs: [/data]
    healthcheck: {disable: true}
  saved:
    image: $work/img.tar
  newdir:
    image: $work/img
    working_dir: /srv/app/deep
  hc:
    image: $work/img
    healthcheck:
      test: [CMD-SHELL, 'test "\$\$IMG_VAR" = from-image && test "\$\$(pwd)" = /opt && test "\$\$(id -un)" = alice']
      interval: 1s
      retries: 1
  host:
    command: sleep 100000
Y
srv=
trap 'nc -f "$work/compose.yaml" down >/dev/null 2>&1; nc -f "$work/pull.yaml" down >/dev/null 2>&1;
      [ -n "$srv" ] && kill $srv; rm -rf "$work"' EXIT
lab() { nc -f "$work/compose.yaml" "$@"; }
# The entrypoint writes its report once it runs: wait for it (bounded).
report() { # SERVICE [FILE]
	local i
	for i in $(seq 200); do
		nc -f "${2:-$work/compose.yaml}" exec -T "$1" cat /tmp/report 2>/dev/null && return
		sleep 0.05
	done
}

check "config prints the file without the image" lab config -q
check "up -d" lab up -d
r=$(report dflt)
check_eq "the default process is Entrypoint + Cmd" "$(grep ^argv= <<<"$r")" "argv=ep-arg cmd1 cmd2"
check_eq "the working directory is the image's WorkingDir" "$(grep ^cwd= <<<"$r")" "cwd=/opt"
check_eq "the user is the image's User, resolved in the image's passwd" "$(grep ^user= <<<"$r")" "user=alice"
check_eq "the image's Env is there" "$(grep ^IMG_VAR= <<<"$r")" "IMG_VAR=from-image"
check_eq "... its PATH too, over the default one" "$(grep ^PATH= <<<"$r")" "PATH=/image/bin:/bin:/usr/bin"
check_eq "... and not overridden where the service sets nothing" "$(grep ^SHARED= <<<"$r")" "SHARED=image"
r=$(report cmd)
check_eq "command: replaces the image's Cmd, keeps its Entrypoint" "$(grep ^argv= <<<"$r")" "argv=ep-arg mine"
r=$(report ep)
check_eq "entrypoint: replaces the Entrypoint and drops the image's Cmd" "$(grep ^argv= <<<"$r")" "argv=own-ep"
r=$(report over)
check_eq "environment: wins over the image's Env" "$(grep ^SHARED= <<<"$r")" "SHARED=service"
check_eq "... the rest of the image's Env stays" "$(grep ^IMG_VAR= <<<"$r")" "IMG_VAR=from-image"
check_eq "user: wins over the image's User" "$(grep ^user= <<<"$r")" "user=bob"
check_eq "working_dir: wins over the image's WorkingDir" "$(grep ^cwd= <<<"$r")" "cwd=/tmp"
check_eq "... and the image's Cmd still runs" "$(grep ^argv= <<<"$r")" "argv=ep-arg cmd1 cmd2"
r=$(report newdir)
check_eq "a working directory the image lacks is created, as Docker does" "$(grep ^cwd= <<<"$r")" "cwd=/srv/app/deep"
check_eq "... owned by root, mode 755" "$(lab exec -T newdir stat -c '%u %a' /srv/app)" "0 755"
r=$(report saved)
check_eq "a docker save archive's config applies too" "$(grep ^argv= <<<"$r")" "argv=ep-arg cmd1 cmd2"
check_eq "... its WorkingDir too" "$(grep ^cwd= <<<"$r")" "cwd=/opt"
check_eq "exec runs where and as the image says" "$(lab exec -T dflt sh -c 'echo $(pwd) $(id -un) $IMG_VAR')" \
	"/opt alice from-image"
check_match "the image's Volumes are anonymous volumes" "$(lab exec -T dflt grep ' /data ' /proc/mounts)" '^[^ ]+ /data '
check_eq "... seeded from the image" "$(lab exec -T dflt cat /data/seed)" "seed"
check "... and writable" lab exec -T -u root dflt sh -c 'echo new >/data/new'
check_match "control: a service's own mount at that place wins" "$(lab exec -T over grep ' /data ' /proc/mounts)" '^tmpfs /data tmpfs'
check_fails "... and is not seeded" lab exec -T over test -e /data/seed
h=
for _ in $(seq 300); do
	h=$(lab inspect hc | python3 -c 'import json,sys; print(json.load(sys.stdin)["health"])')
	[ "$h" = starting ] || break
	sleep 0.1
done
check_eq "a healthcheck probe runs with the image's Env, WorkingDir and User" "$h" "healthy"
for _ in $(seq 300); do
	h=$(lab inspect dflt | python3 -c 'import json,sys; print(json.load(sys.stdin)["health"])')
	[ "$h" = starting ] || break
	sleep 0.1
done
check_eq "the image's Healthcheck runs when the service has none" "$h" "healthy"
check_eq "control: healthcheck: {disable: true} turns it off" \
	"$(lab inspect over | python3 -c 'import json,sys; print(json.load(sys.stdin)["health"])')" "None"
check_eq "control: a service without an image runs its command on the host's root" \
	"$(lab exec -T host sh -c 'echo ${IMG_VAR:-unset} $(pwd)')" "unset /"
i=$(lab inspect dflt)
check_match "inspect shows the effective command" "$i" '"command": *\["/bin/report", *"ep-arg", *"cmd1", *"cmd2"\]'
check_match "... the image's environment" "$i" '"IMG_VAR=from-image"'
check_match "... the user and working directory" "$i" '"user": *"alice", *"working_dir": *"/opt"'
check_match "... the image's exposed ports and labels" "$i" \
	'"exposed_ports": *\["8080/tcp"\], *"image_labels": *\{"org.test.from": *"image"\}'
check_match "control: inspect of an override shows the override" "$(lab inspect ep)" \
	'"command": *\["/bin/report", *"own-ep"\]'
check "the store keeps the config beside the unpacked image" \
	test "$(ls /var/lib/ncompose/images | grep -c '\.config\.json$')" -ge 2
check "down" lab down
check_clean imgcfg

# A registry-pulled image gets its config as well.
cat >"$work/pull.yaml" <<'Y'
name: imgcfgpull
services:
  pulled:
    image: 127.0.0.1:5302/test/img:1
Y
"$NC_SRC/tests/lib/fakeregistry" "$work/img" 5302 &
srv=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/5302) 2>/dev/null && break; sleep 0.05; done
check "up -d pulls the image" nc -f "$work/pull.yaml" up -d
r=$(report pulled "$work/pull.yaml")
check_eq "the pulled image runs its Entrypoint + Cmd" "$(grep ^argv= <<<"$r")" "argv=ep-arg cmd1 cmd2"
check_eq "... as its User" "$(grep ^user= <<<"$r")" "user=alice"
check "down" nc -f "$work/pull.yaml" down
check_clean imgcfgpull
finish
