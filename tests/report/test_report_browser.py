"""The review report in a real browser (Debian's chromium through Playwright, never a download).

Opens the generated file from disk, checks the highlights and the findings list in the rendered
DOM, clicks a finding and checks that its evidence is active and scrolled into view, and that a
document full of markup runs no script. Skips with the reason where chromium is missing.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractor.report import write_report

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = Path("/tmp/extractor_report.png")


def _chromium() -> str | None:
    for cand in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if cand and Path(cand).exists():
            return cand
    return None


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=exe, args=ARGS)
        except Exception as exc:  # noqa: BLE001 - report why the browser could not start
            pytest.skip(f"chromium at {exe} did not start: {exc}")
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    pg.errors = []
    pg.dialogs = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    ctx.close()


def _open(page, path: Path) -> None:
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("html[data-ready]", timeout=10_000)


def _in_view(page, selector: str) -> bool:
    return page.evaluate(
        """sel => { const el = document.querySelector(sel); const r = el.getBoundingClientRect();
            const box = el.closest('.text').getBoundingClientRect();
            return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight
                   && r.top >= box.top - 1 && r.bottom <= box.bottom + 1; }""", selector)


def test_markup_in_a_document_runs_nothing_and_shows_as_text(page, tmp_path, hostile):
    out = write_report([hostile], tmp_path / "hostile.html", corpus_anomalies=[], plots=False)
    _open(page, out)
    page.wait_for_timeout(200)
    assert page.dialogs == [] and page.errors == []
    text = page.locator(".doc .text").inner_text()
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert page.evaluate("document.querySelectorAll('.text script, .text img').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    assert page.get_by_text("<img src=x onerror=alert(1)>", exact=False).first.is_visible()
    # the finding list shows the markup-laden code as text too
    assert page.locator(".findings .finding .code").nth(1).inner_text() == "test.<b>markup</b>"


@pytest.fixture(scope="module")
def sample_report(sample_path, tmp_path_factory):
    """The review report of the shared sample, through the real pipeline."""
    from extractor.report import collect

    items = collect([sample_path])
    out = write_report(items, tmp_path_factory.mktemp("report") / "sample.html")
    return out, items[0]


def _far_finding(item) -> int:
    """Index of the located finding whose evidence lies furthest into the text."""
    located = [j for j, a in enumerate(item.anomalies)
               if 0 <= a.start < a.end <= len(item.text)]
    assert located, "the sample yields located findings"
    return max(located, key=lambda j: item.anomalies[j].start)


def test_sample_report_renders_highlights_pages_and_findings(page, sample_report, tmp_path):
    out, item = sample_report
    _open(page, out)
    assert page.errors == []
    kinds = {f.kind for f in item.facts}
    assert {"money", "percent", "count", "quantity", "date"} <= kinds
    for kind in kinds:
        assert page.locator(f".text .f.k-{kind}").count() >= 1, kind
    ids = page.evaluate("""() => { const s = new Set();
        document.querySelectorAll('.text [data-f]').forEach(e =>
            e.getAttribute('data-f').split(' ').forEach(x => s.add(x)));
        return s.size; }""")
    assert ids == len(item.facts)
    assert page.locator(".findings .finding").count() == len(item.anomalies) > 0
    assert page.locator(".text .pb").count() == len(item.pages) == 16
    assert page.locator(".doc-summary").count() == 1
    assert page.locator("figure img").count() == 4
    # the DOM text is the document text: nothing added, nothing lost
    assert page.evaluate("document.querySelector('.doc .text').textContent") == item.text
    page.screenshot(path=str(tmp_path / "sample_top.png"))


def test_clicking_a_finding_scrolls_to_its_evidence_and_marks_its_facts(page, sample_report,
                                                                         tmp_path):
    out, item = sample_report
    _open(page, out)
    j = _far_finding(item)
    a = item.anomalies[j]
    evidence = f'.text [data-a~="d0a{j}"]'
    assert not _in_view(page, evidence)          # far down the scrolled text at first
    page.locator(f'.findings .finding[data-a="d0a{j}"]').click()
    page.wait_for_timeout(150)
    assert page.locator(evidence).count() >= 1
    assert page.evaluate(f"""() => [...document.querySelectorAll('{evidence}')]
        .every(e => e.classList.contains('active'))""")
    assert _in_view(page, evidence)
    assert page.locator(".findings .finding.selected").get_attribute("data-a") == f"d0a{j}"
    fact_index = {f.fact_id: i for i, f in enumerate(item.facts)}
    for fid in a.fact_ids:
        if fid in fact_index:
            sel = f'.text [data-f~="d0f{fact_index[fid]}"]'
            assert page.evaluate(f"""() => [...document.querySelectorAll('{sel}')]
                .every(e => e.classList.contains('involved'))"""), fid
    # then the worst finding (first in the list): the picture for reviewers
    worst = page.locator(".findings .finding").first
    wid = worst.get_attribute("data-a")
    worst.click()
    page.wait_for_timeout(150)
    assert page.locator(f'.text [data-a~="{wid}"].active').count() >= 1
    assert page.locator(f'.text [data-a~="d0a{j}"].active').count() == 0   # selection moved
    assert _in_view(page, f'.text [data-a~="{wid}"]')
    shot = tmp_path / "sample_clicked.png"
    page.screenshot(path=str(shot))
    shutil.copyfile(shot, SCREENSHOT)


def test_hover_shows_value_unit_interval_subject(page, sample_report):
    out, item = sample_report
    _open(page, out)
    i, f = next((i, f) for i, f in enumerate(item.facts) if f.kind == "money" and f.subject)
    page.locator(f'.text [data-f~="d0f{i}"]').first.hover()
    tip = page.locator("#tip")
    tip.wait_for(state="visible", timeout=2000)
    text = tip.inner_text()
    assert "CNY" in text and f.subject in text and "interval" in text
    assert text.count(f.text) >= 1


def test_filters_by_severity_and_code(page, sample_report):
    out, item = sample_report
    _open(page, out)
    sevs = {a.severity for a in item.anomalies}
    first = sorted(sevs)[0]
    page.locator(f'.findings input[data-sev="{first}"]').uncheck()
    assert page.evaluate(f"""() => [...document.querySelectorAll('.finding[data-sev="{first}"]')]
        .every(li => li.hidden)""")
    page.locator(f'.findings input[data-sev="{first}"]').check()
    code = item.anomalies[0].code
    page.locator(".findings select.code").select_option(code)
    visible = page.evaluate("""() => [...document.querySelectorAll('.findings .finding')]
        .filter(li => !li.hidden).map(li => li.getAttribute('data-code'))""")
    assert visible and set(visible) == {code}
    assert page.locator(".findings .shown").inner_text() == str(len(visible))


def test_index_error_link_opens_the_document_page_with_the_finding_selected(page, sample_path,
                                                                           tmp_path):
    out = write_report([sample_path], tmp_path / "index.html", per_document_pages=True,
                       plots=False)
    _open(page, out)
    assert page.locator(".doc .text").count() == 0          # the index holds no text
    link = page.locator(".error-index a").first
    href = link.get_attribute("href")
    assert href.startswith("index_files/doc-0001-") and "#find-d0a" in href
    link.click()
    page.wait_for_selector("html[data-ready]")
    lid = href.rsplit("#find-", 1)[1]
    assert "selected" in page.locator(f"#find-{lid}").get_attribute("class").split()
    assert page.locator(".findings .finding.active").count() == 0
    assert page.locator(f'.text [data-a~="{lid}"].active').count() >= 1
    assert _in_view(page, f'.text [data-a~="{lid}"]')
