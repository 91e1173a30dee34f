// Step 2, the settings: method, rows, seed, missing values, holdout, and CART's advanced options.
import { $, $$, fmtInt, h, setMessage } from "./dom.js";
import { errorText, t } from "./i18n.js";
import { HOLDOUT_FRACTION, HOLDOUT_MAX_ROWS, includedColumns, randomSeed, state } from "./state.js";
import * as generate from "./generate.js";
import * as structure from "./structure.js";
import { confirmDiscard } from "./confirm.js";
import { DEFAULT_BUDGET, MIN_BUDGET } from "./optimise.js";
import * as domainEditor from "./domain.js";

const MANY_LEVELS = 60; // a hint above this many categories (py_engine schema.HIGH_CARDINALITY)
const SMALL_DATA_ROWS = 200;
const WIDE_DATA_COLUMNS = 40;
// the engine's limit for CART, the Gaussian copula and dp (py_engine/synthesis.py MAX_COLUMNS): said
// here as soon as the method is chosen, before a Generate the engine would refuse (issue 14)
export const MAX_SYNTH_COLUMNS = 1000;
/** The most synthetic rows the page makes: a browser tab holds a few GB at most, and a table this
 * long already takes minutes (issue 14: 10,000,000,000 gave "Maximum allowed dimension exceeded"). */
export const MAX_ROWS = 5_000_000;
/** The most synthetic data sets the page makes in one run (synthpop's m; the engine allows
 * synthesis.MAX_M = 100): each set is a whole synthesis, and all of them stay in the tab's memory. */
export const MAX_M = 20;
const FIELDS = {
  m: { min: 1, max: MAX_M, error: "settings.m_invalid" },
  n_rows: { min: 1, max: MAX_ROWS, error: "settings.rows_invalid" },
  seed: { min: 0, max: 2 ** 32 - 1, error: "settings.seed_invalid" },
  minbucket: { min: 1, max: Number.MAX_SAFE_INTEGER, error: "settings.minbucket_invalid", optional: true },
  optimise_budget: { min: MIN_BUDGET, max: 1e12, error: "optimise.budget_invalid" },
};
// method dp: the engine's limits (py_engine/dp/accounting.py; errors.dp.bad_epsilon, bad_delta)
const DP_FIELDS = {
  epsilon: { above: 0, max: 100, error: "settings.dp_epsilon_invalid" },
  delta: { above: 0, below: 0.01, error: "settings.dp_delta_invalid" },
};

/** The rows the model is fitted on (without the holdout), as py_engine/holdout.py splits them. */
function fittedRows() {
  const n = state.summary ? state.summary.n_rows : 0;
  if (!state.settings.holdout) return n;
  const k = Math.min(Math.round(n * HOLDOUT_FRACTION), HOLDOUT_MAX_ROWS);
  return k >= 1 && n - k >= 2 ? n - k : n;
}

/** py_engine.synthesis.auto_minbucket: max(5, round(n^(2/3) / 15)). */
function autoMinbucket(n) {
  return Math.max(5, Math.round(n ** (2 / 3) / 15));
}
let ctx;
let errors = {}; // field -> error key, shown once the user left the field or pressed Generate

