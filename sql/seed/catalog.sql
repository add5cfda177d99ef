-- sql/seed/catalog.sql — the demo catalog of MCP servers.
--
-- usage: psql -X -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f sql/seed/catalog.sql
--          [-v everything_cmd=/path/to/mcp-server-everything]
--          [-v memory_cmd=/path/to/mcp-server-memory]
--          [-v everything_http_url=http://127.0.0.1:3001/mcp]
--
-- Run as the operator (postgres or service_role): the catalog is the
-- operator's, tenants only enable entries from it. Idempotent: upserts on
-- slug, so running it again re-applies these definitions (and, through the
-- catalog trigger, bumps the version of tenant configurations that use a
-- changed entry).

-- Commands are execve'd without a shell, so argv[0] is looked up by the
-- platform; pass absolute paths where PATH is not set up for it.
\if :{?everything_cmd}
\else
\set everything_cmd mcp-server-everything
\endif
\if :{?memory_cmd}
\else
\set memory_cmd mcp-server-memory
\endif
\if :{?everything_http_url}
\else
\set everything_http_url 'http://127.0.0.1:3001/mcp'
\endif

begin;

insert into public.mcp_servers
  (slug, name, description, transport, argv, url, settings_spec, secrets_spec, limits, enabled)
values
  ('everything',
   'Everything (reference test server)',
   'The MCP project''s reference server exercising tools, resources, prompts, sampling and notifications, over stdio.',
   'stdio',
   array[:'everything_cmd', 'stdio'],
   null,
   '[]', '[]', '{}', true),

  -- server-memory resolves a relative MEMORY_FILE_PATH against its own
  -- install directory, which every tenant would share. So the path is
  -- locked (tenants cannot set it) and its default names a file in the
  -- upstream's working directory, <data_dir>/tenants/<tenant_id>/<alias>,
  -- which the platform substitutes for ${workdir}.
  ('memory',
   'Memory (knowledge graph)',
   'A persistent knowledge graph of entities, relations and observations, one store per tenant and alias.',
   'stdio',
   array[:'memory_cmd'],
   null,
   '[{"name": "memory_file_path",
      "delivery": "env",
      "target": "MEMORY_FILE_PATH",
      "required": true,
      "locked": true,
      "default": "${workdir}/memory.jsonl",
      "description": "where the graph is stored; filled in by the platform under the tenant''s directory"}]',
   '[]', '{}', true),

  ('everything-http',
   'Everything (reference test server, Streamable HTTP)',
   'The reference server reached over Streamable HTTP.',
   'http',
   null,
   :'everything_http_url',
   '[]', '[]', '{}', true)
on conflict (slug) do update
  set name          = excluded.name,
      description   = excluded.description,
      transport     = excluded.transport,
      argv          = excluded.argv,
      url           = excluded.url,
      settings_spec = excluded.settings_spec,
      secrets_spec  = excluded.secrets_spec,
      limits        = excluded.limits,
      enabled       = excluded.enabled;

commit;
