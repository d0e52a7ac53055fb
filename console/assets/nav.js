import { credential } from "./api.js";
import { enc, h } from "./dom.js";

const ORG_PAGES = [
  ["listeners", "Listeners"], ["requests", "Request log"], ["outbox", "Outbox"], ["records", "Records"],
  ["users", "Users"], ["groups", "Groups"], ["catalogs", "Catalogs"], ["custom-fields", "Custom fields"],
  ["support-groups", "Support groups"], ["integrations", "Integrations"], ["audit", "Audit log"],
];

// The links of the header: orgs and the platform audit for a platform token, an org's pages once an org is chosen.
export function navigation() {
  const current = credential();
  if (!current) return [];
  const links = [];
  if (!current.org) links.push(h("a", { href: "#/orgs" }, "Orgs"), h("a", { href: "#/audit" }, "Platform audit"));
  const org = current.org || decodeURIComponent((location.hash.match(/^#\/orgs\/([^/?]+)/) || [])[1] || "");
  if (org) {
    links.push(h("span", { class: "org" }, org));
    for (const [path, text] of ORG_PAGES) links.push(h("a", { href: `#/orgs/${enc(org)}/${path}` }, text));
  }
  links.push(h("a", { href: "#/health" }, "Health"));
  return links;
}
