# The dispatch step (spec §4 "dispatch after receipt"): its due time on the appeals waiting for dispatch, the
# start of a re-dispatch after an approved return, and the on-time dispatches in the monthly counters.
from django.db import migrations, models
from django.db.models import F, Max


def backfill(apps, schema_editor):
    from gongzhi.appeals import counters

    Appeal = apps.get_model("appeals", "Appeal")
    AppealEvent = apps.get_model("appeals", "AppealEvent")
    RateCounter = apps.get_model("appeals", "RateCounter")
    # A received appeal that was returned waits for its re-dispatch from the last approval (docs/decisions.md).
    returned = (
        AppealEvent.objects.filter(action="approve_return", appeal__state="received")
        .values("appeal_id")
        .annotate(at=Max("created_at"))
        .order_by()
    )
    for row in returned.iterator():
        Appeal.objects.filter(pk=row["appeal_id"]).update(redispatch_from=row["at"])
    counters.rebuild_dispatch_dues(Appeal)
    # Dispatches recorded before the limit existed say nothing of it: counted as on time, as rebuild() counts them.
    RateCounter.objects.update(dispatches_on_time=F("dispatches"))


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0010_cachestamp_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="dispatch_due",
            field=models.DateTimeField(blank=True, null=True, verbose_name="派单时限"),
        ),
        migrations.AddField(
            model_name="appeal",
            name="redispatch_from",
            field=models.DateTimeField(blank=True, null=True, verbose_name="改派起算时间"),
        ),
        migrations.AddField(
            model_name="ratecounter",
            name="dispatches_on_time",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="supervision",
            name="step",
            field=models.CharField(
                choices=[
                    ("dispatch", "派单"),
                    ("sign", "签收"),
                    ("contact", "首次联系"),
                    ("reply", "答复"),
                    ("callback", "回访"),
                ],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="timelimit",
            name="step",
            field=models.CharField(
                choices=[
                    ("dispatch", "派单"),
                    ("sign", "签收"),
                    ("contact", "首次联系"),
                    ("reply", "答复"),
                    ("callback", "回访"),
                ],
                max_length=16,
                verbose_name="环节",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
