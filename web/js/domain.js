// Method dp: the domain editor (issue 12). The engine suggests each column's levels and bounds FROM
// THE DATA (dp_domain request; py_engine/dp/domain.py suggest_domain); the page shows them marked as
// suggested, the user edits them and confirms each column as public knowledge. Only when every column
// is confirmed is the edited document sent as settings.domain (without the suggestion's from_data flag).
// The missing tokens too: the empty cell as a checkbox, other tokens (-9, NA) one per line; none means
// the column has no missing cell, so the engine writes no missing value there.
import { $, h } from "./dom.js";
import { lang, t } from "./i18n.js";
import { state } from "./state.js";

const INTEGER_CELLS = 128; // py_engine/dp/domain.py: one cell per whole number up to this range
const GRID = 64;
const DAY_MS = 86_400_000;

let ctx;
let onChange = () => {};
// {columns: [{col: suggested entry, type, confirmed, levels, lower, upper, intCells, empty, missing}], error}
export const editor = { columns: null, error: "" };

export function init(c, changed) {
  ctx = c;
  onChange = changed;
  $("#dp-domain-edit").addEventListener("click", open);
}

/** New data: the editor starts again (its suggestion was read from the previous file). */
export function reset() {
  editor.columns = null;
  editor.error = "";
}

function typeOf(name) {
  const c = state.summary && state.summary.columns.find((x) => x.name === name);
  return c ? c.type : "numeric";
}

/** A bound as the user reads it: dates as yyyy-mm-dd, datetimes to the second, numbers as they are. */
function showBound(v, type) {
  if (type === "date") return new Date(Math.round(v) * DAY_MS).toISOString().slice(0, 10);
  if (type === "datetime") return new Date(Math.round(v) * 1000).toISOString().slice(0, 19).replace("T", " ");
  return String(v);
}

function readBound(text, type) {
  const s = String(text ?? "").trim();
  if (type === "date" || type === "datetime") {
    const ms = Date.parse(type === "date" ? `${s}T00:00:00Z` : `${s.replace(" ", "T")}Z`);
    return Number.isFinite(ms) ? (type === "date" ? ms / DAY_MS : ms / 1000) : NaN;
  }
  const n = s.includes(",") && !s.includes(".") ? s.replace(",", ".") : s;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(n) ? Number(n) : NaN;
}

async function open() {
  editor.error = "";
  $("#dp-domain-editor").dataset.built = "";
  try {
    const doc = await ctx.engine.dpDomain();
    editor.columns = doc.columns.map((col) => {
      const type = typeOf(col.name);
      // whole-number grids are stored as [lo - 0.5, hi + 0.5] with one cell per value: shown as lo..hi
      const intCells = col.kind === "number" && col.bins === col.upper - col.lower
        && Math.abs(col.lower % 1) === 0.5;
      const lo = intCells ? col.lower + 0.5 : col.lower;
      const hi = intCells ? col.upper - 0.5 : col.upper;
      return {
        col, type, intCells, confirmed: false,
        levels: col.kind === "categorical" ? col.levels.join("\n") : "",
        lower: col.kind === "number" ? showBound(lo, type) : "",
        upper: col.kind === "number" ? showBound(hi, type) : "",
        empty: col.missing.includes(""),
        missing: col.missing.filter((x) => x !== "").join("\n"),
      };
    });
  } catch (e) {
    editor.columns = null;
    editor.error = e.info ? e.info.message : String(e);
  }
  state.settings.domain_from_data = false;
  state.settings.domain_source = "editor";
  apply();
}

/** The missing tokens as the user left them: the empty cell first if ticked, then one per line. */
function tokens(c) {
  return [...new Set([...(c.empty ? [""] : []), ...c.missing.split("\n").map((x) => x.trim()).filter(Boolean)])];
}

/** One column's entry of the domain document as the user left it, or {error: locale key, token?}. */
function entry(c) {
  const out = { ...c.col, missing: tokens(c) };
  if (c.col.kind === "categorical") {
    const levels = [...new Set(c.levels.split("\n").map((x) => x.trim()).filter(Boolean))];
    if (!levels.length) return { error: "settings.dp_domain_levels_invalid" };
    const token = out.missing.find((x) => levels.includes(x));
    if (token !== undefined) return { error: "settings.dp_domain_missing_level", token };
    out.levels = levels;
    return out;
  }
  const lo = readBound(c.lower, c.type);
  const hi = readBound(c.upper, c.type);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo) || (c.intCells && hi - lo < 1)) {
    return { error: "settings.dp_domain_bounds_invalid" };
  }
  // a token that reads as a value within the bounds would be written as a value and as missing
  // (dates only as yyyy-mm-dd: Date.parse reads "-9Z" as a date in 2001)
  const value = (x) => (c.type === "date" || c.type === "datetime") && !/^\d{4}-\d\d-\d\d/.test(x)
    ? NaN : readBound(x, c.type);
  const token = out.missing.find((x) => value(x) >= lo && value(x) <= hi);
  if (token !== undefined) return { error: "settings.dp_domain_missing_value", token };
  if (c.intCells && hi - lo + 1 <= INTEGER_CELLS && Number.isInteger(lo) && Number.isInteger(hi)) {
    Object.assign(out, { lower: lo - 0.5, upper: hi + 0.5, bins: hi - lo + 1 });
  } else {
    Object.assign(out, { lower: lo, upper: hi, bins: c.intCells ? GRID : c.col.bins });
  }
  return out;
}

