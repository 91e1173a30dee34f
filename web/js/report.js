// The evaluation report in the page (issue 5): options, the `evaluate` request with progress and
// Cancel, the summary first, then sections that fold open, plots drawn here as SVG from the report's
// data (no matplotlib in the page), and the PDF download (made in the worker). Report dict:
// py_engine/evaluation/REPORT.md. No inline styles (CSP): SVG attributes and CSS classes only.
import { $, fmtDuration, fmtInt, h, saveBytes, setMessage, svg } from "./dom.js";
import { errorText, lang, t } from "./i18n.js";
import { state } from "./state.js";

const REAL = "#1f5fa8";
const SYN = "#e08214";
const HEAT_HELP = { spmse: "report.page_heat_spmse", assoc: "report.page_heat_assoc", diff: "report.page_heat_diff" };
let ctx;
let timer = null;
// what this module knows, for the synthetic result it was made for (dropped when that changes)
let ev = fresh(null);

function fresh(result) {
  return {
    result, report: null, run: null, error: null, restoring: false,
    options: { target: "", sensitive: "", qi: [] },
    pdf: { busy: false, progress: null, saved: null, error: null },
  };
}

export function init(c) {
  ctx = c;
}

function current() {
  if (ev.result !== state.result) {
    if (ev.run) ctx.engine.cancel(ev.run.promise);
    ev = fresh(state.result);
  }
  return ev;
}

