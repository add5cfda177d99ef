#!/usr/bin/env bash
# bench/matrix.sh -- issue 13 item 8 in ONE command: the platform against
# its upstream called directly and against the peer gateways, at
# concurrency 1, 8 and 32, measured alternately (the order of the targets
# rotates from one cell to the next, so drift of a shared machine falls
# on all of them), reported as ratios, written with the machine's
# description into docs/performance.md (between its BENCH-MATRIX markers).
#
#   bench/matrix.sh              about 6 minutes
#   BENCH_DURATION=2 bench/matrix.sh   quicker, noisier
#
# Targets (all bridging @modelcontextprotocol/server-everything):
#   direct              its own Streamable HTTP transport
#   platform-stdio      POST /mcp/demo/everything (warm stdio child)
#   platform-http       POST /mcp/demo/everything-http (-> direct)
#   supergateway        4.0.0, stateless (a server process per request)
#   supergateway-sf     4.0.0, --stateful (a server process per session)
#   mcp-proxy           6.7.19, stateful (its default)
#   lb-1node, lb-2nodes HAProxy (round robin, deploy/haproxy) in front of
#                       one platform node, and of two (each its own
#                       lighttpd, data_dir; same machine)
# Hot-path switches: limits_enabled and metrics_enabled (src/config.c),
# platform-stdio echo at concurrency 8, each setting twice, alternating.
# Cold path: the first tools/call after the platform restarted (no warm
# child, empty caches), three times.
#
# Knobs: BENCH_DURATION (s, 4), BENCH_WARMUP (s, 1), BENCH_DOC (the file to
# update, docs/performance.md; "-" for stdout only), BENCH_KEEP.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"
DUR=${BENCH_DURATION:-4}
WARM=${BENCH_WARMUP:-1}
DOC=${BENCH_DOC:-$TOP/docs/performance.md}
WEB=lighttpd
MAX_PROCS=
LUA=$TOP/bench/mcp.lua
CONCS="1 8 32"
# The benchmark's own tenant may use every worker: the fair share is for
# production (docs/configuration.md); the limiter stays on, with rules
# that never refuse, so its work is on the hot path.
# (deploy/local/stack.sh already writes limit_tenant_share = 0.)
export BENCH_CONF="limit_caller_rate = 1000000000
limit_tenant_concurrent = 100000"
# shellcheck source=lib.sh
. "$TOP/bench/lib.sh"

matrix_cleanup() {
	local rc=$?
	[ -z "${STACK_DIR:-}" ] || stop_tree "$STACK_DIR/supergateway-sf.pid"
	(exit "$rc")	# cleanup exits with the status it finds
	cleanup
}
trap matrix_cleanup EXIT

bench_stack_up
CONF_FILE=$STACK_DIR/platform/mcp-platform.conf
cp "$CONF_FILE" "$WORK/conf.orig"
NODE1_URL=$STACK_BASE_URL

# supergateway, stateful
SGS_PORT=$(stack_free_port)
stack_start_node supergateway-sf "$SGS_PORT" \
    "$STACK_NODE_MODULES/supergateway/dist/index.js" \
    --stdio "$STACK_NODE_MODULES/.bin/node $STACK_NODE_MODULES/@modelcontextprotocol/server-everything/dist/index.js stdio" \
    --outputTransport streamableHttp --stateful --port "$SGS_PORT" --logLevel none
URL_SGS="http://127.0.0.1:$SGS_PORT/mcp"

