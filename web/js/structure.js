// The structure found in the table (issue 10; py_engine/structure.py, the document in inspect's reply
// "structure"): group keys with their attributes and parent, dependencies, derived columns, each with
// a checkbox to switch it off, and whether group labels are kept or replaced. The edited document goes
// to synthesise under "structure" (PROTOCOL.md). Shows nothing when inspect sends no document.
import { $, fmtInt, h } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

let found = null; // JSON of the document the edits were made from

export function init() {
  const box = $("#structure-box");
  box.addEventListener("change", (e) => {
    const el = e.target;
    const doc = state.structure;
    if (!doc) return;
    if (el.matches("input[data-item]")) {
      const item = (doc[el.dataset.item] || [])[Number(el.dataset.index)];
      if (item) item.enabled = el.checked;
    } else if (el.matches("input[name=group-labels]")) {
      doc.group_key_labels = el.value;
    }
  });
}

const itemId = (kind, x) => (kind === "groups" ? x.key : kind === "dependencies" ? `${x.from}->${x.to}` : x.column);

/** A new inspect reply: a fresh editable copy of its document, keeping the user's switches for items found again. */
function sync() {
  const doc = state.summary && state.summary.structure;
  const text = doc ? JSON.stringify(doc) : null;
  if (text === found) return;
  found = text;
  const before = state.structure;
  if (!doc) {
    state.structure = null;
    return;
  }
  const copy = JSON.parse(text);
  if (before) {
    for (const kind of ["groups", "dependencies", "derived"]) {
      const off = new Set((before[kind] || []).filter((x) => x.enabled === false).map((x) => itemId(kind, x)));
      for (const x of copy[kind] || []) if (off.has(itemId(kind, x))) x.enabled = false;
    }
    if (before.group_key_labels) copy.group_key_labels = before.group_key_labels;
  }
  copy.group_key_labels = copy.group_key_labels || "keep";
  state.structure = copy;
}

/** The edited document for synthesise's settings, or undefined when the engine found none. */
export function payload() {
  sync();
  return state.structure ? JSON.parse(JSON.stringify(state.structure)) : undefined;
}

function checkbox(kind, i, item, label, detail) {
  const id = `st-${kind}-${i}`;
  return h("li", { class: "choice" },
    h("input", { type: "checkbox", id, checked: item.enabled !== false, dataset: { item: kind, index: String(i) },
                 "aria-describedby": detail ? `${id}-d` : null }),
    h("label", { for: id, text: label }),
    detail ? h("p", { class: "desc", id: `${id}-d`, text: detail }) : null);
}

export function render() {
  sync();
  const box = $("#structure-box");
  const doc = state.structure;
  const groups = (doc && doc.groups) || [];
  const deps = (doc && doc.dependencies) || [];
  const derived = (doc && doc.derived) || [];
  if (!doc || !(groups.length || deps.length || derived.length)) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  const parts = [h("h2", { id: "h-structure", class: "h3", text: t("structure.title") }),
    h("p", { class: "help", text: t("structure.intro") })];
  if (groups.length) {
    parts.push(h("fieldset", { class: "choices" }, h("legend", { text: t("structure.groups") }),
      h("ul", { class: "plain" }, groups.map((g, i) => checkbox("groups", i, g,
        t("structure.group", { group: g.key, groups: fmtInt(g.n_groups ?? 0) }),
        [((g.attributes || []).length ? t("structure.attributes", { columns: g.attributes.join(", ") }) : t("structure.no_attributes")),
          g.parent ? t("structure.parent", { parent: g.parent }) : ""].filter(Boolean).join(" "))))));
    const labels = doc.group_key_labels || "keep";
    parts.push(h("fieldset", { class: "choices" }, h("legend", { text: t("structure.labels") }),
      ...["keep", "relabel"].map((v) => h("div", { class: "choice" },
        h("input", { type: "radio", name: "group-labels", id: `st-labels-${v}`, value: v, checked: labels === v,
                     "aria-describedby": `st-labels-${v}-d` }),
        h("label", { for: `st-labels-${v}`, text: t(`structure.labels_${v}`) }),
        h("p", { class: "desc", id: `st-labels-${v}-d`, text: t(`structure.labels_${v}_desc`) })))));
  }
  if (deps.length) {
    parts.push(h("fieldset", { class: "choices" }, h("legend", { text: t("structure.dependencies") }),
      h("ul", { class: "plain" }, deps.map((d, i) => checkbox("dependencies", i, d,
        t("structure.dependency", { from: d.from, to: d.to }), "")))));
  }
  if (derived.length) {
    parts.push(h("fieldset", { class: "choices" }, h("legend", { text: t("structure.derived") }),
      h("ul", { class: "plain" }, derived.map((d, i) => checkbox("derived", i, d,
        t("structure.derived_item", { column: d.column, formula: d.formula || d.kind || "" }), "")))));
  }
  parts.push(h("p", { class: "help", text: t("structure.off_help") }));
  box.replaceChildren(...parts);
}
