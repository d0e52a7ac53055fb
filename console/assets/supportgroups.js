import { call } from "./api.js";
import { action, enc, field, h, more, onSubmit, rerender, table, text } from "./dom.js";

// Support groups (the CIOPulse API's), named by their system ids.
export async function supportGroupsPage(org, cursor) {
  const base = `/admin/v1/orgs/${enc(org)}/support-groups`;
  const page = await call("GET", `${base}?limit=50` + (cursor ? `&cursor=${enc(cursor)}` : ""));
  const rows = page.items.map((group) => [group.system_id, group.name, group.code ?? "", group.support_lead_email ?? "",
    group.active ? "active" : "inactive",
    action(group.active ? "Deactivate" : "Activate", async () => {
      await call("PATCH", `${base}/${enc(group.system_id)}`, { active: !group.active });
      rerender();
    }),
    action("Delete", async () => {
      await call("DELETE", `${base}/${enc(group.system_id)}`);
      rerender();
    }, { question: `Delete the support group ${group.name}?` })]);
  const optional = ["code", "department_code", "department_system_id", "support_lead_system_id"];
  const create = onSubmit(h("form", { id: "create-support-group" },
    field("System id", "system_id", { required: true }), field("Name", "name", { required: true }),
    field("Code", "code"), field("Department code", "department_code"), field("Department system id", "department_system_id"),
    field("Support lead (contact system id)", "support_lead_system_id"),
    h("button", { type: "submit" }, "Create support group")), async (data) => {
    const body = { system_id: text(data, "system_id") ?? "", name: text(data, "name") ?? "" };
    for (const name of optional) if (text(data, name)) body[name] = text(data, name);
    await call("POST", base, body);
    rerender();
  });
  return [h("h1", {}, `Support groups of ${org}`),
    table(["System id", "Name", "Code", "Support lead", "State", "", ""], rows, { id: "support-groups" }),
    more(page, `#/orgs/${enc(org)}/support-groups`), h("h2", {}, "New support group"), create];
}
