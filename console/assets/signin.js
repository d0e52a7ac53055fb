import { signIn } from "./api.js";
import { enc, field, h } from "./dom.js";

export function signInPage() {
  const form = h("form", { id: "sign-in-form" },
    field("Platform token or org admin API key", "token", { type: "password", required: true, autocomplete: "off" }),
    field("Org slug (for an org API key)", "org", { autocomplete: "off" }),
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const org = String(data.get("org")).trim();
    signIn(String(data.get("token")).trim(), org);
    location.hash = org ? `#/orgs/${enc(org)}/listeners` : "#/orgs";
  });
  return [h("h1", {}, "Sign in"), h("p", {}, "The credential is kept in this tab only and forgotten at sign-out."), form];
}
