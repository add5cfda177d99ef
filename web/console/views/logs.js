// views/logs.js -- the tenant's request log: filters, keyset paging
// ("Older"), a follow mode that polls for new calls, and a row that opens
// the (already redacted) request and response.
import * as api from "../api.js";
import { empty, field, h, loading, page, problem, table, when } from
  "../ui.js";

const FOLLOW_MS = 3000;
const PAGE = 50;
let follow = null;   // the poll timer of the shown page, if any

function stopFollow() {
  clearInterval(follow);
  follow = null;
}

export async function render(state) {
  stopFollow();
  const base = `/tenants/${encodeURIComponent(state.tenant.slug)}/logs`;
  const f = {
    server: field("Server", { name: "server", placeholder: "alias" }),
    method: field("Method", { name: "method", placeholder: "tools/call" }),
    tool: field("Tool", { name: "tool" }),
    status: field("HTTP status", { name: "status", type: "number" }),
  };
  const rows = [];
  let cursor = null;
  const out = h("div");
  const shown = h("section", { "aria-live": "polite" });
  const more = h("button", { type: "button", class: "secondary" }, "Older");
  const followBox = h("input", { type: "checkbox", id: "follow" });
  const query = () => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    for (const k of ["server", "method", "tool", "status"])
      if (f[k].input.value.trim()) q.set(k, f[k].input.value.trim());
    return q;
  };
  const draw = () => {
    out.replaceChildren(table([
      { label: "When", value: (r) => when(r.ts) },
      { label: "Server", value: (r) => r.server_alias || "—" },
      { label: "Method", value: (r) => r.method || "—" },
      { label: "Tool", value: (r) => r.tool || "" },
      { label: "Status", value: (r) => String(r.http_status ?? "—") +
        (r.jsonrpc_error ? ` (${r.jsonrpc_error})` : "") },
      { label: "ms", value: (r) => r.total_ms == null ? "—" :
        Math.round(r.total_ms) },
    ], rows, open) || empty("No calls match. Calls to /mcp/" +
      `${state.tenant.slug}/<server> appear here a few seconds after ` +
      "they are made."));
    more.hidden = !cursor;
  };
  const open = (r) => {
    shown.replaceChildren(h("h2", {}, `Request ${r.request_id}`),
      h("dl", {}, h("dt", {}, "Caller"), h("dd", {}, `${r.caller_kind ||
        "—"} ${r.caller_id || ""}`), h("dt", {}, "Protocol"),
      h("dd", {}, r.protocol_version || "—")),
      h("h3", {}, "Request"), h("pre", { tabindex: "0" },
        pretty(r.request_body)),
      h("h3", {}, "Response"), h("pre", { tabindex: "0" },
        pretty(r.response_body)),
      r.truncated ? h("p", { class: "hint" }, "Bodies were cut at the " +
        "operator's limit.") : null);
    shown.querySelector("h2").tabIndex = -1;
    shown.querySelector("h2").focus();
  };
  const load = async (reset) => {
    more.disabled = true;
    try {
      const q = query();
      if (!reset && cursor) q.set("cursor", cursor);
      const r = await api.call("GET", `${base}?${q}`);
      if (reset) rows.length = 0;
      rows.push(...api.items(r, "items"));
      cursor = r.next_cursor;
      draw();
    } catch (e) {
      out.replaceChildren(problem(e));
    } finally {
      more.disabled = false;
    }
  };
  // Follow: newer rows than the newest shown, put on top.
  const poll = async () => {
    if (!document.getElementById("follow")) return stopFollow();
    try {
      const q = query();
      if (rows.length) q.set("since", rows[0].ts);
      const r = await api.call("GET", `${base}?${q}`);
      const seen = new Set(rows.map((x) => x.request_id));
      const fresh = api.items(r, "items").filter((x) =>
        !seen.has(x.request_id));
      if (fresh.length) {
        rows.unshift(...fresh);
        draw();
      }
    } catch {
      // the next tick tries again; the table stays as it was
    }
  };
  followBox.addEventListener("change", () => {
    stopFollow();
    if (followBox.checked) follow = setInterval(poll, FOLLOW_MS);
  });
  more.addEventListener("click", () => load(false));
  const filters = h("form", { class: "filters", onsubmit: (e) => {
    e.preventDefault();
    load(true);
  } }, Object.values(f).map((x) => x.row),
  h("button", { type: "submit" }, "Filter"),
  h("div", { class: "check" }, followBox,
    h("label", { for: "follow" }, "Follow new calls")));
  page("Logs", filters, out, more, shown);
  out.append(loading("calls"));
  await load(true);
}

function pretty(s) {
  if (s == null) return "—";
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return String(s);
  }
}
