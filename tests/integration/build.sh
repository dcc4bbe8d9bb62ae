#!/bin/bash
# build: what ncompose checks of a service's `build:` before building
# (the Dockerfile, build args and target, the context), through `build`
# and `up`; then builds run with ncompose's runtime from a base image a
# test registry serves: COPY and ADD, RUN in a container (a whiteout of a
# base file), two stages with COPY --from, the cache, a failing RUN, and
# `up --build` running the result. WORKDIR makes its directory, the base
# image's ENV is substituted, --chown takes the image's names, and
# COPY --from takes an image as well as a stage.
. "$NC_SRC/tests/lib/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is missing (scripts/bootstrap installs it)"
work=$(mktemp -d /var/lib/ncompose/build-test.XXXXXX)
srv=
trap 'nc -p bb -f "$work/b/compose.yaml" down >/dev/null 2>&1; [ -n "$srv" ] && kill $srv; rm -rf "$work"' EXIT
mkdir -p "$work/app/dir" "$work/outside"
echo hello > "$work/app/hello.txt"
echo inside > "$work/app/dir/f"
echo secret > "$work/outside/secret"
cat > "$work/compose.yaml" <<'YAML'
services:
  web:
    build: ./app
  multi:
    image: buildtest/multi:1
    build:
      context: app
      dockerfile: Dockerfile.multi
      args:
        SRC: hello.txt
      target: final
YAML
cat > "$work/app/Dockerfile.multi" <<'DF'
ARG BASE=busybox
FROM ${BASE} AS build
RUN echo built > /built
FROM scratch AS unused
COPY missing-but-unused /x
FROM scratch AS final
ARG SRC
COPY --from=build /built /built
COPY $SRC dir /srv/
DF
lab() { nc -p bt -f "$work/compose.yaml" "$@"; }
df() { printf '%b' "$1" > "$work/app/Dockerfile"; }

df 'FROM scratch\nCOPY hello.txt /\nCMD ["/hello"]\n'
out=$(lab build --check 2>&1); rc=$?
check_eq "build --check: a good build passes (exit 0)" "$rc" "0"
check_match "... the multi-stage one: the target's 2 stages, the unused one skipped" "$out" \
	'service `multi`: checked 2 stages, 4 instructions \(1 RUN\); the image would be `buildtest/multi:1`'
check_match "... an image named PROJECT-SERVICE without image:" "$out" 'service `web`: checked 1 stage, 2 instructions \(0 RUN\); the image would be `bt-web`$'


df 'FROM scratch\nFOO bar\n'
out=$(lab build --check web 2>&1); rc=$?
check_eq "an unknown instruction is a usage error (exit 2)" "$rc" "2"
check_match "... named with its line" "$out" '^ncompose: app/Dockerfile:2: unknown instruction "FOO"$'
out=$(lab up -d web 2>&1); rc=$?
check_eq "up of a service that needs the build fails on it too (exit 2)" "$rc" "2"
check_match "... with the Dockerfile's line first" "$out" 'app/Dockerfile:2: unknown instruction "FOO"'

df 'FROM scratch\nRUN <<EOF\necho x\nEOF\n'
check_match "a heredoc is refused with its line" "$(lab build --check web 2>&1)" \
	'app/Dockerfile:2: heredocs \(<<EOF\) are not supported'

df 'FROM scratch\nCOPY ../outside/secret /\n'
out=$(lab build --check web 2>&1); rc=$?
check_eq "COPY from outside the context is refused (exit 2)" "$rc" "2"
check_match "... naming the path" "$out" 'app/Dockerfile:2: COPY `../outside/secret` is outside the build context'

ln -s ../outside "$work/app/link"
df 'FROM scratch\nCOPY link/secret /\n'
check_match "COPY through a symlink that leaves the context is refused" "$(lab build --check web 2>&1)" \
	'app/Dockerfile:2: COPY `link/secret` leads outside the build context .* through a symlink'
ln -s /etc/passwd "$work/app/abs"
df 'FROM scratch\nADD abs /\n'
check_match "... an absolute symlink too" "$(lab build --check web 2>&1)" 'ADD `abs` leads outside'

df 'FROM scratch\nCOPY dir/f /\n'
printf 'dir\n' > "$work/app/.dockerignore"
check_match "a source .dockerignore leaves out is not in the context" "$(lab build --check web 2>&1)" \
	'COPY `dir/f`: not in the build context: .dockerignore leaves it out'
