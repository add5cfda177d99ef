// views/grants.js -- the tenant's OAuth grants: which MCP clients its
// users allowed on the consent page (/oauth/consent), for which servers;
// owners and admins revoke them (the client is refused within config_ttl).
// A plain member sees only their own grants, and no revoke button.
import * as api from "../api.js";
import { confirmButton, empty, h, loading, page, problem, table,
  when } from "../ui.js";
import { go } from "../app.js";

export async function render(state) {
  const t = state.tenant;
  const base = `/tenants/${encodeURIComponent(t.slug)}/oauth-grants`;
  page("OAuth grants", loading("grants"));
  let grants;
  try {
    grants = api.items(await api.call("GET", base));
  } catch (e) {
    page("OAuth grants", problem(e));
    return;
  }
  const cols = [
    { label: "Client", value: (g) => h("code", {}, g.client_id) },
    { label: "Servers", value: (g) => (g.servers || []).join(", ") },
    { label: "Scopes", value: (g) => g.scopes || "" },
    { label: "User", value: (g) => h("code", {}, g.user_id) },
    { label: "Granted", value: (g) => when(g.created_at) },
  ];
  if (state.isAdmin())
    cols.push({ label: "", value: (g) => confirmButton("Revoke",
      "Revoke this client's access to the tenant? Its calls are refused " +
      "within a minute.", async () => {
        await api.call("DELETE", `${base}/${encodeURIComponent(g.id)}`);
        go("grants");
      }) });
  page("OAuth grants",
    table(cols, grants) || empty("No OAuth grants. When someone connects " +
      "an MCP client (Claude, the Inspector, an SDK client) to a server " +
      "of this tenant, the consent page asks them to grant it, and the " +
      "grant shows here. See “Connect” for the server's URL."),
    h("p", { class: "hint" }, state.isAdmin() ? "Revoking here cuts the " +
      "client off this tenant; the user can also revoke it in their " +
      "account, which ends the client's sessions everywhere." :
      "You see your own grants; owners and admins see everyone's."));
}