// ------------------------------------------------------------------ numbers in the page's language
function num(x, digits = 2) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  const a = Math.abs(x);
  if (a !== 0 && (a < 10 ** -digits || a >= 1e7)) {
    return Number(x).toLocaleString(lang(), { maximumSignificantDigits: 3 });
  }
  return Number(x).toLocaleString(lang(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
/** A share as a percentage; a small share that would round to 0 shows as "< 0.1%". */
function pct(share, digits = 1) {
  if (share === null || share === undefined) return "–";
  const p = 100 * share;
  if (p !== 0 && Math.abs(p) < 0.5 * 10 ** -digits) return `< ${num(10 ** -digits, digits)}%`;
  return `${Number(p).toLocaleString(lang(), { minimumFractionDigits: digits, maximumFractionDigits: digits })}%`;
}
const pctValue = (p, digits = 1) => (p === null || p === undefined ? "–" : `${num(p, digits)}%`);
const ci = (lo, hi, digits = 3) => t("report.ci", { low: num(lo, digits), high: num(hi, digits) });

function params(p) {
  const out = {};
  for (const [k, v] of Object.entries(p || {})) {
    out[k] = typeof v === "number" ? (Number.isInteger(v) ? fmtInt(v) : Number(v).toLocaleString(lang(), { maximumFractionDigits: 3 })) : v;
  }
  return out;
}

function levelText(level) {
  if (!level) return "–";
  if ("label" in level) return String(level.label);
  if ("missing" in level) return level.missing === "" ? t("report.missing_cell") : t("report.missing_code", { code: level.missing });
  if ("other" in level) return t("report.other_levels", { n: fmtInt(level.other) });
  return JSON.stringify(level);
}

function reasonText(section) {
  const s = section || {};
  return t("metrics.reason." + (s.reason || "not_computed"), { detail: s.detail || "" });
}

const ok = (s) => Boolean(s) && s.status === "ok";
const name = (m) => t("metrics.name." + m);

// ------------------------------------------------------------------ running the evaluation
function evaluate() {
  const e = current();
  if (e.run || !state.result) return;
  const o = e.options;
  const options = { lang: lang() };
  if (o.target) options.target = o.target;
  if (o.sensitive) options.sensitive = o.sensitive;
  if (o.qi.length) options.quasi_identifiers = o.qi;
  const promise = ctx.engine.evaluate(options, (p) => {
    if (e.run && e.run.promise === promise) {
      e.run.progress = p;
      renderRun();
    }
  });
  e.run = { promise, started: Date.now(), progress: null, cancelling: false };
  e.error = null;
  e.report = null;
  e.pdf = fresh(null).pdf;
  clearInterval(timer);
  timer = setInterval(renderRun, 1000);
  render();
  $("#ev-status").focus();
  promise.then(
    (report) => {
      finish(e);
      e.report = report;
      render();
      const head = $("#h-ev-summary");
      if (head) head.focus();
    },
    (err) => {
      finish(e);
      const info = err.info || { code: "internal", params: { detail: String(err.message || err) } };
      e.error = info.kind === "cancelled" || info.code === "cancelled" ? { cancelled: true } : info;
      render();
    },
  );
}

function finish(e) {
  clearInterval(timer);
  timer = null;
  e.run = null;
}

/** Cancel: the worker is asked; if it had to be replaced, the synthetic data are made again. */
async function cancel() {
  const e = current();
  if (!e.run || e.run.cancelling) return;
  e.run.cancelling = true;
  renderRun();
  const worker = ctx.engine.worker;
  await ctx.engine.cancel(e.run.promise);
  if (ctx.engine.worker !== worker && state.result) await restore(e);
}

/** The worker was replaced: re-read the file, then synthesise again with the same settings and seed,
 *  which gives the same synthetic data (the engine is deterministic for a seed). */
async function restore(e) {
  e.restoring = true;
  render();
  try {
    if (ctx.engine.reread) await ctx.engine.reread;
    await ctx.engine.synthesise(state.result.request, () => {});
  } catch (err) {
    e.error = err.info || err;
  } finally {
    e.restoring = false;
    render();
  }
}

async function downloadPdf() {
  const e = current();
  if (e.pdf.busy || !e.report) return;
  e.pdf = { busy: true, progress: null, saved: null, error: null };
  renderPdf();
  try {
    const file = await ctx.engine.export("pdf", lang(), (p) => {
      e.pdf.progress = p;
      renderPdf();
    });
    saveBytes(file.name, file.mime, file.bytes);
    e.pdf.saved = { name: file.name };
  } catch (err) {
    e.pdf.error = err.info || err;
  } finally {
    e.pdf.busy = false;
  }
  renderPdf();
}

// ------------------------------------------------------------------ rendering
export function render() {
  const box = $("#evaluation");
  if (!box) return;
  const e = current();
  // the JSON download holds the evaluation only once it was run: say so beside it (issue 14)
  $("#json-note").textContent = !state.result ? "" : t(e.report ? "result.json_with_report" : "result.json_without_report");
  if (!state.result) {
    box.replaceChildren();
    return;
  }
  const parts = [h("p", { class: "help", text: t("report.page_intro") })];
  const est = state.result.evaluation_estimate;
  if (est) {
    parts.push(h("p", { id: "ev-estimate", class: "help", text: t("report.page_estimate", {
      rows: fmtInt(est.rows), columns: fmtInt(est.columns), low: duration(est.low), high: duration(est.high) }) }));
  }
  if (!state.result.holdout_rows) parts.push(h("p", { class: "notice", text: t("report.page_no_holdout") }));
  parts.push(optionsForm(e));
  parts.push(runBox(e));
  if (e.report) parts.push(reportView(e.report));
  box.replaceChildren(...parts);
  renderRun();
  if (e.report) renderPdf();
}

function optionsForm(e) {
  const cols = state.result.columns || [];
  const o = e.options;
  const busy = Boolean(e.run) || e.restoring;
  const select = (id, label, help, value, first, onChange) => {
    const sel = h("select", { id, "aria-describedby": id + "-help", disabled: busy, dataset: { key: id } },
      h("option", { value: "", text: first }), cols.map((c) => h("option", { value: c, text: c, selected: c === value })));
    sel.addEventListener("change", () => onChange(sel.value));
    return h("div", { class: "field" }, h("label", { for: id, text: label }), sel, h("p", { id: id + "-help", class: "help", text: help }));
  };
  const sug = state.result.roles || null;
  const why = (x) => t("report.page_suggested", { column: x.column, reason: t("roles.reason." + x.reason) });
  const target = select("ev-target", t("report.page_target"), t("report.page_target_help"), o.target,
    sug && sug.target ? why(sug.target) : t("report.page_default_last", { column: cols[cols.length - 1] || "" }),
    (v) => { o.target = v; });
  const sensitive = select("ev-sensitive", t("report.page_sensitive"), t("report.page_sensitive_help"), o.sensitive,
    t("report.page_same_as_target"), (v) => { o.sensitive = v; });
  const boxes = cols.map((c, i) => {
    const id = `ev-qi-${i}`;
    const cb = h("input", { type: "checkbox", id, checked: o.qi.includes(c), disabled: busy, dataset: { key: id } });
    cb.addEventListener("change", () => {
      o.qi = cols.filter((name, j) => (j === i ? cb.checked : o.qi.includes(name)));
    });
    return h("li", {}, cb, h("label", { for: id, text: c }));
  });
  const qi = h("fieldset", { class: "ev-qi" },
    h("legend", { text: t("report.page_qi") }),
    h("p", { class: "help", id: "ev-qi-help", text: t("report.page_qi_help") }),
    sug && (sug.quasi_identifiers || []).length
      ? h("p", { class: "help", id: "ev-qi-suggested", text: t("report.page_qi_suggested", {
        columns: sug.quasi_identifiers.map((x) => `${x.column} (${t("roles.reason." + x.reason)})`).join(", ") }) })
      : null,
    h("ul", { class: "ev-qi-list", "aria-describedby": sug && (sug.quasi_identifiers || []).length
      ? "ev-qi-help ev-qi-suggested" : "ev-qi-help" }, boxes));
  const button = h("button", { type: "button", id: "evaluate", class: "primary", disabled: busy || !state.result,
    text: e.report ? t("report.page_again") : t("report.page_evaluate") });
  button.addEventListener("click", evaluate);
  return h("details", { class: "ev-options", open: !e.report },
    h("summary", { text: t("report.page_options") }),
    h("div", { class: "field-row" }, target, sensitive), qi,
    h("div", { class: "actions" }, button));
}

function runBox(e) {
  const cancelBtn = h("button", { type: "button", id: "ev-cancel", class: "secondary", text: t("generate.cancel") });
  cancelBtn.addEventListener("click", cancel);
  return h("div", { class: "ev-run" },
    h("progress", { id: "ev-progress", max: 1, "aria-labelledby": "ev-status" }),
    h("p", { id: "ev-status", class: "gen-status", role: "status", "aria-live": "polite", tabindex: "-1" }),
    h("p", { id: "ev-elapsed", class: "muted" }),
    h("div", { class: "actions" }, cancelBtn),
    h("div", { id: "ev-message", class: "message", role: "alert", hidden: true }));
}

/** Seconds as a reader says them: "40 seconds", "3 minutes" (rounded; at least 5 seconds). */
function duration(sec) {
  if (sec < 90) return t("report.seconds", { n: fmtInt(Math.max(5, Math.round(sec / 5) * 5)) });
  return t("report.minutes", { n: fmtInt(Math.round(sec / 60)) });
}

/** During a run: the time left by the estimate from the table's size, or that it takes longer. */
function remaining(r) {
  const est = state.result && state.result.evaluation_estimate;
  if (!est) return "";
  const left = est.seconds - (Date.now() - r.started) / 1000;
  return left > 0 ? t("report.page_remaining", { time: duration(left) })
    : t("report.page_over_estimate", { time: duration(est.seconds) });
}

function renderRun() {
  const e = current();
  const bar = $("#ev-progress");
  if (!bar) return;
  const r = e.run;
  bar.hidden = !r;
  $("#ev-cancel").hidden = !r;
  $("#ev-cancel").disabled = Boolean(r && r.cancelling);
  $("#ev-elapsed").textContent = r ? [t("generate.elapsed", { time: fmtDuration(Date.now() - r.started) }),
    remaining(r)].filter(Boolean).join(" · ") : "";
  let text = "";
  if (e.restoring) text = t("report.page_restoring");
  else if (r && r.cancelling) text = t("generate.cancelling");
  else if (r && r.progress) {
    const p = r.progress;
    text = t("report.page_progress", { step: fmtInt(p.step), total: fmtInt(p.total), what: t(p.key, p.params || {}) });
  } else if (r) text = t("report.page_starting");
  else if (e.error && e.error.cancelled) text = t("report.page_cancelled");
  else if (e.report) text = t("report.page_done", { seconds: num((e.report.timings || {}).total, 1) });
  const status = $("#ev-status");
  if (status.textContent !== text) status.textContent = text;
  if (r && r.progress && r.progress.total) {
    bar.max = r.progress.total;
    bar.value = Math.min(r.progress.step, r.progress.total);
  } else if (r) bar.removeAttribute("value");
  setMessage($("#ev-message"), e.error && !e.error.cancelled ? errorText(e.error) : "");
}

function pdfBox() {
  const button = h("button", { type: "button", id: "dl-pdf", class: "primary", text: t("report.page_pdf") });
  button.addEventListener("click", downloadPdf);
  return h("div", { class: "ev-pdf" },
    h("h3", { id: "h-ev-pdf", text: t("report.page_pdf_h") }),
    h("p", { class: "help", text: t("report.page_pdf_help") }),
    h("div", { class: "downloads" }, button),
    h("p", { id: "pdf-status", class: "busy", role: "status", "aria-live": "polite" }),
    h("div", { id: "pdf-message", class: "message", role: "alert", hidden: true }));
}

function renderPdf() {
  const e = current();
  const button = $("#dl-pdf");
  if (!button) return;
  button.disabled = e.pdf.busy || Boolean(e.run);
  let text = "";
  if (e.pdf.busy) {
    const p = e.pdf.progress;
    text = p && p.key ? t("report.page_progress", { step: fmtInt(p.step), total: fmtInt(p.total), what: t(p.key, p.params || {}) })
      : t("result.preparing");
  } else if (e.pdf.saved) text = t("report.page_pdf_saved", { name: e.pdf.saved.name });
  const status = $("#pdf-status");
  if (status.textContent !== text) status.textContent = text;
  setMessage($("#pdf-message"), e.pdf.error ? errorText(e.pdf.error) : "");
}

// ------------------------------------------------------------------ the report
function reportView(r) {
  return h("div", { class: "ev-report" },
    summaryView(r),
    pdfBox(),
    section("columns", t("report.section.columns"), () => columnsView(r)),
    section("utility", t("report.section.utility"), () => utilityView(r)),
    section("pairs", t("report.section.pairs"), () => pairsView(r)),
    section("combinations", t("report.section.combinations"), () => combinationsView(r)),
    section("analysis", t("report.section.analysis"), () => analysisView(r).concat(fitView(r))),
    section("structure", t("report.section.structure"), () => structureView(r)),
    section("disclosure", t("report.section.disclosure"), () => disclosureView(r).concat(issue14Disclosure(r))));
}

/** A section that folds open; its content is built when first opened (big tables stay cheap). */
function section(id, title, build) {
  const body = h("div", { class: "ev-body" });
  const det = h("details", { class: "ev-section", id: "ev-" + id }, h("summary", {}, h("span", { class: "ev-h", text: title })), body);
  det.addEventListener("toggle", () => {
    if (det.open && !body.childElementCount) body.append(...[].concat(build()));
  });
  return det;
}

function summaryView(r) {
  const items = (r.summary || []).map((v) => {
    let text = t(v.code, params(v.params));
    if (v.level === "unknown" && v.reason) text += " " + t("metrics.reason." + v.reason, { detail: "" });
    if (v.capped_by === "structure") text += " " + t("report.capped_by_structure");
    if ((v.lowered_by || {}).reason === "combinations") text += " " + t("report.lowered_by_combinations", params(v.lowered_by));
    return h("li", { class: "verdict", dataset: { level: v.level, aspect: v.aspect } },
      h("span", { class: "verdict-aspect", text: t("report.aspect." + v.aspect) }),
      h("span", { class: "verdict-level", text: t("report.level." + v.level) }),
      h("span", { class: "verdict-text", text }),
      h("span", { class: "verdict-figure", text: figureText(v) }));
  });
  const data = r.data || {};
  const rows = data.holdout
    ? t("report.rows_holdout", { seed: (r.context || {}).seed ?? "–", train: fmtInt(data.n_train), total: fmtInt(data.n_train + data.n_holdout),
      holdout: fmtInt(data.n_holdout), synthetic: fmtInt(data.n_synthetic) })
    : t("report.rows_all", { train: fmtInt(data.n_train), synthetic: fmtInt(data.n_synthetic) });
  const missing = r.not_computed || [];
  const sections = {};
  for (const g of ["utility", "pairs", "analysis", "disclosure"]) Object.assign(sections, r[g] || {});
  if (r.structure) sections.structure = r.structure;
  return h("div", { class: "ev-summary" },
    h("h3", { id: "h-ev-summary", tabindex: "-1", text: t("report.section.summary") }),
    h("p", { class: "help", text: t("report.summary_intro") }),
    h("ul", { class: "verdicts" }, items),
    h("p", { class: "help", text: t("report.summary_no_score") }),
    h("p", { text: rows }),
    missing.length
      ? h("div", {}, h("h4", { text: t("report.not_computed_h") }),
        h("ul", {}, missing.map((m) => h("li", { text: `${name(m.metric)}: ${reasonText(sections[m.metric] || m)}` }))))
      : h("p", { class: "muted", text: t("report.all_computed") }));
}

function figureText(v) {
  const f = v.figure;
  if (!f) return "";
  switch (v.aspect) {
    case "utility":
      return t("report.figure.utility", { value: num(f.value, 2) }) +
        (f.worst_pair ? " " + t("report.figure.worst_pair", { a: f.worst_pair.a, b: f.worst_pair.b, value: num(f.worst_pair.s_pmse, 1) }) : "");
    case "analysis":
      return t("report.figure.analysis", { value: num(f.value, 3), real: num(f.real_score, 3), synthetic: num(f.synthetic_score, 3) });
    case "copies":
      return t("report.figure.copies", { value: pct(f.value, 2), natural: pct(f.natural, 2) });
    case "rep_u":
      return t("report.figure.rep_u", { value: pctValue(f.value, 2), columns: (f.columns || []).join(", ") });
    case "disco":
      return t("report.figure.disco", { value: pctValue(f.value, 1), holdout: pctValue(f.holdout, 1) });
    case "inference":
      return t("report.figure.inference", { value: num(f.value, 3), ci: ci(...(f.ci || [null, null])) });
    case "structure":
      return t("report.figure.structure", { failing: fmtInt((v.params || {}).failing || 0), checks: fmtInt((v.params || {}).checks || 0), worst: f.worst || "–" });
    case "membership":
      return t("report.figure.membership", { value: num(f.value, 3), ci: ci(...(f.ci || [null, null])) });
    case "cap":
      return t("report.figure.cap", { cap_s: num(f.cap_s, 3), h_cap_s: num(f.h_cap_s, 3), cap_o: num(f.cap_o, 3) });
    case "isolated":
      return t("report.figure.isolated", { value: pct(f.value, 1), natural: pct(f.natural, 1) });
    case "fit":
      return t("report.figure.fit", { value: num(f.value, 2), overlap: num(f.mean_overlap, 3), m: fmtInt(f.m) });
    default:
      return num(f.value, 3);
  }
}

/** A table of text cells; the first row is the header. */
function table(rows, caption, { numeric = [] } = {}) {
  const [head, ...body] = rows;
  return h("div", { class: "table-wrap ev-table", tabindex: "0", role: "region", "aria-label": caption },
    h("table", { class: "data" },
      h("caption", { class: "visually-hidden", text: caption }),
      h("thead", {}, h("tr", {}, head.map((c, j) => h("th", { scope: "col", class: numeric.includes(j) ? "num" : null, text: c })))),
      h("tbody", {}, body.map((row) => h("tr", {}, row.map((c, j) => (j === 0
        ? h("th", { scope: "row", text: c })
        : h("td", { class: numeric.includes(j) ? "num" : null, text: c }))))))));
}

function notComputed(s) {
  return h("p", { class: "muted", text: t("report.not_computed_here", { reason: reasonText(s) }) });
}

// -- columns
function columnsView(r) {
  const s = (r.utility || {}).columns;
  const out = [h("p", { class: "help", text: t("report.columns_intro") })];
  if (!ok(s)) return out.concat(notComputed(s));
  out.push(h("p", { text: t("report.columns_mean", { value: num(s.mean_score, 3) }) }));
  out.push(h("p", { class: "legend" }, h("span", { class: "key real", text: t("report.real") }), " ",
    h("span", { class: "key synthetic", text: t("report.synthetic") })));
  out.push(h("ul", { class: "ev-columns" }, s.items.map((it) => h("li", { class: "ev-column" },
    h("h4", { text: it.name }),
    h("p", { class: "muted", text: `${t("type." + it.type)} · ${t("report.col.score")} ${num(it.score, 3)} (${it.metric === "ks_complement" ? "KS" : "TV"}) · ${t("report.col.one_way")} ${num(it.s_pmse, 2)} · ${t("report.col.missing")} ${pct((it.missing || {}).real_share)} / ${pct((it.missing || {}).synthetic_share)}` }),
    columnPlot(it)))));
  return out;
}


/** Real and synthetic side by side: shares of observed values per bin, value or level. */
function columnPlot(it) {
  const p = it.plot || {};
  let labels = [];
  let real = (p.real || []).slice();
  let syn = (p.synthetic || []).slice();
  if (p.kind === "histogram") {
    labels = (p.edge_labels || p.edges || []).slice(0, -1).map((e, i) => (p.edge_labels ? p.edge_labels[i]
      : Number(p.edges[i]).toLocaleString(lang(), { maximumSignificantDigits: 4 })));
  } else if (p.kind === "values") labels = (p.values || []).map((v) => num(v, 0));
  else {
    labels = (p.labels || []).slice();
    if (p.other) {
      labels.push(t("report.other_levels", { n: fmtInt(p.other.n_levels) }));
      real.push(p.other.real);
      syn.push(p.other.synthetic);
    }
  }
  const tr = real.reduce((a, b) => a + b, 0) || 1;
  const ts = syn.reduce((a, b) => a + b, 0) || 1;
  real = real.map((x) => x / tr);
  syn = syn.map((x) => x / ts);
  const n = labels.length;
  const label = t("report.page_plot_label", { column: it.name, score: num(it.score, 3) });
  if (!n) return h("p", { class: "muted", text: t("report.no_values") });
  const horizontal = p.kind === "bars";
  const max = Math.max(...real, ...syn, 1e-9);
  let plot;
  if (p.rank) {
    // many levels (issue 14): the rank-frequency curves (log-log) instead of hundreds of bars; the
    // table below lists the most frequent levels and the rest
    plot = rankPlot(p.rank, t("report.rank_label", { column: it.name, n: fmtInt(p.rank.n_real) }));
  } else if (horizontal) {
    const rowH = 14;
    const W = 320;
    const L = 120;
    const H = n * rowH + 6;
    plot = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "ev-plot", role: "img", "aria-label": label },
      svg("title", {}, label),
      labels.map((lab, i) => {
        const y = 3 + i * rowH;
        const short = String(lab).length > 20 ? String(lab).slice(0, 19) + "…" : String(lab);
        return svg("g", {},
          svg("text", { x: L - 4, y: y + 10, "text-anchor": "end", class: "ev-tick" }, short),
          svg("rect", { x: L, y: y + 1, width: Math.max(0.5, (real[i] / max) * (W - L - 8)), height: 5.5, fill: REAL },
            svg("title", {}, `${lab}: ${t("report.real")} ${pct(real[i])}`)),
          svg("rect", { x: L, y: y + 6.5, width: Math.max(0.5, (syn[i] / max) * (W - L - 8)), height: 5.5, fill: SYN },
            svg("title", {}, `${lab}: ${t("report.synthetic")} ${pct(syn[i])}`)));
      }));
  } else {
    const W = 320;
    const H = 120;
    const B = 18;
    const bw = (W - 10) / n;
    plot = svg("svg", { viewBox: `0 0 ${W} ${H + B}`, class: "ev-plot", role: "img", "aria-label": label },
      svg("title", {}, label),
      svg("line", { x1: 5, x2: W - 5, y1: H, y2: H, stroke: "#8c959f", "stroke-width": 0.6 }),
      labels.map((lab, i) => svg("g", {},
        svg("rect", { x: 5 + i * bw + bw * 0.08, y: H - (real[i] / max) * (H - 6), width: bw * 0.42, height: (real[i] / max) * (H - 6), fill: REAL },
          svg("title", {}, `${lab}: ${t("report.real")} ${pct(real[i])}`)),
        svg("rect", { x: 5 + i * bw + bw * 0.5, y: H - (syn[i] / max) * (H - 6), width: bw * 0.42, height: (syn[i] / max) * (H - 6), fill: SYN },
          svg("title", {}, `${lab}: ${t("report.synthetic")} ${pct(syn[i])}`)))),
      [0, Math.floor(n / 2), n - 1].filter((v, i, a) => a.indexOf(v) === i).map((i) =>
        svg("text", { x: 5 + i * bw + bw / 2, y: H + 12, "text-anchor": i === 0 ? "start" : i === n - 1 ? "end" : "middle", class: "ev-tick" },
          String(labels[i]).slice(0, 12))));
  }
  const rows = [[t("report.col.details"), t("report.real"), t("report.synthetic")]].concat(labels.map((lab, i) => [String(lab), pct(real[i]), pct(syn[i])]));
  return h("div", { class: "ev-figure" }, plot,
    h("details", { class: "ev-values" }, h("summary", { text: t("report.page_as_table") }), table(rows, label, { numeric: [1, 2] })));
}

