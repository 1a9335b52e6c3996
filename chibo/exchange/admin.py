from __future__ import annotations

from django.contrib import admin

from chibo.exchange.models import ImportJob, RegisterSnapshot


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "unit", "created_by", "created_at", "status", "total_rows"]
    list_filter = ["status"]
    exclude = ["rows", "results"]  # personal data, possibly large: read on the import page
    readonly_fields = [
        "unit",
        "created_by",
        "filename",
        "columns",
        "status",
        "total_rows",
        "processed_rows",
        "mode",
        "committed_at",
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RegisterSnapshot)
class RegisterSnapshotAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "quarter", "created_at", "created_by"]
    readonly_fields = ["unit", "year", "quarter", "created_by", "rows"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
