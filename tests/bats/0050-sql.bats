#!/usr/bin/env bats
# The migrations on a real PostgreSQL 15: idempotent, and the schema's
# security contract (RLS, grants, resolve_mcp_target) holds.

load helpers

setup_file() { stack_up none; }
teardown_file() { stack_down; }

@test "migrate applies nothing the second time" {
	run "$TOP/sql/migrate" "$STACK_PG"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "every migration is recorded" {
	n=$(ls "$TOP"/sql/migrations/[0-9]*.sql | wc -l)
	got=$(stack_psql -At -c 'select count(*) from mcp_platform.schema_migrations')
	[ "$n" -eq "$got" ]
}

@test "every public table has row level security on" {
	off=$(stack_psql -At -c "select string_agg(c.relname, ',') from pg_class c
	    join pg_namespace n on n.oid = c.relnamespace
	    where n.nspname = 'public' and c.relkind in ('r', 'p')
	    and not c.relrowsecurity and not c.relispartition")
	[ -z "$off" ] || { echo "RLS off: $off" >&2; false; }
}

@test "anon is granted nothing on the platform's tables" {
	n=$(stack_psql -At -c "select count(*) from information_schema.role_table_grants
	    where grantee = 'anon' and table_schema = 'public'")
	[ "$n" -eq 0 ]
}

@test "the schema check (RLS per role, grants, resolve, triggers) passes" {
	run stack_psql -f "$TOP/sql/tests/schema_check.sql"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "a failing migration rolls back and exits non-zero" {
	d=$(mktemp -d)
	mkdir "$d/migrations"
	cp "$TOP/sql/migrate" "$d/"
	cp "$TOP"/sql/migrations/*.sql "$d/migrations/"
	printf 'create table public.t_partial (x int);\nselect 1/0;\n' \
	    >"$d/migrations/9999_broken.sql"
	run "$d/migrate" "$STACK_PG"
	rm -rf "$d"
	[ "$status" -ne 0 ]
	n=$(stack_psql -At -c "select count(*) from pg_class where relname = 't_partial'")
	[ "$n" -eq 0 ]
}
