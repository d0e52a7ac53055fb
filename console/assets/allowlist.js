import { allowlistEntries, allowlistProblems } from "./cidr.js";
import { h } from "./dom.js";

// An IP allowlist textarea (one entry a line) checked on every keystroke, its problems shown next to it.
// check() says whether it may be saved; entries() is what to send.
export function allowlistEditor(id, label, entries) {
  const input = h("textarea", { name: "ip_allowlist", id, rows: 3, "aria-describedby": `${id}-help` });
  input.value = (entries ?? []).join("\n");
  const problems = h("div", { id: `${id}-problems`, role: "status", "aria-live": "polite" });
  const check = () => {
    const found = allowlistProblems(input.value);
    problems.replaceChildren(...found.map((message) => h("span", { class: "error" }, message)));
    if (found.length) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    return found.length === 0;
  };
  input.addEventListener("input", check);
  return {
    label: h("label", { class: "wide" }, label, input,
      h("small", { id: `${id}-help` }, "One address or CIDR range a line, e.g. 203.0.113.0/24 or 2001:db8::/32; empty: any address."),
      problems),
    check,
    entries: () => allowlistEntries(input.value),
    show: (saved) => { input.value = saved.join("\n"); },
  };
}
