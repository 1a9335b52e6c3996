"""Two-factor login: who must, enrolment, the code after the password, recovery codes, reset."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from chibo.accounts import otp
from chibo.accounts.services import api_token_create
from chibo.core.access import access_for_user
from chibo.core.models import AuditEntry
from chibo.core.roles import Role
from chibo.orgunits.services import grant_add
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"
MANAGE = "/accounts/2fa/"
RECOVERY = "/accounts/2fa/recovery-codes/"
DISABLE = "/accounts/2fa/disable/"
START = datetime(2026, 11, 24, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def required(settings):
    settings.CHIBO_2FA_REQUIRED = True
    return settings


@pytest.fixture
def clock():
    """Frozen wall clock (TOTP codes depend on it); ``clock.shift(seconds)`` moves it on."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(code_for(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


def enrol(client: Client, user) -> tuple[TOTPDevice, list[str]]:
    """Enrol through the pages; returns the device and the recovery codes shown."""
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 200
    codes = re.findall(r"<code lang=\"en\">([a-z2-7]{4}-[a-z2-7]{4})</code>", response.text)
    device.refresh_from_db()
    return device, codes


def stored_tokens(user) -> set[str]:
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def audit_entries():
    # The trail is scoped; the tests read it whole.
    with scopes_disabled():
        return AuditEntry.objects.all()


def password_step(client: Client, username: str, next_url: str = ""):
    data = {"username": username, "password": PASSWORD}
    return client.post(LOGIN + (f"?next={next_url}" if next_url else ""), data)


def logged_in_user_id(client: Client):
    return client.session.get(SESSION_KEY)


# --- Who must ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "must"),
    [
        ("commune_user", True),  # commune committee: member.change, grant.manage… on a commune
        ("province_user", True),  # province board: exports and grant.manage on the province
        ("admin", True),  # superuser
        ("secretary", False),  # cell secretary: changes data, but at cell level
        ("secretary2", False),
        ("member_user", False),  # plain member
    ],
)
def test_who_must_use_two_factor(world, required, who, must) -> None:
    user = getattr(world, who)
    assert otp.otp_required_for(user=user, access=access_for_user(user)) is must


def test_nobody_must_when_the_setting_is_off(world, settings) -> None:
    settings.CHIBO_2FA_REQUIRED = False
    for user in (world.admin, world.commune_user, world.province_user):
        assert not otp.otp_required_for(user=user, access=access_for_user(user))


def test_staff_must(world, required) -> None:
    world.member_user.is_staff = True
    assert otp.otp_required_for(user=world.member_user, access=access_for_user(world.member_user))


def test_a_commune_role_granted_on_a_cell_is_cell_level(world, required) -> None:
    with scopes_disabled():
        grant_add(actor=None, user=world.member_user, unit=world.cell, role=Role.COMMUNE_COMMITTEE)
    user = world.member_user
    assert not otp.otp_required_for(user=user, access=access_for_user(user))
    with scopes_disabled():
        grant_add(actor=None, user=user, unit=world.commune, role=Role.CELL_SECRETARY)
    assert otp.otp_required_for(user=user, access=access_for_user(user))


def test_sensitive_capabilities_are_all_real_capabilities() -> None:
    from chibo.core.roles import CAPABILITY_NAMES

    assert set(CAPABILITY_NAMES) >= otp.SENSITIVE_CAPABILITIES
    # Only reading on screen does not count.
    assert "unit.view" not in otp.SENSITIVE_CAPABILITIES
    assert "meeting.view" not in otp.SENSITIVE_CAPABILITIES


# --- Enforcement ---------------------------------------------------------------------------


