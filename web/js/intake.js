// Step 1, the data: choose or drop a file (or the demo), see how it was read, check the columns.
import { MAX_FILE_BYTES, MAX_FILE_MB } from "./engine.js";
import { $, clip, fillTable, fmtBytes, fmtDuration, fmtInt, h, keepFocus, setMessage } from "./dom.js";
import { errorText, lang, t } from "./i18n.js";
import { DEMO, includedColumns, state } from "./state.js";
import * as settings from "./settings.js";

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
    // Enter in a codes field applies it at once (change fires on Enter only in some browsers)
    if (e.key === "Enter" && e.target.dataset.action === "codes") e.target.blur();
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
  return { ...state.dialect, lang: lang(), ...extra, overrides };
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
export async function loadFile(file) {
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
  state.search = "";
  state.result = null;
  state.inspectSeq++;
  settings.onNewData();
}

async function loadDemo() {
  setBusy("data.reading", { name: DEMO.name, size: "" });
  try {
    const resp = await fetch(new URL(`../${DEMO.url}`, import.meta.url));
    if (!resp.ok) throw new Error(String(resp.status));
    const blob = await resp.blob();
    setBusy(null);
    await loadFile(new File([blob], DEMO.name, { type: "text/csv" }));
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
    const codes = el.value.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== "");
    const col = state.summary.columns.find((c) => c.name === column);
    if (col && JSON.stringify(codes) === JSON.stringify(col.missing_codes)) return;
    updateColumn(column, { missing_codes: codes });
  }
}

/** Apply a change to one column: the worker re-detects with the user's overrides. */
function updateColumn(column, patch) {
  return updateColumns({ [column]: patch });
}

async function updateColumns(patches) {
  const before = state.overrides;
  const next = { ...before };
  for (const [column, patch] of Object.entries(patches)) next[column] = { ...(before[column] || {}), ...patch };
  state.overrides = next;
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
    state.columnError = err.info || err;
  } finally {
    if (seq === state.inspectSeq) setBusy(null);
  }
  ctx.refresh();
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
  return h("tr", { dataset: { column: c.name }, class: c.exclude ? "excluded" : "" },
    h("td", { class: "include" },
      h("input", { type: "checkbox", checked: !c.exclude, "data-key": `inc:${c.name}`, "data-action": "include",
                   "aria-label": t("col.include_label", { column: c.name }) })),
    h("th", { scope: "row" }, h("span", { class: "colname", text: clip(c.name, 40), title: c.name.length > 40 ? c.name : null }), notes),
    h("td", { dataset: { type: c.type } }, typeSelect),
    h("td", { class: "num" }, c.missing_count ? `${fmtInt(c.missing_count)} (${pct < 0.1 ? "<0.1" : pct.toFixed(1)}%)` : "0",
      missingTokens.length ? h("span", { class: "tokens", text: missingTokens.join(", ") }) : null),
    h("td", {}, h("input", { type: "text", class: "codes", value: (c.missing_codes || []).join(", "),
                             "data-key": `codes:${c.name}`, "data-action": "codes", autocomplete: "off",
                             placeholder: t("col.codes_placeholder"),
                             "aria-label": t("col.codes_label", { column: c.name }) })),
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
  filterColumns();
  $("#to-settings").disabled = included === 0;
  $("#col-included").textContent = included ? t("data.included", { included: fmtInt(included), columns: fmtInt(s.n_columns) })
    : t("data.none_included");
}