// -- whole table
function utilityView(r) {
  const u = r.utility || {};
  const rows = [[t("report.col.model"), "pMSE", t("report.col.expected"), "S_pMSE", "SPECKS", t("report.col.size")]];
  const notes = [];
  for (const key of ["logit", "logit_interactions", "cart"]) {
    const s = u[key];
    if (!ok(s)) {
      rows.push([name(key), "–", "–", "–", "–", reasonText(s)]);
      continue;
    }
    rows.push([name(key), num(s.pmse, 5), num(s.expected_pmse, 5), num(s.s_pmse, 2), num(s.specks, 3),
      key === "cart" ? t("report.leaves", { n: fmtInt(s.leaves) }) : t("report.parameters", { n: fmtInt(s.k) })]);
    if (s.interpretation) notes.push(`${name(key)}: ${t("metrics.interpretation." + s.interpretation)}`);
    if (s.note) notes.push(`${name(key)}: ${t("metrics.reason." + s.note, { detail: "" })}`);
    if (key === "cart") notes.push(t("report.cart_null", { permutations: fmtInt(s.permutations), p: num(s.p_value, 3) }));
  }
  return [h("p", { class: "help", text: t("report.utility_intro") }), table(rows, t("report.section.utility"), { numeric: [1, 2, 3, 4] }),
    h("ul", {}, [...new Set(notes)].map((n) => h("li", { text: n })))];
}

