import { credential, Problem, signOut } from "./api.js";
import { auditPage } from "./audit.js";
import { catalogsPage } from "./catalogs.js";
import { customFieldsPage } from "./customfields.js";
import { h } from "./dom.js";
import { groupsPage } from "./groups.js";
import { healthPage } from "./health.js";
import { integrationsPage } from "./integrations.js";
import { listenerPage } from "./listener.js";
import { listenersPage } from "./listeners.js";
import { navigation } from "./nav.js";
import { orgsPage } from "./orgs.js";
import { outboxMessagePage, outboxPage } from "./outbox.js";
import { recordPage, recordsPage } from "./records.js";
import { requestPage, requestsPage } from "./requests.js";
import { signInPage } from "./signin.js";
import { supportGroupsPage } from "./supportgroups.js";
import { userPage, usersPage } from "./users.js";

// Pages under #/orgs/{org}/…: by the segments after the org.
const ORG_PAGES = {
  listeners: (org, rest, query) => (rest.length ? listenerPage(org, rest[0]) : listenersPage(org, query.get("cursor"))),
  requests: (org, rest, query) => (rest.length ? requestPage(org, rest[0]) : requestsPage(org, query)),
  outbox: (org, rest, query) => (rest.length ? outboxMessagePage(org, rest[0]) : outboxPage(org, query)),
  records: (org, rest, query) => (rest.length === 2 ? recordPage(org, rest[0], rest[1]) : recordsPage(org, query)),
  users: (org, rest, query) => (rest.length ? userPage(org, rest[0]) : usersPage(org, query.get("cursor"))),
  groups: (org, rest, query) => groupsPage(org, query.get("cursor")),
  catalogs: (org, rest, query) => catalogsPage(org, query),
  "custom-fields": (org) => customFieldsPage(org),
  "support-groups": (org, rest, query) => supportGroupsPage(org, query.get("cursor")),
  integrations: (org) => integrationsPage(org),
  audit: (org, rest, query) => auditPage(org, query),
};

// Hash routes, so every page is a URL that can be bookmarked and reloaded.
async function route() {
  const [path, queryText] = (location.hash.slice(1) || "/").split("?");
  const query = new URLSearchParams(queryText || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (!credential() && parts[0] !== "sign-in") {
    location.hash = "#/sign-in";
    return;
  }
  if (parts[0] === "sign-in") return signInPage();
  const current = credential();
  if (parts.length === 0) {
    location.hash = current.org ? `#/orgs/${encodeURIComponent(current.org)}/listeners` : "#/orgs";
    return;
  }
  if (parts[0] === "health") return healthPage();
  if (parts[0] === "audit" && parts.length === 1) return auditPage(null, query);
  if (parts[0] === "orgs" && parts.length === 1) return orgsPage(query.get("cursor"));
  if (parts[0] === "orgs" && ORG_PAGES[parts[2]]) return ORG_PAGES[parts[2]](parts[1], parts.slice(3), query);
  return [h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Home"))];
}

let rendering = 0;
async function render() {
  const main = document.getElementById("main");
  const mine = ++rendering;
  let content;
  try {
    content = await route();
  } catch (error) {
    if (error instanceof Problem && error.status === 401) return;
    content = [h("h1", {}, "Problem"), h("p", { class: "error", role: "alert" }, error.message)];
  }
  // A later navigation finished first: its page stays.
  if (content === undefined || mine !== rendering) return;
  document.getElementById("nav").replaceChildren(...navigation());
  document.getElementById("sign-out").hidden = !credential();
  main.replaceChildren(...[content].flat(Infinity).filter((node) => node !== null && node !== undefined));
  const heading = main.querySelector("h1");
  if (heading) document.title = `${heading.textContent} · CRMHub console`;
}

document.getElementById("sign-out").addEventListener("click", () => {
  signOut();
  location.hash = "#/sign-in";
});
window.addEventListener("hashchange", render);
render();
