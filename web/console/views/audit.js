// views/audit.js -- the tenant's audit trail, newest first, page by page.
import * as api from "../api.js";
import { empty, h, loading, page, problem, table, when } from "../ui.js";

export async function render(state) {
  const base = `/tenants/${encodeURIComponent(state.tenant.slug)}/audit`;
  const rows = [];
  const holder = h("div");
  const more = h("button", { type: "button", class: "secondary" },
    "Older events");
  let cursor = null;
  const load = async () => {
    more.disabled = true;
    try {
      const q = new URLSearchParams({ limit: "50" });
      if (cursor) q.set("cursor", cursor);
      const r = await api.call("GET", `${base}?${q}`);
      rows.push(...api.items(r, "items"));
      cursor = r && r.next_cursor;
      holder.replaceChildren(table([
        { label: "When", value: (e) => when(e.ts) },
        { label: "Who", value: (e) => e.actor_email || e.actor ||
          (e.actor_key ? "key " + e.actor_key : "operator") },
        { label: "Action", value: (e) => e.action },
        { label: "Target", value: (e) => e.target || "—" },
      ], rows) || empty("Nothing has changed in this tenant yet."));
      more.hidden = !cursor;
    } catch (e) {
      holder.append(problem(e));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", load);
  page("Audit trail", holder, more);
  holder.append(loading("events"));
  await load();
}
