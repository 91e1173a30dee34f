// The Web Worker that owns Pyodide and the LocalSynth engine. Protocol: ../PROTOCOL.md.
import { loadPyodide } from "../pyodide/pyodide.mjs";

const BASE = new URL("../", import.meta.url);
const RUNTIME = new URL("pyodide/", BASE);
const CORE_FILES = ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"];
const START_PACKAGES = ["numpy", "pandas", "scipy", "scikit-learn", "localsynth-engine"];
const LOAD_STEPS = 5;

let pyodide = null;
let engine = null; // the py_engine.browser module
let ready = null; // Promise of the loaded runtime
let queue = Promise.resolve();
let current = null; // id of the request being handled

function post(msg, transfer) {
  self.postMessage(msg, transfer || []);
}

function progress(id, stage, step, total, key, params) {
  post({ type: "progress", id, stage, step, total, key, params: params || {} });
}

class RuntimeError extends Error {
  constructor(code, params) {
    super(code);
    this.info = { kind: "runtime", code, params: params || {}, column: null, message: code };
  }
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function verifyCore() {
  let manifest;
  try {
    const resp = await fetch(new URL("manifest.json", BASE), { cache: "no-cache" });
    manifest = await resp.json();
  } catch (e) {
    throw new RuntimeError("runtime.no_manifest");
  }
  await Promise.all(
    CORE_FILES.map(async (name) => {
      const want = manifest.files["pyodide/" + name];
      const resp = await fetch(new URL(name, RUNTIME));
      if (!resp.ok || !want) throw new RuntimeError("runtime.missing_file", { file: name });
      const got = await sha256Hex(await resp.arrayBuffer());
      if (got !== want) throw new RuntimeError("runtime.bad_file", { file: name });
    }),
  );
  return manifest;
}

function checkEvalAllowed() {
  // Pyodide's loader needs eval for packages with compiled code; a policy without 'unsafe-eval'
  // for this script makes loadPackage hang without an error, so say so at once.
  try {
    return new Function("return 1")() === 1;
  } catch (e) {
    return false;
  }
}

async function loadRuntime() {
  const t0 = performance.now();
  if (!checkEvalAllowed()) throw new RuntimeError("runtime.csp_eval");
  const timings = {};
  progress(0, "runtime", 1, LOAD_STEPS, "load.verify");
  const manifest = await verifyCore();
  timings.verify = performance.now() - t0;
  progress(0, "runtime", 2, LOAD_STEPS, "load.runtime");
  pyodide = await loadPyodide({
    indexURL: RUNTIME.href,
    lockFileURL: new URL("pyodide-lock.json", RUNTIME).href,
    stdout: (s) => console.log("[py]", s),
    stderr: (s) => console.warn("[py]", s),
  });
  timings.runtime = performance.now() - t0 - timings.verify;
  progress(0, "packages", 3, LOAD_STEPS, "load.packages");
  await loadPackages(START_PACKAGES);
  timings.packages = performance.now() - t0 - timings.verify - timings.runtime;
  progress(0, "imports", 4, LOAD_STEPS, "load.imports");
  engine = pyodide.pyimport("py_engine.browser");
  timings.imports = performance.now() - t0 - timings.verify - timings.runtime - timings.packages;
  const versions = JSON.parse(engine.versions());
  versions.pyodide = pyodide.version;
  versions.site = manifest.engine.version;
  progress(0, "ready", 5, LOAD_STEPS, "load.ready");
  timings.total = performance.now() - t0;
  return { versions, timings };
}

// Load packages listed in pyodide-lock.json; Pyodide checks each file's sha256 (checkIntegrity).
// A failure names the file, e.g. a package that does not match its pinned checksum.
async function loadPackages(names) {
  const errors = [];
  await pyodide.loadPackage(names, {
    messageCallback: () => {},
    errorCallback: (msg) => {
      console.error(msg);
      errors.push(msg);
    },
    checkIntegrity: true,
  });
  if (!errors.length) return;
  const lock = await (await fetch(new URL("pyodide-lock.json", RUNTIME))).json();
  const text = errors.join(" ");
  const hit = Object.values(lock.packages).find(
    (p) => text.includes(p.file_name) || new RegExp(`loading ${p.name}\\b`).test(text),
  );
  throw new RuntimeError("runtime.bad_file", { file: hit ? hit.file_name : text.slice(0, 120) });
}

// matplotlib and reportlab are loaded only when a PDF report is asked for (integrity-checked like the rest).
let reportPackages = null;
async function loadReportPackages(id) {
  if (!reportPackages) {
    progress(id, "packages", 0, 1, "report.progress.packages");
    reportPackages = loadPackages(["matplotlib", "reportlab"]).catch((e) => {
      reportPackages = null;
      throw e;
    });
  }
  await reportPackages;
}

function errorInfo(e) {
  if (e && e.info) return e.info;
  return { kind: "internal", code: "internal", params: { detail: String((e && e.message) || e).slice(-300) },
           column: null, message: "internal error" };
}

// Python entry points return JSON text: {"ok": data} or {"error": {...}}.
function unwrap(text) {
  const out = JSON.parse(text);
  if (out.error) {
    const err = new Error(out.error.message);
    err.info = out.error;
    throw err;
  }
  return out.ok;
}

async function handle(msg) {
  const { id, type } = msg;
  if (type === "load") return ready;
  await ready;
  const progressCb = (json) => {
    const p = JSON.parse(json);
    progress(id, p.stage, p.step, p.total, p.key, p.params);
  };
  switch (type) {
    case "inspect": {
      const bytes = msg.file ? new Uint8Array(msg.file.bytes) : null;
      const name = msg.file ? msg.file.name : null;
      return unwrap(engine.inspect(bytes, name, JSON.stringify(msg.options || {})));
    }
    case "synthesise":
      return unwrap(await engine.synthesise(JSON.stringify(msg.settings || {}), progressCb));
    case "evaluate":
      return unwrap(await engine.evaluate(JSON.stringify(msg.options || {}), progressCb));
    case "export": {
      if (msg.format === "pdf") await loadReportPackages(id);
      const res = unwrap(await engine.export(msg.format, JSON.stringify({ lang: msg.lang, ...(msg.set ? { set: msg.set } : {}) }), progressCb));
      const proxy = engine.last_export_bytes();
      const bytes = proxy.toJs();
      proxy.destroy();
      const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return { ...res, bytes: buf, __transfer: [buf] };
    }
    case "dp_domain":
      return unwrap(engine.dp_domain());
    case "dp_curve":
      return unwrap(await engine.dp_curve(JSON.stringify(msg.settings || {}), progressCb));
    case "clear":
      return unwrap(engine.clear());
    default:
      throw new RuntimeError("protocol.unknown_request", { type });
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "cancel") {
    if (engine && current === msg.target) engine.request_cancel();
    return;
  }
  if (msg.type === "stop") {
    if (engine && current === msg.target) engine.request_stop();
    return;
  }
  queue = queue.then(async () => {
    current = msg.id;
    try {
      const data = await handle(msg);
      const transfer = data && data.__transfer;
      if (transfer) delete data.__transfer;
      post({ type: "result", id: msg.id, data }, transfer);
    } catch (e) {
      if (!(e && e.info)) console.error(e);
      post({ type: "error", id: msg.id, error: errorInfo(e) });
    } finally {
      current = null;
    }
  });
};

ready = loadRuntime();
ready.catch((e) => {
  console.error(e);
  post({ type: "error", id: 0, error: errorInfo(e) });
});
