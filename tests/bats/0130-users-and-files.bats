#!/usr/bin/env bats
# One user per role and private files (deploy/local/stack.sh,
# docs/security.md "Who must read what"): as root PostgreSQL, supabase-local
# and the platform run as three users; every database role needs its
# password; secrets, logs, spool and data are 0700/0600; no access log keeps
# a query string; the workers need their secret files only at start. The
# platform runs under lighttpd and Apache at once, on the same directories.

load helpers

setup_file() {
	stack_up lighttpd
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	export LBASE=$BASE
	stack_start_platform "$(stack_free_port)" apache
	export ABASE=$STACK_BASE_URL
}
teardown_file() { stack_down; }

teardown() {
	# the secrets test moves the platform's secrets away; put them back
	if [ -d "$STACK_DIR/platform/secrets.away" ]; then
		mv "$STACK_DIR/platform/secrets.away" "$STACK_DIR/platform/secrets"
	fi
}

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "not root: every service runs as this one uid, and only the stdio sandbox separates them"
	fi
}

# wait_in PATTERN FILE: the web servers write their access logs buffered,
# and the platform its records after the answer: wait for PATTERN (60 s).
wait_in() {
	local n
	for n in $(seq 600); do
		grep -qF -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "'$1' not found in '$2'" >&2
	return 1
}

# owner_of PID -> user name
owner_of() { ps -o user= -p "$1" | tr -d ' '; }

# mode_is MODE USER PATH...: each PATH has exactly MODE, and (as root) USER
mode_is() {
	local mode=$1 user=$2 p
	shift 2
	for p in "$@"; do
		[ -e "$p" ] || { echo "missing: $p" >&2; return 1; }
		if [ "$(stat -c %a "$p")" != "$mode" ]; then
			echo "$p: mode $(stat -c %a "$p"), want $mode" >&2
			return 1
		fi
		if [ "$(id -u)" -eq 0 ] && [ "$(stat -c %U "$p")" != "$user" ]; then
			echo "$p: owner $(stat -c %U "$p"), want $user" >&2
			return 1
		fi
	done
}

# psql_as USER CONNINFO: one query as USER (root) without ~/.pgpass and
# without ever prompting; prints the result or libpq's error.
psql_as() {
	local u=$1
	shift
	stack_as_user "$u" env PGPASSFILE=/nonexistent psql -X -w -At "$@" \
	    -c 'select current_user' 2>&1
}

@test "as root, PostgreSQL, supabase-local and the platform each run as their own user" {
	need_root
	pg=$(head -1 "$STACK_DIR/pg/data/postmaster.pid")
	[ "$(owner_of "$pg")" = mcp-postgres ]
	[ "$(owner_of "$(cat "$STACK_DIR/supabase/lighttpd.pid")")" = mcp-supabase ]
	[ "$(owner_of "$(cat "$STACK_DIR/platform/lighttpd.pid")")" = mcp-platform ]
	# a request makes Apache's mod_fcgid start a worker too
	http GET "$ABASE/readyz"
	assert_status 200
	for p in $(pgrep -f "$STACK_DIR/bin/supabase-local.fcgi"); do
		[ "$(owner_of "$p")" = mcp-supabase ]
	done
	n=0
	for p in $(pgrep -f "$STACK_DIR/bin/mcp-platform.fcgi"); do
		[ "$(owner_of "$p")" = mcp-platform ]
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]	# lighttpd's 4 and at least one of Apache's
	[ "$(id -u mcp-postgres)" != "$(id -u mcp-supabase)" ]
	[ "$(id -u mcp-supabase)" != "$(id -u mcp-platform)" ]
	[ "$(id -u mcp-postgres)" != "$(id -u mcp-platform)" ]
}

