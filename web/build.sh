#!/bin/sh
# web/build.sh -- copy the console's vendored libraries from node_modules
# (versions pinned in package.json) into web/console/vendor/. The copies
# are committed, so serving the console needs neither npm nor a network;
# run this after changing a pinned version and commit the result.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
v="$top/web/console/vendor"
u="$top/node_modules/uplot"
[ -f "$u/package.json" ] || { echo "build.sh: run make deps first" >&2; exit 1; }
mkdir -p "$v"
ver=$(node -p 'require(process.argv[1]).version' "$u/package.json")
{ printf '/* uPlot %s (MIT), copied from node_modules by web/build.sh */\n' "$ver"
  cat "$u/dist/uPlot.esm.js"; } >"$v/uPlot.esm.js"
{ printf '/* uPlot %s (MIT), copied from node_modules by web/build.sh */\n' "$ver"
  cat "$u/dist/uPlot.min.css"; } >"$v/uPlot.min.css"
cp "$u/LICENSE" "$v/uPlot.LICENSE"
echo "web/console/vendor: uPlot $ver"
