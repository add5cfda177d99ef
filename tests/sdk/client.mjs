#!/usr/bin/env node
// client.mjs -- drive an MCP server over Streamable HTTP with the official
// TypeScript SDK client (Client + StreamableHTTPClientTransport) and print TAP.
// Works against the gateway, @modelcontextprotocol/server-everything and the
// conformance fixture (tests/fixtures/conformance-server.mjs); the tool names
// come from a preset picked from tools/list (or --preset), each overridable.
//
//   node tests/sdk/client.mjs --url URL [--token TOKEN] [options]
//
//   --url URL            MCP endpoint (e.g. http://127.0.0.1:8080/mcp/acme/everything)
//   --token TOKEN        sent as "Authorization: Bearer TOKEN" (also $MCP_TOKEN)
//   --preset P           auto (default) | fixture | everything
//   --simple-tool NAME --simple-args JSON --expect-text STR
//   --progress-tool NAME --progress-args JSON --min-gap-ms N
//                        N: the result must come >= N ms after the first
//                        progress notification (catches a buffering proxy)
//   --log-tool NAME --log-args JSON --log-min N --log-wait-ms N
//                        N: how long to wait for the notifications after the
//                        result (the wait ends as soon as they are in)
//   --log-skip REASON    skip the logging check: "ok N - ... # SKIP REASON"
//   --log-during         log notifications must all arrive before the result
//   --log-stop           call the log tool again afterwards (a toggle)
//   --resource URI       resource to read (default: the first listed)
//   --prompt NAME --prompt-args JSON   (default: the preset's, else the first
//                        prompt without required arguments)
//   --stale-status CODE  HTTP status expected for a request that carries the
//                        terminated session id (default 404, as the spec says)
//   --timeout MS         bound for the whole run (default 60000); each request
//                        is bounded by min(MS, 30000)
//   --quiet              no "#" diagnostics
//   --s2c MODE           server->client requests instead of the checks below:
//                        "answer": declare sampling, elicitation and roots,
//                        answer them, and call server-everything's
//                        trigger-elicitation-request, trigger-sampling-request
//                        and get-roots-list; then a reply to an id nobody
//                        waits for must get 404.
//                        "silent": never answer an elicitation; the call must
//                        fail (the server's timeout) and an echo after it work
//                        "cancel": cancel the call while its elicitation waits
//                        (notifications/cancelled); an echo after it must work
//
// Checks (one TAP line each): initialize (protocol version, serverInfo),
// session id, tools/list, tools/call, resources/list, resources/read,
// prompts/list, prompts/get, progress before the result (timestamps printed),
// logging notifications, DELETE (terminateSession) answered 2xx, and the old
// session id refused with --stale-status. Exit 0 only if none fails (a
// skipped check, --log-skip, is reported as skipped, with its reason).

import fs from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';

// ---------------------------------------------------------------- arguments
const opt = {
  url: null,
  token: process.env.MCP_TOKEN ?? null,
  preset: 'auto',
  staleStatus: 404,
  timeout: 60000,
  quiet: false,
};
const flags = {
  '--url': ['url', String],
  '--token': ['token', String],
  '--preset': ['preset', String],
  '--simple-tool': ['simpleTool', String],
  '--simple-args': ['simpleArgs', JSON.parse],
  '--expect-text': ['expectText', String],
  '--progress-tool': ['progressTool', String],
  '--progress-args': ['progressArgs', JSON.parse],
  '--min-gap-ms': ['minGapMs', Number],
  '--log-tool': ['logTool', String],
  '--log-args': ['logArgs', JSON.parse],
  '--log-min': ['logMin', Number],
  '--log-wait-ms': ['logWaitMs', Number],
  '--log-skip': ['logSkip', String],
  '--resource': ['resource', String],
  '--prompt': ['prompt', String],
  '--prompt-args': ['promptArgs', JSON.parse],
  '--stale-status': ['staleStatus', Number],
  '--timeout': ['timeout', Number],
  '--s2c': ['s2c', String],
};
function usage(code) {
  const head = fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1);
  const doc = head.slice(0, head.findIndex((l) => !l.startsWith('//')));
  process.stderr.write(doc.map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(code);
}
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '-h' || a === '--help') usage(0);
  else if (a === '--log-during') opt.logDuring = true;
  else if (a === '--log-stop') opt.logStop = true;
  else if (a === '--quiet') opt.quiet = true;
  else if (flags[a] && i + 1 < argv.length) {
    const [key, conv] = flags[a];
    try {
      opt[key] = conv(argv[++i]);
    } catch (e) {
      process.stderr.write(`client.mjs: bad value for ${a}: ${e.message}\n`);
      process.exit(2);
    }
  } else {
    process.stderr.write(`client.mjs: unknown or incomplete argument ${a}\n`);
    usage(2);
  }
}
if (!opt.url) usage(2);
if (opt.logSkip !== undefined && !opt.logSkip.trim()) {
  process.stderr.write('client.mjs: --log-skip needs a reason\n');
  process.exit(2);
}
for (const k of ['staleStatus', 'timeout', 'minGapMs', 'logMin', 'logWaitMs']) {
  if (opt[k] !== undefined && !Number.isFinite(opt[k])) {
    process.stderr.write(`client.mjs: --${k} must be a number\n`);
    process.exit(2);
  }
}