@test "the platform's user cannot reach the PostgreSQL socket, even with the superuser's password" {
	need_root
	pw=$(stack_pg_password postgres)
	[ -n "$pw" ]
	run runuser -u mcp-platform -- env PGPASSWORD="$pw" psql -X -w -At \
	    "host=$STACK_DIR/pg user=postgres dbname=postgres" -c 'select 1'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	# nor can it read any password
	for f in "$STACK_DIR/secrets/pgpass" "$STACK_DIR/supabase/secrets/pgpass"; do
		! runuser -u mcp-platform -- cat "$f" >/dev/null 2>&1
	done
}

@test "every database role needs its password on the socket, the superuser too" {
	for r in postgres authenticator supabase_auth_admin; do
		run psql_as "$STACK_PG_USER" "host=$STACK_DIR/pg user=$r dbname=postgres"
		[ "$status" -ne 0 ]
		[[ "$output" == *"no password supplied"* ]]
		run psql_as "$STACK_PG_USER" \
		    "host=$STACK_DIR/pg user=$r dbname=postgres password=wrong"
		[ "$status" -ne 0 ]
		[[ "$output" == *"password authentication failed"* ]]
	done
	# the control: with the stack's passfile the superuser gets in
	run psql -X -w -At "$STACK_PG" -c 'select current_user'
	[ "$status" -eq 0 ]
	[ "$output" = postgres ]
}

@test "supabase-local's user logs in as its two roles, never as the superuser" {
	need_root
	pass=$STACK_DIR/supabase/secrets/pgpass
	for r in authenticator supabase_auth_admin; do
		run psql_as mcp-supabase "host=$STACK_DIR/pg user=$r dbname=postgres passfile=$pass"
		[ "$status" -eq 0 ]
		[ "$output" = "$r" ]
	done
	run psql_as mcp-supabase "host=$STACK_DIR/pg user=postgres dbname=postgres passfile=$pass"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no password supplied"* ]]
}

