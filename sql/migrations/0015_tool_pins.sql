-- 0015_tool_pins.sql — tool-definition pinning (issue 13 item 6;
-- docs/security.md "Tool pinning", docs/data-models.md).
--
-- tool_pins: one row per tool of a tenant server, written the first time
-- the platform sees the tool in a tools/list answer (trust on first use):
-- the SHA-256 (hex) of the tool's canonical definition (src/mcp/pins.h) and
-- that definition. A later tools/list whose definition hashes differently
-- is recorded in changed_* (hash, definition, the readable diff) and in
-- audit_events ('tool_pin.changed'), once per new hash, until a tenant
-- owner or admin approves it (tool_pins_approve: the changed definition
-- becomes the pin).
--
-- tool_pin_modes: per tenant server, 'warn' (the default, also when there
-- is no row: a changed tool is served and flagged in the request log) or
-- 'enforce' (a changed tool is hidden from tools/list and refused on
-- tools/call until approved).
--
-- The platform reads and writes through tool_pins_get / tool_pins_record
-- as service_role (every worker keeps a copy per tenant server for
-- config_ttl; the writes happen after the answer is sent). Members read
-- both tables under RLS; owners and admins approve and set the mode
-- through the two security-definer functions, which check the role
-- themselves (an API key's call comes as service_role, after the platform
-- checked the key's tenant and scope).
-- Plain CREATE: runs unchanged on a real Supabase project.

create table public.tool_pins (
  tenant_server_id  uuid not null references public.tenant_servers (id) on delete cascade,
  tenant_id         uuid not null references public.tenants (id) on delete cascade,
  tool              text not null
                    constraint tool_pins_tool_len check (pg_catalog.char_length(tool) between 1 and 128),
  sha256            text not null
                    constraint tool_pins_sha256_hex check (sha256 ~ '^[0-9a-f]{64}$'),
  definition        jsonb not null,
  pinned_at         timestamptz not null default pg_catalog.now(),
  approved_by       uuid,               -- null: pinned on first sight
  changed_sha256    text
                    constraint tool_pins_changed_hex check (changed_sha256 ~ '^[0-9a-f]{64}$'),
  changed_definition jsonb,
  changed_diff      jsonb,
  changed_at        timestamptz,
  primary key (tenant_server_id, tool)
);
comment on table public.tool_pins is
  'pinned tool definitions per tenant server (SHA-256 of the canonical definition); changed_*: a different definition seen since, not yet approved';
create index tool_pins_tenant_idx on public.tool_pins (tenant_id);

create table public.tool_pin_modes (
  tenant_server_id  uuid primary key references public.tenant_servers (id) on delete cascade,
  tenant_id         uuid not null references public.tenants (id) on delete cascade,
  mode              text not null default 'warn'
                    constraint tool_pin_modes_mode check (mode in ('warn', 'enforce')),
  updated_at        timestamptz not null default pg_catalog.now()
);
comment on table public.tool_pin_modes is
  'per tenant server: warn (changed tools served, flagged) or enforce (hidden and refused until approved); no row: warn';
create index tool_pin_modes_tenant_idx on public.tool_pin_modes (tenant_id);

alter table public.tool_pins enable row level security;
alter table public.tool_pin_modes enable row level security;
revoke all on table public.tool_pins, public.tool_pin_modes from public, anon, authenticated;
grant all on table public.tool_pins, public.tool_pin_modes to service_role;
grant select on table public.tool_pins, public.tool_pin_modes to authenticated;

create policy tool_pins_select on public.tool_pins
  for select to authenticated
  using (public.is_tenant_member(tenant_id));
create policy tool_pin_modes_select on public.tool_pin_modes
  for select to authenticated
  using (public.is_tenant_member(tenant_id));

-- The tenant server of (tenant, alias), or null.
create function mcp_platform.tool_pins_ts(p_tenant uuid, p_alias text) returns uuid
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select ts.id from public.tenant_servers ts
     where ts.tenant_id = p_tenant and ts.alias = p_alias
  $$;
revoke all on function mcp_platform.tool_pins_ts(uuid, text) from public, anon, authenticated;

-- The platform's copy: {"mode", "pins": {tool: {"sha256", "definition",
-- "changed_sha256"}}}, or null when there is no such tenant server.
create function public.tool_pins_get(p_tenant uuid, p_alias text) returns jsonb
  language sql
  stable
  security definer
  set search_path = ''
  as $$
    select pg_catalog.jsonb_build_object(
             'mode', coalesce((select m.mode from public.tool_pin_modes m
                                where m.tenant_server_id = ts.id), 'warn'),
             'pins', coalesce((select pg_catalog.jsonb_object_agg(p.tool,
                                 pg_catalog.jsonb_build_object(
                                   'sha256', p.sha256,
                                   'definition', p.definition,
                                   'changed_sha256', p.changed_sha256))
                                 from public.tool_pins p
                                where p.tenant_server_id = ts.id), '{}'::jsonb))
      from public.tenant_servers ts
     where ts.tenant_id = p_tenant and ts.alias = p_alias
  $$;
