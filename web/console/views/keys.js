// views/keys.js -- the tenant's API keys: create with scopes (the key is
// shown once, with a copy button), list, revoke.
import * as api from "../api.js";
import { confirmButton, copyButton, empty, field, form, h, loading, page,
  problem, table, when } from "../ui.js";
import { go } from "../app.js";

const SCOPES = [
  ["mcp:call", "call MCP servers"],
  ["logs:read", "read logs and usage"],
  ["admin", "manage the tenant"],
];

export async function render(state) {
  const t = state.tenant;
  const base = `/tenants/${encodeURIComponent(t.slug)}/api-keys`;
  if (!state.isAdmin()) {
    page("API keys", empty("Only owners and admins of this tenant manage " +
      "API keys."));
    return;
  }
  page("API keys", loading("keys"));
  let keys;
  try {
    keys = api.items(await api.call("GET", base), "api_keys");
  } catch (e) {
    page("API keys", problem(e));
    return;
  }
  const shown = h("div", { role: "status" });
  const f = {
    name: field("Name", { name: "name", required: true,
      hint: "What uses it, e.g. “VernisAI backend”." }),
    expires_at: field("Expires (optional)", { name: "expires_at",
      type: "datetime-local" }),
  };
  const scopes = h("fieldset", {}, h("legend", {}, "Scopes"),
    SCOPES.map(([s, what]) => h("div", { class: "check" },
      h("input", { type: "checkbox", id: "scope-" + s, value: s,
        checked: s === "mcp:call" }),
      h("label", { for: "scope-" + s }, `${s} — ${what}`))));
  f.scopes = { row: scopes, input: scopes, error() {} };
  const list = table([
    { label: "Name", value: (k) => k.name },
    { label: "Prefix", value: (k) => h("code", {}, k.prefix) },
    { label: "Scopes", value: (k) => (k.scopes || []).join(" ") },
    { label: "Created", value: (k) => when(k.created_at) },
    { label: "Last used", value: (k) => when(k.last_used_at) },
    { label: "Expires", value: (k) => when(k.expires_at) },
    { label: "", value: (k) => k.revoked_at ? "revoked " +
      when(k.revoked_at) : confirmButton("Revoke", `Revoke “${k.name}”? ` +
        "Callers using it are refused within a minute.", async () => {
        await api.call("DELETE", `${base}/${encodeURIComponent(k.id)}`);
        go("keys");
      }) },
  ], keys);
  page("API keys",
    list || empty("No keys yet. A backend calls MCP with a key: create " +
      "one below."),
    h("h2", {}, "Create a key"),
    form(f, "Create key", async () => {
      const body = { name: f.name.input.value.trim(), scopes:
        [...scopes.querySelectorAll("input:checked")].map((i) => i.value) };
      if (f.expires_at.input.value)
        body.expires_at = new Date(f.expires_at.input.value).toISOString();
      const k = await api.call("POST", base, body);
      const secret = k.key || k.api_key || k.secret;
      shown.replaceChildren(h("p", { class: "once" },
        "Copy this key now: it is never shown again."),
      h("code", { class: "secret", tabindex: "0" }, secret),
      copyButton(secret, "Copy key"));
      f.name.input.value = "";
    }),
    shown);
}