# a second node, and HAProxy in front of one node and of both
stack_add_node node2 >/dev/null
STACK_PLATFORM_DIR=$STACK_DIR/node2 stack_start_platform "$(stack_free_port)" lighttpd
printf '%s\n' "$BENCH_CONF" >> "$STACK_DIR/node2/mcp-platform.conf"
stack_kill_pidfile "$STACK_DIR/node2/lighttpd.pid"
stack_lighttpd_start "$STACK_DIR/node2"
NODE2_URL=$STACK_BASE_URL
STACK_BASE_URL=$NODE1_URL
haproxy_up() {	# haproxy_up NAME NODE_URL...: its URL on stdout
	local name=$1 port d=$STACK_DIR/$1 u
	shift
	port=$(stack_free_port)
	mkdir -p "$d"
	{
		sed -e "s|@PORT@|$port|g" "$TOP/deploy/haproxy/mcp-platform.cfg"
		for u in "$@"; do printf '\tserver n%s 127.0.0.1:%s\n' "${u##*:}" "${u##*:}"; done
	} > "$d/haproxy.cfg"
	stack_own "$STACK_USER:" 0700 "$d" >/dev/null
	stack_own "$STACK_USER:" 0600 "$d/haproxy.cfg" >/dev/null
	stack_as "${HAPROXY:-/usr/sbin/haproxy}" -D -p "$d/haproxy.pid" -f "$d/haproxy.cfg" \
	    </dev/null >>"$d/haproxy.log" 2>&1 3>&- || die "haproxy $name did not start"
	cp "$d/haproxy.pid" "$STACK_DIR/$name.pid"
	stack_wait_http "http://127.0.0.1:$port/healthz" >/dev/null
	echo "http://127.0.0.1:$port"
}
URL_LB1="$(haproxy_up lb1 "$NODE1_URL")/mcp/$DEMO_TENANT/everything"
URL_LB2="$(haproxy_up lb2 "$NODE1_URL" "$NODE2_URL")/mcp/$DEMO_TENANT/everything"

# target NAME: URL, TOK, SID
target() {
	case "$1" in
	supergateway-sf) URL=$URL_SGS; TOK=""; SID=$(session "$URL" "") ;;
	lb-1node) URL=$URL_LB1; TOK=$TOKEN; SID=$(session "$URL" "$TOKEN") ;;
	lb-2nodes) URL=$URL_LB2; TOK=$TOKEN; SID=$(session "$URL" "$TOKEN") ;;
	*) open_target "$1" ;;
	esac
}

RAW=$WORK/matrix.tsv
: > "$RAW"
INVALID=0
# measure GROUP WORKLOAD TARGET CONC BODY EXPECT
measure() {
	local g=$1 wl=$2 tg=$3 c=$4 body=$5 expect=$6 out line
	target "${tg%%:*}"
	sanity "$URL" "$TOK" "$SID" "$body" "$expect"
	export BENCH_BODY="$body" BENCH_EXPECT="$expect" BENCH_TOKEN="$TOK" BENCH_SID="$SID"
	wrk -t1 -c"$c" -d"${WARM}s" --timeout 10s -s "$LUA" "$URL" >/dev/null 2>&1 || true
	out=$(wrk -t1 -c"$c" -d"${DUR}s" --timeout 10s -s "$LUA" "$URL" 2>&1) ||
	    die "wrk failed: $out"
	line=$(grep '^BENCH ' <<<"$out") || die "wrk: $out"
	line="group=$g workload=$wl target=$tg conc=$c ${line#BENCH }"
	awk '{ n = 0; for (i = 1; i <= NF; i++) { split($i, kv, "=")
		if (kv[1] ~ /^(err_|non2xx|badbody)/) n += kv[2]; v[kv[1]] = kv[2] }
		printf "bench: %-10s %-16s c=%-2s %7.0f req/s  p50 %7.2f ms  %d errors\n",
		    v["workload"], v["target"], v["conc"], v["requests"] / (v["duration_us"] / 1e6),
		    v["p50_us"] / 1000, n }' <<<"$line" >&2
	printf '%s\n' "$line" >> "$RAW"
}

