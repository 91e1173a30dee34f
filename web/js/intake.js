// Step 1, the data: choose or drop a file (or the demo), see how it was read, check the columns.
import { MAX_FILE_BYTES, MAX_FILE_MB } from "./engine.js";
import { $, clip, fillTable, fmtBytes, fmtDuration, fmtInt, h, keepFocus, setMessage } from "./dom.js";
import { errorText, lang, t } from "./i18n.js";
import { DEMO, includedColumns, state } from "./state.js";
import * as settings from "./settings.js";
import { confirmDiscard } from "./confirm.js";

const TYPES = ["numeric", "integer", "categorical", "boolean", "date", "datetime", "identifier", "text"];
const DELIMITERS = [[",", "delimiter.comma"], [";", "delimiter.semicolon"], ["\t", "delimiter.tab"], ["|", "delimiter.pipe"]];
const DECIMALS = [[".", "decimal.point"], [",", "decimal.comma"]];
const ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"];
let ctx;
let busyTimer = null;

export function init(c) {
  ctx = c;
  const input = $("#file-input");
  input.addEventListener("change", () => {
    if (input.files[0]) loadFile(input.files[0]);
    input.value = "";
  });
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    e.stopPropagation();
    drop.classList.remove("over");
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) loadFile(file);
  });
  // A file dropped anywhere else must not make the browser open it in this tab (that would lose
  // everything); on the data step it is loaded, elsewhere it is ignored.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => {
    e.preventDefault();
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file && state.step === "data" && !state.run) loadFile(file);
  });
  $("#demo").addEventListener("click", loadDemo);
  for (const sel of ["#opt-delimiter", "#opt-decimal", "#opt-encoding"]) {
    $(sel).addEventListener("change", (e) => changeDialect(e.target.dataset.dialect, e.target.value));
  }
  $("#col-search").addEventListener("input", (e) => {
    state.search = e.target.value;
    filterColumns();
  });
  const table = $("#schema-table");
  table.addEventListener("change", onColumnChange);
  table.addEventListener("keydown", (e) => {
    // Enter in a codes field applies it at once (change fires on Enter only in some browsers); the
    // focus stays in the field (a blur sent it to the page body, issue 14); the redraw keeps it by data-key
    if (e.key === "Enter" && e.target.dataset.action === "codes") {
      e.preventDefault();
      onColumnChange(e);
    }
  });
  table.addEventListener("click", onSuggestionClick);
  const allCodes = $("#all-codes");
  allCodes.addEventListener("change", () => setAllCodes(parseCodes(allCodes.value)));
  allCodes.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault(); // applied at once; the focus stays in the field
    setAllCodes(parseCodes(allCodes.value));
  });
  $("#code-hints").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-code]");
    if (b) setAllCodes(state.allCodes.concat(parseCodes(b.dataset.code)), "#all-codes");
  });
  $("#to-settings").addEventListener("click", () => ctx.goTo("settings"));
  $("#include-shown").addEventListener("click", () => setShown(false));
  $("#exclude-shown").addEventListener("click", () => setShown(true));
}

/** Include or leave out every column the search shows (all of them when there is no search). */
function setShown(exclude) {
  const names = Array.from($("#schema-table").tBodies[0].rows).filter((tr) => !tr.hidden).map((tr) => tr.dataset.column);
  updateColumns(Object.fromEntries(names.map((n) => [n, { exclude }])));
}

function options(extra = {}) {
  // only the overrides of columns the held table has (others wait for a format that has them)
  const names = new Set(state.summary ? state.summary.columns.map((c) => c.name) : []);
  const overrides = extra.drop_unknown_overrides ? state.overrides
    : Object.fromEntries(Object.entries(state.overrides).filter(([k]) => names.has(k)));
  return { ...state.dialect, lang: lang(), ...extra, overrides, all_missing_codes: state.allCodes };
}

function setBusy(key, params) {
  state.busy = key ? { key, params: params || {}, since: Date.now() } : null;
  clearInterval(busyTimer);
  if (key) busyTimer = setInterval(showBusy, 1000);
  showBusy();
  settings.render(); // no Generate while the table is being read or changed
}

function showBusy() {
  const el = $("#data-busy");
  const b = state.busy;
  if (!b) {
    el.textContent = "";
    return;
  }
  let text = t(b.key, b.params);
  if (document.body.dataset.ready !== "true") text += " " + t("data.engine_loading");
  const elapsed = Date.now() - b.since;
  if (elapsed >= 2000) text += " " + t("data.elapsed", { time: fmtDuration(elapsed) });
  el.textContent = text;
}

