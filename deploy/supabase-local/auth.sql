-- auth.sql -- the tables of Supabase Auth (GoTrue) that supabase-local's
-- /auth/v1 needs, created only where missing. Applied after the platform
-- migrations (sql/migrate: 0001 creates auth.users, the roles incl.
-- supabase_auth_admin, and pgcrypto in schema extensions), by
-- deploy/local/stack.sh as the database superuser:
--
--   psql -X -v ON_ERROR_STOP=1 "$DB" -f deploy/supabase-local/auth.sql
--
-- Running it again changes nothing. Never run it against a real Supabase
-- project: there GoTrue owns these tables already (with more columns).
--
-- Differences from GoTrue's own schema, on purpose:
--  - refresh_tokens.token holds the lowercase hex SHA-256 of the refresh
--    token, never the token itself (GoTrue stores it in clear), and
--    parent holds the parent's hash. A database dump therefore yields no
--    usable refresh token.
--  - refresh_tokens.user_id is a uuid with a foreign key (GoTrue: varchar).
--  - Only the columns the stand-in reads or writes exist.

begin;

set local client_min_messages = warning;

do $$
begin
  if pg_catalog.to_regclass('auth.users') is null then
    raise exception 'auth.users is missing: run sql/migrate first';
  end if;
  if not exists (select 1 from pg_catalog.pg_roles
                 where rolname = 'supabase_auth_admin') then
    raise exception 'role supabase_auth_admin is missing: run sql/migrate first';
  end if;
end
$$;

-- GoTrue's authenticator assurance level type (its migrations create it
-- in schema auth).
do $$
begin
  if pg_catalog.to_regtype('auth.aal_level') is null then
    create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
    alter type auth.aal_level owner to supabase_auth_admin;
  end if;
end
$$;

-- One row per login (signup, password grant). Access tokens carry its id
-- as the session_id claim; deleting the row (logout) makes /user answer
-- 403 session_not_found and deletes its refresh tokens.
create table if not exists auth.sessions (
  id          uuid primary key,
  user_id     uuid not null references auth.users (id) on delete cascade,
  created_at  timestamptz,
  updated_at  timestamptz,
  not_after   timestamptz,
  aal         auth.aal_level
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);
alter table auth.sessions owner to supabase_auth_admin;
comment on table auth.sessions is
  'supabase-local: subset of Supabase Auth''s sessions table';

-- Refresh tokens, rotated on every use: the used row is revoked and a
-- child row records it as parent (GoTrue's token families).
create table if not exists auth.refresh_tokens (
  id          bigserial primary key,
  token       text not null unique,  -- hex SHA-256 of the refresh token
  user_id     uuid not null references auth.users (id) on delete cascade,
  session_id  uuid references auth.sessions (id) on delete cascade,
  parent      text,                  -- hex SHA-256 of the parent token
  revoked     boolean not null default false,
  created_at  timestamptz,
  updated_at  timestamptz,
  constraint refresh_tokens_token_is_sha256
    check (token ~ '^[0-9a-f]{64}$')
);
create index if not exists refresh_tokens_session_id_revoked_idx
  on auth.refresh_tokens (session_id, revoked);
create index if not exists refresh_tokens_user_id_idx
  on auth.refresh_tokens (user_id);
alter table auth.refresh_tokens owner to supabase_auth_admin;
alter sequence auth.refresh_tokens_id_seq owner to supabase_auth_admin;
comment on table auth.refresh_tokens is
  'supabase-local: Supabase Auth''s refresh_tokens, storing SHA-256 hashes only';

-- GoTrue's OAuth 2.1 server (sl_oauth.c). Differences from GoTrue's
-- schema, on purpose: client ids are text (a uuid for registered clients,
-- the https URL of a client ID metadata document otherwise), redirect
-- URIs and grant types are jsonb arrays, authorization codes and client
-- secrets are stored as SHA-256 only, and an approved code has its own
-- expiry (code_expires_at).
alter table auth.sessions add column if not exists oauth_client_id text;
alter table auth.sessions add column if not exists scopes text;
create index if not exists sessions_oauth_client_id_idx
  on auth.sessions (oauth_client_id);

create table if not exists auth.oauth_clients (
  id                          text primary key,
  registration_type           text not null
    check (registration_type in ('dynamic', 'manual', 'metadata_document')),
  client_type                 text not null
    check (client_type in ('public', 'confidential')),
  token_endpoint_auth_method  text not null
    check (token_endpoint_auth_method in
           ('none', 'client_secret_basic', 'client_secret_post')),
  client_secret_hash          text,  -- base64url SHA-256, confidential only
  redirect_uris               jsonb not null,
  grant_types                 jsonb not null,
  client_name                 text,
  client_uri                  text,
  logo_uri                    text,
  metadata_expires_at         timestamptz, -- metadata documents: cache end
  created_at                  timestamptz not null default now(),
  updated_at                  timestamptz not null default now(),
  deleted_at                  timestamptz
);
alter table auth.oauth_clients owner to supabase_auth_admin;

create table if not exists auth.oauth_authorizations (
  id                     uuid primary key default gen_random_uuid(),
  authorization_id       text not null unique,
  client_id              text not null
    references auth.oauth_clients (id) on delete cascade,
  user_id                uuid references auth.users (id) on delete cascade,
  redirect_uri           text not null,
  scope                  text not null,
  state                  text,
  resource               text,
  nonce                  text,
  code_challenge         text not null,
  code_challenge_method  text not null check (code_challenge_method = 's256'),
  response_type          text not null default 'code',
  status                 text not null default 'pending'
    check (status in ('pending', 'approved', 'denied', 'expired')),
  authorization_code     text unique
    check (authorization_code ~ '^[0-9a-f]{64}$'),  -- hex SHA-256
  code_expires_at        timestamptz,
  created_at             timestamptz not null default now(),
  expires_at             timestamptz not null,
  approved_at            timestamptz
);
create index if not exists oauth_authorizations_expires_at_idx
  on auth.oauth_authorizations (expires_at);
alter table auth.oauth_authorizations owner to supabase_auth_admin;

create table if not exists auth.oauth_consents (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid not null references auth.users (id) on delete cascade,
  client_id   text not null references auth.oauth_clients (id) on delete cascade,
  scopes      text not null,
  granted_at  timestamptz not null default now(),
  revoked_at  timestamptz,
  unique (user_id, client_id)
);
alter table auth.oauth_consents owner to supabase_auth_admin;

-- Login looks users up by lower(email).
create index if not exists users_lower_email_idx
  on auth.users (lower(email::text));

-- Nobody but the Auth server reads these: not the API roles, not PUBLIC.
revoke all on auth.sessions, auth.refresh_tokens, auth.oauth_clients,
  auth.oauth_authorizations, auth.oauth_consents from public;
revoke all on sequence auth.refresh_tokens_id_seq from public;
grant select, insert, update, delete on auth.sessions, auth.refresh_tokens,
  auth.oauth_clients, auth.oauth_authorizations, auth.oauth_consents
  to supabase_auth_admin;
grant usage, select on sequence auth.refresh_tokens_id_seq
  to supabase_auth_admin;

commit;
