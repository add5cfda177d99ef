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
#   mcp-proxy        mcp-proxy (npm, pinned) in its default stateful mode:
#                    stdio -> Streamable HTTP, one server process per session
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
# runs: e.g. BENCH_CONF="log_body_max = 0"), BENCH_TARGETS (the targets to
# measure, default "direct platform-http platform-stdio supergateway
# mcp-proxy").
#
# Old build against new, in the same run: BENCH_BASELINE=/path/to/an/older/
# mcp-platform.fcgi starts it as a second platform instance (same web
# server kind, same configuration, same supabase-local and upstream, its
# own free port) and measures it as platform-http-old and platform-stdio-old
# right next to the new build's row, the order of the pair alternating from
# one pair to the next (new old, old new, ...) so that drift of the machine
# falls on both. BENCH_BASELINE_ROUNDS (1) repeats each pair;
# BENCH_BASELINE_CONF replaces BENCH_CONF for the baseline (for a build that
# does not know a key). The report then ends with the new/old ratios of
# req/s, p50, p99 and worker CPU per request.
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
TARGETS=${BENCH_TARGETS:-direct platform-http platform-stdio supergateway mcp-proxy}
BASELINE=${BENCH_BASELINE:-}
ROUNDS=${BENCH_BASELINE_ROUNDS:-1}
LUA=$TOP/bench/mcp.lua

case "$ROUNDS" in [1-9]) ;; *) echo "bench: BENCH_BASELINE_ROUNDS: 1 to 9" >&2; exit 2 ;; esac

# shellcheck source=lib.sh
. "$TOP/bench/lib.sh"
bench_stack_up
if [ -n "$BASELINE" ]; then
	BASELINE=$(realpath "$BASELINE")
	bench_baseline_up "$BASELINE"
fi

# ---- CPU accounting ---------------------------------------------------

