// app.js -- the console's shell: who is signed in, which tenant is
// selected, and which view the location hash names (#/servers, ...).
// Views are modules in views/; each exports render(state).

import * as api from "./api.js";
import { h, page, problem } from "./ui.js";

const VIEWS = {
  "signin": () => import("./views/auth.js"),
  "signup": () => import("./views/auth.js"),
  "tenants": () => import("./views/tenants.js"),
  "servers": () => import("./views/servers.js"),
  "keys": () => import("./views/keys.js"),
  "members": () => import("./views/members.js"),
  "logs": () => import("./views/logs.js"),
  "usage": () => import("./views/usage.js"),
  "grants": () => import("./views/grants.js"),
  "audit": () => import("./views/audit.js"),
  "connect": () => import("./views/connect.js"),
};
const TENANT_KEY = "mcp-console-tenant";
const ADMIN_ROLES = new Set(["owner", "admin"]);

export const state = {
  me: null,           // GET /api/v1/auth/me
  tenants: [],        // [{slug, name, role}]
  tenant: null,       // the selected one
  isAdmin() {
    return this.tenant !== null && ADMIN_ROLES.has(this.tenant.role);
  },
  async reload() {
    this.me = await api.call("GET", "/auth/me");
    this.tenants = api.items(this.me, "tenants");
    const want = sessionStorage.getItem(TENANT_KEY);
    this.tenant = this.tenants.find((t) => t.slug === want) ||
      this.tenants[0] || null;
    fillSwitcher();
  },
  select(slug) {
    this.tenant = this.tenants.find((t) => t.slug === slug) || null;
    if (this.tenant) sessionStorage.setItem(TENANT_KEY, slug);
    fillSwitcher();
  },
};

function fillSwitcher() {
  const sel = document.getElementById("tenant-switch");
  sel.replaceChildren(...state.tenants.map((t) => h("option",
    { value: t.slug, selected: state.tenant && t.slug === state.tenant.slug },
    `${t.name || t.slug} (${t.role || "member"})`)));
  sel.disabled = state.tenants.length === 0;
}

function route() {
  const m = /^#\/([a-z]+)/.exec(location.hash);
  return m && VIEWS[m[1]] ? m[1] : null;
}

let rendering = 0;

async function render() {
  const nav = document.getElementById("nav");
  let name = route();
  const mine = ++rendering;
  if (!api.signedIn()) {
    nav.hidden = true;
    if (name !== "signup") name = "signin";
  } else {
    nav.hidden = false;
    try {
      if (state.me === null) await state.reload();
    } catch (e) {
      page("Something went wrong", problem(e));
      return;
    }
    if (name === null || name === "signin" || name === "signup")
      name = state.tenant ? "servers" : "tenants";
    else if (state.tenant === null && name !== "tenants")
      name = "tenants";
  }
  for (const a of nav.querySelectorAll("a"))
    a.setAttribute("aria-current",
      a.getAttribute("href") === "#/" + name ? "page" : "false");
  try {
    const mod = await VIEWS[name]();
    if (mine !== rendering) return;   // a newer navigation won
    await mod.render(state, name);
  } catch (e) {
    if (mine === rendering) page("Something went wrong", problem(e));
  }
}

export function go(name) {
  if (location.hash === "#/" + name) render();
  else location.hash = "#/" + name;
}

api.onSession((s) => {
  if (s === null) {
    state.me = null;
    state.tenants = [];
    state.tenant = null;
  }
});

document.getElementById("tenant-switch").addEventListener("change",
  (e) => {
    state.select(e.target.value);
    render();
  });
document.getElementById("signout").addEventListener("click", async () => {
  await api.logout().catch(() => {});
  go("signin");
});
window.addEventListener("hashchange", render);
render();
