"""Administrative penalties (parts C, D) in services, pages and API: the Art. 33 check before any penalty, the
exemption decision recorded instead, the classification and publicity period by the regime in force on the
decision date, and repair eligibility explained in Chinese."""

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import AuditEvent
from gongzhi.credit import services
from gongzhi.credit.models import AdministrativePenalty, PenaltyExemptionDecision

from .conftest import PASSWORD, make_user, uscc

D = date.fromisoformat
MANDATORY = {
    "first_violation": False,
    "minor_violation": True,
    "corrected_promptly": True,
    "harm": "none",
    "no_fault_proven": False,
}
DISCRETIONARY = {
    "first_violation": True,
    "minor_violation": False,
    "corrected_promptly": True,
    "harm": "minor",
    "no_fault_proven": False,
}
NONE = {
    "first_violation": False,
    "minor_violation": False,
    "corrected_promptly": False,
    "harm": "other",
    "no_fault_proven": False,
}


def days_ago(n: int) -> date:
    from django.utils import timezone

    return timezone.localdate() - timedelta(days=n)


def penalty(officer, enterprise, number="市监罚〔2026〕7号", **overrides):
    fields = {
        "authority": "示范县市场监督管理局",
        "decision_number": number,
        "decided_on": days_ago(100),
        "facts": "销售标签不符合规定的预包装食品",
        "penalty_types": ["fine"],
        "severity": "general",
        "fine_amount": "8000",
        **NONE,
    }
    return services.record_penalty(officer, enterprise=enterprise, **{**fields, **overrides})


EXEMPTION = {
    "authority": "示范县市场监督管理局",
    "decision_number": "市监不罚〔2026〕1号",
    "facts": "未按规定公示年度报告",
    "education": "当面讲解企业信息公示暂行条例，督促按时公示",
}


# ---------------------------------------------------------------- services


def test_exemption_decision_is_recorded_instead_of_a_penalty(officer, enterprise):
    decision = services.record_exemption_decision(
        officer, enterprise=enterprise, decided_on=days_ago(1), **EXEMPTION, **MANDATORY
    )
    assert decision.exemption == "mandatory" and "不予行政处罚" in decision.reason
    assert decision.education.startswith("当面讲解")
    assert not AdministrativePenalty.objects.exists()  # D-11: no penalty information
    audit = AuditEvent.objects.get(action="record_penalty_exemption")
    assert audit.target == f"credit.exemption:{decision.pk}" and audit.after["exemption"] == "mandatory"


def test_exemption_needs_the_education_and_a_ground(officer, enterprise):
    with pytest.raises(ServiceError) as exc:
        services.record_exemption_decision(
            officer,
            enterprise=enterprise,
            decided_on=days_ago(1),
            **{**EXEMPTION, "education": ""},
            **MANDATORY,
        )
    assert exc.value.field == "education"
    with pytest.raises(
        ServiceError
    ) as exc:  # Art. 33 does not apply: a penalty may be imposed, not waived here
        services.record_exemption_decision(
            officer, enterprise=enterprise, decided_on=days_ago(1), **EXEMPTION, **NONE
        )
    assert exc.value.code == "not_exempt"
    with pytest.raises(ServiceError) as exc:  # 首违不罚 is a choice: its reason is required
        services.record_exemption_decision(
            officer, enterprise=enterprise, decided_on=days_ago(1), **EXEMPTION, **DISCRETIONARY
        )
    assert exc.value.field == "reason"
    decision = services.record_exemption_decision(
        officer,
        enterprise=enterprise,
        decided_on=days_ago(1),
        reason="列入首违不罚清单，已当场改正",
        **EXEMPTION,
        **DISCRETIONARY,
    )
    assert decision.exemption == "discretionary"
    with pytest.raises(ServiceError) as exc:
        services.record_exemption_decision(
            officer, enterprise=enterprise, decided_on=days_ago(1), **EXEMPTION, **MANDATORY
        )
    assert exc.value.code == "duplicate"
    assert PenaltyExemptionDecision.objects.count() == 1


def test_only_officers_record(users, boss, enterprise):
    for user in (users["operator"], boss):
        with pytest.raises(PermissionDeniedError):
            services.record_exemption_decision(
                user, enterprise=enterprise, decided_on=days_ago(1), **EXEMPTION, **MANDATORY
            )
        with pytest.raises(PermissionDeniedError):
            penalty(user, enterprise)


