"""Two-factor login pages: the code after the password, enrolment, recovery codes, turning off.

The services and the rules are in chibo.accounts.otp; these views only ask for a code and show
the outcome. Every page is the user's own account: there is no other user's object to reach.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import check_for_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from chibo.accounts import otp
from chibo.accounts.models import User


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        strip=True,
        error_messages={"required": gettext_lazy("Enter the code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, digits_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if digits_only:
            self.fields["code"].widget.attrs.update({"inputmode": "numeric", "maxlength": "6"})
            self.fields["code"].help_text = _("The 6 digits your authenticator app shows now.")
        else:
            self.fields["code"].help_text = _(
                "The 6 digits your authenticator app shows now, or one of your recovery codes."
            )


def _error(form: forms.Form, error: ValidationError) -> None:
    form.add_error("code", error.messages)


def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of login (or of an unverified session of an enrolled user)."""
    pending = None
    user: Any
    if request.user.is_authenticated:
        user = request.user
        if user.is_verified():
            return redirect("home")
    else:
        pending = otp.pending_get(request)
        user = (
            User.objects.filter(pk=pending["user_id"], is_active=True).first() if pending else None
        )
        if user is None:
            otp.pending_clear(request)
            messages.info(request, _("Please log in again."))
            return redirect("accounts:login")
    if not otp.user_has_otp(user):
        # Reset by an administrator between the two steps: the password was right, carry on.
        return _finish(request, user, pending, device=None)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = otp.code_check(user, form.cleaned_data["code"])
        if check.ok:
            return _finish(request, user, pending, device=check.device)
        form.add_error("code", check.error)
    return render(request, "accounts/otp_verify.html", {"form": form})


def _finish(request: HttpRequest, user: Any, pending: dict[str, Any] | None, device: Any) -> Any:
    from chibo.accounts.views import _set_language_cookie

    next_url = "home"
    if pending is not None:
        auth_login(request, user, backend=pending["backend"])
        otp.pending_clear(request)
        next_url = pending.get("next") or "home"
    if device is not None:
        otp_login(request, device)
    if isinstance(device, StaticDevice):
        left = otp.recovery_codes_left(user)
        messages.warning(
            request,
            _(
                "You logged in with a recovery code; it cannot be used again. %(left)s codes "
                "are left: make new ones on the two-factor login page if you are running out."
            )
            % {"left": left},
        )
    response = redirect(next_url)
    language = getattr(user, "language", "")
    if pending is not None and language and check_for_language(language):
        _set_language_cookie(response, language)
    return response


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: scan or type the secret, confirm with the first code."""
    if otp.user_has_otp(request.user):
        return redirect("accounts:otp_manage")
    device = otp.otp_setup_device(user=request.user)
    form = CodeForm(request.POST or None, digits_only=True)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.otp_enable(
                request=request, user=request.user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            _error(form, error)
        else:
            return _codes_page(request, codes, first_time=True)
    context = {
        "form": form,
        "qr_svg": otp.qr_svg(device),
        "secret_groups": otp.secret_groups(device),
        "required": otp.otp_required_for_request(request),
    }
    return render(request, "accounts/otp_setup.html", context)


def _codes_page(request: HttpRequest, codes: list[str], *, first_time: bool) -> HttpResponse:
    response = render(
        request, "accounts/otp_codes.html", {"codes": codes, "first_time": first_time}
    )
    # Shown once: never from a cache, never again from the browser's history.
    response["Cache-Control"] = "no-store"
    return response


def _manage_page(
    request: HttpRequest,
    regenerate_form: CodeForm | None = None,
    disable_form: CodeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    enabled = otp.user_has_otp(user)
    context = {
        "enabled": enabled,
        "required": otp.otp_required_for_request(request),
        "codes_left": otp.recovery_codes_left(user) if enabled else 0,
        "regenerate_form": regenerate_form or CodeForm(digits_only=True, prefix="regenerate"),
        "disable_form": disable_form or CodeForm(digits_only=True, prefix="disable"),
        "required_setting": settings.CHIBO_2FA_REQUIRED,
    }
    return render(request, "accounts/otp_manage.html", context, status=status)


@login_required
def otp_manage(request: HttpRequest) -> HttpResponse:
    return _manage_page(request)


@login_required
@require_POST
def otp_recovery(request: HttpRequest) -> HttpResponse:
    """New recovery codes; needs a current authenticator code."""
    form = CodeForm(request.POST, digits_only=True, prefix="regenerate")
    if form.is_valid():
        try:
            codes = otp.otp_recovery_regenerate(
                actor=request.user, user=request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            _error(form, error)
        else:
            return _codes_page(request, codes, first_time=False)
    return _manage_page(request, regenerate_form=form, status=400)


@login_required
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor login off (only when the user's roles do not require it)."""
    form = CodeForm(request.POST, digits_only=True, prefix="disable")
    if form.is_valid():
        try:
            otp.otp_disable(actor=request.user, user=request.user, code=form.cleaned_data["code"])
        except PermissionDenied as error:
            # The form is not on the page for such a user: say it at the top.
            messages.error(request, str(error))
        except ValidationError as error:
            _error(form, error)
        else:
            messages.success(request, _("Two-factor login is off."))
            return redirect("accounts:otp_manage")
    return _manage_page(request, disable_form=form, status=400)
