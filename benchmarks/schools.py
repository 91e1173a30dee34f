"""A reproducible table of pupils in schools in local authorities, for many-level categorical predictors.

    from benchmarks.schools import make_schools
    df = make_schools(n_pupils=31_000, n_schools=2_400, n_authorities=131, seed=2026)

Columns (in this order):
- school: a code "S0001".."S2400" (a categorical of n_schools levels; every school has at least one pupil)
- authority: the school's local authority "LA001".. (determined by school; authorities of unequal size)
- sector: "public" / "catholic" / "other", a school attribute (determined by school)
- gender: "f" / "m"
- age: 11..16, integer
- ses: a pupil's socio-economic score, one decimal; its mean differs between authorities
- track: "vmbo" / "havo" / "vwo" / "other", depends on ses
- score: an exam score, one decimal: a school effect + 4 * ses + noise (intraclass correlation ~0.25)

Everything comes from numpy's Generator with the given seed, so the same arguments give the same table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_schools(n_pupils: int = 31_000, n_schools: int = 2_400, n_authorities: int = 131,
                 seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # authorities of unequal size: Dirichlet-like weights, every authority at least one school
    w = rng.gamma(2.0, 1.0, n_authorities)
    auth_of_school = np.concatenate([np.arange(n_authorities),
                                     rng.choice(n_authorities, n_schools - n_authorities, p=w / w.sum())])
    rng.shuffle(auth_of_school)
    sector_of_school = rng.choice(3, n_schools, p=[0.6, 0.3, 0.1])
    school_effect = rng.normal(0, 5, n_schools)
    auth_ses = rng.normal(0, 0.5, n_authorities)
    # school sizes: every school at least one pupil, the rest by lognormal weights
    size_w = rng.lognormal(0, 0.6, n_schools)
    school = np.concatenate([np.arange(n_schools),
                             rng.choice(n_schools, n_pupils - n_schools, p=size_w / size_w.sum())])
    rng.shuffle(school)
    auth = auth_of_school[school]
    ses = np.round(auth_ses[auth] + rng.normal(0, 1, n_pupils), 1) + 0.0
    gender = rng.choice(np.array(["f", "m"]), n_pupils)
    age = rng.integers(11, 17, n_pupils)
    lin = ses + rng.normal(0, 1, n_pupils)
    track = np.select([lin < -0.8, lin < 0.4, lin < 1.5], ["vmbo", "havo", "vwo"], "other")
    score = np.round(50 + school_effect[school] + 4 * ses + rng.normal(0, 8, n_pupils), 1)
    return pd.DataFrame({
        "school": [f"S{i + 1:04d}" for i in school],
        "authority": [f"LA{a + 1:03d}" for a in auth],
        "sector": np.array(["public", "catholic", "other"])[sector_of_school[school]],
        "gender": gender,
        "age": age,
        "ses": ses,
        "track": track,
        "score": score,
    })


def in_real_authority(real: pd.DataFrame, synthetic: pd.DataFrame, key: str = "school",
                      attr: str = "authority") -> float:
    """Share of synthetic rows whose `attr` is the one the real data give their `key` (school -> authority)."""
    truth = real.drop_duplicates(key).set_index(key)[attr].astype(str)
    got = synthetic[key].astype(str).map(truth)
    return float(np.mean(got.to_numpy() == synthetic[attr].astype(str).to_numpy()))
