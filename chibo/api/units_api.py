from __future__ import annotations

import math
from typing import Literal

from django.http import HttpRequest
from ninja import Path, Query, Router

from chibo.api.schemas import MAX_ID, ErrorOut, PostOut, SafeStr, UnitDetailOut, UnitPageOut
from chibo.api.serialize import unit_out, units_out
from chibo.core.vietnamese import fold
from chibo.orgunits import selectors
from chibo.orgunits.models import OrgUnit, UnitKind

router = Router(tags=["units"])
PAGE_SIZE = 50
KindParam = Literal[tuple(UnitKind.values)]  # type: ignore[valid-type]


@router.get(
    "/units",
    response={200: UnitPageOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Units in scope: the top ones, the children of `parent`, or those matching `q`",
)
def unit_list(
    request: HttpRequest,
    parent: int | None = Query(None, ge=1, le=MAX_ID),
    kind: KindParam | None = Query(None),
    q: SafeStr | None = Query(None, max_length=100),
    page: int = Query(1, ge=1, le=100_000),
) -> dict[str, object]:
    access = request.access  # type: ignore[attr-defined]
    if parent is not None:
        base = selectors.unit_get(access=access, pk=parent)
        qs = OrgUnit.objects.filter(path__startswith=base.path, depth=base.depth + 1)
    elif q:
        qs = OrgUnit.objects.all()
    else:
        qs = OrgUnit.objects.filter(pk__in=[u.pk for u in selectors.unit_roots(access=access)])
    if q:
        qs = qs.filter(search_name__contains=fold(q))
    if kind:
        qs = qs.filter(kind=kind)
    count = qs.count()
    results = list(qs.order_by("sort_key", "id")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return {
        "count": count,
        "page": page,
        "pages": max(1, math.ceil(count / PAGE_SIZE)),
        "results": units_out(results),
    }


@router.get(
    "/units/{unit_id}",
    response={200: UnitDetailOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="One unit with its children and the posts held on it",
)
def unit_detail(request: HttpRequest, unit_id: int = Path(..., ge=1, le=MAX_ID)) -> UnitDetailOut:
    unit = selectors.unit_get(access=request.access, pk=unit_id)  # type: ignore[attr-defined]
    breadcrumb = selectors.unit_breadcrumb(unit=unit)
    parent_id = breadcrumb[-1].pk if breadcrumb and breadcrumb[-1].depth == unit.depth - 1 else None
    posts = selectors.unit_posts(unit=unit)
    base = unit_out(unit, parent_id)
    return UnitDetailOut(
        **base.dict(),
        breadcrumb=units_out(breadcrumb),
        children=[unit_out(c, unit.pk) for c in selectors.unit_children(unit=unit)],
        posts=[
            PostOut(
                id=p.pk,
                kind=p.kind,
                kind_label=str(p.get_kind_display()),
                member_id=p.member_id,
                member_name=p.member.full_name,
                start_date=p.start_date,
                end_date=p.end_date,
                concurrent=p.member_id in posts.concurrent,
            )
            for p in posts.current
        ],
    )
