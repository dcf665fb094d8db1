#!/usr/bin/env bash
# Builds Mooring's local toolchain from the Go module proxy and caches it outside the repo:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok, helm, kustomize, jsonnet,
# and Mooring's render helper (toolchain/render-helper) in its own cache folder, keyed by its sources:
#   ~/.cache/mooring/render-helper/<hash of sources + versions.env>-<go version>/mooring-render
# Idempotent: parts already built are skipped. Prints the bin directory on its last line.
#
#   scripts/toolchain.sh            build what is missing
#   scripts/toolchain.sh --print    print the bin directory, build nothing (exit 1 if incomplete)
#   scripts/toolchain.sh --render-helper   build only the render helper (if missing); print its path
#
# MOORING_TOOLCHAIN_DIR overrides the cache root (default ~/.cache/mooring/toolchain);
# MOORING_RENDER_HELPER_DIR the render helper's (default ~/.cache/mooring/render-helper).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../toolchain/versions.env
source "$here/../toolchain/versions.env"

root="${MOORING_TOOLCHAIN_DIR:-$HOME/.cache/mooring/toolchain}"
key="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_helm-${HELM_VERSION}_kustomize-${KUSTOMIZE_VERSION}_jsonnet-${JSONNET_VERSION}"
dir="$root/$key"
bin="$dir/bin"
parts=(etcd kubernetes kwok helm kustomize jsonnet)

# The render helper's key: sha256 over `sha256sum` lines of its sources and versions.env (paths relative
# to toolchain/, sorted); src/devcluster/render-helper.ts computes the same. The Go version is appended.
helper_root="${MOORING_RENDER_HELPER_DIR:-$HOME/.cache/mooring/render-helper}"
helper_key() {
  (cd "$here/../toolchain" && { find render-helper -type f | LC_ALL=C sort; echo versions.env; } |
    xargs sha256sum | sha256sum | cut -c1-16)
}
helper_bin() { echo "$helper_root/$(helper_key)-$(go env GOVERSION)/mooring-render"; }

built() {
  case "$1" in
    kubernetes) [[ -x $bin/kube-apiserver && -x $bin/kube-controller-manager && -x $bin/kube-scheduler && -x $bin/kubectl ]] ;;
        *) [[ -x $bin/$1 ]] ;;
  esac
}

