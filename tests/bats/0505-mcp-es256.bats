#!/usr/bin/env bats
# Supabase projects that sign user tokens with ES256 (asymmetric keys,
# the current default): the platform picks the key by kid from the
# project's JWKS, and refuses what does not verify against it.

load helpers

setup_file() {
	export SUPABASE_JWT_ALG=ES256
	stack_up lighttpd
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

b64dec() {
	tr '_-' '/+' | awk '{ l = length($0) % 4; if (l) $0 = $0 substr("===", 1, 4 - l); print }' | base64 -d
}

@test "the demo token is ES256 with a kid from Supabase's JWKS" {
	hdr=$(cut -d. -f1 <<<"$DEMO_ACCESS_TOKEN" | b64dec)
	jq -e '.alg == "ES256" and (.kid | length > 0)' <<<"$hdr"
	http GET "$SUPA/auth/v1/.well-known/jwks.json"
	assert_json '.keys | length == 1'
	[ "$(jq -r '.keys[0].kid' <<<"$body")" = "$(jq -r .kid <<<"$hdr")" ]
}

@test "an ES256 user token is accepted by the MCP endpoint" {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	[ -n "$(header mcp-session-id)" ]
}

@test "an ES256 token with a changed payload or an unknown kid is refused" {
	h=$(cut -d. -f1 <<<"$DEMO_ACCESS_TOKEN")
	p=$(cut -d. -f2 <<<"$DEMO_ACCESS_TOKEN")
	s=$(cut -d. -f3 <<<"$DEMO_ACCESS_TOKEN")
	p2=$(b64dec <<<"$p" | jq -c '.exp += 60' | openssl base64 -A | tr '+/' '-_' | tr -d '=')
	h2=$(b64dec <<<"$h" | jq -c '.kid = "not-a-known-kid"' | openssl base64 -A | tr '+/' '-_' | tr -d '=')
	for t in "$h.$p2.$s" "$h2.$p.$s" "$h.$p."; do
		http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $t" \
		    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
		assert_status 401
	done
}

@test "HS256 signed with the public JWK as the secret (algorithm confusion) is refused" {
	# The stack configures supabase_jwt_secret_file, so HS256 stays
	# allowed: a token signed with the JWKS public key as HMAC secret
	# (algorithm confusion) must still fail.
	http GET "$SUPA/auth/v1/.well-known/jwks.json"
	jwk=$(jq -c '.keys[0]' <<<"$body")
	[ -n "$jwk" ]
	h=$(printf '{"alg":"HS256","typ":"JWT","kid":"%s"}' "$(jq -r .kid <<<"$jwk")" |
	    openssl base64 -A | tr '+/' '-_' | tr -d '=')
	p=$(cut -d. -f2 <<<"$DEMO_ACCESS_TOKEN")
	s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -mac HMAC -macopt "key:$jwk" -binary |
	    openssl base64 -A | tr '+/' '-_' | tr -d '=')
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $h.$p.$s" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 401
}
