// views/auth.js -- sign in and sign up, through /api/v1/auth.
import * as api from "../api.js";
import { field, form, h, page } from "../ui.js";
import { go } from "../app.js";

export async function render(state, name) {
  const up = name === "signup";
  const f = {
    email: field("Email", { name: "email", type: "email", required: true,
      autocomplete: "email" }),
    password: field("Password", { name: "password", type: "password",
      required: true, autocomplete: up ? "new-password" :
        "current-password",
      hint: up ? "At least the length the operator requires." : null }),
  };
  const note = h("p", { role: "status" });
  page(up ? "Create an account" : "Sign in",
    form(f, up ? "Create account" : "Sign in", async () => {
      const email = f.email.input.value.trim();
      const password = f.password.input.value;
      if (!email) throw new Error("field 'email' is required");
      if (!password) throw new Error("field 'password' is required");
      if (up) {
        const r = await api.signup(email, password);
        if (!r || !r.access_token) {
          note.textContent = "Check your email to confirm the account, " +
            "then sign in.";
          return;
        }
      } else {
        await api.login(email, password);
      }
      state.me = null;
      go(state.tenant ? "servers" : "tenants");
    }),
    note,
    h("p", {}, up ? "Have an account? " : "New here? ",
      h("a", { href: up ? "#/signin" : "#/signup" },
        up ? "Sign in" : "Create an account")));
}
