// The Web Worker that owns Pyodide and the LocalSynth engine. Protocol: ../PROTOCOL.md.
import { loadPyodide } from "../pyodide/pyodide.mjs";

const BASE = new URL("../", import.meta.url);
const RUNTIME = new URL("pyodide/", BASE);
const CORE_FILES = ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"];
// What page-ready needs (reading a table); scipy and scikit-learn load right after, before any
// request that synthesises or evaluates (laterPackages()).
const START_PACKAGES = ["numpy", "pandas", "localsynth-engine"];
const LATER_PACKAGES = ["scipy", "scikit-learn"];
const LOAD_STEPS = 5;
const WARM_DB = "localsynth-warm";

let pyodide = null;
let engine = null; // the py_engine.browser module
let ready = null; // Promise of the loaded runtime
let queue = Promise.resolve();
let current = null; // id of the request being handled
let later = null; // Promise of LATER_PACKAGES loaded
let waitingLater = null; // {id, reject} of a request waiting for them (cancel ends the wait)

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
  let manifest, digest;
  try {
    const resp = await fetch(new URL("manifest.json", BASE), { cache: "no-cache" });
    const bytes = await resp.arrayBuffer();
    digest = await sha256Hex(bytes);
    manifest = JSON.parse(new TextDecoder().decode(bytes));
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
  return { manifest, digest };
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

// ---- The warm-start cache (issue 11), in IndexedDB: a memory snapshot of the started interpreter, and
// the files of the start's packages with the bytecode of what the start imports (py_engine/warm.py).
// Each entry is stored with the build it belongs to (the sha256 of manifest.json, which pins every
// file, plus the runtime's address) and its length. Another build, a missing or truncated entry, a
// browser without IndexedDB: the cold way, which stores fresh entries. A warm start that fails all
// the same (a damaged entry) clears the cache and starts cold (loadRuntime). (The entries are not
// hashed on every start: that cost a third of a second, a tenth of the warm start.)
function warmOpen() {
  return new Promise((resolve) => {
    try {
      const req = indexedDB.open(WARM_DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore("entries");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
      req.onblocked = () => resolve(null);
    } catch (e) {
      resolve(null);
    }
  });
}

/** An entry as stored (or null). */
function warmEntry(db, name) {
  if (!db) return Promise.resolve(null);
  return new Promise((resolve) => {
    try {
      const req = db.transaction("entries").objectStore("entries").get(name);
      req.onsuccess = () => resolve(req.result || null);
      req.onerror = () => resolve(null);
    } catch (e) {
      resolve(null);
    }
  });
}

/** The entry's bytes if it belongs to this build and is whole, else null. */
function usable(entry, build) {
  if (!entry || entry.build !== build || !(entry.bytes instanceof ArrayBuffer)) return null;
  if (entry.bytes.byteLength !== entry.length) return null;
  return new Uint8Array(entry.bytes);
}

/** Forget every entry (after a warm start that failed). */
function warmClear(db) {
  return new Promise((resolve) => {
    try {
      const tx = db.transaction("entries", "readwrite");
      tx.objectStore("entries").clear();
      tx.oncomplete = resolve;
      tx.onerror = resolve;
      tx.onabort = resolve;
    } catch (e) {
      resolve();
    }
  });
}

/** Store an entry; true once written. */
async function warmPut(db, name, build, bytes) {
  if (!db) return false;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const copy = whole ? bytes.buffer : bytes.slice().buffer; // (tens of MB: no copy when not needed)
  return new Promise((resolve) => {
    try {
      const tx = db.transaction("entries", "readwrite");
      tx.objectStore("entries").put({ build, length: copy.byteLength, bytes: copy }, name);
      tx.oncomplete = () => resolve(true);
      tx.onerror = () => resolve(false);
      tx.onabort = () => resolve(false);
    } catch (e) {
      resolve(false);
    }
  });
}

let warm = null; // {db, build, packages, snapshot?, warmed: {snapshot, files}} of this start

// A memory snapshot is a third zero pages: stored without them (magic, u32 length, the bitmap of
// stored 4 KiB pages, those pages).
const PAGE = 4096;
const SNAP_MAGIC = "LSSNAP1\n";

function packSnapshot(bytes) {
  const n = Math.ceil(bytes.length / PAGE);
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4));
  let kept = 0;
  for (let i = 0; i < n; i++) {
    let zero = true;
    const end = Math.min((i + 1) * PAGE, bytes.length);
    for (let w = (i * PAGE) / 4; w < Math.floor(end / 4); w++) {
      if (words[w] !== 0) {
        zero = false;
        break;
      }
    }
    for (let b = Math.floor(end / 4) * 4; zero && b < end; b++) if (bytes[b] !== 0) zero = false;
    if (!zero) {
      bitmap[i >> 3] |= 1 << (i & 7);
      kept++;
    }
  }
  const out = new Uint8Array(8 + 4 + bitmap.length + kept * PAGE);
  out.set(new TextEncoder().encode(SNAP_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, bytes.length, true);
  out.set(bitmap, 12);
  let off = 12 + bitmap.length;
  for (let i = 0; i < n; i++) {
    if (bitmap[i >> 3] & (1 << (i & 7))) {
      out.set(bytes.subarray(i * PAGE, Math.min((i + 1) * PAGE, bytes.length)), off);
      off += PAGE;
    }
  }
  return out;
}

function unpackSnapshot(packed) {
  if (new TextDecoder().decode(packed.subarray(0, 8)) !== SNAP_MAGIC) throw new Error("not a packed snapshot");
  const length = new DataView(packed.buffer, packed.byteOffset).getUint32(8, true);
  const n = Math.ceil(length / PAGE);
  const bitmapLength = Math.ceil(n / 8);
  const bitmap = packed.subarray(12, 12 + bitmapLength);
  const out = new Uint8Array(length);
  let off = 12 + bitmapLength;
  for (let i = 0; i < n; i++) {
    if (bitmap[i >> 3] & (1 << (i & 7))) {
      const size = Math.min(PAGE, length - i * PAGE);
      out.set(packed.subarray(off, off + size), i * PAGE);
      off += PAGE;
    }
  }
  if (off !== packed.length) throw new Error("packed snapshot has the wrong length");
  return out;
}

/** The (path, bytes) pairs of a blob made by py_engine/warm.py collect() (its docstring has the format). */
function readWarmFiles(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== "LSWARM1\n") throw new Error("not a warm-start blob");
  const dec = new TextDecoder();
  const out = [];
  let off = 8;
  const count = view.getUint32(off, true);
  off += 4;
  for (let i = 0; i < count; i++) {
    const plen = view.getUint32(off, true);
    const path = dec.decode(bytes.subarray(off + 4, off + 4 + plen));
    off += 4 + plen;
    const dlen = view.getUint32(off, true);
    out.push([path, bytes.subarray(off + 4, off + 4 + dlen)]);
    off += 4 + dlen;
  }
  if (off !== bytes.byteLength) throw new Error("warm-start blob has trailing bytes");
  return out;
}

