#!/bin/bash
# Compose keys that real files have and labs do not need, working as
# Compose users expect:
# - `build:` read, merged and printed by `config`; a service with only
#   `build:` is built by `up` (FROM scratch, a whole root copied in) and
#   runs; one whose `image:` is a local path runs that path, and
#   pull_policy: build is refused there (nothing to tag);
# - legacy `links:`: the linked service starts first and answers to its
#   alias in the linking container only.
. "$NC_SRC/tests/lib/lib.sh"

work=$(mktemp -d /var/lib/ncompose/build-test.XXXXXX)
trap 'nc -p bld down >/dev/null 2>&1; nc -p lnk down >/dev/null 2>&1; rm -rf "$work"' EXIT
"$NC_SRC/tests/lib/mkrootfs" "$work/root"
mkdir -p "$work/app"
cp -a "$work/root" "$work/app/root"
printf 'FROM scratch\nCOPY root/ /\n' >"$work/app/Dockerfile"

cat >"$work/compose.yaml" <<'YAML'
name: bld
services:
  web:
    build: ./app
    command: [sleep, "1000"]
  api:
    image: ./root
    build:
      context: ./app
      args: [VERSION=1]
    command: [sleep, "1000"]
YAML

out=$(nc -f "$work/compose.yaml" config 2>&1 | tr '\n' ' ')
check_match "config accepts build: and prints its long form" "$out" \
	'web:.*build:.*context: \./app'
check_match "... with the args of the long form" "$out" 'args:.*VERSION: "?1"?'

out=$(nc -f "$work/compose.yaml" up -d 2>&1); rc=$?
check_eq "up of a service that needs a build builds it and starts (exit 0)" "$rc" 0
check_match "... tagged PROJECT-SERVICE" "$out" "built bld-web"
check_eq "... and it runs the built root (FROM scratch, COPY root/ /)" "$(nc -p bld exec -T web cat /etc/motd)" "ncompose test rootfs"
check "down" nc -p bld down

# The service with both runs its image (the test root's /etc/motd).
check "up api alone (build: and image: ./root) runs the image" nc -f "$work/compose.yaml" up -d api
check_eq "... its root is the image's" "$(nc -p bld exec -T api cat /etc/motd)" "ncompose test rootfs"
check "down" nc -p bld down

sed -i 's|    image: ./root|    image: ./root\n    pull_policy: build|' "$work/compose.yaml"
out=$(nc -f "$work/compose.yaml" up -d api 2>&1); rc=$?
check_eq "pull_policy: build with image: a local path is refused (exit 2)" "$rc" 2
check_match "... saying why" "$out" "pull_policy: build asks for a build, but .image: ./root. names a local path"
check_clean bld

cat >"$work/links.yaml" <<'YAML'
name: lnk
services:
  web:
    links: ["db:database"]
    command: [sleep, "1000"]
  db:
    command: [sleep, "1000"]
  other:
    command: [sleep, "1000"]
YAML
check "up a lab with legacy links" nc -f "$work/links.yaml" up -d
check "web reaches db by its link alias" nc -p lnk exec -T web ping -c1 -W2 database
check_fails "other has no such name (the alias is web's)" nc -p lnk exec -T other ping -c1 -W2 database
check "... but reaches db by its name" nc -p lnk exec -T other ping -c1 -W2 db
check "down" nc -p lnk down
check_clean lnk
finish
