-- 0002_platform.sql — the platform's tables (DESIGN §4), their row-level
-- security, grants and the helpers the policies need.
--
-- Rules kept throughout (supabase-contract.md §4):
-- * every table in `public` has RLS enabled; policies read the caller with
--   `(select auth.uid())` so the call is an init-plan evaluated once per
--   statement, not once per row;
-- * grants are explicit: Supabase no longer grants new `public` tables to the
--   API roles, and older projects grant them ALL via default privileges, so
--   each table first revokes everything from anon/authenticated and then
--   grants exactly what the policies are written for;
-- * SECURITY DEFINER functions pin `search_path = ''` (every name below is
--   schema-qualified), are revoked from PUBLIC and granted to named roles.
--   Internal ones (triggers) live in `mcp_platform`, which PostgREST does not
--   expose; the few in `public` are meant to be called through the API.

-- ---------------------------------------------------------------------------
-- Shared trigger functions
-- ---------------------------------------------------------------------------

-- Keeps updated_at honest whatever the client sends.
create function mcp_platform.set_updated_at() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end
$$;
revoke all on function mcp_platform.set_updated_at() from public;

-- ---------------------------------------------------------------------------
-- tenants
-- ---------------------------------------------------------------------------

create table public.tenants (
  id          uuid primary key default gen_random_uuid(),
  -- The slug is the first path segment of /mcp/<tenant>/<server>: lowercase
  -- so URLs are unambiguous, at most 63 characters like a DNS label.
  slug        text not null unique
              constraint tenants_slug_format check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name        text not null
              constraint tenants_name_length check (char_length(name) between 1 and 200),
  -- A suspended tenant keeps its data but resolve_mcp_target() refuses it.
  status      text not null default 'active'
              constraint tenants_status_valid check (status in ('active', 'suspended')),
  -- Operator-set limits (rate, concurrency, body size, …); the platform
  -- applies the strictest of tenant, catalog server and tenant server limits.
  limits      jsonb not null default '{}'
              constraint tenants_limits_object check (jsonb_typeof(limits) = 'object'),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
comment on table public.tenants is
  'a customer organisation; slug is the <tenant> of /mcp/<tenant>/<server>';

create trigger tenants_updated_at before update on public.tenants
  for each row execute function mcp_platform.set_updated_at();

-- ---------------------------------------------------------------------------
-- tenant_members
-- ---------------------------------------------------------------------------

create table public.tenant_members (
  tenant_id   uuid not null references public.tenants (id) on delete cascade,
  -- Deleting the Auth user removes their memberships.
  user_id     uuid not null references auth.users (id) on delete cascade,
  role        text not null default 'member'
              constraint tenant_members_role_valid check (role in ('owner', 'admin', 'member')),
  created_at  timestamptz not null default now(),
  primary key (tenant_id, user_id)
);
comment on table public.tenant_members is
  'who belongs to which tenant, with what role (owner > admin > member)';

-- RLS filters on user_id for every "my tenants" query (contract §4).
create index tenant_members_user_id_idx on public.tenant_members (user_id);

-- ---------------------------------------------------------------------------
-- mcp_servers: the operator's catalog
-- ---------------------------------------------------------------------------

create table public.mcp_servers (
  id             uuid primary key default gen_random_uuid(),
  slug           text not null unique
                 constraint mcp_servers_slug_format check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name           text not null
                 constraint mcp_servers_name_length check (char_length(name) between 1 and 200),
  description    text,
  transport      text not null
                 constraint mcp_servers_transport_valid check (transport in ('stdio', 'http')),
  -- stdio: the program and its arguments, run with execve (no shell). Only the
  -- operator writes this table: tenants never supply commands (DESIGN §3).
  argv           text[],
  -- http: the upstream's Streamable HTTP endpoint.
  url            text,
  -- Each transport carries exactly its own target, so a row can never be
  -- half stdio, half http.
  constraint mcp_servers_transport_target check (
    (transport = 'stdio' and argv is not null and cardinality(argv) > 0
       and array_position(argv, null) is null and argv[1] <> '' and url is null)
    or
    (transport = 'http' and url is not null and url ~ '^https?://' and argv is null)
  ),
  -- What the server takes and how each value reaches it: a JSON array of
  -- {"name", "delivery": "env"|"header", "target": env var or header name,
  --  "required": bool, "default": value, …}. Extra keys (description,
  -- locked) are allowed for the platform and the admin UI.
  settings_spec  jsonb not null default '[]',
  secrets_spec   jsonb not null default '[]',
  constraint mcp_servers_settings_spec_valid check (
    jsonb_typeof(settings_spec) = 'array'
    -- strict: an element that is itself an array must not be unwrapped.
    and not jsonb_path_exists(settings_spec, 'strict $[*] ? (@.type() != "object")')
    and not jsonb_path_exists(settings_spec, '$[*] ? (!(
          @.name.type() == "string" && @.name like_regex "^[A-Za-z0-9_.-]{1,64}$"
          && @.target.type() == "string"
          && ((@.delivery == "env" && @.target like_regex "^[A-Za-z_][A-Za-z0-9_]{0,127}$")
              || (@.delivery == "header" && @.target like_regex "^[A-Za-z0-9-]{1,128}$"))
          && (!exists(@.required) || @.required.type() == "boolean")))')
  ),
  constraint mcp_servers_secrets_spec_valid check (
    jsonb_typeof(secrets_spec) = 'array'
    and not jsonb_path_exists(secrets_spec, 'strict $[*] ? (@.type() != "object")')
    and not jsonb_path_exists(secrets_spec, '$[*] ? (!(
          @.name.type() == "string" && @.name like_regex "^[A-Za-z0-9_.-]{1,64}$"
          && @.target.type() == "string"
          && ((@.delivery == "env" && @.target like_regex "^[A-Za-z_][A-Za-z0-9_]{0,127}$")
              || (@.delivery == "header" && @.target like_regex "^[A-Za-z0-9-]{1,128}$"))
          && (!exists(@.required) || @.required.type() == "boolean")))')
  ),
  limits         jsonb not null default '{}'
                 constraint mcp_servers_limits_object check (jsonb_typeof(limits) = 'object'),
  enabled        boolean not null default true,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);
