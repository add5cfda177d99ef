-- sql/tests/schema_check.sql — asserts the schema's security and contracts:
-- RLS per role, grants, resolve_mcp_target(), triggers, partitions.
--
-- usage: psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f sql/tests/schema_check.sql
--
-- Needs a migrated database and a session user that may SET ROLE to anon,
-- authenticated and service_role (postgres). Everything happens in one
-- transaction that is rolled back, so it leaves no trace. The first failed
-- assertion raises an error naming it; success prints one line.

\set QUIET on
-- Query results are not the point; failures arrive as errors on stderr.
\o /dev/null
begin;
set local client_min_messages = warning;

-- ---------------------------------------------------------------------------
-- Test helpers (session-temporary; any role may call them)
-- ---------------------------------------------------------------------------

create function pg_temp.ok(p_cond boolean, p_what text) returns void
  language plpgsql as $$
begin
  if p_cond is distinct from true then
    raise exception 'schema check failed: %', p_what;
  end if;
end
$$;

-- Runs p_sql as the current role and expects it to fail with p_state.
create function pg_temp.fails(p_sql text, p_state text, p_what text) returns void
  language plpgsql as $$
declare
  v_state text;
begin
  begin
    execute p_sql;
  exception when others then
    get stacked diagnostics v_state = returned_sqlstate;
    if v_state <> p_state then
      raise exception 'schema check failed: % (got sqlstate %, want %)', p_what, v_state, p_state;
    end if;
    return;
  end;
  raise exception 'schema check failed: % (statement succeeded)', p_what;
end
$$;

-- Acts as PostgREST does: role and claims for the rest of the transaction.
create function pg_temp.act(p_role text, p_sub uuid default null) returns void
  language plpgsql as $$
begin
  perform set_config('role', p_role, true);
  perform set_config('request.jwt.claims',
    case when p_sub is null then json_build_object('role', p_role)::text
         else json_build_object('sub', p_sub, 'role', p_role)::text end, true);
end
$$;

-- ---------------------------------------------------------------------------
-- Static properties
-- ---------------------------------------------------------------------------

select pg_temp.ok(not exists (
         select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind in ('r', 'p')
            and (c.relname in ('tenants', 'tenant_members', 'mcp_servers', 'tenant_servers',
                               'api_keys', 'audit_events', 'request_logs')
                 or c.oid in (select inhrelid from pg_inherits
                               where inhparent = 'public.request_logs'::regclass))
            and not c.relrowsecurity),
       'rls is enabled on every platform table and partition');

select pg_temp.ok(not exists (
         select 1 from pg_inherits i, unnest(array['anon', 'authenticated']) r
          where i.inhparent = 'public.request_logs'::regclass
            and has_table_privilege(r, i.inhrelid, 'select, insert, update, delete')),
       'no partition of request_logs is granted to anon or authenticated');

select pg_temp.ok(not exists (
         select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind in ('r', 'p')
            and c.relname in ('tenants', 'tenant_members', 'mcp_servers', 'tenant_servers',
                              'api_keys', 'audit_events', 'request_logs')
            and has_table_privilege('anon', c.oid, 'select, insert, update, delete, truncate, references, trigger')),
       'anon has no privilege on any platform table');

select pg_temp.ok(not exists (
         select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname in ('public', 'mcp_platform') and p.prosecdef
            and (has_function_privilege('anon', p.oid, 'execute')
                 or p.proconfig is null
                 or not ('search_path=""' = any (p.proconfig)))),
       'security definer functions: pinned search_path, not executable by anon/public');

select pg_temp.ok(to_regclass('public.schema_migrations') is null
                  and to_regclass('mcp_platform.schema_migrations') is not null,
       'migration bookkeeping lives in mcp_platform, not public');

select pg_temp.ok((select provolatile = 's' and prosecdef
                     from pg_proc where oid = 'public.resolve_mcp_target(text,text,uuid,uuid)'::regprocedure),
       'resolve_mcp_target is stable and security definer');

