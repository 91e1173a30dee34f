// LocalSynth portable mode: the folder dist/portable/ opened from disk (a file:// address, no server).
// Browsers do not fetch files or run module scripts for file:// pages, but they do run classic
// <script src> files. So build_wheel.py ships every file the app fetches (runtime, wheels, strings,
// the demo) as a script `payload/<path>.js` that hands its bytes (base64) to this file, and the app
// itself as one classic script (js/bundle.js, the same modules as the served site). The page's and
// the worker's fetches of those files are answered from memory; the worker (a blob: URL made from
// js/portable-worker.js) verifies every file against manifest.json's sha256 before using it.
(function () {
  "use strict";
  const base = new URL("./", document.baseURI); // the folder of index.html
  const texts = new Map(); // path -> base64 text, kept so a restarted worker can be served again
  const loading = new Map(); // path -> Promise of the payload script having run
  const TYPES = { wasm: "application/wasm", json: "application/json", js: "text/javascript",
                  mjs: "text/javascript", csv: "text/csv", whl: "application/zip", zip: "application/zip" };

  const P = { index: {}, workerSource: "", base: base.href };

  /** Called by each payload script. */
  P.deliver = (path, b64) => {
    texts.set(path, b64);
  };

  function loadPayload(path) {
    if (texts.has(path)) return Promise.resolve();
    if (!loading.has(path)) {
      const src = P.index[path];
      if (!src) return Promise.reject(new Error(`not in the portable folder: ${path}`));
      loading.set(path, new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = src;
        s.onload = () => (texts.has(path) ? resolve() : reject(new Error(`${src} did not deliver ${path}`)));
        s.onerror = () => reject(new Error(`could not load ${src}`));
        document.head.appendChild(s);
      }).finally(() => loading.delete(path)));
    }
    return loading.get(path);
  }

  function decode(b64) {
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(b64);
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  P.bytes = async (path) => {
    await loadPayload(path);
    return decode(texts.get(path));
  };

  P.pathOf = (url) => {
    const u = new URL(url, document.baseURI);
    if (u.protocol !== base.protocol || !u.pathname.startsWith(base.pathname)) return null;
    return decodeURIComponent(u.pathname.slice(base.pathname.length));
  };

  // The page's own fetches (strings, the demo file) come from the payloads too.
  const realFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
    const path = P.pathOf(url);
    if (path !== null && P.index[path]) {
      const bytes = await P.bytes(path);
      const ext = path.split(".").pop();
      return new Response(bytes, { status: 200, headers: { "Content-Type": TYPES[ext] || "application/octet-stream" } });
    }
    return realFetch(input, init);
  };

  /** A stand-in when the browser refuses a worker here: the page says so and names the other ways. */
  function refusedWorker(detail) {
    const stub = { onmessage: null, onerror: null, postMessage() {}, terminate() {}, addEventListener() {} };
    setTimeout(() => {
      if (stub.onmessage) {
        stub.onmessage({ data: { type: "error", id: 0, error: {
          kind: "runtime", code: "runtime.portable_blocked", params: {}, column: null, message: String(detail) } } });
      }
    }, 0);
    return stub;
  }

  /** The engine's worker: a blob: URL holding js/portable-worker.js, answered from the payloads. */
  P.createWorker = () => {
    let worker;
    try {
      const head = `self.LOCALSYNTH_BASE = ${JSON.stringify(base.href)};\n`;
      const url = URL.createObjectURL(new Blob([head, P.workerSource], { type: "text/javascript" }));
      worker = new Worker(url);
    } catch (e) {
      console.error(e);
      return refusedWorker(e);
    }
    worker.addEventListener("message", async (e) => {
      const m = e.data;
      if (!m || m.type !== "portable-need") return;
      try {
        const bytes = await P.bytes(m.path);
        worker.postMessage({ type: "portable-file", path: m.path, bytes: bytes.buffer }, [bytes.buffer]);
      } catch (err) {
        worker.postMessage({ type: "portable-file", path: m.path, error: String((err && err.message) || err) });
      }
    });
    return worker;
  };

  window.LocalSynthPortable = P;
})();
