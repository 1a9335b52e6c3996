from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chibo.accounts import otp
from chibo.accounts.forms import LoginForm
from chibo.accounts.models import User
from chibo.accounts.services import (
    user_logout_everywhere,
    user_set_language,
    user_set_password,
)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        if otp.user_has_otp(user):
            # Second step: the session is logged in only after the code (views_otp.otp_verify).
            otp.pending_start(self.request, user, self.get_success_url())
            return redirect("accounts:otp_verify")
        response = super().form_valid(form)
        language = self.request.user.language
        if language and check_for_language(language):
            _set_language_cookie(response, language)
        return response


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        httponly=True,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered by cookie and, once logged in, on the account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        _set_language_cookie(response, language)
        if request.user.is_authenticated:
            user_set_language(actor=request.user, user=request.user, language=language)
    return response


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_set_password(
            actor=request.user, user=request.user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


@require_POST
@login_required
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the user: other phones and computers, and this one."""
    user = cast(User, request.user)  # login_required
    user_logout_everywhere(actor=user, user=user)
    logout(request)
    messages.success(request, _("You have been logged out on every device."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


def lockout(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """What django-axes answers after too many wrong passwords (HTTP 429, plain words)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many wrong attempts. For your safety this account is paused on this device for "
        "%(minutes)s minutes. Please wait, then try again, or ask your party committee to "
        "reset your password."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message, "code": "locked_out", "fields": {}}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)
