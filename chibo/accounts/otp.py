"""Two-factor login (TOTP, django-otp): who must use it, enrolment, verification, recovery codes.

A user enrols one authenticator app (a confirmed ``TOTPDevice``) and gets ten single-use recovery
codes (one ``StaticDevice`` holding ``StaticToken`` rows). At login, a user with a confirmed
authenticator gives a code after the password; ``django_otp.login`` then marks the session as
verified (``request.user.is_verified()``). With ``CHIBO_2FA_REQUIRED`` on, the users who can
change or export data at commune level and above (and staff) must enrol: ``OTPRequiredMiddleware``
sends them to the enrolment page, and an unverified session of an enrolled user to the verify page.
See docs/decisions/0017-two-factor.md.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from chibo.core.access import Access, access_for_user
from chibo.core.audit import audit_record
from chibo.core.roles import CAPABILITIES, Cap

# The capabilities that change data or let data out of Chibo. Holding one of them on a unit at
# commune level or above makes two-factor login compulsory (when CHIBO_2FA_REQUIRED is on).
# member.view and report.view are here because they open the member export (chibo.exchange)
# and the report exports (chibo.reports.views_exports); unit.view, meeting.view and audit.view
# only read, on screen.
SENSITIVE_CAPABILITIES: frozenset[str] = frozenset(
    {
        Cap.UNIT_CHANGE,
        Cap.POST_MANAGE,
        Cap.GRANT_MANAGE,
        Cap.MEMBER_VIEW,  # exchange: export of the member list
        Cap.MEMBER_CHANGE,  # records, events, exchange import
        Cap.MEETING_CHANGE,
        Cap.MEETING_CONFIGURE,
        Cap.REPORT_VIEW,  # report exports (XLSX/DOCX)
        Cap.REPORT_TARGET,
    }
)
# Unit kinds at commune level and above (chibo.orgunits.models.UnitKind; a grassroots
# organisation is commune level, as post_role treats it).
HIGH_LEVEL_KINDS: frozenset[str] = frozenset({"province", "district", "commune", "grassroots"})

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"
PENDING_SESSION_KEY = "chibo_otp_pending"
PENDING_MAX_AGE_SECONDS = 10 * 60


# --- Who must -------------------------------------------------------------------------------


def otp_required_for(*, user: Any, access: Access) -> bool:
    """Must ``user`` use two-factor login? At most one small query, none for a plain member."""
    if not settings.CHIBO_2FA_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    unit_ids = {
        line.unit_id for line in access.lines if CAPABILITIES[line.role] & SENSITIVE_CAPABILITIES
    }
    if not unit_ids:
        return False
    from chibo.orgunits.models import OrgUnit

    # The units of the user's own grants, read unscoped as access_for_user reads them: they
    # are what defines the scope.
    with scopes_disabled():
        return OrgUnit.objects.filter(pk__in=unit_ids, kind__in=HIGH_LEVEL_KINDS).exists()


def otp_required_for_request(request: HttpRequest) -> bool:
    """``otp_required_for`` for the request's user, computed once per request."""
    cached = getattr(request, "_chibo_otp_required", None)
    if cached is None:
        access = getattr(request, "access", None) or access_for_user(request.user)
        cached = otp_required_for(user=request.user, access=access)
        request._chibo_otp_required = cached  # type: ignore[attr-defined]
    return cached


# --- Devices --------------------------------------------------------------------------------