select pg_temp.ok(not has_function_privilege('authenticated',
                    'public.resolve_mcp_target(text,text,uuid,uuid)', 'execute')
                  and has_function_privilege('service_role',
                    'public.resolve_mcp_target(text,text,uuid,uuid)', 'execute'),
       'resolve_mcp_target: service_role only');

select pg_temp.ok(not has_function_privilege('authenticated',
                    'public.resolve_mcp_target_oauth(text,text,uuid,text,uuid)', 'execute')
                  and not has_function_privilege('anon',
                    'public.resolve_mcp_target_oauth(text,text,uuid,text,uuid)', 'execute')
                  and not has_function_privilege('authenticated',
                    'public.oauth_session_live(uuid)', 'execute')
                  and has_function_privilege('service_role',
                    'public.resolve_mcp_target_oauth(text,text,uuid,text,uuid)', 'execute'),
       'resolve_mcp_target_oauth, oauth_session_live: service_role only (0014)');

-- auth helpers with no claims / empty claims
select set_config('request.jwt.claims', '', true);
select pg_temp.ok(auth.uid() is null and auth.role() is null, 'auth.uid()/role() null on empty claims');

-- ---------------------------------------------------------------------------
-- Fixtures (as the session user, i.e. the operator)
-- ---------------------------------------------------------------------------

insert into auth.users (id, aud, role, email) values
  ('00000000-0000-4000-8000-0000000000a1', 'authenticated', 'authenticated', 'chk-a@example.invalid'),
  ('00000000-0000-4000-8000-0000000000b1', 'authenticated', 'authenticated', 'chk-b@example.invalid'),
  ('00000000-0000-4000-8000-0000000000c1', 'authenticated', 'authenticated', 'chk-c@example.invalid'),
  ('00000000-0000-4000-8000-0000000000d1', 'authenticated', 'authenticated', 'chk-d@example.invalid');

insert into public.mcp_servers (slug, name, transport, argv, url, secrets_spec, enabled) values
  ('chk-stdio', 'check stdio', 'stdio', '{/bin/cat}', null,
   '[{"name":"token","delivery":"env","target":"TOKEN","required":true}]', true),
  ('chk-http', 'check http', 'http', null, 'http://127.0.0.1:9/mcp', '[]', true),
  ('chk-off', 'check disabled', 'stdio', '{/bin/cat}', null, '[]', false);

select pg_temp.fails($$insert into public.mcp_servers (slug, name, transport, url)
                       values ('chk-bad', 'x', 'stdio', 'http://x/')$$, '23514',
       'catalog: stdio without argv is rejected');
select pg_temp.fails($$insert into public.mcp_servers (slug, name, transport, argv, settings_spec)
                       values ('chk-bad', 'x', 'stdio', '{/bin/cat}',
                               '[{"name":"a","delivery":"file","target":"A"}]')$$, '23514',
       'catalog: unknown delivery in settings_spec is rejected');
select pg_temp.fails($$insert into public.mcp_servers (slug, name, transport, argv, network)
                       values ('chk-bad', 'x', 'stdio', '{/bin/cat}', 'loopback')$$, '23514',
       'catalog: an unknown network mode is rejected (0005)');
select pg_temp.fails($$insert into public.mcp_servers (slug, name, transport, argv, egress_ports)
                       values ('chk-bad', 'x', 'stdio', '{/bin/cat}', '{443,70000}')$$, '23514',
       'catalog: an egress port out of range is rejected (0005)');
select pg_temp.fails($$insert into public.mcp_servers (slug, name, transport, argv, read_paths)
                       values ('chk-bad', 'x', 'stdio', '{/bin/cat}', '{/opt/x,relative}')$$, '23514',
       'catalog: a relative read path is rejected (0005)');
select pg_temp.fails($$insert into public.mcp_servers (slug, name, transport, argv, read_paths)
                       values ('chk-bad', 'x', 'stdio', '{/bin/cat}', '{/opt/../etc}')$$, '23514',
       'catalog: a read path with .. is rejected (0005)');
select pg_temp.fails($$insert into public.tenants (slug, name) values ('Bad_Slug', 'x')$$, '23514',
       'tenants: slug format is checked');

-- ---------------------------------------------------------------------------
-- anon: nothing
-- ---------------------------------------------------------------------------