// Presets. Tool names changed across server-everything versions; the first
// name the server lists wins.
const PRESETS = {
  fixture: {
    detect: ['test_simple_text'],
    simple: [{ name: 'test_simple_text', args: {}, expect: 'This is a simple text response for testing.' }],
    progress: [{ name: 'test_tool_with_progress', args: {} }],
    // The fixture spaces its three notifications only FIXTURE_STEP_MS (50)
    // apart: on a loaded machine the child's writes bunch up (a gap of 39 ms
    // was seen in CI), so no gap is required here. Streaming without
    // buffering is checked by test_slow_stream (--min-gap-ms 500, 0510).
    minGapMs: 0,
    log: [{ name: 'test_tool_with_logging', args: {} }],
    logMin: 3,
    logDuring: true,
    logWaitMs: 2000,
    logStop: false,
    prompt: { name: 'test_prompt_with_arguments', args: { arg1: 'hello', arg2: 'world' } },
    resource: 'test://static-text',
  },
  everything: {
    detect: ['echo'],
    simple: [{ name: 'echo', args: { message: 'hello from tests/sdk/client.mjs' }, expect: 'hello from tests/sdk/client.mjs' }],
    progress: [
      { name: 'trigger-long-running-operation', args: { duration: 1, steps: 4 } },
      { name: 'longRunningOperation', args: { duration: 1, steps: 4 } },
    ],
    minGapMs: 300, // 4 steps over 1 s: first progress at ~250 ms, result at ~1000 ms
    // toggle-simulated-logging sends one message at once, then one every 5 s,
    // on the session's GET stream (not on the call's stream); older versions
    // logged on their own every 15 s. The wait ends when the first is in;
    // 20 s is the bound on a busy machine.
    log: [{ name: 'toggle-simulated-logging', args: {} }],
    logMin: 1,
    logDuring: false,
    logWaitMs: 20000,
    logStop: true,
    prompt: null,
    resource: null,
  },
};

// ---------------------------------------------------------------- TAP
let n = 0;
let failed = 0;
let skipped = 0;
const diag = (s) => {
  if (!opt.quiet) for (const l of String(s).split('\n')) console.log(`# ${l}`);
};
function check(name, ok, detail) {
  n++;
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (detail !== undefined && (!ok || !opt.quiet)) diag(detail);
  return ok;
}
function skip(name, reason) {
  n++;
  skipped++;
  console.log(`ok ${n} - ${name} # SKIP ${reason}`);
}
const short = (v) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s && s.length > 300 ? `${s.slice(0, 300)}...` : s;
};
const errText = (e) => (e && e.message ? e.message : String(e));

const deadline = setTimeout(() => {
  n++;
  console.log(`not ok ${n} - finished within ${opt.timeout} ms`);
  console.log(`1..${n}`);
  console.log(`Bail out! timed out after ${opt.timeout} ms`);
  process.exit(1);
}, opt.timeout);
const reqTimeout = Math.min(opt.timeout, 30000);

