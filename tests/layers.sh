#!/bin/sh
# tests/layers.sh -- every #include "..." in lib/, src/ and
# deploy/supabase-local/ goes down a layer or stays in its folder, and no
# include closes a circle (docs/architecture.md, "Layers").
#
# The layers, bottom to top:
#   0 lib/                      knows nothing of the product
#   1 src/config, src/version, src/product_limits   the top-level headers
#   1 deploy/supabase-local/    its own program: lib/ and itself only
#   2 src/http  2.5 src/ops (the node's shared segment: metrics, limits)
#   3 src/auth  4 src/store  5 src/log  6 src/mcp  7 src/api
#   8 src/mcpctl/               beside: everything but the top
#   9 src/main.c, src/routes.*  the top
# A file may include headers of a lower layer and of its own folder. Inside
# a folder, a module (x.c with x.h) may not reach itself again through
# the includes of its folder's modules.
#
# An include is resolved as the compiler does: the including file's
# folder first, then -Ilib, then -Isrc. Prints "file:line: why" for each
# bad include and exits 1; prints "layers: clean" and exits 0.
#
# Usage: tests/layers.sh [top]   (default: the repository holding this)

top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2

# Known exceptions, "file include" (one a line). Each must still occur:
# an exception that no longer matches is reported, so the list only
# shrinks. None today.
exceptions=''

files=$(ls lib/*.[ch] src/*.[ch] src/*/*.[ch] deploy/supabase-local/*.[ch] \
    2>/dev/null)

# One "file line include" row per #include "...", resolved to a path
# (or "?name" when nothing by that name exists).
for f in $files; do
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
	    while IFS= read -r row; do
		line=${row%%:*}
		inc=${row#*\"}
		inc=${inc%%\"*}
		dir=${f%/*}
		if [ -f "$dir/$inc" ]; then
			to=$dir/$inc
		elif [ -f "lib/$inc" ]; then
			to=lib/$inc
		elif [ -f "src/$inc" ]; then
			to=src/$inc
		else
			to="?$inc"
		fi
		printf '%s %s %s %s\n' "$f" "$line" "$inc" "${to#./}"
	done
done | awk -v exceptions="$exceptions" '
# group and rank of a path: see the table at the top of this file.
function group(p) {
	if (p ~ /^lib\//) return "lib"
	if (p ~ /^deploy\/supabase-local\//) return "supabase-local"
	if (p ~ /^src\/(main\.c|routes\.[ch])$/) return "top"
	if (p ~ /^src\/(config|version|product_limits)\.[ch]$/) return "src"
	if (p ~ /^src\/(http|ops|auth|store|log|mcp|api|mcpctl)\//) {
		sub(/^src\//, "", p)
		sub(/\/.*/, "", p)
		return p
	}
	return ""
}
function module(p) { sub(/\.[ch]$/, "", p); return p }
# The depth (> 0) at which module "to" reaches module "goal" by edges
# inside one group, else 0; way[] collects the path.
function reach(to, goal, d,    i, n, nx, r) {
	if (to == goal) { way[d] = to; return d }
	if (seen[to]) return 0
	seen[to] = 1
	way[d] = to
	n = nout[to]
	for (i = 1; i <= n; i++) {
		nx = out[to, i]
		if ((r = reach(nx, goal, d + 1)) > 0) return r
	}
	return 0
}
BEGIN {
	rank["lib"] = 0; rank["src"] = 1; rank["supabase-local"] = 1
	rank["http"] = 2; rank["ops"] = 2.5; rank["auth"] = 3; rank["store"] = 4
	rank["log"] = 5; rank["mcp"] = 6; rank["api"] = 7
	rank["mcpctl"] = 8; rank["top"] = 9
	n = split(exceptions, ex, "\n")
	for (i = 1; i <= n; i++) known[ex[i]] = 1
	bad = 0
}
{
	f = $1; line = $2; inc = $3; to = $4
	if (substr(to, 1, 1) == "?") {
		printf "%s:%s: #include \"%s\": no such header in the " \
		    "folder, lib/ or src/\n", f, line, inc
		bad++
		next
	}
	gf = group(f); gt = group(to)
	if (gf == "" || gt == "") {
		printf "%s:%s: #include \"%s\": %s has no layer " \
		    "(tests/layers.sh)\n", f, line, inc, gf == "" ? f : to
		bad++
		next
	}
	if (gf != gt && rank[gt] >= rank[gf]) {
		if ((f " " inc) in known) {
			used[f " " inc] = 1
			printf "%s:%s: #include \"%s\" runs up from %s to %s: " \
			    "a known exception (tests/layers.sh)\n", f, line, inc,
			    gf, gt
			next
		}
		printf "%s:%s: #include \"%s\" runs up from %s (layer %s) " \
		    "to %s (layer %s)\n", f, line, inc, gf, rank[gf], gt,
		    rank[gt]
		bad++
		next
	}
	mf = module(f); mt = module(to)
	if (gf != gt || mf == mt) next
	k = mf SUBSEP mt
	if (k in edge) next
	edge[k] = f ":" line ": #include \"" inc "\""
	out[mf, ++nout[mf]] = mt
	order[++nedges] = k
}
END {
	for (i = 1; i <= nedges; i++) {
		split(order[i], m, SUBSEP)
		delete seen
		delete way
		if ((d = reach(m[2], m[1], 0)) == 0) continue
		p = m[1]
		for (j = 0; j <= d; j++) p = p " -> " way[j]
		printf "%s closes a circle: %s\n", edge[order[i]], p
		bad++
	}
	for (e in known)
		if (!(e in used)) {
			printf "tests/layers.sh: exception \"%s\" no longer " \
			    "occurs: remove it\n", e
			bad++
		}
	if (bad > 0) {
		printf "layers: %d bad include(s)\n", bad
		exit 1
	}
	print "layers: clean"
}'