/** Read a new file. On failure the file the user had stays (the worker keeps it too). */
export async function loadFile(file, { confirmed = false } = {}) {
  if (state.run) return;
  if (!confirmed && !(await confirmDiscard("confirm.new_file", { name: file.name }))) return;
  if (state.run) return;
  state.dataError = null;
  state.columnError = null;
  ctx.notice(null);
  if (file.size > MAX_FILE_BYTES) {
    // refused at once, before reading a byte: a file this large would exhaust the browser's memory
    state.dataError = {
      name: file.name,
      kept: state.summary && state.summary.name,
      error: { code: "read.too_large", params: { size_mb: Math.round(file.size / 2 ** 20), limit_mb: MAX_FILE_MB } },
    };
    render();
    return;
  }
  setBusy("data.reading", { name: file.name, size: fmtBytes(file.size) });
  render();
  const epoch = state.epoch;
  try {
    const summary = await ctx.engine.inspect(file, { lang: lang() });
    if (epoch !== state.epoch) return; // the user started over meanwhile
    acceptNewData(summary);
  } catch (err) {
    if (epoch !== state.epoch) return;
    state.dataError = { name: file.name, error: err.info || err, kept: state.summary && state.summary.name };
  } finally {
    if (epoch === state.epoch) setBusy(null);
  }
  ctx.refresh();
  if (!state.dataError) $("#data-name").focus();
}

function acceptNewData(summary) {
  state.summary = summary;
  state.detected = { ...summary.dialect };
  state.dialect = {};
  state.overrides = {};
  state.allCodes = [];
  state.search = "";
  state.result = null;
  state.inspectSeq++;
  settings.onNewData();
}

async function loadDemo() {
  if (!(await confirmDiscard("confirm.new_file", { name: DEMO.name }))) return;
  setBusy("data.reading", { name: DEMO.name, size: "" });
  try {
    const resp = await fetch(new URL(`../${DEMO.url}`, import.meta.url));
    if (!resp.ok) throw new Error(String(resp.status));
    const blob = await resp.blob();
    setBusy(null);
    await loadFile(new File([blob], DEMO.name, { type: "text/csv" }), { confirmed: true });
  } catch (e) {
    setBusy(null);
    state.dataError = { name: DEMO.name, error: { code: "demo_missing", params: {} }, kept: null };
    render();
  }
}

/** The user chose another delimiter, decimal sign or encoding: read the held file again. */
async function changeDialect(key, value) {
  const held = ctx.engine.heldFile;
  if (!held) return;
  if (!(await confirmDiscard("confirm.format"))) {
    render(); // the select shows the format in use again
    return;
  }
  const before = { ...state.dialect };
  // only what the user chose is fixed; the rest is detected again under the new choice (a comma
  // separator, say, makes the decimal sign a point)
  const chosen = { ...state.dialect, [key]: value };
  if (key === "delimiter" && chosen.decimal === value) delete chosen.decimal;
  if (key === "decimal" && chosen.delimiter === value) delete chosen.delimiter;
  state.dialect = chosen;
  state.dataError = null;
  setBusy("data.rereading", { name: held.name });
  render();
  const epoch = state.epoch;
  try {
    // the user's column choices are kept; they apply to the columns the new format has (and again
    // when the user goes back to a format with those columns)
    const summary = await ctx.engine.inspect(held.blob, options({ drop_unknown_overrides: true }));
    if (epoch !== state.epoch) return;
    state.summary = summary;
    state.result = null;
    settings.onNewData({ keepSeed: true });
  } catch (err) {
    if (epoch !== state.epoch) return;
    state.dialect = before;
    state.dataError = { name: held.name, error: err.info || err, kept: state.summary && state.summary.name };
  } finally {
    if (epoch === state.epoch) setBusy(null);
  }
  ctx.refresh();
}

function onColumnChange(e) {
  const el = e.target;
  const column = el.closest("tr") && el.closest("tr").dataset.column;
  if (!column) return;
  if (el.dataset.action === "include") updateColumn(column, { exclude: !el.checked });
  else if (el.dataset.action === "type") updateColumn(column, { type: el.value });
  else if (el.dataset.action === "codes") {
    const codes = parseCodes(el.value);
    const col = state.summary.columns.find((c) => c.name === column);
    if (col && JSON.stringify(codes) === JSON.stringify(ownCodes(col))) return;
    updateColumn(column, { missing_codes: codes });
  }
}

