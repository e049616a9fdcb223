"""Browser tests: Playwright for Python driving Debian's chromium against the live test server."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around
    # it are still synchronous, so Django's async-safety guard is lifted for browser tests only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a screenshot of the page as docs/screenshots/<name>.png (the README shows the main ones)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str):
        page.screenshot(path=take.path(name), full_page=True)

    take.path = lambda name: SCREENSHOTS / f"{name}.png"  # for other tabs (e.g. Zoho's console)
    return take


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def live_shop(live_server, slug, customers=24, **fields):
    """A sandbox WooCommerce shop with deterministic customers, and the app's Store reading it over the live
    server (as a real shop would be read)."""
    from integrations.stores.models import Store
    from integrations.stores.sources import get_source
    from tests.fixtures.store_sandbox import make_sandbox_store

    name = fields.pop("name", slug.replace("-", " ").title())
    shop = make_sandbox_store("woocommerce", slug, customers=customers, seed=slug, name=name)
    store = Store(name=name, kind=Store.Kind.WOOCOMMERCE, base_url=f"{live_server.url}/sandbox/woocommerce/{slug}",
                  **fields)
    store.set_credentials({"consumer_key": shop.consumer_key, "consumer_secret": shop.consumer_secret})
    store.ensure_webhook_secret()
    store.save()
    store.record_check(get_source(store).check())
    return store
