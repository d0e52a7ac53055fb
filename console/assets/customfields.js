import { call } from "./api.js";
import { action, checkbox, choice, enc, field, h, onSubmit, rerender, table, text } from "./dom.js";

const list = (value) => String(value ?? "").split(",").map((item) => item.trim()).filter(Boolean);

export async function customFieldsPage(org) {
  const base = `/admin/v1/orgs/${enc(org)}/custom-fields`;
  const fields = await call("GET", base);
  const rows = fields.items.map((item) => [item.entity, item.type,
    onSubmit(h("form", { class: "inline", "aria-label": `Edit ${item.name}` },
      field("Name", "name", { value: item.name, required: true }),
      field("Options (comma-separated)", "options", { value: item.options.join(", ") }),
      checkbox("Required", "required", item.required), h("button", { type: "submit" }, "Save")), async (data) => {
      const body = { name: text(data, "name") ?? "", required: data.get("required") === "on" };
      if (item.type === "dropdown" || item.options.length) body.options = list(data.get("options"));
      await call("PATCH", `${base}/${enc(item.id)}`, body);
      rerender();
    }),
    action("Delete", async () => {
      await call("DELETE", `${base}/${enc(item.id)}`);
      rerender();
    }, { question: `Delete the custom field "${item.name}"? Its values are no longer shown.` })]);
  const create = onSubmit(h("form", { id: "create-custom-field" },
    choice("Entity", "entity", ["contact", "lead", "deal", "ticket"], "contact"), field("Name", "name", { required: true }),
    choice("Type", "type", ["text", "number", "date", "checkbox", "inline_checkbox", "dropdown"], "text"),
    field("Options (comma-separated)", "options"), checkbox("Required", "required", false),
    h("button", { type: "submit" }, "Add field")), async (data) => {
    const body = { entity: data.get("entity"), name: text(data, "name") ?? "", type: data.get("type"),
      required: data.get("required") === "on" };
    if (list(data.get("options")).length) body.options = list(data.get("options"));
    await call("POST", base, body);
    rerender();
  });
  return [h("h1", {}, `Custom fields of ${org}`), table(["Entity", "Type", "Field", ""], rows, { id: "custom-fields" }),
    h("h2", {}, "New custom field"), create];
}