/** Apply a change to one column: the worker re-detects with the user's overrides. */
function updateColumn(column, patch) {
  return updateColumns({ [column]: patch });
}

async function updateColumns(patches, allCodes = state.allCodes) {
  if (state.busy && state.busy.key === "data.reading") {
    // a new file is being read: its table replaces this one, and a change sent now would reach the
    // worker after the new file and leave it holding other columns than the page shows
    ctx.refresh();
    return;
  }
  const before = state.overrides;
  const beforeCodes = state.allCodes;
  const next = { ...before };
  for (const [column, patch] of Object.entries(patches)) next[column] = { ...(before[column] || {}), ...patch };
  state.overrides = next;
  state.allCodes = allCodes;
  state.columnError = null;
  const seq = ++state.inspectSeq;
  const hadResult = Boolean(state.result);
  setBusy("data.updating");
  try {
    const summary = await ctx.engine.inspect(null, options());
    if (seq !== state.inspectSeq) return; // a later change is on its way
    state.summary = summary;
    state.result = null;
    if (hadResult) ctx.notice("data.result_dropped");
    settings.onColumnsChanged();
  } catch (err) {
    if (seq !== state.inspectSeq) return;
    state.overrides = before; // the change is refused as a whole; the table stays as it was
    state.allCodes = beforeCodes;
    state.columnError = err.info || err;
  } finally {
    if (seq === state.inspectSeq) setBusy(null);
  }
  ctx.refresh();
}

/** Codes typed in a field: separated by commas or semicolons (a decimal comma needs the other). */
function parseCodes(text) {
  const parts = String(text || "").split(/[;,]/).map((x) => x.trim()).filter((x) => x !== "");
  return parts.filter((x, i) => parts.indexOf(x) === i);
}

/** A column's own missing-value codes (without those that came from the codes for all columns). */
function ownCodes(c) {
  const shared = c.shared_codes || [];
  return (c.missing_codes || []).filter((x) => !shared.includes(x));
}

/** The codes for all numeric columns changed: the worker re-detects every column. */
async function setAllCodes(codes, focusSel) {
  const unique = codes.filter((x, i) => codes.indexOf(x) === i);
  if (JSON.stringify(unique) === JSON.stringify(state.allCodes)) {
    $("#all-codes").value = unique.join(", ");
    return;
  }
  await updateColumns({}, unique);
  if (focusSel) $(focusSel).focus();
}

/** One click on a suggestion: take the suggested type or code (or turn it back). */
async function onSuggestionClick(e) {
  const b = e.target.closest("button[data-suggest]");
  if (!b) return;
  const column = b.closest("tr").dataset.column;
  const col = state.summary.columns.find((c) => c.name === column);
  if (!col) return;
  const kind = b.dataset.suggest;
  if (kind === "type") await updateColumn(column, { type: b.dataset.value });
  else if (kind === "code") await updateColumn(column, { missing_codes: ownCodes(col).concat([b.dataset.value]) });
  else if (kind === "shared") await updateColumn(column, { all_missing_codes: b.dataset.value === "on" });
  // the button is gone or changed: the focus goes to the control the suggestion was about
  const key = kind === "type" ? `type:${column}` : `codes:${column}`;
  const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again) again.focus();
}

/** The number a code stands for (-9, "-9.0" and "-9,0" are one code), as text. */
function codeNumber(value) {
  const n = Number(String(value).replace(",", "."));
  return Number.isFinite(n) ? String(n) : String(value);
}

/** Codes suggested in two or more columns, each with a button that declares it for all of them. */
function renderCodeHints() {
  const groups = new Map();
  for (const c of state.summary.columns) {
    for (const sg of c.suggestions || []) {
      if (sg.kind !== "missing_code" || sg.applied) continue;
      const key = codeNumber(sg.value);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(c.name);
    }
  }
  const items = [];
  for (const [value, cols] of groups) {
    if (cols.length < 2 || state.allCodes.map(codeNumber).includes(value)) continue;
    const names = cols.slice(0, 5).join(", ") + (cols.length > 5 ? ", …" : "");
    items.push(h("li", {}, t("data.code_hint", { value, count: fmtInt(cols.length), columns: names }),
      h("button", { type: "button", class: "secondary small", "data-code": value, "data-key": `all-code:${value}`,
                    text: t("data.code_hint_use", { value }) })));
  }
  const list = $("#code-hints");
  keepFocus(() => list.replaceChildren(...items));
  list.hidden = !items.length;
}

