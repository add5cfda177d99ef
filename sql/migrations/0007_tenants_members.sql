-- 0007_tenants_members.sql — soft-deleted tenants, the members API's
-- helpers and invitations (issue 10, the front door: src/api/api_tenants.c,
-- api_members.c, api_auth.c; docs/user-management.md).
--
-- * tenants.deleted_at: DELETE /api/v1/tenants/{t} is soft. A deleted
--   tenant keeps its rows (audit trail, logs) but is invisible: the policy
--   helpers is_tenant_member() and tenant_role() ignore it, so every policy
--   built on them (tenants, members, servers, keys, logs, audit) hides it,
--   and resolve_mcp_target() refuses it, so /mcp/<t>/... answers 404 once
--   a worker's cached config is older than config_ttl. The slug stays taken
--   (unique): a deleted tenant's URLs never start serving someone else.
-- * create_tenant() checks the API's slug rule (3..40 characters) and the
--   reserved words itself too (the handler checks first, with a clearer
--   message; keep the two lists in step: src/api/api_tenants.c).
-- * delete_tenant(): the only way to delete; owners only. The DELETE
--   grant on tenants is taken back from authenticated.
-- * my_tenants(), tenant_members_list(), tenant_user_id(): what the API
--   reads; the last two are SECURITY DEFINER (they read auth.users) and
--   check the caller's membership and role themselves.
-- * tenant_invitations: under signup_policy = invite, an owner or admin
--   adding an unknown email creates an invitation; signing up with that
--   email is then allowed and turns it into a membership
--   (invitation_pending(), accept_invitations(): service_role only).
--
-- Plain ALTER / CREATE OR REPLACE: runs unchanged on a real Supabase
-- project.

alter table public.tenants
  add column deleted_at timestamptz;
comment on column public.tenants.deleted_at is
  'set by delete_tenant(): the tenant is gone for its members and /mcp, its rows are kept';

-- ---------------------------------------------------------------------------
-- Policy helpers: a deleted tenant has no members as far as RLS goes
-- ---------------------------------------------------------------------------

create or replace function public.is_tenant_member(p_tenant uuid) returns boolean
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select exists (
      select 1
        from public.tenant_members m
        join public.tenants t on t.id = m.tenant_id
       where m.tenant_id = p_tenant
         and m.user_id = (select auth.uid())
         and t.deleted_at is null
    )
  $$;

create or replace function public.tenant_role(p_tenant uuid) returns text
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select m.role
      from public.tenant_members m
      join public.tenants t on t.id = m.tenant_id
     where m.tenant_id = p_tenant
       and m.user_id = (select auth.uid())
       and t.deleted_at is null
  $$;

-- Users delete tenants through delete_tenant() only (soft).
revoke delete on public.tenants from authenticated;

-- ---------------------------------------------------------------------------
-- create_tenant: the API's slug rule and reserved words
-- ---------------------------------------------------------------------------

create or replace function public.create_tenant(p_slug text, p_name text)
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
  -- Same rule and list as src/api/api_tenants.c (docs/user-management.md).
  if p_slug is null or p_slug !~ '^[a-z0-9][a-z0-9-]{2,39}$'
     or p_slug = any (array['api', 'admin', 'www', 'mcp', 'auth', 'app',
                            'apps', 'dashboard', 'docs', 'help', 'login',
                            'logout', 'signup', 'status', 'support', 'static',
                            'assets', 'metrics', 'healthz', 'readyz',
                            'well-known', 'billing', 'settings', 'system',
                            'root', 'platform', 'supabase', 'tenants',
                            'internal', 'operator', 'mcp-platform']) then
    raise exception 'create_tenant: slug not allowed'
      using errcode = 'PT400';
  end if;
  insert into public.tenants (slug, name)
  values (p_slug, p_name)
  returning * into v_tenant;
  insert into public.tenant_members (tenant_id, user_id, role)
  values (v_tenant.id, v_uid, 'owner');
  return v_tenant;
end
$$;

-- ---------------------------------------------------------------------------
-- delete_tenant: soft, owners only
-- ---------------------------------------------------------------------------

create function public.delete_tenant(p_tenant uuid) returns void
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
declare
  v_role text := public.tenant_role(p_tenant);
begin
  if v_role is null then
    raise exception 'delete_tenant: no such tenant' using errcode = 'PT404';
  end if;
  if v_role <> 'owner' then
    raise exception 'delete_tenant: owners only' using errcode = 'PT403';
  end if;
  update public.tenants
     set deleted_at = pg_catalog.now()
   where id = p_tenant
     and deleted_at is null;
