"""One parametrised test over every (state, action) pair: the table allows exactly what the services do."""

import itertools
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core.errors import IllegalTransition, PermissionDeniedError
from gongzhi.credit import services
from gongzhi.credit.choices import CaseState
from gongzhi.credit.workflow import ACTIONS, TRANSITIONS, WORKFLOW

from .conftest import LISTING

D = date.fromisoformat
PDF = b"%PDF-1.4\n%test\n"


def reach(state, officer, boss, make_case):
    case = make_case()
    if state == CaseState.WARNED:
        return case
    if state == CaseState.NOT_LISTED:
        return services.settle(officer, case.pk, settlement="performed")
    if state == CaseState.IN_GRACE:
        return services.issue_notice(
            officer,
            case.pk,
            grace_months=1,
            reason="有履行意愿、暂时困难",
            intended_ground="G1",
            notice_on=D("2026-03-02"),
        )
    case = services.decide_listing(officer, case.pk, ground="G2", term_years=2, **LISTING)
    if state == CaseState.DECIDED:
        return case
    case = services.publish(officer, case.pk, published_on=D("2026-06-03"))
    if state == CaseState.PUBLISHED:
        return case
    if state == CaseState.REVOKED:
        return services.revoke(officer, case.pk, reason="不应纳入")
    if state == CaseState.DELETED:
        return services.delete_listing(officer, case.pk, ground="early", note="积极履行全部义务")
    if state == CaseState.SHIELDED:
        app = services.submit_repair(
            boss,
            case.pk,
            ground="performance",
            statement="已全部履行完毕",
            commitment="本企业承诺所提交材料真实，违反承诺自愿承担责任",
            files=[SimpleUploadedFile("证明.pdf", PDF, "application/pdf")],
        )
        services.decide_repair(officer, app.pk, approve=True, reason="材料齐全，准予修复")
        case.refresh_from_db()
        return case
    raise AssertionError(state)


def act(action, officer, case, boss):
    if action == "issue_notice":
        return services.issue_notice(
            officer,
            case.pk,
            grace_months=2,
            reason="暂时困难",
            intended_ground="G1",
            notice_on=D("2026-02-02"),
        )
    if action == "settle":
        return services.settle(officer, case.pk, settlement="security")
    if action == "decide_listing":
        return services.decide_listing(officer, case.pk, ground="G1", **LISTING)
    if action == "publish":
        return services.publish(officer, case.pk, published_on=D("2026-06-05"))
    if action == "correct":
        return services.correct(officer, case.pk, changes={"performed_amount": "1000.00"}, reason="金额有误")
    if action == "revoke":
        return services.revoke(officer, case.pk, reason="不应纳入")
    if action == "delete":
        return services.delete_listing(officer, case.pk, ground="early", note="主动纠正失信行为")
    if action == "shield":
        app = services.submit_repair(
            boss,
            case.pk,
            ground="settlement",
            statement="已达成和解并履行",
            commitment="本企业承诺所提交材料真实，违反承诺自愿承担责任",
            files=[SimpleUploadedFile("和解.pdf", PDF, "application/pdf")],
        )
        return services.decide_repair(officer, app.pk, approve=True, reason="准予修复")
    if action == "extend_term":
        return services.extend_term(officer, case.pk, years=1, reason="具有多项失信行为")
    raise AssertionError(action)


@pytest.mark.parametrize(("state", "action"), list(itertools.product(CaseState.values, ACTIONS)))
def test_every_state_action_pair(state, action, officer, boss, make_case):
    case = reach(state, officer, boss, make_case)
    assert case.state == state
    transition = WORKFLOW.get(state, action)
    if transition is None:
        with pytest.raises(IllegalTransition):
            act(action, officer, case, boss)
        case.refresh_from_db()
        assert case.state == state
        return
    act(action, officer, case, boss)
    case.refresh_from_db()
    assert case.state == transition.target
    assert (
        case.events.filter(state_before=state, state_after=transition.target)
        .exclude(action="warning")
        .exists()
    )


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS))
def test_only_credit_officers_may_act(state, action, officer, boss, make_case, users):
    case = reach(state, officer, boss, make_case)
    with pytest.raises(PermissionDeniedError):
        if action == "shield":
            app = services.submit_repair(
                boss,
                case.pk,
                ground="performance",
                statement="已全部履行完毕",
                commitment="本企业承诺所提交材料真实并承担责任",
                files=[SimpleUploadedFile("a.pdf", PDF, "application/pdf")],
            )
            services.decide_repair(users["supervisor"], app.pk, approve=True, reason="准予")
        else:
            act(action, users["supervisor"], case, boss)
    case.refresh_from_db()
    assert case.state == state


def test_available_actions():
    assert WORKFLOW.available(CaseState.PUBLISHED, {"credit_officer"}) == [
        "correct",
        "revoke",
        "delete",
        "shield",
        "extend_term",
    ]
    assert WORKFLOW.available(CaseState.PUBLISHED, {"resident"}) == []
    assert WORKFLOW.available(CaseState.DELETED, {"credit_officer"}) == []
