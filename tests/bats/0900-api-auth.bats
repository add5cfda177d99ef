#!/usr/bin/env bats
# /api/v1/auth/{signup,login,refresh,logout,me} against the real stack:
# sessions forwarded from Supabase Auth (supabase-local), its error codes
# kept in the platform's shape, strict bodies, and the three signup
# policies (open; confirm with supabase-local's autoconfirm off; invite,
# with invitations made through POST /api/v1/tenants/{t}/members).

load helpers

setup_file() {
	stack_up lighttpd
}
teardown_file() { stack_down; }

# post PATH JSON [curl args]: POST /api/v1/auth/PATH
post() {
	local p=$1 d=$2
	shift 2
	api_call POST "/api/v1/auth/$p" -H 'Content-Type: application/json' \
	    --data-binary "$d" "$@"
}

# cred EMAIL PASSWORD: the JSON body
cred() { jq -nc --arg e "$1" --arg p "$2" '{email:$e,password:$p}'; }

SESSION='keys == ["access_token","expires_in","refresh_token","token_type","user"] and .token_type == "bearer" and .expires_in > 0 and (.access_token | length) > 20 and (.refresh_token | length) > 8'

# restart_stack POLICY AUTOCONFIRM: supabase-local and the platform again,
# on new ports, with signup_policy and the mailer's autoconfirm set.
restart_stack() {
	stack_stop_platform
	stack_stop_supabase
	SUPABASE_MAILER_AUTOCONFIRM=$2 stack_start_supabase "$(stack_free_port)"
	STACK_PLATFORM_CONF_EXTRA="signup_policy = $1" \
	    stack_start_platform "$(stack_free_port)" lighttpd
	BASE=$STACK_BASE_URL SUPA=$STACK_SUPABASE_URL
}

@test "signup, me, login, refresh, logout (signup_policy open)" {
	post signup "$(cred Ann@Example.com ann-password-1)"
	assert_status 201
	assert_json "$SESSION"
	assert_json '.user.email == "ann@example.com"'
	local tok ref uid
	tok=$(jq -r .access_token <<<"$body")
	uid=$(jq -r .user.id <<<"$body")
	api_call GET /api/v1/auth/me -H "Authorization: Bearer $tok"
	assert_status 200
	assert_json ".user.id == \"$uid\" and .user.email == \"ann@example.com\" and .tenants == []"
	# a tenant shows in me with its role
	api_call POST /api/v1/tenants -H "Authorization: Bearer $tok" \
	    -H 'Content-Type: application/json' --data-binary '{"slug":"anns","name":"Ann"}'
	assert_status 201
	api_call GET /api/v1/auth/me -H "Authorization: Bearer $tok"
	assert_json '[.tenants[] | {slug, role}] == [{"slug":"anns","role":"owner"}]'
	post login "$(cred ann@example.com ann-password-1)"
	assert_status 200
	assert_json "$SESSION"
	assert_json ".user.id == \"$uid\""
	tok=$(jq -r .access_token <<<"$body")
	ref=$(jq -r .refresh_token <<<"$body")
	post refresh "$(jq -nc --arg r "$ref" '{refresh_token:$r}')"
	assert_status 200
	assert_json "$SESSION"
	[ "$(jq -r .refresh_token <<<"$body")" != "$ref" ]
	tok=$(jq -r .access_token <<<"$body")
	ref=$(jq -r .refresh_token <<<"$body")
	api_call GET /api/v1/auth/me -H "Authorization: Bearer $tok"
	assert_status 200
	api_call POST /api/v1/auth/logout -H "Authorization: Bearer $tok" --data-binary ""
	assert_status 204
	# the session is over: its refresh token and /me refused
	post refresh "$(jq -nc --arg r "$ref" '{refresh_token:$r}')"
	assert_status 400
	assert_json '.error.code == "refresh_token_not_found"'
	api_call GET /api/v1/auth/me -H "Authorization: Bearer $tok"
	assert_status 401
	assert_json '.error.code == "session_not_found"'
}

@test "Supabase's errors keep their code and status, in the platform's shape" {
	post signup "$(cred weak@example.com abc)"
	assert_status 422
	assert_json '.error.code == "weak_password" and (.error.message | test("at least 6"))'
	assert_json 'keys == ["error"] and (.error | keys) == ["code","message"]'
	post signup "$(cred ann@example.com another-password)"
	assert_status 422
	assert_json '.error.code == "user_already_exists"'
	post signup "$(cred not-an-email another-password)"
	assert_status 400
	assert_json '.error.code == "validation_failed"'
	post login "$(cred ann@example.com wrong-password)"
	assert_status 400
	assert_json '.error.code == "invalid_credentials"'
	post login "$(cred nobody@example.com wrong-password)"
	assert_status 400
	assert_json '.error.code == "invalid_credentials"'
	post refresh '{"refresh_token":"notatokenatall"}'
	assert_status 400
	assert_json '.error.code == "refresh_token_not_found"'
	# no token, a bad token
	api_call GET /api/v1/auth/me
	assert_status 401
	api_call POST /api/v1/auth/logout -H 'Authorization: Bearer x.y.z' --data-binary ""
	assert_status 401
}

