"""Differentially private synthesis (method "dp"): MST (McKenna, Miklau & Sheldon 2021,
arXiv 2108.04978) and AIM (McKenna, Mullins, Sheldon & Miklau 2022, arXiv 2201.12677) in numpy, in small auditable pieces:

accounting.py  rho-zCDP, (epsilon, delta) <-> rho (Canonne, Kamath & Steinke 2020), the odometer
domain.py      the public domain (levels, bounds, grid) from a declared domain file, never the data
mechanisms.py  discrete Gaussian and exponential mechanism on a cryptographic random source
measure.py     the sensitive table: reachable only through charged measurements
mst.py         1-way measurements, compression, tree selection, 2-way measurements
estimation.py  Private-PGM style mirror descent on the tree (exact belief propagation)
aim.py         AIM (McKenna et al. 2022): adaptive selection of 2-/3-way marginals, annealing, exact spend
junction.py    junction-tree graphical model for AIM (estimation and sampling; post-processing)
sampling.py    ancestral sampling and decoding (post-processing; the user's seed only here)
method.py      the engine's method "dp"

Neighbouring tables differ by adding or removing one row. Everything after measure.py's table is
closed is post-processing of DP output. Stages that read real rows after fitting (replicated-row
removal, density smoothing, imputation, identifier shapes) are refused for this method.
"""