export function init(c) {
  ctx = c;
  for (const r of $$("input[name=method]")) r.addEventListener("change", () => setMethod(r.value));
  for (const r of $$("input[name=missing]")) r.addEventListener("change", () => set("missing", r.value));
  for (const r of $$("input[name=dp-mechanism]")) r.addEventListener("change", () => set("dp_mechanism", r.value));
  $("#holdout").addEventListener("change", (e) => set("holdout", e.target.checked));
  $("#proper").addEventListener("change", (e) => set("proper", e.target.checked));
  $("#smoothing").addEventListener("change", (e) => set("smoothing", e.target.value));
  for (const [id, field] of [["#n-rows", "n_rows"], ["#seed", "seed"], ["#m", "m"], ["#minbucket", "minbucket"],
    ["#optimise-budget", "optimise_budget"]]) {
    const input = $(id);
    input.addEventListener("input", () => {
      state.settings[field] = input.value;
      if (errors[field] && validate(field)) render();
    });
    input.addEventListener("change", () => {
      validate(field);
      render();
    });
  }
  for (const [id, field] of [["#dp-epsilon", "epsilon"], ["#dp-delta", "delta"]]) {
    const input = $(id);
    input.addEventListener("input", () => {
      state.settings[field] = input.value;
      if (errors[field] && validateDp(field)) render();
    });
    input.addEventListener("change", () => {
      validateDp(field);
      render();
    });
  }
  $("#dp-from-data").addEventListener("change", (e) => {
    state.settings.domain_from_data = e.target.checked;
    if (e.target.checked) state.settings.domain_source = "data";
    delete errors.domain;
    if (state.settingsError && !state.settingsError.local) state.settingsError = null; // a new domain choice
    render();
  });
  $("#dp-domain-file").addEventListener("change", onDomainFile);
  domainEditor.init(c, () => {
    if (errors.domain) validateDomain();
    if (state.settingsError && !state.settingsError.local) state.settingsError = null;
    render();
  });
  $("#new-seed").addEventListener("click", () => {
    state.settings.seed = String(randomSeed());
    delete errors.seed;
    render();
  });
  $("#visit-list").addEventListener("click", onVisitClick);
  $("#visit-reset").addEventListener("click", () => {
    state.settings.visit_sequence = null;
    render();
  });
  $("#back-to-data").addEventListener("click", () => ctx.goTo("data"));
  $("#generate").addEventListener("click", () => start(false));
  $("#optimise-criterion").addEventListener("change", (e) => set("optimise_criterion", e.target.value));
  $("#optimise").addEventListener("click", () => start(true));
}

function set(key, value) {
  state.settings[key] = value;
  render();
}

/** Method dp refuses the stages that read real rows after fitting (SynthSettings.from_dict): imputing
 * missing values is switched to synthesising them; CART's smoothing and proper are never sent for dp. */
function setMethod(value) {
  state.settings.method = value;
  if (value === "dp" && state.settings.missing === "impute") state.settings.missing = "synthesise";
  if (value !== "dp") for (const k of ["epsilon", "delta", "domain"]) delete errors[k];
  else delete errors.m; // dp makes one set; the field is disabled
  render();
}

/** A domain file the user chose: its JSON document is sent as settings.domain (checked by the engine). */
async function onDomainFile(e) {
  const file = e.target.files && e.target.files[0];
  const s = state.settings;
  s.domain = null;
  s.domain_name = "";
  delete errors.domain;
  if (state.settingsError && !state.settingsError.local) state.settingsError = null;
  if (file) {
    try {
      const doc = JSON.parse(await file.text());
      if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not an object");
      s.domain = doc;
      s.domain_name = file.name;
      s.domain_source = "file";
    } catch {
      errors.domain = "settings.dp_domain_unreadable";
    }
  }
  render();
}

/** A decimal number as typed: 1, 0,5 (decimal comma), 0.5, 1e-9. */
function parseDecimal(text) {
  let str = String(text ?? "").trim().replace(/\s/g, "");
  if (str.includes(",") && !str.includes(".")) str = str.replace(",", ".");
  return /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(str) ? Number(str) : NaN;
}

function validateDp(field) {
  const spec = DP_FIELDS[field];
  const v = parseDecimal(state.settings[field]);
  const ok = Number.isFinite(v) && v > spec.above && (spec.max === undefined || v <= spec.max)
    && (spec.below === undefined || v < spec.below);
  if (ok) delete errors[field];
  else errors[field] = spec.error;
  return ok;
}

/** dp needs a public domain: a domain file, or the explicit opt-in to read it from the data. */
function validateDomain() {
  const s = state.settings;
  if (errors.domain === "settings.dp_domain_unreadable") return false;
  if (s.domain || s.domain_from_data) delete errors.domain;
  else if (s.domain_source === "editor") errors.domain = "settings.dp_domain_unconfirmed";
  else errors.domain = "settings.dp_domain_needed";
  return !errors.domain;
}

/** New data arrived: rows as many as the input, a fresh seed (kept when only the format changed). */
export function onNewData({ keepSeed = false } = {}) {
  const s = state.settings;
  s.n_rows = String(state.summary.n_rows);
  if (!keepSeed || s.seed === null || s.seed === "") s.seed = String(randomSeed());
  s.visit_sequence = null;
  if (s.domain_source === "editor") { // the suggestion came from the previous file
    s.domain = null;
    s.domain_source = null;
  }
  domainEditor.reset();
  state.settingsError = null;
  errors = {};
}