revoke all on function public.tool_pins_get(uuid, text) from public, anon, authenticated;
grant execute on function public.tool_pins_get(uuid, text) to service_role;

-- What a worker saw, written after its answer: p_new [{tool, sha256,
-- definition}] pinned unless pinned already (the first writer of any node
-- wins); p_changed [{tool, sha256, definition, diff}] recorded when the
-- hash differs from the pin and from the change already recorded, each
-- with one audit row. Returns {"pinned": n, "changed": n}.
create function public.tool_pins_record(p_tenant uuid, p_alias text,
    p_new jsonb, p_changed jsonb) returns jsonb
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  v_ts      uuid := mcp_platform.tool_pins_ts(p_tenant, p_alias);
  v_mode    text;
  v_pinned  text[];
  v_n       integer := 0;
  r         record;
begin
  if v_ts is null then
    return null;
  end if;
  select coalesce((select m.mode from public.tool_pin_modes m
                    where m.tenant_server_id = v_ts), 'warn') into v_mode;
  with ins as (
    insert into public.tool_pins (tenant_server_id, tenant_id, tool, sha256, definition)
    select v_ts, p_tenant, e->>'tool', e->>'sha256', e->'definition'
      from pg_catalog.jsonb_array_elements(coalesce(p_new, '[]'::jsonb)) e
    on conflict (tenant_server_id, tool) do nothing
    returning tool)
  select pg_catalog.array_agg(tool order by tool) into v_pinned from ins;
  if v_pinned is not null then
    insert into public.audit_events (tenant_id, actor, action, target, details)
    values (p_tenant, null, 'tool_pin.pinned', p_alias,
            pg_catalog.jsonb_build_object('tools', pg_catalog.to_jsonb(v_pinned)));
  end if;
  for r in
    update public.tool_pins p
       set changed_sha256 = e->>'sha256',
           changed_definition = e->'definition',
           changed_diff = e->'diff',
           changed_at = pg_catalog.now()
      from pg_catalog.jsonb_array_elements(coalesce(p_changed, '[]'::jsonb)) e
     where p.tenant_server_id = v_ts
       and p.tool = e->>'tool'
       and p.sha256 <> e->>'sha256'
       and p.changed_sha256 is distinct from e->>'sha256'
    returning p.tool, p.sha256, p.changed_sha256, p.changed_diff
  loop
    insert into public.audit_events (tenant_id, actor, action, target, details)
    values (p_tenant, null, 'tool_pin.changed', p_alias || '/' || r.tool,
            pg_catalog.jsonb_build_object('tool', r.tool, 'mode', v_mode,
              'pinned_sha256', r.sha256, 'seen_sha256', r.changed_sha256,
              'diff', r.changed_diff));
    v_n := v_n + 1;
  end loop;
  return pg_catalog.jsonb_build_object('pinned',
           coalesce(pg_catalog.array_length(v_pinned, 1), 0), 'changed', v_n);
