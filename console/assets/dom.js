// Elements built with textContent only: nothing from the API is ever parsed as HTML.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export const enc = encodeURIComponent;

export function field(label, name, attributes = {}) {
  return h("label", {}, label, h("input", { name, ...attributes }));
}

export function area(label, name, value, attributes = {}) {
  const input = h("textarea", { name, rows: 4, ...attributes });
  input.value = value ?? "";
  return h("label", {}, label, input);
}

export function checkbox(label, name, checked) {
  return h("label", { class: "check" }, h("input", { type: "checkbox", name, checked: Boolean(checked) }), label);
}

// A select of values (or [value, text] pairs); "" is offered first when `empty` names it.
export function choice(label, name, values, current, { empty = null, ...attributes } = {}) {
  const options = (empty === null ? [] : [["", empty]]).concat(values.map((v) => (Array.isArray(v) ? v : [v, v])));
  return h("label", {}, label, h("select", { name, ...attributes },
    options.map(([value, text]) => h("option", { value, selected: value === (current ?? "") }, text))));
}

// Shows a problem's per-field errors next to the inputs they name ("ip_allowlist[2]" next to "ip_allowlist"), and
// its detail at the form's end when no field is named.
export function showProblem(form, problem) {
  clearProblems(form);
  for (const error of problem.errors || []) {
    const name = error.field || "";
    const base = name.replace(/\[(\d+)\]$/, "");
    const entry = name !== base ? `entry ${Number(name.slice(base.length + 1, -1)) + 1}: ` : "";
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`) || form.querySelector(`[name="${CSS.escape(base)}"]`);
    const message = h("span", { class: "error", role: "alert" }, entry + (error.message || error.detail || "invalid"));
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.after(message);
    } else {
      form.append(h("span", { class: "error", role: "alert" }, `${name}: `, message));
    }
  }
  if (!problem.errors || problem.errors.length === 0) form.append(h("span", { class: "error", role: "alert" }, problem.message));
}

export function clearProblems(form) {
  for (const old of form.querySelectorAll(".error")) old.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

export function table(headings, rows, attributes = {}) {
  return h("table", attributes, h("thead", {}, h("tr", {}, headings.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))));
}

// A "Next page" link with the API's cursor, added to the page's URL.
export function more(page, base) {
  if (!page.next_cursor) return null;
  const join = base.includes("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?";
  return h("p", {}, h("a", { href: `${base}${join}cursor=${enc(page.next_cursor)}` }, "Next page"));
}

// Renders the current page again (after a change).
export function rerender() {
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

// A button that asks first when `question` is given, runs the action, and shows its problem next to itself.
export function action(text, run, { question = null, ...attributes } = {}) {
  const button = h("button", { type: "button", ...attributes }, text);
  button.addEventListener("click", async () => {
    if (question && !confirm(question)) return;
    button.parentElement?.querySelector(".error")?.remove();
    try {
      await run();
    } catch (problem) {
      button.after(h("span", { class: "error", role: "alert" }, problem.message));
    }
  });
  return button;
}

// Submits a form through `run(data)`; a problem is shown by the fields it names.
export function onSubmit(form, run) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblems(form);
    try {
      await run(new FormData(form));
    } catch (problem) {
      showProblem(form, problem);
    }
  });
  return form;
}

// Text or null when empty.
export function text(data, name) {
  const value = String(data.get(name) ?? "").trim();
  return value === "" ? null : value;
}

export function status(message, attributes = {}) {
  return h("p", { role: "status", ...attributes }, message);
}
