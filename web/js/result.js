// Step 4, the result: synthetic rows beside real rows, and the downloads (made in the worker).
import { $, $$, fillTable, fmtBytes, fmtInt, fmtNumber, saveBytes, setMessage } from "./dom.js";
import { errorText, lang, t } from "./i18n.js";
import { state } from "./state.js";

const DELIMITER_KEYS = { ",": "delimiter.comma", ";": "delimiter.semicolon", "\t": "delimiter.tab", "|": "delimiter.pipe" };
const PREVIEW_ROWS = 10;
const SET_FORMATS = ["csv", "csv-standard", "json"]; // the downloads that hold one synthetic data set
let ctx;

export function init(c) {
  ctx = c;
  for (const b of $$("[data-export]")) b.addEventListener("click", () => download(b.dataset.export));
  $("#dl-set").addEventListener("change", (e) => {
    state.downloadSet = Number(e.target.value) || 1;
    render();
  });
  $("#again").addEventListener("click", () => ctx.goTo("settings"));
  $("#new-file").addEventListener("click", () => ctx.startOver());
}

async function download(format) {
  if (state.downloading) return;
  state.downloading = format;
  state.downloaded = state.downloadError = null;
  render();
  try {
    // with m > 1 synthetic data sets, the CSVs and the JSON are of the set chosen in the picker
    const m = (state.result && state.result.m) || 1;
    const set = m > 1 && SET_FORMATS.includes(format) ? Math.min(state.downloadSet || 1, m) : undefined;
    const file = await ctx.engine.export(format, lang(), undefined, set);
    saveBytes(file.name, file.mime, file.bytes);
    state.downloaded = { name: file.name, size: file.bytes.byteLength };
  } catch (err) {
    state.downloadError = err.info || err;
  } finally {
    state.downloading = null;
  }
  render();
}

/** A note from the engine ({code, params}): keys under notes., or a full key. */
export function noteText(n) {
  const params = { ...(n.params || {}), ...(n.column ? { column: n.column } : {}) };
  const text = t("notes." + n.code, params);
  return text === "notes." + n.code ? t(n.code, params) : text;
}

/** Method dp: the budget spent on this file so far (the engine's odometer, browser.py _DP_SPENT). */
function renderOdometer(r) {
  const p = $("#result-odometer");
  const file = r.method === "dp" && r.privacy && r.privacy.file;
  p.hidden = !file;
  p.textContent = file ? t("result.dp_odometer", {
    runs: fmtInt(file.runs),
    epsilon: Number(file.epsilon).toLocaleString(lang(), { maximumSignificantDigits: 3 }),
    delta: String(file.delta),
  }) : "";
}

/** Method dp: the privacy claim as the engine recorded it (SynthResult.settings), and whether the public
 * domain was covered by it (not when it was read from the data, settings.domain_from_data). */
function renderPrivacy(r) {
  const box = $("#result-privacy");
  const st = r.settings || {};
  box.hidden = r.method !== "dp";
  renderOdometer(r);
  if (r.method !== "dp") {
    box.replaceChildren();
    return;
  }
  const claim = t("result.dp_claim", {
    epsilon: Number(st.epsilon).toLocaleString(lang(), { maximumSignificantDigits: 6 }),
    delta: String(st.delta),
  });
  const domain = t(st.domain_from_data ? "result.dp_domain_not_covered" : "result.dp_domain_covered");
  box.replaceChildren(...[claim, domain].map((text) => {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }));
}

/** m > 1 synthetic data sets: each one's seed, the set picker for the single-set downloads, the zip. */
function renderSets(r) {
  const m = r.m || 1;
  const seeds = r.seeds || [r.seed];
  $("#result-sets").hidden = m < 2;
  $("#dl-set-box").hidden = m < 2;
  $("#dl-zip").hidden = m < 2;
  if (m < 2) return;
  $("#result-sets").textContent = t("result.sets", { m: fmtInt(m), seeds: seeds.join(", ") });
  const chosen = Math.min(state.downloadSet || 1, m);
  const select = $("#dl-set");
  if (select.options.length !== m || select.dataset.lang !== lang()) {
    select.replaceChildren(...seeds.map((seed, i) => {
      const o = document.createElement("option");
      o.value = String(i + 1);
      o.textContent = t("result.set_option", { set: i + 1, m: fmtInt(m), seed });
      return o;
    }));
    select.dataset.lang = lang();
  }
  select.value = String(chosen);
  $("#dl-zip").textContent = t("result.zip", { m: fmtInt(m) });
}

export function render() {
  const r = state.result;
  if (!r) return;
  const methodName = t("method." + r.method);
  $("#result-summary").textContent = t("result.summary", {
    rows: fmtInt(r.n_rows), columns: fmtInt(r.columns.length), method: methodName, seed: r.seed,
    seconds: fmtNumber((r.elapsed_ms ?? 0) / 1000, 1),
  });
  $("#result-holdout").textContent = r.holdout_rows
    ? t("result.holdout", { train: fmtInt(r.train_rows), holdout: fmtInt(r.holdout_rows) })
    : t("result.no_holdout", { train: fmtInt(r.train_rows ?? r.n_real) });
  renderPrivacy(r);
  renderSets(r);
  const notes = r.notes_grouped || r.notes || []; // one note per idea, listing its columns (py_engine/notes.py)
  $("#result-notes-box").hidden = notes.length === 0;
  $("#result-notes-summary").textContent = t("result.notes", { count: fmtInt(notes.length) });
  $("#result-notes").replaceChildren(...notes.map((n) => {
    const li = document.createElement("li");
    li.textContent = noteText(n);
    return li;
  }));
  const d = (state.summary && state.summary.dialect) || { delimiter: ",", decimal: "." };
  $("#dl-csv").textContent = t("result.csv", {
    delimiter: t(DELIMITER_KEYS[d.delimiter] || "delimiter.comma"),
    decimal: t(d.decimal === "," ? "decimal.comma_name" : "decimal.point_name"),
  });
  for (const b of $$("[data-export]")) b.disabled = Boolean(state.downloading);
  let status = "";
  if (state.downloading) status = t("result.preparing");
  else if (state.downloaded) status = t("result.saved", { name: state.downloaded.name, size: fmtBytes(state.downloaded.size) });
  $("#download-status").textContent = status;
  setMessage($("#download-message"), state.downloadError ? errorText(state.downloadError) : "");
  const syn = r.preview;
  const real = r.real_preview;
  $("#h-syn-rows").textContent = t("result.synthetic_rows", { n: Math.min(PREVIEW_ROWS, syn.rows.length) });
  fillTable($("#syn-preview"), syn.columns, syn.rows.slice(0, PREVIEW_ROWS));
  $("#h-real-rows").textContent = t("result.real_rows", { n: Math.min(PREVIEW_ROWS, real ? real.rows.length : 0) });
  if (real) fillTable($("#real-preview"), real.columns, real.rows.slice(0, PREVIEW_ROWS));
}
