#!/usr/bin/env bats
# Server->client requests of a stdio upstream (sampling/createMessage,
# elicitation/create, roots/list; src/mcp/rendezvous.h), through the
# platform against server-everything over stdio (/mcp/demo/everything):
#  - the v1 SDK client (tests/sdk/client.mjs --s2c answer) gets each on the
#    POST's SSE stream and answers in another POST (perhaps to another
#    worker: the rendezvous hands it over); a reply to an id nobody waits
#    for is 404;
#  - the v2 SDK client (tests/sdk/client-v2.mjs --s2c 1) gets them as
#    input_required results and retries with inputResponses (its own
#    alias everything-v2: server-everything caches the roots per child);
#  - a client that never answers: the call ends at the server's timeout
#    (everything-short, limits.timeout_ms 4000), the child is ended, and
#    the next call works;
#  - a hostile reply (a forged id, another session's) reaches nobody.

load helpers

setup_file() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mcp-s2c.XXXXXX")
	stack_init "$dir" || return 1
	stack_start_pg 3>&- || return 1
	stack_migrate || return 1
	stack_start_supabase "$(stack_free_port)" 3>&- || return 1
	stack_seed_demo || return 1
	stack_psql -v tenant="$DEMO_TENANT" <<-'SQL' >/dev/null || return 1
		insert into public.tenant_servers (tenant_id, server_id, alias, limits)
		select t.id, s.id, a.alias, a.limits::jsonb
		  from public.tenants t, public.mcp_servers s,
		       (values ('everything-short', '{"timeout_ms": 4000}'),
		               ('everything-v2', '{}')) a(alias, limits)
		 where t.slug = :'tenant' and s.slug = 'everything';
	SQL
	stack_start_platform "$(stack_free_port)" lighttpd 3>&- || return 1
	export DEMO_ACCESS_TOKEN DEMO_TENANT STACK_DIR STACK_PG STACK_BASE_URL
}

teardown_file() {
	stack_down
}

# sdk ALIAS [client.mjs options...]: $output holds the TAP, $status the
# exit status.
sdk() {
	local alias=$1
	shift
	run timeout 90 "$TOP/node_modules/.bin/node" "$TOP/tests/sdk/client.mjs" \
	    --url "$STACK_BASE_URL/mcp/$DEMO_TENANT/$alias" \
	    --token "$DEMO_ACCESS_TOKEN" --timeout 60000 "$@"
	sed 's/^/# /' <<<"$output" >&3
}

ok_count() {
	[ "$status" -eq 0 ] && ! grep -q '^not ok' <<<"$output" &&
	    grep -qx "1\.\.$1" <<<"$output"
}

@test "v1 SDK client: elicitation, sampling and roots answered through the platform (stdio)" {
	sdk everything --s2c answer
	ok_count 8
	grep -q '^ok .* - tools/call trigger-elicitation-request: elicitation/create answered$' <<<"$output"
	grep -q '^ok .* - tools/call trigger-sampling-request: sampling/createMessage answered$' <<<"$output"
	grep -q '^ok .* - tools/call get-roots-list: roots/list answered$' <<<"$output"
	# The platform's ids, not the child's: unguessable.
	grep -Eq '^# asked with id s2c\.[0-9a-f]{32}\.' <<<"$output"
	# Nothing left parked.
	[ -z "$(ls -A "$STACK_DIR/platform/data/rdv" 2>/dev/null)" ]
}

@test "v1 SDK client that never answers: the call ends at the server's timeout, the next call works" {
	sdk everything-short --s2c silent
	ok_count 4
	grep -q '^ok .* - elicitation never answered: the call ends with an error$' <<<"$output"
	grep -q '^ok .* - the next call works$' <<<"$output"
	[ -z "$(ls -A "$STACK_DIR/platform/data/rdv" 2>/dev/null)" ]
}

@test "v2 SDK client: elicitation, sampling and roots through input_required (stdio, legacy upstream)" {
	run timeout 120 "$TOP/node_modules/.bin/node" "$TOP/tests/sdk/client-v2.mjs" \
	    --url "$STACK_BASE_URL/mcp/$DEMO_TENANT/everything-v2" \
	    --token "$DEMO_ACCESS_TOKEN" --timeout 90000 --s2c 1
	sed 's/^/# /' <<<"$output" >&3
	[ "$status" -eq 0 ]
	! grep -q '^not ok' <<<"$output"
	grep -q '^ok .* - tools/call trigger-elicitation-request: elicitation/create answered through input_required$' <<<"$output"
	grep -q '^ok .* - tools/call trigger-sampling-request: sampling/createMessage answered through input_required$' <<<"$output"
	grep -q '^ok .* - tools/call get-roots-list: roots/list answered through input_required$' <<<"$output"
}
