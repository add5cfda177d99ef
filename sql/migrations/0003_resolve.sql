-- 0003_resolve.sql — resolve_mcp_target(): the one round trip the MCP path
-- makes to Supabase (DESIGN §3 step 3), cached per worker for config_ttl.
--
-- Called by the platform as service_role (POST or GET /rest/v1/rpc/
-- resolve_mcp_target) after it has verified the caller's token itself, so
-- the function trusts p_user_id / p_api_key_id and only decides whether
-- that caller may use that tenant's server.
--
-- Returns NULL, never an error, for every "no": unknown tenant slug, tenant
-- not active, alias unknown or disabled, catalog server disabled, caller not
-- a member / key revoked, expired or of another tenant. The platform answers
-- all of these with the same 404, so existence is not leaked (DESIGN §3).
--
-- Exactly one of p_user_id and p_api_key_id identifies the caller; giving
-- both or neither resolves nothing.
--
-- STABLE and read-only: PostgREST may run it in a read-only transaction
-- (GET), and it never writes (api_keys.last_used_at is the platform's job).
-- SECURITY DEFINER to read past RLS, since service_role's BYPASSRLS is not
-- something the function should depend on; search_path pinned empty.

create function public.resolve_mcp_target(
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
                 'limits',        s.limits),
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
       and ts.alias = p_server
       and ts.enabled
       and s.enabled
  $$;

comment on function public.resolve_mcp_target(text, text, uuid, uuid) is
  'everything one MCP exchange needs for (tenant slug, server alias, caller), or null; service_role only';

revoke all on function public.resolve_mcp_target(text, text, uuid, uuid)
  from public, anon, authenticated;
grant execute on function public.resolve_mcp_target(text, text, uuid, uuid) to service_role;