/** What detection suggests for a column, each with the one click that takes it (or turns it back). */
function suggestionNotes(c) {
  const out = [];
  for (const sg of c.suggestions || []) {
    if (sg.kind === "type") {
      const applied = c.type === sg.value;
      const back = applied ? "integer" : sg.value;
      const label = applied ? "suggest.use_number" : "suggest.use_categories";
      out.push(h("span", { class: "suggest" },
        `${t("suggest." + sg.code, sg.params)} ${t(applied ? "suggest.code_like_applied" : "suggest.code_like_declined")}`,
        h("button", { type: "button", class: "secondary small", "data-suggest": "type", "data-value": back,
                      "data-key": `sug-type:${c.name}`, text: t(label),
                      "aria-label": t(label + "_label", { column: c.name }) })));
    } else if (sg.kind === "missing_code" && !sg.applied && !c.exclude) {
      out.push(h("span", { class: "suggest" }, t("suggest." + sg.code, sg.params),
        h("button", { type: "button", class: "secondary small", "data-suggest": "code", "data-value": sg.value,
                      "data-key": `sug-code:${c.name}:${sg.value}`, text: t("suggest.declare", { value: sg.value }),
                      "aria-label": t("suggest.declare_label", { value: sg.value, column: c.name }) })));
    }
  }
  const f = c.number_format;
  if (f && (c.type === "numeric" || c.type === "integer")) {
    const sign = (f.prefix || f.suffix || "").trim() || `1${f.thousands}000`;
    out.push(h("span", { class: "tokens", text: t("col.number_format", { sign }) }));
  }
  return out;
}

/** Under a column's own codes: the codes for all columns it uses, or that it opted out of them. */
function sharedCodesNote(c) {
  const off = (state.overrides[c.name] || {}).all_missing_codes === false;
  if (c.shared_codes && c.shared_codes.length) {
    return h("span", { class: "suggest" }, t("col.shared_codes", { codes: c.shared_codes.join(", ") }),
      h("button", { type: "button", class: "secondary small", "data-suggest": "shared", "data-value": "off",
                    "data-key": `shared:${c.name}`, text: t("col.shared_off"),
                    "aria-label": t("col.shared_off_label", { column: c.name }) }));
  }
  if (off && state.allCodes.length) {
    return h("span", { class: "suggest" }, t("col.shared_skipped"),
      h("button", { type: "button", class: "secondary small", "data-suggest": "shared", "data-value": "on",
                    "data-key": `shared:${c.name}`, text: t("col.shared_on"),
                    "aria-label": t("col.shared_on_label", { column: c.name }) }));
  }
  return null;
}

function filterColumns() {
  const q = state.search.trim().toLowerCase();
  let shown = 0;
  for (const tr of $("#schema-table").tBodies[0].rows) {
    const hit = !q || tr.dataset.column.toLowerCase().includes(q);
    tr.hidden = !hit;
    if (hit) shown++;
  }
  const total = state.summary ? state.summary.columns.length : 0;
  $("#col-count").textContent = !q ? "" : shown ? t("data.showing", { shown: fmtInt(shown), columns: fmtInt(total) })
    : t("data.no_match", { query: state.search.trim() });
}

function fillSelect(select, items, value) {
  select.replaceChildren(...items.map(([v, label]) => h("option", { value: v, text: label })));
  select.value = value;
}

function renderMessage() {
  // which file, what is wrong with it (#data-message: the engine's message), and what was kept
  const e = state.dataError;
  $("#data-error").hidden = !e;
  $("#data-failed").textContent = e ? t("data.load_failed", { name: e.name }) : "";
  setMessage($("#data-message"), e ? errorText(e.error) : "");
  setMessage($("#data-kept"), e && e.kept ? t("data.kept", { name: e.kept }) : "");
  setMessage($("#column-message"), state.columnError ? errorText(state.columnError) : "");
}

