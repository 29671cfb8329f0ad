#!/usr/bin/env bash
# Build tongpan's images with Podman on a host without an image registry:
#   containers/images.sh [base] [tongpan] [postgres] [redis]     (default: all four, in order)
# base      localhost/debian-bookworm:base, made by base-image.sh when missing (kept otherwise)
# tongpan   localhost/tongpan:latest, the Dockerfile on that base
# postgres  localhost/tongpan-postgres:15 and redis  localhost/tongpan-redis:7, Debian's packages
# Builds reuse Podman's layer cache; NO_CACHE=1 builds from scratch. They run under nice:
# building is CPU-heavy and should not starve what else runs on the host.
# pip inside the build gets the host's CA bundle (PIP_CERT, else the system bundle) as a
# build secret, so a TLS-inspecting proxy works; the bundle does not end up in the image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}
base=localhost/debian-bookworm:base
build=(nice -n 10 podman build --quiet --build-arg "BASE_IMAGE=$base")
[ "${NO_CACHE:-0}" = 1 ] && build+=(--no-cache)

for target in "${@:-base tongpan postgres redis}"; do
  for t in $target; do
    case $t in
      base) "$here/base-image.sh" "$base" ;;
      tongpan)
        cert=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
        secret=()
        [ -s "$cert" ] && secret=(--secret "id=pip-cert,src=$cert")
        "${build[@]}" "${secret[@]}" -t localhost/tongpan:latest "$root" >/dev/null ;;
      postgres) "${build[@]}" -t localhost/tongpan-postgres:15 "$here/postgres" >/dev/null ;;
      redis) "${build[@]}" -t localhost/tongpan-redis:7 "$here/redis" >/dev/null ;;
      *) echo "unknown image: $t (base, tongpan, postgres, redis)" >&2; exit 2 ;;
    esac
  done
done