# cpu_snap [DIR]: one line of CPU ticks (utime+stime, with reaped
# children's cutime+cstime) per process group, plus the machine's
# busy/steal/total ticks: front (the web server of the platform instance
# in DIR, STACK_DIR by default), workers (its mcp-platform.fcgi, self
# only), children (the workers' stdio children, and anything they reaped),
# upstream (server-everything over HTTP), supergateway (with its
# per-request servers), mcpproxy (mcp-proxy with its per-session
# servers), supabase (supabase-local: the resolve round trips).
# The workers of another platform instance (a baseline) are not counted.
cpu_snap() {
	local d=${1:-$STACK_DIR} front ev sg mp supa
	front=$(cat "$d/platform/lighttpd.pid" "$d/apache/httpd.pid" 2>/dev/null | head -1)
	ev=$(cat "$STACK_DIR/everything-http.pid" 2>/dev/null || echo 0)
	sg=$(cat "$STACK_DIR/supergateway.pid" 2>/dev/null || echo 0)
	mp=$(cat "$STACK_DIR/mcp-proxy.pid" 2>/dev/null || echo 0)
	supa=$(cat "$STACK_DIR/supabase/lighttpd.pid" 2>/dev/null || echo 0)
	{ head -1 /proc/stat; cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk \
	    -v front="${front:-0}" -v ev="$ev" -v sg="$sg" -v mp="$mp" -v supa="$supa" '
	NR == 1 { busy = $2 + $3 + $4 + $7 + $8 + $9; steal = $9
		  total = busy + $5 + $6; next }
	{
		pid = $1; s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
		ppid[pid] = f[2]; self[pid] = f[12] + f[13]
		all[pid] = f[12] + f[13] + f[14] + f[15]
		if ($2 == "(mcp-platform.fc)") w[pid] = 1
	}
	END {
		split("front workers children upstream supergateway mcpproxy supabase", G, " ")
		for (i in G) sum[G[i]] = 0
		for (p in all) {
			g = ""; q = p; mine = 0
			for (d = 0; d < 32 && q != "" && q + 0 > 1; d++) {
				# a fork of a worker, before it execs, is a
				# child; a worker counts when under our front
				if (g == "" && (q in w))
					g = (q == p && !(ppid[p] in w)) ? "workers" : "children"
				if (q == front) { mine = 1; if (g == "") g = "front"; break }
				if (g != "") { q = ppid[q]; continue }
				if (q == ev) { g = "upstream"; break }
				if (q == sg) { g = "supergateway"; break }
				if (q == mp) { g = "mcpproxy"; break }
				if (q == supa) { g = "supabase"; break }
				q = ppid[q]
			}
			if ((g == "workers" || g == "children") && !mine)
				g = ""
			if (g == "workers") {
				sum["workers"] += self[p]
				sum["children"] += all[p] - self[p]
			} else if (g != "")
				sum[g] += all[p]
		}
		printf "front=%d workers=%d children=%d upstream=%d supergateway=%d mcpproxy=%d supabase=%d busy=%d steal=%d total=%d\n",
		    sum["front"], sum["workers"], sum["children"], sum["upstream"],
		    sum["supergateway"], sum["mcpproxy"], sum["supabase"], busy, steal, total
	}'
}

# ---- measurements -----------------------------------------------------

RAW="$WORK/raw.tsv"	# one line per measurement, key=value fields
: > "$RAW"
INVALID=0

# settle: with a baseline, each measurement waits (at most 10 s) until
# the machine is quiet (under 15 % of its CPU time busy for 0.5 s): what
# the measurement before left running -- the request log's shipment into
# supabase-local and PostgreSQL, PostgreSQL's own after-work -- must not
# land on the next build's row.
settle() {
	local end=$((SECONDS + 10)) a b
	while [ "$SECONDS" -lt "$end" ]; do
		a=$(head -1 /proc/stat)
		sleep 0.5
		b=$(head -1 /proc/stat)
		awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ")
			busy = y[2] + y[3] + y[4] + y[7] + y[8] + y[9] - (x[2] + x[3] + x[4] + x[7] + x[8] + x[9])
			idle = y[5] + y[6] - (x[5] + x[6])
			exit !(busy < 0.15 * (busy + idle)) }' && return 0
	done
	say "  the machine did not settle in 10 s"
}

# measure WORKLOAD TARGET CONC DURATION URL TOKEN SID BODY EXPECT
measure() {
	local wl=$1 tg=$2 c=$3 d=$4 url=$5 token=$6 sid=$7 body=$8 expect=$9
	local out line before after wrkcpu errs
	local inst=$STACK_DIR
	case "$tg" in *-old) inst=$BASE_DIR ;; esac
	[ -z "$BASELINE" ] || settle
	sanity "$url" "$token" "$sid" "$body" "$expect"
	export BENCH_BODY="$body" BENCH_EXPECT="$expect" BENCH_TOKEN="$token" BENCH_SID="$sid"
	say "$wl / $tg: c=$c, ${WARM}s warm-up + ${d}s"
	out=$(wrk -t1 -c"$c" -d"${WARM}s" --timeout 10s -s "$LUA" "$url" 2>&1) ||
	    die "wrk failed: $out"
	line=$(grep '^BENCH ' <<<"$out") || die "wrk: $out"
	errs=$(awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^(err_|non2xx|badbody)/) { split($i, kv, "="); n += kv[2] } print n }' <<<"$line")
	[ "$errs" = 0 ] || say "  warm-up had $errs errors: $line"
	before=$(cpu_snap "$inst")
	local TIMEFORMAT='%U %S'
	{ time wrk -t1 -c"$c" -d"${d}s" --timeout 10s -s "$LUA" "$url" \
	    >"$WORK/wrk.out" 2>&1; } 2>"$WORK/wrk.time" ||
	    die "wrk failed: $(cat "$WORK/wrk.out")"
	after=$(cpu_snap "$inst")
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
	[[ " $TARGETS " == *" $2 "* ]] || return 0
	open_target "$2"
	measure "$1" "$2" "$3" "$4" "$URL" "$TOK" "$SID" "$5" "$6"
}

