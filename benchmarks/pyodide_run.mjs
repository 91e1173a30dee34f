// Run a Python benchmark script inside Pyodide under Node (no browser): the same runtime the page uses.
//   node benchmarks/pyodide_run.mjs SITE_PYODIDE_DIR REPO_DIR SCRIPT.py [args...]
// The engine's sources (py_engine/) and tests/data/real are copied into Pyodide's file system.
import fs from "fs";
import path from "path";
import { pathToFileURL } from "url";

const [indexDir, repo, script, ...args] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(indexDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: indexDir + "/" });
await py.loadPackage(["numpy", "scipy", "pandas", "scikit-learn"], { messageCallback: () => {} });

function copyTree(src, dst, filter) {
  py.FS.mkdirTree(dst);
  for (const name of fs.readdirSync(src)) {
    const s = path.join(src, name), d = dst + "/" + name;
    if (fs.statSync(s).isDirectory()) { if (name !== "__pycache__") copyTree(s, d, filter); }
    else if (filter(name)) py.FS.writeFile(d, fs.readFileSync(s));
  }
}
copyTree(path.join(repo, "py_engine"), "/repo/py_engine", (n) => /\.(py|json)$/.test(n));
copyTree(path.join(repo, "tests/data/real"), "/repo/tests/data/real", (n) => n.endsWith(".csv"));
copyTree(path.join(repo, "benchmarks"), "/repo/benchmarks", (n) => n.endsWith(".py"));
py.FS.mkdirTree("/repo/benchmarks/results");
py.runPython(`import sys, os; sys.path.insert(0, "/repo"); os.chdir("/repo"); sys.argv = ${JSON.stringify([script, ...args])}`);
await py.runPythonAsync(`
import runpy
try:
    runpy.run_path("/repo/${script}", run_name="__main__")
except SystemExit as exit:
    if exit.code:
        raise
`);
// results written inside Pyodide are copied back
for (const name of py.FS.readdir("/repo/benchmarks/results")) {
  if (name.endsWith(".json")) fs.writeFileSync(path.join(repo, "benchmarks/results", name), py.FS.readFile("/repo/benchmarks/results/" + name));
}
