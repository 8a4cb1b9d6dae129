#!/usr/bin/env bash
# `make images`: builds bridge/Dockerfile and operator/Dockerfile with buildah
# (chroot isolation, vfs storage: no Docker engine, no daemon) on top of the
# locally assembled base image (images/base-image.sh), then checks the bridge
# image by running it (images/run-check.sh) and prints the image sizes.
#
# npm inside the build needs this machine's npm configuration (registry and
# CA file); it is handed over as build secrets, never baked into a layer.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${LIGHTHOUSE_IMAGE_CACHE:-$HOME/.cache/lighthouse/images}
BUILDAH=(buildah --storage-driver vfs)
REVISION=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
VERSION=$(node -p "require('$REPO/package.json').version ?? '0.1.0'" 2>/dev/null || echo 0.1.0)
[[ $VERSION == undefined ]] && VERSION=0.1.0

log() { echo "images: $*" >&2; }
# Debian's tools: buildah builds, debootstrap makes the base, runc runs the result.
missing=()
for tool in buildah debootstrap runc; do command -v $tool >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

bash "$REPO/images/base-image.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
registry=$(npm config get registry 2>/dev/null)
# The CA bundle npm trusts here: its own cafile setting, else what Node is told to add.
cafile=$(npm config get cafile 2>/dev/null)
[[ -n $cafile && $cafile != null ]] || cafile=${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-}}
{
  echo "registry=$registry"
  if [[ -n $cafile && -f $cafile ]]; then
    cp "$cafile" "$work/npm-ca"
    echo "cafile=/run/secrets/npm-ca"
  else
    : >"$work/npm-ca"
  fi
  echo "update-notifier=false"
} >"$work/npmrc"

build() { # name dockerfile
  local name=$1 file=$2 start=$SECONDS
  log "building lighthouse-$name:$VERSION from $file"
  # Docker format: the OCI image config has no HEALTHCHECK field, buildah would drop it.
  "${BUILDAH[@]}" bud --isolation chroot --layers=false --format docker \
    --secret id=npmrc,src="$work/npmrc" --secret id=npm-ca,src="$work/npm-ca" \
    --build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" \
    -f "$context/$file" -t "localhost/lighthouse-$name:$VERSION" "$context" >"$CACHE/build-$name.log" 2>&1 \
    || { tail -30 "$CACHE/build-$name.log" >&2; log "build of $name failed, full log: $CACHE/build-$name.log"; exit 1; }
  log "built lighthouse-$name in $((SECONDS - start)) s"
}

# The build context is the committed tree (HEAD), not the working tree: work in
# progress never ends up in an image. IMAGES_CONTEXT=worktree builds the working tree.
if [[ ${IMAGES_CONTEXT:-head} == worktree ]]; then
  context=$REPO
else
  context=$work/context
  mkdir -p "$context"
  git -C "$REPO" archive HEAD | tar -x -C "$context"
  log "context: git HEAD $REVISION"
fi

mkdir -p "$CACHE"
build bridge bridge/Dockerfile
build operator operator/Dockerfile
# Intermediate stages leave unnamed images behind; keep the store small.
"${BUILDAH[@]}" rmi --prune >/dev/null 2>&1 || true

bash "$REPO/images/run-check.sh" "localhost/lighthouse-bridge:$VERSION"

# The operator needs a cluster to do anything; here: its entry point loads every
# production dependency and refuses a bad setting with its one-line message.
ctr=$("${BUILDAH[@]}" from --quiet --pull-never "localhost/lighthouse-operator:$VERSION")
status=0
out=$("${BUILDAH[@]}" run --isolation chroot --user 10001:10001 "$ctr" -- \
  node /app/operator/dist/main.js --log-level=loud 2>&1) || status=$?
"${BUILDAH[@]}" rm "$ctr" >/dev/null
if [[ $status != 2 || $out != *"--log-level (LOG_LEVEL): expected error, warn, info or debug"* ]]; then
  log "FAIL: operator image: exit $status: $out"
  exit 1
fi
log "operator image: entry point runs as 10001 and refuses a bad setting (exit 2)"
bash "$REPO/images/sizes.sh" "localhost/lighthouse-bridge:$VERSION" "localhost/lighthouse-operator:$VERSION" \
  | tee "$CACHE/sizes.txt"
