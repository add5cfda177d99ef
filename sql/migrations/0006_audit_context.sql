-- 0006_audit_context.sql — who, from where and in which request made an
-- admin change (issue 10, the front door; src/api/api.c api_audit()).
--
-- actor      the Supabase Auth user (existing column), null for a key or
--            the operator
-- actor_key  the API key that acted (api_keys.id), null for a user
-- request_id the platform's request id (X-Request-Id), to find the
--            request in the log
-- client_ip  REMOTE_ADDR as the web server gave it
--
-- Like the rest of audit_events: no foreign keys (the trail outlives the
-- keys it mentions), written by the platform as service_role only, read
-- by tenant members (the existing policy). Plain ALTER TABLE: runs
-- unchanged on a real Supabase project.

alter table public.audit_events
  add column actor_key  uuid,
  add column request_id text
    constraint audit_events_request_id_length check (char_length(request_id) <= 64),
  add column client_ip  text
    constraint audit_events_client_ip_length check (char_length(client_ip) <= 64);

-- Keyset paging of GET /api/v1/tenants/{t}/audit: newest first by id.
create index audit_events_tenant_id_idx on public.audit_events (tenant_id, id desc);
