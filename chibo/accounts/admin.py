from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chibo.accounts.models import ApiToken, User
from chibo.accounts.otp import otp_reset
from chibo.accounts.services import user_api_tokens_revoke, user_sessions_revoke
from chibo.core.admin import AuditedModelAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    list_display = ("username", "full_name", "phone", "is_active", "is_superuser")
    search_fields = ("username", "full_name", "phone")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "full_name", "phone", "password1", "password2")}),
    )
    actions = ("reset_two_factor",)

    @admin.action(description=_("Reset two-factor login"), permissions=("change",))
    def reset_two_factor(self, request: HttpRequest, queryset: Any) -> None:
        """A lost phone and lost recovery codes: delete the devices (audited, auth.otp_reset)."""
        count = 0
        for user in queryset:
            otp_reset(actor=request.user, user=user)
            count += 1
        self.message_user(
            request,
            _(
                "Two-factor login reset for %(count)s account(s); they set it up again at next "
                "login."
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and "is_active" in form.changed_data and not obj.is_active:
                # Deactivated here as by user_deactivate: sessions end, API tokens revoked.
                user_sessions_revoke(obj)
                user_api_tokens_revoke(obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "expires_at", "revoked_at")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "key_hash",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
