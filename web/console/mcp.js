// mcp.js -- just enough of an MCP client (Streamable HTTP, 2025-11-25) for
// the console to list a server's tools with the user's own token:
// initialize, notifications/initialized, tools/list (every page), DELETE.
import { ApiError, accessToken as token } from "./api.js";

const VERSION = "2025-11-25";
const MAX_PAGES = 20;

// The JSON-RPC message of a response: plain JSON or the last SSE event
// that carries a result or an error.
async function message(res) {
  const text = await res.text();
  if ((res.headers.get("Content-Type") || "").startsWith(
    "text/event-stream")) {
    let last = null;
    for (const ev of text.split(/\r?\n\r?\n/)) {
      const data = ev.split(/\r?\n/).filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, "")).join("\n");
      if (!data) continue;
      const m = JSON.parse(data);
      if ("result" in m || "error" in m) last = m;
    }
    return last;
  }
  return text ? JSON.parse(text) : null;
}

async function post(url, session, body) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    Authorization: "Bearer " + token(),
    "MCP-Protocol-Version": VERSION,
  };
  if (session) headers["Mcp-Session-Id"] = session;
  const res = await fetch(url, { method: "POST", headers,
    body: JSON.stringify(body), credentials: "omit", cache: "no-store" });
  if (res.status === 202) return { res, msg: null };
  const msg = await message(res);
  if (!res.ok || (msg && msg.error)) {
    const e = (msg && msg.error) || {};
    throw new ApiError(res.status, e.code, e.message || res.statusText);
  }
  return { res, msg };
}

export async function mcpToolNames(tenant, alias) {
  const url = `/mcp/${encodeURIComponent(tenant)}/` +
    encodeURIComponent(alias);
  const init = await post(url, null, { jsonrpc: "2.0", id: 1,
    method: "initialize", params: { protocolVersion: VERSION,
      capabilities: {}, clientInfo: { name: "mcp-console",
        version: "1" } } });
  const session = init.res.headers.get("Mcp-Session-Id");
  const names = [];
  try {
    await post(url, session, { jsonrpc: "2.0",
      method: "notifications/initialized" });
    let cursor;
    for (let i = 0; i < MAX_PAGES; i++) {
      const r = await post(url, session, { jsonrpc: "2.0", id: 2 + i,
        method: "tools/list", params: cursor ? { cursor } : {} });
      for (const t of (r.msg && r.msg.result && r.msg.result.tools) || [])
        names.push(t.name);
      cursor = r.msg && r.msg.result && r.msg.result.nextCursor;
      if (!cursor) break;
    }
  } finally {
    if (session)
      fetch(url, { method: "DELETE", headers: { "Mcp-Session-Id": session,
        Authorization: "Bearer " + token() } }).catch(() => {});
  }
  return names;
}