@test "each role's secrets are readable by that role alone" {
	need_root
	for f in "$STACK_DIR"/platform/secrets/*; do
		runuser -u mcp-platform -- cat "$f" >/dev/null
		for u in mcp-supabase mcp-postgres nobody; do
			! runuser -u "$u" -- cat "$f" >/dev/null 2>&1
		done
	done
	for f in "$STACK_DIR"/supabase/secrets/*; do
		runuser -u mcp-supabase -- cat "$f" >/dev/null
		for u in mcp-platform mcp-postgres nobody; do
			! runuser -u "$u" -- cat "$f" >/dev/null 2>&1
		done
	done
	for f in "$STACK_DIR"/secrets/*; do
		for u in mcp-platform mcp-supabase mcp-postgres nobody; do
			! runuser -u "$u" -- cat "$f" >/dev/null 2>&1
		done
	done
}

@test "secrets, logs, spool and data: directories 0700, files 0600" {
	# an MCP request puts a record in requests.jsonl and in the spool
	http POST "$LBASE/mcp/demo/everything" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    --data-binary "$INIT"
	assert_status 200
	rid=$(header x-request-id)
	wait_in "$rid" "$STACK_DIR/platform/log/requests.jsonl"
	wait_in "rid=$rid" "$STACK_DIR/platform/access.log"
	me=$(id -un)
	mode_is 700 "$me" "$STACK_DIR/secrets"
	# the binaries are the caller's: no role can replace one
	mode_is 755 "$me" "$STACK_DIR/bin" "$STACK_DIR"/bin/*
	mode_is 600 "$me" "$STACK_DIR"/secrets/*
	mode_is 700 mcp-platform "$STACK_DIR/platform" "$STACK_DIR/apache" \
	    "$STACK_DIR"/platform/{secrets,log,spool,data,run}
	mode_is 600 mcp-platform "$STACK_DIR"/platform/secrets/* \
	    "$STACK_DIR"/platform/{error,access}.log \
	    "$STACK_DIR"/apache/{error,access}.log \
	    "$STACK_DIR/platform/log/requests.jsonl"
	mode_is 700 mcp-supabase "$STACK_DIR/supabase" "$STACK_DIR/supabase/secrets"
	mode_is 600 mcp-supabase "$STACK_DIR"/supabase/secrets/* \
	    "$STACK_DIR"/supabase/{error,access}.log
	mode_is 600 mcp-postgres "$STACK_DIR"/pg/{postgres,initdb}.log
	mode_is 700 mcp-postgres "$STACK_DIR/pg/data"
	if [ "$(id -u)" -eq 0 ]; then
		# the socket directory: supabase-local's group may pass, no more
		mode_is 710 mcp-postgres "$STACK_DIR/pg"
		[ "$(stat -c %G "$STACK_DIR/pg")" = mcp-supabase ]
	else
		mode_is 700 "$me" "$STACK_DIR/pg"
	fi
	# no log anywhere in the stack is readable by group or others
	bad=$(find "$STACK_DIR" -path "$STACK_DIR/node_modules" -prune -o \
	    \( -name '*.log' -o -name '*.jsonl' \) -perm /077 -print)
	[ -z "$bad" ] || { echo "readable by others: $bad" >&2; false; }
	# the spool's files come and go (current.jsonl, written just after
	# requests.jsonl, is sealed and shipped within seconds; .lock stays):
	# whatever is there is 0600 or 0700
	for n in $(seq 600); do
		[ -z "$(ls -A "$STACK_DIR/platform/spool")" ] || break
		sleep 0.1
	done
	[ -n "$(ls -A "$STACK_DIR/platform/spool")" ]
	bad=$(find "$STACK_DIR/platform/spool" "$STACK_DIR/platform/log" \
	    -perm /077 -print)
	[ -z "$bad" ] || { echo "readable by others: $bad" >&2; false; }
}

@test "a token in the query string is in no log, under lighttpd and Apache" {
	secret="qs-secret-$RANDOM$RANDOM$RANDOM"
	for base in "$LBASE" "$ABASE"; do
		access=$STACK_DIR/platform/access.log
		[ "$base" = "$LBASE" ] || access=$STACK_DIR/apache/access.log
		http POST "$base/mcp/demo/everything?access_token=$secret" \
		    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
		    --data-binary "$INIT"
		assert_status 401
		rid=$(header x-request-id)
		[ -n "$rid" ]
		wait_in "$rid" "$STACK_DIR/platform/log/requests.jsonl"
		wait_in "rid=$rid" "$access"
		http GET "$base/api/v1/tenants/demo/logs?access_token=$secret&limit=1"
		assert_status 401
		wait_in "rid=$(header x-request-id)" "$access"
		http GET "$base/healthz?access_token=$secret"
		assert_status 200
		wait_in "rid=$(header x-request-id)" "$access"
	done
	# the token is nowhere: no log, no spool, no file of the stack
	found=$(grep -rlaF -- "$secret" "$STACK_DIR" --exclude-dir=node_modules || true)
	[ -z "$found" ] || { echo "the token is in: $found" >&2; false; }
	# and the requests are in the access logs, by path
	grep -q '"POST /mcp/demo/everything HTTP/1.1" 401' "$STACK_DIR/platform/access.log"
	grep -q '"POST /mcp/demo/everything HTTP/1.1" 401' "$STACK_DIR/apache/access.log"
}

@test "the workers need their secret files only at start" {
	# lighttpd starts its 4 workers with the server: each has read its
	# secrets. Take the files away, and everything that needs them works.
	http GET "$LBASE/readyz"
	assert_status 200
	mv "$STACK_DIR/platform/secrets" "$STACK_DIR/platform/secrets.away"
	for i in 1 2 3 4 5 6 7 8; do
		# the Supabase secret key (readyz asks Supabase with it)
		http GET "$LBASE/readyz"
		assert_status 200
		# the JWT secret (the demo user's HS256 token) and the master
		# key (the session id is signed with it)
		http POST "$LBASE/mcp/demo/everything" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
		    --data-binary "$INIT"
		assert_status 200
		sid=$(header mcp-session-id)
		[ -n "$sid" ]
		http POST "$LBASE/mcp/demo/everything" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
		    -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
		    --data-binary '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
		assert_status 200
	done
}