printf 'dir\n!dir/f\n' > "$work/app/.dockerignore"
check "... unless a later ! pattern brings it back" lab build --check web
rm "$work/app/.dockerignore"

df 'FROM scratch\nCOPY nope /\n'
check_match "a missing source is named" "$(lab build --check web 2>&1)" 'COPY `nope`: no such file in the build context'

df 'FROM scratch\nCOPY *.nothing /\n'
check_match "a pattern that matches nothing is refused" "$(lab build --check web 2>&1)" 'COPY `\*.nothing`: no file in the build context .* matches'
df 'FROM scratch\nCOPY *.txt dir/ /\n'
check "... one that matches is accepted" lab build --check web

df 'FROM scratch\nADD http://example.com/x /\n'
check_match "ADD of a URL is refused (no network for builds)" "$(lab build --check web 2>&1)" \
	'remote sources are not supported'

df 'FROM scratch\nONBUILD RUN x\n'
check_match "ONBUILD is refused" "$(lab build --check web 2>&1)" 'app/Dockerfile:2: ONBUILD is not supported'

sed -i 's/target: final/target: nope/' "$work/compose.yaml"
check_match "a target that names no stage is refused" "$(lab build --check multi 2>&1)" \
	'Dockerfile.multi: target stage `nope` not found'
sed -i 's/target: nope/target: final/; s/SRC: hello.txt/SRC: ..\/outside\/secret/' "$work/compose.yaml"
check_match "build args are substituted before the context check" "$(lab build --check multi 2>&1)" \
	'app/Dockerfile.multi:9: COPY `../outside/secret` is outside the build context'

# ---- builds ----
"$NC_SRC/tests/lib/mkrootfs" "$work/rootfs" >/dev/null
printf '{"config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "APP_HOME=/app"]}}' > "$work/config.json"
"$NC_SRC/tests/lib/mkimage" oci "$work/rootfs" "$work/img" "$work/config.json"
ip link set lo up
"$NC_SRC/tests/lib/fakeregistry" "$work/img" 5302 &
srv=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/5302) 2>/dev/null && break; sleep 0.05; done
mkdir -p "$work/b/ctx/conf" "$work/b/arc"
echo v1 > "$work/b/ctx/conf/app.conf"
echo notes > "$work/b/ctx/notes.txt"
echo ignored > "$work/b/ctx/secret.key"
printf '*.key\n' > "$work/b/ctx/.dockerignore"
echo packed > "$work/b/arc/packed.txt"
tar -C "$work/b/arc" -czf "$work/b/ctx/bundle.tar.gz" packed.txt
cat > "$work/b/ctx/Dockerfile" <<'DF'
FROM 127.0.0.1:5302/test/img:1 AS build
ARG GREETING=hello
RUN echo "$GREETING from build" > /built && rm /opt/new
FROM 127.0.0.1:5302/test/img:1
ENV APP=/srv/app
WORKDIR /srv/app
COPY conf/ ./conf/
COPY --chown=1000:1000 notes.txt /srv/notes.txt
ADD bundle.tar.gz /opt/bundle/
COPY --from=build /built /srv/built
RUN rm /etc/layer2 && mkdir -p /var/made && echo made > /var/made/f && ln -s /srv /linked
COPY notes.txt /linked/copied/
COPY notes.txt /linked/file.txt
WORKDIR $APP_HOME/made/by
WORKDIR workdir
COPY --chown=alice:wheel notes.txt /srv/alice.txt
COPY --chown=bob notes.txt /srv/bob.txt
COPY --from=127.0.0.1:5302/test/img:1 /etc/motd /srv/motd
ENV APP_HOME=/override
WORKDIR $APP_HOME
WORKDIR /tmp
WORKDIR /linked/through
WORKDIR /srv/app
LABEL org.example.role=test
EXPOSE 8080
CMD ["sh", "-c", "sleep 1000"]
DF
cat > "$work/b/compose.yaml" <<'YAML'
services:
  app:
    build:
      context: ctx
      labels:
        org.example.from-compose: "yes"