select pg_temp.act('anon');
select pg_temp.fails('select * from public.tenants', '42501', 'anon cannot read tenants');
select pg_temp.fails('select * from public.mcp_servers', '42501', 'anon cannot read the catalog');
select pg_temp.fails('select * from public.request_logs', '42501', 'anon cannot read request_logs');
select pg_temp.fails($$select public.create_tenant('chk-anon', 'x')$$, '42501', 'anon cannot create tenants');
select pg_temp.fails($$select public.resolve_mcp_target('chk-alpha', 'x')$$, '42501', 'anon cannot resolve');
reset role;

-- ---------------------------------------------------------------------------
-- Users create tenants and see only their own
-- ---------------------------------------------------------------------------

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000a1');
select pg_temp.ok((public.create_tenant('chk-alpha', 'Alpha')).slug = 'chk-alpha', 'A creates chk-alpha');
select pg_temp.ok(public.tenant_role((select id from public.tenants where slug = 'chk-alpha')) = 'owner',
       'the creator is owner');
select pg_temp.fails($$insert into public.tenants (slug, name) values ('chk-direct', 'x')$$, '42501',
       'tenants are created through create_tenant only');
select pg_temp.fails($$select public.create_tenant('chk-alpha', 'again')$$, '23505',
       'duplicate tenant slug is a unique violation');

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000b1');
select public.create_tenant('chk-beta', 'Beta');

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000a1');
select pg_temp.ok((select array_agg(slug) from public.tenants) = '{chk-alpha}', 'A sees only chk-alpha');
select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000b1');
select pg_temp.ok((select array_agg(slug) from public.tenants) = '{chk-beta}', 'B sees only chk-beta');
select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000c1');
select pg_temp.ok((select count(*) from public.tenants) = 0, 'C sees no tenant');
select pg_temp.ok((select count(*) from public.tenant_members) = 0, 'C sees no membership');
select pg_temp.ok((select array_agg(slug order by slug) from public.mcp_servers where slug like 'chk-%')
                  = '{chk-http,chk-stdio}', 'any user sees the enabled catalog only');
select pg_temp.fails($$select public.resolve_mcp_target('chk-alpha', 'x')$$, '42501',
       'authenticated cannot resolve');

reset role;
select pg_temp.act('service_role');
select pg_temp.ok((select count(*) from public.tenants where slug in ('chk-alpha', 'chk-beta')) = 2,
       'service_role sees every tenant');
reset role;

-- ---------------------------------------------------------------------------
-- Members and roles
-- ---------------------------------------------------------------------------

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000a1');
insert into public.tenant_members (tenant_id, user_id, role)
  select id, '00000000-0000-4000-8000-0000000000c1', 'member' from public.tenants where slug = 'chk-alpha';

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000b1');
select pg_temp.fails($$insert into public.tenant_members (tenant_id, user_id, role)
                       values ((select id from public.tenants where slug = 'chk-alpha'),
                               '00000000-0000-4000-8000-0000000000b1', 'owner')$$,
       '42501', 'B cannot join a tenant they are not owner of');

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000c1');
select pg_temp.ok((select array_agg(slug) from public.tenants) = '{chk-alpha}', 'member C now sees chk-alpha');
select pg_temp.ok((select count(*) from public.tenant_members) = 2, 'C sees the members of chk-alpha');
update public.tenant_members set role = 'owner' where user_id = '00000000-0000-4000-8000-0000000000c1';
select pg_temp.ok((select role from public.tenant_members
                    where user_id = '00000000-0000-4000-8000-0000000000c1') = 'member',
       'a member cannot promote themself');

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000a1');
update public.tenant_members set role = 'admin' where user_id = '00000000-0000-4000-8000-0000000000c1';
select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000c1');
select pg_temp.fails($$insert into public.tenant_members (tenant_id, user_id, role)
                       values ((select id from public.tenants where slug = 'chk-alpha'),
                               '00000000-0000-4000-8000-0000000000d1', 'owner')$$,
       '42501', 'an admin cannot create an owner');