/**
 * A warm start: write the packages' files (unpacked at the first start from wheels Pyodide checked
 * against pyodide-lock.json) and their bytecode, mark them loaded and load their shared libraries
 * as loadPackage does (Pyodide 0.27's loadDynlibsFromPackage).
 */
async function installWarmFiles(files) {
  const meta = JSON.parse(new TextDecoder().decode(files[0][1]));
  const FS = pyodide.FS;
  const made = new Set();
  for (const [path, data] of files.slice(1)) {
    const dir = path.slice(0, path.lastIndexOf("/"));
    if (!made.has(dir)) {
      FS.mkdirTree(dir);
      made.add(dir);
    }
    FS.writeFile(path, data);
  }
  for (const [name, dynlibs] of Object.entries(meta.packages)) {
    const entry = (pyodide._api.lockfile_packages || {})[name];
    if (dynlibs.length) await pyodide._api.loadDynlibsFromPackage({ file_name: entry ? entry.file_name : name }, dynlibs);
    pyodide.loadedPackages[name] = "localsynth-warm";
  }
  warm.packages = Object.keys(meta.packages);
}

async function loadRuntime() {
  try {
    return await startRuntime(true);
  } catch (e) {
    if (e instanceof RuntimeError || !warm || !(warm.warmed.snapshot || warm.warmed.files)) throw e;
    console.warn("the warm start failed; its cache is cleared and the runtime starts cold", e);
    await warmClear(warm.db);
    pyodide = null;
    engine = null;
    return startRuntime(false);
  }
}

