"""Session rules (issue 7, docs/decisions/0015-sessions.md): a new key at login, idle timeout,
absolute lifetime, log out everywhere, deactivation ends sessions. Real clients, real sessions
in the database; the clock is moved with time-machine."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.accounts.models import User
from chibo.accounts.services import (
    api_token_create,
    user_deactivate,
    user_logout_everywhere,
    user_reactivate,
)
from chibo.accounts.sessions import LOGIN_AT_KEY, SEEN_AT_KEY
from chibo.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
PAGE = "/accounts/password/"  # any page that needs a login
EXPIRED_EN = "Your session has expired. Please log in again."
T0 = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


def logged_in(username: str = "secretary", *, english: bool = True) -> Client:
    """A client logged in through the real login form."""
    client = Client()
    if english:
        client.cookies["django_language"] = "en"
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def is_in(client: Client) -> bool:
    response = client.get(PAGE)
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    return False


def sent_to_login_as_expired(response) -> bool:
    """A redirect to the login page that, followed, shows the expiry message."""
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    return EXPIRED_EN in response.client.get(response["Location"]).content.decode()


# --- A new session key at login ------------------------------------------------------------


def test_login_form_gives_a_new_session_key_and_starts_the_clocks(world) -> None:
    client = Client()
    client.get(LOGIN)
    session = client.session
    session["before_login"] = "x"  # an anonymous session with a key
    session.save()
    before = session.session_key
    with time_machine.travel(T0, tick=False):
        client.post(LOGIN, {"username": "secretary", "password": PASSWORD})
        # Read while the clock still says T0: read on the real clock, the session had expired
        # from T0 + 12 h on: the test failed from 20:00 UTC on 24 November 2026 onward.
        after = client.session
        assert after.session_key != before
        assert not Session.objects.filter(session_key=before).exists()
        assert after[LOGIN_AT_KEY] == after[SEEN_AT_KEY] == int(T0.timestamp())
    # The stored session ends shortly after the absolute lifetime, not later.
    row = Session.objects.get(session_key=after.session_key)
    assert T0 + dt.timedelta(hours=12) < row.expire_date <= T0 + dt.timedelta(hours=13)


def test_two_step_login_gives_a_new_key_and_starts_the_clocks_at_the_code(
    world, settings, client_for
) -> None:
    """With two-factor login the session is logged in at the code, not at the password."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.CHIBO_2FA_REQUIRED = True
    device = TOTPDevice.objects.create(user=world.commune_user, name="authenticator")
    with time_machine.travel(T0, tick=False) as clock:
        client = Client()
        client.cookies["django_language"] = "en"  # the expiry message is read in English
        client.get(LOGIN)
        response = client.post(LOGIN, {"username": "commune", "password": PASSWORD})
        assert response["Location"] == reverse("accounts:otp_verify")
        pending_key = client.session.session_key
        assert SESSION_KEY not in client.session
        clock.shift(dt.timedelta(minutes=2))
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        response = client.post(reverse("accounts:otp_verify"), {"code": f"{totp.token():06d}"})
        assert response.status_code == 302
        session = client.session
        assert str(session[SESSION_KEY]) == str(world.commune_user.pk)
        assert session.session_key != pending_key
        assert session[LOGIN_AT_KEY] == int(T0.timestamp()) + 120
        clock.shift(dt.timedelta(minutes=31))
        assert sent_to_login_as_expired(client.get(PAGE))


def test_force_login_is_stamped_too(world, client_for) -> None:
    client = client_for(world.member_user)
    assert LOGIN_AT_KEY in client.session


# --- Idle timeout --------------------------------------------------------------------------


def test_idle_29_minutes_stays_in_31_minutes_is_logged_out(world) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in()
        clock.shift(dt.timedelta(minutes=29))
        assert is_in(client)
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(PAGE)
        assert sent_to_login_as_expired(response)
        assert "next=" + PAGE.replace("/", "%2F") in response["Location"]
        # Logged out for good, not just redirected once.
        assert not is_in(client)
        assert SESSION_KEY not in client.session


