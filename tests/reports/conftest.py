from __future__ import annotations

import pytest
from django_scopes import scopes_disabled


@pytest.fixture
def sd():
    """Services and selectors called directly, outside any request's scope."""
    with scopes_disabled():
        yield
