"""Minutes: speeches by name, the resolution and its vote, locking, and amendments after it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from chibo.meetings import services
from chibo.meetings.models import Meeting, MeetingStatus, MinutesAmendment, Resolution
from tests.meetings.factories import EXC, UNEXC, P, hold, meeting_on, roll

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def held(world, sd) -> Meeting:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    meeting = hold(meeting, chair=world.secretary_member, minute_taker=world.plain_member)
    roll(meeting, {world.secretary_member: P, world.plain_member: P})
    return meeting


def _resolution(text: str = "Chi bộ thống nhất làm đường", **votes: int):
    return services.ResolutionData(text=text, **{"votes_for": 2, **votes})


def test_speeches_are_recorded_by_name_in_order(world, held) -> None:
    first = services.speech_add(
        actor=None, meeting=held, member=world.plain_member, text="Đề nghị làm đường trước mùa mưa"
    )
    second = services.speech_add(
        actor=None, meeting=held, speaker_name="Đ/c Lò Văn Xã (Đảng ủy xã)", text="Nhất trí"
    )
    assert (first.order, first.speaker_name) == (1, "Tòng Thị Ánh")
    assert second.order == 2
    with pytest.raises(ValidationError) as error:
        services.speech_add(actor=None, meeting=held, text="Ý kiến")
    assert error.value.code == "no_speaker"


def test_votes_cannot_exceed_those_present(world, held) -> None:
    with pytest.raises(ValidationError) as error:
        services.resolution_save(actor=None, meeting=held, data=_resolution(votes_abstain=1))
    assert error.value.code == "too_many_votes"
    saved = services.resolution_save(actor=None, meeting=held, data=_resolution())
    assert (saved.votes_for, saved.vote_method) == (2, "hands")


def test_locking_needs_complete_minutes(world, sd) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    with pytest.raises(ValidationError) as error:
        services.meeting_lock(actor=None, meeting=meeting)
    assert error.value.code == "not_held"
    meeting = hold(meeting)
    roll(meeting, {world.secretary_member: P})
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.meeting_lock(actor=None, meeting=meeting)
    assert error.value.code == "incomplete"
    message = error.value.messages[0]
    assert "chair" in message
    assert "resolution" in message
    assert "roll call of 1" in message


def _every_change(world, meeting: Meeting) -> dict[str, object]:
    data = replace(services.MeetingData.of(meeting), place="Nơi khác")
    return {
        "meeting_update": lambda: services.meeting_update(
            actor=None, meeting=meeting, data=data, version=meeting.version
        ),
        "attendance_save": lambda: roll(meeting, {world.secretary_member: P}),
        "answer_notice": lambda: services.answer_notice(
            actor=None, meeting=meeting, member=world.plain_member, will_come=True
        ),
        "speech_add": lambda: services.speech_add(
            actor=None, meeting=meeting, member=world.plain_member, text="Thêm"
        ),
        "resolution_save": lambda: services.resolution_save(
            actor=None, meeting=meeting, data=_resolution("Sửa")
        ),
        "agenda_from_template": lambda: services.agenda_from_template(actor=None, meeting=meeting),
        "meeting_notify": lambda: services.meeting_notify(actor=None, meeting=meeting),
        "meeting_cancel": lambda: services.meeting_cancel(actor=None, meeting=meeting, reason="x"),
        "meeting_lock": lambda: services.meeting_lock(actor=None, meeting=meeting),
    }


def test_a_locked_meeting_refuses_every_change_with_the_code(world, held) -> None:
    services.resolution_save(actor=None, meeting=held, data=_resolution())
    locked = services.meeting_lock(actor=None, meeting=held)
    assert locked.status == MeetingStatus.LOCKED
    # ``held`` is the instance read before locking: the services read the row again.
    for name, change in _every_change(world, held).items():
        with pytest.raises(ValidationError) as error:
            change()
        assert error.value.code == "locked", name
    assert Meeting.objects.get(pk=held.pk).place == ""


def test_amendments_keep_the_original_and_every_change(world, held) -> None:
    services.speech_add(actor=None, meeting=held, member=world.plain_member, text="Nhất trí")
    services.resolution_save(actor=None, meeting=held, data=_resolution())
    services.meeting_lock(actor=None, meeting=held)
    with pytest.raises(ValidationError) as error:
        services.minutes_amend(actor=None, meeting=held, reason="", changes={"meeting.place": "x"})
    assert error.value.code == "reason_required"
    with pytest.raises(ValidationError) as error:
        services.minutes_amend(
            actor=None, meeting=held, reason="Sai", changes={"meeting.draft_resolution": "x"}
        )
    assert error.value.code == "not_amendable"
    services.minutes_amend(
        actor=world.secretary,
        meeting=held,
        reason="Ghi nhầm địa điểm và số phiếu",
        changes={"meeting.place": "Nhà văn hóa bản", "resolution.votes_for": 1},
        date=D(2025, 3, 20),
    )
    services.minutes_amend(
        actor=None,
        meeting=held,
        reason="Đồng chí Ánh đã báo vắng",
        changes={f"attendance.{world.plain_member.pk}": {"category": EXC, "reason": "Ốm"}},
    )
    with pytest.raises(ValidationError) as error:
        services.minutes_amend(
            actor=None,
            meeting=held,
            reason="x",
            changes={f"attendance.{world.plain_member.pk}": {"category": "exempt"}},
        )
    assert error.value.code == "category_not_allowed"
    meeting = Meeting.objects.get(pk=held.pk)
    assert meeting.place == "Nhà văn hóa bản"
    assert Resolution.objects.get(meeting=meeting).votes_for == 1
    # The minutes as locked are kept whole…
    original = meeting.locked_minutes
    assert original["meeting"]["place"] == ""
    assert original["resolution"]["for"] == 2
    assert {r["name"]: r["category"] for r in original["roll"]}["Tòng Thị Ánh"] == P
    assert original["speeches"][0]["text"] == "Nhất trí"
    # …and each amendment, dated, with the values before and after.
    first, second = MinutesAmendment.objects.filter(meeting=meeting).order_by("id")
    assert first.date == D(2025, 3, 20)
    assert first.author == world.secretary
    assert first.before == {"meeting.place": "", "resolution.votes_for": 2}
    assert first.after == {"meeting.place": "Nhà văn hóa bản", "resolution.votes_for": 1}
    key = f"attendance.{world.plain_member.pk}"
    assert second.before[key] == {"category": P, "reason": ""}
    assert second.after[key] == {"category": EXC, "reason": "Ốm"}


def test_only_locked_minutes_are_amended(world, held) -> None:
    with pytest.raises(ValidationError) as error:
        services.minutes_amend(actor=None, meeting=held, reason="x", changes={"meeting.place": "y"})
    assert error.value.code == "not_locked"


def test_unexcused_absence_can_be_recorded_and_locked(world, sd) -> None:
    meeting = hold(
        meeting_on(world.cell, D(2025, 4, 8)),
        chair=world.secretary_member,
        minute_taker=world.secretary_member,
    )
    roll(meeting, {world.secretary_member: P, world.plain_member: UNEXC})
    services.resolution_save(actor=None, meeting=meeting, data=_resolution(votes_for=1))
    locked = services.meeting_lock(actor=None, meeting=meeting)
    assert locked.locked_minutes["counts"]["absent_unexcused"] == 1
