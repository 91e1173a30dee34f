// Settings tuned per table (issue 13; py_engine/optimise.py, PROTOCOL.md "settings.optimise"):
// the chosen settings and the utility-risk front on the result step, and applying the chosen
// settings to the Settings step. The search is started from settings.js and shown by generate.js.
import { $, fmtInt, fmtNumber, h, svg } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

export const DEFAULT_BUDGET = 17_300_000; // py_engine.optimise.DEFAULT_BUDGET
export const MIN_BUDGET = 1000;
const REAL = "#1f5fa8";
const CHOSEN = "#e08214";
const DP = "#7b3294";

export function init() {}

/** The chosen settings, in words (optimisation.settings as the engine recorded them). */
export function settingsText(o) {
  const s = o.settings || {};
  if (s.method !== "cart") return t("method." + s.method);
  const cand = (o.candidates || []).find((c) => c.id === o.chosen) || {};
  const visit = cand.visit ? t("optimise.visit." + cand.visit)
    : s.visit_sequence ? t("optimise.visit.given") : t("optimise.visit.table");
  const text = t("optimise.settings_cart", {
    minbucket: fmtInt(s.minbucket), smoothing: t("smoothing." + s.smoothing).split(/[:(]/)[0].trim(), visit,
  });
  return s.proper ? t("optimise.settings_proper", { settings: text }) : text;
}

/** A run finished with a search: its chosen settings become the Settings step's, so generating again
 * (or looking at the settings) uses what was chosen. */
export function applyChosen(result) {
  const o = result && result.optimisation;
  if (!o || !o.chosen || !o.settings) return false;
  const s = state.settings;
  const c = o.settings;
  s.method = c.method;
  if (c.method === "cart") {
    s.minbucket = c.minbucket === null || c.minbucket === undefined ? "" : String(c.minbucket);
    s.smoothing = c.smoothing || s.smoothing;
    s.visit_sequence = Array.isArray(c.visit_sequence) ? c.visit_sequence.slice() : null;
    if (typeof c.proper === "boolean") s.proper = c.proper;
  }
  return true;
}

/** The candidates compared in the last round as points (x: membership AUC, y: utility). */
export function frontPoints(o) {
  const compared = new Set(o.compared || []);
  const front = new Set(o.front || []);
  const out = [];
  for (const c of o.candidates || []) {
    if (!compared.has(c.id) || !c.rounds || !c.rounds.length) continue;
    const sc = c.rounds[c.rounds.length - 1].score || {};
    if (sc.utility === null || sc.utility === undefined || sc.auc === null || sc.auc === undefined) continue;
    out.push({ id: c.id, x: sc.auc, y: sc.utility, front: front.has(c.id), chosen: c.id === o.chosen,
               default: c.id === o.default });
  }
  return out;
}

/** The DP runs scored after the choice (`optimisation.dp.points`) as points; never candidates. */
export function dpPoints(o) {
  const pts = (o.dp && o.dp.points) || [];
  return pts.filter((p) => p.utility !== null && p.utility !== undefined && p.auc !== null && p.auc !== undefined)
    .map((p) => ({ epsilon: p.epsilon, x: p.auc, y: p.utility }));
}

function epsilonsText(o) {
  return ((o.dp && o.dp.epsilons) || []).map((e) => fmtNumber(e, 0)).join(", ");
}

function ticks(lo, hi, n = 4) {
  const out = [];
  for (let i = 0; i <= n; i++) out.push(lo + ((hi - lo) * i) / n);
  return out;
}

/** The front as an SVG scatter plot: grey points, the front joined in blue, the defaults a square,
 * the chosen one an orange ring, the DP runs (`dpPoints`) triangles; each point has a title. */
export function frontPlot(o) {
  const pts = frontPoints(o);
  const dp = dpPoints(o);
  const W = 520;
  const H = 290;
  const L = 52;
  const R = 150;
  const T = 10;
  const B = 40;
  const label = t("optimise.plot_label");
  const plot = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "ev-plot front-plot", id: "front-plot", role: "img",
                            "aria-label": label, "data-points": pts.length }, svg("title", {}, label));
  if (!pts.length) return plot;
  const xs = pts.concat(dp).map((p) => p.x);
  const ys = pts.concat(dp).map((p) => p.y);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const padX = Math.max((x1 - x0) * 0.08, 0.005);
  const padY = Math.max((y1 - y0) * 0.08, 0.05);
  [x0, x1, y0, y1] = [x0 - padX, x1 + padX, Math.max(0, y0 - padY), y1 + padY];
  const X = (v) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const Y = (v) => H - B - ((v - y0) / (y1 - y0)) * (H - T - B);
  plot.append(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#999" }));
  for (const v of ticks(x0, x1)) {
    plot.append(svg("text", { x: X(v), y: H - B + 12, "text-anchor": "middle", class: "ev-tick" }, fmtNumber(v, 3)));
  }
  for (const v of ticks(y0, y1)) {
    plot.append(svg("text", { x: L - 4, y: Y(v) + 3, "text-anchor": "end", class: "ev-tick" }, fmtNumber(v, 2)));
  }
  plot.append(svg("text", { x: L + (W - L - R) / 2, y: H - 6, "text-anchor": "middle", class: "ev-tick" },
    t("optimise.axis_x")));
  const measure = (o.options && o.options.utility) || "two_way";
  plot.append(svg("text", { x: 10, y: T + (H - T - B) / 2, "text-anchor": "middle", class: "ev-tick",
                            transform: `rotate(-90 10 ${T + (H - T - B) / 2})` }, t("optimise.axis_y." + measure)));
  const on = pts.filter((p) => p.front).sort((a, b) => a.x - b.x);
  if (on.length > 1) {
    plot.append(svg("polyline", { points: on.map((p) => `${X(p.x)},${Y(p.y)}`).join(" "), fill: "none",
                                  stroke: REAL, "stroke-width": 1.2 }));
  }
  for (const p of pts) {
    const tip = `${p.id}: AUC ${fmtNumber(p.x, 3)}, S_pMSE ${fmtNumber(p.y, 2)}`;
    plot.append(svg("circle", { cx: X(p.x), cy: Y(p.y), r: 3, fill: p.front ? REAL : "#9a9a9a", "data-id": p.id },
      svg("title", {}, tip)));
    if (p.default) {
      plot.append(svg("rect", { x: X(p.x) - 6, y: Y(p.y) - 6, width: 12, height: 12, fill: "none", stroke: "#222",
                                "stroke-width": 1.2, class: "front-default" }));
    }
    if (p.chosen) {
      plot.append(svg("circle", { cx: X(p.x), cy: Y(p.y), r: 8, fill: "none", stroke: CHOSEN, "stroke-width": 2,
                                  class: "front-chosen" }));
    }
  }
  const tri = (x, y, r) => `${x},${y - r} ${x - r * 0.9},${y + r * 0.6} ${x + r * 0.9},${y + r * 0.6}`;
  for (const p of dp) {
    const tip = `DP ε = ${fmtNumber(p.epsilon, 0)}: AUC ${fmtNumber(p.x, 3)}, S_pMSE ${fmtNumber(p.y, 2)}`;
    plot.append(svg("polygon", { points: tri(X(p.x), Y(p.y), 5), fill: "none", stroke: DP, "stroke-width": 1.5,
                                 class: "front-dp", "data-epsilon": p.epsilon }, svg("title", {}, tip)));
  }
  const lx = W - R + 12;
  const legend = [["other", "#9a9a9a"], ["front", REAL], ["default", "#222"], ["chosen", CHOSEN]];
  if (dp.length) legend.push(["dp", DP]);
  legend.forEach(([k, colour], i) => {
    const y = T + 12 + i * 16;
    plot.append(k === "default"
      ? svg("rect", { x: lx - 4, y: y - 4, width: 8, height: 8, fill: "none", stroke: colour })
      : k === "dp"
        ? svg("polygon", { points: tri(lx, y, 4), fill: "none", stroke: colour, "stroke-width": 1.5 })
        : svg("circle", { cx: lx, cy: y, r: k === "chosen" ? 5 : 3, fill: k === "chosen" ? "none" : colour,
                          stroke: colour, "stroke-width": k === "chosen" ? 2 : 0 }));
    plot.append(svg("text", { x: lx + 9, y: y + 3, class: "ev-tick" },
      t("optimise.legend." + k, k === "dp" ? { epsilons: epsilonsText(o) } : undefined)));
  });
  return plot;
}

