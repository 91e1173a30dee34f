// Step 3, generating: progress per column, elapsed time, and Cancel (stops within a second).
import { $, fmtDuration, fmtInt } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { applyChosen } from "./optimise.js";

let ctx;
let timer = null;

export function init(c) {
  ctx = c;
  $("#cancel").addEventListener("click", () => {
    stop();
  });
  $("#stop-search").addEventListener("click", stopSearch);
}

/** A settings search (settings.optimise): end it early; the run goes on with the best so far. */
function stopSearch() {
  const r = state.run;
  if (!r || r.cancelling || r.stopping || !r.settings.optimise) return;
  r.stopping = true;
  ctx.engine.stopSearch(r.promise);
  render();
}

/** Start synthesising with the given settings (already checked by settings.js). */
export function run(settings) {
  const promise = ctx.engine.synthesise(settings, (p) => {
    if (state.run && state.run.promise === promise) {
      state.run.progress = p;
      render();
    }
  });
  state.run = { promise, started: Date.now(), progress: null, settings, cancelling: false };
  state.result = null;
  state.downloaded = state.downloadError = null;
  state.downloadSet = 1; // a new result: the downloads start at synthetic data set 1
  ctx.notice(null);
  clearInterval(timer);
  timer = setInterval(renderElapsed, 1000);
  ctx.refresh();
  ctx.goTo("generate");
  promise.then(
    (data) => {
      const elapsed = Date.now() - state.run.started;
      finish();
      state.result = { ...data, request: settings, elapsed_ms: elapsed };
      applyChosen(state.result); // the chosen settings become the Settings step's (issue 13)
      ctx.refresh();
      ctx.goTo("result");
    },
    (err) => {
      finish();
      const info = err.info || { code: "internal", params: { detail: String(err.message || err) } };
      if (info.kind === "cancelled" || info.code === "cancelled") ctx.notice("generate.cancelled");
      else state.settingsError = info;
      ctx.refresh();
      ctx.goTo("settings");
    },
  );
}

function finish() {
  clearInterval(timer);
  timer = null;
  state.run = null;
}

/** Cancel the run: the worker is asked, and replaced if it has not stopped within a second. */
export async function stop() {
  if (!state.run || state.run.cancelling) return;
  state.run.cancelling = true;
  render();
  await ctx.engine.cancel(state.run.promise);
}

function renderElapsed() {
  const r = state.run;
  $("#gen-elapsed").textContent = r ? t("generate.elapsed", { time: fmtDuration(Date.now() - r.started) }) : "";
}

function progressText(p) {
  const params = { step: fmtInt(p.step), total: fmtInt(p.total), ...(p.params || {}) };
  const text = p.key ? t(p.key, params) : "";
  const out = text && text !== p.key ? text : t("generate.step", params);
  const m = (state.run && state.run.settings && state.run.settings.m) || 1;
  // m synthetic data sets: which one is being made (the step counts over all of them)
  return m > 1 && p.params && p.params.copy ? `${out} ${t("generate.set", { set: fmtInt(p.params.copy), m: fmtInt(m) })}` : out;
}

export function render() {
  const r = state.run;
  if (!r) return;
  const s = r.settings;
  $("#gen-what").textContent = s.optimise
    ? t("optimise.what", { rows: fmtInt(s.n_rows), seed: s.seed, budget: fmtInt(s.optimise.budget) })
    : t("generate.what", { method: t("method." + s.method), rows: fmtInt(s.n_rows), seed: s.seed });
  const bar = $("#gen-progress");
  const p = r.progress;
  let text;
  if (r.cancelling) text = t("generate.cancelling");
  else if (r.stopping && p && p.stage === "optimise") text = t("optimise.stopping");
  else if (p && p.total) text = progressText(p);
  else if (document.body.dataset.ready !== "true") text = t("generate.waiting");
  else text = t("generate.starting");
  if (p && p.total) {
    bar.max = p.total;
    bar.value = Math.min(p.step, p.total);
  } else {
    bar.removeAttribute("value"); // indeterminate
  }
  if ($("#gen-status").textContent !== text) $("#gen-status").textContent = text;
  $("#cancel").disabled = r.cancelling;
  const searching = Boolean(s.optimise) && (!p || p.stage === "optimise");
  $("#stop-search").hidden = !searching;
  $("#stop-search").disabled = r.cancelling || Boolean(r.stopping);
  renderElapsed();
}