insert into public.tenant_members (tenant_id, user_id, role)
  values ((select id from public.tenants where slug = 'chk-alpha'), '00000000-0000-4000-8000-0000000000d1', 'member');
delete from public.tenant_members where user_id = '00000000-0000-4000-8000-0000000000a1';
select pg_temp.ok((select count(*) from public.tenant_members
                    where user_id = '00000000-0000-4000-8000-0000000000a1') = 1,
       'an admin cannot remove an owner');

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000a1');
select pg_temp.fails($$update public.tenant_members set role = 'admin'
                        where user_id = '00000000-0000-4000-8000-0000000000a1'$$, '23514',
       'the last owner cannot demote themself');
select pg_temp.fails($$delete from public.tenant_members
                        where user_id = '00000000-0000-4000-8000-0000000000a1'$$, '23514',
       'the last owner cannot leave');
select pg_temp.fails($$update public.tenants set status = 'active' where slug = 'chk-alpha'$$, '42501',
       'tenant status is operator-only');
update public.tenants set name = 'Alpha renamed' where slug = 'chk-alpha';
select pg_temp.ok((select name from public.tenants where slug = 'chk-alpha') = 'Alpha renamed',
       'an owner renames the tenant');

-- ---------------------------------------------------------------------------
-- tenant_servers
-- ---------------------------------------------------------------------------

insert into public.tenant_servers (tenant_id, server_id, alias)
  select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
   where t.slug = 'chk-alpha' and s.slug in ('chk-stdio', 'chk-http');
reset role;
select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000a1');
select pg_temp.fails(format($$insert into public.tenant_servers (tenant_id, server_id, alias)
                              values (%L, %L, 'off')$$,
                            (select id from public.tenants where slug = 'chk-alpha'),
                            (select id from public.mcp_servers where slug = 'chk-off')),
       '42501', 'a disabled catalog server cannot be enabled');
select pg_temp.fails($$update public.tenant_servers set secrets = '{"token":"plaintext"}'
                        where alias = 'chk-stdio'$$, '23514', 'plaintext secrets are rejected');
select pg_temp.fails($$update public.tenant_servers set limits = '{"rps":1000}'
                        where alias = 'chk-stdio'$$, '42501', 'tenant_servers.limits is operator-only');
update public.tenant_servers
   set secrets = '{"token":{"kid":"k1","nonce":"AAAAAAAAAAAAAAAA","ct":"Zm9vYmFy"}}',
       tool_deny = '{echo}'
 where alias = 'chk-stdio';
select pg_temp.ok((select version from public.tenant_servers where alias = 'chk-stdio') = 2,
       'an update bumps tenant_servers.version');

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000d1');
select pg_temp.ok((select count(*) from public.tenant_servers) = 2, 'member D sees chk-alpha''s servers');
update public.tenant_servers set enabled = false;
select pg_temp.ok((select bool_and(enabled) from public.tenant_servers), 'a member cannot change servers');

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000b1');
select pg_temp.ok((select count(*) from public.tenant_servers) = 0, 'B sees none of chk-alpha''s servers');
reset role;

-- A catalog change moves the version of every tenant config using it.
update public.mcp_servers set argv = '{/bin/cat,-u}' where slug = 'chk-stdio';
select pg_temp.ok((select version from public.tenant_servers where alias = 'chk-stdio') = 3,
       'a catalog change bumps the tenant config version');

-- ---------------------------------------------------------------------------
-- api_keys
-- ---------------------------------------------------------------------------

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000a1');
insert into public.api_keys (tenant_id, name, prefix, secret_sha256, scopes)
  values ((select id from public.tenants where slug = 'chk-alpha'), 'live', 'chk_live',
          sha256('s1'), '{mcp}'),
         ((select id from public.tenants where slug = 'chk-alpha'), 'old', 'chk_old',
          sha256('s2'), '{mcp}'),
         ((select id from public.tenants where slug = 'chk-alpha'), 'expired', 'chk_expired',
          sha256('s3'), '{mcp}');
select pg_temp.ok((select bool_and(created_by = '00000000-0000-4000-8000-0000000000a1')
                     from public.api_keys), 'created_by defaults to the caller');
