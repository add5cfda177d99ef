// views/servers.js -- the tenant's servers: enable one from the catalog
// with a form generated from its settings and secrets spec, secrets as
// write-only fields ("set on <date>"), tool allow/deny picked from the
// server's live tools/list, disable, delete.
import * as api from "../api.js";
import { confirmButton, empty, field, form, h, loading, page, problem,
  table, when } from "../ui.js";
import { go } from "../app.js";
import { mcpToolNames } from "../mcp.js";

const enc = encodeURIComponent;

// Secrets as [{name, set_at}] whatever the answer's shape.
function secretList(s) {
  if (Array.isArray(s)) return s.map((x) => typeof x === "string" ?
    { name: x } : x);
  if (s && typeof s === "object")
    return Object.entries(s).map(([name, v]) => ({ name,
      set_at: v && (v.set_at || v.updated_at) }));
  return [];
}

export async function render(state) {
  const t = state.tenant;
  page(`Servers of ${t.name || t.slug}`, loading("servers"));
  let servers, catalog;
  try {
    [servers, catalog] = await Promise.all([
      api.call("GET", `/tenants/${enc(t.slug)}/servers`),
      api.call("GET", "/catalog"),
    ]);
  } catch (e) {
    page(`Servers of ${t.name || t.slug}`, problem(e));
    return;
  }
  servers = api.items(servers, "servers");
  catalog = api.items(catalog, "servers");
  const admin = state.isAdmin();
  const list = table([
    { label: "Alias", value: (s) => h("code", {}, s.alias) },
    { label: "Server", value: (s) => s.server || s.url || "—" },
    { label: "State", value: (s) => s.enabled === false ? "disabled" :
      "enabled" },
    { label: "Secrets", value: (s) => secretList(s.secrets).map((x) =>
      `${x.name}: set on ${when(x.set_at)}`).join("; ") || "—" },
  ], servers, (s) => detail(state, s, catalog));
  page(`Servers of ${t.name || t.slug}`,
    list || empty(admin ? "No server is enabled yet. Pick one from the " +
      "catalog below." : "No server is enabled yet; an owner or admin " +
      "of this tenant can enable one."),
    admin ? enableForm(state, catalog) : null);
}

// The settings and secrets inputs a catalog entry asks for.
function specFields(entry, prefix) {
  const out = {};
  for (const s of entry.settings_spec || [])
    out["settings." + s.name] = field(`${s.name}${s.required ? " *" : ""}`,
      { name: prefix + s.name, hint: s.description,
        value: s.default !== undefined ? String(s.default) : undefined });
  for (const s of entry.secrets_spec || [])
    out["secrets." + s.name] = field(`${s.name} (secret)${s.required ?
      " *" : ""}`, { name: prefix + s.name, type: "password",
        autocomplete: "new-password",
        hint: (s.description ? s.description + " " : "") +
          "Write-only: never shown again." });
  return out;
}

function collect(fields) {
  const settings = {}, secrets = {};
  for (const [k, f] of Object.entries(fields)) {
    const v = f.input.value;
    if (v === "") continue;
    if (k.startsWith("settings.")) settings[k.slice(9)] = v;
    if (k.startsWith("secrets.")) secrets[k.slice(8)] = v;
  }
  return { settings, secrets };
}

function enableForm(state, catalog) {
  if (catalog.length === 0)
    return empty("The operator's catalog is empty.");
  const box = h("section", { "aria-labelledby": "enable-h" },
    h("h2", { id: "enable-h" }, "Enable a server"));
  const pick = field("Catalog server", { name: "server", tag: "select",
    options: catalog.map((c) => ({ value: c.slug, label:
      `${c.name || c.slug}${c.description ? " — " + c.description : ""}`
    })) });
  const holder = h("div");
  const draw = () => {
    const entry = catalog.find((c) => c.slug === pick.input.value);
    const fields = {
      alias: field("Alias", { name: "alias", required: true,
        value: entry.slug, hint: "The <server> in /mcp/<tenant>/<server>." }),
      ...specFields(entry, "new-"),
    };
    holder.replaceChildren(form(fields, "Enable", async () => {
      const alias = fields.alias.input.value.trim();
      const { settings, secrets } = collect(fields);
      await api.call("PUT", `/tenants/${enc(state.tenant.slug)}/servers/` +
        enc(alias), { server: entry.slug, settings, secrets,
          enabled: true });
      go("servers");
    }));
  };
  pick.input.addEventListener("change", draw);
  box.append(pick.row, holder);
  draw();
  return box;
}

