#!/usr/bin/env bash
# bench/run.sh -- the platform against its upstream called directly and
# against a peer gateway, in ONE run, reported as ratios (DESIGN §10).
#
#   bench/run.sh                  about 2.5 minutes; table on stdout and in
#                                 bench/results/<date>.md
#
# Targets, all on 127.0.0.1, all bridging the same MCP server
# (@modelcontextprotocol/server-everything from node_modules):
#
#   platform-stdio   POST /mcp/demo/everything       platform -> warm stdio child
#   platform-http    POST /mcp/demo/everything-http  platform -> the upstream below
#   direct           the upstream's own Streamable HTTP transport, no platform
#   supergateway     supergateway (npm, pinned) in stateless mode: stdio ->
#                    Streamable HTTP, one server process per request
#
# Workloads: tools/call "echo" (small answer) and tools/list (~7.7 KB) at
# concurrency BENCH_CONCURRENCY, and a latency probe (echo at concurrency 1)
# for the warm-path overhead. Every response is checked: a measurement with
# a socket error, a non-2xx status or a body without the expected text is
# reported as INVALID and the script exits 1.
#
# Knobs (environment): BENCH_DURATION (s, 10), BENCH_WARMUP (s, 2),
# BENCH_CONCURRENCY (8), BENCH_LAT_DURATION (s, 8), BENCH_SG_CONCURRENCY (2),
# BENCH_SG_DURATION (s, 10), BENCH_LIST (1: also tools/list), BENCH_WEB
# (lighttpd|apache), BENCH_MAX_PROCS (lighttpd's max-procs for the platform;
# default: as deploy/lighttpd ships it), BENCH_RESULTS (directory, default
# bench/results; "-" for none), BENCH_KEEP (1: keep the temp directory),
# BENCH_CONF (lines appended to the platform's configuration, for what-if
# runs: e.g. BENCH_CONF="log_body_max = 0").
#
# Nothing outside its own temp directory is touched, nothing binds anything
# but free loopback ports, and everything it started is stopped on exit.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"

DUR=${BENCH_DURATION:-10}
WARM=${BENCH_WARMUP:-2}
CONC=${BENCH_CONCURRENCY:-8}
LAT_DUR=${BENCH_LAT_DURATION:-8}
SG_CONC=${BENCH_SG_CONCURRENCY:-2}
SG_DUR=${BENCH_SG_DURATION:-10}
DO_LIST=${BENCH_LIST:-1}
WEB=${BENCH_WEB:-lighttpd}
MAX_PROCS=${BENCH_MAX_PROCS:-}
RESULTS=${BENCH_RESULTS:-$TOP/bench/results}
LUA=$TOP/bench/mcp.lua

# shellcheck source=lib.sh
. "$TOP/bench/lib.sh"
bench_stack_up

# ---- CPU accounting ---------------------------------------------------