// ---------------------------------------------------------------- transport
// fetch wrapper: records method, status and content type of every HTTP
// exchange, for the diagnostics and the DELETE check.
const exchanges = [];
const recordingFetch = async (url, init = {}) => {
  const method = init.method ?? 'GET';
  let rpc;
  try {
    rpc = init.body ? JSON.parse(init.body).method ?? 'response' : undefined;
  } catch {
    rpc = undefined;
  }
  const res = await fetch(url, init);
  exchanges.push({ method, rpc, status: res.status, type: res.headers.get('content-type') ?? '' });
  return res;
};

const headers = {};
if (opt.token) headers.Authorization = `Bearer ${opt.token}`;
const transport = new StreamableHTTPClientTransport(new URL(opt.url), {
  requestInit: { headers },
  fetch: recordingFetch,
});
const client = new Client(
  { name: 'mcp-platform-sdk-test', version: '1.0.0' },
  { capabilities: opt.s2c ? { sampling: {}, elicitation: {}, roots: { listChanged: true } } : {} },
);
// --s2c: what the handlers saw (method, the id the platform gave it).
const asked = [];
let cancelCall = null;
if (opt.s2c) {
  client.setRequestHandler(ElicitRequestSchema, async (req, extra) => {
    asked.push({ method: req.method, id: extra.requestId });
    if (opt.s2c === 'cancel') {
      // Cancel the call the question belongs to, then never answer.
      setTimeout(() => cancelCall?.abort('the test cancels'), 10);
      return new Promise(() => {});
    }
    if (opt.s2c === 'silent') return new Promise(() => {});
    return { action: 'accept', content: { name: 'Ada Lovelace', check: true, email: 'ada@example.com' } };
  });
  client.setRequestHandler(CreateMessageRequestSchema, async (req, extra) => {
    asked.push({ method: req.method, id: extra.requestId });
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'sampled-by-the-test-client' } };
  });
  client.setRequestHandler(ListRootsRequestSchema, async (req, extra) => {
    asked.push({ method: req.method, id: extra.requestId });
    return { roots: [{ uri: 'file:///tmp/s2c-test-root', name: 's2c-test-root' }] };
  });
}

const logs = [];
const t0 = performance.now();
const now = () => Math.round(performance.now() - t0);
client.setNotificationHandler(LoggingMessageNotificationSchema, (msg) => {
  logs.push({ at: now(), level: msg.params.level, data: msg.params.data });
});
client.onerror = (e) => diag(`client error: ${errText(e)}`);

