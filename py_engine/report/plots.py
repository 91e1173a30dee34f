"""The report's figures, drawn with matplotlib's object-oriented API on the Agg backend (no pyplot,
no global figure state) from the data in the report dict, as PNG bytes.

matplotlib is imported only here, and only when a report is made. Text uses DejaVu Sans, the font
matplotlib ships (nothing is looked up on the system or the network).
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings

import numpy as np

from .text import Words, clip, clip_middle

REAL, SYN = "#1f5fa8", "#e08214"  # blue and orange: apart for colour-blind readers and in grey
MISSING_CELL = "#d9d9d9"
DPI = 150
RC = {
    "font.family": "DejaVu Sans", "font.size": 7, "axes.titlesize": 7.5, "axes.labelsize": 6.5,
    "xtick.labelsize": 6, "ytick.labelsize": 6, "legend.fontsize": 7, "axes.linewidth": 0.6,
    "xtick.major.width": 0.5, "ytick.major.width": 0.5, "xtick.major.size": 2.5, "ytick.major.size": 2.5,
    "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": DPI, "savefig.dpi": DPI,
    "axes.unicode_minus": True, "axes.titlelocation": "left", "axes.titleweight": "bold",
}


def _wrap(title: str, width: int = 30) -> str:
    return textwrap.fill(title, width)


def _mpl():
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return matplotlib, Figure, FigureCanvasAgg


class Plotter:
    """Makes the figures of one report in one language."""

    def __init__(self, words: Words):
        self.w = words
        self.mpl, self.Figure, self.Canvas = _mpl()
        from matplotlib import ticker

        self.ticker = ticker

    # -- helpers
    def _figure(self, width_cm: float, height_cm: float):
        fig = self.Figure(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=DPI)
        self.Canvas(fig)
        return fig

    def _png(self, fig) -> bytes:
        buf = io.BytesIO()
        with self.mpl.rc_context(RC), warnings.catch_warnings():
            # DejaVu Sans has no CJK glyphs: such labels show empty boxes (a known limit), not a warning each
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
            fig.savefig(buf, format="png", dpi=DPI)
        return buf.getvalue()

    def _numfmt(self, ax, axis: str = "y"):
        w = self.w
        fmt = self.ticker.FuncFormatter(lambda x, _pos: w.num(x, 4, trim=True))
        (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)

    def draw(self, fn, *args, **kwargs) -> bytes:
        with self.mpl.rc_context(RC):
            fig = fn(*args, **kwargs)
            return self._png(fig)

    # -- per column: real vs synthetic, side by side
    def columns_page(self, items: list[dict], ncols: int = 2) -> tuple[bytes, float]:
        """A page of small plots, one per column (real and synthetic side by side); returns (png,
        height in cm)."""

        def make():
            rows = math.ceil(len(items) / ncols)
            row_cm = 5.6
            height = row_cm * rows + 1.0
            fig = self._figure(17.0, height)
            gs = fig.add_gridspec(rows, ncols, left=0.165, right=0.985, top=1 - 1.2 / height,
                                  bottom=1.0 / height, hspace=0.62, wspace=0.75)
            for i, item in enumerate(items):
                ax = fig.add_subplot(gs[i // ncols, i % ncols])
                self._column_axes(ax, item)
            handles = [self.mpl.patches.Patch(color=REAL, label=self.w.t("report.real")),
                       self.mpl.patches.Patch(color=SYN, label=self.w.t("report.synthetic"))]
            fig.legend(handles=handles, loc="upper center", ncol=2, frameon=False,
                       bbox_to_anchor=(0.5, 1.0))
            fig.height_cm = height
            return fig

        with self.mpl.rc_context(RC):
            import matplotlib.patches  # noqa: F401 - self.mpl.patches

            fig = make()
            return self._png(fig), fig.height_cm

    def _column_axes(self, ax, item: dict):
        w = self.w
        plot = item.get("plot") or {}
        title = clip(item["name"], 38)
        ax.set_title(title)
        real = np.asarray(plot.get("real") or [], float)
        syn = np.asarray(plot.get("synthetic") or [], float)
        other = plot.get("other")
        tot_r = real.sum() + (other["real"] if other else 0)
        tot_s = syn.sum() + (other["synthetic"] if other else 0)
        if real.size == 0 or (tot_r == 0 and tot_s == 0):
            ax.text(0.5, 0.5, w.t("report.no_values"), ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            return
        pr = real / tot_r if tot_r else real * 0
        ps = syn / tot_s if tot_s else syn * 0
        kind = plot.get("kind")
        ax.set_ylabel(w.t("report.share"))
        self._numfmt(ax, "y")
        if kind == "histogram":
            edges = np.asarray(plot["edges"], float)
            width = np.diff(edges)
            left = edges[:-1]
            ax.bar(left, pr, width=width / 2, align="edge", color=REAL, linewidth=0)
            ax.bar(left + width / 2, ps, width=width / 2, align="edge", color=SYN, linewidth=0)
            labels = plot.get("edge_labels")
            if labels:
                idx = np.linspace(0, len(edges) - 1, 4).round().astype(int)
                ax.set_xticks(edges[idx])
                ax.set_xticklabels([labels[i] for i in idx], rotation=20, ha="right")
            else:
                ax.xaxis.set_major_locator(self.ticker.MaxNLocator(5))
                self._numfmt(ax, "x")
        elif kind == "values":
            vals = np.asarray(plot["values"], float)
            x = np.arange(vals.size)
            ax.bar(x - 0.2, pr, width=0.4, color=REAL, linewidth=0)
            ax.bar(x + 0.2, ps, width=0.4, color=SYN, linewidth=0)
            step = max(1, math.ceil(vals.size / 10))
            ax.set_xticks(x[::step])
            ax.set_xticklabels([w.num(v, 2, trim=True) for v in vals[::step]])
        elif plot.get("rank"):  # many levels: the rank-frequency curves and the top levels as text
            rk = plot["rank"]
            for side, colour, style in (("real", REAL, "-"), ("synthetic", SYN, "--")):
                c = rk[side]
                if c["ranks"]:
                    ax.plot(np.asarray(c["ranks"], float), np.asarray(c["shares"], float), color=colour,
                            linewidth=1.2, linestyle=style)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(clip(w.t("report.rank_title", column=item["name"], n=w.int(rk["n_real"])), 44))
            ax.set_xlabel(w.t("report.rank_axis"))
            top = [f"{clip(lab, 14)}: {w.pct(a)} / {w.pct(b)}" for lab, a, b in
                   list(zip(plot.get("labels") or [], pr, ps, strict=False))[:5]]
            ax.text(0.02, 0.03, "\n".join([w.t("report.rank_top")] + top), transform=ax.transAxes, fontsize=4.6,
                    va="bottom", ha="left", family="DejaVu Sans",
                    bbox={"facecolor": "white", "edgecolor": "#cccccc", "linewidth": 0.4, "pad": 1.5})
        else:  # bars: categories, horizontal so long labels stay readable
            labels = [clip(lab, 22) for lab in plot.get("labels") or []]
            if other:
                labels.append(w.t("report.other_levels", n=w.int(other["n_levels"])))
                pr = np.append(pr, other["real"] / tot_r if tot_r else 0)
                ps = np.append(ps, other["synthetic"] / tot_s if tot_s else 0)
            y = np.arange(len(labels))
            ax.barh(y - 0.2, pr, height=0.4, color=REAL, linewidth=0)
            ax.barh(y + 0.2, ps, height=0.4, color=SYN, linewidth=0)
            ax.set_yticks(y)
            size = 6 if len(labels) <= 10 else 5 if len(labels) <= 16 else 4.3
            ax.set_yticklabels(labels, fontsize=size)
            ax.invert_yaxis()
            ax.set_ylabel("")
            ax.set_xlabel(w.t("report.share"))
            ax.xaxis.set_major_locator(self.ticker.MaxNLocator(4))
            self._numfmt(ax, "x")

    # -- heat maps
    def heatmap(self, matrix, labels: list[str], *, vmin: float, vmax: float, cmap: str, title: str = "",
                colorbar: str = "", annotate_digits: int = 1, width_cm: float = 17.0) -> bytes:
        def make():
            n = len(labels)
            cell = min(1.1, 12.0 / max(n, 1))
            side = cell * n
            height = side + 3.6
            fig = self._figure(width_cm, height)
            ax = fig.add_axes([3.4 / width_cm, 3.0 / height, side / width_cm, side / height])
            cax = fig.add_axes([(3.6 + side) / width_cm, 3.0 / height, 0.3 / width_cm, side / height])
            self._heat(ax, cax, matrix, labels, vmin, vmax, cmap, annotate_digits, colorbar)
            if title:
                fig.text(0.02, 1 - 0.35 / height, title, weight="bold", va="top")
            return fig

        return self.draw(make)

    def heatmap_pair(self, left, right, labels, *, vmin, vmax, cmap, titles, colorbar="", annotate_digits=2):
        """Two heat maps side by side with one colour scale (real and synthetic)."""

        def make():
            n = len(labels)
            width = 17.0
            label_cm = 2.5
            side = min(6.3, 0.6 * n + 0.6)
            height = side + label_cm + 0.8
            fig = self._figure(width, height)
            for k, mat in enumerate((left, right)):
                x0 = label_cm + k * (side + 0.5)
                ax = fig.add_axes([x0 / width, label_cm / height, side / width, side / height])
                cax = None
                if k == 1:
                    cax = fig.add_axes([(x0 + side + 0.25) / width, label_cm / height, 0.25 / width, side / height])
                self._heat(ax, cax, mat, labels, vmin, vmax, cmap, annotate_digits if n <= 10 else None,
                           colorbar, small=True)
                if k == 1:
                    ax.set_yticklabels([])
                ax.set_title(titles[k], loc="left", fontsize=7.5, pad=4)
            return fig

        return self.draw(make)

    def _heat(self, ax, cax, matrix, labels, vmin, vmax, cmap, annotate_digits, colorbar, small=False):
        n = len(labels)
        m = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix], float)
        cm = self.mpl.colormaps[cmap].copy()
        cm.set_bad(MISSING_CELL)
        im = ax.imshow(np.ma.masked_invalid(m), vmin=vmin, vmax=vmax, cmap=cm, interpolation="nearest",
                       aspect="auto")
        short = [clip_middle(lab, 20 if n <= 15 else 17) for lab in labels]
        size = 6 if n <= 12 else 5 if n <= 20 else max(2.8, 5 - (n - 20) * 0.06)
        if small:
            size = min(size, 5.5)
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        ax.set_xticklabels(short, rotation=60, ha="right", rotation_mode="anchor", fontsize=size)
        ax.set_yticklabels(short, fontsize=size)
        ax.tick_params(length=0)
        for s in ax.spines.values():
            s.set_visible(False)
        if annotate_digits is not None and n <= 15:
            for i in range(n):
                for j in range(n):
                    v = m[i, j]
                    if np.isnan(v) or i == j:
                        continue
                    span = (vmax - vmin) or 1
                    frac = (v - vmin) / span
                    dark = frac > 0.65 or (cmap in ("RdBu_r", "PuOr_r", "BrBG") and abs(frac - 0.5) > 0.33)
                    ax.text(j, i, self.w.num(v, annotate_digits, fixed=True), ha="center", va="center",
                            fontsize=4.6 if n <= 10 else 3.6, color="white" if dark else "#222222")
        if cax is not None:
            cb = ax.figure.colorbar(im, cax=cax)
            cb.ax.tick_params(labelsize=5.5, length=2)
            cb.outline.set_linewidth(0.4)
            cb.ax.yaxis.set_major_formatter(self.ticker.FuncFormatter(lambda x, _p: self.w.num(x, 2, trim=True)))
            if colorbar:
                cb.set_label(colorbar, fontsize=6)

    # -- confidence intervals of regression coefficients, real vs synthetic
    def ci_forest(self, terms: list[dict], labels: list[str]) -> bytes:
        def make():
            n = len(terms)
            height = 0.55 * n + 1.8
            fig = self._figure(17.0, height)
            ax = fig.add_axes([6.2 / 17, 1.1 / height, 10.3 / 17, (height - 1.6) / height])
            y = np.arange(n)
            for k, (key, color, off) in enumerate((("real", REAL, -0.15), ("synthetic", SYN, 0.15))):
                est = np.array([t[key][0] if t.get(key) else np.nan for t in terms], float)
                lo = np.array([t[key][1] if t.get(key) else np.nan for t in terms], float)
                hi = np.array([t[key][2] if t.get(key) else np.nan for t in terms], float)
                ax.errorbar(est, y + off, xerr=[est - lo, hi - est], fmt="o", ms=2.5, color=color, lw=0.9,
                            capsize=1.5, label=self.w.t("report.real" if k == 0 else "report.synthetic"))
            ax.axvline(0, color="#888888", lw=0.5, ls="--")
            ax.set_yticks(y)
            ax.set_yticklabels([clip(lab, 44) for lab in labels], fontsize=5.8)
            ax.invert_yaxis()
            ax.set_xlabel(self.w.t("report.coefficient"))
            self._numfmt(ax, "x")
            ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False)
            return fig

        return self.draw(make)

    # -- issue 14: isolated records, SRD against RRD (DUOpop's scatter), distances only
    def isolated_scatter(self, rrd: list, srd: list, cut, threshold) -> bytes:
        def make():
            fig = self._figure(11.0, 7.5)
            ax = fig.add_axes([0.13, 0.15, 0.82, 0.78])
            ax.scatter(rrd, srd, s=4, color=SYN, alpha=0.6, linewidths=0)
            if cut is not None:
                ax.axvline(cut, color="#888888", lw=0.7, ls="--")
            if threshold is not None:
                ax.axhline(threshold, color=REAL, lw=0.7, ls=":")
            ax.set_xlabel("RRD")
            ax.set_ylabel("SRD")
            return fig

        return self.draw(make)

    # -- settings tuned per table (py_engine.optimise): the utility-risk front
    def front(self, points: list[dict], x_label: str, y_label: str, labels: dict,
              dp: list[dict] | None = None) -> bytes:
        """Each candidate a point (x: membership AUC, y: utility, lower is better on both); the front
        joined by a line, the defaults a square, the chosen one a ring, the DP runs (dp: {epsilon, x,
        y}) triangles. points: {id, x, y, front, chosen, default}; labels: {"front", "default",
        "chosen", "other", "dp"?} legend texts."""
        def make():
            fig = self._figure(14.0, 8.0)
            ax = fig.add_axes([0.1, 0.14, 0.55, 0.8])
            other = [p for p in points if not p["front"]]
            on = sorted((p for p in points if p["front"]), key=lambda p: p["x"])
            if other:
                ax.scatter([p["x"] for p in other], [p["y"] for p in other], s=14, color="#9a9a9a",
                           label=labels["other"], zorder=2)
            if on:
                ax.plot([p["x"] for p in on], [p["y"] for p in on], "-o", color=REAL, ms=4, lw=1,
                        label=labels["front"], zorder=3)
            for p in points:
                if p["default"]:
                    ax.scatter([p["x"]], [p["y"]], s=60, marker="s", facecolors="none", edgecolors="#222222",
                               linewidths=1.2, label=labels["default"], zorder=4)
                if p["chosen"]:
                    ax.scatter([p["x"]], [p["y"]], s=150, marker="o", facecolors="none", edgecolors=SYN,
                               linewidths=2, label=labels["chosen"], zorder=5)
            if dp:
                ax.scatter([p["x"] for p in dp], [p["y"] for p in dp], s=40, marker="^", facecolors="none",
                           edgecolors="#7b3294", linewidths=1.4, label=labels["dp"], zorder=4)
                for p in dp:
                    ax.annotate(f"ε = {self.w.num(p['epsilon'], 0)}", (p["x"], p["y"]), xytext=(4, 3),
                                textcoords="offset points", fontsize=6, color="#7b3294")
            ax.set_xlabel(x_label)
            ax.set_ylabel(y_label)
            self._numfmt(ax, "x")
            self._numfmt(ax, "y")
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, frameon=False)
            return fig

        return self.draw(make)

    # -- the attacks: membership AUC, inference rates, DCR quantiles
    def attacks(self, membership: dict | None, inference: dict | None, dcr: dict | None) -> bytes:
        w = self.w

        def make():
            panels = [p for p in (membership, inference, dcr) if p]
            fig = self._figure(17.0, 5.6)
            gs = fig.add_gridspec(1, max(len(panels), 1), left=0.08, right=0.98, top=0.84, bottom=0.2, wspace=0.45)
            k = 0
            if membership:
                ax = fig.add_subplot(gs[0, k])
                k += 1
                a, lo, hi = membership["auc"], membership["ci_low"], membership["ci_high"]
                ax.axvspan(0.4, 0.55, color="#e3f1e3")
                ax.axvspan(0.55, 0.65, color="#fff3d6")
                ax.axvspan(0.65, 1.0, color="#fbe1de")
                ax.axvline(0.5, color="#555555", lw=0.7, ls="--")
                ax.errorbar([a], [0], xerr=[[a - lo], [hi - a]], fmt="o", color="#222222", capsize=3, ms=4)
                ax.set_xlim(0.4, 1.0)
                ax.set_yticks([])
                ax.set_title(_wrap(w.t("report.plot.membership")))
                ax.set_xlabel("ROC-AUC")
                self._numfmt(ax, "x")
            if inference:
                ax = fig.add_subplot(gs[0, k])
                k += 1
                rates = [inference["main_rate"], inference["control_rate"]]
                cis = [inference.get("main_ci") or [None, None], inference.get("control_ci") or [None, None]]
                ys = [0, 1]
                for yy, r, ci, color in zip(ys, rates, cis, (SYN, "#6b6b6b"), strict=True):
                    if r is None:
                        continue
                    err = [[r - ci[0]], [ci[1] - r]] if ci[0] is not None else None
                    ax.errorbar([r], [yy], xerr=err, fmt="o", color=color, capsize=3, ms=4)
                ax.set_yticks(ys)
                ax.set_yticklabels([w.t("report.plot.train_rows"), w.t("report.plot.holdout_rows")])
                ax.set_ylim(-0.7, 1.7)
                ax.invert_yaxis()
                ax.set_xlim(0, 1)
                ax.set_title(_wrap(w.t("report.plot.inference")))
                ax.set_xlabel(w.t("report.plot.success_rate"))
                self._numfmt(ax, "x")
            if dcr:
                ax = fig.add_subplot(gs[0, k])
                q = np.asarray(dcr.get("quantiles") or [], float)
                ax.plot(q, dcr.get("train_quantiles") or [], "-o", color=REAL, ms=2.5, lw=1,
                        label=w.t("report.plot.train_rows"))
                ax.plot(q, dcr.get("holdout_quantiles") or [], "-s", color="#6b6b6b", ms=2.5, lw=1,
                        label=w.t("report.plot.holdout_rows"))
                ax.set_title(_wrap(w.t("report.plot.dcr")))
                ax.set_xlabel(w.t("report.plot.quantile"))
                ax.set_ylabel(w.t("report.plot.distance"))
                ax.legend(frameon=False, fontsize=6)
                self._numfmt(ax, "x")
                self._numfmt(ax, "y")
            return fig

        return self.draw(make)

    def group_sizes(self, key: str, hist: dict, ks: float | None) -> bytes:
        """Shares of groups per size bin, real vs synthetic (evaluation.structure.size_summary)."""
        w = self.w

        def make():
            fig = self._figure(12.0, 5.2)
            ax = fig.add_axes([0.1, 0.2, 0.86, 0.66])
            edges = np.asarray(hist["edges"], float)
            mid, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
            ax.bar(mid - width * 0.2, hist["real"], width=width * 0.4, color=REAL, label=w.t("report.real"))
            ax.bar(mid + width * 0.2, hist["synthetic"], width=width * 0.4, color=SYN, label=w.t("report.synthetic"))
            title = w.t("report.plot.group_sizes", group=key)
            if ks is not None:
                title += f" (KS D = {w.num(ks, 2)})"
            ax.set_title(_wrap(title, 70))
            ax.set_xlabel(w.t("report.plot.rows_per_group"))
            ax.set_ylabel(w.t("report.plot.share_of_groups"))
            ax.legend(frameon=False)
            self._numfmt(ax, "x")
            self._numfmt(ax, "y")
            return fig

        return self.draw(make)
