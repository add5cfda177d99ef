#!/usr/bin/env bats
# supabase-local's Auth (GoTrue) contract, as the platform and its users
# rely on it: shared/reference/supabase-contract.md section 5.

load helpers

setup_file() { stack_up none; }
teardown_file() { stack_down; }

auth() {
	local method=$1 path=$2
	shift 2
	http "$method" "$SUPA/auth/v1$path" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H 'Content-Type: application/json' "$@"
}

creds() {
	jq -nc --arg e "$1" --arg p "$2" '{email:$e,password:$p}'
}

@test "signup returns a session whose token carries Supabase's claims" {
	auth POST /signup -d "$(creds alice@example.com alice-password-1)"
	assert_status 200
	assert_json '.token_type == "bearer" and .expires_in == 3600'
	assert_json '.user.email == "alice@example.com" and .user.aud == "authenticated"'
	assert_json '.refresh_token | length > 8'
	claims=$(jq -r .access_token <<<"$body" | cut -d. -f2 | tr '_-' '/+' |
	    awk '{ l = length($0) % 4; if (l) $0 = $0 substr("===", 1, 4 - l); print }' |
	    base64 -d)
	jq -e --arg iss "$SUPA/auth/v1" '.iss == $iss and .aud == "authenticated"
	    and .role == "authenticated" and (.sub | length == 36)
	    and .exp == .iat + 3600 and .email == "alice@example.com"
	    and .app_metadata.provider == "email" and .aal == "aal1"
	    and (.session_id | length == 36) and .is_anonymous == false' <<<"$claims"
}

@test "signup of an existing email is 422 user_already_exists" {
	auth POST /signup -d "$(creds alice@example.com other-password-2)"
	assert_status 422
	assert_json '.error_code == "user_already_exists" and .code == 422'
	[ "$(header x-sb-error-code)" = user_already_exists ]
}

@test "signup with a short password is 422 weak_password" {
	auth POST /signup -d "$(creds bob@example.com abc)"
	assert_status 422
	assert_json '.error_code == "weak_password"'
}

@test "signup with malformed JSON or a bad email is 400 validation_failed" {
	auth POST /signup -d '{"email": '
	[ "$status" = 400 ]
	auth POST /signup -d "$(creds not-an-email long-enough-1)"
	assert_status 400
	assert_json '.error_code == "validation_failed"'
}

@test "Auth without an apikey is 401" {
	http POST "$SUPA/auth/v1/token?grant_type=password" \
	    -H 'Content-Type: application/json' -d "$(creds alice@example.com alice-password-1)"
	assert_status 401
	assert_json '.message == "No API key found in request"'
}

@test "password grant logs in; a wrong password is 400 invalid_credentials" {
	auth POST '/token?grant_type=password' -d "$(creds alice@example.com alice-password-1)"
	assert_status 200
	assert_json '.access_token and .refresh_token and .user.email == "alice@example.com"'
	auth POST '/token?grant_type=password' -d "$(creds alice@example.com wrong-password)"
	assert_status 400
	assert_json '.error_code == "invalid_credentials" and .msg == "Invalid login credentials"'
	# unknown users get the same answer (no account enumeration)
	auth POST '/token?grant_type=password' -d "$(creds nobody@example.com wrong-password)"
	assert_status 400
	assert_json '.error_code == "invalid_credentials"'
}

@test "the password is stored as a bcrypt hash, never in the clear" {
	h=$(stack_psql -At -c "select encrypted_password from auth.users where email = 'alice@example.com'")
	[[ "$h" == '$2a$10$'* ]] || [[ "$h" == '$2b$10$'* ]]
	! stack_psql -At -c "select * from auth.users" | grep -q alice-password-1
}

