#!/usr/bin/env node
// client-v2.mjs -- drive an MCP endpoint with the v2 TypeScript SDK client
// (@modelcontextprotocol/client 2.x: Client + StreamableHTTPClientTransport)
// in the 2026-07-28 ("modern") era, and print TAP.
//
//   node tests/sdk/client-v2.mjs --url URL [--token TOKEN] [--mode M]
//       [--tool NAME --args JSON --expect-text STR]
//
//   --mode M     auto (default: probe with server/discover, fall back to
//                initialize) | pin (only 2026-07-28) | legacy
//   --era E      the era the client must end up in: modern (default) | legacy
//   --tool NAME  the tool to call (default: echo), --args its arguments
//                (default {"message":"hello v2"}), --expect-text a string
//                its text content must contain (default "hello v2")
//   --timeout MS bound for the whole run (default 60000)
//   --s2c 1      also declare elicitation, sampling and roots, answer them
//                (the SDK fulfils input_required results with these
//                handlers and retries), and call server-everything's
//                trigger-elicitation-request, trigger-sampling-request and
//                get-roots-list
//
// Checks: connect (era, protocol version, server info from discover),
// tools/list (the tool is there), tools/call (text), and for modern: a
// second tools/list served from the client's cache (the platform's ttlMs
// honoured), a refreshed one that goes out again, no Mcp-Session-Id ever
// sent. Exit 0 only if none fails.

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const opt = {
  url: null, token: process.env.MCP_TOKEN ?? null, mode: 'auto', era: 'modern',
  tool: 'echo', args: '{"message":"hello v2"}', expect: 'hello v2', timeout: 60000,
};
const flags = {
  '--url': 'url', '--token': 'token', '--mode': 'mode', '--era': 'era',
  '--tool': 'tool', '--args': 'args', '--expect-text': 'expect', '--timeout': 'timeout',
  '--s2c': 's2c',
};
for (let i = 2; i < process.argv.length; i += 2) {
  const k = flags[process.argv[i]];
  if (!k || process.argv[i + 1] === undefined) {
    console.error(`client-v2: bad argument '${process.argv[i]}'`);
    process.exit(2);
  }
  opt[k] = k === 'timeout' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
if (!opt.url) {
  console.error('client-v2: --url is required');
  process.exit(2);
}

let n = 0;
let failed = 0;
function check(ok, what, diag) {
  n++;
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${what}`);
  if (diag !== undefined) console.log(`# ${String(diag).replace(/\n/g, '\n# ')}`);
}

// Every response the transport sees, for the checks on raw results.
const seen = [];
const baseFetch = globalThis.fetch;
async function recordingFetch(url, init) {
  const res = await baseFetch(url, init);
  const h = init?.headers instanceof Headers ? init.headers : new Headers(init?.headers ?? {});
  seen.push({ method: h.get('mcp-method'), session: h.get('mcp-session-id'), status: res.status });
  return res;
}

const timer = setTimeout(() => {
  check(false, `finished within ${opt.timeout} ms`);
  console.log(`1..${n}`);
  process.exit(1);
}, opt.timeout);

const mode = opt.mode === 'pin' ? { pin: '2026-07-28' } : opt.mode;
const client = new Client({ name: 'platform-v2-test', version: '1.0.0' },
  opt.s2c ? { versionNegotiation: { mode }, capabilities: { elicitation: {}, sampling: {}, roots: {} } }
    : { versionNegotiation: { mode } });
// --s2c: the methods the handlers were asked for.
const asked = [];
if (opt.s2c) {
  client.setRequestHandler('elicitation/create', async (req) => {
    asked.push(req.method);
    return { action: 'accept', content: { name: 'Grace Hopper', check: true, email: 'grace@example.com' } };
  });
  client.setRequestHandler('sampling/createMessage', async (req) => {
    asked.push(req.method);
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'sampled-by-the-v2-client' } };
  });
  client.setRequestHandler('roots/list', async (req) => {
    asked.push(req.method);
    return { roots: [{ uri: 'file:///tmp/v2-test-root', name: 'v2-test-root' }] };
  });
}
const transport = new StreamableHTTPClientTransport(new URL(opt.url), {
  requestInit: opt.token ? { headers: { Authorization: `Bearer ${opt.token}` } } : undefined,
  fetch: recordingFetch,
});

