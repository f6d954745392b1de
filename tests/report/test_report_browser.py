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
    out = write_report([hostile], tmp_path / "hostile.html", corpus_anomalies=[])
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
