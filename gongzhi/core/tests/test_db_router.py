"""The read-replica router and its middleware, the health check and the requeue of tasks a dead worker held.
(The same router against a real streaming standby: tests/test_cluster.py.)"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gongzhi.appeals.models import Appeal
from gongzhi.core.db import router as db_router
from gongzhi.core.db.router import (
    PIN_COOKIE,
    PrimaryReplicaRouter,
    ReplicaReadsMiddleware,
    replica_reads,
)
from gongzhi.core.models import User
from gongzhi.core.task_recovery import requeue_disconnected, requeue_stale


@pytest.fixture
def with_replica(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    return PrimaryReplicaRouter()


def test_reads_go_to_the_primary_unless_a_request_allows_the_standby(with_replica):
    router = with_replica
    assert router.db_for_read(Appeal) == "default"  # worker, scheduler, commands
    with replica_reads():
        assert router.db_for_read(Appeal) == "replica"
        assert router.db_for_read(User) == "replica"
        assert router.db_for_write(Appeal) == "default"
        with replica_reads(False):
            assert router.db_for_read(Appeal) == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_and_of_counters_and_queues_stay_on_the_primary(with_replica):
    router = with_replica
    with replica_reads():
        with transaction.atomic():
            assert router.db_for_read(Appeal) == "default"
        assert router.db_for_read(DBTaskResult) == "default"
        assert router.db_for_read(Appeal) == "replica"


def test_without_a_replica_everything_is_the_primary():
    with replica_reads():
        assert PrimaryReplicaRouter().db_for_read(Appeal) == "default"
    assert PrimaryReplicaRouter().allow_migrate("replica", "appeals") is False
    assert PrimaryReplicaRouter().allow_migrate("default", "appeals") is True


def test_middleware_pins_a_client_to_the_primary_after_its_write(with_replica, settings):
    seen = []

    def view(request):
        seen.append(PrimaryReplicaRouter().db_for_read(Appeal))
        return HttpResponse("ok")

    middleware = ReplicaReadsMiddleware(view)
    factory = RequestFactory()
    assert PIN_COOKIE not in middleware(factory.get("/appeals/")).cookies
    written = middleware(factory.post("/api/v1/appeals/"))
    pin = written.cookies[PIN_COOKIE]
    assert int(pin["max-age"]) == settings.GONGZHI_REPLICA_PIN_SECONDS and pin["httponly"]
    pinned = factory.get("/appeals/1/")
    pinned.COOKIES[PIN_COOKIE] = "1"
    middleware(pinned)
    assert seen == ["replica", "default", "default"]
    assert db_router._replica_allowed.get() is False  # the window closes with the request


@pytest.mark.django_db
def test_healthz_reports_where_writes_and_reads_go(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["primary"]["alias"] == body["reads"]["alias"] == "default"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_tasks_left_running_by_a_dead_worker_are_queued_again(settings):
    from gongzhi.appeals.tasks import sweep_deadlines

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.GONGZHI = {**settings.GONGZHI, "TASK_STALE_SECONDS": 600}
    old, recent, waiting = (sweep_deadlines.enqueue() for _ in range(3))
    now = timezone.now()
    DBTaskResult.objects.filter(pk=old.id).update(status="RUNNING", started_at=now - timedelta(seconds=601))
    DBTaskResult.objects.filter(pk=recent.id).update(status="RUNNING", started_at=now - timedelta(seconds=30))
    assert requeue_stale(now) == 1
    statuses = {str(pk): status for pk, status in DBTaskResult.objects.values_list("id", "status")}
    assert (
        statuses[old.id] == "READY" and statuses[recent.id] == "RUNNING" and statuses[waiting.id] == "READY"
    )
    assert DBTaskResult.objects.get(pk=old.id).started_at is None


@pytest.mark.django_db
def test_tasks_failed_by_a_dropped_connection_are_requeued_and_others_stay_failed():
    from gongzhi.appeals.tasks import sweep_deadlines

    dropped, own_error, tried_enough, long_ago = (sweep_deadlines.enqueue() for _ in range(4))
    now = timezone.now()
    failed = {"status": "FAILED", "finished_at": now - timedelta(minutes=1)}
    DBTaskResult.objects.filter(pk=dropped.id).update(
        exception_class_path="django.db.utils.OperationalError", worker_ids=["w1"], **failed
    )
    DBTaskResult.objects.filter(pk=own_error.id).update(exception_class_path="builtins.ValueError", **failed)
    DBTaskResult.objects.filter(pk=tried_enough.id).update(
        exception_class_path="django.db.utils.InterfaceError", worker_ids=["w1", "w2", "w3"], **failed
    )
    DBTaskResult.objects.filter(pk=long_ago.id).update(
        exception_class_path="django.db.utils.OperationalError",
        status="FAILED",
        finished_at=now - timedelta(days=2),
    )
    assert requeue_disconnected(now) == 1
    statuses = {str(pk): status for pk, status in DBTaskResult.objects.values_list("id", "status")}
    assert statuses == {
        dropped.id: "READY",
        own_error.id: "FAILED",
        tried_enough.id: "FAILED",
        long_ago.id: "FAILED",
    }
    requeued = DBTaskResult.objects.get(pk=dropped.id)
    assert requeued.finished_at is None and requeued.run_after <= timezone.now()
    assert list(DBTaskResult.objects.ready().values_list("id", flat=True)) == [requeued.pk]