export function invalid(c) {
  return Boolean(entry(c).error);
}

/** settings.domain from the editor: the document when every column is valid and confirmed. */
function apply() {
  const s = state.settings;
  if (s.domain_source !== "editor" || !editor.columns) return onChange();
  const entries = editor.columns.map(entry);
  const ok = entries.every((e) => !e.error) && editor.columns.every((c) => c.confirmed);
  s.domain = ok ? { format: "localsynth.dp-domain", version: 1, columns: entries } : null;
  s.domain_name = "";
  onChange();
}

/** The editor: none until opened; then one group per column. */
export function render() {
  const box = $("#dp-domain-editor");
  const s = state.settings;
  const shown = s.domain_source === "editor" && (editor.columns || editor.error);
  box.hidden = !shown;
  if (!shown) return;
  if (editor.error) {
    box.replaceChildren(h("p", { class: "field-error" }, editor.error));
    return;
  }
  // rebuilt when opened or the language changes; other renders update marks and messages in place
  if (box.dataset.built !== lang() || box.children.length !== editor.columns.length + 1) build(box);
  editor.columns.forEach((c, i) => {
    const mark = $(`#dp-mark-${i}`);
    mark.textContent = t(c.confirmed ? "settings.dp_domain_confirmed_mark" : "settings.dp_domain_suggested_mark");
    mark.className = c.confirmed ? "mark confirmed" : "mark suggested";
    const { error, token } = entry(c);
    const err = $(`#dp-col-error-${i}`);
    err.hidden = !error;
    err.textContent = error ? t(error, { token }) : "";
    const shown = tokens(c).map((x) => (x === "" ? t("settings.dp_domain_empty_cell") : x));
    $(`#dp-missing-shown-${i}`).textContent = shown.length
      ? t("settings.dp_domain_missing_shown", { tokens: shown.join(", ") }) : t("settings.dp_domain_missing_none");
  });
}

function build(box) {
  const intro = h("p", { class: "help", id: "dp-domain-editor-help" }, t("settings.dp_domain_editor_help"));
  const groups = editor.columns.map((c, i) => {
    const fields = [];
    const changed = (key) => (e) => {
      c[key] = e.target.type === "checkbox" ? e.target.checked : e.target.value;
      apply();
    };
    if (c.col.kind === "categorical") {
      const ta = h("textarea", { id: `dp-levels-${i}`, rows: String(Math.min(6, c.col.levels.length + 1)),
        "aria-describedby": `dp-mark-${i} dp-col-error-${i}` });
      ta.value = c.levels;
      ta.addEventListener("input", changed("levels"));
      fields.push(h("div", { class: "field" }, h("label", { for: `dp-levels-${i}` }, t("settings.dp_domain_levels")), ta));
    } else {
      for (const key of ["lower", "upper"]) {
        const inp = h("input", { id: `dp-${key}-${i}`, type: "text", autocomplete: "off",
          "aria-describedby": `dp-mark-${i} dp-col-error-${i}` });
        inp.value = c[key];
        inp.addEventListener("input", changed(key));
        fields.push(h("div", { class: "field" },
          h("label", { for: `dp-${key}-${i}` }, t(`settings.dp_domain_${key}`)), inp));
      }
    }
    const empty = h("input", { type: "checkbox", id: `dp-missing-empty-${i}`,
      "aria-describedby": `dp-mark-${i} dp-missing-shown-${i}` });
    empty.checked = c.empty;
    empty.addEventListener("change", changed("empty"));
    const other = h("textarea", { id: `dp-missing-${i}`, rows: "2",
      "aria-describedby": `dp-mark-${i} dp-missing-shown-${i} dp-col-error-${i}` });
    other.value = c.missing;
    other.addEventListener("input", changed("missing"));
    const missing = h("div", { class: "field dp-missing" },
      h("div", { class: "choice" }, empty,
        h("label", { for: `dp-missing-empty-${i}` }, t("settings.dp_domain_missing_empty"))),
      h("label", { for: `dp-missing-${i}` }, t("settings.dp_domain_missing")), other,
      h("p", { id: `dp-missing-shown-${i}`, class: "help" }));
    const cb = h("input", { type: "checkbox", id: `dp-confirm-${i}` });
    cb.checked = c.confirmed;
    cb.addEventListener("change", changed("confirmed"));
    return h("fieldset", { class: "dp-col", id: `dp-col-${i}` },
      h("legend", {}, c.col.name),
      h("p", { id: `dp-mark-${i}`, class: "mark suggested" }),
      h("div", { class: "field-row" }, ...fields),
      missing,
      h("div", { class: "choice" }, cb, h("label", { for: `dp-confirm-${i}` }, t("settings.dp_domain_confirm"))),
      h("p", { id: `dp-col-error-${i}`, class: "field-error", hidden: true }));
  });
  box.replaceChildren(intro, ...groups);
  box.dataset.built = lang();
}