function columnRow(c) {
  const missingTokens = (c.na_tokens || []).concat(c.missing_codes || [])
    .map((tok) => (tok === "" ? t("col.empty_token") : `"${tok}"`));
  const n = state.summary.n_rows;
  const pct = n ? (100 * c.missing_count) / n : 0;
  const typeSelect = h("select", { "data-key": `type:${c.name}`, "data-action": "type",
                                   "aria-label": t("col.type_label", { column: c.name }) },
    TYPES.map((ty) => h("option", { value: ty,
      text: ty === c.detected_type ? t("col.detected", { type: t("type." + ty) }) : t("type." + ty) })));
  typeSelect.value = c.type;
  const notes = [];
  if (c.exclude && c.reason) notes.push(h("span", { class: "reason", text: t("reason." + c.reason) }));
  if (!c.exclude && c.high_cardinality) {
    notes.push(h("span", { class: "note", text: t("col.many_levels", { count: fmtInt(c.n_distinct) }) }));
  }
  for (const note of c.notes || []) notes.push(h("span", { class: "note", text: t(note.code, note.params) }));
  notes.push(...suggestionNotes(c));
  return h("tr", { dataset: { column: c.name }, class: c.exclude ? "excluded" : "" },
    h("td", { class: "include" },
      h("input", { type: "checkbox", checked: !c.exclude, "data-key": `inc:${c.name}`, "data-action": "include",
                   "aria-label": t("col.include_label", { column: c.name }) })),
    h("th", { scope: "row" }, h("span", { class: "colname", text: clip(c.name, 40), title: c.name.length > 40 ? c.name : null }), notes),
    h("td", { dataset: { type: c.type } }, typeSelect),
    h("td", { class: "num" }, c.missing_count ? `${fmtInt(c.missing_count)} (${pct < 0.1 ? "<0.1" : pct.toFixed(1)}%)` : "0",
      missingTokens.length ? h("span", { class: "tokens", text: missingTokens.join(", ") }) : null),
    h("td", {}, h("input", { type: "text", class: "codes", value: ownCodes(c).join(", "),
                             "data-key": `codes:${c.name}`, "data-action": "codes", autocomplete: "off",
                             placeholder: t("col.codes_placeholder"),
                             "aria-label": t("col.codes_label", { column: c.name }) }), sharedCodesNote(c)),
    h("td", { class: "num", text: fmtInt(c.n_distinct) }),
    h("td", { class: "examples", text: c.examples.map((x) => clip(x, 24)).join(", ") }));
}

export function render() {
  showBusy();
  renderMessage();
  $("#drop-hint").textContent = t("data.accepts", { limit: MAX_FILE_MB });
  $("#drop .drop-text").textContent = t(state.summary ? "data.drop_another" : "data.drop");
  const s = state.summary;
  $("#data-summary").hidden = !s;
  if (!s) return;
  $("#data-name").textContent = s.name;
  $("#data-name").tabIndex = -1;
  $("#data-shape").textContent = t("data.shape", {
    rows: fmtInt(s.n_rows), columns: fmtInt(s.n_columns), size: fmtBytes(s.n_bytes),
  });
  $("#data-warnings").replaceChildren(...(s.warnings || []).map((w) => h("li", { text: t("warnings." + w.code, w.params) })));
  // file format: the values in use; the detected ones marked
  const det = state.detected || s.dialect;
  const mark = (label, v, key) => (det[key] === v ? t("data.detected_value", { value: label }) : label);
  fillSelect($("#opt-delimiter"), DELIMITERS.map(([v, k]) => [v, mark(t(k), v, "delimiter")]), s.dialect.delimiter);
  fillSelect($("#opt-decimal"), DECIMALS.map(([v, k]) => [v, mark(t(k), v, "decimal")]), s.dialect.decimal);
  fillSelect($("#opt-encoding"), ENCODINGS.map((v) => [v, mark(t("encoding." + v), v, "encoding")]), s.dialect.encoding);
  fillTable($("#preview-table"), s.preview.columns, s.preview.rows.slice(0, 10));
  const included = includedColumns().length;
  $("#col-search").value = state.search;
  keepFocus(() => $("#schema-table").tBodies[0].replaceChildren(...s.columns.map(columnRow)));
  const allField = $("#all-codes");
  if (document.activeElement !== allField) allField.value = state.allCodes.join(", ");
  renderCodeHints();
  filterColumns();
  $("#to-settings").disabled = included === 0;
  $("#col-included").textContent = included ? t("data.included", { included: fmtInt(included), columns: fmtInt(s.n_columns) })
    : t("errors.synthesis.nothing_to_synthesise"); // the engine's refusal, said before it is asked (issue 14)
  $("#col-included").classList.toggle("field-error", included === 0);
}
