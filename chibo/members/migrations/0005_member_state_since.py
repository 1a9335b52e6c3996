"""``Member.state_since``: the date of the latest event, from which the stored state columns
hold on every day (null with no event or with a suspension), filled from the events; and an
index on events by cell and date. Both make a meeting's roll a read of the member rows
(``meetings.selectors``)."""

from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery


def fill_state_since(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    MemberEvent = apps.get_model("members", "MemberEvent")
    live = MemberEvent.objects.filter(voided_at__isnull=True)
    latest = (
        live.filter(member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(day=Max("date"))
        .values("day")
    )
    Member.objects.update(state_since=Subquery(latest))
    suspended = live.filter(kind="suspension").values("member_id")
    Member.objects.filter(pk__in=suspended).update(state_since=None)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_name_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="state_since",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="state since"
            ),
        ),
        migrations.AddIndex(
            model_name="memberevent",
            index=models.Index(fields=["cell", "date"], name="members_mem_cell_id_aecbb2_idx"),
        ),
        migrations.RunPython(fill_state_since, migrations.RunPython.noop, elidable=True),
    ]
