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
    "user.deactivated": _("Account deactivated"),
    "user.reactivated": _("Account reactivated"),
    "auth.logout_everywhere": _("Logged out on every device"),
    "auth.otp_enabled": _("Two-factor login turned on"),
    "auth.otp_disabled": _("Two-factor login turned off"),
    "auth.otp_reset": _("Two-factor login reset by an administrator"),
    "auth.recovery_used": _("Logged in with a recovery code"),
    "auth.recovery_regenerated": _("New recovery codes made"),
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
    "ops.backup": _("Backup made"),
    "ops.restored": _("Database restored from a backup"),
    "meeting_day.set": _("Fixed meeting day set"),
    "model_cell.marked": _("Marked as a model cell"),
    "model_cell.unmarked": _("No longer a model cell"),
    "meeting.year_planned": _("Year of meetings planned"),
    "meeting.created": _("Meeting added"),
    "meeting.changed": _("Meeting changed"),
    "meeting.cancelled": _("Meeting cancelled"),
    "meeting.notified": _("Notice of the meeting sent"),
    "meeting.notice_answered": _("Answer to the notice"),
    "meeting.agenda_built": _("Agenda built"),
    "meeting.agenda_item_saved": _("Agenda item saved"),
    "meeting.agenda_item_deleted": _("Agenda item deleted"),
    "meeting.agenda_item_moved": _("Agenda item moved"),
    "meeting.attendance_saved": _("Roll call saved"),
    "meeting.speech_added": _("Speech recorded"),
    "meeting.resolution_saved": _("Resolution saved"),
    "meeting.locked": _("Minutes approved and locked"),
    "meeting.minutes_amended": _("Minutes amended"),
    "agenda_template.saved": _("Agenda template saved"),
    "agenda_template.withdrawn": _("Agenda template withdrawn"),
    "agenda_template.deleted": _("Agenda template deleted"),
    "action_item.created": _("Action item created"),
    "report.target_set": _("Report target set"),
    "report.target_removed": _("Report target removed"),
    "report.exported": _("Report exported"),
    "action_item.changed": _("Action item changed"),
    "action_item.reviewed": _("Action item reviewed"),
    "household.created": _("Household added"),
    "household.changed": _("Household changed"),
    "household.deactivated": _("Household no longer followed"),
    "household.assigned": _("Household assigned to a member"),
    "household.assignment_ended": _("Household assignment ended"),
    "household.contact_logged": _("Contact with a household logged"),
    "document_study.recorded": _("Study of a document recorded"),
    "document_study.changed": _("Study of a document changed"),
    "auth.login_failed": _("Failed login"),
    "access.denied": _("Access denied"),
    "audit.exported": _("Audit trail exported"),
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
