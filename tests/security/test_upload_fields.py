"""Every upload field of the product refuses a spoofed type and an over-limit file with a Chinese message, and
stores nothing. UPLOADS lists each field with how to post to it; test_every_upload_field_is_listed finds the
file fields of every form and serializer, so a new one without an entry here fails."""

import importlib
import re

import pytest
from django import forms as django_forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework import serializers

from gongzhi.appeals.models import Attachment
from gongzhi.credit.models import RepairEvidence
from gongzhi.deliberation.models import Ballot

EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200  # a Windows program
HTML = b"<html><script>alert(1)</script></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 4096  # real PNG bytes, but over the (test) limit


def appeal_form(world):
    return {
        "kind": "complaint",
        "title": "小区路灯坏了",
        "content": "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。",
        "region": world["appeal"].region_id,
    }


# (form or serializer class path, field) -> (role, url, data, file field name in the request, model that would
# hold the file)
UPLOADS = {
    ("gongzhi.appeals.forms.AppealForm", "attachments"): (
        "resident",
        "/appeals/new/",
        appeal_form,
        "attachments",
        Attachment,
    ),
    ("gongzhi.appeals.forms.StaffAppealForm", "attachments"): (
        "operator",
        "/appeals/staff/new/",
        lambda w: {
            **appeal_form(w),
            "channel": "hotline",
            "urgency": "normal",
            "appellant_name": "张三",
            "appellant_phone": "13612345678",
        },
        "attachments",
        Attachment,
    ),
    ("gongzhi.appeals.serializers.SubmitAppealSerializer", "attachments"): (
        "resident",
        "/api/v1/appeals/",
        lambda w: {**appeal_form(w), "channel": "mobile", "region": w["appeal"].region.code},
        "attachments",
        Attachment,
    ),
    # 补充材料 (issue 16): the appellant's photos added to their appeal, on the page and by the API
    ("gongzhi.appeals.forms.SupplementForm", "attachments"): (
        "resident",
        "/appeals/{appeal}/act/supplement/",
        lambda w: {"supplement-text": "补充一张照片"},
        "supplement-attachments",
        Attachment,
    ),
    ("gongzhi.appeals.serializers.SupplementInput", "attachments"): (
        "resident",
        "/api/v1/appeals/{appeal}/actions/supplement/",
        lambda w: {"text": "补充一张照片"},
        "attachments",
        Attachment,
    ),
    ("gongzhi.credit.forms.RepairForm", "evidence"): (
        "contact",
        "/credit/cases/{case}/repair/",
        lambda w: {
            f"r{w['case'].pk}-ground": "performance",
            f"r{w['case'].pk}-statement": "已全部履行完毕",
            f"r{w['case'].pk}-commitment": "本企业承诺所提交材料真实",
        },
        "r{case}-evidence",
        RepairEvidence,
    ),
    ("gongzhi.credit.serializers.RepairInput", "evidence"): (
        "contact",
        "/api/v1/credit/cases/{case}/repairs/",
        lambda w: {
            "ground": "performance",
            "statement": "已全部履行完毕",
            "commitment": "本企业承诺所提交材料真实",
        },
        "evidence",
        RepairEvidence,
    ),
    ("gongzhi.credit.forms.EnterpriseAppealForm", "attachment"): (
        "contact",
        "/credit/enterprises/{enterprise}/appeals/new/",
        appeal_form,
        "attachment",
        Attachment,
    ),
    ("gongzhi.deliberation.forms.PaperBallotForm", "proxy_document"): (
        "community_staff",
        "/deliberation/votes/{ovote}/paper/",
        lambda w: {
            "choice": "yes",
            "owner_id": w["owner"].pk,
            "proxy_name": "赵强",
            "proxy_scope": "代为表决",
        },
        "proxy_document",
        Ballot,
    ),
    ("gongzhi.deliberation.serializers.PaperBallotInput", "proxy_document"): (
        "community_staff",
        "/api/v1/deliberation/votes/{ovote}/paper-ballots/",
        lambda w: {
            "choice": "yes",
            "owner_id": w["owner"].pk,
            "proxy_name": "赵强",
            "proxy_scope": "代为表决",
        },
        "proxy_document",
        Ballot,
    ),
}
# Checked elsewhere: the admin's import sample is a CSV/Excel file parsed by appeals/exchange (fuzzed there).
NOT_ATTACHMENTS = {("gongzhi.appeals.exchange.admin.SampleForm", "sample")}

BAD = {
    "exe-as-jpg": ("photo.jpg", EXE, "image/jpeg", "内容与文件类型不符"),
    "html-as-png": ("photo.png", HTML, "image/png", "内容与文件类型不符"),
    "html": ("page.html", HTML, "text/html", "不支持的附件类型"),
    "too-large": ("big.png", PNG, "image/png", "超过"),
}


def file_fields():
    found = set()
    for app in apps.get_app_configs():
        if not app.name.startswith("gongzhi."):
            continue
        for module_name in ("forms", "serializers", "exchange.admin", "exchange.forms"):
            try:
                module = importlib.import_module(f"{app.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for name, obj in vars(module).items():
                if getattr(obj, "__module__", None) != module.__name__ or not isinstance(obj, type):
                    continue
                declared = getattr(obj, "base_fields", None) or getattr(obj, "_declared_fields", None) or {}
                for field_name, field in declared.items():
                    child = getattr(field, "child", None)
                    if isinstance(field, django_forms.FileField | serializers.FileField) or isinstance(
                        child, serializers.FileField
                    ):
                        found.add((f"{module.__name__}.{name}", field_name))
    return found


def test_every_upload_field_is_listed():
    found = file_fields()
    assert found, "no file field found: the walk is broken"
    assert found - NOT_ATTACHMENTS <= set(UPLOADS), found - NOT_ATTACHMENTS - set(UPLOADS)


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("field", list(UPLOADS), ids=[f"{c.rsplit('.', 1)[1]}.{f}" for c, f in UPLOADS])
def test_upload_refused(field, bad, world, settings):
    settings.GONGZHI = {**settings.GONGZHI, "ATTACHMENT_MAX_BYTES": 2048}
    role, url, data, file_name, model = UPLOADS[field]
    name, content, ctype, message = BAD[bad]
    fill = lambda s: re.sub(r"\{(\w+)\}", lambda m: str(world[m.group(1)].pk), s)  # noqa: E731
    client = Client()
    client.force_login(world["users"][role])
    before = model.objects.count()
    body = {**data(world), fill(file_name): SimpleUploadedFile(name, content, ctype)}
    response = client.post(fill(url), body, follow=True)
    text = response.content.decode()
    assert response.status_code in (200, 400), response.status_code
    assert message in text, text[:2000]
    assert model.objects.count() == before
