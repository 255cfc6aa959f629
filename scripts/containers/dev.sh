#!/usr/bin/env bash
# `npm run dev:containers`: `npm run dev` with the real Town Container (Docker needed), after
# setup.sh has checked (and where it can, fixed) what wrangler needs. Extra arguments go to wrangler.
set -euo pipefail
cd "$(dirname "$0")/../.."
settings=$(bash scripts/containers/setup.sh)
while IFS= read -r line; do
  [ -n "$line" ] && export "${line?}"
done <<<"$settings"
# The flag overrides `dev.enable_containers: false`; the var tells the watchdog to call the container.
exec wrangler dev --env dev --enable-containers --var TOWN_CONTAINER_ENABLED:true "$@"
