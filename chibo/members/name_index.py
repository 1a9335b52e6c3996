"""Keeps the name search index (``MemberNameWord``) in step with the members.

Every writer of a member's name or cell calls one of these in its transaction: the services
(``name_index_refresh`` for the members it changed) and the bulk writers — the demo generator
and the Excel import — (``name_index_rows`` for the members they insert).
``rebuild_name_index`` writes the whole table again, in batches (``manage.py members_reindex``).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from django.db import transaction

from chibo.core.bulk import insert_values
from chibo.core.scoping import scopes_disabled
from chibo.members.models import Member, MemberNameWord, name_word_starts
from chibo.orgunits.models import OrgUnit

BATCH = 5_000


def name_index_insert(rows: Iterable[tuple[int, str, str, str]]) -> int:
    """Insert the index rows of new members given as ``(id, search_name, sort_key, cell
    path)`` (``chibo.core.bulk``: bulk writers add about four rows per member, and
    ``bulk_create``'s per-value preparation would be most of their time). Returns the count.
    """
    values = (
        (pk, key, shared, sort_key, path)
        for pk, search_name, sort_key, path in rows
        for key, shared in name_word_starts(search_name)
    )
    names = ("member", "key", "shared", "sort_key", "cell_path")
    return insert_values(MemberNameWord, names, values, batch=BATCH)


def name_index_refresh(members: Iterable[Member]) -> None:
    """Write the index rows of ``members`` again from their stored name and cell."""
    ids = [m.pk for m in members]
    if not ids:
        return
    with scopes_disabled():
        # Called by services that already decided who may write these records.
        MemberNameWord.objects.filter(member_id__in=ids).delete()
        name_index_insert(
            Member._base_manager.filter(pk__in=ids).values_list(
                "pk", "search_name", "sort_key", "cell__path"
            )
        )


def rebuild_name_index(*, progress: bool = False) -> int:
    """Empty the index and write it again for every member; returns the number of rows."""
    written = 0
    with scopes_disabled(), transaction.atomic():
        MemberNameWord.objects.all().delete()
        paths = dict(OrgUnit.objects.values_list("pk", "path"))
        rows = (
            Member._base_manager.order_by("pk")
            .values_list("pk", "search_name", "sort_key", "cell_id")
            .iterator(chunk_size=BATCH)
        )
        while batch := list(islice(rows, BATCH)):
            written += name_index_insert((pk, n, k, paths[c]) for pk, n, k, c in batch)
            if progress:
                print(f"{written:,} rows", flush=True)
    return written
