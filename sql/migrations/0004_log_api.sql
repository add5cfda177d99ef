-- 0004_log_api.sql — the two read functions behind the log query API
-- (DESIGN §5: GET /api/v1/tenants/{t}/logs and /usage, src/api/api_logs.c).
--
-- Both are SECURITY INVOKER: they run with the caller's rights, so the
-- row-level security of request_logs (members read their tenants' rows)
-- and of tenants (members see their tenants) decides what comes back. A
-- Supabase user calling them with their own token sees only tenants they
-- belong to; service_role (BYPASSRLS) sees every tenant and is what the
-- platform uses for API-key callers, after it checked the key's tenant.
--
-- A tenant the caller cannot see — unknown, or not theirs — raises SQLSTATE
-- PT404, which PostgREST answers with HTTP 404: "not a member" and "no such
-- tenant" are the same answer, and distinct from "a tenant with no rows"
-- (an empty result).
--
-- Both pin search_path = '' (every name schema-qualified), are STABLE (read
-- only, so PostgREST may run them in a read-only transaction) and are
-- executable by authenticated and service_role only.

-- ---------------------------------------------------------------------------
-- tenant_logs: one page of a tenant's request log, newest first
-- ---------------------------------------------------------------------------

-- Keyset pagination on (ts desc, request_id desc): the next page starts
-- after the last row of this one (p_cursor_ts, p_cursor_id), both or
-- neither given. request_id is compared and ordered with the "C" collation
-- so the order does not depend on the database's locale.
--
-- Filters are equalities (server alias, JSON-RPC method, tool, HTTP
-- status) and a time range [p_since, p_until); NULL means "any".
--
-- p_limit is clamped to 1..1000 (LIMIT_LOGS_PAGE_MAX in src/product_limits.h;
-- also PostgREST's default max-rows). A page also stops early once the
-- request and response bodies of the rows already in it reach 2 MiB
-- (LIMIT_LOGS_PAGE_BODY_BYTES), so one page stays small enough to build in
-- memory whatever log_body_max is; it always holds at least one row.
create or replace function public.tenant_logs(
    p_tenant    text,
    p_server    text default null,
    p_method    text default null,
    p_tool      text default null,
    p_status    integer default null,
    p_since     timestamptz default null,
    p_until     timestamptz default null,
    p_cursor_ts timestamptz default null,
    p_cursor_id text default null,
    p_limit     integer default 100)
  returns setof public.request_logs
  language plpgsql
  stable
  security invoker
  set search_path = ''
  as $$
declare
  v_tenant uuid;
  v_limit  integer;
begin
  if (p_cursor_ts is null) <> (p_cursor_id is null) then
    raise exception 'tenant_logs: p_cursor_ts and p_cursor_id go together'
      using errcode = 'invalid_parameter_value';
  end if;
  v_limit := least(greatest(coalesce(p_limit, 100), 1), 1000);

  -- RLS on tenants: a non-member sees no row, as for an unknown slug.
  select t.id into v_tenant from public.tenants t where t.slug = p_tenant;
  if v_tenant is null then
    raise sqlstate 'PT404' using message = 'no such tenant';
  end if;

  return query
    select (p.r).*
      from (select l as r,
                   -- body bytes of the rows before this one in the page
                   coalesce(sum(coalesce(pg_catalog.octet_length(l.request_body), 0)
                                + coalesce(pg_catalog.octet_length(l.response_body), 0))
                              over (order by l.ts desc, l.request_id collate "C" desc
                                    rows between unbounded preceding and 1 preceding), 0)
                     as before
              from public.request_logs l
             where l.tenant_id = v_tenant
               and (p_server is null or l.server_alias = p_server)
               and (p_method is null or l.method = p_method)
               and (p_tool   is null or l.tool = p_tool)
               and (p_status is null or l.http_status = p_status)
               and (p_since  is null or l.ts >= p_since)
               and (p_until  is null or l.ts < p_until)
               and (p_cursor_ts is null
                    or l.ts < p_cursor_ts
                    or (l.ts = p_cursor_ts and l.request_id collate "C" < p_cursor_id collate "C"))
             order by l.ts desc, l.request_id collate "C" desc
             limit v_limit) p
     where p.before < 2097152
     order by (p.r).ts desc, (p.r).request_id collate "C" desc;
end
$$;

comment on function public.tenant_logs(text, text, text, text, integer, timestamptz,
    timestamptz, timestamptz, text, integer) is
  'one page of a tenant''s request_logs, newest first, keyset cursor (ts, request_id); RLS decides; PT404 when the tenant is not visible';

-- ---------------------------------------------------------------------------
-- tenant_usage: counts and latency percentiles per time bucket
-- ---------------------------------------------------------------------------

-- One row per (bucket start, server alias, tool) that has at least one
-- request in [p_since, p_until): the number of requests, the number of
-- errors (HTTP status >= 400 or a JSON-RPC error), and the 50th and 95th
-- percentiles of total_ms (continuous, i.e. interpolated; null when no row
-- of the group has a total_ms). Buckets are whole UTC hours or days,
-- whatever the session's TimeZone.
--
-- Both bounds are required and the range is bounded so that a call stays
-- cheap: at most 93 days of hour buckets, 366 days of day buckets
-- (LIMIT_USAGE_HOUR_RANGE_S / LIMIT_USAGE_DAY_RANGE_S).
create or replace function public.tenant_usage(
    p_tenant text,
    p_bucket text default 'hour',
    p_since  timestamptz default null,
    p_until  timestamptz default null)
  returns table (
    bucket_start  timestamptz,
    server_alias  text,
    tool          text,
    count         bigint,
    errors        bigint,
    p50_ms        double precision,
    p95_ms        double precision)
  language plpgsql
  stable
  security invoker
  set search_path = ''
  as $$
declare
  v_tenant uuid;
  v_max    interval;
begin
  if p_bucket is null or p_bucket not in ('hour', 'day') then
    raise exception 'tenant_usage: p_bucket must be hour or day'
      using errcode = 'invalid_parameter_value';
  end if;
  v_max := pg_catalog.make_interval(days => case p_bucket when 'hour' then 93 else 366 end);
  if p_since is null or p_until is null or p_until <= p_since
     or p_until - p_since > v_max then
    raise exception 'tenant_usage: need p_since < p_until, at most 93 days apart for hour buckets, 366 for day buckets'
      using errcode = 'invalid_parameter_value';
  end if;

  select t.id into v_tenant from public.tenants t where t.slug = p_tenant;
  if v_tenant is null then
    raise sqlstate 'PT404' using message = 'no such tenant';
  end if;

  return query
    select pg_catalog.date_trunc(p_bucket, l.ts, 'UTC') as b,
           l.server_alias,
           l.tool,
           pg_catalog.count(*),
           pg_catalog.count(*) filter (where l.http_status >= 400
                                          or l.jsonrpc_error is not null),
           pg_catalog.percentile_cont(0.5) within group (order by l.total_ms),
           pg_catalog.percentile_cont(0.95) within group (order by l.total_ms)
      from public.request_logs l
     where l.tenant_id = v_tenant
       and l.ts >= p_since
       and l.ts < p_until
     group by 1, 2, 3
     order by 1, 2 nulls first, 3 nulls first;
end
$$;

comment on function public.tenant_usage(text, text, timestamptz, timestamptz) is
  'per (UTC hour|day, server alias, tool): count, errors, p50/p95 total_ms of a tenant''s request_logs; RLS decides; PT404 when the tenant is not visible';

-- ---------------------------------------------------------------------------
-- Grants: members (their own token) and the platform; never anon
-- ---------------------------------------------------------------------------

revoke all on function public.tenant_logs(text, text, text, text, integer, timestamptz,
    timestamptz, timestamptz, text, integer) from public, anon, authenticated, service_role;
grant execute on function public.tenant_logs(text, text, text, text, integer, timestamptz,
    timestamptz, timestamptz, text, integer) to authenticated, service_role;

revoke all on function public.tenant_usage(text, text, timestamptz, timestamptz)
  from public, anon, authenticated, service_role;
grant execute on function public.tenant_usage(text, text, timestamptz, timestamptz)
  to authenticated, service_role;
