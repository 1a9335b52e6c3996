from __future__ import annotations

from typing import Any

from django.contrib import admin

from chibo.core.admin import AuditedModelAdmin
from chibo.orgunits.models import Grant, OrgUnit, Post


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedModelAdmin):
    """Units are created through the site (treebeard keeps paths); here they can be corrected."""

    list_display = ("name", "kind", "code", "depth", "valid_to")
    list_filter = ("kind", "depth")
    search_fields = ("name", "code")
    readonly_fields = ("path", "depth", "numchild", "sort_key", "search_name")
    ordering = ("path",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def audit_unit(self, obj: Any) -> Any:
        return obj


@admin.register(Post)
class PostAdmin(AuditedModelAdmin):
    list_display = ("member", "kind", "unit", "start_date", "end_date")
    list_filter = ("kind",)
    raw_id_fields = ("unit", "member")
    list_select_related = ("member", "unit")


@admin.register(Grant)
class GrantAdmin(AuditedModelAdmin):
    list_display = ("user", "role", "unit", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "unit")
    list_select_related = ("user", "unit")
