// views/members.js -- who belongs to the tenant, with what role.
import * as api from "../api.js";
import { confirmButton, empty, field, form, h, loading, page, problem,
  table, when } from "../ui.js";
import { go } from "../app.js";

const ROLES = ["member", "admin", "owner"];

export async function render(state) {
  const t = state.tenant;
  const base = `/tenants/${encodeURIComponent(t.slug)}/members`;
  page("Members", loading("members"));
  let members;
  try {
    members = api.items(await api.call("GET", base), "members");
  } catch (e) {
    page("Members", problem(e));
    return;
  }
  const admin = state.isAdmin();
  const roleCell = (m) => {
    if (!admin) return m.role;
    const sel = h("select", { "aria-label": `Role of ${m.email ||
      m.user_id}` }, ROLES.map((r) => h("option", { value: r,
        selected: r === m.role }, r)));
    sel.addEventListener("change", async () => {
      try {
        await api.call("PATCH", `${base}/${encodeURIComponent(m.user_id)}`,
          { role: sel.value });
      } catch (e) {
        sel.value = m.role;
        sel.after(problem(e));
      }
    });
    return sel;
  };
  const list = table([
    { label: "Email", value: (m) => m.email || m.user_id },
    { label: "Role", value: roleCell },
    { label: "Since", value: (m) => when(m.created_at) },
    { label: "", value: (m) => admin ? confirmButton("Remove",
      `Remove ${m.email || m.user_id} from ${t.slug}?`, async () => {
        await api.call("DELETE", `${base}/${encodeURIComponent(m.user_id)}`);
        go("members");
      }) : "" },
  ], members);
  const kids = [list || empty("No members.")];
  if (admin) {
    const f = {
      email: field("Email", { name: "email", type: "email",
        required: true, hint: "The person must have an account." }),
      role: field("Role", { name: "role", tag: "select",
        options: ROLES.map((r) => ({ value: r, label: r })) }),
    };
    kids.push(h("h2", {}, "Add a member"), form(f, "Add member",
      async () => {
        await api.call("POST", base, { email: f.email.input.value.trim(),
          role: f.role.input.value });
        go("members");
      }));
  }
  page("Members", ...kids);
}