def test_activity_keeps_the_session_but_writes_it_at_most_once_a_minute(world) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in()
        key = client.session.session_key
        clock.shift(dt.timedelta(seconds=30))
        is_in(client)
        # Under a minute: nothing written.
        assert client.session[SEEN_AT_KEY] == int(T0.timestamp())
        clock.shift(dt.timedelta(seconds=40))
        is_in(client)
        assert client.session[SEEN_AT_KEY] == int(T0.timestamp()) + 70
        assert client.session.session_key == key


def test_expired_message_is_vietnamese_by_default(world) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in(english=False)
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(PAGE)
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert 'class="msg msg-warning"' in page


def test_expired_post_is_not_carried_out(world) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in()
        clock.shift(dt.timedelta(minutes=45))
        response = client.post(reverse("accounts:set_language"), {"language": "vi"})
        assert response.status_code == 302
        assert response["Location"] == LOGIN  # no "next" for a POST
    world.secretary.refresh_from_db()
    assert world.secretary.language != "vi"


def test_expired_htmx_request_sends_the_whole_page_to_login(world) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in()
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(PAGE, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response["HX-Redirect"] == LOGIN


def test_idle_timeout_follows_the_setting(world, settings) -> None:
    settings.CHIBO_SESSION_IDLE_MINUTES = 5
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in()
        clock.shift(dt.timedelta(minutes=4))
        assert is_in(client)
        clock.shift(dt.timedelta(minutes=5, seconds=1))
        assert sent_to_login_as_expired(client.get(PAGE))


# --- Absolute lifetime ---------------------------------------------------------------------


def test_active_every_10_minutes_is_logged_out_at_12_hours(world) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in()
        elapsed = dt.timedelta(0)
        while elapsed < dt.timedelta(hours=13):
            clock.shift(dt.timedelta(minutes=10))
            elapsed += dt.timedelta(minutes=10)
            response = client.get(PAGE)
            if elapsed < dt.timedelta(hours=12):
                assert response.status_code == 200, elapsed
            else:
                assert sent_to_login_as_expired(response), elapsed
                break
        assert elapsed == dt.timedelta(hours=12)


def test_absolute_lifetime_follows_the_setting(world, settings) -> None:
    settings.CHIBO_SESSION_MAX_HOURS = 1
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in()
        for _ in range(5):
            clock.shift(dt.timedelta(minutes=11))
            assert is_in(client)
        clock.shift(dt.timedelta(minutes=6))  # 61 minutes after login
        assert sent_to_login_as_expired(client.get(PAGE))


def test_logging_in_again_starts_a_new_lifetime(world) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = logged_in()
        clock.shift(dt.timedelta(hours=12, minutes=5))
        assert not is_in(client)
        response = client.post(LOGIN, {"username": "secretary", "password": PASSWORD})
        assert response.status_code == 302
        clock.shift(dt.timedelta(minutes=10))
        assert is_in(client)


def test_session_from_before_the_rules_gets_its_clocks_started(world) -> None:
    client = logged_in()
    session = client.session
    del session[LOGIN_AT_KEY]
    del session[SEEN_AT_KEY]
    session.save()
    assert is_in(client)
    assert isinstance(client.session[LOGIN_AT_KEY], int)


def test_api_with_a_bearer_token_is_not_session_bound(world) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        _token, raw = api_token_create(user=world.secretary)
        clock.shift(dt.timedelta(hours=20))
        response = Client().get(
            "/api/v1/me", headers={"Authorization": f"Bearer {raw}"}, follow=False
        )
        assert response.status_code == 200


# --- Log out everywhere --------------------------------------------------------------------


def test_log_out_everywhere_ends_every_session_of_the_user_only(world) -> None:
    phone, laptop = logged_in(), logged_in()
    other = logged_in("member")
    assert is_in(phone)
    assert is_in(laptop)
    assert is_in(other)
    response = phone.post(reverse("accounts:logout_everywhere"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "You have been logged out on every device." in phone.get(LOGIN).content.decode()
    assert not is_in(phone)
    assert not is_in(laptop)
    assert is_in(other)  # someone else's sessions are untouched
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="auth.logout_everywhere")
    assert entry.actor == world.secretary
    assert entry.object_id == str(world.secretary.pk)


def test_log_out_everywhere_needs_post_and_a_login(world) -> None:
    client = logged_in()
    assert client.get(reverse("accounts:logout_everywhere")).status_code == 405
    assert is_in(client)
    response = Client().post(reverse("accounts:logout_everywhere"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="auth.logout_everywhere").exists()


def test_log_out_everywhere_needs_the_csrf_token(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.post(LOGIN, {"username": "secretary", "password": PASSWORD})  # no token: refused
    client.force_login(world.secretary)
    assert client.post(reverse("accounts:logout_everywhere")).status_code == 403
    assert is_in(client)


def test_account_page_has_the_button(world) -> None:
    page = logged_in().get(PAGE).content.decode()
    assert f'action="{reverse("accounts:logout_everywhere")}"' in page
    assert "Log out on every device" in page


def test_log_in_again_after_logging_out_everywhere(world) -> None:
    client = logged_in()
    client.post(reverse("accounts:logout_everywhere"))
    assert is_in(logged_in())


def test_password_change_keeps_this_session_and_ends_the_others(world) -> None:
    user_logout_everywhere(actor=None, user=world.secretary)  # epoch > 0 from here on
    client, other = logged_in(), logged_in()
    new = "Bản-Nà-Tăm-2026-mới"
    response = client.post(
        PAGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert is_in(client)
    assert not is_in(other)


def test_session_hash_is_djangos_until_the_first_rotation(world) -> None:
    """Introducing the rule logged nobody out: generation 0 gives Django's own hash."""
    from django.contrib.auth.base_user import AbstractBaseUser

    user = world.member_user
    assert user.session_epoch == 0
    assert user.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(user)
    user_logout_everywhere(actor=user, user=user)
    assert user.session_epoch == 1
    assert user.get_session_auth_hash() != AbstractBaseUser._get_session_auth_hash(user)


def test_old_secret_key_still_verifies_sessions_after_rotation(world, settings) -> None:
    """SECRET_KEY rotation with SECRET_KEY_FALLBACKS keeps working with the generation."""
    user_logout_everywhere(actor=None, user=world.secretary)
    client = logged_in()
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789-abcdefghijkl"
    settings.SECRET_KEY_FALLBACKS = [old]
    assert is_in(client)
    assert (
        client.session[HASH_SESSION_KEY]
        == User.objects.get(pk=world.secretary.pk).get_session_auth_hash()
    )


# --- Deactivation --------------------------------------------------------------------------


def test_deactivation_ends_sessions_and_api_tokens_and_reactivation_revives_neither(
    world,
) -> None:
    client = logged_in()
    _token, raw = api_token_create(user=world.secretary)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/me").status_code == 200
    admin = world.admin
    user_deactivate(actor=admin, user=world.secretary)
    assert not is_in(client)
    assert api.get("/api/v1/me").status_code == 401
    user_reactivate(actor=admin, user=world.secretary)
    assert not is_in(client)
    assert api.get("/api/v1/me").status_code == 401
    with scopes_disabled():
        actions = list(
            AuditEntry.objects.filter(object_id=str(world.secretary.pk))
            .filter(action__in=["user.deactivated", "user.reactivated"])
            .order_by("pk")
            .values_list("action", flat=True)
        )
    assert actions == ["user.deactivated", "user.reactivated"]
    # And the person can log in again with the password.
    assert is_in(logged_in())


def test_deactivating_twice_writes_one_entry(world) -> None:
    user_deactivate(actor=None, user=world.member_user)
    user_deactivate(actor=None, user=world.member_user)
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="user.deactivated").count() == 1


def test_deactivation_in_the_admin_ends_sessions(world, client_for) -> None:
    client = logged_in()
    token, _raw = api_token_create(user=world.secretary)
    admin = client_for(world.admin)
    user = world.secretary
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone or "",
        "language": user.language,
        # is_active left out: unticked
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
    }
    response = admin.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_active
    assert user.session_epoch == 1
    assert not is_in(client)
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Saving again without touching "active" does not rotate again.
    admin.post(url, form)
    user.refresh_from_db()
    assert user.session_epoch == 1
