import { call } from "./api.js";
import { action, checkbox, enc, field, h, more, onSubmit, rerender, table, text } from "./dom.js";

// Groups with their members chosen from the org's users (the first 200; members beyond those are kept as they are).
export async function groupsPage(org, cursor) {
  const base = `/admin/v1/orgs/${enc(org)}/groups`;
  const [groups, users] = await Promise.all([call("GET", `${base}?limit=50` + (cursor ? `&cursor=${enc(cursor)}` : "")),
    call("GET", `/admin/v1/orgs/${enc(org)}/users?limit=200`)]);
  const email = new Map(users.items.map((user) => [user.id, user.email]));
  const members = (chosen) => h("fieldset", {}, h("legend", {}, "Members"),
    users.items.map((user) => checkbox(user.email, `member-${user.id}`, chosen.includes(user.id))));
  const chosenIn = (data, kept = []) => kept.filter((id) => !email.has(id))
    .concat(users.items.filter((user) => data.get(`member-${user.id}`) === "on").map((user) => user.id));
  const rows = groups.items.map((group) => {
    const form = onSubmit(h("form", { class: "inline", "aria-label": `Members of ${group.name}` },
      field("Name", "name", { value: group.name, required: true }), members(group.members),
      h("button", { type: "submit" }, "Save")), async (data) => {
      await call("PATCH", `${base}/${enc(group.id)}`, { name: text(data, "name") ?? "", members: chosenIn(data, group.members) });
      rerender();
    });
    return [group.name, group.members.map((id) => email.get(id) ?? id).join(", "), form,
      action("Delete", async () => {
        await call("DELETE", `${base}/${enc(group.id)}`);
        rerender();
      }, { question: `Delete the group ${group.name}?` })];
  });
  const create = onSubmit(h("form", { id: "create-group" }, field("Name", "name", { required: true }), members([]),
    h("button", { type: "submit" }, "Create group")), async (data) => {
    await call("POST", base, { name: text(data, "name") ?? "", members: chosenIn(data) });
    rerender();
  });
  return [h("h1", {}, `Groups of ${org}`), table(["Name", "Members", "Edit", ""], rows, { id: "groups" }),
    more(groups, `#/orgs/${enc(org)}/groups`),
    h("h2", {}, "New group"), create];
}
