-- 0012_oauth_grants.sql — which tenant and servers a user granted an OAuth
-- client (issue 11; docs/authentication.md "OAuth clients").
--
-- Supabase Auth's OAuth server records only that a user consented to a
-- client (auth.oauth_consents) and puts client_id in the client's tokens;
-- it knows nothing of tenants (no RFC 8707 resource indicators). The
-- platform's consent page (/oauth/consent) therefore records here, with
-- the user's own token, which tenant and which of its servers the grant is
-- for, before it approves the authorization in Supabase. The MCP endpoint
-- reads these rows to serve a token with a client_id only on a granted
-- tenant/server (issue 11 item 3).
--
-- One row per (user, client, tenant): granting the same client another
-- tenant adds a row; granting it the same tenant again replaces the server
-- list (the consent page deletes and inserts). client_id is text: a uuid
-- for registered clients, an https URL for client ID metadata documents.
-- Plain CREATE TABLE / POLICY: runs unchanged on a real Supabase project.

create table public.oauth_grants (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid not null default auth.uid()
              references auth.users (id) on delete cascade,
  client_id   text not null
              constraint oauth_grants_client_id_length
              check (char_length(client_id) between 1 and 2048),
  tenant_id   uuid not null references public.tenants (id) on delete cascade,
  servers     text[] not null
              constraint oauth_grants_servers_valid
              check (cardinality(servers) between 1 and 256
                     and array_position(servers, null) is null),
  scopes      text not null default ''
              constraint oauth_grants_scopes_length
              check (char_length(scopes) <= 1024),
  created_at  timestamptz not null default now(),
  constraint oauth_grants_unique unique (user_id, client_id, tenant_id)
);
comment on table public.oauth_grants is
  'an OAuth client granted by a user access to these servers (tenant_servers aliases) of one tenant';

create index oauth_grants_tenant_id_idx on public.oauth_grants (tenant_id);

alter table public.oauth_grants enable row level security;

-- A user sees and manages their own grants, and only for tenants they
-- belong to, naming only servers the tenant has; tenant owners/admins see
-- and revoke every grant of their tenant.
create policy oauth_grants_select on public.oauth_grants
  for select to authenticated
  using (user_id = (select auth.uid())
         or public.tenant_role(tenant_id) in ('owner', 'admin'));
create policy oauth_grants_insert on public.oauth_grants
  for insert to authenticated
  with check (user_id = (select auth.uid())
              and public.is_tenant_member(tenant_id)
              and servers <@ array(select ts.alias from public.tenant_servers ts
                                    where ts.tenant_id = oauth_grants.tenant_id));
create policy oauth_grants_delete on public.oauth_grants
  for delete to authenticated
  using (user_id = (select auth.uid())
         or public.tenant_role(tenant_id) in ('owner', 'admin'));

revoke all on table public.oauth_grants from public, anon, authenticated;
grant select, delete on table public.oauth_grants to authenticated;
grant insert (client_id, tenant_id, servers, scopes) on table public.oauth_grants
  to authenticated;
grant all on table public.oauth_grants to service_role;
