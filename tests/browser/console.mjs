// tests/browser/console.mjs -- the console driven in headless Chromium
// (Debian's /usr/bin/chromium) through puppeteer-core, against a running
// stack. Run by tests/bats/0950-console.bats, one scenario per call:
//
//   node console.mjs journey   sign up, create a tenant, enable a server
//                              with a secret, create a key, call MCP with
//                              it, see the call in logs and usage, revoke
//                              the key (and see it refused), screenshots
//   node console.mjs axe       axe-core on every view: no serious or
//                              critical violation
//   node console.mjs member    a plain member sees no admin actions
//   node console.mjs consent   the OAuth consent page (/oauth/consent):
//                              open AUTHORIZE_URL (Supabase's authorize
//                              endpoint), sign in as EMAIL/PASSWORD, grant
//                              TENANT with only GRANT_SERVER, click Allow;
//                              prints {"redirect": <the client's URL>}
//   node console.mjs grants    the "OAuth grants" view: the owner sees the
//                              grant of GRANT_CLIENT and revokes it; an
//                              empty list says what to do
//
// Environment: BASE (the platform), STATE (a JSON file the scenarios
// share: the owner's account and tenant), SHOTS (screenshot directory),
// CHROMIUM (default /usr/bin/chromium), SERVER (catalog slug to enable,
// with a required secret "api_token"), MEMBER_EMAIL/MEMBER_PASSWORD (an
// existing account the journey adds as a plain member).
// Prints what it does; exits 1 with the reason on the first failure.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const BASE = process.env.BASE;
const STATE = process.env.STATE;
const SHOTS = process.env.SHOTS;
const SERVER = process.env.SERVER || "everything";
const WAIT_MS = Number(process.env.WAIT_MS || 60000);
const SECRET = "console-secret-" + Math.random().toString(36).slice(2);

function fail(msg) {
  throw new Error(msg);
}

function say(msg) {
  console.log("# " + msg);
}

async function launch() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage",
      "--disable-gpu", "--no-first-run"],
  });
}

let lastPage = null;   // its text is printed when a scenario fails

// A page that fails the scenario on a script error or a CSP violation.
async function open(browser, width) {
  const page = await browser.newPage();
  lastPage = page;
  await page.setViewport({ width, height: 900 });
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push("page error: " + e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/.test(
      m.text()))
      page.problems.push("console: " + m.text());
  });
  page.setDefaultTimeout(WAIT_MS);
  return page;
}

function clean(page) {
  if (page.problems.length) fail(page.problems.join("; "));
}

async function heading(page, text) {
  try {
    await page.waitForFunction((t) => {
      const h = document.querySelector("main h1");
      return h && h.textContent.includes(t);
    }, { timeout: WAIT_MS }, text);
  } catch (e) {
    page.lastText = await page.$eval("main", (m) => m.innerText)
      .catch(() => "(no main)");
    throw new Error(`waiting for the heading '${text}': ${e.message}`);
  }
}

async function view(page, name, title) {
  await page.goto(`${BASE}/console/#/${name}`);
  await heading(page, title);
}

async function fill(page, name, value) {
  const sel = `main [name="${name}"]`;
  await page.waitForSelector(sel);
  await page.$eval(sel, (e) => { e.value = ""; });
  await page.type(sel, value);
}

async function submit(page, label) {
  const buttons = await page.$$("main button[type=submit]");
  for (const b of buttons)
    if ((await b.evaluate((e) => e.textContent)) === label)
      return b.click();
  fail(`no button '${label}'`);
}

// The screenshots docs/console.md shows: with UPDATE_DOCS_SCREENSHOTS=1
// these are also written to docs/console-img/ (the viewport only, to keep
// the committed files small).
const DOC_SHOTS = new Set(["signin-1280", "servers-1280", "keys-1280",
  "logs-1280", "usage-1280", "grants-1280", "servers-360", "usage-360",
  "consent-360"]);
const DOC_DIR = new URL("../../docs/console-img/", import.meta.url).pathname;

