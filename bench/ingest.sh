#!/usr/bin/env bash
# bench/ingest.sh -- the request log's costs, in one run (issue 4, DESIGN 7):
#
#  1. ingest: records in the spool shipped to Postgres through
#     supabase-local (PostgREST's contract) by `mcpctl logs flush`, in rows/s,
#     for small records (tools/call echo) and large ones (tools/list, whose
#     answer is cut at log_body_max). Target: >= 2,000 rows/s sustained.
#  2. what logging adds to a request: echo through the platform at c=1 and
#     c=8 with workers shipping every second, against the same with
#     shipping deferred (the records still written to both files); and the
#     workers' own account of the time spent on the log after each answer.
#
#   bench/ingest.sh        about a minute; table on stdout and in
#                          bench/results/ingest-<date>.md
#
# Knobs: BENCH_INGEST_ROWS (rows per size, 40000), BENCH_DURATION (s, 10),
# BENCH_WARMUP (s, 2), BENCH_RESULTS (directory; "-" for none), BENCH_KEEP.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"

ROWS=${BENCH_INGEST_ROWS:-40000}
SHIP_INTERVAL=5		# the platform's log_ship_interval here (its default)
DUR=${BENCH_DURATION:-10}
WARM=${BENCH_WARMUP:-2}
RESULTS=${BENCH_RESULTS:-$TOP/bench/results}
WEB=lighttpd
MAX_PROCS=""
LUA=$TOP/bench/mcp.lua
[ -x "$TOP/build/mcpctl" ] || { echo "build/mcpctl missing: run make" >&2; exit 2; }

# shellcheck source=lib.sh
. "$TOP/bench/lib.sh"
bench_stack_up

CONF=$STACK_DIR/platform/mcp-platform.conf
SPOOL=$STACK_DIR/platform/spool
LOGF=$STACK_DIR/platform/log/requests.jsonl
OUT=$WORK/table.md
: > "$OUT"
row() { printf '%s\n' "$*" >> "$OUT"; }

ctl() { "$STACK_DIR/bin/mcpctl" -c "$CONF" "$@"; }
nrows() { stack_psql -At -c "select count(*) from public.request_logs"; }
now_ms() { date +%s%3N; }

# ---- 1. ingest ---------------------------------------------------------

# CPU ticks so far: "<supabase-local> <postgres>" (live processes only)
pg_sl_cpu() {
	local sl=0 pg=0 p t
	for p in $(pgrep -f supabase-local.fcgi); do
		t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0); sl=$((sl + t))
	done
	for p in $(pgrep -x postgres); do
		t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0); pg=$((pg + t))
	done
	echo "$sl $pg"
}

