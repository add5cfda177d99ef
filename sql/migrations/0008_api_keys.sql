-- 0008_api_keys.sql — API keys in use (issue 10, item 2; src/store/apikey.c,
-- src/api/api_keys.c, docs/authentication.md "API keys").
--
-- servers      the server aliases a key may reach on /mcp; NULL: every
--              server of its tenant. Set at creation, like the rest of a
--              key (a key is never edited: revoke it and create another).
-- api_key_lookup(p_prefix | p_id)
--              what the platform needs to judge a presented key (by its
--              public id, the prefix column) or a token minted from one (by
--              the key id): the key, its tenant, the SHA-256 of its secret
--              (hex; compared by the platform in constant time), scopes,
--              servers, expiry and revocation. NULL when there is no such
--              key. Called as service_role only: the digest is not for
--              anyone else (authenticated cannot even select the column).
-- api_key_touch(p_ids)
--              last_used_at = now() for the given keys, at most once a
--              minute per key whatever the number of workers calling.
--
-- Both SECURITY DEFINER with an empty search_path, EXECUTE for
-- service_role only. Plain DDL: runs unchanged on a real Supabase project.

alter table public.api_keys
  add column servers text[]
    constraint api_keys_servers_valid check (
      servers is null
      or (pg_catalog.cardinality(servers) between 1 and 64
          and pg_catalog.array_position(servers, null) is null));

comment on column public.api_keys.servers is
  'server aliases the key may reach on /mcp; null: all of its tenant''s';

grant select (servers) on public.api_keys to authenticated;
grant insert (servers) on public.api_keys to authenticated;

create function public.api_key_lookup(
    p_prefix text default null,
    p_id     uuid default null)
  returns jsonb
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
             'id',            k.id,
             'tenant_id',     t.id,
             'tenant_slug',   t.slug,
             'tenant_active', t.status = 'active',
             'secret_sha256', pg_catalog.encode(k.secret_sha256, 'hex'),
             'scopes',        pg_catalog.to_jsonb(k.scopes),
             'servers',       pg_catalog.to_jsonb(k.servers),
             'expires_at',    pg_catalog.floor(pg_catalog.date_part('epoch', k.expires_at))::bigint,
             'revoked',       k.revoked_at is not null)
      from public.api_keys k
      join public.tenants t on t.id = k.tenant_id
     where (p_prefix is not null and p_id is null and k.prefix = p_prefix)
        or (p_id is not null and p_prefix is null and k.id = p_id)
  $$;

create function public.api_key_touch(p_ids uuid[])
  returns void
  language sql
  volatile
  security definer
  set search_path = ''
  as $$
    update public.api_keys
       set last_used_at = pg_catalog.now()
     where id = any (p_ids)
       and (last_used_at is null
            or last_used_at < pg_catalog.now() - interval '1 minute')
  $$;

revoke all on function public.api_key_lookup(text, uuid) from public, anon, authenticated;
revoke all on function public.api_key_touch(uuid[]) from public, anon, authenticated;
grant execute on function public.api_key_lookup(text, uuid) to service_role;
grant execute on function public.api_key_touch(uuid[]) to service_role;

-- mcpctl token --user EMAIL: the user's id, for an operator's short-lived
-- user token (src/mcpctl/key.c). auth.users is not exposed over
-- PostgREST; service_role only.
create function public.mcpctl_user_id(p_email text)
  returns uuid
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select u.id from auth.users u where pg_catalog.lower(u.email) = pg_catalog.lower(p_email)
  $$;

revoke all on function public.mcpctl_user_id(text) from public, anon, authenticated;
grant execute on function public.mcpctl_user_id(text) to service_role;
