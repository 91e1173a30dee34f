// Run one synthesis in Pyodide under Node 20, from the built site's own runtime files (dist/site).
//   node benchmarks/pyodide_bench.mjs SITE_DIR TABLE.csv METHOD SEED
// Prints one JSON line: seconds for reading+schema and for synthesis, and the WebAssembly memory size
// after the run (wasm memory only grows, so this is the peak), with the versions used.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [site, table, method, seed] = process.argv.slice(2);
const indexURL = path.resolve(site, "pyodide") + path.sep;
const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, "pyodide.mjs")).href);
const t0 = performance.now();
const py = await loadPyodide({ indexURL, lockFileURL: path.join(indexURL, "pyodide-lock.json") });
await py.loadPackage(["numpy", "pandas", "scipy", "scikit-learn", "localsynth-engine"], { messageCallback: () => {} });
const tLoad = (performance.now() - t0) / 1000;
py.FS.writeFile("/tmp/in.csv", readFileSync(table));
py.globals.set("METHOD", method);
py.globals.set("SEED", Number(seed));
const out = await py.runPythonAsync(`
import json, time, platform
import numpy, pandas, sklearn
from py_engine.reading import read_table
from py_engine.schema import infer_schema
from py_engine.dataset import from_raw
from py_engine.synthesis import syn
t0 = time.perf_counter()
with open("/tmp/in.csv", "rb") as f:
    data = f.read()
raw = read_table(data)
del data
schema = infer_schema(raw)
ds = from_raw(raw, schema)
del raw
t1 = time.perf_counter()
res = syn(ds, {"method": METHOD, "seed": SEED})
t2 = time.perf_counter()
json.dumps({"read_s": t1 - t0, "synth_s": t2 - t1, "rows": ds.n_rows, "cols": len(ds.columns),
            "python": platform.python_version(), "numpy": numpy.__version__, "pandas": pandas.__version__,
            "sklearn": sklearn.__version__})
`);
const res = JSON.parse(out);
res.load_s = tLoad;
res.wasm_memory_bytes = py._module.HEAP8.buffer.byteLength;
res.node = process.version;
console.log(JSON.stringify(res));