def test_unenrolled_must_user_is_sent_to_enrolment_from_every_page(
    world, required, client_for
) -> None:
    client = client_for(world.commune_user)
    for path in ("/", "/me/", f"/units/{world.commune.pk}/", MANAGE, "/accounts/password/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == SETUP, path
    # A POST elsewhere is refused the same way (nothing changes).
    assert client.post("/accounts/password/", {})["Location"] == SETUP
    # htmx requests get a client-side redirect instead of a swapped login page.
    htmx = client.get("/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == SETUP
    # The way out and the enrolment pages themselves are open.
    assert client.get(SETUP).status_code == 200
    assert client.post(reverse("accounts:set_language"), {"language": "en"}).status_code == 302
    assert client.post(reverse("accounts:set_language"), {"language": "en"})["Location"] == "/"
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert logged_in_user_id(client) is None


def test_optional_user_without_device_is_not_redirected(world, required, client_for) -> None:
    assert client_for(world.secretary).get("/").status_code == 200
    assert client_for(world.member_user).get("/").status_code == 200


def test_setting_off_changes_nothing_for_must_users(world, settings, client_for) -> None:
    settings.CHIBO_2FA_REQUIRED = False
    assert client_for(world.commune_user).get("/").status_code == 200


def test_enrolled_but_unverified_session_goes_to_verify(world, required, client_for, clock):
    enrol(client_for(world.secretary), world.secretary)
    # A session logged in without the code (e.g. opened before enrolment on another browser).
    other = client_for(world.secretary)
    response = other.get("/")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    device = TOTPDevice.objects.get(user=world.secretary)
    clock.shift(30)
    verified = other.post(VERIFY, {"code": code_for(device)})
    assert verified.status_code == 302
    assert other.get("/").status_code == 200


def test_verified_session_costs_one_device_lookup_at_most(world, settings, client_for, clock):
    settings.CHIBO_2FA_REQUIRED = True
    client = client_for(world.commune_user)
    enrol(client, world.commune_user)
    client.get("/")
    with CaptureQueriesContext(connection) as on:
        assert client.get("/").status_code == 200
    settings.CHIBO_2FA_REQUIRED = False
    with CaptureQueriesContext(connection) as off:
        assert client.get("/").status_code == 200
    # The only extra query is django-otp's load of the session's device.
    extra = [q["sql"] for q in on.captured_queries[len(off.captured_queries) :]]
    assert len(on.captured_queries) - len(off.captured_queries) <= 1, extra
    assert all("otp_totp" in sql for sql in extra)


def test_api_token_works_without_a_second_factor(world, required) -> None:
    _token, raw = api_token_create(user=world.commune_user)
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["username"] == "commune"


@pytest.mark.parametrize("name", ["otp_manage", "otp_setup", "otp_recovery", "otp_disable"])
def test_anonymous_gets_the_login_page(world, required, name) -> None:
    client = Client()
    url = reverse(f"accounts:{name}")
    response = client.post(url) if name in {"otp_recovery", "otp_disable"} else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_anonymous_verify_without_a_password_step_goes_to_login(world) -> None:
    response = Client().get(VERIFY)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    response = Client().post(VERIFY, {"code": "123456"})
    assert response["Location"] == LOGIN


# --- Enrolment -----------------------------------------------------------------------------


def test_enrolment_page_shows_qr_and_secret(world, required, client_en) -> None:
    client = client_en(world.commune_user)
    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.text
    device = TOTPDevice.objects.get(user=world.commune_user, confirmed=False)
    assert "<svg" in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]  # CSP: no inline style
    secret = re.search(r'<code id="otp-secret" lang="en">([A-Z2-7 ]+)</code>', html).group(1)
    groups = secret.split(" ")
    assert all(len(g) == 4 for g in groups[:-1])
    assert "".join(groups) == otp.secret_of(device)
    # The same secret on a reload (a user who scanned and then reloaded is not lost).
    assert client.get(SETUP).text.count(groups[0]) >= 1
    assert TOTPDevice.objects.filter(user=world.commune_user).count() == 1


def test_enrolment_with_a_wrong_code_is_refused(world, required, client_en, clock) -> None:
    client = client_en(world.commune_user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=world.commune_user)
    response = client.post(SETUP, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert "This code is not right" in response.text
    device.refresh_from_db()
    assert not device.confirmed
    # Not digits at all: a plain message, not a 500.
    response = client.post(SETUP, {"code": "abc"})
    assert "6-digit code" in response.text
    assert client.get("/")["Location"] == SETUP


def test_enrolment_with_the_right_code_shows_ten_recovery_codes_once(
    world, required, client_for, clock
) -> None:
    client = client_for(world.commune_user)
    device, codes = enrol(client, world.commune_user)
    assert device.confirmed
    assert len(codes) == 10
    assert len(set(codes)) == 10
    stored = stored_tokens(world.commune_user)
    assert stored == {c.replace("-", "") for c in codes}
    # The session is verified now: the pages open.
    assert client.get("/").status_code == 200
    # The setup page now leads to the account page, never shows the codes again.
    assert client.get(SETUP)["Location"] == MANAGE
    entry = audit_entries().get(action="auth.otp_enabled")
    assert entry.actor == world.commune_user


def test_codes_page_is_not_cached(world, required, client_for, clock) -> None:
    client = client_for(world.commune_user)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=world.commune_user)
    response = client.post(SETUP, {"code": code_for(device)})
    assert response["Cache-Control"] == "no-store"


# --- Login with the second step ------------------------------------------------------------


def test_password_alone_is_not_a_login_for_an_enrolled_user(world, required, client_for, clock):
    enrol(client_for(world.commune_user), world.commune_user)
    client = Client()
    response = password_step(client, "commune")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert logged_in_user_id(client) is None
    # Nothing else opens: the user is not logged in yet.
    assert client.get("/")["Location"] == reverse("accounts:login")
    assert client.get(VERIFY).status_code == 200


def test_login_with_a_totp_code(world, required, client_for, clock) -> None:
    device, _codes = enrol(client_for(world.commune_user), world.commune_user)
    clock.shift(30)
    client = Client()
    password_step(client, "commune", next_url="/me/")
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert str(logged_in_user_id(client)) == str(world.commune_user.pk)
    home = client.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user.is_verified()


def test_a_code_is_accepted_once(world, required, client_for, clock) -> None:
    device, _codes = enrol(client_for(world.commune_user), world.commune_user)
    clock.shift(30)
    code = code_for(device)
    first = Client()
    password_step(first, "commune")
    assert first.post(VERIFY, {"code": code}).status_code == 302
    second = Client()
    password_step(second, "commune")
    replay = second.post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert logged_in_user_id(second) is None


def test_login_with_a_recovery_code_uses_it_up(world, required, client_for, clock) -> None:
    _device, codes = enrol(client_for(world.commune_user), world.commune_user)
    client = Client()
    password_step(client, "commune")
    response = client.post(VERIFY, {"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=world.commune_user).count() == 9
    entry = audit_entries().get(action="auth.recovery_used")
    assert entry.changes == {"recovery_codes_left": [None, 9]}
    # The same code a second time: refused.
    again = Client()
    password_step(again, "commune")
    refused = again.post(VERIFY, {"code": codes[0]})
    assert refused.status_code == 200
    assert 'role="alert"' in refused.text
    assert logged_in_user_id(again) is None
    clock.shift(1)  # the throttle's delay after one wrong code
    # Another one still works.
    assert again.post(VERIFY, {"code": codes[1]}).status_code == 302


def test_wrong_codes_are_throttled_even_before_the_right_one(
    world, required, client_for, clock, client_en
) -> None:
    device, _codes = enrol(client_for(world.commune_user), world.commune_user)
    clock.shift(30)
    client = Client()
    client.cookies["django_language"] = "en"
    password_step(client, "commune")
    for failures in range(1, 5):
        assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 200
        device.refresh_from_db()
        assert device.throttling_failure_count == failures
        clock.shift(2 ** (failures - 1))  # the delay after this failure: 1, 2, 4, 8 s
    # A fifth wrong code: the delay is now 16 s.
    assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 5
    # The right code now: still refused until the delay (16 s after the 5th failure) has passed.
    refused = client.post(VERIFY, {"code": code_for(device)})
    assert "Too many wrong codes" in refused.text
    assert logged_in_user_id(client) is None
    clock.shift(30)
    accepted = client.post(VERIFY, {"code": code_for(device)})
    assert accepted.status_code == 302
    assert logged_in_user_id(client) is not None


def test_the_password_step_expires(world, required, client_for, clock) -> None:
    device, _codes = enrol(client_for(world.commune_user), world.commune_user)
    client = Client()
    password_step(client, "commune")
    clock.shift(otp.PENDING_MAX_AGE_SECONDS + 30)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response["Location"] == LOGIN
    assert logged_in_user_id(client) is None


def test_optional_user_with_a_device_gets_the_second_step_even_when_not_required(
    world, settings, client_for, clock
) -> None:
    settings.CHIBO_2FA_REQUIRED = True
    device, _codes = enrol(client_for(world.secretary), world.secretary)
    settings.CHIBO_2FA_REQUIRED = False
    client = Client()
    assert password_step(client, "secretary")["Location"] == VERIFY
    clock.shift(30)
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_user_without_a_device_logs_in_with_the_password(world, required) -> None:
    client = Client()
    response = password_step(client, "secretary")
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


# --- Managing: new codes, turning off, admin reset ---------------------------------------


def test_new_recovery_codes_replace_the_old(world, required, client_en, clock) -> None:
    client = client_en(world.commune_user)
    device, old = enrol(client, world.commune_user)
    page = client.get(MANAGE)
    assert "10 unused recovery codes" in page.text
    clock.shift(30)
    wrong = client.post(RECOVERY, {"regenerate-code": wrong_code(device)})
    assert wrong.status_code == 400
    assert 'role="alert"' in wrong.text
    clock.shift(30)
    response = client.post(RECOVERY, {"regenerate-code": code_for(device)})
    assert response.status_code == 200
    new = re.findall(r"<code lang=\"en\">([a-z2-7]{4}-[a-z2-7]{4})</code>", response.text)
    assert len(new) == 10
    stored = stored_tokens(world.commune_user)
    assert stored == {c.replace("-", "") for c in new}
    assert not stored & {c.replace("-", "") for c in old}
    assert audit_entries().filter(action="auth.recovery_regenerated").count() == 1


def test_optional_user_can_turn_it_off_with_a_code(world, required, client_en, clock) -> None:
    client = client_en(world.secretary)
    device, _codes = enrol(client, world.secretary)
    assert "Turn off two-factor login" in client.get(MANAGE).text
    clock.shift(30)
    response = client.post(DISABLE, {"disable-code": code_for(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.secretary).exists()
    assert not StaticDevice.objects.filter(user=world.secretary).exists()
    assert audit_entries().filter(action="auth.otp_disabled", actor=world.secretary).exists()
    assert "Two-factor login is off" in client.get(MANAGE).text


def test_required_user_cannot_turn_it_off(world, required, client_en, clock) -> None:
    client = client_en(world.commune_user)
    device, _codes = enrol(client, world.commune_user)
    page = client.get(MANAGE)
    assert "cannot be turned off" in page.text
    assert DISABLE not in page.text
    clock.shift(30)
    response = client.post(DISABLE, {"disable-code": code_for(device)})
    assert response.status_code == 400
    assert "require two-factor login" in response.text
    assert TOTPDevice.objects.filter(user=world.commune_user, confirmed=True).exists()
    with pytest.raises(PermissionDenied):
        otp.otp_disable(actor=world.commune_user, user=world.commune_user, code="000000")


def test_disable_without_a_device_is_a_clear_error(world, required) -> None:
    with pytest.raises(ValidationError) as error:
        otp.otp_disable(actor=world.secretary, user=world.secretary, code="123456")
    assert error.value.code == "otp_off"


def test_reset_service_deletes_devices_and_is_audited(world, required, client_for, clock):
    enrol(client_for(world.commune_user), world.commune_user)
    assert otp.otp_reset(actor=world.admin, user=world.commune_user) is True
    assert not TOTPDevice.objects.filter(user=world.commune_user).exists()
    assert not StaticDevice.objects.filter(user=world.commune_user).exists()
    entry = audit_entries().get(action="auth.otp_reset")
    assert entry.actor == world.admin
    assert entry.object_id == str(world.commune_user.pk)
    # The user logs in with the password alone and is sent to enrol again.
    client = Client()
    assert password_step(client, "commune")["Location"] == "/"
    assert client.get("/")["Location"] == SETUP


def test_reset_from_the_admin(world, settings, client_for, clock) -> None:
    settings.CHIBO_2FA_REQUIRED = True
    enrol(client_for(world.secretary), world.secretary)
    settings.CHIBO_2FA_REQUIRED = False  # the admin's own second step is not under test here
    admin = client_for(world.admin)
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [world.secretary.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.secretary).exists()
    entry = audit_entries().get(action="auth.otp_reset")
    assert entry.actor == world.admin
    assert entry.changes == {"devices": [2, 0]}


def test_reset_session_of_the_user_loses_its_verification(world, required, client_for, clock):
    client = client_for(world.commune_user)
    enrol(client, world.commune_user)
    assert client.get("/").status_code == 200
    otp.otp_reset(actor=world.admin, user=world.commune_user)
    assert client.get("/")["Location"] == SETUP


def test_throttle_factor_is_on(settings) -> None:
    assert settings.OTP_TOTP_THROTTLE_FACTOR > 0
    assert settings.OTP_STATIC_THROTTLE_FACTOR > 0


def test_codes_are_told_apart_by_length(world, required, client_for, clock) -> None:
    _device, codes = enrol(client_for(world.commune_user), world.commune_user)
    with translation.override("en"):  # the request above left Vietnamese active
        assert "6-digit" in otp.code_check(world.commune_user, "12345").error
        assert "recovery code" in otp.code_check(world.commune_user, "12345678").error
    clock.shift(2)
    assert otp.code_check(world.commune_user, codes[2]).ok
