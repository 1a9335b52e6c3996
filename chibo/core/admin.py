from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from chibo.core.audit import audit_record, diff, snapshot
from chibo.core.models import AuditEntry, Holiday


def _fields(obj: models.Model) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if f.name not in {"id", "password", "path"}]


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin writes leave the same audit entries as the services ("admin.<model>.changed")."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before: dict[str, Any] = {}
        if change:
            before = snapshot(type(obj)._base_manager.get(pk=obj.pk), _fields(obj))
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            action = "changed" if change else "created"
            audit_record(
                actor=request.user,
                action=f"admin.{obj._meta.model_name}.{action}",
                obj=obj,
                unit=self.audit_unit(obj),
                changes=diff(before, snapshot(obj, _fields(obj))),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action=f"admin.{obj._meta.model_name}.deleted",
                obj=obj,
                unit=self.audit_unit(obj),
                changes=diff(snapshot(obj, _fields(obj)), {}),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def audit_unit(self, obj: Any) -> Any:
        return getattr(obj, "unit", None)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes the trail, not even an administrator."""

    list_display = ("created_at", "actor_name", "action", "object_repr", "unit")
    list_filter = ("action",)
    search_fields = ("object_repr", "actor_name", "action")
    list_select_related = ("unit",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Holiday)
class HolidayAdmin(AuditedModelAdmin):
    """Public holidays: update every year from the government's decision."""

    list_display = ("date", "name")
    date_hierarchy = "date"
    search_fields = ("name",)
