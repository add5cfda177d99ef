#!/usr/bin/env node
// elicit-v1.mjs -- a v1 SDK client (legacy era, initialize + session) that
// declares elicitation, answers every elicitation/create with
// {"action":"accept","content":{"name":NAME}} (or declines with --decline),
// calls one tool and prints its text content; exit 0 only if the text
// contains --expect. For the platform's bridge of a modern upstream's
// input_required to a legacy client (tests/bats/0535).
//
//   node tests/sdk/elicit-v1.mjs --url URL --token TOKEN [--tool ask_name]
//       [--name Ann] [--expect "Hello, Ann"] [--decline]

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const opt = { url: null, token: process.env.MCP_TOKEN ?? null, tool: 'ask_name', name: 'Ann', expect: null, decline: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--decline') { opt.decline = true; continue; }
  const k = { '--url': 'url', '--token': 'token', '--tool': 'tool', '--name': 'name', '--expect': 'expect' }[a];
  if (!k || process.argv[i + 1] === undefined) {
    console.error(`elicit-v1: bad argument '${a}'`);
    process.exit(2);
  }
  opt[k] = process.argv[++i];
}
opt.expect ??= opt.decline ? 'declined' : `Hello, ${opt.name}`;

const client = new Client({ name: 'elicit-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
let asked = 0;
client.setRequestHandler(ElicitRequestSchema, async (req) => {
  asked++;
  console.log(`# elicitation: ${req.params.message}`);
  return opt.decline ? { action: 'decline' } : { action: 'accept', content: { name: opt.name } };
});
const transport = new StreamableHTTPClientTransport(new URL(opt.url), {
  requestInit: { headers: opt.token ? { Authorization: `Bearer ${opt.token}` } : {} },
});
const timer = setTimeout(() => { console.error('elicit-v1: timeout'); process.exit(1); }, 60000);
try {
  await client.connect(transport);
  const r = await client.callTool({ name: opt.tool, arguments: {} });
  const text = (r.content ?? []).map((c) => c.text ?? '').join('');
  console.log(`# asked ${asked}, answer: ${text}`);
  const ok = asked >= 1 && text.includes(opt.expect);
  console.log(ok ? 'ok' : 'not ok');
  await transport.terminateSession().catch(() => {});
  await client.close();
  clearTimeout(timer);
  process.exit(ok ? 0 : 1);
} catch (e) {
  console.log(`not ok # ${e.message}`);
  process.exit(1);
}