end
$$;
revoke all on function public.tool_pins_record(uuid, text, jsonb, jsonb) from public, anon, authenticated;
grant execute on function public.tool_pins_record(uuid, text, jsonb, jsonb) to service_role;

-- Owners and admins (a user: checked here by auth.uid(); an API key: the
-- platform checked it and calls as service_role). PT404: no such server;
-- PT403: not allowed.
create function mcp_platform.tool_pins_writer(p_tenant uuid, p_alias text) returns uuid
  language plpgsql
  stable
  security definer
  set search_path = ''
  as $$
declare
  v_ts uuid := mcp_platform.tool_pins_ts(p_tenant, p_alias);
begin
  if (select auth.uid()) is not null
     and coalesce(public.tenant_role(p_tenant), '') not in ('owner', 'admin') then
    if public.is_tenant_member(p_tenant) then
      raise exception 'tool pins: owners and admins only' using errcode = 'PT403';
    end if;
    raise exception 'tool pins: no such server' using errcode = 'PT404';
  end if;
  if v_ts is null then
    raise exception 'tool pins: no such server' using errcode = 'PT404';
  end if;
  return v_ts;
end
$$;
revoke all on function mcp_platform.tool_pins_writer(uuid, text) from public, anon, authenticated;

-- Approve p_tool's changed definition (p_tool null: every changed tool):
-- it becomes the pin. Returns the approved tools' names (an array).
create function public.tool_pins_approve(p_tenant uuid, p_alias text, p_tool text)
    returns jsonb
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  v_ts    uuid := mcp_platform.tool_pins_writer(p_tenant, p_alias);
  v_tools text[];
begin
  with a as (
    update public.tool_pins p
       set sha256 = p.changed_sha256,
           definition = p.changed_definition,
           pinned_at = pg_catalog.now(),
           approved_by = (select auth.uid()),
           changed_sha256 = null, changed_definition = null,
           changed_diff = null, changed_at = null
     where p.tenant_server_id = v_ts
       and p.changed_sha256 is not null
       and (p_tool is null or p.tool = p_tool)
    returning p.tool)
  select pg_catalog.array_agg(tool order by tool) into v_tools from a;
  return coalesce(pg_catalog.to_jsonb(v_tools), '[]'::jsonb);
end
$$;
revoke all on function public.tool_pins_approve(uuid, text, text) from public, anon, authenticated;
grant execute on function public.tool_pins_approve(uuid, text, text) to authenticated, service_role;

create function public.tool_pins_set_mode(p_tenant uuid, p_alias text, p_mode text)
    returns text
  language plpgsql
  security definer
  set search_path = ''
  as $$
declare
  v_ts uuid := mcp_platform.tool_pins_writer(p_tenant, p_alias);
begin
  if p_mode is null or p_mode not in ('warn', 'enforce') then
    raise exception 'tool pins: mode must be warn or enforce' using errcode = 'PT400';
  end if;
  insert into public.tool_pin_modes (tenant_server_id, tenant_id, mode)
  values (v_ts, p_tenant, p_mode)
  on conflict (tenant_server_id) do update
    set mode = excluded.mode, updated_at = pg_catalog.now();
  return p_mode;
end
$$;
revoke all on function public.tool_pins_set_mode(uuid, text, text) from public, anon, authenticated;
grant execute on function public.tool_pins_set_mode(uuid, text, text) to authenticated, service_role;

-- The request log's flag (src/log/reqlog.h REQLOG_TOOL_PIN): "changed"
-- when a changed tool was served (warn), "refused" when one was hidden or
-- refused (enforce, or the pins could not be read).
alter table public.request_logs add column tool_pin text;
comment on column public.request_logs.tool_pin is
  'tool pinning: changed (a changed tool served, warn mode) or refused (hidden or refused), or null';
