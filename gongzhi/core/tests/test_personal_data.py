"""个人信息保护法 (issue K item 6): the rules before a first login, a separate consent for an ID number, a
resident's own data to download, closing the account, and the retention rule."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.models import Appeal, AppealEvent, Attachment
from gongzhi.appeals.personal_data import apply_retention
from gongzhi.core.audit import broken_links
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import AuditEvent, Consent, User
from gongzhi.core.testing import client_for, text

ID = "11010519491231002X"


@pytest.fixture
def story(users, make_appeal):
    resident = users["resident"]
    resident.display_name = "王建国"
    resident.save(update_fields=["display_name"])
    appeal = make_appeal(
        resident,
        title="我是王建国，3栋201室漏水",
        content="我叫王建国，住3栋201室，电话13800138000。",
        attachments=[SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")],
    )
    return resident, appeal


def test_the_privacy_rules_are_public(client):
    page = text(client.get("/privacy/"))
    assert "个人信息处理规则" in page and "身份证号" in page and "5 年" in page


def test_an_id_number_needs_its_own_consent(users, county, category):
    operator = users["operator"]
    fields = {
        "kind": "complaint",
        "channel": "hotline",
        "title": "社保缴费记录不对",
        "content": "社保缴费少了三个月，请核实。",
        "region": county["grid"],
        "category": category,
        "appellant_name": "张三",
        "appellant_phone": "13612345678",
        "appellant_id_number": ID,
    }
    with pytest.raises(ServiceError) as refused:
        appeal_services.submit_appeal(operator, **fields)
    assert refused.value.field == "id_number_consent" and "单独同意" in refused.value.message
    appeal, _code = appeal_services.submit_appeal(operator, **fields, id_number_consent=True)
    consent = Consent.objects.get(subject=f"appeal:{appeal.pk}")
    assert consent.kind == "id_number" and consent.recorded_by == operator and "核实" in consent.purpose
    api = APIClient()
    api.force_authenticate(operator)
    body = {
        **{k: v for k, v in fields.items() if k not in ("region", "category")},
        "region": county["grid"].code,
    }
    answer = api.post("/api/v1/appeals/", body, format="json")
    assert answer.status_code == 400 and "id_number_consent" in json.dumps(answer.json())


def test_my_data_downloads_and_is_audited(story):
    resident, appeal = story
    client = client_for(resident)
    page = text(client.get("/accounts/me/data/"))
    assert "我的诉求：1 条" in page and "注销账号" in page
    data = json.loads(client.get("/accounts/me/data/?download=json").content)["data"]
    assert (
        data["appeals"]["rows"][0]["编号"] == appeal.number
        and data["account"]["rows"][0]["手机号"] == resident.phone
    )
    workbook = load_workbook(io.BytesIO(client.get("/accounts/me/data/?download=xlsx").content))
    assert "我的诉求" in workbook.sheetnames
    assert AuditEvent.objects.filter(action="export_personal_data", target=f"user:{resident.pk}").count() == 2
    api = APIClient()
    api.force_authenticate(resident)
    assert api.get("/api/v1/me/data/").json()["data"]["appeals"]["rows"][0]["编号"] == appeal.number


def test_closing_the_account_removes_the_person_and_keeps_the_appeal_anonymised(story, users):
    resident, appeal = story
    phone = resident.phone
    client = client_for(resident)
    wrong = client.post("/accounts/me/data/", {"confirm": "好的"})
    assert "请输入“注销”两字确认" in text(wrong)
    done = client.post("/accounts/me/data/", {"confirm": "注销", "reason": "搬家了"}, follow=True)
    assert "您的账号已注销" in text(done)
    resident.refresh_from_db()
    assert not resident.is_active and resident.phone is None and resident.display_name == ""
    assert resident.username == f"closed-{resident.pk}"
    appeal.refresh_from_db()
    assert appeal.appellant_id == resident.pk  # the record stays for the rates
    for leaked in ("王建国", phone, "201室"):
        assert leaked not in appeal.title + appeal.content + appeal.appellant_name + appeal.appellant_phone
    assert appeal.anonymised_at is not None
    assert AppealEvent.objects.filter(appeal=appeal, action="anonymise_closed_account").exists()
    assert AuditEvent.objects.filter(action="close_account", target=f"user:{resident.pk}").exists()
    assert list(broken_links()) == []
    assert client.get("/accounts/me/").status_code == 302  # logged out


def test_staff_cannot_close_their_account_here(users):
    client = client_for(users["handler"])
    page = text(client.get("/accounts/me/data/"))
    assert "注销账号" not in page
    client.post("/accounts/me/data/", {"confirm": "注销"})
    assert User.objects.get(pk=users["handler"].pk).is_active
    api = APIClient()
    api.force_authenticate(users["handler"])
    assert api.delete("/api/v1/me/data/").status_code == 403


def test_retention_anonymises_old_closed_appeals_and_deletes_old_attachments(story, users, settings):
    _resident, appeal = story
    recent = Appeal.objects.create(
        number="X1",
        kind="complaint",
        channel="hotline",
        title="近期",
        content="我是李四",
        region=appeal.region,
        appellant_name="李四",
        appellant_phone="13912345678",
        received_at=timezone.now(),
        closed_at=timezone.now() - timedelta(days=30),
    )
    Appeal.objects.filter(pk=appeal.pk).update(closed_at=timezone.now() - timedelta(days=365 * 5 + 10))
    counts = apply_retention()
    assert counts == {"anonymised": 1, "attachments_deleted": 1}
    appeal.refresh_from_db()
    assert appeal.appellant_phone == "" and "王建国" not in appeal.title and appeal.anonymised_at
    assert not Attachment.objects.filter(appeal=appeal).exists()
    assert AppealEvent.objects.filter(appeal=appeal, action="attachment_retention").exists()
    recent.refresh_from_db()
    assert recent.appellant_phone == "13912345678" and recent.anonymised_at is None
    assert apply_retention() == {"anonymised": 0, "attachments_deleted": 0}  # idempotent
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "appeals anonymised: 0" in out.getvalue()
    settings.GONGZHI = {**settings.GONGZHI, "RETENTION_YEARS": 0}
    assert apply_retention()["anonymised"] == 1  # the recent one, under a shorter rule