async function startRuntime(useWarm) {
  const t0 = performance.now();
  if (!checkEvalAllowed()) throw new RuntimeError("runtime.csp_eval");
  const timings = {};
  progress(0, "runtime", 1, LOAD_STEPS, "load.verify");
  // the cache is read while the runtime files are checked; its entries are used only for this build
  const dbPromise = warmOpen();
  const snapshotEntry = dbPromise.then((db) => (useWarm ? warmEntry(db, "snapshot") : null));
  // (the files, three times the snapshot's size, are read after it, while the snapshot is restored)
  const filesEntry = snapshotEntry.then(() => dbPromise).then((db) => (useWarm ? warmEntry(db, "files") : null));
  const [{ manifest, digest }, opened] = await Promise.all([verifyCore(), dbPromise]);
  timings.checked = performance.now() - t0; // the runtime files checked (a part of verify)
  const build = `${digest} ${RUNTIME.href}`;
  const filesPromise = filesEntry.then((entry) => {
    try {
      const blob = usable(entry, build);
      return blob && readWarmFiles(blob);
    } catch (e) {
      console.warn("warm-start files not usable", e);
      return null;
    }
  });
  let snapshot = null;
  try {
    const packed = usable(await snapshotEntry, build);
    snapshot = packed && unpackSnapshot(packed);
  } catch (e) {
    console.warn("warm-start snapshot not usable", e);
  }
  warm = { db: opened, build, warmed: { snapshot: !!snapshot, files: false }, packages: START_PACKAGES };
  timings.verify = performance.now() - t0;
  progress(0, "runtime", 2, LOAD_STEPS, "load.runtime");
  const options = {
    indexURL: RUNTIME.href,
    lockFileURL: new URL("pyodide-lock.json", RUNTIME).href,
    stdout: (s) => console.log("[py]", s),
    stderr: (s) => console.warn("[py]", s),
  };
  if (snapshot) options._loadSnapshot = snapshot;
  else options._makeSnapshot = true;
  pyodide = await loadPyodide(options);
  // taken before any package is loaded: a snapshot cannot hold loaded shared libraries
  if (!snapshot) {
    warm.snapshot = pyodide.makeMemorySnapshot();
    // modules in the snapshot need no cached bytecode
    const modules = pyodide.pyimport("sys").modules;
    warm.inSnapshot = [...modules.keys()];
    modules.destroy();
  }
  timings.runtime = performance.now() - t0 - timings.verify;
  progress(0, "packages", 3, LOAD_STEPS, "load.packages");
  const files = await filesPromise;
  warm.warmed.files = !!files;
  if (files) {
    await installWarmFiles(files);
  } else {
    await loadPackages(START_PACKAGES);
    warm.packages = Object.keys(pyodide.loadedPackages); // with their dependencies
  }
  timings.packages = performance.now() - t0 - timings.verify - timings.runtime;
  progress(0, "imports", 4, LOAD_STEPS, "load.imports");
  const warmModule = pyodide.pyimport("py_engine.warm");
  warmModule.utc_zone();
  if (snapshot) warmModule.after_restore();
  if (files) warmModule.use_stdlib_bytecode();
  else warmModule.prepare();
  warmModule.destroy();
  engine = pyodide.pyimport("py_engine.browser");
  timings.imports = performance.now() - t0 - timings.verify - timings.runtime - timings.packages;
  const versions = JSON.parse(engine.versions());
  versions.pyodide = pyodide.version;
  versions.site = manifest.engine.version;
  progress(0, "ready", 5, LOAD_STEPS, "load.ready");
  timings.total = performance.now() - t0;
  timings.warm = warm.warmed;
  return { versions, timings };
}

// After page-ready: scipy and scikit-learn, then (on the first start of a build) the warm-start
// cache entries, queued like a request so that no request's Python interleaves with collect().
let laterDone = false;
function startLater() {
  later = ready.then(() =>
    loadPackages(LATER_PACKAGES).catch((e) => {
      console.error(e);
      post({ type: "error", id: 0, error: errorInfo(e) });
      throw e;
    }),
  );
  later.then(() => {
    laterDone = true;
    queue = queue.then(storeWarm).catch((e) => console.warn("warm-start cache not stored", e));
  }, () => {});
}

async function storeWarm() {
  if (!warm || !warm.db) return;
  const stored = [];
  if (warm.snapshot) {
    if (await warmPut(warm.db, "snapshot", warm.build, packSnapshot(warm.snapshot))) stored.push("snapshot");
    warm.snapshot = null;
  }
  if (!warm.warmed.files) {
    const mod = pyodide.pyimport("py_engine.warm");
    const proxy = mod.collect(pyodide.toPy(warm.packages), pyodide.toPy(warm.inSnapshot || []));
    const bytes = proxy.toJs();
    proxy.destroy();
    mod.destroy();
    if (await warmPut(warm.db, "files", warm.build, bytes)) stored.push("files");
    warm.warmed.files = true;
  }
  post({ type: "warm", id: 0, stored });
}

/** Wait for scipy and scikit-learn (loading since page-ready); a cancel of request `id` ends the wait. */
async function laterPackages(id) {
  if (laterDone) return;
  progress(id, "packages", 0, 1, "load.later");
  await new Promise((resolve, reject) => {
    waitingLater = { id, reject };
    later.then(resolve, reject);
  }).finally(() => {
    waitingLater = null;
  });
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
  if (type !== "inspect" && type !== "clear") await laterPackages(id);
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
    if (waitingLater && waitingLater.id === msg.target) {
      const err = new Error("Stopped.");
      err.info = { kind: "cancelled", code: "cancelled", params: {}, column: null, message: "Stopped." };
      waitingLater.reject(err);
    } else if (engine && current === msg.target) engine.request_cancel();
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
startLater();
ready.catch((e) => {
  console.error(e);
  post({ type: "error", id: 0, error: errorInfo(e) });
});
