-- 0017_log_bridge.sql — the request log names the bridge between the eras
-- (issue 12 item 2: "the log record carries both the client's and the
-- upstream's protocol version and the bridge used"; src/log/reqlog.h
-- REQLOG_BRIDGE, set in src/mcp/mcp.c).
--
-- bridge: 'modern-to-legacy' (a 2026-07-28 client served by an
-- initialize-era upstream: the platform performs the legacy handshake and
-- turns the upstream's questions into input_required), 'legacy-to-modern'
-- (an initialize-era session on a 2026-07-28 upstream: stateless calls
-- with _meta, input_required turned into server->client requests), or
-- null when both sides speak the same era (or no upstream was reached).
-- No check constraint, as for every request_logs column: a log row is
-- never refused (docs/data-models.md).
alter table public.request_logs add column bridge text;
comment on column public.request_logs.bridge is
  'the bridge between protocol eras: modern-to-legacy, legacy-to-modern, or null (same era)';
