import { credential, Problem, signOut } from "./api.js";
import { h } from "./dom.js";
import { listenersPage, navigation, orgsPage, requestPage, requestsPage, signInPage } from "./pages.js";

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
  if (parts[0] === "orgs" && parts.length === 1) return orgsPage(query.get("cursor"));
  if (parts[0] === "orgs" && parts[2] === "listeners") return listenersPage(parts[1]);
  if (parts[0] === "orgs" && parts[2] === "requests" && parts.length === 3) return requestsPage(parts[1], query);
  if (parts[0] === "orgs" && parts[2] === "requests" && parts.length === 4) return requestPage(parts[1], parts[3]);
  return [h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Home"))];
}

async function render() {
  const main = document.getElementById("main");
  let content;
  try {
    content = await route();
  } catch (error) {
    if (error instanceof Problem && error.status === 401) return;
    content = [h("p", { class: "error", role: "alert" }, error.message)];
  }
  if (content === undefined) return;
  document.getElementById("nav").replaceChildren(...navigation());
  document.getElementById("sign-out").hidden = !credential();
  main.replaceChildren(...content);
  const heading = main.querySelector("h1");
  if (heading) document.title = `${heading.textContent} · CRMHub console`;
}

document.getElementById("sign-out").addEventListener("click", () => {
  signOut();
  location.hash = "#/sign-in";
});
window.addEventListener("hashchange", render);
render();
