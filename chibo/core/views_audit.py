"""The audit trail of a unit and everything below it: browse, filter, export (issue 7).

Readers need ``audit.view`` on the unit (cell leaders, the commune committee, the province
board). The entries are those filed under the unit's subtree, inside the reader's audit scope
(``AuditEntry``'s scoped manager). Denied requests and failed logins are filed under the unit of
the person concerned (decision 0016), so a commune sees its own people's. Entries filed under
no unit (a failed login for an unknown name) are for superusers, in the admin.

The page costs the same number of queries whatever the number of entries: the unit, the count
and the page (no relation is read per entry). The export is the same query as a workbook (or
CSV with a BOM), capped at ``EXPORT_LIMIT`` rows, and is itself audited (``audit.exported``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from chibo.core.audit import audit_record
from chibo.core.models import AuditEntry
from chibo.core.roles import Cap
from chibo.core.templatetags.audit_labels import ACTION_LABELS, action_label
from chibo.core.views import page_number
from chibo.exchange.xlsx import XLSX_TYPE
from chibo.orgunits.models import OrgUnit
from chibo.orgunits.selectors import unit_get

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    actor = forms.CharField(
        label=gettext_lazy("By (name contains)"), max_length=100, required=False
    )
    member = forms.CharField(
        label=gettext_lazy("Member concerned (name contains)"), max_length=100, required=False
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=_date_widget())
    date_to = forms.DateField(label=gettext_lazy("Until"), required=False, widget=_date_widget())
    q = forms.CharField(
        label=gettext_lazy("Object (text contains)"), max_length=100, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = sorted(((key, str(label)) for key, label in ACTION_LABELS.items()), key=_second)
        action_field = self.fields["action"]
        assert isinstance(action_field, forms.ChoiceField)
        action_field.choices = [("", _("All actions")), *known]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(
                _("The start date is after the end date."), code="date_order"
            )
        return data


def _second(pair: tuple[str, str]) -> str:
    return pair[1]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(*, unit: OrgUnit, filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    """Entries of ``unit`` and its subtree matching the cleaned ``filters``, newest first."""
    entries = AuditEntry.objects.filter(unit__path__startswith=unit.path)
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("actor"):
        entries = entries.filter(actor_name__icontains=filters["actor"])
    if filters.get("member"):
        entries = entries.filter(member__full_name__icontains=filters["member"])
    if filters.get("date_from"):
        entries = entries.filter(created_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        entries = entries.filter(
            created_at__lt=_day_start(filters["date_to"] + dt.timedelta(days=1))
        )
    if filters.get("q"):
        entries = entries.filter(object_repr__icontains=filters["q"])
    return entries.order_by("-created_at", "-id")


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, dict[str, Any], str]:
    """The bound filter form, its cleaned values (none if invalid) and the query string."""
    form = AuditFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    keys = [name for name in AuditFilterForm.base_fields if request.GET.get(name)]
    query = urlencode({name: request.GET[name] for name in keys})
    return form, cleaned, query


@login_required
def unit_trail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_get(access=request.access, pk=pk, capability=Cap.AUDIT_VIEW)
    form, cleaned, query = _filters(request)
    entries: QuerySet[AuditEntry]
    if form.errors:
        entries = AuditEntry.objects.none()
    else:
        entries = audit_entries(unit=unit, filters=cleaned).select_related("unit")
    page = Paginator(entries, PAGE_SIZE).get_page(page_number(request))
    context = {"unit": unit, "form": form, "page": page, "query": query}
    return render(request, "audit/unit.html", context, status=400 if form.errors else 200)


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_get(access=request.access, pk=pk, capability=Cap.AUDIT_VIEW)
    form, cleaned, query = _filters(request)
    back = reverse("audit:unit", args=[unit.pk]) + (f"?{query}" if query else "")
    if form.errors:
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(back)
    entries = audit_entries(unit=unit, filters=cleaned)
    total = entries.count()
    if total > EXPORT_LIMIT:
        messages.error(
            request,
            _(
                "%(count)s entries match: more than the %(limit)s an export may hold. "
                "Narrow the dates or the other filters."
            )
            % {"count": f"{total:,}", "limit": f"{EXPORT_LIMIT:,}"},
        )
        return redirect(back)
    as_csv = request.GET.get("format") == "csv"
    header = _header(request, unit, form, cleaned)
    rows = entries.select_related("unit", "member").iterator(chunk_size=2000)
    content = _csv(header, rows) if as_csv else _xlsx(header, rows)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="audit.exported",
            obj=unit,
            unit=unit,
            changes={
                "rows": [None, total],
                "format": [None, "csv" if as_csv else "xlsx"],
                **{k: [None, str(v)] for k, v in cleaned.items() if v},
            },
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if as_csv:
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        filename = f"nhat-ky-{unit.code}-{stamp}.csv"
    else:
        response = HttpResponse(content, content_type=XLSX_TYPE)
        filename = f"nhat-ky-{unit.code}-{stamp}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


COLUMNS = (
    pgettext_lazy("audit column", "Time"),
    pgettext_lazy("audit column", "By"),
    gettext_lazy("Action"),
    gettext_lazy("Action key"),
    gettext_lazy("Object"),
    gettext_lazy("Unit"),
    gettext_lazy("Member concerned"),
    gettext_lazy("IP address"),
    gettext_lazy("Changes"),
)


def _header(
    request: HttpRequest, unit: OrgUnit, form: AuditFilterForm, cleaned: dict[str, Any]
) -> list[tuple[str, str]]:
    zone = ZoneInfo(settings.TIME_ZONE)
    chosen = []
    for name, value in cleaned.items():
        if not value:
            continue
        if name == "action":
            shown = str(action_label(value))
        elif isinstance(value, dt.date):
            shown = f"{value:%d/%m/%Y}"
        else:
            shown = str(value)
        chosen.append(f"{form.fields[name].label}: {shown}")
    return [
        (_("Audit trail"), f"{unit.name} ({unit.code})"),
        (_("Filters"), "; ".join(chosen) or _("none")),
        (_("Exported at"), f"{timezone.now().astimezone(zone):%d/%m/%Y %H:%M}"),
        (_("Exported by"), str(request.user)),
    ]


def _values(entry: AuditEntry) -> list[str]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return [
        f"{entry.created_at.astimezone(zone):%d/%m/%Y %H:%M:%S}",
        entry.actor_name,
        str(action_label(entry)),
        entry.action,
        entry.object_repr,
        entry.unit.name if entry.unit else "",
        entry.member.full_name if entry.member else "",
        entry.ip or "",
        json.dumps(entry.changes, ensure_ascii=False) if entry.changes else "",
    ]


def _text_cell(sheet: Any, value: str, **style: Any) -> Any:
    """A cell that holds ``value`` as text: "=…" stays a string, never becomes a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def _xlsx(header: list[tuple[str, str]], rows: Any) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Audit trail")[:31])
    for letter, width in zip("ABCDEFGHI", (20, 24, 30, 24, 40, 28, 24, 16, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    for label, value in header:
        sheet.append([_text_cell(sheet, label, font=bold), _text_cell(sheet, value)])
    sheet.append([])
    sheet.append([_text_cell(sheet, str(title), font=bold) for title in COLUMNS])
    for entry in rows:
        sheet.append([_text_cell(sheet, value) for value in _values(entry)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(header: list[tuple[str, str]], rows: Any) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 (Vietnamese) only with the BOM
    writer = csv.writer(out)
    for label, value in header:
        writer.writerow([_safe(label), _safe(value)])
    writer.writerow([])
    writer.writerow([str(title) for title in COLUMNS])
    for entry in rows:
        writer.writerow([_safe(value) for value in _values(entry)])
    return out.getvalue().encode("utf-8")


def _safe(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