// -- heat maps
function colour(v, kind) {
  if (v === null || v === undefined) return "#d9d9d9";
  const mix = (a, b, f) => {
    const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
    const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
    return "#" + pa.map((x, i) => Math.round(x + (pb[i] - x) * Math.max(0, Math.min(1, f))).toString(16).padStart(2, "0")).join("");
  };
  if (kind === "spmse") return v <= 1 ? "#ffffff" : mix("#fde0d2", "#99000d", (v - 1) / 14);
  if (kind === "assoc") return v >= 0 ? mix("#ffffff", "#b2182b", v) : mix("#ffffff", "#2166ac", -v);
  return v >= 0 ? mix("#ffffff", "#b35806", v / 0.3) : mix("#ffffff", "#542788", -v / 0.3);
}

function heatmap(matrix, labels, kind, caption, digits) {
  const n = labels.length;
  const cell = Math.max(9, Math.min(34, 460 / Math.max(n, 1)));
  const L = 130;
  const T = 110;
  const W = L + n * cell + 4;
  const H = T + n * cell + 4;
  const short = (s) => (String(s).length > 18 ? String(s).slice(0, 8) + "…" + String(s).slice(-8) : String(s));
  const fontClass = n > 20 ? "ev-tick small" : "ev-tick";
  const cells = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = matrix[i][j];
      const text = v === null || v === undefined ? "–" : num(v, digits);
      const rect = svg("rect", { x: L + j * cell, y: T + i * cell, width: cell - 1, height: cell - 1, fill: i === j && kind === "spmse" ? "#d9d9d9" : colour(v, kind) },
        svg("title", {}, `${labels[i]} × ${labels[j]}: ${text}`));
      cells.push(rect);
      if (n <= 12 && i !== j && v !== null && v !== undefined) {
        cells.push(svg("text", { x: L + j * cell + cell / 2, y: T + i * cell + cell / 2 + 3, "text-anchor": "middle", class: "ev-cell" }, text));
      }
    }
  }
  const plot = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "ev-heat", role: "img", "aria-label": caption },
    svg("title", {}, caption),
    labels.map((lab, i) => svg("text", { x: L - 4, y: T + i * cell + cell / 2 + 3, "text-anchor": "end", class: fontClass }, short(lab))),
    labels.map((lab, j) => svg("text", { x: 0, y: 0, transform: `translate(${L + j * cell + cell / 2 + 3},${T - 4}) rotate(-60)`, class: fontClass }, short(lab))),
    cells);
  const rows = [[""].concat(labels)].concat(labels.map((lab, i) => [lab].concat(matrix[i].map((v) => (v === null || v === undefined ? "–" : num(v, digits))))));
  return h("figure", { class: "ev-figure" }, h("figcaption", { text: caption }),
    h("p", { class: "help", text: t(HEAT_HELP[kind]) }), h("div", { class: "ev-heat-wrap" }, plot),
    h("details", { class: "ev-values" }, h("summary", { text: t("report.page_as_table") }), table(rows, caption, { numeric: labels.map((_, k) => k + 1) })));
}

