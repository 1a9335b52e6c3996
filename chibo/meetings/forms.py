"""Forms of the meeting pages (phone first: few fields, native date and time inputs).

Forms only check the shape of the input; the rules live in the services, whose
ValidationErrors are shown on these forms (``chibo.core.views.apply_validation_error``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.meetings.models import (
    AgendaStep,
    AgendaTemplate,
    AttendanceCategory,
    DayRule,
    Meeting,
    MeetingKind,
    VoteMethod,
)
from chibo.meetings.selectors import RollEntry, meeting_date
from chibo.meetings.services import AgendaEntry, MeetingData, RollRow
from chibo.members.models import Member

C = AttendanceCategory


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _datetime() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value is not None else None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def people_choices(roll: Sequence[RollEntry], blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *((str(e.member.pk), e.member.full_name) for e in roll)]


def _person(roll: Sequence[RollEntry], value: str) -> Member | None:
    by_id = {str(e.member.pk): e.member for e in roll}
    return by_id.get(value) if value else None


# --- Planning ----------------------------------------------------------------------------------
class PlanYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


ADDABLE_KINDS = [
    (k, label)
    for k, label in MeetingKind.choices
    if k in {MeetingKind.THEMATIC, MeetingKind.EXTRAORDINARY, MeetingKind.COMMITTEE}
]


class MeetingAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ADDABLE_KINDS, widget=forms.RadioSelect)
    planned_date = forms.DateField(label=_("Date"), widget=_date())
    planned_time = forms.TimeField(
        label=_("Time"),
        required=False,
        widget=_time(),
        help_text=_("Empty: the cell's usual time."),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Empty: the cell's usual place."),
    )
    topic = forms.CharField(
        label=_("Topic"),
        max_length=300,
        required=False,
        help_text=_("Required for a thematic meeting."),
    )
    presenter = forms.CharField(
        label=_("Presenter"),
        max_length=150,
        required=False,
        help_text=_("Who presents the thematic report."),
    )


class MeetingDayForm(forms.Form):
    rule = forms.ChoiceField(label=_("Fixed day"), choices=DayRule.choices)
    day = forms.IntegerField(
        label=_("Day of the month"),
        required=False,
        min_value=1,
        max_value=28,
        help_text=_("1 to 28, so that the day exists in every month."),
    )
    time = forms.TimeField(label=_("Usual time"), required=False, widget=_time())
    place = forms.CharField(label=_("Usual place"), max_length=200, required=False)


class ModelCellForm(forms.Form):
    since = forms.DateField(label=_("Model cell since"), widget=_date())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


# --- Preparation -------------------------------------------------------------------------------
class MeetingEditForm(forms.Form):
    """What the secretary prepares: date, time, place, topic, who prepared the content, the
    committee's agreement, the materials and the draft resolution."""

    planned_date = forms.DateField(label=_("Date"), widget=_date())
    planned_time = forms.TimeField(label=_("Time"), required=False, widget=_time())
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=300, required=False)
    presenter = forms.CharField(label=_("Presenter"), max_length=150, required=False)
    includes_thematic = forms.BooleanField(
        label=_("The quarter's thematic part is held in this meeting (120 minutes)"),
        required=False,
    )
    prepared_by = forms.ChoiceField(label=_("Content prepared by"), required=False)
    committee_met_before = forms.BooleanField(
        label=_("The cell committee agreed the content beforehand"), required=False
    )
    materials_published_at = forms.DateTimeField(
        label=_("Materials published at"),
        required=False,
        widget=_datetime(),
        help_text=_("At least one day before the meeting."),
    )
    draft_resolution = forms.CharField(label=_("Draft resolution"), required=False, widget=_text(6))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, meeting: Meeting, roll: Sequence[RollEntry], **kwargs: Any):
        data = MeetingData.of(meeting)
        kwargs.setdefault(
            "initial",
            {
                "planned_date": data.planned_date,
                "planned_time": data.planned_time,
                "place": data.place,
                "topic": data.topic,
                "presenter": data.presenter,
                "includes_thematic": data.includes_thematic,
                "prepared_by": str(meeting.prepared_by_id or ""),
                "committee_met_before": data.committee_met_before,
                "materials_published_at": _local(data.materials_published_at),
                "draft_resolution": data.draft_resolution,
                "version": meeting.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.meeting, self.roll = meeting, roll
        self.fields["prepared_by"].choices = people_choices(roll, _("(not recorded)"))
        if meeting.kind != MeetingKind.REGULAR:
            del self.fields["includes_thematic"]

    def meeting_data(self) -> MeetingData:
        d = self.cleaned_data
        return MeetingData(
            **{
                **MeetingData.of(self.meeting).__dict__,
                "planned_date": d["planned_date"],
                "planned_time": d["planned_time"],
                "place": d["place"],
                "topic": d["topic"],
                "presenter": d["presenter"],
                "includes_thematic": d.get("includes_thematic", False),
                "prepared_by": _person(self.roll, d["prepared_by"]),
                "committee_met_before": d["committee_met_before"],
                "materials_published_at": _aware(d["materials_published_at"]),
                "draft_resolution": d["draft_resolution"],
            }
        )


class AgendaBuildForm(forms.Form):
    template = forms.ChoiceField(label=_("Template"), required=False)
    documents = forms.CharField(
        label=_("New documents from above"),
        required=False,
        widget=_text(3),
        help_text=_("One a line; the number first, then a colon: “42-HD/BTCTW: Guidance …”."),
    )
    local_issues = forms.CharField(
        label=_("The cell's local issues"),
        required=False,
        widget=_text(3),
        help_text=_("One a line."),
    )

    def __init__(self, *args: Any, templates: Sequence[AgendaTemplate], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.templates = {str(t.pk): t for t in templates}
        self.fields["template"].choices = [
            ("", _("The standard three-step agenda")),
            *((pk, f"{t.title} ({t.owner.name})") for pk, t in self.templates.items()),
        ]

    def template_object(self) -> AgendaTemplate | None:
        return self.templates.get(self.cleaned_data["template"] or "")

    @staticmethod
    def _lines(text: str, *, with_reference: bool) -> list[AgendaEntry]:
        entries = []
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            reference, sep, title = line.partition(":")
            if with_reference and sep and title.strip() and len(reference) <= 100:
                entries.append(AgendaEntry(title.strip(), reference=reference.strip()))
            else:
                entries.append(AgendaEntry(line))
        return entries

    def documents_list(self) -> list[AgendaEntry]:
        return self._lines(self.cleaned_data["documents"], with_reference=True)

    def local_issues_list(self) -> list[AgendaEntry]:
        return self._lines(self.cleaned_data["local_issues"], with_reference=False)


class AgendaItemForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"), choices=AgendaStep.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    content = forms.CharField(label=_("Content"), required=False, widget=_text(3))
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("E.g. the number of the document (42-HD/BTCTW)."),
    )
    conclusion = forms.CharField(
        label=_("Conclusion of this item"), required=False, widget=_text(3)
    )


TEMPLATE_KINDS = [
    (k, label)
    for k, label in MeetingKind.choices
    if k in {MeetingKind.REGULAR, MeetingKind.THEMATIC}
]
_DETAIL = "+"
_LINES_HELP = _("One item a line. A line starting with + adds a detail to the item above it.")


class AgendaTemplateForm(forms.Form):
    """An agenda template on one screen: a text box per step, one item a line (a line starting
    with "+" is a detail of the item above), and the local issues it suggests."""

    title = forms.CharField(label=_("Name of the template"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=TEMPLATE_KINDS)
    topic = forms.CharField(
        label=_("Topic"),
        max_length=300,
        required=False,
        help_text=_("For a thematic meeting: its topic."),
    )
    opening = forms.CharField(
        label=_("Step 1: opening"), required=False, widget=_text(4), help_text=_LINES_HELP
    )
    content = forms.CharField(
        label=_("Step 2: content"), required=False, widget=_text(8), help_text=_LINES_HELP
    )
    conclusion = forms.CharField(
        label=_("Step 3: conclusion"), required=False, widget=_text(4), help_text=_LINES_HELP
    )
    local_issues = forms.CharField(
        label=_("Local issues to discuss"),
        required=False,
        widget=_text(3),
        help_text=_("One a line; they come in the content step."),
    )
    is_published = forms.BooleanField(
        label=_("Publish: the other cells of the commune can use and copy it"), required=False
    )

    STEPS = (
        ("opening", AgendaStep.OPENING),
        ("content", AgendaStep.CONTENT),
        ("conclusion", AgendaStep.CONCLUSION),
    )

    def __init__(
        self, *args: Any, template: AgendaTemplate | None = None, can_publish: bool, **kwargs: Any
    ) -> None:
        if template is not None:
            kwargs.setdefault("initial", self.initial_of(template))
        super().__init__(*args, **kwargs)
        if not can_publish:
            del self.fields["is_published"]

    @classmethod
    def initial_of(cls, template: AgendaTemplate) -> dict[str, Any]:
        """The template's values as the form shows them (also a copy's starting point)."""
        return {
            "title": template.title,
            "kind": template.kind,
            "topic": template.topic,
            "is_published": template.is_published,
            **cls.initial_items(template.items),
        }

    @classmethod
    def initial_items(cls, items: Sequence[dict[str, str]]) -> dict[str, str]:
        """Items as the text boxes show them: one a line, each detail on a "+" line below."""
        texts: dict[str, list[str]] = {name: [] for name, _step in cls.STEPS}
        texts["local_issues"] = []
        for item in items:
            if item.get("source") == "local_issue":
                texts["local_issues"].append(item["title"])
                continue
            lines = texts[item["step"]]
            lines.append(item["title"])
            lines += [f"{_DETAIL} {line}" for line in item.get("content", "").splitlines() if line]
        return {name: "\n".join(lines) for name, lines in texts.items()}

    def _parse(self, name: str) -> list[tuple[str, list[str]]]:
        items: list[tuple[str, list[str]]] = []
        for raw in self.cleaned_data.get(name, "").splitlines():
            line = raw.strip()
            if not line:
                continue
            if line.startswith(_DETAIL):
                if not items:
                    self.add_error(
                        name, _("A line starting with + must come after the item it details.")
                    )
                    return []
                items[-1][1].append(line[1:].strip())
                continue
            title = line.lstrip("-•*").strip() or line
            if len(title) > 300:
                self.add_error(
                    name,
                    _("An item's title has at most 300 characters: put the rest in its details."),
                )
                return []
            items.append((title, []))
        return items

    def _local_issues(self) -> list[dict[str, str]]:
        items = []
        for raw in self.cleaned_data.get("local_issues", "").splitlines():
            title = raw.strip().lstrip("-•*+").strip()
            if len(title) > 300:
                self.add_error("local_issues", _("A local issue has at most 300 characters."))
                return []
            if title:
                items.append({"step": AgendaStep.CONTENT, "title": title, "source": "local_issue"})
        return items

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items: list[dict[str, str]] = []
        for name, step in self.STEPS:
            for title, details in self._parse(name):
                items.append({"step": step, "title": title, "content": "\n".join(details)})
            if step == AgendaStep.CONTENT:
                items += self._local_issues()
        if not items and not self.errors:
            self.add_error(None, _("Write at least one item of the agenda."))
        data["items"] = items
        return data

    def template_data(self) -> dict[str, Any]:
        """The arguments of ``agenda_template_save`` (besides the actor, owner and template)."""
        d = self.cleaned_data
        return {
            "title": d["title"],
            "kind": d["kind"],
            "topic": d["topic"],
            "items": d["items"],
            "is_published": d.get("is_published", False),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=_text(2))


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("I have checked the minutes: lock them"))


# --- Answer to the notice ----------------------------------------------------------------------
class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("come", "come"), ("absent", "absent")])
    reason = forms.CharField(label=_("Reason you cannot come"), max_length=300, required=False)


