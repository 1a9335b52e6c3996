"""Scope rows of the member-record pages (list, search, add, edit): see test_scope_matrix.py."""

from __future__ import annotations

# Those who see members' records somewhere (member.view): a plain member sees only their own.
SEARCHERS = {"province", "commune", "secretary", "outsider"}

# (url name, args from the world, the roles that get 200)
ROWS = [
    ("members:search", lambda w: [], SEARCHERS),
    ("members:unit_list", lambda w: [w.other_cell.pk], {"province", "outsider"}),
    ("members:unit_list", lambda w: [w.commune.pk], {"province", "commune"}),
    ("members:add", lambda w: [w.cell.pk], {"commune", "secretary"}),
    ("members:add", lambda w: [w.other_cell.pk], {"outsider"}),
    ("members:edit", lambda w: [w.plain_member.pk], {"commune", "secretary"}),
    ("members:edit", lambda w: [w.secretary_member.pk], {"commune", "secretary"}),
    ("members:edit", lambda w: [w.other_member.pk], {"outsider"}),
]
