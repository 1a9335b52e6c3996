from __future__ import annotations

from typing import Any

from django.contrib import admin

from chibo.core.admin import AuditedModelAdmin
from chibo.members.models import Member
from chibo.members.services import member_names


@admin.register(Member)
class MemberAdmin(AuditedModelAdmin):
    list_display = ("full_name", "cell", "status", "sex", "birth_date")
    list_filter = ("status", "sex")
    search_fields = ("full_name", "search_name")
    raw_id_fields = ("cell", "user")
    readonly_fields = ("sort_key", "search_name")
    list_select_related = ("cell",)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        for field, value in member_names(obj.full_name).items():
            setattr(obj, field, value)
        super().save_model(request, obj, form, change)

    def audit_unit(self, obj: Any) -> Any:
        return obj.cell