@test "bad bodies: JSON, unknown and smuggled fields, types, lengths" {
	local p
	for p in signup login; do
		post "$p" '{"email":"x@example.com",'
		assert_status 400
		assert_json '.error.message | test("JSON")'
		post "$p" '"x"'
		assert_status 400
		post "$p" '{"email":"x@example.com"}'
		assert_status 400
		assert_json '.error.message | test("password")'
		post "$p" '{"email":"x@example.com","password":5}'
		assert_status 400
		for f in role tenant_id owner created_by data app_metadata; do
			post "$p" "{\"email\":\"x@example.com\",\"password\":\"pass-word-1\",\"$f\":\"x\"}"
			assert_status 400
			assert_json ".error.message == \"unknown field '$f'\""
		done
		post "$p" "$(cred "$(printf 'e%.0s' {1..250})@example.com" pass-word-1)"
		assert_status 400
		assert_json '.error.message | test("longer than 255")'
		post "$p" "$(cred x@example.com "$(printf 'p%.0s' {1..73})")"
		assert_status 400
		assert_json '.error.message | test("longer than 72")'
		api_call POST "/api/v1/auth/$p" --data-binary "$(cred x@example.com pass-word-1)" \
		    -H 'Content-Type: application/x-www-form-urlencoded'
		assert_status 415
	done
	post refresh '{"refresh_token":"x","grant_type":"password"}'
	assert_status 400
	post refresh "{\"refresh_token\":\"$(printf 'r%.0s' {1..513})\"}"
	assert_status 400
	# nothing was created by any of it
	[ "$(stack_psql -At -c "select count(*) from auth.users where email like '%x@example.com'")" = 0 ]
}

@test "signup_policy confirm: no session until the email is confirmed" {
	restart_stack confirm false
	post signup "$(cred cleo@example.com cleo-password-1)"
	assert_status 201
	assert_json '.confirmation_required == true and .user.email == "cleo@example.com"'
	assert_json 'has("access_token") == false and (.user | has("email_confirmed_at")) == false'
	post login "$(cred cleo@example.com cleo-password-1)"
	assert_status 400
	assert_json '.error.code == "email_not_confirmed"'
	# the test stand-in for following the emailed link
	stack_psql -c "update auth.users set email_confirmed_at = now() where email = 'cleo@example.com'" >/dev/null
	post login "$(cred cleo@example.com cleo-password-1)"
	assert_status 200
	assert_json "$SESSION"
}

@test "signup_policy invite: only invited emails sign up, and join their tenant" {
	restart_stack invite true
	post signup "$(cred dan@example.com dan-password-1)"
	assert_status 403
	assert_json '.error.code == "invite_required"'
	[ "$(stack_psql -At -c "select count(*) from auth.users where email = 'dan@example.com'")" = 0 ]
	# Ann (owner of anns) invites Dan as an admin
	post login "$(cred ann@example.com ann-password-1)"
	local tok
	tok=$(jq -r .access_token <<<"$body")
	api_call POST /api/v1/tenants/anns/members -H "Authorization: Bearer $tok" \
	    -H 'Content-Type: application/json' --data-binary '{"email":"Dan@Example.com","role":"admin"}'
	assert_status 201
	assert_json '. == {"email":"dan@example.com","role":"admin","status":"invited"}'
	api_call POST /api/v1/tenants/anns/members -H "Authorization: Bearer $tok" \
	    -H 'Content-Type: application/json' --data-binary '{"email":"dan@example.com"}'
	assert_status 409
	assert_json '.error.code == "already_invited"'
	post signup "$(cred dan@example.com dan-password-1)"
	assert_status 201
	assert_json "$SESSION"
	api_call GET /api/v1/auth/me -H "Authorization: Bearer $(jq -r .access_token <<<"$body")"
	assert_status 200
	assert_json '[.tenants[] | {slug, role}] == [{"slug":"anns","role":"admin"}]'
	[ "$(stack_psql -At -c "select accepted_at is not null from public.tenant_invitations where email = 'dan@example.com'")" = t ]
	# the invitation is in the audit trail
	api_call GET /api/v1/tenants/anns/audit -H "Authorization: Bearer $tok"
	assert_json '[.items[] | select(.action == "member.invite")][0] | .target == "dan@example.com" and .details.after.role == "admin"'
	# the invitation is spent: a second signup is refused before Supabase
	post signup "$(cred dan@example.com dan-password-2)"
	assert_status 403
	assert_json '.error.code == "invite_required"'
}
