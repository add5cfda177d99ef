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
  -- the node's count in its current window (the key's limit interval, as
  -- the node sent it), by the database's clock: what a node that meets
  -- the key for the first time owes
  win_s       bigint not null default 1,
  win_start_ms bigint not null default 0,
  win_n       bigint not null default 0,
  updated_at  timestamptz not null default pg_catalog.now(),
  primary key (key, node)
);
comment on table public.limit_counters is
  'requests admitted per limiter key and node (running totals), summed across nodes by limit_sync; see docs/deployment.md';
create index limit_counters_updated_idx on public.limit_counters (updated_at);

alter table public.limit_counters enable row level security;
revoke all on table public.limit_counters from public, anon, authenticated;
grant select, insert, update, delete on table public.limit_counters to service_role;

-- One node's sync: p_entries [{"key", "n", "iv"}] (n >= 0: admitted since
-- the node's last sync; iv: the key's limit interval in seconds, 0 for a
-- quota). Returns [{"key", "others", "recent", "total"}] for every key
-- sent: the other nodes' running total, their counts within the last iv
-- seconds (about: windows of iv seconds begun by the first count), and
-- every node's total (this one's included).
create function public.limit_sync(p_node text, p_entries jsonb) returns jsonb
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  v_out jsonb;
  v_now bigint := (pg_catalog.floor(extract(epoch from pg_catalog.clock_timestamp()) * 1000))::bigint;
begin
  if p_node is null or pg_catalog.jsonb_typeof(p_entries) is distinct from 'array' then
    raise exception 'limit_sync: p_node and an array of entries' using errcode = 'PT400';
  end if;
  insert into public.limit_counters as c (key, node, total, win_s, win_start_ms, win_n)
  select e->>'key', p_node, greatest((e->>'n')::bigint, 0),
         greatest(coalesce((e->>'iv')::bigint, 0), 1), v_now,
         greatest((e->>'n')::bigint, 0)
    from pg_catalog.jsonb_array_elements(p_entries) e
   where (e->>'n')::bigint > 0
  on conflict (key, node) do update
    set total = c.total + excluded.total,
        win_s = excluded.win_s,
        win_n = case when v_now - c.win_start_ms >= excluded.win_s * 1000
                     then excluded.win_n else c.win_n + excluded.win_n end,
        win_start_ms = case when v_now - c.win_start_ms >= excluded.win_s * 1000
                            then v_now else c.win_start_ms end,
        updated_at = pg_catalog.now();
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'key', k.key,
           'others', coalesce((select sum(c.total) from public.limit_counters c
                                where c.key = k.key and c.node <> p_node), 0),
           'recent', coalesce((select sum(c.win_n) from public.limit_counters c
                                where c.key = k.key and c.node <> p_node
                                  and v_now - c.win_start_ms < k.iv * 1000), 0),
           'total', coalesce((select sum(c.total) from public.limit_counters c
                               where c.key = k.key), 0))), '[]'::jsonb)
    into v_out
    from (select e->>'key' as key,
                 max(greatest(coalesce((e->>'iv')::bigint, 0), 0)) as iv
            from pg_catalog.jsonb_array_elements(p_entries) e
           group by 1) k;
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
