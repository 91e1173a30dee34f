// LocalSynth portable mode, worker side: this part runs first in the worker (before js/worker.js,
// which build_wheel.py appends unchanged but for its import of pyodide.mjs). Every fetch of a file
// of our folder is asked from the page (which has it as a payload script), verified against
// manifest.json's sha256, and answered from memory; a mismatch stops the app naming the file.
// The Pyodide core is verified the same way before it is run.
(function () {
  "use strict";
  const BASE = new URL(self.LOCALSYNTH_BASE);
  const asked = new Map(); // path -> Promise of the bytes
  const waiting = new Map(); // path -> {resolve, reject}
  const TYPES = { wasm: "application/wasm", json: "application/json", js: "text/javascript",
                  mjs: "text/javascript", csv: "text/csv", whl: "application/zip", zip: "application/zip" };

  self.addEventListener("message", (e) => {
    const m = e.data;
    if (!m || m.type !== "portable-file") return;
    e.stopImmediatePropagation(); // not a request for js/worker.js's handler
    const w = waiting.get(m.path);
    if (!w) return;
    waiting.delete(m.path);
    if (m.error) w.reject(new Error(m.error));
    else w.resolve(new Uint8Array(m.bytes));
  });

  function ask(path) {
    return new Promise((resolve, reject) => {
      waiting.set(path, { resolve, reject });
      self.postMessage({ type: "portable-need", path });
    });
  }

  function runtimeError(code, file, message) {
    const err = new Error(message);
    err.info = { kind: "runtime", code, params: { file }, column: null, message };
    return err;
  }

  async function sha256Hex(bytes) {
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  let manifest = null;
  async function files() {
    if (!manifest) {
      manifest = ask("manifest.json").then((b) => JSON.parse(new TextDecoder().decode(b)).files);
    }
    return manifest;
  }

  // The runtime core is kept in IndexedDB once verified (a second start then reads it there instead of
  // loading and decoding its payload scripts, about 16 MB of base64); what is read there is checked
  // against manifest.json's sha256 like a payload, and a mismatch is asked from the page again.
  const KEPT = /^pyodide\/(pyodide\.asm\.js|pyodide\.mjs|pyodide\.asm\.wasm|python_stdlib\.zip)$/;
  let keptDb = null;
  function kept() {
    if (!keptDb) {
      keptDb = new Promise((resolve) => {
        try {
          const req = indexedDB.open("localsynth-portable", 1);
          req.onupgradeneeded = () => req.result.createObjectStore("files");
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => resolve(null);
          req.onblocked = () => resolve(null);
        } catch (e) {
          resolve(null);
        }
      });
    }
    return keptDb;
  }
  async function keptGet(path, want) {
    const db = await kept();
    if (!db) return null;
    const entry = await new Promise((resolve) => {
      try {
        const req = db.transaction("files").objectStore("files").get(path);
        req.onsuccess = () => resolve(req.result || null);
        req.onerror = () => resolve(null);
      } catch (e) {
        resolve(null);
      }
    });
    if (!entry || entry.sha256 !== want || !(entry.bytes instanceof ArrayBuffer)) return null;
    const bytes = new Uint8Array(entry.bytes);
    return (await sha256Hex(bytes)) === want ? bytes : null;
  }
  async function keptPut(path, sha256, bytes) {
    const db = await kept();
    if (!db) return;
    try {
      db.transaction("files", "readwrite").objectStore("files").put({ sha256, bytes: bytes.slice().buffer }, path);
    } catch (e) {
      // not kept: the next start asks the page again
    }
  }

  // Big one-off files (wheels) are not kept once handed over; the rest are (asked again on restart).
  async function verified(path) {
    if (!asked.has(path)) {
      asked.set(path, (async () => {
        const name = path.split("/").pop();
        const want = path === "manifest.json" ? null : (await files())[path];
        if (want && KEPT.test(path)) {
          const bytes = await keptGet(path, want);
          if (bytes) return bytes;
        }
        let bytes;
        try {
          bytes = await ask(path);
        } catch (e) {
          throw runtimeError("runtime.missing_file", name, `${path}: ${e.message}`);
        }
        if (path === "manifest.json") return bytes;
        if (!want) throw runtimeError("runtime.missing_file", name, `${path} is not in manifest.json`);
        if ((await sha256Hex(bytes)) !== want) {
          throw runtimeError("runtime.bad_file", name, `${name} does not match its sha256 in manifest.json`);
        }
        if (KEPT.test(path)) keptPut(path, want, bytes);
        return bytes;
      })());
    }
    const promise = asked.get(path);
    if (/\.(whl|zip)$/.test(path) && !path.endsWith("python_stdlib.zip")) asked.delete(path);
    return promise;
  }

  const realFetch = self.fetch.bind(self);
  self.fetch = async (input, init) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? String(input) : input.url, BASE);
    if (url.protocol === BASE.protocol && url.pathname.startsWith(BASE.pathname)) {
      const path = decodeURIComponent(url.pathname.slice(BASE.pathname.length));
      const bytes = await verified(path);
      const ext = path.split(".").pop();
      return new Response(bytes, { status: 200, headers: { "Content-Type": TYPES[ext] || "application/octet-stream" } });
    }
    return realFetch(input, init);
  };

  // pyodide.mjs is an ES module and pyodide.asm.js a script; both run here only once verified.
  let core = null;
  self.loadPyodide = async (options) => {
    if (!core) {
      core = (async () => {
        const text = async (p) => new TextDecoder().decode(await verified(p));
        const [asm, mjs] = await Promise.all([text("pyodide/pyodide.asm.js"), text("pyodide/pyodide.mjs")]);
        const exportLine = /export\s*\{\s*([\w$]+) as loadPyodide\s*,\s*([\w$]+) as version\s*\};?/;
        if (!exportLine.test(mjs)) throw runtimeError("runtime.bad_file", "pyodide.mjs", "unexpected pyodide.mjs");
        (0, eval)(asm);
        (0, eval)(mjs.replace(exportLine, "globalThis.__localsynthLoadPyodide = $1;"));
        return globalThis.__localsynthLoadPyodide;
      })();
    }
    return (await core)(options);
  };
})();