# One line of CPU ticks (utime+stime, with reaped children's cutime+cstime)
# per process group, plus the machine's busy/steal/total ticks:
# front (web server), workers (mcp-platform.fcgi, self only), children
# (the workers' stdio children, and anything they reaped), upstream
# (server-everything over HTTP), supergateway (with its per-request
# servers), supabase (supabase-local: the resolve round trips).
cpu_snap() {
	local front ev sg supa
	front=$(cat "$STACK_DIR/platform/lighttpd.pid" "$STACK_DIR/apache/httpd.pid" 2>/dev/null | head -1)
	ev=$(cat "$STACK_DIR/everything-http.pid" 2>/dev/null || echo 0)
	sg=$(cat "$STACK_DIR/supergateway.pid" 2>/dev/null || echo 0)
	supa=$(cat "$STACK_DIR/supabase/lighttpd.pid" 2>/dev/null || echo 0)
	{ head -1 /proc/stat; cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk \
	    -v front="${front:-0}" -v ev="$ev" -v sg="$sg" -v supa="$supa" '
	NR == 1 { busy = $2 + $3 + $4 + $7 + $8 + $9; steal = $9
		  total = busy + $5 + $6; next }
	{
		pid = $1; s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
		ppid[pid] = f[2]; self[pid] = f[12] + f[13]
		all[pid] = f[12] + f[13] + f[14] + f[15]
		if ($2 == "(mcp-platform.fc)") w[pid] = 1
	}
	END {
		split("front workers children upstream supergateway supabase", G, " ")
		for (i in G) sum[G[i]] = 0
		for (p in all) {
			g = ""; q = p
			for (d = 0; d < 32 && q != "" && q + 0 > 1; d++) {
				# a fork of a worker, before it execs, is a child
				if (q in w) { g = (q == p && !(ppid[p] in w)) ? "workers" : "children"; break }
				if (q == front) { g = "front"; break }
				if (q == ev) { g = "upstream"; break }
				if (q == sg) { g = "supergateway"; break }
				if (q == supa) { g = "supabase"; break }
				q = ppid[q]
			}
			if (g == "workers") {
				sum["workers"] += self[p]
				sum["children"] += all[p] - self[p]
			} else if (g != "")
				sum[g] += all[p]
		}
		printf "front=%d workers=%d children=%d upstream=%d supergateway=%d supabase=%d busy=%d steal=%d total=%d\n",
		    sum["front"], sum["workers"], sum["children"], sum["upstream"],
		    sum["supergateway"], sum["supabase"], busy, steal, total
	}'
}

# ---- measurements -----------------------------------------------------

RAW="$WORK/raw.tsv"	# one line per measurement, key=value fields
: > "$RAW"
INVALID=0

# measure WORKLOAD TARGET CONC DURATION URL TOKEN SID BODY EXPECT
measure() {
	local wl=$1 tg=$2 c=$3 d=$4 url=$5 token=$6 sid=$7 body=$8 expect=$9
	local out line before after wrkcpu errs
	sanity "$url" "$token" "$sid" "$body" "$expect"
	export BENCH_BODY="$body" BENCH_EXPECT="$expect" BENCH_TOKEN="$token" BENCH_SID="$sid"
	say "$wl / $tg: c=$c, ${WARM}s warm-up + ${d}s"
	out=$(wrk -t1 -c"$c" -d"${WARM}s" --timeout 10s -s "$LUA" "$url" 2>&1) ||
	    die "wrk failed: $out"
	line=$(grep '^BENCH ' <<<"$out") || die "wrk: $out"
	errs=$(awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^(err_|non2xx|badbody)/) { split($i, kv, "="); n += kv[2] } print n }' <<<"$line")
	[ "$errs" = 0 ] || say "  warm-up had $errs errors: $line"
	before=$(cpu_snap)
	local TIMEFORMAT='%U %S'
	{ time wrk -t1 -c"$c" -d"${d}s" --timeout 10s -s "$LUA" "$url" \
	    >"$WORK/wrk.out" 2>&1; } 2>"$WORK/wrk.time" ||
	    die "wrk failed: $(cat "$WORK/wrk.out")"
	after=$(cpu_snap)
	line=$(grep '^BENCH ' "$WORK/wrk.out") || die "wrk: $(cat "$WORK/wrk.out")"
	wrkcpu=$(tail -1 "$WORK/wrk.time" | awk '{ printf "%d", ($1 + $2) * 100 }')
	# Deltas of the CPU counters, and the errors.
	line=$(awk -v b="$before" -v a="$after" -v l="$line" -v wrk="$wrkcpu" \
	    -v wl="$wl" -v tg="$tg" -v c="$c" 'BEGIN {
		n = split(b, B, " "); split(a, A, " ")
		out = "workload=" wl " target=" tg " conc=" c " " substr(l, 7)
		for (i = 1; i <= n; i++) {
			split(B[i], kb, "="); split(A[i], ka, "=")
			out = out " cpu_" kb[1] "=" (ka[2] - kb[2])
		}
		print out " cpu_wrk=" wrk
	}')
	errs=$(awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^(err_|non2xx|badbody)/) { split($i, kv, "="); n += kv[2] } print n }' <<<"$line")
	if [ "$errs" != 0 ]; then
		say "  INVALID: $errs errors: $line"
		INVALID=1
	fi
	printf '%s errors=%s\n' "$line" "$errs" >> "$RAW"
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       printf "bench:   %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors\n",
	           v["requests"] / (v["duration_us"] / 1e6), v["p50_us"] / 1000,
	           v["p99_us"] / 1000, v["errors"] }' <<<"$(tail -1 "$RAW")" >&2
}

