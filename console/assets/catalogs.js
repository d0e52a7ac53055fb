import { call } from "./api.js";
import { action, choice, enc, field, h, onSubmit, rerender, table, text } from "./dom.js";

const KINDS = ["channels", "tags", "deal-stages", "deal-categories", "deal-packages", "currencies", "slas"];

export async function catalogsPage(org, query) {
  const kind = KINDS.includes(query.get("kind")) ? query.get("kind") : "channels";
  const base = `/admin/v1/orgs/${enc(org)}/catalogs/${kind}`;
  const catalog = await call("GET", base);
  const picker = choice("Catalog", "kind", KINDS, kind, { id: "catalog-kind" });
  picker.querySelector("select").addEventListener("change", (event) => {
    location.hash = `#/orgs/${enc(org)}/catalogs?kind=${enc(event.target.value)}`;
  });
  const rows = catalog.items.map((item) => [item.name, item.position,
    onSubmit(h("form", { class: "inline", "aria-label": `Rename ${item.name}` },
      field("Name", "name", { value: item.name, required: true }),
      field("Position", "position", { type: "number", value: item.position, min: 0 }),
      h("button", { type: "submit" }, "Save")), async (data) => {
      await call("PATCH", `${base}/${enc(item.id)}`, { name: text(data, "name") ?? "", position: Number(data.get("position")) });
      rerender();
    }),
    action("Delete", async () => {
      await call("DELETE", `${base}/${enc(item.id)}`);
      rerender();
    }, { question: `Delete "${item.name}" from ${kind}?` }),
  ]);
  const create = onSubmit(h("form", { id: "create-catalog-item" }, field("Name", "name", { required: true }),
    field("Position (optional)", "position", { type: "number", min: 0 }), h("button", { type: "submit" }, "Add")), async (data) => {
    const body = { name: text(data, "name") ?? "" };
    if (text(data, "position")) body.position = Number(data.get("position"));
    await call("POST", base, body);
    rerender();
  });
  return [h("h1", {}, `Catalogs of ${org}`), picker, table(["Name", "Position", "Rename or move", ""], rows, { id: "catalog" }),
    h("h2", {}, `Add to ${kind}`), create];
}
