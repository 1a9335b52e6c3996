from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.core.access import access_for_user
from chibo.core.models import AuditEntry
from chibo.core.roles import Cap, Role
from chibo.orgunits.models import Grant

pytestmark = pytest.mark.django_db


def test_commune_gives_a_role_by_phone_and_it_takes_effect(world, client_for) -> None:
    assert not access_for_user(world.member_user).can(Cap.MEMBER_VIEW, world.cell2)
    response = client_for(world.commune_user).post(
        reverse("orgunits:access", args=[world.cell2.pk]),
        {"user": "0987 654 321", "role": Role.CELL_COMMITTEE},
    )
    assert response.status_code == 302
    assert access_for_user(world.member_user).can(Cap.MEMBER_VIEW, world.cell2)
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="grant.added", unit=world.cell2)
    assert entry.unit == world.cell2
    assert entry.actor == world.commune_user


def test_unknown_person_gets_a_message(world, client_for) -> None:
    response = client_for(world.commune_user).post(
        reverse("orgunits:access", args=[world.cell.pk]), {"user": "nobody", "role": "member"}
    )
    assert response.status_code == 200
    assert "Không có tài khoản" in response.content.decode()


def test_nobody_gives_more_than_they_hold(world, client_for) -> None:
    # The province board is read-mostly: it cannot make someone a commune committee member.
    client = client_for(world.province_user)
    page = client.get(reverse("orgunits:access", args=[world.cell.pk])).content.decode()
    assert 'value="commune_committee"' not in page
    response = client.post(
        reverse("orgunits:access", args=[world.cell.pk]),
        {"user": "member", "role": Role.COMMUNE_COMMITTEE},
    )
    assert response.status_code == 200
    with scopes_disabled():
        assert not Grant.objects.filter(user=world.member_user).exists()


def test_remove_asks_first_then_removes(world, client_for) -> None:
    client = client_for(world.commune_user)
    client.post(
        reverse("orgunits:access", args=[world.cell2.pk]),
        {"user": "member", "role": Role.CELL_COMMITTEE},
    )
    with scopes_disabled():
        grant = Grant.objects.get(user=world.member_user)
    url = reverse("orgunits:grant_remove", args=[grant.pk])
    assert client.get(url).status_code == 200
    with scopes_disabled():
        assert Grant.objects.filter(pk=grant.pk).exists()
    assert client.post(url).status_code == 302
    with scopes_disabled():
        assert not Grant.objects.filter(pk=grant.pk).exists()
        assert AuditEntry.objects.filter(action="grant.removed").count() == 1
