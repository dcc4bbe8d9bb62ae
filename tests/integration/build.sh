#!/bin/bash
# build: what ncompose checks of a service's `build:` before building
# (the Dockerfile, build args and target, the context), through `build`
# and `up`. Running builds is not implemented yet: the suite checks that
# ncompose says so instead of running an image it does not have.
. "$NC_SRC/tests/lib/lib.sh"

work=$(mktemp -d /var/lib/ncompose/build-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
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

out=$(lab build 2>&1); rc=$?
check_eq "build without --check fails (exit 1): ncompose cannot run builds yet" "$rc" "1"
check_match "... and says so" "$out" 'cannot run builds yet \(RUN steps and image layers are not implemented\)'

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

finish
