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
#
# BENCH_BASELINE (another build's mcp-platform.fcgi) in the environment:
# bench_baseline_up starts it as a second platform instance next to the
# first (same web server kind, same configuration but its own directories,
# same supabase-local and upstream, its own free port): URL_STDIO_OLD,
# URL_PHTTP_OLD, BASE_DIR. BENCH_BASELINE_CONF, when set, replaces
# BENCH_CONF for it (for a build that does not know a key).

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
	# An exit from inside bench_baseline_start sees its local STACK_DIR:
	# the stack to stop is the first one.
	[ -z "${STACK:-}" ] || STACK_DIR=$STACK
	if [ -n "${STACK_DIR:-}" ]; then
		stop_tree "$STACK_DIR/supergateway.pid"
		stop_tree "$STACK_DIR/mcp-proxy.pid"
		stop_tree "$STACK_DIR/everything-http.pid"
	fi
	if [ -n "${BASE_DIR:-}" ]; then
		bench_baseline_stop >/dev/null 2>&1 || true
	fi
	stack_stop >/dev/null 2>&1 || true
	# What a worker forked and left behind (a request-log shipper
	# retrying after supabase-local stopped: seen with 45d88e4): the
	# processes of this run's own binaries, by their full path.
	if [ -n "${STACK_DIR:-}" ]; then
		ps -eo pid=,args= | awk -v a="$STACK_DIR/bin/mcp-platform.fcgi" \
		    -v b="${BASE_DIR:-$STACK_DIR}/bin/mcp-platform.fcgi" \
		    '$2 == a || $2 == b { print $1 }' | xargs -r kill -TERM 2>/dev/null || true
	fi
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
# at the upstream started here), supergateway and mcp-proxy.
bench_stack_up() {
	say "starting the stack in $BENCH_DIR"
	STACK="$BENCH_DIR/stack"
	stack_init "$STACK" >/dev/null
	stack_start_pg
	stack_migrate
	stack_start_supabase "$(stack_free_port)"
	stack_start_platform "$(stack_free_port)" "$WEB"
	bench_whatif "${BENCH_CONF:-}"
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

	MP_PORT=$(stack_free_port)
	# mcp-proxy, stateful (its default): one stdio child per session,
	# kept; Streamable HTTP only; its defaults otherwise (event store on).
	stack_start_node mcp-proxy "$MP_PORT" \
	    "$STACK_NODE_MODULES/mcp-proxy/dist/bin/mcp-proxy.mjs" \
	    --host 127.0.0.1 --port "$MP_PORT" --server stream -- \
	    "$STACK_NODE_MODULES/.bin/node" \
	    "$STACK_NODE_MODULES/@modelcontextprotocol/server-everything/dist/index.js" stdio

	URL_STDIO="$STACK_BASE_URL/mcp/$DEMO_TENANT/everything"
	URL_PHTTP="$STACK_BASE_URL/mcp/$DEMO_TENANT/everything-http"
	URL_DIRECT="$EVERYTHING_HTTP_URL"
	URL_SG="http://127.0.0.1:$SG_PORT/mcp"
	URL_MP="http://127.0.0.1:$MP_PORT/mcp"
	TOKEN=$DEMO_ACCESS_TOKEN
}

# bench_whatif CONF: the what-if knobs applied to the platform instance
# of STACK_DIR at STACK_BASE_URL: lighttpd's worker count (MAX_PROCS) and
# CONF, lines appended to its configuration (checked by its binary first:
# a build refuses a key it does not know, and behind lighttpd a worker's
# complaint is easily missed); restarted when either is set.
bench_whatif() {
	local conf=$1 out
	[ -n "$MAX_PROCS" ] || [ -n "$conf" ] || return 0
	[ "$WEB" = lighttpd ] || die "BENCH_MAX_PROCS, BENCH_CONF and BENCH_BASELINE_CONF need BENCH_WEB=lighttpd"
	stack_stop_platform
	if [ -n "$MAX_PROCS" ]; then
		# the MCP workers' entry only (not the health worker's)
		sed -i "/run\/mcp-platform.sock\"/,/max-procs/ s/\"max-procs\" => [0-9]*/\"max-procs\" => $MAX_PROCS/" \
		    "$STACK_DIR/platform/lighttpd.conf"
	fi
	if [ -n "$conf" ]; then
		printf '%s\n' "$conf" >> "$STACK_DIR/platform/mcp-platform.conf"
		out=$(stack_as "$STACK_DIR/bin/mcp-platform.fcgi" --check-config \
		    -c "$STACK_DIR/platform/mcp-platform.conf" 2>&1) ||
		    die "$STACK_DIR/bin/mcp-platform.fcgi refuses its configuration: $out"
	fi
	stack_lighttpd_start "$STACK_DIR/platform"
	stack_wait_http "$STACK_BASE_URL/healthz"
}