select pg_temp.fails('select secret_sha256 from public.api_keys', '42501',
       'secret_sha256 is not readable by users');
select pg_temp.fails($$insert into public.api_keys (tenant_id, name, prefix, secret_sha256, created_by)
                       values ((select id from public.tenants where slug = 'chk-alpha'), 'x', 'chk_forged',
                               sha256('x'), '00000000-0000-4000-8000-0000000000c1')$$,
       '42501', 'created_by cannot name someone else');
update public.api_keys set revoked_at = now() where prefix = 'chk_old';
select pg_temp.fails($$update public.api_keys set revoked_at = null where prefix = 'chk_old'$$, '23514',
       'a revoked key stays revoked');

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000d1');
select pg_temp.ok((select count(*) from public.api_keys) = 0, 'plain members do not see api keys');
reset role;
update public.api_keys set expires_at = now() - interval '1 minute' where prefix = 'chk_expired';

-- ---------------------------------------------------------------------------
-- resolve_mcp_target (as the platform)
-- ---------------------------------------------------------------------------

select pg_temp.act('service_role');

select pg_temp.ok(
  (select r #>> '{caller,kind}' = 'user' and r #>> '{caller,role}' = 'owner'
          and r #>> '{tenant,slug}' = 'chk-alpha' and r #>> '{tenant,status}' = 'active'
          and r #>> '{server,transport}' = 'stdio' and r #> '{server,argv}' = '["/bin/cat","-u"]'
          and r #> '{server,url}' = 'null'
          and r #>> '{tenant_server,alias}' = 'chk-stdio'
          and r #> '{tenant_server,version}' = '3'
          and r #> '{tenant_server,tool_allow}' = 'null'
          and r #> '{tenant_server,tool_deny}' = '["echo"]'
          and r #>> '{tenant_server,secrets,token,kid}' = 'k1'
          and (select array_agg(k order by k) from jsonb_object_keys(r) k)
              = '{caller,server,tenant,tenant_server}'
     from public.resolve_mcp_target('chk-alpha', 'chk-stdio',
            '00000000-0000-4000-8000-0000000000a1') r),
  'resolve: owner gets the full document');
select pg_temp.ok(
  (select r #>> '{server,network}' = 'loopback-denied'
          and r #> '{server,egress_ports}' = 'null'
          and r #> '{server,read_paths}' = 'null'
     from public.resolve_mcp_target('chk-alpha', 'chk-stdio',
            '00000000-0000-4000-8000-0000000000a1') r),
  'resolve: the sandbox fields, defaults (0005)');
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-http', '00000000-0000-4000-8000-0000000000d1')
                    #>> '{caller,role}' = 'member', 'resolve: member, http server');
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-stdio', '00000000-0000-4000-8000-0000000000b1')
                  is null, 'resolve: non-member gets null');
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'nope', '00000000-0000-4000-8000-0000000000a1')
                  is null, 'resolve: unknown alias gets null');
select pg_temp.ok(public.resolve_mcp_target('chk-nope', 'chk-stdio', '00000000-0000-4000-8000-0000000000a1')
                  is null, 'resolve: unknown tenant gets null');
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-stdio') is null,
       'resolve: no caller gets null');
select pg_temp.ok(
  (select r #>> '{caller,kind}' = 'api_key' and r #> '{caller,scopes}' = '["mcp"]'
     from public.resolve_mcp_target('chk-alpha', 'chk-stdio', null,
            (select id from public.api_keys where prefix = 'chk_live')) r),
  'resolve: live api key');
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-stdio', null,
                    (select id from public.api_keys where prefix = 'chk_old')) is null,
       'resolve: revoked api key gets null');
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-stdio', null,
                    (select id from public.api_keys where prefix = 'chk_expired')) is null,
       'resolve: expired api key gets null');
select pg_temp.ok(public.resolve_mcp_target('chk-beta', 'chk-stdio', null,
                    (select id from public.api_keys where prefix = 'chk_live')) is null,
       'resolve: another tenant''s key gets null');
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-stdio', '00000000-0000-4000-8000-0000000000a1',
                    (select id from public.api_keys where prefix = 'chk_live')) is null,
       'resolve: both a user and a key gets null');

