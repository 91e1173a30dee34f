// The installable offline app (served over http(s) only): registers ../sw.js, says when the app is
// stored for offline use, and offers a new version when one is installed beside it. Nothing is
// reloaded until the user chooses: the data and result on the page stay until then.
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

let ctx;
const offline = { ready: false, waiting: null, failed: false };

export function supported() {
  return (location.protocol === "http:" || location.protocol === "https:") && "serviceWorker" in navigator &&
    !globalThis.LocalSynthPortable;
}

function watch(reg) {
  const offer = (worker) => {
    if (!navigator.serviceWorker.controller) return; // the first install: nothing to update
    offline.waiting = worker;
    render();
  };
  if (reg.waiting) offer(reg.waiting);
  reg.addEventListener("updatefound", () => {
    const worker = reg.installing;
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed") offer(worker);
      if (worker.state === "redundant" && !reg.active) {
        offline.failed = true;
        render();
      }
    });
  });
}

export function init(c) {
  ctx = c;
  $("#update-now").addEventListener("click", () => {
    if (!offline.waiting) return;
    // the page reloads when the new version takes over
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload());
    offline.waiting.postMessage({ type: "update-now" });
  });
  $("#update-later").addEventListener("click", () => {
    offline.waiting = null;
    render();
  });
  if (!supported()) return;
  navigator.serviceWorker.register(new URL("../sw.js", import.meta.url), { scope: "./" }).then((reg) => {
    if (!reg) return; // registration blocked by the browser's policy (it resolves without one)
    watch(reg);
    navigator.serviceWorker.ready.then(() => {
      offline.ready = true;
      render();
    });
    // a new build served since the page opened: look for it now and then
    setInterval(() => reg.update().catch(() => {}), 30 * 60 * 1000);
  }, (e) => {
    console.warn("service worker not registered", e);
  });
}

export function render() {
  const status = $("#offline-status");
  status.textContent = offline.ready ? t("app.offline_ready") : offline.failed ? t("app.offline_failed") : "";
  const box = $("#update");
  box.hidden = !offline.waiting;
  $("#update-text").textContent = state.result ? t("app.update_available_result") : t("app.update_available");
}

/** For tests: the registration's state. */
export const status = offline;
