"""The meeting itself: answers to the notice, the roll call, speeches, the resolution, and
the minutes locked and amended (DOMAIN.md "Meetings": minutes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import Field, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.bulk import plain_rows, upsert_values
from chibo.core.vietnamese import nfc
from chibo.meetings import selectors
from chibo.meetings.guards import audit_meeting, fail, open_meeting
from chibo.meetings.models import (
    AdvanceAnswer,
    AgendaItem,
    Attendance,
    AttendanceCategory,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MinutesAmendment,
    Resolution,
    Speech,
    VoteMethod,
)
from chibo.members.models import Member

C = AttendanceCategory


# --- Notice answers and the roll ---------------------------------------------------------------
@transaction.atomic
def answer_notice(
    *, actor: Any, meeting: Meeting, member: Member, will_come: bool, reason: str = ""
) -> Attendance:
    """The member's answer to the notice: "I will come", or the reason they cannot, sent before
    the meeting. The roll call later records what happened."""
    meeting = open_meeting(meeting)
    if meeting.status in selectors.HELD_STATUSES:
        raise fail(_("The meeting has already been held."), "already_held")
    roll = selectors.roll_standings(meeting.cell_id, selectors.meeting_date(meeting), meeting.kind)
    if member.pk not in {s.member_id for s in roll}:
        raise fail(_("This member is not called to this meeting."), "not_eligible")
    reason = nfc(reason).strip()
    if not will_come and not reason:
        raise fail(_("Give the reason you cannot come."), "reason_required", "reason")
    answer = AdvanceAnswer.WILL_COME if will_come else AdvanceAnswer.ABSENT
    row, _created = Attendance.objects.update_or_create(
        meeting=meeting,
        member=member,
        defaults={
            "advance_answer": answer,
            "advance_reason": "" if will_come else reason[:300],
            "answered_at": timezone.now(),
        },
    )
    audit_record(
        actor=actor,
        action="meeting.notice_answered",
        obj=meeting,
        unit=meeting.cell,
        member=member,
        changes={"answer": [None, answer], "reason": [None, row.advance_reason]},
    )
    return row


@dataclass(frozen=True)
class RollRow:
    """One line of the roll call."""

    member_id: int
    category: str
    reason: str = ""


def _check_row(row: RollRow, standing: selectors.Standing | None) -> str:
    """Check one line against the rules; returns the cleaned reason."""
    if standing is None:
        raise fail(
            _("Member %(id)s is not on this meeting's roll (not in the cell on its date).")
            % {"id": row.member_id},
            "not_eligible",
        )
    name = standing.full_name
    if row.category not in selectors.allowed_categories(standing.expected):
        raise fail(
            _("%(name)s cannot be recorded as “%(category)s”: exempt and away follow the record.")
            % {"name": name, "category": row.category},
            "category_not_allowed",
        )
    reason = row.reason
    if reason:
        reason = nfc(reason).strip()[:300]
    if row.category == C.ABSENT_EXCUSED and not reason:
        raise fail(_("Give the reason of %(name)s's absence.") % {"name": name}, "reason_required")
    return reason if row.category in _WITH_REASON else ""


_WITH_REASON = frozenset({C.ABSENT_EXCUSED, C.LATE})
_ROLL_COLUMNS = (
    "meeting", "member", "category", "reason", "recorded_at", "advance_answer", "advance_reason"
)  # fmt: skip


@transaction.atomic
def attendance_save(*, actor: Any, meeting: Meeting, rows: Sequence[RollRow]) -> int:
    """Save the whole roll in one transaction: ``rows`` is the roll as it now stands; a member
    left out goes back to "not recorded". Saving the same roll again changes nothing. Returns
    the number of lines changed.

    Only members on the roll of the meeting's date may be recorded. Five queries whatever the
    size of the roll (the meeting locked, the roll, what was recorded, one upsert of the
    changed lines and the audit entry; see ``selectors.roll_standings`` for the roll).
    """
    meeting = open_meeting(meeting)
    day = selectors.meeting_date(meeting)
    if day > timezone.localdate():
        raise fail(_("The roll is called at the meeting, not before."), "future")
    roll = {s.member_id: s for s in selectors.roll_standings(meeting.cell_id, day, meeting.kind)}
    # Unscoped, as the roll: the caller already sees the meeting.
    recorded = {
        member_id: (category, reason)
        for member_id, category, reason in plain_rows(
            Attendance._base_manager.filter(meeting_id=meeting.pk).values_list(
                "member_id", "category", "reason"
            )
        )
    }
    seen: set[int] = set()
    now = timezone.now()
    changed: list[tuple[Any, ...]] = []
    changes: dict[str, list[Any]] = {}
    for row in rows:
        member_id = row.member_id
        if member_id in seen:
            raise fail(_("A member appears twice in the roll."), "duplicate")
        seen.add(member_id)
        reason = _check_row(row, roll.get(member_id))
        old = recorded.get(member_id)
        if old is not None and old == (row.category, reason):
            continue
        changes[str(member_id)] = [old[0] if old else None, row.category]
        # A new line starts with no answer to the notice; an existing one keeps its answer
        # (only the roll's columns are updated on conflict).
        changed.append((meeting.pk, member_id, row.category, reason, now, "", ""))
    for member_id, (category, _reason) in recorded.items():
        if member_id not in seen and category and member_id in roll:
            changes[str(member_id)] = [category, ""]
            changed.append((meeting.pk, member_id, "", "", now, "", ""))
    if changed:
        upsert_values(
            Attendance,
            _ROLL_COLUMNS,
            changed,
            unique=("meeting", "member"),
            update=("category", "reason", "recorded_at"),
        )
        audit_meeting(actor, "meeting.attendance_saved", meeting, changes)
    return len(changed)


# --- Minutes ---------------------------------------------------------------------------------
@transaction.atomic
def speech_add(
    *,
    actor: Any,
    meeting: Meeting,
    text: str,
    member: Member | None = None,
    speaker_name: str = "",
    agenda_item: AgendaItem | None = None,
) -> Speech:
    """Record what someone said, by name: a member, or a guest by name only."""
    meeting = open_meeting(meeting)
    text = nfc(text).strip()
    name = member.full_name if member is not None else nfc(speaker_name).strip()
    if not text:
        raise fail(_("Write what was said."), "no_text", "text")
    if not name:
        raise fail(_("Choose the member or write the speaker's name."), "no_speaker", "member")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise fail(_("That agenda item is not of this meeting."), "wrong_meeting", "agenda_item")
    last = Speech.objects.filter(meeting=meeting).aggregate(n=Max("order"))["n"] or 0
    speech = Speech(
        meeting=meeting,
        agenda_item=agenda_item,
        member=member,
        speaker_name=name[:150],
        text=text,
        order=last + 1,
    )
    speech.full_clean()
    speech.save()
    audit_record(
        actor=actor,
        action="meeting.speech_added",
        obj=meeting,
        unit=meeting.cell,
        member=member,
        changes={"speech": [None, f"{name}: {text[:100]}"]},
    )
    return speech


_RESOLUTION_FIELDS = ("text", "vote_method", "votes_for", "votes_against", "votes_abstain")


@dataclass(frozen=True)
class ResolutionData:
    text: str
    vote_method: str = VoteMethod.HANDS
    votes_for: int = 0
    votes_against: int = 0
    votes_abstain: int = 0


def _check_votes(meeting: Meeting, data: ResolutionData) -> None:
    if data.vote_method not in VoteMethod.values:
        raise fail(_("Choose show of hands or secret ballot."), "invalid_method", "vote_method")
    votes = (data.votes_for, data.votes_against, data.votes_abstain)
    if min(votes) < 0:
        raise fail(_("A number of votes cannot be negative."), "invalid_votes")
    attended = selectors.attendance_counts(meeting).attended
    if attended and sum(votes) > attended:
        raise fail(
            _("%(votes)s votes, but only %(n)s members took part.")
            % {"votes": sum(votes), "n": attended},
            "too_many_votes",
        )


@transaction.atomic
def resolution_save(*, actor: Any, meeting: Meeting, data: ResolutionData) -> Resolution:
    """The resolution and its vote (method and result). Votes cannot exceed those present."""
    meeting = open_meeting(meeting)
    data = ResolutionData(**{**asdict(data), "text": nfc(data.text).strip()})
    if not data.text:
        raise fail(_("Write the resolution."), "no_text", "text")
    _check_votes(meeting, data)
    resolution = Resolution.objects.filter(meeting=meeting).first()
    before = snapshot(resolution, _RESOLUTION_FIELDS) if resolution else {}
    resolution = resolution or Resolution(meeting=meeting)
    for name, value in asdict(data).items():
        setattr(resolution, name, value)
    resolution.full_clean()
    resolution.save()
    changes = diff(before, snapshot(resolution, _RESOLUTION_FIELDS))
    if changes:
        audit_meeting(actor, "meeting.resolution_saved", meeting, changes)
    return resolution


@transaction.atomic
def meeting_lock(*, actor: Any, meeting: Meeting) -> Meeting:
    """Approve and lock the minutes. They must be complete: opening and closing times, chair and
    minute-taker (the two signatures), the whole roll and, for a cell meeting, the resolution.
    The minutes as locked are kept on the meeting."""
    meeting = open_meeting(meeting)
    if meeting.status != MeetingStatus.HELD:
        raise fail(_("Only the minutes of a meeting that was held can be locked."), "not_held")
    missing = [
        label
        for label, absent in (
            (_("closing time"), meeting.held_end is None),
            (_("chair"), meeting.chair_id is None),
            (_("minute-taker"), meeting.minute_taker_id is None),
            (
                _("resolution"),
                meeting.kind != MeetingKind.COMMITTEE
                and not Resolution.objects.filter(meeting=meeting).exists(),
            ),
        )
        if absent
    ]
    counts = selectors.attendance_counts(meeting)
    if counts.not_recorded:
        missing.append(_("roll call of %(n)s members") % {"n": counts.not_recorded})
    if missing:
        raise fail(
            _("The minutes are not complete: %(missing)s.") % {"missing": ", ".join(missing)},
            "incomplete",
        )
    meeting.locked_minutes = selectors.minutes_snapshot(meeting)
    meeting.status, meeting.locked_at = MeetingStatus.LOCKED, timezone.now()
    meeting.locked_by = actor if getattr(actor, "is_authenticated", False) else None
    meeting.version += 1
    meeting.save(
        update_fields=[
            "locked_minutes",
            "status",
            "locked_at",
            "locked_by",
            "version",
            "updated_at",
        ]
    )
    # The monthly rollup (DESIGN.md CellMonth) is to be written here, in this transaction.
    audit_meeting(
        actor, "meeting.locked", meeting, {"status": [MeetingStatus.HELD, meeting.status]}
    )
    return meeting


AMENDABLE_MEETING_FIELDS = (
    "place",
    "topic",
    "presenter",
    "guests",
    "held_start",
    "held_end",
    "chair",
    "minute_taker",
)


def _amend_meeting(meeting: Meeting, name: str, value: Any) -> tuple[Any, Any]:
    if name not in AMENDABLE_MEETING_FIELDS:
        raise fail(_("“%(field)s” cannot be amended.") % {"field": name}, "not_amendable")
    field = meeting._meta.get_field(name)
    assert isinstance(field, Field)
    before = snapshot(meeting, [name])[name]
    setattr(meeting, field.attname, value if field.is_relation else field.to_python(value))
    meeting.full_clean(exclude=["version"])
    meeting.save(update_fields=[field.attname, "updated_at"])
    return before, snapshot(meeting, [name])[name]


def _amend_resolution(meeting: Meeting, name: str, value: Any) -> tuple[Any, Any]:
    resolution = Resolution.objects.filter(meeting=meeting).first()
    if resolution is None or name not in _RESOLUTION_FIELDS:
        raise fail(_("“%(field)s” cannot be amended.") % {"field": name}, "not_amendable")
    before = getattr(resolution, name)
    setattr(resolution, name, value)
    _check_votes(meeting, ResolutionData(**snapshot(resolution, _RESOLUTION_FIELDS)))
    resolution.full_clean()
    resolution.save(update_fields=[name, "updated_at"])
    return before, getattr(resolution, name)


def _amend_attendance(meeting: Meeting, member_id: str, value: Any) -> tuple[Any, Any]:
    day = selectors.meeting_date(meeting)
    roll = {
        str(s.member_id): s for s in selectors.roll_standings(meeting.cell_id, day, meeting.kind)
    }
    if not isinstance(value, Mapping):
        raise fail(_("Give the category and the reason."), "invalid_value")
    row = RollRow(
        int(member_id) if member_id.isdigit() else 0,
        str(value.get("category", "")),
        str(value.get("reason", "")),
    )
    reason = _check_row(row, roll.get(member_id))
    old = Attendance._base_manager.filter(meeting=meeting, member_id=row.member_id).first()
    before = {"category": old.category, "reason": old.reason} if old else None
    Attendance.objects.update_or_create(
        meeting=meeting,
        member_id=row.member_id,
        defaults={"category": row.category, "reason": reason, "recorded_at": timezone.now()},
    )
    return before, {"category": row.category, "reason": reason}


@transaction.atomic
def minutes_amend(
    *,
    actor: Any,
    meeting: Meeting,
    reason: str,
    changes: Mapping[str, Any],
    date: dt.date | None = None,
) -> MinutesAmendment:
    """Correct locked minutes by a dated amendment, which keeps every value before and after.

    ``changes`` maps ``"meeting.<field>"`` (place, topic, presenter, guests, held_start,
    held_end, chair, minute_taker — people by id), ``"resolution.<field>"`` (text, vote method,
    votes) and ``"attendance.<member id>"`` (``{"category": …, "reason": …}``) to new values.
    """
    meeting = Meeting._base_manager.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.LOCKED:
        raise fail(_("Only locked minutes are amended; edit the meeting instead."), "not_locked")
    reason = nfc(reason).strip()
    if not reason:
        raise fail(_("Give the reason for the amendment."), "reason_required", "reason")
    if not changes:
        raise fail(_("The amendment changes nothing."), "no_changes")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    appliers = {
        "meeting": _amend_meeting,
        "resolution": _amend_resolution,
        "attendance": _amend_attendance,
    }
    for key, value in changes.items():
        target, _dot, name = key.partition(".")
        if target not in appliers:
            raise fail(_("“%(field)s” cannot be amended.") % {"field": key}, "not_amendable")
        before[key], after[key] = appliers[target](meeting, name, value)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    amendment = MinutesAmendment.objects.create(
        meeting=meeting,
        date=date or timezone.localdate(),
        author=actor_obj,
        author_name=str(actor_obj)[:150] if actor_obj else "",
        reason=reason,
        before=before,
        after=after,
    )
    audit_meeting(
        actor,
        "meeting.minutes_amended",
        meeting,
        {key: [before[key], after[key]] for key in changes},
    )
    return amendment