/** Columns were included or excluded: keep the user's visit order for those still included. */
export function onColumnsChanged() {
  const s = state.settings;
  if (!s.visit_sequence) return;
  const names = defaultVisitOrder();
  const kept = s.visit_sequence.filter((n) => names.includes(n));
  s.visit_sequence = kept.concat(names.filter((n) => !kept.includes(n)));
}

/** The engine's default: table order; categoricals of many levels keep their place (resolve_visit_sequence). */
function defaultVisitOrder() {
  return includedColumns().filter((c) => c.type !== "identifier").map((c) => c.name);
}

function visitOrder() {
  return state.settings.visit_sequence || defaultVisitOrder();
}

function onVisitClick(e) {
  const b = e.target.closest("button[data-move]");
  if (!b) return;
  const order = visitOrder().slice();
  const i = order.indexOf(b.dataset.column);
  const move = b.dataset.move;
  const j = move === "top" ? 0 : move === "bottom" ? order.length - 1 : i + (move === "up" ? -1 : 1);
  if (i < 0 || j < 0 || j >= order.length || i === j) return;
  order.splice(j, 0, order.splice(i, 1)[0]); // up/down swap neighbours; top/bottom move to an end
  state.settings.visit_sequence = order;
  const key = b.dataset.key;
  render();
  // keep the focus on the moved column's button; at the top or bottom, on one of its buttons still enabled
  let again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again && again.disabled) again = again.parentElement.querySelector("button:not([disabled])");
  if (again) again.focus();
}

/** A whole number in digits only (spaces around it allowed). "2,5" or "4.454" is refused, not read
 * as 25 or 4454: a separator may be a decimal sign or a thousands sign, and guessing loses (issue 14). */
function parseWhole(text) {
  const s = String(text ?? "").trim();
  return /^\d+$/.test(s) ? Number(s) : NaN;
}

function validate(field) {
  const spec = FIELDS[field];
  if (spec.optional && String(state.settings[field] ?? "").trim() === "") {
    delete errors[field];
    return true;
  }
  const v = parseWhole(state.settings[field]);
  if (!Number.isSafeInteger(v) || v < spec.min || v > spec.max) errors[field] = spec.error;
  else delete errors[field];
  return !errors[field];
}

/** The settings as the worker takes them (PROTOCOL.md `synthesise`), or null if a field is wrong. */
export function payload() {
  const s = state.settings;
  const fields = s.method === "cart" ? ["n_rows", "seed", "m", "minbucket"] : s.method === "dp" ? ["n_rows", "seed"]
    : ["n_rows", "seed", "m"];
  let ok = fields.map(validate).every(Boolean);
  if (s.method === "dp") ok = [validateDp("epsilon"), validateDp("delta"), validateDomain()].every(Boolean) && ok;
  if (!ok) return null;
  const out = {
    method: s.method,
    n_rows: parseWhole(s.n_rows),
    seed: parseWhole(s.seed),
    missing: s.missing,
    holdout: s.holdout ? HOLDOUT_FRACTION : 0,
  };
  // m synthetic data sets (not for dp: each set would spend the whole privacy budget again)
  if (s.method !== "dp" && parseWhole(s.m) > 1) out.m = parseWhole(s.m);
  if (s.method === "cart") {
    if (String(s.minbucket ?? "").trim() !== "") out.minbucket = parseWhole(s.minbucket); // else automatic
    out.smoothing = s.smoothing;
    out.proper = Boolean(s.proper);
    if (s.visit_sequence) out.visit_sequence = s.visit_sequence.slice();
  }
  if (s.method === "dp") {
    out.epsilon = parseDecimal(s.epsilon);
    out.delta = parseDecimal(s.delta);
    out.dp_mechanism = s.dp_mechanism === "aim" ? "aim" : "mst";
    if (s.domain_from_data) out.domain_from_data = true;
    else out.domain = s.domain;
    if (out.missing === "impute") out.missing = "synthesise"; // refused by dp (dp.refused_stage)
    return out; // the structure found in the data is not used by dp (it would read the real rows)
  }
  const doc = structure.payload(); // issue 10: the structure found, as the user edited it
  if (doc) out.structure = doc;
  return out;
}

