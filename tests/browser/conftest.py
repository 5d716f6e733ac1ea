"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium, installed by
.ci/run with apt; never ``playwright install``) against pytest-django's live server."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.marketplace.files import VALID_CATALOG_ROWS, VALID_NEED_ROWS, csv_bytes

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told this is deliberate (the ORM calls here are the tests' own).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def catalog(transactional_db, tmp_path) -> None:
    """The small test catalog and one need, committed so the live server's thread sees them.

    Reference data comes from a migration, which a transactional test's flush removes; load it again.
    """
    call_command("load_taxonomy", verbosity=0)
    catalog_file, needs_file = tmp_path / "catalog.csv", tmp_path / "needs.csv"
    catalog_file.write_bytes(csv_bytes(VALID_CATALOG_ROWS))
    needs_file.write_bytes(csv_bytes(VALID_NEED_ROWS))
    call_command("import_catalog", str(catalog_file), verbosity=0)
    call_command("import_needs", str(needs_file), verbosity=0)


@pytest.fixture
def page(browser, live_server, catalog, request) -> Iterator:
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def screenshot(page, request):
    """``screenshot("name")`` saves test-results/screenshots/<test>-<name>.png (full page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays at the top of the image
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
