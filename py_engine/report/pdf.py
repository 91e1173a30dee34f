"""The evaluation report as a PDF: reportlab's platypus lays out text, tables and the matplotlib figures.

`build_pdf(report, lang)` is a generator of progress Steps (one per part) that returns the PDF bytes;
the report dict is the one `evaluation.evaluate_steps` makes (evaluation/REPORT.md). Every string is
a locale key (report.* and the metrics.*/verdict.* keys of the evaluation), in English or Dutch.
Fonts: DejaVu Sans from matplotlib's own data folder, embedded (subset) so any script in a column
name or label prints, and the same face as in the figures.
"""

from __future__ import annotations

import io
import os
from xml.sax.saxutils import escape

from ..progress import Step, Work
from .references import METHODS, REFERENCES
from .text import Words, clip

PARTS = ["prepare", "summary", "optimisation", "columns", "utility", "pairs", "combinations", "analysis", "structure",
         "disclosure", "codebook", "appendix", "write"]
PLOTS_PER_PAGE = 8
MAX_FOREST_TERMS = 24
FONT = "LocalSynthSans"

LEVEL_COLOURS = {"good": "#1a7f37", "low": "#1a7f37", "fair": "#8a5a00", "moderate": "#8a5a00",
                 "poor": "#b42318", "high": "#b42318", "unknown": "#57606a"}


