-- 0001_supabase_compat.sql — the parts of a Supabase project the platform's
-- schema depends on, created ONLY where missing.
--
-- On a real Supabase project every object below already exists and is owned
-- by Supabase's own roles (supabase_admin, supabase_auth_admin); the migration
-- runs there as `postgres`, which is not a superuser and may not alter them.
-- So nothing here is "create or replace": each object is checked first
-- (pg_roles, pg_namespace, pg_proc, to_regclass, has_*_privilege) and left
-- alone when present. On the local stand-in (plain PostgreSQL 15, migrated
-- as a superuser) the same checks find nothing and create a faithful subset.
--
-- GoTrue's own tables (sessions, refresh_tokens, identities, …) are NOT
-- created here: the local Auth stand-in creates what it needs itself, as
-- supabase_auth_admin, and a real project already has them.

-- The API roles (supabase-contract.md §4). noinherit: PostgREST's
-- authenticator switches into them with SET ROLE, never inherits them.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
    -- Supabase's per-role statement timeouts (contract §4).
    alter role anon set statement_timeout = '3s';
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
    alter role authenticated set statement_timeout = '8s';
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    -- bypassrls: the platform's server-side work (resolve, log ingestion)
    -- must not pay per-row policy costs (contract §1, §6).
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_auth_admin') then
    -- The role GoTrue (and the local Auth stand-in) connects as; createrole
    -- matches Supabase, where it is also the owner of the auth tables.
    create role supabase_auth_admin login noinherit createrole;
    alter role supabase_auth_admin set search_path = auth, extensions;
  end if;
end
$$;

-- authenticator must be able to SET ROLE into each API role. Checked per role
-- because on Supabase the grants exist and `postgres` holds no admin option.
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not pg_catalog.pg_has_role('authenticator', r, 'member') then
      execute pg_catalog.format('grant %I to authenticator', r);
    end if;
  end loop;
end
$$;

-- Schemas. On Supabase `auth` belongs to supabase_admin and `extensions`
-- already holds pgcrypto.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_namespace where nspname = 'auth') then
    create schema auth;
  end if;
  if not exists (select 1 from pg_catalog.pg_namespace where nspname = 'extensions') then
    create schema extensions;
  end if;
  -- Our own bookkeeping schema (sql/migrate also creates it before the first
  -- migration). Not exposed through PostgREST: internal helpers live here.
  if not exists (select 1 from pg_catalog.pg_namespace where nspname = 'mcp_platform') then
    create schema mcp_platform;
  end if;
end
$$;

-- bcrypt for the Auth stand-in (crypt(pw, gen_salt('bf', 10)) is what GoTrue
-- stores) and digest() for anything that needs SHA-256 in SQL. pgcrypto is a
-- trusted extension, so no superuser is needed; on Supabase it exists and
-- `if not exists` returns before any privilege check.
create extension if not exists pgcrypto with schema extensions;

-- auth.users: the columns of supabase-contract.md §4 that the platform and
-- the Auth stand-in use. A real project has many more; nothing here relies on
-- a column outside this list.
do $$
begin
  if pg_catalog.to_regclass('auth.users') is null then
    create table auth.users (
      id                  uuid primary key default gen_random_uuid(),
      instance_id         uuid,
      aud                 varchar(255),
      role                varchar(255),
      email               varchar(255) unique,
      encrypted_password  varchar(255),
      email_confirmed_at  timestamptz,
      phone               text unique default null,
      last_sign_in_at     timestamptz,
      raw_app_meta_data   jsonb,
      raw_user_meta_data  jsonb,
      created_at          timestamptz default now(),
      updated_at          timestamptz default now(),
      banned_until        timestamptz,
      deleted_at          timestamptz,
      is_anonymous        boolean not null default false
    );
    comment on table auth.users is
      'local stand-in for Supabase Auth''s users table (subset of columns); created by mcp_platform 0001 only because it was missing';
    -- As on Supabase: the Auth server owns its table outright.
    alter table auth.users owner to supabase_auth_admin;
  end if;
end
$$;

-- auth.uid() / auth.role() / auth.jwt(): read the claims PostgREST (and the
-- stand-in) put in request.jwt.claims for the transaction. The second argument
-- of current_setting (missing_ok) and the nullifs make an unset or empty GUC
-- yield null instead of an error, so service work and psql sessions without
-- claims see "no user". Same results as Supabase's definitions for every
-- claims value PostgREST v12+ can set.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_proc p
                 join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'auth' and p.proname = 'jwt' and p.pronargs = 0) then
    create function auth.jwt() returns jsonb
      language sql stable
      as $f$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb,
          '{}'::jsonb)
      $f$;
  end if;
  if not exists (select 1 from pg_catalog.pg_proc p
                 join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'auth' and p.proname = 'uid' and p.pronargs = 0) then
    create function auth.uid() returns uuid
      language sql stable
      as $f$
        select nullif(
          nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub',
          '')::uuid
      $f$;
  end if;
  if not exists (select 1 from pg_catalog.pg_proc p
                 join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'auth' and p.proname = 'role' and p.pronargs = 0) then
    create function auth.role() returns text
      language sql stable
      as $f$
        select nullif(
          nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role',
          '')
      $f$;
  end if;
end
$$;

-- Schema usage. RLS policies call auth.uid(), so the API roles need usage on
-- `auth`; they never get any table in it. Each grant is made only where it
-- is missing and only when we hold the grant option: on Supabase they all
-- exist, and `postgres` owns neither `auth` nor `extensions`.
do $$
declare
  r text;
  s text;
begin
  foreach s in array array['public', 'auth', 'extensions'] loop
    foreach r in array array['anon', 'authenticated', 'service_role'] loop
      continue when pg_catalog.has_schema_privilege(r, s, 'usage');
      if pg_catalog.has_schema_privilege(s, 'usage with grant option') then
        execute pg_catalog.format('grant usage on schema %I to %I', s, r);
      else
        raise warning 'role % lacks usage on schema % and this migration may not grant it: ask the schema owner', r, s;
      end if;
    end loop;
  end loop;
  -- Only for the local Auth stand-in, which creates its own tables in
  -- `auth` and hashes passwords with extensions.crypt(). GoTrue on a real
  -- project is set up by Supabase, so nothing is said when we cannot grant.
  if not pg_catalog.has_schema_privilege('supabase_auth_admin', 'auth', 'usage, create')
     and pg_catalog.has_schema_privilege('auth', 'create with grant option') then
    grant usage, create on schema auth to supabase_auth_admin;
  end if;
  if not pg_catalog.has_schema_privilege('supabase_auth_admin', 'extensions', 'usage')
     and pg_catalog.has_schema_privilege('extensions', 'usage with grant option') then
    grant usage on schema extensions to supabase_auth_admin;
  end if;
end
$$;
