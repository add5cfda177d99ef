-- sql/seed/demo.sql — a demo tenant owned by an existing user, with every
-- enabled catalog server enabled under its own slug.
--
-- usage: psql -X -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f sql/seed/demo.sql
--          -v demo_user_id=<uuid of an auth.users row> [-v demo_tenant=demo]
--
-- Run as the operator after sql/seed/catalog.sql. Idempotent: an existing
-- tenant, membership or alias is kept (the user is made owner again), so a
-- second run changes nothing and bumps no config version.

\if :{?demo_user_id}
\else
\warn 'demo.sql: -v demo_user_id=<uuid of an auth.users row> is required'
do $$ begin raise exception 'demo_user_id is not set'; end $$;
\endif
\if :{?demo_tenant}
\else
\set demo_tenant demo
\endif

begin;

insert into public.tenants (slug, name)
values (:'demo_tenant', 'Demo tenant')
on conflict (slug) do nothing;

-- The foreign key to auth.users rejects a user id that does not exist.
insert into public.tenant_members (tenant_id, user_id, role)
select t.id, :'demo_user_id'::uuid, 'owner'
  from public.tenants t
 where t.slug = :'demo_tenant'
on conflict (tenant_id, user_id) do update
  set role = excluded.role
  where public.tenant_members.role <> excluded.role;

insert into public.tenant_servers (tenant_id, server_id, alias)
select t.id, s.id, s.slug
  from public.tenants t
 cross join public.mcp_servers s
 where t.slug = :'demo_tenant'
   and s.enabled
on conflict (tenant_id, alias) do nothing;

commit;
