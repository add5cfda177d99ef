#!/usr/bin/env bats
# The layers of the source tree (docs/architecture.md): every #include
# "..." in lib/, src/ and deploy/supabase-local/ goes down a layer or stays
# in its folder, and none closes a circle. tests/layers.sh does the work;
# this file also checks that it catches what it should.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

@test "no include runs up a layer or closes a circle" {
	run sh "$TOP/tests/layers.sh" "$TOP"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[${#lines[@]} - 1]}" = "layers: clean" ]
}

# A copy of the tree's sources with one bad include added; prints the
# check's output.
layers_with() {
	local file=$1 line=$2 tmp
	tmp=$(mktemp -d "$BATS_TEST_TMPDIR/tree.XXXXXX")
	cp -R "$TOP/lib" "$TOP/src" "$tmp/"
	mkdir -p "$tmp/deploy"
	cp -R "$TOP/deploy/supabase-local" "$tmp/deploy/"
	printf '%s\n' "$line" >>"$tmp/$file"
	sh "$TOP/tests/layers.sh" "$tmp"
}

@test "an include from lib/ into src/ is refused, naming file and line" {
	run layers_with lib/buf.c '#include "http/request.h"'
	echo "$output"
	[ "$status" -eq 1 ]
	n=$(wc -l <"$TOP/lib/buf.c")
	[[ "$output" == *"lib/buf.c:$((n + 1)): #include \"http/request.h\" runs up from lib (layer 0) to http (layer 2)"* ]]
}

@test "an include from http/ up to mcp/ is refused" {
	run layers_with src/http/router.c '#include "mcp/mcp.h"'
	[ "$status" -eq 1 ]
	[[ "$output" == *"src/http/router.c:"*"runs up from http (layer 2) to mcp (layer 6)"* ]]
}

@test "supabase-local may use lib/ but not the platform's headers" {
	run layers_with deploy/supabase-local/sl_db.c '#include "config.h"'
	[ "$status" -eq 1 ]
	[[ "$output" == *"deploy/supabase-local/sl_db.c:"*"runs up from supabase-local (layer 1) to src (layer 1)"* ]]
}

@test "a circle inside one folder is refused" {
	run layers_with src/http/request.c '#include "http/router.h"'
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"src/http/request.c:"*"closes a circle: src/http/request -> src/http/router -> "* ]]
}

@test "a circle in supabase-local is refused" {
	run layers_with deploy/supabase-local/sl_http.c '#include "sl_main.h"'
	[ "$status" -eq 1 ]
	[[ "$output" == *"sl_http.c:"*"no such header"* ]]
	run layers_with deploy/supabase-local/sl_http.c '#include "sl_auth.h"'
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sl_http.c:"*"closes a circle: deploy/supabase-local/sl_http -> deploy/supabase-local/sl_auth -> "* ]]
}

@test "mcpctl may use every layer but the top" {
	run layers_with src/mcpctl/tail.c '#include "api/api_logs.h"'
	[ "$status" -eq 0 ]
	run layers_with src/mcpctl/tail.c '#include "routes.h"'
	[ "$status" -eq 1 ]
	[[ "$output" == *"runs up from mcpctl (layer 8) to top (layer 9)"* ]]
}