log() { printf '%s toolchain: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# A throwaway module that pins one tool; keeps builds independent of any repo's go.mod.
wrapper() {
  local w="$dir/work/$1"
  rm -rf "$w"; mkdir -p "$w"; cd "$w"
  go mod init "local/mooring-toolchain-$1" >/dev/null 2>&1
}

build_etcd() {
  wrapper etcd
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >/dev/null 2>&1 || go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go build -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
}

build_kubernetes() {
  local minor sv gomod m ld p
  minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2); sv="0.${KUBERNETES_VERSION#1.}"
  wrapper kubernetes
  gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # k8s.io/kubernetes requires its staging modules at v0.0.0 with local replaces; point them at releases.
  for m in $(sed -n 's#^\s*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$gomod"); do
    go mod edit -replace="$m=$m@v$sv"
  done
  # Keep Kubernetes' own GODEBUG defaults (its go.mod says e.g. "godebug default=go1.26").
  local gd
  for gd in $(sed -n 's/^godebug \(.*\)/\1/p' "$gomod"); do go mod edit -godebug="$gd"; done
  go get "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBERNETES_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@v$KUBERNETES_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@v$KUBERNETES_VERSION" \
    "k8s.io/kubernetes/cmd/kubectl@v$KUBERNETES_VERSION"
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=v$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  go build -ldflags "$ld" -o "$bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
}

build_kwok() {
  wrapper kwok
  go get "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  go build -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION" -o "$bin/kwok" sigs.k8s.io/kwok/cmd/kwok
}

build_helm() {
  local minor
  minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
  wrapper helm
  go get "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
  # Without these, charts see Kubernetes v1.20 in .Capabilities.KubeVersion.
  go build -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor" \
    -o "$bin/helm" helm.sh/helm/v3/cmd/helm
}

build_kustomize() {
  wrapper kustomize
  go get "sigs.k8s.io/kustomize/kustomize/v5@v$KUSTOMIZE_VERSION"
  go build -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=v$KUSTOMIZE_VERSION" \
    -o "$bin/kustomize" sigs.k8s.io/kustomize/kustomize/v5
}

build_render_helper() {
  local minor out
  minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
  out="$(helper_bin)"
  mkdir -p "$(dirname "$out")"
  cd "$here/../toolchain/render-helper"
  # Same version flags as the helm build: .Capabilities report the pinned Helm and Kubernetes.
  go build -mod=readonly -ldflags "-s -w -X main.buildKey=$(helper_key) -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor" \
    -o "$out.tmp" .
  mv "$out.tmp" "$out"
}

build_jsonnet() {
  wrapper jsonnet
  go get "github.com/google/go-jsonnet/cmd/jsonnet@v$JSONNET_VERSION"
  go build -ldflags "-s -w" -o "$bin/jsonnet" github.com/google/go-jsonnet/cmd/jsonnet
}

main() {
  if [[ ${1:-} == --print ]]; then
    for p in "${parts[@]}"; do built "$p" || { echo "toolchain incomplete: $p missing in $dir (run: npm run toolchain)" >&2; exit 1; }; done
    if command -v go >/dev/null && [[ ! -x $(helper_bin) ]]; then
      echo "toolchain incomplete: render helper missing at $(helper_bin) (run: npm run toolchain)" >&2; exit 1
    fi
    echo "$bin"; exit 0
  fi

  missing=()
  for tool in go git openssl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if ((${#missing[@]})); then
    echo "toolchain: missing prerequisite(s): ${missing[*]}" >&2
    echo "  go (>= 1.26) from https://go.dev or your package manager; git and openssl from your package manager" >&2
    exit 2
  fi
  go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
  if [[ -z $go_minor || $go_minor -lt 26 ]]; then
    echo "toolchain: Go >= 1.26 is required to build Kubernetes $KUBERNETES_VERSION (found $(go env GOVERSION))" >&2
    exit 2
  fi

  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
  mkdir -p "$bin" "$dir/work"
  if [[ ${1:-} == --render-helper ]]; then
    ensure_render_helper; helper_bin; exit 0
  fi

  log "cache: $dir"
  i=0
  for p in "${parts[@]}"; do
    i=$((i + 1))
    if built "$p"; then log "[$i/${#parts[@]}] $p: cached"; continue; fi
    log "[$i/${#parts[@]}] $p: building...$([[ $p == kubernetes ]] && echo " (the slow one: many minutes on 2 cores)")"
    start=$SECONDS
    # Run in the background and wait: inside an `if` condition bash would ignore set -e in the build.
    ( set -e; "build_$p" ) >"$dir/work/$p.log" 2>&1 &
    if ! wait $!; then
      log "[$i/${#parts[@]}] $p: FAILED after $((SECONDS - start))s; last lines of $dir/work/$p.log:"
      tail -n 30 "$dir/work/$p.log" >&2
      exit 1
    fi
    log "[$i/${#parts[@]}] $p: built in $((SECONDS - start))s"
  done
  rm -rf "$dir/work"/*/
  ensure_render_helper
  echo "$bin"
}

ensure_render_helper() {
  local start
  if [[ -x $(helper_bin) ]]; then
    log "render helper: cached ($(helper_bin))"
  else
    log "render helper: building..."
    start=$SECONDS
    ( set -e; build_render_helper ) >"$dir/work/render-helper.log" 2>&1 &
    if ! wait $!; then
      log "render helper: FAILED after $((SECONDS - start))s; last lines of $dir/work/render-helper.log:"
      tail -n 30 "$dir/work/render-helper.log" >&2
      exit 1
    fi
    log "render helper: built in $((SECONDS - start))s ($(helper_bin))"
  fi
}

# Bash reads a script as it runs; calling main last means an edit mid-run cannot change what runs.
main "$@"
