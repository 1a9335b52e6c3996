"""The language switch in the footer: Vietnamese by default, English on request, remembered."""

from __future__ import annotations

import re

from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ConsoleLog, assert_accessible, login

# Letters only Vietnamese uses (with its tone marks): enough to tell it from the English text.
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.IGNORECASE)


def switch_language(page: Page, code: str) -> None:
    with page.expect_navigation():
        page.click(f"footer button[name=language][value={code}]")


def test_language_switch_is_remembered(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    submit = page.locator("main form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(submit).to_have_text(VIETNAMESE)
    expect(page.locator("footer button[value=vi]")).to_have_attribute("aria-pressed", "true")

    switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    expect(page.locator("footer button[value=en]")).to_have_attribute("aria-pressed", "true")
    assert_accessible(page)

    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()

    # Logging in keeps the choice (the account has none yet).
    login(page, live_server, "secretary")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Back to Vietnamese from an inner page: it comes back to the same page...
    page.goto(f"{live_server.url}/units/{live_world.cell.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch_language(page, "vi")
    expect(page).to_have_url(f"{live_server.url}/units/{live_world.cell.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    assert_accessible(page)

    # ...and stays Vietnamese on the next pages.
    with page.expect_navigation():
        page.click("header nav a[href='/units/']")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    # The account remembers it too, for the next phone it logs in from.
    with scopes_disabled():
        live_world.secretary.refresh_from_db()
    assert live_world.secretary.language == "vi"
    console.assert_clean()
