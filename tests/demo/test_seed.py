"""The demo seed: a valid tree from the real ward list, plausible people, posts that make sense,
logins that work, and the same data for the same seed."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django_scopes import scopes_disabled
from vietnam_provinces import Ward

from chibo.accounts.models import User
from chibo.core.models import AuditEntry
from chibo.core.roles import Role
from chibo.core.vietnamese import fold, name_sort_key, nfc
from chibo.demo import names
from chibo.demo.generator import seed_real_demo, seed_scale
from chibo.demo.logins import (
    MEMBER_PHONE,
    PASSWORD_ENV,
    SECRETARY_PHONE,
    USERNAMES,
    demo_password,
    ensure_demo_logins,
)
from chibo.demo.plan import (
    DEMO_COMMUNE,
    OUTSIDER_COMMUNE,
    PROVINCE_CODE,
    DemoConfig,
    ScaleConfig,
    commune_code,
    plan_real_demo,
)
from chibo.demo.reports import reports_since
from chibo.members.lifecycle import add_months, derive
from chibo.members.models import EventKind, Member, MemberEvent, MemberStatus
from chibo.orgunits.models import Grant, OrgUnit, Post, PostKind, UnitKind
from chibo.reports import rollup
from chibo.reports.indicators import Period, breakdown
from chibo.reports.models import CellMonth

AS_OF = dt.date(2026, 3, 1)
SMALL = DemoConfig(as_of=AS_OF, max_communes=3, cells_per_commune=(3, 4))
# "Xã Bình Lư" -> "Đảng bộ xã Bình Lư": the name each commune must have.
WARDS = {
    f"Đảng bộ {w.division_type.value} {w.name.split(' ', 1)[1]}": w
    for w in Ward.iter_by_province(PROVINCE_CODE)
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped(settings, tmp_path, monkeypatch):
    # The seed writes to every unit, as the command does outside any user's scope; the password
    # file goes to a scratch VAR_DIR, never the developer's own.
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with scopes_disabled():
        yield


def _login(identifier: str, password: str) -> Any:
    return authenticate(RequestFactory().post("/"), username=identifier, password=password)


def _current(kind: str, **filters: Any) -> Any:
    return Post.objects.filter(kind=kind, end_date__isnull=True, **filters)


def _snapshot() -> tuple[list[Any], list[Any], list[Any]]:
    units = list(OrgUnit.objects.order_by("path").values_list("path", "code", "name", "numchild"))
    members = list(
        Member.objects.order_by("cell__code", "pk").values_list(
            "cell__code", "full_name", "sex", "birth_date", "ethnicity", "phone", "status",
            "admission_date",
        )
    )  # fmt: skip
    posts = list(
        Post.objects.order_by("unit__code", "member__cell__code", "pk").values_list(
            "unit__code", "member__full_name", "kind", "start_date", "end_date", "decision"
        )
    )
    return units, members, posts


def test_tree_is_valid_and_follows_the_ward_list() -> None:
    result = seed_real_demo(SMALL)

    assert result.created
    assert all(problems == [] for problems in OrgUnit.objects.find_problems())
    root = OrgUnit.objects.get(depth=1)
    assert (root.code, root.name, root.admin_code) == ("P12", "Đảng bộ tỉnh Lai Châu", 12)
    kinds = Counter(OrgUnit.objects.values_list("depth", "kind"))
    assert set(kinds) == {(1, UnitKind.PROVINCE), (2, UnitKind.COMMUNE), (3, UnitKind.CELL)}
    communes = OrgUnit.objects.filter(depth=2)
    assert communes.count() == 3 == result.counts.communes
    for commune in communes:
        ward = WARDS[commune.name]
        assert commune.code == f"W{int(ward.code):05d}"
        assert commune.admin_code == int(ward.code)
        cells = OrgUnit.objects.filter(path__startswith=commune.path, depth=3)
        # 3–4 village cells and the school or health-station cell.
        assert 4 <= cells.count() <= 5
        assert all(c.code.startswith(f"{commune.code}-C") for c in cells)
        assert sum(c.name.startswith(("Chi bộ Trường", "Chi bộ Trạm Y tế")) for c in cells) == 1
    assert {commune_code(DEMO_COMMUNE), commune_code(OUTSIDER_COMMUNE)} <= set(
        communes.values_list("code", flat=True)
    )
    seeded = AuditEntry.objects.filter(action="demo.seeded")
    assert list(seeded.values_list("unit", flat=True)) == [root.pk]


def test_every_cell_has_one_secretary_and_village_posts() -> None:
    seed_real_demo(SMALL)

    cells = OrgUnit.objects.filter(kind=UnitKind.CELL)
    secretaries = _current(PostKind.SECRETARY, unit__kind=UnitKind.CELL)
    assert Counter(secretaries.values_list("unit__code", flat=True)) == {c.code: 1 for c in cells}
    unified = 0
    for cell in cells:
        for post in Post.objects.filter(unit=cell):
            assert post.member.cell_id == cell.pk  # held by members of that cell
        heads = _current(PostKind.VILLAGE_HEAD, unit=cell)
        if cell.name.startswith(("Chi bộ Trường", "Chi bộ Trạm Y tế")):
            assert not heads.exists()
            continue
        assert heads.count() == 1
        assert _current(PostKind.FRONT_HEAD, unit=cell).count() == 1
        secretary = _current(PostKind.SECRETARY, unit=cell).get()
        unified += heads.get().member_id == secretary.member_id
    assert unified >= 1
    assert Post.objects.filter(end_date__lt=AS_OF).exists()  # some history to show


def test_communes_have_their_committee() -> None:
    seed_real_demo(SMALL)

    for commune in OrgUnit.objects.filter(kind=UnitKind.COMMUNE):
        current = Post.objects.filter(unit=commune, end_date__isnull=True)
        kinds = Counter(current.values_list("kind", flat=True))
        assert kinds[PostKind.SECRETARY] == 1
        assert kinds[PostKind.DEPUTY_SECRETARY] == 1
        assert 3 <= kinds[PostKind.COMMITTEE_MEMBER] <= 5
        holders = Member.objects.filter(posts__unit=commune)
        assert all(m.cell.path.startswith(commune.path) for m in holders)


def test_people_are_plausible() -> None:
    seed_real_demo(SMALL)

    members = list(Member.objects.all())
    assert len(members) > 100
    for m in members:
        assert m.full_name == nfc(m.full_name)
        assert m.sort_key == name_sort_key(m.full_name)
        assert m.search_name == fold(m.full_name)
        family = m.full_name.split()[0]
        assert family in names.NAME_STYLES[m.ethnicity].family.items, m.full_name
        age = (AS_OF - m.birth_date).days / 365.25
        assert 20 <= age < 86
        born = m.birth_date
        eighteenth = dt.date(born.year + 18, born.month, 1) + dt.timedelta(days=born.day - 1)
        assert m.admission_date >= eighteenth
        since = (AS_OF - m.admission_date).days
        if m.status == MemberStatus.PROBATIONARY:
            # One of the demo cell's members waits for a recognition that is overdue.
            assert 0 < since <= 365 or (m.recognition_date is None and since <= 420)
        else:
            assert since > 365
        assert m.admission_date <= add_months(m.birth_date, 60 * 12)
    statuses = Counter(m.status for m in members)
    assert 0 < statuses[MemberStatus.PROBATIONARY] < statuses[MemberStatus.OFFICIAL] / 5


def test_demo_logins_have_their_roles_and_can_log_in() -> None:
    seed_real_demo(SMALL)
    password, source = demo_password()
    assert source == "new"

    ensure_demo_logins(password)

    users = {u.username: u for u in User.objects.all()}
    assert set(users) == set(USERNAMES)
    assert users["admin"].is_superuser
    root = OrgUnit.objects.get(code="P12")
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    other = OrgUnit.objects.get(code=commune_code(OUTSIDER_COMMUNE))
    grants = {(g.user.username, g.unit_id, g.role) for g in Grant.objects.all()}
    assert grants == {
        ("province", root.pk, Role.PROVINCE_BOARD),
        ("commune", commune.pk, Role.COMMUNE_COMMITTEE),
        ("outsider", other.pk, Role.COMMUNE_COMMITTEE),
    }
    secretary = Member.objects.get(user=users["secretary"])
    cell = secretary.cell
    assert cell.path.startswith(commune.path)
    assert _current(PostKind.SECRETARY, unit=cell).get().member == secretary
    assert _current(PostKind.VILLAGE_HEAD, unit=cell).get().member == secretary
    member = Member.objects.get(user=users["member"])
    assert member.cell == cell
    assert not member.posts.exists()
    assert users["secretary"].full_name == secretary.full_name
    for identifier in [*USERNAMES, SECRETARY_PHONE, MEMBER_PHONE]:
        assert _login(identifier, password) is not None, identifier
    assert _login("member", password + "x") is None


def test_password_file_is_private_and_reused(settings, monkeypatch) -> None:
    first, source = demo_password()
    path = settings.VAR_DIR / "demo-password.txt"

    assert source == "new"
    assert len(first) >= 12
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert demo_password() == (first, "file")
    monkeypatch.setenv(PASSWORD_ENV, "from-the-env")
    assert demo_password() == ("from-the-env", "env")


def test_second_run_changes_nothing_but_a_new_password(monkeypatch) -> None:
    seed_real_demo(SMALL)
    ensure_demo_logins(demo_password()[0])
    before = _snapshot()
    users = User.objects.count()

    again = seed_real_demo(SMALL)
    ensure_demo_logins(demo_password()[0])
    assert not again.created
    assert again.counts.members == len(before[1])
    assert _snapshot() == before
    assert User.objects.count() == users
    assert AuditEntry.objects.filter(action="demo.seeded").count() == 1

    monkeypatch.setenv(PASSWORD_ENV, "a-new-demo-password")
    ensure_demo_logins(demo_password()[0])
    assert _login("secretary", "a-new-demo-password") is not None
    assert User.objects.count() == users


def test_same_seed_same_data_and_reset_rebuilds_it() -> None:
    seed_real_demo(SMALL)
    first = _snapshot()

    seed_real_demo(SMALL, reset=True)
    assert _snapshot() == first
    # The rebuilt province has one entry; the first seeding's entry is kept (decision 0016).
    seeded = AuditEntry.objects.filter(action="demo.seeded")
    assert seeded.filter(unit__in=OrgUnit.objects.all()).count() == 1
    assert seeded.count() == 2

    seed_real_demo(replace(SMALL, seed=7), reset=True)
    other = _snapshot()
    assert other[0][0] == first[0][0]  # the province itself is the same…
    assert other[1] != first[1]  # …its people are not


def test_reset_keeps_logins_and_relinks_them() -> None:
    seed_real_demo(SMALL)
    password = demo_password()[0]
    ensure_demo_logins(password)
    old = Member.objects.get(user__username="secretary").pk

    seed_real_demo(SMALL, reset=True)
    ensure_demo_logins(password)

    linked = Member.objects.get(user__username="secretary")
    assert linked.pk != old
    assert Grant.objects.filter(user__username="commune").count() == 1
    assert _login("secretary", password) is not None


def test_a_commune_plan_does_not_depend_on_how_many_communes_are_built() -> None:
    three = {p.code: p for p in plan_real_demo(SMALL)}
    five = {p.code: p for p in plan_real_demo(replace(SMALL, max_communes=5))}

    assert len(three) == 3
    assert len(five) == 5
    assert all(five[code] == plan for code, plan in three.items())


def test_scale_builds_exact_counts_next_to_the_real_demo() -> None:
    seed_real_demo(SMALL)
    config = ScaleConfig(
        as_of=AS_OF, provinces=2, communes=3, cells_per_commune=5, members_per_cell=10
    )
    seen: list[int] = []

    results = seed_scale(config, progress=seen.append)

    assert [r.root.code for r in results] == ["S01", "S02"]
    assert [r.root.name for r in results] == ["Đảng bộ tỉnh Mẫu 1", "Đảng bộ tỉnh Mẫu 2"]
    assert sum(seen) == 2 * 3 * 5 * 10
    for result in results:
        root = result.root
        assert (result.counts.communes, result.counts.cells, result.counts.members) == (3, 15, 150)
        assert Member.objects.filter(cell__path__startswith=root.path).count() == 150
        cells = OrgUnit.objects.filter(path__startswith=root.path, kind=UnitKind.CELL)
        assert cells.count() == 15
        for kind in (PostKind.SECRETARY, PostKind.VILLAGE_HEAD):
            holders = _current(kind, unit__in=cells).values_list("unit", flat=True)
            assert sorted(holders) == sorted(cells.values_list("pk", flat=True))
    assert OrgUnit.objects.filter(depth=1).count() == 3
    assert all(problems == [] for problems in OrgUnit.objects.find_problems())

    again = seed_scale(config)
    assert [r.created for r in again] == [False, False]
    rebuilt = seed_scale(replace(config, provinces=1), reset=True)
    assert rebuilt[0].created
    assert rebuilt[0].counts.members == 150
    assert all(problems == [] for problems in OrgUnit.objects.find_problems())
    assert OrgUnit.objects.get(code="P12").numchild == 3


def test_full_demo_through_the_command() -> None:
    out = io.StringIO()

    call_command("seed_demo", "--as-of", AS_OF.isoformat(), stdout=out)

    text = out.getvalue()
    assert "Tài khoản demo / Demo logins" in text
    password, source = demo_password()
    assert source == "file"  # the command saved it
    assert password in text
    root = OrgUnit.objects.get(code="P12")
    communes = OrgUnit.objects.filter(depth=2)
    assert communes.count() == 38
    assert {c.admin_code for c in communes} == {int(w.code) for w in WARDS.values()}
    members = Member.objects.count()
    assert 15_000 <= members <= 25_000
    for commune in communes:
        cells = commune.numchild
        assert 13 <= cells <= 31, commune.name
    wards = OrgUnit.objects.filter(depth=2, name__startswith="Đảng bộ phường")
    assert wards.count() == 2
    for ward in wards:
        names_ = OrgUnit.objects.filter(path__startswith=ward.path, depth=3)
        assert names_.filter(name__startswith="Chi bộ tổ dân phố số ").count() >= 12
    assert all(problems == [] for problems in OrgUnit.objects.find_problems(root))
    assert _login("secretary", password) is not None
    # The reports: the rollup filled for every cell and month, its time printed, the
    # dashboards pointed at, and a spread of cells that work and cells that do not.
    cells = OrgUnit.objects.filter(kind=UnitKind.CELL).count()
    months = rollup.months(reports_since(AS_OF), AS_OF)
    assert CellMonth.objects.count() == cells * len(months)
    assert f"từ tháng / from {months[0]:%m/%Y}" in text
    assert f"Report rollup: {cells * len(months)} " in text
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    dashboards = f"/reports/units/{root.pk}/ (tỉnh / province), /reports/units/{commune.pk}/"
    assert f"Báo cáo / Reports: {dashboards}" in text
    year = breakdown(root, Period(dt.date(2025, 3, 1), dt.date(2026, 2, 1)), today=AS_OF).total
    assert year.every_held_rate is not None
    assert 0.88 < year.every_held_rate < 0.97  # 3–12 % of the cells missed a meeting
    assert year.cells_every_on_fixed_day < year.cells_every_held
    assert year.locked_on_time_rate is not None
    assert 0.85 < year.locked_on_time_rate < 0.98

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Đã có sẵn" in out.getvalue()
    assert Member.objects.count() == members


def test_command_refuses_a_day_before_the_posts_start() -> None:
    with pytest.raises(CommandError, match="--as-of"):
        call_command("seed_demo", "--as-of", "2024-12-31", stdout=io.StringIO())
    assert not OrgUnit.objects.exists()


DERIVED = (
    "status",
    "admission_date",
    "ceremony_date",
    "recognition_date",
    "exempt_from",
    "exempt_until",
    "temporary_cell_id",
    "cell_id",
)


def test_stored_columns_are_what_the_events_say() -> None:
    seed_real_demo(SMALL)

    members = {m.pk: m for m in Member.objects.all()}
    histories: dict[int, list[MemberEvent]] = {pk: [] for pk in members}
    for event in MemberEvent.objects.order_by("date", "pk"):
        histories[event.member_id].append(event)
    assert all(histories.values())  # every member has events
    for pk, member in members.items():
        state = derive(histories[pk], today=AS_OF)
        stored = {name: getattr(member, name) for name in DERIVED}
        expected = {
            "status": state.status,
            "admission_date": state.admission_date,
            "ceremony_date": state.ceremony_date,
            "recognition_date": state.recognition_date,
            "exempt_from": state.exempt_from,
            "exempt_until": state.exempt_until,
            "temporary_cell_id": state.temporary_cell_id,
            "cell_id": state.cell_id,
        }
        assert stored == expected, member.full_name
        kinds = [e.kind for e in histories[pk]]
        assert kinds[0] == EventKind.ADMISSION
        assert histories[pk][0].decision_number.endswith("-QĐ/ĐU")
        assert histories[pk][0].deciding_body.startswith("Đảng ủy ")
        if member.status == MemberStatus.OFFICIAL:
            assert kinds[:3] == [EventKind.ADMISSION, EventKind.CEREMONY, EventKind.RECOGNITION]
    statuses = Counter(m.status for m in members.values())
    assert statuses[MemberStatus.TRANSFERRED_OUT] == 1
    assert sum(m.exempt_from is not None for m in members.values()) >= 3
    assert sum(m.temporary_cell_id is not None for m in members.values()) >= 2


def test_every_member_has_unique_numbers() -> None:
    seed_real_demo(SMALL)
    seed_scale(ScaleConfig(as_of=AS_OF, provinces=1, communes=1, cells_per_commune=2))

    rows = list(Member.objects.values_list("card_number", "record_number", "record_province"))
    cards = [c for c, _r, _p in rows]
    assert all(len(c) == 8 and c.isdigit() for c in cards)
    assert len(set(cards)) == len(rows)
    assert all(len(r) == 6 and r.isdigit() for _c, r, _p in rows)
    assert len({(p, r) for _c, r, p in rows}) == len(rows)
    real = Member.objects.filter(cell__path__startswith=OrgUnit.objects.get(code="P12").path)
    assert set(real.values_list("record_province", flat=True)) == {"LC"}
    assert MemberEvent.objects.filter(member__record_province="S01").exists()


def test_demo_logins_see_deadlines_and_an_incoming_transfer() -> None:
    from django.test import Client

    seed_real_demo(SMALL)
    password, _source = demo_password()
    ensure_demo_logins(password)
    secretary = Member.objects.get(user__username="secretary")
    incoming = MemberEvent.objects.get(
        kind=EventKind.TRANSFER_OUT, temporary=False, other_cell=secretary.cell
    )
    assert incoming.member.cell.path.startswith(
        OrgUnit.objects.get(code=commune_code(OUTSIDER_COMMUNE)).path
    )
    assert incoming.member.status == MemberStatus.TRANSFERRED_OUT

    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        for username in ("secretary", "commune"):
            client = Client()
            client.force_login(User.objects.get(username=username))
            html = client.get("/").content.decode()
            assert 'id="deadlines"' in html, username
            for kind in ("recognition_soon", "recognition_overdue", "ceremony", "transfer_in"):
                assert f"deadline-{kind}" in html, (username, kind)
        client = Client()
        client.force_login(User.objects.get(username="outsider"))
        assert "deadline-transfer_out" in client.get("/").content.decode()
