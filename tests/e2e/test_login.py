"""Logging in on a phone: with the username, with the phone number, and a wrong password."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ConsoleLog, assert_accessible, login


def test_login_page_is_accessible(page: Page, live_server, console: ConsoleLog) -> None:
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response is not None
    assert response.status == 200
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    assert_accessible(page)
    console.assert_clean()


def test_login_with_username_lands_on_home(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    login(page, live_server, "secretary")
    assert page.url == f"{live_server.url}/"
    expect(page.locator("h1")).to_contain_text(live_world.secretary.full_name)
    assert_accessible(page)
    console.assert_clean()


def test_login_with_phone_number(page: Page, live_server, live_world, console: ConsoleLog) -> None:
    login(page, live_server, "0912345678")
    assert page.url == f"{live_server.url}/"
    expect(page.locator("h1")).to_contain_text("Lò Văn Piếng")
    console.assert_clean()


def test_wrong_password_shows_an_alert(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    login(page, live_server, "secretary", password="not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).not_to_be_empty()
    # The form is still there to try again, with the username kept.
    expect(page.locator("input[name=username]")).to_have_value("secretary")
    assert_accessible(page)
    console.assert_clean()
