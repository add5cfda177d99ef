#!/usr/bin/env bash
# bench/profile.sh -- where a platform worker's time goes, measured: the
# same stack as bench/run.sh, one target under wrk load, and
#
#   1. perf record (cpu-clock, DWARF call graphs) of every platform worker:
#      CPU share by library and the functions with the largest inclusive
#      share of the workers' samples;
#   2. strace -c of every worker under the same load: system calls per
#      request (lighttpd opens one FastCGI connection per request, so
#      accept() counts the requests).
#
#   bench/profile.sh [platform-stdio|platform-http] [echo|tools/list]
#
# Knobs: PROFILE_SECONDS (6), BENCH_CONCURRENCY (8), BENCH_WEB,
# BENCH_MAX_PROCS, BENCH_CONF (see run.sh), BENCH_RESULTS ("-": stdout
# only), BENCH_KEEP (keeps perf.data in the temp directory). Needs perf
# and strace: run as root, or with perf_event_paranoid <= 1 and ptrace
# allowed.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"

TARGET=${1:-platform-stdio}
WORKLOAD=${2:-echo}
SECS=${PROFILE_SECONDS:-6}
CONC=${BENCH_CONCURRENCY:-8}
WEB=${BENCH_WEB:-lighttpd}
MAX_PROCS=${BENCH_MAX_PROCS:-}
RESULTS=${BENCH_RESULTS:-$TOP/bench/results}
LUA=$TOP/bench/mcp.lua

case "$TARGET" in platform-stdio|platform-http) ;;
*) echo "usage: $0 [platform-stdio|platform-http] [echo|tools/list]" >&2; exit 2 ;; esac
case "$WORKLOAD" in echo|tools/list) ;;
*) echo "usage: $0 [platform-stdio|platform-http] [echo|tools/list]" >&2; exit 2 ;; esac
for t in perf strace; do
	command -v "$t" >/dev/null || { echo "profile: '$t' is not installed" >&2; exit 2; }
done

# shellcheck source=lib.sh
. "$TOP/bench/lib.sh"
bench_stack_up

if [ "$WORKLOAD" = echo ]; then
	BODY=$BODY_ECHO EXPECT=$EXPECT_ECHO
else
	BODY=$BODY_LIST EXPECT=$EXPECT_LIST
fi
open_target "$TARGET"
sanity "$URL" "$TOK" "$SID" "$BODY" "$EXPECT"
export BENCH_BODY="$BODY" BENCH_EXPECT="$EXPECT" BENCH_TOKEN="$TOK" BENCH_SID="$SID"

wrk_bg() {	# wrk_bg SECONDS OUTFILE: load in the background
	wrk -t1 -c"$CONC" -d"${1}s" --timeout 10s -s "$LUA" "$URL" >"$2" 2>&1 &
	WRK_PID=$!
}
wrk_line() {	# wrk_line OUTFILE: the BENCH line; dies on errors
	local l
	l=$(grep '^BENCH ' "$1") || die "wrk: $(cat "$1")"
	case "$l" in
	*err_connect=0\ err_read=0\ err_write=0\ err_timeout=0\ non2xx=0\ badbody=0*) ;;
	*) die "errors under load, profile not valid: $l" ;;
	esac
	printf '%s\n' "${l#BENCH }"
}

say "$TARGET / $WORKLOAD: warm-up"
wrk -t1 -c"$CONC" -d2s --timeout 10s -s "$LUA" "$URL" >"$WORK/warm.out" 2>&1
wrk_line "$WORK/warm.out" >/dev/null

WORKERS=$(ps -eo pid=,args= | awk -v bin="$STACK_DIR/bin/mcp-platform.fcgi" '$2 == bin { print $1 }')
[ -n "$WORKERS" ] || die "no platform workers found"

