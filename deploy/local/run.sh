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
# Each step's own output (and its error messages) go here; the terminal
# gets one line per step, and on failure what failed and where to look.
runlog=$var/run.log
: > "$runlog" && chmod 0600 "$runlog"

# step WHAT LOG CMD...: announce WHAT, run CMD; on failure name WHAT and
# LOG (the failing service's own log), show the step's messages, and stop.
step() {
	local what=$1 log=$2 mark
	shift 2
	printf '%s...\n' "$what"
	mark=$(wc -l <"$runlog")
	if ! "$@" >>"$runlog" 2>&1; then
		printf 'run: %s failed\n' "$what" >&2
		tail -n +"$((mark + 1))" "$runlog" | tail -20 | sed 's/^/  /' >&2
		if [ "$log" != "$runlog" ]; then
			printf '  its log: %s, which ends:\n' "$log" >&2
			tail -10 "$log" 2>/dev/null | sed 's/^/  | /' >&2
			printf '  this run: %s\n' "$runlog" >&2
		else
			printf '  its log: %s\n' "$log" >&2
		fi
		exit 1
	fi
}

step "preparing $var/stack (binaries, secrets)" "$runlog" \
    stack_init "$var/stack"
# A previous run that was killed hard may have left services behind.
stack_stop >>"$runlog" 2>&1

# cleanup STATUS: stop everything, exit with STATUS (0 for a stop request,
# the failing step's status otherwise).
cleanup() {
	# Ignore further signals while stopping: a SIGTERM to `make run` often
	# arrives twice (make forwards it to us, and a process-group kill).
	trap '' INT TERM
	trap - EXIT
	echo
	echo "stopping"
	stack_stop
	exit "$1"
}
trap 'cleanup 0' INT TERM
trap 'cleanup $?' EXIT

for p in "$PORT" "$SUPABASE_PORT"; do
	if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; then
		echo "run: port $p is in use; set PORT= or SUPABASE_PORT=" >&2
		exit 1
	fi
done

weblog=$var/stack/platform/error.log
[ "$SERVER" = apache ] && weblog=$var/stack/apache/error.log
step "starting PostgreSQL" "$var/stack/pg/postgres.log" stack_start_pg
step "migrating the database" "$runlog" stack_migrate
# Supabase Auth's OAuth server sends users to the platform's consent page.
STACK_SITE_URL="http://127.0.0.1:$PORT"
step "starting supabase-local on 127.0.0.1:$SUPABASE_PORT" \
    "$var/stack/supabase/error.log" stack_start_supabase "$SUPABASE_PORT"
step "starting the platform under $SERVER on 127.0.0.1:$PORT" "$weblog" \
    stack_start_platform "$PORT" "$SERVER"
# The catalog's everything-http entry: server-everything's own Streamable
# HTTP transport, on a free loopback port.
step "starting server-everything over HTTP (the everything-http entry)" \
    "$var/stack/everything-http.log" \
    stack_start_everything_http "$(stack_free_port)"
step "seeding the demo tenant and catalog" "$runlog" stack_seed_demo
stack_write_env "$var/demo.env"

printf '\nready: %s (platform under %s), Supabase at %s\n' \
    "$STACK_BASE_URL" "$SERVER" "$STACK_SUPABASE_URL"
printf '  console: %s/console/  (sign in as %s / %s)\n' \
    "$STACK_BASE_URL" "$DEMO_EMAIL" "$DEMO_PASSWORD"
printf '  credentials and a fresh token: %s/demo.env\n' "$var"
printf '  try:   . %s/demo.env && curl -s "$MCP_BASE_URL/readyz"\n' "$var"
printf '  logs:  %s %s/stack/supabase/error.log %s/stack/pg/postgres.log\n' \
    "$weblog" "$var" "$var"
printf '  requests: build/mcpctl -c %s/stack/platform/mcp-platform.conf logs tail -f | jq .\n' "$var"
printf '  stop:  Ctrl-C (or make stop from another shell)\n'

# Stay in the foreground until told to stop. SIGTERM sent to `make run`
# reaches make, not this script (only Ctrl-C signals the whole group), so
# a parent that went away is a stop request too; so is `make stop` from
# another shell, which removes the web server's pid file.
parent=$PPID
webpid=$var/stack/platform/lighttpd.pid
[ "$SERVER" = apache ] && webpid=$var/stack/apache/httpd.pid
seen=0
while kill -0 "$parent" 2>/dev/null; do
	if [ -s "$webpid" ]; then
		seen=1
	elif [ "$seen" -eq 1 ]; then
		break
	fi
	sleep 1 &
	wait $!
done
cleanup 0
