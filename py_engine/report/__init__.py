"""The evaluation report as a PDF, in English or Dutch (reportlab + matplotlib, imported on demand).

    from py_engine.report import build_pdf, pdf_bytes
    data = pdf_bytes(report, lang="nl")            # CPython: run to the end
    work = build_pdf(report, lang="en")            # a generator of progress Steps returning the bytes

`report` is the dict of `py_engine.evaluation.evaluate` (evaluation/REPORT.md). matplotlib and
reportlab are imported only inside build_pdf, so importing the engine stays light; in the browser the
worker loads their packages when the user asks for the PDF.
"""

from __future__ import annotations

from ..progress import Work, drive


def build_pdf(report: dict, lang: str = "en") -> Work[bytes]:
    """Yield a progress Step before each part of the PDF; return the PDF bytes."""
    from .pdf import build_pdf as _build

    return (yield from _build(report, lang))


def pdf_bytes(report: dict, lang: str = "en", progress=None) -> bytes:
    """build_pdf run to its end (command line, tests, benchmarks)."""
    return drive(build_pdf(report, lang), progress)


__all__ = ["build_pdf", "pdf_bytes"]