/** The settings search the worker runs first (PROTOCOL.md "settings.optimise"), or null if the budget is wrong. */
function optimisePayload() {
  if (!validate("optimise_budget")) return null;
  return { budget: parseWhole(state.settings.optimise_budget), criterion: state.settings.optimise_criterion };
}

function start(optimise) {
  let p = payload();
  if (p && optimise) {
    const o = optimisePayload();
    p = o && p.method !== "dp" ? { ...p, optimise: o } : null;
  }
  render();
  if (!p) {
    state.settingsError = { local: true }; // shown as settings.invalid
    render();
    const first = $(".field [aria-invalid=true], #dp-from-data[aria-invalid=true]");
    if (first) first.focus();
    return;
  }
  state.settingsError = null;
  confirmDiscard("confirm.generate").then((ok) => {
    if (ok && !state.run) generate.run(p);
  });
}

/** Hints when the data suggests another method than the one chosen. */
function hints() {
  const s = state.summary;
  if (!s) return [];
  const cols = includedColumns();
  const out = [];
  const method = state.settings.method;
  const many = cols.filter((c) => c.type === "categorical" && c.n_distinct > MANY_LEVELS);
  if (many.length && method !== "marginal") {
    out.push(t(method === "cart" ? "hint.many_levels_cart" : "hint.many_levels_gc", {
      columns: many.slice(0, 3).map((c) => `${c.name} (${fmtInt(c.n_distinct)})`).join(", "),
      max: MANY_LEVELS,
    }));
  }
  if (s.n_rows < SMALL_DATA_ROWS && method !== "marginal") out.push(t("hint.small", { rows: fmtInt(s.n_rows) }));
  if (cols.length > MAX_SYNTH_COLUMNS && method !== "marginal") {
    out.push(t("errors.synthesis.too_many_columns", { columns: fmtInt(cols.length), max: fmtInt(MAX_SYNTH_COLUMNS) }));
  } else if (cols.length > WIDE_DATA_COLUMNS && method === "cart") out.push(t("hint.wide", { columns: fmtInt(cols.length) }));
  const numbers = cols.filter((c) => c.type === "numeric" || c.type === "integer").length;
  if (method === "cart" && cols.length >= 4 && numbers / cols.length >= 0.75 && s.n_rows >= 50000) {
    out.push(t("hint.numeric_large", { rows: fmtInt(s.n_rows) }));
  }
  if (method === "marginal" && cols.length > 1) out.push(t("hint.marginal"));
  return out;
}

function showField(field, id) {
  const input = $(id);
  const value = state.settings[field] ?? "";
  if (input.value !== String(value)) input.value = value;
  const err = errors[field];
  input.setAttribute("aria-invalid", err ? "true" : "false");
  setMessage($(`${id}-error`), err ? t(err, { max: fmtInt(FIELDS[field].max ?? MAX_ROWS), min: fmtInt(MIN_BUDGET) }) : "");
}

/** The visit sequence's buttons per column: to the top, one up, one down, to the bottom (issue 14: a column
 * moved to the top of a 27-column sequence took 25 presses). */
const VISIT_MOVES = [["top", "⤒"], ["up", "↑"], ["down", "↓"], ["bottom", "⤓"]];

function renderVisit() {
  const order = visitOrder();
  const list = $("#visit-list");
  list.replaceChildren(...order.map((name, i) => h("li", {},
    h("span", { class: "visit-num", text: `${i + 1}.`, "aria-hidden": "true" }),
    h("span", { class: "visit-name", text: name }),
    h("span", { class: "visit-buttons" }, ...VISIT_MOVES.map(([move, sign]) => {
      const atEnd = move === "top" || move === "up" ? i === 0 : i === order.length - 1;
      return h("button", { type: "button", class: "icon", disabled: atEnd, "data-move": move, "data-column": name,
                           "data-key": `${move}:${name}`, "aria-label": t(`settings.visit_${move}`, { column: name }),
                           title: t(`settings.visit_${move}`, { column: name }), text: sign });
    })))));
  $("#visit-reset").disabled = !state.settings.visit_sequence;
}

