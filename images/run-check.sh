#!/usr/bin/env bash
# Runs an image built by `make images` the way Kubernetes would run it with a
# restrictive security context, using runc on an OCI bundle made from the image
# (no Docker; Debian's crun 1.8 refuses this machine's hybrid cgroup v1/v2
# setup): read-only root filesystem, the image's USER, its ENTRYPOINT + CMD,
# tmpfs on /tmp and the data directory only, the host network (so the check
# can reach it). Then: GET /healthz, the image's own HEALTHCHECK command inside the
# container, fusermount present, and SIGTERM → exit 0.
set -euo pipefail

IMAGE=${1:?usage: run-check.sh IMAGE}
BUILDAH=(buildah --storage-driver vfs)
PORT=${CHECK_PORT:-$((20000 + RANDOM % 20000))}
ID=lighthouse-check-$$
log() { echo "run-check: $*" >&2; }
RUNTIME=${RUNTIME:-runc}
command -v "$RUNTIME" >/dev/null || { log "$RUNTIME missing (apt-get install $RUNTIME)"; exit 1; }

bundle=$(mktemp -d)
ctr=$("${BUILDAH[@]}" from --quiet --pull-never "$IMAGE")
cleanup() {
  "$RUNTIME" kill "$ID" KILL >/dev/null 2>&1 || true
  "$RUNTIME" delete --force "$ID" >/dev/null 2>&1 || true
  "${BUILDAH[@]}" umount "$ctr" >/dev/null 2>&1 || true
  "${BUILDAH[@]}" rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$bundle"
}
trap cleanup EXIT
rootfs=$("${BUILDAH[@]}" mount "$ctr")
# The image's run configuration (Docker format, which keeps HEALTHCHECK).
image_config=$("${BUILDAH[@]}" inspect --type image "$IMAGE" \
  | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const i = JSON.parse(s); console.log(JSON.stringify(i.Docker?.config ?? i.OCIv1.config)); })')

(cd "$bundle" && "$RUNTIME" spec)
# What a deployment supplies: a master key (generated here, never stored) and a
# volume for the embedded store's data directory.
MASTER_KEY=$(openssl rand -hex 32) \
IMAGE_CONFIG=$image_config ROOTFS=$rootfs PORT=$PORT node - "$bundle/config.json" <<'JS'
const fs = require('node:fs');
const file = process.argv[2];
const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
const image = JSON.parse(process.env.IMAGE_CONFIG);
const [uid, gid] = (image.User ?? '0:0').split(':').map(Number);
spec.root = { path: process.env.ROOTFS, readonly: true };
spec.process.terminal = false;
spec.process.args = [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])];
const env = [...(image.Env ?? []).filter((e) => !e.startsWith('PORT=')), `PORT=${process.env.PORT}`];
spec.process.env = [...env, `LIGHTHOUSE_MASTER_KEY=${process.env.MASTER_KEY}`];
spec.process.user = { uid, gid: Number.isNaN(gid) ? uid : gid };
spec.process.cwd = image.WorkingDir || '/';
spec.hostname = 'lighthouse-check';
// Host network: the check reaches the port on 127.0.0.1.
spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== 'network');
const tmpfs = (destination, mode) =>
  spec.mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', `mode=${mode}`, `uid=${uid}`] });
tmpfs('/tmp', '1777');
const dataDir = env.find((e) => e.startsWith('LIGHTHOUSE_DATA_DIR='))?.split('=')[1];
if (dataDir) tmpfs(dataDir, '0700');
fs.writeFileSync(file, JSON.stringify(spec, null, 2));
console.error(`run-check: ${spec.process.args.join(' ')} as ${uid}:${spec.process.user.gid}, read-only root, port ${process.env.PORT}`);
JS

out=$bundle/container.log
"$RUNTIME" run --bundle "$bundle" "$ID" >"$out" 2>&1 &
runner=$!

ok=
for _ in $(seq 1 900); do
  if body=$(curl -fsS "http://127.0.0.1:$PORT/healthz" 2>/dev/null); then ok=1; break; fi
  kill -0 $runner 2>/dev/null || break
  sleep 0.2
done
[[ -n $ok ]] || { cat "$out" >&2; log "FAIL: /healthz never answered"; exit 1; }
log "GET /healthz → $body"

healthcheck=$(node -e 'const c = JSON.parse(process.argv[1]).Healthcheck; if (!c || c.Test[0] !== "CMD") process.exit(1); console.log(JSON.stringify(c.Test.slice(1)))' "$image_config") \
  || { log "FAIL: image has no HEALTHCHECK CMD"; exit 1; }
mapfile -t hc < <(node -e 'for (const a of JSON.parse(process.argv[1])) console.log(a)' "$healthcheck")
"$RUNTIME" exec --env "PORT=$PORT" "$ID" "${hc[@]}" || { log "FAIL: the image's HEALTHCHECK failed"; exit 1; }
log "HEALTHCHECK command inside the container → exit 0"

if "$RUNTIME" exec "$ID" sh -c 'command -v fusermount' >/dev/null 2>&1; then
  log "fusermount present: $("$RUNTIME" exec "$ID" sh -c 'command -v fusermount')"
else
  log "no fusermount in this image"
fi
if "$RUNTIME" exec "$ID" sh -c 'command -v lighthouse' >/dev/null 2>&1; then
  "$RUNTIME" exec "$ID" lighthouse fuse --help >/dev/null || { log "FAIL: lighthouse fuse --help"; exit 1; }
  log "lighthouse fuse --help → exit 0 (the sidecar's command)"
fi
whoami=$("$RUNTIME" exec "$ID" id -u)
[[ $whoami == 10001 ]] || { log "FAIL: process runs as uid $whoami, want 10001"; exit 1; }
log "runs as uid $whoami"

"$RUNTIME" kill "$ID" TERM
status=0
wait $runner || status=$?
[[ $status == 0 ]] || { cat "$out" >&2; log "FAIL: exit status $status after SIGTERM"; exit 1; }
log "SIGTERM → exit 0"
log "PASS $IMAGE"
