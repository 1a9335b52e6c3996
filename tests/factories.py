"""Test data built through the services (so every fixture row is also audited, as in real use).

``build_world()`` makes a small tree with one user per role and an outsider:

    Đảng bộ tỉnh Thử (province)                 <- province  (grant province_board)
    ├── Đảng bộ xã Nậm Tăm (commune A)           <- commune   (grant commune_committee)
    │   ├── Chi bộ bản Nà Tăm (cell A1)          <- secretary (post: secretary + village head)
    │   │                                        <- member    (plain member of A1)
    │   └── Chi bộ bản Pá Khoang (cell A2)       <- secretary2 (post: secretary of A2)
    └── Đảng bộ xã Mường So (commune B)          <- outsider  (grant commune_committee on B)
        └── Chi bộ bản Hua Bum (cell B1)
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django_scopes import scopes_disabled

from chibo.accounts.models import User
from chibo.accounts.services import user_create
from chibo.core.roles import Role
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind, Member, Sex
from chibo.members.services import RecordData, member_create
from chibo.orgunits.models import OrgUnit, PostKind, UnitKind
from chibo.orgunits.services import UnitData, grant_add, post_assign, unit_create, unit_create_root

PASSWORD = "demo-Pass-2026"
_codes = itertools.count(1)


def make_unit(parent: OrgUnit | None, name: str, kind: str) -> OrgUnit:
    data = UnitData(name=name, code=f"T{next(_codes):05d}", kind=kind)
    with scopes_disabled():
        if parent is None:
            return unit_create_root(actor=None, data=data)
        return unit_create(actor=None, parent=parent, data=data)


def make_user(username: str, full_name: str = "", phone: str = "") -> User:
    return user_create(
        actor=None,
        username=username,
        full_name=full_name or username.title(),
        password=PASSWORD,
        phone=phone,
    )


def make_member(
    cell: OrgUnit,
    full_name: str,
    user: User | None = None,
    *,
    official: bool = True,
    admitted: dt.date = dt.date(2005, 3, 10),
    **record: Any,
) -> Member:
    """A member with a record and, unless ``official=False``, admitted, sworn in and recognised.

    ``official=False`` gives a record with no event yet (before admission).
    """
    record.setdefault("sex", Sex.MALE)
    record.setdefault("birth_date", dt.date(1970, 5, 1))
    with scopes_disabled():
        member = member_create(
            actor=None, cell=cell, data=RecordData(full_name=full_name, **record), user=user
        )
        if official:
            for kind, day in (
                (EventKind.ADMISSION, admitted),
                (EventKind.CEREMONY, admitted + dt.timedelta(days=20)),
                (EventKind.RECOGNITION, admitted + dt.timedelta(days=400)),
            ):
                member_event_add(actor=None, member=member, data=EventData(kind=kind, date=day))
            member.refresh_from_db()
    return member


@dataclass
class World:
    province: OrgUnit
    commune: OrgUnit
    cell: OrgUnit
    cell2: OrgUnit
    other_commune: OrgUnit
    other_cell: OrgUnit
    province_user: User
    commune_user: User
    secretary: User
    secretary2: User
    member_user: User
    outsider: User
    admin: User
    secretary_member: Member
    plain_member: Member
    other_member: Member

    def users(self) -> dict[str, User]:
        return {
            "province": self.province_user,
            "commune": self.commune_user,
            "secretary": self.secretary,
            "member": self.member_user,
            "outsider": self.outsider,
        }


def build_world() -> World:
    province = make_unit(None, "Đảng bộ tỉnh Thử", UnitKind.PROVINCE)
    commune = make_unit(province, "Đảng bộ xã Nậm Tăm", UnitKind.COMMUNE)
    cell = make_unit(commune, "Chi bộ bản Nà Tăm", UnitKind.CELL)
    cell2 = make_unit(commune, "Chi bộ bản Pá Khoang", UnitKind.CELL)
    other_commune = make_unit(province, "Đảng bộ xã Mường So", UnitKind.COMMUNE)
    other_cell = make_unit(other_commune, "Chi bộ bản Hua Bum", UnitKind.CELL)

    province_user = make_user("province", "Hoàng Văn Tỉnh")
    commune_user = make_user("commune", "Lò Văn Xã")
    outsider = make_user("outsider", "Vàng A Khác")
    secretary = make_user("secretary", "Lò Văn Piếng", phone="0912345678")
    secretary2 = make_user("secretary2", "Giàng A Dình")
    member_user = make_user("member", "Tòng Thị Ánh", phone="0987654321")
    admin = user_create(
        actor=None, username="admin", full_name="Quản trị", password=PASSWORD, is_superuser=True
    )
    with scopes_disabled():
        grant_add(actor=None, user=province_user, unit=province, role=Role.PROVINCE_BOARD)
        grant_add(actor=None, user=commune_user, unit=commune, role=Role.COMMUNE_COMMITTEE)
        grant_add(actor=None, user=outsider, unit=other_commune, role=Role.COMMUNE_COMMITTEE)
    secretary_member = make_member(cell, "Lò Văn Piếng", secretary)
    plain_member = make_member(cell, "Tòng Thị Ánh", member_user, sex=Sex.FEMALE)
    sec2_member = make_member(cell2, "Giàng A Dình", secretary2)
    other_member = make_member(other_cell, "Mùa A Chư")
    start = dt.date(2025, 1, 1)
    with scopes_disabled():
        post_assign(
            actor=None,
            unit=cell,
            member=secretary_member,
            kind=PostKind.SECRETARY,
            start_date=start,
        )
        post_assign(
            actor=None,
            unit=cell,
            member=secretary_member,
            kind=PostKind.VILLAGE_HEAD,
            start_date=start,
        )
        post_assign(
            actor=None, unit=cell2, member=sec2_member, kind=PostKind.SECRETARY, start_date=start
        )
    return World(
        province=province,
        commune=commune,
        cell=cell,
        cell2=cell2,
        other_commune=other_commune,
        other_cell=other_cell,
        province_user=province_user,
        commune_user=commune_user,
        secretary=secretary,
        secretary2=secretary2,
        member_user=member_user,
        outsider=outsider,
        admin=admin,
        secretary_member=secretary_member,
        plain_member=plain_member,
        other_member=other_member,
    )
