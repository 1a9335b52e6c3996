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