comment on table public.mcp_servers is
  'the operator''s catalog of MCP servers tenants may enable; written by the operator (service_role) only';

create trigger mcp_servers_updated_at before update on public.mcp_servers
  for each row execute function mcp_platform.set_updated_at();

-- ---------------------------------------------------------------------------
-- tenant_servers: a tenant's enabled server
-- ---------------------------------------------------------------------------

create table public.tenant_servers (
  id          uuid primary key default gen_random_uuid(),
  tenant_id   uuid not null references public.tenants (id) on delete cascade,
  -- restrict: retire a catalog entry by disabling it, not by deleting it
  -- from under the tenants that use it.
  server_id   uuid not null references public.mcp_servers (id) on delete restrict,
  -- The <server> of /mcp/<tenant>/<server>; one catalog server may be
  -- enabled twice under two aliases (e.g. two separate memory stores).
  alias       text not null
              constraint tenant_servers_alias_format check (alias ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  -- Plain (non-secret) values by setting name.
  settings    jsonb not null default '{}'
              constraint tenant_servers_settings_object check (jsonb_typeof(settings) = 'object'),
  -- Secret values by name, ONLY as AES-256-GCM ciphertext made by the
  -- platform: {"<name>": {"kid": key id, "nonce": base64, "ct": base64}}.
  -- The check rejects any other shape, so a plaintext value cannot be
  -- stored by mistake. The master key never enters the database.
  secrets     jsonb not null default '{}',
  constraint tenant_servers_secrets_ciphertext check (
    jsonb_typeof(secrets) = 'object'
    and not jsonb_path_exists(secrets, '$.keyvalue() ? (!(
          @.value.type() == "object"
          && @.value.kid.type() == "string" && @.value.kid like_regex "^[A-Za-z0-9._:-]{1,64}$"
          && @.value.nonce.type() == "string" && @.value.nonce like_regex "^[A-Za-z0-9+/_-]+={0,2}$"
          && @.value.ct.type() == "string" && @.value.ct like_regex "^[A-Za-z0-9+/_-]+={0,2}$")
        || exists(@.value.keyvalue() ? (@.key != "kid" && @.key != "nonce" && @.key != "ct")))')
  ),
  -- Tool policy: null allow-list = every tool; the deny-list wins.
  tool_allow  text[],
  tool_deny   text[] not null default '{}',
  -- Operator-set, like tenants.limits.
  limits      jsonb not null default '{}'
              constraint tenant_servers_limits_object check (jsonb_typeof(limits) = 'object'),
  enabled     boolean not null default true,
  -- Bumped by trigger on every update (and when the catalog entry changes):
  -- workers key their config cache and warm stdio children on it.
  version     bigint not null default 1,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  constraint tenant_servers_alias_unique unique (tenant_id, alias)
);
comment on table public.tenant_servers is
  'a catalog server enabled by a tenant under an alias, with its settings, encrypted secrets, tool policy and limits';