def _register_fonts():
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    faces = {FONT: "DejaVuSans.ttf", FONT + "-Bold": "DejaVuSans-Bold.ttf",
             FONT + "-Italic": "DejaVuSans-Oblique.ttf", FONT + "-BoldItalic": "DejaVuSans-BoldOblique.ttf"}
    for name, file in faces.items():
        pdfmetrics.registerFont(TTFont(name, os.path.join(folder, file)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT + "-Bold")
    addMapping(FONT, 0, 1, FONT + "-Italic")
    addMapping(FONT, 1, 1, FONT + "-BoldItalic")


def build_pdf(report: dict, lang: str = "en") -> Work[bytes]:
    """Yield a Step before each part of the PDF; return the PDF bytes."""
    total = len(PARTS)
    yield Step("report", 1, total, "report.progress.prepare")
    doc = _Report(report, lang)
    for i, part in enumerate(PARTS[1:-1], start=2):
        yield Step("report", i, total, f"report.progress.{part}")
        getattr(doc, f"part_{part}")()
    yield Step("report", total, total, "report.progress.write")
    return doc.write()


class _Report:
    def __init__(self, report: dict, lang: str):
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_LEFT
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import cm

        from .plots import Plotter

        _register_fonts()
        self.r = report
        self.w = Words(lang)
        self.plot = Plotter(self.w)
        self.cm = cm
        self.colors = colors
        self.story: list = []
        self.section_no = 0
        base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12.5, alignment=TA_LEFT,
                              spaceAfter=5)
        self.st = {
            "body": base,
            "small": ParagraphStyle("small", parent=base, fontSize=7.8, leading=10.2, textColor="#444444"),
            "cell": ParagraphStyle("cell", parent=base, fontSize=7.8, leading=9.6, spaceAfter=0),
            "cellb": ParagraphStyle("cellb", parent=base, fontSize=7.8, leading=9.6, spaceAfter=0,
                                    fontName=FONT + "-Bold"),
            "h1": ParagraphStyle("h1", parent=base, fontName=FONT + "-Bold", fontSize=15, leading=19,
                                 spaceBefore=4, spaceAfter=8, textColor="#0b3d75"),
            "h2": ParagraphStyle("h2", parent=base, fontName=FONT + "-Bold", fontSize=11, leading=14,
                                 spaceBefore=10, spaceAfter=4, textColor="#0b3d75"),
            "title": ParagraphStyle("title", parent=base, fontName=FONT + "-Bold", fontSize=24, leading=29,
                                    spaceAfter=6, textColor="#0b3d75"),
            "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=17, spaceAfter=18),
            "ref": ParagraphStyle("ref", parent=base, fontSize=8, leading=10.5, leftIndent=12,
                                  firstLineIndent=-12, spaceAfter=3),
        }
        self.part_title()

    # ------------------------------------------------------------------ building blocks
    def t(self, key, **params) -> str:
        return self.w.t(key, **params)

    def p(self, text: str, style: str = "body", markup: bool = False):
        from reportlab.platypus import Paragraph

        return Paragraph(text if markup else escape(str(text)), self.st[style])

    def add(self, *flowables):
        self.story.extend(flowables)

    def para(self, text, style="body", markup=False):
        self.add(self.p(text, style, markup))

    def h1(self, key: str):
        from reportlab.platypus import CondPageBreak

        self.section_no += 1
        self.add(CondPageBreak(6 * self.cm))
        para = self.p(f"{self.section_no}  {self.t(key)}", "h1")
        para.outline_level = 0
        self.add(para)

    def h2(self, text: str):
        from reportlab.platypus import CondPageBreak

        self.add(CondPageBreak(4 * self.cm))
        para = self.p(text, "h2")
        para.outline_level = 1
        self.add(para)

    def table(self, rows: list[list], widths: list[float], header: bool = True, right: tuple = (),
              bold_first: bool = False, zebra: bool = True):
        """A table of text cells (wrapped), widths in cm; `right`: columns aligned right."""
        from reportlab.lib.enums import TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph, Table, TableStyle

        right_style = ParagraphStyle("cellr", parent=self.st["cell"], alignment=TA_RIGHT)
        right_head = ParagraphStyle("cellbr", parent=self.st["cellb"], alignment=TA_RIGHT)
        def cell_style(i, j):
            head = header and i == 0
            return (right_head if head else right_style) if j in right else \
                (self.st["cellb"] if head or (bold_first and j == 0) else self.st["cell"])

        widths = widths_for_words(rows, widths, cell_style, self.cm)
        data = []
        for i, row in enumerate(rows):
            out = []
            for j, v in enumerate(row):
                if not isinstance(v, str) and v is not None and hasattr(v, "wrap"):
                    out.append(v)
                    continue
                style = cell_style(i, j)
                txt = "" if v is None else str(v)
                out.append(Paragraph(escape(txt), fit_words(txt, style, widths[j] * self.cm - 6)))
            data.append(out)
        tab = Table(data, colWidths=[x * self.cm for x in widths], repeatRows=1 if header else 0, hAlign="LEFT")
        style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2.2),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                 ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                 ("LINEBELOW", (0, 0), (-1, -1), 0.3, self.colors.HexColor("#c9d1da"))]
        if header:
            style += [("BACKGROUND", (0, 0), (-1, 0), self.colors.HexColor("#e8eef5")),
                      ("LINEBELOW", (0, 0), (-1, 0), 0.6, self.colors.HexColor("#8c959f"))]
        if zebra:
            for i in range(1 if header else 0, len(data)):
                if (i - (1 if header else 0)) % 2 == 1:
                    style.append(("BACKGROUND", (0, i), (-1, i), self.colors.HexColor("#f6f8fa")))
        tab.setStyle(TableStyle(style))
        self.add(tab, self.spacer(0.25))
        return tab

    def spacer(self, h_cm: float):
        from reportlab.platypus import Spacer

        return Spacer(1, h_cm * self.cm)

    def image(self, png: bytes, height_cm: float, width_cm: float = 17.0):
        from reportlab.platypus import Image

        img = Image(io.BytesIO(png), width=width_cm * self.cm, height=height_cm * self.cm)
        img.hAlign = "LEFT"
        self.add(img, self.spacer(0.2))

    def image_auto(self, png: bytes, width_cm: float = 17.0):
        """A figure at its own aspect ratio."""
        from reportlab.lib.utils import ImageReader

        iw, ih = ImageReader(io.BytesIO(png)).getSize()
        height = width_cm * ih / iw
        max_h = 23.5
        if height > max_h:
            width_cm, height = width_cm * max_h / height, max_h
        self.image(png, height, width_cm)

    def ok(self, section: dict | None) -> bool:
        return bool(section) and section.get("status") == "ok"

    def reason_text(self, section: dict | None) -> str:
        section = section or {}
        reason = section.get("reason") or "not_computed"
        detail = section.get("detail") or ""
        return self.t(f"metrics.reason.{reason}", detail=detail)

    def not_computed(self, section: dict | None):
        self.para(self.t("report.not_computed_here", reason=self.reason_text(section)), "small")

    def name(self, metric: str) -> str:
        return self.t(f"metrics.name.{metric}")

    # ------------------------------------------------------------------ title page
    def part_title(self):
        from reportlab.platypus import PageBreak

        w, ctx, data = self.w, self.r.get("context") or {}, self.r.get("data") or {}
        self.add(self.spacer(2.5))
        self.para("LocalSynth", "subtitle")
        self.para(self.t("report.title"), "title")
        self.para(ctx.get("file_name") or self.t("report.unknown"), "subtitle")
        n_real = (data.get("n_train") or 0) + (data.get("n_holdout") or 0)
        method = ctx.get("method") or (ctx.get("settings") or {}).get("method")
        hold = data.get("n_holdout") or 0
        rows = [
            [self.t("report.fact.file"), ctx.get("file_name") or "–"],
            [self.t("report.fact.rows"), w.int(n_real)],
            [self.t("report.fact.columns"), w.int(len(data.get("columns") or []))],
            [self.t("report.fact.synthetic_rows"), w.int(data.get("n_synthetic"))],
            [self.t("report.fact.method"), self.t(f"method.{method}") if method else "–"],
            [self.t("report.fact.settings"), self.settings_text(ctx.get("settings") or {})],
            [self.t("report.fact.seed"), str(ctx.get("seed", "–")) if len(ctx.get("seeds") or []) < 2 else
             self.t("report.fact.seeds", m=w.int(len(ctx["seeds"])), seeds=", ".join(str(s) for s in ctx["seeds"]))],
            [self.t("report.fact.fitted"), self.t("report.fact.fitted_rows", train=w.int(data.get("n_train")),
                                                 holdout=w.int(hold)) if hold else
             self.t("report.fact.fitted_all", train=w.int(data.get("n_train")))],
            [self.t("report.fact.evaluation"), self.options_text()],
            [self.t("report.fact.engine"), self.versions_text(ctx)],
            [self.t("report.fact.date"), ctx.get("created") or "–"],
        ]
        self.table(rows, [4.3, 12.7], header=False, bold_first=True, zebra=False)
        self.add(self.spacer(0.4))
        self.para(self.t("report.intro"))
        if method == "dp":  # issue 12: the report compares with the real rows; the guarantee is the data's
            st = ctx.get("settings") or {}
            self.para(self.t("report.dp_not_covered", epsilon=w.num(float(st.get("epsilon", 0)), 3, trim=True),
                             delta=str(st.get("delta", "–"))))
        self.para(self.t("report.intro_local"), "small")
        self.add(PageBreak())

    def settings_text(self, s: dict) -> str:
        w = self.w
        parts = []
        if s.get("missing"):
            parts.append(self.t("report.setting.missing", value=self.t(f"missing.{s['missing']}")))
        if s.get("method") == "cart":
            if s.get("minbucket") is not None:
                parts.append(self.t("report.setting.minbucket", value=w.int(s["minbucket"])))
            if s.get("smoothing"):
                parts.append(self.t("report.setting.smoothing", value=self.t(f"smoothing.{s['smoothing']}")))
            parts.append(self.t("report.setting.proper", value=self.t("report.yes" if s.get("proper") else "report.no")))
            if s.get("cp") is not None:
                parts.append(f"cp {w.num(s['cp'], 2)}")
            if s.get("visit_sequence"):
                parts.append(self.t("report.setting.visit_sequence", value=w.columns(s["visit_sequence"], 12)))
        if s.get("n_rows") is not None:
            parts.append(self.t("report.setting.n_rows", value=w.int(s["n_rows"])))
        return "; ".join(parts) or "–"

    def options_text(self) -> str:
        o = self.r.get("options") or {}
        w = self.w
        return self.t("report.fact.options", target=o.get("target", "–"), sensitive=o.get("sensitive", "–"),
                      qi=w.columns(o.get("quasi_identifiers")), known=w.columns(o.get("known"), 6))

    def versions_text(self, ctx: dict) -> str:
        parts = [f"LocalSynth {ctx.get('engine_version', '?')}"]
        plat = ctx.get("platform")
        py = ctx.get("python")
        if plat == "pyodide":
            parts.append(self.t("report.fact.in_browser", pyodide=ctx.get("pyodide", "?"), python=py or "?"))
        elif py:
            parts.append(f"Python {py}")
        for key, label in (("numpy", "numpy"), ("pandas", "pandas"), ("scikit_learn", "scikit-learn"),
                           ("scipy", "scipy")):
            if ctx.get(key):
                parts.append(f"{label} {ctx[key]}")
        try:
            import matplotlib
            import reportlab

            parts.append(f"matplotlib {matplotlib.__version__}, reportlab {reportlab.Version}")
        except Exception:  # pragma: no cover - they are imported already
            pass
        return ", ".join(parts)

    # ------------------------------------------------------------------ 1 summary
    def part_summary(self):
        w = self.w
        self.h1("report.section.summary")
        self.para(self.t("report.summary_intro"))
        rows = [[self.t("report.col.aspect"), self.t("report.col.verdict"), self.t("report.col.meaning"),
                 self.t("report.col.figure")]]
        for v in self.r.get("summary") or []:
            level = v.get("level", "unknown")
            text = self.t(v["code"], **(v.get("params") or {}))
            if level == "unknown" and v.get("reason"):
                text += " " + self.t(f"metrics.reason.{v['reason']}", detail="")
            if v.get("capped_by") == "structure":
                text += " " + self.t("report.capped_by_structure")
            if (v.get("lowered_by") or {}).get("reason") == "combinations":
                text += " " + self.t("report.lowered_by_combinations", **v["lowered_by"])
            colour = LEVEL_COLOURS.get(level, "#57606a")
            badge = self.p(f'<font color="{colour}"><b>■ {escape(self.t("report.level." + level))}</b></font>',
                           "cell", markup=True)
            rows.append([self.t(f"report.aspect.{v['aspect']}"), badge, text, self.figure_text(v)])
        self.table(rows, [2.9, 2.3, 7.4, 4.4])
        self.para(self.t("report.summary_no_score"), "small")
        self.h2(self.t("report.rows_h"))
        self.para(self.rows_text())
        self.h2(self.t("report.not_computed_h"))
        missing = self.r.get("not_computed") or []
        if not missing:
            self.para(self.t("report.all_computed"))
        else:
            sections = self._sections()
            rows = [[self.t("report.col.measure"), self.t("report.col.why")]]
            for item in missing:
                sec = sections.get(item["metric"]) or {"reason": item.get("reason")}
                rows.append([self.name(item["metric"]), self.reason_text(sec)])
            self.table(rows, [6.0, 11.0])
        self.para(self.t("report.thresholds"), "small")
        _ = w

    def _sections(self) -> dict:
        out = {}
        for group in ("utility", "pairs", "analysis", "disclosure"):
            for k, v in (self.r.get(group) or {}).items():
                out[k] = v
        out["combinations"] = (self.r.get("combinations") or {}).get("categories")
        return out

    def rows_text(self) -> str:
        w, data, ctx = self.w, self.r.get("data") or {}, self.r.get("context") or {}
        if data.get("holdout"):
            return self.t("report.rows_holdout", seed=ctx.get("seed", "–"), train=w.int(data.get("n_train")),
                          total=w.int((data.get("n_train") or 0) + (data.get("n_holdout") or 0)),
                          holdout=w.int(data.get("n_holdout")), synthetic=w.int(data.get("n_synthetic")))
        _ = ctx
        return self.t("report.rows_all", train=w.int(data.get("n_train")), synthetic=w.int(data.get("n_synthetic")))

    def figure_text(self, v: dict) -> str:
        w, f, a = self.w, v.get("figure") or {}, v["aspect"]
        if not f:
            return "–"
        if a == "utility":
            worst = f.get("worst_pair")
            s = self.t("report.figure.utility", value=w.num(f["value"], 2))
            if worst:
                s += " " + self.t("report.figure.worst_pair", a=worst["a"], b=worst["b"],
                                  value=w.num(worst["s_pmse"], 1))
            return s
        if a == "analysis":
            return self.t("report.figure.analysis", value=w.num(f["value"], 3), real=w.num(f.get("real_score"), 3),
                          synthetic=w.num(f.get("synthetic_score"), 3))
        if a == "copies":
            return self.t("report.figure.copies", value=w.pct(f["value"], 2), natural=w.pct(f.get("natural"), 2))
        if a == "rep_u":
            return self.t("report.figure.rep_u", value=w.pct_value(f["value"], 2), columns=w.columns(f.get("columns"), 5))
        if a == "disco":
            return self.t("report.figure.disco", value=w.pct_value(f["value"], 1),
                          holdout=w.pct_value(f.get("holdout"), 1))
        if a == "inference":
            ci = f.get("ci") or [None, None]
            return self.t("report.figure.inference", value=w.num(f["value"], 3), ci=w.ci(ci[0], ci[1]))
        if a == "structure":
            return self.t("report.figure.structure", failing=v["params"].get("failing", 0),
                          checks=v["params"].get("checks", 0), worst=f.get("worst") or "–")
        if a == "membership":
            ci = f.get("ci") or [None, None]
            return self.t("report.figure.membership", value=w.num(f["value"], 3), ci=w.ci(ci[0], ci[1]))
        if a == "cap":
            return self.t("report.figure.cap", cap_s=w.num(f.get("cap_s"), 3), h_cap_s=w.num(f.get("h_cap_s"), 3),
                          cap_o=w.num(f.get("cap_o"), 3))
        if a == "isolated":
            return self.t("report.figure.isolated", value=w.pct(f.get("value"), 1), natural=w.pct(f.get("natural"), 1))
        if a == "fit":
            return self.t("report.figure.fit", value=w.num(f["value"], 2), overlap=w.num(f.get("mean_overlap"), 3),
                          m=w.int(f.get("m")))
        return w.num(f.get("value"), 3)

    # ------------------------------------------------------------------ 2 columns
    def part_optimisation(self):
        """Issue 13: the settings search (py_engine.optimise) when the synthesis used one: the choice,
        why, and the utility-risk front as a figure with a sentence per axis."""
        o = (self.r.get("context") or {}).get("optimisation")
        if not o or not o.get("candidates"):
            return
        w = self.w
        self.h1("report.section.optimisation")
        pts = front_points(o)
        eps = ", ".join(w.num(e, 0) for e in ((o.get("dp") or {}).get("epsilons") or []))
        chosen = o.get("chosen")
        self.para(self.t("report.optimise_intro", compared=w.int(len(o.get("compared") or [])),
                         candidates=w.int(len(o.get("candidates") or [])),
                         train=w.int((o.get("internal") or {}).get("train_rows")),
                         validation=w.int((o.get("internal") or {}).get("validation_rows"))))
        if chosen:
            self.para(self.t("report.optimise_chosen", candidate=chosen,
                             settings=self.settings_text(o.get("settings") or {})))
        if o.get("reason"):
            self.para(self.t(f"optimise.reason.{o['reason']}"))
        if pts:
            measure = (o.get("options") or {}).get("utility", "two_way")
            labels = {k: self.t(f"optimise.legend.{k}") for k in ("front", "default", "chosen", "other")}
            labels["dp"] = self.t("optimise.legend.dp", epsilons=eps)
            png = self.plot.front(pts, self.t("optimise.axis_x"), self.t(f"optimise.axis_y.{measure}"), labels,
                                  dp_points(o))
            self.image_auto(png, 15.0)
        self.para(self.t("optimise.axis_x_help"), "small")
        self.para(self.t("optimise.axis_y_help"), "small")
        dp = o.get("dp") or {}
        if dp_points(o):
            self.para(self.t("optimise.dp_help", epsilons=eps), "small")
        elif dp.get("skipped") in ("budget", "user", "groups", "error"):
            self.para(self.t("optimise.dp_skipped", reason=self.t(f"optimise.dp_skipped.{dp['skipped']}")), "small")

    def part_columns(self):
        w = self.w
        self.h1("report.section.columns")
        sec = (self.r.get("utility") or {}).get("columns")
        self.para(self.t("report.columns_intro"))
        if not self.ok(sec):
            self.not_computed(sec)
            return
        items = sec.get("items") or []
        self.para(self.t("report.columns_mean", value=w.num(sec.get("mean_score"), 3)))
        rows = [[self.t("report.col.column"), self.t("report.col.type"), self.t("report.col.score"),
                 self.t("report.col.missing"), self.t("report.col.details")]]
        for it in items:
            m = it.get("missing") or {}
            measure = "KS" if it.get("metric") == "ks_complement" else "TV"
            rows.append([it["name"], self.t(f"type.{it.get('type')}"),
                         f"{w.num(it.get('score'), 3)} ({measure})"
                         + (f"; S_pMSE {w.num(it['s_pmse'], 2)}" if it.get("s_pmse") is not None else ""),
                         f"{w.pct(m.get('real_share'))} / {w.pct(m.get('synthetic_share'))}",
                         self.column_details(it)])
        self.table(rows, [3.6, 2.0, 2.2, 2.4, 6.8], right=(2,))
        self.para(self.t("report.columns_plots"), "small")
        for start in range(0, len(items), PLOTS_PER_PAGE):
            chunk = items[start:start + PLOTS_PER_PAGE]
            png, height = self.plot.columns_page(chunk)
            from reportlab.platypus import CondPageBreak

            self.add(CondPageBreak(height * self.cm + 0.5 * self.cm))
            self.image(png, height)

    def column_details(self, it: dict) -> str:
        w = self.w
        if it.get("kind") == "number":
            r, s = it.get("real") or {}, it.get("synthetic") or {}

            def rng(x):
                if x.get("min") is None:
                    return "–"
                if x.get("min_label"):
                    return f"{x['min_label']} – {x['max_label']}"
                return f"{w.num(x['min'], 2, trim=True)} – {w.num(x['max'], 2, trim=True)}"

            text = self.t("report.range", real=rng(r), synthetic=rng(s))
            if it.get("outside_real_range"):
                text += "; " + self.t("report.outside_range", share=w.pct(it["outside_real_range"], 2))
            if r.get("mean") is not None and not r.get("min_label"):
                text += "; " + self.t("report.means", real=w.num(r["mean"], 2), synthetic=w.num(s.get("mean"), 2))
            return text
        lv = it.get("levels") or {}
        text = self.t("report.levels", real=w.int(lv.get("real")), synthetic=w.int(lv.get("synthetic")))
        if lv.get("only_synthetic"):
            text += "; " + self.t("report.only_synthetic", n=w.int(lv["only_synthetic"]))
        if lv.get("only_real"):
            text += "; " + self.t("report.only_real", n=w.int(lv["only_real"]))
        return text

    # ------------------------------------------------------------------ 3 whole-table utility
    def part_utility(self):
        w = self.w
        u = self.r.get("utility") or {}
        self.h1("report.section.utility")
        self.para(self.t("report.utility_intro"))
        rows = [[self.t("report.col.model"), "pMSE", self.t("report.col.expected"), "S_pMSE", "SPECKS",
                 self.t("report.col.size")]]
        notes = []
        for key in ("logit", "logit_interactions", "cart"):
            sec = u.get(key)
            if not self.ok(sec):
                rows.append([self.name(key), "–", "–", "–", "–", self.reason_text(sec)])
                continue
            size = self.t("report.leaves", n=w.int(sec.get("leaves"))) if key == "cart" else \
                self.t("report.parameters", n=w.int(sec.get("k")))
            rows.append([self.name(key), w.num(sec.get("pmse"), 5), w.num(sec.get("expected_pmse"), 5),
                         w.num(sec.get("s_pmse"), 2), w.num(sec.get("specks"), 3), size])
            if sec.get("interpretation"):
                notes.append(f"{self.name(key)}: " + self.t(f"metrics.interpretation.{sec['interpretation']}"))
            if sec.get("note"):
                notes.append(f"{self.name(key)}: " + self.t(f"metrics.reason.{sec['note']}", detail=""))
            if key == "cart":
                notes.append(self.t("report.cart_null", permutations=w.int(sec.get("permutations")),
                                    p=w.num(sec.get("p_value"), 3)))
            if sec.get("grouped_levels"):
                g = sec["grouped_levels"]
                notes.append(self.t("report.grouped_levels", columns=w.columns(sorted(g), 6)))
        self.table(rows, [5.4, 2.0, 2.2, 1.8, 1.6, 4.0], right=(1, 2, 3, 4))
        for n in dict.fromkeys(notes):
            self.para("• " + n)

    # ------------------------------------------------------------------ 4 pairs
    def part_pairs(self):
        w = self.w
        pairs = self.r.get("pairs") or {}
        self.h1("report.section.pairs")
        two = pairs.get("two_way")
        self.h2(self.name("two_way"))
        self.para(self.t("report.two_way_intro"))
        if not self.ok(two):
            self.not_computed(two)
        elif len(two.get("columns") or []) < 2:
            self.para(self.t("report.one_column"))
        else:
            self.para(self.t("report.two_way_stats", mean=w.num(two.get("mean"), 2),
                             median=w.num(two.get("median"), 2), max=w.num(two.get("max"), 2)))
            if two.get("interpretation"):
                self.para(self.t(f"metrics.interpretation.{two['interpretation']}"))
            cr = two.get("cluster_reference")
            if cr:
                self.para(self.t("report.two_way_cluster_reference", column=cr["key"], groups=cr["groups"],
                                 mean=w.num(cr["mean"], 2), sd=w.num(cr["sd"], 2), reps=cr["reps"]))
            vmax = max(10.0, float(two.get("max") or 0))
            png = self.plot.heatmap(two["matrix"], two["columns"], vmin=0, vmax=min(vmax, 30.0), cmap="Reds",
                                    colorbar="S_pMSE", annotate_digits=1)
            self.image_auto(png)
            rows = [[self.t("report.col.pair"), "S_pMSE"]]
            rows += [[f"{p['a']} × {p['b']}", w.num(p["s_pmse"], 2)] for p in two.get("worst") or []]
            self.para(self.t("report.worst_pairs"), "body")
            self.table(rows, [10.0, 3.0], right=(1,))
        assoc = pairs.get("association")
        self.h2(self.name("association"))
        self.para(self.t("report.association_intro"))
        if not self.ok(assoc):
            self.not_computed(assoc)
            return
        cols = assoc.get("columns") or []
        if len(cols) < 2:
            self.para(self.t("report.one_column"))
            return
        self.para(self.t("report.association_stats", mean=w.num(assoc.get("mean_abs_difference"), 3),
                         max=w.num(assoc.get("max_abs_difference"), 3)))
        png = self.plot.heatmap_pair(assoc["real"], assoc["synthetic"], cols, vmin=-1, vmax=1, cmap="RdBu_r",
                                     titles=[self.t("report.real"), self.t("report.synthetic")])
        self.image_auto(png)
        diff = assoc.get("difference")
        big = max([abs(v) for row in diff for v in row if v is not None] + [0.1])
        png = self.plot.heatmap(diff, cols, vmin=-big, vmax=big, cmap="PuOr_r",
                                title=self.t("report.difference"), colorbar=self.t("report.difference_short"),
                                annotate_digits=2)
        self.image_auto(png)
        rows = [[self.t("report.col.pair"), self.t("report.col.measure"), self.t("report.real"),
                 self.t("report.synthetic"), self.t("report.difference_short")]]
        found = []
        for i in range(len(cols)):
            for j in range(i + 1, len(cols)):
                d = diff[i][j]
                if d is not None:
                    found.append((abs(d), i, j))
        found.sort(key=lambda x: -x[0])
        for _, i, j in found[:8]:
            measure = (assoc.get("measures") or [[None]])[i][j]
            rows.append([f"{cols[i]} × {cols[j]}", self.t(f"report.measure.{measure}") if measure else "–",
                         w.num(assoc["real"][i][j], 3), w.num(assoc["synthetic"][i][j], 3), w.num(diff[i][j], 3)])
        self.para(self.t("report.association_largest"))
        self.table(rows, [6.5, 3.3, 2.3, 2.3, 2.3], right=(2, 3, 4))

    # ------------------------------------------------------------------ 5 combinations
    def part_combinations(self):
        w = self.w
        sec = (self.r.get("combinations") or {}).get("categories")
        self.h1("report.section.combinations")
        self.para(self.t("report.combinations_intro"))
        if not self.ok(sec):
            self.not_computed(sec)
            return
        if sec.get("left_out"):
            self.para(self.t("report.left_out_combinations", columns=", ".join(x["column"] for x in sec["left_out"])),
                      "small")
        cats = sec.get("columns") or []
        if not cats:
            self.para(self.t("metrics.reason.no_categorical_columns"))
            return
        self.h2(self.t("report.impossible_h"))
        hold = (self.r.get("data") or {}).get("holdout")
        rows = [[self.t("report.col.measure"), self.t("report.synthetic"),
                 self.t("report.col.holdout_natural")]]
        rows.append([self.t("report.unseen_pair"), w.pct(sec.get("unseen_pair_share"), 2),
                     w.pct(sec.get("unseen_pair_share_holdout"), 2) if hold else "–"])
        rows.append([self.t("report.unseen_full"), w.pct(sec.get("unseen_full_share"), 2),
                     w.pct(sec.get("unseen_full_share_holdout"), 2) if hold else "–"])
        self.table(rows, [9.5, 3.0, 4.5], right=(1, 2))
        self.para(self.t("report.impossible_explain"), "small")
        if sec.get("unseen_pairs"):
            self.para(self.t("report.unseen_pairs_top", n=w.int(sec.get("n_unseen_pairs") or 0)))
            rows = [[self.t("report.col.combination"), self.t("report.col.synthetic_rows")]]
            for u in sec["unseen_pairs"]:
                rows.append([f"{u['a']} = {w.level(u['a_value'])}  &  {u['b']} = {w.level(u['b_value'])}",
                             w.int(u["synthetic"])])
            self.table(rows, [14.0, 3.0], right=(1,))
        self.h2(self.t("report.top_combinations_h"))
        self.para(self.t("report.top_combinations", columns=", ".join(cats)))
        rows = [[self.t("report.col.combination"), self.t("report.real"), self.t("report.synthetic")]]
        for c in sec.get("top") or []:
            vals = " · ".join(clip(w.level(v), 28) for v in c["values"])
            rows.append([vals, w.pct(c["real_share"], 2), w.pct(c["synthetic_share"], 2)])
        self.table(rows, [12.2, 2.4, 2.4], right=(1, 2))

    # ------------------------------------------------------------------ 6 analysis
    def part_analysis(self):
        self._analysis_ml_ci()
        self.fit_section((self.r.get("analysis") or {}).get("fit"))

    def fit_section(self, fit: dict | None):
        """Issue 14: the model fitted on the m synthetic data sets, combined, against the real fit."""
        w = self.w
        self.h2(self.name("fit"))
        self.para(self.t("report.fit_intro"))
        if not self.ok(fit):
            self.not_computed(fit)
            return
        preds = w.columns(fit.get("predictors"), 8)
        common = {"target": fit.get("target"), "predictors": preds, "m": w.int(fit.get("m")),
                  "k": w.int(fit.get("k")), "n": w.int(fit.get("n"))}
        if fit.get("model") == "logistic":
            self.para(self.t("report.fit_model_logistic", level=w.level(fit.get("positive_class")), **common))
        else:
            self.para(self.t("report.fit_model_linear", **common))
        if fit.get("left_out"):
            self.para(self.t("report.left_out_group_keys", columns=", ".join(x["column"] for x in fit["left_out"])), "small")
        if fit.get("aliased"):
            self.para(self.t("report.fit_aliased", terms=", ".join(self.term_label(t) for t in fit["aliased"])))
        if fit.get("degenerate"):
            self.para(self.t("report.fit_degenerate"))
            return
        if (fit.get("m") or 1) < 2:
            self.para(self.t("report.fit_single"), "small")
        self.para(self.t("report.fit_means", sd=w.num(fit.get("mean_abs_std_diff"), 2),
                         overlap=w.num(fit.get("mean_overlap"), 3)))
        lof = fit.get("lack_of_fit")
        if lof:
            self.para(self.t("report.fit_lof", stat=w.num(lof.get("statistic"), 2), df=w.int(lof.get("df")),
                             p=w.num(lof.get("p_value"), 4), ratio=w.num(lof.get("ratio"), 2)), "small")
        terms = list(fit.get("terms") or [])[:MAX_FOREST_TERMS]
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + (fit.get("level") or 0.95) / 2))
        forest = []
        for t in terms:
            r, sy = t["real"], t["synthetic"]
            se_c = sy.get("se_compare")
            forest.append({"real": [r["estimate"], r["estimate"] - z * r["se"], r["estimate"] + z * r["se"]],
                           "synthetic": None if se_c is None or sy.get("estimate") is None else
                           [sy["estimate"], sy["estimate"] - z * se_c, sy["estimate"] + z * se_c]})
        labels = [self.term_label(t) for t in terms]
        body = [(f, lab) for f, lab, t in zip(forest, labels, terms, strict=True) if t.get("term") != "(intercept)"]
        if body:
            self.image_auto(self.plot.ci_forest([b[0] for b in body], [b[1] for b in body]))
        rows = [[self.t("report.col.term"), self.t("report.col.estimate_real"), self.t("report.col.estimate_syn"),
                 self.t("report.col.se_population"), self.t("report.col.std_diff"), self.t("report.col.overlap")]]
        for t, lab in zip(terms, labels, strict=True):
            r, sy = t["real"], t["synthetic"]
            rows.append([lab, f"{w.num(r['estimate'], 3)} ({w.num(r['se'], 3)})",
                         f"{w.num(sy['estimate'], 3)} ({w.num(sy.get('se'), 3)})", w.num(sy.get("se_population"), 3),
                         w.num(t.get("std_diff"), 2), w.num(t.get("overlap"), 2)])
        self.table(rows, [4.6, 3.1, 3.4, 2.2, 1.9, 1.8], right=(1, 2, 3, 4, 5))

    def _analysis_ml_ci(self):
        w = self.w
        a = self.r.get("analysis") or {}
        self.h1("report.section.analysis")
        ml = a.get("ml")
        self.h2(self.name("ml"))
        self.para(self.t("report.ml_intro"))
        if not self.ok(ml):
            self.not_computed(ml)
        else:
            metric = self.t(f"report.score.{ml.get('metric')}")
            rows = [[self.t("report.col.trained_on"), metric],
                    [self.t("report.trained_real", n=w.int(ml.get("n_train"))), w.num(ml.get("real_score"), 3)],
                    [self.t("report.trained_synthetic", n=w.int(ml.get("n_synthetic"))),
                     w.num(ml.get("synthetic_score"), 3)],
                    [self.t("report.ratio"), w.num(ml.get("ratio"), 3)]]
            self.table(rows, [10.0, 3.0], right=(1,))
            self.para(self.t("report.ml_details", target=ml.get("target"), task=self.t(f"report.task.{ml.get('task')}"),
                             holdout=w.int(ml.get("n_holdout"))), "small")
            if ml.get("left_out"):
                self.para(self.t("report.left_out_group_keys", columns=", ".join(x["column"] for x in ml["left_out"])),
                          "small")
            if ml.get("ratio") is None:
                self.para(self.t("metrics.reason.real_model_no_skill"))
        ci = a.get("ci_overlap")
        self.h2(self.name("ci_overlap"))
        self.para(self.t("report.ci_intro"))
        if not self.ok(ci):
            self.not_computed(ci)
            return
        model = ci.get("model")
        if model == "logistic":
            self.para(self.t("report.ci_model_logistic", target=ci.get("target"),
                             level=w.level(ci.get("positive_class"))))
        else:
            self.para(self.t("report.ci_model_linear", target=ci.get("target")))
        if ci.get("left_out"):
            self.para(self.t("report.left_out_group_keys", columns=", ".join(x["column"] for x in ci["left_out"])), "small")
        if ci.get("aliased"):
            self.para(self.t("report.fit_aliased", terms=", ".join(self.term_label(t) for t in ci["aliased"])))
        self.para(self.t("report.ci_mean", value=w.num(ci.get("mean_overlap"), 3)))
        terms = [t for t in ci.get("terms") or [] if t.get("term") != "(intercept)" and t.get("overlap") is not None]
        terms.sort(key=lambda t: t["overlap"])
        shown = terms[:MAX_FOREST_TERMS]
        if shown:
            if len(terms) > len(shown):
                self.para(self.t("report.ci_lowest", n=w.int(len(shown)), total=w.int(len(terms))), "small")
            labels = [self.term_label(t) for t in shown]
            self.image_auto(self.plot.ci_forest(shown, labels))
            rows = [[self.t("report.col.term"), self.t("report.real"), self.t("report.synthetic"),
                     self.t("report.col.overlap")]]
            for t, lab in zip(shown, labels, strict=True):
                rows.append([lab, self.est(t.get("real")), self.est(t.get("synthetic")), w.num(t["overlap"], 2)])
            self.table(rows, [6.6, 4.3, 4.3, 1.8], right=(3,))

    def est(self, v) -> str:
        if not v:
            return "–"
        w = self.w
        return f"{w.num(v[0], 3)} [{w.num(v[1], 3)}; {w.num(v[2], 3)}]"

    def term_label(self, t: dict) -> str:
        w = self.w
        kind = t.get("term")
        col = t.get("column") or ""
        if kind == "per_sd":
            return self.t("report.term.per_sd", column=col)
        if kind == "per_unit":
            return self.t("report.term.per_unit", column=col)
        if kind == "(intercept)":
            return self.t("report.term.intercept")
        if kind == "missing":
            return self.t("report.term.missing", column=col)
        if kind == "level":
            return self.t("report.term.level", column=col, level=clip(w.level(t.get("level")), 24),
                          reference=clip(w.level(t.get("reference")), 18))
        return f"{col} {kind}"

    # ------------------------------------------------------------------ 7 disclosure
    def part_structure(self):
        """Issue 10: groups, nesting, dependencies, derived columns, ICC and group sizes (evaluation/structure.py)."""
        w, sec = self.w, self.r.get("structure") or {}
        self.h1("report.section.structure")
        self.para(self.t("report.structure_intro"))
        if not self.ok(sec):
            self.not_computed(sec)
            return
        if not (sec.get("groups") or sec.get("dependencies") or sec.get("derived")):
            self.para(self.t("metrics.reason.no_structure"))
            return
        pct = w.pct
        for g in sec.get("groups") or []:
            self.h2(self.t("report.structure_group_h", group=g["key"]))
            self.para(self.t("report.structure_group_counts", real=w.int(g.get("n_groups_real")),
                             synthetic=w.int(g.get("n_groups_synthetic"))))
            rows = [[self.t("report.structure_col.check"), self.t("report.structure_col.real_groups"),
                     self.t("report.structure_col.groups"), self.t("report.structure_col.rows")]]
            for a in g.get("attributes") or []:
                rows.append([self.t("report.structure_attribute", column=a["column"]), pct(a.get("real_share_groups"), 1),
                             pct(a.get("share_groups"), 1), pct(a.get("share_rows"), 1)])
            n = g.get("nesting")
            if n:
                rows.append([self.t("report.structure_nesting", group=g["key"], parent=n["parent"]),
                             pct(n.get("real_share_groups"), 1), pct(n.get("share_groups"), 1), pct(n.get("share_rows"), 1)])
            if len(rows) > 1:
                self.table(rows, [7.6, 3.1, 3.1, 3.1], right=(1, 2, 3))
            if g.get("icc"):
                rows = [[self.t("report.structure_col.member"), self.t("report.structure_col.icc_real"),
                         self.t("report.structure_col.icc_synthetic")]]
                rows += [[it["column"], w.num(it.get("real"), 3), w.num(it.get("synthetic"), 3)] for it in g["icc"]]
                self.table(rows, [7.6, 3.1, 3.1], right=(1, 2))
            sz = g.get("sizes") or {}
            if sz.get("real") and sz.get("synthetic"):
                qs = [w.num(q, 0, trim=True) for q in sz["real"]["quantiles"]]
                qss = [w.num(q, 0, trim=True) for q in sz["synthetic"]["quantiles"]]
                rows = [[self.t("report.structure_col.sizes")] + [w.pct(p, 0) for p in sz.get("probs") or []]]
                rows += [[self.t("report.real")] + qs, [self.t("report.synthetic")] + qss]
                self.table(rows, [3.6] + [1.6] * len(qs), right=tuple(range(1, len(qs) + 1)))
                if sz.get("histogram"):
                    self.image(self.plot.group_sizes(g["key"], sz["histogram"], sz.get("ks")), 5.2, 12.0)
        deps = sec.get("dependencies") or []
        if deps:
            self.h2(self.t("report.structure_dependencies_h"))
            rows = [[self.t("report.structure_col.dependency"), self.t("report.structure_col.real_rows"),
                     self.t("report.structure_col.mapping_rows"), self.t("report.structure_col.functional_groups")]]
            rows += [[f"{d['from']} → {d['to']}", pct(d.get("real_share_rows"), 1), pct(d.get("share_rows"), 1),
                      pct(d.get("share_groups"), 1)] for d in deps]
            self.table(rows, [7.6, 3.1, 3.1, 3.1], right=(1, 2, 3))
        der = sec.get("derived") or []
        if der:
            self.h2(self.t("report.structure_derived_h"))
            rows = [[self.t("report.structure_col.derived"), self.t("report.structure_col.formula"),
                     self.t("report.structure_col.rows"), self.t("report.structure_col.exact")]]
            for d in der:
                ok = d.get("status") == "ok"
                rows.append([d.get("column"), d.get("formula") or d.get("kind") or "",
                             pct(d.get("share_rows"), 2) if ok else self.t("metrics.reason.not_computed"),
                             self.t("report.yes" if d.get("exact") else "report.no") if ok else "–"])
            self.table(rows, [4.0, 7.0, 3.0, 2.9], right=(2,))
        self.para(self.t("report.structure_rule"), "small")

    def part_disclosure(self):
        self._disclosure_main()
        d = self.r.get("disclosure") or {}
        self.cap_section(d.get("cap"))
        self.isolated_section(d.get("isolated"))
        self.roles_section()

    def roles_section(self):
        """Issue 14: which roles were suggested (and used where the user chose none), and why."""
        roles = ((self.r.get("options") or {}).get("suggested") or {}).get("roles")
        if not roles:
            return

        def reason(x):
            return f"{x['column']} ({self.t('roles.reason.' + x['reason'])})"

        self.h2(self.t("report.roles_h"))
        # "suggested and used" only when the user chose no role (runner: suggested.used)
        all_used = len(((self.r.get("options") or {}).get("suggested") or {}).get("used") or []) == 3
        self.para(self.t("report.roles_used" if all_used else "report.roles_suggested_chosen", target=reason(roles["target"]) if roles.get("target") else "–",
                         sensitive=(roles.get("sensitive") or {}).get("column") or "–",
                         qi=", ".join(reason(q) for q in roles.get("quasi_identifiers") or []) or "–"))
        if roles.get("skipped"):
            self.para(self.t("report.roles_skipped", columns=", ".join(reason(x) for x in roles["skipped"])), "small")

    def cap_section(self, cap: dict | None):
        """Issue 14: BaseCAP, CAPo, CAPs, hCAPs and the normalised figure (Taub et al. 2018)."""
        w = self.w
        self.h2(self.name("cap"))
        self.para(self.t("report.cap_intro"))
        if not self.ok(cap):
            self.not_computed(cap)
            return
        self.para(self.t("report.cap_keys", keys=w.columns(cap.get("keys"), 8), target=cap.get("target")))
        rows = [[self.t("report.col.measure"), self.t("report.col.value")],
                ["BaseCAP", w.num(cap.get("base_cap"), 3)], ["CAPo", w.num(cap.get("cap_o"), 3)],
                ["CAPs", w.num(cap.get("cap_s"), 3)], ["hCAPs", w.num(cap.get("h_cap_s"), 3)]]
        self.table(rows, [10.0, 7.0], right=(1,))
        if cap.get("basis") == "holdout":
            self.para(self.t("report.cap_normalised_holdout", value=w.num(cap.get("normalised"), 3),
                             reduction=w.pct(cap.get("reduction"), 1)))
        else:
            self.para(self.t("report.cap_normalised_base", value=w.num(cap.get("normalised"), 3)))

    def isolated_section(self, iso: dict | None):
        """Issue 14: isolated real records with a near-identical synthetic record (RRD/SRD); counts only."""
        w = self.w
        self.h2(self.name("isolated"))
        self.para(self.t("report.isolated_intro"))
        if not self.ok(iso):
            self.not_computed(iso)
            return
        self.para(self.t("report.isolated_result", examined=w.int(iso.get("n_examined")),
                         outliers=w.int(iso.get("n_outliers")), cut=w.num(iso.get("rrd_cut"), 3),
                         copied=w.int(iso.get("n_copied")), threshold=w.num(iso.get("srd_threshold"), 3),
                         closer=w.pct(iso.get("share_closer_synthetic"), 1)))
        if iso.get("n_holdout_outliers") is not None:
            self.para(self.t("report.isolated_natural", copied=w.int(iso.get("n_holdout_copied")),
                             outliers=w.int(iso.get("n_holdout_outliers"))))
        pts = iso.get("points") or {}
        if pts.get("rrd"):
            self.image_auto(self.plot.isolated_scatter(pts["rrd"], pts["srd"], iso.get("rrd_cut"),
                                                       iso.get("srd_threshold")), width_cm=11.0)
            self.para(self.t("report.isolated_plot"), "small")

    def _disclosure_main(self):
        w = self.w
        d = self.r.get("disclosure") or {}
        self.h1("report.section.disclosure")
        self.para(self.t("report.disclosure_intro"))
        # copies
        cp = d.get("copies")
        self.h2(self.name("copies"))
        self.para(self.t("report.copies_intro"))
        if self.ok(cp):
            rows = [[self.t("report.col.measure"), self.t("report.col.value")],
                    [self.t("report.copies_share"), f"{w.pct(cp.get('share'), 2)} ({w.int(cp.get('n_copies'))} / "
                                                     f"{w.int(cp.get('n_synthetic'))})"],
                    [self.t("report.copies_unique"), w.int(cp.get("unique_copies"))],
                    [self.t("report.copies_natural"),
                     f"{w.pct(cp.get('natural'), 2)} ({w.int(cp.get('n_natural'))} / {w.int(cp.get('n_holdout'))})"
                     if cp.get("natural") is not None else self.t("metrics.reason.no_holdout")]]
            self.table(rows, [10.0, 7.0])
        else:
            self.not_computed(cp)
        # repU
        ru = d.get("rep_u")
        self.h2(self.name("rep_u"))
        self.para(self.t("report.rep_u_intro"))
        if self.ok(ru):
            rows = [[self.t("report.col.columns"), "repU", self.t("report.col.replicated"),
                     self.t("report.col.unique_real"), self.t("report.col.unique_synthetic")]]
            for key in ("quasi_identifiers", "all_columns"):
                x = ru.get(key) or {}
                label = self.t(f"report.rep_u.{key}") + ": " + w.columns(x.get("columns"), 6)
                rows.append([label, w.pct_value(x.get("rep_u"), 2), w.int(x.get("n_replicated")),
                             w.int(x.get("n_unique_real")), w.int(x.get("n_unique_synthetic"))])
            self.table(rows, [7.6, 1.8, 2.4, 2.6, 2.6], right=(1, 2, 3, 4))
        else:
            self.not_computed(ru)
        # DiSCO
        dc = d.get("disco")
        self.h2(self.name("disco"))
        self.para(self.t("report.disco_intro"))
        if self.ok(dc):
            tr = dc.get("train") or {}
            self.para(self.t("report.disco_keys", keys=w.columns(tr.get("keys"), 8), target=tr.get("target", "–")))
            rows = [[self.t("report.col.records"), "DiSCO", "DiS", self.t("report.col.in_synthetic"),
                     self.t("report.col.number")]]
            for key in ("train", "holdout"):
                x = dc.get(key)
                if not x:
                    rows.append([self.t(f"report.disco.{key}"), "–", "–", "–", self.t("metrics.reason.no_holdout")])
                    continue
                rows.append([self.t(f"report.disco.{key}"), w.pct_value(x.get("disco"), 2), w.pct_value(x.get("dis"), 2),
                             w.pct_value(x.get("in_synthetic"), 1), w.int(x.get("n"))])
            self.table(rows, [6.0, 2.2, 2.2, 3.3, 3.3], right=(1, 2, 3))
        else:
            self.not_computed(dc)
        # inference
        inf = d.get("inference")
        self.h2(self.name("inference"))
        self.para(self.t("report.inference_intro"))
        if self.ok(inf):
            rows = [[self.t("report.col.measure"), self.t("report.col.value")],
                    [self.t("report.inference_risk"), f"{w.num(inf.get('risk'), 3)} "
                                                      f"({w.ci(inf.get('ci_low'), inf.get('ci_high'))})"],
                    [self.t("report.inference_main", n=w.int(inf.get("n_main"))),
                     self.rate(inf.get("main_rate"), inf.get("main_ci"))],
                    [self.t("report.inference_control", n=w.int(inf.get("n_control"))),
                     self.rate(inf.get("control_rate"), inf.get("control_ci"))]]
            self.table(rows, [10.0, 7.0])
            self.para(self.t("report.inference_known", secret=inf.get("secret", "–"),
                             known=w.columns(inf.get("known"), 8)), "small")
        else:
            self.not_computed(inf)
        # membership
        mem = d.get("membership")
        self.h2(self.name("membership"))
        self.para(self.t("report.membership_intro"))
        if self.ok(mem):
            self.para(self.t("report.membership_result", auc=w.num(mem.get("auc"), 3),
                             ci=w.ci(mem.get("ci_low"), mem.get("ci_high")), members=w.int(mem.get("n_members")),
                             nonmembers=w.int(mem.get("n_nonmembers"))))
        else:
            self.not_computed(mem)
        # DCR (sanity check)
        dcr = d.get("dcr")
        self.h2(self.name("dcr"))
        self.para(self.t("report.dcr_intro"))
        if self.ok(dcr):
            self.para(self.t("report.dcr_result", train=w.num(dcr.get("median_train"), 4),
                             holdout=w.num(dcr.get("median_holdout"), 4), ratio=w.num(dcr.get("ratio"), 2),
                             zero_train=w.pct(dcr.get("zero_train"), 2), zero_holdout=w.pct(dcr.get("zero_holdout"), 2)))
        else:
            self.not_computed(dcr)
        ok = [x if self.ok(x) else None for x in (mem, inf, dcr)]
        if ok[1] is not None and ok[1].get("main_rate") is None:
            ok[1] = None
        if ok[0] is not None and ok[0].get("auc") is None:
            ok[0] = None
        if any(ok):
            self.image_auto(self.plot.attacks(*ok))
            self.para(self.t("report.attacks_caption"), "small")

    def rate(self, r, ci) -> str:
        w = self.w
        if r is None:
            return "–"
        ci = ci or [None, None]
        return f"{w.pct(r, 1)} ({w.ci(ci[0], ci[1], 1, percent=True)})"

    # ------------------------------------------------------------------ codebook
    def part_codebook(self):
        """Issue 14: the codebook (py_engine/codebook.py), the same table as the codebook CSV; the
        structure and what synthesis did share one column here."""
        from .. import codebook

        doc = self.r.get("codebook")
        if not doc:  # a report made without a synthesis result at hand (evaluate alone): no section
            return
        self.h1("report.section.codebook")
        self.para(self.t("report.codebook_intro"))
        if (doc.get("m") or 1) > 1:
            self.para(self.t("report.codebook_m", m=self.w.int(doc["m"]), rows=self.w.int(doc.get("n_rows"))), "small")
        table = codebook.rows(doc, self.w.lang)
        rows = [r[:5] + ["; ".join(x for x in r[5:] if x)] for r in table]
        rows[0][5] = f"{table[0][5]}; {table[0][6].lower()}"
        self.table(rows, [2.5, 2.1, 2.3, 4.5, 2.6, 3.0])

    # ------------------------------------------------------------------ 8 appendix
    def part_appendix(self):
        self.h1("report.section.methods")
        self.para(self.t("report.methods_intro"))
        for key, refs in METHODS:
            head = self.name(key) + "." if key in _METRIC_KEYS else self.t(f"report.method.{key}_h")
            self.para(f"<b>{escape(head)}</b>"
                      f" {escape(self.t('report.method.' + key))} <i>({escape(refs)})</i>", markup=True)
        self.engine_notes()
        self.h2(self.t("report.references"))
        for ref in REFERENCES:
            self.para(ref, "ref")
        timings = self.r.get("timings") or {}
        if timings.get("total") is not None:
            self.para(self.t("report.timing", seconds=self.w.num(timings["total"], 1)), "small")

    def engine_notes(self):
        """The synthesis's notes, one per idea (py_engine/notes.py groups the per-column ones)."""
        from ..notes import group, text

        notes = group((self.r.get("context") or {}).get("notes") or [])
        if not notes:
            return
        self.h2(self.t("report.engine_notes"))
        for n in notes:
            self.para("• " + text(n, self.w.lang), "small")

    # ------------------------------------------------------------------ output
    def write(self) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

        buf = io.BytesIO()
        ctx = self.r.get("context") or {}
        footer = " · ".join(x for x in ("LocalSynth", self.t("report.title"), clip(ctx.get("file_name") or "", 50)) if x)
        page_fmt = self.t("report.page")
        cm = self.cm

        class Doc(BaseDocTemplate):
            def afterFlowable(self, flowable):
                level = getattr(flowable, "outline_level", None)
                if level is not None:
                    text = flowable.getPlainText()
                    key = f"h{id(flowable)}"
                    self.canv.bookmarkPage(key)
                    self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)

        doc = Doc(buf, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=1.8 * cm, bottomMargin=2 * cm,
                  title=f"{self.t('report.title')}: {ctx.get('file_name') or ''}", author="LocalSynth",
                  subject=self.t("report.title"), creator=f"LocalSynth {ctx.get('engine_version', '')}",
                  lang=self.w.lang)
        frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", leftPadding=0,
                      rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        doc.build(self.story, canvasmaker=_numbered_canvas(footer, page_fmt))
        return buf.getvalue()


