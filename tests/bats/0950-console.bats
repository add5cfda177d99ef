#!/usr/bin/env bats
# The console (web/console, docs/console.md) in a real browser: headless
# Chromium from Debian driven by puppeteer-core (tests/browser/console.mjs)
# against a whole stack under lighttpd; and served by Apache too.
# Screenshots land in $CONSOLE_SHOTS (default build/artifacts/console).

load helpers

setup_file() {
	export STACK_PLATFORM_TOKENS=1
	export STACK_PLATFORM_CONF_EXTRA="log_ship_interval = 1
config_ttl = 2"
	stack_up lighttpd
	stack_psql -v everything_cmd="$STACK_NODE_MODULES/.bin/mcp-server-everything" \
	    -f "$TOP/sql/seed/catalog.sql" >/dev/null
	# The journey enables "everything" with a secret: give the entry one
	# (delivered as an environment variable the server ignores).
	stack_psql -c "update public.mcp_servers set secrets_spec =
	    '[{\"name\":\"api_token\",\"delivery\":\"env\",\"target\":\"API_TOKEN\",\"required\":true}]'
	    where slug = 'everything'" >/dev/null
	export MEMBER_EMAIL=member@example.com MEMBER_PASSWORD=member-password-1
	stack_user_session "$MEMBER_EMAIL" "$MEMBER_PASSWORD" >/dev/null
	export STATE="$BATS_FILE_TMPDIR/console-state.json"
	export SHOTS=${CONSOLE_SHOTS:-$TOP/build/artifacts/console}
	export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
}
teardown_file() { stack_down; }

browser() {
	[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM (make deps installs Debian's)"
	run "$STACK_NODE" "$TOP/tests/browser/console.mjs" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the console's files are served with a strict Content-Security-Policy" {
	http GET "$BASE/console"
	assert_status 301
	[[ "$(header location)" == */console/ ]]
	http GET "$BASE/console/"
	assert_status 200
	[[ "$(header content-type)" == text/html* ]]
	csp=$(header content-security-policy)
	[[ "$csp" == *"default-src 'none'"* && "$csp" == *"script-src 'self'"* &&
	    "$csp" == *"frame-ancestors 'none'"* ]]
	[ "$(header x-content-type-options)" = nosniff ]
	http GET "$BASE/console/app.js"
	[[ "$(header content-type)" == text/javascript* ]]
	http GET "$BASE/console/vendor/uPlot.esm.js"
	assert_status 200
	# nothing of the page comes from elsewhere
	run grep -rEl 'https?://' "$TOP/web/console"/*.html
	[ "$status" -eq 1 ]
	# the API is still the platform's
	http GET "$BASE/healthz"
	assert_status 200
}

@test "journey: sign up, tenant, server with a secret, key, MCP call, logs, usage, revoke" {
	http POST "$BASE/api/v1/auth/signup" -H 'Content-Type: application/json' -d '{}'
	[ "$status" != 404 ] || skip "the front door API (/api/v1/auth, issue 10) is not built"
	browser journey
	grep -q '"key":"mcpk_' "$STATE"
	# the secret typed in the form reached no log
	run grep -rq 'console-secret-' "$STACK_DIR/platform"
	[ "$status" -eq 1 ]
}

@test "axe-core finds no serious or critical violation on any view" {
	[ -s "$STATE" ] || skip "needs the journey's account"
	browser axe
}

@test "a member without admin rights sees no admin actions, and the API refuses them" {
	[ -s "$STATE" ] || skip "needs the journey's tenant"
	browser member
}

@test "OAuth grants view: the owner sees a grant, revokes it, then the empty state" {
	[ -s "$STATE" ] || skip "needs the journey's tenant"
	email=$(jq -r .email "$STATE")
	slug=$(jq -r .slug "$STATE")
	stack_psql -c "insert into public.oauth_grants (user_id, client_id, tenant_id, servers, scopes)
	    select u.id, 'https://client.example/<b>console</b>', t.id, '{everything}', 'email'
	      from auth.users u, public.tenants t
	     where u.email = '$email' and t.slug = '$slug'" >/dev/null
	GRANT_CLIENT='https://client.example/<b>console</b>' browser grants
	[ "$(stack_psql -At -c "select count(*) from public.oauth_grants g join public.tenants t
	    on t.id = g.tenant_id where t.slug = '$slug'")" = 0 ]
	[ "$(stack_psql -At -c "select count(*) from public.audit_events where action = 'oauth_grant.revoke'")" = 1 ]
}
