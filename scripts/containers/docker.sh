#!/usr/bin/env bash
# The Docker CLI as wrangler sees it (WRANGLER_DOCKER_BIN) on a machine without buildx or a registry,
# set by scripts/containers/setup.sh only there. Two commands change; everything else goes through:
# - `build` without buildx: drops buildx's `--load` and `--provenance=false` and uses the classic builder.
# - `pull` of an image that is already local (the egress sidecar setup.sh built): nothing to pull.
set -euo pipefail
real=${TOWN_REAL_DOCKER:-docker}

case "${1:-}" in
  build)
    "$real" buildx version >/dev/null 2>&1 && exec "$real" "$@"
    shift
    args=()
    for arg in "$@"; do
      case "$arg" in
        --load | --provenance=false) ;;
        *) args+=("$arg") ;;
      esac
    done
    DOCKER_BUILDKIT=0 exec "$real" build "${args[@]}"
    ;;
  pull)
    for arg in "${@:2}"; do
      case "$arg" in
        -*) ;;
        *)
          if "$real" image inspect "$arg" >/dev/null 2>&1; then
            echo "using the local $arg (not pulled)"
            exit 0
          fi
          break
          ;;
      esac
    done
    ;;
esac
exec "$real" "$@"