create index tenant_servers_server_id_idx on public.tenant_servers (server_id);

create function mcp_platform.tenant_servers_bump() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  new.version := old.version + 1;
  new.updated_at := pg_catalog.now();
  return new;
end
$$;
revoke all on function mcp_platform.tenant_servers_bump() from public;

create trigger tenant_servers_bump before update on public.tenant_servers
  for each row execute function mcp_platform.tenant_servers_bump();

-- A change to a catalog entry (argv, url, specs, limits, enabled) changes
-- what every tenant using it runs: touch those rows so their version moves
-- and cached configs / warm children are replaced. Definer rights so the
-- cascade does not depend on who edits the catalog.
create function mcp_platform.mcp_servers_bump_tenants() returns trigger
  language plpgsql
  security definer
  set search_path = ''
  as $$
begin
  update public.tenant_servers ts
     set updated_at = pg_catalog.now()
   where ts.server_id = new.id;
  return null;
end
$$;
revoke all on function mcp_platform.mcp_servers_bump_tenants() from public;

create trigger mcp_servers_bump_tenants after update on public.mcp_servers
  for each row
  when ((old.transport, old.argv, old.url, old.settings_spec, old.secrets_spec, old.limits, old.enabled)
        is distinct from
        (new.transport, new.argv, new.url, new.settings_spec, new.secrets_spec, new.limits, new.enabled))
  execute function mcp_platform.mcp_servers_bump_tenants();

-- ---------------------------------------------------------------------------
-- api_keys
-- ---------------------------------------------------------------------------

create table public.api_keys (
  id             uuid primary key default gen_random_uuid(),
  tenant_id      uuid not null references public.tenants (id) on delete cascade,
  name           text not null
                 constraint api_keys_name_length check (char_length(name) between 1 and 200),
  -- The public, non-secret part of the key, used to find the row when a key
  -- is presented (POST /api/v1/auth/token).
  prefix         text not null unique
                 constraint api_keys_prefix_format check (prefix ~ '^[A-Za-z0-9_.-]{4,64}$'),
  -- SHA-256 of the secret part; the secret itself is shown once and never
  -- stored. A fast hash is enough: the secret is random, not a password.
  secret_sha256  bytea not null
                 constraint api_keys_secret_sha256_length check (octet_length(secret_sha256) = 32),
  scopes         text[] not null default '{}',
  -- Who created it; defaults to the caller so a PostgREST insert cannot
  -- claim someone else (the insert policy checks it too).
  created_by     uuid default auth.uid() references auth.users (id) on delete set null,
  expires_at     timestamptz,
  revoked_at     timestamptz,
  last_used_at   timestamptz,
  created_at     timestamptz not null default now()
);
comment on table public.api_keys is
  'tenant API keys: prefix + SHA-256 of the secret; exchanged for short-lived platform JWTs';

create index api_keys_tenant_id_idx on public.api_keys (tenant_id);

-- Revocation is final: un-revoking would silently resurrect a key that may
-- have leaked.
create function mcp_platform.api_keys_keep_revoked() returns trigger
  language plpgsql
  set search_path = ''
  as $$
begin
  if old.revoked_at is not null and new.revoked_at is distinct from old.revoked_at then
    raise exception 'api key % is revoked', old.id
      using errcode = 'check_violation',
            hint = 'create a new key instead';
  end if;
  return new;
end
$$;
revoke all on function mcp_platform.api_keys_keep_revoked() from public;

create trigger api_keys_keep_revoked before update on public.api_keys
  for each row execute function mcp_platform.api_keys_keep_revoked();

-- ---------------------------------------------------------------------------
-- request_logs: one row per MCP exchange (DESIGN §7), partitioned by month
-- ---------------------------------------------------------------------------