rotate() {	# rotate N WORDS...: the words, starting at the N-th (mod)
	local n=$1; shift
	local a=("$@") i k=${#a[@]}
	for ((i = 0; i < k; i++)); do printf '%s ' "${a[$(((n + i) % k))]}"; done
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)
CELL=0
TARGETS="direct platform-stdio platform-http supergateway supergateway-sf mcp-proxy"
for c in $CONCS; do
	for wl in echo tools/list; do
		if [ "$wl" = echo ]; then b=$BODY_ECHO e=$EXPECT_ECHO; else b=$BODY_LIST e=$EXPECT_LIST; fi
		for t in $(rotate "$CELL" $TARGETS); do
			measure peers "$wl" "$t" "$c" "$b" "$e"
		done
		CELL=$((CELL + 1))
	done
done
for c in 8 32; do
	for t in $(rotate "$CELL" lb-1node lb-2nodes); do
		measure lb echo "$t" "$c" "$BODY_ECHO" "$EXPECT_ECHO"
	done
	CELL=$((CELL + 1))
done

# The hot-path switches: the platform restarted with each setting.
platform_with() {	# platform_with "key = value..."
	cp "$WORK/conf.orig" "$CONF_FILE"
	printf '%s\n' "$1" >> "$CONF_FILE"
	stack_kill_pidfile "$STACK_DIR/platform/lighttpd.pid"
	stack_lighttpd_start "$STACK_DIR/platform" >/dev/null
	stack_wait_http "$STACK_BASE_URL/healthz" >/dev/null
}
SETTINGS=("limits_enabled = 1
metrics_enabled = 1" "limits_enabled = 0
metrics_enabled = 1" "limits_enabled = 1
metrics_enabled = 0" "limits_enabled = 0
metrics_enabled = 0")
NAMES=(both-on limiter-off metrics-off both-off)
# After each restart the four workers start cold: a longer warm-up.
WARM=$((WARM + 2))
for round in 1 2 3; do
	for i in $(rotate "$round" 0 1 2 3); do
		platform_with "${SETTINGS[$i]}"
		measure hotpath echo "platform-stdio:${NAMES[$i]}" 8 "$BODY_ECHO" "$EXPECT_ECHO"
	done
done
WARM=$((WARM - 2))
platform_with ""

# The cold path: the first call after a restart (spawn, initialize,
# resolve, JWKS), against the warm p50 of the same call.
COLD=()
for i in 1 2 3; do
	platform_with ""
	SIDC=$(session "$URL_STDIO" "$TOKEN")
	t0=$(date +%s%N)
	out=$(post "$URL_STDIO" "$TOKEN" "$SIDC" "${BODY_ECHO//@ID@/7}")
	t1=$(date +%s%N)
	[[ "$out" == 200* && "$out" == *"$EXPECT_ECHO"* ]] || die "cold call failed: $out"
	COLD+=("$(( (t1 - t0) / 1000 ))")
	say "cold call $i: $(( (t1 - t0) / 1000000 )) ms"
done
T1=$(date +%s)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the report -----------------------------------------------------------
STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
REV=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEMT=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
report() {
	echo "<!-- BENCH-MATRIX:BEGIN (written by bench/matrix.sh; do not edit by hand) -->"
	echo "### Matrix run $STAMP"
	echo
	echo "- machine: $(nproc) CPUs ($CPU), $MEMT, $(uname -sr); **shared and noisy**" \
	    "(other engineers' builds and tests ran at the same time): load average" \
	    "$LOAD_START at the start, $LOAD_END at the end. Read the ratios, not the" \
	    "absolute numbers."
	echo "- platform $REV behind lighttpd (4 MCP workers), wrk -t1, ${WARM} s warm-up" \
	    "+ ${DUR} s per cell, targets in rotating order; $((T1 - T0)) s in all;" \
	    "node $("$STACK_NODE" --version), supergateway" \
	    "$(jq -r .version "$STACK_NODE_MODULES/supergateway/package.json"), mcp-proxy" \
	    "$(jq -r .version "$STACK_NODE_MODULES/mcp-proxy/package.json")"
	echo
	echo "#### Requests per second (p50 ms) by concurrency"
	echo
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       if (v["group"] != "peers" && v["group"] != "lb") next
	       k = v["workload"] "|" v["target"]; if (!(k in seen)) { seen[k] = 1; ord[++n] = k }
	       e = 0; for (f in v) if (f ~ /^(err_|non2xx|badbody)/) e += v[f]
	       cell[k, v["conc"]] = sprintf("%.0f (%.1f)%s", v["requests"] / (v["duration_us"] / 1e6),
	           v["p50_us"] / 1000, e ? " **" e " err**" : "")
	       delete v }
	     END { print "| workload | target | c=1 | c=8 | c=32 |"; print "|---|---|--:|--:|--:|"
	       for (i = 1; i <= n; i++) { split(ord[i], w, "|")
	         printf "| %s | %s | %s | %s | %s |\n", w[1], w[2], (ord[i] SUBSEP 1) in cell ? cell[ord[i], 1] : "-",
	             (ord[i] SUBSEP 8) in cell ? cell[ord[i], 8] : "-", (ord[i] SUBSEP 32) in cell ? cell[ord[i], 32] : "-" } }' "$RAW"
	echo
	echo "#### Ratios (req/s of the platform over the other)"
	echo
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       r[v["workload"], v["target"], v["conc"]] = v["requests"] / (v["duration_us"] / 1e6); delete v }
	     function q(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
	     END { print "| workload | ratio | c=1 | c=8 | c=32 |"; print "|---|---|--:|--:|--:|"
	       split("echo tools/list", W, " "); split("direct supergateway supergateway-sf mcp-proxy", O, " ")
	       split("platform-stdio platform-http", P, " ")
	       for (w = 1; w <= 2; w++) for (p = 1; p <= 2; p++) for (o = 1; o <= 4; o++)
	         printf "| %s | %s / %s | %s | %s | %s |\n", W[w], P[p], O[o],
	           q(r[W[w], P[p], 1], r[W[w], O[o], 1]), q(r[W[w], P[p], 8], r[W[w], O[o], 8]),
	           q(r[W[w], P[p], 32], r[W[w], O[o], 32])
	       printf "| echo | lb-2nodes / lb-1node | - | %s | %s |\n",
	           q(r["echo", "lb-2nodes", 8], r["echo", "lb-1node", 8]), q(r["echo", "lb-2nodes", 32], r["echo", "lb-1node", 32]) }' "$RAW"
	echo
	echo "Both nodes run on the same $(nproc) CPUs, so two nodes cannot be faster" \
	    "than one here: the row shows what the balancer and the second node cost," \
	    "not scale-out."
	echo
	echo "#### Limiter and metrics on the hot path (platform-stdio echo, c=8, three rounds each, the order rotating)"
	echo
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       if (v["group"] != "hotpath") next
	       split(v["target"], t, ":"); req[t[2]] += v["requests"]; us[t[2]] += v["duration_us"]; delete v }
	     END { base = us["both-off"] > 0 ? req["both-off"] / (us["both-off"] / 1e6) : 0
	       print "| setting | req/s | vs both off |"; print "|---|--:|--:|"
	       split("both-off limiter-off metrics-off both-on", S, " ")
	       for (i = 1; i <= 4; i++) { x = us[S[i]] > 0 ? req[S[i]] / (us[S[i]] / 1e6) : 0
	         printf "| %s | %.0f | %+.1f %% |\n", S[i], x, (base > 0 ? 100 * (x / base - 1) : 0) } }' "$RAW"
	echo
	echo "#### Cold path"
	echo
	awk -v c="${COLD[*]}" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       if (v["group"] == "peers" && v["workload"] == "echo" && v["target"] == "platform-stdio" && v["conc"] == 1) w = v["p50_us"]; delete v }
	     END { n = split(c, a, " "); s = ""; for (i = 1; i <= n; i++) s = s sprintf("%s%.0f", i > 1 ? ", " : "", a[i] / 1000)
	       printf "First tools/call echo after a platform restart (a new worker: resolve, JWKS, spawn and initialize of the stdio child): %s ms; the warm p50 at c=1: %.2f ms.\n", s, w / 1000 }' "$RAW"
	echo
	echo "<!-- BENCH-MATRIX:END -->"
}
report > "$WORK/matrix.md"
cat "$WORK/matrix.md"
if [ "$DOC" != - ]; then
	if grep -q 'BENCH-MATRIX:BEGIN' "$DOC"; then
		awk -v f="$WORK/matrix.md" '/BENCH-MATRIX:BEGIN/ { while ((getline l < f) > 0) print l; skip = 1; next }
		    /BENCH-MATRIX:END/ { skip = 0; next } !skip' "$DOC" > "$WORK/doc.new"
	else
		{ cat "$DOC"; echo; echo "## The matrix (bench/matrix.sh)"; echo; cat "$WORK/matrix.md"; } > "$WORK/doc.new"
	fi
	cp "$WORK/doc.new" "$DOC"
	say "written to ${DOC#"$TOP"/}"
fi
