// ui.js -- building blocks for the views: elements without innerHTML
// (no markup is ever made from API data), forms with labelled inputs and
// per-field errors, tables, and times in the viewer's time zone.

export function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else if (v === true) e.setAttribute(k, "");
    else e.setAttribute(k, String(v));
  }
  for (const k of kids.flat()) {
    if (k === undefined || k === null || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

const main = () => document.getElementById("main");

// Replace the page's content; the heading gets focus for screen readers.
export function page(title, ...kids) {
  const m = main();
  m.replaceChildren(h("h1", { tabindex: "-1" }, title), ...kids);
  document.title = title + " — MCP Online Platform";
  m.querySelector("h1").focus();
}

export function loading(what) {
  return h("p", { class: "loading", role: "status" }, "Loading " + what +
    "…");
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

export function problem(err) {
  return h("p", { class: "error", role: "alert" },
    err && err.message ? err.message : String(err));
}

let seq = 0;

// A labelled field; returns { row, input, error(msg) }.
export function field(label, attrs) {
  const id = "f" + ++seq;
  const err = h("span", { class: "field-error", id: id + "-err",
    role: "alert" });
  const input = attrs.tag === "select" ?
    h("select", { id, name: attrs.name, required: attrs.required },
      (attrs.options || []).map((o) => h("option", { value: o.value,
        selected: o.selected }, o.label))) :
    attrs.tag === "textarea" ?
    h("textarea", { id, name: attrs.name, rows: 4,
      required: attrs.required }) :
    h("input", { id, name: attrs.name, type: attrs.type || "text",
      required: attrs.required, autocomplete: attrs.autocomplete || "off",
      placeholder: attrs.placeholder, value: attrs.value,
      checked: attrs.checked, "aria-describedby": id + "-err" });
  const row = h("div", { class: "field" }, h("label", { for: id }, label),
    input, attrs.hint ? h("small", { class: "hint" }, attrs.hint) : null,
    err);
  return {
    row, input,
    error(msg) {
      err.textContent = msg || "";
      input.setAttribute("aria-invalid", msg ? "true" : "false");
    },
  };
}

// A form: fields by name, a submit button, and where an API error that
// names a field ('field \'x\'', "unknown field 'x'") is shown.
export function form(fields, submitLabel, onsubmit) {
  const general = h("p", { class: "error", role: "alert" });
  const button = h("button", { type: "submit" }, submitLabel);
  const f = h("form", { novalidate: true }, Object.values(fields).map(
    (x) => x.row), general, button);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    general.textContent = "";
    for (const x of Object.values(fields)) x.error("");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      await onsubmit();
    } catch (e) {
      const m = /'([A-Za-z0-9_.-]+)'/.exec(e.message || "");
      const name = m && m[1];
      if (name && fields[name]) fields[name].error(e.message);
      else general.textContent = e.message || String(e);
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
  return f;
}

export function table(columns, rows, onrow) {
  if (rows.length === 0) return null;
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" },
      c.label)))),
    h("tbody", {}, rows.map((r) => {
      const tr = h("tr", {}, columns.map((c) => h("td",
        { "data-label": c.label }, c.value(r))));
      if (onrow) {
        tr.tabIndex = 0;
        tr.classList.add("clickable");
        tr.addEventListener("click", () => onrow(r));
        tr.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            onrow(r);
          }
        });
      }
      return tr;
    }))));
}

// A time in the viewer's own zone.
export function when(ts) {
  if (!ts) return "—";
  const d = new Date(ts);
  return isNaN(d) ? String(ts) : d.toLocaleString(undefined, {
    dateStyle: "medium", timeStyle: "medium" });
}

export function copyButton(text, label) {
  const b = h("button", { type: "button", class: "secondary" },
    label || "Copy");
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = "Copied";
    } catch {
      b.textContent = "Select and copy by hand";
    }
  });
  return b;
}

export function confirmButton(label, question, action) {
  return h("button", { type: "button", class: "danger",
    onclick: async (ev) => {
      if (!window.confirm(question)) return;
      ev.target.disabled = true;
      try {
        await action();
      } catch (e) {
        ev.target.after(problem(e));
      } finally {
        ev.target.disabled = false;
      }
    } }, label);
}