# bench_baseline_up BIN: BIN as a second platform instance, laid out as a
# stack of its own in BASE_DIR (bin/, platform/, apache/) so that
# stack.sh's functions start it unchanged, with the secrets, supabase-local,
# node_modules and upstream of the first. Run after stack_seed_demo: the
# same demo tenant and token serve both.
bench_baseline_up() {
	local bin=$1 port f conf
	[ -x "$bin" ] || die "BENCH_BASELINE: '$bin' is not an executable"
	BASE_DIR=$STACK_DIR/baseline
	mkdir -p "$BASE_DIR"/{bin,apache} \
	    "$BASE_DIR"/platform/{log,data,spool,run,secrets} || die "cannot lay out '$BASE_DIR'"
	{ stack_own "$(id -un):" 0755 "$BASE_DIR" "$BASE_DIR/bin" &&
	    install -m 0755 "$bin" "$BASE_DIR/bin/mcp-platform.fcgi" &&
	    stack_own "$STACK_USER:" 0700 "$BASE_DIR"/platform/{,log,data,spool,run,secrets} \
	    "$BASE_DIR/apache"; } || die "cannot lay out '$BASE_DIR'"
	for f in "$STACK_DIR"/platform/secrets/*; do
		stack_copy_secret "$STACK_USER" "$f" "$BASE_DIR/platform/secrets/${f##*/}" ||
		    die "cannot copy '$f'"
	done
	conf=${BENCH_BASELINE_CONF-${BENCH_CONF:-}}
	port=$(stack_free_port)
	say "starting the baseline $bin on port $port"
	bench_baseline_start "$port" "$conf"
	URL_STDIO_OLD="http://127.0.0.1:$port/mcp/$DEMO_TENANT/everything"
	URL_PHTTP_OLD="http://127.0.0.1:$port/mcp/$DEMO_TENANT/everything-http"
}

# bench_baseline_start PORT CONF: stack.sh's functions on BASE_DIR. Its
# globals are made local here, so STACK_DIR, STACK_BASE_URL, ... stay the
# first instance's for the caller (bash's locals are dynamically scoped).
bench_baseline_start() {
	local STACK_DIR=$BASE_DIR STACK_BASE_URL STACK_PLATFORM_PORT STACK_WEB
	# stack_start_platform writes the configuration: CONF goes in after
	# (bench_whatif, as for the first instance), checked by the baseline
	# itself -- BENCH_BASELINE_CONF replaces BENCH_CONF for a build that
	# refuses one of its keys.
	stack_start_platform "$1" "$WEB" ||
	    die "the baseline did not start (its logs: $STACK_DIR/platform, $STACK_DIR/apache)"
	bench_whatif "$2"
}

bench_baseline_stop() {
	local STACK_DIR=$BASE_DIR
	stack_stop_platform
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
	platform-stdio-old) URL=$URL_STDIO_OLD; TOK=$TOKEN ;;
	platform-http-old) restart_upstream; URL=$URL_PHTTP_OLD; TOK=$TOKEN ;;
	direct) restart_upstream; URL=$URL_DIRECT; TOK="" ;;
	supergateway) URL=$URL_SG; TOK=""; SID=""; return ;;
	mcp-proxy) URL=$URL_MP; TOK="" ;;
	esac
	SID=$(session "$URL" "$TOK")
}