function pairsView(r) {
  const p = r.pairs || {};
  const out = [h("h4", { text: name("two_way") }), h("p", { class: "help", text: t("report.two_way_intro") })];
  const two = p.two_way;
  if (!ok(two)) out.push(notComputed(two));
  else if ((two.columns || []).length < 2) out.push(h("p", { text: t("report.one_column") }));
  else {
    out.push(h("p", { text: t("report.two_way_stats", { mean: num(two.mean, 2), median: num(two.median, 2), max: num(two.max, 2) }) }));
    if (two.interpretation) out.push(h("p", { text: t("metrics.interpretation." + two.interpretation) }));
    const cr = two.cluster_reference;
    if (cr) out.push(h("p", { class: "ev-cluster-ref", text: t("report.two_way_cluster_reference", { column: cr.key, groups: cr.groups, mean: num(cr.mean, 2), sd: num(cr.sd, 2), reps: cr.reps }) }));
    out.push(heatmap(two.matrix, two.columns, "spmse", name("two_way"), 1));
    out.push(h("p", { text: t("report.worst_pairs") }));
    out.push(table([[t("report.col.pair"), "S_pMSE"]].concat((two.worst || []).map((w) => [`${w.a} × ${w.b}`, num(w.s_pmse, 2)])),
      t("report.worst_pairs"), { numeric: [1] }));
  }
  const a = p.association;
  out.push(h("h4", { text: name("association") }), h("p", { class: "help", text: t("report.association_intro") }));
  if (!ok(a)) return out.concat(notComputed(a));
  if ((a.columns || []).length < 2) return out.concat(h("p", { text: t("report.one_column") }));
  out.push(h("p", { text: t("report.association_stats", { mean: num(a.mean_abs_difference, 3), max: num(a.max_abs_difference, 3) }) }));
  out.push(h("div", { class: "ev-heat-row" },
    heatmap(a.real, a.columns, "assoc", `${name("association")}: ${t("report.real")}`, 2),
    heatmap(a.synthetic, a.columns, "assoc", `${name("association")}: ${t("report.synthetic")}`, 2)));
  out.push(heatmap(a.difference, a.columns, "diff", t("report.difference"), 2));
  return out;
}

// -- combinations
function combinationsView(r) {
  const s = (r.combinations || {}).categories;
  const out = [h("p", { class: "help", text: t("report.combinations_intro") })];
  if (!ok(s)) return out.concat(notComputed(s));
  if ((s.left_out || []).length) {
    out.push(h("p", { class: "help left-out", text: t("report.left_out_combinations", { columns: s.left_out.map((x) => x.column).join(", ") }) }));
  }
  if (!(s.columns || []).length) return out.concat(h("p", { text: t("metrics.reason.no_categorical_columns") }));
  const hold = (r.data || {}).holdout;
  out.push(h("h4", { text: t("report.impossible_h") }));
  out.push(table([[t("report.col.measure"), t("report.synthetic"), t("report.col.holdout_natural")],
    [t("report.unseen_pair"), pct(s.unseen_pair_share, 2), hold ? pct(s.unseen_pair_share_holdout, 2) : "–"],
    [t("report.unseen_full"), pct(s.unseen_full_share, 2), hold ? pct(s.unseen_full_share_holdout, 2) : "–"]],
  t("report.impossible_h"), { numeric: [1, 2] }));
  out.push(h("p", { class: "help", text: t("report.impossible_explain") }));
  if ((s.unseen_pairs || []).length) {
    out.push(h("p", { text: t("report.unseen_pairs_top", { n: fmtInt(s.n_unseen_pairs || 0) }) }));
    out.push(table([[t("report.col.combination"), t("report.col.synthetic_rows")]].concat(s.unseen_pairs.map((u) =>
      [`${u.a} = ${levelText(u.a_value)} & ${u.b} = ${levelText(u.b_value)}`, fmtInt(u.synthetic)])), t("report.impossible_h"), { numeric: [1] }));
  }
  out.push(h("h4", { text: t("report.top_combinations_h") }), h("p", { text: t("report.top_combinations", { columns: s.columns.join(", ") }) }));
  out.push(table([[t("report.col.combination"), t("report.real"), t("report.synthetic")]].concat((s.top || []).map((c) =>
    [c.values.map(levelText).join(" · "), pct(c.real_share, 2), pct(c.synthetic_share, 2)])), t("report.top_combinations_h"), { numeric: [1, 2] }));
  return out;
}

// -- analysis
function termLabel(x) {
  if (x.term === "per_sd") return t("report.term.per_sd", { column: x.column });
  if (x.term === "per_unit") return t("report.term.per_unit", { column: x.column });
  if (x.term === "(intercept)") return t("report.term.intercept");
  if (x.term === "missing") return t("report.term.missing", { column: x.column });
  if (x.term === "level") return t("report.term.level", { column: x.column, level: levelText(x.level), reference: levelText(x.reference) });
  return `${x.column || ""} ${x.term}`;
}
const est = (v) => (v ? `${num(v[0], 3)} [${num(v[1], 3)}; ${num(v[2], 3)}]` : "–");

function analysisView(r) {
  const a = r.analysis || {};
  const out = [h("h4", { text: name("ml") }), h("p", { class: "help", text: t("report.ml_intro") })];
  const ml = a.ml;
  if (!ok(ml)) out.push(notComputed(ml));
  else {
    out.push(table([[t("report.col.trained_on"), t("report.score." + ml.metric)],
      [t("report.trained_real", { n: fmtInt(ml.n_train) }), num(ml.real_score, 3)],
      [t("report.trained_synthetic", { n: fmtInt(ml.n_synthetic) }), num(ml.synthetic_score, 3)],
      [t("report.ratio"), num(ml.ratio, 3)]], name("ml"), { numeric: [1] }));
    out.push(h("p", { class: "help", text: t("report.ml_details", { target: ml.target, task: t("report.task." + ml.task), holdout: fmtInt(ml.n_holdout) }) }));
    if ((ml.left_out || []).length) out.push(leftOut(ml));
  }
  const c = a.ci_overlap;
  out.push(h("h4", { text: name("ci_overlap") }), h("p", { class: "help", text: t("report.ci_intro") }));
  if (!ok(c)) return out.concat(notComputed(c));
  if ((c.left_out || []).length) out.push(leftOut(c));
  if ((c.aliased || []).length) out.push(h("p", { id: "ev-ci-aliased", class: "notice", text: t("report.fit_aliased", { terms: c.aliased.map(termLabel).join(", ") }) }));
  out.push(h("p", { text: t("report.ci_mean", { value: num(c.mean_overlap, 3) }) }));
  const terms = (c.terms || []).filter((x) => x.term !== "(intercept)" && x.overlap !== null).sort((x, y) => x.overlap - y.overlap);
  out.push(table([[t("report.col.term"), t("report.real"), t("report.synthetic"), t("report.col.overlap")]].concat(
    terms.map((x) => [termLabel(x), est(x.real), est(x.synthetic), num(x.overlap, 2)])), name("ci_overlap"), { numeric: [3] }));
  return out;
}

