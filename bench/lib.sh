# shellcheck shell=bash disable=SC2034 # (variables for the scripts that source it)
# bench/lib.sh -- sourced by bench/run.sh and bench/profile.sh: the stack
# in a temp directory on free loopback ports, the four targets, MCP over
# curl, and a trap that stops everything started here.
#
# Before sourcing: TOP (the checkout), WEB (lighttpd|apache), MAX_PROCS
# (empty: lighttpd's max-procs as deploy/lighttpd ships it); BENCH_CONF in
# the environment: lines appended to the platform's configuration file
# (e.g. "log_body_max = 0"), for what-if runs. After
# bench_stack_up: URL_STDIO, URL_PHTTP, URL_DIRECT, URL_SG, TOKEN,
# STACK_DIR, and WORK (a private scratch directory).

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

for t in wrk curl jq awk; do
	command -v "$t" >/dev/null || die "'$t' is not installed"
done
[ -x "$TOP/build/mcp-platform.fcgi" ] || die "build/mcp-platform.fcgi missing: run make"
[ -x "$TOP/node_modules/.bin/supergateway" ] || die "node_modules missing: run make deps"

# shellcheck source=../deploy/local/stack.sh
. "$TOP/deploy/local/stack.sh"

BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mcp-bench.XXXXXX")
# The stack's services run as its own user (as root: STACK_USER) and must
# reach stack/; the bench's own scratch files (tokens in headers) stay private.
chmod 0755 "$BENCH_DIR"
WORK="$BENCH_DIR/work"
mkdir -m 0700 "$WORK"

# PID and its descendants, one a line.
descendants() {
	ps -eo pid=,ppid= | awk -v root="$1" '{ pp[$1] = $2 }
	    END { for (p in pp) for (q = p; q != "" && q + 0 > 1; q = pp[q])
		if (q == root) { print p; break } }'
}

