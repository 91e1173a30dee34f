"""Helpers for the browser tests of the page (tests/test_ui_*.py, tests/test_bad_input.py).

The page is driven the way a user drives it (clicks, keys, a dropped or chosen file); these helpers
wait for the page's own state (`window.localsynth.state`) instead of sleeping.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import ARTIFACTS

VENDOR = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ROOT = Path(__file__).resolve().parent.parent


def locale(lang: str) -> dict[str, str]:
    return json.loads((ROOT / "py_engine" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))


def text(lang: str, key: str, **params) -> str:
    """A string as the page shows it (the page's t(): {name} placeholders filled)."""
    s = locale(lang)[key]
    return re.sub(r"\{(\w+)\}", lambda m: str(params.get(m.group(1), m.group(0))), s)


def drop_file(page, path: Path | None = None, name: str | None = None, data: bytes | None = None,
              selector: str = "#drop", mime: str = "text/csv", wait: bool = True,
              discard_result: bool = True) -> None:
    """Drop a file on the page as a user does: a DataTransfer holding a File, in a drop event; first
    (unless wait=False) wait until the page is wired, as a user who sees the drop zone would. When a
    synthetic result is there the page asks before replacing it: answered "Discard" unless
    discard_result is False (then the dialog is left open for the caller)."""
    if wait:
        page.wait_for_function("() => window.localsynth !== undefined")
    # the drop zone loads the file on any step; a drop elsewhere only on the data step (intake.js)
    loads = wait and page.evaluate(
        "(zone) => { const s = window.localsynth.state; const m = !s.run && (zone || s.step === 'data'); "
        "window.__dropMark = { seq: s.inspectSeq, err: s.dataError }; "
        "return { loads: m, asks: m && Boolean(s.result) }; }", selector == "#drop")
    data = path.read_bytes() if data is None else data
    handle = page.evaluate_handle(
        """([b64, name, mime]) => {
            const bin = atob(b64);
            const bytes = new Uint8Array(bin.length);
            for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, { type: mime }));
            return dt;
        }""",
        [__import__("base64").b64encode(data).decode(), name or path.name, mime],
    )
    page.dispatch_event(selector, "drop", {"dataTransfer": handle})
    if not loads or not loads["loads"]:
        return
    if loads["asks"]:
        if not discard_result:
            return
        discard(page)
    # the read starts a task or more after the drop (after the ask-before-discarding dialog closes):
    # wait until it has begun or ended, so that a settle() that follows does not see the idle state
    # from before the read (a column ticked meanwhile would be overwritten by the new file)
    try:
        page.wait_for_function(
            "() => { const s = window.localsynth.state, m = window.__dropMark; "
            "return !document.querySelector('#confirm[open]') && "
            "(s.busy !== null || s.inspectSeq !== m.seq || s.dataError !== m.err); }", timeout=30_000)
    except Exception:  # a drop the page ignores (not a file, say): nothing to wait for
        pass


def download(page, selector: str) -> tuple[str, bytes]:
    """Click a download button; the file's suggested name and its bytes."""
    with page.expect_download() as info:
        page.click(selector)
    dl = info.value
    return dl.suggested_filename, open(dl.path(), "rb").read()


def settle(page, timeout_s: float = 240) -> None:
    """Wait until the data step has nothing in flight (reading a file, updating columns)."""
    page.wait_for_function("() => window.localsynth && window.localsynth.state.busy === null",
                           timeout=timeout_s * 1000)


def load(page, path: Path, name: str | None = None) -> None:
    drop_file(page, path, name)
    settle(page)


def column_types(page) -> dict[str, str]:
    return dict(page.eval_on_selector_all(
        "#schema-table tbody tr",
        "rows => rows.map(r => [r.dataset.column, r.querySelector('[data-type]').dataset.type])"))


def included(page) -> dict[str, bool]:
    return dict(page.eval_on_selector_all(
        "#schema-table tbody tr",
        "rows => rows.map(r => [r.dataset.column, r.querySelector('input[type=checkbox]').checked])"))


def current_step(page) -> str:
    return page.evaluate("() => window.localsynth.state.step")


def wait_step(page, step: str, timeout_s: float = 600) -> None:
    page.wait_for_function("(s) => window.localsynth.state.step === s && !window.localsynth.state.run",
                           arg=step, timeout=timeout_s * 1000)


def shot(page, name: str) -> Path:
    """A full-page screenshot in tests/artifacts/ (not in git): look at them."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe(page, label: str, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.1 A and AA rules) on the page as it is now; return the violations of
    the given impacts (also written to tests/artifacts/axe-<label>.json with all violations)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluated through the DevTools protocol: the page's CSP does not apply to it
        page.evaluate(VENDOR.read_text(encoding="utf-8"))
    found = page.evaluate(
        """(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
            .then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')) })))""",
        AXE_TAGS)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{label}.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    return [v for v in found if v["impact"] in impacts]


def discard(page, timeout_s: float = 10) -> None:
    """Answer "Discard and continue" in the ask-before-discarding dialog (it must open)."""
    page.wait_for_selector("#confirm[open]", timeout=timeout_s * 1000)
    page.click("#confirm-discard")
