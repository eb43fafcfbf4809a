"""core.taskqueue: task rows written with the change (one INSERT per batch, merged calls); other backends on
commit; a broken backend never breaks the change."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from gongzhi.appeals.models import Appeal
from gongzhi.core import taskqueue
from gongzhi.core.choices import NotificationStatus
from gongzhi.core.models import Notification
from gongzhi.core.notifications import notify
from gongzhi.core.tasks import deliver_notifications
from gongzhi.insight.tasks import analyse_appeal

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def rows(path: str) -> list[list]:
    return [
        r.args_kwargs["args"] for r in DBTaskResult.objects.filter(task_path=path).order_by("enqueued_at")
    ]


DELIVER = "gongzhi.core.tasks.deliver_notifications"


@pytest.mark.django_db
def test_rows_are_written_inside_the_transaction_and_merged_in_a_batch(users):
    with transaction.atomic(), taskqueue.batched():
        a = notify(recipient=users["resident"], subject="s", body="b")
        b = notify(recipient=users["resident2"], subject="s", body="b")
        assert rows(DELIVER) == []  # not yet: the batch writes its rows when it ends, still inside
    assert rows(DELIVER) == [[[a.pk, b.pk]]]


@pytest.mark.django_db
def test_the_batch_is_one_insert(users):
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), taskqueue.batched():
        for _ in range(3):
            notify(recipient=users["resident"], subject="s", body="b")
        taskqueue.defer(analyse_appeal, 1)
        taskqueue.defer(analyse_appeal, 2)
        inserts_before = sum(
            'INSERT INTO "django_tasks_database_dbtaskresult"' in q["sql"] for q in queries.captured_queries
        )
    inserts = sum(
        'INSERT INTO "django_tasks_database_dbtaskresult"' in q["sql"] for q in queries.captured_queries
    )
    assert (inserts_before, inserts) == (0, 1)
    assert len(rows(DELIVER)[0][0]) == 3
    assert rows("gongzhi.insight.tasks.analyse_appeal") == [[1], [2]]  # not merge=True: one task each


@pytest.mark.django_db
def test_a_rollback_takes_the_rows_away(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=users["resident"], subject="s", body="b")  # no batch: the row is written at once
        assert len(rows(DELIVER)) == 1
        raise RuntimeError
    with pytest.raises(RuntimeError), transaction.atomic(), taskqueue.batched():
        notify(recipient=users["resident"], subject="s", body="b")
        raise RuntimeError
    assert rows(DELIVER) == [] and not Notification.objects.exists()


@pytest.mark.django_db
def test_submission_writes_one_analysis_and_one_delivery_task_with_the_appeal(make_appeal):
    appeal = make_appeal()
    assert rows("gongzhi.insight.tasks.analyse_appeal") == [[appeal.pk]]
    told = sorted(Notification.objects.filter(kind="appeal_received").values_list("pk", flat=True))
    assert len(told) == 2  # the site message and the SMS
    assert [sorted(r[0]) for r in rows(DELIVER)] == [told]
    assert deliver_notifications.call(told) == 2
    assert set(Notification.objects.filter(pk__in=told).values_list("status", flat=True)) == {
        NotificationStatus.SENT
    }


@pytest.mark.django_db
def test_other_backends_run_on_commit_merged(settings, users, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic(), taskqueue.batched():
            a = notify(recipient=users["resident"], subject="s", body="b")
            b = notify(recipient=users["resident"], subject="s", body="b")
    assert len(callbacks) == 1 and not DBTaskResult.objects.exists()
    callbacks[0]()
    assert set(Notification.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        NotificationStatus.SENT
    }


@pytest.mark.django_db
def test_a_broken_backend_never_breaks_the_change(settings, make_appeal, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "no.such.Backend"}}
    with django_capture_on_commit_callbacks(execute=True):
        appeal = make_appeal()
    assert Appeal.objects.filter(pk=appeal.pk).exists()
    assert Notification.objects.filter(kind="appeal_received", status=NotificationStatus.PENDING).exists()


class FlakySmsBackend:
    """Sends site messages; every SMS fails (as a provider that is down)."""

    def send(self, notification):
        if notification.channel == "sms":
            raise ConnectionError("SMS gateway down")


@pytest.mark.django_db
def test_one_failing_send_leaves_only_its_row_pending(settings, users):
    settings.GONGZHI = {**settings.GONGZHI, "NOTIFICATION_BACKEND": f"{__name__}.FlakySmsBackend"}
    site = notify(recipient=users["resident"], subject="s", body="b")
    sms = notify(phone="13800138000", channel="sms", subject="s", body="b")
    assert deliver_notifications.call([site.pk, sms.pk, site.pk]) == 1
    site.refresh_from_db()
    sms.refresh_from_db()
    assert (site.status, site.attempts) == (NotificationStatus.SENT, 1)
    assert (sms.status, sms.attempts, sms.error) == (NotificationStatus.PENDING, 1, "SMS gateway down")
    assert deliver_notifications.call([site.pk]) == 0  # sent once only