const pick = (cands, names) => (cands ?? []).find((c) => names.has(c.name));
const toolText = (r) => (r?.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');

// Server->client requests (--s2c): after initialize, instead of main's checks.
async function s2cMain(pv) {
  const call = async (name, args, timeout = reqTimeout) =>
    client.callTool({ name, arguments: args }, undefined, { timeout });
  if (opt.s2c === 'cancel') {
    cancelCall = new AbortController();
    const t = now();
    let detail;
    try {
      await client.callTool({ name: 'trigger-elicitation-request', arguments: {} }, undefined,
        { timeout: reqTimeout, signal: cancelCall.signal });
      detail = 'the call completed';
    } catch (e) {
      detail = errText(e);
    }
    check('a call cancelled while its elicitation waits ends', detail !== 'the call completed' &&
      asked.some((a) => a.method === 'elicitation/create'), `${detail} after ${now() - t} ms`);
    try {
      const r = await call('echo', { message: 'after-the-cancel' });
      check('the next call works', toolText(r).includes('after-the-cancel'), `result: ${short(toolText(r))}`);
    } catch (e) {
      check('the next call works', false, errText(e));
    }
    return;
  }
  if (opt.s2c === 'silent') {
    const t = now();
    let failedAsExpected = false;
    let detail;
    try {
      const r = await call('trigger-elicitation-request', {}, reqTimeout);
      failedAsExpected = !!r.isError;
      detail = `result: ${short(r)}`;
    } catch (e) {
      failedAsExpected = true;
      detail = errText(e);
    }
    check('elicitation never answered: the call ends with an error', failedAsExpected &&
      asked.some((a) => a.method === 'elicitation/create'), `${detail} after ${now() - t} ms`);
    try {
      const r = await call('echo', { message: 'after-the-silence' });
      check('the next call works', toolText(r).includes('after-the-silence'), `result: ${short(toolText(r))}`);
    } catch (e) {
      check('the next call works', false, errText(e));
    }
    return;
  }
  const cases = [
    ['trigger-elicitation-request', {}, 'elicitation/create', 'Ada Lovelace'],
    ['trigger-sampling-request', { prompt: 'hello', maxTokens: 20 }, 'sampling/createMessage', 'sampled-by-the-test-client'],
    ['get-roots-list', {}, 'roots/list', 'file:///tmp/s2c-test-root'],
  ];
  for (const [name, args, method, expect] of cases) {
    const before = asked.length;
    try {
      const r = await call(name, args);
      const t = toolText(r);
      // server-everything asks for roots once per child (and caches them),
      // perhaps during an earlier call: any roots/list of this run counts.
      const a = asked.slice(method === 'roots/list' ? 0 : before).find((x) => x.method === method);
      check(`tools/call ${name}: ${method} answered`, !r.isError && t.includes(expect) && !!a,
        `asked with id ${short(a?.id)}; result: ${short(t)}`);
    } catch (e) {
      check(`tools/call ${name}: ${method} answered`, false, errText(e));
    }
  }
  // A reply to an id no upstream waits for: 404.
  const sid = transport.sessionId;
  for (const id of [asked[0]?.id ?? 's2c.x', 's2c.00000000000000000000000000000000.31', 42]) {
    try {
      const res = await fetch(opt.url, {
        method: 'POST',
        headers: {
          ...headers,
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'Mcp-Session-Id': sid ?? '',
          'MCP-Protocol-Version': pv,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, result: { action: 'decline' } }),
        signal: AbortSignal.timeout(reqTimeout),
      });
      const body = (await res.text()).slice(0, 200);
      check(`a reply to ${short(id)} that nobody waits for -> 404`, res.status === 404, `got ${res.status}: ${body}`);
    } catch (e) {
      check(`a reply to ${short(id)} that nobody waits for`, false, errText(e));
    }
  }
}

