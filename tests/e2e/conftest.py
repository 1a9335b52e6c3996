"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every page is looked at the way our users see it: a cheap phone (360×640 CSS px, touch) set to
Vietnamese. Chromium missing is a failure, never a skip (see /work/shared/TOOLCHAIN.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls
# from the test body (SynchronousOnlyOperation). Browser tests only, so set it here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.factories import PASSWORD, World, build_world

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}
TIMEOUT_MS = 10_000

# Report every CSP violation as a console error, whatever directive it hits (the "Refused to"
# console lines Chromium prints cover most, this covers the rest). Init scripts run outside the
# page's CSP.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item of the session: mark only ours.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # No skip on purpose: without Chromium every test errors, so a broken toolchain is noticed.
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_world(transactional_db: None) -> World:
    """The ``world`` of tests/factories.py, committed so the live server's thread sees it."""
    return build_world()


@dataclass
class ConsoleLog:
    """Console errors, uncaught page errors and CSP violations seen by one context."""

    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, fragment: str) -> None:
        """Ignore console errors containing ``fragment`` (e.g. the 404 a test asks for)."""
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]

    def assert_clean(self) -> None:
        bad = self.unexpected()
        assert not bad, "console errors / CSP violations:\n" + "\n".join(bad)


def watch(page: Page, log: ConsoleLog) -> None:
    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "error" or "Refused to" in text:
            # The source's URL: for "Failed to load resource" it is the resource that failed.
            where = message.location.get("url") or page.url
            log.errors.append(f"[{message.type}] {where}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: log.errors.append(f"[pageerror] {page.url}: {error}"))


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    """``new_context(**extra)``: a fresh phone-sized context (no cache, no cookies)."""
    contexts: list[BrowserContext] = []

    def make(**extra: Any) -> BrowserContext:
        context = browser.new_context(**{**PHONE, **extra})
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(_CSP_LISTENER)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(new_context: Any, console: ConsoleLog) -> Page:
    """A page in a NEW phone context per test; its console errors land in ``console``."""
    page = new_context().new_page()
    watch(page, console)
    return page


def login(page: Page, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form; waits for the page after the redirect."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


# --- axe-core ---------------------------------------------------------------------------------

AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING_IMPACTS = {"serious", "critical"}


def assert_accessible(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; fail on any serious or critical violation.

    The axe-core bundled with axe-playwright-python is injected the way its ``Axe.run`` does
    (``page.evaluate``, i.e. DevTools' Runtime.evaluate, which the page's ``script-src 'self'``
    does not apply to: no ``bypass_csp`` needed, and the CSP listener above would catch it if
    that changed), but only once per document, then ``axe.run`` is called. Milder violations
    are printed (shown on failure) and returned.
    """
    if page.evaluate("typeof window.axe === 'undefined'"):
        page.evaluate(AXE.axe_script)  # once per document: the script is half a megabyte
    violations = page.evaluate(f"axe.run({json.dumps(AXE_OPTIONS)})")["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    lines = []
    for v in blocking:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            lines.append(f"    {node['target']}  {node.get('failureSummary', '')!r}")
    milder = [v for v in violations if v["impact"] not in BLOCKING_IMPACTS]
    for v in milder:
        print(f"axe ({v['impact']}) {v['id']} on {page.url}: {[n['target'] for n in v['nodes']]}")
    assert not blocking, f"axe violations on {page.url}:\n" + "\n".join(lines)
    return milder
