#!/usr/bin/env bash
# Gets this machine ready for `wrangler dev --enable-containers` (npm run dev:containers, npm run
# test:containers). Checks five things and fixes what it can on a machine with Docker but no registry
# (docs/local-containers.md); on a machine that can pull, it changes nothing. Idempotent; a few
# `docker image inspect` calls once done.
# Prints what wrangler's environment needs as KEY=VALUE lines on stdout (nothing when nothing is
# needed); says what it checked on stderr. Exits 1 with the fix when something cannot be fixed here.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DOCKER=${TOWN_REAL_DOCKER:-docker}
SIDECAR_DIR=container/egress-sidecar
PULL_TIMEOUT_S=${TOWN_PULL_TIMEOUT_S:-120}

say() { printf '[containers] %s\n' "$*" >&2; }
fail() {
  printf '[containers] FAILED: %s\n' "$*" >&2
  exit 1
}
has_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
try_pull() { timeout "$PULL_TIMEOUT_S" "$DOCKER" pull "$1" >/dev/null 2>&1; }
needs_wrapper=false

# 0. A Docker CLI and a daemon it reaches.
command -v "$DOCKER" >/dev/null 2>&1 || fail "no Docker CLI ('$DOCKER'): install Docker (Debian: apt-get install -y docker.io)."
"$DOCKER" info >/dev/null 2>&1 || fail "the Docker daemon does not answer ('$DOCKER info'). Start it, e.g. as root: dockerd --bip 172.17.0.1/16 &"

# 1. The default bridge has a gateway: workerd places its egress listener there ("Container failed to
#    start", getaddrinfo ... host = ; without it). Debian 12's docker.io 20.10 leaves it out.
gateway=$("$DOCKER" network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}' 2>/dev/null || true)
if [ -z "$gateway" ]; then
  fail "Docker's default bridge has no Gateway ('docker network inspect bridge'), which workerd needs.
  Restart the daemon with an explicit bridge IP: either add {\"bip\": \"172.17.0.1/16\"} to
  /etc/docker/daemon.json, or start it as 'dockerd --bip 172.17.0.1/16'; then run this again."
fi
say "bridge gateway: $gateway"

# 2. The Town Container's base image (container/Dockerfile's FROM): pulled, or else made locally from the
#    static busybox and the Node 24 binary the project installs (node_modules/node).
base=$(awk 'toupper($1) == "FROM" { print $2; exit }' container/Dockerfile)
if has_image "$base"; then
  say "base image $base: present"
elif try_pull "$base"; then
  say "base image $base: pulled"
else
  say "base image $base: cannot be pulled; making a local stand-in"
  bash scripts/containers/make-node-base.sh "$base" >&2 || fail "could not make a local $base"
fi

# 3 + 4. wrangler builds with 'docker build --load --provenance=false', which needs buildx.
if "$DOCKER" buildx version >/dev/null 2>&1; then
  say "buildx: present"
else
  say "buildx: missing; the wrapper builds with the classic builder"
  needs_wrapper=true
fi

# 3 + 5. The egress sidecar wrangler runs next to each container (and always pulls first).
default_egress=$(grep -o 'DEFAULT_CONTAINER_EGRESS_INTERCEPTOR_IMAGE = "[^"]*"' node_modules/wrangler/wrangler-dist/cli.js | head -1 | cut -d'"' -f2)
[ -n "$default_egress" ] || fail "cannot find wrangler's default egress image in node_modules/wrangler (run npm ci)"
if has_image "$default_egress" || try_pull "$default_egress"; then
  say "egress sidecar: $default_egress"
else
  # Tagged by the hash of its sources, so a change rebuilds it and an unchanged one is reused.
  hash=$(cat "$SIDECAR_DIR/Dockerfile" "$SIDECAR_DIR/sidecar.mjs" "$SIDECAR_DIR/ca.pem" | sha256sum | cut -c1-12)
  sidecar="town-egress-sidecar:$hash"
  if has_image "$sidecar"; then
    say "egress sidecar: $sidecar (local, present)"
  else
    say "egress sidecar: $default_egress cannot be pulled; building $sidecar from $SIDECAR_DIR"
    # The classic builder, which any daemon has (buildx may be missing, see 3 + 4).
    if ! built=$(DOCKER_BUILDKIT=0 "$DOCKER" build -t "$sidecar" "$SIDECAR_DIR" 2>&1); then
      printf '%s\n' "$built" >&2
      fail "could not build $sidecar"
    fi
  fi
  # Earlier builds of it are of no use any more.
  for stale in $("$DOCKER" images town-egress-sidecar --format '{{.Repository}}:{{.Tag}}'); do
    [ "$stale" = "$sidecar" ] || "$DOCKER" rmi "$stale" >/dev/null 2>&1 || true
  done
  echo "MINIFLARE_CONTAINER_EGRESS_IMAGE=$sidecar"
  # wrangler pulls the egress image even when it is local: the wrapper skips pulls of local images.
  needs_wrapper=true
fi

if [ "$needs_wrapper" = true ]; then
  echo "WRANGLER_DOCKER_BIN=$ROOT/scripts/containers/docker.sh"
  # The wrapper calls the real CLI, found now (WRANGLER_DOCKER_BIN replaces 'docker' for wrangler only).
  echo "TOWN_REAL_DOCKER=$(command -v "$DOCKER")"
fi
say "ready"
