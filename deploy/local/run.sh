#!/usr/bin/env bash
# run.sh -- `make run`: start the whole stack on loopback in the foreground,
# data under var/ (kept between runs), until Ctrl-C or SIGTERM.
# `make stop` (run.sh stop) stops a stack left behind.
#
#   PORT=8080            the platform (lighttpd; SERVER=apache for Apache)
#   SUPABASE_PORT=54321  supabase-local (Supabase's local default)
#   VAR_DIR=var          where data, logs and demo.env live (tests use a temp dir)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=stack.sh
. "$top/deploy/local/stack.sh"

var=${VAR_DIR:-$top/var}
PORT=${PORT:-8080}
SUPABASE_PORT=${SUPABASE_PORT:-54321}
SERVER=${SERVER:-lighttpd}

if [ "${1:-}" = stop ]; then
	STACK_DIR=$var/stack
	stack_stop
	echo "stopped"
	exit 0
fi

mkdir -p "$var"
stack_init "$var/stack" || exit 1
# A previous run that was killed hard may have left services behind.
stack_stop

cleanup() {
	# Ignore further signals while stopping: a SIGTERM to `make run` often
	# arrives twice (make forwards it to us, and a process-group kill).
	trap '' INT TERM
	trap - EXIT
	echo
	echo "stopping"
	stack_stop
	exit 0
}
trap cleanup INT TERM EXIT

for p in "$PORT" "$SUPABASE_PORT"; do
	if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; then
		echo "run: port $p is in use; set PORT= or SUPABASE_PORT=" >&2
		exit 1
	fi
done

stack_start_pg || exit 1
stack_migrate || exit 1
stack_start_supabase "$SUPABASE_PORT" || exit 1
stack_start_platform "$PORT" "$SERVER" || exit 1
# The catalog's everything-http entry: server-everything's own Streamable
# HTTP transport, on a free loopback port.
stack_start_everything_http "$(stack_free_port)" || exit 1
stack_seed_demo || exit 1
stack_write_env "$var/demo.env"

printf '\nready: %s (platform under %s), Supabase at %s\n' \
    "$STACK_BASE_URL" "$SERVER" "$STACK_SUPABASE_URL"
printf '  credentials and a fresh token: %s/demo.env\n' "$var"
printf '  try:   . %s/demo.env && curl -s "$MCP_BASE_URL/readyz"\n' "$var"
weblog=$var/stack/platform/error.log
[ "$SERVER" = apache ] && weblog=$var/stack/apache/error.log
printf '  logs:  %s %s/stack/supabase/error.log %s/stack/pg/postgres.log\n' \
    "$weblog" "$var" "$var"
printf '  requests: build/mcpctl -c %s/stack/platform/mcp-platform.conf logs tail -f | jq .\n' "$var"
printf '  stop:  Ctrl-C (or make stop from another shell)\n'

# Stay in the foreground until told to stop. SIGTERM sent to `make run`
# reaches make, not this script (only Ctrl-C signals the whole group), so
# a parent that went away is a stop request too.
parent=$PPID
while kill -0 "$parent" 2>/dev/null; do
	sleep 1 &
	wait $!
done
cleanup