_METRIC_KEYS = {"columns", "logit", "cart", "two_way", "association", "combinations", "ml", "ci_overlap", "copies",
                "rep_u", "disco", "inference", "membership", "dcr"}
_METRIC_KEYS |= {"fit", "cap", "isolated"}  # issue 14
_METRIC_KEYS |= {"structure"}  # issue 10


CELL_PADDING = 6.0  # points: a table cell's left + right padding (table())


def widths_for_words(rows: list[list], widths: list[float], style_of, cm: float) -> list[float]:
    """Column widths (cm) that hold each column's longest word, the total kept: a column too narrow
    for a word takes the width from columns with room to spare, in proportion to their room. The
    widths as given when there is not room enough (fit_words then sets the cell smaller)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    need = [0.0] * len(widths)
    for i, row in enumerate(rows):
        for j, v in enumerate(row[:len(widths)]):
            if isinstance(v, str) or v is None or not hasattr(v, "wrap"):
                st = style_of(i, j)
                words = ("" if v is None else str(v)).split()
                if words:
                    w = max(stringWidth(x, st.fontName, st.fontSize) for x in words) + CELL_PADDING
                    need[j] = max(need[j], w / cm + 0.01)
    short = sum(max(0.0, n - w) for n, w in zip(need, widths, strict=True))
    room = [max(0.0, w - n) for n, w in zip(need, widths, strict=True)]
    if short <= 0 or sum(room) < short:
        return list(widths)
    share = short / sum(room)
    return [max(n, w - r * share) if n > w else w - r * share for n, w, r in zip(need, widths, room, strict=True)]


MIN_CELL_FONT = 5.6  # points: the smallest a table cell is set in to keep its longest word whole


def fit_words(text: str, style, width: float):
    """The cell style for `text` in a column `width` points wide: table cells wrap on spaces and never
    break a word (issue 14: "Overlappi|ng", "populati|e-inferentie" in the Dutch PDF). A word wider
    than the column sets the cell in a smaller size (down to MIN_CELL_FONT); only a word too wide even
    then is split, as before."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = text.split()
    if not words:
        return style
    widest = max(stringWidth(w, style.fontName, style.fontSize) for w in words)
    if widest <= width:
        return ParagraphStyle(style.name + "-w", parent=style, splitLongWords=0)
    size = max(MIN_CELL_FONT, style.fontSize * width / widest * 0.995)
    fits = widest * size / style.fontSize <= width
    return ParagraphStyle(f"{style.name}-{size:.2f}", parent=style, fontSize=size,
                          leading=style.leading * size / style.fontSize, splitLongWords=0 if fits else 1)


