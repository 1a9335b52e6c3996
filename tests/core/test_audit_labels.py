from __future__ import annotations

from types import SimpleNamespace

from django.utils import translation

from chibo.core.templatetags.audit_labels import action_label, field_label


def entry(action: str, object_type: str = "members.member") -> SimpleNamespace:
    return SimpleNamespace(action=action, object_type=object_type)


def test_actions_and_fields_are_shown_in_words() -> None:
    with translation.override("en"):
        assert str(action_label(entry("post.assigned"))) == "Post assigned"
        assert str(action_label(entry("member.event.ceremony"))) == (
            "Event recorded: Admission ceremony"
        )
        assert str(field_label(entry("member.changed"), "birth_date")) == "date of birth"


def test_unknown_keys_are_shown_as_they_are() -> None:
    assert action_label(entry("something.new")) == "something.new"
    assert action_label(entry("member.event.unknown")) == "member.event.unknown"
    assert field_label(entry("x", "members.member"), "file") == "file"
    assert field_label(entry("x", "no.such_model"), "name") == "name"
    assert field_label(entry("x", ""), "name") == "name"


def test_every_action_the_code_writes_has_a_label() -> None:
    """Read the services' sources for the actions they write (``action="…"`` and the
    meetings' ``audit_meeting(actor, "…", …)``): a new action without a label would show as
    its key on the history pages."""
    import re
    from pathlib import Path

    from chibo.core.templatetags.audit_labels import ACTION_LABELS

    pattern = re.compile(r'action="([a-z_]+\.[a-z_.]+)"|audit_meeting\(\s*\w+,\s*"([a-z_.]+)"')
    root = Path(__file__).resolve().parents[2] / "chibo"
    written = {
        a or b
        for path in root.rglob("*.py")
        for a, b in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert {"meeting.attendance_saved", "action_item.reviewed", "member.created"} <= written
    assert sorted(written - set(ACTION_LABELS)) == []
