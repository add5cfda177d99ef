-- 0005_stdio_sandbox.sql — the catalog's sandbox fields for hosted stdio
-- servers (issue 9; docs/security.md "The stdio sandbox"), and
-- resolve_mcp_target() returning them.
--
-- network: what the child may reach over the network.
--   'loopback-denied' (default) TCP connect only to egress_ports (443 when
--                     null), on any address, and no TCP listening; the
--                     platform enforces this with Landlock's TCP rules, which
--                     are by PORT: loopback:443 stays reachable, UDP is not
--                     covered; no Unix, netlink or raw sockets.
--   'none'            no socket at all (socketpair aside).
--   'any'             unrestricted.
-- egress_ports: null (the default, 443) or 1..32 TCP ports.
-- read_paths: null or up to 64 more absolute paths the child may read (its
--   program's files when they are not next to the program or in the
--   platform's stdio_path, e.g. a virtualenv or a data directory).
--
-- Only the operator (service_role) writes mcp_servers; the platform checks
-- these values again (src/target.c). Plain ALTER TABLE / CREATE OR REPLACE:
-- runs unchanged on a real Supabase project.

alter table public.mcp_servers
  add column network text not null default 'loopback-denied'
    constraint mcp_servers_network_valid
    check (network in ('loopback-denied', 'none', 'any')),
  add column egress_ports integer[]
    constraint mcp_servers_egress_ports_valid
    check (egress_ports is null
           or (cardinality(egress_ports) between 1 and 32
               and array_position(egress_ports, null) is null
               and 1 <= all (egress_ports)
               and 65535 >= all (egress_ports))),
  add column read_paths text[]
    constraint mcp_servers_read_paths_valid
    check (read_paths is null
           or (cardinality(read_paths) <= 64
               and array_position(read_paths, null) is null
               -- each entry absolute, one line, no "..": joined with a
               -- newline, every line starts with "/".
               and pg_catalog.array_to_string(read_paths, E'\n')
                   ~ '^/[^\n]*(\n/[^\n]*)*$'
               and pg_catalog.array_to_string(read_paths, E'\n')
                   !~ '/\.\.(/|\n|$)'));

comment on column public.mcp_servers.network is
  'stdio only: loopback-denied (TCP to egress_ports only, by port), none, or any';
comment on column public.mcp_servers.egress_ports is
  'stdio, network loopback-denied: TCP ports the server may connect to; null = 443';
comment on column public.mcp_servers.read_paths is
  'stdio: more absolute paths the server may read (besides the system, its program and stdio_path)';

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
       and ts.alias = p_server
       and ts.enabled
       and s.enabled
  $$;

comment on function public.resolve_mcp_target(text, text, uuid, uuid) is
  'everything one MCP exchange needs for (tenant slug, server alias, caller), or null; service_role only';

revoke all on function public.resolve_mcp_target(text, text, uuid, uuid)
  from public, anon, authenticated;
grant execute on function public.resolve_mcp_target(text, text, uuid, uuid) to service_role;
