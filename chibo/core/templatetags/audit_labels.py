"""Audit entries in words: ``{{ entry|action_label }}`` and ``{{ entry|field_label:name }}``.

The trail stores stable keys ("post.assigned", "birth_date") so that it reads the same in any
language and after a model's labels change; the pages show the labels in the reader's language.
A key without a label is shown as it is (never hidden).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTION_LABELS: dict[str, Any] = {
    "user.created": _("Account created"),
    "user.password_changed": _("Password changed"),
    "user.language_changed": _("Language changed"),
    "apitoken.created": _("API token created"),
    "apitoken.revoked": _("API token revoked"),
    "orgunit.created": _("Unit created"),
    "orgunit.changed": _("Unit changed"),
    "post.assigned": _("Post assigned"),
    "post.ended": _("Post ended"),
    "grant.added": _("Access given"),
    "grant.removed": _("Access removed"),
    "member.created": _("Record created"),
    "member.changed": _("Record changed"),
    "member.viewed": _("Full record viewed"),
    "member.login_linked": _("Login linked to the record"),
    "member.imported": _("Record imported from a file"),
    "member.event.voided": _("Event voided"),
    "exchange.members_imported": _("Members imported"),
    "exchange.register_exported": _("Register exported"),
    "exchange.register_snapshot": _("Register snapshot saved"),
    "demo.seeded": _("Demo data created"),
}


@register.filter
def action_label(entry: Any) -> Any:
    action = str(getattr(entry, "action", entry))
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    if action.startswith("member.event."):
        from chibo.members.models import EventKind

        kind = action.removeprefix("member.event.")
        if kind in EventKind.values:
            return _("Event recorded: %(kind)s") % {"kind": EventKind(kind).label}
    return action


@register.filter
def field_label(entry: Any, name: str) -> Any:
    """The verbose name of field ``name`` of the entry's object type, else the name."""
    try:
        model = apps.get_model(str(entry.object_type))
        return model._meta.get_field(name).verbose_name
    except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
        return name
