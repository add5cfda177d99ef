#!/usr/bin/env bats
# mcpctl's operator commands against the real stack (docs/mcpctl.md):
# init, migrate, catalog add|list|remove, tenant create|list, member add,
# doctor, --help on every command, and their bad input.

load helpers

CTL=${MCPCTL:-$TOP/build/mcpctl}

setup_file() {
	stack_up lighttpd
	export CONF="$STACK_DIR/platform/mcp-platform.conf"
}
teardown_file() { stack_down; }

# ctl ARGS...: mcpctl -c $CONF with $status, $output (stdout) and $err
ctl() {
	status=0
	output=$("$CTL" -c "$CONF" "$@" 2>"$BATS_TEST_TMPDIR/ctl.err") || status=$?
	err=$(cat "$BATS_TEST_TMPDIR/ctl.err")
}

@test "--help on every command answers 0 with its usage; bad usage is 2" {
	for c in logs init migrate catalog tenant member doctor; do
		run "$CTL" "$c" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"usage: mcpctl [-c file] $c"* ]]
	done
	run "$CTL" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Exit status: 0 done, 1 failed, 2 usage"* ]]
	run "$CTL" nonsense
	[ "$status" -eq 2 ]
	for a in "catalog" "catalog add" "catalog frob x" "tenant" "tenant create onlyslug" \
	    "member" "member add alpha" "init" "migrate a b" "doctor extra"; do
		ctl $a
		echo "$a -> $status $err"
		[ "$status" -eq 2 ]
		[[ "$err" == *usage:* ]]
	done
}

