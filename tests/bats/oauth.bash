# oauth.bash -- the OAuth 2.1 dance against supabase-local and the
# platform's consent page, with curl standing in for the client and the
# browser; shared by 0215-supabase-oauth.bats and 0216-oauth-binding.bats.
# Needs helpers.bash's http/assert_status/header, SUPA, BASE, STACK_NODE,
# STACK_PUBLISHABLE_KEY and DEMO_* (stack_seed_demo).

# oauth_stack_up: PostgreSQL, supabase-local with its OAuth server (its
# consent page is the platform's; CIMD from loopback allowed), the
# platform under lighttpd (STACK_PLATFORM_CONF_EXTRA as usual), the demo
# seed, and a loopback server of client ID metadata documents at $CIMD:
# /good (valid, redirect_uris [$REDIRECT]), /wrong-id, /big (over 5120
# bytes), /slow (never answers). For setup_file.
oauth_stack_up() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mcp-test.XXXXXX")
	stack_init "$dir" 3>&- || return 1
	stack_start_pg 3>&- || return 1
	stack_migrate 3>&- || return 1
	# The platform's port first: Auth sends users to its consent page.
	STACK_PLATFORM_PORT=$(stack_free_port)
	export STACK_SITE_URL="http://127.0.0.1:$STACK_PLATFORM_PORT"
	STACK_CIMD_LOOPBACK=true stack_start_supabase "$(stack_free_port)" 3>&- ||
	    return 1
	stack_start_platform "$STACK_PLATFORM_PORT" lighttpd 3>&- || return 1
	export SUPA=$STACK_SUPABASE_URL BASE=$STACK_BASE_URL
	export STACK_DIR STACK_PG STACK_SUPABASE_URL STACK_PUBLISHABLE_KEY \
	    STACK_NODE STACK_BASE_URL
	stack_seed_demo 3>&- || return 1
	export DEMO_ACCESS_TOKEN
	BOB_TOKEN=$(stack_user_session bob@example.com bob-password-1 | jq -r .access_token)
	export BOB_TOKEN
	# Client ID metadata documents, served from a loopback test server:
	# /good (a valid document), /wrong-id, /big (over 5120 bytes), /slow
	# (never answers).
	export CIMD_LOG=$STACK_DIR/cimd.log
	CIMD_PORT=$(stack_free_port)
	export CIMD_PORT CIMD="http://127.0.0.1:$CIMD_PORT"
	"$STACK_NODE" -e '
	    const port = +process.argv[1], base = "http://127.0.0.1:" + port;
	    require("http").createServer((q, s) => {
	      const doc = (id) => JSON.stringify({client_id: id,
	        client_name: "CIMD Client", client_uri: "https://cimd.example/",
	        redirect_uris: ["http://127.0.0.1:9/callback"],
	        token_endpoint_auth_method: "none"});
	      if (q.url === "/slow") return;
	      s.setHeader("Content-Type", "application/json");
	      if (q.url === "/good") s.end(doc(base + "/good"));
	      else if (q.url === "/wrong-id") s.end(doc(base + "/other"));
	      else if (q.url === "/big") s.end(JSON.stringify({client_id:
	        base + "/big", redirect_uris: ["http://127.0.0.1:9/cb"],
	        pad: "x".repeat(6000)}));
	      else { s.statusCode = 404; s.end("{}"); }
	    }).listen(port, "127.0.0.1");' "$CIMD_PORT" >"$CIMD_LOG" 2>&1 3>&- &
	echo $! >"$STACK_DIR/cimd.pid"
	wait_for curl -s -o /dev/null "$CIMD/none"
}

oauth_stack_down() {
	[ -f "$STACK_DIR/cimd.pid" ] && kill "$(cat "$STACK_DIR/cimd.pid")" 2>/dev/null
	stack_down
}

REDIRECT=http://127.0.0.1:9/callback

# pkce -> $VERIFIER, $CHALLENGE (RFC 7636 S256)
pkce() {
	VERIFIER=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n')
	CHALLENGE=$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | b64url)
}

# register [JSON] -> $CLIENT_ID of a new public client (DCR)
register() {
	local doc=$1
	if [ -z "$doc" ]; then
		doc=$(jq -nc --arg r "$REDIRECT" '{client_name: "Bats Client",
		    client_uri: "https://bats.example/app", redirect_uris: [$r],
		    token_endpoint_auth_method: "none"}')
	fi
	http POST "$SUPA/auth/v1/oauth/clients/register" \
	    -H 'Content-Type: application/json' -d "$doc"
	assert_status 201
	CLIENT_ID=$(jq -r .client_id <<<"$body")
}