-- Deliberately no foreign keys and no enum checks: a log row must never be
-- rejected (a rejected batch would sit in the spool forever), and logs
-- outlive the tenants and keys they mention. Rows are written by the platform
-- as service_role in batches; see docs/data-models.md for the values.
create table public.request_logs (
  request_id                 text not null,
  -- The writer always sends ts (the default is a fallback) so a replayed
  -- batch hits the primary key and `on conflict do nothing` drops it.
  ts                         timestamptz not null default now(),
  tenant_id                  uuid,
  tenant_slug                text,
  caller_kind                text,          -- user | api_key | null (unauthenticated)
  caller_id                  text,          -- auth.users.id or api_keys.id
  server_alias               text,
  session_id                 text,
  protocol_version           text,          -- negotiated with the client
  upstream_protocol_version  text,          -- used with the upstream
  method                     text,          -- JSON-RPC method
  tool                       text,          -- tools/call name
  jsonrpc_id                 text,
  http_status                integer,
  jsonrpc_error              integer,
  total_ms                   double precision,
  upstream_ms                double precision,
  bytes_in                   bigint,
  bytes_out                  bigint,
  -- text, not jsonb: bodies are redacted and cut at log_body_max, and a cut
  -- JSON document is no longer valid JSON.
  request_body               text,
  response_body              text,
  truncated                  boolean not null default false,
  client_ip                  inet,
  user_agent                 text,
  -- The partition key must be part of the primary key.
  primary key (request_id, ts)
) partition by range (ts);
comment on table public.request_logs is
  'one row per MCP exchange; monthly partitions request_logs_yYYYYmMM, see request_logs_ensure_partitions()';

-- The tenant log view: newest first, per tenant. Kept to one index so
-- ingestion stays cheap (contract §6).
create index request_logs_tenant_ts_idx on public.request_logs (tenant_id, ts desc);

-- Catches rows no monthly partition covers (a clock far off, partitions not
-- created in time) so that ingestion never fails; ensure_partitions moves
-- such rows into the right partition when it creates it.
create table public.request_logs_default partition of public.request_logs default;

-- Creates the monthly partitions for p_from's month and the p_months months
-- after it, where missing. Returns how many it created. Bounds are written
-- in UTC so that the caller's TimeZone cannot shift them.
create function public.request_logs_ensure_partitions(p_from date, p_months integer)
  returns integer
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  v_month   date;
  v_lo      text;
  v_hi      text;
  v_name    text;
  v_created integer := 0;
begin
  if p_from is null or p_months is null or p_months < 0 or p_months > 120 then
    raise exception 'request_logs_ensure_partitions: p_months must be between 0 and 120'
      using errcode = 'invalid_parameter_value';
  end if;
  for i in 0 .. p_months loop
    v_month := (pg_catalog.date_trunc('month', p_from::timestamp)
                + pg_catalog.make_interval(months => i))::date;
    v_name  := 'request_logs_' || pg_catalog.to_char(v_month::timestamp, '"y"YYYY"m"MM');
    continue when pg_catalog.to_regclass('public.' || pg_catalog.quote_ident(v_name)) is not null;
    v_lo := pg_catalog.to_char(v_month::timestamp, 'YYYY-MM-DD') || ' 00:00:00+00';
    v_hi := pg_catalog.to_char(v_month::timestamp + pg_catalog.make_interval(months => 1),
                               'YYYY-MM-DD') || ' 00:00:00+00';
    if exists (select 1 from public.request_logs_default d
                where d.ts >= v_lo::timestamptz and d.ts < v_hi::timestamptz) then
      -- Attaching a range the default partition already holds rows for would
      -- fail: build the partition beside it, move the rows, then attach.
      execute pg_catalog.format(
        'create table public.%I (like public.request_logs including defaults including constraints)',
        v_name);
      execute pg_catalog.format(
        'with moved as (delete from public.request_logs_default
                         where ts >= %L::timestamptz and ts < %L::timestamptz returning *)
         insert into public.%I select * from moved', v_lo, v_hi, v_name);
      execute pg_catalog.format(
        'alter table public.request_logs attach partition public.%I for values from (%L) to (%L)',
        v_name, v_lo, v_hi);
    else
      execute pg_catalog.format(
        'create table public.%I partition of public.request_logs for values from (%L) to (%L)',
        v_name, v_lo, v_hi);
    end if;
    -- A partition is a table of its own: reached directly it would bypass
    -- the parent's policies. RLS with no policy denies everyone but the
    -- owner and BYPASSRLS roles, and default privileges some projects still
    -- have (grant all to anon, authenticated) are taken back.
    execute pg_catalog.format('alter table public.%I enable row level security', v_name);
    execute pg_catalog.format('revoke all on table public.%I from public, anon, authenticated', v_name);
    v_created := v_created + 1;
  end loop;
  return v_created;
