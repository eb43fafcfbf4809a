"""Webhooks against a real local HTTP receiver: subscriptions per event type, events queued with the change (and
not without it), signed deliveries that the receiver verifies the way docs/api.md tells it to, failures retried
with back-off and logged attempt by attempt, retry-now, and the admin API."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.core import outbox, webhooks
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import AuditEvent
from gongzhi.core.outbox import OutboxAttempt, OutboxMessage
from gongzhi.core.testing import PASSWORD
from gongzhi.core.tests.receiver import Receiver

SECRET = "s" * 40


def receiver_verifies(secret: str, headers: dict, body: bytes) -> bool:
    """The check docs/api.md gives receivers, written with the standard library only."""
    timestamp = headers["X-Gongzhi-Timestamp"]
    expected = (
        "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    return (
        hmac.compare_digest(expected, headers["X-Gongzhi-Signature"])
        and abs(time.time() - int(timestamp)) <= 300
    )


@pytest.fixture
def receiver(settings):
    with Receiver(secrets={"/hook": SECRET}) as r:  # on loopback: allowed by name (core.netguard)
        settings.GONGZHI = {**settings.GONGZHI, "OUTBOUND_ALLOWED_HOSTS": [r.url.removeprefix("http://")]}
        yield r


@pytest.fixture
def subscription(users, receiver):
    return webhooks.create_subscription(
        users["admin"],
        name="12345 市级平台",
        url=receiver.url + "/hook",
        secret=SECRET,
        event_types=["appeals.dispatch", "appeals.reply"],
    )


def test_only_wanted_event_types_are_queued(subscription, users, units, make_appeal):
    appeal = make_appeal()
    assert not OutboxMessage.objects.exists()  # submit is not subscribed
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    (message,) = OutboxMessage.objects.all()
    assert message.event_type == "appeals.dispatch" and message.target == subscription.target
    data = message.payload
    assert data["appeal"]["number"] == appeal.number and data["appeal"]["lead_unit"]["name"] == "县住建局"
    assert data["event"]["state_after"] == "dispatched"
    text = json.dumps(data, ensure_ascii=False, default=str)
    assert "13800138000" not in text and appeal.content not in text  # no personal data, no appeal text


def test_a_rolled_back_change_queues_nothing(subscription, users, units, make_appeal):
    appeal = make_appeal()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
        raise RuntimeError("the request failed after the service")
    assert not OutboxMessage.objects.exists()


def test_wildcards_inactive_subscriptions_and_other_domains(users, receiver, units, make_appeal):
    everything = webhooks.create_subscription(
        users["admin"], name="全部", url=receiver.url + "/all", event_types=["*"]
    )
    appeals_only = webhooks.create_subscription(
        users["admin"], name="诉求", url=receiver.url + "/a", event_types=["appeals.*"]
    )
    webhooks.update_subscription(users["admin"], appeals_only.pk, is_active=False)
    make_appeal()
    assert list(OutboxMessage.objects.values_list("event_type", "target")) == [
        ("appeals.submit", everything.target)
    ]
    services.reveal_contact(users["supervisor"], services.Appeal.objects.get())
    assert OutboxMessage.objects.count() == 1  # core's own audit trail (the unmasking) is never published
    assert len(everything.secret) >= 32  # generated when none was given


def test_signed_delivery_verified_by_the_receiver(subscription, receiver, users, units, make_appeal):
    appeal = make_appeal()
    with transaction.atomic():
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    assert outbox.deliver_due() == 1
    (request,) = receiver.requests
    body = json.dumps(
        receiver.processed[request["key"]]
    ).encode()  # parsed by the receiver: it verified the raw body
    assert request["headers"]["X-Gongzhi-Event"] == "appeals.dispatch"
    message = OutboxMessage.objects.get()
    raw = message.body()
    ts = str(int(time.time()))
    headers = {"X-Gongzhi-Timestamp": ts, "X-Gongzhi-Signature": outbox.sign(SECRET, ts, raw)}
    assert receiver_verifies(SECRET, headers, raw) and not receiver_verifies("x" * 40, headers, raw)
    assert json.loads(body)["data"]["appeal"]["number"] == appeal.number
    assert message.status == "confirmed"
    (attempt,) = message.delivery_attempts.all()
    assert attempt.ok and attempt.status_code == 200 and attempt.number == 1


def test_failures_are_retried_with_backoff_and_logged_then_retry_now(
    subscription, receiver, users, units, make_appeal
):
    receiver.fail_next = 2
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    message = OutboxMessage.objects.get()
    assert outbox.deliver_due() == 0
    message.refresh_from_db()
    assert message.status == "failing" and message.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert outbox.deliver_due() == 0 and len(receiver.requests) == 1  # backing off: not due yet
    retried = webhooks.retry_delivery(users["admin"], message.pk)
    assert retried.next_attempt_at <= timezone.now()
    assert AuditEvent.objects.filter(action="outbox_retry", target=f"outbox:{message.pk}").exists()
    assert outbox.deliver_due() == 0  # the receiver fails once more
    webhooks.retry_delivery(users["admin"], message.pk)
    assert outbox.deliver_due() == 1
    log = list(OutboxAttempt.objects.filter(message=message).values_list("number", "ok", "status_code"))
    assert log == [(1, False, 500), (2, False, 500), (3, True, 200)]
    assert len(receiver.processed) == 1
    with pytest.raises(ServiceError) as exc:
        webhooks.retry_delivery(users["admin"], message.pk)
    assert exc.value.code == "already_delivered"


def test_the_task_worker_delivers_what_the_commit_nudged(
    subscription, receiver, users, units, make_appeal, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    appeal = make_appeal()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    assert DBTaskResult.objects.filter(task_path="gongzhi.core.outbox.deliver_outbox").exists()
    assert outbox.deliver_outbox.call() == 1  # the task's code, as the worker runs it
    assert len(receiver.processed) == 1


def test_subscriptions_are_validated_and_admin_only(users, receiver):
    admin = users["admin"]
    for bad, field in [
        ({"url": "ftp://x"}, "url"),
        ({"secret": "short"}, "secret"),
        ({"event_types": ["nosuch.*"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["appeals.Bad-Action"]}, "event_types"),
        ({"name": " "}, "name"),
    ]:
        args = {"name": "n", "url": receiver.url, "event_types": ["*"], **bad}
        with pytest.raises(ServiceError) as exc:
            webhooks.create_subscription(admin, **args)
        assert exc.value.field == field
    with pytest.raises(PermissionDeniedError):
        webhooks.create_subscription(users["dispatcher"], name="n", url=receiver.url, event_types=["*"])
    sub = webhooks.create_subscription(admin, name="n", url=receiver.url, event_types=["appeals.dispatch"])
    assert AuditEvent.objects.filter(action="webhook_create", target=sub.target).exists()
    choices = dict(webhooks.event_type_choices())
    assert "appeals.dispatch" in choices and "credit.*" in choices and "deliberation.*" in choices


def test_admin_api(client, users, receiver, units, make_appeal):
    client.login(username="dispatcher1", password=PASSWORD)
    assert client.get("/api/v1/webhooks/subscriptions/").status_code == 403
    client.login(username="admin", password=PASSWORD)
    created = client.post(
        "/api/v1/webhooks/subscriptions/",
        {"name": "信访系统", "url": receiver.url + "/x", "event_types": ["appeals.*"]},
        content_type="application/json",
    )
    assert created.status_code == 201 and len(created.json()["secret"]) >= 32
    sub_id = created.json()["id"]
    listed = client.get("/api/v1/webhooks/subscriptions/").json()
    assert listed[0]["name"] == "信访系统" and "secret" not in listed[0]
    bad = client.post(
        "/api/v1/webhooks/subscriptions/",
        {"name": "x", "url": receiver.url, "event_types": ["?"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "事件类型" in bad.json()["detail"]
    receiver.fail_next = 1
    make_appeal()
    outbox.deliver_due()
    log = client.get(f"/api/v1/webhooks/deliveries/?subscription={sub_id}").json()
    assert log["count"] == 1 and log["results"][0]["status"] == "failing"
    assert log["results"][0]["attempts_log"][0]["status_code"] == 500
    retried = client.post(f"/api/v1/webhooks/deliveries/{log['results'][0]['id']}/retry/")
    assert retried.status_code == 200
    outbox.deliver_due()
    again = client.post(f"/api/v1/webhooks/deliveries/{log['results'][0]['id']}/retry/")
    assert again.status_code == 400 and again.json()["code"] == "already_delivered"
    patched = client.patch(
        f"/api/v1/webhooks/subscriptions/{sub_id}/", {"is_active": False}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert client.get("/api/v1/webhooks/deliveries/?subscription=abc").status_code == 400
    assert client.post("/api/v1/webhooks/deliveries/999999/retry/").status_code == 404


def test_admin_pages(client, users, subscription, units, make_appeal):
    client.force_login(users["admin"])
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    message = OutboxMessage.objects.get()
    assert client.get("/admin/core/webhooksubscription/").status_code == 200
    assert client.get("/admin/core/webhooksubscription/add/").status_code == 200
    assert client.get(f"/admin/core/outboxmessage/?target={subscription.target}").status_code == 200
    page = client.get(f"/admin/core/outboxmessage/{message.pk}/change/")
    assert page.status_code == 200 and SECRET not in page.content.decode()
    response = client.post(
        "/admin/core/outboxmessage/", {"action": "retry", "_selected_action": [message.pk]}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="outbox_retry").exists()