# sample WORKLOAD BODY: one real record of that request, from requests.jsonl
sample() {
	local sid out rid
	sid=$(session "$URL_STDIO" "$TOKEN")
	out=$(post "$URL_STDIO" "$TOKEN" "$sid" "${2//@ID@/7}")
	[ "${out%% *}" = 200 ] || die "$1: $out"
	rid=$(tr -d '\r' <"$WORK/h" | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')
	for _ in $(seq 100); do grep -q "\"$rid\"" "$LOGF" && break; sleep 0.05; done
	grep -F "\"request_id\":\"$rid\"" "$LOGF" | head -1
}

# ingest NAME LINE: ROWS copies of LINE (unique ids) as one sealed
# segment, shipped by mcpctl logs flush; rows/s into Postgres
ingest() {
	local name=$1 line=$2 f t0 t1 before after bytes cpu0 cpu1
	local TIMEFORMAT='%U %S'
	ctl logs flush >/dev/null 2>&1 || true
	# the workers' shipper children (started by the sample requests) are
	# done before the segment appears, so mcpctl ships all of it alone
	sleep $((SHIP_INTERVAL + 1))
	f="$SPOOL/sealed-000000000100.000000000-$$.jsonl"
	L="$line" awk -v n="$ROWS" -v p="ingest-$name-$$" 'BEGIN {
		l = ENVIRON["L"]	# (-v would expand the JSON escapes)
		i = index(l, "\",\"ts\":"); rest = substr(l, i)
		for (k = 1; k <= n; k++) print "{\"request_id\":\"" p "-" k rest }' > "$f"
	[ "$(id -u)" -ne 0 ] || chown "$STACK_USER:" "$f"
	bytes=$(stat -c %s "$f")
	before=$(nrows)
	cpu0=$(pg_sl_cpu)
	t0=$(now_ms)
	{ time ctl logs flush > "$WORK/flush.json" 2>"$WORK/flush.err"; } 2>"$WORK/flush.time" ||
	    die "flush failed: $(cat "$WORK/flush.json" "$WORK/flush.err")"
	t1=$(now_ms)
	cpu1=$(pg_sl_cpu)
	say "  CPU: mcpctl $(tail -1 "$WORK/flush.time") s (user sys), supabase-local $(( (${cpu1% *} - ${cpu0% *}) * 10 )) ms, postgres $(( (${cpu1#* } - ${cpu0#* }) * 10 )) ms"
	after=$(nrows)
	[ $((after - before)) -eq "$ROWS" ] || { cat "$WORK/flush.json" "$WORK/flush.err" >&2; head -c 600 "$f" >&2; }; [ $((after - before)) -eq "$ROWS" ] ||
	    die "$name: $((after - before)) rows arrived, $ROWS sent"
	awk -v n="$ROWS" -v ms=$((t1 - t0)) -v b="$bytes" -v name="$name" \
	    -v line="${#line}" -v batches="$(jq .batches "$WORK/flush.json")" 'BEGIN {
		printf "| %s | %d B | %d | %d | %.2f s | **%.0f** | %.1f MB/s |\n",
		    name, line, n, batches, ms / 1000, n / (ms / 1000), b / 1e6 / (ms / 1000) }' >> "$OUT"
	say "ingest $name: $(tail -1 "$OUT")"
	# shipping the same rows again inserts nothing (idempotent) -- timed too
	L="$line" awk -v n="$ROWS" -v p="ingest-$name-$$" 'BEGIN {
		l = ENVIRON["L"]	# (-v would expand the JSON escapes)
		i = index(l, "\",\"ts\":"); rest = substr(l, i)
		for (k = 1; k <= n; k++) print "{\"request_id\":\"" p "-" k rest }' > "$f"
	[ "$(id -u)" -ne 0 ] || chown "$STACK_USER:" "$f"
	t0=$(now_ms)
	ctl logs flush >/dev/null 2>&1 || die "second flush failed"
	t1=$(now_ms)
	[ "$(nrows)" -eq "$after" ] || die "$name: a replayed segment added rows"
	awk -v n="$ROWS" -v ms=$((t1 - t0)) -v name="$name" 'BEGIN {
		printf "| %s, replayed (all duplicates) | | %d | | %.2f s | %.0f | |\n",
		    name, n, ms / 1000, n / (ms / 1000) }' >> "$OUT"
}

say "sampling real records"
SMALL=$(sample echo "$BODY_ECHO")
LARGE=$(sample list "$BODY_LIST")
row "### Ingest: spool -> supabase-local (PostgREST contract) -> Postgres"
row ""
row "| records | line | rows | POSTs | time | rows/s | spool MB/s |"
row "|---|---|---|---|---|---|---|"
ingest "tools/call echo" "$SMALL"
ingest "tools/list" "$LARGE"

# ---- 2. what logging adds to a request ---------------------------------

