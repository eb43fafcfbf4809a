"""The credit services: bars, terms, grace period and warnings, deadlines, deletion grounds, objections, repair,
shielding, and the Art. 33 check before a penalty."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core.audit import verify_chain
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import Notification
from gongzhi.credit import rules, selectors, services
from gongzhi.credit.choices import ITEM_GROUNDS, CaseState, DeadlineKind, DeletionGround, ObjectionStatus
from gongzhi.credit.models import CaseDeadline, CreditEvent, CreditWarning

from .conftest import LISTING, uscc

D = date.fromisoformat
PDF = b"%PDF-1.4\n%evidence\n"


def evidence(name="证明.pdf", data=PDF, ctype="application/pdf"):
    return SimpleUploadedFile(name, data, ctype)


# ---------------------------------------------------------------- enterprises


def test_enterprise_requires_a_valid_uscc(officer):
    with pytest.raises(ServiceError) as exc:
        services.create_enterprise(officer, name="某公司", uscc="91430100MA4L0XY1QX")
    assert exc.value.code == "invalid_uscc"
    code = uscc("91430100MA4L0XY1Q")
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ServiceError):
        services.create_enterprise(officer, name="某公司", uscc=bad)


def test_enterprise_is_unique_and_only_officers_register(officer, enterprise, users):
    with pytest.raises(ServiceError) as exc:
        services.create_enterprise(officer, name="同码公司", uscc=enterprise.uscc.lower())
    assert exc.value.code == "duplicate"
    with pytest.raises(PermissionDeniedError):
        services.create_enterprise(users["leader"], name="某公司", uscc=uscc("91430100MA4L0XY2Q"))


def test_open_case_warns_the_contacts(make_case, boss):
    case = make_case()
    assert case.state == CaseState.WARNED
    note = Notification.objects.filter(recipient=boss).get()
    assert "风险提示" in note.subject and case.case_number in note.body
    assert Notification.objects.filter(phone="13600136000", channel="sms").count() == 1


def test_creditor_application_has_a_15_day_decision_deadline(make_case):
    case = make_case(creditor_applied_on=D("2026-09-16"))  # + 15 days = 2026-10-01, National Day → 10-08
    deadline = case.deadlines.get(kind=DeadlineKind.LISTING_APPLICATION)
    assert deadline.due_on == D("2026-10-08")


# ---------------------------------------------------------------- grace period and warnings


def test_notice_sets_the_grace_period_and_schedules_three_warnings(officer, make_case, boss):
    case = make_case()
    case = services.issue_notice(
        officer,
        case.pk,
        grace_months=3,
        reason="有履行意愿、暂时困难",
        intended_ground="G1",
        notice_on=D("2026-07-01"),
    )
    assert case.state == CaseState.IN_GRACE
    assert case.grace_end == D(
        "2026-10-08"
    )  # 10-01 is National Day: the period rolls to the next working day
    assert case.grace_granted_by == officer
    warnings = {w.kind: w for w in case.warnings.all()}
    assert warnings["notice"].sent_at is not None and warnings["notice"].recipients == 1
    assert warnings["halfway"].scheduled_on == D("2026-08-19") and warnings["halfway"].sent_at is None
    assert warnings["before_end"].scheduled_on == D("2026-10-01")
    assert Notification.objects.filter(recipient=boss, subject="预惩戒通知书").count() == 1


def test_grace_months_must_be_one_to_three(officer, make_case):
    case = make_case()
    for months in (0, 4, "x"):
        with pytest.raises(ServiceError):
            services.issue_notice(
                officer, case.pk, grace_months=months, reason="暂时困难", intended_ground="G1"
            )
    case.refresh_from_db()
    assert case.state == CaseState.WARNED


def test_warning_days_are_configurable(officer, make_case, settings):
    settings.GONGZHI = {**settings.GONGZHI, "CREDIT_WARNING_DAYS_BEFORE_END": 14}
    case = services.issue_notice(
        officer,
        make_case().pk,
        grace_months=1,
        reason="暂时困难",
        intended_ground="G1",
        notice_on=D("2026-03-02"),
    )
    assert case.warnings.get(kind="before_end").scheduled_on == D("2026-03-19")


def test_sweep_sends_each_warning_once(officer, make_case, boss):
    case = services.issue_notice(
        officer,
        make_case().pk,
        grace_months=2,
        reason="暂时困难",
        intended_ground="G1",
        notice_on=D("2026-03-02"),
    )
    assert case.grace_end == D("2026-05-06")  # 05-02 falls in the May Day holiday
    assert services.sweep(today=D("2026-04-02"))["warnings"] == 0
    assert services.sweep(today=D("2026-04-03"))["warnings"] == 1  # half-way
    assert services.sweep(today=D("2026-04-03"))["warnings"] == 0  # idempotent
    assert services.sweep(today=D("2026-04-28"))["warnings"] == 0
    assert services.sweep(today=D("2026-04-29"))["warnings"] == 1  # a week before the end
    assert services.sweep(today=D("2026-05-06"))["warnings"] == 0
    assert CreditWarning.objects.filter(case=case, sent_at__isnull=False).count() == 3
    assert Notification.objects.filter(recipient=boss, subject__startswith="信用提醒").count() == 2
    assert case.events.filter(action="warning").count() == 3


def test_settling_in_grace_means_no_listing_and_cancels_warnings(officer, make_case):
    case = services.issue_notice(
        officer,
        make_case().pk,
        grace_months=2,
        reason="暂时困难",
        intended_ground="G1",
        notice_on=D("2026-03-02"),
    )
    case = services.settle(officer, case.pk, settlement="performed", settled_on=D("2026-03-20"))
    assert case.state == CaseState.NOT_LISTED and case.performed_amount == case.amount
    assert not case.warnings.filter(sent_at__isnull=True, cancelled=False).exists()
    assert services.sweep(today=D("2026-05-01"))["warnings"] == 0
    assert case.deadlines.get(kind=DeadlineKind.GRACE_END).met_on == D("2026-03-20")


def test_no_listing_decision_before_the_grace_period_ends(officer, make_case):
    case = services.issue_notice(
        officer,
        make_case().pk,
        grace_months=1,
        reason="暂时困难",
        intended_ground="G1",
        notice_on=D("2026-05-06"),
    )
    with pytest.raises(ServiceError) as exc:
        services.decide_listing(
            officer,
            case.pk,
            ground="G1",
            **{**LISTING, "decided_on": case.grace_end, "served_on": case.grace_end},
        )
    assert exc.value.code == "in_grace"
    case = services.decide_listing(
        officer,
        case.pk,
        ground="G1",
        **{
            **LISTING,
            "decided_on": case.grace_end + timedelta(days=1),
            "served_on": case.grace_end + timedelta(days=1),
        },
    )
    assert case.state == CaseState.DECIDED
    assert not case.warnings.filter(
        sent_at__isnull=True, cancelled=False
    ).exists()  # no warnings after the decision


# ---------------------------------------------------------------- the listing decision


@pytest.mark.parametrize(
    ("ground", "flag", "code"),
    [
        ("G1", "debtor_is_minor", "minor"),
        ("G3", "debtor_is_minor", "minor"),
        ("G1", "is_unit_officer", "unit_officer"),
        ("G5", "is_unit_officer", "unit_officer"),
        ("G1", "full_security", "security"),
        ("G1", "seized_assets_sufficient", "seized_assets"),
        ("G1", "later_in_order", "performance_order"),
    ],
)
def test_every_bar_refuses_the_listing(officer, make_case, ground, flag, code):
    case = make_case()
    term = None if ground == "G1" else 2
    with pytest.raises(ServiceError) as exc:
        services.decide_listing(officer, case.pk, ground=ground, term_years=term, **{flag: True}, **LISTING)
    assert exc.value.code == "listing_barred"
    assert str(services.BAR_LABELS[code]) in str(exc.value.message)
    case.refresh_from_db()
    assert case.state == CaseState.WARNED and not case.ground


@pytest.mark.parametrize("flag", ["full_security", "seized_assets_sufficient", "later_in_order"])
def test_g1_only_bars_do_not_stop_other_grounds(officer, make_case, flag):
    case = services.decide_listing(
        officer, make_case().pk, ground="G4", term_years=2, **{flag: True}, **LISTING
    )
    assert case.state == CaseState.DECIDED


def test_terms(officer, make_case):
    with pytest.raises(ServiceError) as exc:
        services.decide_listing(officer, make_case().pk, ground="G1", term_years=2, **LISTING)
    assert exc.value.code == "no_term_for_g1"
    with pytest.raises(ServiceError) as exc:
        services.decide_listing(officer, make_case().pk, ground="G2", **LISTING)
    assert exc.value.code == "term_required"
    with pytest.raises(ServiceError):
        services.decide_listing(
            officer,
            make_case().pk,
            ground="G2",
            term_years=2,
            extension_years=4,
            extension_reason="多项失信",
            **LISTING,
        )
    with pytest.raises(ServiceError):  # an extension needs its reason
        services.decide_listing(
            officer, make_case().pk, ground="G2", term_years=2, extension_years=1, **LISTING
        )
    case = services.decide_listing(
        officer,
        make_case().pk,
        ground="G2",
        term_years=2,
        extension_years=3,
        extension_reason="以暴力方法抗拒执行，情节严重",
        **LISTING,
    )
    case = services.publish(officer, case.pk, published_on=D("2026-06-03"))
    assert case.term_end == D("2031-06-03")  # 2 + 3 years: at most 5
    with pytest.raises(ServiceError):
        services.extend_term(officer, case.pk, years=1, reason="再延长")


def test_decision_must_be_served(officer, make_case):
    with pytest.raises(ServiceError) as exc:
        services.decide_listing(officer, make_case().pk, ground="G1", **{**LISTING, "served_on": None})
    assert exc.value.field == "served_on"


def test_extension_moves_the_expiry_deadline(officer, published_case):
    case = published_case("G2")
    assert case.term_end == D("2028-06-03")
    case = services.extend_term(officer, case.pk, years=2, reason="具有多项失信行为")
    assert case.term_end == D("2030-06-03")
    deadline = case.deadlines.get(kind=DeadlineKind.EXPIRY_DELETION)
    assert deadline.starts_on == D("2030-06-03") and deadline.due_on == rules.deletion_due(D("2030-06-03"))
    with pytest.raises(ServiceError):
        services.extend_term(officer, case.pk, years=2, reason="超过三年")


# ---------------------------------------------------------------- deletion


@pytest.mark.parametrize("ground", ITEM_GROUNDS)
def test_every_a10_ground_deletes_a_g1_listing_within_3_working_days(officer, published_case, ground):
    case = published_case("G1")
    deadline = services.report_deletion_ground(officer, case.pk, ground=ground, event_on=D("2026-09-30"))
    assert deadline.due_on == D(
        "2026-10-10"
    )  # after the National Day holiday: 8, 9 and Saturday 10 Oct (调休)
    case = services.delete_listing(officer, case.pk)
    assert case.state == CaseState.DELETED and case.deletion_ground == ground
    assert CaseDeadline.objects.get(pk=deadline.pk).met_on is not None
    assert list(selectors.public_query(case.enterprise.name)) == []
    expected_bar = rules.add_months(D("2026-09-30"), 6) if ground == DeletionGround.CREDITOR_REQUEST else None
    assert case.relist_barred_until == expected_bar


@pytest.mark.parametrize("ground", ITEM_GROUNDS)
def test_a10_grounds_do_not_apply_to_fixed_term_listings(officer, published_case, ground):
    case = published_case("G3")
    with pytest.raises(ServiceError) as exc:
        services.report_deletion_ground(officer, case.pk, ground=ground)
    assert exc.value.code == "ground_not_applicable"
    with pytest.raises(ServiceError):
        services.delete_listing(officer, case.pk, ground=ground)


def test_expiry_deletion_only_after_the_term(officer, published_case):
    case = published_case("G2")
    with pytest.raises(ServiceError) as exc:
        services.delete_listing(officer, case.pk, ground="expired", event_on=D("2028-06-02"))
    assert exc.value.code == "not_expired"
    case = services.delete_listing(officer, case.pk, ground="expired", event_on=D("2028-06-03"))
    assert case.state == CaseState.DELETED


def test_expired_term_is_swept_as_a_deadline(officer, published_case):
    case = published_case("G2")
    deadline = case.deadlines.get(kind=DeadlineKind.EXPIRY_DELETION)
    assert services.sweep(today=deadline.due_on - timedelta(days=1))["deadline_warnings"] == 1
    assert services.sweep(today=deadline.due_on + timedelta(days=1))["overdue"] == 1
    assert services.sweep(today=deadline.due_on + timedelta(days=2)) == {
        "warnings": 0,
        "deadline_warnings": 0,
        "overdue": 0,
        "acks": 0,
        "escalated": 0,
    }
    assert Notification.objects.filter(recipient=officer, subject="时限已过").count() == 1


def test_early_deletion_needs_a_reason(officer, published_case):
    case = published_case("G2")
    with pytest.raises(ServiceError):
        services.delete_listing(officer, case.pk, ground="early")
    assert (
        services.delete_listing(officer, case.pk, ground="early", note="积极履行").state == CaseState.DELETED
    )


def test_revocation_deadline(officer, published_case):
    case = published_case("G1")
    deadline = services.report_error(
        officer, case.pk, kind="revoke", note="被执行人不应纳入", found_on=D("2026-12-31")
    )
    assert deadline.due_on == rules.deletion_due(D("2026-12-31"))
    services.revoke(officer, case.pk, reason="不应纳入")
    assert CaseDeadline.objects.get(pk=deadline.pk).met_on is not None


# ---------------------------------------------------------------- objections and review


def test_objection_granted_then_corrected(officer, boss, published_case):
    case = published_case("G1")
    objection = services.file_objection(
        boss, case.pk, ground="inaccurate", statement="已履行金额记载有误", received_on=D("2026-07-01")
    )
    exam = case.deadlines.get(kind=DeadlineKind.OBJECTION_EXAM)
    assert exam.due_on == D("2026-07-16")
    objection = services.decide_objection(
        officer, objection.pk, grant=True, reason="理由成立", decided_on=D("2026-07-10")
    )
    assert objection.status == ObjectionStatus.GRANTED
    correct_deadline = case.deadlines.get(kind=DeadlineKind.OBJECTION_CORRECT)
    assert correct_deadline.due_on == rules.deletion_due(D("2026-07-10"))
    services.correct(officer, case.pk, changes={"performed_amount": "20000.00"}, reason="依申请更正")
    correct_deadline.refresh_from_db()
    assert correct_deadline.met_on is not None


def test_objection_rejected_then_review(officer, boss, published_case):
    case = published_case("G1")
    objection = services.file_objection(boss, case.pk, ground="not_listable", statement="本企业无履行能力")
    with pytest.raises(ServiceError):
        services.file_objection(boss, case.pk, ground="inaccurate", statement="重复申请内容")
    objection = services.decide_objection(
        officer, objection.pk, grant=False, reason="有履行能力", decided_on=D("2026-07-10")
    )
    filing = case.deadlines.get(kind=DeadlineKind.REVIEW_FILING)
    assert filing.due_on == D("2026-07-20")
    with pytest.raises(ServiceError) as exc:
        services.file_review(boss, objection.pk, statement="不服驳回决定", filed_on=D("2026-07-21"))
    assert exc.value.code == "too_late"
    objection = services.file_review(boss, objection.pk, statement="不服驳回决定", filed_on=D("2026-07-15"))
    assert case.deadlines.get(kind=DeadlineKind.REVIEW_DECISION).due_on == D("2026-07-30")
    case.refresh_from_db()
    assert case.state == CaseState.PUBLISHED  # the listing stays in force during review
    objection = services.decide_review(officer, objection.pk, grant=False, reason="维持")
    assert objection.status == ObjectionStatus.REVIEW_REJECTED


def test_strangers_cannot_object(users, published_case):
    case = published_case("G1")
    with pytest.raises(PermissionDeniedError):
        services.file_objection(users["resident"], case.pk, ground="inaccurate", statement="与我无关的企业")


# ---------------------------------------------------------------- repair and shielding


def test_repair_shields_the_record_but_keeps_it(officer, boss, published_case, enterprise):
    case = published_case("G1")
    assert [c.pk for c in selectors.public_query(enterprise.uscc)] == [case.pk]
    assert [c.pk for c in selectors.public_query("湘江建材")] == [case.pk]
    app = services.submit_repair(
        boss,
        case.pk,
        ground="settlement",
        statement="已与申请执行人和解并履行完毕",
        commitment="本企业承诺所提交材料真实，违反承诺自愿承担责任",
        files=[evidence()],
    )
    assert app.evidence.count() == 1
    services.decide_repair(officer, app.pk, approve=True, reason="材料真实，准予修复")
    case.refresh_from_db()
    assert case.state == CaseState.SHIELDED
    assert list(selectors.public_query(enterprise.uscc)) == []
    assert list(selectors.public_query("湘江建材")) == []
    assert selectors.visible_cases(officer).filter(pk=case.pk).exists()  # the record is kept
    assert selectors.visible_cases(boss).filter(pk=case.pk).exists()
    assert verify_chain(CreditEvent.objects.filter(case=case).order_by("id")) is None


def test_repair_needs_evidence_and_commitment(boss, published_case):
    case = published_case("G1")
    with pytest.raises(ServiceError):
        services.submit_repair(
            boss, case.pk, ground="performance", statement="已履行完毕", commitment="承诺", files=[evidence()]
        )
    with pytest.raises(ServiceError):
        services.submit_repair(
            boss,
            case.pk,
            ground="performance",
            statement="已履行完毕",
            commitment="本企业承诺所提交材料真实",
            files=[],
        )
    with pytest.raises(ServiceError) as exc:
        services.submit_repair(
            boss,
            case.pk,
            ground="performance",
            statement="已履行完毕",
            commitment="本企业承诺所提交材料真实",
            files=[evidence("x.pdf", b"MZ\x90\x00evil")],
        )
    assert exc.value.code == "attachment_type_mismatch"


def test_rejected_repair_keeps_the_listing(officer, boss, published_case):
    case = published_case("G1")
    app = services.submit_repair(
        boss,
        case.pk,
        ground="security",
        statement="已提供担保",
        files=[evidence()],
        commitment="本企业承诺所提交材料真实，违反承诺自愿承担责任",
    )
    services.decide_repair(officer, app.pk, approve=False, reason="担保不充分")
    case.refresh_from_db()
    assert case.state == CaseState.PUBLISHED
    assert Notification.objects.filter(
        recipient=boss, subject="信用修复告知书", body__contains="担保不充分"
    ).exists()
    with pytest.raises(IllegalTransition):
        services.decide_repair(officer, app.pk, approve=True, reason="再审")


def test_public_query_shows_only_published(officer, make_case, published_case, enterprise):
    make_case()  # warned
    services.issue_notice(officer, make_case().pk, grace_months=1, reason="暂时困难", intended_ground="G1")
    services.decide_listing(officer, make_case().pk, ground="G1", **LISTING)  # decided, unpublished
    published = published_case("G1")
    assert [c.pk for c in selectors.public_query(enterprise.name)] == [published.pk]
    assert list(selectors.public_query("")) == [] and list(selectors.public_query("湘")) == []


# ---------------------------------------------------------------- penalties (C, D)


PENALTY = {
    "authority": "示范县市场监督管理局",
    "decided_on": D("2026-05-10"),
    "facts": "未按规定公示年度报告",
    "penalty_types": ["fine"],
    "severity": "general",
    "fine_amount": "5000",
}


def test_mandatory_exemption_refuses_the_penalty(officer, enterprise):
    facts = {
        "first_violation": False,
        "minor_violation": True,
        "corrected_promptly": True,
        "harm": "none",
        "no_fault_proven": False,
    }
    assert (
        services.check_penalty_exemption(
            first_violation=False, minor=True, corrected_promptly=True, harm="none", no_fault_proven=False
        )["result"]
        == "mandatory"
    )
    with pytest.raises(ServiceError) as exc:
        services.record_penalty(
            officer, enterprise=enterprise, decision_number="市监罚〔2026〕1号", **PENALTY, **facts
        )
    assert exc.value.code == "penalty_exempt"
    assert not enterprise.penalties.exists()


def test_discretionary_exemption_needs_a_reason_to_penalise(officer, enterprise):
    facts = {
        "first_violation": True,
        "minor_violation": False,
        "corrected_promptly": True,
        "harm": "minor",
        "no_fault_proven": False,
    }
    with pytest.raises(ServiceError) as exc:
        services.record_penalty(
            officer, enterprise=enterprise, decision_number="市监罚〔2026〕2号", **PENALTY, **facts
        )
    assert exc.value.field == "exemption_declined_reason"
    penalty = services.record_penalty(
        officer,
        enterprise=enterprise,
        decision_number="市监罚〔2026〕2号",
        exemption_declined_reason="涉及食品安全，不宜首违不罚",
        **PENALTY,
        **facts,
    )
    assert penalty.exemption == "discretionary" and penalty.regime == "2026"
    assert (penalty.publicity_min_months, penalty.publicity_max_months) == (3, 12)


def test_penalty_regime_by_decision_date(officer, enterprise):
    facts = {
        "first_violation": False,
        "minor_violation": False,
        "corrected_promptly": False,
        "harm": "other",
        "no_fault_proven": False,
    }
    old = services.record_penalty(
        officer,
        enterprise=enterprise,
        decision_number="罚1",
        **{**PENALTY, "decided_on": D("2026-03-31"), "severity": "serious"},
        **facts,
    )
    new = services.record_penalty(
        officer,
        enterprise=enterprise,
        decision_number="罚2",
        **{**PENALTY, "decided_on": D("2026-04-01"), "severity": "serious"},
        **facts,
    )
    assert (old.regime, old.publicity_min_months, old.publicity_max_months) == ("2023", 3, 36)
    assert (new.regime, new.publicity_min_months, new.publicity_max_months) == ("2026", 12, 36)
    info = services.penalty_repair_eligibility(new, today=D("2026-12-01"))
    assert info["eligible"] is False and info["earliest"] == D("2027-04-01")
    assert any("最短公示期未满" in r for r in info["reasons"])