# authorize CLIENT_ID STATE [METHOD] [REDIRECT]: GET /oauth/authorize
authorize() {
	http GET "$SUPA/auth/v1/oauth/authorize" -G \
	    --data-urlencode "client_id=$1" --data-urlencode "redirect_uri=${4:-$REDIRECT}" \
	    --data-urlencode response_type=code --data-urlencode "state=$2" \
	    --data-urlencode "code_challenge=$CHALLENGE" \
	    --data-urlencode "code_challenge_method=${3:-S256}"
}

# node_decode URL NAME: the query parameter NAME of URL, decoded
node_decode() {
	"$STACK_NODE" -e 'const u = new URL(process.argv[1]);
	    process.stdout.write(u.searchParams.get(process.argv[2]) ?? "")' "$1" "$2"
}

# authz METHOD AID [curl args]: the authorizations API as the demo user
authz() {
	local m=$1 aid=$2
	shift 2
	http "$m" "$SUPA/auth/v1/oauth/authorizations/$aid${CONSENT:+/consent}" \
	    -H "apikey: $STACK_PUBLISHABLE_KEY" -H "Authorization: Bearer ${AS_TOKEN:-$DEMO_ACCESS_TOKEN}" \
	    -H 'Content-Type: application/json' "$@"
}

# consent AID approve|deny -> $REDIRECT_URL
consent() {
	CONSENT=1 authz POST "$1" -d "{\"action\":\"$2\"}"
	assert_status 200
	REDIRECT_URL=$(jq -r .redirect_url <<<"$body")
}

# flow CLIENT_ID STATE -> $CODE via authorize, GET details, approve
flow() {
	pkce
	authorize "$1" "$2"
	assert_status 302
	AID=$(node_decode "$(header location)" authorization_id)
	authz GET "$AID"
	assert_status 200
	# a consent given before covers it: approved at once
	REDIRECT_URL=$(jq -r '.redirect_url // empty' <<<"$body")
	[ -n "$REDIRECT_URL" ] || consent "$AID" approve
	CODE=$(node_decode "$REDIRECT_URL" code)
	[ -n "$CODE" ]
}

# token FORM...: POST /oauth/token, form-encoded
token() {
	local a=()
	for kv in "$@"; do a+=(--data-urlencode "$kv"); done
	http POST "$SUPA/auth/v1/oauth/token" "${a[@]}"
}

claims_of() {
	cut -d. -f2 <<<"$1" | tr '_-' '/+' |
	    awk '{ l = length($0) % 4; if (l) $0 = $0 substr("===", 1, 4 - l); print }' |
	    base64 -d
}

# page METHOD PATH [curl args]: the consent page with the cookie jar $JAR
page() {
	local m=$1 p=$2
	shift 2
	http "$m" "$BASE$p" -b "$JAR" -c "$JAR" "$@"
}

# csrf_of: the csrf hidden field of the last page
csrf_of() {
	sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' <<<"$body" | head -1
}

# page_token CLIENT_ID TENANT SERVER... -> $AT, $RT: the whole flow as
# a user (EMAIL/PASSWORD, default the demo user) who signs in on the
# consent page and grants TENANT with the given servers (aliases).
page_token() {
	local cid=$1 tenant=$2 s url
	shift 2
	local servers=()
	for s in "$@"; do servers+=(--data-urlencode "server=$tenant/$s"); done
	JAR=$(mktemp "$BATS_TEST_TMPDIR/jar.XXXXXX")
	pkce
	authorize "$cid" page-state
	assert_status 302
	AID=$(node_decode "$(header location)" authorization_id)
	page POST /oauth/consent/login --data-urlencode "authorization_id=$AID" \
	    --data-urlencode "email=${EMAIL:-$DEMO_EMAIL}" \
	    --data-urlencode "password=${PASSWORD:-$DEMO_PASSWORD}"
	assert_status 303
	page GET "/oauth/consent?authorization_id=$AID"
	assert_status 200
	page POST /oauth/consent --data-urlencode "authorization_id=$AID" \
	    --data-urlencode "csrf=$(csrf_of)" --data-urlencode action=approve \
	    --data-urlencode "tenant=$tenant" "${servers[@]}"
	assert_status 303
	url=$(header location)
	token grant_type=authorization_code "code=$(node_decode "$url" code)" \
	    "code_verifier=$VERIFIER" "client_id=$cid"
	assert_status 200
	AT=$(jq -r .access_token <<<"$body")
	RT=$(jq -r .refresh_token <<<"$body")
}
