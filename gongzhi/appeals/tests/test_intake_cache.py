"""The intake reads its reference rows from core.refcache: none of them is queried again once warm, and an admin's
edit is used by the very next submission."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from gongzhi.appeals import deadlines
from gongzhi.appeals.choices import Step
from gongzhi.appeals.models import Appeal, DispatchRule
from gongzhi.core.models import Notification, Unit
from gongzhi.core.notices import update_notification_template

REFERENCE_TABLES = (
    "core_region",
    "appeals_category",
    "appeals_timelimit",
    "core_calendaroverride",
    "core_notificationtemplate",
    "core_webhooksubscription",
    "auth_group",
    "core_notificationpreference",
    "appeals_dispatchrule",
    "core_unit",
)


@pytest.fixture
def submit(users, county, category):
    """submit(title) → the 201 body of a resident's submission through the full request handler (token auth)."""
    client = Client()
    token = Token.objects.create(user=users["resident"]).key

    def post(title: str) -> dict:
        body = {
            "kind": "complaint",
            "title": title,
            "content": "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。",
            "region": county["grid"].code,
            "category": category.code,
        }
        response = client.post(
            "/api/v1/appeals/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
        )
        assert response.status_code == 201, response.content
        return response.json()

    return post


def test_a_warm_intake_reads_the_stamp_once_and_no_reference_table(submit, dispatch_rule):
    submit("第一件诉求标题")
    with CaptureQueriesContext(connection) as queries:
        body = submit("第二件诉求标题")
    assert body["suggested_dispatch"]["name"] == dispatch_rule.unit.name
    statements = [q["sql"] for q in queries]
    assert sum("cachestamp" in sql for sql in statements) == 1
    read = [
        sql
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT")
        and any(re.search(rf'\b"?{table}"?\b', sql) for table in REFERENCE_TABLES)
    ]
    assert read == []


def test_an_admin_edit_is_used_by_the_next_submission(submit, users, category, dispatch_rule):
    first = submit("第一件诉求标题")
    received = Appeal.objects.get(pk=first["id"])
    assert received.reply_due == deadlines.add_limit(received.received_at, deadlines.Limit(7, "days"))

    admin = Client()
    admin.force_login(users["admin"])
    response = admin.post(
        "/admin/appeals/timelimit/add/",
        {
            "category": category.top.pk,
            "profile": "normal",
            "step": Step.REPLY,
            "amount": "2",
            "unit": "hours",
        },
    )
    assert response.status_code == 302, response.content
    update_notification_template(
        users["admin"], "appeal_received", subject="诉求已受理", body="已收到您的诉求 {{ number }}。"
    )
    other = Unit.objects.create(
        code="U-NEW", name="县城管局", kind="department", region=dispatch_rule.unit.region
    )
    DispatchRule.objects.filter(pk=dispatch_rule.pk).update(unit=other)  # as another process would

    second = submit("第二件诉求标题")
    appeal = Appeal.objects.get(pk=second["id"])
    assert appeal.reply_due == deadlines.add_limit(appeal.received_at, deadlines.Limit(2, "hours"))
    assert Notification.objects.get(recipient=users["resident"], body__contains=appeal.number).body == (
        f"已收到您的诉求 {appeal.number}。"
    )
    assert second["suggested_dispatch"] == {"id": other.pk, "name": "县城管局"}