@test "init writes the signing key, master key and a config, 0600, and refuses to overwrite" {
	d="$BATS_TEST_TMPDIR/init"
	run "$CTL" init "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	for f in platform-signing.pem master-key mcp-platform.conf; do
		[ "$(stat -c %a "$d/$f")" = 600 ]
	done
	[ "$(stat -c %a "$d")" = 700 ]
	openssl pkey -in "$d/platform-signing.pem" -noout -text | grep -q 'prime256v1\|P-256'
	grep -qE '^[0-9a-f]{64}$' "$d/master-key"
	grep -q "^platform_signing_key_file = $d/platform-signing.pem$" "$d/mcp-platform.conf"
	grep -q "^master_key_file = $d/master-key$" "$d/mcp-platform.conf"
	# The master key is one the platform accepts: the stack's config with it
	sed "s|^master_key_file = .*|master_key_file = $d/master-key|" "$CONF" >"$BATS_TEST_TMPDIR/c.conf"
	run "$STACK_DIR/bin/mcp-platform.fcgi" -c "$BATS_TEST_TMPDIR/c.conf" --check-config
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"config ok"* ]]
	sum=$(sha256sum "$d"/* | sha256sum)
	run "$CTL" init "$d"
	[ "$status" -eq 1 ]
	[[ "$output" == *"exists: refusing to overwrite anything"* ]]
	[ "$(sha256sum "$d"/* | sha256sum)" = "$sum" ]
	# one file present is enough to refuse, and nothing else is written
	e="$BATS_TEST_TMPDIR/init2"
	mkdir "$e" && echo keep >"$e/master-key"
	run "$CTL" init "$e"
	[ "$status" -eq 1 ]
	[ "$(cat "$e/master-key")" = keep ]
	[ ! -e "$e/platform-signing.pem" ]
}

@test "migrate applies nothing on a migrated database, says so, and needs a database" {
	MCPCTL_SQL_DIR="$TOP/sql" run "$CTL" migrate "$STACK_PG"
	echo "$output"
	[ "$status" -eq 0 ]
	n=$(stack_psql -At -c 'select count(*) from mcp_platform.schema_migrations')
	[ "$n" -eq "$(ls "$TOP"/sql/migrations/*.sql | wc -l)" ]
	env -u DATABASE_URL "$CTL" migrate 2>"$BATS_TEST_TMPDIR/e" && false || [ $? -eq 2 ]
	grep -q 'no database' "$BATS_TEST_TMPDIR/e"
	MCPCTL_SQL_DIR=/nonexistent run "$CTL" migrate "$STACK_PG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot run '/nonexistent/migrate'"* ]]
}

@test "catalog add, list, re-add (upsert) and remove; bad files are refused" {
	cat >"$BATS_TEST_TMPDIR/s.json" <<-'EOF'
	{"slug":"echo-test","name":"Echo test","transport":"http","url":"https://echo.example.com/mcp",
	 "secrets_spec":[{"name":"token","delivery":"header","target":"Authorization","required":true}]}
	EOF
	ctl catalog add "$BATS_TEST_TMPDIR/s.json"
	echo "$output $err"
	[ "$status" -eq 0 ]
	jq -e '.[0].slug == "echo-test"' <<<"$output"
	sed 's/Echo test/Echo renamed/' "$BATS_TEST_TMPDIR/s.json" >"$BATS_TEST_TMPDIR/s2.json"
	ctl catalog add "$BATS_TEST_TMPDIR/s2.json"
	[ "$status" -eq 0 ]
	ctl catalog list
	[ "$status" -eq 0 ]
	jq -e '[.[] | select(.slug == "echo-test")] | length == 1 and .[0].name == "Echo renamed"' <<<"$output"
	[ "$(stack_psql -At -c "select name from mcp_servers where slug = 'echo-test'")" = "Echo renamed" ]

	echo '{"slug":"x",' >"$BATS_TEST_TMPDIR/bad.json"
	ctl catalog add "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 1 ]
	[[ "$err" == *"bad.json"* ]]
	echo '[1]' >"$BATS_TEST_TMPDIR/arr.json"
	ctl catalog add "$BATS_TEST_TMPDIR/arr.json"
	[ "$status" -eq 1 ]
	[[ "$err" == *"not a JSON object"* ]]
	echo '{"slug":"a","slug":"b"}' >"$BATS_TEST_TMPDIR/dup.json"
	ctl catalog add "$BATS_TEST_TMPDIR/dup.json"
	[ "$status" -eq 1 ]
	echo '{"slug":"ok","name":"n","transport":"stdio","argv":["x"],"owner":"me"}' >"$BATS_TEST_TMPDIR/unk.json"
	ctl catalog add "$BATS_TEST_TMPDIR/unk.json"
	[ "$status" -eq 1 ]
	[[ "$err" == *"unknown field 'owner'"* ]]
	echo '{"slug":"Bad Slug","name":"n","transport":"stdio","argv":["x"]}' >"$BATS_TEST_TMPDIR/slug.json"
	ctl catalog add "$BATS_TEST_TMPDIR/slug.json"
	[ "$status" -eq 1 ]
	[[ "$err" == *"field 'slug'"* ]]
	# the database's own check: http without url
	echo '{"slug":"nourl","name":"n","transport":"http"}' >"$BATS_TEST_TMPDIR/nourl.json"
	ctl catalog add "$BATS_TEST_TMPDIR/nourl.json"
	[ "$status" -eq 1 ]
	[[ "$err" == *"supabase answered 400"* ]]
	ctl catalog add "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 1 ]

	ctl catalog remove echo-test
	[ "$status" -eq 0 ]
	[ "$(stack_psql -At -c "select count(*) from mcp_servers where slug = 'echo-test'")" -eq 0 ]
	ctl catalog remove echo-test
	[ "$status" -eq 1 ]
	[[ "$err" == *"no catalog entry 'echo-test'"* ]]
	ctl catalog remove 'x;drop'
	[ "$status" -eq 1 ]
}

@test "tenant create and list; member add by user id; unknown tenant, bad role, duplicates" {
	uid=$(stack_user_session dora@example.com dora-password-1 | jq -r .user.id)
	[[ "$uid" =~ ^[0-9a-f-]{36}$ ]]
	ctl tenant create dora-co "Dora & Co"
	echo "$output $err"
	[ "$status" -eq 0 ]
	jq -e '.[0].slug == "dora-co" and .[0].name == "Dora & Co"' <<<"$output"
	ctl tenant create dora-co "again"
	[ "$status" -eq 1 ]
	[[ "$err" == *"409"* ]]
	ctl tenant create 'Bad_Slug' x
	[ "$status" -eq 1 ]
	ctl tenant create okslug ''
	[ "$status" -eq 1 ]
	ctl tenant list
	[ "$status" -eq 0 ]
	jq -e 'any(.[]; .slug == "dora-co")' <<<"$output"

	ctl member add dora-co "$uid" owner
	echo "$output $err"
	[ "$status" -eq 0 ]
	jq -e ".[0].role == \"owner\" and .[0].user_id == \"$uid\"" <<<"$output"
	[ "$(stack_psql -At -c "select role from tenant_members m join tenants t on t.id = m.tenant_id where t.slug = 'dora-co'")" = owner ]
	# the user now sees the tenant through the API, as its owner
	tok=$(stack_user_session dora@example.com dora-password-1 | jq -r .access_token)
	http GET "$SUPA/rest/v1/tenants?select=slug" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $tok"
	[[ "$body" == *dora-co* ]]

	ctl member add no-such-tenant "$uid" member
	[ "$status" -eq 1 ]
	[[ "$err" == *"no tenant 'no-such-tenant'"* ]]
	ctl member add dora-co "$uid" superuser
	[ "$status" -eq 1 ]
	ctl member add dora-co not-a-uuid member
	[ "$status" -eq 1 ]
	ctl member add dora-co 00000000-0000-4000-8000-000000000000 member
	[ "$status" -eq 1 ]           # no such user: the foreign key refuses
}

@test "doctor: config, file modes, Supabase and schema; a group-readable secret file fails" {
	ctl doctor
	echo "$output"
	[[ "$output" == *"config $CONF loaded"* ]]
	[[ "$output" == *"reachable, schema ok"* ]]
	[[ "$output" == *"hint lighttpd"* ]]
	[[ "$output" == *"landlock_abi"* ]]
	key=$(sed -n 's/^master_key_file = //p' "$CONF")
	cp -p "$key" "$BATS_TEST_TMPDIR/mk" && chmod 0640 "$BATS_TEST_TMPDIR/mk"
	sed "s|^master_key_file = .*|master_key_file = $BATS_TEST_TMPDIR/mk|" "$CONF" >"$BATS_TEST_TMPDIR/c.conf"
	run "$CTL" -c "$BATS_TEST_TMPDIR/c.conf" doctor
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mk"* ]]
	# Supabase down: unreachable, exit 1
	sed "s|^supabase_url = .*|supabase_url = http://127.0.0.1:1|" "$CONF" >"$BATS_TEST_TMPDIR/d.conf"
	run "$CTL" -c "$BATS_TEST_TMPDIR/d.conf" doctor
	[ "$status" -eq 1 ]
	[[ "$output" == *unreachable* ]]
	run "$CTL" -c /nonexistent doctor
	[ "$status" -eq 1 ]
	[[ "$output" == *"config not loaded"* ]]
}
