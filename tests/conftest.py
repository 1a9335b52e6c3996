from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import World, build_world


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 costs ~50 ms per hash by design; tests that check hashing restore it themselves.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client logged in as ``user`` (None: anonymous)."""

    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def client_en(client_for):
    """``client_en(user)``: a logged-in client in English, so tests read the English source
    strings (the pages are Vietnamese by default)."""

    def make(user) -> Client:
        client = client_for(user)
        client.cookies["django_language"] = "en"
        return client

    return make


@pytest.fixture
def sec(world, client_en) -> Client:
    """The cell secretary's client, in English."""
    return client_en(world.secretary)
