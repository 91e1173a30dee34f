"""The warm start (issue 11) in the real page: a second visit restores the memory snapshot and the
cached package files and bytecode, and gives the same bytes for a seed as the first visit and as
CPython; a damaged cache is not trusted: the page starts cold and stores a fresh one."""

from __future__ import annotations

from conftest import REAL, wait_ready
from helpers_engine import load_bytes
from test_synthesis_browser import SYNTH_IN_PAGE

from py_engine.dataset import to_csv_bytes
from py_engine.synthesis import syn

WARM_STORED = "() => Array.isArray(window.localsynth.state.warmStored)"
TIMINGS_WARM = "() => window.localsynth.state.timings.warm"

# Damage both entries, keeping their build and length: the snapshot becomes noise, and the files
# blob a well-formed one that names a shared library that does not exist (so the warm start fails
# only once Python runs, and must fall back).
DAMAGE = """async () => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open("localsynth-warm", 1);
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  const get = (name) => new Promise((ok) => {
    const r = db.transaction("entries").objectStore("entries").get(name);
    r.onsuccess = () => ok(r.result);
  });
  const put = (name, entry) => new Promise((ok) => {
    const tx = db.transaction("entries", "readwrite");
    tx.objectStore("entries").put(entry, name);
    tx.oncomplete = ok;
  });
  const snap = await get("snapshot");
  const noise = new Uint8Array(snap.bytes.byteLength).fill(7);
  await put("snapshot", { ...snap, bytes: noise.buffer });
  const files = await get("files");
  const enc = new TextEncoder();
  const meta = enc.encode(JSON.stringify({ format: 1, packages: { numpy: ["/nowhere/missing.so"] }, stdlib_dir: "/x" }));
  const path = enc.encode("#meta");
  const blob = new Uint8Array(8 + 4 + 4 + path.length + 4 + meta.length);
  blob.set(enc.encode("LSWARM1\\n"), 0);
  const v = new DataView(blob.buffer);
  v.setUint32(8, 1, true);
  v.setUint32(12, path.length, true);
  blob.set(path, 16);
  v.setUint32(16 + path.length, meta.length, true);
  blob.set(meta, 20 + path.length);
  await put("files", { ...files, bytes: blob.buffer, length: blob.byteLength });
  return [snap.build === files.build, snap.bytes.byteLength];
}"""


def _visit(ctx, console: list[str] | None = None):
    """Open the page in this context (its IndexedDB persists between visits) and wait for ready."""
    page = ctx.new_page()
    page.set_default_timeout(240_000)
    if console is not None:
        page.on("console", lambda m: console.append(m.text))
    page.goto(ctx.localsynth_url)
    wait_ready(page)
    return page


def _context(browser, server):
    ctx = browser.new_context(service_workers="block")
    ctx.localsynth_url = server.url + "?lang=en"
    return ctx


def _synthesise(page) -> str:
    data = (REAL / "wage.csv").read_bytes()
    return page.evaluate(SYNTH_IN_PAGE, [data.decode("utf-8"), "wage.csv", {"method": "cart", "seed": 5}])


def test_a_second_visit_starts_warm_and_gives_the_same_bytes(browser, server):
    ctx = _context(browser, server)
    try:
        page = _visit(ctx)
        assert page.evaluate(TIMINGS_WARM) == {"snapshot": False, "files": False}
        first = _synthesise(page)
        page.wait_for_function(WARM_STORED)
        assert sorted(page.evaluate("() => window.localsynth.state.warmStored")) == ["files", "snapshot"]
        page.close()

        page = _visit(ctx)
        assert page.evaluate(TIMINGS_WARM) == {"snapshot": True, "files": True}
        second = _synthesise(page)
        data = (REAL / "wage.csv").read_bytes()
        on_cpython = to_csv_bytes(syn(load_bytes(data, name="wage.csv"), {"method": "cart", "seed": 5}).synthetic)
        assert len(first) > 1000
        assert first == second == on_cpython.decode("utf-8")
    finally:
        ctx.close()


def test_a_damaged_cache_starts_cold_and_is_stored_again(browser, server):
    ctx = _context(browser, server)
    try:
        page = _visit(ctx)
        page.wait_for_function(WARM_STORED)
        same_build, length = page.evaluate(DAMAGE)
        assert same_build and length > 1_000_000
        page.close()

        messages: list[str] = []
        page = _visit(ctx, messages)
        # neither entry was used: the noise is no snapshot, and the files' warm start failed and fell back
        assert page.evaluate(TIMINGS_WARM) == {"snapshot": False, "files": False}
        assert any("warm start failed" in m for m in messages), messages
        assert page.get_attribute("#runtime-status", "data-state") == "ready"
        # the page works, and a fresh cache is stored for the next visit
        out = _synthesise(page)
        assert out.count("\n") > 100
        page.wait_for_function(WARM_STORED)
        page.close()

        page = _visit(ctx)
        assert page.evaluate(TIMINGS_WARM) == {"snapshot": True, "files": True}
    finally:
        ctx.close()


WAIT_AND_CANCEL = """async (text) => {
  const eng = window.localsynth.engine;
  const worker = eng.worker;
  await eng.inspect(new File([text], "wage.csv", { type: "text/csv" }), { lang: "en" });
  const seen = [];
  const job = eng.synthesise({ method: "cart", seed: 1 }, (p) => seen.push(p.key));
  while (!seen.includes("load.later")) await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  eng.cancel(job);
  const code = await job.then(() => "finished", (e) => (e.info || {}).code);
  return { code, ms: performance.now() - t0, sameWorker: eng.worker === worker, seen };
}"""


def test_a_request_waiting_for_scipy_ends_at_once_when_cancelled(browser, server):
    """Requests other than reading wait for scipy and scikit-learn, which load after page-ready; a
    cancel then ends the wait itself (no worker restart), and the next request still works."""
    ctx = browser.new_context(service_workers="block")
    release = {"go": False, "held": 0}

    def slow_scipy(route):
        release["held"] += 1
        while not release["go"]:  # held until the test lets it go
            ctx.pages[0].wait_for_timeout(100) if ctx.pages else None
        route.continue_()

    try:
        page = ctx.new_page()
        page.set_default_timeout(240_000)
        page.route("**/scipy-*.whl", slow_scipy)
        page.goto(server.url + "?lang=en")
        wait_ready(page)
        data = (REAL / "wage.csv").read_text(encoding="utf-8")
        out = page.evaluate(WAIT_AND_CANCEL, data)
        assert release["held"] == 1  # the worker's fetch of the scipy wheel was held
        assert out["code"] == "cancelled" and out["sameWorker"], out
        assert out["ms"] < 900, out  # before engine.js's one-second grace, after which it would restart the worker
        release["go"] = True
        assert _synthesise(page).count("\n") > 100
    finally:
        release["go"] = True
        ctx.close()
