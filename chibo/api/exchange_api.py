"""Excel exchange: download a unit's member register, import members from a file."""

from __future__ import annotations

import io
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Form, Path, Router, Schema
from ninja.files import UploadedFile

from chibo.api.schemas import MAX_ID, ErrorOut
from chibo.core.roles import Cap
from chibo.exchange import services
from chibo.exchange.models import ImportMode
from chibo.exchange.xlsx import XLSX_TYPE
from chibo.orgunits.selectors import unit_get

router = Router(tags=["exchange"])
ModeParam = Literal["valid_rows", "all_or_nothing"]


class RowMessageOut(Schema):
    field: str
    message: str


class ImportRowOut(Schema):
    row: int
    status: Literal["new", "unchanged", "differs", "error", "created"]
    name: str
    card_number: str
    cell: str
    member_id: int | None
    messages: list[RowMessageOut]


class ImportResultOut(Schema):
    dry_run: bool
    mode: ModeParam
    committed: bool
    counts: dict[str, int]
    rows: list[ImportRowOut]


_XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "The member register (form 7-HSĐV layout) as an Excel workbook.",
            "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/units/{unit_id}/register.xlsx",
    response={400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="The member register of a unit and its subtree, as XLSX",
    openapi_extra=_XLSX_RESPONSE,
)
def register_xlsx(request: HttpRequest, unit_id: int = Path(..., ge=1, le=MAX_ID)) -> HttpResponse:
    access = request.access  # type: ignore[attr-defined]
    unit = unit_get(access=access, pk=unit_id, capability=Cap.MEMBER_VIEW)
    out = io.BytesIO()
    services.register_export(actor=request.user, unit=unit, target=out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    name = f"so-danh-sach-dang-vien-{unit.code}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/units/{unit_id}/register/import",
    response={200: ImportResultOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Import members from an XLSX or CSV file (dry_run: check every row, write nothing)",
    description=(
        "Each row gets a status: new (added unless dry_run), unchanged, differs (already on the "
        "register with other details: never changed by an import), error (with messages), "
        "created. mode=all_or_nothing writes nothing when any row has an error "
        "(committed=false). A file that cannot be read answers 400."
    ),
)
def register_import(
    request: HttpRequest,
    unit_id: int = Path(..., ge=1, le=MAX_ID),
    file: UploadedFile = File(...),
    dry_run: bool = Form(False),
    mode: ModeParam = Form(ImportMode.VALID_ROWS.value),
) -> ImportResultOut:
    access = request.access  # type: ignore[attr-defined]
    unit = unit_get(access=access, pk=unit_id, capability=Cap.MEMBER_CHANGE)
    table = services.import_file_read(
        unit=unit, stream=file.file, filename=file.name or "", size=file.size
    )
    if dry_run:
        ctx = services.import_context(unit=unit, columns=table.columns)
        results = services.rows_check_all(ctx, table.rows, actor=request.user)
        outcome = services.ImportOutcome(results=results, committed=False)
    else:
        outcome = services.import_commit(
            actor=request.user,
            unit=unit,
            rows=table.rows,
            columns=table.columns,
            mode=mode,
            filename=file.name or "",
        )
    return ImportResultOut(
        dry_run=dry_run,
        mode=mode,
        committed=outcome.committed,
        counts=outcome.counts(),
        rows=[
            ImportRowOut(
                row=r.row,
                status=r.status,
                name=r.name,
                card_number=r.card,
                cell=r.cell,
                member_id=r.member_id,
                messages=[RowMessageOut(field=f, message=m) for f, m in r.messages],
            )
            for r in outcome.results
        ],
    )
