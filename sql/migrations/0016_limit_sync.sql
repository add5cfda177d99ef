-- 0016_limit_sync.sql — limits across nodes and the monthly call quota
-- (issue 13 item 2; docs/deployment.md "Limits across nodes",
-- docs/configuration.md "Limits").
--
-- limit_counters: per limiter key and node, how many requests that node
-- admitted (a running total). Each node counts exactly among its own
-- workers in shared memory (src/ops/limits.c); every limit_sync_interval
-- seconds one worker of the node adds what the node admitted since its last
-- sync (limit_sync) and reads back, per key, what the OTHER nodes admitted
-- in total: the growth since its last read is taken from its own bucket (a
-- debt paid before the bucket admits again). Keys are the limiter's
-- ("t<US>tenant", "c<US>tenant<US>sub", "s<US>tenant<US>alias<US>tool", US
-- the byte 0x1f) and for the quota "q<US>tenant<US>YYYYMM". Rows not
-- written for 40 days (a quota month is kept whole) are deleted by
-- limit_sync itself, in about one call of a hundred.
--
-- No clock of a node is stored or compared: the counts are plain sums, so
-- clock skew between nodes does not widen the bound (only the quota's
-- month boundary follows each node's own UTC clock).
--
-- Written and read by the platform as service_role only (RLS on, no
-- policy). Plain CREATE: runs unchanged on a real Supabase project.

create table public.limit_counters (
  key         text not null
              constraint limit_counters_key_len check (pg_catalog.octet_length(key) between 1 and 300),
  node        text not null
              constraint limit_counters_node_len check (pg_catalog.octet_length(node) between 1 and 200),
  total       bigint not null default 0 constraint limit_counters_total check (total >= 0),
  updated_at  timestamptz not null default pg_catalog.now(),
  primary key (key, node)
);
comment on table public.limit_counters is
  'requests admitted per limiter key and node (running totals), summed across nodes by limit_sync; see docs/deployment.md';
create index limit_counters_updated_idx on public.limit_counters (updated_at);

alter table public.limit_counters enable row level security;
revoke all on table public.limit_counters from public, anon, authenticated;
grant select, insert, update, delete on table public.limit_counters to service_role;

-- One node's sync: p_entries [{"key", "n"}] (n >= 0: admitted since the
-- node's last sync). Returns [{"key", "others", "total"}] for every key
-- sent: the other nodes' running total, and every node's (this one's
-- included).
create function public.limit_sync(p_node text, p_entries jsonb) returns jsonb
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  v_out jsonb;
begin
  if p_node is null or pg_catalog.jsonb_typeof(p_entries) is distinct from 'array' then
    raise exception 'limit_sync: p_node and an array of entries' using errcode = 'PT400';
  end if;
  insert into public.limit_counters as c (key, node, total)
  select e->>'key', p_node, greatest((e->>'n')::bigint, 0)
    from pg_catalog.jsonb_array_elements(p_entries) e
   where (e->>'n')::bigint > 0
  on conflict (key, node) do update
    set total = c.total + excluded.total, updated_at = pg_catalog.now();
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'key', k.key,
           'others', coalesce((select sum(c.total) from public.limit_counters c
                                where c.key = k.key and c.node <> p_node), 0),
           'total', coalesce((select sum(c.total) from public.limit_counters c
                               where c.key = k.key), 0))), '[]'::jsonb)
    into v_out
    from (select distinct e->>'key' as key
            from pg_catalog.jsonb_array_elements(p_entries) e) k;
  -- Old rows, now and then.
  if pg_catalog.random() < 0.01 then
    delete from public.limit_counters
     where updated_at < pg_catalog.now() - interval '40 days';
  end if;
  return v_out;
end
$$;
revoke all on function public.limit_sync(text, jsonb) from public, anon, authenticated;
grant execute on function public.limit_sync(text, jsonb) to service_role;
