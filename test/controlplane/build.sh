#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok, helm) from Go modules pinned in versions.env,
# and copies the third-party CRDs the product works with into the same cache.
#
#   test/controlplane/build.sh               build (or reuse) and print the directory
#   test/controlplane/build.sh --print-dir   only print the directory (no build)
#
# Output: $LIGHTHOUSE_CONTROLPLANE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/lighthouse/controlplane)
#         /<hash of versions.env, go.mod/go.sum files and cache_layout>/{bin,crds,kwok,manifest.json}
# A directory is used only once it is complete (marker file .complete), so an
# interrupted build is resumed, never half-used. Idempotent; safe to run concurrently.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

# Bump when this script changes what it puts into the cache (flags, files).
cache_layout=2
cache_root="${LIGHTHOUSE_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lighthouse/controlplane}"
hash="$(cd "$here" && { echo "$cache_layout"; cat versions.env kube/go.mod kube/go.sum kwok/go.mod kwok/go.sum helm/go.mod helm/go.sum; } \
  | sha256sum | cut -c1-16)"
out="$cache_root/$hash"

if [[ "${1:-}" == "--print-dir" ]]; then echo "$out"; exit 0; fi
if [[ -f "$out/.complete" ]]; then
  echo "controlplane: up to date in $out" >&2
  echo "$out"; exit 0
fi

log() { echo "controlplane: $*" >&2; }

# The go.mod files are generated from versions.env by gomod.sh; refuse to build
# from stale ones rather than silently building other versions.
helm_major="${HELM_VERSION%%.*}"
check_pin() { # file module version
  grep -qE "^[[:space:]]*(require )?$2 $3\$" "$here/$1" \
    || { log "$1 does not pin $2 $3 (versions.env changed?): run test/controlplane/gomod.sh"; exit 1; }
}
check_pin kube/go.mod k8s.io/kubernetes "$KUBERNETES_VERSION"
check_pin kube/go.mod go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_pin kwok/go.mod sigs.k8s.io/kwok "$KWOK_VERSION"
check_pin helm/go.mod "helm.sh/helm/$helm_major" "$HELM_VERSION"

command -v go >/dev/null || { log "go is not installed (need $GO_TOOLCHAIN)"; exit 1; }
export GOTOOLCHAIN="$GO_TOOLCHAIN" GOFLAGS=-mod=readonly CGO_ENABLED=0

mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if [[ -f "$out/.complete" ]]; then echo "$out"; exit 0; fi   # built by a concurrent run

started=$(date +%s)
mkdir -p "$out/bin" "$out/crds" "$out/kwok"

# Version stamps: without them the API server reports v0.0.0 and charts with a
# kubeVersion constraint refuse to install.
kube_minor="${KUBERNETES_VERSION#v1.}"; kube_minor="${kube_minor%%.*}"
kube_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$kube_minor"
  kube_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

build() { # module-dir binary-name package [extra ldflags]
  local dir="$1" name="$2" pkg="$3" ldflags="-s -w ${4:-}"
  if [[ -x "$out/bin/$name" ]]; then log "$name already built"; return; fi
  local t0; t0=$(date +%s)
  log "building $name ($pkg) ..."
  (cd "$here/$dir" && go build -trimpath -ldflags "$ldflags" -o "$out/bin/$name.tmp" "$pkg")
  mv "$out/bin/$name.tmp" "$out/bin/$name"
  log "built $name in $(( $(date +%s) - t0 ))s"
}

build kube etcd go.etcd.io/etcd/server/v3
build kube kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$kube_ldflags"
build kube kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$kube_ldflags"
build kube kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$kube_ldflags"
build kube kubectl k8s.io/kubernetes/cmd/kubectl "$kube_ldflags"
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
build helm helm "helm.sh/helm/$helm_major/cmd/helm" "-X helm.sh/helm/$helm_major/internal/version.version=$HELM_VERSION"

# Third-party CRDs, from the YAML each project ships in its Go module.
module_dir() { (cd "$out" && GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p'); }
copy_crds() { # module@version dir file...
  local mod="$1" sub="$2"; shift 2
  local dir; dir="$(module_dir "$mod")"
  [[ -n "$dir" ]] || { log "could not download $mod"; exit 1; }
  for f in "$@"; do install -m 0644 "$dir/$sub/$f" "$out/crds/$f"; done
  log "CRDs from $mod: $*"
}
copy_crds "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION" config/crd/bases \
  postgresql.cnpg.io_clusters.yaml postgresql.cnpg.io_backups.yaml postgresql.cnpg.io_scheduledbackups.yaml
copy_crds "github.com/cloudnative-pg/plugin-barman-cloud@$BARMAN_CLOUD_PLUGIN_VERSION" config/crd/bases \
  barmancloud.cnpg.io_objectstores.yaml
copy_crds "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" example/prometheus-operator-crd \
  monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml

# kwok's binary has no built-in behaviour: Stages (from its module, the same
# defaults kwokctl uses) make fake nodes Ready and their pods Running/Ready.
kwok_dir="$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
{
  for f in stage/node/fast/node-initialize.yaml stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           stage/pod/fast/pod-ready.yaml stage/pod/fast/pod-complete.yaml stage/pod/fast/pod-delete.yaml; do
    echo "---"; cat "$kwok_dir/kustomize/$f"
  done
} > "$out/kwok/stages.yaml"
log "kwok stages: $out/kwok/stages.yaml"

cat > "$out/manifest.json" <<JSON
{
  "kubernetes": "$KUBERNETES_VERSION",
  "etcd": "$ETCD_VERSION",
  "kwok": "$KWOK_VERSION",
  "helm": "$HELM_VERSION",
  "cloudnativePg": "$CNPG_VERSION",
  "barmanCloudPlugin": "$BARMAN_CLOUD_PLUGIN_VERSION",
  "prometheusOperator": "$PROMETHEUS_OPERATOR_VERSION",
  "go": "$(go env GOVERSION)"
}
JSON
touch "$out/.complete"
log "done in $(( $(date +%s) - started ))s: $out"
echo "$out"
