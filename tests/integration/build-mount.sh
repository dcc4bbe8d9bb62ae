#!/bin/bash
# build-mount: RUN --mount as BuildKit's Dockerfiles use it (`docker init`
# writes them): a cache kept between builds and never in the image, a
# read-only bind of a context file whose content is part of the step's
# cache key, a tmpfs, build.secrets (a file, a variable's text as env=),
# an optional secret the service lacks left out; RUN --network=none; and
# a bind that would leave the context (a symlink, a ../ path) refused.
. "$NC_SRC/tests/lib/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is missing (scripts/bootstrap installs it)"
work=$(mktemp -d /var/lib/ncompose/build-mount.XXXXXX)
srv=
trap 'nc -p bm -f "$work/compose.yaml" down >/dev/null 2>&1; [ -n "$srv" ] && kill $srv; rm -rf "$work"' EXIT

serve_test_image "$work" 5304

mkdir -p "$work/ctx" "$work/outside"
echo v1 > "$work/ctx/requirements.txt"
echo secret > "$work/outside/secret"
ln -s "$work/outside/secret" "$work/ctx/leak"
echo s3cret > "$work/token.txt"
export NC_TEST_API_KEY=k3y
cat > "$work/compose.yaml" <<'YAML'
services:
  app:
    build:
      context: ctx
      secrets: [token, {source: envsec, target: apikey}]
    command: sleep 1000
    network_mode: none
secrets:
  token: {file: ./token.txt}
  envsec: {environment: NC_TEST_API_KEY}
YAML
lab() { nc -p bm -f "$work/compose.yaml" "$@"; }
cat > "$work/ctx/Dockerfile" <<'DF'
FROM 127.0.0.1:5304/test/img:1
WORKDIR /app
RUN --mount=type=cache,target=/cache,sharing=locked sh -c 'echo run >> /cache/count; wc -l < /cache/count > /runs'
RUN --mount=type=bind,source=requirements.txt,target=req.txt cat req.txt > /seen
RUN --mount=type=tmpfs,target=/scratch sh -c 'echo t > /scratch/f && cat /scratch/f > /tmpfs-seen'
RUN --mount=type=secret,id=token --mount=type=secret,id=apikey,env=API --mount=type=secret,id=missing sh -c 'test "$(cat /run/secrets/token)" = s3cret && test "$API" = k3y && test ! -e /run/secrets/apikey && echo yes > /secret-seen'
RUN --network=none sh -c 'tail -n +3 /proc/net/dev | wc -l > /links'
ARG TARGETARCH
RUN echo "$TARGETPLATFORM:$TARGETARCH" > /arch
DF
out=$(lab build 2>&1); rc=$?
check_eq "build: RUN --mount of a cache, a bind, a tmpfs and an optional secret (exit 0)" "$rc" "0"
check_match "... an optional secret the service lacks is left out, said in one line" "$out" \
	'RUN --mount=type=secret,id=missing: service `app` has no such build secret; the RUN goes on without it'
check "up -d runs the built image" lab up -d
check_eq "the cache RUN ran once" "$(lab exec app cat /runs 2>&1)" "1"
check_fails "... and the cache's content is not in the image" lab exec app test -e /cache/count
check_eq "the bind RUN read the context's file (relative target below WORKDIR)" "$(lab exec app cat /seen 2>&1)" "v1"
check_eq "the tmpfs RUN wrote to its tmpfs" "$(lab exec app cat /tmpfs-seen 2>&1)" "t"
check_fails "... which is not in the image" lab exec app test -e /scratch/f
check_eq "the secret RUN read build.secrets: a file at /run/secrets/ID, a variable's as env=" \
	"$(lab exec app cat /secret-seen 2>&1)" "yes"
check_fails "... and no secret's text is in the image" lab exec app grep -rqs -e s3cret -e k3y /run /secret-seen /app
check_eq "RUN --network=none had only lo" "$(lab exec app cat /links 2>&1)" "1"
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
check_eq "BuildKit's automatic TARGETARCH, once declared (TARGETPLATFORM, undeclared, is not seen)" \
	"$(lab exec app cat /arch 2>&1)" ":$arch"
