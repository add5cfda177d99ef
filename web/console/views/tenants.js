// views/tenants.js -- the caller's tenants and a form to create one.
import * as api from "../api.js";
import { empty, field, form, h, page, table } from "../ui.js";
import { go } from "../app.js";

export async function render(state) {
  const f = {
    slug: field("Slug", { name: "slug", required: true,
      hint: "3–40 lowercase letters, digits and dashes: the <tenant> in " +
        "/mcp/<tenant>/<server>." }),
    name: field("Name", { name: "name", required: true }),
  };
  const list = table([
    { label: "Name", value: (t) => t.name || t.slug },
    { label: "Slug", value: (t) => h("code", {}, t.slug) },
    { label: "Your role", value: (t) => t.role || "member" },
  ], state.tenants, (t) => {
    state.select(t.slug);
    go("servers");
  });
  page("Tenants",
    list || empty("You belong to no tenant yet. Create one below: you " +
      "become its owner."),
    h("h2", {}, "Create a tenant"),
    form(f, "Create tenant", async () => {
      const slug = f.slug.input.value.trim();
      await api.call("POST", "/tenants", { slug,
        name: f.name.input.value.trim() });
      await state.reload();
      state.select(slug);
      go("servers");
    }));
}