end
$$;
revoke all on function public.request_logs_ensure_partitions(date, integer) from public, anon, authenticated;
grant execute on function public.request_logs_ensure_partitions(date, integer) to service_role;

-- Retention: drops whole monthly partitions that end on or before p_before's
-- month (DROP, not DELETE: no bloat, no vacuum debt). Returns how many.
create function public.request_logs_drop_partitions(p_before date)
  returns integer
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  v_cut     text;
  v_name    text;
  v_dropped integer := 0;
begin
  if p_before is null then
    raise exception 'request_logs_drop_partitions: p_before must not be null'
      using errcode = 'invalid_parameter_value';
  end if;
  -- Names sort like their months: request_logs_yYYYYmMM.
  v_cut := 'request_logs_' || pg_catalog.to_char(p_before::timestamp, '"y"YYYY"m"MM');
  for v_name in
    select c.relname
      from pg_catalog.pg_inherits i
      join pg_catalog.pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'public.request_logs'::pg_catalog.regclass
       and c.relname ~ '^request_logs_y[0-9]{4}m[0-9]{2}$'
       and c.relname < v_cut
     order by c.relname
  loop
    execute pg_catalog.format('drop table public.%I', v_name);
    v_dropped := v_dropped + 1;
  end loop;
  return v_dropped;
end
$$;
revoke all on function public.request_logs_drop_partitions(date) from public, anon, authenticated;
grant execute on function public.request_logs_drop_partitions(date) to service_role;

-- The current month and the next three; the platform (or pg_cron) keeps
-- calling the function so there is always a partition ahead.
do $$
begin
  perform public.request_logs_ensure_partitions(current_date, 3);
end
$$;

-- ---------------------------------------------------------------------------
-- audit_events: who changed what through the admin API
-- ---------------------------------------------------------------------------

-- Written by the platform as service_role, read by tenant members. No
-- foreign keys: the trail must outlive the tenant, user or key it mentions.
create table public.audit_events (
  id         bigint generated always as identity primary key,
  tenant_id  uuid,
  actor      uuid,                    -- auth.users.id, null for the operator
  action     text not null,           -- e.g. server.enable, api_key.revoke
  target     text,                    -- e.g. the alias or key prefix
  details    jsonb not null default '{}',
  ts         timestamptz not null default now()
);
comment on table public.audit_events is
  'append-only trail of admin changes, per tenant';

create index audit_events_tenant_ts_idx on public.audit_events (tenant_id, ts desc);

-- ---------------------------------------------------------------------------
-- Helpers for policies
-- ---------------------------------------------------------------------------

-- SECURITY DEFINER so that reading tenant_members from a policy does not
-- re-enter tenant_members' own policy (infinite recursion), and STABLE so the
-- planner may call it once per distinct argument. Both look only at the
-- caller's own memberships, so exposing them as RPCs leaks nothing.
create function public.is_tenant_member(p_tenant uuid) returns boolean
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select exists (
      select 1
        from public.tenant_members m
       where m.tenant_id = p_tenant
         and m.user_id = (select auth.uid())
    )
  $$;
revoke all on function public.is_tenant_member(uuid) from public, anon, authenticated;
grant execute on function public.is_tenant_member(uuid) to authenticated, service_role;

-- The caller's role in p_tenant, or null when not a member.
create function public.tenant_role(p_tenant uuid) returns text
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select m.role
      from public.tenant_members m
     where m.tenant_id = p_tenant
       and m.user_id = (select auth.uid())
  $$;
revoke all on function public.tenant_role(uuid) from public, anon, authenticated;
grant execute on function public.tenant_role(uuid) to authenticated, service_role;

