// LocalSynth page: talks to the engine worker through engine.js (protocol: ../PROTOCOL.md).
import { Engine } from "./engine.js";
import { errorText, lang, pickLanguage, setLanguage, t, translatePage } from "./i18n.js";

const $ = (sel) => document.querySelector(sel);
const state = { loadStep: null, summary: null, loadError: null };
let engine;

function showStatus() {
  const el = $("#runtime-status");
  if (state.loadError) {
    el.dataset.state = "error";
    el.textContent = errorText(state.loadError);
  } else if (state.loadStep && state.loadStep.stage === "ready") {
    el.dataset.state = "ready";
    el.textContent = t("load.ready");
  } else {
    const p = state.loadStep || { step: 0, total: 5, key: "load.start" };
    el.dataset.state = "loading";
    el.textContent = t("load.progress", { step: p.step, total: p.total, what: t(p.key, p.params) });
  }
}

function showMessage(text) {
  const el = $("#data-message");
  el.textContent = text || "";
  el.hidden = !text;
}

function renderSummary() {
  const s = state.summary;
  $("#data-summary").hidden = !s;
  if (!s) return;
  $("#data-shape").textContent = t("data.shape", {
    rows: s.n_rows.toLocaleString(lang()),
    columns: s.n_columns,
    name: s.name,
    delimiter: t("delimiter." + ({ ",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe" }[s.dialect.delimiter])),
    encoding: s.dialect.encoding,
  });
  const body = $("#schema-table tbody");
  body.replaceChildren();
  for (const c of s.columns) {
    const tr = document.createElement("tr");
    tr.dataset.column = c.name;
    const cells = [c.name, t("type." + c.type), String(c.missing_count), String(c.n_distinct), c.examples.join(", ")];
    cells.forEach((text, i) => {
      const cell = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) cell.scope = "row";
      if (i === 1) cell.dataset.type = c.type;
      cell.textContent = text;
      tr.appendChild(cell);
    });
    body.appendChild(tr);
  }
}

async function loadFile(file) {
  showMessage("");
  try {
    state.summary = await engine.inspect(file, { lang: lang() });
  } catch (err) {
    showMessage(errorText(err));
    return;
  }
  renderSummary();
}

function wire() {
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
    drop.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (file) loadFile(file);
  });
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.addEventListener("click", async () => {
      await setLanguage(b.dataset.lang);
      refresh();
    });
  }
}

function refresh() {
  translatePage();
  for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
  showStatus();
  renderSummary();
}

async function main() {
  // Start the runtime first: it takes the longest.
  engine = new Engine({
    onLoadProgress: (p) => {
      state.loadStep = p;
      showStatus();
    },
    onLoadError: (e) => {
      state.loadError = e;
      showStatus();
    },
  });
  window.localsynth = { engine, state }; // for tests and the curious
  await setLanguage(pickLanguage());
  if (location.protocol === "file:") $("#file-protocol").hidden = false;
  wire();
  refresh();
  engine.loaded.then((info) => {
    state.versions = info.versions;
    state.timings = { ...info.timings, page_ready: performance.now() };
    document.body.dataset.ready = "true";
  }, () => {});
}

main();