lab down >/dev/null 2>&1

out=$(lab build 2>&1)
check_eq "a rebuild with nothing changed runs no step" "$(printf '%s\n' "$out" | grep -c ': DONE')" "0"
echo v2 > "$work/ctx/requirements.txt"
out=$(lab build 2>&1)
check_match "a changed bind source runs its RUN again" "$out" '\[3/8\] RUN cat req.txt > /seen: DONE'
check_match "... while the cache RUN before it stays cached" "$out" '\[2/8\] RUN sh -c .echo run >> /cache/count.*: CACHED'
out=$(lab build --no-cache 2>&1)
check "build --no-cache" lab up -d
check_eq "... the cache RUN found the cache of the first build" "$(lab exec app cat /runs 2>&1)" "2"
check_eq "... the bind RUN saw the new content" "$(lab exec app cat /seen 2>&1)" "v2"
lab down >/dev/null 2>&1

df() { printf 'FROM 127.0.0.1:5304/test/img:1\n%b' "$1" > "$work/ctx/Dockerfile"; }
check_eq "control: the context's symlink leads to a host file" "$(cat "$work/ctx/leak")" "secret"
df 'RUN --mount=type=bind,source=leak,target=/l cat /l\n'
out=$(lab build 2>&1); rc=$?
check_eq "a bind through a symlink out of the context is refused (exit 2)" "$rc" "2"
check_match "... before anything runs, naming the source" "$out" \
	'ctx/Dockerfile:2: RUN `leak` leads outside the build context .* through a symlink'
df 'RUN --mount=type=bind,source=../outside/secret,target=/l cat /l\n'
check_match "a ../ bind source is refused" "$(lab build 2>&1)" \
	'ctx/Dockerfile:2: RUN `../outside/secret` is outside the build context'
df 'RUN --mount=type=bind,target=/ctx sh -c "echo x > /ctx/new"\n'
check_fails "a bind of the context is read-only: the RUN's write fails" lab build
check_fails "... and nothing reached the context" test -e "$work/ctx/new"
df 'RUN --mount=type=bind,target=/ctx sh -c "echo x > /new"\n'
check "... while the same RUN writing elsewhere builds (the control)" lab build
df 'RUN --mount=type=bind,target=/ctx,rw sh -c "echo x > /ctx/new && cat /ctx/new > /rw"\n'
check "a bind with rw: the RUN writes to it" lab build
check_fails "... to a copy: nothing reached the context" test -e "$work/ctx/new"

df 'RUN --mount=type=secret,id=nope,required=true true\n'
check_match "a required secret the service lacks is refused, saying why" "$(lab build 2>&1)" \
	'RUN --mount=type=secret,id=nope is required, but service `app` has no such build secret'
sed -i 's/secrets: \[token, /secrets: [nosuch, /' "$work/compose.yaml"
check_match "a build secret not in the top-level secrets is refused with its place" "$(lab build --check 2>&1)" \
	'compose.yaml:[0-9]+:[0-9]+: service `app`: build secret `nosuch` is not in the file.s top-level `secrets`'
sed -i 's/secrets: \[nosuch, /secrets: [token, /' "$work/compose.yaml"
df 'RUN --mount=type=nope,target=/x true\n'
out=$(lab build --check 2>&1); rc=$?
check_eq "an unknown mount type is bad input (exit 2)" "$rc" "2"
check_match "... named with its line" "$out" \
	'ctx/Dockerfile:2: RUN --mount=type=nope,target=/x: unknown type `nope` \(bind, cache, tmpfs, secret or ssh\)'
df 'RUN --mount=type=cache true\n'
check_match "a cache without a target is refused" "$(lab build --check 2>&1)" 'type=cache needs target=PATH'
df 'RUN --security=insecure true\n'
check_match "RUN --security=insecure is refused" "$(lab build --check 2>&1)" 'RUN --security=insecure is not supported'
df 'RUN --network=host true\n'
check_match "RUN --network=host needs build.network: host" "$(lab build 2>&1)" \
	'RUN --network=host needs `build: \{network: host\}`'

check_clean bm
finish
