// Method dp: the privacy-utility curve of the loaded table (issue 12; py_engine/dp/curve.py, PROTOCOL.md
// "dp_curve"): on request, a dp synthesis per epsilon with the Settings step's dp settings, scored
// against the real rows, with progress and cancel. Shown on the Settings step only: the figures look
// at the real rows, so they are for the data steward choosing epsilon, not for release.
import { $, fmtNumber, h, svg } from "./dom.js";
import { errorText, lang, t } from "./i18n.js";
import * as settings from "./settings.js";
import { state } from "./state.js";

let ctx;
let run = null; // {promise, progress}
let shown = null; // {summary, curve} | {summary, error} | {summary, stopped}

export function init(c) {
  ctx = c;
  $("#dp-curve").addEventListener("click", start);
  $("#dp-curve-cancel").addEventListener("click", cancel);
}

function start() {
  if (run) return;
  const p = settings.payload();
  if (!p || p.method !== "dp") {
    settings.render();
    return;
  }
  const summary = state.summary;
  const promise = ctx.engine.dpCurve({ ...p, holdout: 0 }, (prog) => {
    if (run && run.promise === promise) {
      run.progress = prog;
      render();
    }
  });
  run = { promise, progress: null };
  shown = null;
  render();
  promise.then((curve) => { shown = { summary, curve }; }, (err) => {
    const info = (err && err.info) || {};
    shown = info.code === "cancelled" || info.kind === "cancelled" ? { summary, stopped: true } : { summary, error: err };
  }).finally(() => {
    run = null;
    render();
    $("#dp-curve-status").focus();
  });
}

function cancel() {
  if (run) ctx.engine.cancel(run.promise);
}

export function render() {
  const box = $("#dp-curve-box");
  if (!box) return;
  if (shown && shown.summary !== state.summary) shown = null; // another table: its curve is gone
  // not while the worker restarts after a cancel that took too long (the file is being sent again)
  $("#dp-curve").disabled = Boolean(run) || Boolean(state.run) || Boolean(state.restarting);
  $("#dp-curve-cancel").hidden = !run;
  const bar = $("#dp-curve-progress");
  bar.hidden = !run;
  const status = $("#dp-curve-status");
  const out = $("#dp-curve-out");
  if (run) {
    const p = run.progress;
    if (p && p.stage === "dp_curve") bar.value = (p.step - 1) / p.total;
    else bar.removeAttribute("value");
    // progress of the curve itself carries its epsilon; any other progress (e.g. packages still
    // loading) shows as starting
    const eps = p && p.stage === "dp_curve" && p.params ? p.params.epsilon : null;
    status.textContent = eps !== null && eps !== undefined
      ? t("settings.dp_curve_progress", { epsilon: fmtNumber(eps, 1), step: p.step, total: p.total })
      : t("settings.dp_curve_starting");
    out.replaceChildren();
    return;
  }
  if (!shown) {
    status.textContent = "";
    out.replaceChildren();
    return;
  }
  if (shown.stopped) {
    status.textContent = t("settings.dp_curve_stopped");
    out.replaceChildren();
    return;
  }
  if (shown.error) {
    status.textContent = errorText(shown.error.info || shown.error);
    out.replaceChildren();
    return;
  }
  status.textContent = t("settings.dp_curve_done");
  const pts = shown.curve.points || [];
  const rows = pts.map((q) => h("tr", {},
    h("td", { class: "num", text: fmtNumber(q.epsilon, 1) }),
    h("td", { class: "num", text: q.two_way === null ? "–" : fmtNumber(q.two_way, 1) }),
    h("td", { class: "num", text: q.copies === null ? "–" : (100 * q.copies).toLocaleString(lang(), { maximumFractionDigits: 2 }) + "%" })));
  out.replaceChildren(plot(pts),
    h("table", { class: "data dp-curve-table" },
      h("caption", { text: t("settings.dp_curve_caption") }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "ε" }), h("th", { scope: "col", text: t("settings.dp_curve_two_way") }),
        h("th", { scope: "col", text: t("settings.dp_curve_copies") }))),
      h("tbody", {}, rows)),
    h("p", { class: "help", text: t("settings.dp_curve_reading") }));
}


/** Mean two-way S_pMSE against epsilon, both on a log scale (lower is better). */
function plot(pts) {
  const ok = pts.filter((q) => q.two_way > 0);
  if (ok.length < 2) return h("span");
  const W = 320;
  const H = 140;
  const L = 36;
  const B = 26;
  const xs = ok.map((q) => Math.log10(q.epsilon));
  const ys = ok.map((q) => Math.log10(q.two_way));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const y1 = Math.max(...ys, 1);
  const y0 = Math.min(...ys, 0);
  const X = (v) => L + ((v - x0) / (x1 - x0 || 1)) * (W - L - 10);
  const Y = (v) => 6 + ((y1 - v) / (y1 - y0 || 1)) * (H - 12);
  const label = t("settings.dp_curve_plot");
  return svg("svg", { viewBox: `0 0 ${W} ${H + B}`, class: "ev-plot dp-curve-plot", role: "img", "aria-label": label },
    svg("title", {}, label),
    svg("line", { x1: L, x2: W - 6, y1: H, y2: H, stroke: "#8c959f", "stroke-width": 0.6 }),
    svg("line", { x1: L, x2: L, y1: 4, y2: H, stroke: "#8c959f", "stroke-width": 0.6 }),
    svg("line", { x1: L, x2: W - 6, y1: Y(0), y2: Y(0), stroke: "#8c959f", "stroke-dasharray": "3 3", "stroke-width": 0.6 }),
    svg("polyline", { fill: "none", stroke: "#1f5fa8", "stroke-width": 1.8, points: ok.map((q, i) => `${X(xs[i]).toFixed(1)},${Y(ys[i]).toFixed(1)}`).join(" ") }),
    ok.map((q, i) => svg("circle", { cx: X(xs[i]).toFixed(1), cy: Y(ys[i]).toFixed(1), r: 2.5, fill: "#1f5fa8" },
      svg("title", {}, `ε ${fmtNumber(q.epsilon, 1)}: ${fmtNumber(q.two_way, 1)}`))),
    ok.map((q, i) => svg("text", { x: X(xs[i]).toFixed(1), y: H + 11, "text-anchor": "middle", class: "ev-tick" }, fmtNumber(q.epsilon, 1))),
    svg("text", { x: L - 3, y: Y(y1) + 4, "text-anchor": "end", class: "ev-tick" }, fmtNumber(10 ** y1, 0)),
    svg("text", { x: L - 3, y: Y(0) + 3, "text-anchor": "end", class: "ev-tick" }, "1"),
    svg("text", { x: (L + W) / 2, y: H + 23, "text-anchor": "middle", class: "ev-tick" }, t("settings.dp_curve_axis")));
}