# --- The roll call -----------------------------------------------------------------------------
ROLL_LABELS = {
    C.PRESENT: _("Present"),
    C.LATE: _("Late"),
    C.ABSENT_EXCUSED: _("Absent with reason"),
    C.ABSENT_UNEXCUSED: _("Absent without reason"),
}


class RollCallForm(forms.Form):
    """The whole roll-call screen: one radio group (and a reason) per member who must attend,
    the members exempt or away shown read-only, and the header of the minutes."""

    held_date = forms.DateField(label=_("Date"), widget=_date())
    held_start = forms.TimeField(label=_("Opened at"), required=False, widget=_time())
    held_end = forms.TimeField(label=_("Closed at"), required=False, widget=_time())
    chair = forms.ChoiceField(label=_("Chair"), required=False)
    minute_taker = forms.ChoiceField(label=_("Minute-taker"), required=False)
    guests = forms.CharField(
        label=_("Guests"),
        required=False,
        widget=_text(2),
        help_text=_("Name and post of each guest, e.g. the commune's monitoring member."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, meeting: Meeting, roll: Sequence[RollEntry], **kwargs: Any):
        start, end = _local(meeting.held_start), _local(meeting.held_end)
        initial: dict[str, Any] = {
            "held_date": meeting_date(meeting),
            "held_start": start.time() if start else None,
            "held_end": end.time() if end else None,
            "chair": str(meeting.chair_id or ""),
            "minute_taker": str(meeting.minute_taker_id or ""),
            "guests": meeting.guests,
            "version": meeting.version,
        }
        for entry in roll:
            pk = entry.member.pk
            initial[f"cat_{pk}"] = entry.category
            initial[f"reason_{pk}"] = entry.attendance.reason if entry.attendance else ""
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.meeting, self.roll = meeting, list(roll)
        for name in ("chair", "minute_taker"):
            self.fields[name].choices = people_choices(roll, _("(choose)"))
        for entry in self.roll:
            pk = entry.member.pk
            choices = [(c, ROLL_LABELS.get(c, C(c).label)) for c in entry.allowed()]
            self.fields[f"cat_{pk}"] = forms.ChoiceField(
                label=entry.member.full_name,
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Reason"), max_length=300, required=False
            )

    def lines(self) -> list[tuple[RollEntry, forms.BoundField, forms.BoundField]]:
        """Each member with their radio group and reason field, for the template."""
        return [(e, self[f"cat_{e.member.pk}"], self[f"reason_{e.member.pk}"]) for e in self.roll]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("held_end") and not data.get("held_start"):
            self.add_error("held_start", _("Record when the meeting opened."))
        return data

    def _moment(self, value: dt.time | None) -> dt.datetime | None:
        if value is None:
            return None
        day = self.cleaned_data["held_date"]
        return timezone.make_aware(dt.datetime.combine(day, value))

    def meeting_data(self, *, open_now: bool = False) -> MeetingData:
        d = self.cleaned_data
        start = timezone.now().replace(second=0, microsecond=0) if open_now else None
        start = start or self._moment(d["held_start"])
        end = self._moment(d["held_end"])
        if start is not None and end is not None and end < start:
            # A meeting that closes after midnight.
            end += dt.timedelta(days=1)
        return MeetingData(
            **{
                **MeetingData.of(self.meeting).__dict__,
                "held_start": start,
                "held_end": end,
                "chair": _person(self.roll, d["chair"]),
                "minute_taker": _person(self.roll, d["minute_taker"]),
                "guests": d["guests"],
            }
        )

    def rows(self) -> list[RollRow]:
        d = self.cleaned_data
        return [
            RollRow(e.member.pk, d[f"cat_{e.member.pk}"], d[f"reason_{e.member.pk}"])
            for e in self.roll
            if d.get(f"cat_{e.member.pk}")
        ]


# --- Minutes -----------------------------------------------------------------------------------
class SpeechForm(forms.Form):
    agenda_item = forms.ChoiceField(label=_("Agenda item"), required=False)
    member = forms.ChoiceField(label=_("Member who spoke"), required=False)
    speaker_name = forms.CharField(
        label=_("Or the name of a guest who spoke"), max_length=150, required=False
    )
    text = forms.CharField(label=_("What was said"), widget=_text(4))

    def __init__(self, *args: Any, roll: Sequence[RollEntry], items: Sequence[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.roll, self.items = roll, {str(i.pk): i for i in items}
        self.fields["member"].choices = people_choices(roll, _("(a guest)"))
        self.fields["agenda_item"].choices = [
            ("", _("(no particular item)")),
            *((pk, f"{i.order}. {i.title}"[:80]) for pk, i in self.items.items()),
        ]

    def member_object(self) -> Member | None:
        return _person(self.roll, self.cleaned_data["member"])

    def item_object(self) -> Any:
        return self.items.get(self.cleaned_data["agenda_item"] or "")


class ResolutionForm(forms.Form):
    text = forms.CharField(label=_("Resolution"), widget=_text(8))
    vote_method = forms.ChoiceField(
        label=_("Vote method"), choices=VoteMethod.choices, widget=forms.RadioSelect
    )
    votes_for = forms.IntegerField(label=_("For"), min_value=0, max_value=10_000)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0, max_value=10_000)
    votes_abstain = forms.IntegerField(label=_("Abstaining"), min_value=0, max_value=10_000)


class AmendForm(forms.Form):
    """A dated amendment of locked minutes: the fields that may change, and why. Only the
    values that differ from the minutes become the amendment."""

    date = forms.DateField(label=_("Date of the amendment"), widget=_date())
    reason = forms.CharField(label=_("Reason for the amendment"), widget=_text(2))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=300, required=False)
    presenter = forms.CharField(label=_("Presenter"), max_length=150, required=False)
    guests = forms.CharField(label=_("Guests"), required=False, widget=_text(2))
    held_start = forms.DateTimeField(label=_("Opened at"), required=False, widget=_datetime())
    held_end = forms.DateTimeField(label=_("Closed at"), required=False, widget=_datetime())
    chair = forms.ChoiceField(label=_("Chair"), required=False)
    minute_taker = forms.ChoiceField(label=_("Minute-taker"), required=False)
    text = forms.CharField(label=_("Resolution"), required=False, widget=_text(6))
    vote_method = forms.ChoiceField(label=_("Vote method"), choices=VoteMethod.choices)
    votes_for = forms.IntegerField(label=_("For"), min_value=0, required=False)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0, required=False)
    votes_abstain = forms.IntegerField(label=_("Abstaining"), min_value=0, required=False)
    roll_member = forms.ChoiceField(label=_("Correct the roll of"), required=False)
    roll_category = forms.ChoiceField(label=_("Attendance"), required=False)
    roll_reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    MEETING = ("place", "topic", "presenter", "guests", "held_start", "held_end")
    PEOPLE = ("chair", "minute_taker")
    RESOLUTION = ("text", "vote_method", "votes_for", "votes_against", "votes_abstain")

    def __init__(
        self,
        *args: Any,
        meeting: Meeting,
        roll: Sequence[RollEntry],
        resolution: Any,
        **kwargs: Any,
    ) -> None:
        initial: dict[str, Any] = {"date": timezone.localdate()}
        for name in self.MEETING:
            value = getattr(meeting, name)
            initial[name] = _local(value) if isinstance(value, dt.datetime) else value
        for name in self.PEOPLE:
            initial[name] = str(getattr(meeting, f"{name}_id") or "")
        if resolution is not None:
            initial.update({name: getattr(resolution, name) for name in self.RESOLUTION})
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.meeting, self.roll, self.resolution = meeting, roll, resolution
        for name in self.PEOPLE:
            self.fields[name].choices = people_choices(roll, _("(choose)"))
        self.fields["roll_member"].choices = people_choices(roll, _("(nobody)"))
        self.fields["roll_category"].choices = [
            ("", "—"),
            *((c, label) for c, label in C.choices if c),
        ]
        if resolution is None:
            for name in self.RESOLUTION:
                del self.fields[name]

    def changes(self) -> dict[str, Any]:
        """``minutes_amend``'s changes: only what differs from the minutes as they stand."""
        d = self.cleaned_data
        changes: dict[str, Any] = {}
        # An empty field keeps the value (the minutes cannot lose a time or a signatory).
        for name in self.MEETING:
            value = d[name]
            if isinstance(value, dt.datetime):
                value = _aware(value)
            if value not in (None, "") and value != getattr(self.meeting, name):
                changes[f"meeting.{name}"] = value
        for name in self.PEOPLE:
            value = int(d[name]) if d[name] else None
            if value is not None and value != getattr(self.meeting, f"{name}_id"):
                changes[f"meeting.{name}"] = value
        if self.resolution is not None:
            for name in self.RESOLUTION:
                value = d[name]
                if value not in (None, "") and value != getattr(self.resolution, name):
                    changes[f"resolution.{name}"] = value
        if d["roll_member"]:
            changes[f"attendance.{d['roll_member']}"] = {
                "category": d["roll_category"],
                "reason": d["roll_reason"],
            }
        return changes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("roll_member") and not data.get("roll_category"):
            self.add_error("roll_category", _("Choose the attendance to record."))
        return data
