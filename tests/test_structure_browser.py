"""The structure found in a pupils-in-schools table (issue 10) in the page: shown in the settings step,
one finding switched off and the labels replaced, the edited document sent to synthesise, and the
report's Structure section; both languages, axe, a screenshot to look at."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_report_browser import evaluated
from uihelp import axe, drop_file, settle, shot, text, wait_step


def pupils_csv(n_schools: int = 30, seed: int = 5) -> bytes:
    """Pupils in schools: sector and size are school attributes, meanses the school mean of ses."""
    rng = np.random.default_rng(seed)
    lines = ["school,sector,size,ses,meanses,math"]
    for s in range(n_schools):
        k = int(rng.integers(8, 17))
        ses = np.round(rng.normal(0, 1, k), 2)
        effect = rng.normal(0, 3)
        sector = "public" if s % 3 else "catholic"
        size = int(rng.integers(200, 2000))
        for x in ses:
            math = round(12 + effect + 2 * float(x) + float(rng.normal(0, 4)), 1)
            lines.append(f"S{s + 1:03d},{sector},{size},{x:.2f},{ses.mean():.3f},{math:.1f}")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_structure_in_the_page(new_page, lang):
    page = new_page(lang=lang)
    drop_file(page, name="pupils.csv", data=pupils_csv())
    settle(page)
    page.click("#to-settings")
    wait_step(page, "settings")
    box = page.locator("#structure-box")
    assert box.is_visible()
    doc = page.evaluate("() => window.localsynth.state.summary.structure")
    keys = [g["key"] for g in doc["groups"]]
    assert "school" in keys, doc
    assert box.get_by_text(text(lang, "structure.group", group="school",
                                groups=str(doc["groups"][keys.index("school")]["n_groups"]))).is_visible()
    derived = [d["column"] for d in doc["derived"]]
    assert "meanses" in derived, doc
    # switch the derived column off and replace the group labels
    i = derived.index("meanses")
    page.uncheck(f"#st-derived-{i}")
    page.check("#st-labels-relabel")
    bad = axe(page, f"structure-{lang}")
    assert bad == [], json.dumps(bad, indent=1)
    shot(page, f"structure-settings-{lang}")
    page.evaluate("""() => { const e = window.localsynth.engine; const f = e.synthesise.bind(e);
        e.synthesise = (s, p) => { window.sentSettings = s; return f(s, p); }; }""")
    page.click("#generate")
    wait_step(page, "result")
    sent = page.evaluate("() => window.sentSettings.structure")
    assert sent["group_key_labels"] == "relabel"
    assert [d["enabled"] for d in sent["derived"] if d["column"] == "meanses"] == [False]
    assert all(g["enabled"] for g in sent["groups"])
    # issue 10: the school key is the first suggested quasi-identifier, with its reason
    assert page.text_content("#ev-qi-suggested").find(f"school ({text(lang, 'roles.reason.group_key')})") >= 0
    page.click("#evaluate")
    evaluated(page)
    # issue 14: a key of 30 levels is drawn as its rank-frequency curves, not 30 bars
    page.click("#ev-columns > summary")
    rank = page.locator("#ev-columns svg.ev-rank")
    rank.first.wait_for()
    assert rank.count() == 1
    assert rank.first.get_attribute("aria-label") == text(lang, "report.rank_label", column="school", n="30")
    page.locator("#ev-columns li.ev-column").first.screenshot(path=str(shot(page, f"structure-columns-{lang}")))
    # the redrawn school labels are no predictor of the analysis sections, and the page says so
    page.click("#ev-analysis > summary")
    note = text(lang, "report.left_out_group_keys", columns="school")
    page.locator("#ev-analysis .left-out").first.wait_for()
    assert all(x == note for x in page.locator("#ev-analysis .left-out").all_text_contents())
    assert page.locator("#ev-analysis .left-out").count() == 3  # analysis utility, CI overlap, combined fit
    page.click("#ev-structure summary")
    sec = page.locator("#ev-structure")
    sec.locator("h4").first.wait_for()  # the section is built when it opens (the toggle event)
    assert sec.get_by_role("heading", name=text(lang, "report.structure_group_h", group="school")).is_visible()
    assert sec.locator("svg.ev-sizes").count() >= 1
    shot(page, f"structure-report-{lang}")
    # the two-way section gives the reference of resampled schools next to the mean
    page.click("#ev-pairs > summary")
    ref = page.locator("#ev-pairs .ev-cluster-ref")
    ref.wait_for()
    head = text(lang, "report.two_way_cluster_reference", column="school", groups="30", mean="", sd="", reps="8")
    assert ref.text_content().startswith(head[:40]), ref.text_content()
    assert "school: 30" in ref.text_content()
