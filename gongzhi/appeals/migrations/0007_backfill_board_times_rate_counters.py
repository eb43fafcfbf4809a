# Fills the overdue board's times of the appeals that wait on a step and builds the monthly rate counters
# from the raw rows, so existing databases read the board and the ranking from them at once.
from django.db import migrations

WAITING = ["dispatched", "accepted", "in_progress", "return_requested", "replied"]


def backfill(apps, schema_editor):
    from gongzhi.appeals import counters, deadlines

    Appeal = apps.get_model("appeals", "Appeal")
    batch = []
    for appeal in Appeal.objects.filter(state__in=WAITING).iterator(chunk_size=2000):
        fields = deadlines.board_fields(appeal)
        appeal.next_due, appeal.warn_at = fields["next_due"], fields["warn_at"]
        batch.append(appeal)
        if len(batch) >= 2000:
            Appeal.objects.bulk_update(batch, ["next_due", "warn_at"])
            batch = []
    Appeal.objects.bulk_update(batch, ["next_due", "warn_at"])
    counters.rebuild(
        {
            name: apps.get_model("appeals", name)
            for name in ("RateCounter", "Callback", "AppealEvent", "ReturnRequest", "Supervision")
        }
    )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0006_board_times_rate_counters")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
