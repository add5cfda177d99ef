#!/usr/bin/env node
// oauth-client.mjs -- the official TypeScript SDK's OAuth client (auth()
// with an OAuthClientProvider, then Client + StreamableHTTPClientTransport)
// against the platform and Supabase Auth's OAuth server (supabase-local),
// knowing only the MCP URL. This script stands in for the browser: it
// follows the authorization redirect to the platform's consent page, signs
// in there, approves tenant TENANT with server SERVER and hands the code
// back to auth(). Prints one JSON line: {"tools": N, "client_id": "..."}.
//
//   node tests/sdk/oauth-client.mjs --url URL --email E --password P
//       --tenant T --server S [--timeout MS] [--cimd DOC_URL]
//       [--until-refused FILE]
//
// --until-refused: once connected and tools listed, write FILE and keep
// calling tools/list every 300 ms on the same session until the platform
// refuses (the test revokes the grant meanwhile); the JSON line then has
// "refused": "<the error>" and "refused_after_ms" (since FILE was written).
//
// --cimd: the client is identified by its client ID metadata document
// (DOC_URL is its client_id; the document lists REDIRECT) instead of
// registering. The SDK's own clientMetadataUrl accepts https URLs only,
// and the test's document is served from loopback http (supabase-local's
// test switch), so the id is handed over as the client's saved
// information: auth() then skips registration just the same.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['url', 'email', 'password', 'tenant', 'server'])
	if (!args[k]) { console.error(`missing --${k}`); process.exit(2); }
const timer = setTimeout(() => { console.error('timeout'); process.exit(1); },
	Number(args.timeout ?? 60000));

const REDIRECT = 'http://127.0.0.1:9/callback';

// An in-memory provider: what a desktop client keeps on disk.
let authUrl;
const store = args.cimd ? { client: { client_id: args.cimd } } : {};
const provider = {
	get redirectUrl() { return REDIRECT; },
	get clientMetadata() {
		return { client_name: 'SDK OAuth test', redirect_uris: [REDIRECT],
			grant_types: ['authorization_code', 'refresh_token'],
			response_types: ['code'], token_endpoint_auth_method: 'none' };
	},
	state: () => 'sdk-state-1',
	clientInformation: () => store.client,
	saveClientInformation: (c) => { store.client = c; },
	tokens: () => store.tokens,
	saveTokens: (t) => { store.tokens = t; },
	redirectToAuthorization: (u) => { authUrl = u; },
	saveCodeVerifier: (v) => { store.verifier = v; },
	codeVerifier: () => store.verifier,
};

// The browser: fetch without following redirects, one cookie jar.
let cookie = '';
async function browse(url, init = {}) {
	const headers = { ...(init.headers ?? {}) };
	if (cookie) headers.Cookie = cookie;
	const r = await fetch(url, { ...init, headers, redirect: 'manual' });
	const sc = r.headers.get('set-cookie');
	if (sc) cookie = sc.split(';')[0];
	return r;
}
const form = (o) => ({ method: 'POST',
	headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
	body: new URLSearchParams(o).toString() });

const first = await auth(provider, { serverUrl: args.url });
if (first !== 'REDIRECT' || !authUrl) throw new Error(`auth() gave ${first}`);
let r = await browse(authUrl);
if (r.status !== 302) throw new Error(`authorize: ${r.status} ${await r.text()}`);
const consent = new URL(r.headers.get('location'));
const aid = consent.searchParams.get('authorization_id');
r = await browse(consent, {});
if (!(await r.text()).includes('consent/login')) throw new Error('no sign-in form');
r = await browse(new URL('consent/login', consent), form({
	authorization_id: aid, email: args.email, password: args.password }));
if (r.status !== 303) throw new Error(`login: ${r.status}`);
r = await browse(r.headers.get('location'));
const page = await r.text();
const csrf = /name="csrf" value="([^"]*)"/.exec(page)?.[1];
if (!csrf) throw new Error(`no consent form: ${page.slice(0, 300)}`);
r = await browse(new URL('consent', consent), form({
	authorization_id: aid, csrf, action: 'approve', tenant: args.tenant,
	server: `${args.tenant}/${args.server}` }));
if (r.status !== 303) throw new Error(`approve: ${r.status} ${await r.text()}`);
const back = new URL(r.headers.get('location'));
if (back.searchParams.get('state') !== 'sdk-state-1')
	throw new Error('state not round-tripped');
const code = back.searchParams.get('code');
const second = await auth(provider, { serverUrl: args.url, authorizationCode: code });
if (second !== 'AUTHORIZED') throw new Error(`auth() with the code gave ${second}`);

const client = new Client({ name: 'oauth-test', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(args.url),
	{ authProvider: provider }));
const { tools } = await client.listTools();
let refused, refusedAfter;
if (args['until-refused']) {
	const { writeFileSync } = await import('node:fs');
	const t0 = Date.now();
	writeFileSync(args['until-refused'], 'connected\n');
	for (;;) {
		try {
			await client.listTools();
		} catch (e) {
			refused = String(e.message ?? e);
			refusedAfter = Date.now() - t0;
			break;
		}
		await new Promise((r) => setTimeout(r, 300));
	}
}
await client.close();
console.log(JSON.stringify({ tools: tools.length, client_id: store.client.client_id,
	iss: back.searchParams.get('iss'), refused, refused_after_ms: refusedAfter }));
clearTimeout(timer);
