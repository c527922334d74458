"""What every browser test shares: Debian's chromium driven by Playwright, a signed-in page,
screenshots of the main pages, an axe-core accessibility check and a check that a page is
entirely in Chinese.

tests/conftest.py imports the fixtures, so every test module can ask for them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .servers import unavailable

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "pw-for-tests-only"

# Chromium flags for a closed network: no background connections, no component downloads.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch):
    if CHROMIUM is None:
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # itself are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def browser_page(browser):
    """A desktop-sized page in English."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser):
    """A phone-sized touch page (the size of a common small phone)."""
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="en-GB"
    )
    yield context.new_page()
    context.close()


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as var/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page and return the violations of the given impacts.

    The script is evaluated through the DevTools protocol, not added as a <script> tag, so the
    page's strict Content-Security-Policy stays in force while it is checked.
    """
    page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
    )
    return [violation for violation in result if violation["impact"] in impacts]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in violations
    )


# Words that may stay in Latin letters on a Chinese page: the product's name, codes and the
# names of the parties' own data (references, e-mail addresses, URLs are removed first).
LATIN_ALLOWED = {
    "takedown",
    "english",
    "dsa",
    "api",
    "csv",
    "url",
    "id",
    "pdq",
    "exif",
    "utc",
    "ok",
    "gps",
    "jpeg",
    "png",
    "webp",
    "pdf",
    "enter",
    "esc",
}
_NOT_WORDS = re.compile(
    r"https?://\S+|[\w.+-]+@[\w-]+(\.[\w-]+)+|\b[A-Z]{2,}-\d[\w-]*\b|\b[A-Za-z]+-\d+\b"
    r"|\b\w*\d\w*\b"
)


def english_words(page, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Latin-letter words of three or more letters in the page's visible text, other than
    the allowed ones and the text of elements marked lang="zxx": on a page that should be
    entirely in Chinese the list is empty."""
    text = page.inner_text("body")
    # Elements marked as having no linguistic content (lang="zxx": a token, a command, recorded
    # data) are not language.
    for code in page.locator('[lang="zxx"]').all_inner_texts():
        text = text.replace(code, " ")
    text = _NOT_WORDS.sub(" ", text)
    words = re.findall(r"[A-Za-z]{3,}", text)
    permitted = {word.lower() for word in LATIN_ALLOWED | set(allowed)}
    return sorted({word for word in words if word.lower() not in permitted})
