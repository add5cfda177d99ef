-- 0013_tenant_servers_api.sql — tenant servers written through /api/v1
-- (issue 10, item 4; src/api/api_servers.c, docs/api-reference.md):
--
-- * a tenant's own remote MCP server ("bring your own"): tenant_servers.url
--   instead of a catalog entry; server_id becomes nullable and exactly one
--   of the two is set. Its header values are secrets, sealed like the
--   others in tenant_servers.secrets under the header name.
--   tenants never write url themselves: the column is not granted to
--   `authenticated`, so a BYO server is written by the platform (service
--   role) after its own checks (the operator's allow_tenant_http_servers,
--   the address guard at registration, the caller's role). The guard is
--   applied again at every connection (lib/netguard.h).
-- * secrets_set_at: when each secret was last set ({"<name>": timestamp}),
--   shown to members in place of the values.
-- * server_id may change on update (PUT replacing the catalog server of
--   an alias) -- only to an enabled catalog entry (the update policy).
-- * resolve_mcp_target() also answers a BYO server, as an http server whose
--   "secrets_spec" delivers each sealed header, with "byo": true; for
--   catalog servers its output is unchanged.
--
-- Plain ALTER TABLE / CREATE OR REPLACE: runs unchanged on a real Supabase
-- project.

alter table public.tenant_servers
  alter column server_id drop not null,
  add column url text
    constraint tenant_servers_url_format
    check (url is null or (url ~ '^https?://[^[:space:][:cntrl:]]+$'
                           and char_length(url) <= 2048)),
  add column secrets_set_at jsonb not null default '{}'
    constraint tenant_servers_secrets_set_at_object
    check (jsonb_typeof(secrets_set_at) = 'object'),
  add constraint tenant_servers_one_target
    check ((server_id is null) <> (url is null));

comment on column public.tenant_servers.url is
  'a tenant''s own Streamable HTTP server (instead of server_id); written by the platform only';
comment on column public.tenant_servers.secrets_set_at is
  'when each secret was set: {"<name>": "<timestamptz>"}; never the value';

grant insert (secrets_set_at) on public.tenant_servers to authenticated;
grant update (server_id, secrets_set_at) on public.tenant_servers to authenticated;

-- A member's update may point the row at another catalog server only when
-- that one is enabled (like the insert policy).
drop policy tenant_servers_update on public.tenant_servers;
create policy tenant_servers_update on public.tenant_servers
  for update to authenticated
  using (public.tenant_role(tenant_id) in ('owner', 'admin'))
  with check (public.tenant_role(tenant_id) in ('owner', 'admin')
              and (server_id is null
                   or exists (select 1 from public.mcp_servers s
                               where s.id = server_id and s.enabled)));

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
             'server', case when ts.server_id is not null then
               pg_catalog.jsonb_build_object(
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
                 'read_paths',    pg_catalog.to_jsonb(s.read_paths))
             else
               -- The tenant's own server: each sealed secret is a header
               -- of that name, required.
               pg_catalog.jsonb_build_object(
                 'slug',          null,
                 'name',          ts.alias,
                 'transport',     'http',
                 'argv',          null,
                 'url',           ts.url,
                 'byo',           true,
                 'settings_spec', '[]'::jsonb,
                 'secrets_spec',  coalesce((
                     select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                              'name', k, 'delivery', 'header', 'target', k,
                              'required', true) order by k)
                       from pg_catalog.jsonb_object_keys(ts.secrets) k),
                     '[]'::jsonb),
                 'limits',        '{}'::jsonb,
                 'network',       null,
                 'egress_ports',  null,
                 'read_paths',    null)
             end,
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
      left join public.mcp_servers s on s.id = ts.server_id
      join caller c on c.tenant_id = t.id
     where t.slug = p_tenant
       and t.status = 'active'
       and t.deleted_at is null          -- soft-deleted (0007): 404
       and ts.alias = p_server
       and ts.enabled
       and ((ts.server_id is not null and s.enabled)
            or (ts.server_id is null and ts.url is not null))
  $$;

comment on function public.resolve_mcp_target(text, text, uuid, uuid) is
  'everything one MCP exchange needs for (tenant slug, server alias, caller), or null; service_role only';

revoke all on function public.resolve_mcp_target(text, text, uuid, uuid)
  from public, anon, authenticated;
grant execute on function public.resolve_mcp_target(text, text, uuid, uuid) to service_role;
