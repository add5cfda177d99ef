-- 0014_oauth_binding.sql — an OAuth client's token reaches only what the
-- user granted it (issue 11 item 3; docs/authentication.md "OAuth clients").
--
-- A Supabase Auth token that an OAuth client got carries client_id and
-- session_id. The platform resolves such a caller with
-- resolve_mcp_target_oauth() instead of resolve_mcp_target(): the same
-- answer (it calls resolve_mcp_target, so a later change of that function
-- applies here too) plus
--     "oauth": {"client_id": ..., "granted": bool, "session": bool}
--   granted  the user granted this client this tenant and this server
--            (public.oauth_grants, written by the consent page; a tenant
--            owner/admin revokes rows through /api/v1);
--   session  the token's Supabase session still exists. Revoking a grant
--            in Supabase Auth (DELETE /auth/v1/user/oauth/grants) deletes
--            the client's sessions (GoTrue UserRevokeOAuthGrant; its
--            refresh tokens go with them), while the access tokens it
--            already issued stay valid JWTs until exp: this is how the
--            platform honours that revoke.
-- Still one round trip, and cached per worker like the other answers, so
-- a revoke takes effect within config_ttl. null as before when the tenant,
-- the server or the membership is not there.
--
-- auth.sessions is Supabase Auth's table (supabase-local creates its
-- subset after the migrations, deploy/supabase-local/auth.sql): it is read
-- through a plpgsql helper, whose body is only resolved when it runs.
-- On a real project the function's owner (postgres) may read auth.sessions.
-- Plain CREATE FUNCTION: runs unchanged on a real Supabase project.

create or replace function public.oauth_session_live(p_session_id uuid)
  returns boolean
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
begin
  return p_session_id is not null and exists (
    select 1 from auth.sessions s
     where s.id = p_session_id
       and (s.not_after is null or s.not_after > pg_catalog.now()));
end
$$;

comment on function public.oauth_session_live(uuid) is
  'true while the Supabase Auth session exists and has not ended; service_role only';
revoke all on function public.oauth_session_live(uuid)
  from public, anon, authenticated;
grant execute on function public.oauth_session_live(uuid) to service_role;

create or replace function public.resolve_mcp_target_oauth(
    p_tenant     text,
    p_server     text,
    p_user_id    uuid,
    p_client_id  text,
    p_session_id uuid)
  returns jsonb
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select r || pg_catalog.jsonb_build_object('oauth',
             pg_catalog.jsonb_build_object(
               'client_id', p_client_id,
               'granted', exists (
                 select 1 from public.oauth_grants g
                  where g.user_id = p_user_id
                    and g.client_id = p_client_id
                    and g.tenant_id = (r #>> '{tenant,id}')::uuid
                    and p_server = any (g.servers)),
               'session', public.oauth_session_live(p_session_id)))
      from (select public.resolve_mcp_target(p_tenant, p_server,
                                             p_user_id, null) as r) x
     where r is not null
       and p_user_id is not null
       and p_client_id is not null
  $$;

comment on function public.resolve_mcp_target_oauth(text, text, uuid, text, uuid) is
  'resolve_mcp_target for a user through an OAuth client, with "oauth": {client_id, granted, session}; service_role only';
revoke all on function public.resolve_mcp_target_oauth(text, text, uuid, text, uuid)
  from public, anon, authenticated;
grant execute on function public.resolve_mcp_target_oauth(text, text, uuid, text, uuid)
  to service_role;
