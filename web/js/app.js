// LocalSynth page: four steps (data, settings, generate, result) over one worker (PROTOCOL.md).
// Each step is a module with init(ctx) and render(); render() draws from `state` only, so a change
// of language or a restarted worker redraws everything without losing what the user has.
import { Engine } from "./engine.js";
import { $, $$, h, keepFocus, setMessage } from "./dom.js";
import { errorText, lang, pickLanguage, setLanguage, t, translatePage } from "./i18n.js";
import { STEPS, resetData, state } from "./state.js";
import * as intake from "./intake.js";
import * as settings from "./settings.js";
import * as generate from "./generate.js";
import * as result from "./result.js";
import * as help from "./help.js";
import * as report from "./report.js";
import * as structure from "./structure.js";
import * as offline from "./offline.js";
import * as confirm from "./confirm.js";
import * as optimise from "./optimise.js";
import * as dpcurve from "./dpcurve.js";

const modules = [intake, settings, structure, generate, result, optimise, dpcurve, report, help, offline, confirm];
let engine;

function showStatus() {
  const el = $("#runtime-status");
  if (state.loadError) {
    el.dataset.state = "error";
    el.textContent = errorText(state.loadError);
  } else if (state.loadStep && state.loadStep.stage === "ready") {
    el.dataset.state = "ready";
    el.textContent = t("load.ready_long");
  } else {
    const p = state.loadStep || { step: 0, total: 5, key: "load.start" };
    el.dataset.state = "loading";
    const text = t("load.progress", { step: p.step, total: p.total, what: t(p.key, p.params) });
    el.textContent = state.restarting ? t("load.restarting", { progress: text }) : text;
  }
  const v = state.versions;
  $("#versions").textContent = v ? t("app.versions", { engine: v.engine, pyodide: v.pyodide, python: v.python }) : "";
}

/** Which steps the user can go to now. */
function available(step) {
  if (state.run) return step === "generate";
  if (step === "data") return true;
  if (step === "settings") return Boolean(state.summary);
  if (step === "result") return Boolean(state.result);
  return false;
}

function showSteps() {
  for (const name of STEPS) $(`#step-${name}`).hidden = name !== state.step;
  for (const b of $$("[data-goto]")) {
    const name = b.dataset.goto;
    b.disabled = !available(name) && name !== state.step;
    if (name === state.step) b.setAttribute("aria-current", "step");
    else b.removeAttribute("aria-current");
  }
  $("#start-over").hidden = !state.summary;
  if (state.notice) setMessage($("#notice"), t(state.notice.key, state.notice.params));
  else setMessage($("#notice"), "");
}

/** Show a step; move the focus to its heading when the user asked for it (screen readers follow). */
function goTo(step, { focus = true } = {}) {
  state.step = step;
  showSteps();
  for (const m of modules) if (m.onShow) m.onShow(step);
  if (focus) {
    const heading = $(`#h-${step}`);
    if (heading) heading.focus();
    window.scrollTo(0, 0);
  }
}

function refresh() {
  keepFocus(() => {
    translatePage();
    document.title = t("app.title");
    for (const b of $$("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
    showStatus();
    showSteps();
    for (const m of modules) m.render();
  });
}

function notice(key, params) {
  state.notice = key ? { key, params: params || {} } : null;
  showSteps();
}

/** Drop the real data from the page and the worker, and go back to the start. */
async function startOver() {
  if (!(await confirm.confirmDiscard("confirm.start_over"))) return;
  if (state.run) await generate.stop();
  resetData(); // also stops answers still under way from bringing the data back
  engine.clear().catch(() => {});
  notice("app.cleared");
  refresh();
  goTo("data");
}

function onRestart(reread) {
  // The worker was replaced after a cancel that took too long: it reloads the runtime and is sent
  // the held file again. The page keeps its state; the summary is refreshed when the file is back.
  state.restarting = true;
  state.loadStep = null;
  state.loadError = null; // the old worker's load, cut short, is not the new one's failure
  document.body.dataset.ready = "false";
  showStatus();
  engine.loaded.then(() => {
    state.restarting = false;
    state.loadStep = { stage: "ready" };
    document.body.dataset.ready = "true";
    showStatus();
  }, () => {});
  if (reread) {
    reread.then((summary) => {
      if (state.summary && summary.name === state.summary.name) state.summary = summary;
      refresh();
    }, (err) => console.warn("re-reading the file after a restart failed", err));
  }
}

function wire() {
  for (const b of $$("[data-lang]")) {
    b.addEventListener("click", async () => {
      await setLanguage(b.dataset.lang);
      const url = new URL(location.href);
      url.searchParams.set("lang", lang());
      history.replaceState(null, "", url);
      refresh();
    });
  }
  for (const b of $$("[data-goto]")) {
    b.addEventListener("click", () => {
      if (available(b.dataset.goto)) goTo(b.dataset.goto);
    });
  }
  $("#start-over").addEventListener("click", startOver);
}

/** Until the page is wired (the strings are fetched first), a file dropped on it must neither make
 * the browser open it in this tab nor be lost: the last one is kept and loaded once the page is live. */
function holdEarlyDrops() {
  const held = { file: null };
  const onDragover = (e) => e.preventDefault();
  const onDrop = (e) => {
    e.preventDefault();
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) held.file = file;
  };
  window.addEventListener("dragover", onDragover);
  window.addEventListener("drop", onDrop);
  held.release = () => {
    window.removeEventListener("dragover", onDragover);
    window.removeEventListener("drop", onDrop);
    return held.file;
  };
  return held;
}

async function main() {
  const early = holdEarlyDrops();
  // Start the runtime first: it takes the longest. The user can pick a file meanwhile.
  engine = new Engine({
    onLoadProgress: (p) => {
      state.loadStep = p;
      showStatus();
    },
    onLoadError: (e) => {
      state.loadError = e;
      showStatus();
    },
    onRestart,
    onWarm: (msg) => {
      state.warmStored = msg.stored; // benchmarks/startup.py waits for it before a warm visit
    },
  });
  await setLanguage(pickLanguage());
  if (location.protocol === "file:" && !globalThis.LocalSynthPortable) $("#file-protocol").hidden = false;
  const ctx = { engine, state, refresh, goTo, notice, startOver, h };
  for (const m of modules) m.init(ctx);
  wire();
  refresh();
  goTo("data", { focus: false });
  document.documentElement.classList.remove("js-pending");
  // for tests and the curious; set once the page answers to input, so tests can wait for it
  window.localsynth = { engine, state };
  const dropped = early.release();
  if (dropped) intake.loadFile(dropped);
  engine.loaded.then((info) => {
    state.versions = info.versions;
    state.timings = { ...info.timings, page_ready: performance.now() }; // benchmarks/startup.py (main)
    document.body.dataset.ready = "true";
    showStatus();
  }, () => {});
}

main();
