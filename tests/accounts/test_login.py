from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
NEW = "Bản-Nà-Tăm-2026"


def login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.parametrize("identifier", ["secretary", "SECRETARY", "0912345678", "+84 912 345 678"])
def test_login_by_username_or_phone(world, identifier) -> None:
    client = Client()
    response = login(client, identifier, PASSWORD)
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == world.secretary


def test_login_cycles_the_session_key(world) -> None:
    client = Client()
    client.get(LOGIN)
    before = client.session.session_key
    login(client, "secretary", PASSWORD)
    assert client.session.session_key != before


def test_wrong_password_shows_a_plain_message(world) -> None:
    response = login(Client(), "secretary", "nope")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_repeated_failures_lock_the_account_on_this_device(world, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "secretary", "nope").status_code == 200
    locked = login(client, "secretary", "nope")
    assert locked.status_code == 429
    # Now even the right password is refused, with the same clear page.
    again = login(client, "secretary", PASSWORD)
    assert again.status_code == 429
    assert "15" in again.content.decode()


def test_phone_and_username_count_as_one_account(world, settings) -> None:
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "0912345678" if i % 2 else "secretary", "nope")
    assert login(client, "secretary", PASSWORD).status_code == 429


def test_lockout_of_one_account_leaves_others_working(world, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "secretary", "nope")
    assert login(client, "member", PASSWORD).status_code == 302


def test_api_token_endpoint_is_throttled_too(world, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/api/v1/auth/token",
            {"username": "member", "password": "x"},
            content_type="application/json",
        )
    response = client.post(
        "/api/v1/auth/token",
        {"username": "member", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_passwords_are_hashed_with_argon2(settings) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    assert make_password("any-password").startswith("argon2$")


def test_logout_is_post_only_and_ends_the_session(world, client_for) -> None:
    client = client_for(world.member_user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get("/").status_code == 302


def test_change_password(world, client_for) -> None:
    client = client_for(world.member_user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Bản-Nà-Tăm-2026",
            "new_password2": "Bản-Nà-Tăm-2026",
        },
    )
    assert response.status_code == 302
    world.member_user.refresh_from_db()
    assert world.member_user.check_password(NEW)
    # Still logged in after the change.
    assert client.get("/").status_code == 200
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="user.password_changed").count() == 1


def test_change_password_refuses_a_wrong_old_password(world, client_for) -> None:
    response = client_for(world.member_user).post(
        reverse("accounts:password_change"),
        {
            "old_password": "x",
            "new_password1": "Bản-Nà-Tăm-2026",
            "new_password2": "Bản-Nà-Tăm-2026",
        },
    )
    assert response.status_code == 200
    world.member_user.refresh_from_db()
    assert world.member_user.check_password(PASSWORD)


def test_language_choice_is_remembered_on_the_account(world, client_for, settings) -> None:
    client = client_for(world.member_user)
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/units/"})
    assert response.status_code == 302
    assert response["Location"] == "/units/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    world.member_user.refresh_from_db()
    assert world.member_user.language == "en"
    # On another device, logging in brings the choice back.
    other = Client()
    reply = login(other, "member", PASSWORD)
    assert reply.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_language_switch_refuses_foreign_redirects(world, client_for) -> None:
    response = client_for(None).post(
        reverse("accounts:set_language"), {"language": "vi", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_unknown_language_is_ignored(world, client_for) -> None:
    client = client_for(world.member_user)
    response = client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    world.member_user.refresh_from_db()
    assert world.member_user.language == ""


def test_vietnamese_is_the_default_whatever_the_browser_says(db) -> None:
    page = Client().get(LOGIN, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="vi">' in page.content.decode()
    assert page["Content-Language"] == "vi"


def test_the_language_cookie_wins(db, settings) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(LOGIN, headers={"Accept-Language": "vi"})
    assert '<html lang="en">' in page.content.decode()


def test_stylesheet_is_served(db) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("chibo/chibo.css")
