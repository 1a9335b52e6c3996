"""Vietnamese public holidays of 2025, 2026 and 2027 (Labour Code 2019, Art. 112).

The table must be updated every year from the government's decision (the Prime Minister's or the
Ministry of Home Affairs' announcement of the year's holidays): Tết and the day next to National
Day are decided each year, and a holiday falling on a weekend gives a day off on the next working
day (Art. 111). Swapped working Saturdays are not modelled (only days off are).

- 2025: Tết 25/1–2/2 (announced: 9 days with the weekends); National Day 1–2/9.
- 2026: Tết 14/2–22/2 (announced: 9 days with the weekends; lunar new year 17/2); Hùng Kings
  (10/3 lunar) on Sunday 26/4, day off Monday 27/4; National Day 2/9 and 1/9.
- 2027: not announced when this was written: Tết as the five statutory days around the lunar new
  year (6/2), 5/2–9/2, with 10/2–11/2 for the two that fall on the weekend; 1/5 on a Saturday,
  day off Monday 3/5; National Day 2/9 and 3/9. Check against the decision.
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations

NEW_YEAR = "Tết Dương lịch"
TET = "Tết Nguyên Đán"
HUNG_KINGS = "Giỗ Tổ Hùng Vương"
REUNIFICATION = "Ngày Chiến thắng"
LABOUR = "Ngày Quốc tế Lao động"
NATIONAL_DAY = "Quốc khánh"
COMPENSATORY = "nghỉ bù"


def _span(first: dt.date, last: dt.date, name: str) -> list[tuple[dt.date, str]]:
    return [(first + dt.timedelta(days=i), name) for i in range((last - first).days + 1)]


D = dt.date
HOLIDAYS: list[tuple[dt.date, str]] = [
    # 2025
    (D(2025, 1, 1), NEW_YEAR),
    *_span(D(2025, 1, 25), D(2025, 2, 2), TET),
    (D(2025, 4, 7), HUNG_KINGS),
    (D(2025, 4, 30), REUNIFICATION),
    (D(2025, 5, 1), LABOUR),
    (D(2025, 9, 1), NATIONAL_DAY),
    (D(2025, 9, 2), NATIONAL_DAY),
    # 2026
    (D(2026, 1, 1), NEW_YEAR),
    *_span(D(2026, 2, 14), D(2026, 2, 22), TET),
    (D(2026, 4, 26), HUNG_KINGS),
    (D(2026, 4, 27), f"{HUNG_KINGS} ({COMPENSATORY})"),
    (D(2026, 4, 30), REUNIFICATION),
    (D(2026, 5, 1), LABOUR),
    (D(2026, 9, 1), NATIONAL_DAY),
    (D(2026, 9, 2), NATIONAL_DAY),
    # 2027
    (D(2027, 1, 1), NEW_YEAR),
    *_span(D(2027, 2, 5), D(2027, 2, 9), TET),
    (D(2027, 2, 10), f"{TET} ({COMPENSATORY})"),
    (D(2027, 2, 11), f"{TET} ({COMPENSATORY})"),
    (D(2027, 4, 16), HUNG_KINGS),
    (D(2027, 4, 30), REUNIFICATION),
    (D(2027, 5, 1), LABOUR),
    (D(2027, 5, 3), f"{LABOUR} ({COMPENSATORY})"),
    (D(2027, 9, 2), NATIONAL_DAY),
    (D(2027, 9, 3), NATIONAL_DAY),
]


def load(apps, schema_editor):
    Holiday = apps.get_model("core", "Holiday")
    existing = set(Holiday.objects.values_list("date", flat=True))
    Holiday.objects.bulk_create(
        [Holiday(date=day, name=name) for day, name in HOLIDAYS if day not in existing]
    )


def unload(apps, schema_editor):
    Holiday = apps.get_model("core", "Holiday")
    Holiday.objects.filter(date__in=[day for day, _name in HOLIDAYS]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_holiday")]

    operations = [migrations.RunPython(load, unload)]
