#!/usr/bin/env python3
"""hsb (../shared/data/hsb.csv, 7,185 pupils in 160 schools) with School declared categorical, CART with
defaults, seed 1: the share of synthetic rows whose school attribute is the real one of their school.

    .venv/bin/python benchmarks/manylevel_hsb.py .            # this branch
    .venv/bin/python benchmarks/manylevel_hsb.py /work/main   # today's main
"""

from __future__ import annotations

import importlib
import io
import sys
import time

import numpy as np
import pandas as pd

ATTRIBUTES = ["Sector", "Size", "PRACAD", "DISCLIM", "HIMINTY", "MEANSES"]


def main(engine: str) -> None:
    sys.path.insert(0, engine)
    reading = importlib.import_module("py_engine.reading")
    schema = importlib.import_module("py_engine.schema")
    dataset = importlib.import_module("py_engine.dataset")
    synthesis = importlib.import_module("py_engine.synthesis")
    data = open("/work/shared/data/hsb.csv", "rb").read()
    raw = reading.read_table(data)
    ds = dataset.from_raw(raw, schema.infer_schema(raw, {"School": {"type": "categorical"}}))
    t = time.process_time()
    res = synthesis.syn(ds, {"seed": 1})
    cpu = time.process_time() - t
    real = pd.read_csv(io.BytesIO(data))
    s = pd.read_csv(io.BytesIO(dataset.to_csv_bytes(res.synthetic)))
    out = {}
    for a in ATTRIBUTES:
        truth = s["School"].map(real.drop_duplicates("School").set_index("School")[a]).to_numpy()
        same = np.isclose(truth, s[a].to_numpy()) if real[a].dtype.kind in "fi" else truth == s[a].to_numpy()
        out[a] = round(float(np.mean(same)), 3)
    print(engine, "cpu s", round(cpu, 1), out, "visit:", res.settings.visit_sequence)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
