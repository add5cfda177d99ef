-- 0010_multinode.sql — more than one node (issue 13): ended MCP sessions
-- shared by every node, and the W3C trace id in the request log.
--
-- ended_sessions: one row per Mcp-Session-Id ended by a DELETE on any node
-- (src/store/ended.c). The id itself is not stored, only its SHA-256 (hex):
-- a leaked table does not hand out working ids. Written and read by the
-- platform as service_role only (RLS on, no policy: no API user sees a row).
-- Every worker keeps a copy and reads the rows newer than its copy at most
-- once per config_ttl, by ended_ms — the database's clock, so the nodes'
-- clocks do not matter. Rows past expires_s (the id's issue time +
-- session_max_age, when the signature refuses it anyway) are deleted by the
-- platform's workers, hourly. Epoch numbers rather than timestamptz: they are
-- compared in PostgREST filters without any date format in a URL.
--
-- request_logs.trace_id: the W3C Trace Context trace-id (32 lowercase hex
-- digits) of the exchange, when the client sent a valid traceparent.
-- Plain CREATE / ALTER: runs unchanged on a real Supabase project.

create table public.ended_sessions (
  id_sha256  text primary key
             constraint ended_sessions_id_sha256_hex check (id_sha256 ~ '^[0-9a-f]{64}$'),
  tenant_id  uuid not null references public.tenants (id) on delete cascade,
  -- milliseconds since the epoch, by the database's clock (transaction start)
  ended_ms   bigint not null
             default (pg_catalog.floor(extract(epoch from pg_catalog.now()) * 1000))::bigint,
  -- seconds since the epoch: the id is refused by its signature from then on
  expires_s  bigint not null
);
comment on table public.ended_sessions is
  'Mcp-Session-Id values ended by DELETE on any node (SHA-256 hex); read by every worker at most once per config_ttl; see docs/deployment.md "More than one node"';

create index ended_sessions_ended_ms_idx on public.ended_sessions (ended_ms);
create index ended_sessions_tenant_idx on public.ended_sessions (tenant_id);

alter table public.ended_sessions enable row level security;
revoke all on table public.ended_sessions from public, anon, authenticated;
grant select, insert, delete on table public.ended_sessions to service_role;

alter table public.request_logs add column trace_id text;
comment on column public.request_logs.trace_id is
  'W3C Trace Context trace-id (32 lowercase hex digits) from the client''s traceparent, or null';
