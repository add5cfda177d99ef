#!/usr/bin/env bash
# bench/warm-memory.sh -- what warm stdio children cost in memory, for N
# tenant servers (issue 13: "measure it for 50 tenant-servers").
#
#   bench/warm-memory.sh            N=50; a report on stdout and in
#                                   bench/results/warm-memory-<date>.md
#
# One platform worker (lighttpd max-procs 1) with stdio_pool_max = 64, so
# that one worker can hold all N children; N aliases of the catalog's
# `everything` (server-everything over stdio) enabled for the demo tenant;
# each initialized once through the platform, which leaves one warm child
# per alias in that worker. Then, per child, from /proc: RSS, PSS (RSS
# with shared pages divided among their sharers: the node binary, shared
# libraries) and USS (private pages: what the child alone costs). The sum
# of PSS is what N children cost the machine; workers x that is the bound
# of the per-worker design (docs/internals/warm-children.md).
#
# Knobs: BENCH_WARM_N (50, 1..64), BENCH_RESULTS (directory; "-": none),
# BENCH_KEEP (1: keep the temp directory). Loopback and a temp directory
# only; everything started here is stopped on exit.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"
N=${BENCH_WARM_N:-50}
RESULTS=${BENCH_RESULTS:-$TOP/bench/results}
WEB=lighttpd
MAX_PROCS=1
export BENCH_CONF="stdio_pool_max = 64"
case "$N" in ''|*[!0-9]*) echo "bench: BENCH_WARM_N: 1 to 64" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] && [ "$N" -le 64 ] || { echo "bench: BENCH_WARM_N: 1 to 64" >&2; exit 2; }

# shellcheck source=lib.sh
. "$TOP/bench/lib.sh"
bench_stack_up

say "enabling $N aliases of everything for $DEMO_TENANT"
stack_psql -v n="$N" -v t="$DEMO_TENANT" >/dev/null <<'EOF'
insert into public.tenant_servers (tenant_id, server_id, alias)
select t.id, s.id, 'warm-' || i
  from public.tenants t, public.mcp_servers s, generate_series(1, :n) i
 where t.slug = :'t' and s.slug = 'everything';
EOF

T0=$(date +%s%N)
for i in $(seq "$N"); do
	session "$STACK_BASE_URL/mcp/$DEMO_TENANT/warm-$i" "$TOKEN" >/dev/null
done
T1=$(date +%s%N)

# The worker: the one mcp-platform.fcgi of this stack.
worker=$(ps -eo pid=,args= | awk -v bin="$STACK_DIR/bin/mcp-platform.fcgi" \
    '$2 == bin { print $1 }' | while read -r p; do
	if [ -n "$(ps -o pid= --ppid "$p" || true)" ]; then echo "$p"; fi
	done | head -1)
[ -n "$worker" ] || die "no worker with children"

# kB of RSS, PSS and USS of PID and its descendants (node may fork).
mem_of() {
	local p
	for p in $1 $(descendants "$1"); do
		awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 }
		    /^Private_(Clean|Dirty):/ { u += $2 }
		    END { print r + 0, p + 0, u + 0 }' "/proc/$p/smaps_rollup" \
		    2>/dev/null || true
	done | awk '{ r += $1; p += $2; u += $3 } END { print r + 0, p + 0, u + 0 }'
}

: > "$WORK/children"
for c in $(ps -o pid= --ppid "$worker" || true); do
	printf '%s %s\n' "$c" "$(mem_of "$c")" >> "$WORK/children"
done
read -r wr wp wu <<<"$(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 }
    /^Private_(Clean|Dirty):/ { u += $2 } END { print r, p, u }' \
    "/proc/$worker/smaps_rollup")"
AVAIL_KB=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
NODE_V=$("$STACK_NODE" --version)
EV_VER=$(jq -r .version "$STACK_NODE_MODULES/@modelcontextprotocol/server-everything/package.json")

report() {
	echo "# Warm stdio children: memory for $N tenant servers ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
	echo
	echo "- machine: $(nproc) CPUs, $(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo) GiB;" \
	    "platform $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)," \
	    "one worker (max-procs 1, stdio_pool_max 64); server-everything $EV_VER on node $NODE_V"
	echo "- $N aliases initialized one after another in $(( (T1 - T0) / 1000000 )) ms" \
	    "($(( (T1 - T0) / 1000000 / N )) ms each: a cold spawn + initialize)"
	echo
	awk -v n="$N" -v wr="$wr" -v wp="$wp" -v wu="$wu" '
	{ c++; r += $2; p += $3; u += $4
	  if (min == "" || $3 < min) min = $3; if ($3 > max) max = $3 }
	END {
		printf "| | children | RSS MiB | PSS MiB | USS MiB |\n|---|--:|--:|--:|--:|\n"
		printf "| all warm children | %d | %.0f | %.0f | %.0f |\n", c, r / 1024, p / 1024, u / 1024
		printf "| per child (mean) | | %.1f | %.1f | %.1f |\n", r / c / 1024, p / c / 1024, u / c / 1024
		printf "| per child PSS, min - max | | | %.1f - %.1f | |\n", min / 1024, max / 1024
		printf "| the worker itself | 1 | %.1f | %.1f | %.1f |\n", wr / 1024, wp / 1024, wu / 1024
		printf "\nPer-worker design, W workers each keeping K warm children: about W x K x %.0f MiB\n", p / c / 1024
		printf "(PSS). With the shipped K = 8 and lighttpd max-procs 4: %.1f GiB at most;\n", 4 * 8 * p / c / 1048576
		printf "if every worker kept all %d tenant servers warm: %.1f GiB.\n", n, 4 * n * p / c / 1048576
	}' "$WORK/children"
}

report | tee "$WORK/report.md"
if [ "$RESULTS" != - ]; then
	mkdir -p "$RESULTS"
	cp "$WORK/report.md" "$RESULTS/warm-memory-$(date -u +%Y-%m-%dT%H%M%SZ).md"
fi
say "MemAvailable now: $((AVAIL_KB / 1024)) MiB"
