# helpers.bash -- shared set-up for the integration tests: a whole stack in
# a temp directory on free loopback ports, torn down after the file.
#
#   setup_file() { stack_up [lighttpd|apache|none]; }
#   teardown_file() { stack_down; }
#
# After stack_up: $SUPA (supabase-local URL), $BASE (platform URL, unless
# "none"), $STACK_DIR, $STACK_PG, keys as in deploy/local/stack.sh.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# shellcheck source=../../deploy/local/stack.sh
. "$TOP/deploy/local/stack.sh"

stack_up() {
	local web=${1:-lighttpd} dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mcp-test.XXXXXX")
	stack_init "$dir" || return 1
	stack_start_pg || return 1
	stack_migrate || return 1
	stack_start_supabase "$(stack_free_port)" || return 1
	if [ "$web" != none ]; then
		stack_start_platform "$(stack_free_port)" "$web" || return 1
		export BASE=$STACK_BASE_URL
	fi
	export SUPA=$STACK_SUPABASE_URL
	export STACK_DIR STACK_PG STACK_SUPABASE_URL STACK_SUPABASE_PORT \
	    STACK_PUBLISHABLE_KEY STACK_SECRET_KEY STACK_JWT_SECRET STACK_WEB \
	    STACK_NODE STACK_BASE_URL STACK_PLATFORM_PORT
}

# stack_up_multinode: two platform nodes under lighttpd -- DIR/platform
# and DIR/node2, each with its own data_dir, log and spool -- in front of
# one supabase-local, and HAProxy (round robin) in front of both. BASE is
# the balancer; NODE1 and NODE2 reach a node directly; CONF1 and CONF2 are
# their configuration files.
stack_up_multinode() {
	stack_up lighttpd || return 1
	export NODE1=$STACK_BASE_URL CONF1=$STACK_DIR/platform/mcp-platform.conf
	stack_add_node node2 || return 1
	STACK_PLATFORM_DIR=$STACK_DIR/node2 stack_start_platform \
	    "$(stack_free_port)" lighttpd || return 1
	export NODE2=$STACK_BASE_URL CONF2=$STACK_DIR/node2/mcp-platform.conf
	stack_start_haproxy "$(stack_free_port)" "${NODE1##*:}" "${NODE2##*:}" ||
	    return 1
	export BASE=$STACK_LB_URL STACK_LB_URL
}

stack_down() {
	[ -n "${STACK_DIR:-}" ] || return 0
	stack_stop
	if [ -z "${KEEP_STACK:-}" ]; then
		rm -rf "$STACK_DIR"
	fi
}

# http METHOD URL [curl args...] -> $status, $body, $headers (lowercased names)
http() {
	local method=$1 url=$2 hf bf
	shift 2
	hf=$(mktemp) bf=$(mktemp)
	status=$(curl -s -X "$method" -o "$bf" -D "$hf" -w '%{http_code}' \
	    --max-time 20 "$@" "$url")
	body=$(cat "$bf")
	headers=$(tr -d '\r' <"$hf" | sed 's/^\([^:]*\):/\L\1:/')
	rm -f "$hf" "$bf"
}

# api_call METHOD PATH [curl args...] -> http on $BASE$PATH ($status, $body,
# $headers), and when $API_RECORD names a file (tests/run-all.sh sets it),
# one JSON line {"method","path","query","status","content_type",
# "request_id","body"} appended to it (request_id: the X-Request-Id
# header, "" when the web server answered by itself): every /api/v1 answer
# the tests receive, which 0990-openapi.bats validates against docs/openapi.yaml. Use it for every
# /api/v1 call, so the document cannot drift from what the platform says.
api_call() {
	local method=$1 path=$2 q=""
	shift 2
	http "$method" "$BASE$path" "$@"
	[ -n "${API_RECORD:-}" ] || return 0
	case $path in *\?*) q=${path#*\?} path=${path%%\?*} ;; esac
	jq -nc --arg m "$method" --arg p "$path" --arg q "$q" \
	    --arg s "$status" --arg ct "$(header content-type)" \
	    --arg rid "$(header x-request-id)" \
	    --arg b "$body" '{method:$m, path:$p, query:$q,
	    status:($s|tonumber), content_type:$ct, request_id:$rid,
	    body:$b}' \
	    >>"$API_RECORD" 2>/dev/null || true
}