/** Issue 14: the CAP family, isolated records copied closely (counts and distances only), the roles used. */
function issue14Disclosure(r) {
  const d = r.disclosure || {};
  const out = [h("h4", { text: name("cap") }), h("p", { class: "help", text: t("report.cap_intro") })];
  const cap = d.cap;
  if (ok(cap)) {
    out.push(h("p", { text: t("report.cap_keys", { keys: (cap.keys || []).join(", "), target: cap.target }) }));
    out.push(table([[t("report.col.measure"), t("report.col.value")], ["BaseCAP", num(cap.base_cap, 3)], ["CAPo", num(cap.cap_o, 3)],
      ["CAPs", num(cap.cap_s, 3)], ["hCAPs", num(cap.h_cap_s, 3)]], name("cap"), { numeric: [1] }));
    out.push(h("p", { id: "ev-cap-norm", text: cap.basis === "holdout"
      ? t("report.cap_normalised_holdout", { value: num(cap.normalised, 3), reduction: pct(cap.reduction, 1) })
      : t("report.cap_normalised_base", { value: num(cap.normalised, 3) }) }));
  } else out.push(notComputed(cap));
  const iso = d.isolated;
  out.push(h("h4", { text: name("isolated") }), h("p", { class: "help", text: t("report.isolated_intro") }));
  if (ok(iso)) {
    out.push(h("p", { id: "ev-isolated", text: t("report.isolated_result", { examined: fmtInt(iso.n_examined), outliers: fmtInt(iso.n_outliers),
      cut: num(iso.rrd_cut, 3), copied: fmtInt(iso.n_copied), threshold: num(iso.srd_threshold, 3), closer: pct(iso.share_closer_synthetic, 1) }) }));
    if (iso.n_holdout_outliers !== null && iso.n_holdout_outliers !== undefined) {
      out.push(h("p", { text: t("report.isolated_natural", { copied: fmtInt(iso.n_holdout_copied), outliers: fmtInt(iso.n_holdout_outliers) }) }));
    }
    const pts = iso.points || {};
    if ((pts.rrd || []).length) out.push(isolatedScatter(pts, iso.rrd_cut, iso.srd_threshold));
  } else out.push(notComputed(iso));
  const sug = ((r.options || {}).suggested || {});
  const roles = sug.roles;
  if (roles) {
    const reason = (x) => `${x.column} (${t("roles.reason." + x.reason)})`;
    out.push(h("h4", { text: t("report.roles_h") }));
    // "suggested and used" only when no role was chosen in the options (runner: suggested.used)
    const key = (sug.used || []).length === 3 ? "report.roles_used" : "report.roles_suggested_chosen";
    out.push(h("p", { id: "ev-roles", text: t(key, { target: roles.target ? reason(roles.target) : "–",
      sensitive: roles.sensitive ? roles.sensitive.column : "–", qi: (roles.quasi_identifiers || []).map(reason).join(", ") || "–" }) }));
    if ((roles.skipped || []).length) out.push(h("p", { class: "help", text: t("report.roles_skipped", { columns: roles.skipped.map(reason).join(", ") }) }));
  }
  return out;
}