export function render() {
  const s = state.settings;
  const sum = state.summary;
  if (!sum) return;
  $("#settings-data").textContent = t("settings.data", {
    name: sum.name, rows: fmtInt(sum.n_rows), included: fmtInt(includedColumns().length), columns: fmtInt(sum.n_columns),
  });
  for (const r of $$("input[name=method]")) r.checked = r.value === s.method;
  for (const r of $$("input[name=missing]")) r.checked = r.value === s.missing;
  $("#method-hints").replaceChildren(...hints().map((text) => h("li", { text })));
  showField("n_rows", "#n-rows");
  $("#n-rows-help").textContent = t("settings.rows_help", { rows: fmtInt(sum.n_rows), max: fmtInt(MAX_ROWS) });
  showField("seed", "#seed");
  showField("m", "#m");
  $("#m").disabled = s.method === "dp";
  $("#m-help").textContent = t(s.method === "dp" ? "settings.m_help_dp" : "settings.m_help", { max: fmtInt(MAX_M) });
  $("#holdout").checked = s.holdout;
  $("#holdout-label").textContent = t("settings.holdout", { percent: Math.round(HOLDOUT_FRACTION * 100) });
  const cart = s.method === "cart";
  showField("minbucket", "#minbucket");
  $("#minbucket").placeholder = t("settings.minbucket_auto", { value: fmtInt(autoMinbucket(fittedRows())) });
  $("#smoothing").value = s.smoothing;
  $("#proper").checked = s.proper;
  for (const el of $$("#advanced input, #advanced select, #advanced button")) {
    if (!el.closest("#visit-list")) el.disabled = !cart;
  }
  $("#advanced-note").hidden = cart;
  renderDp();
  renderOptimise();
  renderVisit();
  if (!cart) for (const b of $$("#visit-list button, #visit-reset")) b.disabled = true;
  if (state.settingsError && state.settingsError.local && !Object.keys(errors).length) state.settingsError = null;
  const err = state.settingsError;
  setMessage($("#settings-message"), !err ? "" : err.local ? t("settings.invalid")
    : t("generate.failed", { message: errorText(err) }));
  $("#generate").disabled = includedColumns().length === 0 || Boolean(state.busy);
  $("#optimise").disabled = $("#generate").disabled || s.method === "dp";
}

/** The settings search: aim and work budget; not offered for dp (it would read the real rows). */
function renderOptimise() {
  const s = state.settings;
  showField("optimise_budget", "#optimise-budget");
  $("#optimise-budget-help").textContent = t("optimise.budget_help", { value: fmtInt(DEFAULT_BUDGET) });
  $("#optimise-criterion").value = s.optimise_criterion;
  $("#optimise-note").hidden = s.method !== "dp";
}

function showDpField(field, id) {
  const input = $(id);
  const value = state.settings[field] ?? "";
  if (input.value !== String(value)) input.value = value;
  const err = errors[field];
  input.setAttribute("aria-invalid", err ? "true" : "false");
  setMessage($(`${id}-error`), err ? t(err) : "");
}

/** The dp fields: shown only for method dp; imputation is not offered there. */
function renderDp() {
  const s = state.settings;
  const dp = s.method === "dp";
  $("#dp-box").hidden = !dp;
  $("#missing-impute").disabled = dp;
  if (!dp) return;
  showDpField("epsilon", "#dp-epsilon");
  showDpField("delta", "#dp-delta");
  $("#dp-from-data").checked = Boolean(s.domain_from_data);
  for (const r of $$("input[name=dp-mechanism]")) r.checked = r.value === (s.dp_mechanism || "mst");
  $("#dp-from-data").setAttribute("aria-invalid", errors.domain ? "true" : "false");
  $("#dp-domain-status").textContent = s.domain_source === "editor"
    ? t(s.domain ? "settings.dp_domain_status_edited" : "settings.dp_domain_status_unconfirmed")
    : s.domain ? t("settings.dp_domain_loaded", { name: s.domain_name }) : t("settings.dp_domain_none");
  domainEditor.render();
  setMessage($("#dp-domain-error"), errors.domain ? t(errors.domain) : "");
}
