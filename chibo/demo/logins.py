"""The demo's logins: one user per role, on units chosen so that scope can be shown.

Users are written through the account and org services, so their creation, grants and links are
audited like any other; they are kept across ``--reset`` (their grants and links are renewed).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from chibo.accounts.models import User
from chibo.accounts.services import user_create, user_set_password
from chibo.core.roles import Role
from chibo.demo.plan import DEMO_COMMUNE, OUTSIDER_COMMUNE, REAL_ROOT_CODE, commune_code
from chibo.members.models import Member, MemberStatus
from chibo.members.services import member_link_user
from chibo.orgunits.models import OrgUnit, Post, PostKind
from chibo.orgunits.services import grant_add

# Names of where the password is kept, not passwords.
PASSWORD_ENV = "CHIBO_DEMO_PASSWORD"  # noqa: S105
PASSWORD_FILE = "demo-password.txt"  # noqa: S105
SECRETARY_PHONE = "0912345678"
MEMBER_PHONE = "0987654321"
USERNAMES = ("admin", "province", "commune", "secretary", "member", "outsider")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    unit: str
    phone: str = ""


def password_file() -> Path:
    return Path(settings.VAR_DIR) / PASSWORD_FILE


def demo_password() -> tuple[str, str]:
    """The demo password and where it came from: the environment, the saved file, or new.

    A new one is saved (mode 0600) so that every later run, and the person reading the output,
    get the same one.
    """
    from_env = os.environ.get(PASSWORD_ENV, "").strip()
    if from_env:
        return from_env, "env"
    path = password_file()
    if path.exists():
        saved = path.read_text(encoding="utf-8").strip()
        if saved:
            return saved, "file"
    password = secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    os.chmod(path, 0o600)  # the file may have existed (empty) with a wider mode
    return password, "new"


def _current(unit: OrgUnit, kind: str) -> set[int]:
    posts = Post.objects.filter(unit=unit, kind=kind, end_date__isnull=True)
    return set(posts.values_list("member_id", flat=True))


def unified_cell(commune: OrgUnit) -> tuple[OrgUnit, Member]:
    """The first cell of ``commune`` whose secretary is also its village head, and that person."""
    for cell in OrgUnit.objects.filter(path__startswith=commune.path, depth=commune.depth + 1):
        both = _current(cell, PostKind.SECRETARY) & _current(cell, PostKind.VILLAGE_HEAD)
        if both:
            return cell, Member.objects.get(pk=min(both))
    raise LookupError(f"No cell of {commune} has a secretary who is also the village head.")


def plain_member(cell: OrgUnit) -> Member:
    """An official member of ``cell`` who holds no post and has never held one, and who is
    neither exempt nor away (the login shows an ordinary member)."""
    members = Member.objects.filter(
        cell=cell,
        status=MemberStatus.OFFICIAL,
        posts__isnull=True,
        exempt_from__isnull=True,
        temporary_cell__isnull=True,
    )
    member = members.order_by("pk").first()
    if member is None:
        raise LookupError(f"{cell} has no member without a post.")
    return member


def _ensure_user(
    username: str, full_name: str, password: str, *, phone: str = "", superuser: bool = False
) -> User:
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        # Another account may hold the phone already (phone numbers are unique logins).
        if phone and User.objects.filter(phone=phone).exists():
            phone = ""
        return user_create(
            actor=None,
            username=username,
            full_name=full_name,
            password=password,
            phone=phone,
            is_superuser=superuser,
        )
    changed = []
    wanted = {"full_name": full_name, "is_active": True}
    if superuser:
        wanted.update(is_superuser=True, is_staff=True)
    for name, value in wanted.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user.save(update_fields=changed)
    if not user.check_password(password):
        user_set_password(actor=None, user=user, password=password)
    return user


def _link(member: Member, user: User) -> None:
    """Make ``member`` the one record linked to ``user`` (a reset gives new member rows)."""
    Member.objects.filter(user=user).exclude(pk=member.pk).update(user=None)
    if member.user_id != user.pk:
        member_link_user(actor=None, member=member, user=user)
    if user.phone and member.phone != user.phone:
        Member.objects.filter(pk=member.pk).update(phone=user.phone)


@transaction.atomic
def ensure_demo_logins(password: str) -> list[DemoLogin]:
    """Create the demo users that are missing, renew their grants and links, and make their
    password ``password``. Needs the real demo to exist."""
    root = OrgUnit.objects.get(code=REAL_ROOT_CODE)
    commune = OrgUnit.objects.get(code=commune_code(DEMO_COMMUNE))
    other = OrgUnit.objects.get(code=commune_code(OUTSIDER_COMMUNE))
    cell, secretary = unified_cell(commune)
    member = plain_member(cell)
    head = "trưởng bản" if " bản " in f" {cell.name.lower()} " else "trưởng thôn"

    _ensure_user("admin", "Quản trị hệ thống", password, superuser=True)
    province_user = _ensure_user("province", "Nguyễn Thị Thu Hà", password)
    grant_add(actor=None, user=province_user, unit=root, role=Role.PROVINCE_BOARD)
    commune_user = _ensure_user("commune", "Lò Văn Thanh", password)
    grant_add(actor=None, user=commune_user, unit=commune, role=Role.COMMUNE_COMMITTEE)
    secretary_user = _ensure_user("secretary", secretary.full_name, password, phone=SECRETARY_PHONE)
    _link(secretary, secretary_user)
    member_user = _ensure_user("member", member.full_name, password, phone=MEMBER_PHONE)
    _link(member, member_user)
    outsider = _ensure_user("outsider", "Tẩn Thị Mẩy", password)
    grant_add(actor=None, user=outsider, unit=other, role=Role.COMMUNE_COMMITTEE)
    return [
        DemoLogin("admin", "Quản trị hệ thống / System administrator", "Toàn hệ thống / All"),
        DemoLogin("province", "Ban Tổ chức Tỉnh ủy / Provincial organisation board", root.name),
        DemoLogin("commune", "Đảng ủy xã / Commune party committee", commune.name),
        DemoLogin(
            "secretary",
            f"Bí thư kiêm {head} (nhất thể hóa) / Secretary + village head",
            cell.name,
            secretary_user.phone or "",
        ),
        DemoLogin("member", "Đảng viên / Party member", cell.name, member_user.phone or ""),
        DemoLogin("outsider", "Đảng ủy xã khác / Another commune's committee (scope)", other.name),
    ]