def test_penalty_input_is_checked(officer, enterprise):
    with pytest.raises(ServiceError) as exc:
        penalty(officer, enterprise, decided_on=days_ago(-1))
    assert exc.value.field == "decided_on"
    with pytest.raises(ServiceError) as exc:
        penalty(officer, enterprise, fine_amount="0")
    assert exc.value.field == "fine_amount"
    with pytest.raises(ServiceError) as exc:
        penalty(officer, enterprise, penalty_types=["fine", "flogging"])
    assert exc.value.field == "penalty_types"
    with pytest.raises(ServiceError) as exc:
        penalty(officer, enterprise, severity="huge")
    assert exc.value.field == "severity"
    assert not AdministrativePenalty.objects.exists()


def test_recording_and_performance_are_audited_and_change_eligibility(officer, enterprise):
    p = penalty(officer, enterprise)
    assert AuditEvent.objects.get(action="record_penalty").after["publicity_months"] == [3, 12]
    before = services.penalty_repair_eligibility(p)
    assert not before["eligible"] and any("尚未全面履行" in r for r in before["reasons"])
    with pytest.raises(ServiceError):
        services.mark_penalty_performed(officer, p.pk, note="")
    services.mark_penalty_performed(officer, p.pk, note="罚款已缴清，标签已整改")
    with pytest.raises(IllegalTransition):
        services.mark_penalty_performed(officer, p.pk, note="再次")
    p.refresh_from_db()
    after = services.penalty_repair_eligibility(p)
    assert after["eligible"] and "可以申请信用修复" in after["reasons"][0]
    assert AuditEvent.objects.filter(action="penalty_performed", target=f"credit.penalty:{p.pk}").count() == 1


def test_publicity_explained_by_regime(officer, enterprise):
    general = penalty(officer, enterprise, decided_on=D("2026-05-31"))
    info = services.penalty_publicity(general, today=D("2026-12-01"))
    assert info["published"] and info["active"]
    assert (info["min_end"], info["max_end"]) == (D("2026-08-31"), D("2027-05-31"))
    assert (
        "信用修复管理办法" in info["summary"]
        and "最短3个月" in info["summary"]
        and "2027年05月31日" in info["summary"]
    )
    assert not services.penalty_publicity(general, today=D("2027-05-31"))["active"]
    old_minor = penalty(
        officer,
        enterprise,
        number="罚旧",
        decided_on=D("2026-03-31"),
        severity="minor",
        penalty_types=["warning"],
        fine_amount="0",
    )
    info = services.penalty_publicity(old_minor)
    assert not info["published"] and "不予公示" in info["summary"] and "第58号" in info["summary"]
    new_minor = penalty(
        officer,
        enterprise,
        number="罚新",
        decided_on=D("2026-04-01"),
        severity="minor",
        penalty_types=["criticism"],
        fine_amount="0",
    )
    info = services.penalty_publicity(new_minor, today=D("2026-05-01"))
    assert info["published"] and "可以不予公示" in info["summary"] and "最长3个月" in info["summary"]


# ---------------------------------------------------------------- pages


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def check_post(factors, step="check", **extra):
    data = {"step": step, "facts": "未按规定公示年度报告", "harm": factors["harm"], **extra}
    data.update(
        {
            k: "on"
            for k in ("first_violation", "minor_violation", "corrected_promptly", "no_fault_proven")
            if factors[k]
        }
    )
    return data


def test_the_check_comes_first(client, officer, enterprise):
    login(client, officer)
    page = client.get(f"/credit/enterprises/{enterprise.pk}/penalties/new/").content.decode()
    assert 'id="check-form"' in page and 'id="penalty-form"' not in page and 'id="exemption-form"' not in page