# platform WORKLOAD TARGET CONC DURATION BODY EXPECT: run, and with a
# baseline the pair TARGET, TARGET-old ROUNDS times, each pair in the
# order opposite to the one before (ABBA: drift of the machine during
# the pairs falls on both builds alike). next_workload flips the order
# once more, so that a target is not always measured first by the same
# build; which build starts a run follows the clock (the report's table
# lists the measurements in their order).
FLIP=$(($(date +%s) % 2))
next_workload() { FLIP=$((1 - FLIP)); }
platform() {
	[[ " $TARGETS " == *" $2 "* ]] || return 0
	if [ -z "$BASELINE" ]; then
		run "$@"
		return
	fi
	for _ in $(seq "$ROUNDS"); do
		if [ "$FLIP" = 0 ]; then
			run "$1" "$2" "$3" "$4" "$5" "$6"
			run "$1" "$2-old" "$3" "$4" "$5" "$6"
		else
			run "$1" "$2-old" "$3" "$4" "$5" "$6"
			run "$1" "$2" "$3" "$4" "$5" "$6"
		fi
		FLIP=$((1 - FLIP))
	done
}
[ -z "$BASELINE" ] || TARGETS="$TARGETS platform-http-old platform-stdio-old"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

# Latency first, while the machine is as quiet as it gets for us.
run latency direct 1 "$LAT_DUR" "$BODY_ECHO" "$EXPECT_ECHO"
for t in platform-http platform-stdio; do
	platform latency "$t" 1 "$LAT_DUR" "$BODY_ECHO" "$EXPECT_ECHO"
done
run latency mcp-proxy 1 "$LAT_DUR" "$BODY_ECHO" "$EXPECT_ECHO"
next_workload
run echo direct "$CONC" "$DUR" "$BODY_ECHO" "$EXPECT_ECHO"
for t in platform-http platform-stdio; do
	platform echo "$t" "$CONC" "$DUR" "$BODY_ECHO" "$EXPECT_ECHO"
done
run echo supergateway "$SG_CONC" "$SG_DUR" "$BODY_ECHO" "$EXPECT_ECHO"
run echo mcp-proxy "$CONC" "$DUR" "$BODY_ECHO" "$EXPECT_ECHO"
if [ "$DO_LIST" = 1 ]; then
	next_workload
	run tools/list direct "$CONC" "$DUR" "$BODY_LIST" "$EXPECT_LIST"
	for t in platform-http platform-stdio; do
		platform tools/list "$t" "$CONC" "$DUR" "$BODY_LIST" "$EXPECT_LIST"
	done
	run tools/list supergateway "$SG_CONC" "$SG_DUR" "$BODY_LIST" "$EXPECT_LIST"
	run tools/list mcp-proxy "$CONC" "$DUR" "$BODY_LIST" "$EXPECT_LIST"
fi

T1=$(date +%s)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- memory -------------------------------------------------------------

# Workers: the platform's FastCGI processes of this stack (children of its
# web server), without their stdio children, which are processes of their own.
mem_snap() {	# mem_snap BIN FILE: a line per worker running BIN
	local p rss hwm priv kids
	: > "$2"
	for p in $(ps -eo pid=,args= | awk -v bin="$1" '$2 == bin { print $1 }'); do
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
		hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status")
		priv=$(awk '/^Private_(Clean|Dirty):/ { n += $2 } END { print n + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		kids=$({ ps -o rss= --ppid "$p" || true; } | awk '{ n += $1 } END { print n + 0 }')
		printf '%s %s %s %s %s\n' "$p" "$rss" "$hwm" "$priv" "$kids" >> "$2"
	done
}
MEM="$WORK/mem.tsv"
mem_snap "$STACK_DIR/bin/mcp-platform.fcgi" "$MEM"
MEM_OLD="$WORK/mem-old.tsv"
: > "$MEM_OLD"
[ -z "$BASELINE" ] || mem_snap "$BASE_DIR/bin/mcp-platform.fcgi" "$MEM_OLD"

# ---- the report ---------------------------------------------------------

STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
REV=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$TOP" status --porcelain --untracked-files=no -- src lib 2>/dev/null)" ]; then
	REV="$REV + uncommitted changes in src/ or lib/"