update public.tenant_servers set enabled = false where alias = 'chk-http';
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-http', '00000000-0000-4000-8000-0000000000a1')
                  is null, 'resolve: disabled alias gets null');
update public.mcp_servers set enabled = false where slug = 'chk-stdio';
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-stdio', '00000000-0000-4000-8000-0000000000a1')
                  is null, 'resolve: disabled catalog server gets null');
update public.mcp_servers set enabled = true where slug = 'chk-stdio';
update public.tenants set status = 'suspended' where slug = 'chk-alpha';
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-stdio', '00000000-0000-4000-8000-0000000000a1')
                  is null, 'resolve: suspended tenant gets null');
update public.tenants set status = 'active' where slug = 'chk-alpha';

-- ---------------------------------------------------------------------------
-- request_logs and audit_events
-- ---------------------------------------------------------------------------

insert into public.request_logs (request_id, ts, tenant_id, tenant_slug, caller_kind, method, http_status)
  values ('chk-1', now(), (select id from public.tenants where slug = 'chk-alpha'), 'chk-alpha', 'user', 'tools/list', 200),
         ('chk-2', now(), (select id from public.tenants where slug = 'chk-beta'), 'chk-beta', 'user', 'tools/list', 200),
         ('chk-3', now(), null, 'chk-nope', null, null, 404);
-- A replayed batch is dropped by the primary key, not rejected.
insert into public.request_logs (request_id, ts, http_status)
  select request_id, ts, 500 from public.request_logs where request_id = 'chk-1'
  on conflict do nothing;
insert into public.audit_events (tenant_id, actor, action, target)
  values ((select id from public.tenants where slug = 'chk-alpha'), '00000000-0000-4000-8000-0000000000a1',
          'server.enable', 'chk-stdio'),
         ((select id from public.tenants where slug = 'chk-beta'), '00000000-0000-4000-8000-0000000000b1',
          'server.enable', 'x');

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000c1');
select pg_temp.ok((select array_agg(request_id) from public.request_logs where request_id like 'chk-%')
                  = '{chk-1}', 'a member sees only their tenant''s request logs');
select pg_temp.ok((select array_agg(target) from public.audit_events) = '{chk-stdio}',
       'a member sees only their tenant''s audit events');
select pg_temp.fails(format('select * from public.%I',
                       (select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
                         where i.inhparent = 'public.request_logs'::regclass
                           and c.relname <> 'request_logs_default' limit 1)),
       '42501', 'a partition cannot be read directly');
select pg_temp.fails($$insert into public.request_logs (request_id, http_status) values ('chk-x', 200)$$,
       '42501', 'users cannot write request logs');
select pg_temp.fails($$insert into public.audit_events (action) values ('forged')$$,
       '42501', 'users cannot write audit events');
select pg_temp.fails($$select public.request_logs_ensure_partitions(current_date, 1)$$,
       '42501', 'users cannot create partitions');
reset role;

-- A row beyond the last partition lands in the default partition and moves
-- out when its month's partition is created.
insert into public.request_logs (request_id, ts) values ('chk-future', '2099-05-17 12:00:00+00');
select pg_temp.ok((select count(*) from public.request_logs_default where request_id = 'chk-future') = 1,
       'an uncovered row lands in request_logs_default');
select pg_temp.ok(public.request_logs_ensure_partitions('2099-05-01', 0) = 1, 'ensure creates one partition');
select pg_temp.ok(public.request_logs_ensure_partitions('2099-05-01', 0) = 0, 'ensure is idempotent');
select pg_temp.ok((select tableoid::regclass::text from public.request_logs where request_id = 'chk-future')
                  = 'request_logs_y2099m05', 'the row moved into its monthly partition');
select pg_temp.ok((select c.relrowsecurity and not has_table_privilege('anon', c.oid, 'select')
                     from pg_class c where c.oid = 'public.request_logs_y2099m05'::regclass),
       'a new partition has rls on and no anon grant');
select pg_temp.ok(public.request_logs_drop_partitions('2000-01-01') = 0, 'drop before 2000 drops nothing');