def test_mandatory_blocks_the_penalty_and_records_the_exemption(client, officer, enterprise):
    login(client, officer)
    url = f"/credit/enterprises/{enterprise.pk}/penalties/new/"
    page = client.post(url, check_post(MANDATORY)).content.decode()
    assert 'data-result="mandatory"' in page and "依法不予行政处罚" in page and "不产生行政处罚信息" in page
    assert 'id="exemption-form"' in page and 'id="penalty-form"' not in page
    # a forged penalty post is refused by the service all the same
    r = client.post(
        url,
        check_post(
            MANDATORY,
            step="penalty",
            **{
                "p-authority": "示范县市场监督管理局",
                "p-decision_number": "伪造1号",
                "p-decided_on": str(days_ago(1)),
                "p-penalty_types": ["fine"],
                "p-fine_amount": "100",
                "p-severity": "minor",
            },
        ),
    )
    assert r.status_code == 200 and "不予行政处罚" in r.content.decode()
    assert not AdministrativePenalty.objects.exists()
    r = client.post(
        url,
        check_post(
            MANDATORY,
            step="exemption",
            **{
                "x-authority": "示范县市场监督管理局",
                "x-decision_number": "市监不罚〔2026〕3号",
                "x-decided_on": str(days_ago(1)),
                "x-education": "已当面教育",
            },
        ),
    )
    assert r.status_code == 302 and r.url == f"/credit/enterprises/{enterprise.pk}/"
    decision = PenaltyExemptionDecision.objects.get()
    assert decision.exemption == "mandatory" and decision.facts == "未按规定公示年度报告"
    page = client.get(r.url).content.decode()
    assert "市监不罚〔2026〕3号" in page and "依法不予处罚" in page


def test_discretionary_asks_for_a_choice_with_reasons(client, officer, enterprise):
    login(client, officer)
    url = f"/credit/enterprises/{enterprise.pk}/penalties/new/"
    page = client.post(url, check_post(DISCRETIONARY)).content.decode()
    assert 'data-result="discretionary"' in page and "首违不罚" in page
    assert (
        'id="exemption-form"' in page
        and 'id="penalty-form"' in page
        and "p-exemption_declined_reason" in page
    )
    fields = {
        "p-authority": "示范县市场监督管理局",
        "p-decision_number": "市监罚〔2026〕11号",
        "p-decided_on": str(days_ago(100)),
        "p-penalty_types": ["warning", "fine"],
        "p-fine_amount": "3000",
        "p-severity": "general",
    }
    r = client.post(url, check_post(DISCRETIONARY, step="penalty", **fields))
    assert r.status_code == 200 and "不适用首违不罚的理由" in r.content.decode()
    assert not AdministrativePenalty.objects.exists()
    r = client.post(
        url,
        check_post(
            DISCRETIONARY,
            step="penalty",
            **fields,
            **{"p-exemption_declined_reason": "两年内同类违法已被警告，不宜首违不罚"},
        ),
    )
    p = AdministrativePenalty.objects.get()
    assert r.status_code == 302 and r.url == f"/credit/penalties/{p.pk}/"
    assert (
        p.penalty_types == ["warning", "fine"]
        and p.exemption == "discretionary"
        and p.facts == "未按规定公示年度报告"
    )
    page = client.get(r.url).content.decode()
    assert "一般" in page and "最短3个月" in page and "最长12个月" in page
    assert "两年内同类违法已被警告" in page and "暂不符合信用修复条件" in page and "尚未全面履行" in page
    r = client.post(r.url, {"note": "罚款已缴清"})
    page = client.get(r.url).content.decode()
    assert "符合信用修复条件" in page and "暂不符合" not in page and "已全面履行处罚决定" in page


def test_no_exemption_shows_only_the_penalty_form(client, officer, enterprise):
    login(client, officer)
    url = f"/credit/enterprises/{enterprise.pk}/penalties/new/"
    page = client.post(url, check_post(NONE)).content.decode()
    assert 'data-result="none"' in page and 'id="exemption-form"' not in page and 'id="penalty-form"' in page
    assert "p-exemption_declined_reason" not in page
    r = client.post(
        url,
        check_post(
            NONE,
            step="penalty",
            **{
                "p-authority": "示范县应急管理局",
                "p-decision_number": "应急罚〔2026〕2号",
                "p-decided_on": str(days_ago(30)),
                "p-penalty_types": ["licence_revocation"],
                "p-severity": "serious",
            },
        ),
    )
    p = AdministrativePenalty.objects.get()
    page = client.get(r.url).content.decode()
    assert p.severity == "serious" and "严重" in page and "最短12个月" in page and "最短公示期未满" in page


