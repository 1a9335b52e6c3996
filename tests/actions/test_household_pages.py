"""The households pages: a cell's households (those nobody follows first) in a constant number
of queries, one household with its assignments and contacts — and who may read the notes —,
the secretary's changes, logging a contact, and the home page's block. Bad input gives a
message (never a 500); a plain member reads but does not change; another cell or commune gets
404. (Scope: tests/scope_rows/actions_households.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.actions import services
from chibo.actions.models import Household, HouseholdAssignment, HouseholdContact
from chibo.actions.views_households import home_households
from chibo.core.access import access_for_user
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind
from tests.factories import make_member, make_user
from tests.meetings.factories import aware, bulk_members

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 3, 20)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(aware(TODAY, 10), tick=False):
        yield


def _household(cell, name: str, hamlet: str = "") -> Household:
    with scopes_disabled():
        return services.household_create(
            actor=None, cell=cell, data=services.HouseholdData(name, hamlet=hamlet)
        )


def _assign(household, member, start: dt.date) -> HouseholdAssignment:
    with scopes_disabled():
        return services.household_assign(
            actor=None, household=household, member=member, start_date=start
        )


def _contacts(household) -> list[HouseholdContact]:
    with scopes_disabled():
        return list(HouseholdContact.objects.filter(household=household).order_by("date", "id"))


def _fresh(household) -> Household:
    with scopes_disabled():
        return Household.objects.get(pk=household.pk)


# --- A cell's households -------------------------------------------------------------------------
def test_households_nobody_follows_come_first_and_members_are_counted(world, client_en) -> None:
    khanh = _household(world.cell, "Lò Văn Khánh", "Bản Nà Tăm")
    binh = _household(world.cell, "Cầm Thị Bình")
    on = _household(world.cell, "Quàng Văn Ơn")
    _household(world.cell2, "Hộ bản khác")
    _assign(khanh, world.plain_member, D(2025, 1, 5))
    _assign(on, world.secretary_member, D(2025, 1, 5))
    with scopes_disabled():
        services.household_contact_log(
            actor=None,
            household=khanh,
            member=world.plain_member,
            day=D(2025, 3, 2),
            category="production",
            note="Cần giống ngô",
        )
    url = reverse("actions:households", args=[world.cell.pk])
    html = client_en(world.member_user).get(url).content.decode()
    # Bình is followed by nobody: first and marked; then Khánh, Ơn by the head's given name.
    assert html.index("Cầm Thị Bình") < html.index("Lò Văn Khánh") < html.index("Quàng Văn Ơn")
    assert html.count("Nobody follows it") == 1
    assert "1 household is followed by nobody on the cell" in html
    assert "02/03/2025" in html
    assert "Hộ bản khác" not in html
    assert reverse("actions:household", args=[binh.pk]) in html
    # Households per member: both follow 1 (flagged: usually 5 to 7).
    assert "A member usually follows 5 to 7 households." in html
    assert html.count('<strong class="flag">1</strong>') == 2
    # A plain member reads; adding is for meeting.change.
    assert "Add the household" not in html
    assert "Add the household" in client_en(world.secretary).get(url).content.decode()


def test_a_follower_who_left_the_cell_leaves_the_household_unfollowed(world, sec) -> None:
    khanh = _household(world.cell, "Lò Văn Khánh")
    _assign(khanh, world.plain_member, D(2025, 1, 5))
    with scopes_disabled(), time_machine.travel(aware(D(2025, 3, 1), 10), tick=False):
        member_event_add(
            actor=None,
            member=world.plain_member,
            data=EventData(kind=EventKind.TRANSFER_OUT, date=D(2025, 3, 1), other_cell=world.cell2),
        )
    html = sec.get(reverse("actions:households", args=[world.cell.pk])).content.decode()
    assert "Nobody follows it" in html
    assert "Tòng Thị Ánh" in html  # still named as assigned, until the secretary ends it


def test_households_page_takes_a_constant_number_of_queries(
    world, sec, django_assert_num_queries
) -> None:
    url = reverse("actions:households", args=[world.cell.pk])
    members = bulk_members(world.cell, 6)

    def add(n: int) -> None:
        for i in range(n):
            household = _household(world.cell, f"Hộ số {i}")
            if i % 3:
                _assign(household, members[i % 6], D(2025, 2, 1))
                with scopes_disabled():
                    HouseholdContact.objects.create(
                        household=household,
                        member=members[i % 6],
                        date=D(2025, 3, 1),
                        category="other",
                        note="Thăm hỏi",
                    )

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert sec.get(url).status_code == 200
    add(25)
    with django_assert_num_queries(len(few)):
        response = sec.get(url)
    assert response.content.decode().count("Hộ số") == 27


def test_the_secretary_adds_a_household_and_bad_input_shows_a_message(world, sec) -> None:
    url = reverse("actions:household_add", args=[world.cell.pk])
    assert sec.get(url).status_code == 200
    response = sec.post(url, {"head_name": "   ", "hamlet": "Bản Nà Tăm"})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    response = sec.post(url, {"head_name": "Lò Văn Khánh", "hamlet": "Bản Nà Tăm"})
    with scopes_disabled():
        household = Household.objects.get(head_name="Lò Văn Khánh")
    assert household.cell == world.cell
    assert response["Location"] == reverse("actions:household", args=[household.pk])


def test_a_plain_member_cannot_add_nor_change(world, client_en) -> None:
    household = _household(world.cell, "Lò Văn Khánh")
    assignment = _assign(household, world.plain_member, D(2025, 1, 5))
    client = client_en(world.member_user)
    posts = [
        (reverse("actions:household_add", args=[world.cell.pk]), {"head_name": "Hộ mới"}),
        (reverse("actions:household_edit", args=[household.pk]), {"head_name": "Đổi tên"}),
        (reverse("actions:household_deactivate", args=[household.pk]), {"day": "2025-03-20"}),
        (
            reverse("actions:household_assign", args=[household.pk]),
            {"member": str(world.secretary_member.pk), "start_date": "2025-03-20"},
        ),
        (
            reverse("actions:household_assignment_end", args=[assignment.pk]),
            {"end_date": "2025-03-20"},
        ),
    ]
    for url, data in posts:
        assert client.get(url).status_code == 404, url
        assert client.post(url, data).status_code == 404, url
    with scopes_disabled():
        assert Household.objects.count() == 1
        assert HouseholdAssignment.objects.get().end_date is None
    fresh = _fresh(household)
    assert (fresh.head_name, fresh.active) == ("Lò Văn Khánh", True)
    # Reading it is fine, without the secretary's buttons.
    html = client.get(reverse("actions:household", args=[household.pk])).content.decode()
    assert "Lò Văn Khánh" in html
    assert reverse("actions:household_edit", args=[household.pk]) not in html
    assert "Assign a member" not in html


def test_another_cell_or_commune_gets_404(world, client_en) -> None:
    household = _household(world.cell, "Lò Văn Khánh")
    assignment = _assign(household, world.plain_member, D(2025, 1, 5))
    pages = [
        reverse("actions:households", args=[world.cell.pk]),
        reverse("actions:household_add", args=[world.cell.pk]),
        reverse("actions:household", args=[household.pk]),
        reverse("actions:household_edit", args=[household.pk]),
        reverse("actions:household_contact", args=[household.pk]),
        reverse("actions:household_assignment_end", args=[assignment.pk]),
    ]
    for user in (world.secretary2, world.outsider):
        client = client_en(user)
        for url in pages:
            assert client.get(url).status_code == 404, (user, url)
        response = client.post(
            reverse("actions:household_contact", args=[household.pk]),
            {"date": "2025-03-20", "category": "other", "note": "Xâm nhập"},
        )
        assert response.status_code == 404
    assert _contacts(household) == []
    # A commune is not a cell; a number too big is nobody's.
    client = client_en(world.commune_user)
    assert client.get(reverse("actions:households", args=[world.commune.pk])).status_code == 404
    assert client.get("/actions/household/99999999999/").status_code == 404


# --- One household -------------------------------------------------------------------------------
def test_the_secretary_edits_assigns_ends_and_deactivates(world, sec) -> None:
    household = _household(world.cell, "Lò Văn Khánh")
    page = reverse("actions:household", args=[household.pk])
    edit = reverse("actions:household_edit", args=[household.pk])
    assert "Lò Văn Khánh" in sec.get(edit).content.decode()
    assert sec.post(edit, {"head_name": ""}).status_code == 200
    response = sec.post(edit, {"head_name": "Lò Văn Khánh", "address": "Số 4, bản Nà Tăm"})
    assert response["Location"] == page
    assert _fresh(household).address == "Số 4, bản Nà Tăm"

    assign = reverse("actions:household_assign", args=[household.pk])
    html = sec.get(page).content.decode()
    assert f'action="{assign}"' in html  # the assign form, with the cell's roll
    assert f'<option value="{world.plain_member.pk}">Tòng Thị Ánh</option>' in html
    assert f'value="{world.other_member.pk}"' not in html.split(assign)[1].split("</form>")[0]
    data = {"member": str(world.plain_member.pk), "start_date": "2025-02-01"}
    assert sec.post(assign, data)["Location"] == page + "#assignments"
    # Twice: the service's message on the form.
    response = sec.post(assign, data)
    assert response.status_code == 200
    assert "Tòng Thị Ánh already follows this household." in response.content.decode()
    # Someone not on the roll (another commune's member) is not a choice.
    response = sec.post(assign, {"member": str(world.other_member.pk), "start_date": "2025-02-01"})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    # Before the member was on the roll: not_on_roll.
    response = sec.post(
        assign, {"member": str(world.secretary_member.pk), "start_date": "2001-01-01"}
    )
    assert "is not on this cell&#x27;s roll on 01/01/2001" in response.content.decode()

    with scopes_disabled():
        assignment = HouseholdAssignment.objects.get(member=world.plain_member)
    end = reverse("actions:household_assignment_end", args=[assignment.pk])
    response = sec.post(end, {"end_date": "2025-01-01"})
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()
    assert sec.post(end, {"end_date": "2025-03-01"})["Location"] == page + "#assignments"
    response = sec.post(end, {"end_date": "2025-03-02"})
    assert "This assignment has already ended." in response.content.decode()
    html = sec.get(page).content.decode()
    assert "from 01/02/2025 until 01/03/2025" in html

    _assign(household, world.secretary_member, D(2025, 3, 10))
    deactivate = reverse("actions:household_deactivate", args=[household.pk])
    response = sec.post(deactivate, {"day": "2025-03-05"})
    assert response.status_code == 200
    assert "An assignment of this household starts after that day." in response.content.decode()
    assert sec.post(deactivate, {"day": "not a date"}).status_code == 200
    assert sec.post(deactivate, {"day": "2025-03-15"})["Location"] == page
    assert not _fresh(household).active
    html = sec.get(page).content.decode()
    assert "This household is no longer followed" in html
    assert "from 10/03/2025 until 15/03/2025" in html
    assert "Log the contact" not in html
    # Gone from the cell's list.
    listing = sec.get(reverse("actions:households", args=[world.cell.pk])).content.decode()
    assert reverse("actions:household", args=[household.pk]) not in listing


@pytest.fixture
def noted(world):
    """A household followed by Chung until 10/02, then by the plain member; each logged a
    contact with a note. Dung, another member of the cell with a login, never followed it."""
    chung_user, dung_user = make_user("chung", "Cầm Văn Chung"), make_user("dung", "Lò Văn Dũng")
    chung = make_member(world.cell, "Cầm Văn Chung", chung_user)
    make_member(world.cell, "Lò Văn Dũng", dung_user)
    household = _household(world.cell, "Lò Văn Khánh")
    first = _assign(household, chung, D(2025, 1, 5))
    with scopes_disabled():
        services.household_assignment_end(actor=None, assignment=first, end_date=D(2025, 2, 10))
    _assign(household, world.plain_member, D(2025, 2, 10))
    with scopes_disabled():
        for member, day, note in (
            (chung, D(2025, 2, 3), "Ý KIẾN CỦA HỘ VỀ CHÍNH QUYỀN"),
            (world.plain_member, D(2025, 3, 3), "HỘ ĐỀ NGHỊ HỖ TRỢ GIỐNG"),
        ):
            services.household_contact_log(
                actor=None,
                household=household,
                member=member,
                day=day,
                category="opinions",
                note=note,
            )
    return {"household": household, "chung": chung_user, "dung": dung_user}


CHUNG_NOTE, ANH_NOTE = "Ý KIẾN CỦA HỘ VỀ CHÍNH QUYỀN", "HỘ ĐỀ NGHỊ HỖ TRỢ GIỐNG"


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("secretary", {CHUNG_NOTE, ANH_NOTE}),  # meeting.change on the cell
        ("commune", {CHUNG_NOTE, ANH_NOTE}),  # meeting.change from the commune
        ("member", {CHUNG_NOTE, ANH_NOTE}),  # follows it today
        ("chung", {CHUNG_NOTE}),  # followed it once: their own note only
        ("dung", set()),  # a member of the cell who never followed it
        ("province", set()),  # meeting.view, no member record here
    ],
)
def test_who_reads_the_contact_notes(world, client_en, noted, who, sees) -> None:
    users = {**world.users(), "chung": noted["chung"], "dung": noted["dung"]}
    url = reverse("actions:household", args=[noted["household"].pk])
    response = client_en(users[who]).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert {note for note in (CHUNG_NOTE, ANH_NOTE) if note in html} == sees
    # Date, category and member stay visible; a hidden note says so.
    for shown in ("03/02/2025", "03/03/2025", "Cầm Văn Chung", "Tòng Thị Ánh"):
        assert shown in html
    assert html.count("(note hidden)") == 2 - len(sees)


# --- Logging a contact ---------------------------------------------------------------------------
def test_a_follower_logs_their_own_contact(world, client_en) -> None:
    household = _household(world.cell, "Lò Văn Khánh")
    _assign(household, world.plain_member, D(2025, 2, 1))
    client = client_en(world.member_user)
    url = reverse("actions:household_contact", args=[household.pk])
    html = client.get(url).content.decode()
    assert 'value="2025-03-20"' in html  # today by default
    assert 'name="member"' not in html  # their own contact: no choice of member
    response = client.post(
        url,
        {"date": "2025-03-21", "category": "security", "note": "Mất trộm trâu"},
    )
    assert response.status_code == 200
    assert "A contact cannot be in the future." in response.content.decode()
    response = client.post(url, {"date": "2025-01-15", "category": "security", "note": "Trâu"})
    assert response.status_code == 200
    assert "Tòng Thị Ánh did not follow this household on that day." in (response.content.decode())
    response = client.post(url, {"date": "2025-03-19", "category": "security", "note": "x" * 501})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    assert _contacts(household) == []
    # Naming another member is not theirs to do: the contact is their own.
    response = client.post(
        url,
        {
            "date": "2025-03-19",
            "category": "security",
            "note": "Mất trộm trâu",
            "member": str(world.secretary_member.pk),
        },
    )
    assert response["Location"] == reverse("actions:household", args=[household.pk]) + "#contacts"
    (contact,) = _contacts(household)
    assert (contact.member, contact.date, contact.category) == (
        world.plain_member,
        D(2025, 3, 19),
        "security",
    )


def test_logging_with_htmx_swaps_the_contacts_in_place(world, client_en) -> None:
    household = _household(world.cell, "Lò Văn Khánh")
    _assign(household, world.plain_member, D(2025, 2, 1))
    client = client_en(world.member_user)
    page = client.get(reverse("actions:household", args=[household.pk])).content.decode()
    url = reverse("actions:household_contact", args=[household.pk])
    assert f'hx-post="{url}"' in page
    response = client.post(
        url,
        {"date": "2025-03-20", "category": "production", "note": "Cần giống lúa"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" aria-labelledby="contacts-h"')
    assert "The contact has been logged." in html
    assert "Cần giống lúa" in html
    assert "<html" not in html
    response = client.post(
        url,
        {"date": "2025-03-25", "category": "production", "note": "Sau"},
        headers={"HX-Request": "true"},
    )
    assert "A contact cannot be in the future." in response.content.decode()


def test_the_secretary_logs_for_a_member_who_followed_it(world, sec, client_en) -> None:
    household = _household(world.cell, "Lò Văn Khánh")
    _assign(household, world.plain_member, D(2025, 2, 1))
    url = reverse("actions:household_contact", args=[household.pk])
    html = sec.get(url).content.decode()
    assert f'<option value="{world.plain_member.pk}">Tòng Thị Ánh</option>' in html
    assert f'value="{world.secretary_member.pk}"' not in html  # never followed it
    response = sec.post(
        url,
        {
            "member": str(world.plain_member.pk),
            "date": "2025-03-01",
            "category": "environment",
            "note": "Rác thải ven suối",
        },
    )
    assert response.status_code == 302
    assert [c.member for c in _contacts(household)] == [world.plain_member]
    # A member of the cell who does not follow it cannot log anything.
    other = make_user("dung", "Lò Văn Dũng")
    make_member(world.cell, "Lò Văn Dũng", other)
    assert client_en(other).get(url).status_code == 404
    response = client_en(other).post(
        url, {"date": "2025-03-01", "category": "other", "note": "Không được"}
    )
    assert response.status_code == 404
    # Nobody ever followed a new household: the secretary is told to assign someone first.
    empty = _household(world.cell, "Cầm Thị Bình")
    html = sec.get(reverse("actions:household_contact", args=[empty.pk])).content.decode()
    assert "assign a member first" in html


# --- The home page -------------------------------------------------------------------------------
def test_home_lists_my_households_with_a_link_to_log_a_contact(world, client_en) -> None:
    khanh = _household(world.cell, "Lò Văn Khánh")
    binh = _household(world.cell, "Cầm Thị Bình")
    _assign(khanh, world.plain_member, D(2025, 2, 1))
    _assign(binh, world.plain_member, D(2025, 2, 1))
    with scopes_disabled():
        services.household_contact_log(
            actor=None,
            household=khanh,
            member=world.plain_member,
            day=D(2025, 3, 5),
            category="other",
            note="Thăm hỏi",
        )
    html = client_en(world.member_user).get(reverse("home")).content.decode()
    assert "Households I follow" in html
    assert html.index("Cầm Thị Bình") < html.index("Lò Văn Khánh")
    assert "05/03/2025" in html
    assert "1 contact this month" in html
    assert reverse("actions:household_contact", args=[khanh.pk]) in html
    assert reverse("actions:household_contact", args=[binh.pk]) in html
    assert reverse("actions:member_results", args=[world.plain_member.pk]) in html
    assert "Households I follow" not in client_en(world.commune_user).get("/").content.decode()


@pytest.mark.parametrize("size", [1, 6])
def test_the_home_block_takes_one_query(world, django_assert_num_queries, size) -> None:
    for i in range(size):
        household = _household(world.cell, f"Hộ số {i}")
        _assign(household, world.plain_member, D(2025, 2, 1))
    access = access_for_user(world.member_user)
    with access.activate(), django_assert_num_queries(1):
        block = home_households(access)
        assert block is not None
        assert len(block.rows) == size
    assert home_households(access_for_user(world.commune_user)) is None