async function detail(state, s, catalog) {
  const t = state.tenant;
  const path = `/tenants/${enc(t.slug)}/servers/${enc(s.alias)}`;
  const entry = catalog.find((c) => c.slug === s.server) || {};
  const admin = state.isAdmin();
  const kids = [
    h("p", {}, h("a", { href: "#/servers" }, "← All servers")),
    h("dl", {},
      h("dt", {}, "Endpoint"), h("dd", {}, h("code", {},
        `${location.origin}/mcp/${t.slug}/${s.alias}`)),
      h("dt", {}, "Server"), h("dd", {}, s.server || s.url || "—"),
      h("dt", {}, "State"), h("dd", {}, s.enabled === false ? "disabled" :
        "enabled"),
      h("dt", {}, "Secrets"), h("dd", {}, secretList(s.secrets).map((x) =>
        h("div", {}, `${x.name}: set on ${when(x.set_at)}`)))),
  ];
  if (admin) {
    const fields = specFields(entry, "edit-");
    for (const [k, f] of Object.entries(fields))
      if (k.startsWith("settings.") && s.settings &&
        s.settings[k.slice(9)] !== undefined)
        f.input.value = String(s.settings[k.slice(9)]);
    kids.push(h("h2", {}, "Settings"), Object.keys(fields).length === 0 ?
      empty("This server has no settings.") :
      form(fields, "Save settings", async () => {
        const { settings, secrets } = collect(fields);
        const body = { settings };
        if (Object.keys(secrets).length) body.secrets = secrets;
        await api.call("PATCH", path, body);
        go("servers");
      }));
    kids.push(h("h2", {}, "Tools"), await toolPicker(state, s, path));
    kids.push(h("h2", {}, "Danger zone"), h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick:
        async () => {
          await api.call("PATCH", path, { enabled: s.enabled === false });
          go("servers");
        } }, s.enabled === false ? "Enable" : "Disable"),
      confirmButton("Delete", `Delete ${s.alias}? Its settings and ` +
        "secrets are removed.", async () => {
        await api.call("DELETE", path);
        go("servers");
      })));
  }
  page(`Server ${s.alias}`, ...kids);
}

// Checkboxes over the live tools/list: checked = allowed.
async function toolPicker(state, s, path) {
  let names;
  try {
    names = await mcpToolNames(state.tenant.slug, s.alias);
  } catch (e) {
    return problem(new Error("The server's tools cannot be listed now: " +
      e.message));
  }
  if (names.length === 0) return empty("This server offers no tools.");
  const deny = new Set((s.tools && s.tools.deny) || s.tool_deny || []);
  const allowList = (s.tools && s.tools.allow) || s.tool_allow || null;
  const boxes = names.map((n) => {
    const id = "tool-" + n.replace(/[^A-Za-z0-9_-]/g, "_");
    return h("div", { class: "check" }, h("input", { type: "checkbox",
      id, value: n, checked: !deny.has(n) &&
        (allowList === null || allowList.includes(n)) }),
    h("label", { for: id }, n));
  });
  const fs = h("fieldset", {}, h("legend", {}, "Allowed tools"), boxes);
  return form({ _: { row: fs, error() {} } }, "Save tools", async () => {
    const denyNow = [...fs.querySelectorAll("input:not(:checked)")]
      .map((i) => i.value);
    await api.call("PATCH", path, { tools: { allow: null,
      deny: denyNow } });
    go("servers");
  });
}