fi
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
SG_VER=$(jq -r .version "$STACK_NODE_MODULES/supergateway/package.json")
MP_VER=$(jq -r .version "$STACK_NODE_MODULES/mcp-proxy/package.json")
EV_VER=$(jq -r .version "$STACK_NODE_MODULES/@modelcontextprotocol/server-everything/package.json")
BUILD_ID=$(sha256sum "$STACK_DIR/bin/mcp-platform.fcgi" | cut -c1-12)
REQLOG=$({ cat "$STACK_DIR"/platform/log/requests.jsonl* 2>/dev/null || true; } | wc -l)
PROCS=$(sed -n '/run\/mcp-platform.sock"/,/max-procs/ s/.*"max-procs" => \([0-9]*\).*/\1/p' "$STACK_DIR/platform/lighttpd.conf" 2>/dev/null | head -1)
if [ -n "$BASELINE" ]; then
	BASE_ID=$(sha256sum "$BASE_DIR/bin/mcp-platform.fcgi" | cut -c1-12)
	BASE_REV=$(git -C "$(dirname "$BASELINE")" rev-parse --short HEAD 2>/dev/null || echo "commit unknown")
	BASE_REQLOG=$({ cat "$BASE_DIR"/platform/log/requests.jsonl* 2>/dev/null || true; } | wc -l)
	BASE_CONF=${BENCH_BASELINE_CONF-${BENCH_CONF:-}}
fi

report() {
	echo "# Benchmark run $STAMP"
	echo
	echo "- machine: $(nproc) CPUs ($CPU), $(uname -sr), shared and noisy;" \
	    "load average $LOAD_START at the start, $LOAD_END at the end"
	echo "- platform: $REV (mcp-platform.fcgi sha256 $BUILD_ID;" \
	    "$REQLOG lines in its request log), behind $WEB${PROCS:+ (max-procs $PROCS)}${BENCH_CONF:+, with \"$BENCH_CONF\"};" \
	    "server-everything $EV_VER; supergateway $SG_VER (stateless); mcp-proxy $MP_VER (stateful); node $("$STACK_NODE" --version); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
	if [ -n "$BASELINE" ]; then
		echo "- baseline (the *-old targets): $BASELINE, $BASE_REV" \
		    "(sha256 $BASE_ID; $BASE_REQLOG lines in its request log), a second" \
		    "instance behind $WEB with the same configuration${BASE_CONF:+, with \"$BASE_CONF\"}${BENCH_BASELINE_CONF+ (BENCH_BASELINE_CONF)};" \
		    "each pair new/old measured $ROUNDS time(s), the order alternating"
	fi
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
		if (("echo/mcp-proxy" in rps) && ("echo/platform-stdio" in rps))
			row("echo: platform-stdio / mcp-proxy (req/s)", rps["echo/platform-stdio"] / rps["echo/mcp-proxy"], "%.2f", "-", 0)
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
		if (("tools/list/mcp-proxy" in rps) && ("tools/list/platform-stdio" in rps))
			row("tools/list: platform-stdio / mcp-proxy (req/s)", rps["tools/list/platform-stdio"] / rps["tools/list/mcp-proxy"], "%.2f", "-", 0)
		m = 0; n = 0
		while ((getline l < mem) > 0) { split(l, f, " "); n++; if (f[3] > m) m = f[3] }
		if (n) row("largest worker peak RSS (MiB, VmHWM)", m / 1024, "%.1f", "≤ 16", m <= 16 * 1024)
	}' "$RAW"
	echo
	echo "## Where the CPU goes (µs of CPU per request, by process)"
	echo
	echo "From /proc/<pid>/stat before and after each measurement. front: the" \
	    "web server; workers: mcp-platform.fcgi; server: the MCP server" \
	    "(the workers' stdio children, the HTTP upstream, mcp-proxy with its" \
	    "server, or supergateway" \
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
	       server = v["cpu_children"] + v["cpu_upstream"] + v["cpu_supergateway"] + v["cpu_mcpproxy"]
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
	if [ -n "$BASELINE" ]; then
		report_baseline
	fi
	if [ "$INVALID" = 1 ]; then
		echo
		echo "**INVALID RUN: some measurements had errors (see the errors column).**"
	fi
}

