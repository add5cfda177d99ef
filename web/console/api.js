// api.js -- the console's only way to the platform: same-origin calls to
// /api/v1 with the signed-in user's token.
//
// Tokens live in sessionStorage (gone when the tab closes, never in
// localStorage) and are refreshed REFRESH_EARLY_S before they expire, so a
// page left open stays signed in while its refresh token lasts. Errors are
// thrown as ApiError with the platform's {"error":{"code","message"}}.

const STORE = "mcp-console-session";
const REFRESH_EARLY_S = 60;
const TIMEOUT_MS = 20000;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let session = load();
let timer = null;
const listeners = new Set();

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE)) || null;
  } catch {
    return null;
  }
}

function save(s) {
  session = s;
  if (s) sessionStorage.setItem(STORE, JSON.stringify(s));
  else sessionStorage.removeItem(STORE);
  schedule();
  for (const f of listeners) f(s);
}

export function onSession(f) {
  listeners.add(f);
}

export function signedIn() {
  return session !== null && session.expires_at > Date.now() / 1000;
}

export function accessToken() {
  return session ? session.access_token : null;
}

export function currentUser() {
  return session ? session.user : null;
}

function schedule() {
  clearTimeout(timer);
  if (!session) return;
  const ms = (session.expires_at - REFRESH_EARLY_S) * 1000 - Date.now();
  timer = setTimeout(() => refresh().catch(() => save(null)),
    Math.max(ms, 1000));
}

function fromTokens(t) {
  return {
    access_token: t.access_token,
    refresh_token: t.refresh_token,
    expires_at: Math.floor(Date.now() / 1000) + (t.expires_in || 3600),
    user: t.user || (session && session.user) || null,
  };
}

// One call: JSON in, JSON out; throws ApiError.
export async function call(method, path, body, opts = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const tok = opts.token || (session && session.access_token);
  if (tok && !opts.anonymous) headers.Authorization = "Bearer " + tok;
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  let res;
  try {
    res = await fetch("/api/v1" + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctl.signal,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, "network", e.name === "AbortError" ?
      "the platform did not answer in time" :
      "the platform cannot be reached");
  } finally {
    clearTimeout(t);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(res.status, "bad_response",
        "the platform answered something that is not JSON");
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    if (res.status === 401 && !opts.anonymous && session) save(null);
    throw new ApiError(res.status, e.code || "error",
      e.message || res.statusText || "request failed");
  }
  return data;
}

export async function login(email, password) {
  const t = await call("POST", "/auth/login", { email, password },
    { anonymous: true });
  save(fromTokens(t));
  return t;
}

export async function signup(email, password) {
  const t = await call("POST", "/auth/signup", { email, password },
    { anonymous: true });
  if (t && t.access_token) save(fromTokens(t));
  return t;
}

export async function refresh() {
  if (!session) return;
  const t = await call("POST", "/auth/refresh",
    { refresh_token: session.refresh_token }, { anonymous: true });
  save(fromTokens(t));
}

export async function logout() {
  try {
    if (session) await call("POST", "/auth/logout");
  } finally {
    save(null);
  }
}

// A list from an answer that is an array or {items: [...]}.
export function items(r, key) {
  if (Array.isArray(r)) return r;
  if (r && Array.isArray(r[key || "items"])) return r[key || "items"];
  if (r && Array.isArray(r.items)) return r.items;
  return [];
}

schedule();
