"""The API: the same services, errors as {"code", "detail"}, the public query, and signed acknowledgements."""

import json
import re
import time
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from gongzhi.core import outbox
from gongzhi.core.outbox import OutboxMessage
from gongzhi.credit.choices import CaseState

from .conftest import LISTING

D = date.fromisoformat


def api(user=None):
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def test_officer_opens_and_acts(officer, enterprise):
    client = api(officer)
    r = client.post(
        "/api/v1/credit/cases/",
        {
            "enterprise": enterprise.pk,
            "court": "示范县人民法院",
            "case_number": "(2026)湘0101执77号",
            "basis_document": "判决书",
            "creditor": "张三",
            "obligation": "支付货款",
            "amount": "1000.00",
            "filed_on": "2026-01-05",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    r = client.post(f"/api/v1/credit/cases/{pk}/actions/publish/", {}, format="json")
    assert (
        r.status_code == 409 and r.json()["code"] == "illegal_transition" and "不能执行" in r.json()["detail"]
    )
    r = client.post(
        f"/api/v1/credit/cases/{pk}/actions/decide_listing/",
        {"ground": "G1", "full_security": True, **{k: str(v) for k, v in LISTING.items()}},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "listing_barred"
    r = client.post(
        f"/api/v1/credit/cases/{pk}/actions/decide_listing/",
        {"ground": "G1", **{k: str(v) for k, v in LISTING.items()}},
        format="json",
    )
    assert r.status_code == 200 and r.json()["case"]["state"] == CaseState.DECIDED
    r = client.post(f"/api/v1/credit/cases/{pk}/actions/publish/", {"bogus": 1}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    r = client.post(f"/api/v1/credit/cases/{pk}/actions/nope/", {}, format="json")
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/credit/cases/{pk}/actions/publish/", "{not json", content_type="application/json"
    )
    assert r.status_code == 400


def test_public_query_needs_no_login(published_case, enterprise):
    case = published_case("G1")
    r = api().get("/api/v1/credit/query/", {"q": enterprise.uscc})
    assert r.status_code == 200
    assert [x["case_number"] for x in r.json()["results"]] == [case.case_number]
    assert "id" not in r.json()["results"][0]


def test_outsiders_are_refused(users, published_case):
    case = published_case("G1")
    assert api(users["resident"]).get(f"/api/v1/credit/cases/{case.pk}/").status_code == 404
    assert api(users["resident"]).get("/api/v1/credit/enterprises/").status_code == 403
    assert api().get("/api/v1/credit/cases/").status_code in (401, 403)


def test_enterprise_applies_for_repair(boss, officer, published_case):
    case = published_case("G1")
    r = api(boss).post(
        f"/api/v1/credit/cases/{case.pk}/repairs/",
        {
            "ground": "performance",
            "statement": "已全部履行完毕",
            "commitment": "本企业承诺所提交材料真实并承担责任",
            "evidence": [SimpleUploadedFile("a.pdf", b"%PDF-1.4\n", "application/pdf")],
        },
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    r = api(officer).post(
        f"/api/v1/credit/repairs/{r.json()['id']}/decision/",
        {"approve": True, "reason": "准予"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"


def test_penalty_check(officer):
    r = api(officer).post(
        "/api/v1/credit/penalties/check/",
        {
            "first_violation": True,
            "minor": False,
            "corrected_promptly": True,
            "harm": "minor",
            "no_fault_proven": False,
        },
        format="json",
    )
    assert r.json()["result"] == "discretionary"
    r = api(officer).post("/api/v1/credit/penalties/check/", {"harm": "x"}, format="json")
    assert r.status_code == 400


def test_signed_acknowledgement(officer, published_case, platforms, receiver):
    receiver.confirm = False
    case = published_case("G1")
    outbox.deliver_due()
    platform = platforms[0]
    message = OutboxMessage.objects.get(subject=f"credit.case:{case.pk}", target=platform.target)
    assert message.delivered_at and message.acknowledged_at is None
    body = json.dumps({"idempotency_key": message.idempotency_key}).encode()
    ts = str(int(time.time()))
    url = f"/api/v1/credit/platforms/{platform.pk}/ack/"
    r = api().post(
        url,
        body,
        content_type="application/json",
        headers={outbox.TIMESTAMP_HEADER: ts, outbox.SIGNATURE_HEADER: outbox.sign("wrong", ts, body)},
    )
    assert r.status_code == 401
    r = api().post(
        url,
        body,
        content_type="application/json",
        headers={
            outbox.TIMESTAMP_HEADER: ts,
            outbox.SIGNATURE_HEADER: outbox.sign(platform.secret, ts, body),
        },
    )
    assert r.status_code == 200
    message.refresh_from_db()
    assert message.acknowledged_at is not None
    r = api(officer).get("/api/v1/credit/deliveries/overdue/")
    assert r.status_code == 200 and r.json()["results"] == []


def test_record_penalty(officer, enterprise):
    body = {
        "enterprise": enterprise.pk,
        "authority": "示范县市场监督管理局",
        "decision_number": "市监罚〔2026〕9号",
        "decided_on": "2026-05-10",
        "facts": "未按规定公示年度报告",
        "penalty_types": ["fine"],
        "severity": "general",
        "fine_amount": "5000",
        "first_violation": False,
        "minor_violation": True,
        "corrected_promptly": True,
        "harm": "none",
        "no_fault_proven": False,
    }
    r = api(officer).post("/api/v1/credit/penalties/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "penalty_exempt"
    r = api(officer).post(
        "/api/v1/credit/penalties/", {**body, "minor_violation": False, "harm": "other"}, format="json"
    )
    assert r.status_code == 201, r.json()
    data = r.json()
    assert (data["regime"], data["publicity_min_months"], data["publicity_max_months"]) == ("2026", 3, 12)
    assert data["repair"]["earliest"] == "2026-08-10"


def test_schema_lists_the_credit_paths(db):
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/v1/credit/query/",
        "/api/v1/credit/cases/",
        "/api/v1/credit/cases/{id}/actions/decide_listing/",  # one operation per action
        "/api/v1/credit/cases/{id}/repairs/",
        "/api/v1/credit/penalties/check/",
        "/api/v1/credit/platforms/{platform_id}/ack/",
    ):
        assert path in paths, path


NOT_TEXT = [[1], {"a": 1}, 12345, True]


def _bad_bodies(enterprise, case):
    """(url, body) where one field holds `value` in place of an id or a text: each must be a 400 in Chinese."""
    return [
        lambda v: (
            "/api/v1/credit/cases/",
            {
                "enterprise": v,
                "court": "示范县人民法院",
                "case_number": "(2026)执9号",
                "basis_document": "判决书",
                "creditor": "张三",
                "obligation": "支付货款",
                "amount": "1000.00",
                "filed_on": "2026-01-05",
            },
        ),
        lambda v: ("/api/v1/credit/enterprises/", {"name": v, "uscc": "91430100MA4L0XY3T"}),
        lambda v: ("/api/v1/credit/enterprises/", {"name": "星城物流有限公司", "uscc": v}),
        lambda v: (
            "/api/v1/credit/enterprises/",
            {"name": "星城物流有限公司", "uscc": "91430100MA4L0XY3T", "legal_representative": v},
        ),
        lambda v: (
            "/api/v1/credit/enterprises/",
            {
                "name": "星城物流有限公司",
                "uscc": "91430100MA4L0XY3T",
                "contacts": [{"name": "刘经理", "phone": v}],
            },
        ),
        lambda v: (
            f"/api/v1/credit/cases/{case.pk}/actions/issue_notice/",
            {"grace_months": 2, "reason": "被执行人有履行能力", "intended_ground": "G2", "notice_number": v},
        ),
        lambda v: (
            f"/api/v1/credit/cases/{case.pk}/actions/issue_notice/",
            {"grace_months": 2, "reason": v, "intended_ground": "G2"},
        ),
        lambda v: ("/api/v1/credit/repairs/1/decision/", {"approve": True, "reason": v}),
    ]


def test_ids_and_texts_of_the_wrong_type_are_a_chinese_400(officer, enterprise, make_case):
    client = api(officer)
    case = make_case()
    for build in _bad_bodies(enterprise, case):
        for value in [*NOT_TEXT, "abc"] if build("abc")[0] == "/api/v1/credit/cases/" else NOT_TEXT:
            url, body = build(value)
            response = client.post(url, body, format="json")
            assert response.status_code == 400, (url, body, response.status_code, response.content[:300])
            detail = response.json()["detail"]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), (url, body, detail)


@pytest.mark.parametrize(
    "body, field",
    [
        (
            {"contacts": [{"name": "刘经理", "phone": "13600136001", "user": 5}]},
            "contacts",
        ),  # an account by id
        ({"contacts": "刘经理"}, "contacts"),
        ({"contacts": [5]}, "contacts"),
        ({"contacts": [{"name": "刘经理", "phone": "13600136001", "is_primary": "yes"}]}, "contacts"),
        ({"region": 3}, "region"),
        ({"region": "no-such-region"}, "region"),
    ],
)
def test_enterprise_fields_of_the_wrong_shape_are_a_chinese_400(officer, body, field):
    """contacts[].user: 5 and region: 3 were 500s, and a contact that is no object quoted Python (issue N item 16)."""
    response = api(officer).post(
        "/api/v1/credit/enterprises/",
        {"name": "星城物流有限公司", "uscc": "91430100MA4L0XY3T", **body},
        format="json",
    )
    assert response.status_code == 400, response.content
    data = response.json()
    assert (
        field in data["fields"]
        and "argument" not in data["detail"]
        and re.search(r"[\u4e00-\u9fff]", data["detail"])
    )


@pytest.mark.parametrize("amount", ["1e999999", "NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_non_finite_amount_is_a_chinese_400(officer, enterprise, amount):
    response = api(officer).post(
        "/api/v1/credit/cases/",
        {
            "enterprise": enterprise.pk,
            "court": "示范县人民法院",
            "case_number": "(2026)执9号",
            "basis_document": "判决书",
            "creditor": "张三",
            "obligation": "支付货款",
            "amount": amount,
            "filed_on": "2026-01-05",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "amount" in response.json()["fields"]


def test_every_case_action_is_its_own_operation(db):
    """One operation per action (as appeals'), each with its own input, a typed answer and credit's error codes."""
    from gongzhi.credit.api import ACTIONS

    schema = APIClient().get("/api/schema/?format=json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    for name, action in ACTIONS.items():
        operation = paths[f"/api/v1/credit/cases/{{id}}/actions/{name}/"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body.endswith(f"/{action.input.__name__.removesuffix('Serializer')}"), (name, body)
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert answer.endswith("/CaseActionResult"), name
        for status in ("400", "403", "404", "409"):
            error = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert error.endswith("/CreditError"), (name, status)
    assert "/api/v1/credit/cases/{id}/actions/{action}/" not in paths
    codes = components[components["CreditError"]["properties"]["code"]["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert {"listing_barred", "illegal_transition", "invalid", "bad_signature", "not_found"} <= set(
        codes["enum"]
    )
    for path, methods in paths.items():
        if path.startswith("/api/v1/credit/"):
            for method, operation in methods.items():
                ok = next(v for k, v in operation["responses"].items() if k.startswith("2"))
                assert ok.get("content", {}).get("application/json", {}).get("schema"), (method, path)
                assert "additionalProperties" not in ok["content"]["application/json"]["schema"], (
                    method,
                    path,
                )


def test_bad_input_is_invalid_with_fields_in_chinese(officer, make_case):
    """Unknown fields, fields of the wrong type and missing ones: a 400 `invalid` naming each field in Chinese, never
    a message quoting Python (the old TypeError catch answered "unexpected keyword argument 'bogus'")."""
    client, case = api(officer), make_case()
    url = f"/api/v1/credit/cases/{case.pk}/actions/issue_notice/"
    for body, fields in (
        ({"bogus": 1, "grace_months": 2, "reason": "有履行能力", "intended_ground": "G2"}, {"bogus"}),
        (
            {"grace_months": "两个月", "reason": "有履行能力", "intended_ground": "G9"},
            {"grace_months", "intended_ground"},
        ),
        ({}, {"grace_months", "reason", "intended_ground"}),
    ):
        r = client.post(url, body, format="json")
        data = r.json()
        assert r.status_code == 400 and data["code"] == "invalid", data
        assert set(data["fields"]) == fields, data
        for messages in data["fields"].values():
            assert all(re.search(r"[\u4e00-\u9fff]", m) and "argument" not in m for m in messages), data
    case.refresh_from_db()
    assert case.state == CaseState.WARNED


def test_every_refusal_code_is_in_credits_catalogue(officer, users, enterprise, make_case):
    from gongzhi.core.errors import codes_for

    known = {code for code, _label in codes_for("credit")}
    client, case = api(officer), make_case()
    answers = [
        client.post(f"/api/v1/credit/cases/{case.pk}/actions/publish/", {}, format="json"),
        client.post(f"/api/v1/credit/cases/{case.pk}/actions/publish/", {"x": 1}, format="json"),
        client.post(f"/api/v1/credit/cases/{case.pk}/actions/nope/", {}, format="json"),
        client.post(f"/api/v1/credit/cases/{case.pk}/actions/publish/", "{", content_type="application/json"),
        api(users["resident"]).get("/api/v1/credit/enterprises/"),
        client.post("/api/v1/credit/enterprises/", {"name": "星城物流", "uscc": "123"}, format="json"),
    ]
    codes = [r.json()["code"] for r in answers]
    assert codes == [
        "illegal_transition",
        "invalid",
        "not_found",
        "parse_error",
        "permission_denied",
        "invalid_uscc",
    ]
    assert set(codes) <= known


def test_optional_values_sent_as_null_are_not_sent_and_a_fine_fits_its_column(officer, enterprise, make_case):
    case = make_case()
    r = api(officer).post(
        f"/api/v1/credit/cases/{case.pk}/actions/issue_notice/",
        {"grace_months": 2, "reason": "被执行人有履行能力", "intended_ground": "G2", "notice_number": None},
        format="json",
    )
    assert r.status_code == 200 and r.json()["case"]["state"] == CaseState.IN_GRACE, r.json()
    body = {
        "enterprise": enterprise.pk,
        "authority": "示范县市场监督管理局",
        "decision_number": "市监罚〔2026〕10号",
        "decided_on": "2026-05-10",
        "facts": "未按规定公示年度报告",
        "penalty_types": ["fine"],
        "severity": "general",
        "fine_amount": "1000000000000",  # 10^12 yuan: past the column's 14 digits
        "first_violation": False,
        "minor_violation": False,
        "corrected_promptly": False,
        "harm": "other",
        "no_fault_proven": False,
    }
    r = api(officer).post("/api/v1/credit/penalties/", body, format="json")
    assert r.status_code == 400 and "fine_amount" in r.json()["fields"], r.json()


def test_a_forms_csrf_token_is_not_an_unknown_field(officer, make_case):
    case = make_case()
    r = api(officer).post(
        f"/api/v1/credit/cases/{case.pk}/actions/issue_notice/",
        {
            "grace_months": 2,
            "reason": "被执行人有履行能力",
            "intended_ground": "G2",
            "csrfmiddlewaretoken": "x",
        },
        format="multipart",
    )
    assert r.status_code == 200, r.json()