function isolatedScatter(pts, cut, threshold) {
  const W = 360, H = 240, L = 44, B = 30;
  const xmax = Math.max(...pts.rrd, cut || 0) || 1;
  const ymax = Math.max(...pts.srd, threshold || 0) || 1;
  const x = (v) => L + (v / xmax) * (W - L - 8);
  const y = (v) => H - B - (v / ymax) * (H - B - 8);
  const dots = pts.rrd.map((v, i) => svg("circle", { cx: x(v).toFixed(1), cy: y(pts.srd[i]).toFixed(1), r: 1.6, fill: SYN, "fill-opacity": 0.6 }));
  const lines = [];
  if (cut !== null && cut !== undefined) lines.push(svg("line", { x1: x(cut), x2: x(cut), y1: 8, y2: H - B, stroke: "#888", "stroke-dasharray": "4 3" }));
  if (threshold !== null && threshold !== undefined) lines.push(svg("line", { x1: L, x2: W - 8, y1: y(threshold), y2: y(threshold), stroke: REAL, "stroke-dasharray": "2 2" }));
  const axisText = (tx, ty, s) => { const el = svg("text", { x: tx, y: ty, "font-size": 10, "text-anchor": "middle" }); el.textContent = s; return el; };
  return svg("svg", { class: "ev-plot ev-scatter", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": t("report.isolated_plot") },
    svg("line", { x1: L, x2: W - 8, y1: H - B, y2: H - B, stroke: "#444" }), svg("line", { x1: L, x2: L, y1: 8, y2: H - B, stroke: "#444" }),
    ...lines, ...dots, axisText((L + W) / 2, H - 6, "RRD"), axisText(14, (H - B) / 2, "SRD"));
}

/** The combined fit against the real fit on synthpop's Z scale (compare.fit's plot = "Z"): per
 * coefficient (intercept left out) the real interval z_real ± 1.96 and the synthetic one shifted by the
 * standardised difference, as compare.fit draws them for population.inference = FALSE. */
function fitPlot(f) {
  const z = 1.959964;
  const rows = (f.terms || []).filter((x) => x.term !== "(intercept)" && x.std_diff !== null && x.std_diff !== undefined
    && x.real && x.real.se > 0).slice(0, 24).map((x) => {
    const zr = x.real.estimate / x.real.se;
    return { label: termLabel(x), zr, zs: zr + x.std_diff };
  });
  if (!rows.length) return null;
  const W = 520, L = 170, R = 12, T = 22, RowH = 22, B = 28;
  const H = T + rows.length * RowH + B;
  const lo = Math.min(0, ...rows.map((r) => Math.min(r.zr, r.zs) - z));
  const hi = Math.max(0, ...rows.map((r) => Math.max(r.zr, r.zs) + z));
  const x = (v) => L + ((v - lo) / (hi - lo || 1)) * (W - L - R);
  const txt = (tx, ty, s, anchor = "middle") => { const el = svg("text", { x: tx, y: ty, "font-size": 10, "text-anchor": anchor }); el.textContent = s; return el; };
  const parts = [svg("line", { x1: x(0), x2: x(0), y1: T - 4, y2: H - B, stroke: "#999", "stroke-dasharray": "4 3" }),
    svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#444" })];
  rows.forEach((r, i) => {
    const y0 = T + i * RowH + 7;
    parts.push(txt(L - 6, y0 + 5, r.label.length > 28 ? r.label.slice(0, 27) + "…" : r.label, "end"));
    for (const [c, yy, colour] of [[r.zr, y0, REAL], [r.zs, y0 + 8, SYN]]) {
      parts.push(svg("line", { x1: x(c - z).toFixed(1), x2: x(c + z).toFixed(1), y1: yy, y2: yy, stroke: colour, "stroke-width": 2 }),
        svg("circle", { cx: x(c).toFixed(1), cy: yy, r: 3, fill: colour }));
    }
  });
  parts.push(txt((L + W - R) / 2, H - 6, t("report.fit_plot_axis")));
  parts.push(svg("circle", { cx: L, cy: 8, r: 3, fill: REAL }), txt(L + 6, 11, t("report.real"), "start"),
    svg("circle", { cx: L + 90, cy: 8, r: 3, fill: SYN }), txt(L + 96, 11, t("report.synthetic"), "start"));
  return svg("svg", { id: "ev-fit-plot", class: "ev-plot", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": t("report.fit_plot") }, ...parts);
}

/** Issue 14: the model on the m synthetic data sets, combined by synthpop's rules, against the real fit. */
function fitView(r) {
  const f = (r.analysis || {}).fit;
  const out = [h("h4", { text: name("fit") }), h("p", { class: "help", text: t("report.fit_intro") })];
  if (!ok(f)) return out.concat(notComputed(f));
  const common = { target: f.target, predictors: (f.predictors || []).join(", "), m: fmtInt(f.m), k: fmtInt(f.k), n: fmtInt(f.n) };
  out.push(h("p", { text: f.model === "logistic"
    ? t("report.fit_model_logistic", { ...common, level: levelText(f.positive_class) }) : t("report.fit_model_linear", common) }));
  if ((f.left_out || []).length) out.push(leftOut(f));
  if ((f.aliased || []).length) out.push(h("p", { id: "ev-fit-aliased", class: "notice", text: t("report.fit_aliased", { terms: f.aliased.map(termLabel).join(", ") }) }));
  if (f.degenerate) return out.concat(h("p", { id: "ev-fit-degenerate", class: "notice", text: t("report.fit_degenerate") }));
  if ((f.m || 1) < 2) out.push(h("p", { class: "help", text: t("report.fit_single") }));
  out.push(h("p", { id: "ev-fit-means", text: t("report.fit_means", { sd: num(f.mean_abs_std_diff, 2), overlap: num(f.mean_overlap, 3) }) }));
  const lof = f.lack_of_fit;
  if (lof) out.push(h("p", { class: "help", text: t("report.fit_lof", { stat: num(lof.statistic, 2), df: fmtInt(lof.df), p: num(lof.p_value, 4), ratio: num(lof.ratio, 2) }) }));
  const plot = fitPlot(f);
  if (plot) out.push(plot);
  const withSe = (v, se) => `${num(v, 3)} (${num(se, 3)})`;
  out.push(table([[t("report.col.term"), t("report.col.estimate_real"), t("report.col.estimate_syn"), t("report.col.se_population"),
    t("report.col.std_diff"), t("report.col.overlap")]].concat((f.terms || []).map((x) => [termLabel(x),
    withSe(x.real.estimate, x.real.se), withSe(x.synthetic.estimate, x.synthetic.se), num(x.synthetic.se_population, 3),
    num(x.std_diff, 2), num(x.overlap, 2)])), name("fit"), { numeric: [1, 2, 3, 4, 5] }));
  return out;
}

// -- structure (issue 10; evaluation/structure.py)
function structureView(r) {
  const s = r.structure;
  const out = [h("p", { class: "help", text: t("report.structure_intro") })];
  if (!ok(s)) return out.concat(notComputed(s));
  if (!(s.groups || []).length && !(s.dependencies || []).length && !(s.derived || []).length) {
    return out.concat(h("p", { class: "muted", text: t("metrics.reason.no_structure") }));
  }
  for (const g of s.groups || []) {
    out.push(h("h4", { text: t("report.structure_group_h", { group: g.key }) }),
      h("p", { text: t("report.structure_group_counts", { real: fmtInt(g.n_groups_real), synthetic: fmtInt(g.n_groups_synthetic) }) }));
    const rows = [[t("report.structure_col.check"), t("report.structure_col.real_groups"), t("report.structure_col.groups"), t("report.structure_col.rows")]];
    for (const a of g.attributes || []) {
      rows.push([t("report.structure_attribute", { column: a.column }), pct(a.real_share_groups), pct(a.share_groups), pct(a.share_rows)]);
    }
    const n = g.nesting;
    if (n) rows.push([t("report.structure_nesting", { group: g.key, parent: n.parent }), pct(n.real_share_groups), pct(n.share_groups), pct(n.share_rows)]);
    if (rows.length > 1) out.push(table(rows, t("report.structure_group_h", { group: g.key }), { numeric: [1, 2, 3] }));
    if ((g.icc || []).length) {
      out.push(table([[t("report.structure_col.member"), t("report.structure_col.icc_real"), t("report.structure_col.icc_synthetic")]]
        .concat(g.icc.map((x) => [x.column, num(x.real, 3), num(x.synthetic, 3)])), "ICC(1)", { numeric: [1, 2] }));
    }
    const sz = g.sizes || {};
    if (sz.real && sz.synthetic) {
      out.push(table([[t("report.structure_col.sizes")].concat((sz.probs || []).map((p) => pct(p, 0))),
        [t("report.real")].concat(sz.real.quantiles.map((q) => num(q, 0))),
        [t("report.synthetic")].concat(sz.synthetic.quantiles.map((q) => num(q, 0)))],
      t("report.plot.group_sizes", { group: g.key }), { numeric: (sz.probs || []).map((_, k) => k + 1) }));
      if (sz.histogram) out.push(sizePlot(g.key, sz.histogram));
    }
  }
  if ((s.dependencies || []).length) {
    out.push(h("h4", { text: t("report.structure_dependencies_h") }),
      table([[t("report.structure_col.dependency"), t("report.structure_col.real_rows"), t("report.structure_col.mapping_rows"), t("report.structure_col.functional_groups")]]
        .concat(s.dependencies.map((d) => [`${d.from} → ${d.to}`, pct(d.real_share_rows), pct(d.share_rows), pct(d.share_groups)])),
      t("report.structure_dependencies_h"), { numeric: [1, 2, 3] }));
  }
  if ((s.derived || []).length) {
    out.push(h("h4", { text: t("report.structure_derived_h") }),
      table([[t("report.structure_col.derived"), t("report.structure_col.formula"), t("report.structure_col.rows"), t("report.structure_col.exact")]]
        .concat(s.derived.map((d) => [d.column, d.formula || d.kind || "", d.status === "ok" ? pct(d.share_rows, 2) : t("metrics.reason.not_computed"),
          d.status === "ok" ? t(d.exact ? "report.yes" : "report.no") : "–"])),
      t("report.structure_derived_h"), { numeric: [2] }));
  }
  out.push(h("p", { class: "help", text: t("report.structure_rule") }));
  return out;
}

/** Shares of groups per size bin, real vs synthetic, as SVG bars. */
function sizePlot(key, hist) {
  const W = 480, H = 170, L = 40, B = 30, T = 22;
  const k = hist.real.length;
  const top = Math.max(...hist.real, ...hist.synthetic, 0.01);
  const bw = (W - L - 10) / Math.max(k, 1);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const bars = [];
  for (let i = 0; i < k; i++) {
    const x0 = L + i * bw;
    bars.push(svg("rect", { x: x0 + bw * 0.1, y: y(hist.real[i]), width: bw * 0.4, height: H - B - y(hist.real[i]), fill: REAL }),
      svg("rect", { x: x0 + bw * 0.5, y: y(hist.synthetic[i]), width: bw * 0.4, height: H - B - y(hist.synthetic[i]), fill: SYN }));
  }
  const edges = hist.edges;
  const title = t("report.plot.group_sizes", { group: key });
  return svg("svg", { class: "ev-plot ev-sizes", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title },
    svg("title", {}, title),
    svg("text", { x: L, y: 14, class: "ev-tick" }, title),
    svg("line", { x1: L, y1: H - B, x2: W - 10, y2: H - B, stroke: "#888" }),
    svg("text", { x: L, y: H - B + 14, class: "ev-tick" }, num(edges[0], 0)),
    svg("text", { x: W - 10, y: H - B + 14, class: "ev-tick", "text-anchor": "end" }, num(edges[edges.length - 1], 0)),
    svg("text", { x: (W + L) / 2, y: H - 4, class: "ev-tick", "text-anchor": "middle" }, t("report.plot.rows_per_group")),
    svg("text", { x: 2, y: T + 8, class: "ev-tick" }, pct(top, 0)),
    svg("rect", { x: W - 150, y: 4, width: 10, height: 10, fill: REAL }), svg("text", { x: W - 136, y: 13, class: "ev-tick" }, t("report.real")),
    svg("rect", { x: W - 80, y: 4, width: 10, height: 10, fill: SYN }), svg("text", { x: W - 66, y: 13, class: "ev-tick" }, t("report.synthetic")),
    ...bars);
}

// -- disclosure
function disclosureView(r) {
  const d = r.disclosure || {};
  const out = [h("p", { class: "help", text: t("report.disclosure_intro") })];
  const head = (m, intro) => out.push(h("h4", { text: name(m) }), h("p", { class: "help", text: t(intro) }));
  const cp = d.copies;
  head("copies", "report.copies_intro");
  if (ok(cp)) {
    out.push(table([[t("report.col.measure"), t("report.col.value")],
      [t("report.copies_share"), `${pct(cp.share, 2)} (${fmtInt(cp.n_copies)} / ${fmtInt(cp.n_synthetic)})`],
      [t("report.copies_unique"), fmtInt(cp.unique_copies)],
      [t("report.copies_natural"), cp.natural === null || cp.natural === undefined ? t("metrics.reason.no_holdout") : `${pct(cp.natural, 2)} (${fmtInt(cp.n_natural)} / ${fmtInt(cp.n_holdout)})`]],
    name("copies")));
  } else out.push(notComputed(cp));
  const ru = d.rep_u;
  head("rep_u", "report.rep_u_intro");
  if (ok(ru)) {
    out.push(table([[t("report.col.columns"), "repU", t("report.col.replicated"), t("report.col.unique_real"), t("report.col.unique_synthetic")]].concat(
      ["quasi_identifiers", "all_columns"].map((k) => {
        const x = ru[k] || {};
        return [`${t("report.rep_u." + k)}: ${(x.columns || []).join(", ")}`, pctValue(x.rep_u, 2), fmtInt(x.n_replicated), fmtInt(x.n_unique_real), fmtInt(x.n_unique_synthetic)];
      })), name("rep_u"), { numeric: [1, 2, 3, 4] }));
  } else out.push(notComputed(ru));
  const dc = d.disco;
  head("disco", "report.disco_intro");
  if (ok(dc)) {
    const tr = dc.train || {};
    out.push(h("p", { text: t("report.disco_keys", { keys: (tr.keys || []).join(", "), target: tr.target }) }));
    out.push(table([[t("report.col.records"), "DiSCO", "DiS", t("report.col.in_synthetic"), t("report.col.number")]].concat(
      ["train", "holdout"].map((k) => {
        const x = dc[k];
        return x ? [t("report.disco." + k), pctValue(x.disco, 2), pctValue(x.dis, 2), pctValue(x.in_synthetic, 1), fmtInt(x.n)]
          : [t("report.disco." + k), "–", "–", "–", "–"];
      })), name("disco"), { numeric: [1, 2, 3, 4] }));
  } else out.push(notComputed(dc));
  const inf = d.inference;
  head("inference", "report.inference_intro");
  if (ok(inf)) {
    const rate = (x, c) => (x === null || x === undefined ? "–" : `${pct(x)} (${t("report.ci", { low: pct((c || [])[0]), high: pct((c || [])[1]) })})`);
    out.push(table([[t("report.col.measure"), t("report.col.value")],
      [t("report.inference_risk"), `${num(inf.risk, 3)} (${ci(inf.ci_low, inf.ci_high)})`],
      [t("report.inference_main", { n: fmtInt(inf.n_main) }), rate(inf.main_rate, inf.main_ci)],
      [t("report.inference_control", { n: fmtInt(inf.n_control) }), rate(inf.control_rate, inf.control_ci)]], name("inference")));
    out.push(h("p", { class: "help", text: t("report.inference_known", { secret: inf.secret, known: (inf.known || []).join(", ") }) }));
  } else out.push(notComputed(inf));
  const mem = d.membership;
  head("membership", "report.membership_intro");
  out.push(ok(mem)
    ? h("p", { text: t("report.membership_result", { auc: num(mem.auc, 3), ci: ci(mem.ci_low, mem.ci_high), members: fmtInt(mem.n_members), nonmembers: fmtInt(mem.n_nonmembers) }) })
    : notComputed(mem));
  const dcr = d.dcr;
  head("dcr", "report.dcr_intro");
  out.push(ok(dcr)
    ? h("p", { text: t("report.dcr_result", { train: num(dcr.median_train, 4), holdout: num(dcr.median_holdout, 4), ratio: num(dcr.ratio, 2), zero_train: pct(dcr.zero_train, 2), zero_holdout: pct(dcr.zero_holdout, 2) }) })
    : notComputed(dcr));
  return out;
}

/** Issue 10: the group keys a structured synthesis redrew, left out of the analysis' predictors. */
function leftOut(res) {
  return h("p", { class: "help left-out", text: t("report.left_out_group_keys", { columns: res.left_out.map((x) => x.column).join(", ") }) });
}

/** Share of each level against its rank, both axes on a log scale: real solid, synthetic dashed. */
function rankPlot(rk, label) {
  const W = 320;
  const H = 130;
  const L = 34;
  const B = 22;
  const sides = [[rk.real, REAL, null], [rk.synthetic, SYN, "4 3"]].filter(([c]) => c && c.ranks.length);
  const vals = sides.flatMap(([c]) => c.shares).filter((v) => v > 0);
  if (!vals.length) return h("p", { class: "muted", text: t("report.no_values") });
  const last = Math.max(...sides.map(([c]) => c.ranks[c.ranks.length - 1]), 2);
  const x1 = Math.log10(last);
  const ymax = Math.log10(Math.max(...vals));
  const ymin = Math.min(Math.log10(Math.min(...vals)), ymax - 1);
  const X = (r) => L + (Math.log10(Math.max(r, 1)) / x1) * (W - L - 6);
  const Y = (v) => 4 + ((ymax - Math.log10(Math.max(v, 10 ** ymin))) / (ymax - ymin || 1)) * (H - 8);
  const line = ([c, colour, dash]) => svg("polyline", { fill: "none", stroke: colour, "stroke-width": 1.6,
    "stroke-dasharray": dash, points: c.ranks.map((r, i) => `${X(r).toFixed(1)},${Y(c.shares[i]).toFixed(1)}`).join(" ") });
  const tick = (v) => v.toLocaleString(lang(), { maximumSignificantDigits: 2, style: "percent" });
  return svg("svg", { viewBox: `0 0 ${W} ${H + B}`, class: "ev-plot ev-rank", role: "img", "aria-label": label },
    svg("title", {}, label),
    svg("line", { x1: L, x2: W - 6, y1: H, y2: H, stroke: "#8c959f", "stroke-width": 0.6 }),
    svg("line", { x1: L, x2: L, y1: 4, y2: H, stroke: "#8c959f", "stroke-width": 0.6 }),
    sides.map(line),
    svg("text", { x: L - 3, y: 10, "text-anchor": "end", class: "ev-tick" }, tick(10 ** ymax)),
    svg("text", { x: L - 3, y: H, "text-anchor": "end", class: "ev-tick" }, tick(10 ** ymin)),
    svg("text", { x: L, y: H + 11, class: "ev-tick" }, "1"),
    svg("text", { x: W - 6, y: H + 11, "text-anchor": "end", class: "ev-tick" }, fmtInt(last)),
    svg("text", { x: (L + W) / 2, y: H + 20, "text-anchor": "middle", class: "ev-tick" }, t("report.rank_axis")));
}