# wrk_echo C: one measurement of echo at concurrency C -> "rps p50_ms p99_ms"
wrk_echo() {
	local c=$1 sid out line
	sid=$(session "$URL_STDIO" "$TOKEN")
	export BENCH_BODY="$BODY_ECHO" BENCH_EXPECT="$EXPECT_ECHO" BENCH_TOKEN="$TOKEN" BENCH_SID="$sid"
	wrk -t1 -c"$c" -d"${WARM}s" --timeout 10s -s "$LUA" "$URL_STDIO" >/dev/null 2>&1 || die "wrk failed"
	out=$(wrk -t1 -c"$c" -d"${DUR}s" --timeout 10s -s "$LUA" "$URL_STDIO" 2>&1) || die "wrk: $out"
	line=$(grep '^BENCH ' <<<"$out") || die "wrk: $out"
	awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       e = v["err_connect"] + v["err_read"] + v["err_write"] + v["err_timeout"] + v["non2xx"] + v["badbody"]
	       if (e > 0) { print "ERR " e; exit }
	       printf "%.0f %.3f %.3f\n", v["requests"] / (v["duration_us"] / 1e6),
	           v["p50_us"] / 1000, v["p99_us"] / 1000 }' <<<"$line"
}

# restart_platform EXTRA: the platform again with EXTRA config lines
restart_platform() {
	stack_stop_platform
	sed -i '/^# ingest.sh:/,$d' "$CONF"
	printf '# ingest.sh:\n%s\n' "$1" >> "$CONF"
	: > "$STACK_DIR/platform/error.log"
	stack_lighttpd_start "$STACK_DIR/platform"
	stack_wait_http "$STACK_BASE_URL/healthz"
}

# worker_report: the workers' own "request log: ..." lines, summed
worker_report() {
	stack_stop_platform
	grep -h 'request log:' "$STACK_DIR/platform/error.log" |
	    sed -E 's/.*request log: ([0-9]+) records, ([0-9.]+) us each.* ([0-9]+) shippers forked in ([0-9.]+) ms.*/\1 \2 \3 \4/' |
	    awk '{ n += $1; tot += $1 * $2; s += $3; ms += $4 }
	    END { if (n == 0) { print "(no report)"; exit }
		  printf "%d records, %.1f us each to write, %d shippers forked, %.1f ms forking them in all (%.1f us per record)\n",
		      n, tot / n, s, ms, ms * 1000 / n }'
}

declare -A R
for mode in shipping deferred; do
	if [ "$mode" = shipping ]; then
		restart_platform "log_ship_interval = 1"
	else
		restart_platform "log_ship_interval = 3600
log_ship_bytes = 67108864"
	fi
	for c in 1 8; do
		R[$mode-$c]=$(wrk_echo "$c")
		say "echo c=$c, $mode: ${R[$mode-$c]} (req/s, p50 ms, p99 ms)"
	done
	R[$mode-report]=$(worker_report)
done
stack_lighttpd_start "$STACK_DIR/platform"
ctl logs flush >/dev/null 2>&1 || true

row ""
row "### What the log adds to a request: echo via warm stdio, ${DUR} s each"
row ""
row "| workers | c | req/s | p50 ms | p99 ms |"
row "|---|---|---|---|---|"
for mode in shipping deferred; do
	for c in 1 8; do
		read -r rps p50 p99 <<<"${R[$mode-$c]}"
		row "| $( [ "$mode" = shipping ] && echo "ship every 1 s" || echo "shipping deferred" ) | $c | $rps | $p50 | $p99 |"
	done
done
read -r a _ _ <<<"${R[shipping-8]}"; read -r b _ _ <<<"${R[deferred-8]}"
read -r _ pa _ <<<"${R[shipping-1]}"; read -r _ pb _ <<<"${R[deferred-1]}"
row ""
row "- throughput at c=8, shipping / deferred: $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
row "- p50 at c=1, shipping - deferred: $(awk -v a="$pa" -v b="$pb" 'BEGIN { printf "%+.3f ms", a - b }')"
row "- workers' own account, shipping every 1 s: ${R[shipping-report]}"
row "- workers' own account, shipping deferred: ${R[deferred-report]}"

{
	echo "## bench/ingest.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo ""
	echo "- machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg); rows per size: $ROWS"
	echo ""
	cat "$OUT"
} | tee "$WORK/result.md"
if [ "$RESULTS" != - ]; then
	mkdir -p "$RESULTS"
	cp "$WORK/result.md" "$RESULTS/ingest-$(date -u +%Y-%m-%dT%H%M%SZ).md"
fi
