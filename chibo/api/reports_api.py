"""The indicators of a unit through the API (issue 6 "API"; decision 0013).

``GET /units/{id}/indicators`` answers the figures of the unit over a period and the same for
each child unit, read from the monthly rollup (``chibo.reports.indicators.breakdown``: one
query, and one for the names of the children); ``GET /units/{id}/indicators.xlsx`` the same as
the dashboard's Excel export (recorded in the audit trail as ``report.exported``).

Both need ``report.view`` on the unit: out of scope, without it, or unknown is 404. The period
is ``?from=YYYY-MM&to=YYYY-MM`` (at most 36 months), by default the current year up to the
current month; one that cannot be read is 400 ``invalid_period`` with the reason.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router

from chibo.api.errors import ApiError
from chibo.api.reports_schemas import IndicatorsOut, figures_data, period_data
from chibo.api.schemas import MAX_ID, ErrorOut
from chibo.core.roles import Cap
from chibo.orgunits.models import OrgUnit
from chibo.orgunits.selectors import unit_get
from chibo.reports import exports
from chibo.reports.indicators import Breakdown, PeriodError, breakdown

router = Router(tags=["reports"])
_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}
_FROM = Query(
    None,
    alias="from",
    description="The first month, YYYY-MM (default: January of the current year).",
    examples=["2025-01"],
)
_TO = Query(
    None,
    alias="to",
    description="The last month, YYYY-MM (default: the current month); at most 36 months "
    "after the first.",
    examples=["2025-03"],
)
_XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "The indicators, and one row per child unit, as an Excel workbook.",
            "content": {exports.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _read(request: HttpRequest, unit_id: int, start: str | None, end: str | None) -> Breakdown:
    """The unit (404 unless the caller may see its reports) and its breakdown over the
    period of the query (400 ``invalid_period``)."""
    unit: OrgUnit = unit_get(
        access=request.access,  # type: ignore[attr-defined]
        pk=unit_id,
        capability=Cap.REPORT_VIEW,
    )
    try:
        period = exports.period_from_query(start, end)
    except PeriodError as error:
        raise ApiError(400, str(error), "invalid_period") from None
    return breakdown(unit, period)


@router.get(
    "/units/{unit_id}/indicators",
    response={200: IndicatorsOut, **_ERRORS},
    by_alias=True,
    summary="The indicators of a unit over a period, and of each of its child units",
    description=(
        "Read from the monthly rollup: counts add up over the period, except members, overdue "
        "items and deadlines and members to review, which are those of the period's last month "
        "(or of the current month while the period is not over). Rates are from 0 to 1, or "
        "null when there is nothing to divide by."
    ),
)
def unit_indicators(
    request: HttpRequest,
    unit_id: int = Path(..., ge=1, le=MAX_ID),
    start: str | None = _FROM,
    end: str | None = _TO,
) -> dict[str, Any]:
    found = _read(request, unit_id, start, end)
    unit = found.unit
    return {
        "unit": {"id": unit.pk, "code": unit.code, "name": unit.name},
        "period": period_data(found.period),
        "total": figures_data(found.total),
        "children": [
            {"id": child.pk, "code": child.code, "name": child.name, **figures_data(figures)}
            for child, figures in exports.child_rows(found)
        ],
    }


@router.get(
    "/units/{unit_id}/indicators.xlsx",
    response=_ERRORS,
    summary="The indicators of a unit over a period, and by child unit, as XLSX",
    openapi_extra=_XLSX_RESPONSE,
)
def unit_indicators_xlsx(
    request: HttpRequest,
    unit_id: int = Path(..., ge=1, le=MAX_ID),
    start: str | None = _FROM,
    end: str | None = _TO,
) -> HttpResponse:
    found = _read(request, unit_id, start, end)
    unit, period = found.unit, found.period
    data = exports.indicators_xlsx(unit, period, found)
    exports.export_record(actor=request.user, unit=unit, period=period, kind="xlsx")
    response = HttpResponse(data, content_type=exports.XLSX_TYPE)
    filename = exports.export_filename(unit, period, "chi-so", "xlsx")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