say "perf record of workers ${WORKERS//$'\n'/ } for ${SECS}s"
wrk_bg $((SECS + 2)) "$WORK/perf-wrk.out"
sleep 1
perf record -q -e cpu-clock -F 999 --call-graph dwarf,16384 \
    -p "${WORKERS//$'\n'/,}" -o "$WORK/perf.data" -- sleep "$SECS" \
    >/dev/null 2>"$WORK/perf.err" || die "perf record: $(cat "$WORK/perf.err")"
wait "$WRK_PID" || true
PERF_LOAD=$(wrk_line "$WORK/perf-wrk.out")

say "strace -c of the workers for ${SECS}s"
wrk_bg $((SECS + 2)) "$WORK/strace-wrk.out"
sleep 1
spids=()
for p in $WORKERS; do spids+=(-p "$p"); done
timeout -s INT "$SECS" strace -c -o "$WORK/strace.txt" "${spids[@]}" 2>/dev/null || true
wait "$WRK_PID" || true
STRACE_LOAD=$(wrk_line "$WORK/strace-wrk.out")

STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
REV=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$TOP" status --porcelain --untracked-files=no -- src lib 2>/dev/null)" ]; then
	REV="$REV + uncommitted changes in src/ or lib/"
fi
PROCS=$(sed -n 's/.*"max-procs" => \([0-9]*\).*/\1/p' "$STACK_DIR/platform/lighttpd.conf" 2>/dev/null | head -1)

report() {
	echo "# Worker profile $STAMP: $TARGET, $WORKLOAD, concurrency $CONC"
	echo
	echo "- platform $REV (mcp-platform.fcgi sha256 $(sha256sum "$STACK_DIR/bin/mcp-platform.fcgi" | cut -c1-12))" \
	    "behind $WEB${PROCS:+ (max-procs $PROCS)}${BENCH_CONF:+, with \"$BENCH_CONF\"}; $(nproc) CPUs, shared"
	echo "- load during perf: $PERF_LOAD"
	echo "- load during strace (slowed by it): $STRACE_LOAD"
	echo
	echo "## Workers' CPU samples by library (perf, cpu-clock, ${SECS} s)"
	echo
	echo '```'
	perf report -i "$WORK/perf.data" --no-children -g none --sort dso 2>/dev/null |
	    grep '%' | awk 'NR <= 12'	# reads it all: no SIGPIPE under pipefail
	echo '```'
	echo
	echo "## Largest inclusive shares (a function and everything it calls)"
	echo
	echo '```'
	perf script -i "$WORK/perf.data" 2>/dev/null | awk '
	/^[^\t]/ { total++; delete seen; next }
	/^\t/ { f = $2; sub(/\+0x.*/, "", f); if (f == "[unknown]") next
		if (!(f in seen)) { seen[f] = 1; cnt[f]++ } }
	END { for (f in cnt) printf "%6.2f%%  %s\n", 100 * cnt[f] / total, f }' |
	    sort -rn | grep -v -E ' (_start|__libc_start|main$|entry_SYSCALL|do_syscall_64)' |
	    awk 'NR <= 45'
	echo '```'
	echo
	echo "## System calls per request (strace -c; accept() = one request)"
	echo
	echo '```'
	awk '$NF == "accept" || $(NF) == "accept4" { n = $4 }
	     { line[NR] = $0 }
	     END {
		for (i = 1; i <= NR; i++) {
			split(line[i], f, " ")
			if (line[i] ~ /^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ && n > 0) {
				name = f[length(f)]
				calls = f[4]
				printf "%-16s %8.2f per request\n", name, calls / n
			}
		}
		printf "(%d requests)\n", n
	     }' "$WORK/strace.txt"
	echo '```'
}

report > "$WORK/profile.md"
cat "$WORK/profile.md"
if [ "$RESULTS" != - ]; then
	mkdir -p "$RESULTS"
	out="$RESULTS/profile-$STAMP-$TARGET-${WORKLOAD//\//-}.md"
	cp "$WORK/profile.md" "$out"
	say "written to ${out#"$TOP"/}"
fi
