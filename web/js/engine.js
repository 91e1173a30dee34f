// The page's side of the worker protocol (../PROTOCOL.md): requests as Promises, progress as callbacks.

const CANCEL_GRACE_MS = 1000;
/** The largest file the page reads; the same as py_engine/browser.py MAX_BYTES (a test checks). */
export const MAX_FILE_BYTES = 300 * 1024 * 1024;
export const MAX_FILE_MB = 300; // MAX_FILE_BYTES in MiB, as the page states it

export class Engine {
  constructor({ onLoadProgress, onLoadError, onRestart, onWarm } = {}) {
    this.onLoadProgress = onLoadProgress || (() => {});
    this.onWarm = onWarm || (() => {});
    this.onLoadError = onLoadError || (() => {});
    this.onRestart = onRestart || (() => {});
    this.nextId = 1;
    this.pending = new Map();
    this.heldFile = null; // {name, blob, options}: re-sent after a restart so nothing is lost
    this.generation = 0; // counts clear()s
    this.start();
  }

  start() {
    // The portable folder opened from disk (file://) makes its worker from a blob: URL (portable.js).
    const portable = globalThis.LocalSynthPortable;
    this.worker = portable ? portable.createWorker()
                           : new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = (e) => this.receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      const code = portable ? "runtime.portable_blocked" : "runtime.worker_failed";
      this.onLoadError({ kind: "runtime", code, params: {}, message: String(e.message) });
    };
    const loaded = this.request("load");
    this.loaded = loaded;
    // a load cut short by a restart (a second cancel while the runtime reloads) is no error: the
    // new worker loads again (issue 14: a red "Stopped." stayed in the header for good)
    loaded.catch((err) => {
      const info = err.info || err;
      if (this.loaded === loaded || info.code !== "cancelled") this.onLoadError(info);
    });
  }

  receive(msg) {
    if (msg.id === 0) {
      if (msg.type === "progress") this.onLoadProgress(msg);
      else if (msg.type === "warm") this.onWarm(msg);
      else if (msg.type === "error") this.onLoadError(msg.error);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === "progress") {
      p.onProgress(msg);
    } else {
      this.pending.delete(msg.id);
      if (msg.type === "result") p.resolve(msg.data);
      else {
        const err = new Error(msg.error.message);
        err.info = msg.error;
        p.reject(err);
      }
    }
  }

  request(type, fields = {}, { onProgress, transfer } = {}) {
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress: onProgress || (() => {}) });
    });
    promise.id = id;
    this.worker.postMessage({ id, type, ...fields }, transfer || []);
    return promise;
  }

  /**
   * Read a file (a File or Blob, with `name`), or re-read the held one with other options (file null).
   * The page keeps only the Blob, not a copy of its bytes; the worker gets the bytes transferred.
   */
  async inspect(file, options) {
    const generation = this.generation;
    if (file) {
      const bytes = await file.arrayBuffer();
      const summary = await this.request("inspect", { file: { name: file.name, bytes }, options },
                                         { transfer: [bytes] });
      // held only once read: a file that fails leaves the one the user had (PROTOCOL.md); and not
      // at all if the user cleared the data meanwhile
      if (generation === this.generation) this.heldFile = { name: file.name, blob: file, options };
      return summary;
    }
    const summary = await this.request("inspect", { options });
    if (this.heldFile && generation === this.generation) this.heldFile.options = options;
    return summary;
  }

  synthesise(settings, onProgress) {
    return this.request("synthesise", { settings }, { onProgress });
  }

  /** Method dp: the domain suggested from the held table, for the domain editor to prefill (marked). */
  dpDomain() {
    return this.request("dp_domain");
  }

  /** Method dp: the privacy-utility curve of the held table at epsilon 0.1-10 with these settings. */
  dpCurve(settings, onProgress) {
    return this.request("dp_curve", { settings }, { onProgress });
  }

  evaluate(options, onProgress) {
    return this.request("evaluate", { options }, { onProgress });
  }

  /** `set`: with m > 1 synthetic data sets, which one (1..m) a csv, csv-standard or json download holds. */
  export(format, lang, onProgress, set) {
    return this.request("export", { format, lang, ...(set ? { set } : {}) }, { onProgress });
  }

  clear() {
    this.heldFile = null;
    this.generation++; // a read still under way does not bring the file back
    return this.request("clear");
  }

  /**
   * Stop a running request. The worker is asked first; if the request has not ended within a
   * second, the worker is replaced and the held file re-sent, so the page stays usable.
   */
  /** End a settings search early; the request still completes, with the best candidate so far. */
  stopSearch(promise) {
    if (this.pending.has(promise.id)) this.worker.postMessage({ id: 0, type: "stop", target: promise.id });
  }

  cancel(promise) {
    const id = promise.id;
    if (!this.pending.has(id)) return Promise.resolve();
    this.worker.postMessage({ id: 0, type: "cancel", target: id });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending.has(id)) this.restart();
        resolve();
      }, CANCEL_GRACE_MS);
      promise.catch(() => {}).finally(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  restart() {
    this.worker.terminate();
    const cancelled = { kind: "cancelled", code: "cancelled", params: {}, column: null, message: "Stopped." };
    for (const [, p] of this.pending) {
      const err = new Error("Stopped.");
      err.info = cancelled;
      p.reject(err);
    }
    this.pending.clear();
    this.start();
    const held = this.heldFile;
    // kept so a caller can wait for the file to be back before its next request (report.js)
    this.reread = held ? this.inspect(held.blob, held.options) : null;
    this.onRestart(this.reread);
  }
}