def test_bad_check_input_stays_on_step_one(client, officer, enterprise):
    login(client, officer)
    page = client.post(
        f"/credit/enterprises/{enterprise.pk}/penalties/new/", {"step": "check", "facts": "", "harm": "x"}
    ).content.decode()
    assert 'id="check-form"' in page and "errorlist" in page and "check-result" not in page


def test_penalty_pages_are_scoped(client, officer, boss, users, enterprise):
    p = penalty(officer, enterprise)
    login(client, boss)  # the enterprise's contact reads its own record and sees it on its own page
    page = client.get(f"/credit/penalties/{p.pk}/").content.decode()
    assert p.decision_number in page and "performed-form" not in page
    assert client.post(f"/credit/penalties/{p.pk}/", {"note": "自称已履行"}).status_code == 403
    assert p.decision_number in client.get("/credit/mine/").content.decode()
    assert client.get("/credit/penalties/").status_code == 403
    assert client.get(f"/credit/enterprises/{enterprise.pk}/penalties/new/").status_code == 403
    client.logout()
    login(client, users["operator"])
    assert client.get(f"/credit/penalties/{p.pk}/").status_code == 404
    client.logout()
    login(client, officer)
    listing = client.get("/credit/penalties/").content.decode()
    assert p.decision_number in listing and enterprise.name in listing
    assert p.decision_number in client.get(f"/credit/penalties/?enterprise={enterprise.pk}").content.decode()


# ---------------------------------------------------------------- API


def api(user=None):
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def test_api_lists_and_explains_penalties(officer, boss, users, enterprise):
    p = penalty(officer, enterprise)
    other = services.create_enterprise(
        officer,
        name="别家公司",
        uscc=uscc("91430100MA4L0XY4Q"),
        contacts=[{"name": "周总", "user": make_user("zhou", None)}],
    )
    penalty(officer, other, number="别家罚1号")
    assert len(api(officer).get("/api/v1/credit/penalties/").json()["results"]) == 2
    rows = api(boss).get("/api/v1/credit/penalties/").json()["results"]
    assert [r["decision_number"] for r in rows] == [p.decision_number]
    assert rows[0]["severity_label"] == "一般" and rows[0]["publicity"]["published"] is True
    assert rows[0]["repair"]["eligible"] is False
    assert api(users["operator"]).get("/api/v1/credit/penalties/").json()["results"] == []
    assert (
        api(officer)
        .get(f"/api/v1/credit/penalties/?enterprise={other.pk}")
        .json()["results"][0]["decision_number"]
        == "别家罚1号"
    )
    assert api(officer).get("/api/v1/credit/penalties/?enterprise=x").status_code == 400
    assert api(boss).get(f"/api/v1/credit/penalties/{p.pk}/").status_code == 200
    assert api(users["resident"]).get(f"/api/v1/credit/penalties/{p.pk}/").status_code == 404
    assert (
        api(boss)
        .post(f"/api/v1/credit/penalties/{p.pk}/performed/", {"note": "已缴"}, format="json")
        .status_code
        == 403
    )
    r = api(officer).post(f"/api/v1/credit/penalties/{p.pk}/performed/", {"note": "已缴清"}, format="json")
    assert r.status_code == 200 and r.json()["performed"] is True and r.json()["repair"]["eligible"] is True
    r = api(boss).post("/api/v1/credit/penalties/", {"enterprise": enterprise.pk}, format="json")
    assert r.status_code == 403


def test_api_records_the_exemption_decision(officer, boss, enterprise):
    body = {"enterprise": enterprise.pk, "decided_on": str(days_ago(2)), **EXEMPTION, **MANDATORY}
    r = api(officer).post("/api/v1/credit/penalties/exemptions/", body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["exemption"] == "mandatory"
    r = api(officer).post(
        "/api/v1/credit/penalties/exemptions/", {**body, **NONE, "decision_number": "x2"}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "not_exempt"
    r = api(officer).post(
        "/api/v1/credit/penalties/exemptions/", {**body, "enterprise": "abc"}, format="json"
    )
    assert r.status_code == 400
    rows = api(boss).get("/api/v1/credit/penalties/exemptions/").json()["results"]
    assert [row["decision_number"] for row in rows] == [EXEMPTION["decision_number"]]