-- ---------------------------------------------------------------------------
-- tenant_logs / tenant_usage (0004): security invoker, RLS decides
-- ---------------------------------------------------------------------------

select pg_temp.ok((select bool_and(not p.prosecdef and p.provolatile = 's'
                                   and 'search_path=""' = any (p.proconfig))
                     from pg_proc p
                    where p.oid in ('public.tenant_logs(text,text,text,text,integer,timestamptz,timestamptz,timestamptz,text,integer)'::regprocedure,
                                    'public.tenant_usage(text,text,timestamptz,timestamptz)'::regprocedure)),
       'tenant_logs/tenant_usage: stable, security invoker, pinned search_path');
select pg_temp.ok((select bool_and(has_function_privilege('authenticated', f, 'execute')
                                   and has_function_privilege('service_role', f, 'execute')
                                   and not has_function_privilege('anon', f, 'execute')
                                   and not exists (select 1 from pg_proc p, aclexplode(p.proacl) a
                                                    where p.oid = f and a.grantee = 0))
                     from unnest(array['public.tenant_logs(text,text,text,text,integer,timestamptz,timestamptz,timestamptz,text,integer)'::regprocedure,
                                       'public.tenant_usage(text,text,timestamptz,timestamptz)'::regprocedure]) f),
       'tenant_logs/tenant_usage: authenticated and service_role only');

-- chk-1 (alpha) and chk-2 (beta) are above; more alpha rows with known
-- values: two hours, two servers, ties on ts broken by request_id.
insert into public.request_logs (request_id, ts, tenant_id, tenant_slug, server_alias, method, tool,
                                 http_status, jsonrpc_error, total_ms)
  select 'chk-u' || i, '2031-02-03 10:00:00+00'::timestamptz + ((i / 4) * interval '1 hour'),
         (select id from public.tenants where slug = 'chk-alpha'), 'chk-alpha',
         case when i % 2 = 0 then 'chk-stdio' else 'chk-http' end, 'tools/call', 'echo',
         case when i = 3 then 500 else 200 end, case when i = 4 then -32602 end, i * 10
    from generate_series(0, 7) i;

select pg_temp.act('anon');
select pg_temp.fails($$select * from public.tenant_logs('chk-alpha')$$, '42501', 'anon cannot call tenant_logs');
select pg_temp.fails($$select * from public.tenant_usage('chk-alpha', 'hour', now() - interval '1 day', now())$$,
       '42501', 'anon cannot call tenant_usage');
reset role;

select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000c1');
select pg_temp.ok((select array_agg(request_id) from public.tenant_logs('chk-alpha', p_until => '2031-01-01'))
                  = '{chk-1}', 'tenant_logs: a member gets their tenant''s rows');
select pg_temp.fails($$select * from public.tenant_logs('chk-beta')$$, 'PT404',
       'tenant_logs: another tenant is PT404');
select pg_temp.fails($$select * from public.tenant_logs('chk-nope')$$, 'PT404',
       'tenant_logs: an unknown tenant is PT404 too');
select pg_temp.fails($$select * from public.tenant_usage('chk-beta', 'day', now() - interval '1 day', now())$$,
       'PT404', 'tenant_usage: another tenant is PT404');
select pg_temp.ok((select array_agg(request_id) from public.tenant_logs('chk-alpha', p_since => '2031-01-01'))
                  = '{chk-u7,chk-u6,chk-u5,chk-u4,chk-u3,chk-u2,chk-u1,chk-u0}',
       'tenant_logs: newest first, ties by request_id desc');
select pg_temp.ok((select array_agg(request_id) from public.tenant_logs('chk-alpha', p_since => '2031-01-01',
                     p_cursor_ts => '2031-02-03 11:00:00+00', p_cursor_id => 'chk-u6', p_limit => 2))
                  = '{chk-u5,chk-u4}', 'tenant_logs: the keyset cursor continues after (ts, id)');
select pg_temp.ok((select array_agg(request_id) from public.tenant_logs('chk-alpha', p_server => 'chk-http',
                     p_status => 500)) = '{chk-u3}', 'tenant_logs: filters combine');