run() {	# run WORKLOAD TARGET CONC DURATION BODY EXPECT
	open_target "$2"
	measure "$1" "$2" "$3" "$4" "$URL" "$TOK" "$SID" "$5" "$6"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

# Latency first, while the machine is as quiet as it gets for us.
for t in direct platform-http platform-stdio; do
	run latency "$t" 1 "$LAT_DUR" "$BODY_ECHO" "$EXPECT_ECHO"
done
for t in direct platform-http platform-stdio; do
	run echo "$t" "$CONC" "$DUR" "$BODY_ECHO" "$EXPECT_ECHO"
done
run echo supergateway "$SG_CONC" "$SG_DUR" "$BODY_ECHO" "$EXPECT_ECHO"
if [ "$DO_LIST" = 1 ]; then
	for t in direct platform-http platform-stdio; do
		run tools/list "$t" "$CONC" "$DUR" "$BODY_LIST" "$EXPECT_LIST"
	done
	run tools/list supergateway "$SG_CONC" "$SG_DUR" "$BODY_LIST" "$EXPECT_LIST"
fi

T1=$(date +%s)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- memory -------------------------------------------------------------

# Workers: the platform's FastCGI processes of this stack (children of its
# web server), without their stdio children, which are processes of their own.
MEM="$WORK/mem.tsv"
: > "$MEM"
for p in $(ps -eo pid=,args= | awk -v bin="$STACK_DIR/bin/mcp-platform.fcgi" '$2 == bin { print $1 }'); do
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status")
	priv=$(awk '/^Private_(Clean|Dirty):/ { n += $2 } END { print n + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
	kids=$({ ps -o rss= --ppid "$p" || true; } | awk '{ n += $1 } END { print n + 0 }')
	printf '%s %s %s %s %s\n' "$p" "$rss" "$hwm" "$priv" "$kids" >> "$MEM"
done

# ---- the report ---------------------------------------------------------

STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
REV=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$TOP" status --porcelain --untracked-files=no -- src lib 2>/dev/null)" ]; then
	REV="$REV + uncommitted changes in src/ or lib/"
fi
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
SG_VER=$(jq -r .version "$STACK_NODE_MODULES/supergateway/package.json")
EV_VER=$(jq -r .version "$STACK_NODE_MODULES/@modelcontextprotocol/server-everything/package.json")
BUILD_ID=$(sha256sum "$STACK_DIR/bin/mcp-platform.fcgi" | cut -c1-12)
REQLOG=$(cat "$STACK_DIR"/platform/log/requests.jsonl* 2>/dev/null | wc -l)
PROCS=$(sed -n 's/.*"max-procs" => \([0-9]*\).*/\1/p' "$STACK_DIR/platform/lighttpd.conf" 2>/dev/null | head -1)

report() {
	echo "# Benchmark run $STAMP"
	echo
	echo "- machine: $(nproc) CPUs ($CPU), $(uname -sr), shared and noisy;" \
	    "load average $LOAD_START at the start, $LOAD_END at the end"
	echo "- platform: $REV (mcp-platform.fcgi sha256 $BUILD_ID;" \
	    "$REQLOG lines in its request log), behind $WEB${PROCS:+ (max-procs $PROCS)}${BENCH_CONF:+, with \"$BENCH_CONF\"};" \
	    "server-everything $EV_VER; supergateway $SG_VER (stateless); node $("$STACK_NODE" --version); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
	echo "- each measurement: wrk -t1, ${WARM} s warm-up then ${DUR} s" \
	    "(latency probe ${LAT_DUR} s at concurrency 1, supergateway ${SG_DUR} s" \
	    "at concurrency $SG_CONC); $((T1 - T0)) s of measuring in all"
	echo
	echo "## Throughput and latency"
	echo
	echo "| workload | target | conc | req/s | p50 ms | p90 ms | p99 ms | requests | errors |"
	echo "|---|---|--:|--:|--:|--:|--:|--:|--:|"
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       printf "| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %d | %s |\n",
	           v["workload"], v["target"], v["conc"],
	           v["requests"] / (v["duration_us"] / 1e6), v["p50_us"] / 1000,
	           v["p90_us"] / 1000, v["p99_us"] / 1000, v["requests"],
	           v["errors"] == 0 ? "0" : "**" v["errors"] " INVALID**" }' "$RAW"
	echo
	echo "## Ratios (DESIGN §10)"
	echo
	echo "| ratio | value | target | |"
	echo "|---|--:|--:|---|"
	awk -v mem="$MEM" '
	{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	  k = v["workload"] "/" v["target"]
	  rps[k] = v["requests"] / (v["duration_us"] / 1e6); p50[k] = v["p50_us"] / 1000 }
	function ok(c) { return c ? "met" : "**missed**" }
	function row(name, val, fmt, tgt, cond) {
		printf "| %s | " fmt " | %s | %s |\n", name, val, tgt, tgt == "-" ? "" : ok(cond)
	}
	END {
		if (("echo/direct" in rps) && ("echo/platform-stdio" in rps)) {
			r = rps["echo/platform-stdio"] / rps["echo/direct"]
			row("echo: platform-stdio / direct (req/s)", r, "%.2f", "≥ 1", r >= 1)
		}
		if (("echo/direct" in rps) && ("echo/platform-http" in rps))
			row("echo: platform-http / direct (req/s)", rps["echo/platform-http"] / rps["echo/direct"], "%.2f", "-", 0)
		if (("echo/supergateway" in rps) && ("echo/platform-stdio" in rps)) {
			r = rps["echo/platform-stdio"] / rps["echo/supergateway"]
			row("echo: platform-stdio / supergateway (req/s)", r, "%.0f", "≥ 100", r >= 100)
		}
		if (("latency/direct" in p50) && ("latency/platform-http" in p50)) {
			d = p50["latency/platform-http"] - p50["latency/direct"]
			row("c=1: p50 platform-http − p50 direct (ms)", d, "%+.2f", "≤ 1", d <= 1)
		}
		if (("latency/direct" in p50) && ("latency/platform-stdio" in p50))
			row("c=1: p50 platform-stdio − p50 direct (ms)", p50["latency/platform-stdio"] - p50["latency/direct"], "%+.2f", "-", 0)
		if (("tools/list/direct" in rps) && ("tools/list/platform-stdio" in rps)) {
			r = rps["tools/list/platform-stdio"] / rps["tools/list/direct"]
			row("tools/list: platform-stdio / direct (req/s)", r, "%.2f", "≥ 1", r >= 1)
		}
		if (("tools/list/direct" in rps) && ("tools/list/platform-http" in rps))
			row("tools/list: platform-http / direct (req/s)", rps["tools/list/platform-http"] / rps["tools/list/direct"], "%.2f", "-", 0)
		if (("tools/list/supergateway" in rps) && ("tools/list/platform-stdio" in rps)) {
			r = rps["tools/list/platform-stdio"] / rps["tools/list/supergateway"]
			row("tools/list: platform-stdio / supergateway (req/s)", r, "%.0f", "≥ 100", r >= 100)
		}
		m = 0; n = 0
		while ((getline l < mem) > 0) { split(l, f, " "); n++; if (f[3] > m) m = f[3] }
		if (n) row("largest worker peak RSS (MiB, VmHWM)", m / 1024, "%.1f", "≤ 16", m <= 16 * 1024)
	}' "$RAW"
	echo
	echo "## Where the CPU goes (µs of CPU per request, by process)"
	echo
	echo "From /proc/<pid>/stat before and after each measurement. front: the" \
	    "web server; workers: mcp-platform.fcgi; server: the MCP server" \
	    "(the workers' stdio children, the HTTP upstream, or supergateway" \
	    "with what it reaped of its per-request servers: it kills their" \
	    "process group, so most of them are orphaned and escape this count);" \
	    "ours: the sum, wrk included; machine: all CPU time spent on the" \
	    "machine during the measurement, per request (other load on this" \
	    "shared machine included); busy: CPUs in use, ours / the machine's."
	echo
	echo "| workload | target | wrk | front | workers | server | supabase | ours | machine | busy ours / machine (of $(nproc)) | steal |"
	echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       n = v["requests"]; us = 1e6 / 100 / n	# 100 ticks/s
	       server = v["cpu_children"] + v["cpu_upstream"] + v["cpu_supergateway"]
	       ours = v["cpu_wrk"] + v["cpu_front"] + v["cpu_workers"] + server + v["cpu_supabase"]
	       secs = v["duration_us"] / 1e6
	       printf "| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f / %.2f | %.0f%% |\n",
	           v["workload"], v["target"], v["cpu_wrk"] * us, v["cpu_front"] * us,
	           v["cpu_workers"] * us, server * us, v["cpu_supabase"] * us, ours * us,
	           v["cpu_busy"] * us,
	           ours / 100 / secs, v["cpu_busy"] / 100 / secs,
	           v["cpu_total"] ? 100 * v["cpu_steal"] / v["cpu_total"] : 0 }' "$RAW"
	echo
	echo "## Platform worker memory (after the run)"
	echo
	echo "| worker pid | RSS MiB | peak RSS MiB | private MiB | its stdio children's RSS MiB |"
	echo "|--:|--:|--:|--:|--:|"
	awk '{ printf "| %s | %.1f | %.1f | %.1f | %.1f |\n", $1, $2 / 1024, $3 / 1024, $4 / 1024, $5 / 1024 }' "$MEM"
	if [ "$INVALID" = 1 ]; then
		echo
		echo "**INVALID RUN: some measurements had errors (see the errors column).**"
	fi
}

report > "$WORK/report.md"
cat "$WORK/report.md"
if [ "$RESULTS" != - ]; then
	mkdir -p "$RESULTS"
	cp "$WORK/report.md" "$RESULTS/$STAMP.md"
	say "written to ${RESULTS#"$TOP"/}/$STAMP.md"
fi
[ "$INVALID" = 0 ] || exit 1
