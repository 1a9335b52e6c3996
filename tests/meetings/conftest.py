from __future__ import annotations

import pytest
from django_scopes import scopes_disabled


@pytest.fixture
def sd():
    """Services and selectors called directly, outside any request's scope."""
    with scopes_disabled():
        yield


@pytest.fixture
def client_en(client_for):
    """A client in English, so the tests read the English source strings."""

    def make(user):
        client = client_for(user)
        client.cookies["django_language"] = "en"
        return client

    return make


@pytest.fixture
def sec(world, client_en):
    """The cell secretary's client, in English."""
    return client_en(world.secretary)