YAML
blab() { nc -p bb -f "$work/b/compose.yaml" "$@"; }
out=$(blab build 2>&1); rc=$?
check_eq "build: a two-stage build from a registry base (exit 0)" "$rc" "0"
check_match "... RUN's output is shown" "$out" '#[0-9]+ .*RUN '
check_match "... and the image is tagged PROJECT-SERVICE" "$out" 'built bb-app \(sha256:[0-9a-f]{64}\)'
out2=$(blab build 2>&1); rc=$?
check_eq "a rebuild with nothing changed (exit 0)" "$rc" "0"
check_eq "... runs no step" "$(printf '%s\n' "$out2" | grep -c ': DONE')" "0"
check_eq "... every one of the 24 CACHED" "$(printf '%s\n' "$out2" | grep -c ': CACHED$')" "24"
check_eq "... and the image is the same" "$(printf '%s\n' "$out2" | grep -o 'built bb-app.*')" "$(printf '%s\n' "$out" | grep -o 'built bb-app.*')"
echo v2 > "$work/b/ctx/conf/app.conf"
out3=$(blab build 2>&1)
check_match "a context change re-runs its COPY" "$out3" 'COPY conf/ ./conf/: DONE'
check_match "... the steps before it stay cached" "$out3" 'WORKDIR /srv/app: CACHED'
check_match "... and the RUN after it runs again" "$out3" 'RUN rm /etc/layer2.*: DONE'
echo ignored-too > "$work/b/ctx/other.key"
check_eq "a change .dockerignore leaves out changes nothing" "$(blab build 2>&1 | grep -c ': DONE')" "0"

check "up -d runs the built image" blab up -d
check_eq "COPY of a directory into WORKDIR" "$(blab exec app cat /srv/app/conf/app.conf 2>&1)" "v2"
check_eq "the image's WORKDIR is the command's" "$(blab exec app pwd 2>&1)" "/srv/app"
check_eq "ENV is in the container" "$(blab exec app sh -c 'echo $APP' 2>&1)" "/srv/app"
check_eq "COPY --chown" "$(blab exec app stat -c %u:%g /srv/notes.txt 2>&1)" "1000:1000"
check_eq "a COPY without --chown is root's" "$(blab exec app stat -c %u /srv/app/conf/app.conf 2>&1)" "0"
check_eq "ADD of a local tar extracts it" "$(blab exec app cat /opt/bundle/packed.txt 2>&1)" "packed"
check_eq "COPY --from an earlier stage: what its RUN wrote" "$(blab exec app cat /srv/built 2>&1)" "hello from build"
check_eq "RUN's writes are in the image" "$(blab exec app cat /var/made/f 2>&1)" "made"
check_fails "RUN's rm of a base file is a whiteout: the file is gone" blab exec app test -e /etc/layer2
check "... while the base's other files stay" blab exec app test -e /opt/new
check_eq "WORKDIR makes its directory: from the base image's ENV, relative to the one before, root's 0755" \
	"$(blab exec app stat -c '%u:%g %a' /app/made/by/workdir /app/made 2>&1)" "$(printf '0:0 755\n0:0 755')"
check_eq "... an ENV of the stage overrides the base image's" "$(blab exec app stat -c '%u:%g %a' /override 2>&1)" "0:0 755"
check_eq "... and is the container's" "$(blab exec app sh -c 'echo $APP_HOME' 2>&1)" "/override"
check "WORKDIR through a symlink of another layer makes the directory where it leads" \
	blab exec app sh -c 'test -L /linked && test -d /srv/through'
check_eq "COPY into a directory through a symlink of another layer lands where it leads, the link kept" \
	"$(blab exec app sh -c 'test -L /linked && cat /srv/copied/notes.txt /srv/file.txt' 2>&1)" "notes
notes"
check_eq "WORKDIR of a directory the image has leaves it as it is" "$(blab exec app stat -c %a /tmp 2>&1)" "1777"
check_eq "COPY --chown=user:group by names in the image's /etc/passwd and /etc/group" \
	"$(blab exec app stat -c %u:%g /srv/alice.txt 2>&1)" "1000:10"
check_eq "COPY --chown=user: the user's group" "$(blab exec app stat -c %u:%g /srv/bob.txt 2>&1)" "1001:1001"
check_eq "COPY --from an image reference" "$(blab exec app cat /srv/motd 2>&1)" "ncompose test rootfs"
check_fails ".dockerignore'd files never reach the image" blab exec app sh -c 'ls /srv/app /srv | grep -q key'
check_eq "the image config keeps LABEL and build.labels, EXPOSE" \
	"$(cat /var/lib/ncompose/registry/blobs/sha256/* 2>/dev/null | grep -ao '"org.example.role":"test","org.example.from-compose":"yes"}' | head -1)" \
	'"org.example.role":"test","org.example.from-compose":"yes"}'
