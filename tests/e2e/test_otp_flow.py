"""Two-factor login on a phone: a commune committee member is sent to enrol, types the secret
into "their app" (computed here from the secret shown on the page), keeps the recovery codes,
logs out, and logs in again with password and code. axe-core and sideways scrolling are checked
on the enrolment and verify pages."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ConsoleLog, assert_accessible, login


@pytest.fixture
def required(settings):
    # The live server runs in this process: it sees the setting too.
    settings.CHIBO_2FA_REQUIRED = True
    return settings


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for ``secret`` (base32, spaces allowed)."""
    compact = re.sub(r"\s+", "", secret)
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    totp = TOTP(key, step=30, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def assert_fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} scrolls sideways: {width}px wide"


def submit(page: Page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def test_enrol_then_log_in_with_password_and_code(
    page: Page, live_server, live_world, required, console: ConsoleLog
) -> None:
    login(page, live_server, "commune")
    # Any page sends a commune committee member without 2FA to the enrolment page.
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/setup/")
    page.goto(f"{live_server.url}/units/{live_world.commune.pk}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/setup/")
    expect(page.locator("main svg")).to_be_visible()
    assert_accessible(page)
    assert_fits_the_phone(page)

    secret = page.locator("#otp-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", secret), secret

    # A wrong code first: a plain message, still on the page.
    right = app_code(secret)
    page.fill("input[name=code]", f"{(int(right) + 1) % 1_000_000:06d}")
    submit(page)
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)

    time.sleep(1.1)  # django-otp's throttle: one second after one wrong code
    page.fill("input[name=code]", app_code(secret))
    submit(page)
    codes = page.locator("ol.recovery-codes li code")
    expect(codes).to_have_count(10)
    for text in codes.all_inner_texts():
        assert re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", text), text
    assert_accessible(page)
    assert_fits_the_phone(page)

    # Log out (the footer's button) and back in: the password is not enough any more.
    with page.expect_navigation():
        page.locator("footer .account form button[type=submit]").click()
    login(page, live_server, "commune")
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/verify/")
    assert_accessible(page)
    assert_fits_the_phone(page)

    # The next time step's code (the app would show it within 30 s; the server accepts one step
    # of clock difference, and never the code already used to enrol).
    page.fill("input[name=code]", app_code(secret, steps_ahead=1))
    submit(page)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_contain_text(live_world.commune_user.full_name)
    console.assert_clean()
