#!/usr/bin/env bash
# The dashboard's map: fetch the pinned @svg-maps/india package from the npm registry (npm pack: no
# node_modules, no install scripts run), check its SVG against the known SHA-256, copy it and its
# licence into the static folder. Usage: scripts/india_map.sh PACKAGE@VERSION SHA256 DEST
set -euo pipefail

package=$1 sha=$2 dest=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent --ignore-scripts "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
echo "$sha  $work/package/india.svg" | sha256sum --check --quiet
mkdir -p "$dest"
cp "$work/package/india.svg" "$work/package/LICENSE.md" "$dest/"
echo "[map] $package -> $dest (sha256 $sha)"