-- A tenant always keeps an owner: refuses to delete or demote the last one.
-- Exception: the cascade from deleting the tenant itself or the Auth user,
-- which must not be blocked (GoTrue's user deletion would fail). Locks the
-- tenant row so two owners demoting each other cannot both succeed.
create function mcp_platform.tenant_members_keep_owner() returns trigger
  language plpgsql
  security definer
  set search_path = ''
  as $$
begin
  if old.role <> 'owner' or (tg_op = 'UPDATE' and new.role = 'owner') then
    return coalesce(new, old);
  end if;
  perform 1 from public.tenants t where t.id = old.tenant_id for update;
  if not found then
    return coalesce(new, old);          -- the tenant is being deleted
  end if;
  if not exists (select 1 from auth.users u where u.id = old.user_id) then
    return coalesce(new, old);          -- the user is being deleted
  end if;
  if not exists (select 1 from public.tenant_members m
                  where m.tenant_id = old.tenant_id
                    and m.role = 'owner'
                    and m.user_id <> old.user_id) then
    raise exception 'tenant % must keep at least one owner', old.tenant_id
      using errcode = 'check_violation';
  end if;
  return coalesce(new, old);
end
$$;
revoke all on function mcp_platform.tenant_members_keep_owner() from public;

create trigger tenant_members_keep_owner before update or delete on public.tenant_members
  for each row execute function mcp_platform.tenant_members_keep_owner();

-- Creating a tenant makes the caller its owner in the same transaction; a
-- plain INSERT policy could not add the membership row (no member yet to
-- authorise it), hence an RPC rather than an insert grant.
create function public.create_tenant(p_slug text, p_name text)
  returns public.tenants
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
declare
  v_uid    uuid := (select auth.uid());
  v_tenant public.tenants;
begin
  if v_uid is null then
    raise exception 'create_tenant: no authenticated user'
      using errcode = 'insufficient_privilege';
  end if;
  -- Slug format, name length and uniqueness are the table's constraints
  -- (23514 / 23505: PostgREST answers 400 / 409).
  insert into public.tenants (slug, name)
  values (p_slug, p_name)
  returning * into v_tenant;
  insert into public.tenant_members (tenant_id, user_id, role)
  values (v_tenant.id, v_uid, 'owner');
  return v_tenant;
end
$$;
revoke all on function public.create_tenant(text, text) from public, anon, authenticated, service_role;
grant execute on function public.create_tenant(text, text) to authenticated;

-- ---------------------------------------------------------------------------
-- Row-level security
-- ---------------------------------------------------------------------------
-- service_role has BYPASSRLS, so no policy names it. anon has no grant on
-- any table, so no policy names it either. Every UPDATE policy is paired
-- with a SELECT policy for the same rows (PostgreSQL needs both).

alter table public.tenants        enable row level security;
alter table public.tenant_members enable row level security;
alter table public.mcp_servers    enable row level security;
alter table public.tenant_servers enable row level security;
alter table public.api_keys       enable row level security;
alter table public.request_logs   enable row level security;
alter table public.request_logs_default enable row level security;
alter table public.audit_events   enable row level security;

-- tenants: members see; owners/admins rename; owners delete. Creation is
-- create_tenant() only.
create policy tenants_select on public.tenants
  for select to authenticated
  using (public.is_tenant_member(id));
create policy tenants_update on public.tenants
  for update to authenticated
  using (public.tenant_role(id) in ('owner', 'admin'))
  with check (public.tenant_role(id) in ('owner', 'admin'));
create policy tenants_delete on public.tenants
  for delete to authenticated
  using (public.tenant_role(id) = 'owner');

-- tenant_members: members see who else is in their tenants; owners manage
-- everyone; admins manage non-owners and cannot create owners; anyone may
-- leave (delete their own row), subject to the last-owner trigger.
create policy tenant_members_select on public.tenant_members
  for select to authenticated
  using (user_id = (select auth.uid()) or public.is_tenant_member(tenant_id));
create policy tenant_members_insert on public.tenant_members
  for insert to authenticated
  with check (public.tenant_role(tenant_id) = 'owner'
              or (public.tenant_role(tenant_id) = 'admin' and role <> 'owner'));
create policy tenant_members_update on public.tenant_members
  for update to authenticated
  using (public.tenant_role(tenant_id) = 'owner'
         or (public.tenant_role(tenant_id) = 'admin' and role <> 'owner'))
  with check (public.tenant_role(tenant_id) = 'owner'
              or (public.tenant_role(tenant_id) = 'admin' and role <> 'owner'));
create policy tenant_members_delete on public.tenant_members
  for delete to authenticated
  using (user_id = (select auth.uid())
         or public.tenant_role(tenant_id) = 'owner'
         or (public.tenant_role(tenant_id) = 'admin' and role <> 'owner'));

-- mcp_servers: every signed-in user may browse the enabled catalog.
create policy mcp_servers_select on public.mcp_servers
  for select to authenticated
  using (enabled);

-- tenant_servers: members see; owners/admins enable (only an enabled
-- catalog server), change and remove.
create policy tenant_servers_select on public.tenant_servers
  for select to authenticated
  using (public.is_tenant_member(tenant_id));
create policy tenant_servers_insert on public.tenant_servers
  for insert to authenticated
  with check (public.tenant_role(tenant_id) in ('owner', 'admin')
              and exists (select 1 from public.mcp_servers s
                           where s.id = server_id and s.enabled));
create policy tenant_servers_update on public.tenant_servers
  for update to authenticated
  using (public.tenant_role(tenant_id) in ('owner', 'admin'))
  with check (public.tenant_role(tenant_id) in ('owner', 'admin'));
create policy tenant_servers_delete on public.tenant_servers
  for delete to authenticated
  using (public.tenant_role(tenant_id) in ('owner', 'admin'));

-- api_keys: owners/admins only (keys are credentials); created_by must be
-- the caller. secret_sha256 is additionally withheld by column grants.
create policy api_keys_select on public.api_keys
  for select to authenticated
  using (public.tenant_role(tenant_id) in ('owner', 'admin'));
create policy api_keys_insert on public.api_keys
  for insert to authenticated
  with check (public.tenant_role(tenant_id) in ('owner', 'admin')
              and created_by = (select auth.uid()));
create policy api_keys_update on public.api_keys
  for update to authenticated
  using (public.tenant_role(tenant_id) in ('owner', 'admin'))
  with check (public.tenant_role(tenant_id) in ('owner', 'admin'));
create policy api_keys_delete on public.api_keys
  for delete to authenticated
  using (public.tenant_role(tenant_id) in ('owner', 'admin'));

-- request_logs / audit_events: members read their tenants' rows; only the
-- platform (service_role) writes. Rows without a tenant (unknown tenant,
-- failed authentication) are the operator's alone.
create policy request_logs_select on public.request_logs
  for select to authenticated
  using (tenant_id is not null and public.is_tenant_member(tenant_id));
create policy audit_events_select on public.audit_events
  for select to authenticated
  using (tenant_id is not null and public.is_tenant_member(tenant_id));

-- ---------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------
-- Revoke first: projects created before 2026 grant ALL on new public tables
-- to anon and authenticated through default privileges. Column lists on
-- INSERT/UPDATE keep operator-owned fields (status, limits, version, slug)
-- out of tenants' reach whatever the policies say.

revoke all on table public.tenants, public.tenant_members, public.mcp_servers,
  public.tenant_servers, public.api_keys, public.request_logs,
  public.request_logs_default, public.audit_events
  from public, anon, authenticated, service_role;
revoke all on sequence public.audit_events_id_seq from public, anon, authenticated, service_role;

grant all on table public.tenants, public.tenant_members, public.mcp_servers,
  public.tenant_servers, public.api_keys, public.request_logs, public.audit_events
  to service_role;
grant usage, select on sequence public.audit_events_id_seq to service_role;

grant select, delete on public.tenants to authenticated;
grant update (name) on public.tenants to authenticated;

grant select, delete on public.tenant_members to authenticated;
grant insert (tenant_id, user_id, role) on public.tenant_members to authenticated;
grant update (role) on public.tenant_members to authenticated;

grant select on public.mcp_servers to authenticated;

grant select, delete on public.tenant_servers to authenticated;
grant insert (tenant_id, server_id, alias, settings, secrets, tool_allow, tool_deny, enabled)
  on public.tenant_servers to authenticated;
grant update (alias, settings, secrets, tool_allow, tool_deny, enabled)
  on public.tenant_servers to authenticated;

-- Every column but secret_sha256: list columns explicitly when reading
-- (PostgREST `select=…`), since `select *` needs them all.
grant select (id, tenant_id, name, prefix, scopes, created_by, expires_at,
              revoked_at, last_used_at, created_at)
  on public.api_keys to authenticated;
grant insert (tenant_id, name, prefix, secret_sha256, scopes, created_by, expires_at)
  on public.api_keys to authenticated;
grant update (name, scopes, expires_at, revoked_at) on public.api_keys to authenticated;
grant delete on public.api_keys to authenticated;

grant select on public.request_logs to authenticated;
grant select on public.audit_events to authenticated;
