#!/usr/bin/env bash
# Prints each image's size: unpacked (what a node stores) and gzip-compressed
# layers (what a registry stores and a pull downloads, the figure registries show).
set -euo pipefail
BUILDAH=(buildah --storage-driver vfs)
for image in "$@"; do
  dir=$(mktemp -d)
  "${BUILDAH[@]}" push --quiet --compression-format gzip "$image" "oci:$dir/layout" >/dev/null
  compressed=$(node -e '
    const fs = require("node:fs"), p = require("node:path");
    const root = process.argv[1];
    const index = JSON.parse(fs.readFileSync(p.join(root, "index.json")));
    const blob = (d) => p.join(root, "blobs", ...d.digest.split(":"));
    const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0])));
    console.log(manifest.layers.reduce((n, l) => n + l.size, 0));
  ' "$dir/layout")
  unpacked=$(du -sb "$("${BUILDAH[@]}" from --quiet "$image" | tee "$dir/ctr" | xargs "${BUILDAH[@]}" mount)" | cut -f1)
  "${BUILDAH[@]}" rm "$(cat "$dir/ctr")" >/dev/null
  rm -rf "$dir"
  printf '%s: unpacked %d MB, compressed %d MB\n' "$image" $((unpacked / 1000000)) $((compressed / 1000000))
done
