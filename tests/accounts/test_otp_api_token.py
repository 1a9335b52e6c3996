"""A bearer token is not a way around two-factor login (``POST /api/v1/auth/token``)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from chibo.accounts import otp
from tests.accounts.test_otp import clock, code_for, required, wrong_code  # noqa: F401
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token"


def ask(username: str, code: str | None = None):
    body = {"username": username, "password": PASSWORD}
    if code is not None:
        body["otp"] = code
    return Client().post(URL, body, content_type="application/json")


def confirmed_device(user) -> TOTPDevice:
    device = otp.otp_setup_device(user=user)
    device.confirmed = True
    device.save()
    return device


def test_an_enrolled_user_needs_the_code_for_a_token(world, clock) -> None:  # noqa: F811
    device = confirmed_device(world.secretary)  # optional for a secretary, but turned on
    response = ask("secretary")
    assert response.status_code == 401
    assert response.json()["code"] == "otp_required"
    wrong = ask("secretary", wrong_code(device))
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_otp"
    clock.shift(40)  # past django-otp's delay after the wrong code, into the next step
    right = ask("secretary", code_for(device))
    assert right.status_code == 201, right.content
    me = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {right.json()['token']}"})
    assert me.json()["username"] == "secretary"


def test_a_required_user_without_a_device_gets_no_token(world, required) -> None:  # noqa: F811
    response = ask("commune")
    assert response.status_code == 403
    assert response.json()["code"] == "otp_setup_required"
    # Optional for a cell secretary: the password is enough while they have not turned it on.
    assert ask("secretary").status_code == 201


def test_wrong_password_is_refused_before_any_code(world, clock) -> None:  # noqa: F811
    device = confirmed_device(world.secretary)
    response = Client().post(
        URL,
        {"username": "secretary", "password": "wrong", "otp": code_for(device)},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