export function render() {
  const box = $("#result-optimise");
  if (!box) return;
  const r = state.result;
  const o = r && r.optimisation;
  box.hidden = !o;
  if (!o) {
    box.replaceChildren();
    return;
  }
  const parts = [h("h2", { id: "h-result-optimise", text: t("optimise.result_title") })];
  if (o.skipped) {
    parts.push(h("p", { id: "optimise-chosen", dataset: { chosen: "" },
                        text: t("optimise.skipped", { rows: fmtInt(o.rows), minimum: fmtInt(o.minimum) }) }));
  } else if (!o.chosen) {
    parts.push(h("p", { id: "optimise-chosen", dataset: { chosen: "" }, text: t("optimise.none") }));
  } else {
    parts.push(h("p", { id: "optimise-chosen", dataset: { chosen: o.chosen }, text: t("optimise.chosen", {
      settings: settingsText(o), candidate: o.chosen, compared: fmtInt((o.compared || []).length),
      spent: fmtInt(Math.round(o.spent)), budget: fmtInt(o.budget),
    }) }));
    if (o.reason) parts.push(h("p", { id: "optimise-why", text: t("optimise.reason." + o.reason) }));
    if (o.stopped === "user") parts.push(h("p", { class: "muted", text: t("optimise.stopped") }));
    parts.push(h("p", { class: "help", id: "optimise-applied", text: t("optimise.applied") }));
    parts.push(h("figure", { class: "front" }, frontPlot(o)));
    parts.push(h("p", { class: "help", text: t("optimise.axis_x_help") }));
    parts.push(h("p", { class: "help", text: t("optimise.axis_y_help") }));
    if (dpPoints(o).length) {
      parts.push(h("p", { class: "help", id: "optimise-dp", text: t("optimise.dp_help", { epsilons: epsilonsText(o) }) }));
    } else if (o.dp && ["budget", "user", "groups", "error"].includes(o.dp.skipped)) {
      parts.push(h("p", { class: "help", id: "optimise-dp",
                          text: t("optimise.dp_skipped", { reason: t("optimise.dp_skipped." + o.dp.skipped) }) }));
    }
  }
  box.replaceChildren(...parts);
}
