// One CART synthesis of a CSV in Pyodide under Node 20, with the engine's sources from a given folder (so
// today's main and a branch run in the same runtime). Used by benchmarks/manylevel.py.
//   node benchmarks/manylevel_bench.mjs SITE_PYODIDE_DIR ENGINE_REPO_DIR TABLE.csv SEED
// Prints one JSON line: seconds for reading+schema and for synthesis, the WebAssembly memory after the
// run (it only grows, so it is the peak), the CPU seconds of the synthesis (robust on a loaded machine) and the share of synthetic rows whose school lies in its real
// authority, and the sha256 of the synthetic CSV (the same seed gives the same bytes as on CPython).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [indexDir, repo, table, seed] = process.argv.slice(2);
const indexURL = path.resolve(indexDir) + path.sep;
const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL, lockFileURL: path.join(indexURL, "pyodide-lock.json") });
await py.loadPackage(["numpy", "scipy", "pandas", "scikit-learn"], { messageCallback: () => {} });

function copyTree(src, dst) {
  py.FS.mkdirTree(dst);
  for (const name of fs.readdirSync(src)) {
    const s = path.join(src, name), d = dst + "/" + name;
    if (fs.statSync(s).isDirectory()) { if (name !== "__pycache__") copyTree(s, d); }
    else if (/\.(py|json)$/.test(name)) py.FS.writeFile(d, fs.readFileSync(s));
  }
}
copyTree(path.join(repo, "py_engine"), "/engine/py_engine");
py.FS.writeFile("/tmp/in.csv", fs.readFileSync(table));
py.globals.set("SEED", Number(seed));
py.runPython(`
import hashlib, io, json, sys, time
sys.path.insert(0, "/engine")
import numpy as np, pandas as pd
from py_engine.reading import read_table
from py_engine.schema import infer_schema
from py_engine.dataset import from_raw, to_csv_bytes
from py_engine.synthesis import syn
t0 = time.perf_counter()
with open("/tmp/in.csv", "rb") as f:
    data = f.read()
raw = read_table(data)
ds = from_raw(raw, infer_schema(raw))
del raw
t1 = time.perf_counter()
`);
const cpu0 = process.cpuUsage();
py.runPython(`
res = syn(ds, {"method": "cart", "seed": SEED})
t2 = time.perf_counter()
`);
const cpu = process.cpuUsage(cpu0);
const out = py.runPython(`
real = pd.read_csv(io.BytesIO(data))
out_csv = to_csv_bytes(res.synthetic)
s = pd.read_csv(io.BytesIO(out_csv))
truth = real.drop_duplicates("school").set_index("school")["authority"]
share = float(np.mean(s["school"].map(truth).to_numpy() == s["authority"].to_numpy()))
json.dumps({"read_s": t1 - t0, "synth_s": t2 - t1, "rows": ds.n_rows, "in_real_authority": share, "sha256": hashlib.sha256(out_csv).hexdigest(),
            "notes": sorted({n["code"] for n in res.notes})})
`);
const res = JSON.parse(out);
res.synth_cpu_s = (cpu.user + cpu.system) / 1e6;
res.wasm_memory_bytes = py._module.HEAP8.buffer.byteLength;
res.node = process.version;
console.log(JSON.stringify(res));