try {
  await client.connect(transport);
  const era = client.getProtocolEra();
  const version = client.getNegotiatedProtocolVersion();
  check(era === opt.era, `connected in the ${opt.era} era`, `era ${era}, version ${version}`);
  if (opt.era === 'modern') {
    check(version === '2026-07-28', 'protocol version 2026-07-28', version);
    const d = client.getDiscoverResult();
    check(d && Array.isArray(d.supportedVersions) && d.supportedVersions.includes('2026-07-28'),
      'server/discover lists 2026-07-28', JSON.stringify(d?.supportedVersions));
    check(d && typeof d.ttlMs === 'number' && d.cacheScope !== undefined,
      'server/discover carries ttlMs and cacheScope', JSON.stringify({ ttlMs: d?.ttlMs, cacheScope: d?.cacheScope }));
    check(client.getServerVersion()?.name !== undefined, 'server info from discover',
      JSON.stringify(client.getServerVersion()));
  }
  const tools = await client.listTools();
  const names = tools.tools.map((t) => t.name);
  check(names.includes(opt.tool), `tools/list has '${opt.tool}'`, `${names.length} tools`);
  const res = await client.callTool({ name: opt.tool, arguments: JSON.parse(opt.args) });
  const text = (res.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
  check(!res.isError && text.includes(opt.expect), `tools/call '${opt.tool}' answered`, text.slice(0, 200));
  if (opt.era === 'modern') {
    // Caching hints honoured: tools/list said ttlMs > 0, so the client's
    // default cacheMode 'use' answers from its cache without a POST;
    // 'refresh' goes to the platform again (statelessly).
    const posts = () => seen.filter((x) => x.method === 'tools/list').length;
    const before = posts();
    const cached = await client.listTools();
    check(cached.tools.length === tools.tools.length && posts() === before,
      'a second tools/list within ttlMs is served from the client cache', `tools/list POSTs ${before} -> ${posts()}`);
    const again = await client.listTools(undefined, { cacheMode: 'refresh' });
    check(again.tools.length === tools.tools.length && posts() === before + 1,
      'a refreshed tools/list (stateless) agrees', `tools/list POSTs ${before} -> ${posts()}`);
    check(seen.every((s) => s.session === null), 'no Mcp-Session-Id sent in the modern era',
      JSON.stringify(seen.filter((s) => s.session !== null)));
    check(seen.some((s) => s.method === 'server/discover' && s.status === 200),
      'server/discover POSTed with Mcp-Method', JSON.stringify(seen.map((s) => `${s.method}:${s.status}`)));
  }
  if (opt.s2c) {
    const cases = [
      ['trigger-elicitation-request', {}, 'elicitation/create', 'Grace Hopper'],
      ['trigger-sampling-request', { prompt: 'hello', maxTokens: 20 }, 'sampling/createMessage', 'sampled-by-the-v2-client'],
      ['get-roots-list', {}, 'roots/list', 'file:///tmp/v2-test-root'],
    ];
    for (const [name, args, method, expect] of cases) {
      const before = asked.length;
      const calls = () => seen.filter((x) => x.method === 'tools/call').length;
      const c0 = calls();
      try {
        const r = await client.callTool({ name, arguments: args });
        const t = (r.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
        // roots: server-everything asks once per child and caches them.
        const got = asked.slice(method === 'roots/list' ? 0 : before).includes(method);
        check(!r.isError && t.includes(expect) && got,
          `tools/call ${name}: ${method} answered through input_required`,
          `${calls() - c0} tools/call POST(s); result: ${t.slice(0, 200)}`);
      } catch (e) {
        check(false, `tools/call ${name}: ${method} answered through input_required`, e?.stack ?? String(e));
      }
    }
  }
  await client.close();
} catch (e) {
  check(false, 'no exception', e?.stack ?? String(e));
}
clearTimeout(timer);
console.log(`1..${n}`);
process.exit(failed === 0 ? 0 : 1);