@test "refresh rotates the token; reuse after the interval revokes the session" {
	auth POST '/token?grant_type=password' -d "$(creds alice@example.com alice-password-1)"
	r1=$(jq -r .refresh_token <<<"$body")
	auth POST '/token?grant_type=refresh_token' -d "{\"refresh_token\":\"$r1\"}"
	assert_status 200
	r2=$(jq -r .refresh_token <<<"$body")
	[ -n "$r2" ]
	[ "$r2" != "$r1" ]
	# Inside GoTrue's 10 s reuse interval the old token still answers.
	auth POST '/token?grant_type=refresh_token' -d "{\"refresh_token\":\"$r1\"}"
	assert_status 200
	# Age the parent token past the interval, then reuse it: the whole
	# session is revoked, so the rotated token dies too.
	stack_psql -c "update auth.refresh_tokens set updated_at = now() - interval '1 minute',
	    created_at = now() - interval '1 minute' where revoked"
	auth POST '/token?grant_type=refresh_token' -d "{\"refresh_token\":\"$r1\"}"
	assert_status 400
	assert_json '.error_code == "refresh_token_already_used"'
	auth POST '/token?grant_type=refresh_token' -d "{\"refresh_token\":\"$r2\"}"
	assert_status 400
}

@test "an unknown refresh token is 400 refresh_token_not_found" {
	auth POST '/token?grant_type=refresh_token' -d '{"refresh_token":"nonesuch123"}'
	assert_status 400
	assert_json '.error_code == "refresh_token_not_found"'
}

@test "refresh tokens are not stored in the clear" {
	auth POST '/token?grant_type=password' -d "$(creds alice@example.com alice-password-1)"
	r=$(jq -r .refresh_token <<<"$body")
	n=$(stack_psql -At -c "select count(*) from auth.refresh_tokens where token = '$r'")
	[ "$n" -eq 0 ]
}

@test "GET /user with the token; after logout 403 session_not_found" {
	auth POST '/token?grant_type=password' -d "$(creds alice@example.com alice-password-1)"
	tok=$(jq -r .access_token <<<"$body")
	auth GET /user -H "Authorization: Bearer $tok"
	assert_status 200
	assert_json '.email == "alice@example.com" and .role == "authenticated"'
	auth POST /logout -H "Authorization: Bearer $tok" -d ""
	assert_status 204
	auth GET /user -H "Authorization: Bearer $tok"
	assert_status 403
	assert_json '.error_code == "session_not_found"'
}

@test "GET /user without a token is 401, with a forged one 403 bad_jwt" {
	auth GET /user
	assert_status 401
	assert_json '.error_code == "no_authorization"'
	forged=$(printf '{"alg":"none","typ":"JWT"}' | b64url).$(printf '{"sub":"x","role":"authenticated","exp":9999999999}' | b64url).
	auth GET /user -H "Authorization: Bearer $forged"
	assert_status 403
	assert_json '.error_code == "bad_jwt"'
}

@test "the JWKS is public JSON; empty while tokens are HS256" {
	http GET "$SUPA/auth/v1/.well-known/jwks.json"
	assert_status 200
	assert_json '.keys == []'
	[[ "$(header cache-control)" == *max-age=600* ]]
}

@test "with ES256 configured, tokens carry a kid published in the JWKS" {
	stack_stop_supabase
	SUPABASE_JWT_ALG=ES256 stack_start_supabase "$STACK_SUPABASE_PORT"
	http GET "$SUPA/auth/v1/.well-known/jwks.json"
	assert_status 200
	assert_json '.keys | length == 1'
	assert_json '.keys[0] | .kty == "EC" and .crv == "P-256" and .alg == "ES256" and .use == "sig"'
	assert_json '.keys[0] | has("d") | not'
	kid=$(jq -r '.keys[0].kid' <<<"$body")
	auth POST '/token?grant_type=password' -d "$(creds alice@example.com alice-password-1)"
	assert_status 200
	hdr=$(jq -r .access_token <<<"$body" | cut -d. -f1 | tr '_-' '/+' |
	    awk '{ l = length($0) % 4; if (l) $0 = $0 substr("===", 1, 4 - l); print }' |
	    base64 -d)
	jq -e --arg kid "$kid" '.alg == "ES256" and .kid == $kid' <<<"$hdr"
	# The ES256 token works against REST too (RLS sees the user).
	tok=$(jq -r .access_token <<<"$body")
	http GET "$SUPA/rest/v1/tenants?select=id" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $tok"
	assert_status 200
	stack_stop_supabase
	stack_start_supabase "$STACK_SUPABASE_PORT"
}