# busy_workers N SECONDS: N slow tools/call (server-everything's
# trigger-long-running-operation) on /mcp/demo/everything as the demo user
# (stack_seed_demo first), each in the background; returns once every one
# has streamed its first progress event, i.e. holds a worker. Their output
# files are $BUSY_DIR/call.<i>; stop_busy ends the clients.
busy_workers() {
	local n=$1 secs=$2 i sid
	BUSY_DIR=$(mktemp -d)
	BUSY_PIDS=""
	http POST "$BASE/mcp/demo/everything" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' \
	    --data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
	sid=$(header mcp-session-id)
	[ -n "$sid" ] || { echo "busy_workers: no session: $status $body" >&2; return 1; }
	for i in $(seq "$n"); do
		curl -sN -X POST "$BASE/mcp/demo/everything" --max-time $((secs + 30)) \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' \
		    -H 'Accept: application/json, text/event-stream' \
		    -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
		    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"trigger-long-running-operation\",\"arguments\":{\"duration\":$secs,\"steps\":$secs},\"_meta\":{\"progressToken\":\"busy-$i\"}}}" \
		    >"$BUSY_DIR/call.$i" 2>&1 &
		BUSY_PIDS="$BUSY_PIDS $!"
	done
	for i in $(seq "$n"); do
		wait_grep 'notifications/progress' "$BUSY_DIR/call.$i" || return 1
	done
}

# How many of the busy calls have finished (their result arrived).
busy_done() {
	grep -l '"result"' "$BUSY_DIR"/call.* 2>/dev/null | wc -l
}

stop_busy() {
	# shellcheck disable=SC2086
	[ -z "${BUSY_PIDS:-}" ] || kill $BUSY_PIDS 2>/dev/null || true
	rm -rf "${BUSY_DIR:-/nonexistent}"
}

# header NAME -> value of a response header from the last http call
header() {
	printf '%s\n' "$headers" | sed -n "s/^$1: //p" | tail -1
}

# Mint an HS256 JWT with the stack's secret: mint_jwt '{"role":"..."}'
mint_jwt() {
	local h p s
	h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	p=$(printf '%s' "$1" | b64url)
	s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -mac HMAC \
	    -macopt "key:$STACK_JWT_SECRET" -binary | b64url)
	printf '%s.%s.%s' "$h" "$p" "$s"
}

b64url() {
	openssl base64 -A | tr '+/' '-_' | tr -d '='
}

assert_status() {
	if [ "$status" != "$1" ]; then
		echo "expected HTTP $1, got $status: $body" >&2
		return 1
	fi
}

# assert_json FILTER: jq -e FILTER on $body must be true
assert_json() {
	if ! jq -e "$1" >/dev/null 2>&1 <<<"$body"; then
		echo "body fails '$1': $body" >&2
		return 1
	fi
}

# wait_for CMD [ARGS...]: run CMD every 0.1 s until it succeeds; fail
# (saying what it waited for) after WAIT_FOR_S seconds, 60 by default. A
# test waits for the event itself, never a fixed time: on a busy machine a
# write, a flush or an exit can take seconds (docs/testing.md).
wait_for() {
	local end=$((SECONDS + ${WAIT_FOR_S:-60}))
	while :; do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	echo "waited ${WAIT_FOR_S:-60} s in vain for: $*" >&2
	return 1
}

# wait_grep PATTERN FILE: wait (wait_for) for PATTERN to show up in FILE;
# lighttpd and Apache write their access logs buffered.
wait_grep() {
	wait_for grep -qs -- "$1" "$2"
}

# gone PID...: none of the processes is alive (for wait_for).
gone() {
	local p
	for p in "$@"; do
		! kill -0 "$p" 2>/dev/null || return 1
	done
}

# in_bg CMD...: run CMD in the background; wait_bg waits for every command
# so started. Never a bare `wait` in a test: bats runs its
# BATS_TEST_TIMEOUT countdown as a background job of the test's own shell,
# so a bare wait would last the whole timeout (`make checksrc` refuses one).
in_bg() {
	"$@" &
	BG_PIDS="${BG_PIDS:-} $!"
}

# wait_bg: wait for the in_bg commands, whatever their exit status (the
# test reads what they wrote).
wait_bg() {
	local p
	for p in ${BG_PIDS:-}; do
		wait "$p" || true
	done
	BG_PIDS=
}

# sse_timed URL TOKEN SESSION BODY: POST and print each SSE "data:" line
# prefixed with the time (ns) curl handed it over, so a test can tell
# streamed events from buffered ones.
sse_timed() {
	curl -sN --max-time 30 "$1" -H "Authorization: Bearer $2" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' \
	    -H "Mcp-Session-Id: $3" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary "$4" |
	    while IFS= read -r line; do
		if [[ "$line" == data:* ]]; then echo "$(date +%s%N) $line"; fi
	    done
}

# spread_ms FILE: milliseconds between the first and the last line
spread_ms() {
	local first last
	first=$(head -1 "$1" | cut -d' ' -f1)
	last=$(tail -1 "$1" | cut -d' ' -f1)
	echo $(( (last - first) / 1000000 ))
}
