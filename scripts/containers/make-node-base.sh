#!/usr/bin/env bash
# Makes a local stand-in for a `node:<24>-*` base image, for a machine that cannot pull it: the static
# busybox (Debian: busybox-static) with its applets in /bin, and the project's own Node binary
# (node_modules/node, Node 24 for linux-x64) with the glibc libraries it links, user `node` (1000).
# Usage: make-node-base.sh node:24-alpine
set -euo pipefail
cd "$(dirname "$0")/../.."
image=${1:?usage: make-node-base.sh <image, e.g. node:24-alpine>}
DOCKER=${TOWN_REAL_DOCKER:-docker}
node_bin=node_modules/node/bin/node

[ -x "$node_bin" ] || { echo "no $node_bin: run npm ci first" >&2; exit 1; }
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
wanted_major=$(printf '%s' "$image" | sed -n 's/^node:\([0-9]*\).*/\1/p')
if [ "$wanted_major" != "$node_major" ]; then
  echo "can only stand in for node:$node_major-* (the project's Node), not $image" >&2
  exit 1
fi
busybox=$(command -v busybox || true)
# A dynamically linked busybox would need its own libraries; the static one needs nothing.
if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
  echo "no static busybox on PATH: apt-get install -y busybox-static" >&2
  exit 1
fi

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,usr/bin,usr/local/bin,etc,tmp,root,home/node}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
ln -s /bin/env "$rootfs/usr/bin/env"
cp -L "$node_bin" "$rootfs/usr/local/bin/node"
# Each library at the path the loader looks for it (the loader itself included).
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnode:x:1000:node\n' >"$rootfs/etc/group"

tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . |
  "$DOCKER" import \
    -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'LABEL town.local-stand-in=node' \
    -c 'CMD ["node"]' \
    - "$image" >/dev/null
echo "made $image: busybox + Node $("$node_bin" --version) (local stand-in, label town.local-stand-in=node)"
