"""The name search index: its keys, its upkeep by every writer, and the search pages on it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled
from hypothesis import given, settings
from hypothesis import strategies as st

from chibo.core.scoping import UnitScope, unit_scope
from chibo.core.vietnamese import fold
from chibo.demo.generator import seed_real_demo
from chibo.demo.plan import DemoConfig
from chibo.members import selectors
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind, Member, MemberNameWord, name_word_starts
from chibo.members.services import RecordData, member_update
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _rows(member: Member) -> list[tuple[str, int, str, str]]:
    with scopes_disabled():
        return sorted(
            MemberNameWord.objects.filter(member=member).values_list(
                "key", "shared", "sort_key", "cell_path"
            )
        )


# --- The keys -------------------------------------------------------------------------------
def test_keys_of_a_three_word_name() -> None:
    assert name_word_starts("nguyen van an") == [
        ("an", 0),
        ("nguyen an", 0),
        ("nguyen van an", 7),  # shares "nguyen " with "nguyen an"
        ("van an", 0),
    ]


def test_keys_of_short_and_repeated_names() -> None:
    assert name_word_starts("lo la") == [("la", 0), ("lo la", 1)]
    assert name_word_starts("an") == [("an", 0)]
    assert name_word_starts("") == []
    # "Lò Văn Lò": the tail "lo" and the whole name share "lo".
    assert name_word_starts("lo van lo") == [
        ("lo", 0),
        ("lo lo", 2),
        ("lo van lo", 3),
        ("van lo", 0),
    ]


WORDS = st.sampled_from(["an", "anh", "nguyen", "ngu", "van", "thi", "lo", "la", "lan", "a"])


@given(name=st.lists(WORDS, min_size=1, max_size=5), query=st.lists(WORDS, max_size=3))
@settings(max_examples=300, deadline=None)
def test_each_person_matches_once_exactly_when_a_key_starts_with_the_query(
    name: list[str], query: list[str]
) -> None:
    """The rule the search runs in SQL (key starts with q, shared < len(q)) keeps one key
    of each matching person, and only of matching people; q may end mid-word."""
    search_name = " ".join(name)
    keys = name_word_starts(search_name)
    for cut in range(1, len(" ".join(query)) + 1):
        q = " ".join(query)[:cut].strip()
        if not q:
            continue
        kept = [k for k, shared in keys if k.startswith(q) and shared < len(q)]
        assert len(kept) == (1 if any(k.startswith(q) for k, _s in keys) else 0)
        if kept:
            # The one kept is the smallest matching key: where the person sorts.
            assert kept[0] == min(k for k, _s in keys if k.startswith(q))


# --- Upkeep ---------------------------------------------------------------------------------
def test_services_keep_the_index(world) -> None:
    member = make_member(world.cell, "Nguyễn Văn An")
    assert [r[0] for r in _rows(member)] == ["an", "nguyen an", "nguyen van an", "van an"]
    assert {r[3] for r in _rows(member)} == {world.cell.path}
    with scopes_disabled():
        data = RecordData(full_name="Nguyễn Thị Bình", sex="female")
        member = member_update(actor=None, member=member, data=data, version=member.version)
    assert [r[0] for r in _rows(member)] == ["binh", "nguyen binh", "nguyen thi binh", "thi binh"]
    assert {r[2] for r in _rows(member)} == {member.sort_key}


def test_a_transfer_moves_the_index_rows_to_the_new_cell(world) -> None:
    member = make_member(world.cell, "Lò Văn Chuyển")
    with scopes_disabled():
        for kind, day in ((EventKind.TRANSFER_OUT, 1), (EventKind.TRANSFER_IN, 5)):
            data = EventData(
                kind,
                dt.date(2026, 1, day),
                other_cell=world.cell2 if kind == EventKind.TRANSFER_OUT else None,
            )
            member_event_add(actor=None, member=member, data=data)
    assert {r[3] for r in _rows(member)} == {world.cell2.path}


def test_reindex_command_writes_what_the_writers_wrote(world) -> None:
    people = [make_member(world.cell, n) for n in ("Lò Thị Lả", "Tòng Văn Minh", "Đặng An")]
    before = [_rows(m) for m in people]
    with scopes_disabled():
        MemberNameWord.objects.all().delete()
    call_command("members_reindex", verbosity=0)
    assert [_rows(m) for m in people] == before


def test_the_demo_seed_indexes_every_member(db) -> None:
    with scopes_disabled():
        seed_real_demo(
            DemoConfig(as_of=dt.date(2026, 11, 1), max_communes=2, cells_per_commune=(2, 3))
        )
        members = Member.objects.all()
        assert members.count() > 0
        for member in members.select_related("cell"):
            keys = [k for k, _s in name_word_starts(member.search_name)]
            assert [r[0] for r in _rows(member)] == keys
            assert {r[3] for r in _rows(member)} == {member.cell.path}


# --- Search pages ---------------------------------------------------------------------------
def _search(world, q: str, **extra) -> selectors.ResultPage:
    scope = UnitScope.of([world.province.path])
    with unit_scope(units=scope, members=scope, audit=scope):
        return selectors.member_search_page(filters=selectors.SearchFilters(q=q), **extra)


def test_count_is_capped_and_the_pager_still_goes_on(world, monkeypatch) -> None:
    for i in range(7):
        make_member(world.cell, f"Lò Văn Số {i}")
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 4)
    page = _search(world, "lo van so", per_page=2)
    assert (page.count, page.count_capped, len(page.object_list)) == (4, True, 2)
    assert page.has_next()
    # Deeper than the cap: counted to the end of the page asked for, and still "more".
    page = _search(world, "lo van so", per_page=2, page=3)
    assert (page.count, page.count_capped, page.number) == (6, True, 3)
    last = _search(world, "lo van so", per_page=2, page=4)
    assert (last.count, last.count_capped, last.has_next()) == (7, False, False)
    assert [m.full_name for m in last.object_list] == ["Lò Văn Số 6"]


def test_a_page_past_the_end_gives_the_last_page(world) -> None:
    for i in range(3):
        make_member(world.cell, f"Lò Văn Số {i}")
    page = _search(world, "lo van so", per_page=2, page=99)
    assert (page.number, page.count) == (2, 3)
    assert [m.full_name for m in page.object_list] == ["Lò Văn Số 2"]
    assert _search(world, "nobody", page=5).count == 0


def test_each_person_is_listed_once_at_their_best_key(world) -> None:
    make_member(world.cell, "Quàng Văn Quàng")
    make_member(world.cell, "Quàng Thị Quyên")
    for q in ("q", "quang"):
        found = [m.full_name for m in _search(world, q).object_list]
        # Best keys "quang" and "quang quyen"; each person once.
        assert found == ["Quàng Văn Quàng", "Quàng Thị Quyên"], q
    assert _search(world, "q").count == 2


def test_a_middle_name_alone_finds_the_person(world) -> None:
    make_member(world.cell, "Hoàng Thị Mai")
    assert "Hoàng Thị Mai" in [m.full_name for m in _search(world, "thi").object_list]
    assert [m.full_name for m in _search(world, "thi m").object_list] == ["Hoàng Thị Mai"]


@pytest.mark.parametrize("category", [c for c, _label in selectors.CATEGORIES])
def test_the_category_filter_agrees_with_the_category_shown(world, category) -> None:
    """``category_condition`` (the search filter) is the rule of ``category_of``."""
    people = [make_member(world.cell, "Lò Văn Thường")]
    with scopes_disabled():
        probationary = make_member(world.cell, "Lò Văn Dự Bị", official=False)
        for kind, days in ((EventKind.ADMISSION, 60), (EventKind.CEREMONY, 40)):
            day = dt.date.today() - dt.timedelta(days=days)
            member_event_add(actor=None, member=probationary, data=EventData(kind, day))
        people.append(probationary)
        away = make_member(world.cell, "Lò Văn Tạm")
        member_event_add(
            actor=None,
            member=away,
            data=EventData(
                EventKind.TRANSFER_OUT,
                dt.date.today() - dt.timedelta(days=3),
                other_cell=world.cell2,
                temporary=True,
            ),
        )
        exempt = make_member(world.cell, "Lò Văn Miễn")
        member_event_add(
            actor=None,
            member=exempt,
            data=EventData(
                EventKind.EXEMPTION, dt.date.today() - dt.timedelta(days=3), reason="Tuổi cao"
            ),
        )
        people += [away, exempt]
        shown = {m.pk: selectors.category_of(Member.objects.get(pk=m.pk)) for m in people}
    assert {selectors.AWAY, selectors.EXEMPT, "official", "probationary"} <= set(shown.values())
    scope = UnitScope.of([world.province.path])
    with unit_scope(units=scope, members=scope, audit=scope):
        for q in ("lo van", ""):
            filters = selectors.SearchFilters(q=q, category=category, unit=world.cell)
            found = {m.pk for m in selectors.member_search_page(filters=filters).object_list}
            assert found & shown.keys() == {pk for pk, c in shown.items() if c == category}, q


def test_folded_query_spacing_does_not_matter(world) -> None:
    make_member(world.cell, "Nguyễn Văn An")
    assert _search(world, "  NGUYEN   van  ").count == 1
    assert fold("Nguyễn") == "nguyen"


def test_party_age_bands_leave_out_probationary_members(world) -> None:
    """lifecycle.party_age is None until recognition; the filter agrees."""
    with scopes_disabled():
        new = make_member(world.cell, "Lò Văn Mới Vào", official=False)
        for kind, days in ((EventKind.ADMISSION, 300), (EventKind.CEREMONY, 280)):
            day = dt.date.today() - dt.timedelta(days=days)
            member_event_add(actor=None, member=new, data=EventData(kind, day))
    recognised = make_member(world.cell, "Lò Văn Đã Vào", admitted=dt.date(2023, 3, 1))
    scope = UnitScope.of([world.province.path])
    with unit_scope(units=scope, members=scope, audit=scope):
        filters = selectors.SearchFilters(q="lo van", party_age_band="under5")
        found = {m.pk for m in selectors.member_search_page(filters=filters).object_list}
    assert recognised.pk in found
    assert new.pk not in found
