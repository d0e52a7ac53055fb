import { call } from "./api.js";
import { action, enc, field, h, more, onSubmit, table } from "./dom.js";
import { rememberURL } from "./listener.js";

export async function listenersPage(org, cursor) {
  const base = `/admin/v1/orgs/${enc(org)}/listeners`;
  const secret = h("div", { id: "secret-slot" });
  const showSecret = (listener) => {
    rememberURL(listener.id, listener.url);
    const copy = h("button", { type: "button", onclick: () => navigator.clipboard.writeText(listener.url) }, "Copy");
    secret.replaceChildren(h("div", { class: "secret", id: "secret-url", role: "status" },
      h("p", {}, `The URL of "${listener.name}", shown only now:`), h("code", {}, listener.url), " ", copy,
      h("p", {}, h("a", { href: `#/orgs/${enc(org)}/listeners/${enc(listener.id)}` }, "Settings and test request"))));
  };
  const form = onSubmit(h("form", { id: "create-listener" }, field("Name", "name", { required: true }),
    h("button", { type: "submit" }, "Create listener")), async (data) => {
    const created = await call("POST", base, { name: data.get("name") });
    await render();
    showSecret(created);
  });
  const list = h("div", { id: "listeners" });
  async function render() {
    const current = await call("GET", `${base}?limit=50` + (cursor ? `&cursor=${enc(cursor)}` : ""));
    list.replaceChildren(h("div", {}, table(["Name", "Token starts", "Enabled", "", "", "", ""], current.items.map((listener) => [
      h("a", { href: `#/orgs/${enc(org)}/listeners/${enc(listener.id)}` }, listener.name), listener.token_prefix,
      listener.enabled ? "yes" : "no",
      action("Rotate URL", async () => showSecret(await call("POST", `${base}/${enc(listener.id)}/rotate-token`)),
        { question: `Rotate the URL of "${listener.name}"? The old URL stops working at once.` }),
      action(listener.enabled ? "Disable" : "Enable", async () => {
        await call("PATCH", `${base}/${enc(listener.id)}`, { enabled: !listener.enabled });
        await render();
      }),
      action("Delete", async () => {
        await call("DELETE", `${base}/${enc(listener.id)}`);
        await render();
      }, { question: `Delete "${listener.name}"? Its URL stops working.` }),
      h("a", { href: `#/orgs/${enc(org)}/requests?listener=${enc(listener.id)}` }, "Request log"),
    ]), { id: "listener-table" }), more(current, `#/orgs/${enc(org)}/listeners`)));
  }
  await render();
  return [h("h1", {}, `Listeners of ${org}`), secret, list, h("h2", {}, "New listener"), form];
}
