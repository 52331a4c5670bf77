"""The HTML page of fifty repositories in a real browser: Chromium driven by Playwright.

The system's Chromium is used (Debian's ``chromium`` package, ``/usr/bin/chromium``): the test
never downloads a browser and is skipped, saying why, where none is installed. It loads the
page from a file in a fresh profile, with the page's own Content-Security-Policy in force,
and checks that the chart draws a bar per repository, the ranking table shows, the page asks
for nothing, and nothing a repository wrote ran: no script, no dialog, no element, no policy
violation (an escaping slip would be one, blocked or not).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.org.conftest import (
    HOSTILE_MESSAGE,
    HOSTILE_PACKAGE,
    HOSTILE_REPOSITORY,
    HOSTILE_REPOSITORY_2,
    REPOSITORIES,
    OrgFixture,
    run_cli,
)

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Dialog

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def chromium() -> str | None:
    """The system's Chromium executable, if one is installed."""
    for path in CHROMIUM_PATHS:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """Chromium with a new, empty profile; skipped without Playwright or a Chromium."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    executable = chromium()
    if executable is None:
        pytest.skip(
            "no Chromium executable (/usr/bin/chromium): install the system package, e.g. "
            "`apt-get install chromium`; this test never downloads a browser"
        )
    profile = tmp_path / "profile"
    profile.mkdir()
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            timeout=120_000,
        )
        try:
            yield context
        finally:
            context.close()


def test_page_in_chromium(org: OrgFixture, browser: BrowserContext, tmp_path: Path) -> None:
    page_file = tmp_path / "org.html"
    code, _, err = run_cli("report", *org.paths, "--format", "html", "--output", str(page_file))
    assert code == 0, err

    page = browser.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(WATCH)
    page.goto(page_file.as_uri(), wait_until="load")

    # nothing a repository wrote ran, asked for something, or became an element
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert errors == []
    assert page.evaluate("window.__violations") == []
    assert requests == [page_file.as_uri()]
    assert page.evaluate("document.querySelectorAll('img, script, iframe, b').length") == 0
    for hostile in (HOSTILE_REPOSITORY, HOSTILE_REPOSITORY_2, HOSTILE_PACKAGE, HOSTILE_MESSAGE):
        assert page.get_by_text(hostile, exact=False).count() >= 1, hostile

    # the chart: a titled SVG with one visible bar per repository, widths by coverage
    chart = page.locator("#coverage-chart")
    assert chart.is_visible()
    assert page.locator("#coverage-chart > title").text_content() == (
        "Chainguard coverage per repository"
    )
    boxes: list[dict[str, Any]] = page.evaluate(
        """Array.from(document.querySelectorAll('#coverage-chart rect.bar')).map((bar) => {
             const box = bar.getBoundingClientRect();
             return {width: box.width, height: box.height, fill: getComputedStyle(bar).fill};
           })"""
    )
    assert len(boxes) == REPOSITORIES
    assert all(box["width"] > 0 and box["height"] > 0 for box in boxes), boxes
    widths = [box["width"] for box in boxes]
    assert widths == sorted(widths)  # least covered first
    assert widths[-1] == pytest.approx(4 * widths[0])  # 100% against 25%
    # the page's style applies under its own policy: full coverage is green
    assert boxes[-1]["fill"] == "rgb(26, 127, 55)"
    labels = page.evaluate(
        """Array.from(document.querySelectorAll('#coverage-chart text.label'))
             .map((label) => label.getBoundingClientRect().width)"""
    )
    assert len(labels) == REPOSITORIES
    assert all(width > 0 for width in labels)

    # the tables
    ranking = page.locator("#ranking-table")
    ranking.scroll_into_view_if_needed()
    assert ranking.is_visible()
    first = ranking.locator("tbody tr").first
    assert first.locator("th").inner_text() == "gamma"
    assert ranking.locator("tbody tr").count() == 6
    assert page.locator("#status-table tbody tr").count() == REPOSITORIES

    shot = tmp_path / "org-report.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000
