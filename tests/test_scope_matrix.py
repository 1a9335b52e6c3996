"""Every page, every role: who gets the page (200) and who gets 404 (never 403, never a leak).

One table, so a new view without a row here is easy to spot in review, and
``test_every_url_is_in_the_matrix`` fails when a URL pattern is added without one.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from tests import scope_rows

ALL = scope_rows.ALL
MATRIX = scope_rows.all_rows()

# Pages whose success is a redirect rather than a page.
REDIRECTS = {"me", "orgunits:children"}


def _args(args_of, world):
    value = args_of(world)
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize(("name", "args_of", "allowed"), MATRIX)
@pytest.mark.parametrize("role", sorted(ALL))
def test_page_scope(world, client_for, name, args_of, allowed, role) -> None:
    url = reverse(name, args=_args(args_of, world))
    response = client_for(world.users()[role]).get(url)
    expected = 200 if role in allowed else 404
    assert response.status_code == expected, f"{role} on {url}"


@pytest.mark.parametrize(("name", "args_of", "allowed"), MATRIX)
def test_anonymous_is_sent_to_login(world, client_for, name, args_of, allowed) -> None:
    response = client_for(None).get(reverse(name, args=_args(args_of, world)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_superuser_sees_everything(world, client_for) -> None:
    client = client_for(world.admin)
    for name, args_of, _allowed in MATRIX:
        assert client.get(reverse(name, args=_args(args_of, world))).status_code == 200


@pytest.mark.parametrize("role", sorted(ALL))
def test_tree_children_fragment(world, client_for, role) -> None:
    url = reverse("orgunits:children", args=[world.commune.pk])
    response = client_for(world.users()[role]).get(url, headers={"HX-Request": "true"})
    if role in {"province", "commune"}:
        assert response.status_code == 200
        assert world.cell.name in response.content.decode()
    else:
        assert response.status_code == 404


def test_every_url_is_in_the_matrix() -> None:
    covered = {name for name, _a, _b in MATRIX} | REDIRECTS
    ours = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace in {
            "orgunits",
            "members",
            "exchange",
            "meetings",
            "actions",
            "reports",
            "audit",
        }:
            ours |= {f"{namespace}:{p.name}" for p in pattern.url_patterns}
        elif getattr(pattern, "name", None) in {"home", "me"}:
            ours.add(pattern.name)
    assert ours - covered == set()


def test_ids_that_are_not_numbers_or_too_big_answer_404(world, client_for) -> None:
    client = client_for(world.province_user)
    assert client.get("/units/99999999999999999999999/").status_code == 404
    assert client.get("/members/99999999999999999999999/").status_code == 404
    assert client.get("/units/abc/").status_code == 404