def totp_device_for(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def user_has_otp(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_of(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it: base32, without padding."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def secret_groups(device: TOTPDevice) -> list[str]:
    """The secret in groups of four letters, easier to type by hand."""
    secret = secret_of(device)
    return [secret[i : i + 4] for i in range(0, len(secret), 4)]


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (attributes only, no style: CSP)."""
    qr = segno.make(device.config_url, error="m")
    return str(qr.svg_inline(scale=4, dark="#000", light="#fff", title=_("QR code to scan")))


def format_recovery_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def normalize_code(raw: str) -> str:
    """Spaces and dashes out, lower case (recovery codes are shown as ``abcd-efgh``)."""
    return "".join(ch for ch in raw.strip().lower() if ch not in " -\u00a0")


def _new_recovery_codes(device: StaticDevice) -> list[str]:
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return [format_recovery_code(c) for c in codes]


# --- Verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking one code: the device that accepted it, or why not."""

    device: TOTPDevice | StaticDevice | None
    error: str = ""
    locked_until: datetime | None = None  # set when refused untried, during the throttle delay

    @property
    def ok(self) -> bool:
        return self.device is not None


def _throttled(device: TOTPDevice | StaticDevice) -> datetime | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    return (data or {}).get("locked_until")


def _locked_message(until: datetime | None) -> str:
    seconds = max(1, int((until.timestamp() - time.time()) + 0.999)) if until else 1
    return _(
        "Too many wrong codes. Wait %(seconds)s seconds, then enter the newest code from your app."
    ) % {"seconds": seconds}


@transaction.atomic
def _check_on(device: TOTPDevice | StaticDevice, token: str) -> CodeCheck:
    # Lock the row: two parallel guesses must not both slip past the throttle.
    device = type(device).objects.select_for_update().get(pk=device.pk)
    locked_until = _throttled(device)
    if locked_until is not None:
        return CodeCheck(None, _locked_message(locked_until), locked_until)
    if device.verify_token(token):
        return CodeCheck(device)
    return CodeCheck(
        None, _("This code is not right. Check the time on your phone and try the newest code.")
    )


def totp_check(device: TOTPDevice, raw: str) -> CodeCheck:
    """Check a six-digit code from the authenticator (throttled by django-otp)."""
    token = normalize_code(raw)
    if not (token.isdigit() and len(token) == device.digits):
        return CodeCheck(None, _("Enter the 6-digit code shown in your authenticator app."))
    return _check_on(device, token)


def code_check(user: Any, raw: str) -> CodeCheck:
    """A login code: six digits from the authenticator, or one recovery code (used up)."""
    token = normalize_code(raw)
    if token.isdigit() and len(token) == 6:
        device = totp_device_for(user)
        if device is None:
            return CodeCheck(None, _("Two-factor login is not set up for this account."))
        return totp_check(device, token)
    if len(token) != 8:
        return CodeCheck(
            None, _("Enter the 6-digit code from your app, or one recovery code (8 letters).")
        )
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is None:
        return CodeCheck(None, _("This recovery code is not right."))
    check = _check_on(recovery, token)
    if not check.ok and check.locked_until is None:
        return CodeCheck(None, _("This recovery code is not right, or it was used already."))
    if check.ok:
        audit_record(
            actor=user,
            action="auth.recovery_used",
            obj=user,
            changes={"recovery_codes_left": [None, recovery_codes_left(user)]},
        )
    return check


# --- Services -------------------------------------------------------------------------------


def otp_setup_device(*, user: Any) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (the same one on every reload of the page)."""
    if user_has_otp(user):
        raise ValidationError(_("Two-factor login is already on."), code="otp_already_on")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def otp_enable(*, request: HttpRequest, user: Any, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the authenticator with its first code; return the ten recovery codes (once)."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError(_("Start the set-up again."), code="otp_stale")
    # The code is checked in its own transaction: a wrong one must count for the throttle
    # even though this service then raises.
    check = totp_check(device, code)
    if not check.ok:
        raise ValidationError(check.error, code="otp_wrong_code")
    with transaction.atomic():
        device = check.device
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = _new_recovery_codes(recovery)
        audit_record(actor=user, action="auth.otp_enabled", obj=user)
    otp_login(request, device)
    return codes


def _current_code(user: Any, code: str) -> TOTPDevice:
    """The user's authenticator, after checking a current code from it (own transaction)."""
    device = totp_device_for(user)
    if device is None:
        raise ValidationError(_("Two-factor login is not on."), code="otp_off")
    check = totp_check(device, code)
    if not check.ok:
        raise ValidationError(check.error, code="otp_wrong_code")
    return device


def otp_recovery_regenerate(*, actor: Any, user: Any, code: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working); needs a current authenticator code."""
    _current_code(user, code)
    with transaction.atomic():
        recovery, _created = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        codes = _new_recovery_codes(recovery)
        audit_record(actor=actor, action="auth.recovery_regenerated", obj=user)
    return codes


def _delete_devices(user: Any) -> int:
    """Delete the user's authenticators and recovery codes; the number of devices deleted."""
    _total, totp = TOTPDevice.objects.filter(user=user).delete()
    _total, static = StaticDevice.objects.filter(user=user).delete()
    return totp.get(TOTPDevice._meta.label, 0) + static.get(StaticDevice._meta.label, 0)


def otp_disable(*, actor: Any, user: Any, code: str) -> None:
    """Turn two-factor login off: only for a user who is not required to use it."""
    if otp_required_for(user=user, access=access_for_user(user)):
        raise PermissionDenied(_("Your roles require two-factor login; it cannot be turned off."))
    _current_code(user, code)
    with transaction.atomic():
        _delete_devices(user)
        audit_record(actor=actor, action="auth.otp_disabled", obj=user)


@transaction.atomic
def otp_reset(*, actor: Any, user: Any) -> bool:
    """An administrator's reset (lost phone and codes): delete every device of ``user``.

    The user logs in with the password alone next time and, if required, enrols again. Returns
    whether there was anything to delete; audited either way, so a reset is always on record.
    """
    deleted = _delete_devices(user)
    audit_record(actor=actor, action="auth.otp_reset", obj=user, changes={"devices": [deleted, 0]})
    return deleted > 0


# --- Login's pending second step --------------------------------------------------------------


def pending_start(request: HttpRequest, user: Any, next_url: str) -> None:
    """Remember that ``user`` gave the right password; the session is not logged in yet."""
    request.session[PENDING_SESSION_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "next": next_url,
        "at": time.time(),
    }


def pending_get(request: HttpRequest) -> dict[str, Any] | None:
    data = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("at", 0)) > PENDING_MAX_AGE_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    return data


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)


# --- Enforcement ----------------------------------------------------------------------------


def _exempt_prefixes() -> tuple[str, ...]:
    return (
        reverse("accounts:otp_setup"),
        reverse("accounts:otp_verify"),
        reverse("accounts:logout"),
        reverse("accounts:set_language"),
        reverse("accounts:login"),
        "/" + settings.STATIC_URL.lstrip("/"),
        "/api/",
    )


class OTPRequiredMiddleware:
    """Sends an unverified session where it must go first: enrolment, or the verify page.

    After ``ScopeMiddleware`` (it reads ``request.access``). A verified session costs nothing
    here beyond django-otp's own device lookup; with CHIBO_2FA_REQUIRED off it does nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = self._target(request)
        if target is None:
            return self.get_response(request)
        if getattr(request, "htmx", False):
            from django_htmx.http import HttpResponseClientRedirect

            return HttpResponseClientRedirect(target)
        return redirect(target)

    def _target(self, request: HttpRequest) -> str | None:
        if not settings.CHIBO_2FA_REQUIRED:
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        if self._exempt is None:
            self._exempt = _exempt_prefixes()
        if request.path.startswith(self._exempt):
            return None
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and is_verified():
            return None
        if user_has_otp(user):
            return reverse("accounts:otp_verify")
        if otp_required_for_request(request):
            return reverse("accounts:otp_setup")
        return None
