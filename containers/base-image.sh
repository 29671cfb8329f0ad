#!/usr/bin/env bash
# Make the local Debian base image, localhost/debian-bookworm:base, when it is missing.
# No image registry is needed: debootstrap fetches Debian's packages from the package
# archive (minbase takes under a minute), and the root file system is imported as an image.
#   containers/base-image.sh [IMAGE]        (as root; needs podman and debootstrap)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}
image=${1:-localhost/debian-bookworm:base}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if podman image exists "$image"; then
  echo "$image is there"
  exit 0
fi
rootfs=$(mktemp -d /var/tmp/tongpan-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
nice -n 10 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
  || { tail -20 "$rootfs.log"; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"
# The security and update suites, as an official Debian image has them.
cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
SOURCES
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "$image made"
