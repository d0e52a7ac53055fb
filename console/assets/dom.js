// Elements built with textContent only: nothing from the API is ever parsed as HTML.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function field(label, name, attributes = {}) {
  return h("label", {}, label, h("input", { name, ...attributes }));
}

// Shows a problem's per-field errors next to the inputs they name, and its detail at the form's end.
export function showProblem(form, problem) {
  for (const old of form.querySelectorAll(".error")) old.remove();
  for (const error of problem.errors || []) {
    const input = form.querySelector(`[name="${CSS.escape(error.field || "")}"]`);
    const message = h("span", { class: "error", role: "alert" }, error.message || error.detail || "invalid");
    if (input) input.after(message);
    else form.append(message);
  }
  if (!problem.errors || problem.errors.length === 0) form.append(h("span", { class: "error", role: "alert" }, problem.message));
}

export function table(headings, rows) {
  return h("table", {}, h("thead", {}, h("tr", {}, headings.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))));
}
