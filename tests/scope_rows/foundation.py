"""Scope rows of the foundation's pages. See tests/test_scope_matrix.py."""

from __future__ import annotations

from django_scopes import scopes_disabled

from chibo.orgunits.models import Grant, Post
from tests.scope_rows import ALL, CELL_READERS


def _grant_id(world) -> int:
    with scopes_disabled():
        return Grant.objects.get(user=world.commune_user).pk


def _post_id(world) -> int:
    with scopes_disabled():
        return Post.objects.filter(unit=world.cell).values_list("pk", flat=True).first()


# (url name, args from the world, the roles that get 200)
ROWS = [
    ("home", lambda w: [], ALL),
    ("orgunits:tree", lambda w: [], ALL),
    ("orgunits:detail", lambda w: [w.cell.pk], CELL_READERS),
    ("orgunits:detail", lambda w: [w.commune.pk], {"province", "commune"}),
    ("orgunits:detail", lambda w: [w.province.pk], {"province"}),
    ("orgunits:detail", lambda w: [w.other_cell.pk], {"province", "outsider"}),
    ("orgunits:history", lambda w: [w.cell.pk], {"province", "commune", "secretary"}),
    ("orgunits:edit", lambda w: [w.cell.pk], {"province", "commune"}),
    ("orgunits:add_child", lambda w: [w.commune.pk], {"province", "commune"}),
    ("orgunits:post_assign", lambda w: [w.cell.pk], {"commune"}),
    ("orgunits:post_end", _post_id, {"commune"}),
    ("orgunits:access", lambda w: [w.cell.pk], {"province", "commune"}),
    ("orgunits:access", lambda w: [w.other_commune.pk], {"province", "outsider"}),
    ("orgunits:grant_remove", _grant_id, {"commune"}),
    ("members:unit_list", lambda w: [w.cell.pk], {"province", "commune", "secretary"}),
    (
        "members:detail",
        lambda w: [w.plain_member.pk],
        {"province", "commune", "secretary", "member"},
    ),
    ("members:detail", lambda w: [w.other_member.pk], {"province", "outsider"}),
]