select pg_temp.ok((select count(*) from public.tenant_logs('chk-alpha', p_limit => 0)) = 1
                  and (select count(*) from public.tenant_logs('chk-alpha', p_limit => 100000)) = 9,
       'tenant_logs: p_limit is clamped');
select pg_temp.fails($$select * from public.tenant_logs('chk-alpha', p_cursor_id => 'x')$$, '22023',
       'tenant_logs: a half cursor is refused');
select pg_temp.ok((select array_agg(format('%s %s %s %s %s %s', to_char(bucket_start at time zone 'UTC', 'HH24'),
                                           server_alias, count, errors, p50_ms, p95_ms)
                                    order by bucket_start, server_alias)
                     from public.tenant_usage('chk-alpha', 'hour', '2031-02-03', '2031-02-04'))
                  = '{"10 chk-http 2 1 20 29","10 chk-stdio 2 0 10 19","11 chk-http 2 0 60 69","11 chk-stdio 2 1 50 59"}',
       'tenant_usage: hour buckets, counts, errors, p50/p95');
select pg_temp.fails($$select * from public.tenant_usage('chk-alpha', 'hour', now() - interval '94 days', now())$$,
       '22023', 'tenant_usage: a too long hour range is refused');
select pg_temp.fails($$select * from public.tenant_usage('chk-alpha', 'minute', now() - interval '1 day', now())$$,
       '22023', 'tenant_usage: an unknown bucket is refused');
reset role;

select pg_temp.act('service_role');
select pg_temp.ok((select array_agg(request_id) from public.tenant_logs('chk-beta')) = '{chk-2}',
       'tenant_logs: service_role reads any tenant by slug');
reset role;

-- ---------------------------------------------------------------------------
-- Deletions cascade past the last-owner guard
-- ---------------------------------------------------------------------------

-- Users delete softly, owners only, through delete_tenant() (0007).
select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000c1');
select pg_temp.fails($$delete from public.tenants where slug = 'chk-alpha'$$, '42501',
       'users have no delete grant on tenants (0007)');
select pg_temp.fails($$select public.delete_tenant((select id from public.tenants where slug = 'chk-alpha'))$$,
       'PT403', 'an admin cannot delete the tenant');
select pg_temp.act('authenticated', '00000000-0000-4000-8000-0000000000a1');
select public.delete_tenant((select id from public.tenants where slug = 'chk-alpha'));
select pg_temp.ok((select count(*) from public.tenants where slug = 'chk-alpha') = 0,
       'a deleted tenant is invisible to its owner');
select pg_temp.ok(not exists (select 1 from public.tenant_servers ts where ts.alias in ('chk-stdio', 'chk-http')),
       'and so are its servers');
select pg_temp.ok(not exists (select 1 from public.my_tenants() where slug = 'chk-alpha'),
       'my_tenants() leaves it out');
select pg_temp.fails($$select public.delete_tenant((select id from public.tenants where slug = 'chk-beta'))$$,
       'PT404', 'delete_tenant: not a member is PT404');
reset role;
select pg_temp.ok((select deleted_at is not null from public.tenants where slug = 'chk-alpha'),
       'the deleted tenant''s row is kept');
select pg_temp.ok(public.resolve_mcp_target('chk-alpha', 'chk-stdio', '00000000-0000-4000-8000-0000000000a1') is null,
       'resolve refuses a deleted tenant');
-- The operator's hard delete cascades past the last-owner guard.
delete from public.tenants where slug = 'chk-alpha';
select pg_temp.ok(not exists (select 1 from public.tenants where slug = 'chk-alpha')
                  and not exists (select 1 from public.tenant_servers ts
                                   where ts.alias in ('chk-stdio', 'chk-http')
                                     and not exists (select 1 from public.tenants t where t.id = ts.tenant_id)),
       'deleting the tenant (operator) takes its rows with it');
delete from auth.users where id = '00000000-0000-4000-8000-0000000000b1';
select pg_temp.ok(not exists (select 1 from public.tenant_members
                               where user_id = '00000000-0000-4000-8000-0000000000b1'),
       'deleting a last owner''s auth user is not blocked');

rollback;
\o
\echo 'schema check: all assertions passed'
