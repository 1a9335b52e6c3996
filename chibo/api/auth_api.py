from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from chibo.accounts import otp
from chibo.accounts.services import api_token_create, api_token_revoke
from chibo.api.errors import ApiError
from chibo.api.schemas import ErrorOut, MeOut, RoleOut, TokenIn, TokenOut, UnitOut
from chibo.api.serialize import units_out
from chibo.core.access import access_for_user
from chibo.orgunits.models import OrgUnit
from chibo.orgunits.selectors import unit_roots

router = Router(tags=["auth"])


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    summary="Exchange a username (or phone) and password for a bearer token",
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    # Through authenticate(): django-axes counts failures and locks the (account, IP) pair.
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise ApiError(
            401,
            _("The username (or phone number) or the password is wrong."),
            "invalid_credentials",
        )
    # The second factor, as at the web login: a token must not be a way around it.
    if otp.user_has_otp(user):
        if not payload.otp.strip():
            raise ApiError(
                401,
                _("This account uses two-factor login: send the code of its app in “otp”."),
                "otp_required",
            )
        check = otp.code_check(user, payload.otp)
        if not check.ok:
            raise ApiError(429 if check.locked_until else 401, check.error, "invalid_otp")
    elif otp.otp_required_for(user=user, access=access_for_user(user)):
        raise ApiError(
            403,
            _("Set up two-factor login on the website first; then ask for a token with its code."),
            "otp_setup_required",
        )
    token, raw = api_token_create(user=user, name=payload.name)
    return Status(201, {"token": raw, "expires_at": token.expires_at})


@router.delete(
    "/auth/token",
    response={204: None, 401: ErrorOut},
    summary="Revoke the token used for this request",
)
def token_revoke(request: HttpRequest) -> Status[None]:
    api_token_revoke(actor=request.user, token=request.api_token)  # type: ignore[attr-defined]
    return Status(204, None)


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="The caller, roles and units")
def me(request: HttpRequest) -> dict[str, object]:
    access = request.access  # type: ignore[attr-defined]
    user = request.user
    unit_ids = {line.unit_id for line in access.lines}
    names = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    roles = [
        RoleOut(
            unit_id=line.unit_id,
            unit_name=names.get(line.unit_id, ""),
            role=line.role,
            source=line.source,
        )
        for line in access.lines
    ]
    units: list[UnitOut] = units_out(unit_roots(access=access))
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": getattr(user, "full_name", ""),
        "member_id": access.member_id,
        "language": getattr(user, "language", ""),
        "roles": roles,
        "units": units,
    }