end
$$;
revoke all on function public.delete_tenant(uuid) from public, anon, authenticated, service_role;
grant execute on function public.delete_tenant(uuid) to authenticated;

-- ---------------------------------------------------------------------------
-- Reads for the API
-- ---------------------------------------------------------------------------

-- The caller's tenants with their role. SECURITY INVOKER: RLS of tenants
-- and tenant_members decides (and hides deleted tenants).
create function public.my_tenants()
  returns table (id uuid, slug text, name text, status text, role text,
                 created_at timestamptz, updated_at timestamptz)
  language sql
  stable
  security invoker
  set search_path = ''
  as $$
    select t.id, t.slug, t.name, t.status, m.role, t.created_at, t.updated_at
      from public.tenants t
      join public.tenant_members m on m.tenant_id = t.id
     where m.user_id = (select auth.uid())
       and t.deleted_at is null
     order by t.slug
  $$;
revoke all on function public.my_tenants() from public, anon, authenticated;
grant execute on function public.my_tenants() to authenticated;

-- The members of a tenant with their email (auth.users is not readable by
-- authenticated, hence definer rights): members of the tenant only.
create function public.tenant_members_list(p_tenant uuid)
  returns table (user_id uuid, email text, role text, created_at timestamptz)
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
begin
  if not public.is_tenant_member(p_tenant) then
    raise exception 'tenant_members_list: no such tenant' using errcode = 'PT404';
  end if;
  return query
    select m.user_id, u.email::text, m.role, m.created_at
      from public.tenant_members m
      join auth.users u on u.id = m.user_id
     where m.tenant_id = p_tenant
     order by m.created_at, m.user_id;
end
$$;
revoke all on function public.tenant_members_list(uuid) from public, anon, authenticated;
grant execute on function public.tenant_members_list(uuid) to authenticated;

-- The user id of an email, for an owner or admin of p_tenant adding a
-- member; null when no such user. Checks the caller's role itself: a
-- plain member or an outsider cannot probe which emails are registered.
create function public.tenant_user_id(p_tenant uuid, p_email text)
  returns uuid
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
declare
  v_role text := public.tenant_role(p_tenant);
  v_id   uuid;
begin
  if v_role is null then
    raise exception 'tenant_user_id: no such tenant' using errcode = 'PT404';
  end if;
  if v_role not in ('owner', 'admin') then
    raise exception 'tenant_user_id: owners and admins only' using errcode = 'PT403';
  end if;
  select u.id into v_id
    from auth.users u
   where lower(u.email) = lower(p_email)
   limit 1;
  return v_id;
end
$$;
revoke all on function public.tenant_user_id(uuid, text) from public, anon, authenticated;
grant execute on function public.tenant_user_id(uuid, text) to authenticated;

-- ---------------------------------------------------------------------------
-- tenant_invitations (signup_policy = invite)
-- ---------------------------------------------------------------------------

create table public.tenant_invitations (
  id          uuid primary key default gen_random_uuid(),
  tenant_id   uuid not null references public.tenants (id) on delete cascade,
  email       text not null
              constraint tenant_invitations_email_format
              check (char_length(email) between 3 and 255 and email = lower(email)
                     and email like '%_@_%'),
  role        text not null default 'member'
              constraint tenant_invitations_role_valid check (role in ('owner', 'admin', 'member')),
  invited_by  uuid default auth.uid() references auth.users (id) on delete set null,
  created_at  timestamptz not null default now(),
  accepted_at timestamptz,
  constraint tenant_invitations_unique unique (tenant_id, email)
);
comment on table public.tenant_invitations is
  'an email invited into a tenant; under signup_policy = invite only invited emails may sign up';

create index tenant_invitations_email_idx on public.tenant_invitations (email);

alter table public.tenant_invitations enable row level security;

-- Owners and admins see and manage their tenant's invitations; admins
-- cannot invite owners (as with tenant_members).
create policy tenant_invitations_select on public.tenant_invitations
  for select to authenticated
  using (public.tenant_role(tenant_id) in ('owner', 'admin'));
create policy tenant_invitations_insert on public.tenant_invitations
  for insert to authenticated
  with check ((public.tenant_role(tenant_id) = 'owner'
               or (public.tenant_role(tenant_id) = 'admin' and role <> 'owner'))
              and invited_by = (select auth.uid()));
create policy tenant_invitations_delete on public.tenant_invitations
  for delete to authenticated
  using (public.tenant_role(tenant_id) = 'owner'
         or (public.tenant_role(tenant_id) = 'admin' and role <> 'owner'));