async function main() {
  // 1. initialize
  try {
    await client.connect(transport, { timeout: reqTimeout });
  } catch (e) {
    check('initialize', false, `connect failed: ${errText(e)}`);
    return;
  }
  const pv = transport.protocolVersion;
  const info = client.getServerVersion();
  check(
    'initialize: protocol version and serverInfo',
    SUPPORTED_PROTOCOL_VERSIONS.includes(pv) && !!info?.name && !!info?.version,
    `protocolVersion=${pv} serverInfo=${short(info)} capabilities=${short(client.getServerCapabilities())}`,
  );
  const sid = transport.sessionId;
  check('session id set after initialize', typeof sid === 'string' && /^[\x21-\x7e]+$/.test(sid), `Mcp-Session-Id=${sid}`);
  if (opt.s2c) {
    await s2cMain(pv);
    return;
  }

  // 2. tools/list, and the preset
  let tools = [];
  try {
    tools = (await client.listTools(undefined, { timeout: reqTimeout })).tools;
    check('tools/list', tools.length > 0, `${tools.length} tools: ${tools.map((t) => t.name).join(' ')}`);
  } catch (e) {
    check('tools/list', false, errText(e));
  }
  const names = new Set(tools.map((t) => t.name));
  let presetName = opt.preset;
  if (presetName === 'auto') {
    presetName = Object.keys(PRESETS).find((p) => PRESETS[p].detect.every((d) => names.has(d))) ?? 'none';
  }
  const P = PRESETS[presetName] ?? { simple: [], progress: [], log: [] };
  diag(`preset: ${presetName}`);
  const choose = (nameOpt, argsOpt, cands) => {
    if (nameOpt) return { name: nameOpt, args: argsOpt ?? {} };
    const c = pick(cands, names);
    return c ? { ...c, args: argsOpt ?? c.args } : null;
  };
  const simple = choose(opt.simpleTool, opt.simpleArgs, P.simple);
  const progress = choose(opt.progressTool, opt.progressArgs, P.progress);
  const logTool = opt.logSkip !== undefined ? null : choose(opt.logTool, opt.logArgs, P.log);
  const expectText = opt.expectText ?? (opt.simpleTool ? undefined : simple?.expect);
  const minGap = opt.minGapMs ?? P.minGapMs ?? 0;
  const logMin = opt.logMin ?? P.logMin ?? 1;
  const logWait = opt.logWaitMs ?? P.logWaitMs ?? 5000;
  const logDuring = opt.logDuring ?? P.logDuring ?? false;
  const logStop = opt.logStop ?? P.logStop ?? false;

  // 3. tools/call of a simple tool
  if (!simple) {
    check('tools/call (simple tool)', false, 'no simple tool: pass --simple-tool NAME');
  } else {
    try {
      const r = await client.callTool({ name: simple.name, arguments: simple.args }, undefined, { timeout: reqTimeout });
      const t = toolText(r);
      check(
        `tools/call ${simple.name}`,
        !r.isError && t.length > 0 && (expectText === undefined || t.includes(expectText)),
        `result: ${short(t)}`,
      );
    } catch (e) {
      check(`tools/call ${simple.name}`, false, errText(e));
    }
  }

  // 4. resources
  try {
    const { resources } = await client.listResources(undefined, { timeout: reqTimeout });
    check('resources/list', resources.length > 0, `${resources.length} resources, e.g. ${short(resources.slice(0, 3).map((r) => r.uri))}`);
    const uri = opt.resource ?? (P.resource && resources.some((r) => r.uri === P.resource) ? P.resource : resources[0]?.uri);
    if (!uri) {
      check('resources/read', false, 'no resource to read');
    } else {
      const r = await client.readResource({ uri }, { timeout: reqTimeout });
      const c = r.contents?.[0];
      check(`resources/read ${uri}`, !!c && (typeof c.text === 'string' || typeof c.blob === 'string'), `first content: ${short(c)}`);
    }
  } catch (e) {
    check('resources/list + resources/read', false, errText(e));
  }

  // 5. prompts
  try {
    const { prompts } = await client.listPrompts(undefined, { timeout: reqTimeout });
    check('prompts/list', prompts.length > 0, `${prompts.length} prompts: ${prompts.map((p) => p.name).join(' ')}`);
    let pr = null;
    if (opt.prompt) pr = { name: opt.prompt, args: opt.promptArgs ?? {} };
    else if (P.prompt && prompts.some((p) => p.name === P.prompt.name)) pr = P.prompt;
    else {
      const p = prompts.find((p) => !(p.arguments ?? []).some((a) => a.required));
      if (p) pr = { name: p.name, args: {} };
    }
    if (!pr) {
      check('prompts/get', false, 'no prompt without required arguments: pass --prompt NAME --prompt-args JSON');
    } else {
      const r = await client.getPrompt({ name: pr.name, arguments: pr.args }, { timeout: reqTimeout });
      check(`prompts/get ${pr.name}`, Array.isArray(r.messages) && r.messages.length > 0, `messages: ${short(r.messages)}`);
    }
  } catch (e) {
    check('prompts/list + prompts/get', false, errText(e));
  }

  // 6. progress notifications stream in before the result
  if (!progress) {
    check('progress notifications before the result', false, 'no progress tool: pass --progress-tool NAME');
  } else {
    const seen = [];
    const start = now();
    try {
      const r = await client.request(
        { method: 'tools/call', params: { name: progress.name, arguments: progress.args } },
        CallToolResultSchema,
        {
          timeout: reqTimeout,
          onprogress: (p) => seen.push({ at: now() - start, progress: p.progress, total: p.total }),
        },
      );
      const resultAt = now() - start;
      const first = seen[0]?.at;
      const gap = first === undefined ? -1 : resultAt - first;
      const ex = exchanges.filter((x) => x.rpc === 'tools/call').at(-1);
      const ok = !r.isError && seen.length >= 1 && gap >= minGap;
      check(
        `tools/call ${progress.name}: ${seen.length} progress notification(s) before the result`,
        ok,
        `progress at +${seen.map((s) => `${s.at}ms(${s.progress}/${s.total ?? '?'})`).join(' +')}; ` +
          `result at +${resultAt}ms; first-progress-to-result gap ${gap}ms (need >= ${minGap}ms); ` +
          `response ${ex?.status} ${ex?.type}`,
      );
      const mono = seen.every((s, i) => i === 0 || s.progress >= seen[i - 1].progress);
      check('progress values never decrease', seen.length > 0 && mono, `values: ${seen.map((s) => s.progress).join(',')}`);
    } catch (e) {
      check(`tools/call ${progress.name} with progress`, false, errText(e));
    }
  }

  // 7. logging notifications
  if (opt.logSkip !== undefined) {
    skip('logging notifications', opt.logSkip);
  } else if (!logTool) {
    check('logging notifications', false, 'no logging tool: pass --log-tool NAME');
  } else {
    try {
      await client.setLoggingLevel('debug', { timeout: reqTimeout });
      const before = logs.length;
      const start = now();
      const r = await client.callTool({ name: logTool.name, arguments: logTool.args }, undefined, { timeout: reqTimeout });
      const resultAt = now();
      const inCall = logs.length - before;
      while (logs.length - before < logMin && now() - start < logWait) await new Promise((res) => setTimeout(res, 50));
      const got = logs.slice(before);
      const ok = !r.isError && got.length >= logMin && (!logDuring || inCall >= logMin);
      check(
        `tools/call ${logTool.name}: >= ${logMin} logging notification(s)${logDuring ? ' before the result' : ''}`,
        ok,
        `${got.length} received (${inCall} before the result at +${resultAt - start}ms): ` +
          got.map((l) => `+${l.at - start}ms ${l.level} ${short(l.data)}`).join('; '),
      );
      if (logStop) await client.callTool({ name: logTool.name, arguments: logTool.args }, undefined, { timeout: reqTimeout });
    } catch (e) {
      check(`logging via ${logTool.name}`, false, errText(e));
    }
  }

  // 8. DELETE, then the old session id must be refused
  try {
    await transport.terminateSession();
    const del = exchanges.filter((x) => x.method === 'DELETE').at(-1);
    check('terminateSession (DELETE) answered 2xx', !!del && del.status >= 200 && del.status < 300, `DELETE -> ${del?.status}`);
  } catch (e) {
    check('terminateSession (DELETE)', false, errText(e));
  }
  try {
    const res = await fetch(opt.url, {
      method: 'POST',
      headers: {
        ...headers,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Session-Id': sid ?? '',
        'MCP-Protocol-Version': pv ?? '2025-03-26',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'after-delete', method: 'tools/list', params: {} }),
      signal: AbortSignal.timeout(reqTimeout),
    });
    const body = (await res.text()).slice(0, 200);
    check(`request with the terminated session id -> ${opt.staleStatus}`, res.status === opt.staleStatus, `got ${res.status}: ${body}`);
  } catch (e) {
    check('request with the terminated session id', false, errText(e));
  }
}

try {
  await main();
} catch (e) {
  check('unexpected error', false, e?.stack ?? errText(e));
}
try {
  await client.close();
} catch {
  /* already closed */
}
clearTimeout(deadline);
const tally = {};
for (const x of exchanges) {
  const k = `${x.method}${x.rpc ? ` ${x.rpc}` : ''} -> ${x.status} ${x.type.split(';')[0]}`.trim();
  tally[k] = (tally[k] ?? 0) + 1;
}
diag(`HTTP exchanges: ${Object.entries(tally).map(([k, v]) => `${k} (x${v})`).join('; ')}`);
console.log(`1..${n}`);
diag(`${n - failed - skipped} passed, ${failed} failed, ${skipped} skipped in ${now()} ms against ${opt.url}`);
process.exit(failed === 0 && n > 0 ? 0 : 1);