check "down" blab down
check_clean bb
check_match "images lists the built image by its name" "$(nc images 2>&1)" 'bb-app'
check "rmi removes it" nc rmi bb-app
out=$(blab build 2>&1)
check_match "a build after rmi: the cache entries whose layers went run again" "$out" 'RUN rm /etc/layer2.*: DONE'
check_match "... and the image is tagged again" "$out" 'built bb-app'

# A failing RUN: its output and exit code, nothing tagged.
cat > "$work/b/ctx/Dockerfile" <<'DF'
FROM 127.0.0.1:5302/test/img:1
RUN echo about to fail && exit 3
DF
sed -i 's/^  app:/  bad:/' "$work/b/compose.yaml"
out=$(blab build 2>&1); rc=$?
check_eq "a failing RUN fails the build (exit 1)" "$rc" "1"
check_match "... its output is shown" "$out" 'about to fail'
check_match "... with the exit code and the line" "$out" 'ctx/Dockerfile:2: RUN `echo about to fail && exit 3` failed: exit code 3'
check_fails "... nothing is tagged" test -n "$(grep -l 'bb-bad' /var/lib/ncompose/registry/refs/*/index.json 2>/dev/null)"
check_eq "... and no temporary directory is left" "$(ls /var/lib/ncompose/build-tmp 2>/dev/null)" ""

# --chown of a name the image does not have.
printf 'FROM 127.0.0.1:5302/test/img:1\nCOPY --chown=nobody:wheel notes.txt /x\n' > "$work/b/ctx/Dockerfile"
out=$(blab build 2>&1); rc=$?
check_eq "COPY --chown of an unknown user fails the build (exit 1)" "$rc" "1"
check_match "... naming the instruction, its line and the name" "$out" \
	'ctx/Dockerfile:2: COPY --chown=nobody:wheel: .*user `nobody` not found'
printf 'FROM 127.0.0.1:5302/test/img:1\nADD --chown=alice:staff notes.txt /x\n' > "$work/b/ctx/Dockerfile"
check_match "ADD --chown of an unknown group too" "$(blab build 2>&1)" \
	'ctx/Dockerfile:2: ADD --chown=alice:staff: .*group `staff` not found'

printf 'FROM scratch\nCOPY --from=127.0.0.1:5302/test/nope:1 /x /y\n' > "$work/b/ctx/Dockerfile"
out=$(blab build 2>&1); rc=$?
check_eq "COPY --from an image the registry does not have fails (exit 1)" "$rc" "1"
check_match "... naming the instruction, its line and the image" "$out" 'ctx/Dockerfile:2: COPY --from=127.0.0.1:5302/test/nope:1: '

# A hostile context is still refused when building.
ln -s "$work/outside" "$work/b/ctx/out"
printf 'FROM scratch\nCOPY out/secret /\n' > "$work/b/ctx/Dockerfile"
out=$(blab build 2>&1); rc=$?
check_eq "COPY through a symlink out of the context: refused (exit 2)" "$rc" "2"
check_match "... with its line" "$out" 'ctx/Dockerfile:2: COPY `out/secret` leads outside the build context'

# up --build: a service built and brought up; its command sees the files.
rm "$work/b/ctx/out"
printf 'FROM 127.0.0.1:5302/test/img:1\nCOPY notes.txt /notes\nCOPY --from=bb-app /srv/built /from-image\nCMD ["sh", "-c", "cat /notes > /seen; sleep 1000"]\n' > "$work/b/ctx/Dockerfile"
sed -i 's/^  bad:/  web:/' "$work/b/compose.yaml"
out=$(blab up -d --build 2>&1); rc=$?
check_eq "up --build builds and starts (exit 0)" "$rc" "0"
check_match "... building first" "$out" 'built bb-web'
check_eq "... and the command sees the built files" "$(blab exec web cat /seen 2>&1)" "notes"
check_eq "COPY --from a local image the store has (built before)" "$(blab exec web cat /from-image 2>&1)" "hello from build"
check "down" blab down
check_clean bb

finish