revoke all on table public.tenant_invitations from public, anon, authenticated, service_role;
grant all on table public.tenant_invitations to service_role;
grant select, delete on public.tenant_invitations to authenticated;
grant insert (tenant_id, email, role, invited_by) on public.tenant_invitations to authenticated;

-- Whether an email has an open invitation into a live tenant.
create function public.invitation_pending(p_email text) returns boolean
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select exists (
      select 1
        from public.tenant_invitations i
        join public.tenants t on t.id = i.tenant_id
       where i.email = lower(p_email)
         and i.accepted_at is null
         and t.deleted_at is null
    )
  $$;
revoke all on function public.invitation_pending(text) from public, anon, authenticated;
grant execute on function public.invitation_pending(text) to service_role;

-- Turns the open invitations of p_user's email into memberships; returns
-- how many tenants the user joined.
create function public.accept_invitations(p_user uuid) returns integer
  language plpgsql
  volatile
  security definer
  set search_path = ''
  as $$
declare
  v_email text;
  v_n     integer;
begin
  select lower(u.email) into v_email from auth.users u where u.id = p_user;
  if v_email is null then
    return 0;
  end if;
  with opened as (
    update public.tenant_invitations i
       set accepted_at = pg_catalog.now()
     where i.email = v_email
       and i.accepted_at is null
       and exists (select 1 from public.tenants t
                    where t.id = i.tenant_id and t.deleted_at is null)
    returning i.tenant_id, i.role
  ), added as (
    insert into public.tenant_members (tenant_id, user_id, role)
    select o.tenant_id, p_user, o.role from opened o
    on conflict (tenant_id, user_id) do nothing
    returning 1
  )
  select count(*) into v_n from added;
  return v_n;
end
$$;
revoke all on function public.accept_invitations(uuid) from public, anon, authenticated;
grant execute on function public.accept_invitations(uuid) to service_role;

-- ---------------------------------------------------------------------------
-- resolve_mcp_target: as 0005, refusing a deleted tenant
-- ---------------------------------------------------------------------------

create or replace function public.resolve_mcp_target(
    p_tenant     text,
    p_server     text,
    p_user_id    uuid default null,
    p_api_key_id uuid default null)
  returns jsonb
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    with caller as (
      -- A user: their membership row in the tenant.
      select m.tenant_id,
             'user'::text  as kind,
             m.user_id     as id,
             m.role        as role,
             null::text[]  as scopes
        from public.tenant_members m
       where p_user_id is not null
         and p_api_key_id is null
         and m.user_id = p_user_id
      union all
      -- An API key: live (not revoked, not expired) and of this tenant
      -- (checked by the join below). A key acts with member rights.
      select k.tenant_id,
             'api_key'::text,
             k.id,
             'member'::text,
             k.scopes
        from public.api_keys k
       where p_api_key_id is not null
         and p_user_id is null
         and k.id = p_api_key_id
         and k.revoked_at is null
         and (k.expires_at is null or k.expires_at > pg_catalog.now())
    )
    select pg_catalog.jsonb_build_object(
             'tenant', pg_catalog.jsonb_build_object(
                 'id',     t.id,
                 'slug',   t.slug,
                 'status', t.status,
                 'limits', t.limits),
             'caller', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                 'kind',   c.kind,
                 'id',     c.id,
                 'role',   c.role,
                 'scopes', pg_catalog.to_jsonb(c.scopes))),
             'server', pg_catalog.jsonb_build_object(
                 'slug',          s.slug,
                 'name',          s.name,
                 'transport',     s.transport,
                 'argv',          pg_catalog.to_jsonb(s.argv),
                 'url',           s.url,
                 'settings_spec', s.settings_spec,
                 'secrets_spec',  s.secrets_spec,
                 'limits',        s.limits,
                 'network',       s.network,
                 'egress_ports',  pg_catalog.to_jsonb(s.egress_ports),
                 'read_paths',    pg_catalog.to_jsonb(s.read_paths)),
             'tenant_server', pg_catalog.jsonb_build_object(
                 'id',         ts.id,
                 'alias',      ts.alias,
                 'settings',   ts.settings,
                 'secrets',    ts.secrets,
                 'tool_allow', pg_catalog.to_jsonb(ts.tool_allow),
                 'tool_deny',  pg_catalog.to_jsonb(ts.tool_deny),
                 'limits',     ts.limits,
                 'version',    ts.version))
      from public.tenants t
      join public.tenant_servers ts on ts.tenant_id = t.id
      join public.mcp_servers s on s.id = ts.server_id
      join caller c on c.tenant_id = t.id
     where t.slug = p_tenant
       and t.status = 'active'
       and t.deleted_at is null
       and ts.alias = p_server
       and ts.enabled
       and s.enabled
  $$;