async function shot(page, name) {
  if (process.env.UPDATE_DOCS_SCREENSHOTS === "1" && DOC_SHOTS.has(name)) {
    mkdirSync(DOC_DIR, { recursive: true });
    await page.screenshot({ path: `${DOC_DIR}${name}.png` });
  }
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

async function signIn(page, email, password) {
  await page.goto(`${BASE}/console/#/signin`);
  await heading(page, "Sign in");
  await fill(page, "email", email);
  await fill(page, "password", password);
  await submit(page, "Sign in");
  await page.waitForSelector("#nav:not([hidden])");
}

// Poll fn() until it is truthy or the deadline passes.
async function until(what, fn) {
  const end = Date.now() + WAIT_MS;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function mcp(key, body, session) {
  const headers = { "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    Authorization: "Bearer " + key, "MCP-Protocol-Version": "2025-11-25" };
  if (session) headers["Mcp-Session-Id"] = session;
  return fetch(`${BASE}/mcp/${state().slug}/${state().alias}`,
    { method: "POST", headers, body: JSON.stringify(body) });
}

let cached = null;
function state() {
  if (cached === null) cached = JSON.parse(readFileSync(STATE, "utf8"));
  return cached;
}

async function journey() {
  const browser = await launch();
  const page = await open(browser, 1280);
  const st = { email: `owner-${Date.now()}@example.com`,
    password: "Owner-password-1", slug: `t${Date.now() % 1e9}`,
    alias: "everything" };
  try {
    say("sign up");
    await page.goto(`${BASE}/console/`);
    await heading(page, "Sign in");
    await shot(page, "signin-1280");
    await page.goto(`${BASE}/console/#/signup`);
    await heading(page, "Create an account");
    await fill(page, "email", st.email);
    await fill(page, "password", st.password);
    await submit(page, "Create account");
    await heading(page, "Tenants");

    say("create a tenant");
    await fill(page, "slug", st.slug);
    await fill(page, "name", "Console test tenant");
    await submit(page, "Create tenant");
    await heading(page, "Servers of");

    say(`enable ${SERVER} with a secret`);
    await page.waitForSelector("main select[name=server]");
    await page.select("main select[name=server]", SERVER);
    await fill(page, "alias", st.alias);
    await fill(page, "new-api_token", SECRET);
    await submit(page, "Enable");
    await page.waitForFunction((a) => [...document.querySelectorAll(
      "main td")].some((td) => td.textContent === a), {}, st.alias);
    const text = await page.$eval("main", (m) => m.textContent);
    if (text.includes(SECRET)) fail("the secret is shown on the page");
    if (!/api_token: set on/.test(text))
      fail("the secret is not listed as set");
    await shot(page, "servers-1280");

    say("create an API key");
    await view(page, "keys", "API keys");
    await fill(page, "name", "console test key");
    await submit(page, "Create key");
    const key = await page.waitForSelector("main code.secret")
      .then((e) => e.evaluate((x) => x.textContent));
    if (!/^mcpk_/.test(key)) fail(`the key shown is not a key: ${key}`);
    st.key = key;
    cached = st;
    await shot(page, "keys-1280");

    say("call MCP with the key");
    const init = await mcp(key, { jsonrpc: "2.0", id: 1,
      method: "initialize", params: { protocolVersion: "2025-11-25",
        capabilities: {}, clientInfo: { name: "console-test",
          version: "1" } } });
    if (init.status !== 200) fail(`initialize: HTTP ${init.status}`);
    const session = init.headers.get("mcp-session-id");
    await init.text();
    await (await mcp(key, { jsonrpc: "2.0",
      method: "notifications/initialized" }, session)).text();
    const list = await mcp(key, { jsonrpc: "2.0", id: 2,
      method: "tools/list", params: {} }, session);
    const listText = await list.text();
    if (list.status !== 200 || !listText.includes("echo"))
      fail(`tools/list: HTTP ${list.status}`);

    say("see the call in the logs");
    await view(page, "logs", "Logs");
    await until("the tools/list call in the logs", async () => {
      await submit(page, "Filter");
      await page.waitForFunction(() =>
        !document.querySelector("main .loading"));
      return page.$eval("main", (m) => m.textContent.includes("tools/list"));
    });
    await shot(page, "logs-1280");

    say("see it in the usage chart");
    await view(page, "usage", "Usage");
    await page.waitForSelector("main figure canvas");
    const counted = await page.$eval("main .table-wrap table",
      (t) => t.textContent);
    if (!counted.includes(st.alias)) fail("usage table lacks the server");
    await shot(page, "usage-1280");

    say("connect panel");
    await view(page, "connect", "Connect a client");
    // the heading shows while the servers load: wait for the snippets
    await page.waitForFunction((u) => document.querySelector("main")
      .textContent.includes(u), { timeout: WAIT_MS },
    `/mcp/${st.slug}/${st.alias}`).catch(() =>
      fail("connect panel lacks the endpoint"));

    say("add a plain member (for the member scenario)");
    if (process.env.MEMBER_EMAIL) {
      await view(page, "members", "Members");
      await fill(page, "email", process.env.MEMBER_EMAIL);
      await page.select("main select[name=role]", "member");
      await submit(page, "Add member");
      await page.waitForFunction((e) => document.querySelector("main")
        .textContent.includes(e), {}, process.env.MEMBER_EMAIL);
    }

    say("360 px screenshots");
    const narrow = await open(browser, 360);
    await narrow.goto(`${BASE}/console/`);
    await narrow.evaluate(() => 0);
    // sessionStorage is per tab: sign in on the narrow tab too
    await signIn(narrow, st.email, st.password);
    for (const [v, t] of [["servers", "Servers of"], ["logs", "Logs"],
      ["usage", "Usage"]]) {
      await view(narrow, v, t);
      await narrow.waitForFunction(() =>
        !document.querySelector("main .loading"));
      await shot(narrow, `${v}-360`);
      const over = await narrow.evaluate(() =>
        document.documentElement.scrollWidth > window.innerWidth + 1);
      if (over) fail(`${v} scrolls sideways at 360 px`);
    }
    clean(narrow);
    // back to the first tab: a tab left in the background is throttled
    await narrow.close();
    lastPage = page;
    await page.bringToFront();

    say("revoke the key; the key is refused");
    await view(page, "keys", "API keys");
    // the page asks window.confirm(); answer yes without a native dialog
    // (a native one blocks the page's evaluation until it is handled)
    await page.evaluate(() => { window.confirm = () => true; });
    const revoke = await page.waitForSelector("main button.danger");
    await revoke.click();
    await page.waitForFunction(() => document.querySelector("main")
      .textContent.includes("revoked"));
    await until("the revoked key to be refused", async () => {
      const r = await mcp(key, { jsonrpc: "2.0", id: 3,
        method: "initialize", params: { protocolVersion: "2025-11-25",
          capabilities: {}, clientInfo: { name: "t", version: "1" } } });
      await r.text();
      return r.status === 401;
    });
    clean(page);
    writeFileSync(STATE, JSON.stringify(st));
  } finally {
    await browser.close();
  }
}

async function axe() {
  const st = state();
  const browser = await launch();
  const page = await open(browser, 1280);
  const source = readFileSync(require.resolve("axe-core/axe.min.js"),
    "utf8");
  const bad = [];
  try {
    const check = async (name) => {
      await page.evaluate(source);
      const r = await page.evaluate(() => window.axe.run(document,
        { resultTypes: ["violations"] }));
      for (const v of r.violations)
        if (v.impact === "serious" || v.impact === "critical")
          bad.push(`${name}: ${v.id} (${v.impact}) ${v.help} at ` +
            v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", "));
      say(`${name}: ${r.violations.length} violation(s) of any impact`);
    };
    await page.goto(`${BASE}/console/#/signin`);
    await heading(page, "Sign in");
    await check("signin");
    await signIn(page, st.email, st.password);
    for (const [v, t] of [["tenants", "Tenants"], ["servers", "Servers of"],
      ["keys", "API keys"], ["members", "Members"], ["logs", "Logs"],
      ["usage", "Usage"], ["grants", "OAuth grants"],
      ["audit", "Audit trail"],
      ["connect", "Connect a client"]]) {
      await view(page, v, t);
      await page.waitForFunction(() =>
        !document.querySelector("main .loading"));
      await check(v);
    }
    clean(page);
  } finally {
    await browser.close();
  }
  if (bad.length) fail(bad.join("\n"));
}

async function member() {
  const st = state();
  const browser = await launch();
  const page = await open(browser, 1280);
  try {
    await signIn(page, process.env.MEMBER_EMAIL,
      process.env.MEMBER_PASSWORD);
    await page.goto(`${BASE}/console/#/servers`);
    await heading(page, "Servers of");
    await page.waitForFunction(() =>
      !document.querySelector("main .loading"));
    const servers = await page.$eval("main", (m) => m.textContent);
    if (servers.includes("Enable a server"))
      fail("a plain member is offered to enable a server");
    await view(page, "keys", "API keys");
    if ((await page.$$("main form")).length)
      fail("a plain member is offered to create keys");
    await view(page, "members", "Members");
    await page.waitForFunction(() =>
      !document.querySelector("main .loading"));
    if ((await page.$$("main button.danger, main form, main select")).length)
      fail("a plain member is offered member management");
    await view(page, "grants", "OAuth grants");
    await page.waitForFunction(() =>
      !document.querySelector("main .loading"));
    if ((await page.$$("main button.danger")).length)
      fail("a plain member is offered to revoke OAuth grants");
    await shot(page, "member-servers-1280");
    // and the API refuses it anyway, with the member's own token
    const tok = await page.evaluate(() => JSON.parse(
      sessionStorage.getItem("mcp-console-session")).access_token);
    const r = await fetch(`${BASE}/api/v1/tenants/${st.slug}/api-keys`, {
      method: "POST", headers: { Authorization: "Bearer " + tok,
        "Content-Type": "application/json" },
      body: JSON.stringify({ name: "nope", scopes: ["mcp:call"] }) });
    if (r.status !== 403) fail(`the API let a member create a key: ` +
      `HTTP ${r.status}`);
    clean(page);
  } finally {
    await browser.close();
  }
}

async function consent() {
  const browser = await launch();
  const page = await open(browser, 360);
  const redirect = process.env.REDIRECT || "http://127.0.0.1:9/callback";
  let back = null;
  // The client's redirect URI has nobody listening: answer it here.
  await page.setRequestInterception(true);
  page.on("request", (r) => {
    if (r.url().startsWith(redirect + "?")) {
      back = r.url();
      r.respond({ status: 200, contentType: "text/plain", body: "ok" });
    } else
      r.continue();
  });
  try {
    await page.goto(process.env.AUTHORIZE_URL);
    await page.waitForSelector("input[name=email]");
    await shot(page, "consent-signin-360");
    await page.type("input[name=email]", process.env.EMAIL);
    await page.type("input[name=password]", process.env.PASSWORD);
    await Promise.all([page.waitForNavigation(),
      page.click("form button[type=submit]")]);
    const tenant = process.env.TENANT;
    const server = `${tenant}/${process.env.GRANT_SERVER}`;
    await page.waitForSelector(`input[name=tenant][value="${tenant}"]`);
    await page.click(`input[name=tenant][value="${tenant}"]`);
    await page.$$eval("input[name=server]", (l, want) => l.forEach((e) => {
      e.checked = e.value === want;
    }), server);
    await shot(page, "consent-360");
    await Promise.all([page.waitForNavigation().catch(() => null),
      page.click("button[name=action][value=approve]")]);
    await until("the redirect to the client", async () => back);
    clean(page);
    console.log(JSON.stringify({ redirect: back }));
  } catch (e) {
    page.lastText = await page.evaluate(() => location.href + "\n" +
      document.body.innerText).catch(() => undefined);
    throw e;
  } finally {
    await browser.close();
  }
}

async function grants() {
  const st = state();
  const browser = await launch();
  const page = await open(browser, 1280);
  try {
    await signIn(page, st.email, st.password);
    await view(page, "grants", "OAuth grants");
    await page.waitForFunction(() =>
      !document.querySelector("main .loading"));
    const client = process.env.GRANT_CLIENT;
    await page.waitForFunction((c) => document.querySelector("main")
      .textContent.includes(c), {}, client);
    await shot(page, "grants-1280");
    await page.evaluate(() => { window.confirm = () => true; });
    const revoke = await page.waitForSelector("main button.danger");
    await revoke.click();
    await page.waitForFunction(() => /No OAuth grants/.test(
      document.querySelector("main").textContent));
    await shot(page, "grants-empty-1280");
    clean(page);
  } finally {
    await browser.close();
  }
}

const scenarios = { journey, axe, member, consent, grants };
const which = process.argv[2];
if (!scenarios[which]) {
  console.error("usage: console.mjs journey|axe|member|consent|grants");
  process.exit(2);
}
scenarios[which]().then(() => say(`${which}: ok`), async (e) => {
  console.error(`${which}: ${e.message}`);
  if (lastPage && !lastPage.lastText)
    lastPage.lastText = await lastPage.evaluate(() => location.href + "\n" +
      document.body.innerText).catch(() => undefined);
  if (lastPage && lastPage.lastText)
    console.error(`the page said: ${lastPage.lastText}`);
  process.exit(1);
});
