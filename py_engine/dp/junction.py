"""A junction-tree graphical model for AIM (post-processing only: it sees noisy answers, never rows).

Private-PGM (McKenna, Sheldon & Miklau 2019, arXiv 1901.09136) on a general junction tree:
p(x) proportional to exp(sum_C theta_C(x_C)) over the measured cliques C. The cliques' graph is
triangulated by greedy min-fill elimination; the maximal cliques are joined by a maximum spanning
tree on the sizes of their intersections (a junction tree, Koller & Friedman 2009 s10.4). Exact
marginals by two-pass belief propagation in log space; the marginal of any attribute set Q is the
product formula prod_c mu_c / prod_s mu_s over the smallest subtree covering Q, summed to Q.

Fit: mirror descent on theta with the loss L = sum_m ||mu_{C_m} - y_m||^2 / (2 v_m) (v_m the noise
variance per cell), step theta_C <- theta_C - alpha dL/dmu_C, alpha doubled each iteration and halved
until L drops by >= alpha/2 <dL, mu_old - mu_new> (Armijo, as mbi's MirrorDescent). Warm start:
theta is kept per measured clique, so a new junction tree (after a new clique) starts from the old fit.
"""

from __future__ import annotations

import math

import numpy as np


def _lse(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    if not axes:
        return a
    m = a.max(axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.squeeze(m, axis=axes) + np.log(np.exp(a - m).sum(axis=axes))


class JunctionTree:
    def __init__(self, sizes: dict[str, int], cliques: list[tuple[str, ...]], tree: bool = True):
        self.sizes = dict(sizes)
        self.names = list(sizes)
        self.pos = {c: i for i, c in enumerate(self.names)}
        self.cliques = self._maximal_cliques(cliques)
        if tree:
            self._tree()

    @classmethod
    def size_of(cls, sizes: dict[str, int], cliques: list[tuple[str, ...]]) -> int:
        """Cells of the junction tree the cliques would make (AIM's model-size filter)."""
        return cls(sizes, cliques, tree=False).size()

    def sort(self, vars_) -> tuple[str, ...]:
        return tuple(sorted(set(vars_), key=self.pos.__getitem__))

    def cells(self, vars_) -> int:
        return math.prod(self.sizes[v] for v in vars_)

    def _maximal_cliques(self, cliques) -> list[tuple[str, ...]]:
        adj = {c: set() for c in self.names}
        for cl in cliques:
            for a in cl:
                adj[a].update(b for b in cl if b != a)
        left, elim = set(self.names), []
        while left:
            def fill(v):
                nb = adj[v] & left
                return sum(1 for a in nb for b in nb if a < b and b not in adj[a])
            v = min(left, key=lambda v: (fill(v), self.cells((adj[v] & left) | {v}), self.pos[v]))
            nb = adj[v] & left
            for a in nb:
                adj[a].update(nb - {a})
            elim.append(self.sort(nb | {v}))
            left.remove(v)
        uniq = sorted(set(elim), key=lambda c: (-len(c), [self.pos[v] for v in c]))
        out: list[tuple[str, ...]] = []
        for c in uniq:
            if not any(set(c) <= set(o) for o in out):
                out.append(c)
        return out

    def _tree(self) -> None:
        k = len(self.cliques)
        pairs = sorted(((len(set(self.cliques[i]) & set(self.cliques[j])), i, j)
                        for i in range(k) for j in range(i + 1, k)), key=lambda t: (-t[0], t[1], t[2]))
        comp = list(range(k))

        def find(i):
            while comp[i] != i:
                i = comp[i]
            return i

        nb = {i: [] for i in range(k)}
        for _, i, j in pairs:
            if find(i) != find(j):
                comp[find(i)] = find(j)
                nb[i].append(j)
                nb[j].append(i)
        self.parent: dict[int, int | None] = {0: None}
        self.order = [0]
        for c in self.order:
            for g in nb[c]:
                if g not in self.parent:
                    self.parent[g] = c
                    self.order.append(g)
        self.sep = {c: self.sort(set(self.cliques[c]) & set(self.cliques[p]))
                    for c, p in self.parent.items() if p is not None}

    def size(self) -> int:
        return sum(self.cells(c) for c in self.cliques)

    def home(self, vars_) -> int | None:
        """A junction-tree clique containing vars_, or None."""
        s = set(vars_)
        for i, c in enumerate(self.cliques):
            if s <= set(c):
                return i
        return None

    def _expand(self, a: np.ndarray, frm, to) -> np.ndarray:
        return a.reshape([self.sizes[v] if v in frm else 1 for v in to])

    def _sum_axes(self, frm, keep) -> tuple[int, ...]:
        return tuple(i for i, v in enumerate(frm) if v not in keep)

    def calibrate(self, theta: dict[tuple[str, ...], np.ndarray], total: float) -> list[np.ndarray]:
        """Clique marginals (counts summing to total) of p proportional to exp(sum theta)."""
        pot = [np.zeros([self.sizes[v] for v in c]) for c in self.cliques]
        for cl, t in theta.items():
            h = self.home(cl)
            pot[h] = pot[h] + self._expand(t, cl, self.cliques[h])
        inc = [p.copy() for p in pot]
        up = {}
        for c in reversed(self.order):
            p = self.parent[c]
            if p is not None:
                up[c] = _lse(inc[c], self._sum_axes(self.cliques[c], self.sep[c]))
                inc[p] = inc[p] + self._expand(up[c], self.sep[c], self.cliques[p])
        belief = [None] * len(self.cliques)
        for c in self.order:
            p = self.parent[c]
            if p is None:
                belief[c] = inc[c]
            else:
                down = _lse(belief[p] - self._expand(up[c], self.sep[c], self.cliques[p]),
                            self._sum_axes(self.cliques[p], self.sep[c]))
                belief[c] = inc[c] + self._expand(down, self.sep[c], self.cliques[c])
        logz = float(_lse(belief[0], tuple(range(belief[0].ndim))))
        return [total * np.exp(b - logz) for b in belief]

    def project(self, marg: list[np.ndarray], vars_) -> np.ndarray:
        """The model's marginal on vars_ (sorted), from the calibrated clique marginals."""
        q = self.sort(vars_)
        h = self.home(q)
        if h is not None:
            return marg[h].sum(axis=self._sum_axes(self.cliques[h], q)).reshape([self.sizes[v] for v in q])
        # smallest subtree covering q: the union of the tree paths from each var's clique to the first
        ends = [next(i for i, c in enumerate(self.cliques) if v in c) for v in q]

        def path(i):
            out = [i]
            while self.parent[out[-1]] is not None:
                out.append(self.parent[out[-1]])
            return out

        paths = [path(i) for i in ends]
        common = next(c for c in paths[0] if all(c in p for p in paths))
        sub = set()
        for p in paths:
            sub.update(p[:p.index(common) + 1])
        total = float(marg[0].sum())
        letters = {v: i for i, v in enumerate(self.names)}
        ops = []
        for c in sub:
            ops += [marg[c] / total, [letters[v] for v in self.cliques[c]]]
            if c != common and self.parent[c] in sub:
                s = marg[c].sum(axis=self._sum_axes(self.cliques[c], self.sep[c])) / total
                ops += [np.where(s > 0, 1.0 / np.where(s > 0, s, 1.0), 0.0), [letters[v] for v in self.sep[c]]]
        return total * np.einsum(*ops, [letters[v] for v in q], optimize="greedy")


def fit(jt: JunctionTree, theta: dict, meas: list[tuple[tuple[str, ...], np.ndarray, np.ndarray]], total: float,
        iters: int) -> tuple[dict, list[np.ndarray]]:
    """Mirror descent from theta (warm start); meas = [(clique, noisy counts, variance per cell)]."""
    theta = {cl: theta.get(cl, np.zeros([jt.sizes[v] for v in cl])) for cl in {m[0] for m in meas}}

    def loss(marg):
        L, g = 0.0, {cl: 0.0 for cl in theta}
        for cl, y, v in meas:
            d = jt.project(marg, cl) - y
            L += 0.5 * float((d * d / v).sum())
            g[cl] = g[cl] + d / v
        return L, g

    marg = jt.calibrate(theta, total)
    L, g = loss(marg)
    alpha = 1.0 / total
    mu = {cl: jt.project(marg, cl) for cl in theta}
    for _ in range(iters):
        alpha *= 2.0
        for _ls in range(25):
            t2 = {cl: theta[cl] - alpha * g[cl] for cl in theta}
            m2 = jt.calibrate(t2, total)
            L2, g2 = loss(m2)
            mu2 = {cl: jt.project(m2, cl) for cl in theta}
            dec = sum(float((g[cl] * (mu[cl] - mu2[cl])).sum()) for cl in theta)
            if L - L2 >= 0.5 * alpha * dec:
                break
            alpha *= 0.5
        theta, marg, L, g, mu = t2, m2, L2, g2, mu2
    return theta, marg


def sample(cliques: list[list[str]], order: list[int], parent: dict, marg: list[np.ndarray], sizes: dict,
           n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Ancestral sampling along the junction tree: the root clique jointly, then each clique's new
    attributes given its separator (inverse CDF on the Generator's uniforms)."""
    out: dict[str, np.ndarray] = {}
    for c in order:
        vars_ = list(cliques[c])
        p = parent[c]
        sep = [v for v in vars_ if p is not None and v in cliques[p]]
        new = [v for v in vars_ if v not in sep]
        m = np.maximum(np.asarray(marg[c], dtype=float), 0)
        m = np.transpose(m, [vars_.index(v) for v in sep + new])
        S = int(np.prod([sizes[v] for v in sep], dtype=np.int64)) if sep else 1
        N = m.size // S
        m = m.reshape(S, N)
        s = m.sum(axis=1, keepdims=True)
        cond = np.where(s > 0, m / np.where(s > 0, s, 1.0), 1.0 / N)
        cum = np.cumsum(cond, axis=1)
        cum[:, -1] = 1.0
        row = (np.ravel_multi_index([out[v] for v in sep], [sizes[v] for v in sep]) if sep
               else np.zeros(n, dtype=np.intp))
        flat = (cum + np.arange(S)[:, None]).ravel()
        k = np.searchsorted(flat, row + rng.random(n), side="right") - row * N
        k = np.clip(k, 0, N - 1)
        if new:
            for v, x in zip(new, np.unravel_index(k, [sizes[v] for v in new]), strict=True):
                out[v] = x.astype(np.intp)
    return out