# stop_tree PIDFILE: TERM the process in PIDFILE and all its descendants
# (supergateway's per-request servers; and with a stack.sh whose pid file
# names the shell that runs runuser, runuser and node too).
stop_tree() {
	local f=$1 pids p n live
	[ -f "$f" ] || return 0
	pids=$(descendants "$(cat "$f")")
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
	for n in $(seq 50); do
		live=""
		for p in $pids; do
			if [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then
				live="$live $p"
			fi
		done
		[ -n "$live" ] || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	[ -z "$live" ] || kill -KILL $live 2>/dev/null || true
	rm -f "$f"
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "${STACK_DIR:-}" ]; then
		stop_tree "$STACK_DIR/supergateway.pid"
		stop_tree "$STACK_DIR/everything-http.pid"
	fi
	stack_stop >/dev/null 2>&1 || true
	if [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$BENCH_DIR"
	else
		say "kept $BENCH_DIR"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the stack --------------------------------------------------------

# The whole stack, the demo tenant (everything over stdio, everything-http
# at the upstream started here) and supergateway.
bench_stack_up() {
	say "starting the stack in $BENCH_DIR"
	STACK="$BENCH_DIR/stack"
	stack_init "$STACK" >/dev/null
	stack_start_pg
	stack_migrate
	stack_start_supabase "$(stack_free_port)"
	stack_start_platform "$(stack_free_port)" "$WEB"
	# What-if knobs: lighttpd's worker count, extra platform settings.
	if [ -n "$MAX_PROCS" ] || [ -n "${BENCH_CONF:-}" ]; then
		[ "$WEB" = lighttpd ] || die "BENCH_MAX_PROCS and BENCH_CONF need BENCH_WEB=lighttpd"
		stack_stop_platform
		if [ -n "$MAX_PROCS" ]; then
			sed -i "s/\"max-procs\" => [0-9]*/\"max-procs\" => $MAX_PROCS/" \
			    "$STACK_DIR/platform/lighttpd.conf"
		fi
		if [ -n "${BENCH_CONF:-}" ]; then
			printf '%s\n' "$BENCH_CONF" >> "$STACK_DIR/platform/mcp-platform.conf"
		fi
		stack_lighttpd_start "$STACK_DIR/platform"
		stack_wait_http "$STACK_BASE_URL/healthz"
	fi
	EV_PORT=$(stack_free_port)
	stack_start_everything_http "$EV_PORT"
	stack_seed_demo
	SG_PORT=$(stack_free_port)
	# supergateway has no host flag: loopback.cjs (stack_start_node) binds
	# it to 127.0.0.1. Its stdio command runs through a shell, once per
	# request; --logLevel none, or it logs every message it relays.
	stack_start_node supergateway "$SG_PORT" \
	    "$STACK_NODE_MODULES/supergateway/dist/index.js" \
	    --stdio "$STACK_NODE_MODULES/.bin/node $STACK_NODE_MODULES/@modelcontextprotocol/server-everything/dist/index.js stdio" \
	    --outputTransport streamableHttp --port "$SG_PORT" --logLevel none

	URL_STDIO="$STACK_BASE_URL/mcp/$DEMO_TENANT/everything"
	URL_PHTTP="$STACK_BASE_URL/mcp/$DEMO_TENANT/everything-http"
	URL_DIRECT="$EVERYTHING_HTTP_URL"
	URL_SG="http://127.0.0.1:$SG_PORT/mcp"
	TOKEN=$DEMO_ACCESS_TOKEN
}

# server-everything's HTTP transport keeps every SSE event it ever sent in
# an in-memory store (for resumability), so it grows and slows with load.
# Each measurement through it starts with a fresh process instead, so the
# target measured later is not penalized by the one measured before.
restart_upstream() {
	stop_tree "$STACK_DIR/everything-http.pid"
	local n
	for n in $(seq 50); do
		curl -s -o /dev/null --max-time 1 "$URL_DIRECT" || break
		sleep 0.1
	done
	! curl -s -o /dev/null --max-time 1 "$URL_DIRECT" ||
	    die "the old upstream still answers on port $EV_PORT"
	stack_start_everything_http "$EV_PORT"
}

# ---- MCP over curl ----------------------------------------------------

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}'
INITIALIZED='{"jsonrpc":"2.0","method":"notifications/initialized"}'
BODY_ECHO='{"jsonrpc":"2.0","id":@ID@,"method":"tools/call","params":{"name":"echo","arguments":{"message":"bench"}}}'
EXPECT_ECHO='Echo: bench'
BODY_LIST='{"jsonrpc":"2.0","id":@ID@,"method":"tools/list"}'
EXPECT_LIST='"tools":[{"name":"echo"'

# post URL TOKEN SID BODY -> "<status> <body>" on stdout, headers in $WORK/h
post() {
	local url=$1 token=$2 sid=$3 body=$4 args=()
	[ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
	[ -n "$sid" ] && args+=(-H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25')
	local rc=0
	curl -s --max-time 20 -X POST "$url" -D "$WORK/h" -o "$WORK/b" \
	    -w '%{http_code} ' -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" "${args[@]}" --data-binary "$body" || rc=$?
	cat "$WORK/b" 2>/dev/null || true
	[ "$rc" = 0 ] || printf ' (curl exit %s)' "$rc"
}

# session URL TOKEN -> Mcp-Session-Id of a fresh, initialized session
session() {
	local url=$1 token=$2 out sid
	out=$(post "$url" "$token" "" "$INIT")
	[ "${out%% *}" = 200 ] || die "initialize at $url failed: $out"
	sid=$(tr -d '\r' <"$WORK/h" | sed -n 's/^[Mm][Cc][Pp]-[Ss]ession-[Ii][Dd]: //p' | tail -1)
	[ -n "$sid" ] || die "no Mcp-Session-Id from $url"
	out=$(post "$url" "$token" "$sid" "$INITIALIZED")
	case "${out%% *}" in 2??) ;; *) die "notifications/initialized at $url: $out" ;; esac
	printf '%s\n' "$sid"
}

# sanity URL TOKEN SID BODY EXPECT: a request must be 200 with EXPECT in
# it and curl must succeed. Up to 3 tries, each failure reported (seen
# once with supergateway: the whole answer arrived, then curl failed).
# The measurement that follows counts every error anyway.
sanity() {
	local out n
	for n in 1 2 3; do
		out=$(post "$1" "$2" "$3" "${4//@ID@/\"sanity\"}")
		if [ "${out%% *}" = 200 ] && [[ "$out" == *"$5"* ]] &&
		    [[ "$out" != *"(curl exit "* ]]; then
			return 0
		fi
		say "  sanity check $n failed at $1: $(head -c 300 <<<"$out")"
	done
	die "$1 does not answer correctly"
}

# open_target NAME: URL, TOK and SID (a fresh session; none for
# supergateway, which is stateless and initializes each child itself).
# The http upstream is restarted first (restart_upstream).
SID=""
open_target() {
	case "$1" in
	platform-stdio) URL=$URL_STDIO; TOK=$TOKEN ;;
	platform-http) restart_upstream; URL=$URL_PHTTP; TOK=$TOKEN ;;
	direct) restart_upstream; URL=$URL_DIRECT; TOK="" ;;
	supergateway) URL=$URL_SG; TOK=""; SID=""; return ;;
	esac
	SID=$(session "$URL" "$TOK")
}