def _numbered_canvas(footer: str, page_fmt: str):
    """A canvas that writes "page x of y" and the footer once the page count is known."""
    from reportlab.lib.units import cm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColorRGB(0.35, 0.35, 0.35)
                width = self._pagesize[0]
                self.drawString(2 * cm, 1.1 * cm, footer)
                self.drawRightString(width - 2 * cm, 1.1 * cm,
                                     page_fmt.format(page=self._pageNumber, total=total))
                super().showPage()
            super().save()

    return NumberedCanvas


def dp_points(o: dict) -> list[dict]:
    """The DP runs a settings search scored after its choice (`optimisation.dp.points`) as plot
    points (x: membership AUC, y: utility); never candidates."""
    return [{"epsilon": p["epsilon"], "x": p["auc"], "y": p["utility"]} for p in ((o.get("dp") or {}).get("points") or [])
            if p.get("utility") is not None and p.get("auc") is not None]


def front_points(o: dict) -> list[dict]:
    """The candidates compared in the last round of a settings search as plot points (x: membership
    AUC, y: utility), with whether each is on the front, chosen, the defaults."""
    compared, front = set(o.get("compared") or []), set(o.get("front") or [])
    out = []
    for c in o.get("candidates") or []:
        if c["id"] not in compared or not c.get("rounds"):
            continue
        sc = c["rounds"][-1]["score"]
        if sc.get("utility") is None or sc.get("auc") is None:
            continue
        out.append({"id": c["id"], "x": sc["auc"], "y": sc["utility"], "front": c["id"] in front,
                    "chosen": c["id"] == o.get("chosen"), "default": c["id"] == o.get("default")})
    return out
