"""Roles are sets of capabilities, defined in code; a grant gives a role on a unit and below."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("Party member")
    CELL_COMMITTEE = "cell_committee", _("Cell committee member")
    CELL_DEPUTY = "cell_deputy", _("Cell deputy secretary")
    CELL_SECRETARY = "cell_secretary", _("Cell secretary")
    COMMUNE_COMMITTEE = "commune_committee", _("Commune party committee")
    PROVINCE_BOARD = "province_board", _("Provincial organisation board")


class Cap:
    """Capability names, checked with ``access.can(Cap.X, unit)``."""

    UNIT_VIEW = "unit.view"
    UNIT_CHANGE = "unit.change"
    POST_MANAGE = "post.manage"
    GRANT_MANAGE = "grant.manage"
    MEMBER_VIEW = "member.view"
    MEMBER_CHANGE = "member.change"
    AUDIT_VIEW = "audit.view"
    # Meetings (chibo.meetings): see the cell's meetings and answer a notice for oneself;
    # plan, prepare, call the roll, write and lock the minutes; set the cells' fixed meeting
    # day, mark model cells and publish agenda templates (the commune).
    MEETING_VIEW = "meeting.view"
    MEETING_CHANGE = "meeting.change"
    MEETING_CONFIGURE = "meeting.configure"
    # Reports (chibo.reports): the dashboards and exports of a unit; setting its targets.
    REPORT_VIEW = "report.view"
    REPORT_TARGET = "report.target"


CAPABILITY_NAMES = tuple(v for k, v in vars(Cap).items() if k.isupper())

_CELL_LEADER = {
    Cap.UNIT_VIEW,
    Cap.MEMBER_VIEW,
    Cap.MEMBER_CHANGE,
    Cap.AUDIT_VIEW,
    Cap.MEETING_VIEW,
    Cap.MEETING_CHANGE,
    Cap.REPORT_VIEW,
}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.MEMBER: frozenset({Cap.UNIT_VIEW, Cap.MEETING_VIEW}),
    Role.CELL_COMMITTEE: frozenset(
        {Cap.UNIT_VIEW, Cap.MEMBER_VIEW, Cap.MEETING_VIEW, Cap.REPORT_VIEW}
    ),
    Role.CELL_DEPUTY: frozenset(_CELL_LEADER),
    Role.CELL_SECRETARY: frozenset(_CELL_LEADER),
    Role.COMMUNE_COMMITTEE: frozenset(
        _CELL_LEADER
        | {
            Cap.UNIT_CHANGE,
            Cap.POST_MANAGE,
            Cap.GRANT_MANAGE,
            Cap.MEETING_CONFIGURE,
            Cap.REPORT_TARGET,
        }
    ),
    # Read-mostly: the province sees everything below it and keeps the tree itself.
    Role.PROVINCE_BOARD: frozenset(
        {
            Cap.UNIT_VIEW,
            Cap.MEMBER_VIEW,
            Cap.AUDIT_VIEW,
            Cap.UNIT_CHANGE,
            Cap.GRANT_MANAGE,
            Cap.MEETING_VIEW,
            Cap.REPORT_VIEW,
            Cap.REPORT_TARGET,
        }
    ),
}