# The new build against the baseline: per workload and target, req/s from
# all the pair's requests over all its time, p50 and p99 the mean of its
# rounds, worker CPU per request from the sums; ratios new / old (req/s: >
# 1 is better; latency and CPU: < 1 is better).
report_baseline() {
	echo
	echo "## New against old (BENCH_BASELINE, same run)"
	echo
	echo "new: this checkout's build; old: $BASE_REV. Ratios are new / old:" \
	    "for req/s above 1 is better, for latency and CPU below 1."
	echo
	echo "| workload | target | req/s new / old | ratio | p50 ms new / old | ratio | p99 ms new / old | ratio | worker µs/req new / old | ratio |"
	echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       t = v["target"]; o = sub(/-old$/, "", t)
	       k = v["workload"] " " t
	       if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	       n[k, o]++; req[k, o] += v["requests"]; us[k, o] += v["duration_us"]
	       p50[k, o] += v["p50_us"]; p99[k, o] += v["p99_us"]; cpu[k, o] += v["cpu_workers"] }
	function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
	END {
		for (i = 1; i <= nk; i++) {
			k = order[i]
			if (!n[k, 0] || !n[k, 1]) continue
			split(k, w, " ")
			rn = req[k, 0] / (us[k, 0] / 1e6); ro = req[k, 1] / (us[k, 1] / 1e6)
			an = p50[k, 0] / n[k, 0] / 1000; ao = p50[k, 1] / n[k, 1] / 1000
			bn = p99[k, 0] / n[k, 0] / 1000; bo = p99[k, 1] / n[k, 1] / 1000
			cn = cpu[k, 0] * 1e4 / req[k, 0]; co = cpu[k, 1] * 1e4 / req[k, 1]
			printf "| %s | %s | %.0f / %.0f | %s | %.2f / %.2f | %s | %.2f / %.2f | %s | %.0f / %.0f | %s |\n",
			    w[1], w[2], rn, ro, r(rn, ro), an, ao, r(an, ao),
			    bn, bo, r(bn, bo), cn, co, r(cn, co)
		}
	}' "$RAW"
	echo
	echo "Worker CPU is counted in ticks of 10 ms: at concurrency 1 a row has" \
	    "few of them, so its ratio is coarse."
	echo
	echo "| worker memory after the run | new | old |"
	echo "|---|--:|--:|"
	awk -v new="$MEM" -v old="$MEM_OLD" '
	function mx(f, col,   l, a, m) { m = 0; while ((getline l < f) > 0) { split(l, a, " "); if (a[col] > m) m = a[col] } close(f); return m / 1024 }
	BEGIN {
		printf "| largest peak RSS (MiB, VmHWM) | %.1f | %.1f |\n", mx(new, 3), mx(old, 3)
		printf "| largest private (MiB) | %.1f | %.1f |\n", mx(new, 4), mx(old, 4)
	}'
}

report > "$WORK/report.md"
cat "$WORK/report.md"
if [ "$RESULTS" != - ]; then
	mkdir -p "$RESULTS"
	cp "$WORK/report.md" "$RESULTS/$STAMP.md"
	say "written to ${RESULTS#"$TOP"/}/$STAMP.md"
fi
[ "$INVALID" = 0 ] || exit 1
